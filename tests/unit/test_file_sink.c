/* The file sink's folder of a subscriber's day when the day is built again (a new subscriber
 * given the name the same day, its message ids ending in "/gN"): after the new build's files
 * are written, in one group, in two, or one at a time, the folder holds exactly them (and
 * an operator's own files and folders): not the former's all.md, its higher-numbered parts,
 * its formats the new one has not; a later write of the same build (a retry) removes nothing;
 * a day built once keeps no record. A former build's message written late (held, retried) is
 * settled unwritten; builds follow each other as made, a file's subscriber (generation 0)
 * after a stored one too; a new subscriber of the name with no digest leaves none of the
 * former's files (pb_file_day_vacate), nor, with the archive on, its page; a former's message
 * and the new build's of the same file in one write group leave the new one's. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/deliver/archive.h"
#include "paperboy/buf.h"
#include "t.h"

static char base[64];
static struct pb_config cfg;
static int64_t made;    /* the messages' created time (the outbox's) */

struct msg {
	const char *dest;
	int part, n_parts;
};

static void
fill(struct pb_outbox_msg *m, struct pb_buf *id, const char *sub, const char *gen,
     const struct msg *x, const char *text)
{
	memset(m, 0, sizeof *m);
	pb_buf_reset(id);
	pb_buf_printf(id, "2024-11-28/%s/file/%s/%d%s%s", sub, x->dest, x->part, *gen ? "/" : "",
		      gen);
	m->msg_id = id->data;
	m->subscriber = (char *)sub;
	m->channel = (char *)"file";
	m->dest = (char *)x->dest;
	m->digest_date = (char *)"2024-11-28";
	m->part = x->part;
	m->n_parts = x->n_parts;
	m->created = made;
	m->payload = (char *)text;
	m->payload_len = strlen(text);
}

/* Writes the n messages of one build as the delivery loop does: staged in groups of at most
 * per_group (0: one at a time through write). Returns how many were not written. */
static int
build(const char *sub, const char *gen, const struct msg *v, size_t n, size_t per_group,
      const char *text)
{
	const struct pb_channel *ch = &pb_channel_file;
	struct pb_buf ids[16] = { { 0 } };
	struct pb_outbox_msg m[16];
	struct pb_result res[16];
	int bad = 0;

	for (size_t i = 0; i < n; i++)
		fill(&m[i], &ids[i], sub, gen, &v[i], text);
	for (size_t i = 0; i < n;) {
		struct pb_stage_group *g = NULL;
		size_t k = 0, n_at = 0;

		if (!per_group) {
			ch->write(&m[i], &cfg, &res[0]);
			bad += res[0].verdict != PB_V_SENT;
			i++;
			continue;
		}
		/* as the delivery loop's group_write: finish's results are the staged ones' */
		for (; k < per_group && i + k < n; k++)
			if (ch->stage(&g, &m[i + k], &cfg, &res[0]) == 0)
				n_at++;
			else
				bad++;
		ch->finish(g, res, n_at);
		for (size_t j = 0; j < n_at; j++)
			bad += res[j].verdict != PB_V_SENT;
		i += k;
	}
	for (size_t i = 0; i < n; i++)
		pb_buf_free(&ids[i]);
	return bad;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in sub's folder, sorted, one space between. */
static char *
listing(const char *sub)
{
	char path[256], *names[64];
	size_t n = 0;
	struct pb_buf b = { 0 };
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof path, "%s/2024-11-28/%s", base, sub);
	if (!(d = opendir(path)))
		return strdup("(none)");
	while ((e = readdir(d)) && n < 64)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		pb_buf_printf(&b, "%s%s", i ? " " : "", names[i]);
		free(names[i]);
	}
	pb_buf_putc(&b, '\0');
	return pb_buf_detach(&b);
}

