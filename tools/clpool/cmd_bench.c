/*
 * `clpool bench`: every layer of the list, in both layouts, first verified against the CPU
 * reference and only then timed, so a fast wrong kernel can never post a number. Times come from
 * profiling events (median and minimum after warm-up); bandwidth is input plus output bytes, and
 * is also given as a ratio to a copy kernel timed right after each row over the same bytes, which
 * is the number that compares across noisy, shared machines.
 */
#include "bench_layers.h"
#include "bench_timing.h"
#include "cases.h"
#include "cli_args.h"
#include "commands.h"
#include "compare.h"
#include "reference.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WARMUP = 3, ERR_SIZE = 2048 };

typedef struct bench_row {
    const bench_layer *layer;
    clpool_layout layout;
    int with_indices; /* max pooling that also writes int64 indices */
    clpool_tensor_desc input, output;
    double ms_median, ms_min, gbps, copy_gbps, ratio, max_abs_err;
    size_t bytes;
    int ok;
} bench_row;

typedef struct bench_run {
    cli_session session;
    bench_copy copy;
    int64_t batch;
    int reps;
    clpool_specialisation specialisation;
} bench_run;

static const char *layout_name(clpool_layout layout) {
    return layout == CLPOOL_LAYOUT_CHANNELS_LAST ? "channels_last" : "channels_first";
}

/* Shape in memory order: N,C,H,W or N,H,W,C. */
static void memory_shape(const clpool_tensor_desc *t, int64_t shape[4]) {
    const int last = t->layout == CLPOOL_LAYOUT_CHANNELS_LAST;
    shape[0] = t->n;
    shape[last ? 3 : 1] = t->c;
    shape[last ? 1 : 2] = t->spatial[0];
    shape[last ? 2 : 3] = t->spatial[1];
}

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

/* A row's device buffers; idx is NULL unless the row writes indices. */
typedef struct bench_buffers {
    cl_mem in, out, idx;
} bench_buffers;

/* One enqueue of the row's plan; 1 on success. */
static int enqueue_row(bench_run *run, const clpool_plan *plan, const bench_buffers *b,
                       cl_event *event) {
    cl_command_queue q = run->session.queue;
    return (b->idx ? clpool_plan_enqueue_with_indices(plan, q, b->in, 0, b->out, 0, b->idx, 0, 0,
                                                      NULL, event)
                   : clpool_plan_enqueue(plan, q, b->in, 0, b->out, 0, 0, NULL, event)) ==
           CLPOOL_SUCCESS;
}

