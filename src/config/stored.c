/* Subscribers kept outside the file (the state's subscribers table) as JSON objects with the
 * config's subscriber keys. They are turned into libconfig settings and appended to the file's
 * subscriber list before the walk, so the key table checks them exactly as it checks the file:
 * types, bounds, formats, destinations, the root keys a channel requires, duplicate names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"
#include "paperboy/buf.h"

#define MAX_DEPTH 5   /* a subscriber's keys 2, a topic 3, its keys 4, their lists' elements 5 */

static int
add_value(config_setting_t *parent, const char *name, const cJSON *v, int depth, char *msg,
	  size_t n);

static int
add_members(config_setting_t *grp, const cJSON *obj, int depth, char *msg, size_t n)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, obj) {
		if (!m->string || !*m->string)
			return snprintf(msg, n, "a member without a name"), -1;
		if (config_setting_get_member(grp, m->string))
			return snprintf(msg, n, "\"%.60s\" given twice", m->string), -1;
		if (add_value(grp, m->string, m, depth + 1, msg, n) < 0)
			return -1;
	}
	return 0;
}

static int
add_value(config_setting_t *parent, const char *name, const cJSON *v, int depth, char *msg,
	  size_t n)
{
	config_setting_t *s = NULL;
	const char *what = name ? name : "an element";

	if (depth > MAX_DEPTH)
		return snprintf(msg, n, "%.60s: nested too deeply", what), -1;
	if (cJSON_IsString(v)) {
		if ((s = config_setting_add(parent, name, CONFIG_TYPE_STRING)))
			config_setting_set_string(s, v->valuestring);
	} else if (cJSON_IsBool(v)) {
		if ((s = config_setting_add(parent, name, CONFIG_TYPE_BOOL)))
			config_setting_set_bool(s, cJSON_IsTrue(v));
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d == floor(d) && fabs(d) < 9e15) {
			int big = d > 2147483647.0 || d < -2147483648.0;

			if ((s = config_setting_add(parent, name, big ? CONFIG_TYPE_INT64
							       : CONFIG_TYPE_INT)))
				big ? config_setting_set_int64(s, (long long)d)
				    : config_setting_set_int(s, (int)d);
		} else if ((s = config_setting_add(parent, name, CONFIG_TYPE_FLOAT))) {
			config_setting_set_float(s, d);
		}
	} else if (cJSON_IsArray(v)) {
		const cJSON *e;

		if ((s = config_setting_add(parent, name, CONFIG_TYPE_LIST)))
			cJSON_ArrayForEach(e, v)
				if (add_value(s, NULL, e, depth + 1, msg, n) < 0)
					return -1;
	} else if (cJSON_IsObject(v)) {
		if ((s = config_setting_add(parent, name, CONFIG_TYPE_GROUP)) &&
		    add_members(s, v, depth, msg, n) < 0)
			return -1;
	} else {
		return snprintf(msg, n, "%.60s: null is not a value", what), -1;
	}
	if (!s)   /* libconfig refuses names outside [A-Za-z*][-A-Za-z0-9_*]* */
		return snprintf(msg, n, "\"%.60s\" is not a key", what), -1;
	return 0;
}

static int
parse_object(const char *json, cJSON **out, char *msg, size_t n)
{
	cJSON *j = cJSON_Parse(json ? json : "");

	*out = NULL;
	if (!j) {
		snprintf(msg, n, "not JSON");
		return -1;
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		snprintf(msg, n, "not a JSON object");
		return -1;
	}
	*out = j;
	return 0;
}

int
pb_cfg_add_stored(config_setting_t *root, const char *const *settings, size_t n_settings,
		  char *msg, size_t n)
{
	config_setting_t *list = config_setting_get_member(root, "subscribers");

	if (!n_settings)
		return 0;
	if (!list && !(list = config_setting_add(root, "subscribers", CONFIG_TYPE_LIST)))
		return snprintf(msg, n, "cannot add the subscriber list"), -1;
	if (config_setting_type(list) != CONFIG_TYPE_LIST)
		return 0;   /* the walk reports the file's mistake */
	for (size_t i = 0; i < n_settings; i++) {
		cJSON *j;
		config_setting_t *g;
		char m[300];

		if (parse_object(settings[i], &j, m, sizeof m) < 0)
			return snprintf(msg, n, "stored subscriber %zu: %s", i + 1, m), -1;
		g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
		if (!g || add_members(g, j, 1, m, sizeof m) < 0) {
			cJSON_Delete(j);
			return snprintf(msg, n, "stored subscriber %zu: %s", i + 1,
					g ? m : "cannot be added"), -1;
		}
		cJSON_Delete(j);
	}
	return 0;
}

