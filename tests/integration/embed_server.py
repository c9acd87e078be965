#!/usr/bin/python3
"""A local OpenAI-compatible POST /v1/embeddings for tests (stdlib only, 127.0.0.1).

Vectors are deterministic: a hashed bag of the input's lower-cased words (DIM numbers, each
word adds +1 or -1 to one of them), so texts that share words are near. A pinned vector
(POST /_pin) replaces that for every input containing a given string, so a test can say
which papers are alike whatever their words.

The behaviour is chosen by the request's model name:
  ok          vectors for every input
  error500    500 with an OpenAI-style error body
  ratelimit   429 with Retry-After: 1 on every odd request, vectors on the others
  ratelong    429 with Retry-After: 3600 (longer than any deadline)
  ratewait    429 with Retry-After: 300 (within a deadline of 600: waited for)
  slow        waits 30 s before answering (longer than any test's timeout)
  garbage     200 with a body that is not JSON
  wrongdims   200 with vectors of two different lengths
  wrongcount  200 with one vector fewer than the inputs
  zeros       200 with a vector of zeros for the first input
  tei32       more than 32 inputs: 413 as text-embeddings-inference answers its default
              --max-client-batch-size ({"message": "batch size N > maximum allowed batch size
              32", "code": 413, "type": "Validation"} on its OpenAI route); else vectors
  proxy20     more than 20 inputs: 413 with a reverse proxy's HTML page (no size said)
  tokens40k   inputs of more than 40,000 bytes together: 400 as OpenAI refuses more than
              300,000 tokens a request ({"error": {"message": "Requested N tokens, max 300000
              tokens per request", "type": "max_tokens_per_request", ...}}); else vectors
  long1800    an input longer than 1,800 bytes: 413 as text-embeddings-inference refuses an
              input beyond a 512-token model ("Input validation error: `inputs` must have less
              than 512 tokens. Given: N"); else vectors (so does any name it begins, as
              long1800-b: another model of the same window)
  payment     402 as OpenRouter answers an account without credit
  quota       429 insufficient_quota as OpenAI answers a spent account (no Retry-After)
  busy        503 with retry-after-ms: 1500 on every odd request, vectors on the others
  timeout408  408 on every odd request (the server's own timeout), vectors on the others
  noretry     503 with x-should-retry: false
Anything else is answered 404 {"error": {"message": "model not found"}}.

Control: GET /_count gives {"requests": N, "inputs": N, "auth_ok": N, "max_batch": N,
"by_model": {...}} (embedding requests only); POST /_reset zeroes the counters; POST /_pin
with {"contains": "...", "vector": [...]} pins a vector (DIM numbers); POST /_dim with {"dim": N}
answers vectors of N numbers from then on (a model changed behind the same name) and drops the pins.

Usage: embed_server.py PORT_FILE [--key KEY] [--dim DIM] [--timeout SECONDS]. It binds port 0
and writes the chosen port to PORT_FILE; requests must carry "Authorization: Bearer KEY" when
KEY is given (else 401). It exits by itself after --timeout seconds (default 300).
"""
import argparse
import hashlib
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
COUNT = {"requests": 0, "inputs": 0, "auth_ok": 0, "max_batch": 0, "by_model": {}}
PINS = []          # (substring, vector)
ARGS = None


def bag_of_words(text, dim):
    v = [0.0] * dim
    for w in re.findall(r"[a-z0-9]+", text.lower()):
        h = hashlib.md5(w.encode("utf-8")).digest()
        v[h[0] % dim] += 1.0 if h[1] & 1 else -1.0
    if not any(v):
        v[0] = 1.0
    return v


