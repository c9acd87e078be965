/* Author names, as readers write them in like_authors and as arXiv's answers list them, from
 * arbitrary bytes: the au: query never crashes, is empty or in arXiv's two forms, and carries
 * no character that would end its terms early; a name is always its own author. The input is
 * "NAME\nLISTED". */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/buf.h"
#include "paperboy/rank.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *listed;
	struct pb_buf q = { 0 };
	const char *or;

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	listed = strchr(in, '\n');
	if (listed)
		*listed++ = '\0';
	pb_likes_author_query(in, &q);
	if (q.len) {
		if (strncmp(q.data, "au:\"", 4) != 0 || !(or = strstr(q.data + 4, "\" OR au:")))
			abort();
		/* the underscore form: no quote, colon, parenthesis or space */
		if (or[8] == '\0' || strpbrk(or + 8, "\":() \t\n\r\\{},"))
			abort();
		/* the quoted form: nothing that ends the phrase or starts a field */
		for (const char *c = q.data + 4; c < or; c++)
			if (*c == ':' || *c == '(' || *c == ')' || *c == '\\' || (unsigned char)*c < 0x20)
				abort();
	}
	(void)pb_likes_same_author(in, listed ? listed : in);
	pb_buf_free(&q);
	free(in);
	return 0;
}
