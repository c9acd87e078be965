/* The file sink's web archive: per subscriber, an index of the digests, a page per digest and
 * an Atom feed (RFC 4287), rebuilt from the digest.html files on disk each time one is written,
 * so nothing but the sink's own files is needed and a restart loses nothing. Every file is
 * written atomically; text taken from the digests is cleaned and escaped before it is used. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/HTMLparser.h>
#include <libxml/HTMLtree.h>
#include <libxml/xmlwriter.h>

#include "archive.h"
#include "paperboy/calendar.h"
#include "paperboy/escape.h"
#include "paperboy/log.h"

/* A digest.html larger than this is not read (a digest of 1000 papers is a few MiB). */
#define DIGEST_MAX (64L * 1024 * 1024)

struct entry {
	char date[PB_DATE_LEN];
	int64_t mtime;        /* when digest.html was written: the entry's Atom updated */
	char *title;          /* cleaned text, not escaped */
};

static int
newest_first(const void *a, const void *b)
{
	return strcmp(((const struct entry *)b)->date, ((const struct entry *)a)->date);
}

static void
entries_free(struct entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].title);
	free(v);
}

/* Lists base/DATE/sub/digest.html; returns 0 or -1 with r filled. */
static int
scan(const char *base, const char *sub, struct entry **out, size_t *n_out, struct pb_result *r)
{
	struct pb_buf path = { 0 };
	struct entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(base);

	if (!d) {
		pb_file_fail(r, "opendir", base, errno);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		long days;

		/* A subscriber named like a date has its archive in that day's folder, beside the
		 * day's subscribers: its digest of that day is base/DATE/DATE/digest.html. */
		if (pb_date_parse(de->d_name, &days) != 0)
			continue;
		pb_buf_reset(&path);
		pb_buf_printf(&path, "%s/%s/%s/digest.html", base, de->d_name, sub);
		if (stat(pb_buf_str(&path), &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = pb_xreallocarray(v, cap, sizeof *v);
		}
		memset(&v[n], 0, sizeof v[n]);
		memcpy(v[n].date, de->d_name, PB_DATE_LEN);
		v[n].mtime = (int64_t)st.st_mtime;
		n++;
	}
	closedir(d);
	pb_buf_free(&path);
	if (n)
		qsort(v, n, sizeof *v, newest_first);
	*out = v;
	*n_out = n;
	return 0;
}

/* Reads a whole file into b; 0, or -1 with errno. */
static int
slurp(const char *path, struct pb_buf *b)
{
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t k;

	if (fd < 0)
		return -1;
	pb_buf_reset(b);
	while ((k = read(fd, chunk, sizeof chunk)) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 || b->len + (size_t)k > (size_t)DIGEST_MAX) {
			int e = k < 0 ? errno : EFBIG;
			close(fd);
			errno = e;
			return -1;
		}
		pb_buf_append(b, chunk, (size_t)k);
	}
	close(fd);
	return 0;
}

static xmlNodePtr
find_element(xmlNodePtr n, const char *name)
{
	for (; n; n = n->next) {
		xmlNodePtr f;

		if (n->type == XML_ELEMENT_NODE && xmlStrcasecmp(n->name, BAD_CAST name) == 0)
			return n;
		if ((f = find_element(n->children, name)) != NULL)
			return f;
	}
	return NULL;
}

/* The digest's title (its <title>) and, when body is not NULL, the markup inside its <body>,
 * both cleaned of what outside text must not carry. */
