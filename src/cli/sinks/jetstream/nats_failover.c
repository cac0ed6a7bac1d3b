/*
 * nats_failover.c
 *    Keeping the publishing connection (nats_wire.h) on a live server of a
 *    NATS cluster: which server it opens to, its own PINGs, and moving off
 *    a server that enters lame-duck mode.
 *
 * nats.c's connection follows the cluster by itself: it takes the server
 * list of --to, adds the servers the cluster announces (INFO connect_urls),
 * reconnects to another one when its server goes, and pings its server.
 * The publishing connection is opened to the server nats.c is connected to
 * (it has just proven reachable, and accepted the credentials). When that
 * server dies or restarts, the publishing connection sees its socket close
 * and the sink's recovery (sink_nats.c) opens it again once nats.c is
 * connected, to nats.c's server then.
 *
 * Why PINGs of our own: a server that is frozen, or a peer lost behind a
 * network that drops packets, closes no socket; without PINGs only the
 * acknowledgement timeout would notice, and only while messages are in
 * flight. Every WIRE_PING_MS a PING goes out; WIRE_PINGS_MAX unanswered
 * ones make the connection dead: the recovery path then treats every
 * message in flight as not stored, looks them up and sends them again.
 *
 * Lame duck (nats-server --signal ldm=PID): the server stops accepting
 * clients, hands its stream leaderships to other servers, tells its
 * clients ("ldm":true in an INFO) and closes them one by one after a
 * grace period (10 s by default). The sink does not wait for that: it
 * takes no new events, lets what is in flight be acknowledged, then opens
 * the publishing connection to another server (nats.c stays until the
 * server closes it, then reconnects elsewhere by itself; until nats.c has
 * left the lame duck, the publishing connection avoids it). No message is
 * sent again for a move.
 *
 * Order across a stream leader's death: the messages the dead leader had
 * not stored are lost, and JetStream stores whatever of ours reaches the
 * next leader; were the shipper still sending then, those later messages
 * would be stored before the lost ones are sent again. A "no responders"
 * answer stops it at once (nats_acks.c), but a message can also vanish
 * without an answer. So the shipper takes no new events while an
 * acknowledgement it asked for is more than STALL_MS late (a pause, not a
 * failure: --ack-timeout still decides that). The replicas elect a new
 * leader no sooner than their election timeout after the last heartbeat
 * (nats-server 2.9: 4 to 9 s, heartbeats every 1 s), well after the
 * shipper went quiet.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nats_sink_state.h"

#define WIRE_PING_MS 2000		/* a PING this often */
#define WIRE_PINGS_MAX 3		/* unanswered: the connection is dead */
#define STALL_MS 1000			/* an acknowledgement this late: no new events */

static int
try_open(NatsSink *ns, const char *url, char *error, size_t size)
{
	if (wire_open(&ns->wire, url, &ns->opts->auth, NATS_CONNECT_TIMEOUT_MS) != 0)
	{
		snprintf(error, size, "%s", ns->wire.error);
		return -1;
	}
	snprintf(ns->wire_url, sizeof(ns->wire_url), "%s", url);
	ns->unasked = 0;
	ns->ping_due = ship_now_ms() + WIRE_PING_MS;
	return 0;
}

/*
 * Another server of nats.c's list (--to's and the announced ones) than the
 * lame duck, tried in turn.
 */
static int
open_elsewhere(NatsSink *ns, char *error, size_t size)
{
	char	  **servers = NULL;
	int			count = 0;
	int			i;
	int			rc = -1;

	snprintf(error, size, "no NATS server to move to from %s, which is in lame-duck mode", ns->ldm_url);
	if (natsConnection_GetServers(ns->nc, &servers, &count) != NATS_OK)
		return -1;
	for (i = 0; i < count; i++)
	{
		if (rc != 0 && strcmp(servers[i], ns->ldm_url) != 0 && try_open(ns, servers[i], error, size) == 0)
			rc = 0;
		free(servers[i]);
	}
	free(servers);
	return rc;
}

int
nats_wire_open(NatsSink *ns, char *error, size_t size)
{
	char		url[1024];

	if (natsConnection_GetConnectedUrl(ns->nc, url, sizeof(url)) != NATS_OK || url[0] == '\0')
	{
		snprintf(error, size, "not connected to NATS");
		return -1;
	}
	if (ns->ldm_url[0] != '\0' && strcmp(url, ns->ldm_url) == 0)
		return open_elsewhere(ns, error, size);
	ns->ldm_url[0] = '\0';		/* nats.c has left the lame duck */
	return try_open(ns, url, error, size);
}

/* Every message in flight settled: leave the lame duck. */
static void
move(NatsSink *ns)
{
	char		error[300];

	ns->moving = 0;
	wire_close(&ns->wire);
	if (nats_wire_open(ns, error, sizeof(error)) != 0)
	{
		nats_enter_recovery(ns, error);
		return;
	}
	ship_log("moved the publishing connection from %s (lame-duck mode) to %s",
			 ns->ldm_url, ns->wire_url);
}

void
nats_failover_poll(NatsSink *ns, int64_t now)
{
	int64_t		ack = nats_ack_deadline(ns);

	ns->stalled = ack > 0 && now - (ack - ns->opts->ack_timeout_ms) > STALL_MS;
	if (ns->wire.fd < 0)
	{
		ns->moving = 0;			/* the recovery opens it again, off the lame duck */
		return;
	}
	if (ns->wire.ldm && !ns->moving)
	{
		ns->moving = 1;
		snprintf(ns->ldm_url, sizeof(ns->ldm_url), "%s", ns->wire_url);
		ship_log("NATS server %s entered lame-duck mode: taking no new events until those in flight are acknowledged, then moving to another server",
				 ns->wire_url);
	}
	if (ns->moving && !ns->deferred && !nats_any_pending(ns))
	{
		move(ns);
		return;
	}
	if (now < ns->ping_due)
		return;
	if (ns->wire.pings_out >= WIRE_PINGS_MAX)
	{
		char		why[300];

		snprintf(why, sizeof(why), "no answer from NATS server %.100s to %d PINGs in %d ms: the connection is dead",
				 ns->wire_url, ns->wire.pings_out, ns->wire.pings_out * WIRE_PING_MS);
		nats_connection_lost(ns, why);
		return;
	}
	if (wire_ping(&ns->wire) != 0 || wire_flush(&ns->wire) != 0)
	{
		nats_connection_lost(ns, ns->wire.error[0] ? ns->wire.error : "out of memory");
		return;
	}
	ns->ping_due = now + WIRE_PING_MS;
}

int64_t
nats_failover_deadline(NatsSink *ns, int64_t now)
{
	if (ns->wire.fd < 0)
		return -1;
	return ns->ping_due > now ? ns->ping_due - now : 0;
}
