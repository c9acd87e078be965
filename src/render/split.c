/* Splitting long messages for Telegram (HTML, visible length), Slack (mrkdwn sections) and
 * the Markdown of other chat services (in UTF-16 units or in bytes): the text is read as
 * tokens (a character, an entity, a tag, a Slack or Markdown link, a Markdown backslash
 * escape), cut at the best boundary before the limit, and for Telegram the tags open at a
 * cut are closed and reopened. */
#include <stdlib.h>
#include <string.h>

#include "paperboy/render.h"
#include "render_int.h"

enum tk { TK_CHAR, TK_ENT, TK_OPEN, TK_CLOSE, TK_LINK };

struct tok {
	enum tk kind;
	size_t start, end;      /* bytes */
	size_t units;           /* what it counts toward the limit */
	size_t name, name_len;  /* tags: the tag name */
};

enum { M_TELEGRAM, M_SLACK, M_MD };

/* Boundaries, best first: before a Markdown heading (between papers), a paragraph, a line,
 * a sentence, a word, a character. */
enum { B_HEAD, B_PARA, B_LINE, B_SENT, B_WORD, B_CHAR, B_COUNT };

#define MAX_STACK 32

static int
is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ASCII punctuation: what a Markdown backslash escapes. */
static int
is_punct(char c)
{
	return c && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", c) != NULL;
}

static size_t
cp_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t l = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

	if (l > n)
		l = n;
	for (size_t k = 1; k < l; k++)
		if (((unsigned char)s[k] & 0xc0) != 0x80)
			return k;
	return l;
}

/* Length of an entity at s (&name; or &#..;), 0 if it is not one. */
static size_t
entity_len(const char *s, size_t n)
{
	size_t j;

	for (j = 1; j < n && j < 12 && (is_alnum(s[j]) || (j == 1 && s[j] == '#')); j++)
		;
	return j > 1 && j < n && s[j] == ';' ? j + 1 : 0;
}

/* Length of a Markdown link or image at s ("[text](url)", "![alt](url)"), 0 if none within
 * 2,000 bytes. */
static size_t
md_link_len(const char *s, size_t n)
{
	size_t j = s[0] == '!' ? 1 : 0, lim = n < 2000 ? n : 2000;

	if (j >= lim || s[j] != '[')
		return 0;
	for (j++; j < lim && s[j] != ']' && s[j] != '\n'; j++)
		if (s[j] == '\\')
			j++;
	if (j + 1 >= lim || s[j] != ']' || s[j + 1] != '(')
		return 0;
	for (j += 2; j < lim && s[j] != ')' && s[j] != '\n' && s[j] != ' '; j++)
		;
	return j < lim && s[j] == ')' ? j + 1 : 0;
}

static void
next_tok(const char *s, size_t n, size_t i, int mode, int bytes, struct tok *t)
{
	size_t j, l;

	t->start = i;
	t->kind = TK_CHAR;
	t->name = t->name_len = 0;
	if (mode == M_MD) {
		/* A backslash escape is one token: cut after its "\", the next piece would
		 * open with the bare character, markup again ("*" emphasis, "#" a heading). */
		if (s[i] == '\\' && i + 1 < n && is_punct(s[i + 1])) {
			t->end = i + 2;
			t->units = 2;
			return;
		}
		if ((s[i] == '[' || s[i] == '!') && (l = md_link_len(s + i, n - i)) > 0) {
			t->kind = TK_LINK;
			t->end = i + l;
			t->units = bytes ? l : pb_utf16_len(s + i, l);
			return;
		}
		l = cp_len(s + i, n - i);
		t->end = i + l;
		t->units = bytes ? l : (unsigned char)s[i] >= 0xf0 ? 2 : 1;
		return;
	}
	if (s[i] == '&' && (l = entity_len(s + i, n - i)) > 0) {
		t->kind = TK_ENT;
		t->end = i + l;
		t->units = mode == M_TELEGRAM ? 1 : l;
		return;
	}
	if (s[i] == '<') {
		size_t lim = mode == M_TELEGRAM ? 4096 : 500;

		for (j = i + 1; j < n && j < i + lim && s[j] != '>' && s[j] != '<'; j++)
			;
		if (j < n && s[j] == '>' && j > i + 1) {
			t->end = j + 1;
			if (mode == M_SLACK) {
				t->kind = TK_LINK;
				t->units = pb_utf16_len(s + i, j + 1 - i);
				return;
			}
			t->kind = s[i + 1] == '/' ? TK_CLOSE : TK_OPEN;
			t->name = i + 1 + (t->kind == TK_CLOSE);
			for (l = t->name; l < j && s[l] != ' ' && s[l] != '\t' && s[l] != '\n'; l++)
				;
			t->name_len = l - t->name;
			t->units = 0;
			return;
		}
	}
	l = cp_len(s + i, n - i);
	t->end = i + l;
	/* by the lead byte, so a broken sequence is never counted short */
	t->units = (unsigned char)s[i] >= 0xf0 ? 2 : 1;
}

