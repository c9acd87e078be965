/* Loading: libconfig parses, the key table drives type checks, bounds, defaults and storage. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "internal.h"
#include "paperboy/buf.h"
#include "paperboy/escape.h"
#include "paperboy/hash.h"

#define AT(base, off) ((char *)(base) + (off))

static const char *
type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	default: return "nothing";
	}
}

char *
pb_cfg_path_join(const char *dir, const char *p)
{
	struct pb_buf b = { 0 };

	if (p[0] == '/' || !dir || strcmp(dir, ".") == 0)
		return pb_xstrdup(p);
	pb_buf_printf(&b, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", p);
	return pb_buf_detach(&b);
}

void
pb_cfg_source(struct pb_load *L, const config_setting_t *s, char *file, size_t n, int *line)
{
	const char *f = s ? config_setting_source_file(s) : NULL;
	char *j;

	*line = s ? (int)config_setting_source_line(s) : 0;
	if (!f || strcmp(f, L->path) == 0) {
		snprintf(file, n, "%s", L->path);
		return;
	}
	/* libconfig names included files as written in @include, relative to the include dir. */
	j = pb_cfg_path_join(L->confdir, f);
	snprintf(file, n, "%s", j);
	free(j);
}

void
pb_cfg_escape(char *dst, size_t n, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)src;
	size_t o = 0, len = strlen(src);

	if (!n)
		return;
	while (*p && o + 1 < n) {
		utf8proc_int32_t cp = *p;
		utf8proc_ssize_t r = 1;
		char e[12] = { '\\', 0 };

		if (*p >= 0x80)
			r = utf8proc_iterate(p, (utf8proc_ssize_t)(len - (size_t)(p -
					     (const unsigned char *)src)), &cp);
		/* What pb_char_unsafe names (controls, bidi overrides, line separators), tab and
		 * newline are written as escapes (a message is one line); other text, and bytes
		 * that are not UTF-8, as they are. */
		if (r <= 0 || (cp != '\n' && cp != '\t' && !pb_char_unsafe(cp))) {
			size_t k = r <= 0 ? 1 : (size_t)r;

			if (o + k + 1 > n)
				break;
			memcpy(dst + o, p, k);
			o += k;
			p += k;
			continue;
		}
		if (cp < 0x80) {
			e[1] = cp == '\n' ? 'n' : cp == '\r' ? 'r' : cp == '\t' ? 't' : 'x';
			if (e[1] == 'x') {
				e[2] = hex[cp >> 4];
				e[3] = hex[cp & 15];
			}
		} else {
			snprintf(e, sizeof e, "\\u%04x", (unsigned)cp);
		}
		if (o + strlen(e) + 1 > n)
			break;
		memcpy(dst + o, e, strlen(e));
		o += strlen(e);
		p += r;
	}
	dst[o] = '\0';
}

static int
vfail(struct pb_load *L, const char *file, int lineno, const char *key, const char *fmt,
      va_list ap)
{
	struct pb_config_error e, *err = L->err;
	char raw[sizeof e.message], line[sizeof e.more];
	size_t used, len;

	memset(&e, 0, sizeof e);
	snprintf(e.file, sizeof e.file, "%s", file);
	e.line = lineno;
	snprintf(e.key, sizeof e.key, "%s", key ? key : "");
	if (L->who[0]) {
		int w = snprintf(raw, sizeof raw, "%s: ", L->who);

		if (w < 0 || (size_t)w >= sizeof raw)
			w = 0;   /* (who is shorter than a message: never) */
		vsnprintf(raw + w, sizeof raw - (size_t)w, fmt, ap);
	} else {
		vsnprintf(raw, sizeof raw, fmt, ap);
	}
	/* Values are quoted in messages: a CR or LF in one must not forge a line of output. */
	pb_cfg_escape(e.message, sizeof e.message, raw);
	err->n_errors = ++L->n_err;
	if (L->n_err == 1) {
		memcpy(err->file, e.file, sizeof e.file);
		err->line = e.line;
		memcpy(err->key, e.key, sizeof e.key);
		memcpy(err->message, e.message, sizeof e.message);
		return -1;
	}
	pb_config_error_format(&e, line, sizeof line);
	used = strlen(err->more);
	len = strlen(line);
	if (used + len + 2 <= sizeof err->more) {   /* whole lines only */
		memcpy(err->more + used, line, len);
		memcpy(err->more + used + len, "\n", 2);
	}
	return -1;
}

