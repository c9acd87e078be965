#!/usr/bin/python3
"""A local stand-in for the Telegram Bot API as a bot that takes commands sees it (stdlib
HTTP/1.1 on 127.0.0.1, port 0, the chosen port written to --port-file).

--script FILE is a JSON object, read again at every request (a test appends updates to it):
  {"updates": [ {update_id, message | callback_query}, ... ],
   "members": {"<chat id>:<user id>": "creator" | "administrator" | "member" | ...}}
Methods (the token in /bot<TOKEN>/ must equal --token, else 401 as Telegram answers):
  getUpdates      the script's updates with update_id >= offset (at most limit); when there
                  is none the answer waits up to the timeout parameter (a long poll), seeing
                  updates added meanwhile. An offset more than 10 past the last update is
                  "in the future" to the Bot API's queue, which then answers from its head:
                  so does this one (all of the script's updates), as Telegram does once its
                  ids started again at random after a week without updates. As Telegram,
                  one poll at a time: a getUpdates arriving while another waits ends that
                  one with 409 "Conflict: terminated by other getUpdates request". While the
                  script's "webhook" is true: 409 "Conflict: can't use getUpdates method while
                  webhook is active; ...", as Telegram answers with a webhook set (recorded as
                  "getUpdates-409" too)
  getChatMember   {"status": members["chat:user"]}, "member" when not listed
  sendMessage     recorded; ok with a message; --send-delay S (or the script's "send_delay")
                  holds each answer S seconds. The script's "flood": {"<chat id>": [N, S]}
                  refuses the chat's first N with Telegram's flood control (429, retry_after
                  S; recorded as "sendMessage-429"); "blocked": ["<chat id>", ...] refuses
                  every one to those chats with 403 "Forbidden: bot was blocked by the user"
                  (recorded as "sendMessage-403")
  getMe           the bot: username from the script's "username" ("paperboy_bot" when absent)
  answerCallbackQuery  recorded; ok
Every request is appended to --log as one JSON line: {"method", "body" (the parsed JSON body
or the query), "time"}. Stops after --timeout seconds at the latest.
"""
import argparse
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = None
lock = threading.Lock()
polls = [0]   # getUpdates requests so far: a waiting poll ends when another comes
refused = {}  # chat id -> sendMessage refused so far with 429


def script():
    try:
        with open(args.script) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def record(method, body):
    with lock, open(args.log, "a") as f:
        f.write(json.dumps({"method": method, "body": body, "time": time.time()}) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *a):
        pass

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, body):
        u = urllib.parse.urlsplit(self.path)
        parts = u.path.split("/")
        if len(parts) != 3 or not parts[1].startswith("bot"):
            return self.answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if parts[1][3:] != args.token:
            return self.answer(401, {"ok": False, "error_code": 401,
                                     "description": "Unauthorized"})
        method = parts[2]
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(u.query).items()}
        if body:
            try:
                q.update(json.loads(body))
            except ValueError:
                return self.answer(400, {"ok": False, "error_code": 400,
                                         "description": "Bad Request: can't parse JSON"})
        sc = script()
        chat = str(q.get("chat_id", ""))
        if method == "sendMessage" and chat in sc.get("flood", {}):
            n, wait = sc["flood"][chat]
            with lock:
                k = refused.get(chat, 0)
                refused[chat] = k + 1
            if k < n:
                record("sendMessage-429", q)
                return self.answer(429, {"ok": False, "error_code": 429, "description":
                                         "Too Many Requests: retry after %d" % wait,
                                         "parameters": {"retry_after": wait}})
        if method == "sendMessage" and chat in sc.get("blocked", []):
            record("sendMessage-403", q)
            return self.answer(403, {"ok": False, "error_code": 403, "description":
                                     "Forbidden: bot was blocked by the user"})
        record(method, q)
        if method == "getUpdates" and sc.get("webhook"):
            record("getUpdates-409", q)
            return self.answer(409, {"ok": False, "error_code": 409, "description":
                                     "Conflict: can't use getUpdates method while webhook "
                                     "is active; use deleteWebhook to delete the webhook "
                                     "first"})
        if method == "getUpdates":
            offset = int(q.get("offset", 0))
            limit = int(q.get("limit", 100))
            deadline = time.time() + min(float(q.get("timeout", 0)), 50)
            with lock:
                polls[0] += 1
                mine = polls[0]
            while True:
                if polls[0] != mine:
                    record("conflict", q)
                    return self.answer(409, {"ok": False, "error_code": 409, "description":
                                             "Conflict: terminated by other getUpdates "
                                             "request; make sure that only one bot instance "
                                             "is running"})
                all_ups = script().get("updates", [])
                last = max([x["update_id"] for x in all_ups], default=0)
                ups = [x for x in all_ups if x["update_id"] >= offset or offset > last + 11]
                if ups or time.time() >= deadline:
                    break
                time.sleep(0.05)
            return self.answer(200, {"ok": True, "result": ups[:limit]})
        if method == "getChatMember":
            key = "%s:%s" % (q.get("chat_id"), q.get("user_id"))
            status = script().get("members", {}).get(key, "member")
            return self.answer(200, {"ok": True, "result": {"status": status,
                                                            "user": {"id": q.get("user_id")}}})
        if method == "sendMessage":
            delay = script().get("send_delay", args.send_delay)
            if delay:
                time.sleep(float(delay))
            return self.answer(200, {"ok": True, "result": {
                "message_id": 1, "chat": {"id": q.get("chat_id")}, "text": q.get("text")}})
        if method == "getMe":
            return self.answer(200, {"ok": True, "result": {
                "id": 123456, "is_bot": True, "first_name": "paperboy",
                "username": script().get("username", "paperboy_bot")}})
        if method == "answerCallbackQuery":
            return self.answer(200, {"ok": True, "result": True})
        return self.answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    def do_GET(self):
        self.handle_any(b"")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.handle_any(self.rfile.read(n) if n else b"")


def main():
    global args
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--script", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--send-delay", type=float, default=0)
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.replace(args.port_file + ".tmp", args.port_file)
    threading.Timer(args.timeout, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
