#!/usr/bin/python3
"""A local stand-in for rss.arxiv.org and export.arxiv.org/api/query, for the fetch tests.

Binds 127.0.0.1 on an ephemeral port (HTTPS with --tls-cert/--tls-key) and writes the port to
--port-file. Serves:
  /rss/<cats>               the RSS fixture named by --rss
  /api/query?id_list=...    an API Atom feed with one entry per known id (ids taken from the
                            RSS fixture, authors with affiliations, a comment, a primary
                            category); unknown ids are dropped as arXiv does; a malformed id
                            gets arXiv's real error feed with HTTP 400
  /api/query?search_query=  entries from --pool (an API fixture, from --pool-offset on), paginated by start and
                            max_results, totalResults = --search-total (--search-overlap K:
                            every page after the first starts K entries early, repeating them)
Every answer carries an ETag; a matching If-None-Match gets 304. --fail 'PREFIX|STATUS|K[|RA[|BODY]]'
makes the first K requests whose path and query start with PREFIX answer STATUS (with
Retry-After RA unless empty); a 400 on /api/query carries arXiv's real error feed, other
statuses an HTML page, or BODY as text/plain when given ("Rate exceeded."). --stall
'PREFIX|SECONDS' holds every answer to such a request for SECONDS before sending it.
/rss/ and /api/query answer 406 to a request whose Accept header is missing or only "*/*", as
arXiv's query endpoint has done; --accept-any turns that off.
For the HTTP client's own tests: POST /echo answers a JSON object with the request's body,
Content-Type and headers; /redirect/N redirects N times before answering; /lm carries only
Last-Modified (If-Modified-Since -> 304); /fixture/NAME serves a fixture file. A Retry-After
of "date+N" is sent as the HTTP date N seconds ahead.
Each request is appended to --log as one JSON line: monotonic time, path, query, headers,
status, bytes.
"""
import argparse
import gzip
import hashlib
import json
import os
import re
import signal
import ssl
import sys
import time
import email.utils
import urllib.parse
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, HTTPServer

ID_RE = re.compile(r'^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$')
NS = {'dc': 'http://purl.org/dc/elements/1.1/', 'arxiv': 'http://arxiv.org/schemas/atom'}


def esc(s):
    return (s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
            .replace('"', '&quot;'))


def load_rss_items(path):
    """id -> (version, [authors], [categories]) from an RSS 2.0 fixture."""
    items = {}
    with open(path, 'rb') as f:
        text = f.read().decode('utf-8', 'replace')
    # A feed the fetch tests corrupted on purpose still yields its ids here.
    text = re.sub(r'[\x00-\x08\x0b\x0c\x0e-\x1f]', '', text)
    root = ET.fromstring(text.encode('utf-8'))
    for it in root.iter('item'):
        guid = (it.findtext('guid') or '').rsplit(':', 1)[-1]
        m = re.match(r'^(.*?)v(\d+)$', guid)
        if not m:
            continue
        creators = it.findtext('dc:creator', default='', namespaces=NS)
        authors = [a.strip() for a in creators.split(',') if a.strip()]
        cats = [c.text for c in it.findall('category') if c.text]
        items[m.group(1)] = (int(m.group(2)), authors, cats)
    return items


def rss_for(body, cats):
    """The items of an every-archive RSS fixture that arXiv's feed for cats would carry: those
    listing one of cats (an archive name covers its categories), a primary category elsewhere
    making new a cross-list and replace a replace-cross, as arXiv labels them."""
    def inside(c):
        return any(c == k or ('.' not in k and c.startswith(k + '.')) for k in cats)

    def item(m):
        it = m.group(0)
        found = re.findall(r'<category>([^<]*)</category>', it)
        if not any(inside(c) for c in found):
            return ''
        if found and not inside(found[0]):
            it = it.replace('<arxiv:announce_type>new<', '<arxiv:announce_type>cross<')
            it = it.replace('<arxiv:announce_type>replace<', '<arxiv:announce_type>replace-cross<')
        return it
    text = body.decode('utf-8', 'surrogateescape')
    text = re.sub(r'[ \t]*<item>.*?</item>\n?', item, text, flags=re.S)
    return text.encode('utf-8', 'surrogateescape')


def api_feed(title, entries, total, start, per_page):
    head = ('<?xml version=\'1.0\' encoding=\'UTF-8\'?>\n'
            '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
            '  <id>https://arxiv.org/api/local-test</id>\n'
            '  <title>arXiv Query: %s</title>\n'
            '  <updated>2026-09-24T12:00:00Z</updated>\n'
            '  <opensearch:itemsPerPage>%d</opensearch:itemsPerPage>\n'
            '  <opensearch:totalResults>%d</opensearch:totalResults>\n'
            '  <opensearch:startIndex>%d</opensearch:startIndex>\n'
            % (esc(title), per_page, total, start))
    return (head + ''.join(entries) + '</feed>\n').encode('utf-8')


