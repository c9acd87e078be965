/* Full text from a PDF: the pages' text in reading order and the link annotations, read by
 * paperboy's PDF module (poppler, loaded on first use: pdf_module.h), then sections where the
 * headings allow (pdf_text.c). */
#define _GNU_SOURCE 1   /* pipe2(2) */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ft_int.h"
#include "paperboy/log.h"
#include "pb_paths.h"
#include "pdf_module.h"

#define PDF_MAX_TEXT (8u * 1024u * 1024u)   /* bytes of page text read in all */
#define PDF_MIN_TEXT 200                     /* fewer letters: no text layer */

/* Looks for "%PDF-" where a PDF starts (a little junk before it is allowed, as readers do). */
static int
pdf_magic(const char *p, size_t len)
{
	size_t n = len < 1024 ? len : 1024;

	for (size_t i = 0; i + 5 <= n; i++)
		if (memcmp(p + i, "%PDF-", 5) == 0)
			return 1;
	return 0;
}

static void
quote_head(char *out, size_t outlen, const char *p, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; i < len && i < 16 && j + 5 < outlen; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
			out[j++] = (char)c;
		else
			j += (size_t)snprintf(out + j, outlen - j, "\\x%02X", c);
	}
	out[j < outlen ? j : outlen - 1] = '\0';
}

/* The module, loaded once for the process: from $PAPERBOY_PDF_MODULE when set, else beside
 * the executable (a build tree), else from the package's library directory (an install). */
static pthread_once_t module_once = PTHREAD_ONCE_INIT;
static pb_pdf_read_fn module_read;
static char module_error[PATH_MAX + 256];

static int
try_module(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const char *err;

	if (!h) {
		err = dlerror();
		snprintf(module_error, sizeof module_error, "%s", err ? err : path);
		return -1;
	}
	module_read = (pb_pdf_read_fn)(uintptr_t)dlsym(h, PB_PDF_MODULE_ENTRY);
	if (!module_read) {
		snprintf(module_error, sizeof module_error, "%s has no %s: not paperboy's PDF "
			 "module", path, PB_PDF_MODULE_ENTRY);
		dlclose(h);
		return -1;
	}
	pb_debug("fulltext.pdf_module", "path=%s", pb_q(path));
	return 0;   /* never closed: GLib's types cannot be unloaded */
}

static void
load_module(void)
{
	const char *env = getenv("PAPERBOY_PDF_MODULE");
	char exe[PATH_MAX], path[PATH_MAX + 32], *slash;
	ssize_t n;

	if (env && env[0]) {
		try_module(env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof path, "%s/%s", exe, PB_PDF_MODULE_FILE);
			if (access(path, F_OK) == 0 && try_module(path) == 0)
				return;
		}
	}
	snprintf(path, sizeof path, "%s/%s", PB_PKGLIBDIR, PB_PDF_MODULE_FILE);
	if (access(path, F_OK) == 0) {
		try_module(path);
		return;
	}
	if (!module_error[0])
		snprintf(module_error, sizeof module_error, "%s not found (beside the program, "
			 "or in %s; make install puts it there)", PB_PDF_MODULE_FILE, PB_PKGLIBDIR);
}

static void
take_page(struct page_and_links *pl, const char *t, size_t n)
{
	pl->pages++;
	if (pl->text.len >= PDF_MAX_TEXT)
		return;
	if (pl->text.len + n > PDF_MAX_TEXT)
		n = PDF_MAX_TEXT - pl->text.len;
	pb_buf_append(&pl->text, t, n);
	pb_buf_putc(&pl->text, '\f');
}

/* Reading in a child process.
 *
 * poppler is a large library reading bytes anyone can write: one page can hold it for
 * minutes (a decompression bomb of 128 KB took 20 s), take gigabytes, or crash it. So the
 * module (loaded in this process once) is called in a child process made with fork, its
 * memory capped at PDF_MAX_MEMORY above what this process held, and this process reads what
 * the child says through a pipe until the deadline (the run's, and at most PDF_MAX_SECONDS
 * for one document), then kills it. The child says it in records, each a type byte, a
 * length (4 bytes, little-endian) and that many bytes:
 *   'O'  the document is open: its pages and those to be read (two 4-byte numbers)
 *   'P'  one page's text
 *   'L'  one link annotation's URI
 *   'R'  the end: the module's answer, poppler's message count (4-byte numbers), then its
 *        first message and its reason for a broken PDF, each ended by a zero byte
 * Text beyond PDF_MAX_TEXT, links beyond PDF_MAX_LINKS bytes and anything after 'R' are not
 * sent. */
