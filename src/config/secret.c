/* Secrets: from an environment variable or from a file only its owner can read. The value is
 * never put in a message; each one is registered with the log masker. And the one list of a
 * loaded config's secrets, for whatever masks them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "paperboy/buf.h"
#include "paperboy/log.h"

#define SECRET_MAX 65536

static int
fail_at(struct pb_load *L, const struct pb_pending_secret *p, const char *fmt, const char *a,
	const char *b)
{
	char raw[sizeof L->err->message];

	snprintf(raw, sizeof raw, fmt, a, b);
	return pb_cfg_fail_at(L, p->file, p->line, p->keypath, "%s", raw);
}

static int
read_secret_file(struct pb_load *L, const struct pb_pending_secret *p, char **out)
{
	struct pb_buf b = { 0 }, path = { 0 };
	struct stat st;
	char chunk[4096], mode[8];
	const char *creds = NULL;
	ssize_t n;
	int fd = -1, rc = -1;
	mode_t forbidden = 077;

	if (strncmp(p->source, PB_CREDENTIALS_PREFIX, strlen(PB_CREDENTIALS_PREFIX)) == 0) {
		creds = getenv("CREDENTIALS_DIRECTORY");
		if (!creds || !*creds) {
			fail_at(L, p, "%s names a systemd credential, but CREDENTIALS_DIRECTORY is "
				"not set (LoadCredential= in the unit)%s", p->source, "");
			goto out;
		}
		/* systemd gives the service's user read access with an ACL, whose mask stat
		 * shows as the group's read bit (0440): the credential is still readable by
		 * that user only. */
		forbidden = 037;
		pb_buf_printf(&path, "%s/%s", creds, p->source + strlen(PB_CREDENTIALS_PREFIX));
	} else {
		pb_buf_puts(&path, p->source);
	}
	fd = open(path.data, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	/* The path is not echoed when it names nothing: it may be a secret written by mistake. */
	if (fd < 0) {
		fail_at(L, p, "cannot open the secret file named here: %s%s", strerror(errno), "");
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fail_at(L, p, "secret file %s is not a regular file%s", path.data, "");
		goto out;
	}
	if (st.st_mode & forbidden) {
		snprintf(mode, sizeof mode, "%04o", (unsigned)(st.st_mode & 07777));
		fail_at(L, p, "secret file %s has mode %s: it must not be readable or writable "
			"by group or others (chmod 600)", path.data, mode);
		goto out;
	}
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		if (b.len + (size_t)n > SECRET_MAX) {
			fail_at(L, p, "secret file %s is too large%s", path.data, "");
			goto out;
		}
		pb_buf_append(&b, chunk, (size_t)n);
	}
	if (n < 0) {
		fail_at(L, p, "cannot read secret file %s: %s", path.data, strerror(errno));
		goto out;
	}
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
		b.len--;
	if (b.len == 0) {
		fail_at(L, p, "secret file %s is empty%s", path.data, "");
		goto out;
	}
	b.data[b.len] = '\0';
	if (memchr(b.data, '\0', b.len) || strchr(b.data, '\n') || strchr(b.data, '\r')) {
		fail_at(L, p, "secret file %s must hold one line%s", path.data, "");
		goto out;
	}
	*out = pb_buf_detach(&b);
	rc = 0;
out:
	if (b.data)
		memset(b.data, 0, b.cap);
	pb_buf_free(&b);
	pb_buf_free(&path);
	if (fd >= 0)
		close(fd);
	return rc;
}

static int
resolve(struct pb_load *L, const struct pb_pending_secret *p, char **out)
{
	const char *v;

	if (p->from_file)
		return read_secret_file(L, p, out);
	v = getenv(p->source);
	if (!v)
		return fail_at(L, p, "environment variable %s is not set%s", p->source, "");
	if (!*v)
		return fail_at(L, p, "environment variable %s is empty%s", p->source, "");
	if (strchr(v, '\n') || strchr(v, '\r'))
		return fail_at(L, p, "environment variable %s must hold one line%s", p->source, "");
	*out = pb_xstrdup(v);
	return 0;
}

int
pb_cfg_resolve_secrets(struct pb_load *L)
{
	for (size_t i = 0; i < L->n_secrets; i++) {
		const struct pb_pending_secret *p = &L->secrets[i];
		char **dst = (char **)((char *)p->base + p->key->off);
		char *v = NULL;

		if (p->key->needed && !p->key->needed(L->cfg, p->base))
			continue;
		if (resolve(L, p, &v) < 0)
			return -1;
		pb_log_add_secret(v);
		free(*dst);
		*dst = v;
		if ((p->key->flags & KF_URL) &&
		    strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0)
			return fail_at(L, p, "the webhook from %s is not an http(s) URL%s",
				       p->source, "");
	}
	return 0;
}

/* The secrets' places come from the key table, so a new secret key is masked everywhere. */
void
pb_config_each_secret(const struct pb_config *cfg, void (*fn)(void *ctx, const char *secret),
		      void *ctx)
{
	if (!cfg)
		return;
	for (size_t k = 0; k < pb_n_ckeys; k++) {
		const struct pb_ckey *key = &pb_ckeys[k];
		const char *v;

		if (key->type != KT_SECRET)
			continue;
		if (key->scope == KS_ROOT) {
			v = *(char *const *)((const char *)cfg + key->off);
			if (v && strlen(v) >= 4)
				fn(ctx, v);
			continue;
		}
		for (size_t i = 0; i < cfg->n_subscribers; i++) {
			const struct pb_subscriber *sub = &cfg->subscribers[i];

			if (key->scope == KS_SUB) {
				v = *(char *const *)((const char *)sub + key->off);
				if (v && strlen(v) >= 4)
					fn(ctx, v);
				continue;
			}
			for (size_t t = 0; t < sub->n_topics; t++) {
				v = *(char *const *)((const char *)&sub->topics[t] + key->off);
				if (v && strlen(v) >= 4)
					fn(ctx, v);
			}
		}
	}
}

static void
log_one(void *ctx, const char *secret)
{
	(void)ctx;
	pb_log_add_secret(secret);
}

void
pb_config_log_secrets(const struct pb_config *cfg)
{
	pb_config_each_secret(cfg, log_one, NULL);
}

struct mask {
	const char *at;          /* the text at the current position */
	size_t best;             /* longest secret found there */
};

static void
match_one(void *ctx, const char *secret)
{
	struct mask *m = ctx;
	size_t len = strlen(secret);

	if (len > m->best && strncmp(m->at, secret, len) == 0)
		m->best = len;
}

void
pb_config_mask_secrets(const struct pb_config *cfg, struct pb_buf *out, const char *s)
{
	struct mask m;

	for (s = s ? s : ""; *s;) {
		m.at = s;
		m.best = 0;
		pb_config_each_secret(cfg, match_one, &m);
		if (m.best) {
			pb_buf_puts(out, "***");
			s += m.best;
		} else {
			pb_buf_putc(out, *s++);
		}
	}
}