int
pb_cfg_fail(struct pb_load *L, const config_setting_t *s, const char *key, const char *fmt, ...)
{
	char file[sizeof L->err->file];
	int line, rc;
	va_list ap;

	pb_cfg_source(L, s, file, sizeof file, &line);
	va_start(ap, fmt);
	rc = vfail(L, file, line, key, fmt, ap);
	va_end(ap);
	return rc;
}

int
pb_cfg_fail_at(struct pb_load *L, const char *file, int line, const char *key, const char *fmt,
	       ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(L, file ? file : "", line, key, fmt, ap);
	va_end(ap);
	return rc;
}

size_t
pb_cfg_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b), row[129], i, j;

	if (la > 128 || lb > 128)
		return cap + 1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0], best;

		row[0] = i;
		best = row[0];
		for (j = 1; j <= lb; j++) {
			size_t up = row[j], v = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			diag = up;
			row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
	}
	return row[lb] > cap ? cap + 1 : row[lb];
}

/* The names a key may be written as: secrets only as NAME_env and NAME_file. */
static int
key_spellings(const struct pb_ckey *k, char out[2][96])
{
	if (k->type == KT_SECRET) {
		snprintf(out[0], 96, "%s_env", k->path);
		snprintf(out[1], 96, "%s_file", k->path);
		return 2;
	}
	snprintf(out[0], 96, "%s", k->path);
	return 1;
}

static const char *
leaf(const char *p)
{
	const char *d = strrchr(p, '.');

	return d ? d + 1 : p;
}

/* Finds the closest known spelling to an unknown key in the same scope, or NULL. */
static const char *
suggest(enum pb_kscope scope, const char *rel, char *buf, size_t n)
{
	/* a third of the name, rounded up: "category" (8) is 3 edits from "categories" */
	size_t best = (size_t)-1, cap = (strlen(leaf(rel)) + 2) / 3;
	char sp[2][96];

	if (cap < 2)
		cap = 2;
	for (size_t i = 0; i < pb_n_ckeys; i++) {
		const struct pb_ckey *k = &pb_ckeys[i];
		int ns;

		if (k->scope != scope)
			continue;
		ns = key_spellings(k, sp);
		for (int v = 0; v < ns; v++) {
			size_t d = pb_cfg_distance(rel, sp[v], cap);

			/* the right name in the wrong group: "timeout" at the top for "arxiv.timeout" */
			if (d > cap && strcmp(leaf(rel), leaf(sp[v])) == 0)
				d = cap;
			if (d <= cap && d < best) {
				best = d;
				snprintf(buf, n, "%.90s", sp[v]);
			}
		}
	}
	return best == (size_t)-1 ? NULL : buf;
}

struct pb_key_slot {
	uint64_t hash;
	int idx;         /* into pb_ckeys; -1 = empty */
	int variant;     /* 0 plain, 1 _env, 2 _file */
};

static uint64_t
key_hash(enum pb_kscope scope, const char *rel)
{
	unsigned char sc = (unsigned char)scope;

	return pb_fnv1a64_more(pb_fnv1a64(&sc, 1), rel, strlen(rel));
}

/* Builds L's index of the key table: every spelling by hash, and each scope's keys. */
static void
index_keys(struct pb_load *L)
{
	size_t cap = 64;
	char sp[2][96];

	while (cap < pb_n_ckeys * 4)
		cap *= 2;
	L->key_slots = pb_xcalloc(cap, sizeof *L->key_slots);
	L->n_key_slots = cap;
	for (size_t j = 0; j < cap; j++)
		L->key_slots[j].idx = -1;
	for (int sc = 0; sc < 3; sc++)
		L->scope_keys[sc] = pb_xcalloc(pb_n_ckeys + 1, sizeof *L->scope_keys[sc]);
	for (size_t i = 0; i < pb_n_ckeys; i++) {
		const struct pb_ckey *k = &pb_ckeys[i];
		int ns = key_spellings(k, sp);

		L->scope_keys[k->scope][L->n_scope_keys[k->scope]++] = i;
		for (int v = 0; v < ns; v++) {
			uint64_t h = key_hash(k->scope, sp[v]);
			size_t j = h & (cap - 1);

			while (L->key_slots[j].idx >= 0)
				j = (j + 1) & (cap - 1);
			L->key_slots[j] = (struct pb_key_slot){ h, (int)i,
							       k->type == KT_SECRET ? v + 1 : 0 };
		}
	}
}

