/* The file sink's web archive: which digests it finds, the order and bounds of the index and
 * the feed, the escaping of the digests' titles, the pages it copies, and a failed write. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "../../src/deliver/archive.h"
#include "paperboy/buf.h"
#include "t.h"

static char base[64];

static void
put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	T_CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	T_CHECK(fclose(f) == 0);
}

static char *
read_all(const char *path)
{
	struct pb_buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		pb_buf_append(&b, chunk, n);
	fclose(f);
	pb_buf_putc(&b, '\0');
	return pb_buf_detach(&b);
}

/* base/date/sub/digest.html with this title and body, written at t (0 = now). */
static void
digest(const char *date, const char *sub, const char *title, const char *body, long t)
{
	char path[512];
	struct pb_buf b = { 0 };

	snprintf(path, sizeof path, "%s/%s", base, date);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/%s", base, date, sub);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/%s/digest.html", base, date, sub);
	pb_buf_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta http-equiv=\"Content-"
			  "Type\" content=\"text/html; charset=utf-8\">\n<title>%s</title>\n</head>\n"
			  "<body>%s</body>\n</html>\n", title, body);
	put_file(path, pb_buf_str(&b));
	pb_buf_free(&b);
	if (t) {
		struct timeval tv[2] = { { t, 0 }, { t, 0 } };
		T_CHECK(utimes(path, tv) == 0);
	}
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static xmlNodePtr
child(xmlNodePtr n, const char *name)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

static char *
text_of(xmlNodePtr n, const char *name)
{
	xmlNodePtr c = child(n, name);
	xmlChar *s = c ? xmlNodeGetContent(c) : NULL;
	char *r = pb_xstrdup(s ? (const char *)s : "");

	xmlFree(s);
	return r;
}

static void
test_archive(void)
{
	struct pb_result r;
	char path[512], *s;
	xmlDocPtr doc;
	xmlNodePtr root, e;
	int entries = 0;

	/* amy: two days, a hostile title, and folders that are not digests of hers */
	digest("2024-11-28", "amy", "A &amp; B &lt;x&gt; \xe2\x80\xae evil",
	       "<p>hello <a href=\"#p1\">one</a></p>", 1732824000L);
	digest("2024-11-29", "amy", "Digest - 2024-11-29", "<p>second</p>", 0);
	digest("notadate", "amy", "no", "<p>no</p>", 0);
	digest("2025-02-30", "amy", "no", "<p>no</p>", 0);
	digest("2024-11-27", "bo", "bo's", "<p>bo</p>", 0);
	memset(&r, 0, sizeof r);
	T_EQ_INT(pb_archive_update(base, "amy", "2024-11-29", -1, &r), 0);

	snprintf(path, sizeof path, "%s/amy/index.html", base);
	s = read_all(path);
	T_CHECK(s != NULL);
	T_CHECK(s && strstr(s, "href=\"2024-11-29.html\"") != NULL);
	T_CHECK(s && strstr(s, "href=\"2024-11-29.html\"") < strstr(s, "href=\"2024-11-28.html\""));
	T_CHECK(s && strstr(s, "A &amp; B &lt;x&gt;  evil") != NULL);
	T_CHECK(s && !strstr(s, "\xe2\x80\xae"));
	T_EQ_INT(count(s, "<li>"), 2);
	T_CHECK(s && !strstr(s, "2024-11-27") && !strstr(s, "notadate") && !strstr(s, "2025-02-30"));
	free(s);

	/* the pages are the digests; none for what is not a digest of hers */
	snprintf(path, sizeof path, "%s/amy/2024-11-28.html", base);
	s = read_all(path);
	T_CHECK(s && strstr(s, "<p>hello <a href=\"#p1\">one</a></p>") != NULL);
	free(s);
	snprintf(path, sizeof path, "%s/amy/2025-02-30.html", base);
	T_CHECK(access(path, F_OK) != 0);
	snprintf(path, sizeof path, "%s/bo", base);
	T_CHECK(access(path, F_OK) != 0);

	/* the feed: well-formed, two entries newest first, the title as text, the body as HTML */
	snprintf(path, sizeof path, "%s/amy/feed.atom", base);
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	T_CHECK(doc != NULL);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	T_CHECK(root && strcmp((const char *)root->name, "feed") == 0 && root->ns &&
		strcmp((const char *)root->ns->href, "http://www.w3.org/2005/Atom") == 0);
	s = text_of(root, "id");
	T_EQ_STR(s, "urn:paperboy:archive:amy");
	free(s);
	for (e = root ? root->children : NULL; e; e = e->next) {
		char *id, *title, *updated, *content;

		if (e->type != XML_ELEMENT_NODE || strcmp((const char *)e->name, "entry") != 0)
			continue;
		id = text_of(e, "id");
		title = text_of(e, "title");
		updated = text_of(e, "updated");
		content = text_of(e, "content");
		if (entries == 0) {
			T_EQ_STR(id, "urn:paperboy:digest:amy:2024-11-29");
			T_EQ_STR(title, "Digest - 2024-11-29");
			T_CHECK(strstr(content, "<p>second</p>") != NULL);
		} else {
			xmlChar *href = xmlGetProp(child(e, "link"), BAD_CAST "href");

			T_EQ_STR(id, "urn:paperboy:digest:amy:2024-11-28");
			T_EQ_STR(title, "A & B <x>  evil");
			T_EQ_STR(updated, "2024-11-28T20:00:00Z");
			T_EQ_STR((const char *)href, "2024-11-28.html");
			T_CHECK(strstr(content, "<a href=\"#p1\">one</a>") != NULL);
			xmlFree(href);
		}
		free(id);
		free(title);
		free(updated);
		free(content);
		entries++;
	}
	T_EQ_INT(entries, 2);
	xmlFreeDoc(doc);

	/* an older page is left alone; the page of the digest just written is rewritten */
	snprintf(path, sizeof path, "%s/amy/2024-11-28.html", base);
	put_file(path, "old");
	T_EQ_INT(pb_archive_update(base, "amy", "2024-11-29", -1, &r), 0);
	s = read_all(path);
	T_EQ_STR(s, "old");
	free(s);
	T_EQ_INT(pb_archive_update(base, "amy", "2024-11-28", -1, &r), 0);
	s = read_all(path);
	T_CHECK(s && strstr(s, "<p>hello") != NULL);
	free(s);
}