static void
read_digest(const struct pb_buf *html, struct entry *e, struct pb_buf *body)
{
	htmlDocPtr doc = htmlReadMemory(html->data ? html->data : "", (int)html->len, NULL, "UTF-8",
					HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNodePtr t = root ? find_element(root, "title") : NULL;
	struct pb_buf b = { 0 };

	if (t) {
		xmlChar *s = xmlNodeGetContent(t);
		pb_text_clean(&b, (const char *)s, s ? strlen((const char *)s) : 0,
			      PB_CLEAN_ONE_LINE);
		xmlFree(s);
	}
	if (b.len == 0)
		pb_buf_printf(&b, "Digest of %s", e->date);
	e->title = pb_buf_detach(&b);
	if (body && root) {
		xmlNodePtr bd = find_element(root, "body");
		xmlBufferPtr xb = xmlBufferCreate();

		for (xmlNodePtr c = bd ? bd->children : NULL; xb && c; c = c->next)
			htmlNodeDump(xb, doc, c);
		if (xb && xmlBufferLength(xb) > 0)
			pb_text_clean(body, (const char *)xmlBufferContent(xb),
				      (size_t)xmlBufferLength(xb), 0);
		xmlBufferFree(xb);
	}
	xmlFreeDoc(doc);
}

static void
rfc3339(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

static void
write_index(struct pb_buf *b, const char *sub, const struct entry *v, size_t n)
{
	pb_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta http-equiv=\"Content-Type\" "
		       "content=\"text/html; charset=utf-8\">\n<meta name=\"viewport\" "
		       "content=\"width=device-width, initial-scale=1\">\n<title>arXiv digests for ");
	pb_esc_html(b, sub);
	pb_buf_puts(b, "</title>\n<link rel=\"alternate\" type=\"application/atom+xml\" "
		       "href=\"feed.atom\" title=\"Atom feed\">\n<style>\nbody{margin:0 auto;"
		       "padding:16px;max-width:640px;font-family:-apple-system,Segoe UI,Roboto,"
		       "Helvetica,Arial,sans-serif;line-height:1.5;color:#111;background:#fff}\n"
		       "a{color:#1a0dab}\nli{margin:0 0 8px 0}\n.d{color:#666;font-variant-numeric:"
		       "tabular-nums}\n@media (prefers-color-scheme:dark){body{color:#eee;"
		       "background:#111}a{color:#8ab4f8}.d{color:#aaa}}\n</style>\n</head>\n<body>\n"
		       "<h1>arXiv digests for ");
	pb_esc_html(b, sub);
	pb_buf_puts(b, "</h1>\n<p><a href=\"feed.atom\">Atom feed</a></p>\n");
	if (n == 0) {
		pb_buf_puts(b, "<p>No digest yet.</p>\n");
	} else {
		pb_buf_puts(b, "<ul>\n");
		for (size_t i = 0; i < n; i++) {
			pb_buf_printf(b, "<li><span class=\"d\">%s</span> <a href=\"%s.html\">",
				      v[i].date, v[i].date);
			pb_esc_html(b, v[i].title);
			pb_buf_puts(b, "</a></li>\n");
		}
		pb_buf_puts(b, "</ul>\n");
	}
	pb_buf_puts(b, "</body>\n</html>\n");
}

/* The Atom feed of the newest entries; bodies[i] the HTML of entry i (may be empty).
 * Returns 0, or -1 when libxml2 failed. */
static int
write_feed(xmlBufferPtr xb, const char *sub, const struct entry *v, size_t n,
	   const struct pb_buf *bodies)
{
	xmlTextWriterPtr w = xmlNewTextWriterMemory(xb, 0);
	struct pb_buf s = { 0 };
	char when[32];
	int64_t newest = 0;
	int rc = -1;

	if (!w)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (v[i].mtime > newest)
			newest = v[i].mtime;
	if (n == 0)
		newest = (int64_t)time(NULL);
	rfc3339(newest, when);
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, BAD_CAST "  ");
	if (xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "feed") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "xmlns", BAD_CAST "http://www.w3.org/2005/Atom") < 0)
		goto out;
	pb_buf_printf(&s, "arXiv digests for %s", sub);
	/* The subscriber's directory name is [A-Za-z0-9._@+-]: valid in a URN as it is. */
	if (xmlTextWriterWriteFormatElement(w, BAD_CAST "id", "urn:paperboy:archive:%s", sub) < 0 ||
	    xmlTextWriterWriteElement(w, BAD_CAST "title", BAD_CAST pb_buf_str(&s)) < 0 ||
	    xmlTextWriterWriteElement(w, BAD_CAST "updated", BAD_CAST when) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "author") < 0 ||
	    xmlTextWriterWriteElement(w, BAD_CAST "name", BAD_CAST "paperboy") < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterWriteElement(w, BAD_CAST "generator", BAD_CAST "paperboy") < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "link") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "alternate") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "text/html") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST "index.html") < 0 ||
	    xmlTextWriterEndElement(w) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		rfc3339(v[i].mtime, when);
		pb_buf_reset(&s);
		pb_buf_printf(&s, "%s.html", v[i].date);
		if (xmlTextWriterStartElement(w, BAD_CAST "entry") < 0 ||
		    xmlTextWriterWriteFormatElement(w, BAD_CAST "id", "urn:paperboy:digest:%s:%s",
						    sub, v[i].date) < 0 ||
		    xmlTextWriterWriteElement(w, BAD_CAST "title", BAD_CAST v[i].title) < 0 ||
		    xmlTextWriterWriteElement(w, BAD_CAST "updated", BAD_CAST when) < 0 ||
		    xmlTextWriterStartElement(w, BAD_CAST "link") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "rel", BAD_CAST "alternate") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "text/html") < 0 ||
		    xmlTextWriterWriteAttribute(w, BAD_CAST "href", BAD_CAST pb_buf_str(&s)) < 0 ||
		    xmlTextWriterEndElement(w) < 0)
			goto out;
		if (bodies[i].len > 0 && bodies[i].len <= PB_ARCHIVE_CONTENT_MAX) {
			if (xmlTextWriterStartElement(w, BAD_CAST "content") < 0 ||
			    xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "html") < 0 ||
			    /* the digest's own links (#paper) lead into its page */
			    xmlTextWriterWriteAttribute(w, BAD_CAST "xml:base",
							BAD_CAST pb_buf_str(&s)) < 0 ||
			    xmlTextWriterWriteString(w, BAD_CAST pb_buf_str(&bodies[i])) < 0 ||
			    xmlTextWriterEndElement(w) < 0)
				goto out;
		} else {
			pb_buf_reset(&s);
			pb_buf_printf(&s, "The digest of %s is on its page.", v[i].date);
			if (xmlTextWriterWriteElement(w, BAD_CAST "summary", BAD_CAST pb_buf_str(&s)) < 0)
				goto out;
		}
		if (xmlTextWriterEndElement(w) < 0)
			goto out;
	}
	if (xmlTextWriterEndDocument(w) < 0 || xmlTextWriterFlush(w) < 0)
		goto out;
	rc = 0;
