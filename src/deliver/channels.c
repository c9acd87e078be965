/* The table of channels, and what the run cycle, preview and check ask of it: which formats a
 * subscriber's channels need, what the renderers must know, each channel's destinations and
 * payloads. Adding a channel: its file, a row here, its extern in channel.h, and its keys in
 * the config table (doc/channels.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "channel.h"
#include "paperboy/web.h"

/* The order a digest's messages are written to the outbox; the file sink last, since it keeps
 * every format the others use. */
static const struct pb_channel *const channels[] = {
	&pb_channel_email,
	&pb_channel_slack,
	&pb_channel_telegram,
	&pb_channel_matrix,
	&pb_channel_wecom,
	&pb_channel_dingtalk,
	&pb_channel_discord,
	&pb_channel_ntfy,
	&pb_channel_feishu,
	&pb_channel_webhook,
	&pb_channel_file,
};

#define N_CHANNELS (sizeof channels / sizeof channels[0])

size_t
pb_channel_count(void)
{
	return N_CHANNELS;
}

const struct pb_channel *
pb_channel_at(size_t i)
{
	return i < N_CHANNELS ? channels[i] : NULL;
}

const struct pb_channel *
pb_channel_find(const char *name)
{
	for (size_t i = 0; name && i < N_CHANNELS; i++)
		if (strcmp(channels[i]->name, name) == 0)
			return channels[i];
	return NULL;
}

const char *
pb_channel_name(const struct pb_channel *ch)
{
	return ch->name;
}

const char *
pb_channel_title(const struct pb_channel *ch)
{
	return ch->title ? ch->title : ch->name;
}

unsigned
pb_channel_formats(const struct pb_channel *ch)
{
	return ch->formats;
}

int
pb_channel_local(const struct pb_channel *ch)
{
	return ch->write != NULL || ch->stage != NULL;
}

int
pb_channel_describe(const struct pb_channel *ch, const struct pb_config *cfg, struct pb_buf *out)
{
	if (!ch->describe)
		return 0;
	ch->describe(cfg, out);
	return 1;
}

void
pb_chan_block_hints(const struct pb_blocks *bl, const char *doc, struct pb_body_hints *hints)
{
	size_t end = 0, len = strlen(doc);

	for (size_t k = 0; k < bl->n; k++) {
		const struct pb_block *x = &bl->v[k];
		struct pb_block_memo *m = x->memo;

		/* a block is taken only where the document holds its bytes */
		if (x->off < end || x->off > len || len - x->off < x->len ||
		    memcmp(doc + x->off, x->bytes, x->len) != 0)
			continue;
		/* made once a run, from the block's bytes (the same in every document) */
		if (!m->raw)
			m->raw = pb_body_pieces(x->bytes, x->len, &m->n_raw);
		for (size_t i = 0; i < m->n_raw; i++)
			pb_body_hints_push(hints, x->off + i * PB_BODY_PIECE_MAX, &m->raw[i]);
		end = x->off + x->len;
	}
}

void
pb_chan_dest(struct pb_parts *out, const char *s)
{
	if (s && *s)
		pb_parts_push(out, pb_xstrdup(s));
}

void
pb_channel_dests(const struct pb_channel *ch, const struct pb_chan_ctx *c, struct pb_parts *out)
{
	if (ch->dests)
		ch->dests(c, out);
}

