#!/usr/bin/python3
"""Checks that every key of src/config/table.c is documented with the default and the bounds
the table gives it: in paperboy.conf(5), by the key's item (".TP" heading) in its section, and
in conf/paperboy.conf.example, by the comment at the key. Prints one line per mismatch and
exits 1 when there is any.

  doc_keys.py ROOT

paperboy.conf(5): a key with a default in the table (a number, a boolean, a string) has an
item whose heading says "default VALUE" with that value; a heading that names bounds
("integer 1 to 3600") names the table's. The example: a key's comment that says "Default
VALUE" or names bounds ("(1 to 3600)") says the table's; a key with a default in the table
whose comment says none shows that default as its value. Topics' keys are told of in the
example's prose and are left to paperboy.conf(5).
"""
import re
import sys

# Defaults the loader works out when a key is not set (src/config/validate.c): the table holds
# a placeholder, the documents say the rule.
DERIVED = {
    'summary.enabled': 'true when base_url is set',
    'embeddings.enabled': 'true when base_url is set',
    'email.enabled': 'true when smtp_url is set',
    'web.enabled': 'true when listen is set',
    'fulltext.request_interval_ms': '15000 for arxiv.org, else arxiv.request_interval_ms',
}

# Where paperboy.conf(5) describes each group's keys.
SECTIONS = {
    '': ['GLOBAL SETTINGS'], 'state': ['STATE', 'SEVERAL MACHINES'], 'arxiv': ['ARXIV'],
    'rank': ['RANKING'], 'embeddings': ['EMBEDDINGS'], 'fulltext': ['FULL TEXT'],
    'summary': ['SUMMARY'], 'email': ['EMAIL'], 'web': ['WEB ENDPOINT'],
    'telegram': ['TELEGRAM'], 'slack': ['SLACK'], 'matrix': ['MATRIX'], 'ntfy': ['NTFY'],
    'file': ['FILE SINK'], 'delivery': ['DELIVERY'],
}


def split_top(s):
    """Splits a table row on the commas outside parentheses."""
    out, depth, cur = [], 0, ''
    for ch in s:
        if ch == '(':
            depth += 1
        elif ch == ')':
            depth -= 1
        if ch == ',' and depth == 0:
            out.append(cur.strip())
            cur = ''
        else:
            cur += ch
    out.append(cur.strip())
    return out


def number(s):
    try:
        return float(s.replace('L', ''))
    except ValueError:
        return None


def fmt(x):
    return str(int(x)) if x == int(x) else repr(x)


class Key:
    def __init__(self, row):
        f = split_top(row)
        if f[7] == 'NB':  # NB is "1, 0": no bounds
            f[7:8] = ['1', '0']
        self.scope, self.path, self.type = f[0], f[1].strip('"'), f[2]
        self.name = {'KS_ROOT': '', 'KS_SUB': 'subscribers.',
                     'KS_TOPIC': 'subscribers.topics.'}[self.scope] + self.path
        self.group = self.path.split('.')[0] if '.' in self.path else ''
        self.leaf = self.path.split('.')[-1]
        def_s = f[5]
        def_n = number(f[6]) if self.type != 'KT_TRI' else None
        lo, hi = number(f[7]), number(f[8])
        self.bounds = (lo, hi) if lo is not None and hi is not None and lo <= hi else None
        self.default = None  # as the documents write it, without quotes
        if self.name in DERIVED:
            pass
        elif self.type in ('KT_INT', 'KT_LONG', 'KT_DOUBLE') and def_n is not None:
            self.default = fmt(def_n)
        elif self.type == 'KT_BOOL':
            self.default = 'true' if def_n else 'false'
        elif self.type in ('KT_STR', 'KT_LIST') and def_s != 'NULL':
            self.default = def_s.strip('"')


def table_keys(root):
    text = open(root + '/src/config/table.c', encoding='utf-8').read()
    body = text.split('pb_ckeys[] = {', 1)[1].split('\n};', 1)[0]
    body = re.sub(r'/\*.*?\*/', '', body, flags=re.S)
    keys = [Key(' '.join(m.group(1).split())) for m in re.finditer(r'\{\s*(KS_[^{}]*)\}', body)]
    seen, out = set(), []
    for k in keys:  # state.conninfo is a string and a secret: one key to the documents
        if k.name not in seen and k.type not in ('KT_GROUP', 'KT_SUBSCRIBERS', 'KT_TOPICS'):
            seen.add(k.name)
            out.append(k)
    return out


