/* The summarize stage: one subscriber's selection becomes a digest with a title, key findings
 * per paper, an executive summary and (when a model is configured) a per-paper analysis. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/hash.h"
#include "paperboy/llm.h"
#include "paperboy/log.h"
#include "paperboy/fulltext.h"
#include "paperboy/summarize.h"
#include "paperboy/words.h"
#include "summarize_int.h"

#define MAX_FINDINGS 4
/* After this many failed requests in a row the model is left alone for the rest of the run:
 * a server that is down should not cost the whole deadline. */
#define MAX_FAILS_IN_ROW 3
/* A request answered 429 is sent again after the Retry-After the model asks for, when that
 * wait ends before the deadline, this many times at most; then it falls back. */
#define MAX_429_TRIES 2
/* A 429 without Retry-After is waited this many seconds before the request goes again. */
#define NO_RETRY_AFTER_S 2
/* A server error (500, 502, 503, 504), the server's own timeout (408), a lock's (409) or a
 * connection reset is often a passing one (a proxy restarting, a worker that died): the
 * request goes again once after this many seconds, or the Retry-After the answer gives. */
#define SERVER_ERROR_WAIT_S 1
#define MAX_PROMPT_FILE (256 * 1024)
/* The smallest excerpt the model refused as too long for its context, kept in the state's meta
 * ("tokens<TAB>unix time<TAB>base_url<TAB>model") for a week: later runs start below it rather
 * than be refused again for every paper; after the week the full excerpt is tried again (a
 * server given a larger context). */
#define EXCERPT_KEY "summary.excerpt_refused"
#define EXCERPT_KEEP_S (7 * 86400)
#define EXCERPT_NONE_BELOW 400   /* a budget under this is shortened to no excerpt at all */
/* Papers listed in the summary prompt, in bytes (~6k tokens): a long digest lists its best
 * papers in full and counts the rest. */
#define MAX_SUMMARY_LIST (24 * 1024)

/* Key findings per paper of the current paperset, computed once and copied into each digest:
 * the same paper reaches many subscribers. */
struct findings_memo {
	const char *abstract;   /* the text they were computed from; recomputed if it changes */
	const struct pb_fulltext *ft;   /* the full text they were computed with, or NULL */
	char **v;
	size_t n;
	int done;
	struct pb_terms *terms; /* theme words of title and findings, made when first needed */
};

/* One request for the model: what it is for, what its prompt is made of (all borrowed from
 * pb_summarizer_prepare's arguments and the summarizer: the prompt is made again, shorter,
 * when the model says it does not fit its context) and the request body. */
struct job {
	const char *kind;               /* "summary" or "analysis" */
	char *key;                      /* the cache key: paper id+version, or the digest's */
	const char *lang, *hash;        /* borrowed from the config and the summarizer */
	const char *subscriber;         /* for the fallback line of a summary; borrowed */
	char *body;                     /* the chat completion request */
	int tries_429;                  /* answered 429 so far */
	int tried_again;                /* sent again after a server error or a reset */
	unsigned flags;                 /* the PB_LLM_ flags its body was made with */
	const struct pb_paper *paper;   /* an analysis: the paper, */
	const struct pb_fulltext *ft;   /* its full text or NULL, */
	int excerpt_tokens;             /* and the excerpt's size */
	const struct pb_paperset *papers;       /* a summary: the digest's papers, */
	const struct pb_selection *sel;
	const char *date;
	size_t list_max;                /* and the bytes of their list */
};

/* Built-in executive summaries of the current paperset by what they are made of (language,
 * counts, and each item's paper, topic and score: pb_exec_summary_terms reads nothing else,
 * and the papers' findings and theme words come from the memo above): subscribers whose
 * selections come out the same share one, worked out once. Open addressing on the key's hash;
 * once EXEC_MEMO_BYTES are kept, further summaries are worked out each time. */
#define EXEC_MEMO_SLOTS 8192u
#define EXEC_MEMO_BYTES (4u << 20)
struct exec_memo {
	uint64_t hash;
	char *key;       /* NULL: an empty slot */
	size_t key_len;
	char *text;
};

struct pb_summarizer {
	const struct pb_config *cfg;
	struct pb_state *st;
	struct pb_http *h;
	const struct pb_fulltext_set *ft;   /* borrowed, or NULL */

	const struct pb_paperset *memo_set;
	struct findings_memo *memo;
	size_t memo_n;
	struct exec_memo *exec;         /* EXEC_MEMO_SLOTS, made on first use */
	size_t exec_n, exec_bytes;

	/* the model, when configured (see model_setup) */
	int model_on;
	char *url;                      /* {base_url}/chat/completions */
	char *auth;                     /* "Authorization: Bearer ..." or NULL; never logged */
	char *tmpl_analysis, *tmpl_summary;
	char hash_analysis[17], hash_summary[17];
	char hash_analysis_ft[17];      /* analysis.txt given a full text */
	int tmpl_uses_ft;               /* analysis.txt has {fulltext} */
	int64_t started_ms;             /* first request of the run; 0 before */
	int64_t quiet_until_ms;         /* after a 429, or a server error sent again */
	int stopped;                    /* deadline, budget or repeated failures: no more requests */
	char stop_reason[96];
	int fails_in_row;
	/* Answers in another language than asked, in a row, per language asked (a small model
	 * answering English to a Chinese prompt): after MAX_FAILS_IN_ROW that language's
	 * requests stop, the others' go on. Not the model's failures: they count apart. */
	struct {
		const char *lang;       /* borrowed from the config */
		int in_row;
	} wrong[8];
	size_t n_wrong;
	unsigned req_flags;             /* PB_LLM_ flags: what the model refused of a request */
	int excerpt_refused;            /* the smallest excerpt budget refused as too long, or
					 * INT_MAX: analyses start below it */
	char **asked;                   /* "kind|key|lang" asked in this run (answer or not) */
	size_t n_asked, cap_asked;
	size_t *asked_tab;              /* their index + 1 by hash (open addressing), 0: empty */
	size_t asked_slots;             /* a power of two, at least twice n_asked; 0 before */
	struct job *jobs;               /* requests waiting for pb_summarizer_prepare to send */
	size_t n_jobs, cap_jobs;
	struct job **again;             /* of them, answered 429: sent again after the wait */
	size_t n_again, cap_again;
	char *user_agent, *ca_file;     /* for the request handles */
	long n_requests, n_answers, n_cached, n_fallbacks, tokens;
	long n_estimated;   /* answers without usage, charged an estimate */
	long unrecorded;    /* tokens spent that the state could not record: the budget counts
			     * them all the same */
};

/* Reads a prompt file whole. Returns 0, or -1 with err filled. */
static int
read_prompt(const char *dir, const char *name, char **out, char *err, size_t errlen)
{
	struct pb_buf path = { 0 }, b = { 0 };
	char chunk[8192];
	FILE *f;
	size_t n;
	int rc = -1;

	pb_buf_printf(&path, "%s/%s", dir, name);
	f = fopen(path.data, "rb");
	if (!f) {
		snprintf(err, errlen, "summary prompt %s: %s", path.data, strerror(errno));
		goto out;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= MAX_PROMPT_FILE)
		pb_buf_append(&b, chunk, n);
	if (ferror(f)) {
		snprintf(err, errlen, "summary prompt %s: read error", path.data);
	} else if (b.len > MAX_PROMPT_FILE) {
		snprintf(err, errlen, "summary prompt %s: larger than %d bytes", path.data,
			 MAX_PROMPT_FILE);
	} else if (b.len == 0 || memchr(b.data, 0, b.len)) {
		snprintf(err, errlen, "summary prompt %s: empty or not text", path.data);
	} else {
		*out = pb_buf_detach(&b);
		pb_prompt_strip_comments(*out);
		rc = 0;
	}
	fclose(f);
out:
	pb_buf_free(&b);
	pb_buf_free(&path);
	return rc;
}

