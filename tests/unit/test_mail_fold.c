/* Mail headers are folded: no line ever passes 998 octets whatever the config and the digest
 * hold, lines stay near 78 where white space allows, encoded words split between characters;
 * config check refuses an unsubscribe URL too long for any header line. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/deliver.h"
#include "t.h"

/* Longest line of the header block; *bad set when a line ends in anything but CRLF. */
static size_t
longest_header_line(const char *m, int *bad)
{
	const char *end = strstr(m, "\r\n\r\n"), *p = m;
	size_t max = 0;

	*bad = end == NULL;
	while (end && p < end + 2) {
		const char *e = strstr(p, "\r\n");

		if (!e || memchr(p, '\n', (size_t)(e - p)) || memchr(p, '\r', (size_t)(e - p)))
			*bad = 1;
		if (!e)
			break;
		if ((size_t)(e - p) > max)
			max = (size_t)(e - p);
		p = e + 2;
	}
	return max;
}

/* The unfolded value of header name ("" when absent); caller frees. */
static char *
header(const char *m, const char *name)
{
	struct pb_buf b = { 0 };
	const char *end = strstr(m, "\r\n\r\n"), *p = m;
	size_t nl = strlen(name);

	while (p && p < end) {
		if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *q = p + nl + 1;

			for (;;) {
				const char *e = strstr(q, "\r\n");

				pb_buf_append(&b, q, (size_t)(e - q));
				if (e[2] != ' ' && e[2] != '\t')
					break;
				q = e + 2;
			}
			break;
		}
		p = strstr(p, "\r\n");
		p = p ? p + 2 : NULL;
	}
	return pb_buf_detach(&b);
}

static char *
repeat(const char *prefix, char c, size_t n)
{
	struct pb_buf b = { 0 };

	pb_buf_puts(&b, prefix);
	for (size_t i = 0; i < n; i++)
		pb_buf_putc(&b, c);
	return pb_buf_detach(&b);
}

static void
test_long_unsubscribe(void)
{
	struct pb_config cfg;
	size_t len;
	int bad;
	char *m, *v, *url;

	memset(&cfg, 0, sizeof cfg);
	cfg.email.from = "Lab digest <digest@lab.example.org>";
	cfg.email.unsubscribe_mailto = "mailto:unsubscribe@lab.example.org";

	/* 900 bytes: fits on a line of its own */
	url = repeat("https://lab.example.org/unsub?t=", 'a', 868);
	cfg.email.unsubscribe_url = url;
	m = pb_mail_build(&cfg, "alice@lab.example.org", "Digest", "text", "<p>html</p>", "id1", 0,
			  &len);
	T_CHECK(longest_header_line(m, &bad) <= 998);
	T_CHECK(!bad);
	v = header(m, "List-Unsubscribe");
	T_CHECK(strstr(v, url) != NULL);
	T_CHECK(strstr(v, "<mailto:unsubscribe@lab.example.org>,") == v + 1);
	/* the short mailto stays on the first line, the URL goes on the next */
	T_CHECK(strstr(m, "List-Unsubscribe: <mailto:unsubscribe@lab.example.org>,\r\n <https://") !=
		NULL);
	free(v);
	free(m);
	free(url);

	/* 3000 bytes: no line can hold it; the header keeps what fits, no line passes 998 */
	url = repeat("https://lab.example.org/unsub?t=", 'b', 3000);
	cfg.email.unsubscribe_url = url;
	m = pb_mail_build(&cfg, "alice@lab.example.org", "Digest", "text", NULL, "id2", 0, &len);
	T_CHECK(longest_header_line(m, &bad) <= 998);
	T_CHECK(!bad);
	v = header(m, "List-Unsubscribe");
	T_EQ_STR(v, " <mailto:unsubscribe@lab.example.org>");
	T_CHECK(strstr(m, "List-Unsubscribe-Post") == NULL);
	free(v);
	free(m);
	free(url);
}

/* A List-Unsubscribe value is "<x>" or "<x>, <y>" (with folding white space): every
 * bracketed URL but the last is followed by a comma. */
static int
unsubscribe_well_formed(const char *v, int *n_urls)
{
	const char *p = v;

	*n_urls = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '<')
			return 0;
		p = strchr(p, '>');
		if (!p)
			return 0;
		p++;
		(*n_urls)++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return 1;
		if (*p != ',')
			return 0;
		p++;
	}
}

/* Whether config load accepts email.unsubscribe_mailto = mailto. */
static int
config_accepts_mailto(const char *mailto)
{
	char dir[] = "/tmp/pb-test-mailto-XXXXXX", path[300];
	struct pb_config_error err;
	struct pb_config *cfg;
	FILE *f;
	int ok;

	T_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/main.conf", dir);
	f = fopen(path, "w");
	T_CHECK(f != NULL);
	if (!f)
		return -1;
	fprintf(f, "arxiv = { categories = [\"cs.CV\"]; };\nemail = {\n unsubscribe_mailto = "
		"\"%s\";\n};\n", mailto);
	fclose(f);
	memset(&err, 0, sizeof err);
	cfg = pb_config_load(path, &err);
	ok = cfg != NULL;
	if (!ok)
		T_CHECK(strstr(err.message, "header line") != NULL);
	pb_config_free(cfg);
	unlink(path);
	rmdir(dir);
	return ok;
}

/* The longest mailto config check accepts, with a URL: both kept and separated by a comma
 * (a mailto one byte longer used to be kept and the comma cut off the end of its token). */
