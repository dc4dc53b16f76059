/*
 * One benchmark row on the device, shared by `clpool bench` and `clpool tune` so that both time
 * exactly the same plans on the same data: the rows a layer list expands to, a row's plan and
 * operands, and one enqueue through the tool's session.
 */
#include "bench_exec.h"
#include "bench_timing.h"

#include <stdio.h>
#include <string.h>

int bench_layers_check(const bench_layer *layers, size_t count, int64_t batch, char *err,
                       size_t err_size) {
    for (size_t i = 0; i < count; ++i) {
        clpool_pool_desc pool;
        clpool_tensor_desc input;
        bench_layer_descs(&layers[i], CLPOOL_LAYOUT_CHANNELS_FIRST, batch, &pool, &input);
        if (clpool_pool_output_desc(&pool, &input, NULL) != CLPOOL_SUCCESS) {
            snprintf(err, err_size, "layer %s: %s", layers[i].name, clpool_last_error());
            return -1;
        }
    }
    return 0;
}

size_t bench_plan_rows(const bench_layer *layers, size_t n_layers, bench_row *rows) {
    const clpool_layout layouts[2] = {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_LAYOUT_CHANNELS_LAST};
    size_t n = 0;
    for (size_t i = 0; i < n_layers; ++i)
        for (int pass = BENCH_FORWARD; pass <= BENCH_BACKWARD; ++pass) {
            if (pass == BENCH_FORWARD_INDICES && layers[i].mode != CLPOOL_MODE_MAX)
                continue;
            for (int l = 0; l < 2; ++l) {
                memset(&rows[n], 0, sizeof rows[n]);
                rows[n].layer = &layers[i];
                rows[n].layout = layouts[l];
                rows[n++].pass = (bench_pass)pass;
            }
        }
    return n;
}

void bench_row_descs(bench_row *row, int64_t batch, clpool_pool_desc *pool) {
    bench_layer_descs(row->layer, row->layout, batch, pool, &row->input);
    clpool_pool_output_desc(pool, &row->input, &row->output);
}

clpool_plan *bench_row_plan(clpool_context *ctx, const bench_row *row, const clpool_pool_desc *pool,
                            clpool_specialisation specialisation, size_t local_size) {
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.specialisation = specialisation;
    options.local_size = local_size;
    clpool_plan *plan = NULL;
    if (row->pass == BENCH_BACKWARD) {
        const clpool_backward_kind kind =
            pool->mode == CLPOOL_MODE_MAX ? CLPOOL_BACKWARD_MAX_FROM_INDICES : CLPOOL_BACKWARD_AVG;
        clpool_backward_plan_create(ctx, pool, &row->input, kind, &options, &plan);
    } else {
        if (row->pass == BENCH_FORWARD_INDICES)
            options.indices = CLPOOL_INDEX_INT64;
        clpool_plan_create(ctx, pool, &row->input, &options, &plan);
    }
    return plan;
}

int bench_buffers_create(const cli_session *session, const bench_row *row, const clpool_plan *plan,
                         const bench_data *d, bench_buffers *b) {
    size_t in_bytes = 0, out_bytes = 0, idx_bytes = 0;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    clpool_plan_indices_bytes(plan, &idx_bytes, NULL);
    const int backward = row->pass == BENCH_BACKWARD;
    const size_t sizes[3] = {backward ? out_bytes : in_bytes, backward ? idx_bytes : out_bytes,
                             backward ? in_bytes : idx_bytes};
    const void *uploads[3] = {backward ? (const void *)d->grad_out : (const void *)d->x,
                              backward ? (const void *)d->indices : NULL, NULL};
    int ok = 1;
    for (int i = 0; i < 3; ++i) {
        cl_int err = CL_SUCCESS;
        b->bytes[i] = sizes[i];
        b->op[i] = sizes[i]
                       ? clCreateBuffer(session->context, CL_MEM_READ_WRITE, sizes[i], NULL, &err)
                       : NULL;
        ok = ok && err == CL_SUCCESS;
        if (ok && uploads[i])
            ok = clEnqueueWriteBuffer(session->queue, b->op[i], CL_TRUE, 0, sizes[i], uploads[i], 0,
                                      NULL, NULL) == CL_SUCCESS;
    }
    return ok;
}

void bench_buffers_release(bench_buffers *b) {
    for (int i = 0; i < 3; ++i) {
        if (b->op[i])
            clReleaseMemObject(b->op[i]);
        b->op[i] = NULL;
    }
}

int bench_row_enqueue(const cli_session *session, const bench_row *row, const clpool_plan *plan,
                      const bench_buffers *b, cl_event *event) {
    const cl_mem op[CLI_MAX_OPERANDS] = {b->op[0], b->op[1], b->op[2], NULL};
    return cli_session_enqueue(session, plan,
                               row->pass == BENCH_BACKWARD ? CLI_RUN_BACKWARD : CLI_RUN_FORWARD, op,
                               event) == CLPOOL_SUCCESS;
}

double bench_row_time(const cli_session *session, const bench_row *row, const clpool_plan *plan,
                      const bench_buffers *b) {
    cl_event marker = NULL, event = NULL;
    if (clpool_plan_kernel_count(plan) > 1 &&
        clEnqueueMarkerWithWaitList(session->queue, 0, NULL, &marker) != CL_SUCCESS)
        return -1.0;
    const int ok = bench_row_enqueue(session, row, plan, b, &event);
    if (!marker)
        return ok ? bench_event_ms(event) : -1.0;
    const double ms = ok ? bench_span_ms(marker, event) : -1.0;
    clReleaseEvent(marker);
    return ms;
}
