/* Value formats and the checks that involve several keys. Messages may quote a value; they are
 * never given a secret. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paperboy/web.h"
#include "internal.h"
#include "pb_paths.h"
#include "paperboy/buf.h"
#include "paperboy/calendar.h"
#include "paperboy/categories.h"
#include "paperboy/deliver.h"
#include "paperboy/fold.h"
#include "paperboy/log.h"

#define ZONEINFO "/usr/share/zoneinfo"

static int
bad(char *msg, size_t n, const char *fmt, const char *v)
{
	snprintf(msg, n, fmt, v);
	return -1;
}

static bool
has_ctl(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

int
pb_check_line(const char *v, char *msg, size_t n)
{
	if (has_ctl(v))
		return bad(msg, n, "control characters (newline, tab, ...) are not allowed%s", "");
	return 0;
}

int
pb_check_schedule(const char *v, char *msg, size_t n)
{
	if (strlen(v) != 5 || !isdigit((unsigned char)v[0]) || !isdigit((unsigned char)v[1]) ||
	    v[2] != ':' || !isdigit((unsigned char)v[3]) || !isdigit((unsigned char)v[4]) ||
	    (v[0] - '0') * 10 + (v[1] - '0') > 23 || v[3] > '5')
		return bad(msg, n, "\"%.40s\" is not a time of day \"HH:MM\" (00:00 to 23:59)", v);
	return 0;
}

int
pb_check_date(const char *v, char *msg, size_t n)
{
	if (!pb_date_valid(v))
		return bad(msg, n, "\"%.40s\" is not a date \"YYYY-MM-DD\"", v);
	return 0;
}

int
pb_check_timezone(const char *v, char *msg, size_t n)
{
	struct pb_buf p = { 0 };
	struct stat st;
	int rc = 0;

	for (const char *c = v; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("_+-/", *c))
			return bad(msg, n, "\"%.60s\" is not a time zone name (e.g. \"Europe/Berlin\")", v);
	if (!*v || v[0] == '/' || strstr(v, ".."))
		return bad(msg, n, "\"%.60s\" is not a time zone name (e.g. \"Europe/Berlin\")", v);
	pb_buf_printf(&p, "%s/%s", ZONEINFO, v);
	if (stat(p.data, &st) < 0 || !S_ISREG(st.st_mode))
		rc = bad(msg, n, "unknown time zone \"%.60s\" (not under " ZONEINFO ")", v);
	else if (!pb_tz_file_ok(p.data))
		rc = bad(msg, n, "\"%.60s\" is not a time zone (a file under " ZONEINFO
			 " that holds none)", v);
	pb_buf_free(&p);
	return rc;
}

/* scheme://host...; returns the scheme length or 0. */
static size_t
url_scheme(const char *v)
{
	size_t i = 0;

	if (!isalpha((unsigned char)v[0]))
		return 0;
	while (isalnum((unsigned char)v[i]) || v[i] == '+' || v[i] == '-' || v[i] == '.')
		i++;
	if (strncmp(v + i, "://", 3) != 0 || !v[i + 3] || v[i + 3] == '/')
		return 0;
	for (const char *c = v; *c; c++)
		if (isspace((unsigned char)*c) || (unsigned char)*c < 0x20)
			return 0;
	return i;
}

int
pb_check_url(const char *v, char *msg, size_t n)
{
	if (!url_scheme(v))
		return bad(msg, n, "\"%.200s\" is not a URL (scheme://host/...)", v);
	return 0;
}

static bool
scheme_is(const char *v, const char *a, const char *b)
{
	size_t l = url_scheme(v);

	return l && ((strlen(a) == l && strncasecmp(v, a, l) == 0) ||
		     (b && strlen(b) == l && strncasecmp(v, b, l) == 0));
}

int
pb_check_http_url(const char *v, char *msg, size_t n)
{
	if (!scheme_is(v, "http", "https"))
		return bad(msg, n, "\"%.200s\" is not an http:// or https:// URL", v);
	return 0;
}

int
pb_check_listen(const char *v, char *msg, size_t n)
{
	const char *colon = strrchr(v, ':');
	char *end;
	long port;

	if (!colon || colon == v)
		return bad(msg, n, "\"%.200s\" is not HOST:PORT (e.g. \"127.0.0.1:8425\")", v);
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 1 || port > 65535)
		return bad(msg, n, "\"%.200s\": the port is not a number from 1 to 65535", v);
	if (*v == '[' ? colon[-1] != ']' || colon - v < 3 : memchr(v, ']', (size_t)(colon - v)) != NULL)
		return bad(msg, n, "\"%.200s\": write an IPv6 address in brackets, \"[::1]:8425\"", v);
	for (const char *c = v; c < colon; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f || *c == '/')
			return bad(msg, n, "\"%.200s\": the host has a space, '/' or a control character", v);
	return 0;
}

