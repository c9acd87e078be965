/* The route table and the dispatch. Each part of the endpoint adds its rows here. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "paperboy/bot.h"
#include "paperboy/clock.h"
#include "paperboy/config.h"
#include "paperboy/log.h"
#include "paperboy/state.h"
#include "page.h"
#include "routes.h"

static const struct pb_web_route routes[] = {
	/* one-click unsubscribe and feedback */
	{ "GET", "/u/", pb_web_unsub_get },
	{ "POST", "/u/", pb_web_unsub_post },
	{ "GET", "/f/", pb_web_feedback_get },
	{ "POST", "/f/", pb_web_feedback_post },

	/* the pages: "/", "/signup", "/c/", "/m/" */
	{ "GET", "/", pb_web_signup },
	{ "GET", "/signup", pb_web_signup },
	{ "POST", "/signup", pb_web_signup },
	{ "GET", "/c/", pb_web_confirm },
	{ "POST", "/c/", pb_web_confirm },
	{ "GET", "/m/", pb_web_manage },
	{ "POST", "/m/", pb_web_manage },

	/* the bots: "/slack/", "/telegram/" */
	{ "POST", "/slack/command", pb_bot_slack_command },
	{ "GET", "/slack/command", pb_bot_slack_command },   /* Slack's ssl_check alone */
	{ "POST", "/slack/actions", pb_bot_slack_actions },
	{ "POST", "/telegram/webhook", pb_bot_telegram_webhook },
};

const struct pb_web_route *
pb_web_routes(size_t *n)
{
	*n = sizeof routes / sizeof routes[0];
	return routes;
}

static int
path_matches(const char *route, const char *path)
{
	size_t l = strlen(route);

	if (l > 1 && route[l - 1] == '/')
		return strncmp(path, route, l) == 0;
	return strcmp(path, route) == 0;
}

void
pb_web_dispatch(struct pb_web_ctx *ctx, const struct pb_web_req *req, struct pb_web_resp *resp)
{
	const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;
	struct pb_buf allow = { 0 };
	size_t n = sizeof routes / sizeof routes[0];

	for (size_t i = 0; i < n; i++) {
		if (!path_matches(routes[i].path, req->path))
			continue;
		if (strcmp(routes[i].method, method) == 0) {
			routes[i].fn(ctx, req, resp);
			if (resp->status == 0)
				resp->status = 200;
			if (resp->status >= 300 && resp->status < 400) {
				pb_err("web.redirect_refused", "path=%s status=%d",
				       pb_q(routes[i].path), resp->status);
				pb_page_plain(resp, 500, "Something went wrong",
					      "The server could not answer this request.");
			}
			pb_page_answer_headers(resp);
			pb_buf_free(&allow);
			return;
		}
		if (!strstr(pb_buf_str(&allow), routes[i].method))
			pb_buf_printf(&allow, "%s%s", allow.len ? ", " : "", routes[i].method);
	}
	if (allow.len) {
		if (strstr(allow.data, "GET"))
			pb_buf_puts(&allow, ", HEAD");
		pb_page_plain(resp, 405, "Method not allowed",
			      "This address does not take that kind of request.");
		pb_buf_printf(&resp->headers, "Allow: %s\r\n", allow.data);
	} else {
		pb_page_plain(resp, 404, "Not found", "There is no page at this address.");
	}
	pb_buf_free(&allow);
}

const char *
pb_web_path_rest(const struct pb_web_req *req, const char *prefix)
{
	size_t l = strlen(prefix);

	return strncmp(req->path, prefix, l) == 0 ? req->path + l : "";
}

int
pb_web_token(struct pb_web_ctx *ctx, const char *text, const char *purpose, struct pb_token *t,
	     struct pb_web_resp *resp)
{
	enum pb_token_status s = pb_token_check(&ctx->secret, text, purpose, pb_now(), t);

	switch (s) {
	case PB_TOKEN_OK:
		return 0;
	case PB_TOKEN_EXPIRED:
		/* a confirmation's reader has no digest yet to take a fresh link from */
		if (strcmp(purpose, pb_link_purpose(PB_LINK_CONFIRM)) == 0)
			pb_page_plain(resp, 410, "This link has expired",
				      "This confirmation link is too old to be used. Sign up again "
				      "to get a new one.");
		else
			pb_page_plain(resp, 410, "This link has expired",
				      "This link is too old to be used. The latest digest you "
				      "received carries a fresh one.");
		break;
	case PB_TOKEN_PURPOSE:
		pb_page_plain(resp, 403, "This link is for something else",
			      "This link was made for another page; use the link meant for this.");
		break;
	case PB_TOKEN_FORGED:
		pb_page_plain(resp, 403, "This link is not valid",
			      "This link was not made by this server, or it was changed on the way.");
		break;
	default:
		pb_page_plain(resp, 400, "This link is broken",
			      "This link is incomplete or damaged: copy the whole link from the "
			      "message.");
		break;
	}
	pb_info("web.token_refused", "purpose=%s reason=%s", purpose, pb_token_status_name(s));
	return -1;
}

