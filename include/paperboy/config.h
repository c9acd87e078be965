/* Configuration: the libconfig file as plain data. Loaded once, read by every stage. */
#ifndef PAPERBOY_CONFIG_H
#define PAPERBOY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "paperboy/buf.h"

/* A tri-state for per-topic settings that inherit from the subscriber. */
enum pb_tri { PB_INHERIT = -1, PB_NO = 0, PB_YES = 1 };

struct pb_topic {
	char *name;
	char *query;                 /* arXiv search syntax, see rules.h */
	int include_cross;           /* enum pb_tri */
	int include_replace;         /* enum pb_tri */
	char **exclude;              /* terms (same syntax as a query term) that veto a hit */
	size_t n_exclude;
	char **follow_authors;       /* author names that always hit, scored highest */
	size_t n_follow_authors;
	char **like;                 /* arXiv ids of papers the reader likes for this topic
				      * ("2411.17790", "2310.08528v2"); rank.h */
	size_t n_like;
	char **like_authors;         /* authors whose papers count as liked for this topic */
	size_t n_like_authors;
	char *rank;                  /* "rules", "filter", "similar", or NULL = automatic
				      * (rank.h, PB_RANK_*) */
	double min_similarity;       /* "similar": the least similarity a paper needs; 0 = none */
	int max_papers;              /* the topic's share of the digest; 0 = an even share */
	int line;                    /* line of the topic in its file */
	int query_line;              /* line of its query, 0 when unknown (use line) */
	int *exclude_lines;          /* line of each exclude (n_exclude), or NULL; 0 = unknown */
};

struct pb_subscriber {
	char *name;                  /* unique */
	char **emails;
	size_t n_emails;
	char *slack_webhook;         /* resolved secret (from env or file), or NULL */
	char *wecom_webhook;         /* resolved secret: a WeCom group robot's webhook, or NULL */
	char *dingtalk_webhook;      /* resolved secret: a DingTalk robot's webhook, or NULL */
	char *dingtalk_secret;       /* resolved secret: the robot's signing secret, or NULL */
	char *telegram_chat;         /* chat id ("123", "-100...", "@channel"), or NULL */
	long telegram_thread;        /* message_thread_id, 0 = none */
	char *slack_channel;         /* the Slack channel id whose /paperboy command manages this
				      * subscriber (bot.h), or NULL */
	char *matrix_room;           /* Matrix room id ("!opaque:server"), or NULL */
	char *discord_webhook;       /* resolved secret (from env or file), or NULL */
	char *ntfy_topic;            /* [-_A-Za-z0-9]{1,64}, or NULL */
	char *feishu_webhook;        /* resolved secret: a Feishu/Lark custom bot's URL, or NULL */
	char *feishu_secret;         /* resolved secret: the bot's signing secret, or NULL */
	char *webhook_url;           /* resolved secret: a JSON webhook's URL, or NULL */
	char *webhook_secret;        /* resolved secret: its HMAC key, or NULL */
	char *language;              /* "en" default; "zh", ... for model output */
	int max_papers;              /* default 10 */
	bool include_cross;          /* default true */
	bool include_replace;        /* default false */
	bool send_updates;           /* resend a paper the ledger knows when it returns; default false */
	bool notify_empty;           /* send a short note on days without announcement; default false */
	char *subject;               /* email subject template (summarize.h), or NULL */
	char **follow_authors;
	size_t n_follow_authors;
	char **exclude;              /* queries (rules.h) vetoing a paper for this subscriber,
				      * whatever selected it (topic or followed author) */
	size_t n_exclude;
	char **like;                 /* arXiv ids of papers the reader likes (every topic) */
	size_t n_like;
	char **like_authors;         /* authors whose papers count as liked (every topic) */
	size_t n_like_authors;
	char *rank;                  /* the topics' default rank mode, or NULL = automatic */
	char **formats;              /* reserved; NULL = every channel's default */
	struct pb_topic *topics;
	size_t n_topics;
	char *file;                  /* file the subscriber was defined in; "(stored)" */
	int line;
	int *exclude_lines;          /* line of each exclude (n_exclude), or NULL; 0 = unknown */
	bool stored;                 /* kept in the state (pb_config_load_stored), not the file */
	int64_t generation;          /* a stored one's row's (pb_sub_row, set by
				      * pb_cli_with_stored); 0 for the file's */
};

