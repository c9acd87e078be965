#!/usr/bin/python3
"""A local stand-in for Slack incoming webhooks and the Telegram Bot API (stdlib HTTP/1.1 on
127.0.0.1, port 0, the chosen port written to --port-file). Every request is appended to
--log as one JSON line: arrival time (time.time()), kind, hook or chat, the body, the answer.

Slack: POST /hooks/<behaviour>/<anything>
  ok         200 "ok"
  invalid    400 "invalid_payload"
  forbidden  403 "action_prohibited"
  noservice  404 "no_service"
  archived   410 "channel_is_archived"
  ratelimit  first request per path 429 with Retry-After: 2, then 200 "ok"
  flaky      first request per path 500, then 200 "ok"
  hang       the request is read (and logged with status 0), then never answered

Telegram: POST /bot<TOKEN>/sendMessage (the token must equal --token, else 401), chosen by
chat_id:
  404...     400 Bad Request: chat not found
  403...     403 Forbidden: bot was blocked by the user
  429...     first request per chat 429 with parameters.retry_after 2, then ok
  -555...    400 group chat was upgraded to a supergroup chat, migrate_to_chat_id -100<same>
  500...     first request per chat 500, then ok
  anything else: ok with a result message
Slack's response_url: POST /actions/<behaviour>/<anything> (a JSON message):
  flaky      first request per path 503, then 200 {"ok": true}
  ratelimit  first request per path 429 with Retry-After: 1, then 200
  expired    404 "expired_url"
  hang       the request is read (and logged with status 0), answered 200 after 30 s
  anything else: 200 {"ok": true}
Slack's Web API: POST /api/users.info and /api/conversations.info (a form, the bearer token
must equal --slack-token, else {"ok":false,"error":"invalid_auth"}): a user whose id starts
with UADM is a workspace admin, one starting UEXT an admin of another organisation
(is_stranger); every channel's creator is UOWNER.
Stops after --timeout seconds at the latest.
"""
import argparse
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
seen = {}
args = None
log = None


