/* Sign-up with double opt-in. The form's settings are checked exactly as `subscriber add`
 * checks them (pb_cli_stored_validate); a good one becomes a pending sign-up and one
 * confirmation mail with a signed /c/ link; an address subscribed already gets a note saying
 * so, with its manage link, instead. A mail that does not go keeps nothing; one the SMTP
 * server refuses for good gives the form back to check the address, one it cannot take now
 * asks to try again later. Nothing else is ever sent to an address that has not
 * confirmed, at most one mail per address per hour, a few sign-ups per client address per
 * hour, and neither the answer nor its time says which of these applied nor whether the
 * address is subscribed already. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/rand.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/cli.h"
#include "paperboy/deliver.h"
#include "paperboy/escape.h"
#include "paperboy/llm.h"
#include "paperboy/log.h"
#include "paperboy/rule_note.h"
#include "paperboy/rules.h"

#include "page.h"
#include "pages.h"
#include "routes.h"

#define IP_SLOTS 5            /* sign-ups per client address per hour */
#define HOUR 3600
/* The confirmation is sent inside the transaction that claims the stamps (so a mail that did
 * not go claims nothing); the wait for the SMTP server stays below the state's busy timeout
 * (10 s), so a run writing at the same time waits instead of failing. */
#define SEND_TIMEOUT_S 8

static pb_pages_mailer mailer;
static void *mailer_arg;

void
pb_pages_set_mailer(pb_pages_mailer fn, void *arg)
{
	mailer = fn;
	mailer_arg = arg;
}

int
pb_pages_send(const struct pb_config *cfg, const char *to, const char *msg, size_t len,
	      char *err, size_t errlen)
{
	if (mailer)
		return mailer(mailer_arg, cfg, to, msg, len, err, errlen);
	return pb_mail_send_now(cfg, to, msg, len, SEND_TIMEOUT_S, err, errlen);
}

/* ---- shared by the pages ---- */

int
pb_pages_load(struct pb_web_ctx *ctx, struct pb_config **cfg, struct pb_sub_row **rows,
	      size_t *n_rows)
{
	struct pb_buf problems = { 0 };
	struct pb_config_error ce;
	struct pb_config *c;
	char msg[1024];

	*cfg = NULL;
	*rows = NULL;
	*n_rows = 0;
	if (!ctx->config_path)
		return -1;
	/* Not pb_cli_load_config_file: that one sets up the log again (on stderr), and the
	 * daemon running these pages logs to syslog. */
	memset(&ce, 0, sizeof ce);
	if (!(c = pb_config_load(ctx->config_path, &ce))) {
		pb_config_error_format(&ce, msg, sizeof msg);
		pb_err("web.config", "config=%s error=%s", pb_q(ctx->config_path), pb_q(msg));
		return -1;
	}
	*cfg = pb_cli_with_stored(c, 1, rows, n_rows, &problems);
	if (problems.len)
		pb_warn("web.subscribers", "problems=%s", pb_q(problems.data));
	pb_buf_free(&problems);
	return 0;
}

void
pb_pages_reload(struct pb_web_ctx *ctx)
{
	struct pb_config *c;
	struct pb_sub_row *rows;
	size_t n;

	if (pb_pages_load(ctx, &c, &rows, &n) < 0)
		return;
	pb_sub_rows_free(rows, n);
	if (ctx->cfg_set) {
		ctx->cfg_set(ctx, c);
		return;
	}
	pb_config_free(ctx->cfg);
	ctx->cfg = c;
}

void
pb_pages_replace(struct pb_web_ctx *ctx, const char *name, const char *old, const char *json)
{
	const struct pb_subscriber *s = pb_config_subscriber(ctx->cfg, name);
	struct pb_config_error ce;
	struct pb_config *one = NULL, *c = NULL;

	/* The subscriber alone, with the file it is checked with; it comes last (the file's
	 * first), and what loads it alone is what a full load takes of it: its settings passed
	 * pb_cli_stored_validate against the others before they were written. */
	memset(&ce, 0, sizeof ce);
	if (s && s->stored && json && ctx->config_path &&
	    (one = pb_config_load_stored(ctx->config_path, &json, 1, &ce)) &&
	    one->n_subscribers &&
	    strcmp(one->subscribers[one->n_subscribers - 1].name, name) == 0) {
		/* the file's subscribers loaded with it are not kept: only the edited one is
		 * taken from this config, which lives as long as the workers' */
		bool *drop = pb_xcalloc(one->n_subscribers, sizeof *drop);

		for (size_t k = 0; k + 1 < one->n_subscribers; k++)
			drop[k] = true;
		pb_config_drop_marked(one, drop);
		free(drop);
		c = pb_config_replace_subscriber(ctx->cfg, (size_t)(s - ctx->cfg->subscribers),
						 one);
		one = NULL;
	}
	pb_config_free(one);
	if (!c) {
		pb_pages_reload(ctx);
		return;
	}
	if (ctx->cfg_edit) {
		ctx->cfg_edit(ctx, c, name, old, json);
		return;
	}
	pb_config_free(ctx->cfg);
	ctx->cfg = c;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* The topic named name in the JSON array topics, or NULL. */
static cJSON *
old_topic(const cJSON *topics, const char *name)
{
	for (cJSON *t = cJSON_IsArray(topics) ? topics->child : NULL; t; t = t->next) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(t, "name");

		if (cJSON_IsString(nm) && strcmp(nm->valuestring, name) == 0)
			return t;
	}
	return NULL;
}

