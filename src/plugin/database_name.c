/*
 * database_name.c
 *    The name of the database being decoded, without a catalog lookup.
 *
 * The walsender runs the plugin's startup outside any transaction, and
 * non-transactional messages are decoded outside one too, so
 * get_database_name() is not an option there. The connection's own Port
 * carries the name the client connected with, which is the database's name.
 *
 * libpq-be.h pulls in gssapi.h when the server was built with GSSAPI, and
 * Debian's postgresql-server-dev-15 does not depend on the Kerberos headers.
 * Port keeps its layout without ENABLE_GSS (it holds a void pointer in place
 * of the GSS state "to keep struct offsets the same"), so this file, which
 * reads only database_name, compiles the header without it.
 */
#include "postgres.h"

#undef ENABLE_GSS
#include "libpq/libpq-be.h"
#include "miscadmin.h"
#include "commands/dbcommands.h"
#include "access/xact.h"

#include "database_name.h"

const char *
decoded_database_name(void)
{
	if (MyProcPort && MyProcPort->database_name && MyProcPort->database_name[0])
		return MyProcPort->database_name;
	/* a background worker has no Port; it decodes inside a transaction */
	if (IsTransactionState())
		return get_database_name(MyDatabaseId);
	return "";
}
