/* libmicrohttpd, loaded at its first use (lazy.h): only the web endpoint (`serve`, and the
 * daemon with web enabled) needs it. */
#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <microhttpd.h>

#include "lazy.h"
#include "pb_sonames.h"

#define FUNCS(X, XV) \
	XV(MHD_stop_daemon, (struct MHD_Daemon *d), (d)) \
	X(const char *, MHD_lookup_connection_value, (struct MHD_Connection *c, \
						      enum MHD_ValueKind kind, const char *key), \
	  (c, kind, key)) \
	X(struct MHD_Response *, MHD_create_response_from_buffer, (size_t n, void *b, \
		enum MHD_ResponseMemoryMode mode), (n, b, mode)) \
	X(enum MHD_Result, MHD_add_response_header, (struct MHD_Response *r, const char *h, \
						     const char *v), (r, h, v)) \
	X(enum MHD_Result, MHD_queue_response, (struct MHD_Connection *c, unsigned int code, \
						struct MHD_Response *r), (c, code, r)) \
	XV(MHD_destroy_response, (struct MHD_Response *r), (r)) \
	X(struct MHD_PostProcessor *, MHD_create_post_processor, (struct MHD_Connection *c, \
		size_t n, MHD_PostDataIterator it, void *cls), (c, n, it, cls)) \
	X(enum MHD_Result, MHD_post_process, (struct MHD_PostProcessor *pp, const char *data, \
					      size_t n), (pp, data, n)) \
	X(enum MHD_Result, MHD_destroy_post_processor, (struct MHD_PostProcessor *pp), (pp))

struct tab {
	FUNCS(PB_LAZY_FIELD, PB_LAZY_FIELDV)
	struct MHD_Daemon *(*MHD_start_daemon_va)(unsigned int, uint16_t, MHD_AcceptPolicyCallback,
						  void *, MHD_AccessHandlerCallback, void *,
						  va_list);
	const union MHD_ConnectionInfo *(*MHD_get_connection_info)(struct MHD_Connection *,
								   enum MHD_ConnectionInfoType,
								   ...);
	const union MHD_DaemonInfo *(*MHD_get_daemon_info)(struct MHD_Daemon *,
							   enum MHD_DaemonInfoType, ...);
};

static struct pb_lazy_lib lib_mhd = { PB_SONAME_MHD, "the web endpoint (libmicrohttpd)", 0 };
static struct tab tab_mhd;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
load(void)
{
	struct pb_lazy_lib *lib = &lib_mhd;
	struct tab *t = &tab_mhd;

	FUNCS(PB_LAZY_LOOK, PB_LAZY_LOOKV)
	t->MHD_start_daemon_va = (struct MHD_Daemon *(*)(unsigned int, uint16_t,
		MHD_AcceptPolicyCallback, void *, MHD_AccessHandlerCallback, void *, va_list))
		pb_lazy_sym(lib, "MHD_start_daemon_va");
	t->MHD_get_connection_info = (const union MHD_ConnectionInfo *(*)(
		struct MHD_Connection *, enum MHD_ConnectionInfoType, ...))
		pb_lazy_sym(lib, "MHD_get_connection_info");
	t->MHD_get_daemon_info = (const union MHD_DaemonInfo *(*)(struct MHD_Daemon *,
		enum MHD_DaemonInfoType, ...))pb_lazy_sym(lib, "MHD_get_daemon_info");
}

static const struct tab *
table(void)
{
	pthread_once(&once, load);
	return &tab_mhd;
}

FUNCS(PB_LAZY_DEF, PB_LAZY_DEFV)

/* The options' list goes on as the library's own va_list form takes it. */
struct MHD_Daemon *
MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
		 void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	const struct tab *t = table();
	struct MHD_Daemon *d;
	va_list ap;

	va_start(ap, dh_cls);
	d = t->MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

/* The kinds of information paperboy asks for take no further argument. */
const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *c, enum MHD_ConnectionInfoType info, ...)
{
	return table()->MHD_get_connection_info(c, info);
}

const union MHD_DaemonInfo *
MHD_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType info, ...)
{
	return table()->MHD_get_daemon_info(d, info);
}
