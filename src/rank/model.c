/* The learned part of a profile: a linear SVM (liblinear, the library behind scikit-learn's
 * LinearSVC that arxiv-sanity trains per tag) on the subscriber's labelled papers.
 *
 * The primal solver (L2R_L2LOSS_SVC, trust region Newton) draws no random numbers, so the
 * same labels give the same weights on every run. */
#include <linear.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/log.h"
#include "rank_int.h"

static void
quiet(const char *s)
{
	(void)s;
}

int
rk_model_blend(struct pb_ranker *r, const struct rk_prof *pr, double scale)
{
	struct problem prob = { 0 };
	struct parameter par = { 0 };
	struct model *mod = NULL;
	struct feature_node *nodes = NULL;
	uint32_t *feat = NULL;          /* feature number - 1 -> term */
	size_t n_nodes = 0, nf = 0, l = 0;
	double norm = 0, sign = 1;
	const char *why;
	int rc = -1;

	if (!r->fmap)
		r->fmap = pb_xcalloc(r->voc.n + 1, sizeof *r->fmap);
	for (size_t i = 0; i < pr->n_m; i++)
		n_nodes += r->lvec[pr->m[i].lab].n + 1;
	nodes = pb_xcalloc(n_nodes + 1, sizeof *nodes);
	feat = pb_xcalloc(n_nodes + 1, sizeof *feat);
	prob.y = pb_xcalloc(pr->n_m + 1, sizeof *prob.y);
	prob.x = pb_xcalloc(pr->n_m + 1, sizeof *prob.x);
	prob.bias = -1;
	n_nodes = 0;
	for (size_t i = 0; i < pr->n_m; i++) {
		struct rk_vec v = r->lvec[pr->m[i].lab];

		if (pr->m[i].bare)
			continue;   /* no feature to learn from */
		prob.y[l] = pr->m[i].w > 0 ? 1 : -1;
		prob.x[l++] = &nodes[n_nodes];
		/* features are numbered on first sight; rows are sorted below */
		for (uint32_t j = 0; j < v.n; j++) {
			uint32_t t = r->lpool.t[v.off + j];

			if (!r->fmap[t]) {
				feat[nf] = t;
				r->fmap[t] = (int)++nf;
			}
			nodes[n_nodes].index = r->fmap[t];
			nodes[n_nodes++].value = r->lpool.w[v.off + j];
		}
		nodes[n_nodes++].index = -1;
	}
	prob.l = (int)l;
	/* rows must list their features in ascending order: sort each row */
	for (size_t i = 0; i < l; i++) {
		struct feature_node *x = prob.x[i];
		size_t n = 0;

		while (x[n].index != -1)
			n++;
		for (size_t a = 1; a < n; a++) {
			struct feature_node k = x[a];
			size_t b = a;

			while (b > 0 && x[b - 1].index > k.index) {
				x[b] = x[b - 1];
				b--;
			}
			x[b] = k;
		}
	}
	prob.n = (int)nf;
	par.solver_type = L2R_L2LOSS_SVC;
	par.C = 1.0;
	par.eps = 0.01;
#if LIBLINEAR_VERSION >= 240
	/* liblinear 2.40 added the field, and refuses 0 (its bias not regularised) unless the
	 * problem has a bias term of 1; these rows have none (prob.bias -1), as before 2.40 */
	par.regularize_bias = 1;
#endif
	set_print_string_function(quiet);
	if (nf == 0)
		goto out;
	if ((why = check_parameter(&prob, &par))) {
		pb_warn("rank.model", "note=%s reason=%s",
			pb_q("the learned model is left out; the likes alone rank"), pb_q(why));
		goto out;
	}
	if (!(mod = train(&prob, &par)))
		goto out;
	/* the decision value is positive for the first label liblinear saw */
	if (get_nr_class(mod) != 2)
		goto out;
	{
		int labels[2];

		get_labels(mod, labels);
		sign = labels[0] == 1 ? 1 : -1;
	}
	for (size_t f = 0; f < nf; f++) {
		double w = get_decfun_coef(mod, (int)f + 1, 0);

		norm += w * w;
	}
	if (norm <= 0)
		goto out;
	norm = sqrt(norm);
	for (size_t f = 0; f < nf; f++) {
		double w = sign * get_decfun_coef(mod, (int)f + 1, 0) / norm * scale;

		if (w != 0)
			rk_dense_add(r, feat[f], (float)w);
	}
	rc = 0;
out:
	for (size_t f = 0; f < nf; f++)
		r->fmap[feat[f]] = 0;
	if (mod)
		free_and_destroy_model(&mod);
	free(prob.x);
	free(prob.y);
	free(feat);
	free(nodes);
	return rc;
}