#define PDF_MAX_SECONDS 120
#if defined(__SANITIZE_ADDRESS__)
#define PDF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PDF_ASAN 1
#endif
#endif
#ifndef PDF_ASAN
#define PDF_ASAN 0
#endif
#define PDF_MAX_MEMORY (1024L * 1024 * 1024)
#define PDF_MAX_LINKS (1024u * 1024u)
#define PDF_MAX_SAID (PDF_MAX_TEXT + PDF_MAX_LINKS + 64u * 1024u)

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The child's side. It writes with write(2) only and ends with _exit: it shares the
 * parent's locks, buffers and open files as they were at the fork. */
struct child {
	int fd;
	size_t text, links;
	int broken;                  /* the parent is gone: stop */
};

static void
child_record(struct child *ch, int type, const void *a, size_t na, const void *b, size_t nb)
{
	unsigned char head[5];
	struct iovec v[3] = { { head, 5 }, { (void *)(uintptr_t)a, na },
			      { (void *)(uintptr_t)b, nb } };
	size_t left = 5 + na + nb;
	int iv = 0;

	head[0] = (unsigned char)type;
	put32(head + 1, (uint32_t)(na + nb));
	while (left > 0 && !ch->broken) {
		ssize_t w = writev(ch->fd, v + iv, 3 - iv);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			ch->broken = 1;
			break;
		}
		left -= (size_t)w;
		while (iv < 3 && (size_t)w >= v[iv].iov_len) {
			w -= (ssize_t)v[iv].iov_len;
			iv++;
		}
		if (iv < 3) {
			v[iv].iov_base = (char *)v[iv].iov_base + w;
			v[iv].iov_len -= (size_t)w;
		}
	}
}

static void
child_opened(void *arg, int n_pages, int pages)
{
	unsigned char n[8];

	put32(n, (uint32_t)n_pages);
	put32(n + 4, (uint32_t)pages);
	child_record(arg, 'O', n, 8, NULL, 0);
}

static int
child_page(void *arg, const char *t, size_t n)
{
	struct child *ch = arg;

	if (ch->text + n > PDF_MAX_TEXT)
		n = PDF_MAX_TEXT - ch->text;
	ch->text += n;
	child_record(ch, 'P', t, n, NULL, 0);
	return ch->broken || ch->text >= PDF_MAX_TEXT;
}

static void
child_link(void *arg, const char *uri)
{
	struct child *ch = arg;
	size_t n = strlen(uri);

	if (ch->links + n > PDF_MAX_LINKS)
		return;
	ch->links += n;
	child_record(ch, 'L', uri, n, NULL, 0);
}

static void
child_main(int fd, const char *pdf, size_t len, int max_pages, long data_bytes)
{
	struct child ch = { fd, 0, 0, 0 };
	struct pb_pdf_sink sink = { &ch, child_opened, child_page, child_link };
	struct pb_pdf_result res;
	unsigned char n[16];
	int r;

	/* Gone with the parent; never past the time the parent allows; ended by the signals
	 * that end a program, whatever handlers the parent set (a daemon's SIGTERM, a
	 * sanitizer's or fuzzer's SIGSEGV). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	{
		static const int sigs[] = { SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTERM,
					    SIGINT, SIGHUP, SIGPIPE, SIGXCPU };

		for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
			signal(sigs[i], SIG_DFL);
	}
	{
		struct rlimit cpu = { PDF_MAX_SECONDS + 5, PDF_MAX_SECONDS + 5 };

		setrlimit(RLIMIT_CPU, &cpu);
	}
#if !PDF_ASAN
	/* AddressSanitizer's shadow memory is counted as data: no cap under it. */
	if (data_bytes > 0) {
		struct rlimit mem = { (rlim_t)data_bytes + PDF_MAX_MEMORY,
				      (rlim_t)data_bytes + PDF_MAX_MEMORY };

		setrlimit(RLIMIT_DATA, &mem);
	}
#else
	(void)data_bytes;
#endif
	r = module_read(PB_PDF_MODULE_ABI, pdf, len, max_pages, &sink, &res);
	put32(n, (uint32_t)r);
	put32(n + 4, (uint32_t)res.n_pages);
	put32(n + 8, (uint32_t)res.pages);
	put32(n + 12, res.n_said);
	{
		char s[sizeof res.first_said + sizeof res.message];
		size_t a, b;

		res.first_said[sizeof res.first_said - 1] = '\0';
		res.message[sizeof res.message - 1] = '\0';
		a = strlen(res.first_said) + 1;
		b = strlen(res.message) + 1;
		memcpy(s, res.first_said, a);
		memcpy(s + a, res.message, b);
		child_record(&ch, 'R', n, sizeof n, s, a + b);
	}
	_exit(ch.broken ? 1 : 0);
}

/* The process's data size (VmData, bytes), the base of the child's cap; 0 when unknown. */
static long
data_size(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmData: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb > 0 ? kb * 1024 : 0;
}