static void
test_long_mailto_with_url(void)
{
	static const size_t lens[] = { PB_MAIL_MAILTO_MAX - 1, PB_MAIL_MAILTO_MAX,
				       PB_MAIL_MAILTO_MAX + 1, PB_MAIL_TOKEN_MAX - 7 };
	struct pb_config cfg;

	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		/* an address with a subject: exactly lens[i] bytes after "mailto:" */
		char *addr = repeat("a@b.org?subject=", 's', lens[i] - 16), *mailto, *m, *v;
		size_t len;
		int bad, n_urls, accepted;
		struct pb_buf b = { 0 };

		T_EQ_INT(strlen(addr), lens[i]);
		pb_buf_puts(&b, "mailto:");
		pb_buf_puts(&b, addr);
		mailto = pb_buf_detach(&b);
		accepted = config_accepts_mailto(mailto);
		T_EQ_INT(accepted, lens[i] <= PB_MAIL_MAILTO_MAX);

		memset(&cfg, 0, sizeof cfg);
		cfg.email.from = "Lab digest <digest@lab.example.org>";
		cfg.email.unsubscribe_mailto = mailto;
		cfg.email.unsubscribe_url = "https://lab.example.org/unsub?t=1";
		m = pb_mail_build(&cfg, "alice@lab.example.org", "Digest", "text", NULL, "id3", 0,
				  &len);
		T_CHECK(longest_header_line(m, &bad) <= 998);
		T_CHECK(!bad);
		v = header(m, "List-Unsubscribe");
		T_CHECK(unsubscribe_well_formed(v, &n_urls));
		/* what check accepts is sent whole; what it refuses is left out */
		T_EQ_INT(n_urls, accepted ? 2 : 1);
		T_EQ_INT(strstr(v, addr) != NULL, accepted);
		T_CHECK(strstr(v, "<https://lab.example.org/unsub?t=1>") != NULL);
		if (accepted)
			T_CHECK(strstr(v, ">,") != NULL);
		free(v);
		free(m);
		free(mailto);
		free(addr);
	}
}

static void
test_every_header_folded(void)
{
	struct pb_config cfg;
	struct pb_buf subj = { 0 }, name = { 0 };
	size_t len;
	int bad;
	char *m, *v, *addr;

	memset(&cfg, 0, sizeof cfg);
	/* long display name with spaces, long address, long non-ASCII subject */
	for (int i = 0; i < 60; i++)
		pb_buf_puts(&name, "Lab digest ");
	addr = repeat("", 'x', 1500);
	pb_buf_printf(&name, "<%s@lab.example.org>", addr);
	cfg.email.from = name.data;
	for (int i = 0; i < 80; i++)
		pb_buf_puts(&subj, "Rémy’s 3D 中文 ");
	m = pb_mail_build(&cfg, addr, subj.data, "text", NULL, "id3", 0, &len);
	T_CHECK(longest_header_line(m, &bad) <= 998);
	T_CHECK(!bad);
	/* encoded words: lines of at most 76, each word a whole number of characters */
	v = header(m, "Subject");
	T_CHECK(strncmp(v, " =?UTF-8?B?", 11) == 0);
	free(v);
	for (const char *p = m; p < strstr(m, "\r\n\r\n");) {
		const char *e = strstr(p, "\r\n");

		if (strncmp(p, "Subject:", 8) == 0 || (p[0] == ' ' && p[1] == '=' && p[2] == '?'))
			T_CHECK(e - p <= 78);
		p = e + 2;
	}
	/* a short From and To stay on one line */
	cfg.email.from = "Lab <digest@lab.example.org>";
	free(m);
	m = pb_mail_build(&cfg, "alice@lab.example.org", "Short", "text", NULL, "id4", 0, &len);
	T_CHECK(strstr(m, "From: \"Lab\" <digest@lab.example.org>\r\n") == m);
	T_CHECK(strstr(m, "\r\nTo: alice@lab.example.org\r\n") != NULL);
	free(m);
	free(addr);
	pb_buf_free(&subj);
	pb_buf_free(&name);
}

/* config check: a URL no header line can hold is refused, naming the key. */
static void
test_check(void)
{
	char dir[] = "/tmp/pb-test-mailfold-XXXXXX", path[300];
	struct pb_config_error err;
	struct pb_config *cfg;
	char *url;
	FILE *f;

	T_CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/main.conf", dir);
	for (int pass = 0; pass < 3; pass++) {
		url = repeat("https://lab.example.org/unsub?t=", 'c', pass == 0 ? 800 : 1200);
		f = fopen(path, "w");
		T_CHECK(f != NULL);
		if (!f)
			break;
		fprintf(f, "arxiv = { categories = [\"cs.CV\"]; };\n");
		if (pass < 2)
			fprintf(f, "email = {\n unsubscribe_url = \"%s\";\n};\n", url);
		else
			fprintf(f, "email = {\n unsubscribe_mailto = \"mailto:a@b.org?subject=%s\";\n};\n",
				url);
		fclose(f);
		memset(&err, 0, sizeof err);
		cfg = pb_config_load(path, &err);
		if (pass == 0) {
			T_CHECK(cfg != NULL);
		} else {
			T_CHECK(cfg == NULL);
			T_CHECK(err.line >= 2);
			T_CHECK(strstr(err.key, pass == 1 ? "email.unsubscribe_url" :
						     "email.unsubscribe_mailto") != NULL);
			if (!strstr(err.message, "header line"))
			fprintf(stderr, "  refused: %s\n", err.message);
		T_CHECK(strstr(err.message, "header line") != NULL);
		}
		pb_config_free(cfg);
		free(url);
	}
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	test_long_unsubscribe();
	test_long_mailto_with_url();
	test_every_header_folded();
	test_check();
	return t_done("test_mail_fold");
}
