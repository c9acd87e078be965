#!/usr/bin/python3
"""A local stand-in for Feishu/Lark custom bot webhooks and for a receiver of paperboy's generic
JSON webhook (stdlib HTTP/1.1 on 127.0.0.1, port 0, the chosen port written to --port-file).
Every request is appended to --log as one JSON line: arrival time, kind, hook, size, the body,
the answer, and what the stand-in found wrong with the request ("problems").

Feishu: POST /open-apis/bot/v2/hook/<token>, answered as Feishu documents its custom bots:
  - a token given with --secret TOKEN=SECRET needs "timestamp" (within an hour of now) and
    "sign" = base64(HMAC-SHA256(key = timestamp + "\\n" + SECRET, msg = "")) in the body, else
    {"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}
  - a body over 20 KB: 400 {"code":9499,"msg":"Bad Request"}
  - more than 5 requests in a second or 100 in a minute for one token: {"code":11232,...}
  - the token's prefix chooses the rest:
      ok...     {"code":0,"msg":"success","data":{}}
      limit...  the first request: 429, x-ogw-ratelimit-reset: 2, {"code":99991400,...}
      busy...   the first request: {"code":11232,"msg":"frequency limited ..."}
      kw...     {"code":19024,"msg":"Key Words Not Found"}
      ip...     {"code":19022,"msg":"Ip Not Allowed"}
      bad...    {"code":19001,"data":{},"msg":"param invalid: incoming webhook access token
                invalid"} (with HTTP 200, as for a bot removed from its group)
      flaky...  the first request: 502 with an HTML page, then ok
  A post is checked as Feishu reads it: msg_type "post", a title, paragraphs of "text" and
  "a" elements only (no "at", no "md", no un_escape), links to http(s) only.

Webhook: POST /webhook/<behaviour>/<name>; a name given with --wh-secret NAME=SECRET needs
X-Paperboy-Timestamp (within 5 minutes) and X-Paperboy-Signature: sha256=<hex HMAC-SHA256
(SECRET, timestamp + "." + body)>, else 401. Behaviours: ok (204), ratelimit (first 429 with
Retry-After: 2), flaky (first 503), timeout (first 408), gone (410), bad (400), moved (301).
--secret-prefix P=SECRET and --wh-secret-prefix P=SECRET apply a secret to every token or
name starting with P; --delay-ms holds each answer that long (a slower service).
Stops after --timeout seconds at the latest.
"""
import argparse
import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
seen = {}
arrivals = {}
args = None
log = None
secrets = {}
wh_secrets = {}
prefixes = []
wh_prefixes = []
MAX_BODY = 20 * 1024


def first_time(key):
    with lock:
        n = seen.get(key, 0)
        seen[key] = n + 1
        return n == 0


def secret_of(name, exact, pre):
    if name in exact:
        return exact[name]
    for p, v in pre:
        if name.startswith(p):
            return v
    return None