int
ft_pdf_records(const char *buf, size_t len, struct ft_pdf_said *out)
{
	const unsigned char *p = (const unsigned char *)buf, *end = p + len;
	struct page_and_links *pl = out->pl;

	while ((size_t)(end - p) >= 5) {
		int type = p[0];
		uint32_t n = get32(p + 1);
		const unsigned char *d = p + 5;

		if ((size_t)(end - d) < n)
			break;   /* cut short by the kill */
		p = d + n;
		if (out->ended)
			return -1;
		switch (type) {
		case 'O':
			if (n != 8 || pl->n_pages >= 0)
				return -1;
			pl->n_pages = (int)get32(d);
			pl->to_read = (int)get32(d + 4);
			if (pl->n_pages < 0 || pl->to_read < 0 || pl->to_read > pl->n_pages)
				return -1;
			break;
		case 'P':
			if (pl->n_pages < 0 || pl->pages >= pl->to_read)
				return -1;
			take_page(pl, (const char *)d, n);
			break;
		case 'L': {
			char *u;

			if (pl->n_pages < 0 || n == 0 || pl->link_bytes + n > PDF_MAX_LINKS ||
			    memchr(d, '\0', n))
				return -1;
			pl->link_bytes += n;
			u = pb_xstrndup((const char *)d, n);
			if (pl->b)
				ftb_link(pl->b, u);
			free(u);
			break;
		}
		case 'R': {
			const unsigned char *z1, *z2;
			struct pb_pdf_result *r = &out->res;

			if (n < 18 || !(z1 = memchr(d + 16, '\0', n - 16)) ||
			    !(z2 = memchr(z1 + 1, '\0', (size_t)(d + n - (z1 + 1)))) ||
			    z2 + 1 != d + n)
				return -1;
			out->rc = (int)get32(d);
			r->n_pages = (int)get32(d + 4);
			r->pages = (int)get32(d + 8);
			r->n_said = get32(d + 12);
			snprintf(r->first_said, sizeof r->first_said, "%s", (const char *)d + 16);
			snprintf(r->message, sizeof r->message, "%s", (const char *)z1 + 1);
			out->ended = 1;
			break;
		}
		default:
			return -1;
		}
	}
	return p == end ? 0 : 1;
}

enum { READ_DONE, READ_LATE, READ_SLOW, READ_LOUD };

static int64_t
now_ms(int clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the child's records from fd until it ends, the deadline (unix seconds, or 0) comes,
 * PDF_MAX_SECONDS pass, or it says more than any document could. */
static int
read_child(int fd, int64_t deadline, struct pb_buf *said)
{
	int64_t cap = now_ms(CLOCK_MONOTONIC) + PDF_MAX_SECONDS * 1000;

	for (;;) {
		int64_t left = cap - now_ms(CLOCK_MONOTONIC);
		int late = 0, r;
		struct pollfd pfd = { fd, POLLIN, 0 };

		if (deadline > 0 && deadline * 1000 - now_ms(CLOCK_REALTIME) < left) {
			left = deadline * 1000 - now_ms(CLOCK_REALTIME);
			late = 1;
		}
		if (left <= 0)
			return late ? READ_LATE : READ_SLOW;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r < 0 && errno != EINTR)
			return READ_DONE;
		if (r <= 0)
			continue;
		pb_buf_reserve(said, 65536);
		{
			ssize_t n = read(fd, said->data + said->len, 65536);

			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				return READ_DONE;
			said->len += (size_t)n;
			said->data[said->len] = '\0';
		}
		if (said->len > PDF_MAX_SAID)
			return READ_LOUD;
	}
}

/* Calls the module in a child process: 0 with the module's answer in *rc, or -1 with why
 * (-2 in *rc when no child could be made, -3 when the deadline came). */
