/* pb_mail_build with arbitrary From, To, Subject, text and HTML (NUL-separated fields): every
 * line ends in CRLF, none is longer than 998 octets, the header block holds no bare CR or LF and
 * no header line that the inputs could have injected; and built from blocks (pb_mail_build_blocks,
 * blocks placed where the input's bytes say, some of them wrong) it is the same message, every
 * piece noted for the state hashing to the bytes it covers. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/deliver.h"

static const char *
field(const char **p, const char *end)
{
	const char *s = *p;
	const char *z = memchr(s, '\0', (size_t)(end - s));

	*p = z ? z + 1 : end;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_config cfg;
	char *copy = malloc(size + 1), *m;
	const char *p, *end, *from, *to, *subj, *text, *html;
	size_t len, col = 0;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	end = copy + size;
	from = field(&p, end);
	to = p < end ? field(&p, end) : "";
	subj = p < end ? field(&p, end) : "";
	text = p < end ? field(&p, end) : "";
	html = p < end ? field(&p, end) : NULL;

	memset(&cfg, 0, sizeof cfg);
	cfg.email.from = (char *)from;
	cfg.email.unsubscribe_url = (char *)subj;
	cfg.email.unsubscribe_mailto = (char *)to;
	m = pb_mail_build(&cfg, to, subj, text, html, from, 0, &len);
	for (size_t i = 0; i < len; i++) {
		if (m[i] == '\r') {
			if (i + 1 >= len || m[i + 1] != '\n')
				abort();
			i++;
			col = 0;
			continue;
		}
		if (m[i] == '\n' || ++col > 998)
			abort();
	}
	if (col != 0)
		abort();
	/* The header block: every line is a known header or a continuation. */
	{
		static const char *const known[] = { "From:", "To:", "Subject:", "Date:",
			"Message-ID:", "MIME-Version:", "Auto-Submitted:", "List-Unsubscribe:",
			"List-Unsubscribe-Post:", "Content-Type:", "Content-Transfer-Encoding:" };
		const char *h = m, *hend = strstr(m, "\r\n\r\n");
		if (!hend)
			abort();
		while (h < hend + 2) {
			int ok = *h == ' ';
			for (size_t k = 0; !ok && k < sizeof known / sizeof known[0]; k++)
				ok = strncmp(h, known[k], strlen(known[k])) == 0;
			if (!ok)
				abort();
			h = strstr(h, "\r\n") + 2;
		}
	}
	/* The same message from blocks: spans of text and html chosen by the subject's bytes,
	 * every third one placed a byte off (the builder must leave those out). */
	{
		struct pb_block tv[8], hv[8];
		struct pb_block_memo memo[8];
		struct pb_blocks tb = { tv, 0, 8 }, hb = { hv, 0, 8 };
		struct pb_body_hints hints = { 0 };
		size_t tl = strlen(text), hl = html ? strlen(html) : 0, sl = strlen(subj), ml = 0;
		size_t tpos = 0, hpos = 0;
		char *mb;

		memset(memo, 0, sizeof memo);
		for (size_t k = 0; k + 1 < sl && k < 16; k += 2) {
			struct pb_blocks *b = k % 4 ? &hb : &tb;
			size_t *pos = k % 4 ? &hpos : &tpos, dl = k % 4 ? hl : tl;
			const char *doc = k % 4 ? html : text;
			size_t off = *pos + (unsigned char)subj[k] % 64, n = (unsigned char)subj[k + 1];

			if (!doc || b->n == 8 || off > dl || n > dl - off)
				continue;
			b->v[b->n] = (struct pb_block){ .off = off, .len = n, .bytes = doc + off,
							.memo = &memo[k / 2] };
			if (b->n % 3 == 2 && off + n < dl)
				b->v[b->n].off++;
			b->n++;
			*pos = off + n;
		}
		mb = pb_mail_build_blocks(&cfg, to, subj, text, html, from, 0, NULL, &tb, &hb,
					  &hints, &ml);
		if (ml != len || memcmp(mb, m, len) != 0)
			abort();
		for (size_t i = 0, e = 0; i < hints.n; i++) {
			struct pb_body_piece x;
			const struct pb_body_piece *q = hints.v[i].piece;

			if (hints.v[i].off < e || hints.v[i].off + q->len > ml)
				abort();
			pb_body_piece_hash(&x, mb + hints.v[i].off, q->len);
			if (x.fh != q->fh || memcmp(x.sha, q->sha, sizeof x.sha) != 0)
				abort();
			e = hints.v[i].off + q->len;
		}
		for (size_t i = 0; i < 8; i++) {
			free(memo[i].raw);
			free(memo[i].qpp);
			pb_buf_free(&memo[i].qp);
		}
		pb_body_hints_free(&hints);
		free(mb);
	}
	free(m);
	free(copy);
	return 0;
}