/* Whether rel is key k written as variant v. */
static bool
spelled(const struct pb_ckey *k, int v, const char *rel)
{
	size_t l = strlen(k->path);

	if (strncmp(rel, k->path, l) != 0)
		return false;
	return strcmp(rel + l, v == 0 ? "" : v == 1 ? "_env" : "_file") == 0;
}

/* Finds the key for a path as written; *variant is 0 (plain), 1 (_env) or 2 (_file). */
static int
find_key(struct pb_load *L, enum pb_kscope scope, const char *rel, int *variant)
{
	uint64_t h;

	if (!L->key_slots)
		index_keys(L);
	h = key_hash(scope, rel);
	for (size_t j = h & (L->n_key_slots - 1); L->key_slots[j].idx >= 0;
	     j = (j + 1) & (L->n_key_slots - 1)) {
		const struct pb_key_slot *e = &L->key_slots[j];

		if (e->hash == h && pb_ckeys[e->idx].scope == scope &&
		    spelled(&pb_ckeys[e->idx], e->variant, rel)) {
			*variant = e->variant;
			return e->idx;
		}
	}
	return -1;
}

int
pb_cfg_key_index(enum pb_kscope scope, const char *path)
{
	for (size_t i = 0; i < pb_n_ckeys; i++)
		if (pb_ckeys[i].scope == scope && strcmp(pb_ckeys[i].path, path) == 0)
			return (int)i;
	return -1;
}

void
pb_cfg_load_cleanup(struct pb_load *L)
{
	for (size_t i = 0; i < L->n_secrets; i++)
		free(L->secrets[i].source);
	free(L->secrets);
	free(L->root_seen);
	free(L->confdir);
	free(L->src_name);
	free(L->src_text);
	free(L->src_lines);
	free(L->key_slots);
	for (int sc = 0; sc < 3; sc++)
		free(L->scope_keys[sc]);
}

/* Returns line `line` (1-based) of file, up to its newline, from a one-file cache; NULL when
 * the file cannot be read. Borrowed until the next call. */
static const char *
source_line(struct pb_load *L, const char *file, int line, size_t *len)
{
	if (!L->src_name || strcmp(L->src_name, file) != 0) {
		struct pb_buf b = { 0 };
		char chunk[8192];
		size_t n;
		FILE *f;

		free(L->src_name);
		free(L->src_text);
		free(L->src_lines);
		L->src_name = L->src_text = NULL;
		L->src_lines = NULL;
		L->n_src_lines = 0;
		if (!(f = fopen(file, "r")))
			return NULL;
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
			pb_buf_append(&b, chunk, n);
		fclose(f);
		L->src_name = pb_xstrdup(file);
		L->src_text = pb_buf_detach(&b);
		for (size_t i = 0, start = 0;; i++) {
			if (L->src_text[i] != '\n' && L->src_text[i] != '\0')
				continue;
			L->src_lines = pb_xreallocarray(L->src_lines, L->n_src_lines + 1,
							sizeof *L->src_lines);
			L->src_lines[L->n_src_lines++] = start;
			if (L->src_text[i] == '\0')
				break;
			start = i + 1;
		}
	}
	if (line < 1 || (size_t)line > L->n_src_lines)
		return NULL;
	{
		const char *p = L->src_text + L->src_lines[line - 1];

		*len = strcspn(p, "\n");
		return p;
	}
}

/* Whether a literal read as lit (strtoll ended at end; range_err: it overflowed) is beyond
 * 32 bits without the L suffix: libconfig has cut it, whichever setting it belongs to. */
static int
cut_literal(const char *end, long long lit, int range_err)
{
	return *end != 'L' && *end != 'l' && (range_err || lit > INT32_MAX || lit < INT32_MIN);
}

