/* The readers' own pages: sign-up with double opt-in (/ and /signup, the confirmation link
 * /c/TOKEN) and the manage page (/m/TOKEN) with its live preview: what their handlers
 * (declared in routes.h) share. Inside src/web/ only. */
#ifndef PAPERBOY_WEB_PAGES_H
#define PAPERBOY_WEB_PAGES_H

#include <cjson/cJSON.h>

#include "paperboy/config.h"
#include "paperboy/state.h"
#include "paperboy/web.h"

/* How the pages' mails (a confirmation, a manage link) leave: by default pb_mail_send_now through the configured SMTP
 * server. Tests put a function of theirs here (NULL restores the default). As
 * pb_mail_send_now: 0 sent, -2 refused for good, -1 not sent now; err filled on failure. */
typedef int (*pb_pages_mailer)(void *arg, const struct pb_config *cfg, const char *to,
			       const char *msg, size_t len, char *err, size_t errlen);
void pb_pages_set_mailer(pb_pages_mailer fn, void *arg);
/* Sends msg (pb_mail_build's) to the one address to, the mailer's way: 0, -2 refused for
 * good, -1 not sent now, err filled on failure. */
int pb_pages_send(const struct pb_config *cfg, const char *to, const char *msg, size_t len,
		  char *err, size_t errlen);

/* ---- shared by the pages (signup.c) ---- */
#define PB_PAGES_MAX_TOPICS 10
#define PB_PAGES_MAX_QUERY 1000
/* The form's bound on max_papers: the configuration's (max_papers, 1 to 1000), so a cap set
 * otherwise is not one the browser refuses to send back. */
#define PB_PAGES_MAX_PAPERS 1000
/* An address's links (confirmation, manage) carry it in their tokens: at most a token's
 * field, under the 254 an address may have. */
#define PB_PAGES_MAX_ADDRESS PB_TOKEN_FIELD_MAX

/* The config file with every stored subscriber that loads, inactive ones included, and every
 * row of the state. 0, or -1 (the file does not load). */
int pb_pages_load(struct pb_web_ctx *ctx, struct pb_config **cfg, struct pb_sub_row **rows,
		  size_t *n_rows);
/* Replaces ctx->cfg by a fresh load (inactive subscribers kept) after a change. */
void pb_pages_reload(struct pb_web_ctx *ctx);
/* After stored subscriber name's settings changed from old to json (committed): ctx->cfg
 * with that subscriber alone loaded again from json, the others kept, none read from the
 * state; a fresh load (pb_pages_reload) when that one does not load alone. */
void pb_pages_replace(struct pb_web_ctx *ctx, const char *name, const char *old,
		      const char *json);
/* Sets obj's "topics", "language" and "max_papers" from the form's topics ("NAME = QUERY" a
 * line), language and max_papers fields; a topic of obj keeps its other keys under its name,
 * and one without a query (likes alone, not in the form) stays. 0, or -1 with why (said for
 * the reader). */
int pb_pages_settings(cJSON *obj, const struct pb_form *f, struct pb_buf *why);
/* Appends the error box (id PB_PAGES_ERROR_ID, announced as an alert): the reason (escaped, in
 * <pre>: the rules' findings carry their caret line) and, for each query of topics_text that
 * does not parse, the query echoed escaped with the character at the error's column marked. */
void pb_pages_error(struct pb_web_resp *resp, const char *why, const char *topics_text);
#define PB_PAGES_ERROR_ID "form-error"
/* The form field a reason of pb_pages_settings, pb_cli_stored_validate or the sign-up is
 * about, by the name it starts with ("email", "topics", "language", "max_papers"; a rule's
 * "subscriber NAME, topic T, column C" is the topics'), or NULL (none: a busy service, an
 * expired form). A static string. */
const char *pb_pages_error_field(const char *why);
/* Appends the attributes that tie the field named field to the error box when it is the one
 * invalid names (aria-invalid, aria-describedby): a screen reader on the field says it is
 * wrong and why. Nothing otherwise. */
void pb_pages_invalid_attrs(struct pb_web_resp *resp, const char *field, const char *invalid);
/* The topics, language and max papers fields, filled with the given values (escaped); the
 * one invalid names (pb_pages_error_field; NULL: none) tied to the error box. */
void pb_pages_fields(struct pb_web_resp *resp, const char *topics, const char *language,
		     int max_papers, const char *invalid);
/* For each "NAME = QUERY" line of topics_text whose query has terms side by side (both must
 * hit here, where arXiv's search takes any), a warning paragraph in lang's words
 * (pb_rule_side_by_side_note), escaped. Nothing for the others. */
void pb_pages_rule_notes(struct pb_web_resp *resp, const char *topics_text, const char *lang);
/* "NAME = QUERY" lines of s's topics into out. */
void pb_pages_topics_text(const struct pb_subscriber *s, struct pb_buf *out);

/* ---- preview.c ---- */
/* Appends the preview section: what the latest cached announcement gives subscriber i of cfg,
 * matched by the real matcher, ranked by its likes (st's corpus and verdicts; may be NULL; no
 * network) and rendered by the HTML renderer (shown in a sandboxed iframe), with the titles
 * listed; or says that nothing is cached. */
void pb_pages_preview(struct pb_web_resp *resp, const struct pb_config *cfg, struct pb_state *st,
		      size_t i);

#endif