out:
	xmlFreeTextWriter(w);
	pb_buf_free(&s);
	return rc;
}

int
pb_archive_update(const char *base, const char *sub, const char *date, int mode,
		  struct pb_result *r)
{
	struct pb_buf dir = { 0 }, path = { 0 }, html = { 0 }, out = { 0 };
	struct pb_buf *bodies = NULL;
	struct entry *v = NULL;
	xmlBufferPtr xb = NULL;
	size_t n = 0, n_feed = 0, i;
	int rc = -1, had_day;

	if (scan(base, sub, &v, &n, r) < 0)
		goto out;
	for (i = 0; i < n && strcmp(v[i].date, date) != 0; i++)
		;
	had_day = i < n;
	if (n > PB_ARCHIVE_INDEX_MAX)
		n = PB_ARCHIVE_INDEX_MAX;
	n_feed = n < PB_ARCHIVE_FEED_MAX ? n : PB_ARCHIVE_FEED_MAX;
	bodies = pb_xcalloc(n_feed ? n_feed : 1, sizeof *bodies);
	pb_buf_printf(&dir, "%s/%s", base, sub);
	if (pb_file_mkdir(pb_buf_str(&dir), mode) != 0) {
		pb_file_fail(r, "mkdir", pb_buf_str(&dir), errno);
		goto out;
	}
	/* A writer killed before its rename left its page, index or feed half way: the folder
	 * is what a web server publishes, so that goes before the archive is written again. */
	pb_file_sweep(pb_buf_str(&dir));
	/* The day has no digest any more (its folder claimed by a new subscriber of the name
	 * who got none): its page goes with it, and the index and the feed no longer list it. */
	if (!had_day) {
		pb_buf_printf(&path, "%s/%s.html", pb_buf_str(&dir), date);
		if (unlink(pb_buf_str(&path)) == 0)
			pb_info("file.stale", "path=%s reason=%s", pb_q(pb_buf_str(&path)),
				pb_q("the day has no digest of the name any more"));
		else if (errno != ENOENT) {
			pb_file_fail(r, "unlink", pb_buf_str(&path), errno);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		struct stat st;
		int copy;

		pb_buf_reset(&path);
		pb_buf_printf(&path, "%s/%s.html", pb_buf_str(&dir), v[i].date);
		copy = strcmp(v[i].date, date) == 0 || stat(pb_buf_str(&path), &st) != 0;
		pb_buf_reset(&path);
		pb_buf_printf(&path, "%s/%s/%s/digest.html", base, v[i].date, sub);
		if (slurp(pb_buf_str(&path), &html) != 0) {
			pb_file_fail(r, "read", pb_buf_str(&path), errno);
			goto out;
		}
		read_digest(&html, &v[i], i < n_feed ? &bodies[i] : NULL);
		if (!copy)
			continue;
		/* The page: the digest itself, beside the index, so the archive's folder serves
		 * on its own. */
		pb_buf_reset(&path);
		pb_buf_printf(&path, "%s/%s.html", pb_buf_str(&dir), v[i].date);
		if (pb_file_put(pb_buf_str(&dir), pb_buf_str(&path), html.data, html.len, mode,
				r) < 0)
			goto out;
	}
	write_index(&out, sub, v, n);
	pb_buf_reset(&path);
	pb_buf_printf(&path, "%s/index.html", pb_buf_str(&dir));
	if (pb_file_put(pb_buf_str(&dir), pb_buf_str(&path), out.data, out.len, mode, r) < 0)
		goto out;
	pb_buf_reset(&path);
	pb_buf_printf(&path, "%s/feed.atom", pb_buf_str(&dir));
	xb = xmlBufferCreate();
	if (!xb || write_feed(xb, sub, v, n_feed, bodies) < 0) {
		pb_file_fail(r, "write", pb_buf_str(&path), ENOMEM);
		goto out;
	}
	if (pb_file_put(pb_buf_str(&dir), pb_buf_str(&path), xmlBufferContent(xb),
			(size_t)xmlBufferLength(xb), mode, r) < 0)
		goto out;
	rc = 0;
out:
	if (xb)
		xmlBufferFree(xb);
	for (size_t i = 0; bodies && i < n_feed; i++)
		pb_buf_free(&bodies[i]);
	free(bodies);
	entries_free(v, n);
	pb_buf_free(&out);
	pb_buf_free(&html);
	pb_buf_free(&path);
	pb_buf_free(&dir);
	return rc;
}
