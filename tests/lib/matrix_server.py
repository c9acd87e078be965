#!/usr/bin/python3
"""A local stand-in for a Matrix homeserver's send endpoint (stdlib HTTP/1.1 on 127.0.0.1, port
0, the chosen port written to --port-file), answering as the client-server API documents:

PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}
  Authorization: Bearer <--token>       absent: 401 M_MISSING_TOKEN; other: 401 M_UNKNOWN_TOKEN
  the body must be a JSON object (else 400 M_NOT_JSON) with msgtype and body strings, and
  format org.matrix.custom.html with a formatted_body string when either is given (else 400
  M_BAD_JSON); a request body over 65,536 bytes is 413 M_TOO_LARGE.
  200 {"event_id": "$..."} stores the event. Transaction ids are remembered per access token
  and path, as homeservers do: a repeated one answers the same event_id and stores nothing.
  A failed request (an error answered) is not remembered.

Rooms behave by the start of their opaque part (after "!"):
  forbidden  403 M_FORBIDDEN (the user is not in the room)
  gone       404 M_NOT_FOUND
  limited    the first request per room: 429 M_LIMIT_EXCEEDED, retry_after_ms --limit-ms
  flaky      the first request per room: 502 (no JSON)
  anything else: stored
--limit-every N: besides, every Nth request (of those that would store) is answered 429
M_LIMIT_EXCEEDED with retry_after_ms --limit-ms and a Retry-After header (a schedule).
--account-limit BURST:PER_S: the limit Synapse keeps on sending messages (rc_message, by
default 10 at once then 0.2 a second), a bucket per account, whatever the room: a request that
would store takes one from its access token's bucket, and when there is none it is answered 429
M_LIMIT_EXCEEDED with retry_after_ms the time until the next one.
--delay-ms D: each answer waits D ms after the event is stored (so a client can die with the
event stored and its answer unread).

Every request is one JSON line in --log: t (arrival, time.time()), room, txn, status, errcode,
event_id, repeat (the txnId was seen before with this token and path), stored (a new event),
html_bad (tags or attributes outside what Matrix clients accept), len (request bytes),
retry_after_ms (a 429 of --account-limit) and the content. Stops after --timeout seconds at the latest.
"""
import argparse
import json
import os
import sys
import threading
import time
import urllib.parse
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The HTML the spec recommends clients accept in org.matrix.custom.html (m.room.message).
TAGS = {"font", "del", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "p", "a", "ul", "ol",
        "sup", "sub", "li", "b", "i", "u", "strong", "em", "s", "code", "hr", "br", "div",
        "table", "thead", "tbody", "tr", "th", "td", "caption", "pre", "span", "img",
        "details", "summary"}
ATTRS = {"a": {"href", "target"}, "code": {"class"}, "span": {"data-mx-spoiler"}}

lock = threading.Lock()
txns = {}          # (token, path) -> event_id
seen_rooms = {}
counter = [0, 0]   # requests that would store, events stored
buckets = {}       # access token -> [level, time] (--account-limit)
args = None
log = None


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad = []

    def handle_starttag(self, tag, attrs):
        if tag not in TAGS:
            self.bad.append(tag)
        for k, v in attrs:
            if k not in ATTRS.get(tag, ()):
                self.bad.append("%s@%s" % (tag, k))
            elif k == "href" and not (v or "").startswith(("https://", "http://")):
                self.bad.append("href=%s" % v)

    def handle_endtag(self, tag):
        if tag not in TAGS:
            self.bad.append("/" + tag)


def account_wait_ms(token):
    """0 when the account may send now (a unit taken), else the milliseconds until it may."""
    burst, per_s = args.account_limit
    now = time.time()
    with lock:
        level, t = buckets.get(token, (float(burst), now))
        level = min(float(burst), level + (now - t) * per_s)
        if level >= 1:
            buckets[token] = (level - 1, now)
            return 0
        buckets[token] = (level, now)
        return int((1 - level) / per_s * 1000) + 1


