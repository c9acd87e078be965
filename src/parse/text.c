/* Text helpers for the feed parser: whitespace, dates, author lists. */
#include "parse_int.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}


/* First index in [i, end) where normalising changes something: a tab, newline or CR, or a
 * space followed by whitespace. s[end - 1] must not be whitespace (the callers trim). Abstracts
 * are long and mostly clean, so clean stretches are skipped sixteen bytes at a time; a block
 * that may hold something is looked at byte by byte. */
static size_t
scan_clean(const char *s, size_t i, size_t end)
{
	for (;;) {
		size_t lim;

		while (i + 16 < end) {
			pb_v16 v, w;
			pb_m16 m;
			uint64_t half[2];

			memcpy(&v, s + i, 16);
			memcpy(&w, s + i + 1, 16); /* i + 16 < end: in bounds */
			m = (pb_m16)(v < 0x20) | ((pb_m16)(v == 0x20) & (pb_m16)(w <= 0x20));
			memcpy(half, &m, 16);
			if (half[0] | half[1])
				break;
			i += 16;
		}
		lim = i + 16 < end ? i + 16 : end;
		for (; i < lim; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c <= ' ' && is_ws(c) && (c != ' ' || is_ws((unsigned char)s[i + 1])))
				return i;
		}
		if (i >= end)
			return end;
	}
}

/* Normalises s[i..end) (already trimmed) into o, which may be s itself; returns the length. */
static size_t
collapse(char *o, const char *s, size_t i, size_t end)
{
	char *o0 = o;

	while (i < end) {
		size_t seg = i;
		i = scan_clean(s, i, end);
		if (o != s + seg)
			memmove(o, s + seg, i - seg);
		o += i - seg;
		if (i < end) {
			while (is_ws((unsigned char)s[i])) /* the trim bounds this run */
				i++;
			*o++ = ' ';
		}
	}
	return (size_t)(o - o0);
}

static void
trim(const char *s, size_t *i, size_t *end)
{
	while (*i < *end && is_ws((unsigned char)s[*i]))
		(*i)++;
	while (*end > *i && is_ws((unsigned char)s[*end - 1]))
		(*end)--;
}

void
pb_norm_append(struct pb_buf *b, const char *s, size_t n, int *pending)
{
	size_t i = 0, j = n;

	/* Trailing whitespace only opens a run; inside [i, j) every run ends before j. */
	while (j > 0 && is_ws((unsigned char)s[j - 1]))
		j--;
	while (i < j) {
		size_t seg;
		if (is_ws((unsigned char)s[i])) {
			while (is_ws((unsigned char)s[i]))
				i++;
			*pending = 1;
		}
		seg = i;
		i = scan_clean(s, i, j);
		if (i > seg) {
			if (*pending && b->len)
				pb_buf_putc(b, ' ');
			pb_buf_append(b, s + seg, i - seg);
			*pending = 0;
		}
	}
	if (n > j)
		*pending = 1;
}

char *
pb_norm_ws_len(const char *s, size_t n, size_t *out_len)
{
	char *out;
	size_t i = 0, end = n, len;

	trim(s, &i, &end);
	if (out_len)
		*out_len = 0;
	if (i == end)
		return NULL;
	out = pb_xmalloc(end - i + 1);
	len = collapse(out, s, i, end);
	out[len] = '\0';
	if (out_len)
		*out_len = len;
	return out;
}

