/* Embeddings from an OpenAI-compatible endpoint (POST {base_url}/embeddings): one vector per
 * paper version and model, cached in the state and shared by every subscriber, so a run asks
 * O(papers / batch) requests whatever the number of readers. The endpoint is optional and
 * outside: any failure leaves papers without a vector and the ranking lexical. */
#define _GNU_SOURCE 1   /* strcasestr */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "paperboy/http.h"
#include "paperboy/llm.h"
#include "paperboy/log.h"
#include "paperboy/rank.h"
#include "paperboy/state.h"

/* Title and abstract are cut here (a UTF-8 boundary): about 1,500 tokens, within OpenAI's
 * window (8192) and most others', and no abstract comes near it. A model with a smaller
 * window (a BERT's 512 tokens behind text-embeddings-inference) that refuses an input as too
 * long has every input cut by half again for the run, down to MIN_TEXT. */
#define MAX_TEXT 6000
#define MIN_TEXT 300
/* The length a model took once it refused a longer one, kept in the state's meta under CUT_KEY
 * ("bytes<TAB>unix time<TAB>endpoint URL<TAB>model") for a week: the runs after it start
 * there rather than be refused again (two to four requests) before every day's vectors. A
 * model or URL changed starts at MAX_TEXT; after the week so does the same one (a server given
 * a larger window). */
#define CUT_KEY "embeddings.cut"
#define CUT_KEEP_S (7 * 86400)
/* No embedding model has more dimensions; an answer with more is garbage. */
#define MAX_DIM 16384
/* Attempts per batch: a 429 that names a wait within the deadline, or a passing failure (a
 * 5xx, 408, 409, a network error). */
#define MAX_ATTEMPTS 4

/* ---- parsing an answer ---- */

static void
set_why(char *why, size_t n, const char *fmt, const char *detail)
{
	struct pb_buf b = { 0 };
	size_t cut;

	if (!why || !n)
		return;
	pb_buf_printf(&b, fmt, detail ? detail : "");
	for (size_t i = 0; i < b.len; i++)     /* one printable line */
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7F)
			b.data[i] = ' ';
	cut = b.len < n - 1 ? b.len : n - 1;
	if (cut > 200)
		cut = 200;
	while (cut > 0 && cut < b.len && ((unsigned char)b.data[cut] & 0xC0) == 0x80)
		cut--;
	pb_buf_truncate(&b, cut);
	snprintf(why, n, "%s", pb_buf_str(&b));
	pb_buf_free(&b);
}

/* One embedding array into a malloc'd unit vector of *dim floats (*dim 0: sets it). The
 * numbers are scaled by their largest magnitude first, so any float-sized value normalises
 * without overflow. 0, or -1 with why. */
static int
one_vector(const cJSON *arr, size_t *dim, float **out, char *why, size_t whylen)
{
	const cJSON *x;
	size_t d = 0, k = 0;
	double max = 0, norm = 0;
	double *tmp;
	float *v;

	if (!cJSON_IsArray(arr)) {
		set_why(why, whylen, "an embedding that is not an array of numbers%s", NULL);
		return -1;
	}
	cJSON_ArrayForEach(x, arr) {
		if (!cJSON_IsNumber(x)) {
			set_why(why, whylen, "an embedding that is not an array of numbers%s", NULL);
			return -1;
		}
		if (!isfinite(x->valuedouble) || fabs(x->valuedouble) > FLT_MAX) {
			set_why(why, whylen, "a number out of range%s", NULL);
			return -1;
		}
		if (fabs(x->valuedouble) > max)
			max = fabs(x->valuedouble);
		if (++d > MAX_DIM) {
			set_why(why, whylen, "a vector longer than 16384%s", NULL);
			return -1;
		}
	}
	if (d == 0) {
		set_why(why, whylen, "an empty vector%s", NULL);
		return -1;
	}
	if (*dim && d != *dim) {
		set_why(why, whylen, "lengths differ%s", NULL);
		return -1;
	}
	if (max == 0) {
		set_why(why, whylen, "a vector of zeros%s", NULL);
		return -1;
	}
	tmp = pb_xmalloc(d * sizeof *tmp);
	cJSON_ArrayForEach(x, arr) {
		tmp[k] = x->valuedouble / max;
		norm += tmp[k] * tmp[k];
		k++;
	}
	norm = sqrt(norm);
	v = pb_xmalloc(d * sizeof *v);
	for (k = 0; k < d; k++)
		v[k] = (float)(tmp[k] / norm);
	free(tmp);
	*dim = d;
	*out = v;
	return 0;
}

