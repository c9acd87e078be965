/* The file sink: writes each message to <file.dir>/<digest_date>/<subscriber>/ under its
 * destination's name (digest.md, digest.html, all.md, a chat message's .json), atomically (a temporary file, synced, renamed,
 * the rename synced; in groups when the delivery loop writes them), so a reader never sees
 * half a message and a re-run rewrites the same file instead of adding one. A day built again
 * for a new subscriber of the name leaves none of the former's files in the folder (see "a
 * day built again"). With file.archive,
 * each digest.html written also rebuilds the subscriber's web archive and Atom feed
 * (archive.c). */
#define _GNU_SOURCE 1   /* syncfs(2) */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paperboy/clock.h"
#include "paperboy/deliver.h"
#include "paperboy/log.h"
#include "archive.h"

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

int
pb_file_mode(const struct pb_config *cfg)
{
	return cfg->file.mode && *cfg->file.mode ? (int)strtol(cfg->file.mode, NULL, 8) : -1;
}

/* A folder just made gets file.mode, with search where it gives read ("0644": 0755), whatever
 * the umask. A set-group-ID bit the folder took from its parent (a shared folder's group) is
 * kept; where that is refused (systemd's RestrictSUIDSGID), the mode is set without it. */
static int
made_mode(const char *path, int mode)
{
	struct stat st;
	mode_t want;

	if (mode < 0)
		return 0;
	if (stat(path, &st) != 0)
		return -1;
	want = (mode_t)mode | (((mode_t)mode & 0444) >> 2) | (st.st_mode & S_ISGID);
	if ((st.st_mode & 07777) == want || chmod(path, want) == 0)
		return 0;
	return errno == EPERM && (want & S_ISGID) ? chmod(path, want & ~(mode_t)S_ISGID) : -1;
}

int
pb_file_mkdir(const char *path, int mode)
{
	if (mkdir(path, 0755) == 0)
		return made_mode(path, mode);
	return errno == EEXIST ? 0 : -1;
}

/* mkdir -p for the directory b holds, each folder made with mode (pb_file_mode); returns 0 or
 * -1 with errno. Usually only the last folder is missing (a subscriber's on a day): one mkdir,
 * not one for each folder of the path (a lookup of the whole path each); else each from the
 * top. */
static int
mkdirs(struct pb_buf *b, int mode)
{
	char *p = b->data;

	if (!p || !*p)
		return 0;
	if (pb_file_mkdir(p, mode) == 0)
		return 0;
	if (errno != ENOENT)
		return -1;
	for (size_t i = 1; i <= b->len; i++) {
		if (i < b->len && p[i] != '/')
			continue;
		char save = p[i];
		p[i] = '\0';
		if (pb_file_mkdir(p, mode) != 0) {
			p[i] = save;
			return -1;
		}
		p[i] = save;
	}
	return 0;
}

void
pb_file_fail(struct pb_result *r, const char *what, const char *path, int e)
{
	/* A full or failing disk may recover; a missing permission will not by itself, but a
	 * person fixing it should not have to requeue, so both are retried until expiry. */
	r->verdict = PB_V_TRANSIENT;
	r->retry_after_s = -1;
	snprintf(r->reason, sizeof r->reason, "%s %s: %s", what, path, strerror(e));
}

/* Writes len bytes of data to the new file tmp, with mode when not -1 (set before the first byte,
 * whatever the umask), synced to disk when sync. With keep, a file
 * whose descriptor is below keep_below is left open in *keep, its write-back started (a
 * group's files go to the disk while the next ones are written, and the group's syncfs has
 * less left to wait for). 0, or -1 with r filled (the file removed), -2 when its folder is
 * missing. */