char *
pb_norm_ws(const char *s, size_t n)
{
	return pb_norm_ws_len(s, n, NULL);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static long long
days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void
civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	long long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = (long long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y += *m <= 2;
}

/* Writes v as exactly n decimal digits (v is in range by the callers' checks). */
static char *
put_digits(char *o, unsigned long long v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		o[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return o + n;
}

static int
date_ok(int y, int mo, int d)
{
	return y >= 1900 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
}

static void
put_day(char out[11], int y, int mo, int d)
{
	char *o = out;

	o = put_digits(o, (unsigned)y, 4);
	*o++ = '-';
	o = put_digits(o, (unsigned)mo, 2);
	*o++ = '-';
	o = put_digits(o, (unsigned)d, 2);
	*o = '\0';
}

static char *
format_utc(int y, int mo, int d, int h, int mi, int s, int off_min)
{
	long long t, days, secs, yy;
	unsigned m2, d2;
	char tmp[24], *o;

	if (!date_ok(y, mo, d) || h > 23 || mi > 59 || s > 60 || h < 0 || mi < 0 || s < 0)
		return NULL;
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s -
	    (long long)off_min * 60;
	days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	secs = t - days * 86400;
	civil_from_days(days, &yy, &m2, &d2);
	if (yy < 1000 || yy > 9999)
		return NULL;
	put_day(tmp, (int)yy, (int)m2, (int)d2);
	o = tmp + 10;
	*o++ = 'T';
	o = put_digits(o, (unsigned long long)(secs / 3600), 2);
	*o++ = ':';
	o = put_digits(o, (unsigned long long)((secs / 60) % 60), 2);
	*o++ = ':';
	o = put_digits(o, (unsigned long long)(secs % 60), 2);
	*o++ = 'Z';
	*o = '\0';
	return pb_xstrdup(tmp);
}

static int
num(const char **p, int digits)
{
	int v = 0, i;

	for (i = 0; i < digits; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += digits;
	return v;
}

/* Parses "+HH:MM", "-HHMM", "Z", "GMT", "UT", "EST"... into minutes east of UTC; -9999 if not. */
static int
parse_zone(const char *p)
{
	int sign, h, m;

	while (*p == ' ')
		p++;
	if (*p == 'Z' || strncmp(p, "GMT", 3) == 0 || strncmp(p, "UT", 2) == 0 || !*p)
		return 0;
	if (strncmp(p, "EST", 3) == 0)
		return -300;
	if (strncmp(p, "EDT", 3) == 0)
		return -240;
	if (*p != '+' && *p != '-')
		return -9999;
	sign = *p == '-' ? -1 : 1;
	p++;
	if ((h = num(&p, 2)) < 0)
		return -9999;
	if (*p == ':')
		p++;
	if ((m = num(&p, 2)) < 0)
		return -9999;
	return sign * (h * 60 + m);
}

static char *
date_iso(const char *s, char local_day[11])
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, off;

	if (!s)
		return NULL;
	if ((y = num(&p, 4)) < 0 || *p++ != '-' || (mo = num(&p, 2)) < 0 || *p++ != '-' ||
	    (d = num(&p, 2)) < 0)
		return NULL;
	if (!date_ok(y, mo, d))
		return NULL;
	if (local_day)
		put_day(local_day, y, mo, d);
	if (*p == 'T' || *p == ' ') {
		p++;
		if ((h = num(&p, 2)) < 0 || *p++ != ':' || (mi = num(&p, 2)) < 0)
			return NULL;
		if (*p == ':') {
			p++;
			if ((sec = num(&p, 2)) < 0)
				return NULL;
		}
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++)
				;
	}
	off = parse_zone(p);
	if (off == -9999)
		return NULL;
	return format_utc(y, mo, d, h, mi, sec, off);
}

static char *
date_rfc822(const char *s, char local_day[11])
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *p = s, *m;
	int d, mo, y, h, mi, sec = 0, off;

	if (!s)
		return NULL;
	/* Optional "Thu, " */
	if (isalpha((unsigned char)p[0])) {
		while (*p && *p != ',')
			p++;
		if (*p != ',')
			return NULL;
		p++;
	}
	while (*p == ' ')
		p++;
	/* p[1] is read only when p[0] is a digit: "Thu," ends at the NUL */
	if (!isdigit((unsigned char)p[0]) ||
	    (d = num(&p, isdigit((unsigned char)p[1]) ? 2 : 1)) < 0)
		return NULL;
	while (*p == ' ')
		p++;
	if (strlen(p) < 3)
		return NULL;
	m = strstr(months, (char[]){ p[0], p[1], p[2], 0 });
	if (!m || (m - months) % 3)
		return NULL;
	mo = (int)((m - months) / 3) + 1;
	p += 3;
	while (*p == ' ')
		p++;
	if ((y = num(&p, 4)) < 0 || *p++ != ' ' || (h = num(&p, 2)) < 0 || *p++ != ':' ||
	    (mi = num(&p, 2)) < 0)
		return NULL;
	if (*p == ':') {
		p++;
		if ((sec = num(&p, 2)) < 0)
			return NULL;
	}
	off = parse_zone(p);
	if (off == -9999)
		return NULL;
	if (!date_ok(y, mo, d))
		return NULL;
	if (local_day)
		put_day(local_day, y, mo, d);
	return format_utc(y, mo, d, h, mi, sec, off);
}

char *
pb_date_utc(const char *s, char local_day[11])
{
	if (!s)
		return NULL;
	if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	    isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]) && s[4] == '-')
		return date_iso(s, local_day);
	return date_rfc822(s, local_day);
}

static void
add_affil(struct pb_author *a, const char *s, size_t n)
{
	char *t = pb_norm_ws(s, n);

	if (!t)
		return;
	a->affils = pb_xreallocarray(a->affils, a->n_affils + 1, sizeof *a->affils);
	a->affils[a->n_affils++] = t;
}

