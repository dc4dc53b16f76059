/*
 * `clpool bench`: every layer of the list, in both layouts, as a forward pass, for max layers
 * also with indices, and as a backward pass; each row first verified against the CPU reference
 * and only then timed, so a fast wrong kernel can never post a number. Times come from profiling
 * events (median and minimum after warm-up); bandwidth counts the bytes of the three operands,
 * and is also given as a ratio to a copy kernel timed right after each row over the same bytes,
 * which is the number that compares across noisy, shared machines.
 */
#include "bench_row.h"
#include "bench_timing.h"
#include "cli_args.h"
#include "commands.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WARMUP = 3, ERR_SIZE = 2048 };

typedef struct bench_run {
    cli_session session;
    bench_copy copy;
    int64_t batch;
    int reps;
    clpool_specialisation specialisation;
} bench_run;

/* A row's three kernel operands, in kernel order: input, output, indices for forward passes;
 * grad_output, indices (max) or nothing (average), grad_input for backward passes. */
typedef struct bench_buffers {
    cl_mem op[3];
    size_t bytes[3];
} bench_buffers;

/* Every layer must be a valid configuration before anything runs: a bad list is a usage error. */
static int validate_layers(const bench_layer *layers, size_t count, int64_t batch) {
    for (size_t i = 0; i < count; ++i) {
        clpool_pool_desc pool;
        clpool_tensor_desc input;
        bench_layer_descs(&layers[i], CLPOOL_LAYOUT_CHANNELS_FIRST, batch, &pool, &input);
        if (clpool_pool_output_desc(&pool, &input, NULL) != CLPOOL_SUCCESS) {
            fprintf(stderr, "clpool bench: layer %s: %s\n", layers[i].name, clpool_last_error());
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
}

/* One enqueue of the row's plan; 1 on success. */
static int enqueue_row(bench_run *run, const bench_row *row, const clpool_plan *plan,
                       const bench_buffers *b, cl_event *event) {
    const cl_mem op[CLI_MAX_OPERANDS] = {b->op[0], b->op[1], b->op[2], NULL};
    return cli_session_enqueue(&run->session, plan,
                               row->pass == BENCH_BACKWARD ? CLI_RUN_BACKWARD : CLI_RUN_FORWARD, op,
                               event) == CLPOOL_SUCCESS;
}

static clpool_plan *create_row_plan(bench_run *run, const bench_row *row,
                                    const clpool_pool_desc *pool) {
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.specialisation = run->specialisation;
    clpool_plan *plan = NULL;
    if (row->pass == BENCH_BACKWARD) {
        const clpool_backward_kind kind =
            pool->mode == CLPOOL_MODE_MAX ? CLPOOL_BACKWARD_MAX_FROM_INDICES : CLPOOL_BACKWARD_AVG;
        clpool_backward_plan_create(run->session.ctx, pool, &row->input, kind, &options, &plan);
    } else {
        if (row->pass == BENCH_FORWARD_INDICES)
            options.indices = CLPOOL_INDEX_INT64;
        clpool_plan_create(run->session.ctx, pool, &row->input, &options, &plan);
    }
    return plan;
}

/* Creates the operands and uploads the row's data into the ones the kernel reads. */
static int create_buffers(bench_run *run, const bench_row *row, const clpool_plan *plan,
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
        b->op[i] =
            sizes[i] ? clCreateBuffer(run->session.context, CL_MEM_READ_WRITE, sizes[i], NULL, &err)
                     : NULL;
        ok = ok && err == CL_SUCCESS;
        if (ok && uploads[i])
            ok = clEnqueueWriteBuffer(run->session.queue, b->op[i], CL_TRUE, 0, sizes[i],
                                      uploads[i], 0, NULL, NULL) == CL_SUCCESS;
    }
    return ok;
}

static void release_buffers(bench_buffers *b) {
    for (int i = 0; i < 3; ++i)
        if (b->op[i])
            clReleaseMemObject(b->op[i]);
}

/* Runs the plan once and checks the result (and indices) against the CPU reference. */
static int verify_row(bench_run *run, bench_row *row, const clpool_plan *plan,
                      const clpool_pool_desc *pool, const bench_data *d, const bench_buffers *b) {
    const int backward = row->pass == BENCH_BACKWARD;
    const int result_op = backward ? 2 : 1;
    float *result = malloc(b->bytes[result_op] + 1);
    int64_t *indices = row->pass == BENCH_FORWARD_INDICES ? malloc(b->bytes[2] + 1) : NULL;
    cl_command_queue q = run->session.queue;
    int ok = result && (row->pass != BENCH_FORWARD_INDICES || indices) &&
             enqueue_row(run, row, plan, b, NULL) &&
             clEnqueueReadBuffer(q, b->op[result_op], CL_TRUE, 0, b->bytes[result_op], result, 0,
                                 NULL, NULL) == CL_SUCCESS &&
             (!indices || clEnqueueReadBuffer(q, b->op[2], CL_TRUE, 0, b->bytes[2], indices, 0,
                                              NULL, NULL) == CL_SUCCESS) &&
             bench_verify(row, pool, d, result, indices);
    free(result);
    free(indices);
    return ok;
}

/* Enqueues the plan warmup + reps times, recording median and minimum; 0 on failure. */
static int time_row(bench_run *run, bench_row *row, const clpool_plan *plan,
                    const bench_buffers *b) {
    double *times = malloc(sizeof(double) * (size_t)run->reps);
    int ok = times != NULL;
    for (int i = -WARMUP; ok && i < run->reps; ++i) {
        cl_event event = NULL;
        ok = enqueue_row(run, row, plan, b, &event);
        const double ms = ok ? bench_event_ms(event) : -1.0;
        ok = ok && ms >= 0;
        if (ok && i >= 0)
            times[i] = ms;
    }
    if (ok) {
        row->ms_median = bench_median(times, (size_t)run->reps);
        row->ms_min = times[0];
    }
    free(times);
    return ok;
}

/* Measures the row whose layer, layout and pass are already set. */
static int measure_row(bench_run *run, bench_row *row, char *err, size_t err_size) {
    clpool_pool_desc pool;
    bench_layer_descs(row->layer, row->layout, run->batch, &pool, &row->input);
    clpool_pool_output_desc(&pool, &row->input, &row->output);
    clpool_plan *plan = create_row_plan(run, row, &pool);
    if (!plan) {
        snprintf(err, err_size, "%s", clpool_last_error());
        return 0;
    }
    bench_data data;
    bench_buffers b = {{NULL, NULL, NULL}, {0, 0, 0}};
    int ok = bench_data_make(row, &pool, &data) == 0 && create_buffers(run, row, plan, &data, &b) &&
             verify_row(run, row, plan, &pool, &data, &b) && time_row(run, row, plan, &b);
    row->bytes = b.bytes[0] + b.bytes[1] + b.bytes[2];
    int copy_ok = 0;
    const double copy_ms =
        ok ? bench_copy_time(&run->copy, run->session.context, run->session.queue, row->bytes,
                             WARMUP, run->reps, &copy_ok)
           : -1.0;
    if (ok && copy_ok) {
        row->gbps = (double)row->bytes / (row->ms_median * 1e6);
        row->copy_gbps = (double)row->bytes / (copy_ms * 1e6);
        row->ratio = row->gbps / row->copy_gbps;
    } else {
        snprintf(err, err_size, "device failure while %s",
                 ok ? "timing the copy kernel" : "running the layer");
    }
    release_buffers(&b);
    bench_data_free(&data);
    clpool_plan_release(plan);
    return ok && copy_ok;
}

/* The rows to measure: every layer in both layouts forward, max layers again with indices, and
 * every layer backward. */
static size_t plan_rows(const bench_layer *layers, size_t n_layers, bench_row *rows) {
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

/* Measures the planned rows, counting finished ones in *done; returns an exit status (a mismatch
 * goes on to the next row, a device failure stops). */
static int run_all(bench_run *run, bench_row *rows, size_t n_rows, size_t *done) {
    char err[ERR_SIZE];
    int status = CLI_EXIT_OK;
    for (size_t i = 0; i < n_rows; ++i) {
        bench_row *row = &rows[i];
        const char *layout =
            row->layout == CLPOOL_LAYOUT_CHANNELS_LAST ? "channels_last" : "channels_first";
        if (!measure_row(run, row, err, sizeof err)) {
            fprintf(stderr, "clpool bench: layer %s (%s, %s): %s\n", row->layer->name, layout,
                    bench_pass_name(row->pass), err);
            return CLI_EXIT_RUNTIME;
        }
        fprintf(stderr, "[%zu/%zu] %-20s %-14s %-15s %8.4f ms  %4.0f%% of copy  %s\n", i + 1,
                n_rows, row->layer->name, layout, bench_pass_name(row->pass), row->ms_median,
                100 * row->ratio, row->ok ? "verified" : "MISMATCH");
        if (!row->ok)
            status = CLI_EXIT_RUNTIME;
        ++*done;
    }
    return status;
}

static int load_layers(const cli_bench_request *r, bench_layer **layers, size_t *count) {
    char err[ERR_SIZE];
    const int failed = r->layers_path
                           ? bench_layers_read(r->layers_path, layers, count, err, sizeof err)
                           : bench_layers_standard(layers, count, err, sizeof err);
    if (failed)
        fprintf(stderr, "clpool bench: %s\n", err);
    return failed ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

/* Measures, reports and writes JSON; returns an exit status. */
static int run_and_report(bench_run *run, const bench_layer *layers, size_t n_layers,
                          const char *json_path) {
    bench_row *rows = calloc(6 * n_layers, sizeof *rows);
    const size_t n_rows = rows ? plan_rows(layers, n_layers, rows) : 0;
    const cl_int code = bench_copy_init(&run->copy, run->session.context, run->session.device);
    if (!rows || code != CL_SUCCESS) {
        fprintf(stderr, "clpool bench: cannot build the copy kernel (%s)\n",
                clpool_status_name(code));
        free(rows);
        return CLI_EXIT_RUNTIME;
    }
    size_t done = 0;
    int status = run_all(run, rows, n_rows, &done);
    char device[512] = "", heading[1024];
    clpool_context_describe(run->session.ctx, device, sizeof device);
    snprintf(heading, sizeof heading,
             "clpool %s bench on %s\nbatch %lld, float32, %s kernels, median of %d runs after %d "
             "warm-ups",
             clpool_version_string(), device, (long long)run->batch,
             run->specialisation == CLPOOL_SPECIALISE_NONE ? "generic" : "specialised", run->reps,
             WARMUP);
    bench_print_table(rows, done, heading);
    if (json_path && done == n_rows && bench_write_json(json_path, rows, done) != 0) {
        fprintf(stderr, "clpool bench: cannot write %s\n", json_path);
        status = CLI_EXIT_RUNTIME;
    }
    bench_copy_release(&run->copy);
    free(rows);
    return status;
}

int cli_command_bench(int argc, char **argv) {
    char err[ERR_SIZE];
    cli_bench_request request;
    const cli_parse_result parsed = cli_parse_bench(argc, argv, &request, err, sizeof err);
    if (parsed != CLI_PARSED) {
        if (parsed == CLI_HELP)
            fputs(cli_bench_help, stdout);
        else
            fprintf(stderr, "clpool bench: %s (see 'clpool bench --help')\n", err);
        return parsed == CLI_HELP ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    bench_run run = {.batch = request.quick ? 1 : 8,
                     .reps = request.reps ? request.reps : (request.quick ? 20 : 50),
                     .specialisation =
                         request.generic ? CLPOOL_SPECIALISE_NONE : CLPOOL_SPECIALISE_AUTO};
    bench_layer *layers = NULL;
    size_t n_layers = 0;
    int status = load_layers(&request, &layers, &n_layers);
    if (status == CLI_EXIT_OK)
        status = validate_layers(layers, n_layers, run.batch);
    if (status == CLI_EXIT_OK &&
        (status = cli_session_open(request.device, 1, &run.session, err, sizeof err)) != 0)
        fprintf(stderr, "clpool bench: %s\n", err);
    if (status == CLI_EXIT_OK) {
        status = run_and_report(&run, layers, n_layers, request.json_path);
        cli_session_close(&run.session);
    }
    free(layers);
    return status;
}
