/* libidn2, loaded at its first use (lazy.h): only an address with an internationalised domain
 * needs it, written in ASCII for an SMTP server without SMTPUTF8 or checked by `check`. */
#include <idn2.h>

#include "lazy.h"
#include "pb_sonames.h"

#define FUNCS(X, XV) \
	X(int, idn2_to_ascii_8z, (const char *input, char **output, int flags), \
	  (input, output, flags)) \
	X(const char *, idn2_strerror, (int rc), (rc)) \
	XV(idn2_free, (void *ptr), (ptr))

struct tab {
	FUNCS(PB_LAZY_FIELD, PB_LAZY_FIELDV)
};

static struct pb_lazy_lib lib_idn2 = { PB_SONAME_IDN2,
				       "internationalised email domains (libidn2)", 0 };
static struct tab tab_idn2;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
load(void)
{
	struct pb_lazy_lib *lib = &lib_idn2;
	struct tab *t = &tab_idn2;

	FUNCS(PB_LAZY_LOOK, PB_LAZY_LOOKV)
}

static const struct tab *
table(void)
{
	pthread_once(&once, load);
	return &tab_idn2;
}

FUNCS(PB_LAZY_DEF, PB_LAZY_DEFV)
