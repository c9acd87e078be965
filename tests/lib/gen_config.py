#!/usr/bin/python3
"""Writes a paperboy config with N subscribers, each with an email address, a Slack webhook
(a secret file of mode 0600) and a Telegram chat, all pointing at local peers. Used by the crash
test and the end-to-end benchmark.

gen_config.py --dir D --subscribers N --smtp-port P --chat-port Q [--rss-url U --api-url V]
Writes D/paperboy.conf and D/hooks/uNNNN; the bot token is read from $PB_GEN_TOKEN_ENV's name.

For the benchmarks at scale: --channels email (no hook files, no chat), --topics N (each
subscriber's N topics, different queries), --max-papers N (every subscriber's cap), --file-dir
D (the file sink on, into D), --categories (arxiv.categories). The defaults write what the
crash test expects.
"""
import argparse
import os

QUERIES = [
    'cat:cs.CV',
    'ti:learning',
    'abs:robot*',
    'ti:\\"language model\\" OR abs:llm',
    'au:Wang AND cat:cs.LG',
    '(ti:diffusion OR abs:\\"gaussian splatting\\") ANDNOT ti:survey',
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--subscribers", type=int, default=1000)
    ap.add_argument("--smtp-port", type=int, required=True)
    ap.add_argument("--chat-port", type=int, required=True)
    ap.add_argument("--rss-url", default="")
    ap.add_argument("--api-url", default="")
    ap.add_argument("--token-env", default="PB_TEST_TOKEN")
    ap.add_argument("--max-total", type=int, default=32, help="delivery.max_total")
    ap.add_argument("--telegram-rate", type=int, default=1000,
                    help="delivery.telegram_global_per_s")
    ap.add_argument("--channels", default="email,slack,telegram",
                    help="comma-separated: email, slack, telegram")
    ap.add_argument("--topics", type=int, default=1, help="topics per subscriber")
    ap.add_argument("--max-papers", type=int, default=0,
                    help="every subscriber's max_papers (0: 2 to 5 by turns)")
    ap.add_argument("--file-dir", default="", help="turn the file sink on, into this folder")
    ap.add_argument("--categories", default="cs.CV,cs.LG,cs.RO")
    ap.add_argument("--email-only", action="store_true",
                    help="as --channels email")
    a = ap.parse_args()
    chans = {"email"} if a.email_only else set(a.channels.split(","))
    hooks = os.path.join(a.dir, "hooks")
    if "slack" in chans:
        os.makedirs(hooks, exist_ok=True)
    out = []
    out.append('state_dir = "%s/state";' % a.dir)
    out.append('user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";')
    arxiv = 'categories = [%s]; fill_metadata = false;' % ", ".join(
        '"%s"' % c for c in a.categories.split(","))
    if a.rss_url:
        arxiv += ' rss_url = "%s"; api_url = "%s"; request_interval_ms = 0;' % (a.rss_url,
                                                                            a.api_url)
    out.append("arxiv = { %s };" % arxiv)
    out.append('email = { smtp_url = "smtp://127.0.0.1:%d"; tls = "none"; '
               'from = "arXiv digest <digest@example.org>"; };' % a.smtp_port)
    if "telegram" in chans:
        out.append('telegram = { api_url = "http://127.0.0.1:%d"; token_env = "%s"; };'
                   % (a.chat_port, a.token_env))
    if a.file_dir:
        out.append('file = { enabled = true; dir = "%s"; };' % a.file_dir)
    else:
        out.append("file = { enabled = false; };")
    out.append("delivery = { max_total = %d; max_per_host = 8; retry_base_s = 1; "
               "slack_interval_ms = 0; telegram_chat_interval_ms = 0; "
               "telegram_global_per_s = %d; };" % (a.max_total, a.telegram_rate))
    out.append("subscribers = (")
    for i in range(a.subscribers):
        sep = "," if i < a.subscribers - 1 else ""
        line = '  { name = "u%04d";' % i
        if "email" in chans:
            line += ' email = ["u%04d@example.org"];' % i
        if "slack" in chans:
            path = os.path.join(hooks, "u%04d" % i)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, ("http://127.0.0.1:%d/hooks/ok/u%04d\n" % (a.chat_port, i)).encode())
            os.close(fd)
            line += ' slack_webhook_file = "%s";' % path
        out.append(line)
        line = '   '
        if "telegram" in chans:
            line += ' telegram_chat = "%d";' % (1000000 + i)
        out.append(line + ' max_papers = %d;' % (a.max_papers or i % 4 + 2))
        if a.topics == 1:
            out.append('    topics = ( { name = "t"; query = "%s"; } ); }%s'
                       % (QUERIES[i % len(QUERIES)], sep))
        else:
            ts = ['{ name = "t%d"; query = "%s"; }' % (t, QUERIES[(i + t) % len(QUERIES)])
                  for t in range(a.topics)]
            out.append('    topics = ( %s ); }%s' % (", ".join(ts), sep))
    out.append(");")
    with open(os.path.join(a.dir, "paperboy.conf"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
