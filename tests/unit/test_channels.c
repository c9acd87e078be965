/* The channel table: every channel declares what the run cycle, preview and check ask of it;
 * a subscriber's formats, render options, destinations and payloads come from the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/config.h"
#include "paperboy/deliver.h"
#include "paperboy/render.h"
#include "t.h"

static const char conf[] =
	"state_dir = \"/tmp\";\n"
	"arxiv = { categories = [\"cs.CV\"]; };\n"
	"email = { smtp_url = \"smtp://127.0.0.1:2525\"; from = \"Digest <d@example.org>\";\n"
	"          tls = \"none\"; unsubscribe_url = \"https://example.org/u\"; };\n"
	"telegram = { token_env = \"PB_TEST_CHANNELS_TOKEN\"; };\n"
	"file = { dir = \"/tmp/pb-test-channels-out\"; };\n"
	"subscribers = (\n"
	"  { name = \"all\"; email = [\"a@example.org\", \"b@example.org\"];\n"
	"    slack_webhook_env = \"PB_TEST_CHANNELS_HOOK\"; telegram_chat = \"-100123\";\n"
	"    topics = ({ name = \"splat\"; query = \"ti:splatting\"; }); },\n"
	"  { name = \"mail\"; email = \"c@example.org\";\n"
	"    topics = ({ name = \"splat\"; query = \"ti:splatting\"; }); }\n"
	");\n";

static struct pb_config *
load(void)
{
	char dir[] = "/tmp/pb-test-channels.XXXXXX", path[256];
	struct pb_config_error err;
	struct pb_config *cfg;
	FILE *f;

	if (!mkdtemp(dir))
		return NULL;
	snprintf(path, sizeof path, "%s/paperboy.conf", dir);
	f = fopen(path, "w");
	fputs(conf, f);
	fclose(f);
	setenv("PB_TEST_CHANNELS_TOKEN", "123456:test-token", 1);
	setenv("PB_TEST_CHANNELS_HOOK", "http://127.0.0.1:9/hook", 1);
	cfg = pb_config_load(path, &err);
	if (!cfg)
		fprintf(stderr, "%s:%d: %s: %s\n", err.file, err.line, err.key, err.message);
	unlink(path);
	rmdir(dir);
	return cfg;
}

static void
test_table(void)
{
	size_t n = pb_channel_count();

	T_CHECK(n >= 4);
	for (size_t i = 0; i < n; i++) {
		const struct pb_channel *ch = pb_channel_at(i);

		T_CHECK(ch != NULL && pb_channel_name(ch) && *pb_channel_name(ch));
		T_CHECK(pb_channel_formats(ch) != 0);
		T_CHECK((pb_channel_formats(ch) & ~PB_FMT_ALL) == 0);
		T_CHECK(pb_channel_find(pb_channel_name(ch)) == ch);
		for (size_t j = 0; j < i; j++)
			T_CHECK(strcmp(pb_channel_name(pb_channel_at(j)), pb_channel_name(ch)) != 0);
	}
	T_CHECK(pb_channel_at(n) == NULL);
	T_CHECK(pb_channel_find("carrier-pigeon") == NULL);
	T_CHECK(pb_channel_find(NULL) == NULL);
	/* the file sink comes last: it keeps every format the others use */
	T_EQ_STR(pb_channel_name(pb_channel_at(n - 1)), "file");
}

static int
has(const struct pb_parts *p, const char *s)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i], s) == 0)
			return 1;
	return 0;
}