/* The index keeps the newest PB_ARCHIVE_INDEX_MAX, the feed the newest PB_ARCHIVE_FEED_MAX;
 * a body too long for the feed becomes a summary. */
static void
test_bounds(void)
{
	struct pb_result r;
	char path[512], date[16], *s, *big;
	long day = 20000;   /* 2024-10-04 */

	for (int i = 0; i < PB_ARCHIVE_INDEX_MAX + 2; i++) {
		time_t t = (time_t)(day + i) * 86400;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(date, sizeof date, "%Y-%m-%d", &tm);
		digest(date, "many", date, "<p>x</p>", 0);
	}
	T_EQ_INT(pb_archive_update(base, "many", date, -1, &r), 0);
	snprintf(path, sizeof path, "%s/many/index.html", base);
	s = read_all(path);
	T_EQ_INT(count(s, "<li>"), PB_ARCHIVE_INDEX_MAX);
	T_CHECK(s && strstr(s, date) != NULL && !strstr(s, "2024-10-04"));
	free(s);
	snprintf(path, sizeof path, "%s/many/feed.atom", base);
	s = read_all(path);
	T_EQ_INT(count(s, "<entry>"), PB_ARCHIVE_FEED_MAX);
	free(s);

	big = pb_xmalloc(PB_ARCHIVE_CONTENT_MAX + 100);
	memset(big, 'y', PB_ARCHIVE_CONTENT_MAX + 99);
	big[PB_ARCHIVE_CONTENT_MAX + 99] = '\0';
	digest("2024-11-28", "big", "Big", big, 0);
	free(big);
	T_EQ_INT(pb_archive_update(base, "big", "2024-11-28", -1, &r), 0);
	snprintf(path, sizeof path, "%s/big/feed.atom", base);
	s = read_all(path);
	T_CHECK(s && strstr(s, "<summary>") != NULL && !strstr(s, "<content"));
	free(s);
}

/* A subscriber named like a date: its archive folder is that day's folder, and its digest of
 * that day is listed like the others. */
