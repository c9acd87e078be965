#!/usr/bin/python3
"""Builds a large, valid rss.arxiv.org RSS 2.0 feed from a real one by repeating its items.

    gen_feed.py SOURCE.xml N_ITEMS > OUT.xml

Items are copied in order; every pass after the first gives each item a fresh new-style id
(YYMM.NNNNN, the same in link, description and guid), so the result holds N_ITEMS distinct
papers and the parser cannot merge the copies away. The channel header and footer are the
source's own.
"""
import re
import sys


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    src, n_items = sys.argv[1], int(sys.argv[2])
    data = open(src, encoding="utf-8").read()
    first = data.index("<item>")
    last = data.rindex("</item>") + len("</item>")
    head, body, tail = data[:first], data[first:last], data[last:]
    items = re.findall(r"<item>.*?</item>", body, flags=re.S)
    if not items:
        sys.stderr.write("no <item> in %s\n" % src)
        return 1
    guid = re.compile(r"oai:arXiv\.org:(\S+?)v\d+</guid>")
    out = sys.stdout
    out.write(head)
    written = 0
    seq = 0
    rnd = 0
    while written < n_items:
        for item in items:
            if written == n_items:
                break
            if rnd > 0:
                m = guid.search(item)
                if not m:
                    continue
                seq += 1
                # YYMM with a valid month, then a five-digit number: unique per copy.
                yymm = 2500 + (seq // 99999) // 12 * 100 + (seq // 99999) % 12 + 1
                item = item.replace(m.group(1), "%04d.%05d" % (yymm, seq % 99999 + 1))
            out.write(item)
            out.write("\n    ")
            written += 1
        rnd += 1
    out.write(tail)
    return 0


if __name__ == "__main__":
    sys.exit(main())
