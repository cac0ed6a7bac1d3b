/*
 * nats_stream.c
 *    Find, create or check the JetStream stream at start, and read its
 *    newest message.
 *
 * The stream must store every subject the template renders, claim chunks
 * included; that is checked against its subject filters with the
 * template's wildcard patterns ("events.*", "events.*.claim"), so a stream
 * that would silently drop some events (no stream listens: "no responders")
 * is refused at start instead.
 */
#include <stdio.h>
#include <string.h>

#include "nats_stream.h"
#include "stream_reader.h"
#include "subject.h"

#define LAST_MESSAGE_PROBES 1000	/* deleted messages skipped looking for the newest */

static const char *
nats_error(natsStatus s)
{
	const char *text = nats_GetLastError(NULL);

	return text != NULL && text[0] != '\0' ? text : natsStatus_GetText(s);
}

static int
stream_missing(natsStatus s, jsErrCode jerr)
{
	return s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr;
}

/* Does the stream store every subject of both patterns? */
int
nats_stream_covers(const StreamSetup *setup, const char *pattern)
{
	int			i;

	for (i = 0; i < setup->n_subjects; i++)
		if (subject_covers(setup->subjects[i], pattern))
			return 1;
	return 0;
}

/* Does the stream's subject list cover both patterns? */
static int
covers_all(const jsStreamConfig *cfg, char patterns[2][256], const char **missing)
{
	int			p;

	for (p = 0; p < 2; p++)
	{
		int			covered = 0;
		int			i;

		for (i = 0; i < cfg->SubjectsLen && !covered; i++)
			covered = subject_covers(cfg->Subjects[i], patterns[p]);
		if (!covered)
		{
			*missing = patterns[p];
			return 0;
		}
	}
	return 1;
}

static int
create_stream(jsCtx *js, const JetStreamOptions *opts, jsStreamInfo **si, char *error, size_t size)
{
	char		subjects[2][256];
	const char *list[2];
	int			n = subject_stream_subjects(opts->subject, subjects);
	jsStreamConfig cfg;
	jsErrCode	jerr = 0;
	natsStatus	s;

	if (n < 0)
	{
		snprintf(error, size, "the subject template is too long to derive stream subjects");
		return -1;
	}
	list[0] = subjects[0];
	list[1] = subjects[1];
	jsStreamConfig_Init(&cfg);
	cfg.Name = opts->stream;
	cfg.Subjects = list;
	cfg.SubjectsLen = n;
	cfg.Storage = js_FileStorage;
	cfg.Duplicates = opts->dup_window_ms * 1000000;
	cfg.Replicas = opts->replicas > 0 ? opts->replicas : 1;
	s = js_AddStream(si, js, &cfg, NULL, &jerr);
	if (s != NATS_OK)
	{
		snprintf(error, size, "cannot create stream %s (subjects %s%s%s, %lld replicas): %s%s",
				 opts->stream, subjects[0], n > 1 ? ", " : "", n > 1 ? subjects[1] : "",
				 (long long) cfg.Replicas, nats_error(s),
				 cfg.Replicas > 1 ? " (--replicas needs a JetStream cluster of at least that many servers)" : "");
		return -1;
	}
	ship_log("created JetStream stream %s (subjects %s%s%s, file storage, %lld replicas, duplicate window %lld ms)",
			 opts->stream, subjects[0], n > 1 ? ", " : "", n > 1 ? subjects[1] : "",
			 (long long) cfg.Replicas, (long long) opts->dup_window_ms);
	return 0;
}

/* --stream or --create-stream NAME: its info, created if asked. */
static int
named_stream(jsCtx *js, const JetStreamOptions *opts, jsStreamInfo **si, char *error, size_t size)
{
	jsErrCode	jerr = 0;
	natsStatus	s = js_GetStreamInfo(si, js, opts->stream, NULL, &jerr);

	if (s == NATS_OK)
		return 0;
	if (stream_missing(s, jerr) && opts->create_stream)
		return create_stream(js, opts, si, error, size);
	if (stream_missing(s, jerr))
		snprintf(error, size, "JetStream stream %s does not exist (create it with --create-stream %s)",
				 opts->stream, opts->stream);
	else
		snprintf(error, size, "cannot read JetStream stream %s: %s", opts->stream, nats_error(s));
	return -1;
}

