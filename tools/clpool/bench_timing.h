/*
 * Timing for `clpool bench`: kernel times from OpenCL profiling events (not host clocks, which
 * include queueing), medians, and the copy kernel that is the bandwidth yardstick every pooling
 * row is compared with.
 */
#ifndef CLPOOL_TOOLS_BENCH_TIMING_H
#define CLPOOL_TOOLS_BENCH_TIMING_H

#include <clpool/clpool.h>

#include <stddef.h>

/* Waits for event, returns its start-to-end time in milliseconds (or -1), releases it. */
double bench_event_ms(cl_event event);

/* Waits for event; the ms from the end of marker (enqueued before it, in order) to the end of
 * event, or -1 when profiling fails. Releases event, not marker. */
double bench_span_ms(cl_event marker, cl_event event);

/* Sorts times in place and returns the median. */
double bench_median(double *times, size_t count);

typedef struct bench_copy {
    cl_program program;
    cl_kernel kernel;
} bench_copy;

/* Builds the copy kernel on the session's context and device. Returns a CL status. */
cl_int bench_copy_init(bench_copy *copy, cl_context context, cl_device_id device);
void bench_copy_release(bench_copy *copy);

/* Median milliseconds of a copy that reads bytes / 2 and writes bytes / 2 (so moves bytes), after
 * warmup runs, over reps runs; *ok 0 on failure. */
double bench_copy_time(bench_copy *copy, cl_context context, cl_command_queue queue, size_t bytes,
                       int warmup, int reps, int *ok);

#endif
