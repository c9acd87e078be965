/* Fetching the selected papers' full text (placeholder until the fetcher lands). */
#include <string.h>

#include "ft_int.h"

long
pb_fulltext_fetch(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h,
		  const struct pb_paperset *papers, const struct pb_selection *sel, size_t n_sel,
		  int64_t deadline, struct pb_fulltext_set *out)
{
	(void)cfg;
	(void)st;
	(void)h;
	(void)papers;
	(void)sel;
	(void)n_sel;
	(void)deadline;
	memset(out, 0, sizeof *out);
	return 0;
}

long
pb_fulltext_cached(const struct pb_config *cfg, struct pb_state *st,
		   const struct pb_paperset *papers, const struct pb_selection *sel, size_t n_sel,
		   struct pb_fulltext_set *out)
{
	return pb_fulltext_fetch(cfg, st, NULL, papers, sel, n_sel, 0, out);
}
