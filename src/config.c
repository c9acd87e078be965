/* Placeholder: the config loader lands with the configuration module. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paperboy/config.h"

struct pb_config *
pb_config_load(const char *path, struct pb_config_error *err)
{
	snprintf(err->file, sizeof err->file, "%s", path);
	snprintf(err->message, sizeof err->message, "configuration loading is not built yet");
	return NULL;
}

void
pb_config_free(struct pb_config *cfg)
{
	free(cfg);
}

const char *
pb_config_default_path(const char *explicit_path)
{
	const char *e = getenv("PAPERBOY_CONFIG");

	if (explicit_path)
		return explicit_path;
	if (e && *e)
		return e;
	return "paperboy.conf";
}

const struct pb_subscriber *
pb_config_subscriber(const struct pb_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_subscribers; i++)
		if (strcmp(cfg->subscribers[i].name, name) == 0)
			return &cfg->subscribers[i];
	return NULL;
}

void
pb_config_error_format(const struct pb_config_error *err, char *buf, size_t n)
{
	snprintf(buf, n, "%s:%d: %s: %s", err->file, err->line, err->key, err->message);
}