static void
operator_file(const char *sub, const char *name)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/2024-11-28/%s/%s", base, sub, name);
	f = fopen(path, "w");
	T_CHECK(f != NULL);
	if (f) {
		fputs("the lab's own\n", f);
		T_CHECK(fclose(f) == 0);
	}
}

static int
starts(const char *sub, const char *name, const char *text)
{
	char path[256], line[64] = "";
	FILE *f;

	snprintf(path, sizeof path, "%s/2024-11-28/%s/%s", base, sub, name);
	if (!(f = fopen(path, "r")))
		return 0;
	if (!fgets(line, sizeof line, f))
		line[0] = '\0';
	fclose(f);
	return strncmp(line, text, strlen(text)) == 0;
}

static const struct msg former[] = {
	{ "all.md", 1, 1 },
	{ "digest-telegram.json", 1, 3 },
	{ "digest-telegram.json", 2, 3 },
	{ "digest-telegram.json", 3, 3 },
	{ "digest.html", 1, 1 },
	{ "digest.md", 1, 1 },
	{ "digest.txt", 1, 1 },
};
#define N_FORMER (sizeof former / sizeof former[0])

/* The former's day, with an operator's files beside it. */
static void
former_day(const char *sub, size_t per_group)
{
	char *l;

	T_EQ_INT(build(sub, "", former, N_FORMER, per_group, "{\"former\":1}\n"), 0);
	operator_file(sub, "notes.txt");
	operator_file(sub, "digest-old.md");
	l = listing(sub);
	/* a day built once keeps no record */
	T_EQ_STR(l, "all.md digest-old.md digest-telegram-01.json digest-telegram-02.json "
		    "digest-telegram-03.json digest.html digest.md digest.txt notes.txt");
	free(l);
}

static void
test_names(void)
{
	static const char *const yes[] = {
		"digest.md", "digest.html", "digest.txt", "digest-slack.json",
		"digest-telegram.json", "digest.json", "all.md", "digest-telegram-03.json",
		"digest-slack-12.json", "digest-01.md", "digest-100.html", "all-02.md",
	};
	static const char *const no[] = {
		"notes.txt", "digest-old.md", "digest-1.md", "digest-telegram-3.json",
		"digest.md.tmp123", "index.html", "digest-02.md.bak", "digest-telegram.json~",
		".paperboy-build", "digest-0x.md", "digest-telegram-01.md", "",
	};

	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (!pb_file_sink_name(yes[i])) {
			fprintf(stderr, "not a sink name: %s\n", yes[i]);
			T_CHECK(0);
		}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (pb_file_sink_name(no[i])) {
			fprintf(stderr, "a sink name: %s\n", no[i]);
			T_CHECK(0);
		}
}

/* Built again in one group: three Telegram parts become one, all.md and digest.txt go. */
static void
test_one_group(void)
{
	static const struct msg now[] = {
		{ "digest-telegram.json", 1, 1 },
		{ "digest.html", 1, 1 },
		{ "digest.md", 1, 1 },
	};
	static const struct msg retry[] = { { "digest.md", 1, 1 } };
	char *l, dir[256];

	former_day("ann", 128);
	/* an operator's folder of a name the sink writes is not the sink's */
	snprintf(dir, sizeof dir, "%s/2024-11-28/ann/digest.json", base);
	T_CHECK(mkdir(dir, 0755) == 0);
	T_EQ_INT(build("ann", "g7", now, 3, 128, "{\"new\":1}\n"), 0);
	l = listing("ann");
	T_EQ_STR(l, ".paperboy-build digest-old.md digest-telegram.json digest.html digest.json "
		    "digest.md notes.txt");
	free(l);
	T_CHECK(rmdir(dir) == 0);
	T_CHECK(starts("ann", "digest.md", "{\"new\""));
	T_CHECK(starts("ann", ".paperboy-build", "g7"));
	T_CHECK(starts("ann", "notes.txt", "the lab's own"));
	/* a retry of the same build's file removes nothing */
	T_EQ_INT(build("ann", "g7", retry, 1, 128, "{\"new\":2}\n"), 0);
	l = listing("ann");
	T_EQ_STR(l, ".paperboy-build digest-old.md digest-telegram.json digest.html digest.md "
		    "notes.txt");
	free(l);
	T_CHECK(starts("ann", "digest.md", "{\"new\":2"));
}