int
pb_pages_settings(cJSON *obj, const struct pb_form *f, struct pb_buf *why)
{
	/* The form shows a topic's name and query alone: what else a topic has (exclude,
	 * follow_authors, likes, rank, ...) is kept by its name, and a topic of likes alone,
	 * which the form does not show, stays. */
	const cJSON *old = cJSON_GetObjectItemCaseSensitive(obj, "topics");
	const char *text = pb_form_get(f, "topics"), *lang = pb_form_get(f, "language");
	const char *max = pb_form_get(f, "max_papers");
	cJSON *a = cJSON_CreateArray();
	char *copy = pb_xstrdup(text ? text : ""), msg[400];
	int line = 0, n = 0, rc = -1;

	for (char *p = copy, *nl; p; p = nl) {
		char *eq, *name, *query;

		if ((nl = strchr(p, '\n')))
			*nl++ = '\0';
		line++;
		if (!*trim(p))
			continue;
		if (++n > PB_PAGES_MAX_TOPICS) {
			pb_buf_printf(why, "at most %d topics", PB_PAGES_MAX_TOPICS);
			goto out;
		}
		if (!(eq = strchr(p, '='))) {
			pb_buf_printf(why, "topics, line %d: write NAME = QUERY", line);
			goto out;
		}
		*eq = '\0';
		name = trim(p);
		query = trim(eq + 1);
		if (!*name || !*query) {
			pb_buf_printf(why, "topics, line %d: write NAME = QUERY", line);
			goto out;
		}
		if (strlen(query) > PB_PAGES_MAX_QUERY) {
			pb_buf_printf(why, "topics, line %d: a query is at most %d bytes", line,
				      PB_PAGES_MAX_QUERY);
			goto out;
		}
		cJSON *t = old_topic(old, name);

		t = t ? cJSON_Duplicate(t, 1) : cJSON_CreateObject();
		cJSON_DeleteItemFromObjectCaseSensitive(t, "name");
		cJSON_DeleteItemFromObjectCaseSensitive(t, "query");
		cJSON_AddStringToObject(t, "name", name);
		cJSON_AddStringToObject(t, "query", query);
		cJSON_AddItemToArray(a, t);
	}
	if (!n) {
		pb_buf_puts(why, "give at least one topic");
		goto out;
	}
	/* a topic ranked by its likes alone has no line in the form: it stays */
	for (cJSON *t = cJSON_IsArray(old) ? old->child : NULL; t; t = t->next) {
		cJSON *nm = cJSON_GetObjectItemCaseSensitive(t, "name");

		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t, "query")) &&
		    cJSON_IsString(nm) && !old_topic(a, nm->valuestring))
			cJSON_AddItemToArray(a, cJSON_Duplicate(t, 1));
	}
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "topics");
	cJSON_AddItemToObject(obj, "topics", a);
	a = NULL;
	if (lang && *lang) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "language");
		if (pb_config_stored_set(obj, "language", lang, msg, sizeof msg) < 0) {
			pb_buf_puts(why, msg);
			goto out;
		}
	}
	if (max && *max) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "max_papers");
		if (pb_config_stored_set(obj, "max_papers", max, msg, sizeof msg) < 0) {
			pb_buf_puts(why, msg);
			goto out;
		}
	}
	rc = 0;
out:
	cJSON_Delete(a);
	free(copy);
	return rc;
}

/* The byte offset of 1-based character column col in s (UTF-8), at most strlen(s). */
static size_t
col_offset(const char *s, int col)
{
	size_t i = 0;

	for (int c = 1; s[i] && c < col; c++)
		for (i++; ((unsigned char)s[i] & 0xC0) == 0x80; i++)
			;
	return i;
}

void
pb_pages_error(struct pb_web_resp *resp, const char *why, const char *topics_text)
{
	char *copy = pb_xstrdup(topics_text ? topics_text : "");

	pb_buf_puts(&resp->body, "<div class=\"error\" role=\"alert\" id=\"" PB_PAGES_ERROR_ID
		    "\"><p><strong>Not saved:</strong></p><pre>");
	pb_page_esc(resp, why);
	pb_buf_puts(&resp->body, "</pre>");
	for (char *p = copy, *nl; p; p = nl) {
		struct pb_rule_error e;
		struct pb_rule *r;
		char *eq, *q;
		size_t at, len;

		if ((nl = strchr(p, '\n')))
			*nl++ = '\0';
		if (!(eq = strchr(p, '=')))
			continue;
		q = trim(eq + 1);
		*eq = '\0';
		if (!*q || strlen(q) > PB_PAGES_MAX_QUERY)
			continue;
		memset(&e, 0, sizeof e);
		if ((r = pb_rule_parse(q, &e))) {
			pb_rule_free(r);
			continue;
		}
		at = col_offset(q, e.col);
		len = q[at] ? 1 : 0;
		while (q[at + len] && ((unsigned char)q[at + len] & 0xC0) == 0x80)
			len++;
		pb_buf_puts(&resp->body, "<p>Topic <b>");
		pb_page_esc(resp, trim(p));
		pb_buf_printf(&resp->body, "</b>, column %d: ", e.col);
		pb_page_esc(resp, e.msg);
		pb_buf_puts(&resp->body, "</p><pre class=\"query\"><code>");
		{
			char *head = pb_xstrndup(q, at), *mid = pb_xstrndup(q + at, len);

			pb_page_esc(resp, head);
			pb_buf_puts(&resp->body, "<mark>");
			pb_page_esc(resp, len ? mid : " ");
			pb_buf_puts(&resp->body, "</mark>");
			pb_page_esc(resp, q + at + len);
			free(head);
			free(mid);
		}
		pb_buf_puts(&resp->body, "</code></pre>");
	}
	pb_buf_puts(&resp->body, "</div>\n");
	free(copy);
}

const char *
pb_pages_error_field(const char *why)
{
	static const char *const fields[] = { "email", "topics", "language", "max_papers" };
	const char *p;

	if (!why)
		return NULL;
	/* the checks shared with the file name the subscriber first */
	if (strncmp(why, "subscriber ", 11) == 0 && (p = strstr(why, ", ")))
		why = p + 2;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		size_t n = strlen(fields[i]);

		if (strncmp(why, fields[i], n) == 0 && why[n] && strchr(":, ", why[n]))
			return fields[i];
	}
	/* "topic T, column C: ...", "give at least one topic", "at most 10 topics" */
	return strstr(why, "topic") ? "topics" : NULL;
}

void
pb_pages_invalid_attrs(struct pb_web_resp *resp, const char *field, const char *invalid)
{
	if (invalid && strcmp(field, invalid) == 0)
		pb_buf_puts(&resp->body, " aria-invalid=\"true\" aria-describedby=\""
			    PB_PAGES_ERROR_ID "\"");
}

void
pb_pages_rule_notes(struct pb_web_resp *resp, const char *topics_text, const char *lang)
{
	char *copy = pb_xstrdup(topics_text ? topics_text : "");
	struct pb_buf note = { 0 };

	for (char *p = copy, *nl, *eq; p; p = nl) {
		if ((nl = strchr(p, '\n')))
			*nl++ = '\0';
		if (!(eq = strchr(p, '=')))
			continue;
		*eq = '\0';
		pb_buf_reset(&note);
		if (!pb_rule_side_by_side_note(trim(p), trim(eq + 1), lang, &note))
			continue;
		pb_buf_puts(&resp->body, "<p class=\"warning\" role=\"status\"");
		/* the note is in the reader's words, on a page in English */
		pb_page_lang_attr(resp, lang);
		pb_buf_putc(&resp->body, '>');
		pb_page_esc(resp, note.data);
		pb_buf_puts(&resp->body, "</p>\n");
	}
	pb_buf_free(&note);
	free(copy);
}

