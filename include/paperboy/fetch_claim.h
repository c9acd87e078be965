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

#endif
