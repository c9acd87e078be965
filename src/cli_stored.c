/* The config as the commands see it: the file's subscribers, then those kept in the state,
 * each stored one checked alone so that one made invalid (a channel's settings removed from
 * the file, a rule that no longer parses) is left out without costing the others; and, for a
 * delivery, without the subscribers whose state is not active. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/cli.h"
#include "paperboy/clock.h"
#include "paperboy/escape.h"
#include "paperboy/hash.h"
#include "paperboy/log.h"
#include "paperboy/match.h"

/* "subscribers.[3].topics.[0].query" -> "topics.[0].query" */
static const char *
sub_key(const char *key)
{
	if (strncmp(key, "subscribers.[", 13) == 0 && strstr(key, "].") != NULL)
		return strstr(key, "].") + 2;
	return key;
}

void
pb_cli_drop_name(struct pb_buf *why, size_t from, const char *name)
{
	char *p = why->data ? why->data + from : NULL, *colon;
	size_t n = strlen(name), line;

	if (!p)
		return;
	line = strcspn(p, "\n");
	/* at the start, or after the key ("like: subscriber S: ...") */
	for (int k = 0; k < 2; k++) {
		if (strncmp(p, "subscriber ", 11) == 0 && strncmp(p + 11, name, n) == 0 &&
		    (p[11 + n] == ':' || p[11 + n] == ',') && p[12 + n] == ' ') {
			memmove(p, p + 13 + n, why->len - (size_t)(p + 13 + n - why->data) + 1);
			why->len -= 13 + n;
			return;
		}
		if (!(colon = strstr(p, ": ")) || (size_t)(colon - (why->data + from)) >= line)
			return;
		p = colon + 2;
	}
}

static int
read_rows(const struct pb_config *cfg, struct pb_sub_row **rows, size_t *n)
{
	struct pb_buf path = { 0 };
	struct pb_state *st = NULL;
	char err[768];
	int rc = 0, temporary = 0;

	*rows = NULL;
	*n = 0;
	pb_buf_printf(&path, "%s/paperboy.db", cfg->state_dir);
	if (strcmp(cfg->state_backend, "postgresql") == 0) {
		st = pb_cli_state_open(cfg, PB_STATE_READ, &temporary, err, sizeof err);
		if (!st && temporary) {
			pb_err("subscriber.load", "error=%s", pb_q(err));
			rc = -1;
			goto out;
		}
	} else if (access(path.data, F_OK) < 0) {
		goto out;   /* no state yet: nothing stored */
	} else {
		st = pb_state_open_mode(path.data, PB_STATE_READ, err, sizeof err);
	}
	/* A database that cannot be read here (damaged, another user's, of an older schema
	 * that the next run upgrades) gives none: said, so that a command that goes on without
	 * them (check, subscriber list) does not pass for one that had them. */
	if (!st) {
		pb_warn("subscriber.load", "state=%s error=%s (its stored subscribers are left out)",
			pb_q(path.data), pb_q(err));
		goto out;
	}
	rc = pb_sub_list(st, rows, n);
out:
	pb_state_close(st);
	pb_buf_free(&path);
	return rc;
}

int
pb_cli_stored_error(const struct pb_config *cfg, size_t i, struct pb_buf *out)
{
	struct pb_config one = *cfg;
	struct pb_matcher *m;
	struct pb_buf rep = { 0 };
	char msg[2048];
	int rc = 0;

	one.subscribers = (struct pb_subscriber *)&cfg->subscribers[i];
	one.n_subscribers = 1;
	if (pb_config_check_rules(&one, "", &rep, NULL) > 0) {
		/* the first finding, with its query and caret lines */
		const char *p = rep.data;

		struct pb_buf who = { 0 };
		const char *at;

		while (p && strncmp(p, "warning: ", 9) == 0 && (p = strchr(p, '\n')))
			p++;
		/* A stored subscriber has no file and line: start at "subscriber S, ..." */
		pb_buf_printf(&who, "subscriber %s", cfg->subscribers[i].name);
		if (p && cfg->subscribers[i].stored && (at = strstr(p, who.data)) &&
		    at < p + strcspn(p, "\n"))
			p = at;
		pb_buf_free(&who);
		pb_buf_puts(out, p ? p : "a rule does not parse");
		while (out->len && out->data[out->len - 1] == '\n')
			out->data[--out->len] = '\0';
		rc = -1;
	} else if (!(m = pb_matcher_new(&one, msg, sizeof msg))) {
		pb_buf_puts(out, msg);
		rc = -1;
	} else {
		pb_matcher_free(m);
	}
	pb_buf_free(&rep);
	return rc;
}