struct pb_config {
	char *path;                  /* the file loaded */
	char *state_dir;             /* default "/var/lib/paperboy" */
	char *state_backend;         /* state.backend: "sqlite" (default, under state_dir) or
				      * "postgresql" */
	char *state_conninfo;        /* state.conninfo: libpq's, without a password */
	char *state_conninfo_secret; /* state.conninfo_env / _file: one holding a password */
	char *timezone;              /* IANA name, default "UTC" */
	char **schedule;             /* "HH:MM" local times */
	size_t n_schedule;
	char *user_agent;
	char *ca_file;               /* NULL = libcurl's default trust */
	char *log_level;             /* "info" */
	int retention_days;          /* prune state older than this; default 90 */
	char *state_machine;         /* state.machine: this machine's name in a shared state;
				      * default the host name (unique per machine) */
	int state_lease_s;           /* state.lease_s: how long a claim outlives its machine's
				      * last renewal; default 60 */
	int catchup_days;            /* how far back the daemon catches up; default 7 */
	char **holidays;             /* "YYYY-MM-DD" days without announcement */
	size_t n_holidays;
	char *subject;               /* default email subject template, or NULL (per language) */

	struct {
		char **categories;
		size_t n_categories;
		char *rss_url;           /* default "https://rss.arxiv.org/rss" */
		char *api_url;           /* default "https://export.arxiv.org/api/query" */
		int request_interval_ms; /* >= 3000 unless tests lower it; default 3000 */
		int timeout_s;           /* default 60 */
		int max_retries;         /* default 5 */
		int idlist_batch;        /* ids per id_list request; default 100 */
		int page_size;           /* max_results per search_query page, <= 2000; default 1000 */
		bool fill_metadata;      /* id_list lookup to fill what RSS lacks; default true */
		int stale_deadline_min;  /* how long to poll a stale feed; default 120 */
	} arxiv;

	struct {
		bool enabled;            /* true when base_url is set */
		char *base_url;
		char *model;
		char *api_key;           /* resolved secret or NULL */
		char *prompt_dir;        /* default "prompts" next to the config, or SYSCONFDIR/paperboy/prompts */
		double temperature;      /* default 0.2 */
		int timeout_s;           /* per request; default 60 */
		int max_tokens;          /* default 1024 */
		long daily_token_budget; /* 0 = unlimited */
		int deadline_s;          /* total time the model may take per run; default 600 */
		int concurrency;         /* requests in flight at once once answers come; 4 */
		bool analysis;           /* per-paper analysis; default true */
	} summary;

	/* Ranking by what each reader likes (rank.h). */
	struct {
		double half_life_days;   /* a like's weight halves every this many days; default 365 */
		int min_labels;          /* labels (likes and verdicts, both kinds present) before a
					  * learned model is trained; default 20 */
		int corpus_days;         /* papers kept in the corpus for document frequencies and
					  * liked papers' texts; default 120 */
		int lookup_max;          /* liked ids and authors looked up on arXiv per run;
					  * default 500 */
	} rank;

	/* Embeddings from an OpenAI-compatible /v1/embeddings endpoint (rank.h): on when
	 * base_url is set. */
	struct {
		bool enabled;
		char *base_url;          /* ".../v1" (the request goes to base_url + "/embeddings") */
		char *model;
		char *api_key;           /* resolved secret or NULL */
		int timeout_s;           /* per request; default 30 */
		int batch;               /* inputs per request; default 64 */
		int deadline_s;          /* total time per run; default 120 */
	} embeddings;

	/* Full text of the selected papers (fulltext.h): arXiv's HTML, else the PDF. */
	struct {
		bool enabled;            /* default false */
		char *html_url;          /* default "https://arxiv.org/html" */
		char *pdf_url;           /* default "https://arxiv.org/pdf" */
		int max_papers;          /* papers fetched per run; default 20 */
		int request_interval_ms; /* between two requests to the host; default 15000
					  * for arxiv.org's (its robots.txt's Crawl-delay),
					  * arxiv.request_interval_ms for another's */
		long max_bytes;          /* per document; default 20 MB */
		int timeout_s;           /* per request; default 60 */
		int deadline_s;          /* total time per run; default 600 */
		int excerpt_tokens;      /* the model's excerpt per paper; default 3000 */
		int cache_days;          /* kept in the state; default 30 */
	} fulltext;