def idlist_entry(pid, ver, authors, cats, primary):
    cats = [primary] + [c for c in cats if c != primary]
    out = ['  <entry>\n',
           '    <id>http://arxiv.org/abs/%sv%d</id>\n' % (pid, ver),
           '    <title>API title of %s</title>\n' % pid,
           '    <updated>2026-09-23T17:00:00Z</updated>\n',
           '    <link href="https://arxiv.org/abs/%sv%d" rel="alternate" type="text/html"/>\n'
           % (pid, ver),
           '    <summary>API abstract of %s.</summary>\n' % pid]
    for c in cats:
        out.append('    <category term="%s" scheme="http://arxiv.org/schemas/atom"/>\n' % c)
    out.append('    <published>2026-09-22T15:30:00Z</published>\n')
    out.append('    <arxiv:comment>12 pages, comment for %s</arxiv:comment>\n' % pid)
    out.append('    <arxiv:primary_category term="%s"/>\n' % primary)
    for a in authors:
        out.append('    <author>\n      <name>%s</name>\n' % esc(a))
        out.append('      <arxiv:affiliation>Institute of %s</arxiv:affiliation>\n'
                   % esc(a.split()[-1]))
        out.append('    </author>\n')
    out.append('  </entry>\n')
    return ''.join(out)


class State:
    pass