void
pb_pages_topics_text(const struct pb_subscriber *s, struct pb_buf *out)
{
	for (size_t i = 0; i < s->n_topics; i++)
		if (s->topics[i].query)     /* a topic ranked by likes alone has none to edit */
			pb_buf_printf(out, "%s = %s\n", s->topics[i].name, s->topics[i].query);
}

void
pb_pages_fields(struct pb_web_resp *resp, const char *topics, const char *language,
		int max_papers, const char *invalid)
{
	static const char *const langs[][2] = {
		{ "en", "English" }, { "zh", "简体中文 (Simplified Chinese)" },
		{ "zh-TW", "繁體中文 (Traditional Chinese)" },
	};
	int listed = 0;

	pb_buf_puts(&resp->body,
		    "<label for=\"topics\">Topics, one a line: NAME = QUERY</label>\n"
		    "<textarea id=\"topics\" name=\"topics\" rows=\"5\" maxlength=\"11000\" "
		    "spellcheck=\"false\" required");
	/* the examples below it are the field's description, read with it (and after the
	 * error, when there is one) */
	if (invalid && strcmp(invalid, "topics") == 0)
		pb_buf_puts(&resp->body, " aria-invalid=\"true\" aria-describedby=\""
			    PB_PAGES_ERROR_ID " topics-hint\"");
	else
		pb_buf_puts(&resp->body, " aria-describedby=\"topics-hint\"");
	pb_buf_putc(&resp->body, '>');
	pb_page_esc(resp, topics);
	pb_buf_puts(&resp->body,
		    "</textarea>\n<div id=\"topics-hint\"><p class=\"hint\">In arXiv's search "
		    "syntax, for example:</p>\n"
		    "<ul class=\"hint\"><li><code>3D = cat:cs.CV AND abs:\"gaussian splatting\""
		    "</code></li><li><code>Del Maestro = au:Del_Maestro</code></li>"
		    "<li><code>Diffusion = ti:diffusion ANDNOT cat:cs.CL</code></li></ul></div>\n"
		    "<label for=\"language\">Language</label>\n"
		    "<select id=\"language\" name=\"language\"");
	pb_pages_invalid_attrs(resp, "language", invalid);
	pb_buf_putc(&resp->body, '>');
	for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
		int sel = language && strcmp(language, langs[i][0]) == 0;

		listed |= sel;
		pb_buf_printf(&resp->body, "<option value=\"%s\"%s>%s</option>", langs[i][0],
			      sel ? " selected" : "", langs[i][1]);
	}
	/* A language the list does not name ("pt-BR" for the model's analyses, "zh-CN", set
	 * with `subscriber edit`) is offered as it is and selected: without it the browser
	 * sends the first option, and a save that only changed the topics made it English.
	 * Named for the reader, its tag beside ("German (de)"), and said to come from elsewhere;
	 * a tag without a known name as it is. */
	if (language && *language && !listed) {
		const char *name = pb_language_name(language);

		pb_buf_puts(&resp->body, "<option value=\"");
		pb_esc_html_attr(&resp->body, language);
		pb_buf_puts(&resp->body, "\" selected>");
		pb_page_esc(resp, name);
		if (strcmp(name, language) != 0) {
			pb_buf_puts(&resp->body, " (");
			pb_page_esc(resp, language);
			pb_buf_putc(&resp->body, ')');
		}
		pb_buf_puts(&resp->body, ", set outside this form</option>");
	}
	pb_buf_printf(&resp->body,
		      "</select>\n<label for=\"max_papers\">At most this many papers a day</label>\n"
		      "<input id=\"max_papers\" name=\"max_papers\" type=\"number\" min=\"1\" "
		      "max=\"%d\" value=\"%d\"", PB_PAGES_MAX_PAPERS,
		      max_papers > 0 ? max_papers : 10);
	pb_pages_invalid_attrs(resp, "max_papers", invalid);
	pb_buf_puts(&resp->body, ">\n");
}

/* ---- the sign-up ---- */

/* The client as the server's rate limit counts it (pb_web_client). */
static void
client_of(const struct pb_web_ctx *ctx, const struct pb_web_req *req, char *out, size_t n)
{
	pb_web_client(ctx->trusted, ctx->n_trusted,
		      req->remote && *req->remote ? req->remote : "-",
		      req->header ? req->header(req, "X-Forwarded-For") : NULL, out, n);
}

/* The form, filled with f's fields (NULL: empty), why (NULL: none) in its error box. Its CSRF
 * field is made for the client that asked (client_of): the form has no subscriber to be made
 * for, and one field for everyone would be as good as none, any site fetching it once and
 * having its visitors' browsers post sign-ups with it (from their addresses, past the limit
 * of sign-ups a client has). A form sent from another network than it was opened on comes
 * back as filled in, with a field for that one. */
static void
form_page(struct pb_web_ctx *ctx, const struct pb_web_req *req, struct pb_web_resp *resp,
	  const struct pb_form *f, const char *why)
{
	char client[128];

	const char *email = f ? pb_form_get(f, "email") : NULL;
	const char *topics = f ? pb_form_get(f, "topics") : NULL;
	const char *lang = f ? pb_form_get(f, "language") : NULL;
	const char *max = f ? pb_form_get(f, "max_papers") : NULL;

	if (why)
		pb_page_begin_failed(resp, "Sign up for the arXiv digest");
	else
		pb_page_begin(resp, "Sign up for the arXiv digest");
	pb_buf_puts(&resp->body, "<p>Papers from arXiv's daily announcement that match your "
		    "topics, by email. You will get one mail to confirm the address first; "
		    "nothing else is sent until you open its link.</p>\n");
	if (why)
		pb_pages_error(resp, why, topics);
	pb_buf_puts(&resp->body, "<form method=\"post\" action=\"/signup\">\n");
	client_of(ctx, req, client, sizeof client);
	pb_csrf_field(ctx, resp, "signup", client);
	pb_buf_puts(&resp->body, "<label for=\"email\">Email address</label>\n"
		    "<input id=\"email\" name=\"email\" type=\"email\" ");
	pb_buf_printf(&resp->body, "maxlength=\"%d\" autocomplete=\"email\" required",
		      PB_PAGES_MAX_ADDRESS);
	pb_pages_invalid_attrs(resp, "email", pb_pages_error_field(why));
	pb_buf_puts(&resp->body, " value=\"");
	pb_page_esc(resp, email);
	pb_buf_puts(&resp->body, "\">\n");
	pb_pages_fields(resp, topics ? topics : "", lang ? lang : "en", max ? atoi(max) : 10,
			pb_pages_error_field(why));
	pb_buf_puts(&resp->body, "<button type=\"submit\">Sign up</button>\n</form>\n");
	pb_page_end(resp);
}