def first_time(key):
    with lock:
        n = seen.get(key, 0)
        seen[key] = n + 1
        return n == 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without this, Nagle plus the client's
    # delayed ACK adds 40 ms to every answer.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *a):
        pass

    def answer(self, status, body, ctype="application/json", headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def record(self, **kw):
        kw["t"] = time.time()
        with lock:
            log.write(json.dumps(kw) + "\n")
            log.flush()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        parts = self.path.split("/")
        if self.path.startswith("/hooks/"):
            self.slack(parts[2] if len(parts) > 2 else "", raw)
        elif self.path.startswith("/actions/"):
            self.response_url(parts[2] if len(parts) > 2 else "", raw)
        elif len(parts) == 3 and parts[1] == "api":
            self.slack_api(parts[2], raw)
        elif len(parts) == 3 and parts[1].startswith("bot") and parts[2] == "sendMessage":
            self.telegram(parts[1][3:], raw)
        else:
            self.answer(404, "not found", "text/plain")

    def slack(self, how, raw):
        status, text, hdrs = 200, "ok", []
        if how == "hang":
            self.record(kind="slack", hook=self.path, body=None, status=0)
            time.sleep(args.timeout + 60)
            return
        if how == "invalid":
            status, text = 400, "invalid_payload"
        elif how == "forbidden":
            status, text = 403, "action_prohibited"
        elif how == "noservice":
            status, text = 404, "no_service"
        elif how == "archived":
            status, text = 410, "channel_is_archived"
        elif how == "ratelimit" and first_time(self.path):
            status, text, hdrs = 429, "rate_limited", [("Retry-After", "2")]
        elif how == "flaky" and first_time(self.path):
            status, text = 500, "internal_error"
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
            status, text = 400, "invalid_payload"
        self.record(kind="slack", hook=self.path, body=body, status=status)
        self.answer(status, text, "text/plain", hdrs)

    def response_url(self, how, raw):
        status, text, ctype, hdrs = 200, json.dumps({"ok": True}), "application/json", []
        try:
            body = json.loads(raw)
        except ValueError:
            self.record(kind="response_url", path=self.path, body=None, status=400)
            self.answer(400, "invalid_payload", "text/plain")
            return
        if how == "hang":
            self.record(kind="response_url", path=self.path, body=body, status=0)
            time.sleep(30)
            try:
                self.answer(status, text)
            except OSError:
                pass   # the client gave up
            return
        if how == "flaky" and first_time(self.path):
            status, text, ctype = 503, "service_unavailable", "text/plain"
        elif how == "ratelimit" and first_time(self.path):
            status, text, ctype, hdrs = 429, "rate_limited", "text/plain", [("Retry-After", "1")]
        elif how == "expired":
            status, text, ctype = 404, "expired_url", "text/plain"
        self.record(kind="response_url", path=self.path, body=body, status=status)
        self.answer(status, text, ctype, hdrs)

    def slack_api(self, method, raw):
        form = dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace")))
        if self.headers.get("Authorization") != "Bearer " + args.slack_token:
            ans = {"ok": False, "error": "invalid_auth"}
        elif method == "users.info":
            u = form.get("user", "")
            ans = {"ok": True, "user": {"id": u, "is_admin": u.startswith(("UADM", "UEXT")),
                                        "is_owner": False, "is_stranger": u.startswith("UEXT")}}
        elif method == "conversations.info":
            ans = {"ok": True, "channel": {"id": form.get("channel"), "creator": "UOWNER"}}
        else:
            ans = {"ok": False, "error": "unknown_method"}
        self.record(kind="slack_api", method=method, body=form, status=200)
        self.answer(200, json.dumps(ans))

    def telegram(self, token, raw):
        if token != args.token:
            self.record(kind="telegram", chat=None, body=None, status=401)
            self.answer(401, json.dumps({"ok": False, "error_code": 401,
                                         "description": "Unauthorized"}))
            return
        try:
            body = json.loads(raw)
            chat = str(body["chat_id"])
        except (ValueError, KeyError, TypeError):
            self.record(kind="telegram", chat=None, body=None, status=400)
            self.answer(400, json.dumps({"ok": False, "error_code": 400,
                                         "description": "Bad Request: chat_id is empty"}))
            return
        status, ans = 200, None
        if chat.startswith("404"):
            status, ans = 400, {"ok": False, "error_code": 400,
                                "description": "Bad Request: chat not found"}
        elif chat.startswith("403"):
            status, ans = 403, {"ok": False, "error_code": 403,
                                "description": "Forbidden: bot was blocked by the user"}
        elif chat.startswith("429") and first_time("tg" + chat):
            status, ans = 429, {"ok": False, "error_code": 429,
                                "description": "Too Many Requests: retry after 2",
                                "parameters": {"retry_after": 2}}
        elif chat.startswith("-555"):
            status, ans = 400, {"ok": False, "error_code": 400,
                                "description": "Bad Request: group chat was upgraded to a "
                                               "supergroup chat",
                                "parameters": {"migrate_to_chat_id": int("-100" + chat[1:])}}
        elif chat.startswith("500") and first_time("tg" + chat):
            status, ans = 500, {"ok": False, "error_code": 500,
                                "description": "Internal Server Error"}
        if ans is None:
            ans = {"ok": True, "result": {"message_id": 1, "chat": {"id": body["chat_id"]},
                                          "date": int(time.time()), "text": body.get("text")}}
        self.record(kind="telegram", chat=chat, body=body, status=status)
        self.answer(status, json.dumps(ans))


def main():
    global args, log
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--token", default="123456:TEST-token")
    ap.add_argument("--slack-token", default="xoxb-test-token")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--quiet-log", action="store_true", help="do not log bodies (benchmarks)")
    args = ap.parse_args()
    log = open(args.log, "a")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    threading.Timer(args.timeout, srv.shutdown).start()
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
