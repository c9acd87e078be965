#!/usr/bin/python3
"""A local stand-in for export.arxiv.org/api/query, for the likes lookup test.

Binds 127.0.0.1 on an ephemeral port, writes it to --port-file, stops by itself after
--timeout seconds. Answers in the API's Atom form (as api2026-idlist-two-ids-one-missing.xml):
  ?id_list=A,B,...       one entry per id the RSS fixture (--rss) lists, with its title,
                         abstract, authors and categories; ids given with --withdrawn come with
                         arXiv's withdrawal comment; other ids are dropped, as arXiv does
  ?search_query=au:...   the real answer api2016-query-au-del_maestro-10.xml (in --fixtures)
                         when the query names Del_Maestro, else an empty feed
--down answers 503 to every request; --retry-after N answers 429 with Retry-After N to every
request. Each request is appended to --log as one JSON line:
monotonic time t, path, query (decoded), status.
"""
import argparse
import json
import os
import re
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, HTTPServer

DC = '{http://purl.org/dc/elements/1.1/}'


def esc(s):
    return (s.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
            .replace('"', '&quot;'))


def load_items(path):
    items = {}
    for it in ET.parse(path).getroot().iter('item'):
        guid = it.findtext('guid') or ''
        m = re.search(r'(\d{4}\.\d{4,5})v(\d+)$', guid)
        if not m:
            continue
        desc = it.findtext('description') or ''
        abstract = desc.split('Abstract:', 1)[-1].strip()
        authors = [a.strip() for a in (it.findtext(DC + 'creator') or '').split(',') if a.strip()]
        cats = [c.text for c in it.findall('category')]
        items[m.group(1)] = (m.group(2), it.findtext('title') or '', abstract, authors, cats)
    return items


def feed(query, entries):
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
            'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
            '  <id>https://arxiv.org/api/standin</id>\n'
            '  <title>arXiv Query: %s</title>\n'
            '  <updated>2026-04-12T22:09:36Z</updated>\n'
            '  <opensearch:itemsPerPage>100</opensearch:itemsPerPage>\n'
            '  <opensearch:totalResults>%d</opensearch:totalResults>\n'
            '  <opensearch:startIndex>0</opensearch:startIndex>\n' % (esc(query), len(entries)))
    return (head + ''.join(entries) + '</feed>\n').encode()


def entry(pid, item, withdrawn):
    ver, title, abstract, authors, cats = item
    comment = ('This paper has been withdrawn by the author due to a crucial error'
               if withdrawn else '12 pages, 4 figures')
    out = ['  <entry>\n    <id>http://arxiv.org/abs/%sv%s</id>\n' % (pid, ver),
           '    <title>%s</title>\n' % esc(title),
           '    <updated>2024-11-27T10:00:00Z</updated>\n',
           '    <summary>%s</summary>\n' % esc(abstract)]
    out += ['    <category term="%s" scheme="http://arxiv.org/schemas/atom"/>\n' % esc(c)
            for c in cats]
    out.append('    <published>2024-11-26T10:00:00Z</published>\n')
    out.append('    <arxiv:comment>%s</arxiv:comment>\n' % esc(comment))
    if cats:
        out.append('    <arxiv:primary_category term="%s"/>\n' % esc(cats[0]))
    out += ['    <author>\n      <name>%s</name>\n    </author>\n' % esc(a) for a in authors]
    out.append('  </entry>\n')
    return ''.join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--log', required=True)
    ap.add_argument('--fixtures', required=True)
    ap.add_argument('--rss', default='rss2-all-archives-2024-11-28-1504items.xml')
    ap.add_argument('--withdrawn', action='append', default=[])
    ap.add_argument('--down', action='store_true')
    ap.add_argument('--retry-after', type=int)
    ap.add_argument('--timeout', type=float, default=120)
    a = ap.parse_args()
    items = load_items(os.path.join(a.fixtures, a.rss))
    with open(os.path.join(a.fixtures, 'api2016-query-au-del_maestro-10.xml'), 'rb') as f:
        del_maestro = f.read()
    for w in a.withdrawn:   # a withdrawn paper keeps its record: give it one
        items.setdefault(w, ('2', 'Withdrawn', 'This paper has been withdrawn.', ['A. Author'],
                             ['cs.CV']))
    lock = threading.Lock()

    class H(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            pass

        def answer(self, status, body, extra=None):
            u = urllib.parse.urlsplit(self.path)
            with lock, open(a.log, 'a') as log:
                log.write(json.dumps({'t': time.monotonic(), 'path': u.path,
                                      'query': urllib.parse.unquote_plus(u.query),
                                      'status': status}) + '\n')
            self.send_response(status)
            self.send_header('Content-Type', 'application/atom+xml; charset=utf-8')
            self.send_header('Content-Length', str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            u = urllib.parse.urlsplit(self.path)
            q = urllib.parse.parse_qs(u.query)
            if a.down:
                return self.answer(503, b'down')
            if a.retry_after is not None:
                return self.answer(429, b'Rate exceeded.',
                                   {'Retry-After': str(a.retry_after)})
            if u.path != '/api/query':
                return self.answer(404, b'not here')
            if 'id_list' in q:
                ids = [i for i in q['id_list'][0].split(',') if i]
                ents = [entry(i, items[i], i in a.withdrawn) for i in ids if i in items]
                return self.answer(200, feed('id_list=' + ','.join(ids), ents))
            if 'search_query' in q:
                sq = q['search_query'][0]
                if 'del_maestro' in sq.lower():
                    return self.answer(200, del_maestro)
                return self.answer(200, feed('search_query=' + sq, []))
            return self.answer(400, b'bad query')

    srv = HTTPServer(('127.0.0.1', 0), H)
    with open(a.port_file + '.tmp', 'w') as f:
        f.write(str(srv.server_address[1]))
    os.rename(a.port_file + '.tmp', a.port_file)
    threading.Timer(a.timeout, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == '__main__':
    sys.exit(main())