/* What an earlier run learnt of the model's room for an excerpt (EXCERPT_KEY), when it is of
 * this model at this address and not older than EXCERPT_KEEP_S. */
static void
excerpt_load(struct pb_summarizer *s)
{
	long tokens;

	s->excerpt_refused = INT_MAX;
	if (!pb_llm_kept_get(s->st, EXCERPT_KEY, s->cfg->summary.base_url, s->cfg->summary.model,
			     EXCERPT_KEEP_S, &tokens) || tokens < 0 || tokens > INT_MAX)
		return;
	s->excerpt_refused = (int)tokens;
	pb_info("summary.excerpt_room", "model=%s refused_tokens=%d (excerpts start below it)",
		pb_q(s->cfg->summary.model), s->excerpt_refused);
}

/* The model refused an excerpt of budget tokens as too long: analyses after it, in this run
 * and in the week's runs after it, start below that. */
static void
excerpt_learn(struct pb_summarizer *s, int tokens)
{
	if (tokens >= s->excerpt_refused)
		return;
	s->excerpt_refused = tokens;
	if (pb_llm_kept_put(s->st, EXCERPT_KEY, s->cfg->summary.base_url, s->cfg->summary.model,
			    tokens) < 0)
		pb_warn("summary.excerpt_room", "error=%s", pb_q(pb_state_errmsg(s->st)));
}

/* The excerpt budget an analysis starts with: the configured one, made shorter as job_shorten
 * would until it is under what the model refused; 0 for none. */
static int
excerpt_budget(const struct pb_summarizer *s, int tokens)
{
	while (tokens > 0 && tokens >= s->excerpt_refused)
		tokens = tokens >= EXCERPT_NONE_BELOW ? tokens / 4 : 0;
	return tokens;
}

/* Prepares the model side: prompts, their hashes, the endpoint and the request settings. The
 * requests do not go through the client given to pb_summarizer_new (it keeps arXiv's spacing,
 * which a model endpoint does not need): run_jobs sends them, several at once, each with the
 * model's timeout and no retry (a failed answer falls back at once, and the deadline bounds
 * the rest). */
static int
model_setup(struct pb_summarizer *s, char *err, size_t errlen)
{
	const struct pb_config *cfg = s->cfg;
	const char *dir = cfg->summary.prompt_dir ? cfg->summary.prompt_dir : "conf/prompts";
	struct pb_buf b = { 0 };
	size_t n;

	if (read_prompt(dir, "analysis.txt", &s->tmpl_analysis, err, errlen) < 0 ||
	    read_prompt(dir, "summary.txt", &s->tmpl_summary, err, errlen) < 0)
		return -1;
	pb_prompt_hash(s->tmpl_analysis, s->hash_analysis, sizeof s->hash_analysis);
	pb_prompt_hash(s->tmpl_summary, s->hash_summary, sizeof s->hash_summary);
	s->tmpl_uses_ft = strstr(s->tmpl_analysis, "{fulltext}") != NULL;
	pb_buf_printf(&b, "%s\n{fulltext given}", s->tmpl_analysis);
	pb_prompt_hash(b.data, s->hash_analysis_ft, sizeof s->hash_analysis_ft);
	pb_buf_reset(&b);

	n = strlen(cfg->summary.base_url);
	while (n > 0 && cfg->summary.base_url[n - 1] == '/')
		n--;
	pb_buf_append(&b, cfg->summary.base_url, n);
	pb_buf_puts(&b, "/chat/completions");
	s->url = pb_buf_detach(&b);
	if (cfg->summary.api_key && *cfg->summary.api_key) {
		pb_config_log_secrets(cfg);
		pb_buf_printf(&b, "Authorization: Bearer %s", cfg->summary.api_key);
		s->auth = pb_buf_detach(&b);
	}

	excerpt_load(s);
	s->user_agent = pb_xstrdup(cfg->user_agent && *cfg->user_agent ? cfg->user_agent
								     : "paperboy");
	s->ca_file = cfg->ca_file ? pb_xstrdup(cfg->ca_file) : NULL;
	s->model_on = 1;
	pb_info("summary.model", "model=%s url=%s analysis=%d prompt_analysis=%s prompt_summary=%s "
		"deadline_s=%d budget=%ld concurrency=%d", pb_q(cfg->summary.model), pb_q(s->url),
		cfg->summary.analysis ? 1 : 0, s->hash_analysis, s->hash_summary,
		cfg->summary.deadline_s, cfg->summary.daily_token_budget, cfg->summary.concurrency);
	return 0;
}

struct pb_summarizer *
pb_summarizer_new(const struct pb_config *cfg, struct pb_state *st, struct pb_http *h,
		  char *err, size_t errlen)
{
	struct pb_summarizer *s = pb_xcalloc(1, sizeof *s);
	char dummy[8], why[512];

	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof dummy;
	}
	err[0] = 0;
	s->cfg = cfg;
	s->st = st;
	s->h = h;
	s->excerpt_refused = INT_MAX;
	if (cfg && cfg->summary.enabled && h && cfg->summary.base_url && cfg->summary.model) {
		if (!st) {
			/* answers live in the cache; without one there is nowhere to keep them */
			pb_info("summary.model_off", "reason=%s", pb_q("no state database"));
		} else if (model_setup(s, why, sizeof why) < 0) {
			/* A prompt file gone since the config was checked (a package upgrade, a
			 * prompt_dir `check` was not run on) costs the model, not the digests: they
			 * go out with the built-in summary, as after any other model failure. */
			pb_err("summary.model_off", "reason=%s", pb_q(why));
		}
	}
	return s;
}

int
pb_summary_prompts_check(const struct pb_config *cfg, char *err, size_t errlen)
{
	const char *dir;
	char *t = NULL;
	int rc = 0;

	if (!cfg || !cfg->summary.enabled)
		return 0;
	dir = cfg->summary.prompt_dir ? cfg->summary.prompt_dir : "conf/prompts";
	if (read_prompt(dir, "analysis.txt", &t, err, errlen) < 0)
		return -1;
	free(t);
	t = NULL;
	if (read_prompt(dir, "summary.txt", &t, err, errlen) < 0)
		rc = -1;
	free(t);
	return rc;
}

static void
memo_clear(struct pb_summarizer *s)
{
	if (s->exec) {
		for (size_t i = 0; i < EXEC_MEMO_SLOTS; i++) {
			free(s->exec[i].key);
			free(s->exec[i].text);
		}
		free(s->exec);
		s->exec = NULL;
		s->exec_n = s->exec_bytes = 0;
	}
	for (size_t i = 0; i < s->memo_n; i++) {
		pb_sentences_free(s->memo[i].v, s->memo[i].n);
		pb_terms_free(s->memo[i].terms);
	}
	free(s->memo);
	s->memo = NULL;
	s->memo_n = 0;
	s->memo_set = NULL;
}

void
pb_summarizer_free(struct pb_summarizer *s)
{
	if (!s)
		return;
	memo_clear(s);
	free(s->url);
	free(s->auth);
	free(s->user_agent);
	free(s->ca_file);
	for (size_t i = 0; i < s->n_jobs; i++) {
		free(s->jobs[i].key);
		free(s->jobs[i].body);
	}
	free(s->jobs);
	free(s->again);
	free(s->tmpl_analysis);
	free(s->tmpl_summary);
	for (size_t i = 0; i < s->n_asked; i++)
		free(s->asked[i]);
	free(s->asked);
	free(s->asked_tab);
	free(s);
}

