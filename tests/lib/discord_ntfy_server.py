#!/usr/bin/python3
"""A local stand-in for Discord webhooks and an ntfy server (stdlib HTTP/1.1 on 127.0.0.1,
port 0, the chosen port written to --port-file), answering as their documentation says. Every
request is appended to --log as one JSON line: arrival time (time.time()), kind, webhook or
topic, the parsed body, the status answered, and what the service would have done with it.

Discord: POST /api/v<N>/webhooks/<id>/<behaviour>[?wait=true], or /api/webhooks/... without a
version, which Discord routes to its default API v6: there, as Discord's v6 does, a 429 gives
retry_after and Retry-After in milliseconds (v8 and later: seconds, retry_after a float); the
log says which version a request reached. Every request is checked as Discord
checks it: a JSON object with content of at most 2,000 characters (else 400 50035 Invalid Form
Body, errors.content._errors BASE_TYPE_MAX_LENGTH), and each webhook's bucket of 5 requests per
2 s (else 429 with retry_after and Retry-After, as Discord does). The log says which mentions
the message would ping under its allowed_mentions ("pinged") and whether wait=true was asked.
The behaviour is the webhook token:
  ok          200 with the message object
  unknown     404 {"message": "Unknown Webhook", "code": 10015}
  unauth      401 {"message": "401: Unauthorized", "code": 0}
  badtoken    401 {"message": "Invalid Webhook Token", "code": 50027} (the webhook's id with
              a token that is not its own)
  forbidden   403 {"message": "Missing Access", "code": 50001}
  ratelimit   first request per webhook 429 {"retry_after": 2.5, "global": false} with
              Retry-After: 3, then as ok
  global      first request per webhook 429 {"retry_after": 1.2, "global": true} with
              X-RateLimit-Global: true and X-RateLimit-Scope: global, then as ok
A global 429 is Discord's global limit, which holds every request of the client: until its
retry_after has passed, a request to any webhook is answered the same 429 (with what is left
of the wait), logged with problem "global" and "since" (when the limit was answered).
  banned      first request per webhook: Cloudflare's ban of the address, a 429 {"code": 0,
              "message": "You are being blocked from accessing our API temporarily ..."}
              with no rate-limit headers and no Retry-After (discord-api-docs issue 5810);
              for --ban seconds every request to any webhook is answered the same, logged
              with problem "banned" and "since"
  flaky       first request per webhook 502, then as ok

ntfy: POST / with a JSON message (ntfy's "publish as JSON"). Checked as ntfy checks it: a
body of at most 8,192 bytes (twice the message limit; else 413 41303), a topic of
[-_A-Za-z0-9]{1,64} (else 400 40009), a message of at most 4,096 bytes (else 413 41301,
standing for the attachment ntfy would make of it), and the visitor's request bucket
(--ntfy-burst requests, refilled one per --ntfy-replenish seconds; else 429 42901). The
behaviour is the topic's prefix (before the first "_"):
  ok          200 with the message as JSON
  limited     first request per topic 429 42901 with Retry-After: 2, then as ok
  reserved    403 40301 forbidden
  auth        needs "Authorization: Bearer <--ntfy-token>", else 401 40101 unauthorized
  flaky       first request per topic 500, then as ok
Stops after --timeout seconds at the latest.
"""
import argparse
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

lock = threading.Lock()
seen = {}
buckets = {}        # Discord: webhook -> arrival times in the last 2 s
global_limit = [0.0, 0.0]  # Discord: the global 429 last answered, and when it ends
ban = [0.0, 0.0]           # Discord: Cloudflare's ban of the address, since and until
BANNED = {"code": 0, "message": "You are being blocked from accessing our API temporarily due "
          "to exceeding our rate limits frequently. Please read our docs at "
          "https://discord.com/developers/docs/topics/rate-limits to prevent this moving "
          "forward."}
ntfy_bucket = None  # [tokens, last refill]
args = None
log = None
TOPIC = re.compile(r"^[-_A-Za-z0-9]{1,64}$")
MENTION = re.compile(r"@everyone|@here|<@!?\d+>|<@&\d+>")


def first_time(key):
    with lock:
        n = seen.get(key, 0)
        seen[key] = n + 1
        return n == 0


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


