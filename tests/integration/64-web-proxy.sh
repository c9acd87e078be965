#!/bin/sh
# contrib/nginx-paperboy.conf as it is shipped, in front of `paperboy serve`: nginx on two free
# ports (its 80 and 443), a self-signed certificate in place of Let's Encrypt's, the upstream
# at serve's port; nothing else of the file changed.
#  1. `nginx -t` takes the file (Debian 12's nginx is 1.22: no "http2 on;" there).
#  2. Over HTTPS, an unsubscribe link's page: 200 with paperboy's headers and nginx's HSTS.
#  3. Plain HTTP answers 301 to https://digest.example.org/..., whatever Host was sent.
#  4. A 100 KB body is refused by nginx (413) before paperboy sees it.
#  5. The rate limit counts the client nginx saw: X-Forwarded-For headers the client wrote
#     itself, a new one on each request, do not get it past web.rate_limit.
# Skipped, with the reason, when there is no nginx (PB_NGINX, or nginx on the PATH or in
# /usr/sbin).
set -u
: "${PAPERBOY:?}" "${BUILD:?}" "${PB_TESTS:?}"
name=64-web-proxy
PY=/usr/bin/python3
ROOT=$(cd "$PB_TESTS/.." && pwd)
TOKEN="$BUILD/tests/tools/web_token"
T=$(mktemp -d /tmp/pb-web-proxy.XXXXXX) || exit 1
SRV=""
NGX=""
cleanup() {
  [ -n "$NGX" ] && kill "$NGX" 2>/dev/null
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "$name: FAIL: $*" >&2; fails=$((fails + 1)); }
die() { echo "$name: FAIL: $*" >&2; [ -f "$T/nginx.err" ] && tail -n 5 "$T/nginx.err" >&2; exit 1; }

NGINX=${PB_NGINX:-$(command -v nginx 2>/dev/null || true)}
[ -n "$NGINX" ] || [ ! -x /usr/sbin/nginx ] || NGINX=/usr/sbin/nginx
[ -n "$NGINX" ] && [ -x "$NGINX" ] || { echo "$name: SKIP: no nginx (set PB_NGINX)" >&2; exit 0; }
[ -x "$TOKEN" ] || die "missing $TOKEN"

free_port() { $PY "$PB_TESTS/lib/free_port.py"; }
wait_listen() {
  i=0
  until $PY -c "import socket; socket.create_connection(('127.0.0.1',$1),1).close()" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && die "nothing listens on $1"; sleep 0.1
  done
}
PORT=$(free_port); HTTP=$(free_port); HTTPS=$(free_port)
[ "$HTTP" != "$HTTPS" ] || HTTPS=$(free_port)

cat >"$T/pb.conf" <<EOF
state_dir = "$T/state";
arxiv = { categories = ["cs.CV"]; };
email = { smtp_url = "smtp://127.0.0.1:9"; from = "bot@example.org"; tls = "none"; };
file = { enabled = false; };
web = { listen = "127.0.0.1:$PORT"; base_url = "https://digest.example.org"; rate_limit = 5; };
subscribers = ( { name = "ann"; email = ["ann@example.org"];
                  topics = ( { name = "v"; query = "cat:cs.CV"; } ); } );
EOF
"$PAPERBOY" -c "$T/pb.conf" serve >"$T/serve.log" 2>&1 &
SRV=$!
wait_listen "$PORT"

mkdir -p "$T/ngx/tmp"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/ngx/key.pem" -out "$T/ngx/cert.pem" \
  -days 1 -subj /CN=digest.example.org >/dev/null 2>&1 || die "openssl req failed"