static struct findings_memo *
findings_of(struct pb_summarizer *s, const struct pb_paperset *papers, size_t idx)
{
	struct findings_memo *m;
	const struct pb_fulltext *ft;

	if (s->memo_set != papers || s->memo_n != papers->n) {
		memo_clear(s);
		s->memo_set = papers;
		s->memo_n = papers->n;
		s->memo = pb_xcalloc(papers->n ? papers->n : 1, sizeof *s->memo);
	}
	m = &s->memo[idx];
	ft = s->ft ? pb_fulltext_find(s->ft, papers->v[idx].id) : NULL;
	if (m->done && (m->abstract != papers->v[idx].abstract || m->ft != ft)) {
		pb_sentences_free(m->v, m->n);
		pb_terms_free(m->terms);
		m->v = NULL;
		m->n = 0;
		m->terms = NULL;
		m->done = 0;
	}
	if (!m->done) {
		m->abstract = papers->v[idx].abstract;
		m->ft = ft;
		m->n = pb_key_findings_ft(m->abstract, ft, MAX_FINDINGS, &m->v);
		m->done = 1;
	}
	return m;
}

/* ---- the model ---- */

/* "2512.04040v1": the cache's paper key (id and version). */
static void
paper_key(const struct pb_paper *p, struct pb_buf *b)
{
	pb_buf_reset(b);
	if (p->version > 0)
		pb_buf_printf(b, "%sv%d", p->id ? p->id : "", p->version);
	else
		pb_buf_puts(b, p->id ? p->id : "");
}

