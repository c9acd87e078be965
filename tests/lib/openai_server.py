#!/usr/bin/python3
"""A local OpenAI-compatible /v1/chat/completions for tests (stdlib only, 127.0.0.1).

The behaviour is chosen by the request's model name:
  normal     an answer with usage (prompt 100, completion 50, total 150 tokens)
  nousage    an answer as normal without its usage (as some local servers send)
  ratelimit  429 with Retry-After: 90 and an OpenAI-style error body
  ratelimit_once  429 with Retry-After: 2 to its first request, then answers as normal
  ratelimit_bare_once  429 without Retry-After to its first request, then as normal
  ratelimit_hints  429 to its 1st request with retry-after-ms: 2500 (Azure OpenAI) and to its
             3rd with OpenAI's x-ratelimit-* headers (requests spent, reset in 2.5s; tokens
             not, reset in 6m0s), no Retry-After; answers as normal to the rest
  quota      429 insufficient_quota, as OpenAI answers an account without credit
  payment    402 Payment Required, as DeepSeek answers an account without balance
  hardlimit  400 billing_hard_limit_reached, as OpenAI answers an account at its hard limit
  busy_once  408 (the server's timeout) to its 1st request, 409 (a lock's) to its 3rd;
             answers as normal to the rest
  noretry    503 with x-should-retry: false (the server says trying again will not help)
  retry_once 400 with x-should-retry: true to its 1st request, then answers as normal
  error500   500 with an error body
  flaky      502 from a proxy (Retry-After: 2) to its 1st request, a connection reset in the
             middle of the answer to its 3rd; answers as normal to the rest
  slow       waits 30 s before answering (longer than any test's timeout)
  delay      waits 1 s, then answers as normal (for requests sent several at once)
  malformed  200 with a body that is not JSON
  empty      200 with an empty content string
  refusal    200 with message.refusal set and content null
  filter     200 with finish_reason "content_filter"
  truncated  200 with half a sentence and finish_reason "length" (cut off at max_tokens)
  reasoning  as OpenAI's reasoning models (o1, o3, gpt-5): 400 unsupported_parameter to a
             request with max_tokens, 400 unsupported_value to one with a temperature other
             than 1, else as normal
  wronglang  answers in English, also to a prompt that asks for Chinese
  context    400 in vLLM's own error form ("This model's maximum context length is ...") to a
             summary that lists every one of its papers; answers as normal to the rest

Control: GET /_count gives {"requests": N, "auth_ok": N, "by_model": {...}, "max_inflight": N}
(chat requests only; max_inflight is the most requests handled at once); POST /_reset zeroes
the counters. Usage: openai_server.py PORT_FILE [KEY]. It binds
port 0 and writes the chosen port to PORT_FILE; requests must carry "Authorization: Bearer KEY"
when KEY is given (else 401).
"""
import io
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
COUNT = {"requests": 0, "auth_ok": 0, "by_model": {}, "max_inflight": 0}
INFLIGHT = [0]
KEY = sys.argv[2] if len(sys.argv) > 2 else None


def answer(model, content, finish="stop", refusal=None):
    msg = {"role": "assistant", "content": content}
    if refusal is not None:
        msg["refusal"] = refusal
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": msg, "finish_reason": finish}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
    }


def said(model, lang):
    """A sentence in the language asked for; "wronglang" answers in English whatever it is
    asked, as small models often do."""
    if lang == "Chinese" and model != "wronglang":
        return " 这是测试用的中文。"
    return ""


