/* The file sink: writes each message to <file.dir>/<digest_date>/<subscriber>/ as an .eml file
 * (an email) or a .json file (a chat message), atomically (a temporary file, fsync, rename,
 * fsync of the directory), so a reader never sees half a message and a re-run rewrites the
 * same file instead of adding one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channel.h"

/* One path component from outside text: [A-Za-z0-9._@+-], never "", "." or "..". */
static void
put_component(struct pb_buf *b, const char *s)
{
	size_t start = b->len;

	for (; s && *s && b->len - start < 120; s++) {
		char c = *s;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '.' || c == '_' || c == '@' || c == '+' || c == '-';
		pb_buf_putc(b, ok ? c : '_');
	}
	/* Never empty, never hidden, never "." or "..". */
	if (b->len == start)
		pb_buf_putc(b, '_');
	else if (b->data[start] == '.')
		b->data[start] = '_';
}

/* The file name: the destination (an address, a chat id, or a name with its own extension
 * such as "digest.md"), "-NN" for the parts of a longer message, then the extension. */
static void
name_file(struct pb_buf *b, const struct pb_outbox_msg *m, const char *ext)
{
	static const char *const own[] = { ".md", ".txt", ".html", ".json", ".eml" };
	const char *d = m->dest && *m->dest ? m->dest : m->channel;
	size_t start = b->len, dl = d ? strlen(d) : 0;

	put_component(b, d);
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
		size_t el = strlen(own[i]);
		if (dl > el && b->len - start > el && strcmp(d + dl - el, own[i]) == 0) {
			pb_buf_truncate(b, b->len - el);
			ext = own[i] + 1;
			break;
		}
	}
	if (m->n_parts > 1)
		pb_buf_printf(b, "-%02d", m->part);
	pb_buf_printf(b, ".%s", ext);
}

/* mkdir -p for the directory b holds; returns 0 or -1 with errno. */
static int
mkdirs(struct pb_buf *b)
{
	char *p = b->data;

	for (size_t i = 1; i <= b->len; i++) {
		if (i < b->len && p[i] != '/')
			continue;
		char save = p[i];
		p[i] = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			p[i] = save;
			return -1;
		}
		p[i] = save;
	}
	return 0;
}

static void
fail(struct pb_result *r, const char *what, const char *path_part, int e)
{
	/* A full or failing disk may recover; a missing permission will not by itself, but a
	 * person fixing it should not have to requeue, so both are retried until expiry. */
	r->verdict = PB_V_TRANSIENT;
	r->retry_after_s = -1;
	snprintf(r->reason, sizeof r->reason, "%s %s: %s", what, path_part, strerror(e));
}

static void
file_write(const struct pb_outbox_msg *m, const struct pb_config *cfg, struct pb_result *r)
{
	struct pb_buf dir = { 0 }, path = { 0 }, tmp = { 0 };
	const char *base = cfg->file.dir && *cfg->file.dir ? cfg->file.dir : "out";
	const char *p = m->payload ? m->payload : "";
	size_t off = 0;
	int fd = -1, dfd = -1;

	memset(r, 0, sizeof *r);
	r->retry_after_s = -1;
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	pb_buf_puts(&dir, base);
	pb_buf_putc(&dir, '/');
	put_component(&dir, m->digest_date);
	pb_buf_putc(&dir, '/');
	put_component(&dir, m->subscriber);
	if (mkdirs(&dir) != 0) {
		fail(r, "mkdir", pb_buf_str(&dir), errno);
		goto out;
	}
	pb_buf_printf(&path, "%s/", pb_buf_str(&dir));
	name_file(&path, m, (*p == '{' || *p == '[') ? "json" : "eml");
	pb_buf_printf(&tmp, "%s.tmp%ld", pb_buf_str(&path), (long)getpid());

	fd = open(pb_buf_str(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fail(r, "open", pb_buf_str(&tmp), errno);
		goto out;
	}
	while (off < m->payload_len) {
		ssize_t n = write(fd, m->payload + off, m->payload_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fail(r, "write", pb_buf_str(&tmp), n < 0 ? errno : EIO);
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0) {
		fail(r, "fsync", pb_buf_str(&tmp), errno);
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		fail(r, "close", pb_buf_str(&tmp), errno);
		goto out;
	}
	fd = -1;
	if (rename(pb_buf_str(&tmp), pb_buf_str(&path)) != 0) {
		fail(r, "rename", pb_buf_str(&path), errno);
		goto out;
	}
	/* The rename is durable only once the directory is. */
	dfd = open(pb_buf_str(&dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		fail(r, "fsync", pb_buf_str(&dir), errno);
		goto out;
	}
	r->verdict = PB_V_SENT;
out:
	if (dfd >= 0)
		close(dfd);
	if (fd >= 0) {
		close(fd);
		unlink(pb_buf_str(&tmp));
	}
	pb_buf_free(&tmp);
	pb_buf_free(&path);
	pb_buf_free(&dir);
}

const struct pb_channel pb_channel_file = {
	.name = "file",
	.write = file_write,
};