S = State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def record(self, status, nbytes, body=None):
        u = urllib.parse.urlsplit(self.path)
        line = {'t': time.monotonic(), 'wall': time.time(), 'method': self.command,
                'path': u.path, 'query': u.query,
                'args': urllib.parse.parse_qs(u.query, keep_blank_values=True),
                'headers': {k.lower(): v for k, v in self.headers.items()},
                'status': status, 'bytes': nbytes}
        if body is not None:
            line['body'] = body.decode('utf-8', 'replace')
        with open(S.log, 'a') as f:
            f.write(json.dumps(line) + '\n')

    def send(self, status, body, ctype='application/atom+xml; charset=utf-8', extra=None,
             validators='etag', reqbody=None):
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
        hdrs = dict(extra or {})
        if status == 200 and validators == 'lm':
            hdrs['Last-Modified'] = 'Thu, 24 Sep 2026 04:00:00 GMT'
            if self.headers.get('If-Modified-Since') == hdrs['Last-Modified']:
                status, body = 304, b''
        elif status == 200 and validators == 'etag':
            hdrs['ETag'] = etag
            hdrs['Last-Modified'] = 'Thu, 24 Sep 2026 04:00:00 GMT'
            if self.headers.get('If-None-Match') == etag:
                status, body = 304, b''
        wire = body
        if body and 'gzip' in (self.headers.get('Accept-Encoding') or ''):
            wire = gzip.compress(body)
            hdrs['Content-Encoding'] = 'gzip'
        self.record(status, len(body), reqbody)
        self.send_response(status)
        if status != 304:
            self.send_header('Content-Type', ctype)
        for k, v in hdrs.items():
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(wire)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(wire)

    def failing(self, reqbody=None):
        u = urllib.parse.urlsplit(self.path)
        for rule in S.fail:
            if self.path.startswith(rule['prefix']) and rule['left'] > 0:
                rule['left'] -= 1
                extra = {}
                ra = rule['retry_after']
                if ra is not None and ra.startswith('date+'):
                    ra = email.utils.formatdate(time.time() + int(ra[5:]), usegmt=True)
                if ra:
                    extra['Retry-After'] = ra
                if rule['body'] is not None:
                    self.send(rule['status'], rule['body'].encode('utf-8'), 'text/plain',
                              extra, validators=None, reqbody=reqbody)
                    return True
                if rule['status'] == 400 and u.path == '/api/query':
                    with open(os.path.join(S.fixtures, 'api2026-error-bad-id.xml'), 'rb') as f:
                        self.send(400, f.read(), validators=None)
                    return True
                self.send(rule['status'], b'<html><body>busy</body></html>\n',
                          'text/html', extra, reqbody=reqbody)
                return True
        return False

    def do_POST(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n else b''
        if self.failing(body):
            return
        if self.path == '/echo':
            out = {'body': body.decode('utf-8', 'replace'),
                   'content_type': self.headers.get('Content-Type'),
                   'headers': {k.lower(): v for k, v in self.headers.items()}}
            return self.send(200, json.dumps(out).encode(), 'application/json',
                             validators=None, reqbody=body)
        return self.send(404, b'not found\n', 'text/plain', validators=None, reqbody=body)

    def stall(self):
        for prefix, secs in S.stall:
            if self.path.startswith(prefix):
                time.sleep(secs)

    def refuses_accept(self, path):
        """arXiv's query endpoint answered 406 to clients naming no feed type."""
        if S.accept_any or not (path.startswith('/rss/') or path == '/api/query'):
            return False
        acc = (self.headers.get('Accept') or '').strip()
        if acc and acc != '*/*':
            return False
        self.send(406, b'Not Acceptable\n', 'text/plain', validators=None)
        return True

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        self.stall()
        if self.refuses_accept(u.path):
            return
        if self.failing():
            return
        m = re.match(r'^/redirect/(\d+)$', u.path)
        if m:
            left = int(m.group(1))
            if left > 0:
                return self.send(302, b'', 'text/plain',
                                 {'Location': '/redirect/%d' % (left - 1)}, validators=None)
            return self.send(200, b'arrived\n', 'text/plain', validators=None)
        if u.path == '/lm':
            return self.send(200, b'dated by Last-Modified only\n', 'text/plain',
                             validators='lm')
        if u.path.startswith('/fixture/'):
            name = os.path.basename(u.path)
            with open(os.path.join(S.fixtures, name), 'rb') as f:
                return self.send(200, f.read(), 'application/xml', validators=None)
        if u.path.startswith('/rss/'):
            with open(S.rss, 'rb') as f:
                body = f.read()
            if S.rss_by_path:
                body = rss_for(body, urllib.parse.unquote(u.path[5:]).split('+'))
            return self.send(200, body, 'application/rss+xml; charset=utf-8')
        if u.path == '/api/query':
            q = urllib.parse.parse_qs(u.query)
            if 'id_list' in q:
                return self.idlist(q)
            if 'search_query' in q:
                return self.search(q)
        return self.send(404, b'not found\n', 'text/plain')

    def idlist(self, q):
        ids = [i for i in q['id_list'][0].split(',') if i]
        for i in ids:
            if not ID_RE.match(i):
                with open(os.path.join(S.fixtures, 'api2026-error-bad-id.xml'), 'rb') as f:
                    return self.send(400, f.read())
        entries = []
        for i in ids:
            base = re.sub(r'v\d+$', '', i)
            if base in S.items:
                ver, authors, cats = S.items[base]
                primary = S.primary.get(base, cats[0] if cats else 'cs.LG')
                entries.append(idlist_entry(base, ver, authors, cats, primary))
        n = int(q.get('max_results', ['10'])[0])
        return self.send(200, api_feed('id_list=' + ','.join(ids), entries[:n],
                                       len(entries), 0, n))

    def search(self, q):
        start = int(q.get('start', ['0'])[0])
        n = int(q.get('max_results', ['10'])[0])
        pool = S.pool[:S.search_total]
        at = max(start - S.search_overlap, 0) if start > 0 else 0
        page = pool[at:at + n]
        return self.send(200, api_feed(q['search_query'][0], page, S.search_claim, start, n))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--log', required=True)
    ap.add_argument('--fixtures', required=True)
    ap.add_argument('--rss', default='rss2-cs.LG+cs.AI+cs.CL+stat.ML-2026-09-24-4items-excerpt.xml')
    ap.add_argument('--pool', default='api2026-query-all-testing-100.xml')
    ap.add_argument('--pool-offset', type=int, default=0, help='skip this many pool entries')
    ap.add_argument('--search-total', type=int, default=5)
    ap.add_argument('--search-claim', type=int, default=-1,
                    help='totalResults to announce (default: --search-total)')
    ap.add_argument('--search-overlap', type=int, default=0,
                    help='serve every page after the first from this many entries earlier')
    ap.add_argument('--primary', action='append', default=[], help='ID=CAT for id_list answers')
    ap.add_argument('--fail', action='append', default=[],
                    help='PREFIX|STATUS|K[|RETRY_AFTER[|BODY]]')
    ap.add_argument('--stall', action='append', default=[], help='PREFIX|SECONDS')
    ap.add_argument('--rss-by-path', action='store_true',
                    help='cut the --rss fixture to the categories of the path, as arXiv does')
    ap.add_argument('--accept-any', action='store_true',
                    help='serve feeds whatever the Accept header says')
    ap.add_argument('--tls-cert', help='serve HTTPS with this certificate chain (PEM)')
    ap.add_argument('--tls-key', help='the private key of --tls-cert')
    a = ap.parse_args()

    S.log, S.fixtures = a.log, a.fixtures
    S.rss_by_path = a.rss_by_path
    S.rss = os.path.join(a.fixtures, a.rss)
    S.items = load_rss_items(S.rss)
    with open(os.path.join(a.fixtures, a.pool), encoding='utf-8') as f:
        S.pool = re.findall(r'  <entry>.*?</entry>\n', f.read(), re.S)[a.pool_offset:]
    S.search_total = a.search_total
    S.search_overlap = a.search_overlap
    S.search_claim = a.search_claim if a.search_claim >= 0 else min(a.search_total, len(S.pool))
    S.primary = dict(p.split('=', 1) for p in a.primary)
    S.fail = []
    for r in a.fail:
        parts = r.split('|')
        S.fail.append({'prefix': parts[0], 'status': int(parts[1]), 'left': int(parts[2]),
                       'retry_after': parts[3] if len(parts) > 3 else None,
                       'body': '|'.join(parts[4:]) if len(parts) > 4 else None})
    S.stall = [(p.split('|')[0], float(p.split('|')[1])) for p in a.stall]
    S.accept_any = a.accept_any
    open(S.log, 'w').close()

    srv = HTTPServer(('127.0.0.1', 0), Handler)
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = a.port_file + '.tmp'
    with open(tmp, 'w') as f:
        f.write('%d\n' % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == '__main__':
    main()
