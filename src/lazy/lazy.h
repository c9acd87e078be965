/* Libraries loaded when first used, not at every start (lazy.c).
 *
 * paperboy links libcurl, libpq, libmicrohttpd, liblinear and libidn2, and between them they
 * bring in some forty further shared libraries (GnuTLS, Kerberos, LDAP, ICU's C++ runtime,
 * BLAS...).
 * The dynamic linker maps and relocates every one of them before main(), and GnuTLS and
 * p11-kit run their constructors: 4-5 ms on each start, more than `paperboy fetch --json` over
 * a day's saved feed spends reading it. Most commands need none of these libraries: a run from
 * a saved feed needs no libcurl, a SQLite state no libpq, anything but `serve` and `daemon`
 * no libmicrohttpd, anything but learned ranking no liblinear, an ASCII address no libidn2.
 *
 * So each library's functions that paperboy calls are defined in src/lazy/ under their own
 * names, with their own prototypes from the library's header (the compiler checks every one).
 * The first call to any of them loads the library with dlopen() by the soname paperboy was
 * built against (build/pb_sonames.h, read from the library at build time), looks every
 * function up once, and calls through. A library that cannot be loaded stops paperboy with a
 * message naming it and what needed it (exit 69, EX_UNAVAILABLE), as the dynamic linker would
 * have refused to start it. */
#ifndef PB_LAZY_H
#define PB_LAZY_H

#include <pthread.h>

typedef void (*pb_lazy_fn)(void);

struct pb_lazy_lib {
	const char *soname;     /* e.g. "libcurl.so.4" */
	const char *needed;     /* what needs it, for the error: "HTTP and SMTP (libcurl)" */
	void *handle;
};

/* Loads lib, or stops paperboy (exit 69) saying why. */
void pb_lazy_open(struct pb_lazy_lib *lib);
/* The function name of the loaded lib, or stops paperboy (exit 69) saying it is missing. */
pb_lazy_fn pb_lazy_sym(struct pb_lazy_lib *lib, const char *name);

/* The table of one library's functions: X(ret, name, params, args) for each returning a
 * value, XV(name, params, args) for each returning nothing. */
#define PB_LAZY_FIELD(ret, name, params, args) ret(*name) params;
#define PB_LAZY_FIELDV(name, params, args) void(*name) params;
#define PB_LAZY_LOOK(ret, name, params, args) \
	t->name = (ret(*) params)pb_lazy_sym(lib, #name);
#define PB_LAZY_LOOKV(name, params, args) \
	t->name = (void(*) params)pb_lazy_sym(lib, #name);
#define PB_LAZY_DEF(ret, name, params, args) \
	ret name params { return table()->name args; }
#define PB_LAZY_DEFV(name, params, args) \
	void name params { table()->name args; }

#endif