static int
write_tmp(const char *tmp, const void *data, size_t len, int mode, int sync, int *keep,
	  long keep_below, struct pb_result *r)
{
	const char *p = data;
	size_t off = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		int e = errno;

		pb_file_fail(r, "open", tmp, e);
		return e == ENOENT ? -2 : -1;
	}
	if (mode >= 0 && fchmod(fd, (mode_t)mode) != 0) {
		pb_file_fail(r, "chmod", tmp, errno);
		close(fd);
		unlink(tmp);
		return -1;
	}
	while (off < len) {
		ssize_t n = write(fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			pb_file_fail(r, "write", tmp, n < 0 ? errno : EIO);
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)n;
	}
	if (sync && fsync(fd) != 0) {
		pb_file_fail(r, "fsync", tmp, errno);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (keep && fd < keep_below) {
		/* only a start: an error here is syncfs's to report */
		(void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		*keep = fd;
		return 0;
	}
	if (close(fd) != 0) {
		pb_file_fail(r, "close", tmp, errno);
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
pb_file_put(const char *dir, const char *path, const void *data, size_t len, int mode,
	    struct pb_result *r)
{
	struct pb_buf tmp = { 0 };
	int dfd = -1, rc = -1;

	pb_buf_printf(&tmp, "%s.tmp%ld", path, (long)getpid());
	if (write_tmp(pb_buf_str(&tmp), data, len, mode, 1, NULL, 0, r) < 0)
		goto out;
	if (rename(pb_buf_str(&tmp), path) != 0) {
		pb_file_fail(r, "rename", path, errno);
		unlink(pb_buf_str(&tmp));
		goto out;
	}
	/* The rename is durable only once the directory is. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		pb_file_fail(r, "fsync", dir, errno);
		goto out;
	}
	rc = 0;
out:
	if (dfd >= 0)
		close(dfd);
	pb_buf_free(&tmp);
	return rc;
}

/* ---- a day built again ----
 *
 * A day's digest of a name is built once, unless the subscriber is removed and another given
 * the name the same day (or one of the file moved into the state): that one's digest is
 * built under message ids ending in "/gN" (pb_channel_msg_id), and its files go to the same
 * folder, where they must be all there is of the sink's (paperboy(1): "the file sink's files
 * of the day are the new subscriber's"). Its files may be fewer than the former's: no all.md,
 * one digest-telegram.json where there were digest-telegram-01..03.json, no digest.txt. So
 * the folder records which build its files are (BUILD_RECORD: "gN", none for the first
 * build, the daily case); the first write of another build there, once its own files are
 * renamed into place, removes the names the sink writes that it did not write, then records
 * itself. A later write of the same build (the next group, a retry) finds its record and
 * removes nothing. Killed between the two, the record is still the former's: the build's
 * files are not counted written yet, and are written again, and the stale ones removed, by
 * the rerun. Only the sink's names go (pb_file_sink_name); an operator's other files in the
 * folder stay.
 *
 * Builds of a name's day follow each other: the first (no tag) before any other, then each in
 * the order it was made, which the record keeps beside the tag (the created time of the
 * message that claimed the folder). Generation numbers alone do not say it: a subscriber of
 * the file is of generation 0 whatever came before it. A message of an earlier build than
 * the record's (a former subscriber's held message released after the name's next subscriber
 * wrote its day, a retry after a full disk) is settled unwritten (former_build): it would
 * put a stranger's digest under the new reader's name. A new subscriber of the name whose
 * digest is not built (nothing matched) claims the folder all the same, keeping nothing
 * (pb_file_day_vacate). */
#define FULL_LIST "all.md"
#define BUILD_RECORD ".paperboy-build"

/* The build m belongs to: "gN" from its id's end, or "" for the first build of the day. */
static void
build_tag(const struct pb_outbox_msg *m, char out[32])
{
	const char *s = m->msg_id ? strrchr(m->msg_id, '/') : NULL;
	size_t n = s ? strlen(s + 1) : 0;

	out[0] = '\0';
	if (!s || s[1] != 'g' || n < 2 || n > 30 || strspn(s + 2, "0123456789") != n - 1)
		return;
	memcpy(out, s + 1, n + 1);
}

/* The generation a build tag names: N of "gN", 0 for "" (the first build). */
static unsigned long long
tag_number(const char *tag)
{
	return *tag == 'g' ? strtoull(tag + 1, NULL, 10) : 0;
}

/* The folder's record (BUILD_RECORD): its build tag into tag ("" when none) and the time its
 * build claimed the folder into *when (0 when the record is without one, from before it
 * kept it). 0, or -1 with r filled. */
static int
read_record(const char *dir, struct pb_buf *tag, int64_t *when, struct pb_result *r)
{
	struct pb_buf rec = { 0 };
	char line[64], *sp;
	ssize_t k = 0;
	int fd, rc = -1;

	pb_buf_reset(tag);
	*when = 0;
	pb_buf_printf(&rec, "%s/%s", dir, BUILD_RECORD);
	fd = open(pb_buf_str(&rec), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) {
			pb_file_fail(r, "open", pb_buf_str(&rec), errno);
			goto out;
		}
	} else {
		k = read(fd, line, sizeof line - 1);
		close(fd);
	}
	line[k > 0 ? k : 0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if ((sp = strchr(line, ' '))) {
		*sp = '\0';
		*when = strtoll(sp + 1, NULL, 10);
	}
	pb_buf_puts(tag, line);
	rc = 0;
out:
	pb_buf_free(&rec);
	return rc;
}

/* Whether a message of build tag, made at created, comes from an earlier build of the day
 * than the record's (had, made at had_when): the first build (no tag) is before any other;
 * else the earlier made, or, made in the same second or with a record that keeps no time,
 * the lower generation. */
static int
former_build(const char *tag, int64_t created, const char *had, int64_t had_when)
{
	if (strcmp(tag, had) == 0 || !*had)
		return 0;
	if (!*tag)
		return 1;
	if (created > 0 && had_when > 0 && created != had_when)
		return created < had_when;
	return tag_number(tag) < tag_number(had);
}

/* r and the log say that subscriber's file path of date, of build tag, is not written: the
 * folder is the later build had's. */
static void
former_note(const char *subscriber, const char *date, const char *path, const char *tag,
	    const char *had, struct pb_result *r)
{
	r->verdict = PB_V_PERMANENT;
	snprintf(r->reason, sizeof r->reason, "not written: %s is a later subscriber's of the "
		 "name (build %s)", path, had);
	pb_warn("file.former", "subscriber=%s date=%s path=%s build=%s later=%s reason=%s",
		pb_q(subscriber), pb_q(date), pb_q(path), *tag ? tag : "first", pb_q(had),
		pb_q("a former subscriber's message; the folder of the day is the name's new "
		     "subscriber's"));
}

/* A message of an earlier build than the folder's record (had, made at when): settled
 * unwritten, r saying why, logged with the subscriber, the date and the file. 1 when so, 0
 * when it is to be written. */
static int
settle_former(const struct pb_outbox_msg *m, const char *tag, const char *had, int64_t when,
	      const char *path, struct pb_result *r)
{
	if (!former_build(tag, m->created, had, when))
		return 0;
	former_note(m->subscriber, m->digest_date, path, tag, had, r);
	return 1;
}

int
pb_file_sink_name(const char *s)
{
	for (int f = 0; f <= PB_FMT_COUNT; f++) {
		const char *name = f < PB_FMT_COUNT ? pb_format_file((enum pb_format)f) : FULL_LIST;
		const char *dot = name ? strrchr(name, '.') : NULL;
		size_t stem = dot ? (size_t)(dot - name) : 0, k;

		if (!dot)
			continue;
		if (strcmp(s, name) == 0)
			return 1;
		/* a part of a longer message: "-NN" before the extension (name_file) */
		if (strncmp(s, name, stem) != 0 || s[stem] != '-')
			continue;
		k = strspn(s + stem + 1, "0123456789");
		if (k >= 2 && strcmp(s + stem + 1 + k, dot) == 0)
			return 1;
	}
	return 0;
}

/* The folder dir's files are made the build tag's (made at created): when its record names
 * another build (or none, tag being one), every file of a name the sink writes, other than
 * the keep[] the build has just put there, is removed (each logged), then the record is
 * written (durably: a later write of the build must find it) or, for the first build,
 * removed. An earlier build than the record's claims nothing. 0, or -1 with r filled. */
static int
day_claim(const char *dir, const char *tag, int64_t created, const char *const *keep,
	  size_t n_keep, int mode, struct pb_result *r)
{
	struct pb_buf rec = { 0 }, had = { 0 }, path = { 0 };
	struct dirent *e;
	DIR *d = NULL;
	int64_t when;
	int rc = -1;

	if (read_record(dir, &had, &when, r) < 0)
		goto out;
	/* the same build; or an earlier one's write (see former_build), which takes nothing
	 * of the later build's away */
	if (strcmp(pb_buf_str(&had), tag) == 0 ||
	    former_build(tag, created, pb_buf_str(&had), when)) {
		rc = 0;
		goto out;
	}
	if (!(d = opendir(dir))) {
		pb_file_fail(r, "opendir", dir, errno);
		goto out;
	}
	while ((e = readdir(d))) {
		size_t i;

		if (!pb_file_sink_name(e->d_name))
			continue;
		for (i = 0; i < n_keep && strcmp(keep[i], e->d_name) != 0; i++)
			;
		if (i < n_keep)
			continue;
		pb_buf_reset(&path);
		pb_buf_printf(&path, "%s/%s", dir, e->d_name);
		if (unlinkat(dirfd(d), e->d_name, 0) != 0) {
			/* (gone meanwhile; a folder of the name is not the sink's) */
			if (errno == ENOENT || errno == EISDIR)
				continue;
			pb_file_fail(r, "unlink", pb_buf_str(&path), errno);
			goto out;
		}
		pb_info("file.stale", "path=%s build=%s was=%s", pb_q(pb_buf_str(&path)),
			*tag ? tag : "first", had.len ? pb_q(pb_buf_str(&had)) : "first");
	}
	pb_buf_printf(&rec, "%s/%s", dir, BUILD_RECORD);
	if (*tag) {
		pb_buf_reset(&had);
		pb_buf_printf(&had, "%s %lld\n", tag, (long long)created);
		if (pb_file_put(dir, pb_buf_str(&rec), had.data, had.len, mode, r) < 0)
			goto out;
	} else if (unlink(pb_buf_str(&rec)) != 0 && errno != ENOENT) {
		pb_file_fail(r, "unlink", pb_buf_str(&rec), errno);
		goto out;
	}
	rc = 0;
out:
	if (d)
		closedir(d);
	pb_buf_free(&path);
	pb_buf_free(&had);
	pb_buf_free(&rec);
	return rc;
}

static const char *
file_base(const struct pb_config *cfg)
{
	return cfg->file.dir && *cfg->file.dir ? cfg->file.dir : "out";
}

/* Where m goes: dir (made when missing, when mk) and path; sub and date are the path
 * components. The payload to write is m->payload whole. 0, or -1 with r filled. */
static int
file_place(const struct pb_outbox_msg *m, const struct pb_config *cfg, int mk, struct pb_buf *dir,
	   struct pb_buf *path, struct pb_buf *sub, struct pb_buf *date, struct pb_result *r)
{
	const char *base = file_base(cfg);
	const char *p = m->payload ? m->payload : "";

	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	put_component(date, m->digest_date);
	put_component(sub, m->subscriber);
	pb_buf_printf(dir, "%s/%s/%s", base, pb_buf_str(date), pb_buf_str(sub));
	if (mk && mkdirs(dir, pb_file_mode(cfg)) != 0) {
		pb_file_fail(r, "mkdir", pb_buf_str(dir), errno);
		return -1;
	}
	pb_buf_printf(path, "%s/", pb_buf_str(dir));
	name_file(path, m, (*p == '{' || *p == '[') ? "json" : "eml");
	return 0;
}

int
pb_file_day_vacate(const struct pb_config *cfg, const char *date, const char *name,
		   int64_t generation, char *err, size_t errlen)
{
	struct pb_outbox_msg m;
	struct pb_buf dir = { 0 }, path = { 0 }, sub = { 0 }, day = { 0 }, id = { 0 };
	struct pb_result r;
	char tag[32];
	int rc = -1;

	if (!cfg->file.enabled)
		return 0;
	memset(&m, 0, sizeof m);
	memset(&r, 0, sizeof r);
	pb_buf_printf(&id, "%s/%s/file/-/1/g%lld", date, name, (long long)generation);
	m.msg_id = id.data;
	m.subscriber = (char *)name;
	m.digest_date = (char *)date;
	m.channel = (char *)"file";
	/* made, when missing: a former subscriber's message held still finds it claimed */
	if (file_place(&m, cfg, 1, &dir, &path, &sub, &day, &r) < 0)
		goto out;
	build_tag(&m, tag);
	if (day_claim(pb_buf_str(&dir), tag, pb_now(), NULL, 0, pb_file_mode(cfg), &r) < 0)
		goto out;
	/* the archive's page of the day was the former's digest */
	if (cfg->file.archive &&
	    pb_archive_update(file_base(cfg), pb_buf_str(&sub), pb_buf_str(&day),
			      pb_file_mode(cfg), &r) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		snprintf(err, errlen, "%s", r.reason);
	pb_buf_free(&id);
	pb_buf_free(&day);
	pb_buf_free(&sub);
	pb_buf_free(&path);
	pb_buf_free(&dir);
	return rc;
}

/* Whether writing m rebuilds the subscriber's web archive after. */
static int
file_archives(const struct pb_outbox_msg *m, const struct pb_config *cfg)
{
	return cfg->file.archive && m->n_parts <= 1 && m->dest &&
	       strcmp(m->dest, "digest.html") == 0;
}

static void
file_write(const struct pb_outbox_msg *m, const struct pb_config *cfg, struct pb_result *r)
{
	struct pb_buf dir = { 0 }, path = { 0 }, sub = { 0 }, date = { 0 }, had = { 0 };
	const char *name;
	int64_t when;
	char tag[32];

	memset(r, 0, sizeof *r);
	r->retry_after_s = -1;
	if (file_place(m, cfg, 1, &dir, &path, &sub, &date, r) < 0)
		goto out;
	build_tag(m, tag);
	if (read_record(pb_buf_str(&dir), &had, &when, r) < 0 ||
	    settle_former(m, tag, pb_buf_str(&had), when, pb_buf_str(&path), r))
		goto out;
	if (pb_file_put(pb_buf_str(&dir), pb_buf_str(&path), m->payload, m->payload_len,
			pb_file_mode(cfg), r) < 0)
		goto out;
	name = strrchr(pb_buf_str(&path), '/') + 1;
	if (day_claim(pb_buf_str(&dir), tag, m->created, &name, 1, pb_file_mode(cfg), r) < 0)
		goto out;
	/* The archive is rebuilt from the disk after each HTML digest, so it survives restarts
	 * and a retried message rebuilds it again. */
	if (file_archives(m, cfg) &&
	    pb_archive_update(file_base(cfg), pb_buf_str(&sub), pb_buf_str(&date),
			      pb_file_mode(cfg), r) < 0)
		goto out;
	r->verdict = PB_V_SENT;
out:
	pb_buf_free(&had);
	pb_buf_free(&date);
	pb_buf_free(&sub);
	pb_buf_free(&path);
	pb_buf_free(&dir);
}

/* ---- writes in groups ----
 *
 * The delivery loop writes the file sink's messages a group at a time: each to a temporary
 * file beside its place (stage), then, for the whole group, one syncfs(2) of the sink's file
 * system (the data on disk), the renames, and a second syncfs (the renames on disk) before
 * any of them is counted written (finish). A reader still never sees half a message, a power
 * loss still loses nothing counted, and a group of 128 costs two syncs where it cost 256
 * fsyncs. syncfs reports a write-back error anywhere on the file system since the group's
 * first write (Linux 5.8 and later): the whole group is then retried.
 *
 * Each file's write-back starts as soon as it is written (sync_file_range), so the disk works
 * while the next ones are written, and the file stays open until the first syncfs; then its
 * pages leave the page cache (POSIX_FADV_DONTNEED). A day's files are read later if at all, and
 * many subscribers' (about 14 GB at 100,000) would otherwise fill the cache, pushing out the
 * rest, and on a virtual machine whose freed memory goes back to the host, make every page
 * they take a fresh one from it: at 100,000 subscribers with the file sink, the writer spent
 * two thirds of its time copying into such pages, and a run took 154 s against 116 s with the
 * pages dropped (single diagnostic runs on a 2-core virtual machine, bench/bench_100k.sh's
 * set-up). Files are kept open only below half the process's limit on open files (the rest
 * is the email sessions' and the state's); any others are closed at once and stay cached. */
struct pb_stage_group {
	int fd;                 /* the sink's folder, opened before the group's first write */
	char *swept;            /* the last folder swept of temporary files left (pb_file_sweep) */
	char *recorded;         /* the last folder whose record was read (settle_former), */
	struct pb_buf rec_tag;  /* its build, */
	int64_t rec_when;       /* and when that claimed it */
	long keep_below;        /* files opened below this descriptor stay open until syncfs */
	int mode;               /* file.mode, or -1 (pb_file_mode) */
	char *base;
	size_t n, cap;
	struct staged_file {
		char *tmp, *path;
		char *sub, *date;       /* for the archive, when it is rebuilt after */
		char tag[32];           /* its build (build_tag) */
		int64_t created;        /* when its build made it (the outbox's) */
		int archive;
		int fd;                 /* the temporary file, open until its data is on disk */
		int superseded;         /* a later build's file of the folder came after it: */
		char later[32];         /* that build (build_tag) */
	} *v;
};

static void
group_free(struct pb_stage_group *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		if (g->v[i].fd >= 0)
			close(g->v[i].fd);
		free(g->v[i].tmp);
		free(g->v[i].path);
		free(g->v[i].sub);
		free(g->v[i].date);
	}
	free(g->swept);
	free(g->recorded);
	pb_buf_free(&g->rec_tag);
	if (g->fd >= 0)
		close(g->fd);
	free(g->base);
	free(g->v);
	free(g);
}

void
pb_file_sweep(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int dfd;

	if (!d)
		return;
	dfd = dirfd(d);
	while ((e = readdir(d))) {
		const char *t = strstr(e->d_name, ".tmp"), *p;
		char *end;
		long pid;

		/* the last ".tmp" of the name, followed by digits only */
		while (t && (p = strstr(t + 1, ".tmp")))
			t = p;
		if (!t || t[4] < '0' || t[4] > '9' || t == e->d_name)
			continue;
		errno = 0;
		pid = strtol(t + 4, &end, 10);
		if (*end || errno || pid <= 0 || pid > INT_MAX || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH && unlinkat(dfd, e->d_name, 0) == 0)
			pb_info("file.swept", "path=%s/%s", pb_q(dir), pb_q(e->d_name));
	}
	closedir(d);
}

/* For a message staged in a folder made before (w >= 0 in file_stage): 1 when it is to be
 * written; 0 when it is of an earlier build than the folder's record (settle_former) or
 * the record could not be read, its temporary file removed, r filled. The group writes no
 * record before its finish: each folder's is read once. */
static int
stage_still(struct pb_stage_group *g, const struct pb_outbox_msg *m, const struct pb_buf *dir,
	    const struct pb_buf *path, const struct pb_buf *tmp, struct pb_result *r)
{
	char tag[32];

	if (!g->recorded || strcmp(g->recorded, pb_buf_str(dir)) != 0) {
		free(g->recorded);
		g->recorded = NULL;
		if (read_record(pb_buf_str(dir), &g->rec_tag, &g->rec_when, r) < 0) {
			unlink(pb_buf_str(tmp));
			return 0;
		}
		g->recorded = pb_xstrdup(pb_buf_str(dir));
	}
	build_tag(m, tag);
	if (settle_former(m, tag, pb_buf_str(&g->rec_tag), g->rec_when, pb_buf_str(path), r)) {
		unlink(pb_buf_str(tmp));
		return 0;
	}
	return 1;
}

/* Another build's files of the folder dir staged in the group before m (a former subscriber's
 * message written late beside the new one's of the name): m, of an earlier build than one of
 * them, is settled unwritten (1, r filled); of a later build, it supersedes them: each is
 * taken out of the group now, its temporary file removed (m's may have its name), and is
 * settled unwritten at the finish. 0 when m is to be staged. */
static int
stage_builds(struct pb_stage_group *g, const struct pb_outbox_msg *m, const struct pb_buf *dir,
	     const struct pb_buf *path, struct pb_result *r)
{
	size_t dl = dir->len;
	char tag[32];

	build_tag(m, tag);
	for (size_t i = 0; i < g->n; i++) {
		struct staged_file *f = &g->v[i];

		if (f->superseded || strcmp(f->tag, tag) == 0 ||
		    strncmp(f->path, pb_buf_str(dir), dl) != 0 || f->path[dl] != '/' ||
		    strchr(f->path + dl + 1, '/'))
			continue;
		if (former_build(tag, m->created, f->tag, f->created)) {
			former_note(m->subscriber, m->digest_date, pb_buf_str(path), tag, f->tag, r);
			return 1;
		}
		f->superseded = 1;
		memcpy(f->later, tag, sizeof f->later);
		if (f->fd >= 0)
			close(f->fd);
		f->fd = -1;
		unlink(f->tmp);
	}
	return 0;
}

static int
file_stage(struct pb_stage_group **gp, const struct pb_outbox_msg *m,
	   const struct pb_config *cfg, struct pb_result *r)
{
	struct pb_buf dir = { 0 }, path = { 0 }, sub = { 0 }, date = { 0 }, tmp = { 0 };
	struct rlimit rl;
	struct pb_stage_group *g = *gp;
	int rc = -1, w, fd = -1;

	memset(r, 0, sizeof *r);
	r->retry_after_s = -1;
	if (file_place(m, cfg, 0, &dir, &path, &sub, &date, r) < 0)
		goto out;
	if (!g) {
		if (mkdirs(&dir, pb_file_mode(cfg)) != 0) {
			pb_file_fail(r, "mkdir", pb_buf_str(&dir), errno);
			goto out;
		}
		/* opened before the first write: syncfs reports errors from here on */
		g = pb_xcalloc(1, sizeof *g);
		g->keep_below = getrlimit(RLIMIT_NOFILE, &rl) != 0 ? 0 :
				rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur / 2 > INT_MAX ? INT_MAX :
				(long)(rl.rlim_cur / 2);
		g->base = pb_xstrdup(file_base(cfg));
		g->mode = pb_file_mode(cfg);
		g->fd = open(g->base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (g->fd < 0) {
			pb_file_fail(r, "open", g->base, errno);
			group_free(g);
			goto out;
		}
		*gp = g;
	}
	if (stage_builds(g, m, &dir, &path, r))
		goto out;
	pb_buf_printf(&tmp, "%s.tmp%ld", pb_buf_str(&path), (long)getpid());
	if ((w = write_tmp(pb_buf_str(&tmp), m->payload, m->payload_len, g->mode, 0, &fd,
			   g->keep_below, r)) < 0) {
		/* a folder not made yet (the subscriber's first file of the day): made, and
		 * the file written again */
		if (w != -2)
			goto out;
		if (mkdirs(&dir, pb_file_mode(cfg)) != 0) {
			pb_file_fail(r, "mkdir", pb_buf_str(&dir), errno);
			goto out;
		}
		free(g->swept);
		g->swept = pb_xstrdup(pb_buf_str(&dir));
		if (write_tmp(pb_buf_str(&tmp), m->payload, m->payload_len, g->mode, 0, &fd,
			      g->keep_below, r) < 0)
			goto out;
	} else if (!g->swept || strcmp(g->swept, pb_buf_str(&dir)) != 0) {
		/* A folder made before: this day's run for this subscriber was here already,
		 * and what it left half done is swept once. (A new folder, the daily case, has
		 * nothing to sweep.) */
		pb_file_sweep(pb_buf_str(&dir));
		free(g->swept);
		g->swept = pb_xstrdup(pb_buf_str(&dir));
	}
	if (w >= 0 && !stage_still(g, m, &dir, &path, &tmp, r)) {
		if (fd >= 0)
			close(fd);
		goto out;
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 64;
		g->v = pb_xreallocarray(g->v, g->cap, sizeof *g->v);
	}
	g->v[g->n] = (struct staged_file){
		.tmp = pb_buf_detach(&tmp), .path = pb_buf_detach(&path),
		.sub = pb_buf_detach(&sub), .date = pb_buf_detach(&date),
		.archive = file_archives(m, cfg), .fd = fd,
	};
	build_tag(m, g->v[g->n].tag);
	g->v[g->n].created = m->created;
	g->n++;
	rc = 0;
out:
	pb_buf_free(&tmp);
	pb_buf_free(&date);
	pb_buf_free(&sub);
	pb_buf_free(&path);
	pb_buf_free(&dir);
	return rc;
}

/* After the renames: day_claim for each folder the group wrote into, keeping the files the
 * group put there for the same build. A failure fails that folder's messages (written again,
 * the claim then made again). */
static void
claim_folders(struct pb_stage_group *g, struct pb_result *res, size_t n)
{
	const char **keep = pb_xcalloc(n ? n : 1, sizeof *keep);
	unsigned char *done = pb_xcalloc(n ? n : 1, 1);

	for (size_t i = 0; i < n; i++) {
		const char *slash = strrchr(g->v[i].path, '/');
		size_t dl = slash ? (size_t)(slash - g->v[i].path) : 0, n_keep = 0;
		struct pb_result fail;
		char *dir;

		if (done[i] || res[i].verdict != PB_V_SENT || !slash)
			continue;
		/* (a subscriber's files are next to each other in a group: few to look through) */
		for (size_t j = i; j < n; j++)
			if (!done[j] && res[j].verdict == PB_V_SENT &&
			    strncmp(g->v[j].path, g->v[i].path, dl + 1) == 0 &&
			    !strchr(g->v[j].path + dl + 1, '/') &&
			    strcmp(g->v[j].tag, g->v[i].tag) == 0) {
				keep[n_keep++] = g->v[j].path + dl + 1;
				done[j] = 2;
			}
		dir = pb_xstrndup(g->v[i].path, dl);
		memset(&fail, 0, sizeof fail);
		if (day_claim(dir, g->v[i].tag, g->v[i].created, keep, n_keep, g->mode,
			      &fail) < 0)
			for (size_t j = i; j < n; j++)
				if (done[j] == 2)
					res[j] = fail;
		for (size_t j = i; j < n; j++)
			if (done[j] == 2)
				done[j] = 1;
		free(dir);
	}
	free(done);
	free(keep);
}

static void
file_finish(struct pb_stage_group *g, struct pb_result *res, size_t n)
{
	int e;

	if (!g)
		return;
	if (n > g->n)
		n = g->n;
	if (n == 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct staged_file *f = &g->v[i];

		memset(&res[i], 0, sizeof res[i]);
		res[i].retry_after_s = -1;
		res[i].verdict = PB_V_SENT;
		if (!f->superseded)
			continue;
		former_note(f->sub, f->date, f->path, f->tag, f->later, &res[i]);
	}
	/* the data on disk before any name points at it */
	if (syncfs(g->fd) != 0) {
		e = errno;
		for (size_t i = 0; i < n; i++) {
			if (g->v[i].superseded)
				continue;
			pb_file_fail(&res[i], "syncfs", g->base, e);
			unlink(g->v[i].tmp);
		}
		goto out;
	}
	/* on disk: the files leave the page cache (see "writes in groups") */
	for (size_t i = 0; i < n; i++) {
		int fd = g->v[i].fd;

		if (fd < 0)
			continue;
		g->v[i].fd = -1;
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		if (close(fd) != 0) {
			pb_file_fail(&res[i], "close", g->v[i].tmp, errno);
			unlink(g->v[i].tmp);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (res[i].verdict == PB_V_SENT && rename(g->v[i].tmp, g->v[i].path) != 0) {
			pb_file_fail(&res[i], "rename", g->v[i].path, errno);
			unlink(g->v[i].tmp);
		}
	/* each folder written is its build's, the stale files gone, before any counts */
	claim_folders(g, res, n);
	/* the names on disk before any counts as written; when that fails, each is written
	 * again (the same bytes, under the same name) */
	if (syncfs(g->fd) != 0) {
		e = errno;
		for (size_t i = 0; i < n; i++)
			if (res[i].verdict == PB_V_SENT)
				pb_file_fail(&res[i], "syncfs", g->base, e);
		goto out;
	}
	/* The archive is rebuilt from the disk after each HTML digest, so it survives restarts
	 * and a retried message rebuilds it again. */
	for (size_t i = 0; i < n; i++)
		if (res[i].verdict == PB_V_SENT && g->v[i].archive &&
		    pb_archive_update(g->base, g->v[i].sub, g->v[i].date, g->mode, &res[i]) < 0)
			res[i].verdict = PB_V_TRANSIENT;
out:
	/* staged and not asked for: never shown */
	for (size_t i = n; i < g->n; i++)
		unlink(g->v[i].tmp);
	group_free(g);
}

/* The file sink keeps the digest in every format the subscriber's channels use, and always in
 * Markdown and HTML (a new user's first results, readable in a browser); all.md (FULL_LIST)
 * holds every match when the cap left some out. */

static void
file_dests(const struct pb_chan_ctx *c, struct pb_parts *out)
{
	if (!c->cfg->file.enabled)
		return;
	for (int f = 0; f < PB_FMT_COUNT; f++)
		if ((c->formats | pb_channel_file.formats) & 1u << f)
			pb_chan_dest(out, pb_format_file((enum pb_format)f));
	if (c->d && c->d->n_more)
		pb_chan_dest(out, FULL_LIST);
}

static void
file_describe(const struct pb_config *cfg, struct pb_buf *out)
{
	pb_buf_puts(out, cfg->file.enabled ? cfg->file.dir : "off");
	if (cfg->file.enabled && cfg->file.archive)
		pb_buf_puts(out, " (with archive)");
}

static void
file_render_opts(const struct pb_chan_ctx *c, struct pb_render_opts *ro)
{
	/* the digest names the file beside it that has the full list */
	ro->full_list = c->cfg->file.enabled && c->d && c->d->n_more ? FULL_LIST : NULL;
}

static int
file_build(const struct pb_chan_ctx *c, const char *dest, const char *msg_id,
	   struct pb_parts *out, char *err, size_t errlen)
{
	(void)msg_id;
	if (strcmp(dest, FULL_LIST) == 0) {
		struct pb_blocks bl = { 0 };
		char *doc = pb_render_all_md_opts(c->d, c->ro, c->hints ? &bl : NULL);

		if (c->hints)
			pb_chan_block_hints(&bl, doc, c->hints);
		pb_blocks_free(&bl);
		pb_parts_push(out, doc);
		return 0;
	}
	for (int f = 0; f < PB_FMT_COUNT; f++) {
		if (strcmp(dest, pb_format_file((enum pb_format)f)) != 0)
			continue;
		if (c->ro && (c->ro->manage_url || c->ro->link_key)) {
			/* Files are what an archive publishes: they carry none of the reader's
			 * links, which would let anyone who reads them manage the subscription. */
			struct pb_render_opts plain = *c->ro;
			struct pb_parts v = { 0 };

			plain.manage_url = NULL;
			plain.blocks = NULL;
			plain.link_key = NULL;
			plain.link_base = NULL;
			plain.link_subject = NULL;
			if (pb_render(c->d, (enum pb_format)f, &plain, &v) < 0 || !v.n) {
				pb_parts_free(&v);
				break;
			}
			for (size_t i = 0; i < v.n; i++)
				pb_parts_push(out, pb_xstrdup(v.v[i]));
			pb_parts_free(&v);
			return 0;
		}
		if (!c->out || !c->out[f].n)
			break;
		for (size_t i = 0; i < c->out[f].n; i++)
			pb_parts_push(out, pb_xstrdup(c->out[f].v[i]));
		if (c->hints && c->ro && c->ro->blocks && c->out[f].n == 1)
			pb_chan_block_hints(&c->ro->blocks[f], c->out[f].v[0], c->hints);
		return 0;
	}
	snprintf(err, errlen, "file: nothing rendered for %s", dest);
	return -1;
}

const struct pb_channel pb_channel_file = {
	.name = "file",
	.title = "files",
	.formats = 1u << PB_FMT_MD | 1u << PB_FMT_HTML,
	.dests = file_dests,
	.describe = file_describe,
	.render_opts = file_render_opts,
	.build = file_build,
	.write = file_write,
	.stage = file_stage,
	.finish = file_finish,
};