	struct {
		bool enabled;            /* true when smtp_url is set */
		char *smtp_url;
		char *username;
		char *password;          /* resolved secret or NULL */
		char *from;
		char *tls;               /* "starttls", "implicit", "none" */
		char *unsubscribe_mailto;
		char *unsubscribe_url;
		char *helo;              /* optional */
	} email;

	struct {
		char *api_url;           /* default "https://api.telegram.org" */
		char *token;             /* resolved secret or NULL */
		bool commands;           /* the daemon answers chat commands (bot.h); default false */
		int poll_timeout_s;      /* getUpdates long-poll timeout; default 25 */
		char *webhook_secret;    /* resolved secret: X-Telegram-Bot-Api-Secret-Token of
					  * POST /telegram/webhook; NULL = no webhook */
	} telegram;

	struct {
		char *signing_secret;    /* resolved secret: Slack's signing secret; NULL = no
					  * slash command nor buttons */
		char *bot_token;         /* resolved secret: the app's bot token (xoxb-), with
					  * which the slash command asks who may change a
					  * channel's subscription; NULL = no one may from Slack */
		char *api_url;           /* Slack's Web API; default "https://slack.com/api" */
	} slack;

	struct {
		char *homeserver;        /* client-server API base URL, "https://matrix.example.org" */
		char *token;             /* resolved secret (access token) or NULL */
		char *msgtype;           /* "m.notice" (default) or "m.text" */
	} matrix;

	struct {
		char *base_url;          /* default "https://ntfy.sh" */
		char *token;             /* resolved secret or NULL (Authorization: Bearer) */
		int priority;            /* 1..5; default 3 */
	} ntfy;

	/* The web endpoint (sign-up, manage, one-click unsubscribe, feedback, Slack's requests):
	 * on when listen is set. */
	struct {
		bool enabled;            /* true when listen is set */
		char *listen;            /* "HOST:PORT" ("127.0.0.1:8425"; "[::1]:8425") */
		char *base_url;          /* the public URL the pages are reached at, no trailing '/' */
		char *secret_file;       /* the token key; default state_dir/web.secret (0600) */
		int rate_limit;          /* requests a minute per client address; 0 = none;
					  * default 120 */
		char **trusted_proxies;  /* addresses and networks whose X-Forwarded-For is
					  * believed; none: loopback alone */
		size_t n_trusted_proxies;
	} web;

	struct {
		bool enabled;            /* default true */
		char *dir;               /* default "out" (relative to state_dir when relative? no: cwd) */
		bool archive;            /* a web archive and Atom feed per subscriber; default false */
		char *mode;              /* octal mode of the files written and folders made,
					  * whatever the umask; default NULL: the umask decides */
	} file;

	struct {
		int max_total;           /* concurrent transfers in all; default 16 */
		int max_per_host;        /* default 4 */
		int lifetime_h;          /* a digest older than this is expired; default 24 */
		int max_attempts;        /* default 8 */
		int slack_interval_ms;   /* per webhook; default 1000 */
		int telegram_chat_interval_ms;   /* default 1000 */
		int telegram_group_per_min;      /* default 20 */
		int telegram_global_per_s;       /* default 30 */
		int matrix_room_interval_ms;     /* per room; default 1000 */
		int matrix_interval_ms;          /* per homeserver; default 200 */
		int discord_interval_ms; /* per webhook; default 2000 */
		int ntfy_interval_ms;    /* per server; default 5000 */
		int feishu_interval_ms;  /* per Feishu webhook; default 650 */
		int webhook_interval_ms; /* per JSON webhook URL; default 1000 */
		int retry_base_s;        /* first backoff; default 30 */
		int wecom_interval_ms;   /* per WeCom webhook; default 3000 (20 a minute) */
		int wecom_limit_wait_s;  /* after errcode 45009; default 60 */
		int dingtalk_interval_ms;   /* per DingTalk webhook; default 3000 (20 a minute) */
		int dingtalk_limit_wait_s;  /* after errcode 130101; default 600 */
	} delivery;