int
pb_check_proxy(const char *v, char *msg, size_t n)
{
	struct pb_cidr c;

	if (pb_cidr_parse(v, &c) < 0)
		return bad(msg, n, "\"%.100s\" is not an IP address or network (\"192.0.2.7\", "
			   "\"172.16.0.0/12\", \"fd00::/8\")", v);
	return 0;
}

int
pb_check_base_url(const char *v, char *msg, size_t n)
{
	size_t len = strlen(v);

	if (pb_check_unsubscribe_url(v, msg, n) < 0)
		return -1;
	if (strpbrk(v, "?#"))
		return bad(msg, n, "\"%.200s\" has a query or a fragment: give the pages' base URL alone", v);
	if (len && v[len - 1] == '/')
		return bad(msg, n, "\"%.200s\" ends in '/': write it without (\"https://digest.example.org\")", v);
	if (len > 200)
		return bad(msg, n, "\"%.60s...\" is longer than 200 bytes: the links built on it must fit a mail header", v);
	return 0;
}

/* A List-Unsubscribe URL cannot be folded inside: it must fit on one header line. */
int
pb_check_unsubscribe_url(const char *v, char *msg, size_t n)
{
	if (pb_check_http_url(v, msg, n) < 0)
		return -1;
	if (strlen(v) > PB_MAIL_TOKEN_MAX)
		return snprintf(msg, n, "\"%.60s...\" is %zu bytes long: a mail header line "
				"(998 octets at most) holds a URL of at most %d", v, strlen(v),
				PB_MAIL_TOKEN_MAX), -1;
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f || *c == '<' || *c == '>' || *c == '"')
			return bad(msg, n, "\"%.200s\" has a space, a control character or one of "
				   "< > \" (percent-encode it)", v);
	return 0;
}

int
pb_check_smtp_url(const char *v, char *msg, size_t n)
{
	if (!scheme_is(v, "smtp", "smtps"))
		return bad(msg, n, "\"%.200s\" is not an smtp:// or smtps:// URL", v);
	return 0;
}

/* user@domain in the dot-atom form. With utf8, non-ASCII letters may appear on both sides
 * (an internationalised address, RFC 6531: sent only to servers offering SMTPUTF8). */
