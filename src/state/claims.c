/* Claims of several machines on one state: one fetch per announcement (the winner stores the
 * papers for the others) and the outbox messages each machine sends, both with a lease.
 * Every statement is one both SQLite and PostgreSQL run; a claim is a conditional UPDATE (or an
 * INSERT ... ON CONFLICT DO NOTHING), atomic on either. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "paperboy/buf.h"
#include "paperboy/state.h"
#include "state_internal.h"

/* ---- the papers of an announcement, as the state keeps them ---- */

static void
add_str(cJSON *o, const char *name, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, name, v);
}

static cJSON *
str_array(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i] ? v[i] : ""));
	return a;
}

static cJSON *
paper_json(const struct pb_paper *p)
{
	cJSON *o = cJSON_CreateObject(), *au = cJSON_CreateArray();

	add_str(o, "id", p->id);
	cJSON_AddNumberToObject(o, "version", p->version);
	add_str(o, "title", p->title);
	for (size_t i = 0; i < p->n_authors; i++) {
		cJSON *a = cJSON_CreateObject();

		add_str(a, "name", p->authors[i].name);
		if (p->authors[i].n_affils)
			cJSON_AddItemToObject(a, "affils", str_array(p->authors[i].affils,
								     p->authors[i].n_affils));
		cJSON_AddItemToArray(au, a);
	}
	cJSON_AddItemToObject(o, "authors", au);
	if (p->n_authors_all)
		cJSON_AddNumberToObject(o, "authors_all", (double)p->n_authors_all);
	add_str(o, "abstract", p->abstract);
	cJSON_AddItemToObject(o, "categories", str_array(p->categories, p->n_categories));
	cJSON_AddNumberToObject(o, "announce", (double)p->announce);
	add_str(o, "published", p->published);
	add_str(o, "updated", p->updated);
	add_str(o, "comment", p->comment);
	add_str(o, "journal_ref", p->journal_ref);
	add_str(o, "doi", p->doi);
	return o;
}

/* The set as one JSON document (malloc'd, *len bytes), or NULL when cJSON ran out of
 * memory. */
static char *
papers_encode(const struct pb_paperset *ps, size_t *len)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();
	char *text, *out;

	add_str(o, "announce_date", ps->announce_date);
	add_str(o, "feed_title", ps->feed_title);
	cJSON_AddNumberToObject(o, "total_results", (double)ps->total_results);
	cJSON_AddNumberToObject(o, "start_index", (double)ps->start_index);
	for (size_t i = 0; i < ps->n; i++)
		cJSON_AddItemToArray(a, paper_json(&ps->v[i]));
	cJSON_AddItemToObject(o, "papers", a);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		return NULL;
	*len = strlen(text);
	out = pb_xstrndup(text, *len);
	cJSON_free(text);
	return out;
}

/* A string member, copied; NULL when absent. -1 when present but not a string. */
static int
get_str(const cJSON *o, const char *name, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return -1;
	*out = pb_xstrdup(v->valuestring);
	return 0;
}

static int
get_strs(const cJSON *a, char ***v, size_t *n)
{
	const cJSON *e;

	*v = NULL;
	*n = 0;
	if (!a)
		return 0;
	if (!cJSON_IsArray(a))
		return -1;
	cJSON_ArrayForEach(e, a) {
		if (!cJSON_IsString(e))
			return -1;
		*v = pb_xreallocarray(*v, *n + 1, sizeof **v);
		(*v)[(*n)++] = pb_xstrdup(e->valuestring);
	}
	return 0;
}

