/*
 * event_id.c
 *    The text forms of positions in the log: event ids and LSNs.
 *
 * An event id is a pure function of where the event sits in the WAL, so the
 * same WAL decoded twice gives the same ids and the hub can drop redelivered
 * events. The commit LSN is zero-padded to 16 hex digits so that the ids of
 * one cluster sort by commit order as plain strings.
 */
#include <stdio.h>

#include "internal.h"

void
w2e_event_id(char *out, uint64_t system_identifier, uint64_t commit_lsn,
			 uint32_t position)
{
	snprintf(out, W2E_EVENT_ID_MAX, "%llu/%016llX/%u",
			 (unsigned long long) system_identifier,
			 (unsigned long long) commit_lsn, (unsigned) position);
}

/* As PostgreSQL's pg_lsn prints it: upper-case hex halves, no padding. */
void
w2e_lsn_format(char *out, uint64_t lsn)
{
	snprintf(out, W2E_LSN_MAX, "%X/%X",
			 (unsigned) (lsn >> 32), (unsigned) (lsn & 0xFFFFFFFF));
}
