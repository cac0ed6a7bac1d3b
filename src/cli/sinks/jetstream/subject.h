/*
 * subject.h
 *    NATS subjects of the JetStream sink: the subject template
 *    (`--subject events.{type}`), rendering it for one event, and the
 *    stream subjects that must store what it renders.
 */
#ifndef WAL2EVENTS_SUBJECT_H
#define WAL2EVENTS_SUBJECT_H

#include <stddef.h>

#include "wal2events.h"

/* The values a template's tokens take for one event. */
typedef struct SubjectValues
{
	const char *type;
	const char *schema;
	const char *table;
	const char *database;
	const char *partition_key;
} SubjectValues;

/* Suffix of the subject a claim-check chunk goes to: "<event subject>.claim". */
#define SUBJECT_CLAIM_SUFFIX ".claim"

/*
 * Check a template by libwal2events' rules (w2e_subject_template_check:
 * non-empty, dot-separated non-empty tokens of printable characters other
 * than ' ', '*', '>', with {type} {schema} {table} {database}
 * {partition_key} placeholders, every rendering at most W2E_SUBJECT_MAX
 * bytes). 0, or -1 with why in error.
 */
extern int	subject_template_check(const char *tmpl, char *error, size_t error_size);

/*
 * A template for --unit transaction (checked by subject_template_check
 * too): its placeholders are those a whole transaction has a value for,
 * {database} only. 0, or -1 with why in error.
 */
extern int	subject_template_transaction_check(const char *tmpl, char *error, size_t error_size);

/*
 * Render the (checked) template for one event into out (reset first).
 * Inside a value '.', ' ', '*', '>' and control characters become '_'; an
 * empty value is "_", so the subject stays valid and has as many tokens as
 * the template. A value longer than W2E_SUBJECT_VALUE_MAX (128) bytes is
 * shortened to 128: its first 111 bytes at most (whole UTF-8 characters),
 * '~' and 16 hex digits of its FNV-1a hash, so the same value always maps
 * to the same subject, and no subject passes W2E_SUBJECT_MAX.
 * 0, or -1 when out of memory.
 */
extern int	subject_render(const char *tmpl, const SubjectValues *values, W2eBuffer *out);

/*
 * The subjects a stream needs to store everything the template renders,
 * claim chunks included: "<literal prefix>.>" when the template starts with
 * literal tokens ("events.{type}" -> "events.>"), else the template with
 * each token that has a placeholder as '*', and the same with ".claim".
 * Writes one or two patterns; returns how many, -1 if they do not fit.
 */
extern int	subject_stream_subjects(const char *tmpl, char out[2][256]);

/*
 * The patterns every event and claim subject of the template matches
 * ("events.{type}" -> "events.*" and "events.*.claim"). Returns 2, or -1.
 */
extern int	subject_patterns(const char *tmpl, char out[2][256]);

/* 1 when the stream subject filter covers every subject matching pattern. */
extern int	subject_covers(const char *filter, const char *pattern);

/* Stream names: letters, digits, '-', '_', at most 255 bytes. */
extern int	subject_stream_name_valid(const char *name);

#endif							/* WAL2EVENTS_SUBJECT_H */