int
pb_embed_parse(const char *body, size_t len, size_t n, float **vecs, size_t *dim, char *why,
	       size_t whylen)
{
	cJSON *root = NULL;
	const cJSON *data, *item, *err;
	size_t count = 0, pos = 0;
	int rc = -1;

	for (size_t i = 0; i < n; i++)
		vecs[i] = NULL;
	*dim = 0;
	if (why && whylen)
		why[0] = '\0';
	if (!body || len == 0) {
		set_why(why, whylen, "empty body%s", NULL);
		goto out;
	}
	root = cJSON_ParseWithLength(body, len);
	if (!root) {
		set_why(why, whylen, "not JSON%s", NULL);
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		set_why(why, whylen, "not a JSON object%s", NULL);
		goto out;
	}
	err = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (err && !cJSON_IsNull(err)) {
		const cJSON *m = cJSON_IsObject(err) ? cJSON_GetObjectItemCaseSensitive(err, "message")
						     : err;

		set_why(why, whylen, "API error: %s", cJSON_IsString(m) ? m->valuestring : "?");
		goto out;
	}
	data = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (!cJSON_IsArray(data)) {
		set_why(why, whylen, "no data array%s", NULL);
		goto out;
	}
	cJSON_ArrayForEach(item, data)
		count++;
	if (count != n) {
		char m[96];

		snprintf(m, sizeof m, "%zu vectors for %zu inputs", count, n);
		set_why(why, whylen, "%s", m);
		goto out;
	}
	cJSON_ArrayForEach(item, data) {
		const cJSON *ix = cJSON_GetObjectItemCaseSensitive(item, "index");
		size_t at = pos++;

		if (!cJSON_IsObject(item)) {
			set_why(why, whylen, "a data item that is not an object%s", NULL);
			goto out;
		}
		/* index is what pairs a vector with its input; OpenAI always sends it, a server
		 * that leaves it out answers in order */
		if (ix) {
			if (!cJSON_IsNumber(ix) || ix->valuedouble < 0 ||
			    ix->valuedouble >= (double)n || ix->valuedouble != floor(ix->valuedouble)) {
				set_why(why, whylen, "an index out of range%s", NULL);
				goto out;
			}
			at = (size_t)ix->valuedouble;
		}
		if (vecs[at]) {
			set_why(why, whylen, "the same index twice%s", NULL);
			goto out;
		}
		if (one_vector(cJSON_GetObjectItemCaseSensitive(item, "embedding"), dim, &vecs[at],
			       why, whylen) < 0)
			goto out;
	}
	rc = 0;
out:
	cJSON_Delete(root);
	if (rc < 0) {
		for (size_t i = 0; i < n; i++) {
			free(vecs[i]);
			vecs[i] = NULL;
		}
		*dim = 0;
	}
	return rc;
}

/* ---- the set ---- */

void
pb_embed_set_free(struct pb_embed_set *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++) {
		free(e->keys[i]);
		free(e->vecs[i]);
	}
	free(e->keys);
	free(e->vecs);
	memset(e, 0, sizeof *e);
}

const float *
pb_embed_find(const struct pb_embed_set *e, const char *key)
{
	size_t lo = 0, hi;

	if (!e || !key)
		return NULL;
	if (!e->sorted) {
		for (size_t i = 0; i < e->n; i++)
			if (strcmp(e->keys[i], key) == 0)
				return e->vecs[i];
		return NULL;
	}
	hi = e->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(e->keys[mid], key);

		if (c == 0)
			return e->vecs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

double
pb_rrf(size_t ra, size_t rb, double k)
{
	double s = 1.0 / (k + (double)ra + 1.0);

	if (rb != (size_t)-1)
		s += 1.0 / (k + (double)rb + 1.0);
	return s;
}

/* ---- fetching ---- */

struct item {
	char *key;                   /* "2411.17790v2" */
	const struct pb_paper *p;
	float *vec;
	size_t dim;
};

static int
by_key(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->key, ((const struct item *)b)->key);
}