def roff_plain(line):
    """A roff heading line as plain text: font requests' quoted parts joined, escapes read."""
    def plain(s):
        for esc, ch in (('\\-', '-'), ('\\(dq', '"'), ('\\(lq', '"'), ('\\(rq', '"'),
                        ('\\(em', '--'), ('\\&', '')):
            s = s.replace(esc, ch)
        return s
    m = re.match(r'^\.(B|I|BR|BI|IR|IB|RB|RI)\s+(.*)$', line)
    if not m:
        return plain(line)
    words = [a if q else b for q, a, b in re.findall(r'(")([^"]*)"|(\S+)', m.group(2))]
    return (' ' if m.group(1) in ('B', 'I') else '').join(plain(w) for w in words)


def man_items(root):
    """(section, heading) of every .TP item of paperboy.conf(5); a .SS names its own section."""
    lines = open(root + '/man/paperboy.conf.5', encoding='utf-8').read().split('\n')
    out, sec = [], ''
    for i, l in enumerate(lines):
        if l.startswith('.SH '):
            sec = l[4:].strip().strip('"')
        elif l.startswith('.SS '):
            sec = sec.split('/')[0] + '/' + l[4:].strip().strip('"')
        elif l == '.TP' and i + 1 < len(lines):
            out.append((sec, roff_plain(lines[i + 1]), i + 2))
    return out


def named(heading, leaf):
    """Whether an item's heading introduces leaf (or its secret's leaf_env / leaf_file)."""
    head = heading.split('(', 1)[0]
    return re.search(r'(^|[\s,"])%s(_env|_file)?($|[\s,"])' % re.escape(leaf), head) is not None


def stated_default(text):
    """The value a text says is the default ("default 90", "default \"UTC\"", "Default
    [\"02:00\"]"), or None when it says none or says it in words ("default: ...")."""
    m = re.search(r'\b[Dd]efault\s+(\[?"[^"]*"\]?|[^\s,;)]+)', text)
    if not m:
        # "\"sqlite\" (the default: ...)"
        m = re.search(r'("[^"]*")\s+\((?:the )?default\b', text)
        return m.group(1) if m else None
    v = m.group(1).rstrip('.')
    if v in ('by', 'per', 'none', 'the', 'and', 'is', 'when', 'for', 'unless', 'of', 'on'):
        return None
    return v


def same_default(key, said):
    said = said.strip()
    if said.startswith('[') and said.endswith(']'):
        said = said[1:-1].strip()
    said = said.strip('"')
    if key.type in ('KT_INT', 'KT_LONG', 'KT_DOUBLE'):
        return number(said) is not None and number(said) == number(key.default)
    return said == key.default


def stated_bounds(text):
    # "1 to 3600", "1 (min) to 5 (max)"
    m = re.search(r'(-?\d[\d.]*)(?:\s*\([a-z]+\))?\s+to\s+(-?\d[\d.]*)',
                  text.replace(',', ''))
    return (number(m.group(1)), number(m.group(2))) if m else None


def check_man(root, keys, bad):
    items = man_items(root)
    for k in keys:
        if k.scope == 'KS_ROOT':
            want = SECTIONS.get(k.group)
        elif k.scope == 'KS_SUB':
            want = ['SUBSCRIBERS']
        else:
            want = ['SUBSCRIBERS/Topics']
        found = [(s, h, n) for s, h, n in items if s in want and named(h, k.leaf)]
        if not found:
            bad.append('paperboy.conf.5: %s has no item in %s' % (k.name, ' or '.join(want)))
            continue
        sec, head, line = found[0]
        paren = head.split('(', 1)[1] if '(' in head else ''
        said = stated_default(paren)
        where = 'paperboy.conf.5:%d: %s' % (line, k.name)
        if k.default is not None:
            if said is None:
                bad.append('%s: heading says no default, the table\'s is %s' % (where, k.default))
            elif not same_default(k, said):
                bad.append('%s: heading says default %s, the table\'s is %s'
                           % (where, said, k.default))
        b = stated_bounds(paren)
        if not b and k.bounds and k.type != 'KT_LIST':
            bad.append('%s: heading names no bounds, the table takes %s to %s'
                       % (where, fmt(k.bounds[0]), fmt(k.bounds[1])))
        if b and k.bounds and b != k.bounds:
            bad.append('%s: heading says %s to %s, the table takes %s to %s'
                       % (where, fmt(b[0]), fmt(b[1]), fmt(k.bounds[0]), fmt(k.bounds[1])))
        if b and not k.bounds:
            bad.append('%s: heading says %s to %s, the table has no bounds'
                       % (where, fmt(b[0]), fmt(b[1])))


KEYLINE = re.compile(r'^\s*(?:#\s*){0,2}([a-z_]+)\s*=\s*(.*?);?\s*(#.*)?$')