static int
read_isolated(const char *pdf, size_t len, int max_pages, int64_t deadline,
	      struct ft_pdf_said *out, char *why, size_t whylen)
{
	struct pb_buf said = { 0 };
	long data = data_size();
	int fds[2], how, st = 0, parsed;
	pid_t pid;
	struct page_and_links *pl = out->pl;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "cannot start the PDF reader: pipe: %s", strerror(errno));
		out->rc = -2;
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "cannot start the PDF reader: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		out->rc = -2;
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		child_main(fds[1], pdf, len, max_pages, data);
	}
	close(fds[1]);
	how = read_child(fds[0], deadline, &said);
	close(fds[0]);
	if (how != READ_DONE)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	parsed = ft_pdf_records(said.data ? said.data : "", said.len, out);
	pb_buf_free(&said);
	if (parsed >= 0 && out->ended)
		return 0;   /* its answer came, whatever happened after */
	if (how == READ_LATE) {
		if (pl->n_pages < 0)
			snprintf(why, whylen, "the full-text deadline came while reading it (before "
				 "its first page)");
		else
			snprintf(why, whylen, "the full-text deadline came while reading it (%d of %d "
				 "pages read)", pl->pages, pl->to_read);
		out->rc = -3;
		return -1;
	}
	if (parsed < 0) {
		snprintf(why, whylen, "the PDF reader's answer was garbled");
		out->rc = -1;
		return -1;
	}
	if (!out->ended) {
		char how_s[96];

		if (how == READ_SLOW)
			snprintf(how_s, sizeof how_s, "took more than %d s", PDF_MAX_SECONDS);
		else if (how == READ_LOUD)
			snprintf(how_s, sizeof how_s, "said more than %u bytes", PDF_MAX_SAID);
		else if (WIFSIGNALED(st))
			snprintf(how_s, sizeof how_s, "was stopped by signal %d (%s)",
				 WTERMSIG(st), strsignal(WTERMSIG(st)));
		else
			snprintf(how_s, sizeof how_s, "ended with status %d",
				 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		if (pl->n_pages < 0)
			snprintf(why, whylen, "broken PDF: the reader %s while opening it (memory "
				 "at most %ld MB)", how_s, PDF_MAX_MEMORY >> 20);
		else
			snprintf(why, whylen, "broken PDF: the reader %s after %d of %d pages "
				 "(memory at most %ld MB)", how_s, pl->pages, pl->to_read,
				 PDF_MAX_MEMORY >> 20);
		out->rc = -1;
		return -1;
	}
	return 0;
}

int
pb_fulltext_from_pdf(const char *pdf, size_t len, int max_pages, struct pb_fulltext *out,
		     char *why, size_t whylen)
{
	return pb_fulltext_from_pdf_until(pdf, len, max_pages, 0, out, why, whylen);
}

int
pb_fulltext_from_pdf_until(const char *pdf, size_t len, int max_pages, int64_t deadline,
			   struct pb_fulltext *out, char *why, size_t whylen)
{
	struct page_and_links pl = { { 0 }, NULL, -1, 0, 0, 0 };
	struct ft_pdf_said said;
	struct pb_pdf_result *res = &said.res;
	struct ftb b;
	int rc = -1;
	size_t letters = 0;

	memset(out, 0, sizeof *out);
	memset(&said, 0, sizeof said);
	said.pl = &pl;
	ftb_init(&b, out);
	pl.b = &b;
	if (why && whylen)
		why[0] = '\0';
	if (!pdf_magic(pdf, len)) {
		char head[80];

		quote_head(head, sizeof head, pdf, len);
		snprintf(why, whylen, "not a PDF: it starts with \"%s\"", head);
		goto out;
	}
	pthread_once(&module_once, load_module);
	if (!module_read) {
		snprintf(why, whylen, "cannot read PDFs: %s", module_error);
		rc = -2;
		goto out;
	}
	if (read_isolated(pdf, len, max_pages, deadline, &said, why, whylen) < 0) {
		rc = said.rc;
		goto out;
	}
	switch (said.rc) {
	case PB_PDF_OK:
		break;
	case PB_PDF_ENCRYPTED:
		snprintf(why, whylen, "encrypted (a password is needed to read it)");
		goto out;
	case PB_PDF_ABI:
		snprintf(why, whylen, "cannot read PDFs: the PDF module is of another paperboy "
			 "version (install both from one build)");
		rc = -2;
		goto out;
	default:
		snprintf(why, whylen, "broken PDF: %s",
			 res->message[0] ? res->message : "poppler could not open it");
		goto out;
	}
	for (size_t i = 0; i < pl.text.len; i++)
		if ((unsigned char)pl.text.data[i] > ' ' && pl.text.data[i] != '\f')
			letters++;
	if (letters < PDF_MIN_TEXT) {
		snprintf(why, whylen, "no text layer (%zu characters on %d pages: scanned or "
			 "images only)", letters, res->pages);
		goto out;
	}
	ft_text_sections(&b, pl.text.data, pl.text.len);
	if (ftb_finish(&b) == 0) {
		snprintf(why, whylen, "no text");
		goto out;
	}
	out->source = pb_xstrdup("pdf");
	if (res->pages < res->n_pages)
		pb_debug("fulltext.pdf_pages", "read=%d of=%d", res->pages, res->n_pages);
	rc = 0;
out:
	if (res->n_said)
		pb_debug("fulltext.poppler", "messages=%u first=%s", res->n_said,
			 pb_q(res->first_said));
	if (rc != 0) {
		ftb_finish(&b);
		pb_fulltext_clear(out);
	}
	pb_buf_free(&pl.text);
	return rc;
}