/* libconfig 1.5 truncates an integer literal beyond 32 bits that lacks the L suffix without
 * a word. Re-read the setting's line: a "name = literal" on it beyond 32 bits without L was
 * cut (the same name twice on a line: either one's); and when none on it has the value
 * libconfig gave, the literal was truncated. A value on the line after its name is read
 * there. */
static int
check_truncation(struct pb_load *L, const struct pb_ckey *k, config_setting_t *s,
		 const char *keypath, long long v)
{
	char file[256], text[1024], next[1024], *p, *end;
	const char *name = config_setting_name(s), *src, *lit_at = NULL;
	size_t len, nl;
	int line, found = 0, cut = 0;

	if (config_setting_type(s) != CONFIG_TYPE_INT || !name)
		return 0;
	pb_cfg_source(L, s, file, sizeof file, &line);
	if (!(src = source_line(L, file, line, &len)))
		return 0;
	snprintf(text, sizeof text, "%.*s", (int)len, src);
	nl = strlen(name);
	for (p = text; (p = strstr(p, name)) != NULL; p += nl) {
		char *q = p + nl;
		long long lit;

		if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		q += strspn(q, " \t");
		if (*q != '=' && *q != ':')
			continue;
		q++;
		q += strspn(q, " \t");
		if (!*q) {
			/* the value on the next line: libconfig names the line of the name */
			const char *nx = source_line(L, file, line + 1, &len);

			if (!nx)
				continue;
			snprintf(next, sizeof next, "%.*s", (int)len, nx);
			q = next + strspn(next, " \t");
		}
		errno = 0;
		lit = strtoll(q, &end, 0);
		if (end == q)
			continue;
		if (cut_literal(end, lit, errno == ERANGE)) {
			lit_at = q;
			cut = 1;
			break;
		}
		if (errno == 0 && lit == v)
			found = 1;
		else
			lit_at = q;
	}
	if (!lit_at || (found && !cut))
		return 0;
	if (k->type == KT_INT)
		return pb_cfg_fail(L, s, keypath, "%.*s is out of range (%.0f to %.0f)",
				   (int)strspn(lit_at, "-+0123456789abcdefxABCDEFX"), lit_at, k->min,
				   k->max);
	/* A number key written as a whole number: its bounds are all far inside 32 bits. */
	if (k->type == KT_DOUBLE)
		return pb_cfg_fail(L, s, keypath, "%.*s is out of range (%g to %g)",
				   (int)strspn(lit_at, "-+0123456789abcdefxABCDEFX"), lit_at, k->min,
				   k->max);
	return pb_cfg_fail(L, s, keypath, "integer too large without the L suffix: add L%s",
			   k->type == KT_CHAT ? " (e.g. -1001234567890L) or write it as a string" : "");
}

static int
run_check(struct pb_load *L, const struct pb_ckey *k, config_setting_t *s, const char *keypath,
	  const char *v)
{
	char msg[400];

	if (!k->check || k->check(v, msg, sizeof msg) == 0)
		return 0;
	return pb_cfg_fail(L, s, keypath, "%s", msg);
}

static int
get_integer(struct pb_load *L, const struct pb_ckey *k, config_setting_t *s, const char *keypath,
	    long long *out)
{
	int t = config_setting_type(s);

	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return pb_cfg_fail(L, s, keypath, "expected an integer, got %s", type_name(s));
	*out = config_setting_get_int64(s);
	/* before the bounds: a cut literal would be named by the number libconfig made of it */
	if (check_truncation(L, k, s, keypath, *out) < 0)
		return -1;
	if (k->min <= k->max && ((double)*out < k->min || (double)*out > k->max))
		return pb_cfg_fail(L, s, keypath, "%lld is out of range (%.0f to %.0f)", *out,
				   k->min, k->max);
	return 0;
}

/* Whether a value of key k is kept once for every subscriber writing it alike: a subscriber's
 * or topic's text, but not what names one subscriber alone (its name, its addresses). */
static bool
shareable(const struct pb_ckey *k)
{
	if (k->scope == KS_ROOT || (k->flags & (KF_DEST | KF_CONFDIR)))
		return false;
	return !(k->scope == KS_SUB && strcmp(k->path, "name") == 0);
}