/* No name given: the first stream whose subjects cover the template's. */
static int
find_stream(jsCtx *js, char patterns[2][256], jsStreamInfo **si, char *error, size_t size)
{
	jsStreamInfoList *list = NULL;
	jsErrCode	jerr = 0;
	natsStatus	s = js_Streams(&list, js, NULL, &jerr);
	const char *missing;
	int			i;

	if (s != NATS_OK && s != NATS_NOT_FOUND)
	{
		snprintf(error, size, "cannot list JetStream streams: %s", nats_error(s));
		return -1;
	}
	for (i = 0; list != NULL && i < list->Count; i++)
		if (covers_all(list->List[i]->Config, patterns, &missing))
		{
			s = js_GetStreamInfo(si, js, list->List[i]->Config->Name, NULL, &jerr);
			jsStreamInfoList_Destroy(list);
			if (s == NATS_OK)
				return 0;
			snprintf(error, size, "cannot read JetStream stream: %s", nats_error(s));
			return -1;
		}
	if (list != NULL)
		jsStreamInfoList_Destroy(list);
	snprintf(error, size, "no JetStream stream stores subjects %s and %s (create one with --create-stream NAME)",
			 patterns[0], patterns[1]);
	return -1;
}

/*
 * --dup-window configures a stream --create-stream creates; a stream that
 * exists keeps its own window: say so rather than ignore the flag silently.
 */
static void
warn_dup_window(const JetStreamOptions *opts, const StreamSetup *setup)
{
	if (!opts->dup_window_given || setup->dup_window_ms == opts->dup_window_ms)
		return;
	ship_log("warning: --dup-window %lld ms is not applied: JetStream stream %s exists with a duplicate window of %lld ms (change the stream's, e.g. nats stream edit %s --dupe-window %llds)",
			 (long long) opts->dup_window_ms, setup->name, (long long) setup->dup_window_ms,
			 setup->name, (long long) ((opts->dup_window_ms + 999) / 1000));
}

int
nats_stream_setup(jsCtx *js, const JetStreamOptions *opts, StreamSetup *setup,
				  char *error, size_t error_size)
{
	char		patterns[2][256];
	jsStreamInfo *si = NULL;
	const char *missing;
	char		have[512];
	int			rc;
	int			i;

	if (subject_patterns(opts->subject, patterns) < 0)
	{
		snprintf(error, error_size, "the subject template is too long");
		return -1;
	}
	rc = opts->stream != NULL ? named_stream(js, opts, &si, error, error_size)
		: find_stream(js, patterns, &si, error, error_size);
	if (rc != 0)
		return -1;
	if (!covers_all(si->Config, patterns, &missing))
	{
		stream_list_subjects(si->Config, have, sizeof(have));
		snprintf(error, error_size,
				 "JetStream stream %s does not store subjects %s (its subjects: %s; add one that covers it, or use another --subject)",
				 si->Config->Name, missing, have);
		jsStreamInfo_Destroy(si);
		return -1;
	}
	snprintf(setup->name, sizeof(setup->name), "%s", si->Config->Name);
	setup->n_subjects = 0;
	for (i = 0; i < si->Config->SubjectsLen && i < STREAM_MAX_SUBJECTS; i++)
		snprintf(setup->subjects[setup->n_subjects++], sizeof(setup->subjects[0]), "%s",
				 si->Config->Subjects[i]);
	setup->max_msg_size = si->Config->MaxMsgSize > 0 ? si->Config->MaxMsgSize : -1;
	setup->dup_window_ms = si->Config->Duplicates / 1000000;
	setup->created = si->Created;
	setup->replicas = si->Config->Replicas > 0 ? (int) si->Config->Replicas : 1;
	jsStreamInfo_Destroy(si);
	warn_dup_window(opts, setup);
	/*
	 * A stream that exists with fewer (or more) replicas than asked: an
	 * error, not a warning: whoever asked for R3 counts on surviving the loss
	 * of a server, and would not read a log line saying they cannot.
	 */
	if (opts->replicas > 0 && setup->replicas != opts->replicas)
	{
		snprintf(error, error_size,
				 "JetStream stream %s exists with %d replicas, not the %d of --replicas (change the stream's: nats stream edit %s --replicas %d, or give --replicas %d)",
				 setup->name, setup->replicas, opts->replicas, setup->name, opts->replicas, setup->replicas);
		return -1;
	}
	return 0;
}