static int
paper_read(const cJSON *o, struct pb_paper *p)
{
	const cJSON *v, *au, *a;

	memset(p, 0, sizeof *p);
	if (!cJSON_IsObject(o) || get_str(o, "id", &p->id) < 0 || !p->id)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "version");
	p->version = cJSON_IsNumber(v) ? v->valueint : 0;
	au = cJSON_GetObjectItemCaseSensitive(o, "authors");
	if (au && !cJSON_IsArray(au))
		return -1;
	cJSON_ArrayForEach(a, au) {
		struct pb_author *x;

		p->authors = pb_xreallocarray(p->authors, p->n_authors + 1, sizeof *p->authors);
		x = &p->authors[p->n_authors++];
		memset(x, 0, sizeof *x);
		if (!cJSON_IsObject(a) || get_str(a, "name", &x->name) < 0 ||
		    get_strs(cJSON_GetObjectItemCaseSensitive(a, "affils"), &x->affils,
			     &x->n_affils) < 0)
			return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "authors_all");
	if (cJSON_IsNumber(v) && v->valuedouble > (double)p->n_authors && v->valuedouble < 1e9)
		p->n_authors_all = (size_t)v->valuedouble;
	v = cJSON_GetObjectItemCaseSensitive(o, "announce");
	p->announce = cJSON_IsNumber(v) && v->valueint >= PB_ANN_UNKNOWN &&
		      v->valueint <= PB_ANN_REPLACE_CROSS ? (enum pb_announce)v->valueint
							  : PB_ANN_UNKNOWN;
	if (get_str(o, "title", &p->title) < 0 || get_str(o, "abstract", &p->abstract) < 0 ||
	    get_strs(cJSON_GetObjectItemCaseSensitive(o, "categories"), &p->categories,
		     &p->n_categories) < 0 ||
	    get_str(o, "published", &p->published) < 0 ||
	    get_str(o, "updated", &p->updated) < 0 || get_str(o, "comment", &p->comment) < 0 ||
	    get_str(o, "journal_ref", &p->journal_ref) < 0 || get_str(o, "doi", &p->doi) < 0)
		return -1;
	return 0;
}

/* Reads a document of papers_encode into ps. 0, or -1 with the record's position in *bad. */
static int
papers_decode(const char *text, size_t len, struct pb_paperset *ps, long *bad)
{
	cJSON *o = cJSON_ParseWithLength(text, len);
	const cJSON *a, *e, *v;
	int rc = -1;
	long i = 0;

	*bad = -1;
	if (!cJSON_IsObject(o))
		goto out;
	if (get_str(o, "announce_date", &ps->announce_date) < 0 ||
	    get_str(o, "feed_title", &ps->feed_title) < 0)
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(o, "total_results");
	ps->total_results = cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
	v = cJSON_GetObjectItemCaseSensitive(o, "start_index");
	ps->start_index = cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
	a = cJSON_GetObjectItemCaseSensitive(o, "papers");
	if (!cJSON_IsArray(a))
		goto out;
	pb_paperset_reserve(ps, (size_t)cJSON_GetArraySize(a));
	cJSON_ArrayForEach(e, a) {
		struct pb_paper p;

		if (paper_read(e, &p) < 0) {
			pb_paper_free(&p);
			*bad = i;
			goto out;
		}
		pb_paperset_add(ps, &p);
		i++;
	}
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

/* ---- one fetch per announcement ---- */

int
pb_fetch_claim_take(struct pb_state *st, const char *key, int64_t now, int lease_s,
		    int retry_s, int reuse_s)
{
	pb_db_stmt *s;
	char status[16] = "";
	int rc = -1, found;

	s = pb_st_prepare(st, "INSERT INTO fetch_claims(key, owner, lease_until, status, updated)"
			      " VALUES(?1, ?2, ?3, 'fetching', ?4) ON CONFLICT(key) DO NOTHING",
			  "fetch_claim");
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, key);
	pb_st_bind_text(s, 2, st->machine);
	pb_db_bind_int64(s, 3, now + lease_s);
	pb_db_bind_int64(s, 4, now);
	if (pb_st_run(st, s, "fetch_claim") < 0)
		goto out;
	if (pb_db_changes(st->db) > 0) {
		rc = PB_FETCH_CLAIM_MINE;
		goto out;
	}
	pb_db_finalize(s);
	/* Taken over: this machine's own claim (it fetches again as it would alone), a
	 * fetcher that died (its lease ran out), a failure old enough to try again, or papers
	 * older than reuse_s. The condition is checked by the UPDATE itself, so of two
	 * machines only one takes it. */
	s = pb_st_prepare(st, "UPDATE fetch_claims SET owner = ?2, lease_until = ?3,"
			      " status = 'fetching', updated = ?4, papers = NULL, message = NULL"
			      " WHERE key = ?1 AND (owner = ?2"
			      " OR (status = 'fetching' AND lease_until < ?4)"
			      " OR (status = 'failed' AND updated <= ?5)"
			      " OR (status = 'done' AND updated <= ?6))",
			  "fetch_claim");
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, key);
	pb_st_bind_text(s, 2, st->machine);
	pb_db_bind_int64(s, 3, now + lease_s);
	pb_db_bind_int64(s, 4, now);
	pb_db_bind_int64(s, 5, now - retry_s);
	pb_db_bind_int64(s, 6, reuse_s < 0 ? INT64_MIN : now - reuse_s);
	if (pb_st_run(st, s, "fetch_claim") < 0)
		goto out;
	if (pb_db_changes(st->db) > 0) {
		rc = PB_FETCH_CLAIM_MINE;
		goto out;
	}
	pb_db_finalize(s);
	s = pb_st_prepare(st, "SELECT status FROM fetch_claims WHERE key = ?1", "fetch_claim");
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, key);
	found = pb_db_step(s);
	if (found == PB_DB_ROW)
		pb_st_col_copy(s, 0, status, sizeof status);
	else if (found != PB_DB_DONE) {
		pb_st_error(st, "fetch_claim");
		goto out;
	}
	rc = strcmp(status, "done") == 0     ? PB_FETCH_CLAIM_DONE
	     : strcmp(status, "failed") == 0 ? PB_FETCH_CLAIM_FAILED
					     : PB_FETCH_CLAIM_WAIT;