def feishu_sign(ts, secret):
    key = ("%s\n%s" % (ts, secret)).encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def post_problems(body):
    """What Feishu would refuse or render as markup in a post body."""
    p = []
    try:
        if body.get("msg_type") != "post":
            return ["msg_type %r" % body.get("msg_type")]
        langs = body["content"]["post"]
        for lang, post in langs.items():
            if not post.get("title"):
                p.append("no title")
            for para in post["content"]:
                if not isinstance(para, list):
                    p.append("paragraph not a list")
                    continue
                for e in para:
                    if e.get("tag") not in ("text", "a"):
                        p.append("element %r" % e.get("tag"))
                    if e.get("un_escape"):
                        p.append("un_escape")
                    if e.get("tag") == "a" and not e.get("href", "").startswith(("https://",
                                                                                   "http://")):
                        p.append("href %r" % e.get("href"))
                    if not isinstance(e.get("text"), str):
                        p.append("text not a string")
    except (KeyError, TypeError, AttributeError) as ex:
        p.append("shape: %r" % ex)
    return p


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
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
        if args.delay_ms:
            time.sleep(args.delay_ms / 1000.0)
        if self.path.startswith("/open-apis/bot/v2/hook/"):
            self.feishu(self.path.rsplit("/", 1)[1], raw)
        elif self.path.startswith("/webhook/"):
            parts = self.path.split("/")
            self.webhook(parts[2] if len(parts) > 3 else "", parts[-1], raw)
        else:
            self.answer(404, "not found", "text/plain")

    def feishu(self, token, raw):
        now = time.time()
        status, code, msg, hdrs = 200, 0, "success", []
        problems = []
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        signed = isinstance(body, dict) and "sign" in body
        secret = secret_of(token, secrets, prefixes)
        with lock:
            ts = arrivals.setdefault(token, [])
            ts.append(now)
            per_s = len([t for t in ts if now - t < 1.0])
            per_min = len([t for t in ts if now - t < 60.0])
        if len(raw) > MAX_BODY:
            status, code, msg = 400, 9499, "Bad Request"
        elif not isinstance(body, dict):
            status, code, msg = 400, 9499, "Bad Request"
        elif secret is not None and (
                not str(body.get("timestamp", "")).isdigit()
                or abs(now - int(body["timestamp"])) > 3600
                or body.get("sign") != feishu_sign(body["timestamp"], secret)):
            code, msg = 19021, ("sign match fail or timestamp is not within one hour "
                                "from current time")
        elif per_s > 5 or per_min > 100:
            code, msg = 11232, "frequency limited psm[lark.oapi.app_platform_runtime]"
        elif token.startswith("limit") and first_time(token):
            status, code, msg = 429, 99991400, "request trigger frequency limit"
            hdrs = [("x-ogw-ratelimit-limit", "100"), ("x-ogw-ratelimit-reset", "2")]
        elif token.startswith("busy") and first_time(token):
            code, msg = 11232, "frequency limited psm[lark.oapi.app_platform_runtime]"
        elif token.startswith("kw"):
            code, msg = 19024, "Key Words Not Found"
        elif token.startswith("ip"):
            code, msg = 19022, "Ip Not Allowed"
        elif token.startswith("bad"):
            code, msg = 19001, "param invalid: incoming webhook access token invalid"
        elif token.startswith("flaky") and first_time(token):
            self.record(kind="feishu", hook=token, size=len(raw), body=body, status=502,
                        code=None, signed=signed, problems=[])
            self.answer(502, "<html><body>502 Bad Gateway</body></html>", "text/html")
            return
        if isinstance(body, dict) and code == 0:
            problems = post_problems(body)
        self.record(kind="feishu", hook=token, size=len(raw), body=body, status=status,
                    code=code, signed=signed, problems=problems)
        self.answer(status, json.dumps({"code": code, "msg": msg, "data": {}}), headers=hdrs)

    def webhook(self, how, name, raw):
        now = time.time()
        status, text, hdrs = 204, "", []
        delivery = self.headers.get("X-Paperboy-Delivery")
        ts = self.headers.get("X-Paperboy-Timestamp")
        sig = self.headers.get("X-Paperboy-Signature")
        sig_ok = None
        secret = secret_of(name, wh_secrets, wh_prefixes)
        if secret is not None:
            want = None
            if ts and ts.isdigit():
                want = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + raw,
                                            hashlib.sha256).hexdigest()
            sig_ok = (want is not None and sig is not None and hmac.compare_digest(want, sig)
                      and abs(now - int(ts)) <= 300)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if sig_ok is False:
            status, text = 401, "signature does not match"
        elif body is None:
            status, text = 400, "not JSON"
        elif how == "ratelimit" and first_time(self.path):
            status, text, hdrs = 429, "slow down", [("Retry-After", "2")]
        elif how == "flaky" and first_time(self.path):
            status, text = 503, "upstream unavailable"
        elif how == "timeout" and first_time(self.path):
            status, text = 408, "request timeout"
        elif how == "gone":
            status, text = 410, "gone: this hook was deleted on 2024-11-01 by its owner"
        elif how == "bad":
            status, text = 400, "bad request: the field papers is not expected here"
        elif how == "moved":
            status, text, hdrs = 301, "moved", [("Location", "http://127.0.0.1:1/elsewhere")]
        self.record(kind="webhook", hook=self.path, name=name, size=len(raw), body=body,
                    status=status, delivery=delivery, signed=sig is not None, sig_ok=sig_ok,
                    timestamp=ts,
                    ctype=self.headers.get("Content-Type"))
        self.answer(status, text, "text/plain", hdrs)


def main():
    global args, log
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--secret", action="append", default=[], help="TOKEN=SECRET (Feishu)")
    ap.add_argument("--wh-secret", action="append", default=[], help="NAME=SECRET (webhook)")
    ap.add_argument("--secret-prefix", action="append", default=[], help="PREFIX=SECRET")
    ap.add_argument("--wh-secret-prefix", action="append", default=[], help="PREFIX=SECRET")
    ap.add_argument("--delay-ms", type=float, default=0)
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    for s in args.secret_prefix:
        prefixes.append(tuple(s.split("=", 1)))
    for s in args.wh_secret_prefix:
        wh_prefixes.append(tuple(s.split("=", 1)))
    for s in args.secret:
        k, v = s.split("=", 1)
        secrets[k] = v
    for s in args.wh_secret:
        k, v = s.split("=", 1)
        wh_secrets[k] = v
    log = open(args.log, "a", encoding="utf-8")
    # a listen backlog for bursts (socketserver's default is 5: a busy machine refuses more)
    ThreadingHTTPServer.request_queue_size = 128
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    t = threading.Timer(args.timeout, srv.shutdown)
    t.daemon = True
    t.start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
