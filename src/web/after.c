/* The work left for after an answer (after.h): one thread and a small array of pieces, each
 * with the instant it is due; the earliest due runs first, one at a time. A piece that asks to
 * be run again (a retry) keeps its place in the array meanwhile, so the bound holds for it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "paperboy/buf.h"
#include "paperboy/clock.h"
#include "after.h"

struct piece {
	pb_web_after_fn fn;
	void *arg;
	int64_t due_ms;          /* pb_mono_ms when it is to run */
};

struct pb_web_queue {
	pthread_t thread;
	pthread_mutex_t mu;      /* guards what follows */
	pthread_cond_t cv;       /* work added, or the stop; on CLOCK_MONOTONIC, pb_mono_ms's */
	struct piece *p;
	size_t n, max;
	int stopping;
	int64_t stop_by_ms;      /* with stopping: when the work left is dropped */
};

/* Waits (under mu) for a change, or until pb_mono_ms reaches ms (ms < 0: no limit). */
static void
wait_until(struct pb_web_queue *q, int64_t ms)
{
	struct timespec ts;

	if (ms < 0) {
		pthread_cond_wait(&q->cv, &q->mu);
		return;
	}
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	pthread_cond_timedwait(&q->cv, &q->mu, &ts);
}

static void *
run(void *arg)
{
	static const struct pb_web_after stopped = { "the server stopped", 0 };
	struct pb_web_queue *q = arg;
	struct piece pc;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		struct pb_web_after how = { NULL, 0 };
		int64_t now = pb_mono_ms(), again;
		size_t first = q->n;

		/* only this thread takes pieces out: first stays first while it runs */
		for (size_t i = 0; i < q->n; i++)
			if (first == q->n || q->p[i].due_ms < q->p[first].due_ms)
				first = i;
		if (q->stopping && (first == q->n || now >= q->stop_by_ms ||
				    q->p[first].due_ms >= q->stop_by_ms))
			break;
		if (first == q->n) {
			wait_until(q, -1);
			continue;
		}
		if (q->p[first].due_ms > now) {
			wait_until(q, q->stopping && q->stop_by_ms < q->p[first].due_ms
					      ? q->stop_by_ms : q->p[first].due_ms);
			continue;
		}
		pc = q->p[first];
		if (q->stopping)
			how.within_ms = q->stop_by_ms - now;
		pthread_mutex_unlock(&q->mu);
		again = pc.fn(pc.arg, &how);
		pthread_mutex_lock(&q->mu);
		if (again > 0)
			q->p[first].due_ms = pb_mono_ms() + again;
		else
			q->p[first] = q->p[--q->n];
	}
	while (q->n) {
		pc = q->p[--q->n];
		pthread_mutex_unlock(&q->mu);
		pc.fn(pc.arg, &stopped);
		pthread_mutex_lock(&q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

struct pb_web_queue *
pb_web_queue_new(size_t max, char *err, size_t errlen)
{
	struct pb_web_queue *q = pb_xcalloc(1, sizeof *q);
	pthread_condattr_t ca;
	int have_cv = 0;

	q->max = max ? max : 1;
	q->p = pb_xcalloc(q->max, sizeof *q->p);
	if (pthread_mutex_init(&q->mu, NULL) != 0) {
		free(q->p);
		free(q);
		snprintf(err, errlen, "cannot make a lock");
		return NULL;
	}
	if (pthread_condattr_init(&ca) == 0) {
		have_cv = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
			  pthread_cond_init(&q->cv, &ca) == 0;
		pthread_condattr_destroy(&ca);
	}
	if (!have_cv || pthread_create(&q->thread, NULL, run, q) != 0) {
		if (have_cv)
			pthread_cond_destroy(&q->cv);
		pthread_mutex_destroy(&q->mu);
		free(q->p);
		free(q);
		snprintf(err, errlen, "cannot start the thread for the work after an answer");
		return NULL;
	}
	return q;
}

int
pb_web_queue_add(struct pb_web_queue *q, pb_web_after_fn fn, void *arg)
{
	static const struct pb_web_after full = { "the queue is full", 0 };

	pthread_mutex_lock(&q->mu);
	if (q->n >= q->max) {
		pthread_mutex_unlock(&q->mu);
		fn(arg, &full);
		return -1;
	}
	q->p[q->n].fn = fn;
	q->p[q->n].arg = arg;
	q->p[q->n].due_ms = pb_mono_ms();
	q->n++;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

void
pb_web_queue_free(struct pb_web_queue *q, int64_t grace_ms)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = 1;
	q->stop_by_ms = pb_mono_ms() + (grace_ms > 0 ? grace_ms : 0);
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q->p);
	free(q);
}