/* Whether subscriber name of cfg has the email address a link's detail names ("ann@x.org",
 * or after "email:"). */
static int
has_address(const struct pb_config *cfg, const char *name, const char *detail)
{
	const struct pb_subscriber *sub = pb_config_subscriber(cfg, name);

	if (strncmp(detail, "email:", 6) == 0)
		detail += 6;
	for (size_t i = 0; sub && *detail && i < sub->n_emails; i++)
		if (strcasecmp(sub->emails[i], detail) == 0)
			return 1;
	return 0;
}

/* A link's subscriber could not be looked up in the state: logged, the reader's page says to
 * try again. -2, as the checks below return for it. */
static int
token_state_failed(struct pb_web_ctx *ctx, const char *name, struct pb_web_resp *resp)
{
	pb_warn("web.token", "subscriber=%s error=%s", pb_q(name), pb_q(pb_state_errmsg(ctx->st)));
	pb_web_state_failed(ctx, resp, "Not available", "The service cannot read its state; try "
			    "again later.");
	return -2;
}

int
pb_web_token_removed(struct pb_web_ctx *ctx, enum pb_link kind, const struct pb_token *t,
		     const char *name, struct pb_web_resp *resp)
{
	int64_t removed;

	if (pb_sub_removed(ctx->st, name, &removed) < 0)
		return token_state_failed(ctx, name, resp);
	/* A link carries its time in whole seconds. One of the second of the removal is taken
	 * for the new subscriber's: a script's `subscriber remove`, `subscriber add` and `run`
	 * may share a second, while the former's links were made by its own runs, earlier. */
	if (pb_link_issued(kind, t) >= removed)
		return 0;
	if (kind == PB_LINK_CONFIRM)
		pb_page_plain(resp, 410, "This link is for an earlier subscription",
			      "This confirmation link was sent before the subscription under "
			      "this name was removed. Sign up again to get a new one.");
	else
		pb_page_plain(resp, 410, "This link is for an earlier subscription",
			      "This link was sent to a subscriber since removed. The latest "
			      "digest you received carries a link of its own.");
	pb_info("web.token_refused", "purpose=%s reason=removed subscriber=%s removed=%lld",
		pb_link_purpose(kind), pb_q(name), (long long)removed);
	return -1;
}

/* Whether a manage link was made before its subscriber's "Sign out other links" (or a sign-up
 * confirmed again): refused then, with the way to a new one. Only manage links: an unsubscribe
 * link in an old digest must keep working (RFC 8058), and a verdict changes nothing a leaked
 * link's holder could use. 0, -1 refused (a page in resp), -2 the state failed. */
static int
manage_revoked(struct pb_web_ctx *ctx, const struct pb_token *t, struct pb_web_resp *resp)
{
	struct pb_buf text = { 0 };
	int64_t since;

	if (pb_sub_links_since(ctx->st, t->subject, &since) < 0)
		return token_state_failed(ctx, t->subject, resp);
	if (pb_link_issued(PB_LINK_MANAGE, t) >= since)
		return 0;
	pb_buf_puts(&text, "This link was replaced by a newer one: the subscription's earlier "
		    "links were signed out, so this one no longer opens its page. The newest "
		    "digest you received carries a link that works. ");
	if (ctx->cfg->email.enabled && ctx->cfg->web.base_url)
		pb_buf_printf(&text, "To have one mailed to you now, sign up again with your "
			      "address at %s/signup: a fresh link comes by mail.",
			      ctx->cfg->web.base_url);
	pb_page_plain(resp, 410, "This link was replaced", text.data);
	pb_buf_free(&text);
	pb_info("web.token_refused", "purpose=%s reason=signed_out subscriber=%s since=%lld",
		pb_link_purpose(PB_LINK_MANAGE), pb_q(t->subject), (long long)since);
	return -1;
}

int
pb_web_token_current(struct pb_web_ctx *ctx, enum pb_link kind, const struct pb_token *t,
		     struct pb_web_resp *resp)
{
	struct pb_sub_row row;
	int found, stale;

