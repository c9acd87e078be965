/* Private to the config module: the key table and the loader's working state. */
#ifndef PAPERBOY_CONFIG_INTERNAL_H
#define PAPERBOY_CONFIG_INTERNAL_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "paperboy/config.h"

/* Where a key lives: the top level, one subscriber group, or one topic group. */
enum pb_kscope { KS_ROOT, KS_SUB, KS_TOPIC };

enum pb_ktype {
	KT_GROUP,       /* a group of further keys ("arxiv") */
	KT_STR,         /* char * */
	KT_INT,         /* int */
	KT_LONG,        /* long */
	KT_BOOL,        /* bool */
	KT_TRI,         /* int holding enum pb_tri */
	KT_DOUBLE,      /* double; an integer is accepted */
	KT_LIST,        /* char ** + size_t count at off_n; a single string is accepted */
	KT_SECRET,      /* char *; written as NAME_env or NAME_file, never inline */
	KT_CHAT,        /* char *; a Telegram chat id as string or integer */
	KT_SUBSCRIBERS, /* the list of subscriber groups */
	KT_TOPICS,      /* a subscriber's list of topic groups */
};

/* Key flags. */
#define KF_REQUIRED  0x01  /* an error when absent */
#define KF_CONFDIR   0x02  /* a relative path is taken relative to the config's directory */
#define KF_NONEMPTY  0x04  /* a string or list that may not be empty */
#define KF_DEST      0x08  /* a subscriber key naming a destination of a channel: a subscriber
			    * needs one of them (or the file sink) */
#define KF_URL       0x10  /* a secret whose value is an http(s) URL (a webhook) */
#define KF_LANGTAG   0x20  /* a language tag: kept as pb_language_case writes it */

struct pb_load;

/* Checks one string value (each element, for a list). Returns 0, or -1 with msg filled.
 * The message may quote the value: the check of a secret is never given one. */
typedef int (*pb_kcheck)(const char *value, char *msg, size_t n);
/* Says whether a secret has to be resolved, given everything else already loaded. */
typedef bool (*pb_kneeded)(const struct pb_config *cfg, const void *base);

struct pb_ckey {
	enum pb_kscope scope;
	const char *path;        /* relative to the scope: "arxiv.page_size", "email" */
	enum pb_ktype type;
	size_t off;              /* into struct pb_config / pb_subscriber / pb_topic */
	size_t off_n;            /* KT_LIST: the count */
	const char *def_s;       /* default string (KT_STR, KT_LIST: one element) */
	double def_n;            /* default number, bool or tri */
	double min, max;         /* inclusive bounds for numbers; min > max = unbounded */
	pb_kcheck check;
	pb_kneeded needed;       /* KT_SECRET: NULL = always resolved when given */
	unsigned flags;
	const char *requires;    /* a subscriber key: the root keys it needs when given (a
				  * channel's group settings, "telegram.token", space-separated
				  * when several); NULL = none */
};

extern const struct pb_ckey pb_ckeys[];
extern const size_t pb_n_ckeys;

/* A secret written in the file, resolved once everything else is known. */
/* A *_file value that starts with this names a systemd credential (LoadCredential=): the file
 * of that name in $CREDENTIALS_DIRECTORY. */
#define PB_CREDENTIALS_PREFIX "$CREDENTIALS_DIRECTORY/"

struct pb_pending_secret {
	const struct pb_ckey *key;
	void *base;
	char *source;            /* variable name or file path (not secret) */
	bool from_file;
	char file[256];
	int line;
	char keypath[128];
};

struct pb_load {
	struct pb_config *cfg;
	struct pb_config_error *err;
	size_t n_err;            /* errors so far: the first fills err, the others err->more */
	const char *path;        /* as given */
	char *confdir;           /* directory of path, "." when none */
	bool *root_seen;         /* indexed like pb_ckeys; kept for the cross checks */
	struct pb_pending_secret *secrets;
	size_t n_secrets;
	/* The key table's spellings by hash, and each scope's keys, built on first use: a
	 * file of 100,000 subscribers looks keys up a million times. */
	struct pb_key_slot *key_slots;
	size_t n_key_slots;
	size_t *scope_keys[3];
	size_t n_scope_keys[3];
	/* The last source file re-read for an integer literal, split into lines. */
	char *src_name;
	char *src_text;
	size_t *src_lines;       /* offset of each line's start */
	size_t n_src_lines;
	/* While a file's subscriber block (or one of its topics) is walked and it has a name:
	 * "subscriber S" or "subscriber S, topic T", said before each of its errors, as the
	 * later checks say it. Empty otherwise. */
	char who[320];
};

/* Releases the loader's working state (not the config). */
void pb_cfg_load_cleanup(struct pb_load *L);

/* Copies src into dst (n bytes, NUL-terminated, cut when full) with control characters
 * written as \n \r \t or \xHH and the other code points pb_char_unsafe names (bidi
 * overrides, U+2028, ...) as \uXXXX, so a quoted value cannot break or reorder a message's
 * line. */
void pb_cfg_escape(char *dst, size_t n, const char *src);

/* Records an error at the setting's file and line (s may be NULL: the config file, line 0):
 * the first fills L->err, later ones are added to L->err->more. Returns -1. */
