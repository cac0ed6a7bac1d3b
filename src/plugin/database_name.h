/*
 * database_name.h
 *    The name of the database being decoded (see database_name.c).
 */
#ifndef W2E_DATABASE_NAME_H
#define W2E_DATABASE_NAME_H

extern const char *decoded_database_name(void);

#endif							/* W2E_DATABASE_NAME_H */