static int
store_list(struct pb_load *L, const struct pb_ckey *k, config_setting_t *s, void *base,
	   const char *keypath)
{
	char ***list = (char ***)AT(base, k->off);
	size_t *count = (size_t *)AT(base, k->off_n);
	int t = config_setting_type(s), n;

	if (t == CONFIG_TYPE_STRING) {
		const char *v = config_setting_get_string(s);

		if (!*v)
			return pb_cfg_fail(L, s, keypath, "empty string");
		if (run_check(L, k, s, keypath, v) < 0)
			return -1;
		*list = pb_xcalloc(1, sizeof **list);
		(*list)[0] = shareable(k) ? pb_cfg_intern(L->cfg, v) : pb_xstrdup(v);
		*count = 1;
		return 0;
	}
	if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
		return pb_cfg_fail(L, s, keypath, "expected a string or a list of strings, got %s",
				   type_name(s));
	n = config_setting_length(s);
	if (n == 0 && (k->flags & KF_NONEMPTY))
		return pb_cfg_fail(L, s, keypath, "may not be empty");
	/* a list's bounds, when it has them, are on its length */
	if (k->min <= k->max && (n < k->min || n > k->max))
		return pb_cfg_fail(L, s, keypath, "%d elements; %.0f to %.0f are allowed", n,
				   k->min, k->max);
	/* counted as stored: a bad element ends the list there, and what the later checks read
	 * (they run even after an error, to report every mistake) is only what was stored */
	*list = pb_xcalloc(n ? (size_t)n : 1, sizeof **list);
	*count = 0;
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v;

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return pb_cfg_fail(L, e, keypath, "element %d: expected a string, got %s",
					   i + 1, type_name(e));
		v = config_setting_get_string(e);
		if (!*v)
			return pb_cfg_fail(L, e, keypath, "element %d: empty string", i + 1);
		if (run_check(L, k, e, keypath, v) < 0)
			return -1;
		(*list)[i] = shareable(k) ? pb_cfg_intern(L->cfg, v) : pb_xstrdup(v);
		*count = (size_t)i + 1;
	}
	return 0;
}

/* The lines of a subscriber's or topic's rules in group g, for check's messages (the
 * group's own line is often far above them): the query's (query_line may be NULL) and each
 * exclude's, one per element of n (a single string is one). */
static void
rule_lines(const config_setting_t *g, int *query_line, int **exclude_lines, size_t n)
{
	config_setting_t *q = config_setting_get_member(g, "query");
	config_setting_t *x = config_setting_get_member(g, "exclude");

	if (query_line && q)
		*query_line = (int)config_setting_source_line(q);
	if (!x || !n)
		return;
	*exclude_lines = pb_xcalloc(n, sizeof **exclude_lines);
	if (config_setting_type(x) == CONFIG_TYPE_STRING) {
		(*exclude_lines)[0] = (int)config_setting_source_line(x);
		return;
	}
	for (size_t i = 0; i < n && i < (size_t)config_setting_length(x); i++)
		(*exclude_lines)[i] =
			(int)config_setting_source_line(config_setting_get_elem(x, (unsigned)i));
}

/* Sets L->who for the walk of group g, a subscriber's (scope KS_SUB) or one of its topics'
 * (up: the subscriber's who): "subscriber S" or "subscriber S, topic T" when the block has a
 * name (a subscriber's a valid one: a bad one is said by its own error); else up. A stored
 * subscriber (no line) is named by what loads it ("stored subscriber S ..."): not here. */
static void
name_block(struct pb_load *L, const config_setting_t *g, enum pb_kscope scope, const char *up)
{
	config_setting_t *nm = config_setting_get_member(g, "name");
	const char *v = nm && config_setting_type(nm) == CONFIG_TYPE_STRING
			? config_setting_get_string(nm) : NULL;
	char msg[200];

	snprintf(L->who, sizeof L->who, "%s", up);
	if (!v || !*v || config_setting_source_line(g) == 0)
		return;
	if (scope == KS_SUB) {
		if (pb_check_name(v, msg, sizeof msg) == 0)
			snprintf(L->who, sizeof L->who, "subscriber %s", v);
	} else if (up[0]) {
		snprintf(L->who, sizeof L->who, "%.200s, topic %.100s", up, v);
	}
}