	struct pb_subscriber *subscribers;
	size_t n_subscribers;
	/* The names of the subscribers this load left out though they exist (pb_cli_with_stored:
	 * a state not active, a stored one whose rules or addresses do not pass): delivery does
	 * not take them for subscribers an administrator removed. */
	char **left_out;
	size_t n_left_out;
	/* When (pb_now) the load read the state's subscriber rows (pb_cli_with_stored), 0 when
	 * it did not or could not: a run asks the state, as it enqueues, for the file's
	 * subscribers paused (or unsubscribed) since, whose rows this load did not see. */
	int64_t rows_read;
	/* Private to the config module: the strings several subscribers share (their file, a
	 * default, a topic name or query written alike), each kept once and freed with the
	 * config. A string of the config is the config's: never free or replace one. */
	struct pb_cfg_strings *strings;
	/* Private to the config module: the subscribers by name, for pb_config_subscriber. */
	struct pb_cfg_names *names;
	/* Private to the config module: the memory this config shares with others
	 * (pb_config_replace_subscriber), freed with the last of them; NULL when it owns all. */
	struct pb_cfg_share *share;
};

struct pb_config_error {
	char file[256];
	int line;                    /* 0 when unknown */
	char key[128];               /* dotted path, e.g. "subscribers.[2].topics.[0].query" */
	char message[512];           /* the first error; control characters escaped */
	size_t n_errors;             /* all errors found (the loader goes on past a bad value) */
	char more[4096];             /* the others, one "file:line: key: message" per line */
};

/* Loads and validates path. On failure returns NULL and fills *err (never a secret's value):
 * the first error, and every further one found in other keys and subscribers in err->more.
 * The result is owned by the caller; release with pb_config_free. */
struct pb_config *pb_config_load(const char *path, struct pb_config_error *err);
void pb_config_free(struct pb_config *cfg);   /* accepts NULL */

/* pb_config_load with n_stored more subscribers, each a JSON object of the subscriber keys as
 * the file writes them ({"name": "ann", "email": ["a@x.org"], "topics": [{"name": "t",
 * "query": "cat:cs.CL"}], "slack_webhook_env": "VAR", ...}). They are appended to the file's
 * subscriber list before the walk, so every check of the file applies to them unchanged
 * (types, bounds, destinations and the root keys their channels require, secrets, unique
 * names); in cfg->subscribers they follow the file's, with stored = true, file "(stored)" and
 * line 0. An error in one is reported like an error in the file, at line 0 with its key
 * ("subscribers.[N].email"). */
struct pb_config *pb_config_load_stored(const char *path, const char *const *stored,
					size_t n_stored, struct pb_config_error *err);
struct cJSON;
/* Sets subscriber key `key` (as the file writes it: "language", "slack_webhook_env") in the
 * JSON object obj from its text, typed as the key table says (a number, true/false, a string;
 * a list key gets value appended). Returns 0, or -1 with msg filled for a key that is not a
 * subscriber key, for name and topics, or for a value of the wrong type. */
int pb_config_stored_set(struct cJSON *obj, const char *key, const char *value, char *msg,
			 size_t n);
/* Removes subscriber i from cfg (freeing it); the later ones move down. Drops the index of
 * names: call pb_config_index_subscribers once done. */
void pb_config_drop_subscriber(struct pb_config *cfg, size_t i);
/* Removes every subscriber i of cfg with drop[i] (freeing them) in one pass, the others
 * kept in order, and indexes the names again. Their names are kept in cfg->left_out. */
void pb_config_drop_marked(struct pb_config *cfg, const bool *drop);

/* A config equal to base but for its subscriber i, which is replaced by the last subscriber
 * of one (consumed: loaded by pb_config_load_stored with that subscriber's settings), at the
 * same place, the names indexed. Nothing else is copied: the new config shares base's memory
 * and one's, so a process that holds tens of thousands of subscribers takes one's edit
 * without loading them all again. base stays as it was, for whoever reads it meanwhile;
 * base, the new config and any made from either are each freed by pb_config_free, in any
 * order, and what they share goes with the last of them. NULL (one freed) when i is past
 * base's subscribers, one has none, or base's group holds 64 edits already (load the
 * whole again). */
struct pb_config *pb_config_replace_subscriber(struct pb_config *base, size_t i,
					       struct pb_config *one);

