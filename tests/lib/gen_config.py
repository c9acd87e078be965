#!/usr/bin/python3
"""Writes a paperboy config with N subscribers, each with an email address, a Slack webhook
(a secret file of mode 0600) and a Telegram chat, all pointing at local peers. Used by the crash
test and the end-to-end benchmark.

gen_config.py --dir D --subscribers N --smtp-port P --chat-port Q [--rss-url U --api-url V]
Writes D/paperboy.conf and D/hooks/uNNNN; the bot token is read from $PB_GEN_TOKEN_ENV's name.
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
    ap.add_argument("--topics", type=int, default=1,
                    help="topics per subscriber (consecutive queries of the list)")
    ap.add_argument("--max-papers", type=int, default=0,
                    help="max_papers of every subscriber (0: 2 to 5 by turn)")
    ap.add_argument("--email-only", action="store_true",
                    help="no Slack or Telegram destination (the Telegram section stays)")
    a = ap.parse_args()
    hooks = os.path.join(a.dir, "hooks")
    os.makedirs(hooks, exist_ok=True)
    out = []
    out.append('state_dir = "%s/state";' % a.dir)
    out.append('user_agent = "paperboy-test/1.0 (+mailto:test@example.org)";')
    arxiv = 'categories = ["cs.CV", "cs.LG", "cs.RO"]; fill_metadata = false;'
    if a.rss_url:
        arxiv += ' rss_url = "%s"; api_url = "%s"; request_interval_ms = 0;' % (a.rss_url,
                                                                            a.api_url)
    out.append("arxiv = { %s };" % arxiv)
    out.append('email = { smtp_url = "smtp://127.0.0.1:%d"; tls = "none"; '
               'from = "arXiv digest <digest@example.org>"; };' % a.smtp_port)
    out.append('telegram = { api_url = "http://127.0.0.1:%d"; token_env = "%s"; };'
               % (a.chat_port, a.token_env))
    out.append("file = { enabled = false; };")
    out.append("delivery = { max_total = %d; max_per_host = 8; retry_base_s = 1; "
               "slack_interval_ms = 0; telegram_chat_interval_ms = 0; "
               "telegram_global_per_s = %d; };" % (a.max_total, a.telegram_rate))
    out.append("subscribers = (")
    for i in range(a.subscribers):
        path = os.path.join(hooks, "u%04d" % i)
        if not a.email_only:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, ("http://127.0.0.1:%d/hooks/ok/u%04d\n" % (a.chat_port, i)).encode())
            os.close(fd)
        q = QUERIES[i % len(QUERIES)]
        sep = "," if i < a.subscribers - 1 else ""
        mp = a.max_papers if a.max_papers > 0 else i % 4 + 2
        if a.email_only:
            out.append('  { name = "u%04d"; email = ["u%04d@example.org"]; max_papers = %d;'
                       % (i, i, mp))
        else:
            out.append('  { name = "u%04d"; email = ["u%04d@example.org"]; slack_webhook_file = "%s";'
                       % (i, i, path))
            out.append('    telegram_chat = "%d"; max_papers = %d;' % (1000000 + i, mp))
        if a.topics <= 1:
            out.append('    topics = ( { name = "t"; query = "%s"; } ); }%s' % (q, sep))
        else:
            ts = ", ".join('{ name = "t%d"; query = "%s"; }'
                           % (k, QUERIES[(i + k) % len(QUERIES)]) for k in range(a.topics))
            out.append('    topics = ( %s ); }%s' % (ts, sep))
    out.append(");")
    with open(os.path.join(a.dir, "paperboy.conf"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
