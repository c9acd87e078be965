/* A request through the route table's dispatch to the handlers, with a temporary state and a
 * configuration of two subscribers, no socket. The first byte chooses the method and, when
 * its high bit is set, a genuine link: the first line of the input becomes the detail of a
 * token of one of the kinds (and one of the subscribers) minted with the key, so the handlers
 * are reached past the signature (with bit 6, after a tag "<zq" that must never come back
 * unescaped); otherwise the first line is the path. The rest is the body
 * (urlencoded; one the server could not parse gets its 400 there, and is skipped here). Checks: a status
 * from 200 to 599 and never a redirect, an HTML answer framed, the tag never shown. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "paperboy/web.h"
#include "../src/web/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static struct pb_web_ctx ctx;

static void
cleanup(void)
{
	char cmd[128];

	pb_state_close(ctx.st);
	pb_config_free(ctx.cfg);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (dir[0] && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

static void
setup(void)
{
	struct pb_config_error ce;
	char path[128], err[512];
	FILE *f;

	pb_log_setup(PB_LOG_ERROR, 0);
	snprintf(dir, sizeof dir, "/tmp/pb-fuzz-web-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(path, sizeof path, "%s/pb.conf", dir);
	if (!(f = fopen(path, "w")))
		abort();
	fprintf(f, "state_dir = \"%s\";\narxiv = { categories = [\"cs.CV\"]; };\n"
		"email = { smtp_url = \"smtp://127.0.0.1:9\"; from = \"bot@example.org\"; "
		"tls = \"none\"; };\n"
		"web = { listen = \"127.0.0.1:8425\"; base_url = \"https://d.example.org\"; };\n"
		"subscribers = ( { name = \"lab\"; email = [\"a@example.org\", \"b@example.org\"];"
		" topics = ( { name = \"t\"; query = \"cat:cs.RO\"; } ); },\n"
		"  { name = \"amy\"; email = [\"amy@example.org\"];"
		" topics = ( { name = \"t\"; query = \"cat:cs.CV\"; } ); } );\n", dir);
	if (fclose(f) != 0)
		abort();
	if (!(ctx.cfg = pb_config_load(path, &ce)))
		abort();
	snprintf(path, sizeof path, "%s/paperboy.db", dir);
	if (!(ctx.st = pb_state_open(path, err, sizeof err)))
		abort();
	memset(&ctx.secret, 0x33, sizeof ctx.secret);
}

static const char *
no_header(const struct pb_web_req *r, const char *name)
{
	(void)r;
	(void)name;
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "GET", "POST", "HEAD", "PUT" };
	static const char *const subjects[] = { "lab", "amy", "nobody", "" };
	struct pb_web_req req;
	struct pb_web_resp resp;
	struct pb_buf path = { 0 };
	const char *line, *nl;
	char msg[256];
	size_t line_len;
	unsigned sel;

	if (!dir[0])
		setup();
	if (size < 1)
		return 0;
	sel = data[0];
	line = (const char *)data + 1;
	nl = memchr(line, '\n', size - 1);
	line_len = nl ? (size_t)(nl - line) : size - 1;
	if (memchr(line, '\0', line_len))
		return 0;
	memset(&req, 0, sizeof req);
	memset(&resp, 0, sizeof resp);
	req.method = methods[sel & 3];
	if (sel & 0x80) {
		char *detail = pb_xmalloc(line_len + 4);
		int kind = (int)((sel >> 2) & 3);

		/* bit 6: the detail starts with a tag no page writes */
		snprintf(detail, line_len + 4, "%s%.*s", sel & 0x40 ? "<zq" : "", (int)line_len, line);

		if (pb_link_make(&path, "", &ctx.secret, (enum pb_link)kind, subjects[(sel >> 4) & 3],
				 detail, pb_now()) < 0) {
			free(detail);
			pb_buf_free(&path);
			return 0;
		}
		free(detail);
	} else {
		pb_buf_append(&path, line, line_len);
	}
	req.path = pb_buf_str(&path);
	req.remote = "127.0.0.1";
	req.body = nl ? nl + 1 : "";
	req.body_len = nl ? size - 1 - line_len - 1 : 0;
	req.header = no_header;
	if (memchr(req.body, '\0', req.body_len) ||
	    pb_form_parse(req.body, req.body_len, &req.form, msg, sizeof msg) < 0) {
		pb_buf_free(&path);
		return 0;
	}
	{
		/* the body is not NUL-terminated inside the input: a copy that is */
		char *b = strndup(req.body, req.body_len);

		req.body = b;
		pb_web_dispatch(&ctx, &req, &resp);
		free(b);
	}
	if (resp.status < 200 || resp.status > 599 || (resp.status >= 300 && resp.status < 400))
		abort();
	if ((!resp.type || strncmp(resp.type, "text/html", 9) == 0) &&
	    !strstr(pb_buf_str(&resp.body), "<!DOCTYPE html>"))
		abort();
	/* markup in a genuine token's detail never comes back as markup */
	if ((sel & 0xc0) == 0xc0 && strstr(pb_buf_str(&resp.body), "<zq"))
		abort();
	pb_form_free(&req.form);
	pb_buf_free(&resp.body);
	pb_buf_free(&resp.headers);
	pb_buf_free(&path);
	return 0;
}