static void
add_item(struct item **v, size_t *n, size_t *cap, const struct pb_paper *p)
{
	struct pb_buf k = { 0 };

	if (!p || !p->id || !*p->id)
		return;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*v = pb_xreallocarray(*v, *cap, sizeof **v);
	}
	pb_buf_printf(&k, "%sv%d", p->id, p->version);
	(*v)[*n].key = pb_buf_detach(&k);
	(*v)[*n].p = p;
	(*v)[*n].vec = NULL;
	(*v)[*n].dim = 0;
	(*n)++;
}

/* The text asked for: title and abstract, blanks collapsed, cut at max bytes. */
static void
input_text(const struct pb_paper *p, size_t max, struct pb_buf *b)
{
	const char *parts[2] = { p->title, p->abstract };
	size_t start = b->len;
	int blank = 1;

	for (int i = 0; i < 2; i++) {
		if (!parts[i])
			continue;
		if (b->len > start) {
			pb_buf_puts(b, ". ");
			blank = 1;
		}
		for (const char *s = parts[i]; *s; s++) {
			int sp = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';

			if (sp) {
				if (!blank)
					pb_buf_putc(b, ' ');
				blank = 1;
			} else {
				pb_buf_putc(b, *s);
				blank = 0;
			}
		}
	}
	if (b->len - start > max) {
		size_t cut = start + max;

		while (cut > start && ((unsigned char)b->data[cut] & 0xC0) == 0x80)
			cut--;
		pb_buf_truncate(b, cut);
	}
	if (b->len == start)            /* the endpoint refuses an empty input */
		pb_buf_puts(b, p->id);
}

static char *
request_body(const char *model, struct item *const *batch, size_t n, size_t max_text)
{
	cJSON *root = cJSON_CreateObject(), *arr;
	struct pb_buf t = { 0 };
	char *out, *copy;

	cJSON_AddStringToObject(root, "model", model);
	arr = cJSON_AddArrayToObject(root, "input");
	for (size_t i = 0; i < n; i++) {
		pb_buf_reset(&t);
		input_text(batch[i]->p, max_text, &t);
		cJSON_AddItemToArray(arr, cJSON_CreateString(pb_buf_str(&t)));
	}
	pb_buf_free(&t);
	out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!out)       /* cJSON's allocation failed: the same policy as pb_xmalloc */
		abort();
	copy = pb_xstrdup(out);
	cJSON_free(out);
	return copy;
}


/* What the server said with an error status, for the log: its JSON error message (OpenAI's
 * error.message, or a message of the top level), else its first line, quoted; "" when it
 * said nothing. */
static void
server_said(const struct pb_buf *body, char *out, size_t n)
{
	cJSON *root = body->len ? cJSON_ParseWithLength(body->data, body->len) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
	const cJSON *m = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "message") : e;
	struct pb_buf q = { 0 };

	if (!e)         /* text-embeddings-inference's {"message": ..., "type": "Validation"} */
		m = cJSON_GetObjectItemCaseSensitive(root, "message");

	if (cJSON_IsString(m))
		pb_http_quote_reply(&q, m->valuestring, strlen(m->valuestring), 120);
	else if (!root && body->len && body->data[0] != '<')
		pb_http_quote_reply(&q, body->data, body->len, 120);
	snprintf(out, n, "%s%s", q.len ? ": " : "", pb_buf_str(&q));
	pb_buf_free(&q);
	cJSON_Delete(root);
}