out:
	pb_db_finalize(s);
	if (rc == PB_FETCH_CLAIM_MINE) {
		/* Old claims go with their papers; a week covers any retry of a date. */
		s = pb_st_prepare(st, "DELETE FROM fetch_claims WHERE updated < ?1"
				      " AND status <> 'fetching'", "fetch_claim_prune");
		if (s) {
			pb_db_bind_int64(s, 1, now - 7 * 86400);
			pb_st_run(st, s, "fetch_claim_prune");
			pb_db_finalize(s);
		}
	}
	return rc;
}

int
pb_fetch_claim_renew(struct pb_state *st, const char *key, int64_t now, int lease_s)
{
	pb_db_stmt *s = pb_st_prepare(st, "UPDATE fetch_claims SET lease_until = ?3"
					    " WHERE key = ?1 AND owner = ?2"
					    " AND status = 'fetching'", "fetch_claim_renew");
	int rc;

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, key);
	pb_st_bind_text(s, 2, st->machine);
	pb_db_bind_int64(s, 3, now + lease_s);
	rc = pb_st_run(st, s, "fetch_claim_renew");
	if (rc == 0)
		rc = pb_db_changes(st->db) > 0;
	pb_db_finalize(s);
	return rc;
}

int
pb_fetch_claim_finish(struct pb_state *st, const char *key, int ok,
		      const struct pb_paperset *ps, int fetch_status, long http_status,
		      const char *message)
{
	pb_db_stmt *s;
	char *doc = NULL;
	size_t len = 0;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if (ps && !(doc = papers_encode(ps, &len))) {
		pb_st_fail(st, "fetch_claim_finish", "the papers could not be encoded");
		return -1;
	}
	s = pb_st_prepare(st, "UPDATE fetch_claims SET status = ?3, papers = ?4,"
			      " fetch_status = ?5, http_status = ?6, message = ?7, updated = ?8"
			      " WHERE key = ?1 AND owner = ?2", "fetch_claim_finish");
	if (!s) {
		free(doc);
		return -1;
	}
	pb_st_bind_text(s, 1, key);
	pb_st_bind_text(s, 2, st->machine);
	pb_st_bind_text(s, 3, ok ? "done" : "failed");
	if (doc)
		pb_db_bind_blob(s, 4, doc, len);
	else
		pb_db_bind_null(s, 4);
	pb_db_bind_int64(s, 5, fetch_status);
	pb_db_bind_int64(s, 6, http_status);
	pb_st_bind_text(s, 7, message && *message ? message : NULL);
	pb_db_bind_int64(s, 8, now);
	rc = pb_st_run(st, s, "fetch_claim_finish");
	if (rc == 0 && pb_db_changes(st->db) == 0) {
		/* Our lease ran out and another machine took the claim: its outcome stands. */
		pb_st_fail(st, "fetch_claim_finish", "the claim was taken over by another machine");
		rc = -1;
	}
	pb_db_finalize(s);
	free(doc);
	return rc;
}