/* Walks a list of groups (subscribers, topics) into a freshly allocated array. */
static int
store_groups(struct pb_load *L, const struct pb_ckey *k, config_setting_t *s, void *base,
	     const char *keypath)
{
	enum pb_kscope inner = k->type == KT_SUBSCRIBERS ? KS_SUB : KS_TOPIC;
	size_t size = inner == KS_SUB ? sizeof(struct pb_subscriber) : sizeof(struct pb_topic);
	void **arr = (void **)AT(base, k->off);
	size_t *count = (size_t *)AT(base, k->off_n);
	int t = config_setting_type(s), n, bad = 0, rc;
	char who[sizeof L->who];

	memcpy(who, L->who, sizeof who);
	if (t != CONFIG_TYPE_LIST && !(t == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0))
		return pb_cfg_fail(L, s, keypath, "expected a list ( { ... }, ... ), got %s",
				   type_name(s));
	n = config_setting_length(s);
	if (n == 0 && (k->flags & KF_REQUIRED))
		return pb_cfg_fail(L, s, keypath, "at least one is required");
	*arr = pb_xcalloc(n ? (size_t)n : 1, size);
	*count = (size_t)n;
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char *elem = (char *)*arr + (size_t)i * size;
		struct pb_buf kp = { 0 };

		pb_buf_printf(&kp, "%s.[%d]", keypath, i);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			pb_cfg_fail(L, e, kp.data, "expected a group { ... }, got %s", type_name(e));
			pb_buf_free(&kp);
			bad = -1;
			continue;
		}
		if (inner == KS_SUB) {
			struct pb_subscriber *sub = (struct pb_subscriber *)elem;
			char file[256];

			pb_cfg_source(L, e, file, sizeof file, &sub->line);
			sub->file = pb_cfg_intern(L->cfg, file);
		} else {
			((struct pb_topic *)elem)->line = (int)config_setting_source_line(e);
		}
		pb_buf_putc(&kp, '.');
		/* A bad subscriber or topic is recorded; the next one is still checked. */
		name_block(L, e, inner, who);
		rc = pb_cfg_walk(L, e, inner, elem, kp.data);
		memcpy(L->who, who, sizeof who);
		if (rc < 0)
			bad = -1;
		else if (inner == KS_SUB)
			rule_lines(e, NULL, &((struct pb_subscriber *)elem)->exclude_lines,
				   ((struct pb_subscriber *)elem)->n_exclude);
		else
			rule_lines(e, &((struct pb_topic *)elem)->query_line,
				   &((struct pb_topic *)elem)->exclude_lines,
				   ((struct pb_topic *)elem)->n_exclude);
		pb_buf_free(&kp);
	}
	return bad;
}

static int
store_secret(struct pb_load *L, const struct pb_ckey *k, config_setting_t *s, void *base,
	     const char *keypath, int variant)
{
	struct pb_pending_secret *p;
	const char *v;
	char msg[400];

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return pb_cfg_fail(L, s, keypath, "expected a string, got %s", type_name(s));
	v = config_setting_get_string(s);
	if (!*v)
		return pb_cfg_fail(L, s, keypath, "empty string");
	if (variant == 1 && pb_check_envname(v, msg, sizeof msg) < 0)
		return pb_cfg_fail(L, s, keypath, "%s", msg);
	L->secrets = pb_xreallocarray(L->secrets, L->n_secrets + 1, sizeof *L->secrets);
	p = &L->secrets[L->n_secrets++];
	memset(p, 0, sizeof *p);
	p->key = k;
	p->base = base;
	p->from_file = variant == 2;
	/* "$CREDENTIALS_DIRECTORY/NAME" is expanded when the secret is read (secret.c). */
	p->source = p->from_file && strncmp(v, PB_CREDENTIALS_PREFIX, strlen(PB_CREDENTIALS_PREFIX))
		    ? pb_cfg_path_join(L->confdir, v) : pb_xstrdup(v);
	pb_cfg_source(L, s, p->file, sizeof p->file, &p->line);
	snprintf(p->keypath, sizeof p->keypath, "%.120s", keypath);
	return 0;
}