struct client {
	const struct pb_config *cfg;
	struct pb_state *st;
	struct pb_http *h;
	char *url, *auth;
	int64_t deadline;            /* monotonic ms */
	size_t dim;                  /* of the set: the cache's or the first answer's */
	int answered;                /* the server gave vectors in this run */
	size_t stale;                /* the cache's length, when the server answers another */
	int requests;
	size_t batch_max;            /* a batch too large: what the server said it takes, or 0 */
	size_t max_text;             /* bytes of each input: MAX_TEXT, less once refused */
	size_t cut_kept;             /* the length kept in CUT_KEY for this model, or MAX_TEXT */
	struct pb_llm_wait wait;     /* the last answer's headers that say when to ask again */
	char reason[640];            /* why asking stopped; "" while it goes on */
};

/* Whether s says an input is beyond the model's window: the chat servers' ways of saying it
 * (pb_llm_context_exceeded: OpenAI's "This model's maximum context length is 8192 tokens"),
 * text-embeddings-inference's "`inputs` must have less than 512 tokens", OpenAI's newer
 * "maximum input length is 8192 tokens", Ollama's "the input length exceeds the context
 * length". */
static int
input_too_long(const char *s, size_t len)
{
	return pb_llm_context_exceeded(s, len) ||
	       (strcasestr(s, "must have less than") && strcasestr(s, "token")) ||
	       strcasestr(s, "maximum input length") ||
	       strcasestr(s, "exceeds the context length");
}

enum pb_embed_refusal
pb_embed_refusal(long status, const char *body, size_t len, size_t *max)
{
	struct pb_buf b = { 0 };
	const char *s, *at;
	enum pb_embed_refusal r = PB_EMBED_NOT_REFUSED;

	if (max)
		*max = 0;
	if (status < 400 || status >= 500)
		return r;
	pb_buf_append(&b, body ? body : "", body ? len : 0);
	s = pb_buf_str(&b);
	/* the request's sum before any one input: Mistral's "too many tokens in batch" would
	 * read as an input too long */
	if (strcasestr(s, "batch size") || strcasestr(s, "max_tokens_per_request") ||
	    strcasestr(s, "tokens per request") || strcasestr(s, "tokens in batch")) {
		r = PB_EMBED_BATCH_TOO_LARGE;
		if (max && (at = strcasestr(s, "maximum allowed batch size"))) {
			long v = strtol(at + 26, NULL, 10);

			if (v > 0 && v < 100000)
				*max = (size_t)v;
		}
	} else if (input_too_long(s, b.len)) {
		r = PB_EMBED_INPUT_TOO_LONG;
	} else if (status == 413) {
		r = PB_EMBED_BATCH_TOO_LARGE;   /* a proxy's bare refusal of the body's size */
	}
	pb_buf_free(&b);
	return r;
}

static void
on_header(void *ud, const char *line, size_t len)
{
	pb_llm_wait_header(ud, line, len);
}

/* Asks the endpoint for one batch, retrying a 429 and a passing failure (a 5xx, 408, 409 or
 * network error; pb_llm_try_again, so the answer's x-should-retry decides first) after the
 * wait the answer asks for (pb_llm_wait_ms: retry-after-ms, Retry-After, a 429's
 * x-ratelimit-reset-*) or a short pause, while the deadline allows. Fills the batch's vectors
 * and returns 0; or returns -2 when the server refuses a batch of n as too large (the size it
 * takes in c->batch_max when it says), -3 when it refuses an input as too long for the
 * model (c->max_text can still be cut); or sets c->reason and returns -1: nothing more is to
 * be asked. */
