/*
 * Timing one row at many work-group sizes. Each size is a plan of its own (the program is built
 * once per context, so another size costs a clCreateKernel and, on PoCL, one work-group function
 * compile, which the warm-up absorbs). The sizes then take turns, one run each per round, so
 * drift on a shared machine (another process, a clock change) spreads over every size instead of
 * favouring whichever ran in a quiet moment; each size's time is its median over the rounds.
 */
#include "tune_measure.h"
#include "bench_timing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WARMUP = 3 };

int tune_size_index(const tune_run *run, size_t size) {
    for (int i = 0; i < run->n_sizes; ++i)
        if (run->sizes[i] == size)
            return i;
    return -1;
}

/* Adds size to run->sizes, keeping them ascending; 0 when there is no room. */
static int add_size(tune_run *run, size_t size) {
    if (tune_size_index(run, size) >= 0)
        return 1;
    if (run->n_sizes == TUNE_MAX_SIZES)
        return 0;
    int i = run->n_sizes++;
    for (; i > 0 && run->sizes[i - 1] > size; --i)
        run->sizes[i] = run->sizes[i - 1];
    run->sizes[i] = size;
    return 1;
}

int tune_prepare(tune_run *run, tune_row *rows, size_t n_rows, char *err, size_t err_size) {
    for (size_t r = 0; r < n_rows; ++r) {
        tune_row *t = &rows[r];
        clpool_pool_desc pool;
        bench_row_descs(&t->row, run->batch, &pool);
        clpool_plan *plan =
            bench_row_plan(run->session.ctx, &t->row, &pool, CLPOOL_SPECIALISE_AUTO, 0);
        if (!plan) {
            snprintf(err, err_size, "layer %s: %s", t->row.layer->name, clpool_last_error());
            return 0;
        }
        snprintf(t->key, sizeof t->key, "%s", clpool_plan_tuning_key(plan));
        t->builtin = clpool_plan_local_size(plan);
        clpool_plan_release(plan);
        if (!add_size(run, t->builtin)) {
            snprintf(err, err_size, "too many distinct sizes (more than %d)", TUNE_MAX_SIZES);
            return 0;
        }
    }
    return 1;
}

/* Runs plan WARMUP times and waits; 0 when the device refuses it. */
static int warm(const tune_run *run, const bench_row *row, const clpool_plan *plan,
                const bench_buffers *b) {
    for (int i = 0; i < WARMUP; ++i)
        if (!bench_row_enqueue(&run->session, row, plan, b, NULL))
            return 0;
    return clFinish(run->session.queue) == CL_SUCCESS;
}

/* reps rounds, each running every plan once; medians into t->ms. 0 on a device failure. */
static int time_turns(const tune_run *run, tune_row *t, clpool_plan *const *plans,
                      const bench_buffers *b) {
    double *times = malloc(sizeof *times * (size_t)run->reps * (size_t)run->n_sizes);
    int ok = times != NULL;
    for (int r = 0; ok && r < run->reps; ++r)
        for (int i = 0; ok && i < run->n_sizes; ++i) {
            if (!plans[i])
                continue;
            const double ms = bench_row_time(&run->session, &t->row, plans[i], b);
            ok = ms >= 0;
            times[(size_t)i * (size_t)run->reps + (size_t)r] = ms;
        }
    /* A median of 0 (a timer coarser than the kernel) still counts as a run: scores take logs. */
    for (int i = 0; ok && i < run->n_sizes; ++i)
        t->ms[i] =
            plans[i]
                ? fmax(bench_median(times + (size_t)i * (size_t)run->reps, (size_t)run->reps), 1e-6)
                : -1.0;
    free(times);
    return ok;
}

int tune_measure_row(tune_run *run, tune_row *t, char *err, size_t err_size) {
    clpool_pool_desc pool;
    clpool_plan *plans[TUNE_MAX_SIZES] = {NULL};
    bench_row_descs(&t->row, run->batch, &pool);
    for (int i = 0; i < run->n_sizes; ++i) {
        t->ms[i] = -1.0;
        plans[i] = bench_row_plan(run->session.ctx, &t->row, &pool, CLPOOL_SPECIALISE_AUTO,
                                  run->sizes[i]); /* NULL: the kernel allows no such size */
    }
    const int base = tune_size_index(run, t->builtin);
    bench_data data;
    memset(&data, 0, sizeof data);
    bench_buffers b = {{NULL, NULL, NULL}, {0, 0, 0}};
    int ok = base >= 0 && plans[base] && bench_data_make(&t->row, &pool, &data) == 0 &&
             bench_buffers_create(&run->session, &t->row, plans[base], &data, &b);
    for (int i = 0; ok && i < run->n_sizes; ++i)
        if (plans[i] && !warm(run, &t->row, plans[i], &b)) {
            clpool_plan_release(plans[i]); /* the device refused the size */
            plans[i] = NULL;
        }
    ok = ok && plans[base] && time_turns(run, t, plans, &b);
    if (!ok)
        snprintf(err, err_size, "device failure while timing the layer (%s)", clpool_last_error());
    bench_buffers_release(&b);
    bench_data_free(&data);
    for (int i = 0; i < run->n_sizes; ++i)
        clpool_plan_release(plans[i]);
    return ok;
}