def first_time(key):
    with lock:
        n = seen_rooms.get(key, 0)
        seen_rooms[key] = n + 1
        return n == 0


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *a):
        pass

    def answer(self, status, obj, headers=()):
        data = (json.dumps(obj) if obj is not None else "<html>Bad Gateway</html>").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if obj is not None else "text/html")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def record(self, **kw):
        with lock:
            log.write(json.dumps(kw) + "\n")
            log.flush()

    def error(self, rec, status, code, words, headers=(), extra=None):
        rec.update(status=status, errcode=code)
        self.record(**rec)
        obj = {"errcode": code, "error": words}
        obj.update(extra or {})
        self.answer(status, obj, headers)

    def do_PUT(self):
        t = time.time()
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        path = urllib.parse.urlsplit(self.path).path
        parts = path.split("/")
        rec = {"t": t, "room": None, "txn": None, "len": n, "repeat": False, "stored": False}
        # ['', '_matrix', 'client', 'v3', 'rooms', ROOM, 'send', TYPE, TXN]
        if len(parts) != 9 or parts[1:5] != ["_matrix", "client", "v3", "rooms"] or \
                parts[6] != "send":
            return self.error(rec, 404, "M_UNRECOGNIZED", "Unrecognized request")
        room = urllib.parse.unquote(parts[5])
        rec.update(room=room, txn=urllib.parse.unquote(parts[8]), type=parts[7])
        auth = self.headers.get("Authorization") or ""
        if not auth.startswith("Bearer "):
            return self.error(rec, 401, "M_MISSING_TOKEN", "Missing access token")
        token = auth[len("Bearer "):]
        if token != args.token:
            return self.error(rec, 401, "M_UNKNOWN_TOKEN", "Invalid access token passed.",
                              extra={"soft_logout": False})
        if n > 65536:
            return self.error(rec, 413, "M_TOO_LARGE", "event too large")
        try:
            content = json.loads(raw)
        except ValueError:
            return self.error(rec, 400, "M_NOT_JSON", "Content not JSON.")
        rec["content"] = content
        if not isinstance(content, dict) or not isinstance(content.get("msgtype"), str) or \
                not isinstance(content.get("body"), str):
            return self.error(rec, 400, "M_BAD_JSON", "Missing msgtype or body")
        if ("format" in content or "formatted_body" in content) and (
                content.get("format") != "org.matrix.custom.html" or
                not isinstance(content.get("formatted_body"), str)):
            return self.error(rec, 400, "M_BAD_JSON", "Bad format or formatted_body")
        if not room.startswith("!"):
            return self.error(rec, 400, "M_INVALID_PARAM", "Not a room id")
        key = (token, path)
        with lock:
            old = txns.get(key)
        if old:
            # A retransmission: the event it made, nothing stored.
            rec.update(status=200, repeat=True, event_id=old)
            self.record(**rec)
            return self.answer(200, {"event_id": old})
        how = room[1:]
        if how.startswith("forbidden"):
            return self.error(rec, 403, "M_FORBIDDEN",
                              "User @paperboy:localhost not in room %s" % room)
        if how.startswith("gone"):
            return self.error(rec, 404, "M_NOT_FOUND", "Unknown room %s" % room)
        if how.startswith("limited") and first_time(room):
            return self.error(rec, 429, "M_LIMIT_EXCEEDED", "Too Many Requests",
                              extra={"retry_after_ms": args.limit_ms})
        if how.startswith("flaky") and first_time(room):
            rec.update(status=502, errcode=None)
            self.record(**rec)
            return self.answer(502, None)
        wait = account_wait_ms(token) if args.account_limit else 0
        if wait:
            rec["retry_after_ms"] = wait
            return self.error(rec, 429, "M_LIMIT_EXCEEDED", "Too Many Requests",
                              extra={"retry_after_ms": wait})
        with lock:
            counter[0] += 1
            scheduled = args.limit_every and counter[0] % args.limit_every == 0
        if scheduled:
            secs = str((args.limit_ms + 999) // 1000)
            return self.error(rec, 429, "M_LIMIT_EXCEEDED", "Too Many Requests",
                              headers=[("Retry-After", secs)],
                              extra={"retry_after_ms": args.limit_ms})
        checker = Checker()
        checker.feed(content.get("formatted_body") or "")
        with lock:
            old = txns.get(key)
            if not old:
                counter[1] += 1
                event_id = "$ev%06d-%s" % (counter[1], os.urandom(4).hex())
                txns[key] = event_id
        if old:   # the same transaction raced in on another connection
            rec.update(status=200, repeat=True, event_id=old)
            self.record(**rec)
            return self.answer(200, {"event_id": old})
        rec.update(status=200, stored=True, event_id=event_id, html_bad=checker.bad)
        self.record(**rec)
        if args.delay_ms:
            time.sleep(args.delay_ms / 1000.0)
        self.answer(200, {"event_id": event_id})


def main():
    global args, log
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--limit-ms", type=int, default=2000)
    ap.add_argument("--limit-every", type=int, default=0)
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--account-limit", default=None,
                    type=lambda v: (int(v.split(":")[0]), float(v.split(":")[1])))
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    log = open(args.log, "a")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    threading.Timer(args.timeout, lambda: os._exit(0)).start()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