/* The page of a sign-up taken, whatever became of it (the address is not told apart), with
 * the notes on the topics as the form sent them: a rule copied from arXiv's search reads
 * otherwise here, and the reader learns it before the first digest. */
static void
neutral(struct pb_web_resp *resp, const struct pb_form *f)
{
	const char *lang = pb_form_get(f, "language");

	pb_buf_reset(&resp->headers);
	resp->status = 200;
	pb_page_begin(resp, "Check your mailbox");
	pb_buf_puts(&resp->body, "<p>A mail is on its way to this address: a link to confirm the "
		    "subscription, to open within two days, or a note that it is subscribed "
		    "already. No digest is sent to the address before it is confirmed.</p>\n");
	pb_pages_rule_notes(resp, pb_form_get(f, "topics"), lang && *lang ? lang : NULL);
	pb_page_end(resp);
}

/* Whether name is a subscriber of cfg or has a row in st (a stored subscriber left out of cfg
 * keeps its name): 1, 0, or -1 when the state cannot be read. */
static int
name_taken(const struct pb_config *cfg, struct pb_state *st, const char *name)
{
	struct pb_sub_row row = { 0 };
	int found;

	if (pb_config_subscriber(cfg, name))
		return 1;
	found = pb_sub_get(st, name, &row);
	pb_sub_row_clear(&row);
	return found;
}

/* "ann.lee+x@example.org" -> "ann.lee-x", a name not taken (name_taken). 0, or -1 when the
 * state cannot be read. */
static int
derive_name(const struct pb_config *cfg, struct pb_state *st, const char *addr, char out[72])
{
	char base[48];
	size_t n = 0;

	for (const char *p = addr; *p && *p != '@' && n < 40; p++) {
		unsigned char c = (unsigned char)tolower((unsigned char)*p);

		if (isalnum(c) || c == '.' || c == '_' || c == '-')
			base[n++] = (char)c;
		else if (c < 0x80)
			base[n++] = '-';
	}
	base[n] = '\0';
	while (base[0] == '.' || base[0] == '-')
		memmove(base, base + 1, strlen(base));
	if (!base[0])
		snprintf(base, sizeof base, "reader");
	for (int k = 1; k < 100000; k++) {
		int taken;

		if (k == 1)
			snprintf(out, 72, "%s", base);
		else
			snprintf(out, 72, "%s-%d", base, k);
		if ((taken = name_taken(cfg, st, out)) <= 0)
			return taken;
	}
	return 0;
}

/* The subscriber whose address is addr, or NULL. */
static const struct pb_subscriber *
by_address(const struct pb_config *cfg, const char *addr)
{
	for (size_t i = 0; i < cfg->n_subscribers; i++)
		for (size_t j = 0; j < cfg->subscribers[i].n_emails; j++)
			if (strcasecmp(cfg->subscribers[i].emails[j], addr) == 0)
				return &cfg->subscribers[i];
	return NULL;
}

/* s's own spelling of addr (strcasecmp), or addr. */
static const char *
subscribed_address(const struct pb_subscriber *s, const char *addr)
{
	for (size_t j = 0; j < s->n_emails; j++)
		if (strcasecmp(s->emails[j], addr) == 0)
			return s->emails[j];
	return addr;
}

/* The subscriber that has address addr and unsubscribed (state "unsubscribed": the reader's
 * own doing, by a link or the manage page), with its row in *row (pb_sub_row_clear): 1. 0
 * when there is none, -1 when the state cannot be read. A reader who unsubscribed and signs
 * up again gets that subscriber back, not a new one. */
static int
unsubscribed_owner(struct pb_web_ctx *ctx, const struct pb_config *cfg, const char *addr,
		   const struct pb_subscriber **s, struct pb_sub_row *row)
{
	int r;

	memset(row, 0, sizeof *row);
	if (!(*s = by_address(cfg, addr)))
		return 0;
	if ((r = pb_sub_get(ctx->st, (*s)->name, row)) <= 0)
		return r;
	if (row->state && strcmp(row->state, "unsubscribed") == 0)
		return 1;
	pb_sub_row_clear(row);
	memset(row, 0, sizeof *row);
	return 0;
}

static int
address_ok(const char *a)
{
	const char *at = strchr(a, '@');

	if (!at || at == a || !at[1] || strchr(at + 1, '@') || strlen(a) > PB_PAGES_MAX_ADDRESS)
		return 0;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7F || strchr("<>()[],;:\\\"", *p))
			return 0;
	return 1;
}

/* Claims one of the client's slots for the hour, its key left in key. 1 claimed, 0 none
 * left, -1 error. */