static int
ask(struct client *c, struct item **batch, size_t n)
{
	const char *headers[2] = { c->auth, NULL };
	char *body = request_body(c->cfg->embeddings.model, batch, n, c->max_text);
	float **vecs = pb_xcalloc(n, sizeof *vecs);
	int rc = -1;

	for (int attempt = 1;; attempt++) {
		struct pb_http_response resp;
		char err[512], why[256];
		int64_t left = c->deadline - pb_mono_ms(), t0, waited, wait = -1;
		long timeout = c->cfg->embeddings.timeout_s, status;
		size_t dim = 0;
		enum pb_embed_refusal refused;
		int hr;

		if (pb_http_stopping(c->h)) {
			/* the run's stop: no new request, the papers left go without vectors */
			snprintf(c->reason, sizeof c->reason, "stopped");
			break;
		}
		if (left <= 0) {
			snprintf(c->reason, sizeof c->reason, "deadline of %d s reached",
				 c->cfg->embeddings.deadline_s);
			break;
		}
		if (timeout * 1000 > left)
			timeout = (long)((left + 999) / 1000);
		t0 = pb_mono_ms();
		c->requests++;
		memset(&c->wait, 0, sizeof c->wait);
		hr = pb_http_post(c->h, c->url, NULL, body, strlen(body), c->auth ? headers : NULL,
				  0, timeout, &resp, err, sizeof err);
		waited = pb_mono_ms() - t0;
		status = resp.status;
		if (hr == 0) {
			if (pb_embed_parse(resp.body.data, resp.body.len, n, vecs, &dim, why,
					   sizeof why) < 0)
				snprintf(c->reason, sizeof c->reason, "%s", why);
			else if (c->answered && dim != c->dim)
				snprintf(c->reason, sizeof c->reason, "%zu dimensions where the "
					 "earlier answers have %zu", dim, c->dim);
			else
				rc = 0;
			if (rc < 0)
				for (size_t i = 0; i < n; i++) {
					free(vecs[i]);
					vecs[i] = NULL;
				}
			pb_http_response_free(&resp);
			if (rc == 0) {
				/* The server's first answer decides the length: a cache of
				 * another one holds an earlier model's vectors (a model
				 * changed behind the same name), never comparable with its. */
				if (c->dim && dim != c->dim)
					c->stale = c->dim;
				c->dim = dim;
				c->answered = 1;
				for (size_t i = 0; i < n; i++) {
					batch[i]->vec = vecs[i];
					batch[i]->dim = dim;
				}
			}
			break;
		}
		if (status) {
			server_said(&resp.body, why, sizeof why);
			snprintf(c->reason, sizeof c->reason, "HTTP %ld%s", status, why);
		}
		refused = pb_embed_refusal(status, resp.body.data, resp.body.len, &c->batch_max);
		if (pb_llm_account_spent(status, resp.body.data, resp.body.len)) {
			/* The account's credit is spent (a 402; OpenAI's insufficient_quota and
			 * billing codes, a 429 or a 400): every batch would be refused alike, and
			 * no wait mends it. */
			snprintf(c->reason, sizeof c->reason, "quota exhausted: check the plan and "
				 "billing of the API account (HTTP %ld%s)", status, why);
		} else if (refused == PB_EMBED_BATCH_TOO_LARGE && n > 1) {
			rc = -2;
		} else if (refused == PB_EMBED_INPUT_TOO_LONG && c->max_text / 2 >= MIN_TEXT) {
			rc = -3;
		} else if (status == 429) {
			wait = pb_llm_wait_ms(&c->wait, (long)time(NULL), 1);
			if (wait < 0)
				wait = 1000L << attempt;
			snprintf(c->reason, sizeof c->reason, "HTTP 429, retry after %lld s",
				 (long long)((wait + 999) / 1000));
			if (!pb_llm_try_again(status, &c->wait))
				wait = -1;      /* x-should-retry: false */
		} else if (status && pb_llm_try_again(status, &c->wait)) {
			/* a 5xx, 408, 409, or any the server says is worth again */
			wait = pb_llm_wait_ms(&c->wait, (long)time(NULL), 0);
			if (wait < 0)
				wait = 1000L << (attempt - 1);
		} else if (status == 0) {
			if (waited >= timeout * 1000 - 50)
				snprintf(c->reason, sizeof c->reason, "timeout after %ld s", timeout);
			else
				snprintf(c->reason, sizeof c->reason, "%s", err);
			/* a slow endpoint is not asked again: each try would cost the timeout;
			 * nor one the run's stop cut off (err says "stopped") */
			if (waited < timeout * 1000 - 50 && !pb_http_stopping(c->h))
				wait = 1000L << (attempt - 1);
		}
		/* else a bad key, an unknown model, a refused request: every one would fail */
		pb_http_response_free(&resp);
		if (rc != -1 || wait < 0 || attempt >= MAX_ATTEMPTS ||
		    pb_mono_ms() + wait >= c->deadline)
			break;
		pb_info("embed.retry", "reason=%s wait_ms=%lld attempt=%d", pb_q(c->reason),
			(long long)wait, attempt);
		/* slept in slices: the run's stop (SIGTERM) ends a wait the server asked for */
		if (pb_http_sleep(c->h, wait) < 0) {
			char asked[sizeof c->reason];

			snprintf(asked, sizeof asked, "%s", c->reason);
			snprintf(c->reason, sizeof c->reason, "wait of %lld s cut short by a stop "
				 "request (%.500s)", (long long)((wait + 999) / 1000), asked);
			break;
		}
		c->reason[0] = '\0';
	}
	free(vecs);
	free(body);
	return rc;
}

