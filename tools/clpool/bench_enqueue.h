/*
 * The host cost of one enqueue, which `clpool bench` reports beside the kernel times: how long
 * clpool_plan_enqueue takes to return on a warm plan, so the number is the library's and the
 * driver's per-call overhead, not anything the device does.
 */
#ifndef CLPOOL_TOOLS_BENCH_ENQUEUE_H
#define CLPOOL_TOOLS_BENCH_ENQUEUE_H

#include "session.h"

typedef struct bench_enqueue_cost {
    int calls;               /* timed calls of each kind */
    double mean_us, best_us; /* without an event: mean over all calls, best batch's mean */
    double event_mean_us;    /* asking for an event (and releasing it) */
} bench_enqueue_cost;

/* Times clpool_plan_enqueue on a tiny max-pooling plan and buffers, warmed up first, on a new
 * in-order queue without profiling; 1 on success. */
int bench_enqueue_cost_measure(const cli_session *session, bench_enqueue_cost *cost);

#endif
