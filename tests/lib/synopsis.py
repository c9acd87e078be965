#!/usr/bin/python3
"""Prints each command's usage as documented, one "NAME ARGS" line per command, whitespace
collapsed, so tests can compare paperboy --help, paperboy(1)'s SYNOPSIS and README's Commands.

  synopsis.py man FILE       the SYNOPSIS of a man page (roff), "paperboy [-c FILE] [-v] " cut
  synopsis.py readme FILE    README's ```text block under "## Commands", "paperboy [-c FILE] " cut
  synopsis.py options FILE   for each ".SS NAME" of a man page, "NAME --opt --opt ..." (every
                             option its section mentions)
"""
import re
import shlex
import sys


def roff_args(rest):
    lex = shlex.shlex(rest, posix=True)
    lex.whitespace_split = True
    lex.commenters = ''
    return list(lex)


def roff_text(line):
    """One roff line of SYNOPSIS as plain text: .B/.I one word group, .BR/.IR/.RB alternating
    fonts with no space between the parts."""
    line = line.replace('\\-', '-').replace('\\(dq', '"')
    if not line.startswith('.'):
        return line
    m = re.match(r'^\.(B|I|BR|BI|IR|IB|RB|RI)\s+(.*)$', line)
    if not m:
        return ''
    args = roff_args(m.group(2))
    if m.group(1) in ('B', 'I'):
        return ' '.join(args)
    return ''.join(args)


def man(path):
    text = open(path, encoding='utf-8').read()
    syn = text.split('.SH SYNOPSIS\n', 1)[1].split('\n.SH ', 1)[0]
    out = []
    for group in syn.split('\n.br\n'):
        words = ' '.join(roff_text(l) for l in group.split('\n') if l.strip())
        words = ' '.join(words.split())
        prefix = 'paperboy [-c FILE] [-v] '
        if words.startswith(prefix):
            out.append(words[len(prefix):])
    return out


def readme(path):
    text = open(path, encoding='utf-8').read()
    sec = text.split('\n## Commands\n', 1)[1].split('\n## ', 1)[0]
    block = sec.split('```text\n', 1)[1].split('```', 1)[0]
    out = []
    for line in block.splitlines():
        words = ' '.join(line.split())
        prefix = 'paperboy [-c FILE] '
        if words.startswith(prefix):
            out.append(words[len(prefix):])
    return out


def options(path):
    text = open(path, encoding='utf-8').read()
    cmds = text.split('.SH COMMANDS\n', 1)[1].split('\n.SH ', 1)[0]
    out = []
    for sec in cmds.split('.SS ')[1:]:
        name, body = sec.split('\n', 1)
        opts = sorted(set(re.findall(r'--[a-z][a-z-]*', body.replace('\\-', '-'))))
        out.append(' '.join([name.strip()] + opts))
    return out


if __name__ == '__main__':
    kind, path = sys.argv[1], sys.argv[2]
    for l in {'man': man, 'readme': readme, 'options': options}[kind](path):
        print(l)
