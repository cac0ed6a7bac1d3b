/*
 * sql_subject.c
 *    wal2events.route_check_subject(text): a route's subject template
 *    checked by the shipper's own rules.
 *
 * route() calls it, so a template the shipper would refuse (or whose
 * subjects could pass NATS's limits) is an ERROR at route time rather than
 * a shipper that stops later. The rules are libwal2events'
 * (w2e_subject_template_check), the code `wal2events ship --subject` runs:
 * one rule, one place.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "wal2events.h"

PG_FUNCTION_INFO_V1(wal2events_route_check_subject);

Datum
wal2events_route_check_subject(PG_FUNCTION_ARGS)
{
	char	   *tmpl = text_to_cstring(PG_GETARG_TEXT_PP(0));
	W2eError	err;
	int			rc = w2e_subject_template_check(tmpl, &err);

	if (rc == 0)
		PG_RETURN_VOID();
	err.message[0] = (char) pg_toupper((unsigned char) err.message[0]);
	if (rc == W2E_SUBJECT_TOO_LONG)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wal2events.route(): subject template \"%s\" is too long", tmpl),
				 errdetail("%s.", err.message),
				 errhint("Every subject a template renders must fit in %d bytes, \".claim\" included, each placeholder counting %d: use fewer placeholders or shorter literal text.",
						 W2E_SUBJECT_MAX, W2E_SUBJECT_VALUE_MAX)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("wal2events.route(): bad subject template \"%s\"", tmpl),
			 errdetail("%s.", err.message),
			 errhint("Write dot-separated tokens without spaces, '*' or '>', with the placeholders {type} {schema} {table} {database} {partition_key}, for example 'shop.{type}'.")));
	PG_RETURN_VOID();
}
