"""Writes src/html_entities.h, HTML5's named character references as a C table.

The list is the WHATWG HTML standard's (https://html.spec.whatwg.org/entities.json), which
Python's html.entities.html5 holds: 2,231 names, each with its ';', and 106 legacy ones also
without it. The table is sorted by name in byte order, for src/html_refs.c's binary search.
Run it again only when the standard's list changes (it has not since 2011):

    python3 contrib/gen-html-entities.py >src/html_entities.h
"""
import html.entities
import sys


def main():
    names = sorted(html.entities.html5, key=lambda n: n.encode("ascii"))
    legacy = sum(1 for n in names if not n.endswith(";"))
    out = sys.stdout
    out.write("/* HTML5's named character references: the WHATWG HTML standard's list\n"
              " * (https://html.spec.whatwg.org/entities.json), %d names, %d of them also\n"
              " * without their ';' (the legacy ones). Generated from Python %d.%d's\n"
              " * html.entities.html5 by contrib/gen-html-entities.py; do not edit, regenerate:\n"
              " *     python3 contrib/gen-html-entities.py >src/html_entities.h\n"
              " * Sorted by name in byte order (strcmp) for a binary search; included by\n"
              " * src/html_refs.c only. cp[1] is 0 for a name of one code point. */\n\n"
              % (len(names), legacy, sys.version_info[0], sys.version_info[1]))
    out.write("/* The longest name (with its ';') and the longest of those without one. */\n"
              "#define HTML_ENTITY_MAX %d\n#define HTML_LEGACY_MAX %d\n\n"
              % (max(len(n) for n in names),
                 max(len(n) for n in names if not n.endswith(";"))))
    out.write("static const struct html_entity {\n"
              "\tconst char *name;\n"
              "\tunsigned cp[2];\n"
              "} html_entities[] = {\n")
    for n in names:
        cps = [ord(c) for c in html.entities.html5[n]]
        if not 1 <= len(cps) <= 2:
            sys.exit("gen-html-entities: %s has %d code points" % (n, len(cps)))
        cps += [0] * (2 - len(cps))
        out.write('\t{ "%s", { 0x%X, 0x%X } },\n' % (n, cps[0], cps[1]))
    out.write("};\n")


if __name__ == "__main__":
    main()