/* The checks of the rules `check` runs on a loaded config (a reload must pass them too): every
 * topic query, exclusion and followed author of every subscriber is parsed and each error is
 * reported, not just the first. Warnings: a cat: term naming no arXiv category (with the
 * nearest one), a lowercase and/or/not/andnot (searched as a word), and a topic query whose
 * every alternative needs a category outside arxiv.categories (it sees only cross-lists) or
 * that no paper of those categories can satisfy. Appends to out one finding per line,
 * "<prefix>[warning: ]FILE:LINE: KEY: subscriber S[, topic T][, exclude N][, column C]: MSG";
 * a parse error adds the query and a caret line under it. Returns the number of errors;
 * *n_warnings (may be NULL) gets the number of warnings. */
size_t pb_config_check_rules(const struct pb_config *cfg, const char *prefix, struct pb_buf *out,
			     size_t *n_warnings);

/* Chooses the config path: explicit, else $PAPERBOY_CONFIG, else ./paperboy.conf, else
 * SYSCONFDIR/paperboy/paperboy.conf (SYSCONFDIR as built: /etc for PREFIX=/usr, else
 * PREFIX/etc). Returns a borrowed/static string. */
const char *pb_config_default_path(const char *explicit_path);

/* Returns the subscriber named name (the first of it), or NULL. A hash look-up in the index
 * the loader builds; a config whose list changed since (pb_config_drop_subscriber) or a copy
 * holding part of the list is scanned, correct but linear until indexed again. */
const struct pb_subscriber *pb_config_subscriber(const struct pb_config *cfg, const char *name);
/* The name of cfg's subscribers nearest to name (a case slip first, else a few edits: a third
 * of the name) written into buf; NULL when none is near, or when name is one. For the
 * "did you mean" of a command given a mistyped name. */
const char *pb_config_closest_subscriber(const struct pb_config *cfg, const char *name,
					 char *buf, size_t n);
/* The same nearness among count words (a command's, an action's): the nearest to word
 * written into buf, NULL when none is near or when word is one of them. */
const char *pb_closest_word(const char *word, const char *const *words, size_t count,
			    char *buf, size_t n);
/* 1 when name is a subscriber the load left out (cfg->left_out), else 0. */
int pb_config_left_out(const struct pb_config *cfg, const char *name);
/* Adds name (copied) to cfg->left_out. */
void pb_config_add_left_out(struct pb_config *cfg, const char *name);
/* (Re)builds cfg's index of its subscribers by name: after changing cfg->subscribers (the
 * loader calls it; pb_config_drop_subscriber drops it). */
void pb_config_index_subscribers(struct pb_config *cfg);

/* Formats "file:line: key: message" (the first error) into buf. */
void pb_config_error_format(const struct pb_config_error *err, char *buf, size_t n);

/* Checks v as arxiv.categories takes a category (a whole archive such as "cs" too): 0, else -1
 * with why in msg, the closest known category suggested ("did you mean \"cs.CV\"?"). */
int pb_config_check_category(const char *v, char *msg, size_t n);
/* Checks v as a one-line value of the configuration: 0, else -1 (a control character) with why
 * in msg. */
int pb_config_check_line(const char *v, char *msg, size_t n);

/* Writes the i-th key the loader knows into buf as a dotted path ("arxiv.page_size",
 * "subscribers.topics.query"; a secret by its base name, "email.password", written in the file
 * as password_env or password_file). Returns 0, or -1 when i is past the last key. */
int pb_config_key(size_t i, char *buf, size_t n);

/* The config's secrets, as its key table declares them (every secret key, at the top level and
 * in each subscriber, whatever their number): the one list status, the delivery module and the
 * summarizer mask. */
/* Calls fn once per secret that holds a value of at least 4 bytes (shorter ones are not
 * masked: "***" would hide ordinary text). cfg may be NULL. */
void pb_config_each_secret(const struct pb_config *cfg,
			   void (*fn)(void *ctx, const char *secret), void *ctx);
/* Registers each of cfg's secrets with the log masker (pb_log_add_secret). */
void pb_config_log_secrets(const struct pb_config *cfg);
/* Appends s (NULL = "") to out with every occurrence of one of cfg's secrets replaced by "***",
 * the longest at each position. */
void pb_config_mask_secrets(const struct pb_config *cfg, struct pb_buf *out, const char *s);

#endif