/* Built again across two groups (the loop's group filled up mid-folder): the first removes
 * the former's files, the second, of the same build, none of the first's. And built a third
 * time, by another subscriber of the name: the second's go in turn. */
static void
test_two_groups(void)
{
	static const struct msg now[] = {
		{ "all.md", 1, 1 },
		{ "digest-telegram.json", 1, 2 },
		{ "digest-telegram.json", 2, 2 },
		{ "digest.html", 1, 1 },
		{ "digest.md", 1, 1 },
	};
	static const struct msg third[] = {
		{ "digest.html", 1, 1 },
		{ "digest.json", 1, 1 },
		{ "digest.md", 1, 1 },
	};
	char *l;

	former_day("bo", 3);
	T_EQ_INT(build("bo", "g8", now, 5, 2, "{\"new\":1}\n"), 0);
	l = listing("bo");
	T_EQ_STR(l, ".paperboy-build all.md digest-old.md digest-telegram-01.json "
		    "digest-telegram-02.json digest.html digest.md notes.txt");
	free(l);
	T_CHECK(starts("bo", "all.md", "{\"new\""));
	T_CHECK(starts("bo", "digest-telegram-02.json", "{\"new\""));
	T_EQ_INT(build("bo", "g11", third, 3, 128, "{\"third\":1}\n"), 0);
	l = listing("bo");
	T_EQ_STR(l, ".paperboy-build digest-old.md digest.html digest.json digest.md notes.txt");
	free(l);
	T_CHECK(starts("bo", ".paperboy-build", "g11"));
}

/* Written one at a time (the channel's write): the same. */
static void
test_write(void)
{
	static const struct msg now[] = {
		{ "digest.html", 1, 1 },
		{ "digest.md", 1, 1 },
	};
	char *l;

	former_day("cy", 0);
	T_EQ_INT(build("cy", "g9", now, 2, 0, "{\"new\":1}\n"), 0);
	l = listing("cy");
	T_EQ_STR(l, ".paperboy-build digest-old.md digest.html digest.md notes.txt");
	free(l);
	T_CHECK(starts("cy", "digest.html", "{\"new\""));
}

/* A former build's message held and written after the name's next generation wrote its day
 * (a removed subscriber's retry, its held message released) writes nothing there: not over
 * the new reader's file of its name, not beside it; and takes none of the later build's files
 * away, nor its record. */
static void
test_late_former(void)
{
	static const struct msg now[] = {
		{ "digest.html", 1, 1 },
		{ "digest.md", 1, 1 },
	};
	static const struct msg late[] = { { "digest.txt", 1, 1 } };
	static const struct msg late_md[] = { { "digest.md", 1, 1 } };
	char *l;

	made = 2000;
	T_EQ_INT(build("dy", "g3", now, 2, 0, "{\"new\":1}\n"), 0);
	made = 1000;
	T_EQ_INT(build("dy", "", late, 1, 0, "{\"former\":1}\n"), 1);
	T_EQ_INT(build("dy", "", late_md, 1, 0, "{\"former\":1}\n"), 1);
	l = listing("dy");
	T_EQ_STR(l, ".paperboy-build digest.html digest.md");
	free(l);
	T_CHECK(starts("dy", "digest.md", "{\"new\""));
	made = 1500;
	T_EQ_INT(build("dy", "g2", late_md, 1, 1, "{\"former\":2}\n"), 1);
	T_EQ_INT(build("dy", "g2", late, 1, 0, "{\"former\":2}\n"), 1);
	l = listing("dy");
	T_EQ_STR(l, ".paperboy-build digest.html digest.md");
	free(l);
	T_CHECK(starts("dy", "digest.md", "{\"new\""));
	/* made in the same second, or a record from before it kept a time: the generations */
	made = 2000;
	T_EQ_INT(build("dy", "g2", late_md, 1, 0, "{\"former\":3}\n"), 1);
	T_CHECK(starts("dy", "digest.md", "{\"new\""));
	/* the later build's next write still finds its record: nothing goes */
	T_EQ_INT(build("dy", "g3", now, 1, 0, "{\"new\":2}\n"), 0);
	l = listing("dy");
	T_EQ_STR(l, ".paperboy-build digest.html digest.md");
	free(l);
	T_CHECK(starts("dy", ".paperboy-build", "g3 2000"));
	made = 0;
}

