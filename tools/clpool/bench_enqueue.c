/*
 * Host time of clpool_plan_enqueue: batches of calls timed with a monotonic clock, the queue
 * drained between batches (untimed) so it never grows long enough for the driver to throttle the
 * host. The plan is tiny so the device keeps up, and warm (its work-group function compiled,
 * its buffers allocated) so the first call's one-off costs stay out of the number.
 */
/* clock_gettime is POSIX; the project otherwise builds as plain C11. */
#define _POSIX_C_SOURCE 200809L

#include "bench_enqueue.h"

#include <time.h>

enum { WARMUP_CALLS = 100, BATCHES = 10, BATCH_CALLS = 1000 };

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

/* Times BATCHES batches of BATCH_CALLS enqueues (with_event: each asking for an event, which is
 * released at once); the mean per call in *mean, the best batch's in *best; 1 on success. */
static int time_batches(const clpool_plan *plan, cl_command_queue queue, cl_mem in, cl_mem out,
                        int with_event, double *mean, double *best) {
    double total = 0;
    *best = -1;
    for (int b = 0; b < BATCHES; ++b) {
        int ok = 1;
        const double start = now_us();
        for (int i = 0; ok && i < BATCH_CALLS; ++i) {
            cl_event event = NULL;
            ok = clpool_plan_enqueue(plan, queue, in, 0, out, 0, 0, NULL,
                                     with_event ? &event : NULL) == CLPOOL_SUCCESS;
            if (event)
                clReleaseEvent(event);
        }
        const double elapsed = now_us() - start;
        if (!ok || clFinish(queue) != CL_SUCCESS)
            return 0;
        total += elapsed;
        if (*best < 0 || elapsed < *best)
            *best = elapsed;
    }
    *mean = total / (BATCHES * BATCH_CALLS);
    *best /= BATCH_CALLS;
    return 1;
}

/* Creates the tiny plan's buffers, warms up, times; 1 on success. */
static int measure(const cli_session *s, const clpool_plan *plan, cl_command_queue queue,
                   bench_enqueue_cost *cost) {
    size_t in_bytes = 0, out_bytes = 0;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    cl_int err = CL_SUCCESS, err2 = CL_SUCCESS;
    cl_mem in = clCreateBuffer(s->context, CL_MEM_READ_ONLY, in_bytes, NULL, &err);
    cl_mem out = clCreateBuffer(s->context, CL_MEM_WRITE_ONLY, out_bytes, NULL, &err2);
    const float zero = 0.0f;
    int ok = err == CL_SUCCESS && err2 == CL_SUCCESS &&
             clEnqueueFillBuffer(queue, in, &zero, sizeof zero, 0, in_bytes, 0, NULL, NULL) ==
                 CL_SUCCESS;
    for (int i = 0; ok && i < WARMUP_CALLS; ++i)
        ok = clpool_plan_enqueue(plan, queue, in, 0, out, 0, 0, NULL, NULL) == CLPOOL_SUCCESS;
    double unused = 0;
    ok = ok && clFinish(queue) == CL_SUCCESS &&
         time_batches(plan, queue, in, out, 0, &cost->mean_us, &cost->best_us) &&
         time_batches(plan, queue, in, out, 1, &cost->event_mean_us, &unused);
    if (in)
        clReleaseMemObject(in);
    if (out)
        clReleaseMemObject(out);
    return ok;
}

int bench_enqueue_cost_measure(const cli_session *s, bench_enqueue_cost *cost) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, 2, 2);
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 1, 4, 4);
    clpool_plan *plan = NULL;
    cl_command_queue queue = NULL;
    cost->calls = BATCHES * BATCH_CALLS;
    int ok = clpool_plan_create(s->ctx, &pool, &input, NULL, &plan) == CLPOOL_SUCCESS &&
             clpool_context_create_queue(s->ctx, 0, &queue) == CLPOOL_SUCCESS &&
             measure(s, plan, queue, cost);
    if (queue)
        clReleaseCommandQueue(queue);
    clpool_plan_release(plan);
    return ok;
}
