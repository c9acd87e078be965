#!/usr/bin/python3
"""Checks paper JSON lines (pb_paper_to_json) on stdin: every line one object with the fields
DESIGN.md names, of the right types. Prints the number of records; exits 1 on the first bad line.

    check_paper_json.py [EXPECTED_COUNT]
"""
import json
import re
import sys

STR_OR_NULL = ("title", "abstract", "published", "updated", "comment", "journal_ref", "doi",
               "abs_url", "pdf_url")
ANNOUNCE = {"new", "cross", "replace", "replace-cross", "unknown"}
DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def fail(n, msg):
    sys.stderr.write("line %d: %s\n" % (n, msg))
    sys.exit(1)


def main():
    n = 0
    seen = set()
    for n, line in enumerate(sys.stdin, 1):
        try:
            o = json.loads(line)
        except ValueError as e:
            fail(n, "not JSON: %s" % e)
        if not isinstance(o.get("id"), str) or not o["id"]:
            fail(n, "no id")
        if o["id"] in seen:
            fail(n, "duplicate id %s" % o["id"])
        seen.add(o["id"])
        if o.get("version") is not None and (not isinstance(o["version"], int) or o["version"] < 1):
            fail(n, "bad version")
        for k in STR_OR_NULL:
            if k not in o or not (o[k] is None or isinstance(o[k], str)):
                fail(n, "field %s missing or not a string/null" % k)
            if isinstance(o[k], str) and (o[k] != o[k].strip() or "  " in o[k] or "\n" in o[k]):
                fail(n, "field %s not whitespace-normalised" % k)
        for k in ("published", "updated"):
            if o[k] is not None and not DATE.match(o[k]):
                fail(n, "%s not YYYY-MM-DDTHH:MM:SSZ: %r" % (k, o[k]))
        a, af = o.get("authors"), o.get("affiliations")
        if not isinstance(a, list) or not all(isinstance(x, str) and x for x in a):
            fail(n, "authors not a list of names")
        if not isinstance(af, list) or len(af) != len(a) or \
                not all(isinstance(x, list) and all(isinstance(y, str) for y in x) for x in af):
            fail(n, "affiliations not one list per author")
        c = o.get("categories")
        if not isinstance(c, list) or not all(isinstance(x, str) and x for x in c):
            fail(n, "categories not a list")
        if o.get("announce_type") not in ANNOUNCE:
            fail(n, "bad announce_type")
        if not o["abs_url"].startswith("https://arxiv.org/abs/" + o["id"]):
            fail(n, "abs_url does not name the id")
    if len(sys.argv) > 1 and n != int(sys.argv[1]):
        sys.stderr.write("%d records, want %s\n" % (n, sys.argv[1]))
        sys.exit(1)
    print(n)


if __name__ == "__main__":
    main()