def pinged(content, am):
    """The mentions Discord would notify for content under allowed_mentions am."""
    if am is None:
        am = {"parse": ["users", "roles", "everyone"]}
    parse = am.get("parse", [])
    out = []
    for mo in MENTION.finditer(content):
        m, start = mo.group(0), mo.start()
        if start > 0 and content[start - 1] == "\\":
            continue        # escaped: shown as text
        if m in ("@everyone", "@here"):
            if "everyone" in parse:
                out.append(m)
        elif m.startswith("<@&"):
            if "roles" in parse:
                out.append(m)
        elif "users" in parse:
            out.append(m)
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *a):
        pass

    def answer(self, status, obj, headers=()):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
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
        u = urlsplit(self.path)
        parts = u.path.split("/")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if u.path.startswith("/api/webhooks/") and len(parts) == 5:
            self.discord(parts[3], parts[4], parse_qs(u.query), body, raw, 6)
        elif re.match(r"^/api/v[0-9]+/webhooks/", u.path) and len(parts) == 6:
            self.discord(parts[4], parts[5], parse_qs(u.query), body, raw, int(parts[2][1:]))
        elif u.path == "/":
            self.ntfy(body, raw)
        else:
            self.answer(404, {"message": "404: Not Found", "code": 0})

    # ---- Discord ----
    def discord(self, hook_id, how, query, body, raw, version):
        hook = "%s/%s" % (hook_id, how)
        wait = query.get("wait", [""])[0] == "true"
        rec = dict(kind="discord", hook=hook, wait=wait, body=body, version=version)

        def limited(ra, header, is_global, headers):
            """A 429 in the units of the version asked: before v8, milliseconds."""
            if version < 8:
                ra, header = int(ra * 1000), int(header * 1000)
            return self.answer(429, {"message": "You are being rate limited.",
                                     "retry_after": ra, "global": is_global},
                               [("Retry-After", str(header))] + headers)

        now = time.time()
        with lock:
            bsince, buntil = ban
        if now < buntil:
            rec.update(status=429, problem="banned", since=bsince)
            self.record(**rec)
            return self.answer(429, BANNED)
        with lock:
            since, until = global_limit
        if now < until:
            ra = round(until - now, 3)
            rec.update(status=429, problem="global", since=since)
            self.record(**rec)
            return limited(ra, int(ra) + 1, True, [("X-RateLimit-Global", "true"),
                                                   ("X-RateLimit-Scope", "global")])
        if not isinstance(body, dict):
            rec.update(status=400, problem="not JSON")
            self.record(**rec)
            return self.answer(400, {"message": "Cannot send an empty message", "code": 50006})
        content = body.get("content") or ""
        rec.update(length=utf16_len(content),
                   pinged=pinged(content, body.get("allowed_mentions")))
        now = time.time()
        with lock:
            b = [x for x in buckets.get(hook, []) if now - x < 2.0]
            over = len(b) >= 5
            if not over:
                b.append(now)
            buckets[hook] = b
        if over:
            ra = round(2.0 - (now - b[0]), 3)
            rec.update(status=429, problem="bucket")
            self.record(**rec)
            return limited(ra, int(ra) + 1, False,
                           [("X-RateLimit-Limit", "5"), ("X-RateLimit-Remaining", "0"),
                            ("X-RateLimit-Reset-After", str(ra)),
                            ("X-RateLimit-Scope", "user")])
        if utf16_len(content) > 2000:
            rec.update(status=400, problem="too long")
            self.record(**rec)
            return self.answer(400, {"message": "Invalid Form Body", "code": 50035, "errors": {
                "content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
                                         "message": "Must be 2000 or fewer in length."}]}}})
        if how == "unknown":
            rec.update(status=404)
            self.record(**rec)
            return self.answer(404, {"message": "Unknown Webhook", "code": 10015})
        if how == "unauth":
            rec.update(status=401)
            self.record(**rec)
            return self.answer(401, {"message": "401: Unauthorized", "code": 0})
        if how == "badtoken":
            rec.update(status=401)
            self.record(**rec)
            return self.answer(401, {"message": "Invalid Webhook Token", "code": 50027})
        if how == "forbidden":
            rec.update(status=403)
            self.record(**rec)
            return self.answer(403, {"message": "Missing Access", "code": 50001})
        if how == "ratelimit" and first_time(hook):
            rec.update(status=429)
            self.record(**rec)
            return limited(2.5, 3, False, [("X-RateLimit-Scope", "shared")])
        if how == "global" and first_time(hook):
            rec.update(status=429)
            self.record(**rec)
            with lock:
                global_limit[:] = [time.time(), time.time() + 1.2]
            return limited(1.2, 2, True, [("X-RateLimit-Global", "true"),
                                          ("X-RateLimit-Scope", "global")])
        if how == "banned" and first_time(hook):
            rec.update(status=429)
            self.record(**rec)
            with lock:
                ban[:] = [time.time(), time.time() + args.ban]
            return self.answer(429, BANNED)
        if how == "flaky" and first_time(hook):
            rec.update(status=502)
            self.record(**rec)
            return self.answer(502, {"message": "Bad Gateway", "code": 0})
        rec.update(status=200)
        self.record(**rec)
        if not wait:
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.answer(200, {"id": str(int(time.time() * 1000) << 22), "type": 0,
                          "content": content, "channel_id": "1", "webhook_id": hook_id,
                          "mentions": [], "mention_everyone": False})

    # ---- ntfy ----
    def ntfy_error(self, rec, status, code, error, headers=()):
        rec.update(status=status)
        self.record(**rec)
        self.answer(status, {"code": code, "http": status, "error": error,
                             "link": "https://ntfy.sh/docs/publish/"}, headers)

    def ntfy(self, body, raw):
        global ntfy_bucket
        rec = dict(kind="ntfy", body=body,
                   auth=self.headers.get("Authorization", "")[:7] == "Bearer ")
        now = time.time()
        with lock:
            if ntfy_bucket is None:
                ntfy_bucket = [float(args.ntfy_burst), now]
            tokens, last = ntfy_bucket
            tokens = min(float(args.ntfy_burst), tokens + (now - last) / args.ntfy_replenish)
            ok = tokens >= 1.0
            ntfy_bucket = [tokens - 1.0 if ok else tokens, now]
        if len(raw) > 8192:
            return self.ntfy_error(rec, 413, 41303, "JSON body too large")
        if not isinstance(body, dict) or not isinstance(body.get("topic"), str):
            return self.ntfy_error(rec, 400, 40001, "invalid request: body must be message JSON")
        topic = body["topic"]
        rec.update(topic=topic, length=len((body.get("message") or "").encode()))
        if not ok:
            return self.ntfy_error(rec, 429, 42901, "limit reached: too many requests")
        if not TOPIC.match(topic):
            return self.ntfy_error(rec, 400, 40009, "invalid request: topic invalid")
        if rec["length"] > 4096:
            return self.ntfy_error(rec, 413, 41301,
                                   "too large: message over 4,096 bytes (an attachment)")
        how = topic.split("_")[0]
        if how == "limited" and first_time(topic):
            return self.ntfy_error(rec, 429, 42901, "limit reached: too many requests",
                                   [("Retry-After", "2")])
        if how == "reserved":
            return self.ntfy_error(rec, 403, 40301, "forbidden")
        if how == "auth" and self.headers.get("Authorization") != "Bearer " + args.ntfy_token:
            return self.ntfy_error(rec, 401, 40101, "unauthorized")
        if how == "flaky" and first_time(topic):
            return self.ntfy_error(rec, 500, 50001, "internal server error")
        rec.update(status=200)
        self.record(**rec)
        m = {"id": "m%d" % int(now * 1e6), "time": int(now), "expires": int(now) + 43200,
             "event": "message", "topic": topic, "message": body.get("message", "")}
        for k in ("title", "tags", "priority", "click"):
            if k in body:
                m[k] = body[k]
        if body.get("markdown"):
            m["content_type"] = "text/markdown"
        self.answer(200, m)


def main():
    global args, log
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--ban", type=float, default=0.5)
    ap.add_argument("--ntfy-token", default="tk_test")
    ap.add_argument("--ntfy-burst", type=int, default=60)
    ap.add_argument("--ntfy-replenish", type=float, default=5.0)
    args = ap.parse_args()
    log = open(args.log, "a")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    threading.Timer(args.timeout, srv.shutdown).start()
    srv.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