	/* A subscriber that is gone: nothing of it to act on, and nothing to keep under its name
	 * (a verdict would shape the digest of whoever is given the name next). */
	if (!pb_config_subscriber(ctx->cfg, t->subject)) {
		pb_page_plain(resp, 410, "This subscription no longer exists",
			      "This digest is no longer sent: this link has nothing to act on.");
		pb_info("web.token_refused", "purpose=%s reason=no_subscriber",
			pb_link_purpose(kind));
		return -1;
	}
	if ((found = pb_web_token_removed(ctx, kind, t, t->subject, resp)) < 0)
		return found;
	if (kind == PB_LINK_MANAGE && (found = manage_revoked(ctx, t, resp)) != 0)
		return found;
	memset(&row, 0, sizeof row);
	if ((found = pb_sub_get(ctx->st, t->subject, &row)) < 0)
		return token_state_failed(ctx, t->subject, resp);
	/* For a removal the state did not record (before schema 14): a config subscriber's row
	 * (no settings) is made by its first change of state; a link sent to an address the
	 * subscriber has now went to the same mailbox (a state moved by export and import starts
	 * its subscribers again) */
	stale = found && row.settings && pb_link_issued(kind, t) + PB_LINK_SKEW_S < row.created &&
		!has_address(ctx->cfg, t->subject, t->detail);
	pb_sub_row_clear(&row);
	if (!stale)
		return 0;
	pb_page_plain(resp, 410, "This link is for an earlier subscription",
		      "This link was sent before the present subscription under this name began. "
		      "The latest digest you received carries a link of its own.");
	pb_info("web.token_refused", "purpose=%s reason=earlier_subscriber",
		pb_link_purpose(kind));
	return -1;
}

int
pb_web_busy(struct pb_web_ctx *ctx, struct pb_web_resp *resp)
{
	if (!pb_state_busy(ctx->st))
		return 0;
	resp->status = 503;
	pb_buf_reset(&resp->headers);
	pb_buf_printf(&resp->headers, "Retry-After: %d\r\n", PB_WEB_RETRY_S);
	pb_info("web.busy", "error=%s", pb_q(pb_state_errmsg(ctx->st)));
	return 1;
}

void
pb_web_state_failed(struct pb_web_ctx *ctx, struct pb_web_resp *resp, const char *title,
		    const char *text)
{
	pb_buf_reset(&resp->body);
	if (!pb_web_busy(ctx, resp)) {
		pb_page_plain(resp, 500, title, text);
		return;
	}
	pb_page_begin(resp, "Busy just now");
	pb_buf_puts(&resp->body, "<p>The service is busy just now, and nothing was changed. "
		    "Please try again in a few seconds.</p>\n");
	pb_page_end(resp);
}

void
pb_web_bad_form(struct pb_web_resp *resp, const char *why)
{
	pb_page_plain(resp, 400, "The form was not sent as expected", why);
}

void
pb_web_form_expired(struct pb_web_resp *resp, const char *todo)
{
	struct pb_buf t = { 0 };

	pb_buf_printf(&t, "This form is too old or did not come from this site. %s", todo);
	pb_page_plain(resp, 403, "This form has expired", t.data);
	pb_buf_free(&t);
}

/* An IPv6 address as the /64 it is in ("2001:db8:7:1::/64"), an IPv4 one mapped into IPv6
 * ("::ffff:192.0.2.7") as that IPv4 address; anything else as it is. One customer of an ISP
 * or a hosting company gets a /64 at least and takes any address in it at will: counted
 * address by address, each new one would be a new client, and the limits would hold nobody
 * who has IPv6. */
static void
client_net(char *addr, size_t n)
{
	unsigned char a[16];
	char text[INET6_ADDRSTRLEN + 8], *zone;

	snprintf(text, sizeof text, "%s", addr);
	if ((zone = strchr(text, '%')))      /* "fe80::1%eth0": the zone names no host */
		*zone = '\0';
	if (!strchr(text, ':') || inet_pton(AF_INET6, text, a) != 1)
		return;
	if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)(const void *)a)) {
		inet_ntop(AF_INET, a + 12, text, sizeof text);
		snprintf(addr, n, "%s", text);
		return;
	}
	memset(a + 8, 0, 8);
	inet_ntop(AF_INET6, a, text, sizeof text);
	snprintf(addr, n, "%s/64", text);
}

/* One address of text[0..len) ("192.0.2.7", "2001:db8::1", "fe80::1%eth0", and as some
 * proxies write them, "192.0.2.7:5123" and "[2001:db8::1]:443") into *a. 0 / -1. */
