/* application/x-www-form-urlencoded, as browsers send forms and as query strings come: '&'
 * between fields, '=' between name and value, '+' for a space, %XX for a byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/fold.h"
#include "paperboy/web.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes n bytes of s into a new string; NULL with msg on a bad escape or a byte not allowed. */
static char *
decode(const char *s, size_t n, size_t *outlen, const char *what, char *msg, size_t msglen)
{
	char *out = pb_xmalloc(n + 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
				snprintf(msg, msglen, "%s: a '%%' without two hex digits", what);
				free(out);
				return NULL;
			}
			c = (unsigned char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		}
		if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) {
			snprintf(msg, msglen, "%s: a control character (0x%02x)", what, c);
			free(out);
			return NULL;
		}
		out[k++] = (char)c;
	}
	out[k] = '\0';
	if (!pb_utf8_valid(out, k)) {
		snprintf(msg, msglen, "%s: not valid UTF-8", what);
		free(out);
		return NULL;
	}
	*outlen = k;
	return out;
}

int
pb_form_parse(const char *s, size_t len, struct pb_form *f, char *msg, size_t msglen)
{
	size_t i = 0;

	memset(f, 0, sizeof *f);
	while (i < len) {
		size_t end = i, eq, nlen, vlen = 0;
		char *name, *value;

		while (end < len && s[end] != '&')
			end++;
		if (end == i) {                 /* "a=1&&b=2": an empty field is skipped */
			i = end + 1;
			continue;
		}
		for (eq = i; eq < end && s[eq] != '='; eq++)
			;
		if (f->n == PB_FORM_MAX_FIELDS) {
			snprintf(msg, msglen, "more than %d fields", PB_FORM_MAX_FIELDS);
			pb_form_free(f);
			return -1;
		}
		if (!(name = decode(s + i, eq - i, &nlen, "a field's name", msg, msglen))) {
			pb_form_free(f);
			return -1;
		}
		if (nlen == 0 || nlen > 64) {
			snprintf(msg, msglen, "a field's name is %s", nlen ? "longer than 64 bytes"
									 : "empty");
			free(name);
			pb_form_free(f);
			return -1;
		}
		value = eq < end ? decode(s + eq + 1, end - eq - 1, &vlen, name, msg, msglen)
				 : pb_xstrdup("");
		if (!value) {
			free(name);
			pb_form_free(f);
			return -1;
		}
		f->f[f->n].name = name;
		f->f[f->n].value = value;
		f->f[f->n].value_len = vlen;
		f->n++;
		i = end + 1;
	}
	return 0;
}

const char *
pb_form_get(const struct pb_form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->f[i].name, name) == 0)
			return f->f[i].value;
	return NULL;
}

void
pb_form_free(struct pb_form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->f[i].name);
		free(f->f[i].value);
	}
	memset(f, 0, sizeof *f);
}
