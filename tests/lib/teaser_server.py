#!/usr/bin/python3
"""A local stand-in for arxiv.org/html and a chat model, for the full-text digest tests (stdlib
only, 127.0.0.1).

Serves DIR/<id>v<n>.html at /html/<id>v<n> (and /html/<id>v<n>/), a generated PNG of
1200x600 pixels at /html/<id>v<n>/<path>.png, and 404 for everything else (so a PDF is not
found either). POST /v1/chat/completions answers an OpenAI-style completion ("**Problem**: ...")
and appends the request body to BODIES as one JSON line; for the model "small" a request
carrying a full-text excerpt is answered as llama.cpp's server answers one longer than its
context (400, exceed_context_size_error). Writes the chosen port to PORT_FILE,
appends one line per request to LOG ("METHOD PATH STATUS"), and stops by itself after TIMEOUT
seconds.
Usage: teaser_server.py DIR PORT_FILE LOG TIMEOUT [BODIES]
"""
import json
import os
import re
import struct
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR, PORT_FILE, LOG, TIMEOUT = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
BODIES = sys.argv[5] if len(sys.argv) > 5 else os.devnull
LOCK = threading.Lock()


def png(w, h):
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + b"".join(bytes((x * 255 // w, 120, 200)) for x in range(w))
    raw = row * h
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


IMAGE = png(1200, 600)


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        with open(LOG, "a") as f:
            f.write("%s %s %d\n" % (self.command, self.path, status))

    def do_GET(self):
        m = re.fullmatch(r"/html/([0-9]{4}\.[0-9]{4,5}v[0-9]+)/?", self.path)
        if m and os.path.isfile(os.path.join(DIR, m.group(1) + ".html")):
            with open(os.path.join(DIR, m.group(1) + ".html"), "rb") as f:
                return self.answer(200, f.read(), "text/html; charset=utf-8")
        if re.fullmatch(r"/html/[0-9]{4}\.[0-9]{4,5}v[0-9]+/[A-Za-z0-9_/-]+(\.[A-Za-z0-9_-]+)*\.png",
                        self.path):
            return self.answer(200, IMAGE, "image/png")
        return self.answer(404, b"not found\n", "text/plain")

    do_HEAD = do_GET

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(min(n, 16 * 1024 * 1024))
        if self.path != "/v1/chat/completions":
            return self.answer(404, b"not found\n", "text/plain")
        req = json.loads(body)
        with LOCK, open(BODIES, "a") as f:
            f.write(json.dumps(req) + "\n")
        if req.get("model") == "small" and any(
                "Excerpts of the full text" in m["content"] for m in req["messages"]):
            err = {"error": {"code": 400, "message": "the request exceeds the available "
                             "context size, try increasing it",
                             "type": "exceed_context_size_error",
                             "n_prompt_tokens": 5000, "n_ctx": 4096}}
            return self.answer(400, json.dumps(err).encode(), "application/json")
        ans = {"id": "t", "object": "chat.completion", "model": "m",
               "choices": [{"index": 0, "finish_reason": "stop",
                            "message": {"role": "assistant",
                                        "content": "**Problem**: carbon stock from images."}}],
               "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150}}
        return self.answer(200, json.dumps(ans).encode(), "application/json")


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
threading.Timer(TIMEOUT, srv.shutdown).start()
srv.serve_forever()