static void
test_date_name(void)
{
	struct pb_result r;
	char path[512], *s;

	digest("2024-12-02", "2024-12-03", "First", "<p>1</p>", 0);
	digest("2024-12-03", "2024-12-03", "Second", "<p>2</p>", 0);
	digest("2024-12-03", "eve", "Eve's", "<p>e</p>", 0);
	memset(&r, 0, sizeof r);
	T_EQ_INT(pb_archive_update(base, "2024-12-03", "2024-12-03", -1, &r), 0);
	snprintf(path, sizeof path, "%s/2024-12-03/index.html", base);
	s = read_all(path);
	T_EQ_INT(count(s, "<li>"), 2);
	T_CHECK(s && strstr(s, "href=\"2024-12-03.html\"") != NULL);
	T_CHECK(s && strstr(s, "href=\"2024-12-02.html\"") != NULL);
	free(s);
	snprintf(path, sizeof path, "%s/2024-12-03/2024-12-03.html", base);
	s = read_all(path);
	T_CHECK(s && strstr(s, "<p>2</p>") != NULL);
	free(s);
	/* the day's other subscribers are not hers */
	snprintf(path, sizeof path, "%s/2024-12-03/feed.atom", base);
	s = read_all(path);
	T_EQ_INT(count(s, "<entry>"), 2);
	T_CHECK(s && !strstr(s, "Eve"));
	free(s);
}

/* A write that cannot happen is a transient failure naming the path. */
static void
test_failure(void)
{
	struct pb_result r;
	char path[512];

	digest("2024-11-28", "carl", "Carl", "<p>c</p>", 0);
	snprintf(path, sizeof path, "%s/carl", base);
	put_file(path, "in the way");
	memset(&r, 0, sizeof r);
	T_EQ_INT(pb_archive_update(base, "carl", "2024-11-28", -1, &r), -1);
	T_EQ_INT(r.verdict, PB_V_TRANSIENT);
	T_CHECK(strstr(r.reason, "/carl/2024-11-28.html") != NULL);
	T_CHECK(strstr(r.reason, strerror(ENOTDIR)) != NULL);
	memset(&r, 0, sizeof r);
	T_EQ_INT(pb_archive_update("/nonexistent/pb-archive", "carl", "2024-11-28", -1, &r), -1);
	T_CHECK(strncmp(r.reason, "opendir ", 8) == 0);
}

/* file.mode: the archive's folder and files have it whatever the umask (a service's 0077
 * would keep them from the web server that publishes them); without it the umask decides. */
static void
test_mode(void)
{
	static const char *const files[] = { "", "/index.html", "/feed.atom", "/2024-11-28.html" };
	struct pb_result r;
	struct stat st;
	char path[512];
	mode_t old = umask(077);

	digest("2024-11-28", "dee", "Dee", "<p>d</p>", 0);
	memset(&r, 0, sizeof r);
	T_EQ_INT(pb_archive_update(base, "dee", "2024-11-28", 0644, &r), 0);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/dee%s", base, files[i]);
		T_CHECK(stat(path, &st) == 0);
		T_EQ_INT((int)(st.st_mode & 07777), i == 0 ? 0755 : 0644);
	}
	/* the page written again keeps the mode; an existing folder is left as it is */
	snprintf(path, sizeof path, "%s/dee", base);
	T_CHECK(chmod(path, 0750) == 0);
	T_EQ_INT(pb_archive_update(base, "dee", "2024-11-28", 0640, &r), 0);
	T_CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0750);
	snprintf(path, sizeof path, "%s/dee/2024-11-28.html", base);
	T_CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);
	/* the umask's, as before, without a mode */
	digest("2024-11-28", "eli", "Eli", "<p>e</p>", 0);
	T_EQ_INT(pb_archive_update(base, "eli", "2024-11-28", -1, &r), 0);
	snprintf(path, sizeof path, "%s/eli", base);
	T_CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0700);
	snprintf(path, sizeof path, "%s/eli/index.html", base);
	T_CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600);
	umask(old);
}

int
main(void)
{
	char cmd[128];

	snprintf(base, sizeof base, "/tmp/pb-t-archive.XXXXXX");
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	test_archive();
	test_bounds();
	test_date_name();
	test_failure();
	test_mode();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "test_archive: could not remove %s\n", base);
	return t_done("test_archive");
}