/* Where subscriber i was declared, for a message naming both sides of a collision. */
static void
origin(struct pb_buf *b, const struct pb_subscriber *s)
{
	if (s->stored)
		pb_buf_printf(b, "stored subscriber %s", s->name);
	else
		pb_buf_printf(b, "subscriber %s (%s:%d)", s->name, s->file ? s->file : "?", s->line);
}

/* The names and addresses taken so far, each with the subscriber it is of (an index of
 * cfg->subscribers: those before the one being looked at never move). Open addressing; a key
 * is a name ("n" before it) or an address lowered ("e" before it, compared as strcasecmp
 * does). */
struct taken {
	struct tk {
		char *key;   /* NULL: empty */
		size_t i;
	} *v;
	size_t cap, n;
};

static char *
taken_key(char kind, const char *s)
{
	size_t n = strlen(s);
	char *k = pb_xmalloc(n + 2);

	k[0] = kind;
	for (size_t j = 0; j <= n; j++)
		k[j + 1] = kind == 'e' && s[j] >= 'A' && s[j] <= 'Z' ? (char)(s[j] + 32) : s[j];
	return k;
}

static struct tk *
taken_slot(const struct taken *t, const char *key)
{
	size_t h = (size_t)pb_hash64_mem(key, strlen(key)) & (t->cap - 1);

	while (t->v[h].key && strcmp(t->v[h].key, key) != 0)
		h = (h + 1) & (t->cap - 1);
	return &t->v[h];
}

/* The subscriber that has kind's s already, or SIZE_MAX. */
static size_t
taken_find(const struct taken *t, char kind, const char *s)
{
	char *k;
	const struct tk *e;

	if (!t->cap)
		return SIZE_MAX;   /* nothing taken yet */
	k = taken_key(kind, s);
	e = taken_slot(t, k);
	free(k);
	return e->key ? e->i : SIZE_MAX;
}

/* Notes kind's s as subscriber i's (the first one keeps it). */
static void
taken_add(struct taken *t, char kind, const char *s, size_t i)
{
	char *k = taken_key(kind, s);
	struct tk *e;

	if (2 * (t->n + 1) > t->cap) {
		struct taken g = { pb_xcalloc(t->cap ? 2 * t->cap : 1024, sizeof *g.v),
				   t->cap ? 2 * t->cap : 1024, t->n };

		for (size_t j = 0; j < t->cap; j++)
			if (t->v[j].key)
				*taken_slot(&g, t->v[j].key) = t->v[j];
		free(t->v);
		*t = g;
	}
	e = taken_slot(t, k);
	if (e->key) {
		free(k);
		return;
	}
	*e = (struct tk){ k, i };
	t->n++;
}

static void
taken_free(struct taken *t)
{
	for (size_t j = 0; j < t->cap; j++)
		free(t->v[j].key);
	free(t->v);
}

/* A stored subscriber whose name or one of whose addresses is already another's (a config
 * one, or a stored one kept before it) is left out: names and addresses are unique across
 * both. Looked up in what is taken (t), not compared with each subscriber before it: that
 * was every command's, every page's and every daemon wake-up's cost, seconds at tens of
 * thousands of stored subscribers. Returns 1 with why filled when subscribers[i] collides;
 * 0 when it does not, its name and addresses then taken. */