def vector(text, dim):
    for s, vec in PINS:
        if s in text:
            return list(vec)
    return bag_of_words(text, dim)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the test reads the program's log
        pass

    def send(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        if self.path == "/_count":
            with LOCK:
                self.send(200, json.dumps(COUNT))
        else:
            self.send(404, json.dumps({"error": {"message": "not found"}}))

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b""
        if self.path == "/_reset":
            with LOCK:
                COUNT.update({"requests": 0, "inputs": 0, "auth_ok": 0, "max_batch": 0,
                              "by_model": {}})
            self.send(200, "{}")
            return
        if self.path == "/_dim":
            with LOCK:
                ARGS.dim = int(json.loads(raw)["dim"])
                PINS.clear()  # pinned vectors have the old length
            self.send(200, "{}")
            return
        if self.path == "/_pin":
            p = json.loads(raw)
            with LOCK:
                PINS.append((p["contains"], [float(x) for x in p["vector"]]))
            self.send(200, "{}")
            return
        if self.path != "/v1/embeddings":
            self.send(404, json.dumps({"error": {"message": "not found"}}))
            return
        try:
            req = json.loads(raw)
            model = req["model"]
            inputs = req["input"]
            if isinstance(inputs, str):
                inputs = [inputs]
            if not all(isinstance(x, str) and x for x in inputs):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            self.send(400, json.dumps({"error": {"message": "bad request"}}))
            return
        auth = self.headers.get("Authorization", "")
        with LOCK:
            COUNT["requests"] += 1
            COUNT["inputs"] += len(inputs)
            COUNT["max_batch"] = max(COUNT["max_batch"], len(inputs))
            COUNT["by_model"][model] = COUNT["by_model"].get(model, 0) + 1
            nth = COUNT["by_model"][model]
            if ARGS.key is None or auth == "Bearer " + ARGS.key:
                COUNT["auth_ok"] += 1
        if ARGS.key is not None and auth != "Bearer " + ARGS.key:
            self.send(401, json.dumps({"error": {"message": "Incorrect API key provided",
                                                 "type": "invalid_request_error"}}))
            return
        dim = ARGS.dim
        vecs = [vector(t, dim) for t in inputs]
        if model == "ok" or (model == "ratelimit" and nth % 2 == 0):
            pass
        elif model == "tei32" and len(inputs) > 32:
            self.send(413, json.dumps({
                "message": "batch size %d > maximum allowed batch size 32" % len(inputs),
                "code": 413, "type": "Validation"}))
            return
        elif model == "proxy20" and len(inputs) > 20:
            self.send(413, "<html><head><title>413 Request Entity Too Large</title></head>"
                      "<body><center><h1>413 Request Entity Too Large</h1></center></body>"
                      "</html>")
            return
        elif model in ("tei32", "proxy20"):
            pass
        elif model == "tokens40k" and sum(len(t.encode()) for t in inputs) > 40000:
            total = sum(len(t.encode()) for t in inputs)
            self.send(400, json.dumps({"error": {
                "message": "Requested %d tokens, max 300000 tokens per request" % total,
                "type": "max_tokens_per_request", "param": None,
                "code": "max_tokens_per_request"}}))
            return
        elif model.startswith("long1800") and max(len(t.encode()) for t in inputs) > 1800:
            self.send(413, json.dumps({
                "message": "Input validation error: `inputs` must have less than 512 tokens. "
                           "Given: %d" % (max(len(t.encode()) for t in inputs) // 3),
                "code": 413, "type": "Validation"}))
            return
        elif model == "tokens40k" or model.startswith("long1800") or (
                model in ("busy", "timeout408") and nth % 2 == 0):
            pass
        elif model == "payment":
            self.send(402, json.dumps({"error": {
                "code": 402, "message": "Insufficient credits. Add more using "
                                        "https://openrouter.ai/settings/credits"}}))
            return
        elif model == "quota":
            self.send(429, json.dumps({"error": {
                "message": "You exceeded your current quota, please check your plan and "
                           "billing details.", "type": "insufficient_quota", "param": None,
                "code": "insufficient_quota"}}))
            return
        elif model == "busy":
            self.send(503, json.dumps({"error": {"message": "The engine is currently overloaded"}}),
                      headers={"retry-after-ms": "1500"})
            return
        elif model == "timeout408":
            self.send(408, json.dumps({"error": {"message": "Your request timed out"}}))
            return
        elif model == "noretry":
            self.send(503, json.dumps({"error": {"message": "Service unavailable"}}),
                      headers={"x-should-retry": "false"})
            return
        elif model == "ratelimit":
            self.send(429, json.dumps({"error": {"message": "Rate limit reached"}}),
                      headers={"Retry-After": "1"})
            return
        elif model == "ratelong":
            self.send(429, json.dumps({"error": {"message": "Rate limit reached"}}),
                      headers={"Retry-After": "3600"})
            return
        elif model == "ratewait":
            self.send(429, json.dumps({"error": {"message": "Rate limit reached"}}),
                      headers={"Retry-After": "300"})
            return
        elif model == "error500":
            self.send(500, json.dumps({"error": {"message": "The server had an error"}}))
            return
        elif model == "slow":
            time.sleep(30)
        elif model == "garbage":
            self.send(200, '{"data": [{"index": 0, "embedding": [0.1, 0.2')
            return
        elif model == "wrongdims":
            vecs = [v if i % 2 == 0 else v + [0.5] for i, v in enumerate(vecs)]
        elif model == "wrongcount":
            vecs = vecs[:-1]
        elif model == "zeros":
            vecs[0] = [0.0] * dim
        else:
            self.send(404, json.dumps({"error": {"message": "model not found"}}))
            return
        self.send(200, json.dumps({
            "object": "list",
            "data": [{"object": "embedding", "index": i, "embedding": v}
                     for i, v in enumerate(vecs)],
            "model": model,
            "usage": {"prompt_tokens": len(inputs), "total_tokens": len(inputs)},
        }))


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("port_file")
    ap.add_argument("--key")
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--timeout", type=float, default=300)
    ARGS = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    time.sleep(ARGS.timeout)
    os._exit(0)


if __name__ == "__main__":
    main()