static const char *
sub_language(const struct pb_subscriber *sub)
{
	return sub && sub->language && *sub->language ? sub->language : "en";
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The full text the run read for p, or NULL. */
static const struct pb_fulltext *
ft_of(const struct pb_summarizer *s, const struct pb_paper *p)
{
	return s->ft && p->id ? pb_fulltext_find(s->ft, p->id) : NULL;
}

/* The executive summary's cache key: the sorted set of the digest's paper keys, hashed. Two
 * subscribers with the same papers share it whatever their order or topics. The key findings
 * in its prompt are taken from a paper's full text when the run read it: such a paper is
 * marked ("2512.04040v1+ft"), so a summary written from the abstracts alone is not taken for
 * one written with the text. with_ft 0 leaves the marks out (the key from the abstracts). */
static void
digest_key(const struct pb_summarizer *s, const struct pb_paperset *papers,
	   const struct pb_selection *sel, int with_ft, struct pb_buf *out)
{
	char **keys = pb_xcalloc(sel->n_hits ? sel->n_hits : 1, sizeof *keys);
	struct pb_buf all = { 0 }, k = { 0 };
	size_t n = 0;
	char h[17];

	for (size_t i = 0; i < sel->n_hits; i++) {
		if (sel->hits[i].paper >= papers->n)
			continue;
		paper_key(&papers->v[sel->hits[i].paper], &k);
		if (with_ft && ft_of(s, &papers->v[sel->hits[i].paper]))
			pb_buf_puts(&k, "+ft");
		keys[n++] = pb_xstrdup(k.data);
	}
	qsort(keys, n, sizeof *keys, cmp_str);
	for (size_t i = 0; i < n; i++) {
		pb_buf_printf(&all, "%s\n", keys[i]);
		free(keys[i]);
	}
	free(keys);
	pb_prompt_hash(pb_buf_str(&all), h, sizeof h);
	pb_buf_reset(out);
	pb_buf_printf(out, "digest:%s:%zu", h, n);
	pb_buf_free(&all);
	pb_buf_free(&k);
}

/* The slot of key in the asked table: where it is, or the empty one where it would go. */
static size_t
asked_slot(const struct pb_summarizer *s, const char *key)
{
	size_t mask = s->asked_slots - 1, i = (size_t)pb_fnv1a64_str(key) & mask;

	while (s->asked_tab[i] && strcmp(s->asked[s->asked_tab[i] - 1], key) != 0)
		i = (i + 1) & mask;
	return i;
}

/* Was (kind, key, lang) asked already in this run? Marks it asked. Every paper of every
 * digest comes here, so the keys asked are found by hash, not by going through them all. */
static int
asked_before(struct pb_summarizer *s, const char *kind, const char *key, const char *lang)
{
	struct pb_buf b = { 0 };
	size_t slot;

	pb_buf_printf(&b, "%s|%s|%s", kind, key, lang);
	if (2 * (s->n_asked + 1) > s->asked_slots) {
		/* grown before it is half full: every key again into twice the room */
		free(s->asked_tab);
		s->asked_slots = s->asked_slots ? 2 * s->asked_slots : 256;
		s->asked_tab = pb_xcalloc(s->asked_slots, sizeof *s->asked_tab);
		for (size_t i = 0; i < s->n_asked; i++)
			s->asked_tab[asked_slot(s, s->asked[i])] = i + 1;
	}
	slot = asked_slot(s, b.data);
	if (s->asked_tab[slot]) {
		pb_buf_free(&b);
		return 1;
	}
	if (s->n_asked == s->cap_asked) {
		s->cap_asked = s->cap_asked ? s->cap_asked * 2 : 64;
		s->asked = pb_xreallocarray(s->asked, s->cap_asked, sizeof *s->asked);
	}
	s->asked[s->n_asked++] = pb_buf_detach(&b);
	s->asked_tab[slot] = s->n_asked;
	return 0;
}

static void
utc_day(char out[16])
{
	time_t t = (time_t)pb_now();
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

static void
stop_asking(struct pb_summarizer *s, const char *why)
{
	if (s->stopped)
		return;
	s->stopped = 1;
	snprintf(s->stop_reason, sizeof s->stop_reason, "%s", why);
	pb_warn("summary.stop", "reason=%s requests=%ld elapsed_ms=%lld", pb_q(why),
		s->n_requests, (long long)(s->started_ms ? pb_mono_ms() - s->started_ms : 0));
}

/* The wrong-language count of lang (an entry made on first use; NULL past the table's size,
 * where the language is never stopped). */
static int *
wrong_count(struct pb_summarizer *s, const char *lang)
{
	size_t i;

	for (i = 0; i < s->n_wrong; i++)
		if (strcmp(s->wrong[i].lang, lang) == 0)
			return &s->wrong[i].in_row;
	if (s->n_wrong == sizeof s->wrong / sizeof s->wrong[0])
		return NULL;
	s->wrong[s->n_wrong].lang = lang;
	s->wrong[s->n_wrong].in_row = 0;
	return &s->wrong[s->n_wrong++].in_row;
}

/* Whether lang's requests stopped: the model answered them in another language too often. */
static int
lang_stopped(struct pb_summarizer *s, const char *lang, char *why, size_t whylen)
{
	int *n = wrong_count(s, lang);

	if (!n || *n < MAX_FAILS_IN_ROW)
		return 0;
	snprintf(why, whylen, "the model answers in another language than %s",
		 pb_language_name(lang));
	return 1;
}

static void
fallback(struct pb_summarizer *s, const char *kind, const char *key, const char *lang,
	 const char *subscriber, const char *why)
{
	s->n_fallbacks++;
	if (subscriber)
		pb_warn("summary.fallback", "kind=%s paper=%s subscriber=%s lang=%s reason=%s", kind,
			pb_q(key), pb_q(subscriber), pb_q(lang), pb_q(why));
	else
		pb_warn("summary.fallback", "kind=%s paper=%s lang=%s reason=%s", kind, pb_q(key),
			pb_q(lang), pb_q(why));
}

/* "HTTP 400: <the API's own message>", or "HTTP 502" when the body says nothing readable. */
static void
http_reason(long status, const char *body, size_t len, char *why, size_t whylen)
{
	struct pb_llm_answer ea;
	char detail[200] = "";

	if (pb_llm_parse(body, len, &ea, detail, sizeof detail) == PB_LLM_API_ERROR &&
	    strncmp(detail, "API error: ", 11) == 0)
		snprintf(why, whylen, "HTTP %ld: %s", status, detail + 11);
	else
		snprintf(why, whylen, "HTTP %ld", status);
	pb_llm_answer_free(&ea);
}

/* A new request at the end of the queue (pb_summarizer_prepare sends it); its body is made
 * by job_render once the caller has said what the prompt is made of. */
static struct job *
job_new(struct pb_summarizer *s, const char *kind, const char *key, const char *lang,
	const char *hash, const char *subscriber)
{
	struct job *j;

	if (s->n_jobs == s->cap_jobs) {
		s->cap_jobs = s->cap_jobs ? s->cap_jobs * 2 : 64;
		s->jobs = pb_xreallocarray(s->jobs, s->cap_jobs, sizeof *s->jobs);
	}
	j = &s->jobs[s->n_jobs++];
	memset(j, 0, sizeof *j);
	j->kind = kind;
	j->key = pb_xstrdup(key);
	j->lang = lang;
	j->hash = hash;
	j->subscriber = subscriber;
	return j;
}

static void summary_list(struct pb_summarizer *s, const struct job *j, struct pb_buf *list,
			 size_t *count);

/* Makes j's request body (again) from what its prompt is made of. */
static void
job_render(struct pb_summarizer *s, struct job *j)
{
	char *sys = NULL, *user = NULL;

	if (strcmp(j->kind, "analysis") == 0) {
		struct pb_analysis_vars av;

		pb_analysis_vars_init(&av, j->paper, j->lang, j->key, j->ft, j->excerpt_tokens);
		pb_prompt_render(s->tmpl_analysis, av.v, &sys, &user);
		pb_analysis_vars_free(&av);
	} else {
		struct pb_buf list = { 0 };
		size_t n = 0;
		char count[24];

		summary_list(s, j, &list, &n);
		snprintf(count, sizeof count, "%zu", n);
		{
			const char *vars[] = {
				"language", pb_language_name(j->lang), "date", j->date ? j->date : "",
				"count", count, "papers", pb_buf_str(&list), NULL,
			};

			pb_prompt_render(s->tmpl_summary, vars, &sys, &user);
		}
		pb_buf_free(&list);
	}
	free(j->body);
	j->flags = s->req_flags;
	j->body = pb_llm_request(s->cfg->summary.model, s->cfg->summary.temperature,
				 s->cfg->summary.max_tokens, sys, user, j->flags);
	free(sys);
	free(user);
}

/* The model said j's request does not fit its context: j is made shorter, an analysis's
 * excerpt a quarter as long and then none at all (its answer is then cached as one from the
 * abstract), a summary's list of papers a quarter as long. Returns 0, or -1 when it is as
 * short as it gets. */
static int
job_shorten(struct pb_summarizer *s, struct job *j)
{
	size_t was = j->body ? strlen(j->body) : 0;

	do {    /* until the request is shorter: a short list may fit the smaller room too */
		if (strcmp(j->kind, "analysis") == 0) {
			if (!j->ft)
				return -1;
			excerpt_learn(s, j->excerpt_tokens);
			if (j->excerpt_tokens >= EXCERPT_NONE_BELOW) {
				j->excerpt_tokens /= 4;
			} else {
				j->ft = NULL;
				j->hash = s->hash_analysis;
			}
		} else {
			if (j->list_max < 1024)
				return -1;
			j->list_max /= 4;
		}
		job_render(s, j);
	} while (strlen(j->body) >= was);
	return 0;
}

/* A request in flight. */
struct flight {
	struct job *job;
	CURL *easy;
	struct curl_slist *headers;
	struct pb_buf resp;
	struct pb_llm_wait wait;        /* Retry-After and the like */
	char errbuf[CURL_ERROR_SIZE];
	long timeout_s;
};

#define MAX_ANSWER (8 * 1024 * 1024)

static size_t
flight_body(char *p, size_t size, size_t n, void *userp)
{
	struct flight *f = userp;
	size_t len = size * n;

	if (f->resp.len + len > MAX_ANSWER)
		return 0;   /* a runaway answer: the transfer fails */
	pb_buf_append(&f->resp, p, len);
	return len;
}

static size_t
flight_header(char *p, size_t size, size_t n, void *userp)
{
	struct flight *f = userp;
	size_t len = size * n;

	pb_llm_wait_header(&f->wait, p, len);
	return len;
}

/* Whether a wait until until_ms (pb_mono_ms) ends at least a second before the run's
 * deadline. */
static int
ends_in_time(const struct pb_summarizer *s, int64_t until_ms)
{
	return until_ms + 1000 <= s->started_ms + (int64_t)s->cfg->summary.deadline_s * 1000;
}

/* Whether the model's Retry-After ends in time. */
static int
quiet_fits(const struct pb_summarizer *s)
{
	return ends_in_time(s, s->quiet_until_ms);
}

/* Whether the next request may go now. 0: yes. 1: not now, but requests in flight may
 * change that (the budget they spend): wait for them. -1: no, why says why; the job falls
 * back. */
static int
may_ask(struct pb_summarizer *s, size_t in_flight, long *timeout_s, char *why, size_t whylen)
{
	const struct pb_config *cfg = s->cfg;
	int64_t now = pb_mono_ms(), left_ms;
	long budget = cfg->summary.daily_token_budget;
	char day[16];

	if (s->stopped) {
		snprintf(why, whylen, "%s", s->stop_reason);
		return -1;
	}
	if (!s->started_ms)
		s->started_ms = now;
	left_ms = (int64_t)cfg->summary.deadline_s * 1000 - (now - s->started_ms);
	if (left_ms < 1000) {
		stop_asking(s, "deadline reached");
		snprintf(why, whylen, "%s", s->stop_reason);
		return -1;
	}
	if (now < s->quiet_until_ms) {
		/* a wait that ends before the deadline is waited out; a longer one is not */
		if (quiet_fits(s))
			return 1;
		snprintf(why, whylen, "rate limited by the model (429) for %lld s, past the "
			 "deadline", (long long)((s->quiet_until_ms - now + 999) / 1000));
		return -1;
	}
	if (budget > 0) {
		long used, avg = s->n_answers > 0 ? s->tokens / s->n_answers : 0;

		utc_day(day);
		used = pb_model_tokens_used(s->st, day);
		if (used < 0) {
			/* what the day has spent cannot be read: no request that might pass it */
			stop_asking(s, "daily token budget unknown: the state cannot be read");
			snprintf(why, whylen, "%s", s->stop_reason);
			return -1;
		}
		used += s->unrecorded;
		if (used >= budget) {
			if (in_flight > 0)
				return 1;
			stop_asking(s, "daily token budget spent");
			snprintf(why, whylen, "%s", s->stop_reason);
			return -1;
		}
		/* what the requests in flight will likely spend counts already */
		if (in_flight > 0 && used + (long)in_flight * avg >= budget)
			return 1;
	}
	/* a request never outlives the deadline */
	*timeout_s = cfg->summary.timeout_s > 0 ? cfg->summary.timeout_s : 60;
	if (*timeout_s > left_ms / 1000)
		*timeout_s = left_ms / 1000;
	return 0;
}

static struct flight *
flight_start(struct pb_summarizer *s, CURLM *multi, struct job *j, long timeout_s)
{
	struct flight *f = pb_xcalloc(1, sizeof *f);
	struct pb_http_opts o;

	f->job = j;
	f->timeout_s = timeout_s;
	f->easy = curl_easy_init();
	if (!f->easy) {
		free(f);
		return NULL;
	}
	memset(&o, 0, sizeof o);
	o.user_agent = s->user_agent;
	o.ca_file = s->ca_file;
	o.timeout_s = timeout_s;
	o.connect_timeout_s = timeout_s < 15 ? timeout_s : 15;
	o.max_redirects = 2;
	pb_http_setup_easy(f->easy, &o);
	/* A POST is not re-sent elsewhere. */
	curl_easy_setopt(f->easy, CURLOPT_FOLLOWLOCATION, 0L);
	/* A model sends nothing until its answer is ready: only the timeout bounds the wait. */
	curl_easy_setopt(f->easy, CURLOPT_LOW_SPEED_LIMIT, 0L);
	curl_easy_setopt(f->easy, CURLOPT_LOW_SPEED_TIME, 0L);
	curl_easy_setopt(f->easy, CURLOPT_URL, s->url);
	f->headers = curl_slist_append(NULL, "Content-Type: application/json");
	f->headers = curl_slist_append(f->headers, "Expect:");
	if (s->auth)
		f->headers = curl_slist_append(f->headers, s->auth);
	curl_easy_setopt(f->easy, CURLOPT_HTTPHEADER, f->headers);
	curl_easy_setopt(f->easy, CURLOPT_POSTFIELDS, j->body);
	curl_easy_setopt(f->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(j->body));
	curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, flight_body);
	curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->easy, CURLOPT_HEADERFUNCTION, flight_header);
	curl_easy_setopt(f->easy, CURLOPT_HEADERDATA, f);
	curl_easy_setopt(f->easy, CURLOPT_ERRORBUFFER, f->errbuf);
	curl_easy_setopt(f->easy, CURLOPT_PRIVATE, f);
	if (curl_multi_add_handle(multi, f->easy) != CURLM_OK) {
		curl_easy_cleanup(f->easy);
		curl_slist_free_all(f->headers);
		free(f);
		return NULL;
	}
	s->n_requests++;
	return f;
}