static int
claim_ip(const struct pb_web_ctx *ctx, struct pb_state *st, const struct pb_web_req *req,
	 int64_t now, struct pb_buf *key)
{
	char client[128];
	int r = 0;

	client_of(ctx, req, client, sizeof client);
	for (int k = 0; k < IP_SLOTS && r == 0; k++) {
		pb_buf_reset(key);
		pb_buf_printf(key, "signup-ip:%s:%d", client, k);
		r = pb_stamp_claim(st, key->data, now, HOUR);
	}
	return r;
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* The sign-up's mail of subject, text and html (both freed), built as every mail paperboy
 * sends, its Message-ID from the sign-up's id. */
static char *
signup_mail(const struct pb_config *cfg, const char *to, const char *subject,
	    struct pb_buf *text, struct pb_buf *html, const char *id, int64_t now, size_t *len)
{
	struct pb_buf mid = { 0 };
	char *m;

	pb_buf_printf(&mid, "signup.%s", id);
	m = pb_mail_build(cfg, to, subject, text->data, html->data, mid.data, (time_t)now, len);
	pb_buf_free(text);
	pb_buf_free(html);
	pb_buf_free(&mid);
	return m;
}

/* The confirmation mail for link. */
static char *
confirm_mail(const struct pb_config *cfg, const char *to, const char *link, const char *id,
	     int64_t now, size_t *len)
{
	struct pb_buf text = { 0 }, html = { 0 };

	pb_buf_printf(&text, "Someone, probably you, asked for the arXiv digest at this "
		      "address.\n\nTo confirm, open:\n%s\n\nThe link works for %d days. If you "
		      "did not ask for it, do nothing: no other mail will come.\n", link,
		      PB_LINK_CONFIRM_DAYS);
	pb_buf_puts(&html, "<!doctype html><html><body><p>Someone, probably you, asked for the "
		    "arXiv digest at this address.</p><p><a href=\"");
	pb_esc_html_attr(&html, link);
	pb_buf_printf(&html, "\">Confirm the subscription</a></p><p>The link works for %d "
		      "days. If you did not ask for it, do nothing: no other mail will come."
		      "</p></body></html>\n", PB_LINK_CONFIRM_DAYS);
	return signup_mail(cfg, to, "Confirm your arXiv digest subscription", &text, &html, id,
			   now, len);
}

/* The mail to an address a subscriber has already (active, paused, or that address
 * stopped): what to do instead, with the subscriber's manage link when there is one. */
static char *
subscribed_mail(const struct pb_config *cfg, const char *to, const char *link, const char *id,
		int64_t now, size_t *len)
{
	struct pb_buf text = { 0 }, html = { 0 };

	pb_buf_puts(&text, "Someone, probably you, asked for the arXiv digest at this address. "
		    "The address belongs to a subscription already: nothing has changed.\n\n");
	pb_buf_puts(&html, "<!doctype html><html><body><p>Someone, probably you, asked for the "
		    "arXiv digest at this address. The address belongs to a subscription already: "
		    "nothing has changed.</p>");
	if (link) {
		pb_buf_printf(&text, "To see it, change its topics or settings, resume or stop "
			      "it, open:\n%s\n", link);
		pb_buf_puts(&html, "<p><a href=\"");
		pb_esc_html_attr(&html, link);
		pb_buf_puts(&html, "\">See or change your subscription</a></p>");
	} else {
		pb_buf_puts(&text, "To change or stop it, use the links at the foot of a "
			    "digest.\n");
		pb_buf_puts(&html, "<p>To change or stop it, use the links at the foot of a "
			    "digest.</p>");
	}
	pb_buf_puts(&text, "\nIf you did not ask, do nothing.\n");
	pb_buf_puts(&html, "<p>If you did not ask, do nothing.</p></body></html>\n");
	return signup_mail(cfg, to, "Your arXiv digest subscription", &text, &html, id, now,
			   len);
}

/* The configuration file does not load (an edit half done): nothing is decided. */
static void
unreadable(struct pb_web_resp *resp)
{
	pb_page_plain(resp, 500, "Not available", "The service cannot read its configuration; "
		      "try again later.");
}

static void
do_signup(struct pb_web_ctx *ctx, const struct pb_web_req *req, struct pb_web_resp *resp)
{
	const struct pb_form *f = &req->form;
	const char *email = pb_form_get(f, "email");
	/* The subscribers this worker holds, read again by the server when the file or the
	 * stored ones changed: loading them all again for each sign-up took most of a second
	 * at 20,000. */
	const struct pb_config *cfg = ctx->cfg;
	size_t mlen = 0;
	struct pb_buf why = { 0 }, link = { 0 }, ipkey = { 0 };
	struct pb_signup_row su = { 0 };
	cJSON *obj = cJSON_CreateObject();
	char name[72], addr[PB_PAGES_MAX_ADDRESS + 1], id[33], key[300], err[512], client[128];
	const char *to = addr;   /* where the mail goes */
	unsigned char rnd[16];
	char *json = NULL, *mail = NULL;
	int64_t now = pb_now();
	int taken, ip, once, again, sent, v;
	const struct pb_subscriber *owner = NULL;
	struct pb_sub_row orow = { 0 };

	client_of(ctx, req, client, sizeof client);
	if (!pb_csrf_ok(ctx, req, "signup", client)) {
		/* The form comes back as it was filled in, with a fresh csrf field: a reader
		 * who took more than its two hours, or whose network changed meanwhile, keeps
		 * what they wrote. Nothing is sent. */
		resp->status = 403;
		form_page(ctx, req, resp, f, "This form was open too long, was sent from another "
			  "network than it was opened on, or did not come from this site: nothing "
			  "was sent. Check it and press Sign up again.");
		goto out;
	}
	if (!email || !address_ok(email)) {
		char why_addr[80];

		resp->status = 400;
		snprintf(why_addr, sizeof why_addr, "email: give one address (at most %d "
			 "characters)", PB_PAGES_MAX_ADDRESS);
		form_page(ctx, req, resp, f, why_addr);
		goto out;
	}
	snprintf(addr, sizeof addr, "%s", email);
	if ((again = unsubscribed_owner(ctx, cfg, addr, &owner, &orow)) < 0)
		goto fail;
	if (again)
		snprintf(name, sizeof name, "%s", owner->name);
	else if (derive_name(cfg, ctx->st, addr, name) < 0)
		goto fail;
	cJSON_AddStringToObject(obj, "name", name);
	cJSON_AddItemToObject(obj, "email", cJSON_CreateStringArray(
		(const char *const[]){ addr }, 1));
	if (pb_pages_settings(obj, f, &why) < 0) {
		resp->status = 400;
		form_page(ctx, req, resp, f, why.data);
		goto out;
	}
	json = cJSON_PrintUnformatted(obj);
	taken = !again && by_address(cfg, addr) != NULL;
	/* An address in use fails the check only on "email ..."; that must read as success. A
	 * stored subscriber signing up again is checked as an edit of its own settings. One of
	 * the file keeps the administrator's (the form's are not used), but the form is checked
	 * all the same, as a new reader's under a name of its own: a rule the form gets wrong
	 * is refused as it is for any other address, so the answer does not tell that this
	 * address is a subscriber's of the file. */
	if (again && !orow.settings) {
		char probe[72];
		char *pjson;

		if (derive_name(cfg, ctx->st, addr, probe) < 0)
			goto fail;
		cJSON_ReplaceItemInObject(obj, "name", cJSON_CreateString(probe));
		pjson = cJSON_PrintUnformatted(obj);
		cJSON_ReplaceItemInObject(obj, "name", cJSON_CreateString(name));
		if (!pjson)
			goto fail;
		v = pb_cli_stored_validate(ctx->config_path, cfg, probe, pjson, &why);
		cJSON_free(pjson);
		if (v == -2) {
			unreadable(resp);
			goto out;
		}
		/* the address is the subscriber's own: no sign of an address in use */
		if (why.len && strncmp(why.data, "email ", 6) == 0)
			pb_buf_reset(&why);
	} else if ((v = pb_cli_stored_validate(ctx->config_path, cfg, name, json, &why)) == -2) {
		unreadable(resp);
		goto out;
	}
	if (why.len && strncmp(why.data, "email ", 6) != 0) {
		resp->status = 400;
		form_page(ctx, req, resp, f, why.data);
		goto out;
	}
	taken = taken || why.len;
	/* The address is kept and written to as the reader typed it: a mailbox's local part
	 * may be case-sensitive (RFC 5321, 2.4), and "Ann.Lee@" lowered could be another's or
	 * none. It is one mailbox for everything else (one subscriber an address, compared as
	 * strcasecmp does), and so for the limit of one mail an hour. */
	snprintf(key, sizeof key, "confirm-mail:%s", addr);
	lower(key);
	if (pb_state_begin(ctx->st) < 0)
		goto fail;
	ip = claim_ip(ctx, ctx->st, req, now, &ipkey);
	once = ip > 0 ? pb_stamp_claim(ctx->st, key, now, HOUR) : 0;
	if (ip < 0 || once < 0) {
		pb_state_rollback(ctx->st);
		goto fail;
	}
	if (!ip || !once) {
		if (pb_state_commit(ctx->st) < 0)
			goto fail;
		pb_info("web.signup", "status=held reason=%s", !ip ? "ip-limit" : "address-limit");
		neutral(resp, f);
		goto out;
	}
	if (RAND_bytes(rnd, sizeof rnd) != 1) {
		pb_state_rollback(ctx->st);
		goto fail;
	}
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	if (taken) {
		/* The address gets the digest already: it is told so, with its manage link,
		 * under the same limits and as long a wait as a new one's confirmation (the
		 * answer's time does not tell the two apart). */
		const struct pb_subscriber *s = by_address(cfg, addr);

		/* to the address as the subscriber has it, where its digests go */
		if (s)
			to = subscribed_address(s, addr);
		if ((s && pb_link_make(&link, cfg->web.base_url ? cfg->web.base_url : "",
				       &ctx->secret, PB_LINK_MANAGE, s->name, to, now) < 0) ||
		    !(mail = subscribed_mail(cfg, to, s ? link.data : NULL, id, now, &mlen))) {
			pb_state_rollback(ctx->st);
			goto fail;
		}
	} else {
		su.id = id;
		su.address = addr;
		su.name = name;
		su.settings = json;
		su.created = now;
		if (pb_signup_put(ctx->st, &su) < 0 ||
		    pb_link_make(&link, cfg->web.base_url ? cfg->web.base_url : "", &ctx->secret,
				 PB_LINK_CONFIRM, id, addr, now) < 0 ||
		    !(mail = confirm_mail(cfg, addr, link.data, id, now, &mlen))) {
			pb_state_rollback(ctx->st);
			goto fail;
		}
	}
	/* The sign-up and the claims are committed before the mail goes, so no lock on the
	 * state is held while the SMTP server answers (the daemon writes meanwhile) and a link
	 * that went out always finds its sign-up. A mail that did not go gives both back. */
	if (pb_state_commit(ctx->st) < 0)
		goto fail;
	if ((sent = pb_pages_send(cfg, to, mail, mlen, err, sizeof err)) < 0) {
		struct pb_signup_row gone = { 0 };

		pb_warn("web.signup", "status=%s error=%s", sent == -2 ? "refused" : "unsent",
			pb_q(err));
		if (pb_state_begin(ctx->st) < 0 ||
		    (!taken && pb_signup_take(ctx->st, id, &gone) < 0) ||
		    pb_stamp_release(ctx->st, key, now) < 0 ||
		    pb_stamp_release(ctx->st, ipkey.data, now) < 0 ||
		    pb_state_commit(ctx->st) < 0) {
			pb_state_rollback(ctx->st);
			pb_warn("web.signup", "status=unsent-kept error=%s",
				pb_q(pb_state_errmsg(ctx->st)));
		}
		pb_signup_row_clear(&gone);
		if (sent == -2) {
			/* Later would be refused the same: the reader is asked to check the
			 * address, on the form as they filled it in. The server's words stay in
			 * the log. */
			resp->status = 422;
			form_page(ctx, req, resp, f, "email: the mail server refused this address for "
				  "good, so no confirmation can reach it; please check the address");
		} else {
			pb_page_plain(resp, 503, "Not sent", "The mail could not be sent just now. "
				      "Please try again later.");
		}
		goto out;
	}
	if (taken)
		pb_info("web.signup", "status=sent reason=subscribed");
	else
		pb_info("web.signup", "status=sent subscriber=%s%s", pb_q(name),
			again ? " again=1" : "");
	neutral(resp, f);
	goto out;
fail:
	pb_warn("web.signup", "status=error error=%s", pb_q(pb_state_errmsg(ctx->st)));
	/* busy (a run writing): 503 with Retry-After and the form as it was filled in */
	if (pb_web_busy(ctx, resp))
		form_page(ctx, req, resp, f, "the service is busy just now, and nothing was sent: "
			  "press Sign up again in a few seconds");
	else
		pb_page_plain(resp, 500, "Not available", "The sign-up could not be recorded; "
			      "try again later.");
out:
	free(mail);
	free(json);
	cJSON_Delete(obj);
	pb_sub_row_clear(&orow);
	pb_buf_free(&ipkey);
	pb_buf_free(&link);
	pb_buf_free(&why);
}

void
pb_web_signup(struct pb_web_ctx *ctx, const struct pb_web_req *req, struct pb_web_resp *resp)
{
	if (!ctx->cfg->email.enabled || !ctx->cfg->web.base_url) {
		pb_page_plain(resp, 503, "Not available", "Sign-up by email is not set up here.");
		return;
	}
	if (strcmp(req->method, "POST") == 0)
		do_signup(ctx, req, resp);
	else
		form_page(ctx, req, resp, NULL, NULL);
}

/* ---- the confirmation link ---- */

/* The page of a confirmed address, with name's manage link (made at `at`) when name is
 * given. */
static void
subscribed_page(struct pb_web_ctx *ctx, struct pb_web_resp *resp, const char *title,
		const char *text, const char *name, const char *addr, int64_t at)
{
	struct pb_buf link = { 0 };

	pb_page_begin(resp, title);
	pb_buf_puts(&resp->body, "<p>");
	pb_page_esc(resp, text);
	pb_buf_puts(&resp->body, "</p>\n");
	if (name && pb_link_make(&link, ctx->cfg->web.base_url ? ctx->cfg->web.base_url : "",
				 &ctx->secret, PB_LINK_MANAGE, name, addr, at) == 0) {
		pb_buf_puts(&resp->body, "<p><a id=\"manage\" href=\"");
		pb_page_esc(resp, link.data);
		pb_buf_puts(&resp->body, "\">Your topics, pause and unsubscribe</a> (every digest "
			    "carries this link too).</p>\n");
	}
	pb_page_end(resp);
	pb_buf_free(&link);
}

/* Whether a manage link of subscriber name made at `at` opens its page, as
 * pb_web_token_current sees it: made in or after the second of the name's last removal, and
 * not before its links were signed out. 1, 0, or -1 when the state cannot be read. */
static int
manage_opens(struct pb_web_ctx *ctx, const char *name, int64_t at)
{
	int64_t since, removed;

	if (pb_sub_links_since(ctx->st, name, &since) < 0 ||
	    pb_sub_removed(ctx->st, name, &removed) < 0)
		return -1;
	return at >= since && at >= removed;
}

/* The page a confirmation link opens: the address and a button. Link scanners and previews
 * fetch every link in a mail, so only the button's POST confirms: a GET that did would
 * subscribe an address whose owner never asked, the one thing double opt-in is for. */
static void
confirm_ask(struct pb_web_ctx *ctx, struct pb_web_resp *resp, const char *id, const char *addr)
{
	resp->status = 200;
	pb_page_begin(resp, "Confirm your subscription");
	pb_buf_puts(&resp->body, "<p>Send the arXiv digest to <strong>");
	pb_page_esc(resp, addr);
	pb_buf_puts(&resp->body, "</strong>?</p>\n<form method=\"post\">\n");
	pb_csrf_field(ctx, resp, "confirm", id);
	pb_buf_puts(&resp->body, "\n<button type=\"submit\" id=\"confirm\">Confirm the "
		    "subscription</button>\n</form>\n<p class=\"note\">Nothing is subscribed until "
		    "you press the button. If you did not ask for it, close this page.</p>\n");
	pb_page_end(resp);
}

/* The answers of a confirmation that was not recorded (the transaction rolled back) and of
 * one whose settings no longer pass (the sign-up used up: committed). */
static void
confirm_failed(struct pb_web_ctx *ctx, struct pb_web_resp *resp)
{
	pb_warn("web.confirm", "status=error error=%s", pb_q(pb_state_errmsg(ctx->st)));
	pb_web_state_failed(ctx, resp, "Not available", "The confirmation could not be "
			    "recorded; try the link again later.");
}

static void
confirm_refused(struct pb_web_ctx *ctx, struct pb_web_resp *resp, const char *why)
{
	pb_state_commit(ctx->st);   /* the sign-up is used up either way */
	pb_info("web.confirm", "status=refused reason=%s", pb_q(why));
	pb_page_plain(resp, 409, "Not subscribed", "These settings are no longer accepted here. "
		      "Please sign up again.");
}

/* Confirms the sign-up su of a subscriber who unsubscribed (sub, old its row) inside the
 * open transaction, and answers: the subscriber active again, with the form's settings when
 * it is a stored one (checked as an edit of its own) and its own (the administrator's) when
 * it is the file's, and the confirmed address no longer stopped. Its other addresses and
 * chats stay as they are: the confirmation speaks for one mailbox, and a team's member who
 * unsubscribed is not written to again because another signed up (the manage page restarts
 * each). Ends the transaction. */
static void
confirm_again(struct pb_web_ctx *ctx, struct pb_web_resp *resp, const struct pb_signup_row *su,
	      const struct pb_subscriber *sub, const struct pb_sub_row *old, const char *key,
	      int64_t now, const struct pb_config *cfg)
{
	struct pb_sub_row r = *old;
	struct pb_buf why = { 0 };
	cJSON *obj = NULL;
	char *json = NULL;
	int64_t at = now + 1, since = 0;
	int v;

	if (old->settings) {
		obj = cJSON_Parse(su->settings);
		if (!cJSON_IsObject(obj))
			goto fail;
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "name");
		cJSON_AddStringToObject(obj, "name", old->name);
		json = cJSON_PrintUnformatted(obj);
		if ((v = pb_cli_stored_validate(ctx->config_path, cfg, old->name, json,
						&why)) == -2) {
			pb_state_rollback(ctx->st);   /* the sign-up stays for the next try */
			unreadable(resp);
			goto out;
		}
		if (v < 0) {
			confirm_refused(ctx, resp, why.data);
			goto out;
		}
		r.settings = json;
	}
	r.state = (char *)"active";
	r.reason = NULL;
	/* The reader proved the mailbox again: the manage links from before (any forwarded,
	 * leaked) are signed out, as the manage page's button does, and this page's is made
	 * after (links carry whole seconds; after a sign-out dated later still, as the
	 * button's, pressed in this second, may be). The suppression lifted is of the address as the
	 * subscriber has it, which the suppression names. */
	if (pb_suppress_lift(ctx->st, old->name, "email",
			     subscribed_address(sub, su->address)) < 0 ||
	    pb_sub_links_since(ctx->st, old->name, &since) < 0 ||
	    pb_sub_links_revoke(ctx->st, old->name, at = at > since ? at : since + 1) < 0 ||
	    pb_sub_put(ctx->st, &r) < 0 ||
	    pb_stamp_claim(ctx->st, key, now, -1) < 0 || pb_state_commit(ctx->st) < 0)
		goto fail;
	pb_info("web.confirm", "status=subscribed subscriber=%s again=1", pb_q(old->name));
	pb_pages_reload(ctx);
	subscribed_page(ctx, resp, "Subscribed again", "Confirmed: the digest comes to this "
			"address again from the next announcement on.", old->name, su->address,
			at);
	goto out;
fail:
	pb_state_rollback(ctx->st);
	confirm_failed(ctx, resp);
out:
	free(json);
	cJSON_Delete(obj);
	pb_buf_free(&why);
}

