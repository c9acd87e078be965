/* The one table of configuration keys: type, default, bounds, check and where each is stored.
 * Loading, defaulting, validation, suggestions for misspelt keys and the documentation test all
 * read it; adding a key means adding one line here (and its field in config.h). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "paperboy/state.h"
#include "paperboy/summarize.h"

#define R(f) offsetof(struct pb_config, f)
#define S(f) offsetof(struct pb_subscriber, f)
#define T(f) offsetof(struct pb_topic, f)
#define NB 1, 0   /* no bounds */

static bool
need_api_key(const struct pb_config *cfg, const void *base)
{
	(void)base;
	return cfg->summary.enabled;
}

static bool
need_embed_key(const struct pb_config *cfg, const void *base)
{
	(void)base;
	return cfg->embeddings.enabled;
}

static bool
need_password(const struct pb_config *cfg, const void *base)
{
	(void)base;
	return cfg->email.enabled;
}

static bool
need_token(const struct pb_config *cfg, const void *base)
{
	(void)base;
	if (cfg->telegram.commands)
		return true;
	for (size_t i = 0; i < cfg->n_subscribers; i++)
		if (cfg->subscribers[i].telegram_chat)
			return true;
	return false;
}

static bool
need_matrix_token(const struct pb_config *cfg, const void *base)
{
	(void)base;
	for (size_t i = 0; i < cfg->n_subscribers; i++)
		if (cfg->subscribers[i].matrix_room)
			return true;
	return false;
}

static bool
need_ntfy_token(const struct pb_config *cfg, const void *base)
{
	(void)base;
	for (size_t i = 0; i < cfg->n_subscribers; i++)
		if (cfg->subscribers[i].ntfy_topic)
			return true;
	return false;
}

/* A server name: a DNS name or IPv4 address, or an [IPv6] literal, then an optional :port. */
static bool
matrix_server_name(const char *s)
{
	size_t n = *s == '[' ? strcspn(s, "]") + 1 : strspn(s, "abcdefghijklmnopqrstuvwxyz"
					"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");

	if (*s == '[' && (s[n - 1] != ']' || strspn(s + 1, "0123456789abcdefABCDEF:.") != n - 2))
		return false;
	if (n < (*s == '[' ? 4u : 1u) || n > 230)
		return false;
	if (s[n] == ':')
		return strspn(s + n + 1, "0123456789") == strlen(s + n + 1) && s[n + 1] &&
		       strlen(s + n + 1) <= 5;
	return s[n] == '\0';
}

/* A room id: "!" and an opaque part of printable ASCII, with ":server" (room versions up to
 * 11) or without (version 12: the hash of the create event). An alias "#name:server" is not
 * resolved: the id is stable, an alias can be pointed at another room. */
