/* Inside the web module: the queue of work left for after an answer (pb_web_resp.after),
 * run on one thread of its own, so that a slow peer of that work (hooks.slack.com) holds
 * neither the client nor libmicrohttpd's threads, which serve every other page. Not a
 * contract outside src/web/. */
#ifndef PAPERBOY_WEB_AFTER_H
#define PAPERBOY_WEB_AFTER_H

#include <stddef.h>
#include <stdint.h>

#include "paperboy/web.h"

typedef int64_t (*pb_web_after_fn)(void *arg, const struct pb_web_after *how);

struct pb_web_queue;
/* Starts the queue's thread: at most max pieces of work held at once (those waiting to be
 * run again included). NULL with err filled when the thread cannot be made. */
struct pb_web_queue *pb_web_queue_new(size_t max, char *err, size_t errlen);
/* Hands fn(arg) to the queue, to be run as soon as the thread is free. Never waits: when the
 * queue is full, fn is called here with dropped ("the queue is full") and -1 returned; else
 * 0. */
int pb_web_queue_add(struct pb_web_queue *q, pb_web_after_fn fn, void *arg);
/* Stops the queue: the work held is run for grace_ms more (each run told how long it has,
 * pb_web_after.within_ms), the work still held then, or due only after it, is called with
 * dropped ("the server stopped"); then joins the thread and frees q (NULL accepted). */
void pb_web_queue_free(struct pb_web_queue *q, int64_t grace_ms);

#endif
