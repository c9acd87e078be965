/* Inside the web module: the route table, the dispatch every request goes through (the server,
 * the unit tests and the fuzzer call it alike), the handlers, and what the handlers share.
 * Not a contract outside src/web/. */
#ifndef PAPERBOY_WEB_ROUTES_H
#define PAPERBOY_WEB_ROUTES_H

#include <stdint.h>

#include "paperboy/web.h"

/* A row: method ("GET", "POST"; HEAD is served as GET without the body) and a path. A path
 * ending in '/' (other than "/" itself) is a prefix ("/u/" takes "/u/TOKEN"); any other path
 * must match exactly ("/", "/signup"). */
struct pb_web_route {
	const char *method;
	const char *path;
	pb_web_handler fn;
};
/* The table (src/web/routes.c); *n gets the number of rows. */
const struct pb_web_route *pb_web_routes(size_t *n);
/* Answers req into resp (which the caller initialised zeroed and frees): the route's handler;
 * 404 plain page for a path no row takes, 405 (with Allow) for a method the path's rows do not
 * take; a handler's redirect (3xx) is replaced by a 500 page. Every answer leaves with the
 * headers pb_page_answer_headers adds (a bot's text and JSON too). */
void pb_web_dispatch(struct pb_web_ctx *ctx, const struct pb_web_req *req,
		     struct pb_web_resp *resp);
/* The path without the route's prefix: the token of "/u/TOKEN". */
const char *pb_web_path_rest(const struct pb_web_req *req, const char *prefix);
/* Checks the token in text for purpose at now. On PB_TOKEN_OK returns 0; otherwise fills resp
 * with a plain page naming the problem (400 malformed, 403 forged or for another purpose, 410
 * expired), never echoing the token, and returns -1. */
int pb_web_token(struct pb_web_ctx *ctx, const char *text, const char *purpose,
		 struct pb_token *t, struct pb_web_resp *resp);
/* Whether a genuine token of kind was made after the last removal of a stored subscriber
 * named name (pb_sub_removed; made in the second of the removal counts as before): one made
 * before was for the subscriber removed, whoever has the name now, and opens nothing. 0; or
 * -1 with a plain page in resp (410) and a log line; or -2 with pb_web_state_failed's page
 * when the state cannot be read. */
int pb_web_token_removed(struct pb_web_ctx *ctx, enum pb_link kind, const struct pb_token *t,
			 const char *name, struct pb_web_resp *resp);
/* Whether a genuine token of kind is for the subscriber its subject names now: one made up to
 * the name's last removal (pb_web_token_removed), or, for a removal before schema 14 recorded
 * none, one made more than PB_LINK_SKEW_S before that name's stored subscriber was added, for
 * an address it does not have, was made for an earlier subscriber of the same name (removed,
 * and the name given again: a web sign-up names a subscriber after its address), and opens
 * nothing of the new one's; one whose subscriber is gone opens nothing either. A manage link
 * made before its subscriber's links were signed out (pb_sub_links_since) opens nothing
 * either, its page saying how to get a new one. 0; or -1 with
 * a plain page in resp (410); or -2 with pb_web_state_failed's page when the state cannot be
 * read. */
#define PB_LINK_SKEW_S 3600   /* clocks of the machines that make links and add subscribers */
int pb_web_token_current(struct pb_web_ctx *ctx, enum pb_link kind, const struct pb_token *t,
			 struct pb_web_resp *resp);
/* A state busy or out of reach (pb_state_busy: SQLite's lock held by a run beyond the busy
 * timeout, PostgreSQL's server away) is answered 503 with Retry-After, so a reader and a proxy
 * know to try again shortly rather than that something is broken. */
#define PB_WEB_RETRY_S 10
/* When the state's last failure was its being busy: resp's status 503, its headers a
 * Retry-After, and 1 (the caller writes the page: a form comes back as it was sent). 0 and
 * resp untouched otherwise. */
int pb_web_busy(struct pb_web_ctx *ctx, struct pb_web_resp *resp);
/* The plain page of a request the state failed: pb_web_busy's 503, saying that nothing
 * changed and to try again in a few seconds, when it was busy; else 500 with title and
 * text. */
void pb_web_state_failed(struct pb_web_ctx *ctx, struct pb_web_resp *resp, const char *title,
			 const char *text);
/* Fills resp with a plain 400 page: the form was not sent as expected (why, escaped). */
void pb_web_bad_form(struct pb_web_resp *resp, const char *why);

/* Unsubscribing: the destination of an unsubscribe token's detail ("ann@x.org" is channel
 * "email"; "telegram:12345" names its channel) into channel/dest (borrowed from detail, which
 * is modified). 0, or -1 when the channel is unknown or dest is empty. */