/* A value written as text on a command line, typed as the key table says. */
int
pb_config_stored_set(struct cJSON *j, const char *key, const char *value, char *msg, size_t n)
{
	cJSON *item = NULL;
	char base[96], tag[40];
	const struct pb_ckey *k = NULL;
	size_t kl = strlen(key);

	for (size_t i = 0; i < pb_n_ckeys; i++) {
		const struct pb_ckey *c = &pb_ckeys[i];
		size_t l = strlen(c->path);

		if (c->scope != KS_SUB)
			continue;
		if (c->type == KT_SECRET && kl > l && strncmp(key, c->path, l) == 0 &&
		    (strcmp(key + l, "_env") == 0 || strcmp(key + l, "_file") == 0)) {
			k = c;
			break;
		}
		if (c->type != KT_SECRET && strcmp(key, c->path) == 0) {
			k = c;
			break;
		}
	}
	snprintf(base, sizeof base, "%.90s", key);
	if (!k)
		return snprintf(msg, n, "\"%.60s\" is not a subscriber key%s", key,
				pb_cfg_key_index(KS_SUB, key) >= 0 ?
				" (a secret is given as KEY_env or KEY_file)" : ""), -1;
	if (k->type == KT_TOPICS || strcmp(k->path, "name") == 0)
		return snprintf(msg, n, "%s is not set with --set", key), -1;
	switch (k->type) {
	case KT_INT:
	case KT_LONG:
	case KT_DOUBLE: {
		char *end;
		double d = strtod(value, &end);

		if (end == value || *end)
			return snprintf(msg, n, "%s: \"%.40s\" is not a number", key, value), -1;
		item = cJSON_CreateNumber(d);
		break;
	}
	case KT_BOOL:
	case KT_TRI:
		if (strcmp(value, "true") && strcmp(value, "false"))
			return snprintf(msg, n, "%s: give true or false", key), -1;
		item = cJSON_CreateBool(strcmp(value, "true") == 0);
		break;
	case KT_LIST: {
		cJSON *a = cJSON_GetObjectItemCaseSensitive(j, base);

		/* repeated --set KEY=V adds to the list */
		if (!cJSON_IsArray(a)) {
			cJSON_DeleteItemFromObjectCaseSensitive(j, base);
			a = cJSON_AddArrayToObject(j, base);
		}
		cJSON_AddItemToArray(a, cJSON_CreateString(value));
		return 0;
	}
	default:
		if ((k->flags & KF_LANGTAG) && strlen(value) < sizeof tag &&
		    pb_check_language(value, msg, n) == 0) {
			/* the row holds what the loader makes of it ("EN" is "en"); a bad one
			 * is refused by the load, quoted as written */
			snprintf(tag, sizeof tag, "%s", value);
			pb_language_case(tag);
			value = tag;
		}
		item = cJSON_CreateString(value);
		break;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(j, base);
	cJSON_AddItemToObject(j, base, item);
	return 0;
}

void
pb_config_drop_subscriber(struct pb_config *cfg, size_t i)
{
	if (i >= cfg->n_subscribers)
		return;
	pb_cfg_free_subscriber(cfg, &cfg->subscribers[i]);
	memmove(&cfg->subscribers[i], &cfg->subscribers[i + 1],
		(cfg->n_subscribers - i - 1) * sizeof cfg->subscribers[0]);
	cfg->n_subscribers--;
	/* the indexes past i moved: until pb_config_index_subscribers, names are scanned for */
	pb_cfg_names_free(cfg->names);
	cfg->names = NULL;
}

void
pb_config_drop_marked(struct pb_config *cfg, const bool *drop)
{
	size_t k = 0;

	for (size_t i = 0; i < cfg->n_subscribers; i++) {
		if (drop[i]) {
			pb_config_add_left_out(cfg, cfg->subscribers[i].name);
			pb_cfg_free_subscriber(cfg, &cfg->subscribers[i]);
			continue;
		}
		if (k++ != i)
			cfg->subscribers[k - 1] = cfg->subscribers[i];
	}
	cfg->n_subscribers = k;
	pb_config_index_subscribers(cfg);
}

void
pb_config_add_left_out(struct pb_config *cfg, const char *name)
{
	if (!name)
		return;
	cfg->left_out = pb_xreallocarray(cfg->left_out, cfg->n_left_out + 1,
					 sizeof *cfg->left_out);
	cfg->left_out[cfg->n_left_out++] = pb_xstrdup(name);
}

/* A scan: only asked of a name delivery finds in no subscriber, once a run. */
int
pb_config_left_out(const struct pb_config *cfg, const char *name)
{
	for (size_t i = 0; cfg && name && i < cfg->n_left_out; i++)
		if (strcmp(cfg->left_out[i], name) == 0)
			return 1;
	return 0;
}