void
pb_web_confirm(struct pb_web_ctx *ctx, const struct pb_web_req *req, struct pb_web_resp *resp)
{
	struct pb_token t;
	struct pb_signup_row su = { 0 };
	const struct pb_config *cfg = ctx->cfg;   /* until pb_pages_reload, as do_signup's */
	struct pb_sub_row row = { 0 }, old = { 0 };
	struct pb_buf why = { 0 }, key = { 0 };
	const struct pb_subscriber *s;
	cJSON *obj = NULL;
	char *json = NULL, name[72];
	int64_t now = pb_now(), issued;
	int r;

	if (pb_web_token(ctx, pb_web_path_rest(req, "/c/"), pb_link_purpose(PB_LINK_CONFIRM),
			 &t, resp) < 0)
		return;
	if (pb_state_begin(ctx->st) < 0)
		goto fail;
	pb_buf_printf(&key, "confirmed:%s", t.subject);
	if ((r = pb_signup_take(ctx->st, t.subject, &su)) < 0) {
		pb_state_rollback(ctx->st);
		goto fail;
	}
	if (r == 1 && strcasecmp(su.address, t.detail) == 0 &&
	    pb_web_token_removed(ctx, PB_LINK_CONFIRM, &t, su.name, resp) < 0) {
		/* made before the subscriber of its name was removed: the operator's removal is
		 * not undone by a confirmation asked for earlier; the sign-up stays until it
		 * expires */
		pb_state_rollback(ctx->st);
		goto out;
	}
	if (r == 0 || strcasecmp(su.address, t.detail) != 0) {
		/* Taken already: a second click says so; an unknown sign-up gets a plain page. */
		r = pb_stamp_claim(ctx->st, key.data, now, -1);
		pb_state_rollback(ctx->st);
		if (r != 0) {
			pb_page_plain(resp, 404, "Link not valid", "This sign-up is not known "
				      "(it may have expired). Sign up again to get a new link.");
			goto out;
		}
		/* The link offered opens what a manage link mailed with the confirmation would
		 * open, no more: made when the confirmation was, and none once the subscriber's
		 * links were signed out since (a sign-up confirmed again does that too) or its
		 * name removed. Whoever holds an old confirmation link, forwarded or leaked, is
		 * not handed a fresh way past "Sign out other links". */
		issued = pb_link_issued(PB_LINK_CONFIRM, &t);
		s = by_address(cfg, t.detail);
		if (s && (r = manage_opens(ctx, s->name, issued)) <= 0) {
			if (r < 0)
				pb_warn("web.confirm", "subscriber=%s error=%s", pb_q(s->name),
					pb_q(pb_state_errmsg(ctx->st)));
			s = NULL;
		}
		subscribed_page(ctx, resp, "Already confirmed", s ? "This address is confirmed "
				"already." : "This address is confirmed already. The link to your "
				"subscription's page comes with every digest.", s ? s->name : NULL,
				t.detail, issued);
		goto out;
	}
	if (strcmp(req->method, "POST") != 0) {
		pb_state_rollback(ctx->st);   /* a GET or HEAD only asks */
		confirm_ask(ctx, resp, t.subject, su.address);
		goto out;
	}
	if (!pb_csrf_ok(ctx, req, "confirm", t.subject)) {
		pb_state_rollback(ctx->st);
		pb_web_form_expired(resp, "Open the link in the mail again and press the button.");
		goto out;
	}
	/* A reader who unsubscribed and signed up again: that subscriber active again. */
	if ((r = unsubscribed_owner(ctx, cfg, su.address, &s, &old)) < 0) {
		pb_state_rollback(ctx->st);
		goto fail;
	}
	if (r && strcmp(s->name, su.name) == 0) {
		confirm_again(ctx, resp, &su, s, &old, key.data, now, cfg);
		goto out;
	}
	/* The name it was given may have been taken since, and the settings must still pass. */
	snprintf(name, sizeof name, "%s", su.name);
	if ((r = name_taken(cfg, ctx->st, name)) > 0)
		r = derive_name(cfg, ctx->st, su.address, name);
	if (r < 0) {
		pb_state_rollback(ctx->st);
		goto fail;
	}
	obj = cJSON_Parse(su.settings);
	if (!cJSON_IsObject(obj)) {
		pb_state_rollback(ctx->st);
		goto fail;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "name");
	cJSON_AddStringToObject(obj, "name", name);
	json = cJSON_PrintUnformatted(obj);
	if ((r = pb_cli_stored_validate(ctx->config_path, cfg, name, json, &why)) == -2) {
		pb_state_rollback(ctx->st);   /* the sign-up stays for the next try */
		unreadable(resp);
		goto out;
	}
	if (r < 0) {
		int used = strncmp(why.data, "email ", 6) == 0;

		if (used) {
			pb_state_commit(ctx->st);   /* the sign-up is used up either way */
			pb_info("web.confirm", "status=refused reason=%s", pb_q(why.data));
			subscribed_page(ctx, resp, "Already confirmed", "This address is "
					"subscribed already.", NULL, NULL, 0);
		} else {
			confirm_refused(ctx, resp, why.data);
		}
		goto out;
	}
	row.name = name;
	row.settings = json;
	row.state = (char *)"active";
	row.source = (char *)"web";
	/* A name no subscriber has may be one a subscriber of the file had before it was taken
	 * out of the file: what the state kept under it (verdicts, the ledger of papers sent,
	 * suppressed destinations, messages not sent) is that one's, and goes with this write,
	 * as `subscriber add` clears it. Kept, the new reader would be kept from the papers the
	 * former was sent, sent nothing at a destination suppressed for the former, and the
	 * former's failed messages requeued with the new one's. */
	if (pb_outbox_settle_subscriber(ctx->st, name, "the subscriber was removed") < 0 ||
	    pb_feedback_clear(ctx->st, name) < 0 || pb_ledger_clear(ctx->st, name) < 0 ||
	    pb_suppress_clear(ctx->st, name) < 0 ||
	    pb_sub_put(ctx->st, &row) < 0 || pb_stamp_claim(ctx->st, key.data, now, -1) < 0 ||
	    pb_state_commit(ctx->st) < 0) {
		pb_state_rollback(ctx->st);
		goto fail;
	}
	pb_info("web.confirm", "status=subscribed subscriber=%s", pb_q(name));
	pb_pages_reload(ctx);
	subscribed_page(ctx, resp, "Subscribed", "Confirmed: the digest comes to this address "
			"from the next announcement on.", name, su.address, pb_now());
	goto out;
fail:
	confirm_failed(ctx, resp);
out:
	free(json);
	cJSON_Delete(obj);
	pb_buf_free(&why);
	pb_buf_free(&key);
	pb_sub_row_clear(&old);
	pb_signup_row_clear(&su);
}
