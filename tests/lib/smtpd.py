#!/usr/bin/python3
"""A local SMTP peer for the delivery tests, built on aiosmtpd.

Listens on 127.0.0.1 (port 0: the chosen port is written to --port-file), optionally requires
STARTTLS (--cert/--key) and AUTH PLAIN/LOGIN (--auth USER:PASS), and saves every accepted
message to --save-dir as NNNNNN.eml. Every transaction (accepted or refused) is appended to
--save-dir/index.jsonl: recipient, sender, TLS, login, SMTP status, Message-ID, the client's
address and port (peer), the connection's number (conn: a port may be given again) and the
name it gave in EHLO (helo).

Failure injection: --fail-rate P refuses that share of transactions at the end of DATA with
451 (after the whole message was sent, the hardest case for a client); --fail-first ADDR
refuses the first transaction for ADDR; --reject ADDR refuses ADDR for good with 550; --defer ADDR
refuses ADDR for now with 451 at RCPT, every time (a greylisting or overloaded server); --deny
ADDR refuses ADDR with Postfix's "554 5.7.1 Relay access denied" (a policy of the server's,
for its operator to mend, not the address's fault).
--pipelining offers PIPELINING (RFC 2920) in the EHLO reply (aiosmtpd reads commands in order,
so pipelined commands are answered in order); --max-per-conn N answers the MAIL after N
accepted messages on one connection with 421 and closes it, as servers with a per-connection
limit do. --drop-rate P aborts the connection at the end of that share of transactions without
an answer (the message is not kept). --smtputf8 offers SMTPUTF8 (RFC 6531).
--strict-sync (without --pipelining) refuses a client that sends a command before the reply to
the previous one, as Exim does: 554, the connection closed, and a "sync" entry in the index.
--silent-after-data takes the whole message and then never answers (an entry with status 0 in
the index), as a hung server would: for the client's time limits. --slow-after-data S takes the
whole message and answers only S seconds later, as a busy server does (a content filter).
--slow-rcpt S answers every RCPT only S seconds later, as a server doing a callout to the
recipient's or sender's domain, or a greylisting lookup, does.
--silent-mail-after N accepts N messages on a connection, then never answers its next MAIL.
--rcpt-reply ADDR=REPLY answers the RCPT of ADDR with REPLY as given, a "\\n" in it starting
another line (a multi-line reply: give each line its code): any server's refusal, word for word.
--rcpt-log FILE appends every RCPT TO (address, status) as a JSON line.
--sender-unverified refuses every RCPT as Exim's default configuration does when the sender
cannot be verified ("require verify = sender", checked at RCPT even for a client that logged
in): the first time on a connection with the lines naming the sender, then with the last alone.
--greeting REPLY answers every connection with REPLY in place of the 220 greeting: a 421 is
followed by the connection's close, anything else (RFC 5321 3.1's 554) by 503 to every command
but QUIT. --max-conns N greets a connection beyond N open at once with "421 4.7.0 Too many
concurrent SMTP connections" and closes it. --size-limit N offers SIZE N (RFC 1870) and refuses a larger message, 64 MB by default.
Every connection is appended to --save-dir/conns.jsonl
with its greeting's code.
Stops after --timeout seconds at the latest.
"""
import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import random
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class PeerSMTP(SMTP):
    """aiosmtpd's session, its greeting the handler's to choose (--greeting, --max-conns)."""

    async def _handle_client(self):
        handler = self.event_handler
        greeting = handler.greeting()
        handler.open_conns += 1
        handler.conn_log(greeting)
        try:
            if not greeting:
                await super()._handle_client()
                return
            await self.push(greeting)
            if greeting.startswith("421"):
                self.transport.close()
                return
            while self.transport is not None:
                try:
                    line = await self._reader.readuntil()
                except (asyncio.IncompleteReadError, ConnectionError):
                    break
                if line.strip().upper() == b"QUIT":
                    await self.push("221 Bye")
                    break
                await self.push("503 5.5.1 No service here")
            if self.transport is not None:
                self.transport.close()
        finally:
            handler.open_conns -= 1