int
pb_fetch_claim_load(struct pb_state *st, const char *key, struct pb_paperset *out,
		    int *fetch_status, long *http_status, char *message, size_t msglen)
{
	pb_db_stmt *s = pb_st_prepare(st, "SELECT status, papers, fetch_status, http_status,"
					    " message FROM fetch_claims WHERE key = ?1"
					    " AND status IN ('done', 'failed')", "fetch_claim_load");
	int rc = -1, step;

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, key);
	step = pb_db_step(s);
	if (step == PB_DB_DONE) {
		rc = 0;
		goto out;
	}
	if (step != PB_DB_ROW) {
		pb_st_error(st, "fetch_claim_load");
		goto out;
	}
	*fetch_status = (int)pb_db_col_int64(s, 2);
	*http_status = (long)pb_db_col_int64(s, 3);
	pb_st_col_copy(s, 4, message, msglen);
	if (pb_db_col_type(s, 1) != PB_DB_NULL) {
		const char *doc = pb_db_col_blob(s, 1);
		size_t len = (size_t)pb_db_col_bytes(s, 1);
		long bad;

		if (papers_decode(doc ? doc : "", len, out, &bad) < 0) {
			char why[160];

			if (bad >= 0)
				snprintf(why, sizeof why, "the stored papers of %s: record %ld cannot "
					 "be read", key, bad + 1);
			else
				snprintf(why, sizeof why, "the stored papers of %s cannot be read",
					 key);
			pb_st_fail(st, "fetch_claim_load", why);
			goto out;
		}
	}
	rc = 1;
out:
	pb_db_finalize(s);
	return rc;
}

/* ---- shared delivery ---- */

long
pb_outbox_renew(struct pb_state *st, int64_t now, int lease_s)
{
	pb_db_stmt *s = pb_st_prepare(st, "UPDATE outbox SET lease_until = ?2"
					    " WHERE claimed_by = ?1 AND status = 0",
					"outbox_renew");
	long rc;

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, st->machine);
	pb_db_bind_int64(s, 2, now + lease_s);
	rc = pb_st_run(st, s, "outbox_renew") < 0 ? -1 : (long)pb_db_changes(st->db);
	pb_db_finalize(s);
	return rc;
}

long
pb_outbox_release(struct pb_state *st)
{
	pb_db_stmt *s = pb_st_prepare(st, "UPDATE outbox SET claimed_by = NULL, lease_until = 0"
					    " WHERE claimed_by = ?1 AND status = 0",
					"outbox_release");
	long rc;

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, st->machine);
	rc = pb_st_run(st, s, "outbox_release") < 0 ? -1 : (long)pb_db_changes(st->db);
	pb_db_finalize(s);
	return rc;
}

