#!/usr/bin/python3
"""A local stand-in for arxiv.org/html and arxiv.org/pdf, for the full-text tests.

  fulltext_server.py --port-file F --log F [--html FILE] [--pdf FILE] [--rules FILE]
                     [--timeout S]

Binds 127.0.0.1 on an ephemeral port and writes it to --port-file. GET /html/<key> answers
the --html file, GET /pdf/<key> the --pdf file (any key), unless a line of the --rules file
(read again on every request, so a test can change it) says otherwise:

  <path-prefix> 404            arXiv's "No HTML for" page with HTTP 404
  <path-prefix> <status> [RA]  that status, an HTML error page (429 and 503 with Retry-After:
                               RA, 1 when not given)
  <path-prefix> file <FILE>    that file instead (content type from its name)
  <path-prefix> stall <S>      the normal answer after S seconds
  <path-prefix> big <N>        N bytes of a PDF-looking body, sent in 64 KB pieces

Every answer carries an ETag; a matching If-None-Match gets 304. GET /_count answers
{"requests": N, "by_path": {...}}. Each request is appended to --log as one JSON line (path,
status, bytes, user agent, conditional). The server exits after --timeout seconds.
"""
import argparse
import hashlib
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NO_HTML = (b"<!DOCTYPE html><html lang=\"en\"><head><title>arXiv</title></head><body>"
           b"<h1>No HTML for '%s'</h1><p>HTML is not available for the source.</p>"
           b"<p>This could be due to the source files not being HTML, LaTeX, or a conversion "
           b"failure.</p></body></html>")

COUNT = {"requests": 0, "by_path": {}}
LOCK = threading.Lock()


def rules(path):
    out = []
    if not path or not os.path.exists(path):
        return out
    for line in open(path, encoding="utf-8"):
        w = line.split()
        if len(w) >= 2:
            out.append(w)
    return out


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, status, body, ctype, extra=None):
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        cond = self.headers.get("If-None-Match")
        if status == 200 and cond == etag:
            status, body = 304, b""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if status in (200, 304):
            self.send_header("ETag", etag)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass
        self.note(status, len(body), cond is not None)

    def note(self, status, n, cond):
        with LOCK:
            COUNT["requests"] += 1
            COUNT["by_path"][self.path] = COUNT["by_path"].get(self.path, 0) + 1
            with open(self.server.args.log, "a", encoding="utf-8") as f:
                f.write(json.dumps({"t": time.monotonic(), "path": self.path, "status": status,
                                    "bytes": n, "conditional": cond,
                                    "ua": self.headers.get("User-Agent", "")}) + "\n")

    def do_GET(self):
        a = self.server.args
        if self.path == "/_count":
            with LOCK:
                body = json.dumps(COUNT).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.startswith("/html/"):
            body, ctype = open(a.html, "rb").read() if a.html else b"", "text/html; charset=utf-8"
        elif self.path.startswith("/pdf/"):
            body, ctype = open(a.pdf, "rb").read() if a.pdf else b"", "application/pdf"
        else:
            self.send(404, b"not found", "text/plain")
            return
        for r in rules(a.rules):
            if not self.path.startswith(r[0]):
                continue
            what = r[1]
            if what == "stall":
                time.sleep(float(r[2]))
                break
            if what == "file":
                body = open(r[2], "rb").read()
                ctype = "application/pdf" if r[2].endswith(".pdf") else "text/html; charset=utf-8"
                break
            if what == "big":
                self.big(int(r[2]))
                return
            status = int(what)
            if status == 404 and self.path.startswith("/html/"):
                key = self.path.split("/")[2].encode()
                self.send(404, NO_HTML % key, "text/html; charset=utf-8")
            else:
                ra = r[2] if len(r) > 2 else "1"
                extra = {"Retry-After": ra} if status in (429, 503) else None
                self.send(status, b"<html><body><h1>Error %d</h1></body></html>" % status,
                          "text/html", extra)
            return
        self.send(200, body, ctype)

    def big(self, n):
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        sent = 0
        chunk = b"%PDF-1.5\n" + b"0" * (65536 - 9)
        try:
            while sent < n:
                k = min(len(chunk), n - sent)
                self.wfile.write(chunk[:k])
                sent += k
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.note(200, sent, False)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--html")
    p.add_argument("--pdf")
    p.add_argument("--rules")
    p.add_argument("--timeout", type=float, default=120)
    a = p.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    srv.args = a
    signal.signal(signal.SIGTERM, lambda *x: os._exit(0))
    threading.Timer(a.timeout, lambda: os._exit(0)).start()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
