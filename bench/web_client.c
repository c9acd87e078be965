/* web_client: a keep-alive HTTP/1.1 client for bench_web.sh, one request at a time on one
 * connection to 127.0.0.1:PORT (opened again when the server closes it).
 *   web_client PORT post PATHS_FILE       POST "List-Unsubscribe=One-Click" to each path once
 *   web_client PORT mix PATHS_FILE COUNT  COUNT requests cycling over: the unsubscribe page
 *                                         (GET), the one-click POST again (already done), an
 *                                         unknown path (404), each of the paths in turn
 * Prints "requests=N ok=N other=N ms=N rate=R" (ok: 2xx and 4xx the mix expects). Exit 0, 1 on
 * a connection or protocol failure. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BODY "List-Unsubscribe=One-Click"

static int fd = -1;
static unsigned short port;
static char buf[1 << 16];
static size_t have;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int
connect_once(void)
{
	struct sockaddr_in sa;
	int one = 1;

	if (fd >= 0)
		close(fd);
	have = 0;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("web_client: connect");
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return 0;
}

static int
send_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one response: its status, or -1 when the connection ended first. */
static int
read_response(int *closes)
{
	char *end;
	long len = 0;
	int status;

	for (;;) {
		buf[have] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")))
			break;
		if (have >= sizeof buf - 1)
			return -1;
		ssize_t r = recv(fd, buf + have, sizeof buf - 1 - have, 0);

		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	for (char *h = strstr(buf, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n")) {
		if (strncasecmp(h + 2, "Content-Length:", 15) == 0)
			len = strtol(h + 17, NULL, 10);
		if (strncasecmp(h + 2, "Connection: close", 17) == 0)
			*closes = 1;
	}
	{
		size_t head = (size_t)(end + 4 - buf), total = head + (size_t)len;

		while (have < total) {
			if (total > sizeof buf - 1)
				return -1;
			ssize_t r = recv(fd, buf + have, sizeof buf - 1 - have, 0);

			if (r <= 0)
				return -1;
			have += (size_t)r;
		}
		memmove(buf, buf + total, have - total);
		have -= total;
	}
	return status;
}

/* One request; retried once on a fresh connection when the old one was closed. */
static int
request(const char *method, const char *path, const char *body)
{
	char req[2048];
	int n, status, closes = 0;

	n = snprintf(req, sizeof req,
		     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s\r\n%s", method, path,
		     body ? "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " : "",
		     body ? "26" : "", body ? "\r\n" : "", body ? body : "");
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((fd < 0 && connect_once() < 0) || send_all(req, (size_t)n) < 0 ||
		    (status = read_response(&closes)) < 0) {
			if (connect_once() < 0)
				return -1;
			continue;
		}
		if (closes)
			connect_once();
		return status;
	}
	return -1;
}

static char **
read_paths(const char *file, size_t *n)
{
	FILE *f = fopen(file, "r");
	char line[2048], **v = NULL;

	*n = 0;
	if (!f)
		return NULL;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!*line)
			continue;
		v = realloc(v, (*n + 1) * sizeof *v);
		v[(*n)++] = strdup(line);
	}
	fclose(f);
	return v;
}

int
main(int argc, char **argv)
{
	size_t n = 0;
	char **paths;
	long count, ok = 0, other = 0;
	double t0, ms;

	if (argc < 4 || (strcmp(argv[2], "post") != 0 && strcmp(argv[2], "mix") != 0) ||
	    (strcmp(argv[2], "mix") == 0 && argc != 5)) {
		fprintf(stderr, "usage: web_client PORT post PATHS | web_client PORT mix PATHS COUNT\n");
		return 2;
	}
	port = (unsigned short)atoi(argv[1]);
	if (!(paths = read_paths(argv[3], &n)) || !n) {
		fprintf(stderr, "web_client: no paths in %s\n", argv[3]);
		return 2;
	}
	count = strcmp(argv[2], "post") == 0 ? (long)n : atol(argv[4]);
	t0 = now_ms();
	for (long i = 0; i < count; i++) {
		int s;

		if (strcmp(argv[2], "post") == 0) {
			s = request("POST", paths[i], BODY);
			s == 200 ? ok++ : other++;
		} else {
			const char *p = paths[(size_t)(i / 3) % n];

			switch (i % 3) {
			case 0: s = request("GET", p, NULL); s == 200 ? ok++ : other++; break;
			case 1: s = request("POST", p, BODY); s == 200 ? ok++ : other++; break;
			default: s = request("GET", "/no/such/page", NULL); s == 404 ? ok++ : other++;
			}
		}
		if (s < 0) {
			fprintf(stderr, "web_client: the connection failed at request %ld\n", i + 1);
			return 1;
		}
	}
	ms = now_ms() - t0;
	printf("requests=%ld ok=%ld other=%ld ms=%.0f rate=%.1f\n", count, ok, other, ms,
	       count / (ms / 1000.0));
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	if (fd >= 0)
		close(fd);
	return 0;
}