static void
test_subscriber(const struct pb_config *cfg)
{
	const struct pb_subscriber *all = pb_config_subscriber(cfg, "all");
	const struct pb_subscriber *mail = pb_config_subscriber(cfg, "mail");
	struct pb_chan_ctx cx = { .cfg = cfg, .sub = all, .now = 1733000000 };
	struct pb_render_opts ro;
	struct pb_parts out[PB_FMT_COUNT], d = { 0 }, pl = { 0 };
	struct pb_paper paper;
	struct pb_author au = { 0 };
	char *cats[] = { "cs.CV" };
	struct pb_digest_item item;
	struct pb_digest dg;
	struct pb_buf id = { 0 };
	char err[256], fp[PB_DEST_FP_LEN];
	unsigned f;

	T_CHECK(all && mail);
	if (!all || !mail)
		return;
	/* formats: email's text and html, Slack's and Telegram's bodies, the file sink's md */
	f = pb_channels_formats(&cx);
	T_EQ_INT(f, 1u << PB_FMT_MD | 1u << PB_FMT_HTML | 1u << PB_FMT_TEXT |
		    1u << PB_FMT_SLACK | 1u << PB_FMT_TELEGRAM);
	cx.sub = mail;
	T_EQ_INT(pb_channels_formats(&cx), 1u << PB_FMT_MD | 1u << PB_FMT_HTML | 1u << PB_FMT_TEXT);
	cx.sub = all;
	cx.formats = f;

	memset(&ro, 0, sizeof ro);
	pb_channels_render_opts(&cx, &ro);
	T_EQ_STR(ro.telegram_chat, "-100123");
	T_EQ_STR(ro.unsubscribe_url, "https://example.org/u");
	T_CHECK(ro.full_list == NULL);

	/* destinations: never the secret webhook URL */
	pb_channel_dests(pb_channel_find("email"), &cx, &d);
	T_EQ_INT(d.n, 2);
	T_CHECK(has(&d, "a@example.org") && has(&d, "b@example.org"));
	pb_parts_free(&d);
	pb_channel_dests(pb_channel_find("slack"), &cx, &d);
	T_EQ_INT(d.n, 1);
	T_CHECK(has(&d, "webhook"));
	pb_parts_free(&d);
	pb_channel_dests(pb_channel_find("telegram"), &cx, &d);
	T_CHECK(d.n == 1 && has(&d, "-100123"));
	pb_parts_free(&d);
	cx.sub = mail;
	pb_channel_dests(pb_channel_find("slack"), &cx, &d);
	T_EQ_INT(d.n, 0);
	pb_channel_dests(pb_channel_find("telegram"), &cx, &d);
	T_EQ_INT(d.n, 0);
	cx.sub = all;
	/* the fingerprint a webhook's suppression keeps of its URL (SHA-256's first 16 hex
	 * digits), none for a destination that names itself or a subscriber without a URL */
	T_EQ_INT(pb_channel_dest_fp(pb_channel_find("slack"), all, fp), 1);
	T_EQ_STR(fp, "a94bb7e849462697");
	T_EQ_INT(pb_channel_dest_fp(pb_channel_find("slack"), mail, fp), 0);
	T_EQ_STR(fp, "");
	T_EQ_INT(pb_channel_dest_fp(pb_channel_find("email"), all, fp), 0);
	T_EQ_INT(pb_channel_dest_fp(pb_channel_find("telegram"), all, fp), 0);
	T_EQ_INT(pb_channel_dest_fp(pb_channel_find("slack"), NULL, fp), 0);
	pb_channel_dests(pb_channel_find("file"), &cx, &d);
	T_CHECK(has(&d, "digest.md") && has(&d, "digest.html") && has(&d, "digest.txt") &&
		has(&d, "digest-slack.json") && has(&d, "digest-telegram.json"));
	T_CHECK(!has(&d, "all.md"));
	pb_parts_free(&d);

	/* payloads from a rendered one-paper digest */
	memset(&paper, 0, sizeof paper);
	paper.id = "2411.17790";
	paper.version = 1;
	paper.title = "Radiance <b>meshes</b> & splatting";
	au.name = "Ada Lovelace";
	paper.authors = &au;
	paper.n_authors = 1;
	paper.abstract = "We splat. It works.";
	paper.categories = cats;
	paper.n_categories = 1;
	paper.published = "2024-11-28T00:00:00Z";
	memset(&item, 0, sizeof item);
	item.paper = &paper;
	item.topic = "splat";
	item.score = 1;
	memset(&dg, 0, sizeof dg);
	dg.subscriber = "all";
	dg.language = "en";
	dg.date = "2024-11-28";
	dg.title = "arXiv test digest";
	dg.items = &item;
	dg.n_items = 1;
	dg.n_matched = 1;
	cx.d = &dg;
	memset(out, 0, sizeof out);
	T_EQ_INT(pb_render_formats(&dg, f, &ro, out), 0);
	cx.out = out;

	pb_channel_msg_id(&id, "2024-11-28", "all", "email", "a@example.org", 1, PB_MSG_ID_COMMON);
	T_EQ_STR(id.data, "2024-11-28/all/email/a@example.org/1");
	T_EQ_INT(pb_channel_build(pb_channel_find("email"), &cx, "a@example.org", id.data, &pl, err,
				  sizeof err), 0);
	T_EQ_INT(pl.n, 1);
	if (pl.n) {
		/* the Message-ID comes from the outbox id (outside atext as =XX) */
		T_CHECK(strstr(pl.v[0], "Message-ID: <2024-11-28/all/email/a=40example=2Eorg/1@") !=
			NULL);
		T_CHECK(strstr(pl.v[0], "To: a@example.org") != NULL);
		T_CHECK(strstr(pl.v[0], "multipart/alternative") != NULL);
	}
	pb_parts_free(&pl);

	T_EQ_INT(pb_channel_build(pb_channel_find("slack"), &cx, "webhook", "x", &pl, err,
				  sizeof err), 0);
	T_EQ_INT(pl.n, out[PB_FMT_SLACK].n);
	for (size_t i = 0; i < pl.n && i < out[PB_FMT_SLACK].n; i++)
		T_EQ_STR(pl.v[i], out[PB_FMT_SLACK].v[i]);
	pb_parts_free(&pl);

	T_EQ_INT(pb_channel_build(pb_channel_find("file"), &cx, "digest.md", "x", &pl, err,
				  sizeof err), 0);
	T_CHECK(pl.n == 1 && strcmp(pl.v[0], out[PB_FMT_MD].v[0]) == 0);
	pb_parts_free(&pl);
	/* a file the digest does not have is an error, with nothing built */
	T_EQ_INT(pb_channel_build(pb_channel_find("file"), &cx, "digest.exe", "x", &pl, err,
				  sizeof err), -1);
	T_EQ_INT(pl.n, 0);
	T_CHECK(strstr(err, "digest.exe") != NULL);

	/* check's words for the file sink */
	{
		struct pb_buf b = { 0 };

		T_EQ_INT(pb_channel_describe(pb_channel_find("file"), cfg, &b), 1);
		T_EQ_STR(pb_buf_str(&b), "/tmp/pb-test-channels-out");
		pb_buf_free(&b);
		T_EQ_INT(pb_channel_describe(pb_channel_find("email"), cfg, &b), 0);
	}

	for (int i = 0; i < PB_FMT_COUNT; i++)
		pb_parts_free(&out[i]);
	pb_buf_free(&id);
}

int
main(void)
{
	struct pb_config *cfg;

	test_table();
	cfg = load();
	T_CHECK(cfg != NULL);
	if (cfg)
		test_subscriber(cfg);
	pb_config_free(cfg);
	return t_done("test_channels");
}
