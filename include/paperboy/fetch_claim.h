/* One fetch per announcement across the machines sharing a state (state.h, "several
 * machines"): the machine that wins the announcement's claim asks arXiv and stores the papers
 * in the state; the others wait for them and never ask arXiv themselves. */
#ifndef PAPERBOY_FETCH_CLAIM_H
#define PAPERBOY_FETCH_CLAIM_H

#include <signal.h>

#include "paperboy/papers.h"
#include "paperboy/state.h"

/* As pb_papers_load, through the claim of the announcement in st: key rq->date, or
 * "latest:" + expect_date (else today's UTC date) for the latest. The winner fetches and
 * stores the outcome: the papers, or the failure (also a feed older than expect_date, so the
 * next attempt after a minute fetches again rather than reading it). Its claim lasts
 * cfg->state_lease_s and is renewed while it fetches (through h's tick, pb_http_set_tick: a
 * third of the lease at most five seconds apart, for at most an hour), with the machine's
 * heartbeat; a claim found taken over meanwhile gives the fetch up, and the other machine's
 * outcome is awaited instead. The others wait, polling the claim five times a second and
 * heartbeating, as long as the claim is renewed; a claim whose fetcher died expires after the
 * lease and is taken over. Another machine's failure stored less than a minute ago is
 * reported as it was (res filled from it) without a request; its listing of the latest
 * announcement serves for half an hour, a past date's papers for good. A machine's own
 * earlier claim never serves it: alone, it fetches as it always did. h NULL: a client made
 * from cfg for the call. A saved feed (rq->feed) or st NULL: plain pb_papers_load. *stop ends
 * a wait (PB_FETCH_UNAVAILABLE, "stopped"). */
enum pb_fetch_status pb_papers_load_shared(struct pb_http *h, const struct pb_config *cfg,
					   struct pb_state *st, struct pb_papers_req *rq,
					   const char *expect_date, volatile sig_atomic_t *stop,
					   struct pb_paperset *out, struct pb_fetch_result *res);

/* ---- the wait arXiv asked for, kept for every machine sharing the state ---- */

/* How long the wait arXiv asked for with a Retry-After (429 or 503, not waited out by the HTTP
 * client: pb_fetch_result.retry_after_s, pb_http_response.retry_asked_s) has still to run, in
 * seconds, whoever asked and for what (the feed, the likes' lookups, the full text); 0 when
 * none, st NULL, or the state cannot tell (logged: better to ask than to stop for good). Every
 * request to arXiv is asked this first and not made while it is above 0. */
int64_t pb_arxiv_wait_left(struct pb_state *st);
/* Holds every request to arXiv, on every machine sharing st, for the s seconds a Retry-After
 * asked (at most PB_FETCH_RETRY_MAX_S); a failure is logged. st NULL or s <= 0: nothing. */
void pb_arxiv_wait_hold(struct pb_state *st, long s);
/* "arXiv asked to retry after N s (at INSTANT), on this machine or another sharing the
 * state" into out, for a request not made with left seconds of the wait to run. */
void pb_arxiv_wait_say(int64_t left, char *out, size_t len);

/* ---- a claim held while its machine works, and the wait for another's ---- */

/* A machine renews a claim it holds for at most this long (seconds): work that outlasts it (a
 * server that keeps answering slowly) loses the claim as a dead machine would. */
#define PB_CLAIM_HOLD_MAX_S 3600

/* The lease of a claim among machines: cfg->state_lease_s, 60 when unset. */
int pb_claim_lease_s(const struct pb_config *cfg);

/* How long a machine waits at most for another's claim of lease_s: as long as the claim may
 * be renewed (PB_CLAIM_HOLD_MAX_S), a lease more and a minute. */
int pb_claim_wait_max_s(int lease_s);

/* One step of waiting for another machine's claim: this machine's heartbeat (pb_machine_alive,
 * a failure logged), then a fifth of a second's sleep, ended early by *stop (stop may be
 * NULL). */
void pb_claim_wait_step(struct pb_state *st, int lease_s, const volatile sig_atomic_t *stop);
/* This machine's heartbeat from the HTTP client's tick (pb_machine_alive, a failure logged):
 * inside a transfer, a database away fails it at once (no patience) rather than holding the
 * transfer; the connection is recovered by the next statement outside the tick. */
void pb_tick_alive(struct pb_state *st, int lease_s);

struct pb_claim_hold;

/* Holds this machine's claim of key in st (just taken with pb_fetch_claim_take, lease lease_s)
 * while its requests through h run: h's tick (pb_http_set_tick; the one replaced is still
 * called) renews the claim a third of the lease apart, at most five seconds, for at most
 * PB_CLAIM_HOLD_MAX_S, and heartbeats. A renewal that finds the claim taken by another
 * machine gives the request in progress up ("abandoned") and every later one, and logs
 * event + "_lost" (event + "_renew" when the state cannot be reached); what names the work in
 * that line ("fetch", "lookups"). key, event and what are borrowed for the hold's life. Never
 * NULL. */
struct pb_claim_hold *pb_claim_hold_new(struct pb_http *h, struct pb_state *st, const char *key,
					int lease_s, const char *event, const char *what);
/* 1 when another machine took the claim over while it was held (its outcome is the one to
 * wait for), else 0 (also for NULL). */
int pb_claim_hold_lost(const struct pb_claim_hold *k);
/* Puts h's earlier tick back and frees the hold; the claim stays as it is (ended with
 * pb_fetch_claim_finish, or left to lapse). Accepts NULL. */
void pb_claim_hold_free(struct pb_claim_hold *k);

#endif
