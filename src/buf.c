#include "paperboy/buf.h"
#include "paperboy/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
oom(size_t n)
{
	fprintf(stderr, "paperboy: out of memory allocating %zu bytes\n", n);
	abort();
}

void *
pb_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *
pb_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *
pb_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

void *
pb_xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size && nmemb > SIZE_MAX / size)
		oom(SIZE_MAX);
	return pb_xrealloc(p, nmemb * size);
}

char *
pb_xstrdup(const char *s)
{
	if (!s)
		return NULL;
	return pb_xstrndup(s, strlen(s));
}

char *
pb_xstrndup(const char *s, size_t n)
{
	char *p;

	if (!s)
		return NULL;
	p = pb_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
pb_buf_init(struct pb_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
pb_buf_free(struct pb_buf *b)
{
	if (!b)
		return;
	free(b->data);
	pb_buf_init(b);
}

void
pb_buf_reset(struct pb_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
pb_buf_reserve(struct pb_buf *b, size_t n)
{
	size_t need, cap;

	if (n > SIZE_MAX - b->len - 1)
		oom(SIZE_MAX);
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = pb_xrealloc(b->data, cap);
	b->cap = cap;
}

void
pb_buf_append(struct pb_buf *b, const void *p, size_t n)
{
	pb_buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
pb_buf_puts(struct pb_buf *b, const char *s)
{
	pb_buf_append(b, s, strlen(s));
}

void
pb_buf_putc(struct pb_buf *b, char c)
{
	pb_buf_reserve(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void
pb_buf_put_size(struct pb_buf *b, size_t v)
{
	char d[24];
	size_t n = 0;

	do
		d[sizeof d - ++n] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	pb_buf_append(b, d + sizeof d - n, n);
}

void
pb_buf_vprintf(struct pb_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	pb_buf_reserve(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		pb_buf_reserve(b, (size_t)n);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		if (n < 0)
			return;
	}
	b->len += (size_t)n;
}

void
pb_buf_printf(struct pb_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pb_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
pb_buf_truncate(struct pb_buf *b, size_t n)
{
	if (n >= b->len)
		return;
	b->len = n;
	b->data[n] = '\0';
}

char *
pb_buf_detach(struct pb_buf *b)
{
	char *p = b->data;

	if (!p)
		p = pb_xstrdup("");
	pb_buf_init(b);
	return p;
}

const char *
pb_buf_str(const struct pb_buf *b)
{
	return b->data ? b->data : "";
}