int pb_cfg_fail(struct pb_load *L, const config_setting_t *s, const char *key,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same at a place that is not a setting: a file and line of its own (a secret file),
 * or a description in place of the file ("from the environment (VAR)", line 0). */
int pb_cfg_fail_at(struct pb_load *L, const char *file, int line, const char *key,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Returns the file a setting came from, joined to the config's directory when relative. */
void pb_cfg_source(struct pb_load *L, const config_setting_t *s, char *file, size_t n, int *line);
/* Joins a path to the config's directory unless absolute; caller frees. */
char *pb_cfg_path_join(const char *dir, const char *p);

/* Walks one group of the given scope into base, applying defaults for what is absent. */
int pb_cfg_walk(struct pb_load *L, config_setting_t *grp, enum pb_kscope scope, void *base,
		const char *keyprefix);
/* Returns the index of a root key by path, or -1. */
int pb_cfg_key_index(enum pb_kscope scope, const char *path);

/* Subscriber i's likes and rank modes (likes_check.c): ids, modes, topics without query; a
 * subscriber with likes and no topics gets one topic "liked" without query. sg is its group
 * (NULL: none). 0 / -1 (errors recorded). */
int pb_cfg_check_likes(struct pb_load *L, config_setting_t *sg, size_t i);
/* The group of subscriber i in the file's tree, or NULL. */
config_setting_t *pb_cfg_sub_group(config_setting_t *root, size_t i);

/* Format checks shared by the table. */
int pb_check_schedule(const char *v, char *msg, size_t n);
int pb_check_date(const char *v, char *msg, size_t n);
int pb_check_timezone(const char *v, char *msg, size_t n);
int pb_check_url(const char *v, char *msg, size_t n);
int pb_check_http_url(const char *v, char *msg, size_t n);
/* "HOST:PORT" for a listening socket: an IPv4 address, a bracketed IPv6 one or a name. */
int pb_check_listen(const char *v, char *msg, size_t n);
int pb_check_proxy(const char *v, char *msg, size_t n);
/* The web endpoint's public http(s) URL: no query, fragment or trailing '/'. */
int pb_check_base_url(const char *v, char *msg, size_t n);
int pb_check_unsubscribe_url(const char *v, char *msg, size_t n);
int pb_check_smtp_url(const char *v, char *msg, size_t n);
int pb_check_email(const char *v, char *msg, size_t n);
int pb_check_mailbox(const char *v, char *msg, size_t n);
int pb_check_mailto(const char *v, char *msg, size_t n);
int pb_check_log_level(const char *v, char *msg, size_t n);
/* An octal file mode ("0644"): permission bits only, the owner's read and write among them. */
int pb_check_file_mode(const char *v, char *msg, size_t n);
int pb_check_tls(const char *v, char *msg, size_t n);
int pb_check_name(const char *v, char *msg, size_t n);
int pb_check_line(const char *v, char *msg, size_t n);
int pb_check_language(const char *v, char *msg, size_t n);
/* Writes a language tag in place in the case tags are compared in ("EN" -> "en", "de-at" ->
 * "de-AT", "ZH-HANS" -> "zh-Hans"), which BCP 47 does not tell apart. */
void pb_language_case(char *tag);
int pb_check_category(const char *v, char *msg, size_t n);
int pb_check_chat(const char *v, char *msg, size_t n);
int pb_check_readable(const char *v, char *msg, size_t n);
int pb_check_envname(const char *v, char *msg, size_t n);

/* Frees what one subscriber of cfg holds (not the struct). */
void pb_cfg_free_subscriber(const struct pb_config *cfg, struct pb_subscriber *s);

/* The config's one copy of s (strings.c), owned by cfg: for a text many subscribers may
 * share. NULL for NULL. */
char *pb_cfg_intern(struct pb_config *cfg, const char *s);
/* Whether p is such a copy (and must not be freed on its own). */
bool pb_cfg_shared(const struct pb_config *cfg, const char *p);
void pb_cfg_strings_free(struct pb_cfg_strings *t);   /* accepts NULL */
/* Frees a config's index of its subscribers by name (names.c); accepts NULL. */
void pb_cfg_names_free(struct pb_cfg_names *t);
/* pb_config_free of a config whose share is set (share.c): the copy's own memory now, the
 * group's with its last config. */
void pb_cfg_share_release(struct pb_config *cfg);
/* Appends each JSON object of settings to root's subscriber list as a group (stored.c).
 * Returns 0, or -1 with msg naming the object (1-based) when one is not a JSON object of
 * keys libconfig can hold. */
int pb_cfg_add_stored(config_setting_t *root, const char *const *settings, size_t n_settings,
		      char *msg, size_t n);

/* Checks that involve several keys, after everything is loaded. */
int pb_cfg_cross_check(struct pb_load *L, config_setting_t *root);
/* Resolves the pending secrets that are needed; registers each with the log masker. */
int pb_cfg_resolve_secrets(struct pb_load *L);

/* The known arXiv category nearest to v (ignoring case, a few edits at most) written into
 * buf, or NULL when none is near. */
const char *pb_cfg_closest_category(const char *v, char *buf, size_t n);

/* Levenshtein distance, capped: returns cap+1 when larger. */
size_t pb_cfg_distance(const char *a, const char *b, size_t cap);

#endif