static int
client_open(struct client *c, const struct pb_config *cfg, struct pb_state *st,
	    const volatile sig_atomic_t *stop)
{
	struct pb_http_opts o;
	struct pb_buf b = { 0 };
	size_t n = strlen(cfg->embeddings.base_url);

	memset(c, 0, sizeof *c);
	c->cfg = cfg;
	c->st = st;
	memset(&o, 0, sizeof o);
	o.user_agent = cfg->user_agent && *cfg->user_agent ? cfg->user_agent : "paperboy";
	o.ca_file = cfg->ca_file;
	o.timeout_s = cfg->embeddings.timeout_s;
	o.connect_timeout_s = cfg->embeddings.timeout_s < 15 ? cfg->embeddings.timeout_s : 15;
	o.max_redirects = 2;
	o.max_retries = 0;
	o.stop = stop;          /* the run's: a transfer in flight and a wait end with it */
	if (!(c->h = pb_http_new(&o)))
		return -1;
	pb_http_set_header_fn(c->h, on_header, &c->wait);
	c->max_text = c->cut_kept = MAX_TEXT;
	while (n > 0 && cfg->embeddings.base_url[n - 1] == '/')
		n--;
	pb_buf_append(&b, cfg->embeddings.base_url, n);
	pb_buf_puts(&b, "/embeddings");
	c->url = pb_buf_detach(&b);
	if (cfg->embeddings.api_key && *cfg->embeddings.api_key) {
		pb_log_add_secret(cfg->embeddings.api_key);
		pb_buf_printf(&b, "Authorization: Bearer %s", cfg->embeddings.api_key);
		c->auth = pb_buf_detach(&b);
	}
	c->deadline = pb_mono_ms() + (int64_t)cfg->embeddings.deadline_s * 1000;
	return 0;
}

static void
client_close(struct client *c)
{
	pb_http_free(c->h);
	free(c->url);
	free(c->auth);
}

/* Stores the batch's new vectors; a cache that fails costs requests tomorrow, not today. */
static void
cache_batch(struct client *c, struct item **batch, size_t n)
{
	const char **keys = pb_xcalloc(n, sizeof *keys);
	const float **vecs = pb_xcalloc(n, sizeof *vecs);

	for (size_t i = 0; i < n; i++) {
		keys[i] = batch[i]->key;
		vecs[i] = batch[i]->vec;
	}
	if (pb_embed_cache_put(c->st, c->cfg->embeddings.model, keys, vecs, n, c->dim,
			       pb_now()) < 0)
		pb_warn("embed.cache", "error=%s", pb_q("vectors not stored"));
	free(keys);
	free(vecs);
}

/* Starts c at the length an earlier run learnt this model takes (CUT_KEY), when it is of this
 * model at this URL and not older than CUT_KEEP_S. */