int
pb_channel_dest_fp(const struct pb_channel *ch, const struct pb_subscriber *sub,
		   char out[PB_DEST_FP_LEN])
{
	static const char hex[] = "0123456789abcdef";
	const char *url = ch && sub && ch->secret ? ch->secret(sub) : NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	out[0] = '\0';
	/* (libcrypto's own SHA-256 does not fail: without it the suppression is the
	 * destination's whatever the URL, as before fingerprints) */
	if (!url || !*url || !EVP_Digest(url, strlen(url), md, &n, EVP_sha256(), NULL) ||
	    n < (PB_DEST_FP_LEN - 1) / 2)
		return 0;
	for (int i = 0; i < (PB_DEST_FP_LEN - 1) / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[PB_DEST_FP_LEN - 1] = '\0';
	return 1;
}

int
pb_suppress_outdated(const struct pb_config *cfg, const struct pb_suppress_row *s)
{
	const struct pb_subscriber *sub;
	char fp[PB_DEST_FP_LEN];

	if (!s->fingerprint || !cfg || !(sub = pb_config_subscriber(cfg, s->subscriber)))
		return 0;
	pb_channel_dest_fp(pb_channel_find(s->channel), sub, fp);
	return pb_suppress_other_url(s->fingerprint, fp);
}

int
pb_channel_dest_still(const struct pb_channel *ch, const struct pb_config *cfg,
		      const struct pb_subscriber *sub, const char *dest, const char *fp,
		      char *why, size_t whylen)
{
	struct pb_chan_ctx cx;
	struct pb_parts d = { 0 };
	char now[PB_DEST_FP_LEN];
	int found = 0;

	snprintf(why, whylen, "-");
	if (pb_channel_local(ch))
		return 1;
	memset(&cx, 0, sizeof cx);
	cx.cfg = cfg;
	cx.sub = sub;
	pb_channel_dests(ch, &cx, &d);
	for (size_t i = 0; !found && i < d.n; i++)
		found = ch->same_dest ? ch->same_dest(d.v[i], dest) : strcmp(d.v[i], dest) == 0;
	pb_parts_free(&d);
	if (!found) {
		snprintf(why, whylen, "the destination is no longer the subscriber's");
		return 0;
	}
	if (!ch->secret)
		return 1;
	if (!fp || !*fp) {
		snprintf(why, whylen, "the message does not say which webhook it was made for");
		return 0;
	}
	pb_channel_dest_fp(ch, sub, now);
	if (strcmp(now, fp) != 0) {
		snprintf(why, whylen, "the subscriber's webhook is another than the message was "
			 "made for");
		return 0;
	}
	return 1;
}

int
pb_channel_build(const struct pb_channel *ch, const struct pb_chan_ctx *c, const char *dest,
		 const char *msg_id, struct pb_parts *out, char *err, size_t errlen)
{
	int f = -1;

	if (ch->build) {
		if (ch->build(c, dest, msg_id, out, err, errlen) == 0)
			return 0;
		pb_parts_free(out);
		return -1;
	}
	/* The parts of the channel's one format, as rendered. */
	for (int i = 0; i < PB_FMT_COUNT; i++)
		if (ch->formats & 1u << i)
			f = i;
	if (f < 0 || !c->out || c->out[f].n == 0) {
		snprintf(err, errlen, "%s: nothing rendered", ch->name);
		return -1;
	}
	for (size_t i = 0; i < c->out[f].n; i++)
		pb_parts_push(out, pb_xstrdup(c->out[f].v[i]));
	return 0;
}

unsigned
pb_channels_formats(const struct pb_chan_ctx *c)
{
	unsigned formats = 0;

	for (size_t i = 0; i < N_CHANNELS; i++) {
		struct pb_parts d = { 0 };

		/* The file sink's own formats count only when it is on (it has a destination:
		 * the files it writes); every other channel's when the subscriber uses it. */
		pb_channel_dests(channels[i], c, &d);
		if (d.n)
			formats |= channels[i]->formats;
		pb_parts_free(&d);
	}
	return formats;
}

void
pb_channels_render_opts(const struct pb_chan_ctx *c, struct pb_render_opts *ro)
{
	for (size_t i = 0; i < N_CHANNELS; i++)
		if (channels[i]->render_opts)
			channels[i]->render_opts(c, ro);
}

void
pb_channels_links(const struct pb_chan_ctx *c, struct pb_render_opts *ro, struct pb_buf *manage)
{
	const struct pb_config *cfg = c->cfg;

	if (!c->secret || !cfg->web.enabled || !cfg->web.base_url || !*cfg->web.base_url)
		return;
	ro->link_key = c->secret;
	ro->link_base = cfg->web.base_url;
	ro->link_subject = c->sub->name;
	ro->link_now = (long long)c->now;
	pb_buf_reset(manage);
	if (pb_link_make(manage, cfg->web.base_url, c->secret, PB_LINK_MANAGE, c->sub->name, "",
			 (int64_t)c->now) == 0)
		ro->manage_url = pb_buf_str(manage);
}

void
pb_channel_msg_id(struct pb_buf *b, const char *date, const char *sub, const char *channel,
		  const char *dest, int part, int64_t generation)
{
	pb_buf_reset(b);
	pb_buf_printf(b, "%s/%s/%s/%s/%d", date, sub, channel, dest, part);
	if (generation >= 0)
		pb_buf_printf(b, "/g%lld", (long long)generation);
}
