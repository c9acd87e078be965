/* The string buffer and the logger: growth, formatting, quoting, secret masking. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/log.h"
#include "t.h"

static void
test_buf(void)
{
	struct pb_buf b = { 0 };
	char *s;

	T_EQ_STR(pb_buf_str(&b), "");
	for (int i = 0; i < 1000; i++)
		pb_buf_printf(&b, "%d,", i);
	T_EQ_INT(b.len, 3890);
	T_CHECK(strncmp(b.data, "0,1,2,", 6) == 0);
	T_CHECK(b.data[b.len] == '\0');
	pb_buf_truncate(&b, 4);
	T_EQ_STR(b.data, "0,1,");
	pb_buf_append(&b, "x\0y", 3);
	T_EQ_INT(b.len, 7);
	pb_buf_reset(&b);
	pb_buf_puts(&b, "abc");
	pb_buf_putc(&b, 'd');
	s = pb_buf_detach(&b);
	T_EQ_STR(s, "abcd");
	T_CHECK(b.data == NULL && b.len == 0);
	free(s);
	s = pb_buf_detach(&b);
	T_EQ_STR(s, "");
	free(s);
	pb_buf_free(NULL);

	/* a number in decimal, as "%zu" writes it */
	{
		const size_t v[] = { 0, 7, 9, 10, 99, 100, 12345, (size_t)-1 };
		char want[32];

		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
			pb_buf_reset(&b);
			pb_buf_puts(&b, "n=");
			pb_buf_put_size(&b, v[i]);
			snprintf(want, sizeof want, "n=%zu", v[i]);
			T_EQ_STR(pb_buf_str(&b), want);
		}
		pb_buf_free(&b);
	}
}

static void
test_quote(void)
{
	T_EQ_STR(pb_q("plain"), "plain");
	T_EQ_STR(pb_q("two words"), "\"two words\"");
	T_EQ_STR(pb_q("a=b"), "\"a=b\"");
	T_EQ_STR(pb_q("say \"hi\"\n"), "\"say \\\"hi\\\"\\n\"");
	T_EQ_STR(pb_q(""), "\"\"");
	T_EQ_STR(pb_q(NULL), "\"\"");
	/* Outside text: bidi overrides, C1 controls, DEL and bytes that are not UTF-8 are not
	 * written into a log line as they are; other UTF-8 is. */
	T_EQ_STR(pb_q("R\xc3\xa9my"), "R\xc3\xa9my");
	T_EQ_STR(pb_q("evil\xe2\x80\xaetxt.exe"), "evil?txt.exe");
	T_EQ_STR(pb_q("a\xc2\x9b" "31mb"), "a?31mb");
	T_EQ_STR(pb_q("x\x7fy\xffz"), "x?y?z");
	{
		char longer[600];

		/* Cut at a character's boundary, never inside one. */
		memset(longer, 'a', sizeof longer - 1);
		longer[sizeof longer - 1] = '\0';
		memcpy(longer + 402, "\xc3\xa9\xc3\xa9", 4);
		T_CHECK(strlen(pb_q(longer)) <= 405);
		T_EQ_INT((long)strlen(pb_q(longer)), 404);
		T_CHECK(pb_q(longer)[strlen(pb_q(longer)) - 1] != '\xc3');
	}
}

/* Runs one log call with stderr sent to a temporary file; returns what was written. */
static char *
capture(const char *event, const char *text)
{
	char path[] = "/tmp/pb-test-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	static char got[4096];
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(fd, 2);
	pb_info(event, "text=%s", pb_q(text));
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(path, "r");
	n = f ? fread(got, 1, sizeof got - 1, f) : 0;
	got[n] = '\0';
	if (f)
		fclose(f);
	close(fd);
	unlink(path);
	return got;
}

static void
test_secrets(void)
{
	char name[64];
	char *line;

	pb_log_setup(PB_LOG_INFO, 0);
	pb_log_add_secret("hooks.slack.com/services/T000/B000/XXXXSECRET");
	pb_log_add_secret("123456:ABC-bot-token");
	pb_log_add_secret("abc");              /* too short: ignored */
	/* Many secrets sharing a prefix, as a webhook per subscriber would. */
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof name, "hooks.slack.com/services/T000/B%04d/k", i);
		pb_log_add_secret(name);
	}
	line = capture("t.secret", "post https://hooks.slack.com/services/T000/B000/XXXXSECRET now");
	T_CHECK(strstr(line, "XXXXSECRET") == NULL);
	T_CHECK(strstr(line, "https://*** now") != NULL);
	line = capture("t.secret", "url=/bot123456:ABC-bot-token/sendMessage and /B1999/");
	T_CHECK(strstr(line, "ABC-bot-token") == NULL);
	T_CHECK(strstr(line, "/bot***/sendMessage") != NULL);
	line = capture("t.secret", "x hooks.slack.com/services/T000/B1234/k y");
	T_CHECK(strstr(line, "x *** y") != NULL);
	line = capture("t.plain", "nothing to hide, abc");
	T_CHECK(strstr(line, "level=info event=t.plain text=\"nothing to hide, abc\"") != NULL);
	T_CHECK(strchr(line, '\n') == line + strlen(line) - 1);
	line = capture("t.newline", "two\nlines");
	T_CHECK(strstr(line, "two\\nlines") != NULL);
}

int
main(void)
{
	test_buf();
	test_quote();
	test_secrets();
	return t_done("test_buf_log");
}