static void
cut_load(struct client *c)
{
	long bytes;

	if (!pb_llm_kept_get(c->st, CUT_KEY, c->url, c->cfg->embeddings.model, CUT_KEEP_S,
			     &bytes) || bytes < MIN_TEXT || bytes >= MAX_TEXT)
		return;
	c->max_text = c->cut_kept = (size_t)bytes;
	pb_info("embed.cut_start", "model=%s max_bytes=%zu note=%s", pb_q(c->cfg->embeddings.model),
		c->max_text, pb_q("the model refused longer inputs in an earlier run; "
				  "the full length is tried again a week after"));
}

/* A batch was answered at c->max_text, shorter than what CUT_KEY says: the runs of the week
 * after start there. A state that refuses costs tomorrow's refused requests again. */
static void
cut_learn(struct client *c)
{
	if (c->max_text >= c->cut_kept)
		return;
	c->cut_kept = c->max_text;
	if (pb_llm_kept_put(c->st, CUT_KEY, c->url, c->cfg->embeddings.model,
			    (long)c->max_text) < 0)
		pb_warn("embed.cut_start", "error=%s", pb_q(pb_state_errmsg(c->st)));
}

/* Reads the cached vectors into v; those of another length than the first are left out
 * (asked again). */
static size_t
from_cache(struct pb_state *st, const char *model, struct item *v, size_t n, size_t *dim)
{
	const char **keys = pb_xcalloc(n, sizeof *keys);
	float **vecs = pb_xcalloc(n, sizeof *vecs);
	size_t *dims = pb_xcalloc(n, sizeof *dims), found = 0;

	for (size_t i = 0; i < n; i++)
		keys[i] = v[i].key;
	if (pb_embed_cache_get(st, model, keys, n, vecs, dims) > 0)
		for (size_t i = 0; i < n; i++) {
			if (!vecs[i])
				continue;
			if (!*dim)
				*dim = dims[i];
			if (dims[i] != *dim) {
				free(vecs[i]);
				continue;
			}
			v[i].vec = vecs[i];
			v[i].dim = dims[i];
			found++;
		}
	free(keys);
	free(vecs);
	free(dims);
	return found;
}

/* Drops the vectors older than the longer of the corpus and the state's retention, once a
 * day: the scan reads every stored vector. */
static void
prune(const struct pb_config *cfg, struct pb_state *st)
{
	int keep = cfg->rank.corpus_days > cfg->retention_days ? cfg->rank.corpus_days
							      : cfg->retention_days;
	char today[32], *last = NULL;
	long n;

	pb_format_instant(pb_now(), today, sizeof today);
	today[10] = '\0';
	if (pb_meta_get(st, "embeddings.pruned", &last) == 1 && strcmp(last, today) == 0) {
		free(last);
		return;
	}
	free(last);
	n = pb_embed_cache_prune(st, pb_now() - (int64_t)keep * 86400);
	if (n >= 0 && pb_meta_put(st, "embeddings.pruned", today) == 0 && n > 0)
		pb_info("embed.pruned", "vectors=%ld days=%d", n, keep);
}