/* One "Name (Affil, Affil)" segment. Returns 0 when it holds no name. */
static int
one_author(struct pb_author *a, const char *s, size_t n, struct pb_buf *name)
{
	size_t i = 0;

	memset(a, 0, sizeof *a);
	if (!memchr(s, '(', n)) {
		a->name = pb_norm_ws(s, n);
	} else {
		pb_buf_reset(name);
		while (i < n) {
			if (s[i] == '(') {
				size_t part = ++i;
				int depth = 1;
				for (; i < n; i++) {
					if (s[i] == '(')
						depth++;
					else if (s[i] == ')' && --depth == 0)
						break;
					else if (s[i] == ',' && depth == 1) {
						add_affil(a, s + part, i - part);
						part = i + 1;
					}
				}
				add_affil(a, s + part, (i < n ? i : n) - part);
				if (i < n)
					i++;
			} else {
				size_t j = i;
				while (j < n && s[j] != '(')
					j++;
				pb_buf_append(name, s + i, j - i);
				i = j;
			}
		}
		a->name = pb_norm_ws(name->data ? name->data : "", name->len);
	}
	if (!a->name || strncmp(a->name, "et al", 5) == 0) {
		pb_author_free(a);
		return 0;
	}
	return 1;
}

size_t
pb_split_creators(const char *s, struct pb_paper *p, size_t max_authors, int and_sep)
{
	struct pb_buf name;
	size_t i, start = 0, skip, most = 1, cap, names = 0;
	int depth = 0;
	const char *t;

	if (!s)
		return 0;
	/* Room for every comma-separated segment at once instead of growing per author. */
	for (t = s; (t = strchr(t, ',')); t++)
		most++;
	for (t = s; and_sep && (t = strstr(t, " and ")); t++)
		most++;
	if (most > max_authors)
		most = max_authors;
	cap = p->n_authors + most;
	p->authors = pb_xreallocarray(p->authors, cap, sizeof *p->authors);
	pb_buf_init(&name);
	for (i = 0;; i++) {
		char c;
		if (!and_sep)
			i += strcspn(s + i, ",()"); /* only these matter then */
		c = s[i];
		skip = 1;
		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		if (and_sep && depth == 0 && c == ' ' && strncmp(s + i, " and ", 5) == 0) {
			c = ',';
			skip = 5;
		}
		if ((c == ',' && depth == 0) || c == '\0') {
			struct pb_author a;
			if (one_author(&a, s + start, i - start, &name)) {
				names++;
				/* Past the cap a name is counted, not kept. */
				if (p->n_authors >= max_authors) {
					pb_author_free(&a);
				} else {
					if (p->n_authors >= cap) {
						cap = p->n_authors + 1;
						p->authors = pb_xreallocarray(p->authors, cap,
									      sizeof *p->authors);
					}
					p->authors[p->n_authors++] = a;
				}
			}
			start = i + skip;
			i += skip - 1;
		}
		if (c == '\0')
			break;
	}
	pb_buf_free(&name);
	return names;
}

size_t
pb_creators_cut(const char *s, size_t n, size_t max, int and_sep)
{
	size_t i, cut = 0;
	int depth = 0;

	for (i = 0; i < n && i <= max; i++) {
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && depth > 0)
			depth--;
		else if (depth == 0 && (s[i] == ',' ||
					(and_sep && n - i >= 5 && memcmp(s + i, " and ", 5) == 0)))
			cut = i;
	}
	return cut;
}

void
pb_count_creators(struct pb_name_count *nc, const char *s, size_t n, int and_sep)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '(')
			nc->depth++;
		else if (c == ')' && nc->depth > 0)
			nc->depth--;
		else if (c == ',' && nc->depth == 0)
			nc->names++;
		if (!and_sep)
			continue;
		/* " and " as a separator, whitespace runs standing for its spaces: and_at is how
		 * much of it the text so far ends with. */
		if (is_ws(c)) {
			if (nc->and_at == 4 && nc->depth == 0)
				nc->names++;
			nc->and_at = 1;
		} else if (nc->and_at > 0 && nc->and_at < 4 && c == "_and"[nc->and_at]) {
			nc->and_at++;
		} else {
			nc->and_at = 0;
		}
	}
}

void
pb_author_free(struct pb_author *a)
{
	size_t j;

	free(a->name);
	for (j = 0; j < a->n_affils; j++)
		free(a->affils[j]);
	free(a->affils);
	memset(a, 0, sizeof *a);
}