/* Enqueues the plan warmup + reps times, recording median and minimum; 0 on failure. */
static int time_plan(bench_run *run, const clpool_plan *plan, const bench_buffers *b,
                     bench_row *row) {
    double *times = malloc(sizeof(double) * (size_t)run->reps);
    int ok = times != NULL;
    for (int i = -WARMUP; ok && i < run->reps; ++i) {
        cl_event event = NULL;
        ok = enqueue_row(run, plan, b, &event);
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

/* Whether the device's indices equal the reference's; 0 also when they cannot be compared. */
static int indices_match(bench_run *run, const bench_buffers *b, const clpool_pool_desc *pool,
                         const bench_row *row, const float *x, size_t count) {
    int64_t *got = malloc(count * sizeof *got + 1), *want = malloc(count * sizeof *want + 1);
    float *values = malloc(count * sizeof *values + 1);
    int same = got && want && values &&
               clEnqueueReadBuffer(run->session.queue, b->idx, CL_TRUE, 0, count * sizeof *got, got,
                                   0, NULL, NULL) == CL_SUCCESS &&
               ref_pool_max_indices(pool, &row->input, x, values, want) == 0 &&
               memcmp(got, want, count * sizeof *got) == 0;
    free(got);
    free(want);
    free(values);
    return same;
}

/* Runs the plan once on random data and compares with the CPU reference (indices too). */
static int verify_plan(bench_run *run, const clpool_plan *plan, const clpool_pool_desc *pool,
                       const bench_buffers *b, const float *x, bench_row *row) {
    int64_t n_out = 0;
    clpool_tensor_desc_size(&row->output, &n_out, NULL);
    const size_t out_bytes = (size_t)n_out * sizeof(float);
    float *y = malloc(out_bytes + 1), *want = malloc(out_bytes + 1), *scale = malloc(out_bytes + 1);
    int ok = y && want && scale && enqueue_row(run, plan, b, NULL) &&
             clEnqueueReadBuffer(run->session.queue, b->out, CL_TRUE, 0, out_bytes, y, 0, NULL,
                                 NULL) == CL_SUCCESS &&
             ref_pool_forward(pool, &row->input, x, want, scale) == 0;
    if (ok) {
        const ref_comparison cmp = ref_compare(pool->mode, y, want, scale, (size_t)n_out);
        row->max_abs_err = cmp.max_abs_err;
        row->ok =
            cmp.mismatches == 0 && (!b->idx || indices_match(run, b, pool, row, x, (size_t)n_out));
    }
    free(y);
    free(want);
    free(scale);
    return ok;
}

/* Creates buffers, uploads random input, verifies, times the layer and the copy kernel. */
static int measure(bench_run *run, const clpool_plan *plan, const clpool_pool_desc *pool,
                   bench_row *row, char *err, size_t err_size) {
    size_t in_bytes = 0, out_bytes = 0, idx_bytes = 0;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    clpool_plan_indices_bytes(plan, &idx_bytes, NULL);
    row->bytes = in_bytes + out_bytes + idx_bytes;
    float *x = malloc(in_bytes + 4);
    cl_int e1 = CL_SUCCESS, e2 = CL_SUCCESS, e3 = CL_SUCCESS;
    bench_buffers b = {
        clCreateBuffer(run->session.context, CL_MEM_READ_ONLY, in_bytes, NULL, &e1),
        clCreateBuffer(run->session.context, CL_MEM_WRITE_ONLY, out_bytes, NULL, &e2),
        idx_bytes ? clCreateBuffer(run->session.context, CL_MEM_WRITE_ONLY, idx_bytes, NULL, &e3)
                  : NULL};
    int ok = x && e1 == CL_SUCCESS && e2 == CL_SUCCESS && e3 == CL_SUCCESS;
    if (ok) {
        fill_input(FILL_RANDOM, 20261126u + (uint64_t)row->input.c, x, in_bytes / sizeof(float));
        ok = clEnqueueWriteBuffer(run->session.queue, b.in, CL_TRUE, 0, in_bytes, x, 0, NULL,
                                  NULL) == CL_SUCCESS &&
             verify_plan(run, plan, pool, &b, x, row) && time_plan(run, plan, &b, row);
    }
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
    cl_mem buffers[3] = {b.in, b.out, b.idx};
    for (int i = 0; i < 3; ++i)
        if (buffers[i])
            clReleaseMemObject(buffers[i]);
    free(x);
    return ok && copy_ok;
}

/* Measures the row whose layer, layout and indices choice are already set. */
static int measure_row(bench_run *run, bench_row *row, char *err, size_t err_size) {
    clpool_pool_desc pool;
    bench_layer_descs(row->layer, row->layout, run->batch, &pool, &row->input);
    clpool_pool_output_desc(&pool, &row->input, &row->output);
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.specialisation = run->specialisation;
    options.indices = row->with_indices ? CLPOOL_INDEX_INT64 : CLPOOL_INDEX_NONE;
    clpool_plan *plan = NULL;
    if (clpool_plan_create(run->session.ctx, &pool, &row->input, &options, &plan) !=
        CLPOOL_SUCCESS) {
        snprintf(err, err_size, "%s", clpool_last_error());
        return 0;
    }
    const int ok = measure(run, plan, &pool, row, err, err_size);
    clpool_plan_release(plan);
    return ok;
}

static void print_table(const bench_row *rows, size_t count, const bench_run *run) {
    char device[512] = "";
    clpool_context_describe(run->session.ctx, device, sizeof device);
    printf("clpool %s bench on %s\nbatch %lld, float32, %s kernels, median of %d runs after %d "
           "warm-ups\n\n",
           clpool_version_string(), device, (long long)run->batch,
           run->specialisation == CLPOOL_SPECIALISE_NONE ? "generic" : "specialised", run->reps,
           WARMUP);
    printf("%-20s %-5s %-14s %-18s %-16s %9s %9s %8s %8s %6s %9s %s\n", "layer", "mode", "layout",
           "input", "output", "ms med", "ms min", "GB/s", "copy", "ratio", "max err", "ok");
    for (size_t i = 0; i < count; ++i) {
        const bench_row *r = &rows[i];
        int64_t in[4], out[4];
        char in_text[48], out_text[48];
        memory_shape(&r->input, in);
        memory_shape(&r->output, out);
        snprintf(in_text, sizeof in_text, "%lldx%lldx%lldx%lld", (long long)in[0], (long long)in[1],
                 (long long)in[2], (long long)in[3]);
        snprintf(out_text, sizeof out_text, "%lldx%lldx%lldx%lld", (long long)out[0],
                 (long long)out[1], (long long)out[2], (long long)out[3]);
        printf("%-20s %-5s %-14s %-18s %-16s %9.4f %9.4f %8.2f %8.2f %5.0f%% %9.2g %s\n",
               r->layer->name,
               r->with_indices ? "max+i" : (r->layer->mode == CLPOOL_MODE_MAX ? "max" : "avg"),
               layout_name(r->layout), in_text, out_text, r->ms_median, r->ms_min, r->gbps,
               r->copy_gbps, 100 * r->ratio, r->max_abs_err, r->ok ? "yes" : "NO");
    }
}

static void json_string(FILE *f, const char *text) {
    fputc('"', f);
    for (; *text; ++text) {
        if (*text == '"' || *text == '\\')
            fprintf(f, "\\%c", *text);
        else if ((unsigned char)*text < 0x20)
            fprintf(f, "\\u%04x", (unsigned)(unsigned char)*text);
        else
            fputc(*text, f);
    }
    fputc('"', f);
}

static void json_array(FILE *f, const char *key, const int64_t *v, int n) {
    fprintf(f, ", \"%s\": [", key);
    for (int i = 0; i < n; ++i)
        fprintf(f, "%s%lld", i ? ", " : "", (long long)v[i]);
    fputc(']', f);
}

static void json_row(FILE *f, const bench_row *r) {
    int64_t in[4], out[4];
    memory_shape(&r->input, in);
    memory_shape(&r->output, out);
    fputs("  {\"name\": ", f);
    json_string(f, r->layer->name);
    fprintf(f,
            ", \"mode\": \"%s\", \"indices\": \"%s\", \"layout\": \"%s\", \"dtype\": \"float32\"",
            r->layer->mode == CLPOOL_MODE_MAX ? "max" : "avg", r->with_indices ? "int64" : "none",
            layout_name(r->layout));
    json_array(f, "input", in, 4);
    json_array(f, "output", out, 4);
    json_array(f, "kernel", r->layer->kernel, 2);
    json_array(f, "stride", r->layer->stride, 2);
    json_array(f, "padding", r->layer->padding, 2);
    fprintf(f,
            ", \"ceil_mode\": %s, \"kernel_ms_median\": %.6g, \"kernel_ms_min\": %.6g, "
            "\"gbps\": %.6g, \"copy_gbps\": %.6g, \"ratio_to_copy\": %.6g, \"max_abs_err\": %.6g, "
            "\"ok\": %s}",
            r->layer->ceil_mode ? "true" : "false", r->ms_median, r->ms_min, r->gbps, r->copy_gbps,
            r->ratio, r->max_abs_err, r->ok ? "true" : "false");
}

/* Writes the rows to path through a temporary file in the same folder, renamed into place. */
static int write_json(const char *path, const bench_row *rows, size_t count) {
    const size_t length = strlen(path) + 16;
    char *temp = malloc(length);
    if (!temp)
        return -1;
    snprintf(temp, length, "%s.tmp%ld", path, (long)rand());
    FILE *f = fopen(temp, "wx");
    if (!f) {
        free(temp);
        return -1;
    }
    fputs("[\n", f);
    for (size_t i = 0; i < count; ++i) {
        json_row(f, &rows[i]);
        fputs(i + 1 < count ? ",\n" : "\n", f);
    }
    fputs("]\n", f);
    int status = ferror(f) ? -1 : 0;
    status = fclose(f) != 0 ? -1 : status;
    if (status == 0)
        status = rename(temp, path);
    if (status != 0)
        remove(temp);
    free(temp);
    return status;
}

/* The rows to measure: every layer in both layouts, and max layers again with indices. */
static size_t plan_rows(const bench_layer *layers, size_t n_layers, bench_row *rows) {
    const clpool_layout layouts[2] = {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_LAYOUT_CHANNELS_LAST};
    size_t n = 0;
    for (size_t i = 0; i < n_layers; ++i)
        for (int with_indices = 0; with_indices <= (layers[i].mode == CLPOOL_MODE_MAX);
             ++with_indices)
            for (int l = 0; l < 2; ++l) {
                memset(&rows[n], 0, sizeof rows[n]);
                rows[n].layer = &layers[i];
                rows[n].layout = layouts[l];
                rows[n++].with_indices = with_indices;
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
        if (!measure_row(run, row, err, sizeof err)) {
            fprintf(stderr, "clpool bench: layer %s (%s%s): %s\n", row->layer->name,
                    layout_name(row->layout), row->with_indices ? ", indices" : "", err);
            return CLI_EXIT_RUNTIME;
        }
        fprintf(stderr, "[%zu/%zu] %-20s %-14s %-7s %8.4f ms  %4.0f%% of copy  %s\n", i + 1, n_rows,
                row->layer->name, layout_name(row->layout), row->with_indices ? "indices" : "",
                row->ms_median, 100 * row->ratio, row->ok ? "verified" : "MISMATCH");
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
    if (status != CLI_EXIT_OK) {
        free(layers);
        return status;
    }
    bench_row *rows = calloc(4 * n_layers, sizeof *rows);
    const size_t n_rows = rows ? plan_rows(layers, n_layers, rows) : 0;
    cl_int code = bench_copy_init(&run.copy, run.session.context, run.session.device);
    if (!rows || code != CL_SUCCESS) {
        fprintf(stderr, "clpool bench: cannot build the copy kernel (%s)\n",
                clpool_status_name(code));
        status = CLI_EXIT_RUNTIME;
    } else {
        size_t done = 0;
        status = run_all(&run, rows, n_rows, &done);
        print_table(rows, done, &run);
        if (request.json_path && done == n_rows && write_json(request.json_path, rows, done) != 0) {
            fprintf(stderr, "clpool bench: cannot write %s\n", request.json_path);
            status = CLI_EXIT_RUNTIME;
        }
    }
    bench_copy_release(&run.copy);
    cli_session_close(&run.session);
    free(rows);
    free(layers);
    return status;
}
