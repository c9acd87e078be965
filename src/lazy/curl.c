/* libcurl, loaded at its first use (lazy.h): fetching, the model APIs and every channel's
 * delivery use it; a run from a saved feed, `fetch --json` of a file and the state commands
 * do not. */
#define CURL_DISABLE_TYPECHECK   /* the definitions below are the functions themselves */
#include <stdarg.h>
#include <curl/curl.h>

#include "lazy.h"
#include "pb_sonames.h"

#define FUNCS(X, XV) \
	X(CURLcode, curl_global_init, (long flags), (flags)) \
	X(CURL *, curl_easy_init, (void), ()) \
	XV(curl_easy_cleanup, (CURL *c), (c)) \
	XV(curl_easy_reset, (CURL *c), (c)) \
	X(CURLcode, curl_easy_perform, (CURL *c), (c)) \
	X(CURLcode, curl_easy_recv, (CURL *c, void *b, size_t n, size_t *got), (c, b, n, got)) \
	X(CURLcode, curl_easy_send, (CURL *c, const void *b, size_t n, size_t *sent), \
	  (c, b, n, sent)) \
	X(const char *, curl_easy_strerror, (CURLcode e), (e)) \
	X(char *, curl_easy_escape, (CURL *c, const char *s, int n), (c, s, n)) \
	XV(curl_free, (void *p), (p)) \
	X(time_t, curl_getdate, (const char *s, const time_t *unused), (s, unused)) \
	X(struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s), (l, s)) \
	XV(curl_slist_free_all, (struct curl_slist *l), (l)) \
	X(CURLM *, curl_multi_init, (void), ()) \
	X(CURLMcode, curl_multi_cleanup, (CURLM *m), (m)) \
	X(CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *c), (m, c)) \
	X(CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *c), (m, c)) \
	X(CURLMcode, curl_multi_perform, (CURLM *m, int *running), (m, running)) \
	X(CURLMsg *, curl_multi_info_read, (CURLM *m, int *left), (m, left)) \
	X(CURLMcode, curl_multi_poll, (CURLM *m, struct curl_waitfd extra[], unsigned int n, \
				       int timeout_ms, int *ret), (m, extra, n, timeout_ms, ret)) \
	X(CURLMcode, curl_multi_socket_action, (CURLM *m, curl_socket_t s, int ev, int *running), \
	  (m, s, ev, running)) \
	X(CURLU *, curl_url, (void), ()) \
	XV(curl_url_cleanup, (CURLU *u), (u)) \
	X(CURLUcode, curl_url_get, (CURLU *u, CURLUPart what, char **part, unsigned int flags), \
	  (u, what, part, flags)) \
	X(CURLUcode, curl_url_set, (CURLU *u, CURLUPart what, const char *part, \
				    unsigned int flags), (u, what, part, flags))

/* The variadic ones, called through with the one argument their option or item takes. */
struct tab {
	FUNCS(PB_LAZY_FIELD, PB_LAZY_FIELDV)
	CURLcode (*curl_easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*curl_easy_getinfo)(CURL *, CURLINFO, ...);
	CURLMcode (*curl_multi_setopt)(CURLM *, CURLMoption, ...);
};

static struct pb_lazy_lib lib_curl = { PB_SONAME_CURL, "HTTP and SMTP (libcurl)", 0 };
static struct tab tab_curl;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
load(void)
{
	struct pb_lazy_lib *lib = &lib_curl;
	struct tab *t = &tab_curl;

	FUNCS(PB_LAZY_LOOK, PB_LAZY_LOOKV)
	t->curl_easy_setopt = (CURLcode(*)(CURL *, CURLoption, ...))
		pb_lazy_sym(lib, "curl_easy_setopt");
	t->curl_easy_getinfo = (CURLcode(*)(CURL *, CURLINFO, ...))
		pb_lazy_sym(lib, "curl_easy_getinfo");
	t->curl_multi_setopt = (CURLMcode(*)(CURLM *, CURLMoption, ...))
		pb_lazy_sym(lib, "curl_multi_setopt");
}

static const struct tab *
table(void)
{
	pthread_once(&once, load);
	return &tab_curl;
}

FUNCS(PB_LAZY_DEF, PB_LAZY_DEFV)

/* An option's number says the type of its argument (curl.h, CURLOPTTYPE_*), as libcurl itself
 * reads it: a long, a data pointer, a function pointer, a curl_off_t, or a blob's pointer. */
typedef void (*any_fn)(void);

CURLcode
curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	const struct tab *t = table();
	CURLcode r;
	va_list ap;

	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = t->curl_easy_setopt(c, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		r = t->curl_easy_setopt(c, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = t->curl_easy_setopt(c, opt, va_arg(ap, any_fn));
	else if (opt < CURLOPTTYPE_BLOB)
		r = t->curl_easy_setopt(c, opt, va_arg(ap, curl_off_t));
	else
		r = t->curl_easy_setopt(c, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLMcode
curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
	const struct tab *t = table();
	CURLMcode r;
	va_list ap;

	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = t->curl_multi_setopt(m, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
		r = t->curl_multi_setopt(m, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_OFF_T)
		r = t->curl_multi_setopt(m, opt, va_arg(ap, any_fn));
	else
		r = t->curl_multi_setopt(m, opt, va_arg(ap, curl_off_t));
	va_end(ap);
	return r;
}

/* Every item takes a pointer to where its value goes. */
CURLcode
curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	const struct tab *t = table();
	CURLcode r;
	va_list ap;

	va_start(ap, info);
	r = t->curl_easy_getinfo(c, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}
