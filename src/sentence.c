/* Sentence ends in scripts without spaces between sentences (include/paperboy/sentence.h). */
#include <ctype.h>
#include <string.h>

#include "paperboy/sentence.h"

/* A digit, ASCII or full-width, starting text[0..len) / ending text[0..end). */
static int
digit_starts(const char *t, size_t len)
{
	return (len >= 1 && isdigit((unsigned char)t[0])) ||
	       (len >= 3 && memcmp(t, "\xef\xbc", 2) == 0 && (unsigned char)t[2] >= 0x90 &&
		(unsigned char)t[2] <= 0x99);
}

static int
digit_ends(const char *t, size_t end)
{
	return (end >= 1 && isdigit((unsigned char)t[end - 1])) ||
	       (end >= 3 && digit_starts(t + end - 3, 3));
}

/* Marks that end a sentence whatever follows, in scripts written without a space between
 * sentences or without capitals to look for: the ideographic full stop and the full-width
 * ! ? and . (Chinese, Japanese), the half-width one, the Devanagari danda and double danda,
 * the Arabic question mark and the Urdu full stop. Returns the mark's bytes at text[i], or
 * 0. A full-width . between digits ("3．5") ends nothing. */
size_t
pb_sentence_stop(const char *text, size_t i, size_t len)
{
	static const char *const marks[] = {
		"\xe3\x80\x82", "\xef\xbc\x81", "\xef\xbc\x9f", "\xef\xbc\x8e",
		"\xef\xbd\xa1", "\xe0\xa5\xa4", "\xe0\xa5\xa5", "\xd8\x9f", "\xdb\x94",
	};

	if ((unsigned char)text[i] < 0xC0)
		return 0;
	for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
		size_t m = strlen(marks[k]);

		if (i + m > len || memcmp(text + i, marks[k], m) != 0)
			continue;
		if (k == 3 && digit_ends(text, i) && digit_starts(text + i + m, len - i - m))
			return 0;
		return m;
	}
	return 0;
}

/* Past the closing marks that stay with the sentence they end, from text[j]: ) ] " ', the
 * right quotes and the CJK closing brackets and quotes. */
size_t
pb_sentence_closers(const char *text, size_t j, size_t len)
{
	static const char *const closers[] = {
		"\xe2\x80\x9d", "\xe2\x80\x99", "\xe3\x80\x8d", "\xe3\x80\x8f",
		"\xe3\x80\x91", "\xe3\x80\x95", "\xe3\x80\x8b", "\xe3\x80\x89",
		"\xef\xbc\x89", "\xef\xbc\x82",
	};

	while (j < len) {
		size_t k;

		if (text[j] == ')' || text[j] == ']' || text[j] == '"' || text[j] == '\'') {
			j++;
			continue;
		}
		for (k = 0; k < sizeof closers / sizeof closers[0]; k++)
			if (j + 3 <= len && memcmp(text + j, closers[k], 3) == 0)
				break;
		if (k == sizeof closers / sizeof closers[0])
			break;
		j += 3;
	}
	return j;
}

