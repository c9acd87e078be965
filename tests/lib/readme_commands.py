#!/usr/bin/python3
"""Prints the commands of README.md's ```sh blocks, one per line, in order: what
tests/integration/05-readme.sh runs. Exits 1 (saying where) when a line outside those blocks
looks like a command to type (an indented block, or a fenced block of another language, with a
line starting with make, sudo, ./, $ or sh), so that every command shown is one the test runs.
"""
import re
import sys

LOOKS_LIKE_COMMAND = re.compile(r'^\s*(\$ |make\b|sudo\b|\./|sh |cp |systemctl\b)')


def main(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    cmds, bad = [], []
    fence = None
    prev_blank = True
    for n, line in enumerate(lines, 1):
        if fence is None:
            m = re.match(r'^```\s*(\S*)\s*$', line)
            if m:
                fence = m.group(1) or 'none'
                continue
            if line.startswith('    ') and prev_blank is not None and LOOKS_LIKE_COMMAND.match(line):
                bad.append((n, line))
            prev_blank = line.strip() == ''
            continue
        if line.startswith('```'):
            fence = None
            continue
        if fence == 'sh':
            if line.strip() and not line.lstrip().startswith('#'):
                cmds.append(line.rstrip())
        elif LOOKS_LIKE_COMMAND.match(line):
            bad.append((n, line))
    for n, line in bad:
        print('%s:%d: a command outside a ```sh block (the README test would not run it): %s'
              % (path, n, line.strip()), file=sys.stderr)
    if fence is not None:
        print('%s: a ``` block is not closed' % path, file=sys.stderr)
        return 1
    for c in cmds:
        print(c)
    return 1 if bad or not cmds else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