int pb_web_unsub_dest(char *detail, const char **channel, const char **dest);
/* Suppresses (channel, dest) of subscriber name, and marks the subscriber "unsubscribed" when
 * none of its destinations is left, in one transaction committed before it returns. how says
 * where it came from ("one-click", "web page"). Returns 1 done, 0 it was already, -1 error
 * (logged, rolled back). */
int pb_web_unsubscribe(struct pb_web_ctx *ctx, const char *name, const char *channel,
		       const char *dest, const char *how);

/* ---- handlers (one file each; add a row in routes.c for each) ---- */
/* src/web/unsubscribe.c: /u/TOKEN */
void pb_web_unsub_get(struct pb_web_ctx *ctx, const struct pb_web_req *req,
		      struct pb_web_resp *resp);
void pb_web_unsub_post(struct pb_web_ctx *ctx, const struct pb_web_req *req,
		       struct pb_web_resp *resp);
/* src/web/feedback.c: /f/TOKEN */
void pb_web_feedback_get(struct pb_web_ctx *ctx, const struct pb_web_req *req,
			 struct pb_web_resp *resp);
void pb_web_feedback_post(struct pb_web_ctx *ctx, const struct pb_web_req *req,
			  struct pb_web_resp *resp);

/* the pages: sign-up, confirm, manage (src/web/signup.c, manage.c; pages.h) */
/* GET: the sign-up form. POST: validates the form as `subscriber add` does, and unless an
 * address limit, an address already subscribed or the per-client limit stops it (the answer
 * is the same in every case), records a pending sign-up and sends the one confirmation mail. */
void pb_web_signup(struct pb_web_ctx *ctx, const struct pb_web_req *req,
		   struct pb_web_resp *resp);
/* GET /c/TOKEN: a page with the address and a button (changes nothing: link scanners fetch
 * every link). POST (csrf): turns the sign-up into an active stored subscriber (source
 * "web"). Either says it is done already once it is. */
void pb_web_confirm(struct pb_web_ctx *ctx, const struct pb_web_req *req,
		    struct pb_web_resp *resp);
/* GET /m/TOKEN: the subscriber's page. POST (csrf): action=save|preview|pause|resume|
 * unsubscribe. */
void pb_web_manage(struct pb_web_ctx *ctx, const struct pb_web_req *req,
		   struct pb_web_resp *resp);

/* the bots: Slack, Telegram */

/* ---- the per-client rate limit (src/web/ratelimit.c) ----
 * A fixed window of a minute per client key in a bounded table: when every slot near a key's
 * is taken by a client seen this minute, the least recently started window is reused. */
struct pb_ratelimit;
/* per_min requests a minute per key (0: no limit); slots: the table's size. */
struct pb_ratelimit *pb_ratelimit_new(int per_min, size_t slots);
void pb_ratelimit_free(struct pb_ratelimit *rl);     /* accepts NULL */
/* Counts one request of key at now_ms. 1 allowed, 0 over the limit (*retry_s gets the seconds
 * until the key's window ends). */
int pb_ratelimit_hit(struct pb_ratelimit *rl, const char *key, int64_t now_ms, int *retry_s);

/* The plain 403 page of a POST whose CSRF field does not check; todo says what to do
 * ("Open the link again and press the button."). */
void pb_web_form_expired(struct pb_web_resp *resp, const char *todo);
/* The client a limit counts: peer, or, when peer is a trusted proxy (one of trusted, n of
 * them; none: loopback alone, 127.0.0.0/8 and ::1), the right-most address of xff
 * (X-Forwarded-For; NULL when absent) that is not a trusted proxy, each proxy having added
 * its own peer at the right; all of them trusted, the left-most. An entry that is not an
 * address ends the walk at the one after it (written by a trusted proxy, so it holds no
 * client's forgery). Behind a proxy every peer is the proxy, and a limit would otherwise
 * hold for all readers at once; a header a client wrote itself is never believed. An IPv6
 * address counts as its /64 ("2001:db8:7:1::/64": what one customer is given, every
 * address of it at will), an IPv4 address mapped into IPv6 as the IPv4 address. */
void pb_web_client(const struct pb_cidr *trusted, size_t n_trusted, const char *peer,
		   const char *xff, char *out, size_t n);
/* The peer of a connection (its address as text): 1 when it is a trusted proxy (as
 * pb_web_client tells one), else 0 with key the client as the limits count it
 * ("192.0.2.7", "2001:db8:7:1::/64"); -1 when peer is not an address. */
int pb_web_peer(const struct pb_cidr *trusted, size_t n_trusted, const char *peer, char *key,
		size_t n);

#endif