static int
collides(const struct pb_config *cfg, size_t i, struct taken *t, struct pb_buf *why)
{
	const struct pb_subscriber *s = &cfg->subscribers[i];
	size_t o;

	if ((o = taken_find(t, 'n', s->name)) != SIZE_MAX) {
		pb_buf_puts(why, "its name is already taken by ");
		origin(why, &cfg->subscribers[o]);
		return 1;
	}
	for (size_t a = 0; a < s->n_emails; a++)
		if ((o = taken_find(t, 'e', s->emails[a])) != SIZE_MAX) {
			/* an address from the web form may hold what UTF-8 mail allows (RFC
			 * 6531), bidi overrides too: said as the terminal may show it */
			pb_buf_puts(why, "its address ");
			pb_esc_term(why, s->emails[a]);
			pb_buf_puts(why, " is already used by ");
			origin(why, &cfg->subscribers[o]);
			return 1;
		}
	taken_add(t, 'n', s->name, i);
	for (size_t a = 0; a < s->n_emails; a++)
		taken_add(t, 'e', s->emails[a], i);
	return 0;
}

struct pb_config *
pb_cli_with_stored(struct pb_config *cfg, int keep_inactive, struct pb_sub_row **rows_out,
		   size_t *n_rows_out, struct pb_buf *problems)
{
	struct pb_sub_row *rows = NULL;
	size_t n_rows = 0, n_good = 0;
	const char **good = NULL;
	struct pb_config_error ce;
	struct pb_config *all = NULL;
	struct taken taken = { 0 };
	bool *drop;
	int64_t read_at = pb_now();
	int read_ok = 1;

	if (read_rows(cfg, &rows, &n_rows) < 0) {
		pb_buf_printf(problems, "the stored subscribers cannot be read (see the log): "
			      "the file's subscribers alone are used\n");
		read_ok = 0;
	}
	good = pb_xcalloc(n_rows + 1, sizeof *good);
	for (size_t i = 0; i < n_rows; i++)
		if (rows[i].settings)
			good[n_good++] = rows[i].settings;
	if (n_good && !(all = pb_config_load_stored(cfg->path, good, n_good, &ce))) {
		/* One at a time, to leave out only the bad ones. */
		n_good = 0;
		for (size_t i = 0; i < n_rows; i++) {
			const char *one = rows[i].settings;
			struct pb_config *c;
			struct pb_buf why = { 0 };

			if (!one)
				continue;
			if ((c = pb_config_load_stored(cfg->path, &one, 1, &ce))) {
				good[n_good++] = one;
				pb_config_free(c);
				continue;
			}
			pb_buf_printf(&why, "%s: %s", sub_key(ce.key), ce.message);
			pb_cli_drop_name(&why, 0, rows[i].name);
			pb_buf_printf(problems, "stored subscriber %s is left out: %s\n",
				      rows[i].name, why.data);
			pb_buf_free(&why);
		}
		all = n_good ? pb_config_load_stored(cfg->path, good, n_good, &ce) : NULL;
	}
	if (all) {
		pb_config_free(cfg);
		cfg = all;
	}
	cfg->rows_read = read_ok ? read_at : 0;
	/* the file's subscribers first (they come first), then each stored one in turn */
	for (size_t i = 0; i < cfg->n_subscribers; i++) {
		const struct pb_subscriber *s = &cfg->subscribers[i];

		if (s->stored)
			continue;
		taken_add(&taken, 'n', s->name, i);
		for (size_t a = 0; a < s->n_emails; a++)
			taken_add(&taken, 'e', s->emails[a], i);
	}
	/* Those left out are marked, then dropped together, and the names indexed once: one at
	 * a time, each drop moved every subscriber after it. */
	drop = pb_xcalloc(cfg->n_subscribers + 1, sizeof *drop);
	for (size_t i = 0; i < cfg->n_subscribers; i++) {
		struct pb_buf why = { 0 };

		if (cfg->subscribers[i].stored && collides(cfg, i, &taken, &why)) {
			pb_buf_printf(problems, "stored subscriber %s is left out: %s\n",
				      cfg->subscribers[i].name, why.data);
			drop[i] = true;
		}
		pb_buf_free(&why);
	}
	taken_free(&taken);
	/* Rules are checked one subscriber at a time: a broken one costs only its owner. */
	for (size_t i = 0; i < cfg->n_subscribers; i++) {
		struct pb_buf why = { 0 };

		if (drop[i] || !cfg->subscribers[i].stored || pb_cli_stored_error(cfg, i, &why) == 0) {
			pb_buf_free(&why);
			continue;
		}
		pb_cli_drop_name(&why, 0, cfg->subscribers[i].name);
		pb_buf_printf(problems, "stored subscriber %s is left out: %s\n",
			      cfg->subscribers[i].name, why.data);
		pb_buf_free(&why);
		drop[i] = true;
	}
	/* Names are unique but for a stored one taking a file one's, left out above, so the
	 * first of a name is the one a row is about. A run tells a stored one from another
	 * given its name later by its row's generation. */
	pb_config_index_subscribers(cfg);
	for (size_t r = 0; r < n_rows; r++) {
		const struct pb_subscriber *s = pb_config_subscriber(cfg, rows[r].name);

		if (rows[r].settings && s && s->stored)
			cfg->subscribers[s - cfg->subscribers].generation = rows[r].generation;
	}
	for (size_t r = 0; r < n_rows && !keep_inactive; r++) {
		const struct pb_subscriber *s;
		size_t i;

		if (strcmp(rows[r].state, "active") == 0 ||
		    !(s = pb_config_subscriber(cfg, rows[r].name)))
			continue;
		i = (size_t)(s - cfg->subscribers);
		if (!drop[i]) {
			pb_debug("subscriber.inactive", "subscriber=%s state=%s",
				 pb_q(rows[r].name), rows[r].state);
			drop[i] = true;
		}
	}
	pb_config_drop_marked(cfg, drop);
	free(drop);
	free(good);
	if (rows_out) {
		*rows_out = rows;
		*n_rows_out = n_rows;
	} else {
		pb_sub_rows_free(rows, n_rows);
	}
	return cfg;
}

