/* The manage page's preview: the latest announcement paperboy fetched (from its HTTP cache, no
 * request), matched by the run's matcher and rendered by the HTML renderer, as `preview` does
 * for one subscriber. The digest is paperboy's own escaped output; it is shown in a sandboxed
 * iframe (srcdoc, escaped as an attribute value), and its titles listed in the page. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/deliver.h"
#include "paperboy/fetch.h"
#include "paperboy/log.h"
#include "paperboy/match.h"
#include "paperboy/rank.h"
#include "paperboy/render.h"
#include "paperboy/summarize.h"

#include "page.h"
#include "pages.h"

void
pb_pages_preview(struct pb_web_resp *resp, const struct pb_config *cfg, struct pb_state *st,
		 size_t i)
{
	struct pb_config one = *cfg;
	struct pb_paperset ps;
	struct pb_fetch_result res;
	struct pb_matcher *m = NULL;
	struct pb_rank_run *rr = NULL;
	struct pb_selection *sel = NULL;
	struct pb_digest d;
	struct pb_render_opts ro;
	struct pb_chan_ctx cx = { 0 };
	struct pb_parts parts = { 0 };
	char err[2048];

	memset(&d, 0, sizeof d);
	pb_paperset_init(&ps);
	one.subscribers = &cfg->subscribers[i];
	one.n_subscribers = 1;
	pb_buf_puts(&resp->body, "<section id=\"preview-result\"><h2>Preview</h2>\n");
	if (pb_fetch_today_cached(cfg, &ps, &res) != PB_FETCH_OK) {
		pb_buf_puts(&resp->body, "<p id=\"preview-none\">No announcement to preview: the "
			    "preview uses only what paperboy has fetched already (");
		pb_page_esc(resp, res.message);
		pb_buf_puts(&resp->body, "). Try again after the next run.</p>\n");
		goto out;
	}
	if ((m = pb_matcher_new(&one, err, sizeof err)))
		rr = pb_rank_run_new(&one, st, NULL, &ps, NULL, pb_now(), m);   /* offline */
	if (!m || pb_match_all(m, &ps, &sel, err, sizeof err) < 0 ||
	    pb_digest_build(NULL, &ps, &sel[0], ps.announce_date, &d) < 0) {
		pb_warn("web.preview", "error=%s", pb_q(err));
		pb_buf_puts(&resp->body, "<p>The preview could not be made.</p>\n");
		goto out;
	}
	memset(&ro, 0, sizeof ro);
	cx.cfg = &one;
	cx.sub = &one.subscribers[0];
	cx.d = &d;
	cx.now = (time_t)pb_now();
	pb_channels_render_opts(&cx, &ro);
	pb_buf_puts(&resp->body, "<p id=\"preview-count\">The announcement of ");
	pb_page_esc(resp, d.date ? d.date : "the latest day");
	pb_buf_printf(&resp->body, ": %zu of %zu papers match", d.n_matched, ps.n);
	if (d.n_items < d.n_matched)
		pb_buf_printf(&resp->body, ", the first %zu shown", d.n_items);
	pb_buf_puts(&resp->body, ".</p>\n<ol id=\"preview-titles\">");
	for (size_t k = 0; k < d.n_items; k++) {
		pb_buf_puts(&resp->body, "<li>");
		pb_page_esc(resp, d.items[k].paper->title);
		pb_buf_puts(&resp->body, "</li>");
	}
	pb_buf_puts(&resp->body, "</ol>\n");
	if (pb_render(&d, PB_FMT_HTML, &ro, &parts) == 0 && parts.n) {
		pb_buf_puts(&resp->body, "<iframe id=\"preview-digest\" title=\"The digest\" "
			    "sandbox=\"\" referrerpolicy=\"no-referrer\" style=\"width:100%;height:36rem;"
			    "border:1px solid #ddd;box-sizing:border-box\" srcdoc=\"");
		pb_page_esc(resp, parts.v[0]);
		pb_buf_puts(&resp->body, "\"></iframe>\n");
	}
out:
	pb_buf_puts(&resp->body, "</section>\n");
	pb_parts_free(&parts);
	pb_digest_free(&d);
	pb_selections_free(sel, 1);
	pb_matcher_free(m);
	pb_rank_run_free(rr);
	pb_paperset_free(&ps);
}