class Handler:
    def __init__(self, args):
        self.args = args
        self.seq = 0
        self.conns = 0   # connections recorded so far: each its own number
        self.failed_first = set()
        self.rcpt_reply = {}
        for r in args.rcpt_reply:
            addr, _, reply = r.partition("=")
            self.rcpt_reply[addr] = reply.replace("\\n", "\r\n")
        self.rng = random.Random(args.seed)
        self.index = open(os.path.join(args.save_dir, "index.jsonl"), "a", buffering=1)
        self.conns_file = open(os.path.join(args.save_dir, "conns.jsonl"), "a", buffering=1)
        self.open_conns = 0

    def greeting(self):
        """The reply that opens a new connection, None for aiosmtpd's 220."""
        if self.args.greeting:
            return self.args.greeting
        if self.args.max_conns and self.open_conns >= self.args.max_conns:
            return ("421 4.7.0 Too many concurrent SMTP connections from this IP address; "
                    "please try again later.")
        return None

    def conn_log(self, greeting):
        self.conns_file.write(json.dumps({"greeting": int(greeting[:3]) if greeting else 220,
                                          "open": self.open_conns}) + "\n")

    def out_of_sync(self, server, session, command):
        """Whether the client sent more before this command's reply (no PIPELINING)."""
        if not self.args.strict_sync or self.args.pipelining:
            return False
        if not len(getattr(server._reader, "_buffer", b"")):
            return False
        self.index.write(json.dumps({"sync": command, "status": 554, "rcpt": [],
                                     "peer": "%s:%s" % tuple(session.peer[:2])}) + "\n")
        asyncio.get_event_loop().call_later(0.05, server.transport.close)
        return True

    async def handle_RSET(self, server, session, envelope):
        if self.out_of_sync(server, session, "RSET"):
            return "554 5.5.0 SMTP synchronization error"
        return "250 OK"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.args.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.out_of_sync(server, session, "MAIL"):
            return "554 5.5.0 SMTP synchronization error"
        done = getattr(session, "pb_accepted", 0)
        if self.args.max_per_conn and done >= self.args.max_per_conn:
            asyncio.get_event_loop().call_later(0.05, server.transport.close)
            return "421 4.7.0 Too many messages on one connection, closing"
        if self.args.silent_mail_after and done >= self.args.silent_mail_after:
            await asyncio.sleep(self.args.timeout + 60)
            return "451 4.3.0 too late"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.out_of_sync(server, session, "RCPT"):
            return "554 5.5.0 SMTP synchronization error"
        if self.args.slow_rcpt > 0:
            await asyncio.sleep(self.args.slow_rcpt)
        if self.args.sender_unverified:
            self.rcpt_log(address, 550)
            if getattr(session, "pb_sender_told", False):
                return "550 Sender verify failed"
            session.pb_sender_told = True
            return ("550-Verification failed for <%s>\r\n550-Unrouteable address\r\n"
                    "550 Sender verify failed" % envelope.mail_from)
        if address in self.rcpt_reply:
            reply = self.rcpt_reply[address]
            self.rcpt_log(address, int(reply[:3]))
            return reply
        if address in self.args.reject:
            self.rcpt_log(address, 550)
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if address in self.args.deny:
            self.rcpt_log(address, 554)
            return "554 5.7.1 <%s>: Relay access denied" % address
        if address in self.args.defer:
            self.rcpt_log(address, 451)
            return "451 4.7.1 <%s>: Recipient address rejected: Greylisted, try again later" % address
        self.rcpt_log(address, 250)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    def rcpt_log(self, address, status):
        """Every RCPT TO the peer was asked (--rcpt-log FILE), answered or refused."""
        if self.args.rcpt_log:
            with open(self.args.rcpt_log, "a") as f:
                f.write(json.dumps({"rcpt": address, "status": status}) + "\n")

    def record(self, server, session, envelope, status, path):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.compat32)
        if not hasattr(session, "pb_conn"):
            # the connection, by number: "peer" (address and port) may come again, the
            # kernel giving a closed connection's port to a new one
            self.conns += 1
            session.pb_conn = self.conns
        login = None
        auth = getattr(session, "auth_data", None)
        if session.authenticated and isinstance(auth, LoginPassword):
            login = auth.login.decode("utf-8", "replace")
        self.index.write(json.dumps({
            "rcpt": envelope.rcpt_tos, "from": envelope.mail_from,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "login": login if login else None,
            "status": status, "message_id": msg.get("Message-ID"), "file": path,
            "peer": "%s:%s" % tuple(session.peer[:2]) if session.peer else None,
            "conn": session.pb_conn,
            "mail_options": envelope.mail_options,
            "helo": getattr(session, "host_name", None),
        }) + "\n")

    async def handle_DATA(self, server, session, envelope):
        rcpt = envelope.rcpt_tos[0] if envelope.rcpt_tos else ""
        if self.args.silent_after_data:
            self.record(server, session, envelope, 0, None)
            await asyncio.sleep(self.args.timeout + 60)
            return "451 4.3.0 too late"
        if self.args.slow_after_data > 0:
            await asyncio.sleep(self.args.slow_after_data)
        fail = False
        if rcpt in self.args.fail_first and rcpt not in self.failed_first:
            self.failed_first.add(rcpt)
            fail = True
        elif self.args.fail_rate > 0 and self.rng.random() < self.args.fail_rate:
            fail = True
        if self.args.drop_rate > 0 and self.rng.random() < self.args.drop_rate:
            # The connection dies with the message unanswered (and not kept).
            self.record(server, session, envelope, 0, None)
            server.transport.abort()
            return "451 4.3.0 connection dropped"
        if fail:
            self.record(server, session, envelope, 451, None)
            return "451 4.3.0 Temporary local problem, try again later"
        self.seq += 1
        path = os.path.join(self.args.save_dir, "%06d.eml" % self.seq)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(envelope.content)
        os.rename(tmp, path)
        session.pb_accepted = getattr(session, "pb_accepted", 0) + 1
        self.record(server, session, envelope, 250, os.path.basename(path))
        return "250 2.0.0 Ok: queued as %06d" % self.seq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--save-dir", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--implicit", action="store_true", help="TLS from the first byte (smtps)")
    ap.add_argument("--auth", help="USER:PASS required before MAIL")
    ap.add_argument("--fail-rate", type=float, default=0.0)
    ap.add_argument("--fail-first", action="append", default=[])
    ap.add_argument("--reject", action="append", default=[])
    ap.add_argument("--defer", action="append", default=[])
    ap.add_argument("--deny", action="append", default=[])
    ap.add_argument("--rcpt-reply", action="append", default=[])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pipelining", action="store_true")
    ap.add_argument("--max-per-conn", type=int, default=0)
    ap.add_argument("--drop-rate", type=float, default=0.0)
    ap.add_argument("--smtputf8", action="store_true")
    ap.add_argument("--strict-sync", action="store_true")
    ap.add_argument("--silent-after-data", action="store_true")
    ap.add_argument("--slow-after-data", type=float, default=0.0)
    ap.add_argument("--slow-rcpt", type=float, default=0.0)
    ap.add_argument("--silent-mail-after", type=int, default=0)
    ap.add_argument("--sender-unverified", action="store_true")
    ap.add_argument("--rcpt-log", help="append every RCPT TO and its answer to this file")
    ap.add_argument("--greeting", help="this reply in place of the 220 greeting")
    ap.add_argument("--max-conns", type=int, default=0)
    ap.add_argument("--size-limit", type=int, default=64 << 20)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    # aiosmtpd warns about its own deprecated login_data on every AUTH.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    # With implicit TLS the whole session is encrypted; aiosmtpd cannot tell and warns.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    os.makedirs(args.save_dir, exist_ok=True)

    handler = Handler(args)
    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)
    user = pw = None
    if args.auth:
        user, pw = args.auth.split(":", 1)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and
              auth_data.login.decode() == user and auth_data.password.decode() == pw)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def factory():
        kw = dict(hostname="localhost", decode_data=False, data_size_limit=args.size_limit,
                  enable_SMTPUTF8=args.smtputf8)
        if tls and not args.implicit:
            kw.update(tls_context=tls, require_starttls=True)
        if user is not None:
            kw.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=tls is not None and not args.implicit)
        return PeerSMTP(handler, **kw)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        factory, "127.0.0.1", 0, ssl=tls if args.implicit else None))
    port = server.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.call_later(args.timeout, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