int
pb_cli_stored_validate(const char *path, const struct pb_config *cfg, const char *name,
		       const char *json, struct pb_buf *why)
{
	/* The file with json alone, not with every stored subscriber as well: that load was
	 * the cost of a sign-up, a save on the manage page, a chat's /add (seconds at tens of
	 * thousands of subscribers, each asked to check one). Nothing of a subscriber's checks
	 * looks at the others but its name, which the file's subscribers are loaded for, and
	 * its addresses, looked for in cfg below. */
	const char *v[1] = { json };
	struct pb_config_error ce;
	struct pb_config *one = NULL;
	const struct pb_subscriber *me;
	int rc = -1;

	if (!(one = pb_config_load_stored(path, v, 1, &ce))) {
		pb_buf_printf(why, "%s: %s", sub_key(ce.key), ce.message);
		/* the settings' own error is at line 0 under their key; any other, the file's */
		if (ce.line > 0 || strncmp(ce.key, "subscribers.[", 13) != 0)
			rc = -2;
		goto out;
	}
	/* the new one is the last */
	if (pb_cli_stored_error(one, one->n_subscribers - 1, why) < 0)
		goto out;
	me = &one->subscribers[one->n_subscribers - 1];
	for (size_t i = 0; cfg && i < cfg->n_subscribers; i++) {
		const struct pb_subscriber *o = &cfg->subscribers[i];

		if (strcmp(o->name, name) == 0)
			continue;   /* its own settings, as they were */
		for (size_t a = 0; a < me->n_emails; a++)
			for (size_t b = 0; b < o->n_emails; b++)
				if (strcasecmp(me->emails[a], o->emails[b]) == 0) {
					pb_buf_printf(why, "email %s is subscriber %s's (%s)",
						      me->emails[a], o->name,
						      o->stored ? "stored" : o->file);
					goto out;
				}
	}
	rc = 0;
out:
	pb_config_free(one);
	return rc;
}
