/* libpq, loaded at its first use (lazy.h): only a state on PostgreSQL needs it. */
#include <libpq-fe.h>

#include "lazy.h"
#include "pb_sonames.h"

#define FUNCS(X, XV) \
	X(PGconn *, PQconnectdbParams, (const char *const *keys, const char *const *values, \
					int expand_dbname), (keys, values, expand_dbname)) \
	XV(PQfinish, (PGconn *c), (c)) \
	XV(PQreset, (PGconn *c), (c)) \
	X(ConnStatusType, PQstatus, (const PGconn *c), (c)) \
	X(PGTransactionStatusType, PQtransactionStatus, (const PGconn *c), (c)) \
	X(int, PQbackendPID, (const PGconn *c), (c)) \
	X(int, PQserverVersion, (const PGconn *c), (c)) \
	X(char *, PQerrorMessage, (const PGconn *c), (c)) \
	X(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn *c, PQnoticeProcessor p, void *arg), \
	  (c, p, arg)) \
	X(PQconninfoOption *, PQconninfoParse, (const char *s, char **errmsg), (s, errmsg)) \
	XV(PQconninfoFree, (PQconninfoOption *o), (o)) \
	X(PGresult *, PQexec, (PGconn *c, const char *q), (c, q)) \
	X(PGresult *, PQexecParams, (PGconn *c, const char *q, int n, const Oid *types, \
				     const char *const *values, const int *lengths, \
				     const int *formats, int result_format), \
	  (c, q, n, types, values, lengths, formats, result_format)) \
	X(PGresult *, PQprepare, (PGconn *c, const char *name, const char *q, int n, \
				  const Oid *types), (c, name, q, n, types)) \
	X(PGresult *, PQexecPrepared, (PGconn *c, const char *name, int n, \
				       const char *const *values, const int *lengths, \
				       const int *formats, int result_format), \
	  (c, name, n, values, lengths, formats, result_format)) \
	X(int, PQsendQuery, (PGconn *c, const char *q), (c, q)) \
	X(int, PQsendQueryParams, (PGconn *c, const char *q, int n, const Oid *types, \
				   const char *const *values, const int *lengths, \
				   const int *formats, int result_format), \
	  (c, q, n, types, values, lengths, formats, result_format)) \
	X(int, PQsendQueryPrepared, (PGconn *c, const char *name, int n, \
				     const char *const *values, const int *lengths, \
				     const int *formats, int result_format), \
	  (c, name, n, values, lengths, formats, result_format)) \
	X(int, PQisBusy, (PGconn *c), (c)) \
	X(int, PQconsumeInput, (PGconn *c), (c)) \
	X(int, PQsocket, (const PGconn *c), (c)) \
	X(PGresult *, PQgetResult, (PGconn *c), (c)) \
	XV(PQclear, (PGresult *r), (r)) \
	X(PGresult *, PQmakeEmptyPGresult, (PGconn *c, ExecStatusType status), (c, status)) \
	X(ExecStatusType, PQresultStatus, (const PGresult *r), (r)) \
	X(char *, PQresultErrorMessage, (const PGresult *r), (r)) \
	X(char *, PQresultErrorField, (const PGresult *r, int code), (r, code)) \
	X(char *, PQcmdStatus, (PGresult *r), (r)) \
	X(char *, PQcmdTuples, (PGresult *r), (r)) \
	X(int, PQntuples, (const PGresult *r), (r)) \
	X(int, PQnfields, (const PGresult *r), (r)) \
	X(char *, PQfname, (const PGresult *r, int i), (r, i)) \
	X(Oid, PQftype, (const PGresult *r, int i), (r, i)) \
	X(char *, PQgetvalue, (const PGresult *r, int row, int col), (r, row, col)) \
	X(int, PQgetlength, (const PGresult *r, int row, int col), (r, row, col)) \
	X(int, PQgetisnull, (const PGresult *r, int row, int col), (r, row, col)) \
	X(unsigned char *, PQunescapeBytea, (const unsigned char *s, size_t *n), (s, n)) \
	XV(PQfreemem, (void *p), (p))

struct tab {
	FUNCS(PB_LAZY_FIELD, PB_LAZY_FIELDV)
};

static struct pb_lazy_lib lib_pq = { PB_SONAME_PQ, "a state on PostgreSQL (libpq)", 0 };
static struct tab tab_pq;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
load(void)
{
	struct pb_lazy_lib *lib = &lib_pq;
	struct tab *t = &tab_pq;

	FUNCS(PB_LAZY_LOOK, PB_LAZY_LOOKV)
}

static const struct tab *
table(void)
{
	pthread_once(&once, load);
	return &tab_pq;
}

FUNCS(PB_LAZY_DEF, PB_LAZY_DEFV)