struct splitter {
	const char *s;
	size_t n, limit;
	int mode;
	int bytes;              /* M_MD: the limit counts bytes, not UTF-16 units */
	size_t sp_from, sp_to;  /* M_MD: [sp_from, sp_to) is spaces and tabs only */
	struct pb_parts *out;
	size_t added;
	/* open tags: their opening tag spans */
	size_t st_start[MAX_STACK], st_end[MAX_STACK], st_name[MAX_STACK], st_nl[MAX_STACK];
	int depth;
};

static void
stack_apply(struct splitter *sp, const struct tok *t)
{
	if (t->kind == TK_OPEN && sp->depth < MAX_STACK) {
		sp->st_start[sp->depth] = t->start;
		sp->st_end[sp->depth] = t->end;
		sp->st_name[sp->depth] = t->name;
		sp->st_nl[sp->depth] = t->name_len;
		sp->depth++;
	} else if (t->kind == TK_CLOSE && sp->depth > 0) {
		sp->depth--;
	}
}

/* Whether a close tag t closes the innermost open tag. */
static int
closes_top(const struct splitter *sp, const struct tok *t)
{
	int d = sp->depth - 1;

	return t->kind == TK_CLOSE && d >= 0 && t->name_len == sp->st_nl[d] &&
	       memcmp(sp->s + t->name, sp->s + sp->st_name[d], t->name_len) == 0;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* A sentence end just before position i (". ", "? ", "! ", or a CJK full stop before i). */
static int
sentence_end(const char *s, size_t start, size_t i)
{
	if (i >= start + 2 && s[i - 1] == ' ' &&
	    (s[i - 2] == '.' || s[i - 2] == '?' || s[i - 2] == '!' || s[i - 2] == ';'))
		return 1;
	if (i >= start + 3) {
		const char *p = s + i - 3;

		return memcmp(p, "。", 3) == 0 || memcmp(p, "！", 3) == 0 ||
		       memcmp(p, "？", 3) == 0 || memcmp(p, "；", 3) == 0;
	}
	return 0;
}

/* Whether Markdown text at i, past spaces, opens a block: a list item ("- ", "+ ", "* ",
 * "1986. ", "3) "), a heading ("# "), a quote (">") or a code fence. Inside a line it is
 * text; at the start of a message, where a cut inside the line puts it, a chat shows a list
 * or a heading. The robot dialects (WeCom, DingTalk) take no backslash escapes, so the cut
 * goes elsewhere instead. */
static int
md_block_start(struct splitter *sp, size_t i)
{
	const char *s = sp->s;
	size_t n = sp->n, j;

	/* the text after a run of spaces, found once for the whole run */
	if (!(sp->sp_from <= i && i <= sp->sp_to)) {
		for (sp->sp_from = j = i; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
			;
		sp->sp_to = j;
	}
	i = sp->sp_to;
	if (i >= n)
		return 0;
	if (s[i] == '>' || (n - i >= 3 && (memcmp(s + i, "```", 3) == 0 ||
					   memcmp(s + i, "~~~", 3) == 0)))
		return 1;
	j = i;
	if (s[i] == '-' || s[i] == '+' || s[i] == '*') {
		j = i + 1;
	} else if (s[i] == '#') {
		while (j < n && j - i < 6 && s[j] == '#')
			j++;
	} else {
		while (j < n && j - i < 10 && s[j] >= '0' && s[j] <= '9')
			j++;
		if (j == i || j - i > 9 || j >= n || (s[j] != '.' && s[j] != ')'))
			return 0;
		j++;
	}
	return j >= n || s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r';
}

/* Whether the last line with text before position e (from start on) is a Markdown heading
 * or a label wholly in bold ("**Abstract:**"): it announces what follows, and a piece must
 * not end with it, the paper's title or "Abstract:" at the foot of one message and what they
 * introduce in the next. */
static int
md_keep_with_next(const char *s, size_t start, size_t e)
{
	size_t ls;

	while (e > start && is_ws(s[e - 1]))
		e--;
	for (ls = e; ls > start && s[ls - 1] != '\n'; ls--)
		;
	if (e == ls)
		return 0;
	return s[ls] == '#' || (e - ls >= 5 && memcmp(s + ls, "**", 2) == 0 &&
				memcmp(s + e - 2, "**", 2) == 0);
}

/* Emits the piece [start, cut) with reopened tags before and closing tags after. The stack
 * (sp->depth etc.) must describe the state at cut; reopen is the state at start. */
static void
emit(struct splitter *sp, const struct pb_buf *reopen, size_t start, size_t cut)
{
	struct pb_buf b = { 0 };
	size_t end = cut;

	while (end > start && is_ws(sp->s[end - 1]))
		end--;
	pb_buf_append(&b, reopen->data ? reopen->data : "", reopen->len);
	pb_buf_append(&b, sp->s + start, end - start);
	for (int d = sp->depth - 1; d >= 0; d--) {
		pb_buf_puts(&b, "</");
		pb_buf_append(&b, sp->s + sp->st_name[d], sp->st_nl[d]);
		pb_buf_putc(&b, '>');
	}
	pb_parts_push(sp->out, pb_buf_detach(&b));
	sp->added++;
}

static void
reopen_tags(const struct splitter *sp, struct pb_buf *b)
{
	pb_buf_reset(b);
	for (int d = 0; d < sp->depth; d++)
		pb_buf_append(b, sp->s + sp->st_start[d], sp->st_end[d] - sp->st_start[d]);
}

static size_t
run(struct splitter *sp)
{
	struct pb_buf reopen = { 0 };
	size_t start = 0, i, units = 0, visible = 0;
	size_t cand[B_COUNT], cand_units[B_COUNT];
	int start_depth = 0;
	size_t ss[MAX_STACK], se[MAX_STACK], sn[MAX_STACK], snl[MAX_STACK];
	struct tok t;

	/* skip leading whitespace of the first piece */
	while (start < sp->n && is_ws(sp->s[start]))
		start++;
	memset(cand, 0, sizeof cand);
	memset(cand_units, 0, sizeof cand_units);
	i = start;
	while (i < sp->n) {
		next_tok(sp->s, sp->n, i, sp->mode, sp->bytes, &t);
		if (t.kind == TK_OPEN || t.kind == TK_CLOSE) {
			stack_apply(sp, &t);
			i = t.end;
			continue;
		}
		if (units + t.units > sp->limit && visible > 0) {
			size_t cut = 0, best = 0;
			int b;

			for (b = 0; b < B_COUNT && !cut; b++)
				if (cand[b] > start && cand_units[b] * 2 >= sp->limit)
					cut = cand[b];
			for (b = 0; b < B_COUNT && !cut; b++)
				if (cand[b] > best)
					best = cand[b];
			if (!cut)
				cut = best ? best : i;
			/* the stack at the cut: replay from the piece's start */
			sp->depth = start_depth;
			memcpy(sp->st_start, ss, sizeof ss);
			memcpy(sp->st_end, se, sizeof se);
			memcpy(sp->st_name, sn, sizeof sn);
			memcpy(sp->st_nl, snl, sizeof snl);
			for (size_t k = start; k < cut;) {
				next_tok(sp->s, sp->n, k, sp->mode, sp->bytes, &t);
				stack_apply(sp, &t);
				k = t.end;
			}
			/* closing tags right after the cut belong to this piece */
			while (cut < sp->n) {
				next_tok(sp->s, sp->n, cut, sp->mode, sp->bytes, &t);
				if (!closes_top(sp, &t))
					break;
				stack_apply(sp, &t);
				cut = t.end;
			}
			emit(sp, &reopen, start, cut);
			reopen_tags(sp, &reopen);
			start_depth = sp->depth;
			memcpy(ss, sp->st_start, sizeof ss);
			memcpy(se, sp->st_end, sizeof se);
			memcpy(sn, sp->st_name, sizeof sn);
			memcpy(snl, sp->st_nl, sizeof snl);
			start = cut;
			while (start < sp->n && is_ws(sp->s[start]))
				start++;
			i = start;
			units = visible = 0;
			memset(cand, 0, sizeof cand);
			continue;
		}
		units += t.units;
		if (!(t.kind == TK_CHAR && is_ws(sp->s[t.start])))
			visible++;
		i = t.end;
		/* a cut inside a line must not open the next piece with a list or a heading, nor
		 * one at a line's end close a piece with a heading or a label */
		if (sp->mode == M_MD && (sp->s[t.start] != '\n' ? md_block_start(sp, i)
				       : md_keep_with_next(sp->s, start, t.start)))
			continue;
		cand[B_CHAR] = i;
		cand_units[B_CHAR] = units;
		if (sp->s[t.start] == '\n') {
			int b = t.start > start && sp->s[t.start - 1] == '\n' ? B_PARA : B_LINE;

			/* Markdown: the best cut is before a heading, between papers */
			if (sp->mode == M_MD && i < sp->n && sp->s[i] == '#')
				b = B_HEAD;
			cand[b] = i;
			cand_units[b] = units;
		} else if (sp->s[t.start] == ' ') {
			int b = sentence_end(sp->s, start, i) ? B_SENT : B_WORD;

			cand[b] = i;
			cand_units[b] = units;
		} else if (sentence_end(sp->s, start, i)) {
			cand[B_SENT] = i;
			cand_units[B_SENT] = units;
		}
	}
	if (visible > 0) {
		/* the rest, up to the end; tags the source left open are closed */
		struct pb_buf b = { 0 };
		size_t end = sp->n;

		while (end > start && is_ws(sp->s[end - 1]))
			end--;
		pb_buf_append(&b, reopen.data ? reopen.data : "", reopen.len);
		pb_buf_append(&b, sp->s + start, end - start);
		for (int d = sp->depth - 1; d >= 0; d--) {
			pb_buf_puts(&b, "</");
			pb_buf_append(&b, sp->s + sp->st_name[d], sp->st_nl[d]);
			pb_buf_putc(&b, '>');
		}
		pb_parts_push(sp->out, pb_buf_detach(&b));
		sp->added++;
	}
	pb_buf_free(&reopen);
	return sp->added;
}

size_t
pb_telegram_split(const char *s, size_t n, size_t limit, struct pb_parts *out)
{
	struct splitter sp;

	memset(&sp, 0, sizeof sp);
	sp.s = s;
	sp.n = n;
	sp.limit = limit < 512 ? 512 : limit;
	sp.mode = M_TELEGRAM;
	sp.out = out;
	return run(&sp);
}

size_t
pb_slack_split(const char *s, size_t n, size_t limit, struct pb_parts *out)
{
	struct splitter sp;
	size_t a = 0, b = n;

	/* the common case: short enough already */
	while (a < n && is_ws(s[a]))
		a++;
	while (b > a && is_ws(s[b - 1]))
		b--;
	if (b > a && pb_utf16_len(s + a, b - a) <= (limit < 512 ? 512 : limit)) {
		pb_parts_push(out, pb_xstrndup(s + a, b - a));
		return 1;
	}

	memset(&sp, 0, sizeof sp);
	sp.s = s;
	sp.n = n;
	sp.limit = limit < 512 ? 512 : limit;
	sp.mode = M_SLACK;
	sp.out = out;
	return run(&sp);
}

size_t
pb_md_split(const char *s, size_t n, size_t limit, int bytes, struct pb_parts *out)
{
	struct splitter sp;
	size_t a = 0, b = n;

	limit = limit < 512 ? 512 : limit;
	while (a < n && is_ws(s[a]))
		a++;
	while (b > a && is_ws(s[b - 1]))
		b--;
	if (b > a && (bytes ? b - a : pb_utf16_len(s + a, b - a)) <= limit) {
		pb_parts_push(out, pb_xstrndup(s + a, b - a));
		return 1;
	}
	memset(&sp, 0, sizeof sp);
	sp.s = s;
	sp.n = n;
	sp.limit = limit;
	sp.mode = M_MD;
	sp.bytes = bytes;
	sp.sp_from = 1;   /* no run of spaces known yet */
	sp.out = out;
	return run(&sp);
}

/* ---- Telegram well-formedness ---- */

static int
allowed_tag(const char *s, size_t n)
{
	static const char *const tags[] = {
		"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
		"blockquote", "tg-spoiler",
	};

	for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++)
		if (strlen(tags[k]) == n && memcmp(tags[k], s, n) == 0)
			return 1;
	return 0;
}

long
pb_telegram_check(const char *s, size_t n)
{
	size_t st[MAX_STACK], stl[MAX_STACK], i = 0, units = 0, l;
	int depth = 0;

	while (i < n) {
		if (s[i] == '&') {
			l = entity_len(s + i, n - i);
			if (!l)
				return -1;
			if (s[i + 1] != '#' && !(l == 4 && memcmp(s + i, "&lt;", 4) == 0) &&
			    !(l == 4 && memcmp(s + i, "&gt;", 4) == 0) &&
			    !(l == 5 && memcmp(s + i, "&amp;", 5) == 0) &&
			    !(l == 6 && memcmp(s + i, "&quot;", 6) == 0))
				return -1;
			units++;
			i += l;
		} else if (s[i] == '<') {
			size_t j, nm, nl;
			int close = i + 1 < n && s[i + 1] == '/';

			for (j = i + 1; j < n && s[j] != '>' && s[j] != '<'; j++)
				;
			if (j >= n || s[j] != '>')
				return -1;
			nm = i + 1 + close;
			for (nl = 0; nm + nl < j && s[nm + nl] != ' '; nl++)
				;
			if (!allowed_tag(s + nm, nl))
				return -1;
			if (close) {
				if (nm + nl != j || depth == 0 || stl[depth - 1] != nl ||
				    memcmp(s + st[depth - 1], s + nm, nl) != 0)
					return -1;
				depth--;
			} else {
				if (nl == 1 && s[nm] == 'a' &&
				    (j - nm < 9 || memcmp(s + nm + 1, " href=\"", 7) != 0 ||
				     s[j - 1] != '"'))
					return -1;
				if (depth == MAX_STACK)
					return -1;
				st[depth] = nm;
				stl[depth] = nl;
				depth++;
			}
			i = j + 1;
		} else if (s[i] == '>') {
			return -1;
		} else {
			l = cp_len(s + i, n - i);
			units += (unsigned char)s[i] >= 0xf0 ? 2 : 1;
			i += l;
		}
	}
	return depth == 0 ? (long)units : -1;
}