int
pb_outbox_claim(struct pb_state *st, int64_t now, int lease_s, size_t max,
		struct pb_outbox_msg **out, size_t *n)
{
	/* Every claimer first writes this one row, so claims follow one another (PostgreSQL
	 * holds its lock to the commit; SQLite has one writer anyway) and the test that no
	 * other machine holds a destination sees every claim committed before. */
	static const char lock_sql[] =
		"INSERT INTO pacing(key, next_ms) VALUES('lock:outbox-claim', 0)"
		" ON CONFLICT(key) DO UPDATE SET next_ms = pacing.next_ms + 1";
	static const char claim_sql[] =
		"UPDATE outbox SET claimed_by = ?1, lease_until = ?3 WHERE rowid IN ("
		" SELECT o.rowid FROM outbox o"
		" WHERE o.status = 0 AND o.next_attempt <= ?2"
		" AND (o.claimed_by IS NULL OR o.claimed_by = ?1 OR o.lease_until < ?2)"
		" AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.status = 0"
		"   AND x.subscriber = o.subscriber AND x.channel = o.channel AND x.dest = o.dest"
		"   AND x.claimed_by <> ?1 AND x.lease_until >= ?2)"
		" ORDER BY o.subscriber, o.channel, o.dest, o.digest_date, o.part, o.rowid"
		" LIMIT ?4";
	/* PostgreSQL: rows another machine is recording a result of are skipped, not waited
	 * for (they are its own anyway). */
	static const char pg_tail[] = " FOR UPDATE OF o SKIP LOCKED)";
	pb_db_stmt *s = NULL;
	int own = !pb_state_in_transaction(st), rc = -1;

	*out = NULL;
	*n = 0;
	if (own && pb_state_begin(st) < 0)
		return -1;
	s = pb_st_prepare(st, lock_sql, "outbox_claim");
	if (!s || pb_st_run(st, s, "outbox_claim") < 0)
		goto out;
	pb_db_finalize(s);
	{
		struct pb_buf q = { 0 };

		pb_buf_puts(&q, claim_sql);
		pb_buf_puts(&q, pb_db_backend(st->db) == PB_DB_POSTGRESQL ? pg_tail : ")");
		s = pb_st_prepare(st, q.data, "outbox_claim");
		pb_buf_free(&q);
	}
	if (!s)
		goto out;
	pb_st_bind_text(s, 1, st->machine);
	pb_db_bind_int64(s, 2, now);
	pb_db_bind_int64(s, 3, now + lease_s);
	pb_db_bind_int64(s, 4, max > INT64_MAX ? INT64_MAX : (int64_t)max);
	if (pb_st_run(st, s, "outbox_claim") < 0)
		goto out;
	if (pb_st_outbox_due(st, now, max, st->machine, out, n) < 0)
		goto out;
	rc = 0;
out:
	pb_db_finalize(s);
	if (own) {
		if (rc == 0 && pb_state_commit(st) < 0)
			rc = -1;
		else if (rc < 0)
			pb_state_rollback(st);
	}
	if (rc < 0 && *out) {
		pb_outbox_msgs_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int
pb_outbox_has_digest(struct pb_state *st, const char *date, const char *subscriber,
		     int64_t generation)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_HAS_DIGEST);
	int rc, r = 0;

	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	pb_st_bind_text(s, 2, date);
	pb_db_bind_int64(s, 3, generation);
	rc = pb_db_step(s);
	if (rc == PB_DB_ROW) {
		r = pb_db_col_int64(s, 0) == 1 ? 1 : 2;
	} else if (rc != PB_DB_DONE) {
		pb_st_error(st, "outbox_has_digest");
		r = -1;
	}
	pb_db_reset(s);
	return r;
}

int
pb_outbox_former_dests(struct pb_state *st, const char *date, const char *subscriber,
		       int64_t generation, struct pb_outbox_msg **out, size_t *n)
{
	pb_db_stmt *s = pb_st_stmt(st, S_OUT_FORMER_DESTS);
	struct pb_outbox_msg *v = NULL;
	size_t k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	pb_st_bind_text(s, 1, subscriber);
	pb_st_bind_text(s, 2, date);
	pb_db_bind_int64(s, 3, generation);
	while ((rc = pb_db_step(s)) == PB_DB_ROW) {
		v = pb_xreallocarray(v, k + 1, sizeof *v);
		memset(&v[k], 0, sizeof v[k]);
		v[k].channel = pb_st_col_dup(s, 0);
		v[k].dest = pb_st_col_dup(s, 1);
		k++;
	}
	if (rc != PB_DB_DONE) {
		pb_st_error(st, "outbox_former_dests");
		pb_db_reset(s);
		pb_outbox_msgs_free(v, k);
		return -1;
	}
	pb_db_reset(s);
	*out = v;
	*n = k;
	return 0;
}
