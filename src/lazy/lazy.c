/* Loading a library at its first use (lazy.h). */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lazy.h"
#include "paperboy/log.h"

#define EX_UNAVAILABLE 69

static void
give_up(const struct pb_lazy_lib *lib, const char *what)
{
	pb_err("library.missing", "library=%s needed_for=%s error=%s", lib->soname,
	       pb_q(lib->needed), pb_q(what));
	exit(EX_UNAVAILABLE);
}

void
pb_lazy_open(struct pb_lazy_lib *lib)
{
	const char *e;

	if (lib->handle)
		return;
	/* Never closed: its functions are called until the process ends. */
	lib->handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!lib->handle) {
		e = dlerror();
		give_up(lib, e ? e : "dlopen failed");
	}
	pb_debug("library.loaded", "library=%s", lib->soname);
}

pb_lazy_fn
pb_lazy_sym(struct pb_lazy_lib *lib, const char *name)
{
	void *p;
	char msg[256];

	pb_lazy_open(lib);
	dlerror();
	p = dlsym(lib->handle, name);
	if (!p) {
		snprintf(msg, sizeof msg, "it has no function %s", name);
		give_up(lib, msg);
	}
	return (pb_lazy_fn)(uintptr_t)p;
}