def example_blocks(lines, bad):
    """For each key line of the example outside the subscribers: (group, leaf, value, comment,
    line number). The comment is the comment lines just above and the one at the end of the
    line with its continuation lines. Groups are opened by "NAME = {" (commented or not) and
    closed by "};": a group shown commented out is closed as well, or it cannot be taken in
    by removing the "#"s."""
    out, group, in_subs, prose = [], '', False, {}
    for i, l in enumerate(lines):
        if re.match(r'^subscribers\s*=\s*\(', l):
            in_subs = True
        if in_subs:
            continue
        m = re.match(r'^\s*#?\s*([a-z_]+)\s*=\s*\{', l)
        if m:
            if group:
                bad.append('paperboy.conf.example:%d: %s = { opens before %s = { is closed'
                           % (i + 1, m.group(1), group))
            group = m.group(1)
            j, above = i - 1, []
            while j >= 0 and lines[j].startswith('#') and not KEYLINE.match(lines[j]):
                above.insert(0, lines[j].lstrip('# ').rstrip())
                j -= 1
            prose[group] = ' '.join(above)
            continue
        if re.match(r'^\s*#?\s*\};', l):
            group = ''
            continue
        m = KEYLINE.match(l)
        if not m or (l.lstrip().startswith('#') and
                     not re.match(r'^\s*(?:#\s*){1,2}[a-z_]+ = ', l)):
            continue
        above = []
        j = i - 1
        while j >= 0 and lines[j].lstrip().startswith('#') and not KEYLINE.match(lines[j]) \
                and lines[j].strip() != '#' and not re.match(r'^\s*#\s{8,}#', lines[j]):
            above.insert(0, lines[j].lstrip('# ').rstrip())
            j -= 1
        tail = [m.group(3) or '']
        col = l.find('#', len(l) - len(m.group(3))) if m.group(3) else -1
        j = i + 1
        while col > 0 and j < len(lines) and re.match(r'^\s*#\s{8,}#', lines[j]):
            tail.append(lines[j].split('#', 2)[2])
            j += 1
        value = m.group(2).strip().rstrip(';').strip()
        text = ' '.join(above + tail)
        if stated_default(text) is None and group in prose:
            text += ' ' + prose[group]  # the group's comment tells of its keys
        out.append((group, m.group(1), value, text, i + 1))
    return out


def subscriber_entries(lines):
    """The example's table of a subscriber's keys: leaf -> its description."""
    out, cur = {}, None
    for l in lines:
        m = re.match(r'^#   ([a-z_]+)(?:\s+(.*)|$)', l)
        if m:
            cur = m.group(1)
            out[cur] = m.group(2) or ''
        elif cur and re.match(r'^#\s{5,}\S', l):
            out[cur] += ' ' + l[1:].strip()
        else:
            cur = None
    return out


def check_example(root, keys, bad):
    path = root + '/conf/paperboy.conf.example'
    lines = open(path, encoding='utf-8').read().split('\n')
    blocks = example_blocks(lines, bad)
    subs = subscriber_entries(lines)
    for k in keys:
        if k.scope == 'KS_TOPIC':
            continue
        if k.scope == 'KS_SUB':
            text = subs.get(k.leaf, subs.get(k.leaf + '_env'))
            if text is None:
                bad.append('paperboy.conf.example: %s is not in the subscribers\' table'
                           % k.name)
                continue
            where, value = 'paperboy.conf.example: %s' % k.name, None
        else:
            # a key of the example, or its secret's leaf_env
            found = [b for b in blocks if b[0] == k.group and b[1] in (
                k.leaf, k.leaf + '_env', k.leaf + '_file')]
            if not found:
                bad.append('paperboy.conf.example: %s is not set or shown in %s' % (
                    k.name, k.group + ' = { }' if k.group else 'the top level'))
                continue
            g, leaf, value, text, line = found[0]
            where = 'paperboy.conf.example:%d: %s' % (line, k.name)
        said = stated_default(text)
        if k.default is not None:
            if said is not None:
                if not same_default(k, said):
                    bad.append('%s: says default %s, the table\'s is %s' % (where, said,
                                                                          k.default))
            elif value is None or not same_default(k, value):
                bad.append('%s: says no default%s, the table\'s is %s' % (
                    where, ' and shows %s' % value if value else '', k.default))
        b = stated_bounds(re.sub(r'"[^"]*"', '', text))
        if not b and k.bounds and k.type != 'KT_LIST':
            bad.append('%s: names no bounds, the table takes %s to %s'
                       % (where, fmt(k.bounds[0]), fmt(k.bounds[1])))
        if b and k.bounds and b != k.bounds and k.type != 'KT_LIST':
            bad.append('%s: says %s to %s, the table takes %s to %s'
                       % (where, fmt(b[0]), fmt(b[1]), fmt(k.bounds[0]), fmt(k.bounds[1])))


def main():
    root = sys.argv[1]
    keys = table_keys(root)
    bad = []
    check_man(root, keys, bad)
    check_example(root, keys, bad)
    for b in bad:
        print(b)
    print('doc_keys: %d keys, %d mismatches' % (len(keys), len(bad)), file=sys.stderr)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