/* A subscriber of the file (generation 0, "/g0") given the name after a stored one of a later
 * generation built the day again: its build is the later, whatever the numbers say; the
 * stored one's files it has not go, and the stored one's late message is settled. */
static void
test_file_after_stored(void)
{
	static const struct msg stored[] = {
		{ "all.md", 1, 1 },
		{ "digest.html", 1, 1 },
		{ "digest.md", 1, 1 },
	};
	static const struct msg file[] = {
		{ "digest.html", 1, 1 },
		{ "digest.md", 1, 1 },
	};
	char *l;

	made = 1000;
	T_EQ_INT(build("ed", "", file, 2, 128, "{\"first\":1}\n"), 0);
	made = 2000;
	T_EQ_INT(build("ed", "g6", stored, 3, 128, "{\"stored\":1}\n"), 0);
	made = 3000;
	T_EQ_INT(build("ed", "g0", file, 2, 128, "{\"file\":1}\n"), 0);
	l = listing("ed");
	T_EQ_STR(l, ".paperboy-build digest.html digest.md");
	free(l);
	T_CHECK(starts("ed", "digest.md", "{\"file\""));
	T_CHECK(starts("ed", ".paperboy-build", "g0 3000"));
	made = 2000;
	T_EQ_INT(build("ed", "g6", stored, 3, 128, "{\"stored\":2}\n"), 3);
	l = listing("ed");
	T_EQ_STR(l, ".paperboy-build digest.html digest.md");
	free(l);
	T_CHECK(starts("ed", "digest.md", "{\"file\""));
	made = 0;
}

/* A new subscriber of the name whose digest is not built (nothing matched): the former's files
 * of the day go, an operator's stay, and the former's message written later is settled; with
 * no folder yet (the former's messages all held), the folder is made claimed. */
static void
test_vacate(void)
{
	static const struct msg late[] = { { "digest.md", 1, 1 } };
	char *l, err[256] = "";

	former_day("fy", 128);
	T_EQ_INT(pb_file_day_vacate(&cfg, "2024-11-28", "fy", 5, err, sizeof err), 0);
	T_EQ_STR(err, "");
	l = listing("fy");
	T_EQ_STR(l, ".paperboy-build digest-old.md notes.txt");
	free(l);
	T_CHECK(starts("fy", ".paperboy-build", "g5 "));
	made = 1000;
	T_EQ_INT(build("fy", "", late, 1, 128, "{\"former\":1}\n"), 1);
	T_EQ_INT(build("fy", "", late, 1, 0, "{\"former\":1}\n"), 1);
	l = listing("fy");
	T_EQ_STR(l, ".paperboy-build digest-old.md notes.txt");
	free(l);
	/* the former's messages not written yet: held */
	T_EQ_INT(pb_file_day_vacate(&cfg, "2024-11-28", "gy", 0, err, sizeof err), 0);
	T_EQ_INT(build("gy", "", late, 1, 0, "{\"former\":1}\n"), 1);
	l = listing("gy");
	T_EQ_STR(l, ".paperboy-build");
	free(l);
	/* the sink off: nothing made */
	cfg.file.enabled = false;
	T_EQ_INT(pb_file_day_vacate(&cfg, "2024-11-28", "hy", 0, err, sizeof err), 0);
	cfg.file.enabled = true;
	l = listing("hy");
	T_EQ_STR(l, "(none)");
	free(l);
	made = 0;
}