static void
flight_free(CURLM *multi, struct flight *f)
{
	curl_multi_remove_handle(multi, f->easy);
	curl_easy_cleanup(f->easy);
	curl_slist_free_all(f->headers);
	pb_buf_free(&f->resp);
	free(f);
}

/* j goes again, before the requests not sent yet. */
static void
again(struct pb_summarizer *s, struct job *j)
{
	if (s->n_again == s->cap_again) {
		s->cap_again = s->cap_again ? 2 * s->cap_again : 16;
		s->again = pb_xreallocarray(s->again, s->cap_again, sizeof *s->again);
	}
	s->again[s->n_again++] = j;
}

/* A passing failure (a server error, a 408, a 409, a reset connection): j goes again once,
 * after the wait the answer asks for (wait_ms, or SERVER_ERROR_WAIT_S when it asks none) when
 * that ends before the deadline, and only while the model has not failed the request before: a
 * server that is down costs one request more, not one more a paper. Returns 1 when j goes
 * again. */
static int
send_again(struct pb_summarizer *s, struct job *j, long wait_ms, const char *why)
{
	int64_t until;

	if (j->tried_again || s->fails_in_row > 0)
		return 0;
	if (wait_ms <= 0)
		wait_ms = SERVER_ERROR_WAIT_S * 1000L;
	until = pb_mono_ms() + wait_ms;
	if (!ends_in_time(s, until))
		return 0;
	j->tried_again = 1;
	if (until > s->quiet_until_ms)
		s->quiet_until_ms = until;
	again(s, j);
	pb_info("summary.retry", "kind=%s paper=%s lang=%s after_s=%ld reason=%s", j->kind,
		pb_q(j->key), pb_q(j->lang), (wait_ms + 999) / 1000, pb_q(why));
	return 1;
}

/* The answer to a finished request goes to the cache, or the job falls back. Returns 1 when
 * the model answered. */
static int
flight_done(struct pb_summarizer *s, struct flight *f, CURLcode rc)
{
	struct job *j = f->job;
	struct pb_llm_answer ans;
	char why[256] = "", day[16];
	char *answer = NULL;
	long status = 0, tokens = 0;

	curl_easy_getinfo(f->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		if (rc == CURLE_OPERATION_TIMEDOUT)
			snprintf(why, sizeof why, "timeout after %ld s", f->timeout_s);
		else
			snprintf(why, sizeof why, "no answer: %.200s",
				 f->errbuf[0] ? f->errbuf : curl_easy_strerror(rc));
		/* the connection reset or closed before any answer; not a refused connection
		 * (nothing listens) nor a timeout (that would cost the timeout again) */
		if ((rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING) &&
		    send_again(s, j, -1, why))
			return 0;
		s->fails_in_row++;
	} else if (status < 200 || status >= 300) {
		/* Retry-After, Azure's retry-after-ms, or for a 429 OpenAI's x-ratelimit-reset-* */
		long wait_ms = pb_llm_wait_ms(&f->wait, (long)time(NULL), status == 429);

		http_reason(status, f->resp.data ? f->resp.data : "", f->resp.len, why, sizeof why);
		if (pb_llm_account_spent(status, f->resp.data, f->resp.len)) {
			/* The account's credit is spent: OpenAI's insufficient_quota and billing
			 * codes (a 429, or a 400), or a 402 Payment Required (OpenRouter, DeepSeek).
			 * Every request would be refused alike, and no wait mends it. */
			stop_asking(s, "quota exhausted: check the plan and billing of the API "
				    "account");
			s->fails_in_row++;
			goto failed;
		}
		if (status == 429) {
			/* Without a wait asked for, the backoff the providers advise. */
			if (wait_ms <= 0)
				wait_ms = ((long)NO_RETRY_AFTER_S << j->tries_429) * 1000;
			else
				snprintf(why, sizeof why, "HTTP 429, retry after %ld s",
					 (wait_ms + 999) / 1000);
			s->quiet_until_ms = pb_mono_ms() + wait_ms;
			if (++j->tries_429 < MAX_429_TRIES && quiet_fits(s) &&
			    pb_llm_try_again(status, &f->wait)) {
				again(s, j);
				pb_info("summary.retry", "kind=%s paper=%s lang=%s after_s=%ld",
					j->kind, pb_q(j->key), pb_q(j->lang), (wait_ms + 999) / 1000);
				return 0;
			}
		}
		/* A reasoning model (OpenAI's o1, o3, gpt-5) refuses max_tokens and a temperature
		 * of ours: this request and every later one go without them. */
		if (status == 400) {
			unsigned want = pb_llm_unsupported(f->resp.data, f->resp.len);

			if (want & ~j->flags) {
				unsigned now = s->req_flags | want;

				if (want & ~s->req_flags)
					pb_info("summary.adapt", "model=%s max_completion_tokens=%d "
						"temperature=%d reason=%s", pb_q(s->cfg->summary.model),
						now & PB_LLM_MAX_COMPLETION_TOKENS ? 1 : 0,
						now & PB_LLM_NO_TEMPERATURE ? 0 : 1, pb_q(why));
				s->req_flags = now;
				job_render(s, j);
				again(s, j);
				return 0;
			}
		}
		/* One paper's full text, or a long digest's list, is more than the model takes
		 * at once: that request goes again shorter. The model is not failing. */
		if (status != 429 && status >= 400 &&
		    pb_llm_context_exceeded(f->resp.data, f->resp.len) && job_shorten(s, j) == 0) {
			again(s, j);
			pb_info("summary.shorter", "kind=%s paper=%s lang=%s reason=%s", j->kind,
				pb_q(j->key), pb_q(j->lang), pb_q(why));
			return 0;
		}
		/* A passing failure (a 408, 409 or server error, or any the answer's
		 * x-should-retry says is one): once more, as for a reset connection. */
		if (status != 429 && pb_llm_try_again(status, &f->wait) &&
		    send_again(s, j, wait_ms, why))
			return 0;
		s->fails_in_row++;
		/* the key, the model name or the URL is wrong: every request would fail alike */
		if (status == 401 || status == 403)
			stop_asking(s, "the model refuses the API key");
		else if (status == 404)
			stop_asking(s, "no such model or endpoint");
	} else {
		enum pb_llm_status st = pb_llm_parse(f->resp.data ? f->resp.data : "", f->resp.len,
						     &ans, why, sizeof why);
		/* An answer that says nothing of its usage (some servers leave it out) is charged
		 * an estimate, a token for every 4 bytes of the request and of the answer: else
		 * the daily budget never ran out against such a server. */
		if (ans.total_tokens <= 0) {
			ans.total_tokens = (long)((strlen(j->body) + f->resp.len + 3) / 4);
			s->n_estimated++;
		}
		tokens = ans.total_tokens;
		if (ans.total_tokens > 0) {
			s->tokens += ans.total_tokens;
			utc_day(day);
			if (pb_model_tokens_add(s->st, day, ans.total_tokens) < 0) {
				/* a full disk must not lift the budget: counted here instead */
				s->unrecorded += ans.total_tokens;
				pb_warn("summary.tokens", "tokens=%ld error=%s", ans.total_tokens,
					pb_q(pb_state_errmsg(s->st)));
			}
		}
		/* A model that answers a Chinese reader in English (small models often do) is
		 * not cached: the reader would get it for every run after. */
		if (st == PB_LLM_OK && !pb_llm_language_ok(ans.content, j->lang)) {
			int *n = wrong_count(s, j->lang);

			snprintf(why, sizeof why, "the answer is not in %s", pb_language_name(j->lang));
			/* the model works, in another language: that language's requests stop
			 * after a few, the other readers' go on */
			s->fails_in_row = 0;
			if (n && ++*n == MAX_FAILS_IN_ROW)
				pb_warn("summary.stop_language", "lang=%s reason=%s", pb_q(j->lang),
					pb_q("the model answered in another language repeatedly"));
			pb_llm_answer_free(&ans);
			goto failed;
		}
		if (st == PB_LLM_OK) {
			int *n = wrong_count(s, j->lang);

			answer = ans.content;
			ans.content = NULL;
			s->fails_in_row = 0;
			if (n)
				*n = 0;
			s->n_answers++;
		} else {
			s->fails_in_row++;
		}
		pb_llm_answer_free(&ans);
	}
failed:
	if (!answer) {
		if (s->fails_in_row >= MAX_FAILS_IN_ROW)
			stop_asking(s, "model failed repeatedly");
		fallback(s, j->kind, j->key, j->lang, j->subscriber, why);
		return 0;
	}
	if (pb_cache_put(s->st, j->key, s->cfg->summary.model, j->lang, j->hash, j->kind, answer,
			 tokens) < 0)
		pb_warn("summary.cache", "kind=%s paper=%s error=%s", j->kind, pb_q(j->key),
			pb_q("cannot store the answer"));
	else
		pb_info("summary.answer", "kind=%s paper=%s lang=%s tokens=%ld", j->kind,
			pb_q(j->key), pb_q(j->lang), tokens);
	free(answer);
	return 1;
}

