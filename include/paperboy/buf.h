/* Growable byte buffer and the one allocation wrapper. */
#ifndef PAPERBOY_BUF_H
#define PAPERBOY_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* A NUL-terminated growable buffer. len excludes the NUL. A zeroed struct is an empty buffer. */
struct pb_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Allocation wrappers: on failure they log and abort, so callers never test for NULL. */
void *pb_xmalloc(size_t n);
void *pb_xcalloc(size_t nmemb, size_t size);
void *pb_xrealloc(void *p, size_t n);
/* Multiplies with overflow check (aborts on overflow). */
void *pb_xreallocarray(void *p, size_t nmemb, size_t size);
/* Returns a copy owned by the caller; pb_xstrdup(NULL) returns NULL. */
char *pb_xstrdup(const char *s);
char *pb_xstrndup(const char *s, size_t n);

void pb_buf_init(struct pb_buf *b);
/* Releases the storage and leaves an empty buffer; accepts NULL. */
void pb_buf_free(struct pb_buf *b);
/* Keeps the storage, sets len to 0. */
void pb_buf_reset(struct pb_buf *b);
/* Makes room for at least n more bytes plus the NUL. */
void pb_buf_reserve(struct pb_buf *b, size_t n);
void pb_buf_append(struct pb_buf *b, const void *p, size_t n);
void pb_buf_puts(struct pb_buf *b, const char *s);
void pb_buf_putc(struct pb_buf *b, char c);
/* v in decimal, as "%zu" writes it, without a format to read (a line of a long list). */
void pb_buf_put_size(struct pb_buf *b, size_t v);
void pb_buf_printf(struct pb_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pb_buf_vprintf(struct pb_buf *b, const char *fmt, va_list ap);
/* Shortens to n bytes (n <= len). */
void pb_buf_truncate(struct pb_buf *b, size_t n);
/* Returns the contents as a NUL-terminated string owned by the caller (never NULL) and
 * leaves b empty. */
char *pb_buf_detach(struct pb_buf *b);
/* Returns a NUL-terminated view, "" for an empty buffer; borrowed. */
const char *pb_buf_str(const struct pb_buf *b);

#endif