static const char *
header(natsMsg *msg, const char *key)
{
	const char *value = NULL;

	return natsMsgHeader_Get(msg, key, &value) == NATS_OK ? value : NULL;
}

/* Its place in the log (W2e-Commit-Lsn, W2e-Position, W2e-Claim-Chunk): 0, or -1 when not a wal2events message. */
int
nats_stream_message_key(natsMsg *msg, MsgKey *key)
{
	const char *lsn = header(msg, "W2e-Commit-Lsn");
	const char *position = header(msg, "W2e-Position");
	const char *chunk = header(msg, "W2e-Claim-Chunk");

	if (position == NULL || lsn_parse(lsn, &key->commit_lsn) != 0)
		return -1;
	key->position = (uint32_t) strtoul(position, NULL, 10);
	key->part = chunk != NULL ? (uint32_t) strtoul(chunk, NULL, 10) : KEY_PART_EVENT;
	return 0;
}

/*
 * Whose is this message? Ours when an older shipper (before W2e-Source)
 * wrote it for our database: it says so in the headers every such message
 * has (the system identifier and database it was shipped from, and its
 * place in the log). The Nats-Msg-Id cannot tell: an outbox event's id is
 * its own.
 */
static void
classify(natsMsg *msg, const SinkSource *source, StreamTail *tail)
{
	const char *id = header(msg, "Nats-Msg-Id");
	const char *sysid = header(msg, "W2e-System-Identifier");
	const char *database = header(msg, "W2e-Database");

	tail->state = TAIL_FOREIGN;
	snprintf(tail->id, sizeof(tail->id), "%s", id != NULL ? id : "");
	if (id == NULL || sysid == NULL || database == NULL || header(msg, "W2e-Source") != NULL ||
		nats_stream_message_key(msg, &tail->key) != 0 ||
		strtoull(sysid, NULL, 10) != source->system_identifier ||
		strcmp(database, source->database) != 0)
		return;
	tail->state = TAIL_OURS;
}

int
nats_stream_tail(jsCtx *js, const char *stream, const SinkSource *source,
				 StreamTail *tail, char *error, size_t error_size)
{
	jsStreamInfo *si = NULL;
	jsErrCode	jerr = 0;
	natsStatus	s = js_GetStreamInfo(&si, js, stream, NULL, &jerr);
	uint64_t	seq;
	uint64_t	first;
	int			probes;

	memset(tail, 0, sizeof(*tail));
	tail->state = TAIL_EMPTY;
	if (s != NATS_OK)
	{
		snprintf(error, error_size, "cannot read JetStream stream %s: %s", stream, nats_error(s));
		return -1;
	}
	seq = si->State.Msgs > 0 ? si->State.LastSeq : 0;
	first = si->State.FirstSeq;
	jsStreamInfo_Destroy(si);
	for (probes = 0; seq >= first && seq > 0 && probes < LAST_MESSAGE_PROBES; seq--, probes++)
	{
		natsMsg    *msg = NULL;

		s = js_GetMsg(&msg, js, stream, seq, NULL, &jerr);
		if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr)
			continue;			/* deleted: look at the one before */
		if (s != NATS_OK)
		{
			snprintf(error, error_size, "cannot read message %llu of stream %s: %s",
					 (unsigned long long) seq, stream, nats_error(s));
			return -1;
		}
		classify(msg, source, tail);
		tail->seq = seq;
		natsMsg_Destroy(msg);
		return 0;
	}
	return 0;
}
