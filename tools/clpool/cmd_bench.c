/*
 * `clpool bench`: every layer of the list, in both layouts, as a forward pass, for max layers
 * also with indices, and as a backward pass; each row first verified against the CPU reference
 * and only then timed, so a fast wrong kernel can never post a number. Times come from profiling
 * events (median and minimum after warm-up); bandwidth counts the bytes of the three operands,
 * and is also given as a ratio to a copy kernel timed right after each row over the same bytes,
 * which is the number that compares across noisy, shared machines. Last comes the host time of
 * one enqueue call (bench_enqueue.c).
 */
#include "bench_enqueue.h"
#include "bench_exec.h"
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

/* Every layer must be a valid configuration before anything runs: a bad list is a usage error. */
static int validate_layers(const bench_layer *layers, size_t count, int64_t batch) {
    char err[ERR_SIZE];
    if (bench_layers_check(layers, count, batch, err, sizeof err) == 0)
        return CLI_EXIT_OK;
    fprintf(stderr, "clpool bench: %s\n", err);
    return CLI_EXIT_USAGE;
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
             bench_row_enqueue(&run->session, row, plan, b, NULL) &&
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
        const double ms = bench_row_time(&run->session, row, plan, b);
        ok = ms >= 0;
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
    bench_row_descs(row, run->batch, &pool);
    clpool_plan *plan = bench_row_plan(run->session.ctx, row, &pool, run->specialisation, 0);
    if (!plan) {
        snprintf(err, err_size, "%s", clpool_last_error());
        return 0;
    }
    bench_data data;
    bench_buffers b = {{NULL, NULL, NULL}, {0, 0, 0}};
    int ok = bench_data_make(row, &pool, &data) == 0 &&
             bench_buffers_create(&run->session, row, plan, &data, &b) &&
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
    bench_buffers_release(&b);
    bench_data_free(&data);
    clpool_plan_release(plan);
    return ok && copy_ok;
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
    const int failed = bench_layers_load(r->layers_path, layers, count, err, sizeof err);
    if (failed)
        fprintf(stderr, "clpool bench: %s\n", err);
    return failed ? CLI_EXIT_USAGE : CLI_EXIT_OK;
}

/* The host time of one enqueue, reported beside the kernel times; a failure to measure it only
 * says so. */
static void print_enqueue_cost(const bench_run *run) {
    bench_enqueue_cost cost;
    if (!bench_enqueue_cost_measure(&run->session, &cost)) {
        printf("\nhost time of one clpool_plan_enqueue: not measured (%s)\n", clpool_last_error());
        return;
    }
    printf("\nhost time of one clpool_plan_enqueue (a warm 1x1x4x4 plan, in-order queue, mean of "
           "%d calls): %.2f us (best batch of 1000: %.2f us); asking for an event: %.2f us\n",
           cost.calls, cost.mean_us, cost.best_us, cost.event_mean_us);
}

/* Measures, reports and writes JSON; returns an exit status. */
static int run_and_report(bench_run *run, const bench_layer *layers, size_t n_layers,
                          const char *json_path) {
    bench_row *rows = calloc(6 * n_layers, sizeof *rows);
    const size_t n_rows = rows ? bench_plan_rows(layers, n_layers, rows) : 0;
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
    print_enqueue_cost(run);
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