sed -e "s#/etc/letsencrypt/live/digest.example.org/fullchain.pem#$T/ngx/cert.pem#" \
    -e "s#/etc/letsencrypt/live/digest.example.org/privkey.pem#$T/ngx/key.pem#" \
    -e "s/listen 80;/listen 127.0.0.1:$HTTP;/; /listen \[::\]:80;/d" \
    -e "s/listen 443 /listen 127.0.0.1:$HTTPS /; /listen \[::\]:443 /d" \
    -e "s#proxy_pass http://127.0.0.1:8425;#proxy_pass http://127.0.0.1:$PORT;#" \
    "$ROOT/contrib/nginx-paperboy.conf" >"$T/ngx/site.conf"
cat >"$T/ngx/nginx.conf" <<EOF
pid $T/ngx/nginx.pid;
error_log stderr;
events {}
http {
  access_log off;
  client_body_temp_path $T/ngx/tmp/body;
  proxy_temp_path $T/ngx/tmp/proxy;
  fastcgi_temp_path $T/ngx/tmp/fastcgi;
  uwsgi_temp_path $T/ngx/tmp/uwsgi;
  scgi_temp_path $T/ngx/tmp/scgi;
  include $T/ngx/site.conf;
}
EOF

# 1. the file as nginx reads it
"$NGINX" -e stderr -t -p "$T/ngx" -c "$T/ngx/nginx.conf" >"$T/nginx.err" 2>&1 ||
  die "nginx -t refuses contrib/nginx-paperboy.conf: $(grep emerg "$T/nginx.err")"
"$NGINX" -e stderr -p "$T/ngx" -c "$T/ngx/nginx.conf" -g 'daemon off;' >>"$T/nginx.err" 2>&1 &
NGX=$!
wait_listen "$HTTPS"
wait_listen "$HTTP"

# code METHOD URL [curl args]: the status; headers in $T/h, body in $T/b
code() {
  m=$1 u=$2
  shift 2
  curl -s -k -m 10 --resolve "digest.example.org:$HTTPS:127.0.0.1" \
    --resolve "digest.example.org:$HTTP:127.0.0.1" -X "$m" -D "$T/h" -o "$T/b" \
    -w '%{http_code}' "$@" "$u"
}
BASE="https://digest.example.org:$HTTPS"
URL=$("$TOKEN" "$T/state/web.secret" "$BASE" unsub ann ann@example.org) || die "web_token failed"

# 2. a page over HTTPS, with paperboy's headers and nginx's HSTS
c=$(code GET "$URL")
[ "$c" = 200 ] && grep -q 'List-Unsubscribe' "$T/b" || fail "GET of the link through nginx: $c"
grep -qi '^Content-Security-Policy: default-src' "$T/h" || fail "no CSP through nginx: $(cat "$T/h")"
grep -qi '^Strict-Transport-Security: max-age=' "$T/h" || fail "no HSTS: $(cat "$T/h")"

# 3. plain HTTP: to the server's own name
c=$(code GET "http://digest.example.org:$HTTP/u/x" -H 'Host: evil.example')
[ "$c" = 301 ] || fail "plain HTTP: $c"
grep -qi '^Location: https://digest.example.org/u/x' "$T/h" ||
  fail "plain HTTP redirects elsewhere: $(grep -i '^Location' "$T/h")"

# 4. a body over the limit never reaches paperboy
head -c 102400 /dev/zero | tr '\0' a >"$T/big"
c=$(code POST "$URL" --data-binary @"$T/big")
[ "$c" = 413 ] || fail "a 100 KB body through nginx: $c"
grep -q 'status=413' "$T/serve.log" && fail "paperboy, not nginx, refused the large body"

# 5. the rate limit holds for a client that writes its own X-Forwarded-For
got=""
for i in $(seq 1 12); do
  c=$(code GET "$BASE/no/such/page" -H "X-Forwarded-For: 198.51.100.$i")
  if [ "$c" = 429 ]; then got=$i; break; fi
done
[ -n "$got" ] || fail "no 429 after 12 requests with forged X-Forwarded-For (rate_limit 5)"

[ $fails = 0 ] || exit 1
echo "$name: ok"