long
pb_embed_fetch(const struct pb_config *cfg, struct pb_state *st,
	       const volatile sig_atomic_t *stop, const struct pb_paperset *day,
	       const struct pb_profile *profiles, size_t n_profiles, struct pb_embed_set *out)
{
	struct item *v = NULL, **todo = NULL;
	size_t n = 0, cap = 0, u = 0, n_todo = 0, cached = 0, asked = 0, got = 0, bs;
	struct client c;
	int64_t t0 = pb_mono_ms();
	int open = 0;

	memset(out, 0, sizeof *out);
	if (!cfg || !cfg->embeddings.enabled || !cfg->embeddings.base_url ||
	    !cfg->embeddings.model)
		return 0;
	for (size_t i = 0; day && i < day->n; i++)
		add_item(&v, &n, &cap, &day->v[i]);
	for (size_t s = 0; profiles && s < n_profiles; s++)
		for (size_t i = 0; i < profiles[s].texts.n; i++)
			add_item(&v, &n, &cap, &profiles[s].texts.v[i]);
	/* one request per paper however many readers like it */
	if (n)
		qsort(v, n, sizeof *v, by_key);
	for (size_t i = 0; i < n; i++) {
		if (u && strcmp(v[u - 1].key, v[i].key) == 0) {
			free(v[i].key);
			continue;
		}
		v[u++] = v[i];
	}
	n = u;
	if (n == 0)
		goto done;

	if (client_open(&c, cfg, st, stop) < 0) {
		pb_warn("embed.fallback", "reason=%s papers=%zu", pb_q("no HTTP client"), n);
		goto done;
	}
	open = 1;
	if (st) {
		prune(cfg, st);
		cached = from_cache(st, cfg->embeddings.model, v, n, &c.dim);
	}
	todo = pb_xcalloc(n, sizeof *todo);
	for (size_t i = 0; i < n; i++)
		if (!v[i].vec)
			todo[n_todo++] = &v[i];
	if (st && n_todo)
		cut_load(&c);
	/* A server that takes fewer papers at once than embeddings.batch (text-embeddings-
	 * inference's default is 32) is asked again with what it says it takes, or half, for
	 * the rest of the run: a refusal of the size is no reason to rank lexically. */
	bs = (size_t)cfg->embeddings.batch;
	for (size_t i = 0; i < n_todo;) {
		size_t m = n_todo - i < bs ? n_todo - i : bs;
		int r = ask(&c, todo + i, m);

		if (r == -2) {
			bs = c.batch_max && c.batch_max < m ? c.batch_max : m / 2;
			pb_warn("embed.batch", "refused=%zu batch=%zu configured=%d reason=%s note=%s",
				m, bs, cfg->embeddings.batch, pb_q(c.reason),
				pb_q("set embeddings.batch to what the server takes"));
			c.reason[0] = '\0';
			continue;
		}
		if (r == -3) {
			/* One input is beyond the model's window and the whole batch is refused
			 * for it: every input is cut shorter for the rest of the run, rather than
			 * no paper getting a vector; once a length is answered, for the week's
			 * runs after it too (cut_learn). */
			c.max_text /= 2;
			pb_warn("embed.cut", "max_bytes=%zu reason=%s note=%s", c.max_text,
				pb_q(c.reason), pb_q("each paper's title and abstract is cut to fit "
						     "the model's input window"));
			c.reason[0] = '\0';
			continue;
		}
		if (r < 0)
			break;
		asked += m;
		if (st) {
			cache_batch(&c, todo + i, m);
			cut_learn(&c);
		}
		i += m;
		if (c.stale) {
			/* the cached vectors of the old length are asked again, and replaced */
			size_t redo = 0;

			for (size_t j = 0; j < n; j++)
				if (v[j].vec && v[j].dim != c.dim) {
					free(v[j].vec);
					v[j].vec = NULL;
					v[j].dim = 0;
					todo[n_todo++] = &v[j];
					redo++;
				}
			cached -= redo;
			pb_warn("embed.dimension", "model=%s dim=%zu cached_dim=%zu asked_again=%zu "
				"note=%s", pb_q(cfg->embeddings.model), c.dim, c.stale, redo,
				pb_q("the model answers vectors of another length than the cached ones"));
			c.stale = 0;
		}
	}
	if (asked < n_todo)
		pb_warn("embed.fallback", "reason=%s papers=%zu requests=%d", pb_q(c.reason),
			n_todo - asked, c.requests);

done:
	out->keys = pb_xcalloc(n ? n : 1, sizeof *out->keys);
	out->vecs = pb_xcalloc(n ? n : 1, sizeof *out->vecs);
	for (size_t i = 0; i < n; i++) {
		if (v[i].vec) {
			out->keys[got] = v[i].key;
			out->vecs[got] = v[i].vec;
			out->dim = v[i].dim;
			got++;
		} else {
			free(v[i].key);
		}
	}
	out->n = got;
	out->sorted = 1;
	if (n)
		pb_info("embed.fetch", "papers=%zu cached=%zu asked=%zu requests=%d vectors=%zu "
			"dim=%zu ms=%lld", n, cached, asked, open ? c.requests : 0, got, out->dim,
			(long long)(pb_mono_ms() - t0));
	if (open)
		client_close(&c);
	free(todo);
	free(v);
	return (long)got;
}