/* With the web archive on, the cleared day's page goes too, and the index no longer lists it. */
static void
test_vacate_archive(void)
{
	struct pb_buf path = { 0 }, index = { 0 };
	char err[256] = "";
	struct stat st;
	FILE *f;

	cfg.file.archive = true;
	former_day("iy", 128);
	pb_buf_printf(&path, "%s/iy/2024-11-28.html", base);
	T_CHECK(stat(pb_buf_str(&path), &st) == 0);
	T_EQ_INT(pb_file_day_vacate(&cfg, "2024-11-28", "iy", 5, err, sizeof err), 0);
	T_EQ_STR(err, "");
	T_CHECK(stat(pb_buf_str(&path), &st) != 0);
	pb_buf_reset(&path);
	pb_buf_printf(&path, "%s/iy/index.html", base);
	f = fopen(pb_buf_str(&path), "r");
	T_CHECK(f != NULL);
	if (f) {
		char chunk[4096];
		size_t k;

		while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
			pb_buf_append(&index, chunk, k);
		fclose(f);
	}
	T_CHECK(index.len > 0);
	T_CHECK(!strstr(pb_buf_str(&index), "2024-11-28"));
	cfg.file.archive = false;
	pb_buf_free(&index);
	pb_buf_free(&path);
}

/* A former's message and the new build's of the same file in one write group, in either
 * order: the file is the new build's, the former's settled unwritten, the new one's written. */
static void
test_group_both(void)
{
	static const struct msg md = { "digest.md", 1, 1 };
	const struct pb_channel *ch = &pb_channel_file;
	const char *subs[2] = { "jy", "ky" };

	for (int order = 0; order < 2; order++) {
		struct pb_buf ids[2] = { { 0 } };
		struct pb_outbox_msg m[2];
		struct pb_result res[2];
		struct pb_stage_group *g = NULL;
		int newer = order == 0 ? 0 : 1, n_at = 0;
		char *l;

		made = 2000;
		fill(&m[newer], &ids[newer], subs[order], "g5", &md, "{\"new\":1}\n");
		made = 1000;
		fill(&m[1 - newer], &ids[1 - newer], subs[order], "", &md, "{\"former\":1}\n");
		for (int i = 0; i < 2; i++) {
			memset(&res[0], 0, sizeof res[0]);
			if (ch->stage(&g, &m[i], &cfg, &res[0]) == 0)
				n_at++;
			else
				T_CHECK(i != newer);   /* the former's: settled at once */
		}
		ch->finish(g, res, (size_t)n_at);
		if (n_at == 2) {
			T_EQ_INT(res[newer].verdict, PB_V_SENT);
			T_EQ_INT(res[1 - newer].verdict, PB_V_PERMANENT);
		} else {
			T_EQ_INT(n_at, 1);
			T_EQ_INT(res[0].verdict, PB_V_SENT);
		}
		T_CHECK(starts(subs[order], "digest.md", "{\"new\""));
		l = listing(subs[order]);
		T_EQ_STR(l, ".paperboy-build digest.md");
		free(l);
		pb_buf_free(&ids[0]);
		pb_buf_free(&ids[1]);
	}
	made = 0;
}

int
main(void)
{
	char cmd[128];

	snprintf(base, sizeof base, "/tmp/pb-filesink.XXXXXX");
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	cfg.file.enabled = true;
	cfg.file.dir = base;
	test_names();
	test_one_group();
	test_two_groups();
	test_write();
	test_late_former();
	test_file_after_stored();
	test_vacate();
	test_vacate_archive();
	test_group_both();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "test_file_sink: could not remove %s\n", base);
	return t_done("test_file_sink");
}
