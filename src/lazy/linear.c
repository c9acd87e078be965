/* liblinear, loaded at its first use (lazy.h): only training a reader's model needs it. */
#include <linear.h>

#include "lazy.h"
#include "pb_sonames.h"

#define FUNCS(X, XV) \
	X(struct model *, train, (const struct problem *prob, const struct parameter *param), \
	  (prob, param)) \
	X(const char *, check_parameter, (const struct problem *prob, \
					  const struct parameter *param), (prob, param)) \
	X(int, get_nr_class, (const struct model *m), (m)) \
	XV(get_labels, (const struct model *m, int *label), (m, label)) \
	X(double, get_decfun_coef, (const struct model *m, int feat, int label), \
	  (m, feat, label)) \
	XV(free_and_destroy_model, (struct model **m), (m)) \
	XV(set_print_string_function, (void (*print)(const char *)), (print))

struct tab {
	FUNCS(PB_LAZY_FIELD, PB_LAZY_FIELDV)
};

static struct pb_lazy_lib lib_linear = { PB_SONAME_LINEAR, "learned ranking (liblinear)", 0 };
static struct tab tab_linear;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
load(void)
{
	struct pb_lazy_lib *lib = &lib_linear;
	struct tab *t = &tab_linear;

	FUNCS(PB_LAZY_LOOK, PB_LAZY_LOOKV)
}

static const struct tab *
table(void)
{
	pthread_once(&once, load);
	return &tab_linear;
}

FUNCS(PB_LAZY_DEF, PB_LAZY_DEFV)