static void apply_default(struct pb_load *L, const struct pb_ckey *k, void *base);

static int
store(struct pb_load *L, const struct pb_ckey *k, config_setting_t *s, void *base,
      const char *keypath, int variant)
{
	int t = config_setting_type(s);
	long long iv;

	switch (k->type) {
	case KT_GROUP:
		return pb_cfg_fail(L, s, keypath, "expected a group { ... }, got %s", type_name(s));
	case KT_STR: {
		const char *v;
		char tag[40];   /* a language tag: 35 at most */

		if (t != CONFIG_TYPE_STRING)
			return pb_cfg_fail(L, s, keypath, "expected a string, got %s", type_name(s));
		v = config_setting_get_string(s);
		if (!*v && (k->flags & (KF_NONEMPTY | KF_REQUIRED)))
			return pb_cfg_fail(L, s, keypath, "may not be empty");
		if (!*v) {
			/* an empty optional string means "not set": the key's default, as when
			 * it is left out (the key counts as seen, so nothing else gives it) */
			apply_default(L, k, base);
			return 0;
		}
		if (k->flags & KF_LANGTAG) {
			/* checked as written (the message quotes it), kept as compared */
			if (run_check(L, k, s, keypath, v) < 0)
				return -1;
			snprintf(tag, sizeof tag, "%s", v);
			pb_language_case(tag);
			v = tag;
		}
		v = *(char **)AT(base, k->off) = (k->flags & KF_CONFDIR)
			? pb_cfg_path_join(L->confdir, v)
			: shareable(k) ? pb_cfg_intern(L->cfg, v) : pb_xstrdup(v);
		return run_check(L, k, s, keypath, v);
	}
	case KT_INT:
		if (get_integer(L, k, s, keypath, &iv) < 0)
			return -1;
		*(int *)AT(base, k->off) = (int)iv;
		return 0;
	case KT_LONG:
		if (get_integer(L, k, s, keypath, &iv) < 0)
			return -1;
		*(long *)AT(base, k->off) = (long)iv;
		return 0;
	case KT_BOOL:
	case KT_TRI:
		if (t != CONFIG_TYPE_BOOL)
			return pb_cfg_fail(L, s, keypath, "expected true or false, got %s",
					   type_name(s));
		if (k->type == KT_BOOL)
			*(bool *)AT(base, k->off) = config_setting_get_bool(s);
		else
			*(int *)AT(base, k->off) = config_setting_get_bool(s) ? PB_YES : PB_NO;
		return 0;
	case KT_DOUBLE: {
		double d;

		if (t == CONFIG_TYPE_FLOAT)
			d = config_setting_get_float(s);
		else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
			d = (double)config_setting_get_int64(s);
		else
			return pb_cfg_fail(L, s, keypath, "expected a number, got %s", type_name(s));
		/* 4294967396 reaches here as 100, inside the bounds: read the literal again */
		if (t == CONFIG_TYPE_INT &&
		    check_truncation(L, k, s, keypath, config_setting_get_int64(s)) < 0)
			return -1;
		if (!(d >= k->min && d <= k->max))   /* also refuses NaN */
			return pb_cfg_fail(L, s, keypath, "%g is out of range (%g to %g)", d, k->min,
					   k->max);
		*(double *)AT(base, k->off) = d;
		return 0;
	}
	case KT_LIST:
		return store_list(L, k, s, base, keypath);
	case KT_SECRET:
		return store_secret(L, k, s, base, keypath, variant);
	case KT_CHAT: {
		char num[32];
		const char *v = num;

		if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
			iv = config_setting_get_int64(s);
			if (check_truncation(L, k, s, keypath, iv) < 0)
				return -1;
			snprintf(num, sizeof num, "%lld", iv);
		} else if (t == CONFIG_TYPE_STRING) {
			v = config_setting_get_string(s);
		} else {
			return pb_cfg_fail(L, s, keypath, "expected a string or an integer, got %s",
					   type_name(s));
		}
		if (run_check(L, k, s, keypath, v) < 0)
			return -1;
		*(char **)AT(base, k->off) = pb_xstrdup(v);
		return 0;
	}
	case KT_SUBSCRIBERS:
	case KT_TOPICS:
		return store_groups(L, k, s, base, keypath);
	}
	return pb_cfg_fail(L, s, keypath, "internal: unhandled key type");
}