static int
check_matrix_room(const char *v, char *msg, size_t n)
{
	const char *colon = strchr(v, ':');
	size_t len = strlen(v);

	if (v[0] == '#')
		return snprintf(msg, n, "\"%.80s\" is a room alias: give the room id instead "
				"(\"!...\", in the room's settings under Advanced)", v), -1;
	if (v[0] != '!' || len < 2 || len > 255 || colon == v + 1)
		goto fail;
	for (const char *c = v + 1; *c; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			goto fail;
	if (colon && !matrix_server_name(colon + 1))
		goto fail;
	return 0;
fail:
	return snprintf(msg, n, "\"%.80s\" is not a Matrix room id (\"!opaque:example.org\", "
			"or \"!\" and the 43 characters of a version 12 room id)", v), -1;
}

static int
check_matrix_msgtype(const char *v, char *msg, size_t n)
{
	if (strcmp(v, "m.notice") == 0 || strcmp(v, "m.text") == 0)
		return 0;
	return snprintf(msg, n, "\"%.40s\" is not m.notice or m.text", v), -1;
}

/* state.conninfo is needed with the PostgreSQL backend. */
static bool
need_conninfo(const struct pb_config *cfg, const void *base)
{
	(void)base;
	return cfg->state_backend && strcmp(cfg->state_backend, "postgresql") == 0;
}

static int
check_state_backend(const char *v, char *msg, size_t n)
{
	if (strcmp(v, "sqlite") == 0 || strcmp(v, "postgresql") == 0)
		return 0;
	snprintf(msg, n, "not a state backend: give \"sqlite\" or \"postgresql\"");
	return -1;
}

/* Written in the config, so never a password: that one belongs in conninfo_env or _file. */
static int
check_conninfo(const char *v, char *msg, size_t n)
{
	return pb_state_conninfo_check(v, 0, msg, n);
}

/* ntfy's rule for a topic name. */
static int
check_ntfy_topic(const char *v, char *msg, size_t n)
{
	size_t len = strlen(v);

	if (len >= 1 && len <= 64 && strspn(v, "-_abcdefghijklmnopqrstuvwxyz"
					      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == len)
		return 0;
	snprintf(msg, n, "not an ntfy topic name: 1 to 64 of A-Z a-z 0-9 _ -");
	return -1;
}

/* A machine's name is shown by status and kept in claims: one short line of visible ASCII. */
static int
check_machine(const char *v, char *msg, size_t n)
{
	size_t len = strlen(v);

	if (len >= 1 && len <= 100 && strspn(v, "-_.:@abcdefghijklmnopqrstuvwxyz"
					      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == len)
		return 0;
	snprintf(msg, n, "not a machine name: 1 to 100 of A-Z a-z 0-9 - _ . : @");
	return -1;
}

const struct pb_ckey pb_ckeys[] = {
	/* scope, path, type, off, off_n, def_s, def_n, min, max, check, needed, flags, requires */
	{ KS_ROOT, "state_dir", KT_STR, R(state_dir), 0, "/var/lib/paperboy", 0, NB, pb_check_line, NULL, KF_NONEMPTY, NULL },
	{ KS_ROOT, "state", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "state.backend", KT_STR, R(state_backend), 0, "sqlite", 0, NB, check_state_backend, NULL, 0, NULL },
	{ KS_ROOT, "state.conninfo", KT_STR, R(state_conninfo), 0, NULL, 0, NB, check_conninfo, NULL, KF_NONEMPTY, NULL },
	{ KS_ROOT, "state.conninfo", KT_SECRET, R(state_conninfo_secret), 0, NULL, 0, NB, NULL, need_conninfo, 0, NULL },
	{ KS_ROOT, "state.machine", KT_STR, R(state_machine), 0, NULL, 0, NB, check_machine, NULL, KF_NONEMPTY, NULL },
	{ KS_ROOT, "state.lease_s", KT_INT, R(state_lease_s), 0, NULL, 60, 5, 3600, NULL, NULL, 0, NULL },
	{ KS_ROOT, "timezone", KT_STR, R(timezone), 0, "UTC", 0, NB, pb_check_timezone, NULL, 0, NULL },
	{ KS_ROOT, "schedule", KT_LIST, R(schedule), R(n_schedule), "02:00", 0, 1, 64, pb_check_schedule, NULL, KF_NONEMPTY, NULL },
	{ KS_ROOT, "user_agent", KT_STR, R(user_agent), 0, "paperboy/0.1 (arXiv digest bot)", 0, NB, pb_check_line, NULL, KF_NONEMPTY, NULL },
	{ KS_ROOT, "ca_file", KT_STR, R(ca_file), 0, NULL, 0, NB, pb_check_readable, NULL, KF_CONFDIR | KF_NONEMPTY, NULL },
	{ KS_ROOT, "log_level", KT_STR, R(log_level), 0, "info", 0, NB, pb_check_log_level, NULL, 0, NULL },
	{ KS_ROOT, "retention_days", KT_INT, R(retention_days), 0, NULL, 90, 1, 36500, NULL, NULL, 0, NULL },
	{ KS_ROOT, "catchup_days", KT_INT, R(catchup_days), 0, NULL, 7, 0, 365, NULL, NULL, 0, NULL },
	{ KS_ROOT, "holidays", KT_LIST, R(holidays), R(n_holidays), NULL, 0, NB, pb_check_date, NULL, 0, NULL },
	{ KS_ROOT, "subject", KT_STR, R(subject), 0, NULL, 0, NB, pb_subject_check, NULL, 0, NULL },

	{ KS_ROOT, "arxiv", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "arxiv.categories", KT_LIST, R(arxiv.categories), R(arxiv.n_categories), NULL, 0, NB, pb_check_category, NULL, KF_REQUIRED | KF_NONEMPTY, NULL },
	{ KS_ROOT, "arxiv.rss_url", KT_STR, R(arxiv.rss_url), 0, "https://rss.arxiv.org/rss", 0, NB, pb_check_http_url, NULL, 0, NULL },
	{ KS_ROOT, "arxiv.api_url", KT_STR, R(arxiv.api_url), 0, "https://export.arxiv.org/api/query", 0, NB, pb_check_http_url, NULL, 0, NULL },
	{ KS_ROOT, "arxiv.request_interval_ms", KT_INT, R(arxiv.request_interval_ms), 0, NULL, 3000, 0, 600000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "arxiv.timeout", KT_INT, R(arxiv.timeout_s), 0, NULL, 60, 1, 3600, NULL, NULL, 0, NULL },
	{ KS_ROOT, "arxiv.max_retries", KT_INT, R(arxiv.max_retries), 0, NULL, 5, 0, 50, NULL, NULL, 0, NULL },
	{ KS_ROOT, "arxiv.idlist_batch", KT_INT, R(arxiv.idlist_batch), 0, NULL, 100, 1, 2000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "arxiv.page_size", KT_INT, R(arxiv.page_size), 0, NULL, 1000, 1, 2000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "arxiv.fill_metadata", KT_BOOL, R(arxiv.fill_metadata), 0, NULL, 1, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "arxiv.stale_deadline_min", KT_INT, R(arxiv.stale_deadline_min), 0, NULL, 120, 0, 1440, NULL, NULL, 0, NULL },

	{ KS_ROOT, "summary", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "summary.enabled", KT_BOOL, R(summary.enabled), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "summary.base_url", KT_STR, R(summary.base_url), 0, NULL, 0, NB, pb_check_http_url, NULL, 0, NULL },
	{ KS_ROOT, "summary.model", KT_STR, R(summary.model), 0, NULL, 0, NB, pb_check_line, NULL, KF_NONEMPTY, NULL },
	{ KS_ROOT, "summary.api_key", KT_SECRET, R(summary.api_key), 0, NULL, 0, NB, NULL, need_api_key, 0, NULL },
	{ KS_ROOT, "summary.prompt_dir", KT_STR, R(summary.prompt_dir), 0, NULL, 0, NB, pb_check_line, NULL, KF_CONFDIR | KF_NONEMPTY, NULL },
	{ KS_ROOT, "summary.temperature", KT_DOUBLE, R(summary.temperature), 0, NULL, 0.2, 0, 2, NULL, NULL, 0, NULL },
	{ KS_ROOT, "summary.timeout", KT_INT, R(summary.timeout_s), 0, NULL, 60, 1, 3600, NULL, NULL, 0, NULL },
	{ KS_ROOT, "summary.max_tokens", KT_INT, R(summary.max_tokens), 0, NULL, 1024, 16, 1000000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "summary.daily_token_budget", KT_LONG, R(summary.daily_token_budget), 0, NULL, 0, 0, 1e15, NULL, NULL, 0, NULL },
	{ KS_ROOT, "summary.deadline", KT_INT, R(summary.deadline_s), 0, NULL, 600, 1, 86400, NULL, NULL, 0, NULL },
	{ KS_ROOT, "summary.concurrency", KT_INT, R(summary.concurrency), 0, NULL, 4, 1, 64, NULL, NULL, 0, NULL },
	{ KS_ROOT, "summary.analysis", KT_BOOL, R(summary.analysis), 0, NULL, 1, NB, NULL, NULL, 0, NULL },

	{ KS_ROOT, "rank", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "rank.half_life_days", KT_DOUBLE, R(rank.half_life_days), 0, NULL, 365, 1, 36500, NULL, NULL, 0, NULL },
	{ KS_ROOT, "rank.min_labels", KT_INT, R(rank.min_labels), 0, NULL, 20, 2, 100000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "rank.corpus_days", KT_INT, R(rank.corpus_days), 0, NULL, 120, 1, 3650, NULL, NULL, 0, NULL },
	{ KS_ROOT, "rank.lookup_max", KT_INT, R(rank.lookup_max), 0, NULL, 500, 0, 100000, NULL, NULL, 0, NULL },

	{ KS_ROOT, "embeddings", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "embeddings.enabled", KT_BOOL, R(embeddings.enabled), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "embeddings.base_url", KT_STR, R(embeddings.base_url), 0, NULL, 0, NB, pb_check_http_url, NULL, 0, NULL },
	{ KS_ROOT, "embeddings.model", KT_STR, R(embeddings.model), 0, NULL, 0, NB, pb_check_line, NULL, KF_NONEMPTY, NULL },
	{ KS_ROOT, "embeddings.api_key", KT_SECRET, R(embeddings.api_key), 0, NULL, 0, NB, NULL, need_embed_key, 0, NULL },
	{ KS_ROOT, "embeddings.timeout", KT_INT, R(embeddings.timeout_s), 0, NULL, 30, 1, 3600, NULL, NULL, 0, NULL },
	{ KS_ROOT, "embeddings.batch", KT_INT, R(embeddings.batch), 0, NULL, 64, 1, 2048, NULL, NULL, 0, NULL },
	{ KS_ROOT, "embeddings.deadline", KT_INT, R(embeddings.deadline_s), 0, NULL, 120, 1, 86400, NULL, NULL, 0, NULL },

	{ KS_ROOT, "fulltext", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "fulltext.enabled", KT_BOOL, R(fulltext.enabled), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "fulltext.html_url", KT_STR, R(fulltext.html_url), 0, "https://arxiv.org/html", 0, NB, pb_check_http_url, NULL, 0, NULL },
	{ KS_ROOT, "fulltext.pdf_url", KT_STR, R(fulltext.pdf_url), 0, "https://arxiv.org/pdf", 0, NB, pb_check_http_url, NULL, 0, NULL },
	{ KS_ROOT, "fulltext.max_papers", KT_INT, R(fulltext.max_papers), 0, NULL, 20, 0, 10000, NULL, NULL, 0, NULL },
	/* -1: unset, made 15000 or arxiv.request_interval_ms by the URLs' host (validate.c) */
	{ KS_ROOT, "fulltext.request_interval_ms", KT_INT, R(fulltext.request_interval_ms), 0, NULL, -1, 0, 600000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "fulltext.max_bytes", KT_LONG, R(fulltext.max_bytes), 0, NULL, 20971520, 4096, 1073741824, NULL, NULL, 0, NULL },
	{ KS_ROOT, "fulltext.timeout", KT_INT, R(fulltext.timeout_s), 0, NULL, 60, 1, 3600, NULL, NULL, 0, NULL },
	{ KS_ROOT, "fulltext.deadline", KT_INT, R(fulltext.deadline_s), 0, NULL, 600, 1, 86400, NULL, NULL, 0, NULL },
	{ KS_ROOT, "fulltext.excerpt_tokens", KT_INT, R(fulltext.excerpt_tokens), 0, NULL, 3000, 100, 200000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "fulltext.cache_days", KT_INT, R(fulltext.cache_days), 0, NULL, 30, 1, 3650, NULL, NULL, 0, NULL },

	{ KS_ROOT, "email", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "email.enabled", KT_BOOL, R(email.enabled), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "email.smtp_url", KT_STR, R(email.smtp_url), 0, NULL, 0, NB, pb_check_smtp_url, NULL, 0, NULL },
	{ KS_ROOT, "email.username", KT_STR, R(email.username), 0, NULL, 0, NB, pb_check_line, NULL, KF_NONEMPTY, NULL },
	{ KS_ROOT, "email.password", KT_SECRET, R(email.password), 0, NULL, 0, NB, NULL, need_password, 0, NULL },
	{ KS_ROOT, "email.from", KT_STR, R(email.from), 0, NULL, 0, NB, pb_check_mailbox, NULL, 0, NULL },
	{ KS_ROOT, "email.tls", KT_STR, R(email.tls), 0, NULL, 0, NB, pb_check_tls, NULL, 0, NULL },
	{ KS_ROOT, "email.unsubscribe_mailto", KT_STR, R(email.unsubscribe_mailto), 0, NULL, 0, NB, pb_check_mailto, NULL, 0, NULL },
	{ KS_ROOT, "email.unsubscribe_url", KT_STR, R(email.unsubscribe_url), 0, NULL, 0, NB, pb_check_unsubscribe_url, NULL, 0, NULL },
	{ KS_ROOT, "email.helo", KT_STR, R(email.helo), 0, NULL, 0, NB, pb_check_line, NULL, KF_NONEMPTY, NULL },

	{ KS_ROOT, "web", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "web.enabled", KT_BOOL, R(web.enabled), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "web.listen", KT_STR, R(web.listen), 0, NULL, 0, NB, pb_check_listen, NULL, 0, NULL },
	{ KS_ROOT, "web.base_url", KT_STR, R(web.base_url), 0, NULL, 0, NB, pb_check_base_url, NULL, 0, NULL },
	{ KS_ROOT, "web.secret_file", KT_STR, R(web.secret_file), 0, NULL, 0, NB, pb_check_line, NULL, KF_NONEMPTY, NULL },
	{ KS_ROOT, "web.rate_limit", KT_INT, R(web.rate_limit), 0, NULL, 120, 0, 1000000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "web.trusted_proxies", KT_LIST, R(web.trusted_proxies), R(web.n_trusted_proxies), NULL, 0, NB, pb_check_proxy, NULL, KF_NONEMPTY, NULL },

	{ KS_ROOT, "telegram", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "telegram.api_url", KT_STR, R(telegram.api_url), 0, "https://api.telegram.org", 0, NB, pb_check_http_url, NULL, 0, NULL },
	{ KS_ROOT, "telegram.token", KT_SECRET, R(telegram.token), 0, NULL, 0, NB, NULL, need_token, 0, NULL },
	{ KS_ROOT, "telegram.commands", KT_BOOL, R(telegram.commands), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "telegram.poll_timeout", KT_INT, R(telegram.poll_timeout_s), 0, NULL, 25, 1, 25, NULL, NULL, 0, NULL },
	{ KS_ROOT, "telegram.webhook_secret", KT_SECRET, R(telegram.webhook_secret), 0, NULL, 0, NB, NULL, NULL, 0, NULL },

	{ KS_ROOT, "slack", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "slack.signing_secret", KT_SECRET, R(slack.signing_secret), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "slack.bot_token", KT_SECRET, R(slack.bot_token), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "slack.api_url", KT_STR, R(slack.api_url), 0, "https://slack.com/api", 0, NB, pb_check_http_url, NULL, 0, NULL },

	{ KS_ROOT, "matrix", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "matrix.homeserver", KT_STR, R(matrix.homeserver), 0, NULL, 0, NB, pb_check_http_url, NULL, 0, NULL },
	{ KS_ROOT, "matrix.token", KT_SECRET, R(matrix.token), 0, NULL, 0, NB, NULL, need_matrix_token, 0, NULL },
	{ KS_ROOT, "matrix.msgtype", KT_STR, R(matrix.msgtype), 0, "m.notice", 0, NB, check_matrix_msgtype, NULL, 0, NULL },
	{ KS_ROOT, "ntfy", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "ntfy.base_url", KT_STR, R(ntfy.base_url), 0, "https://ntfy.sh", 0, NB, pb_check_http_url, NULL, 0, NULL },
	{ KS_ROOT, "ntfy.token", KT_SECRET, R(ntfy.token), 0, NULL, 0, NB, NULL, need_ntfy_token, 0, NULL },
	{ KS_ROOT, "ntfy.priority", KT_INT, R(ntfy.priority), 0, NULL, 3, 1, 5, NULL, NULL, 0, NULL },

	{ KS_ROOT, "file", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "file.enabled", KT_BOOL, R(file.enabled), 0, NULL, 1, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "file.dir", KT_STR, R(file.dir), 0, "out", 0, NB, pb_check_line, NULL, KF_NONEMPTY, NULL },
	{ KS_ROOT, "file.archive", KT_BOOL, R(file.archive), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "file.mode", KT_STR, R(file.mode), 0, NULL, 0, NB, pb_check_file_mode, NULL, KF_NONEMPTY, NULL },

	{ KS_ROOT, "delivery", KT_GROUP, 0, 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.max_total", KT_INT, R(delivery.max_total), 0, NULL, 16, 1, 1024, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.max_per_host", KT_INT, R(delivery.max_per_host), 0, NULL, 4, 1, 256, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.lifetime_hours", KT_INT, R(delivery.lifetime_h), 0, NULL, 24, 1, 720, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.max_attempts", KT_INT, R(delivery.max_attempts), 0, NULL, 8, 1, 100, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.slack_interval_ms", KT_INT, R(delivery.slack_interval_ms), 0, NULL, 1000, 0, 600000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.telegram_chat_interval_ms", KT_INT, R(delivery.telegram_chat_interval_ms), 0, NULL, 1000, 0, 600000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.telegram_group_per_min", KT_INT, R(delivery.telegram_group_per_min), 0, NULL, 20, 1, 1000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.telegram_global_per_s", KT_INT, R(delivery.telegram_global_per_s), 0, NULL, 30, 1, 1000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.matrix_room_interval_ms", KT_INT, R(delivery.matrix_room_interval_ms), 0, NULL, 1000, 0, 600000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.matrix_interval_ms", KT_INT, R(delivery.matrix_interval_ms), 0, NULL, 200, 0, 600000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.wecom_interval_ms", KT_INT, R(delivery.wecom_interval_ms), 0, NULL, 3000, 0, 600000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.wecom_limit_wait_s", KT_INT, R(delivery.wecom_limit_wait_s), 0, NULL, 60, 1, 3600, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.dingtalk_interval_ms", KT_INT, R(delivery.dingtalk_interval_ms), 0, NULL, 3000, 0, 600000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.dingtalk_limit_wait_s", KT_INT, R(delivery.dingtalk_limit_wait_s), 0, NULL, 600, 1, 3600, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.discord_interval_ms", KT_INT, R(delivery.discord_interval_ms), 0, NULL, 2000, 0, 600000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.ntfy_interval_ms", KT_INT, R(delivery.ntfy_interval_ms), 0, NULL, 5000, 0, 600000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.feishu_interval_ms", KT_INT, R(delivery.feishu_interval_ms), 0, NULL, 650, 0, 600000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.webhook_interval_ms", KT_INT, R(delivery.webhook_interval_ms), 0, NULL, 1000, 0, 600000, NULL, NULL, 0, NULL },
	{ KS_ROOT, "delivery.retry_base_s", KT_INT, R(delivery.retry_base_s), 0, NULL, 30, 0, 86400, NULL, NULL, 0, NULL },

	{ KS_ROOT, "subscribers", KT_SUBSCRIBERS, R(subscribers), R(n_subscribers), NULL, 0, NB, NULL, NULL, 0, NULL },

	{ KS_SUB, "name", KT_STR, S(name), 0, NULL, 0, NB, pb_check_name, NULL, KF_REQUIRED, NULL },
	{ KS_SUB, "email", KT_LIST, S(emails), S(n_emails), NULL, 0, NB, pb_check_email, NULL, KF_NONEMPTY | KF_DEST, "email.smtp_url" },
	{ KS_SUB, "slack_webhook", KT_SECRET, S(slack_webhook), 0, NULL, 0, NB, NULL, NULL, KF_DEST | KF_URL, NULL },
	{ KS_SUB, "wecom_webhook", KT_SECRET, S(wecom_webhook), 0, NULL, 0, NB, NULL, NULL, KF_DEST | KF_URL, NULL },
	{ KS_SUB, "dingtalk_webhook", KT_SECRET, S(dingtalk_webhook), 0, NULL, 0, NB, NULL, NULL, KF_DEST | KF_URL, NULL },
	{ KS_SUB, "dingtalk_secret", KT_SECRET, S(dingtalk_secret), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_SUB, "telegram_chat", KT_CHAT, S(telegram_chat), 0, NULL, 0, NB, pb_check_chat, NULL, KF_DEST, "telegram.token" },
	{ KS_SUB, "discord_webhook", KT_SECRET, S(discord_webhook), 0, NULL, 0, NB, NULL, NULL, KF_DEST | KF_URL, NULL },
	{ KS_SUB, "ntfy_topic", KT_STR, S(ntfy_topic), 0, NULL, 0, NB, check_ntfy_topic, NULL, KF_DEST, NULL },
	{ KS_SUB, "slack_channel", KT_STR, S(slack_channel), 0, NULL, 0, NB, pb_check_line, NULL, KF_NONEMPTY, NULL },
	{ KS_SUB, "telegram_thread", KT_LONG, S(telegram_thread), 0, NULL, 0, 0, 2147483647, NULL, NULL, 0, NULL },
	{ KS_SUB, "matrix_room", KT_STR, S(matrix_room), 0, NULL, 0, NB, check_matrix_room, NULL, KF_DEST, "matrix.homeserver matrix.token" },
	{ KS_SUB, "feishu_webhook", KT_SECRET, S(feishu_webhook), 0, NULL, 0, NB, NULL, NULL, KF_DEST | KF_URL, NULL },
	{ KS_SUB, "feishu_secret", KT_SECRET, S(feishu_secret), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_SUB, "webhook_url", KT_SECRET, S(webhook_url), 0, NULL, 0, NB, NULL, NULL, KF_DEST | KF_URL, NULL },
	{ KS_SUB, "webhook_secret", KT_SECRET, S(webhook_secret), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_SUB, "language", KT_STR, S(language), 0, "en", 0, NB, pb_check_language, NULL,
	  KF_LANGTAG, NULL },
	{ KS_SUB, "max_papers", KT_INT, S(max_papers), 0, NULL, 10, 1, 1000, NULL, NULL, 0, NULL },
	{ KS_SUB, "include_cross", KT_BOOL, S(include_cross), 0, NULL, 1, NB, NULL, NULL, 0, NULL },
	{ KS_SUB, "include_replace", KT_BOOL, S(include_replace), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_SUB, "send_updates", KT_BOOL, S(send_updates), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_SUB, "notify_empty", KT_BOOL, S(notify_empty), 0, NULL, 0, NB, NULL, NULL, 0, NULL },
	{ KS_SUB, "subject", KT_STR, S(subject), 0, NULL, 0, NB, pb_subject_check, NULL, 0, NULL },
	{ KS_SUB, "follow_authors", KT_LIST, S(follow_authors), S(n_follow_authors), NULL, 0, NB, pb_check_line, NULL, 0, NULL },
	{ KS_SUB, "exclude", KT_LIST, S(exclude), S(n_exclude), NULL, 0, NB, pb_check_line, NULL, 0, NULL },
	{ KS_SUB, "like", KT_LIST, S(like), S(n_like), NULL, 0, NB, pb_check_line, NULL, 0, NULL },
	{ KS_SUB, "like_authors", KT_LIST, S(like_authors), S(n_like_authors), NULL, 0, NB, pb_check_line, NULL, 0, NULL },
	{ KS_SUB, "rank", KT_STR, S(rank), 0, NULL, 0, NB, pb_check_line, NULL, KF_NONEMPTY, NULL },
	/* Required unless the subscriber has likes (config/likes_check.c). */
	{ KS_SUB, "topics", KT_TOPICS, S(topics), S(n_topics), NULL, 0, NB, NULL, NULL, 0, NULL },

	{ KS_TOPIC, "name", KT_STR, T(name), 0, NULL, 0, NB, pb_check_line, NULL, KF_REQUIRED | KF_NONEMPTY, NULL },
	/* Required unless the topic or its subscriber has likes (config/likes_check.c). */
	{ KS_TOPIC, "query", KT_STR, T(query), 0, NULL, 0, NB, pb_check_line, NULL, KF_NONEMPTY, NULL },
	{ KS_TOPIC, "include_cross", KT_TRI, T(include_cross), 0, NULL, PB_INHERIT, NB, NULL, NULL, 0, NULL },
	{ KS_TOPIC, "include_replace", KT_TRI, T(include_replace), 0, NULL, PB_INHERIT, NB, NULL, NULL, 0, NULL },
	{ KS_TOPIC, "exclude", KT_LIST, T(exclude), T(n_exclude), NULL, 0, NB, pb_check_line, NULL, 0, NULL },
	{ KS_TOPIC, "follow_authors", KT_LIST, T(follow_authors), T(n_follow_authors), NULL, 0, NB, pb_check_line, NULL, 0, NULL },
	{ KS_TOPIC, "like", KT_LIST, T(like), T(n_like), NULL, 0, NB, pb_check_line, NULL, 0, NULL },
	{ KS_TOPIC, "like_authors", KT_LIST, T(like_authors), T(n_like_authors), NULL, 0, NB, pb_check_line, NULL, 0, NULL },
	{ KS_TOPIC, "rank", KT_STR, T(rank), 0, NULL, 0, NB, pb_check_line, NULL, KF_NONEMPTY, NULL },
	{ KS_TOPIC, "min_similarity", KT_DOUBLE, T(min_similarity), 0, NULL, 0, 0, 1, NULL, NULL, 0, NULL },
	{ KS_TOPIC, "max_papers", KT_INT, T(max_papers), 0, NULL, 0, 0, 1000, NULL, NULL, 0, NULL },
};

const size_t pb_n_ckeys = sizeof pb_ckeys / sizeof pb_ckeys[0];

int
pb_config_key(size_t i, char *buf, size_t n)
{
	static const char *const prefix[] = { "", "subscribers.", "subscribers.topics." };

	if (i >= pb_n_ckeys)
		return -1;
	snprintf(buf, n, "%s%s", prefix[pb_ckeys[i].scope], pb_ckeys[i].path);
	return 0;
}