def field(text, name):
    """The value of a 'Name: value' line of the prompt, or ''."""
    for line in text.splitlines():
        if line.startswith(name + ": "):
            return line[len(name) + 2:].strip()
    return ""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the test reads the program's log
        pass

    def send(self, status, body, ctype="application/json", headers=None):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
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
                COUNT.update({"requests": 0, "auth_ok": 0, "by_model": {}, "max_inflight": 0})
            self.send(200, "{}")
            return
        if not self.path.endswith("/chat/completions"):
            self.send(404, json.dumps({"error": {"message": "not found"}}))
            return
        try:
            req = json.loads(raw)
            model = req["model"]
            user = [m for m in req["messages"] if m["role"] == "user"][0]["content"]
            lang = "Chinese" if "Chinese" in user else "English"
        except (ValueError, KeyError, IndexError, TypeError):
            self.send(400, json.dumps({"error": {"message": "bad request"}}))
            return
        auth = self.headers.get("Authorization", "")
        with LOCK:
            COUNT["requests"] += 1
            COUNT["by_model"][model] = COUNT["by_model"].get(model, 0) + 1
            if KEY is None or auth == "Bearer " + KEY:
                COUNT["auth_ok"] += 1
        if KEY is not None and auth != "Bearer " + KEY:
            self.send(401, json.dumps({"error": {"message": "bad key"}}))
            return
        is_summary = "executive summary" in user
        if model == "delay":
            with LOCK:
                INFLIGHT[0] += 1
                COUNT["max_inflight"] = max(COUNT["max_inflight"], INFLIGHT[0])
            time.sleep(1)
            with LOCK:
                INFLIGHT[0] -= 1
        if model == "ratelimit":
            self.send(429, json.dumps({"error": {"message": "Rate limit reached",
                                                 "type": "requests"}}),
                      headers={"Retry-After": "90"})
        elif model == "ratelimit_once" and COUNT["by_model"][model] == 1:
            self.send(429, json.dumps({"error": {"message": "Rate limit reached",
                                                 "type": "requests"}}),
                      headers={"Retry-After": "2"})
        elif model == "ratelimit_hints" and COUNT["by_model"][model] == 1:
            self.send(429, json.dumps({"error": {"message": "Requests to the ChatCompletions_Create "
                                                 "Operation have exceeded call rate limit",
                                                 "code": "429"}}),
                      headers={"retry-after-ms": "2500"})
        elif model == "ratelimit_hints" and COUNT["by_model"][model] == 3:
            self.send(429, json.dumps({"error": {"message": "Rate limit reached for requests",
                                                 "type": "requests",
                                                 "code": "rate_limit_exceeded"}}),
                      headers={"x-ratelimit-limit-requests": "60",
                               "x-ratelimit-remaining-requests": "0",
                               "x-ratelimit-reset-requests": "2.5s",
                               "x-ratelimit-limit-tokens": "150000",
                               "x-ratelimit-remaining-tokens": "149000",
                               "x-ratelimit-reset-tokens": "6m0s"})
        elif model == "quota":
            self.send(429, json.dumps({"error": {
                "message": "You exceeded your current quota, please check your plan and billing "
                           "details.", "type": "insufficient_quota", "param": None,
                "code": "insufficient_quota"}}))
        elif model == "payment":
            self.send(402, json.dumps({"error": {
                "message": "Insufficient Balance", "type": "unknown_error", "param": None,
                "code": "invalid_request_error"}}))
        elif model == "hardlimit":
            self.send(400, json.dumps({"error": {
                "message": "Billing hard limit has been reached", "type": "invalid_request_error",
                "param": None, "code": "billing_hard_limit_reached"}}))
        elif model == "busy_once" and COUNT["by_model"][model] == 1:
            self.send(408, json.dumps({"error": {"message": "Request timed out", "code": 408}}))
        elif model == "busy_once" and COUNT["by_model"][model] == 3:
            self.send(409, json.dumps({"error": {"message": "Conflict", "type": "server_error"}}))
        elif model == "noretry":
            self.send(503, json.dumps({"error": {"message": "The engine is overloaded"}}),
                      headers={"x-should-retry": "false"})
        elif model == "retry_once" and COUNT["by_model"][model] == 1:
            self.send(400, json.dumps({"error": {"message": "Upstream said no"}}),
                      headers={"x-should-retry": "true"})
        elif model == "flaky" and COUNT["by_model"][model] == 1:
            self.send(502, "<html><body><h1>502 Bad Gateway</h1></body></html>",
                      ctype="text/html", headers={"Retry-After": "2"})
        elif model == "flaky" and COUNT["by_model"][model] == 3:
            # a part of the answer, then a reset (SO_LINGER 0: RST, not FIN)
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: 400\r\n\r\n{\"choices\": [")
                self.wfile.flush()
                time.sleep(0.2)
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.connection.close()
            except OSError:
                pass
            self.close_connection = True
            self.wfile = io.BytesIO()   # nothing more goes to the closed socket
        elif model == "ratelimit_bare_once" and COUNT["by_model"][model] == 1:
            self.send(429, json.dumps({"error": {"message": "Rate limit reached for requests",
                                                 "type": "requests",
                                                 "code": "rate_limit_exceeded"}}))
        elif model == "reasoning" and "max_tokens" in req:
            self.send(400, json.dumps({"error": {
                "message": "Unsupported parameter: 'max_tokens' is not supported with this "
                           "model. Use 'max_completion_tokens' instead.",
                "type": "invalid_request_error", "param": "max_tokens",
                "code": "unsupported_parameter"}}))
        elif model == "reasoning" and req.get("temperature", 1) != 1:
            self.send(400, json.dumps({"error": {
                "message": "Unsupported value: 'temperature' does not support %s with this "
                           "model. Only the default (1) value is supported." % req["temperature"],
                "type": "invalid_request_error", "param": "temperature",
                "code": "unsupported_value"}}))
        elif model == "error500":
            self.send(500, json.dumps({"error": {"message": "The server had an error"}}))
        elif model == "slow":
            time.sleep(30)
            self.send(200, json.dumps(answer(model, "too late")))
        elif model == "malformed":
            self.send(200, '{"choices": [{"message": {"content": "unterminated')
        elif model == "empty":
            self.send(200, json.dumps(answer(model, "")))
        elif model == "refusal":
            self.send(200, json.dumps(answer(model, None, refusal="I can't help with that.")))
        elif model == "filter":
            self.send(200, json.dumps(answer(model, None, finish="content_filter")))
        elif model == "truncated":
            self.send(200, json.dumps(answer(model, "MODEL ANALYSIS cut off in the middle of a",
                                             finish="length")))
        elif model == "context" and is_summary and "more papers)" not in user:
            self.send(400, json.dumps({
                "object": "error", "type": "BadRequestError", "param": None, "code": 400,
                "message": "This model's maximum context length is 4096 tokens. However, you "
                           "requested 5120 tokens (4096 in the messages, 1024 in the "
                           "completion). Please reduce the length of the messages or "
                           "completion."}))
        elif model == "nousage":
            a = answer(model, "MODEL ANSWER without usage.\n\n- **Theme**: testing.")
            del a["usage"]
            self.send(200, json.dumps(a))
        elif is_summary:
            self.send(200, json.dumps(answer(
                model, "MODEL SUMMARY in %s of %s papers.%s\n\n- **Theme**: testing." %
                (lang, field(user, "Papers") or user.count("(arXiv:"), said(model, lang)))))
        else:
            self.send(200, json.dumps(answer(
                model, "MODEL ANALYSIS in %s of %s.%s\n\n- **Problem**: testing." %
                (lang, field(user, "arXiv"), said(model, lang)))))


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
