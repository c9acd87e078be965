/* The full text's cache form: one JSON object (cJSON). */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ft_int.h"

#define FT_JSON_VERSION 1

static void
add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
}

static void
add_list(cJSON *o, const char *k, char *const *v, size_t n)
{
	cJSON *a = cJSON_AddArrayToObject(o, k);

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i] ? v[i] : ""));
}

char *
pb_fulltext_to_json(const struct pb_fulltext *ft)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char *s;

	cJSON_AddNumberToObject(o, "v", FT_JSON_VERSION);
	add_str(o, "paper_key", ft->paper_key);
	add_str(o, "source", ft->source);
	if (ft->reader > 0)
		cJSON_AddNumberToObject(o, "reader", ft->reader);
	a = cJSON_AddArrayToObject(o, "sections");
	for (size_t i = 0; i < ft->n_sections; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "kind", pb_ft_kind_name(ft->sections[i].kind));
		add_str(e, "title", ft->sections[i].title);
		add_str(e, "text", ft->sections[i].text);
		cJSON_AddItemToArray(a, e);
	}
	a = cJSON_AddArrayToObject(o, "figures");
	for (size_t i = 0; i < ft->n_figures; i++) {
		cJSON *e = cJSON_CreateObject();

		add_str(e, "caption", ft->figures[i].caption);
		add_str(e, "image_url", ft->figures[i].image_url);
		add_str(e, "alt", ft->figures[i].alt);
		cJSON_AddItemToArray(a, e);
	}
	add_list(o, "tables", ft->tables, ft->n_tables);
	add_list(o, "links", ft->links, ft->n_links);
	add_list(o, "affiliations", ft->affiliations, ft->n_affiliations);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		abort();   /* cJSON fails only when out of memory */
	return s;
}

static char *
get_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) && v->valuestring ? pb_xstrdup(v->valuestring) : NULL;
}

/* The strings of array k, at most max of them. Returns -1 when k is there but not an array
 * of strings. */
static int
get_list(const cJSON *o, const char *k, char ***v, size_t *n, size_t max)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, k), *e;
	size_t cnt;

	*v = NULL;
	*n = 0;
	if (!a)
		return 0;
	if (!cJSON_IsArray(a))
		return -1;
	cnt = (size_t)cJSON_GetArraySize(a);
	if (cnt > max)
		cnt = max;
	if (!cnt)
		return 0;
	*v = pb_xcalloc(cnt, sizeof **v);
	cJSON_ArrayForEach(e, a) {
		if (*n >= cnt)
			break;
		if (!cJSON_IsString(e))
			return -1;
		(*v)[(*n)++] = pb_xstrdup(e->valuestring);
	}
	return 0;
}

int
pb_fulltext_from_json(const char *json, size_t len, struct pb_fulltext *out)
{
	cJSON *o = NULL;
	const cJSON *a, *e;
	int rc = -1;

	memset(out, 0, sizeof *out);
	o = cJSON_ParseWithLength(json, len);
	if (!cJSON_IsObject(o))
		goto out;
	e = cJSON_GetObjectItemCaseSensitive(o, "v");
	if (!cJSON_IsNumber(e) || e->valueint != FT_JSON_VERSION)
		goto out;
	out->paper_key = get_str(o, "paper_key");
	out->source = get_str(o, "source");
	e = cJSON_GetObjectItemCaseSensitive(o, "reader");
	if (cJSON_IsNumber(e) && e->valuedouble >= 1 && e->valuedouble <= 1e6)
		out->reader = e->valueint;
	a = cJSON_GetObjectItemCaseSensitive(o, "sections");
	if (a && !cJSON_IsArray(a))
		goto out;
	if (a && cJSON_GetArraySize(a) > 0) {
		size_t cnt = (size_t)cJSON_GetArraySize(a);

		if (cnt > FT_MAX_SECTIONS)
			cnt = FT_MAX_SECTIONS;
		out->sections = pb_xcalloc(cnt, sizeof *out->sections);
		cJSON_ArrayForEach(e, a) {
			struct pb_ft_section *s;
			const cJSON *k = cJSON_GetObjectItemCaseSensitive(e, "kind"), *t;

			if (out->n_sections >= cnt)
				break;
			if (!cJSON_IsObject(e))
				goto out;
			t = cJSON_GetObjectItemCaseSensitive(e, "text");
			if (!cJSON_IsString(t) || !t->valuestring || !t->valuestring[0])
				continue;   /* a section is its text: none written, none read */
			s = &out->sections[out->n_sections++];
			s->kind = cJSON_IsString(k) ? pb_ft_kind_parse(k->valuestring) : PB_FT_OTHER;
			s->title = get_str(e, "title");
			s->text = get_str(e, "text");
		}
	}
	a = cJSON_GetObjectItemCaseSensitive(o, "figures");
	if (a && !cJSON_IsArray(a))
		goto out;
	if (a && cJSON_GetArraySize(a) > 0) {
		size_t cnt = (size_t)cJSON_GetArraySize(a);

		if (cnt > FT_MAX_FIGURES)
			cnt = FT_MAX_FIGURES;
		out->figures = pb_xcalloc(cnt, sizeof *out->figures);
		cJSON_ArrayForEach(e, a) {
			struct pb_ft_figure *f;

			if (out->n_figures >= cnt)
				break;
			if (!cJSON_IsObject(e))
				goto out;
			f = &out->figures[out->n_figures++];
			f->caption = get_str(e, "caption");
			f->image_url = get_str(e, "image_url");
			f->alt = get_str(e, "alt");
		}
	}
	if (get_list(o, "tables", &out->tables, &out->n_tables, FT_MAX_TABLES) < 0 ||
	    get_list(o, "links", &out->links, &out->n_links, FT_MAX_LINKS) < 0 ||
	    get_list(o, "affiliations", &out->affiliations, &out->n_affiliations,
		     FT_MAX_AFFILIATIONS) < 0)
		goto out;
	rc = 0;
out:
	cJSON_Delete(o);
	if (rc != 0)
		pb_fulltext_clear(out);
	return rc;
}