/* Sends the queued requests in order, several at once once the model has answered: the first
 * request goes alone, and after any failure the next one goes alone again, so a wrong key, a
 * 429 or a server that is down costs one request, not a volley. The budget counts what the
 * requests in flight will likely spend. */
static void
run_jobs(struct pb_summarizer *s)
{
	size_t next = 0, n_fl = 0, window = 1;
	size_t max = s->cfg->summary.concurrency > 0 ? (size_t)s->cfg->summary.concurrency : 4;
	CURLM *multi;

	if (s->n_jobs == 0)
		return;
	multi = curl_multi_init();
	while (multi && (next < s->n_jobs || s->n_again > 0 || n_fl > 0)) {
		CURLMsg *cm;
		int running, left;

		while ((next < s->n_jobs || s->n_again > 0) && n_fl < window) {
			/* those answered 429 first, in the order they were */
			struct job *j = s->n_again ? s->again[0] : &s->jobs[next];
			char why[256];
			long timeout_s = 0;
			int may = may_ask(s, n_fl, &timeout_s, why, sizeof why);

			if (may > 0)
				break;
			if (s->n_again)
				memmove(s->again, s->again + 1, --s->n_again * sizeof *s->again);
			else
				next++;
			if (may < 0 || lang_stopped(s, j->lang, why, sizeof why)) {
				fallback(s, j->kind, j->key, j->lang, j->subscriber, why);
				continue;
			}
			if (j->ft && j->excerpt_tokens >= s->excerpt_refused) {
				/* made before the model refused a shorter excerpt */
				j->excerpt_tokens = excerpt_budget(s, j->excerpt_tokens);
				if (!j->excerpt_tokens) {
					j->ft = NULL;
					j->hash = s->hash_analysis;
				}
				job_render(s, j);
			} else if (j->flags != s->req_flags) {   /* made before the model refused some */
				job_render(s, j);
			}
			if (!flight_start(s, multi, j, timeout_s)) {
				fallback(s, j->kind, j->key, j->lang, j->subscriber,
					 "cannot start a request");
				continue;
			}
			n_fl++;
		}
		if (n_fl == 0) {
			/* nothing in flight and the next may not go yet: the model's Retry-After,
			 * waited a quarter second at a time (may_ask keeps the deadline) */
			if (next < s->n_jobs || s->n_again > 0)
				usleep(250000);
			continue;
		}
		curl_multi_perform(multi, &running);
		while ((cm = curl_multi_info_read(multi, &left))) {
			struct flight *f = NULL;

			if (cm->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(cm->easy_handle, CURLINFO_PRIVATE, (char **)&f);
			if (flight_done(s, f, cm->data.result))
				window = window * 2 < max ? window * 2 : max;
			else
				window = 1;
			flight_free(multi, f);
			n_fl--;
		}
		if (n_fl > 0)
			curl_multi_poll(multi, NULL, 0, 200, NULL);
	}
	for (size_t i = 0; i < s->n_again; i++)   /* only when curl could not start at all */
		fallback(s, s->again[i]->kind, s->again[i]->key, s->again[i]->lang,
			 s->again[i]->subscriber, "cannot start a request");
	s->n_again = 0;
	for (; next < s->n_jobs; next++)
		fallback(s, s->jobs[next].kind, s->jobs[next].key, s->jobs[next].lang,
			 s->jobs[next].subscriber, "cannot start a request");
	if (multi)
		curl_multi_cleanup(multi);
	for (size_t i = 0; i < s->n_jobs; i++) {
		free(s->jobs[i].key);
		free(s->jobs[i].body);
	}
	s->n_jobs = 0;
}

/* A paper's cached analysis: the one written with its full text first, else the one from its
 * abstract (a run without the text reuses the better answer of an earlier run). */
static char *
analysis_cached(struct pb_summarizer *s, const char *key, const char *lang)
{
	char *a = NULL;

	if (s->tmpl_uses_ft)
		a = pb_cache_get(s->st, key, s->cfg->summary.model, lang, s->hash_analysis_ft,
				 "analysis");
	if (!a)
		a = pb_cache_get(s->st, key, s->cfg->summary.model, lang, s->hash_analysis,
				 "analysis");
	pb_llm_tidy(a);         /* an answer cached before answers were unwrapped */
	return a;
}

/* One paper's analysis in one language, unless cached or asked already. Given its full text
 * (and a prompt with {fulltext}), the cache key's prompt part is another hash, so a paper
 * asked about from its abstract alone is asked again once its text is there. */
static void
prepare_analysis(struct pb_summarizer *s, const struct pb_paper *p, const char *lang)
{
	struct pb_buf key = { 0 };
	struct job *j;
	const struct pb_fulltext *ft = s->tmpl_uses_ft ? ft_of(s, p) : NULL;
	char *cached;

	int budget = excerpt_budget(s, s->cfg->fulltext.excerpt_tokens > 0
					   ? s->cfg->fulltext.excerpt_tokens : 3000);

	if (budget == 0)
		ft = NULL;   /* the model has no room for any excerpt: asked from the abstract */
	paper_key(p, &key);
	if (asked_before(s, "analysis", key.data, lang))
		goto out;
	cached = ft ? pb_cache_get(s->st, key.data, s->cfg->summary.model, lang,
				   s->hash_analysis_ft, "analysis")
		    : analysis_cached(s, key.data, lang);
	if (cached) {
		s->n_cached++;
		free(cached);
		goto out;
	}
	j = job_new(s, "analysis", key.data, lang, ft ? s->hash_analysis_ft : s->hash_analysis,
		    NULL);
	j->paper = p;
	j->ft = ft;
	/* a config built by hand (tests, tools) may leave the budget unset */
	j->excerpt_tokens = budget;
	job_render(s, j);
out:
	pb_buf_free(&key);
}

/* The papers of j's digest for its summary prompt: title, id and key findings, as many as
 * fit j->list_max bytes, the rest counted. No topic names: the answer is shared by every
 * subscriber with the same papers. *count is the papers in the digest. */
static void
summary_list(struct pb_summarizer *s, const struct job *j, struct pb_buf *list, size_t *count)
{
	const struct pb_paperset *papers = j->papers;
	const struct pb_selection *sel = j->sel;
	struct pb_buf pk = { 0 };
	size_t n = 0, more = 0;

	for (size_t i = 0; i < sel->n_hits; i++) {
		const struct findings_memo *m;
		const struct pb_paper *p;

		if (sel->hits[i].paper >= papers->n)
			continue;
		p = &papers->v[sel->hits[i].paper];
		n++;
		if (list->len > j->list_max) {  /* the best ones in full fit any model */
			more++;
			continue;
		}
		m = findings_of(s, papers, sel->hits[i].paper);
		paper_key(p, &pk);
		pb_buf_printf(list, "%zu. %s (arXiv:%s)\n", n, p->title ? p->title : "", pk.data);
		for (size_t k = 0; k < m->n; k++)
			pb_buf_printf(list, "   - %s\n", m->v[k]);
	}
	if (more)
		pb_buf_printf(list, "(and %zu more papers)\n", more);
	*count = n;
	pb_buf_free(&pk);
}

/* One digest's executive summary, unless cached or asked already. */
static void
prepare_summary(struct pb_summarizer *s, const struct pb_paperset *papers,
		const struct pb_selection *sel, const char *date)
{
	const char *lang = sub_language(sel->sub);
	struct pb_buf key = { 0 };
	struct job *j;
	char *cached;

	if (sel->n_hits == 0)
		return;
	digest_key(s, papers, sel, 1, &key);
	if (asked_before(s, "summary", key.data, lang))
		goto out;
	cached = pb_cache_get(s->st, key.data, s->cfg->summary.model, lang, s->hash_summary,
			      "summary");
	if (cached) {
		s->n_cached++;
		free(cached);
		goto out;
	}
	j = job_new(s, "summary", key.data, lang, s->hash_summary,
		    sel->sub ? sel->sub->name : NULL);
	j->papers = papers;
	j->sel = sel;
	j->date = date;
	j->list_max = MAX_SUMMARY_LIST;
	job_render(s, j);
out:
	pb_buf_free(&key);
}

int
pb_summarizer_prepare(struct pb_summarizer *s, const struct pb_paperset *papers,
		      const struct pb_selection *sel, size_t n_sel)
{
	size_t depth = 0;
	long req0, ans0, cached0, fb0, tok0, est0;
	int64_t t0 = pb_mono_ms();

	if (!s || !s->model_on || !papers || !sel)
		return 0;
	req0 = s->n_requests;
	ans0 = s->n_answers;
	est0 = s->n_estimated;
	cached0 = s->n_cached;
	fb0 = s->n_fallbacks;
	tok0 = s->tokens;
	/* Executive summaries first (one per distinct digest, at the top of every message),
	 * then analyses by rank across subscribers: everyone's first paper, then everyone's
	 * second, so a deadline cuts the least read ones. */
	for (size_t i = 0; i < n_sel; i++)
		prepare_summary(s, papers, &sel[i], papers->announce_date);
	for (size_t i = 0; i < n_sel; i++)
		if (sel[i].n_hits > depth)
			depth = sel[i].n_hits;
	for (size_t r = 0; r < depth && s->cfg->summary.analysis; r++) {
		for (size_t i = 0; i < n_sel; i++) {
			if (r >= sel[i].n_hits || sel[i].hits[r].paper >= papers->n)
				continue;
			prepare_analysis(s, &papers->v[sel[i].hits[r].paper],
					 sub_language(sel[i].sub));
		}
	}
	run_jobs(s);
	pb_info("summary.prepare", "requests=%ld answers=%ld cached=%ld fallbacks=%ld tokens=%ld "
		"ms=%lld", s->n_requests - req0, s->n_answers - ans0, s->n_cached - cached0,
		s->n_fallbacks - fb0, s->tokens - tok0, (long long)(pb_mono_ms() - t0));
	if (s->n_estimated > est0)
		pb_warn("summary.usage", "answers=%ld reason=%s", s->n_estimated - est0,
			pb_q("the model's answers gave no usage: tokens estimated from their bytes"));
	return 0;
}

/* The key of d's built-in summary into k: the language, the counts, and per item its paper's
 * place in the set (pidx), its findings' source, its topic and its score. */
static void
exec_key(const struct pb_summarizer *s, const struct pb_digest *d, const size_t *pidx,
	 struct pb_buf *k)
{
	pb_buf_puts(k, d->language ? d->language : "");
	pb_buf_putc(k, '\0');
	pb_buf_append(k, &d->n_items, sizeof d->n_items);
	pb_buf_append(k, &d->n_matched, sizeof d->n_matched);
	for (size_t i = 0; i < d->n_items; i++) {
		const struct findings_memo *m = &s->memo[pidx[i]];
		const char *t = d->items[i].topic;

		pb_buf_append(k, &pidx[i], sizeof pidx[i]);
		pb_buf_append(k, &m->abstract, sizeof m->abstract);
		pb_buf_append(k, &m->ft, sizeof m->ft);
		pb_buf_append(k, &d->items[i].score, sizeof d->items[i].score);
		pb_buf_putc(k, t ? 1 : 0);
		if (t)
			pb_buf_append(k, t, strlen(t) + 1);
	}
}

/* d's built-in executive summary (pb_exec_summary_terms with the papers' theme words tv), from
 * the memo when a digest made of the same was summarized before in this run. */
static char *
exec_summary_memo(struct pb_summarizer *s, const struct pb_digest *d, const size_t *pidx,
		  const struct pb_terms **tv)
{
	struct pb_buf k = { 0 };
	struct exec_memo *e;
	uint64_t h;
	size_t i;
	char *text;

	if (!s->memo || !d->n_items)
		return pb_exec_summary_terms(d, tv);
	exec_key(s, d, pidx, &k);
	h = pb_hash64_mem(k.data, k.len);
	if (!s->exec)
		s->exec = pb_xcalloc(EXEC_MEMO_SLOTS, sizeof *s->exec);
	for (i = h & (EXEC_MEMO_SLOTS - 1); s->exec[i].key; i = (i + 1) & (EXEC_MEMO_SLOTS - 1)) {
		e = &s->exec[i];
		if (e->hash == h && e->key_len == k.len && memcmp(e->key, k.data, k.len) == 0) {
			pb_buf_free(&k);
			return pb_xstrdup(e->text);
		}
	}
	text = pb_exec_summary_terms(d, tv);
	if (text && s->exec_n < EXEC_MEMO_SLOTS / 2 && s->exec_bytes < EXEC_MEMO_BYTES) {
		e = &s->exec[i];
		e->hash = h;
		e->key_len = k.len;
		e->key = pb_buf_detach(&k);
		e->text = pb_xstrdup(text);
		s->exec_n++;
		s->exec_bytes += e->key_len + strlen(text) + 1;
	}
	pb_buf_free(&k);
	return text;
}

int
pb_digest_build(struct pb_summarizer *s, const struct pb_paperset *papers,
		const struct pb_selection *sel, const char *date, struct pb_digest *out)
{
	const struct pb_subscriber *sub = sel ? sel->sub : NULL;
	struct pb_summarizer tmp = { 0 };
	struct pb_summarizer *use = s ? s : &tmp;
	size_t *pidx;

	memset(out, 0, sizeof *out);
	if (!papers || !sel)
		return -1;
	out->subscriber = sub ? sub->name : NULL;
	out->language = sub && sub->language && *sub->language ? sub->language : "en";
	if (!date || !*date)
		date = papers->announce_date ? papers->announce_date : "";
	out->date = pb_xstrdup(date);
	out->n_matched = sel->n_matched;
	if (s && s->cfg)
		out->unsubscribe = s->cfg->email.unsubscribe_url ? s->cfg->email.unsubscribe_url
								 : s->cfg->email.unsubscribe_mailto;

	out->items = pb_xcalloc(sel->n_hits ? sel->n_hits : 1, sizeof *out->items);
	pidx = pb_xcalloc(sel->n_hits ? sel->n_hits : 1, sizeof *pidx);
	for (size_t i = 0; i < sel->n_hits; i++) {
		const struct pb_hit *hit = &sel->hits[i];
		struct pb_digest_item *it;
		const struct findings_memo *m;

		if (hit->paper >= papers->n) {
			pb_warn("digest.bad_hit", "subscriber=%s paper_index=%zu n_papers=%zu",
				pb_q(out->subscriber), hit->paper, papers->n);
			continue;
		}
		pidx[out->n_items] = hit->paper;
		it = &out->items[out->n_items++];
		it->paper = &papers->v[hit->paper];
		it->topic = sub && hit->topic < sub->n_topics ? sub->topics[hit->topic].name : NULL;
		it->score = hit->score;
		if (sel->why && sel->why[i])
			it->why = pb_xstrdup(sel->why[i]);
		if (s)
			it->fulltext = ft_of(s, it->paper);
		m = findings_of(use, papers, hit->paper);
		if (use->model_on && use->cfg->summary.analysis) {
			struct pb_buf key = { 0 };

			paper_key(it->paper, &key);
			it->analysis = analysis_cached(use, key.data, out->language);
			pb_buf_free(&key);
		}
		if (m->n) {
			it->findings = pb_xcalloc(m->n, sizeof *it->findings);
			for (size_t k = 0; k < m->n; k++)
				it->findings[k] = pb_xstrdup(m->v[k]);
			it->n_findings = m->n;
		}
	}
	if (out->n_matched < out->n_items)
		out->n_matched = out->n_items;
	/* per topic, so a capped digest can say what it leaves out */
	if (sub && sub->n_topics) {
		out->topics = pb_xcalloc(sub->n_topics, sizeof *out->topics);
		out->n_topics = sub->n_topics;
		for (size_t t = 0; t < sub->n_topics; t++) {
			out->topics[t].name = sub->topics[t].name;
			out->topics[t].matched = sel->topic_matched ? sel->topic_matched[t] : 0;
		}
		for (size_t i = 0; i < sel->n_hits; i++)
			if (sel->hits[i].topic < sub->n_topics && sel->hits[i].paper < papers->n)
				out->topics[sel->hits[i].topic].shown++;
		for (size_t t = 0; t < sub->n_topics; t++)
			if (out->topics[t].matched < out->topics[t].shown)
				out->topics[t].matched = out->topics[t].shown;
	}
	if (sel->n_rest) {
		out->more = pb_xcalloc(sel->n_rest, sizeof *out->more);
		for (size_t i = 0; i < sel->n_rest; i++) {
			const struct pb_hit *h = &sel->rest[i];

			if (h->paper >= papers->n)
				continue;
			out->more[out->n_more].paper = &papers->v[h->paper];
			out->more[out->n_more].topic = sub && h->topic < sub->n_topics ?
						       sub->topics[h->topic].name : NULL;
			out->more[out->n_more++].score = h->score;
		}
	}
	pb_digest_names(s ? s->cfg : NULL, sub, out);
	if (use->model_on && out->n_items > 0) {
		struct pb_buf key = { 0 };

		struct pb_buf bare = { 0 };

		digest_key(use, papers, sel, 1, &key);
		out->exec_summary = pb_cache_get(use->st, key.data, use->cfg->summary.model,
						 out->language, use->hash_summary, "summary");
		/* none written with the full texts yet: the one from the abstracts meanwhile */
		if (!out->exec_summary)
			digest_key(use, papers, sel, 0, &bare);
		if (!out->exec_summary && strcmp(bare.data, key.data) != 0)
			out->exec_summary = pb_cache_get(use->st, bare.data,
							 use->cfg->summary.model, out->language,
							 use->hash_summary, "summary");
		pb_buf_free(&bare);
		pb_llm_tidy(out->exec_summary);
		out->exec_from_model = out->exec_summary != NULL;
		pb_buf_free(&key);
	}
	if (!out->exec_summary && use != &tmp) {
		/* the theme words of each paper are worked out once for all digests */
		const struct pb_terms **tv = pb_xcalloc(out->n_items ? out->n_items : 1, sizeof *tv);

		for (size_t i = 0; i < out->n_items; i++) {
			struct findings_memo *m = findings_of(use, papers, pidx[i]);

			if (!m->terms)
				m->terms = pb_terms_new(out->items[i].paper->title, m->v, m->n);
			tv[i] = m->terms;
		}
		out->exec_summary = exec_summary_memo(use, out, pidx, tv);
		free(tv);
	}
	if (!out->exec_summary)
		out->exec_summary = pb_exec_summary_builtin(out);
	if (use == &tmp)
		memo_clear(&tmp);
	free(pidx);
	return 0;
}

void
pb_summarizer_set_fulltext(struct pb_summarizer *s, const struct pb_fulltext_set *ft)
{
	if (s)
		s->ft = ft;
}

void
pb_digest_free(struct pb_digest *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_items; i++) {
		pb_sentences_free(d->items[i].findings, d->items[i].n_findings);
		free(d->items[i].analysis);
		free(d->items[i].why);
	}
	free(d->items);
	free(d->topics);
	free(d->more);
	free(d->date);
	free(d->title);
	free(d->subject);
	free(d->exec_summary);
	memset(d, 0, sizeof *d);
}

int
pb_summary_zh(const char *lang)
{
	const char *col = pb_words_column(lang);

	if (strcmp(col, "zh-Hant") == 0)
		return PB_ZH_HANT;
	return strcmp(col, "zh") == 0 ? PB_ZH_HANS : PB_ZH_NONE;
}

/* The short note for subscribers who asked to hear about days without an announcement. */
void
pb_digest_no_announcement(struct pb_digest *d, const char *date)
{
	struct pb_buf b = { 0 };
	const char *vars[] = { "date", date, NULL };

	pb_template_put(&b, pb_word(d->language, PB_W_NO_ANNOUNCEMENT), vars);
	free(d->exec_summary);
	d->exec_summary = pb_buf_detach(&b);
	d->exec_from_model = 0;
}