static int
addr_parse(const char *text, size_t len, struct pb_cidr *a)
{
	char t[INET6_ADDRSTRLEN + 16];
	char *p = t, *e;

	if (len == 0 || len >= sizeof t)
		return -1;
	memcpy(t, text, len);
	t[len] = '\0';
	if (*p == '[') {
		if (!(e = strchr(++p, ']')) || (e[1] && e[1] != ':'))
			return -1;
		*e = '\0';
	} else if ((e = strchr(p, ':')) && !strchr(e + 1, ':')) {
		*e = '\0';   /* IPv4 with a port: one colon alone */
	}
	if ((e = strchr(p, '%')))
		*e = '\0';
	if (strchr(p, '/'))
		return -1;
	return pb_cidr_parse(p, a);
}

int
pb_cidr_parse(const char *text, struct pb_cidr *out)
{
	char t[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	int bits = -1;

	memset(out, 0, sizeof *out);
	if (alen == 0 || alen >= sizeof t)
		return -1;
	memcpy(t, text, alen);
	t[alen] = '\0';
	if (slash) {
		const char *d = slash + 1;

		if (!*d || strspn(d, "0123456789") != strlen(d) || strlen(d) > 3)
			return -1;
		bits = atoi(d);
	}
	if (inet_pton(AF_INET, t, out->addr) == 1) {
		out->family = AF_INET;
		out->bits = 32;
	} else if (inet_pton(AF_INET6, t, out->addr) == 1) {
		out->family = AF_INET6;
		out->bits = 128;
	} else {
		return -1;
	}
	if (bits > out->bits)
		return -1;
	if (bits >= 0)
		out->bits = bits;
	if (out->family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)(const void *)out->addr) &&
	    out->bits >= 96) {
		memmove(out->addr, out->addr + 12, 4);
		memset(out->addr + 4, 0, 12);
		out->family = AF_INET;
		out->bits -= 96;
	}
	/* the host bits of "10.1.2.3/8" dropped: the network is meant */
	for (int b = out->bits; b < (out->family == AF_INET ? 32 : 128); b++)
		out->addr[b / 8] &= (unsigned char)~(0x80u >> (b % 8));
	return 0;
}

int
pb_cidr_has(const struct pb_cidr *c, const struct pb_cidr *a)
{
	int full = c->bits / 8, rest = c->bits % 8;

	if (c->family != a->family)
		return 0;
	if (memcmp(c->addr, a->addr, (size_t)full) != 0)
		return 0;
	return rest == 0 ||
	       ((c->addr[full] ^ a->addr[full]) & (unsigned char)(0xff00u >> rest)) == 0;
}

static int
is_trusted(const struct pb_cidr *trusted, size_t n_trusted, const struct pb_cidr *a)
{
	static const struct pb_cidr loopback[] = {
		{ AF_INET, 8, { 127 } },
		{ AF_INET6, 128, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
	};

	if (!trusted || !n_trusted) {
		trusted = loopback;
		n_trusted = sizeof loopback / sizeof loopback[0];
	}
	for (size_t i = 0; i < n_trusted; i++)
		if (pb_cidr_has(&trusted[i], a))
			return 1;
	return 0;
}

int
pb_web_peer(const struct pb_cidr *trusted, size_t n_trusted, const char *peer, char *key,
	    size_t n)
{
	struct pb_cidr a;

	snprintf(key, n, "%s", peer);
	if (addr_parse(peer, strlen(peer), &a) < 0)
		return -1;
	if (is_trusted(trusted, n_trusted, &a))
		return 1;
	client_net(key, n);
	return 0;
}

void
pb_web_client(const struct pb_cidr *trusted, size_t n_trusted, const char *peer,
	      const char *xff, char *out, size_t n)
{
	struct pb_cidr a;
	size_t end;

	snprintf(out, n, "%s", peer);
	if (!xff || addr_parse(peer, strlen(peer), &a) < 0 || !is_trusted(trusted, n_trusted, &a))
		goto net;
	/* right to left: each trusted proxy added the peer it was sent by */
	for (end = strlen(xff);;) {
		size_t start = end, b, e;

		while (start > 0 && xff[start - 1] != ',')
			start--;
		b = start + strspn(xff + start, " \t");
		e = end;
		while (e > b && (xff[e - 1] == ' ' || xff[e - 1] == '\t'))
			e--;
		if (addr_parse(xff + b, e - b, &a) < 0)
			break;
		inet_ntop(a.family, a.addr, out, (socklen_t)n);
		if (!is_trusted(trusted, n_trusted, &a) || start == 0)
			break;
		end = start - 1;
	}
net:
	client_net(out, n);
}