static void
apply_default(struct pb_load *L, const struct pb_ckey *k, void *base)
{
	switch (k->type) {
	case KT_STR:
		*(char **)AT(base, k->off) = pb_cfg_intern(L->cfg, k->def_s);
		break;
	case KT_INT:
		*(int *)AT(base, k->off) = (int)k->def_n;
		break;
	case KT_LONG:
		*(long *)AT(base, k->off) = (long)k->def_n;
		break;
	case KT_BOOL:
		*(bool *)AT(base, k->off) = k->def_n != 0;
		break;
	case KT_TRI:
		*(int *)AT(base, k->off) = (int)k->def_n;
		break;
	case KT_DOUBLE:
		*(double *)AT(base, k->off) = k->def_n;
		break;
	case KT_LIST:
		if (k->def_s) {
			char ***list = (char ***)AT(base, k->off);

			*list = pb_xcalloc(1, sizeof **list);
			(*list)[0] = pb_cfg_intern(L->cfg, k->def_s);
			*(size_t *)AT(base, k->off_n) = 1;
		}
		break;
	default:
		break;
	}
}

static int
walk_group(struct pb_load *L, config_setting_t *grp, enum pb_kscope scope, const char *relprefix,
	   void *base, const char *keyprefix, bool *seen)
{
	int n = config_setting_length(grp);

	for (int i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
		const char *name = config_setting_name(s);
		char rel[160], keypath[256], sug[96];
		const struct pb_ckey *k;
		int idx, variant;

		if (!name)
			continue;
		snprintf(rel, sizeof rel, "%s%s", relprefix, name);
		snprintf(keypath, sizeof keypath, "%s%s", keyprefix, rel);
		idx = find_key(L, scope, rel, &variant);
		if (idx < 0) {
			int si = pb_cfg_key_index(scope, rel);

			if (si >= 0 && pb_ckeys[si].type == KT_SECRET)
				pb_cfg_fail(L, s, keypath, "secrets are not written in the config: "
					    "use %s_env or %s_file", name, name);
			else if (suggest(scope, rel, sug, sizeof sug))
				pb_cfg_fail(L, s, keypath, "unknown key; did you mean \"%s\"?", sug);
			else
				pb_cfg_fail(L, s, keypath, "unknown key");
			continue;
		}
		k = &pb_ckeys[idx];
		if (seen[idx]) {
			pb_cfg_fail(L, s, keypath, "give %s_env or %s_file, not both",
				    leaf(k->path), leaf(k->path));
			continue;
		}
		seen[idx] = true;
		if (k->type == KT_GROUP) {
			char sub[200];

			if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
				pb_cfg_fail(L, s, keypath, "expected a group { ... }, got %s",
					    type_name(s));
				continue;
			}
			snprintf(sub, sizeof sub, "%s.", rel);
			walk_group(L, s, scope, sub, base, keyprefix, seen);
			continue;
		}
		/* A bad value is recorded and the walk goes on, so every error is reported. */
		store(L, k, s, base, keypath, variant);
	}
	return 0;
}

int
pb_cfg_walk(struct pb_load *L, config_setting_t *grp, enum pb_kscope scope, void *base,
	    const char *keyprefix)
{
	bool *seen = scope == KS_ROOT ? L->root_seen : pb_xcalloc(pb_n_ckeys, sizeof *seen);
	size_t before = L->n_err;

	walk_group(L, grp, scope, "", base, keyprefix, seen);
	if (!L->key_slots)
		index_keys(L);
	for (size_t j = 0; j < L->n_scope_keys[scope]; j++) {
		size_t i = L->scope_keys[scope][j];
		const struct pb_ckey *k = &pb_ckeys[i];
		char keypath[256];

		if (seen[i])
			continue;
		if (k->flags & KF_REQUIRED) {
			snprintf(keypath, sizeof keypath, "%s%s", keyprefix, k->path);
			pb_cfg_fail(L, grp, keypath, "missing (required)");
			continue;
		}
		apply_default(L, k, base);
	}
	if (scope != KS_ROOT)
		free(seen);
	return L->n_err > before ? -1 : 0;
}
