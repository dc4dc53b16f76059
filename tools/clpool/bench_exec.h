/*
 * Running one benchmark row on a device: its descriptors, its plan at a given work-group size,
 * its operands filled with the row's data, and one enqueue. `clpool bench` verifies and times
 * rows with these; `clpool tune` times each row at several work-group sizes.
 */
#ifndef CLPOOL_TOOLS_BENCH_EXEC_H
#define CLPOOL_TOOLS_BENCH_EXEC_H

#include "bench_row.h"
#include "session.h"

/* A row's three kernel operands, in kernel order: input, output, indices for forward passes;
 * grad_output, indices (max) or nothing (average), grad_input for backward passes. */
typedef struct bench_buffers {
    cl_mem op[3];
    size_t bytes[3];
} bench_buffers;

/* Checks that every layer is a valid pooling at batch; 0, or -1 with "layer NAME: why" in err. */
int bench_layers_check(const bench_layer *layers, size_t count, int64_t batch, char *err,
                       size_t err_size);

/* The rows of a layer list, at most 6 per layer, into rows: every layer in both layouts
 * forward, max layers again with indices, and every layer backward. Returns the count. */
size_t bench_plan_rows(const bench_layer *layers, size_t n_layers, bench_row *rows);

/* Sets the row's input and output descriptors for batch, and the layer's pooling in *pool. */
void bench_row_descs(bench_row *row, int64_t batch, clpool_pool_desc *pool);

/* The row's plan (max backward rows from int64 indices) with specialisation and local_size (0:
 * the library's choice), or NULL with clpool_last_error() saying why. */
clpool_plan *bench_row_plan(clpool_context *ctx, const bench_row *row, const clpool_pool_desc *pool,
                            clpool_specialisation specialisation, size_t local_size);

/* Creates the operands of plan and uploads the row's data into the ones it reads; 1 on success
 * (release the buffers either way). */
int bench_buffers_create(const cli_session *session, const bench_row *row, const clpool_plan *plan,
                         const bench_data *data, bench_buffers *b);
void bench_buffers_release(bench_buffers *b);

/* The kernel time of one enqueue of plan, in ms (-1 on failure): its event's profiling span,
 * or, for a plan that runs more than one kernel (clpool_plan_kernel_count), from the end of a
 * marker enqueued just before the call to the end of the call's last kernel, which also counts
 * the host's work between the two (binding arguments, two enqueues): such rows read slightly
 * pessimistic. */
double bench_row_time(const cli_session *session, const bench_row *row, const clpool_plan *plan,
                      const bench_buffers *b);

/* One enqueue of plan on the operands, with an event in *event when event is not NULL; 1 on
 * success. */
int bench_row_enqueue(const cli_session *session, const bench_row *row, const clpool_plan *plan,
                      const bench_buffers *b, cl_event *event);

#endif