static bool
is_address_ex(const char *v, size_t len, bool utf8)
{
	const char *at = memchr(v, '@', len), *d, *end = v + len;
	size_t label = 0;

	if (!at || at == v || at - v > 64 || len > 254 || memchr(at + 1, '@', (size_t)(end - at - 1)))
		return false;
	if (v[0] == '.' || at[-1] == '.')
		return false;
	/* ASCII controls are refused by the character checks below */
	if (utf8 && !pb_utf8_valid(v, len))
		return false;
	for (const char *c = v; c < at; c++)
		if (!(isalnum((unsigned char)*c) || strchr("!#$%&'*+/=?^_`{|}~.-", *c) ||
		      (utf8 && (unsigned char)*c >= 0x80)) ||
		    (*c == '.' && c[1] == '.'))
			return false;
	if (at + 1 == end)
		return false;
	for (d = at + 1; d < end; d++) {
		if (*d == '.') {
			if (label == 0 || d[-1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*d) || (*d == '-' && label > 0) ||
			   (utf8 && (unsigned char)*d >= 0x80)) {
			label++;
		} else {
			return false;
		}
	}
	return label > 0 && d[-1] != '-';
}

static bool
is_address(const char *v, size_t len)
{
	return is_address_ex(v, len, false);
}

/* An internationalised domain must have A-labels (IDNA): an SMTP server without SMTPUTF8
 * gets the address with them. Its check loads libidn2, which nothing else at startup
 * needs, so an ASCII domain is not looked at. */
static int
domain_idna(const char *v, const char *a, size_t len, char *msg, size_t n)
{
	const char *at = memchr(a, '@', len);
	struct pb_buf out = { 0 };
	char why[200];
	int rc;

	if (!at)
		return 0;
	rc = pb_mail_domain_ascii(&out, at + 1, len - (size_t)(at + 1 - a), why, sizeof why);
	pb_buf_free(&out);
	if (rc < 0)
		return snprintf(msg, n, "\"%.200s\": its domain is not a name IDNA can write in "
				"ASCII (%s)", v, why), -1;
	return 0;
}

int
pb_check_email(const char *v, char *msg, size_t n)
{
	if (!is_address_ex(v, strlen(v), true))
		return bad(msg, n, "\"%.200s\" is not an email address (user@example.org)", v);
	return domain_idna(v, v, strlen(v), msg, n);
}

int
pb_check_mailbox(const char *v, char *msg, size_t n)
{
	const char *lt = strchr(v, '<'), *gt = strrchr(v, '>');

	if (has_ctl(v))
		return bad(msg, n, "control characters are not allowed%s", "");
	/* the address may be internationalised as a recipient's may */
	if (!lt && is_address_ex(v, strlen(v), true))
		return domain_idna(v, v, strlen(v), msg, n);
	if (lt && gt && gt > lt && gt[1] == '\0' && !strchr(lt + 1, '<') &&
	    is_address_ex(lt + 1, (size_t)(gt - lt - 1), true))
		return domain_idna(v, lt + 1, (size_t)(gt - lt - 1), msg, n);
	return bad(msg, n, "\"%.200s\" is not a mailbox (\"Name <user@example.org>\" or "
		   "\"user@example.org\")", v);
}

int
pb_check_mailto(const char *v, char *msg, size_t n)
{
	const char *a = strncasecmp(v, "mailto:", 7) == 0 ? v + 7 : v;
	size_t len = strcspn(a, "?");

	if (!is_address(a, len) || has_ctl(a))
		return bad(msg, n, "\"%.200s\" is not an address or mailto: URL", v);
	if (strlen(a) > PB_MAIL_MAILTO_MAX)
		return snprintf(msg, n, "\"%.60s...\" is too long for a mail header line (at most "
				"%d bytes after \"mailto:\")", v, PB_MAIL_MAILTO_MAX), -1;
	return 0;
}

int
pb_check_log_level(const char *v, char *msg, size_t n)
{
	if (pb_log_level_parse(v) < 0)
		return bad(msg, n, "\"%.40s\" is not a log level (error, warn, info, debug)", v);
	return 0;
}

int
pb_check_file_mode(const char *v, char *msg, size_t n)
{
	size_t len = strlen(v);
	long m;

	/* The sink replaces its files and writes into its folders: the owner keeps read and
	 * write; set-id and sticky bits have no business on a digest. */
	if (len < 3 || len > 4 || strspn(v, "01234567") != len || (len == 4 && v[0] != '0') ||
	    ((m = strtol(v, NULL, 8)) & 0600) != 0600)
		return bad(msg, n, "\"%.40s\" is not a file mode (octal, such as \"0644\" or "
			   "\"0640\", the owner's read and write among it)", v);
	return 0;
}

int
pb_check_tls(const char *v, char *msg, size_t n)
{
	if (strcmp(v, "starttls") && strcmp(v, "implicit") && strcmp(v, "none"))
		return bad(msg, n, "\"%.40s\" is not one of starttls, implicit, none", v);
	return 0;
}

int
pb_check_name(const char *v, char *msg, size_t n)
{
	size_t len = strlen(v);

	if (len == 0 || len > 64 || v[0] == '.' || v[0] == '-')
		goto fail;
	for (const char *c = v; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
			goto fail;
	return 0;
fail:
	return bad(msg, n, "\"%.80s\" is not a subscriber name (1 to 64 of A-Z a-z 0-9 . _ -, "
		   "not starting with . or -)", v);
}

int
pb_check_language(const char *v, char *msg, size_t n)
{
	size_t i = 0, part;

	/* in any case, as BCP 47 reads tags ("EN", "de-at"); pb_language_case writes them as
	 * the code compares them */
	while (isalpha((unsigned char)v[i]))
		i++;
	if (i < 2 || i > 3)
		goto fail;
	while (v[i] == '-') {
		for (part = 0, i++; isalnum((unsigned char)v[i]); i++)
			part++;
		if (part < 2 || part > 8)
			goto fail;
	}
	if (v[i] == '\0' && i <= 35)
		return 0;
fail:
	return bad(msg, n, "\"%.40s\" is not a language tag (\"en\", \"zh\", \"pt-BR\")", v);
}

void
pb_language_case(char *tag)
{
	/* RFC 5646 2.1.1: the language in lower case, a script (four letters) in title case, a
	 * region (two letters) in upper case, the rest in lower case; the tags the code compares
	 * with ("zh-Hans", "pt-BR") are written so */
	for (size_t i = 0, part = 0; tag[i]; part++) {
		size_t len = strcspn(tag + i, "-"), letters = 0;

		for (size_t j = 0; j < len; j++)
			letters += isalpha((unsigned char)tag[i + j]) != 0;
		for (size_t j = 0; j < len; j++) {
			unsigned char c = (unsigned char)tag[i + j];

			tag[i + j] = (char)(part && letters == len && (len == 2 || (len == 4 && !j))
					    ? toupper(c) : tolower(c));
		}
		i += len + (tag[i + len] == '-');
	}
}

const char *
pb_cfg_closest_category(const char *v, char *buf, size_t n)
{
	char low[64], code[64];
	size_t best = (size_t)-1, cap = strlen(v) / 3 < 2 ? 2 : strlen(v) / 3;
	const char *c;

	snprintf(low, sizeof low, "%s", v);
	for (char *q = low; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	for (size_t i = 0; (c = pb_category_at(i)) != NULL; i++) {
		size_t d;

		snprintf(code, sizeof code, "%s", c);
		for (char *q = code; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		/* a case slip ("cs.cv") is nearer than any other spelling */
		d = strcmp(low, code) == 0 ? 0 : pb_cfg_distance(low, code, cap) + 1;
		if (d <= cap + 1 && d < best) {
			best = d;
			snprintf(buf, n, "%s", c);
		}
	}
	return best == (size_t)-1 ? NULL : buf;
}

int
pb_check_category(const char *v, char *msg, size_t n)
{
	const char *c = v;
	char sug[64];

	if (!islower((unsigned char)*c))
		goto fail;
	while (islower((unsigned char)*c) || *c == '-')
		c++;
	if (*c == '.') {
		c++;
		if (!isalpha((unsigned char)*c))
			goto fail;
		while (isalpha((unsigned char)*c) || *c == '-')
			c++;
	}
	if (*c == '\0' && c - v <= 40 && pb_category_known(v, 0))
		return 0;
fail:
	/* libconfig joins "cs.CV" "cs.RO" (no comma) into one string */
	for (size_t i = 2; i + 2 < strlen(v) && i < 60; i++) {
		char head[64];

		snprintf(head, sizeof head, "%.*s", (int)i, v);
		if (pb_category_known(head, 0) && pb_category_known(v + i, 0)) {
			snprintf(msg, n, "\"%.60s\" is not an arXiv category: a missing ',' between "
				 "\"%s\" and \"%s\"?", v, head, v + i);
			return -1;
		}
	}
	if (pb_cfg_closest_category(v, sug, sizeof sug)) {
		snprintf(msg, n, "\"%.60s\" is not an arXiv category; did you mean \"%s\"?", v, sug);
		return -1;
	}
	return bad(msg, n, "\"%.60s\" is not an arXiv category (\"cs.CV\", \"hep-th\"; see "
		   "https://arxiv.org/category_taxonomy)", v);
}

int
pb_check_chat(const char *v, char *msg, size_t n)
{
	const char *c = v + (v[0] == '-');
	size_t len = strlen(c);

	if (v[0] == '@') {
		if (len < 6 || len > 33 || !isalpha((unsigned char)v[1]))
			goto fail;
		for (c = v + 1; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '_')
				goto fail;
		return 0;
	}
	if (len == 0 || len > 20 || strspn(c, "0123456789") != len)
		goto fail;
	return 0;
fail:
	return bad(msg, n, "\"%.40s\" is not a Telegram chat id (123456789, -100..., @channel)", v);
}

int
pb_check_readable(const char *v, char *msg, size_t n)
{
	struct stat st;

	if (stat(v, &st) < 0 || !S_ISREG(st.st_mode) || access(v, R_OK) < 0)
		return bad(msg, n, "\"%.200s\" is not a readable file", v);
	return 0;
}

int
pb_check_envname(const char *v, char *msg, size_t n)
{
	if (!isalpha((unsigned char)v[0]) && v[0] != '_')
		goto fail;
	for (const char *c = v; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			goto fail;
	return 0;
fail:
	/* Not quoted: a secret written here by mistake must not be echoed. */
	return bad(msg, n, "not an environment variable name (letters, digits and _)%s", "");
}

/* ---- checks across keys ---- */

static config_setting_t *
member(config_setting_t *g, const char *path)
{
	config_setting_t *s = g ? config_setting_lookup(g, path) : NULL;

	return s ? s : g;
}

static config_setting_t *
sub_setting(config_setting_t *root, size_t i, const char *path)
{
	config_setting_t *subs = config_setting_get_member(root, "subscribers");
	config_setting_t *e = subs ? config_setting_get_elem(subs, (unsigned)i) : NULL;

	return path ? member(e, path) : e;
}

static bool
root_set(struct pb_load *L, const char *path)
{
	int i = pb_cfg_key_index(KS_ROOT, path);

	return i >= 0 && L->root_seen[i];
}

/* Whether NAME_env or NAME_file is written in group g. */
static bool
secret_given(config_setting_t *g, const char *name)
{
	char k[96];

	if (!g)
		return false;
	snprintf(k, sizeof k, "%s_env", name);
	if (config_setting_lookup(g, k))
		return true;
	snprintf(k, sizeof k, "%s_file", name);
	return config_setting_lookup(g, k) != NULL;
}

/* The host of URL u (after "scheme://" and any "user@"), its length in *n (to the port, path,
 * query or fragment, trailing dots dropped); NULL when u has no scheme. */
static const char *
url_host(const char *u, size_t *n)
{
	const char *h = u ? strstr(u, "://") : NULL;

	if (!h)
		return NULL;
	h += 3;
	h += strcspn(h, "@/") < strcspn(h, "/") ? strcspn(h, "@") + 1 : 0;
	*n = strcspn(h, *h == '[' ? "]/?#" : ":/?#");
	if (h[*n] == ']')
		(*n)++;         /* "[::1]", the brackets kept */
	while (*n && h[*n - 1] == '.')
		(*n)--;
	return h;
}

static bool
loopback_url(const char *u)
{
	size_t n;
	const char *h = url_host(u, &n);

	return h && (strncmp(h, "127.", 4) == 0 || strncasecmp(h, "localhost", 9) == 0 ||
		     strncmp(h, "[::1]", 5) == 0);
}

/* Whether u's host is arxiv.org or one of its mirrors, *.arxiv.org, whose robots.txt asks
 * every robot for 15 s between requests (Crawl-delay: 15). */
static bool
arxiv_org_url(const char *u)
{
	size_t n;
	const char *h = url_host(u, &n);

	return h && ((n == 9 && strncasecmp(h, "arxiv.org", 9) == 0) ||
		     (n > 10 && strncasecmp(h + n - 10, ".arxiv.org", 10) == 0));
}

static int
check_email_summary(struct pb_load *L, config_setting_t *root)
{
	struct pb_config *c = L->cfg;

	if (!root_set(L, "email.enabled"))
		c->email.enabled = c->email.smtp_url != NULL;
	if (c->email.enabled && !c->email.smtp_url)
		return pb_cfg_fail(L, member(root, "email"), "email.smtp_url",
				   "missing (required when email is enabled)");
	if (c->email.enabled && !c->email.from)
		return pb_cfg_fail(L, member(root, "email"), "email.from",
				   "missing (required when email is enabled)");
	if (!c->email.tls)
		c->email.tls = pb_xstrdup(c->email.smtp_url &&
					  strncasecmp(c->email.smtp_url, "smtps:", 6) == 0
					  ? "implicit" : "starttls");
	else if (c->email.smtp_url) {
		bool smtps = strncasecmp(c->email.smtp_url, "smtps:", 6) == 0;

		if (smtps != (strcmp(c->email.tls, "implicit") == 0))
			return pb_cfg_fail(L, member(root, "email.tls"), "email.tls",
					   smtps ? "an smtps:// URL means implicit TLS"
						 : "implicit TLS needs an smtps:// URL");
	}

	if (!root_set(L, "web.enabled"))
		c->web.enabled = c->web.listen != NULL;
	if (c->web.enabled && !c->web.listen)
		return pb_cfg_fail(L, member(root, "web"), "web.listen",
				   "missing (required when web is enabled)");
	if (c->web.enabled && !c->web.base_url)
		return pb_cfg_fail(L, member(root, "web"), "web.base_url",
				   "missing (required when web is enabled: the links in every mail "
				   "and message are built on it)");
	if (!c->web.secret_file)
		c->web.secret_file = pb_cfg_path_join(c->state_dir, "web.secret");
	if (!c->state_machine) {
		/* Unique per machine without a word in the file; a name set twice is the
		 * operator's to fix (status shows both heartbeats in one row). */
		char host[256] = "";

		if (gethostname(host, sizeof host - 1) != 0 || !host[0])
			snprintf(host, sizeof host, "localhost");
		host[100] = '\0';
		c->state_machine = pb_xstrdup(host);
	}

	if (!root_set(L, "summary.enabled"))
		c->summary.enabled = c->summary.base_url != NULL;
	if (c->summary.enabled && !c->summary.base_url)
		return pb_cfg_fail(L, member(root, "summary"), "summary.base_url",
				   "missing (required when summary is enabled)");
	if (c->summary.enabled && !c->summary.model)
		return pb_cfg_fail(L, member(root, "summary"), "summary.model",
				   "missing (required when summary is enabled)");
	if (c->summary.enabled && c->summary.prompt_dir) {
		struct stat st;

		if (stat(c->summary.prompt_dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return pb_cfg_fail(L, member(root, "summary.prompt_dir"), "summary.prompt_dir",
					   "\"%s\" is not a directory", c->summary.prompt_dir);
	}
	if (!c->summary.prompt_dir) {
		char *p = pb_cfg_path_join(L->confdir, "prompts");
		struct stat st;

		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			c->summary.prompt_dir = p;
		} else {
			free(p);
			c->summary.prompt_dir = pb_xstrdup(PB_SYSCONFDIR "/paperboy/prompts");
		}
	}
	return 0;
}

/* Embeddings are on when base_url is set (like summary), unless enabled = false. */
static int
check_embeddings(struct pb_load *L, config_setting_t *root)
{
	struct pb_config *c = L->cfg;

	if (!root_set(L, "embeddings.enabled"))
		c->embeddings.enabled = c->embeddings.base_url != NULL;
	if (c->embeddings.enabled && !c->embeddings.base_url)
		return pb_cfg_fail(L, member(root, "embeddings"), "embeddings.base_url",
				   "missing (required when embeddings are enabled)");
	if (c->embeddings.enabled && !c->embeddings.model)
		return pb_cfg_fail(L, member(root, "embeddings"), "embeddings.model",
				   "missing (required when embeddings are enabled)");
	return 0;
}

/* Whether subscriber i gives the destination key (a secret: as _env or _file). */
static bool
dest_given(config_setting_t *root, size_t i, const struct pb_subscriber *s,
	   const struct pb_ckey *key)
{
	const char *base = (const char *)s;

	switch (key->type) {
	case KT_SECRET:
		return secret_given(sub_setting(root, i, NULL), key->path);
	case KT_LIST:
		return *(const size_t *)(base + key->off_n) > 0;
	default:
		return *(char *const *)(base + key->off) != NULL;
	}
}

/* Whether subscriber i has a destination on some channel; keys (may be NULL) gets the names
 * of the destination keys, for the message when there is none. */
static bool
has_dest(config_setting_t *root, size_t i, const struct pb_subscriber *s, struct pb_buf *keys)
{
	bool any = false;

	for (size_t k = 0; k < pb_n_ckeys; k++) {
		const struct pb_ckey *key = &pb_ckeys[k];

		if (key->scope != KS_SUB || !(key->flags & KF_DEST))
			continue;
		any = any || dest_given(root, i, s, key);
		if (keys)
			pb_buf_printf(keys, "%s%s%s", keys->len ? ", " : "", key->path,
				      key->type == KT_SECRET ? "_env (or _file)" : "");
	}
	return any;
}

static bool
root_is_secret(const char *path)
{
	int k = pb_cfg_key_index(KS_ROOT, path);

	return k >= 0 && pb_ckeys[k].type == KT_SECRET;
}

/* Whether a root key is written in the file (a secret as _env or _file). */
static bool
root_given(struct pb_load *L, config_setting_t *root, const char *path)
{
	const char *dot = strrchr(path, '.');
	char grp[96];

	if (!root_is_secret(path) || !dot)
		return root_set(L, path);
	snprintf(grp, sizeof grp, "%.*s", (int)(dot - path), path);
	return secret_given(config_setting_lookup(root, grp), dot + 1);
}

/* Names subscriber s before the next errors (the loader's who, as its walk does), when it is
 * the file's: a stored one is named by what loads it. NULL: names nobody again. */
static void
naming(struct pb_load *L, const struct pb_subscriber *s)
{
	L->who[0] = '\0';
	if (s && !s->stored && s->name && *s->name)
		snprintf(L->who, sizeof L->who, "subscriber %s", s->name);
}

static int
check_subscriber(struct pb_load *L, config_setting_t *root, size_t i)
{
	struct pb_config *c = L->cfg;
	struct pb_subscriber *s = &c->subscribers[i];
	char kp[128];
	int rc = 0;

	/* Each check is reported on its own: one subscriber may have several mistakes. */
	for (size_t t = 0; t < s->n_topics; t++)
		for (size_t u = 0; u < t; u++)
			if (strcmp(s->topics[t].name, s->topics[u].name) == 0) {
				config_setting_t *ts = sub_setting(root, i, "topics");

				snprintf(kp, sizeof kp, "subscribers.[%zu].topics.[%zu].name", i, t);
				ts = config_setting_get_elem(ts, (unsigned)t);
				rc = pb_cfg_fail(L, member(ts, "name"), kp,
						 "duplicate topic name \"%s\" in subscriber \"%s\" "
						 "(first at line %d)", s->topics[t].name, s->name,
						 s->topics[u].line);
				break;
			}
	if (pb_cfg_check_likes(L, sub_setting(root, i, NULL), i) < 0)
		rc = -1;
	if (!has_dest(root, i, s, NULL) && !c->file.enabled) {
		struct pb_buf keys = { 0 };

		has_dest(root, i, s, &keys);
		snprintf(kp, sizeof kp, "subscribers.[%zu]", i);
		rc = pb_cfg_fail(L, sub_setting(root, i, NULL), kp,
				   "subscriber \"%s\" has no channel: give one of %s, or enable the "
				   "file sink", s->name, pb_buf_str(&keys));
		pb_buf_free(&keys);
	}
	/* A destination needs its channel's settings: an address the SMTP server, a chat the
	 * bot token, a room the homeserver and its token (requires names them, space-separated). */
	for (size_t k = 0; k < pb_n_ckeys; k++) {
		const struct pb_ckey *key = &pb_ckeys[k];
		const char *r = key->requires;

		if (key->scope != KS_SUB || !r || !dest_given(root, i, s, key))
			continue;
		while (*r) {
			size_t n = strcspn(r, " ");
			char need[96];

			snprintf(need, sizeof need, "%.*s", (int)n, r);
			r += n + (r[n] == ' ');
			if (!*need || root_given(L, root, need))
				continue;
			snprintf(kp, sizeof kp, "subscribers.[%zu].%s", i, key->path);
			naming(L, s);
			rc = pb_cfg_fail(L, sub_setting(root, i, key->path), kp,
					 "%s given but %s is not set%s", key->path, need,
					 root_is_secret(need) ? " (as _env or _file)" : "");
			naming(L, NULL);
		}
	}
	/* With the server set but email turned off, the addresses would get nothing and the run
	 * would say nothing of it (without a server, the loop above has said so already). */
	if (s->n_emails && !c->email.enabled && root_set(L, "email.smtp_url")) {
		snprintf(kp, sizeof kp, "subscribers.[%zu].email", i);
		naming(L, s);
		rc = pb_cfg_fail(L, sub_setting(root, i, "email"), kp,
				 "email given but email.enabled is false");
		naming(L, NULL);
	}
	if (s->telegram_thread && !s->telegram_chat) {
		snprintf(kp, sizeof kp, "subscribers.[%zu].telegram_thread", i);
		naming(L, s);
		rc = pb_cfg_fail(L, sub_setting(root, i, "telegram_thread"), kp,
				   "telegram_thread without telegram_chat");
		naming(L, NULL);
	}
	return rc;
}

struct named {
	const char *name;
	size_t i;
};

static int
by_name(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcasecmp(x->name, y->name);

	if (!c)
		c = strcmp(x->name, y->name);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Duplicate subscriber names, in O(n log n): thousands of subscribers are expected. The
 * earliest repeat is reported, naming where the first of its name is. With the file sink on,
 * names that differ only in case are duplicates too: the sink writes each subscriber's files
 * to a folder of its name, and on a file system that ignores case (an SMB or exFAT mount,
 * macOS) "Kit" and "kit" would be one folder, each reader's digest the other's. */
static int
check_duplicate_names(struct pb_load *L, config_setting_t *root)
{
	struct pb_config *c = L->cfg;
	size_t n = c->n_subscribers, bad = (size_t)-1, first = 0, g = 0, e = 0;
	int folded = 0;
	struct named *v;
	char kp[128];

	if (n < 2)
		return 0;
	v = pb_xcalloc(n, sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = (struct named){ c->subscribers[i].name, i };
	qsort(v, n, sizeof *v, by_name);
	for (size_t k = 1; k < n; k++) {
		/* g: the first of its name in any case; e: the first of its name as written */
		if (strcasecmp(v[k].name, v[g].name) != 0)
			g = e = k;
		else if (strcmp(v[k].name, v[e].name) != 0)
			e = k;
		if (k != e) {
			if (v[k].i < bad) {
				bad = v[k].i;
				first = v[e].i;
				folded = 0;
			}
		} else if (k != g && c->file.enabled) {
			size_t hi = v[k].i > v[g].i ? v[k].i : v[g].i;

			if (hi < bad) {
				bad = hi;
				first = v[k].i < v[g].i ? v[k].i : v[g].i;
				folded = 1;
			}
		}
	}
	free(v);
	if (bad == (size_t)-1)
		return 0;
	snprintf(kp, sizeof kp, "subscribers.[%zu].name", bad);
	if (folded)
		return pb_cfg_fail(L, sub_setting(root, bad, "name"), kp,
				   "subscriber name \"%s\" differs from \"%s\" (at %s:%d) only in "
				   "case: the file sink would write both to one folder where the file "
				   "system ignores case (SMB, exFAT, macOS); give one another name",
				   c->subscribers[bad].name, c->subscribers[first].name,
				   c->subscribers[first].file, c->subscribers[first].line);
	return pb_cfg_fail(L, sub_setting(root, bad, "name"), kp,
			   "duplicate subscriber name \"%s\" (first at %s:%d)",
			   c->subscribers[bad].name, c->subscribers[first].file,
			   c->subscribers[first].line);
}

/* Full text: base URLs paperboy appends "/<id>v<n>" to, arXiv's spacing for its hosts, a
 * request that fits in the run's full-text time. */
static int
check_fulltext(struct pb_load *L, config_setting_t *root)
{
	struct pb_config *c = L->cfg;
	bool arxiv_host;
	const char *const keys[2] = { "fulltext.html_url", "fulltext.pdf_url" };
	const char *const vals[2] = { c->fulltext.html_url, c->fulltext.pdf_url };

	for (int i = 0; i < 2; i++) {
		size_t n = vals[i] ? strlen(vals[i]) : 0;

		if (!n)
			continue;
		if (vals[i][n - 1] == '/' || strpbrk(vals[i], "?#"))
			return pb_cfg_fail(L, member(root, keys[i]), keys[i],
					   "\"%.200s\" must end with the path paperboy adds "
					   "\"/<id>v<n>\" to: no trailing '/', query or fragment",
					   vals[i]);
	}
	/* arXiv's robots.txt asks for 15 s between requests to arxiv.org, where the papers'
	 * HTML and PDF are (its API and feeds, elsewhere, ask for 3 s) */
	arxiv_host = arxiv_org_url(c->fulltext.html_url) || arxiv_org_url(c->fulltext.pdf_url);
	if (c->fulltext.request_interval_ms < 0)
		c->fulltext.request_interval_ms = arxiv_host ? 15000 : c->arxiv.request_interval_ms;
	if (arxiv_host && c->fulltext.request_interval_ms < 15000)
		return pb_cfg_fail(L, member(root, "fulltext.request_interval_ms"),
				   "fulltext.request_interval_ms",
				   "%d is below 15000: arxiv.org's robots.txt asks every robot for "
				   "15 s between requests (Crawl-delay: 15)",
				   c->fulltext.request_interval_ms);
	if (!c->fulltext.enabled)
		return 0;
	if (c->arxiv.request_interval_ms < 3000 &&
	    (!loopback_url(c->fulltext.html_url) || !loopback_url(c->fulltext.pdf_url)))
		return pb_cfg_fail(L, member(root, "arxiv.request_interval_ms"),
				   "arxiv.request_interval_ms",
				   "below 3000 is allowed only when fulltext.html_url and "
				   "fulltext.pdf_url are local too; arXiv asks for 3 s between "
				   "requests");
	if (c->fulltext.timeout_s > c->fulltext.deadline_s)
		return pb_cfg_fail(L, member(root, "fulltext.timeout"), "fulltext.timeout",
				   "%d s is longer than fulltext.deadline (%d s), the time all "
				   "full texts of a run may take", c->fulltext.timeout_s,
				   c->fulltext.deadline_s);
	return 0;
}

/* The state's backend and where PostgreSQL is: one conninfo, given one way. */
static int
check_state(struct pb_load *L, config_setting_t *root)
{
	struct pb_config *c = L->cfg;
	config_setting_t *g = member(root, "state");
	bool secret = secret_given(g, "conninfo");

	if (strcmp(c->state_backend, "postgresql") != 0) {
		if (c->state_conninfo || secret)
			return pb_cfg_fail(L, g, "state.conninfo", "used only with state.backend = "
					   "\"postgresql\" (the state is SQLite's, under state_dir)");
		return 0;
	}
	if (!c->state_conninfo && !secret)
		return pb_cfg_fail(L, g, "state.conninfo", "missing (required when state.backend "
				   "is \"postgresql\"): give conninfo, or conninfo_env or "
				   "conninfo_file when it holds a password");
	if (c->state_conninfo && secret)
		return pb_cfg_fail(L, g, "state.conninfo", "give conninfo, or conninfo_env or "
				   "conninfo_file, not both");
	return 0;
}

int
pb_cfg_cross_check(struct pb_load *L, config_setting_t *root)
{
	struct pb_config *c = L->cfg;
	int rc = 0;

	if (check_state(L, root) < 0 || check_email_summary(L, root) < 0 || check_fulltext(L, root) < 0 ||
	    check_embeddings(L, root) < 0)
		return -1;
	/* arXiv asks for 3 s between requests; only local stand-ins may be polled faster. */
	if (c->arxiv.request_interval_ms < 3000 &&
	    (!loopback_url(c->arxiv.rss_url) || !loopback_url(c->arxiv.api_url)))
		return pb_cfg_fail(L, member(root, "arxiv.request_interval_ms"),
				   "arxiv.request_interval_ms",
				   "below 3000 is allowed only when rss_url and api_url are local "
				   "(127.0.0.1, localhost, [::1]); arXiv asks for 3 s between requests");
	for (size_t i = 0; i < c->arxiv.n_categories; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->arxiv.categories[i], c->arxiv.categories[j]) == 0)
				return pb_cfg_fail(L, member(root, "arxiv.categories"),
						   "arxiv.categories", "\"%s\" is listed twice",
						   c->arxiv.categories[i]);
	if (check_duplicate_names(L, root) < 0)
		rc = -1;
	for (size_t i = 0; i < c->n_subscribers; i++)
		if (check_subscriber(L, root, i) < 0)
			rc = -1;
	return rc;
}
