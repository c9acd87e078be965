#!/usr/bin/python3
"""A stand-in for the WeCom group robot and the DingTalk custom robot webhooks, on 127.0.0.1,
answering as their documentation says (HTTP 200 with {"errcode":N,"errmsg":"..."}).

WeCom:    POST /cgi-bin/webhook/send?key=KEY   {"msgtype":"markdown","markdown":{"content":C}}
  C at most 4,096 bytes of UTF-8 (else 40058 "markdown.content exceed max length 4096...");
  msgtype other than markdown or no content: 40008; more than --per-window messages in
  --window seconds per key: 45009 "api freq out of limit"; key "bad-*": 93000 "invalid
  webhook url"; key "h429-*": the first request gets HTTP 429 with Retry-After: --retry-after.
DingTalk: POST /robot/send?access_token=T[&timestamp=MS&sign=S]
  {"msgtype":"markdown","markdown":{"title":..,"text":..}}; a body over 20,000 bytes refused;
  a robot given a secret (--dingtalk-secret T=SECRET) checks the signature as DingTalk does:
  S = urlencode(base64(HMAC-SHA256(SECRET, MS + "\\n" + SECRET))), MS within an hour of now,
  else 310000; a robot given a keyword (--dingtalk-keyword T=WORD) takes only a text that
  has WORD, else 310000 "keywords not in content"; token "nosuch-*": 300001 "token is not exist"; more than --per-window in
  --window seconds: 130101 "send too fast", and the robot stays throttled --throttle seconds.

Every request is logged as a JSON line (--log): t, kind, robot, status, errcode, bytes (content
or text bytes), body (the parsed JSON) and signed. Stops by itself after --timeout seconds.
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

A = None
LOCK = threading.Lock()
SENT = {}        # robot -> accepted times
THROTTLED = {}   # DingTalk robot -> throttled until
SEEN = set()     # robots that had their first request


def over_limit(robot, now):
    ts = [t for t in SENT.get(robot, []) if now - t < A.window]
    SENT[robot] = ts
    return len(ts) >= A.per_window


def raw_query(path):
    q = {}
    if "?" in path:
        for kv in path.split("?", 1)[1].split("&"):
            k, _, v = kv.partition("=")
            q[k] = v
    return q


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, errcode, errmsg, headers=()):
        data = json.dumps({"errcode": errcode, "errmsg": errmsg}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        now = time.time()
        path = self.path.split("?", 1)[0]
        q = raw_query(self.path)
        try:
            body = json.loads(raw.decode("utf-8"))
        except Exception:
            body = None
        rec = {"t": now, "path": path, "body": body, "signed": "sign" in q}
        with LOCK:
            if path == "/cgi-bin/webhook/send":
                status, code, msg, hdr = self.wecom(q, body, rec, now)
            elif path == "/robot/send":
                status, code, msg, hdr = self.dingtalk(q, raw, body, rec, now)
            else:
                status, code, msg, hdr = 404, 404, "not found", ()
            rec.update(status=status, errcode=code)
            if status == 200 and code == 0:
                SENT.setdefault(rec["robot"], []).append(now)
            with open(A.log, "a") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        self.answer(status, code, msg, hdr)

    def wecom(self, q, body, rec, now):
        key = urllib.parse.unquote_plus(q.get("key", ""))
        rec.update(kind="wecom", robot=key)
        first = key not in SEEN
        SEEN.add(key)
        if not key or key.startswith("bad-"):
            return 200, 93000, ("invalid webhook url, hint: [1733208000000000000000], from ip: "
                                "127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/"
                                "query?e=93000"), ()
        if key.startswith("h429-") and first:
            return 429, 45009, "api freq out of limit", (("Retry-After", str(A.retry_after)),)
        if not isinstance(body, dict) or body.get("msgtype") != "markdown" or \
                not isinstance(body.get("markdown"), dict) or \
                not isinstance(body["markdown"].get("content"), str):
            return 200, 40008, "invalid message type", ()
        content = body["markdown"]["content"].encode("utf-8")
        rec["bytes"] = len(content)
        if len(content) > 4096:
            return 200, 40058, ("markdown.content exceed max length 4096. invalid Request "
                                "Parameter"), ()
        if over_limit(key, now):
            return 200, 45009, "api freq out of limit", ()
        return 200, 0, "ok", ()

    def dingtalk(self, q, raw, body, rec, now):
        token = urllib.parse.unquote_plus(q.get("access_token", ""))
        rec.update(kind="dingtalk", robot=token)
        if not token:
            return 200, 300001, "token is not exist", ()
        if token.startswith("nosuch-"):
            return 200, 300001, "token is not exist", ()
        secret = A.secrets.get(token)
        if secret is not None:
            ts = urllib.parse.unquote_plus(q.get("timestamp", ""))
            sign = urllib.parse.unquote_plus(q.get("sign", ""))
            if not ts.isdigit() or abs(now * 1000 - int(ts)) > 3600 * 1000:
                return 200, 310000, "invalid timestamp", ()
            want = base64.b64encode(hmac.new(secret.encode(), (ts + "\n" + secret).encode(),
                                             hashlib.sha256).digest()).decode()
            if not hmac.compare_digest(want, sign):
                return 200, 310000, ("sign not match, more: [https://ding-doc.dingtalk.com/doc#/"
                                     "serverapi2/qf2nxq]"), ()
        if len(raw) > 20000:
            return 200, 460101, "message too long, keep the body within 20000 bytes", ()
        if not isinstance(body, dict) or body.get("msgtype") != "markdown" or \
                not isinstance(body.get("markdown"), dict) or \
                not isinstance(body["markdown"].get("title"), str) or \
                not isinstance(body["markdown"].get("text"), str):
            return 200, 40035, "missing parameter: markdown title or text", ()
        rec["bytes"] = len(body["markdown"]["text"].encode("utf-8"))
        word = A.keywords.get(token)
        if word is not None and word not in body["markdown"]["text"]:
            return 200, 310000, "keywords not in content", ()
        if THROTTLED.get(token, 0) > now:
            return 200, 130101, "send too fast, exceed 20 times per minute", ()
        if over_limit(token, now):
            THROTTLED[token] = now + A.throttle
            return 200, 130101, "send too fast, exceed 20 times per minute", ()
        return 200, 0, "ok", ()


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--window", type=float, default=60, help="seconds of the rate window")
    ap.add_argument("--per-window", type=int, default=20, help="messages per robot per window")
    ap.add_argument("--throttle", type=float, default=600,
                    help="DingTalk: seconds a robot is throttled after going over")
    ap.add_argument("--retry-after", type=int, default=2)
    ap.add_argument("--dingtalk-secret", action="append", default=[],
                    help="TOKEN=SECRET: the robot signs")
    ap.add_argument("--dingtalk-keyword", action="append", default=[],
                    help="TOKEN=WORD: the robot takes only a text that has WORD")
    A = ap.parse_args()
    A.secrets = dict(s.split("=", 1) for s in A.dingtalk_secret)
    A.keywords = dict(s.split("=", 1) for s in A.dingtalk_keyword)
    open(A.log, "a").close()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    with open(A.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))

    os.rename(A.port_file + ".tmp", A.port_file)
    threading.Timer(A.timeout, srv.shutdown).start()
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
