"""Prints a TCP port on 127.0.0.1 that nothing listens on, for a server a test starts later.

A port the kernel hands out for bind(("127.0.0.1", 0)) comes from the ephemeral range
(/proc/sys/net/ipv4/ip_local_port_range, 32768-60999 on Debian), where every outgoing
connection and every peer started on port 0 takes its ports too: with scripts running at once,
one of those can take it between this check and the server's own bind. This picks at random
below that range instead, where only another script's explicit choice could collide.
"""
import random
import socket
import sys

LOW, HIGH = 20000, 32767


def main():
    rng = random.SystemRandom()
    for _ in range(500):
        port = rng.randint(LOW, HIGH)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            s.close()
        print(port)
        return 0
    print("free_port: no free port in %d-%d after 500 tries" % (LOW, HIGH), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
