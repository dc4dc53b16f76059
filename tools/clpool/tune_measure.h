/*
 * The measuring half of `clpool tune`: every benchmark row planned once untuned (its tuning key
 * and the library's built-in size), then timed at every candidate work-group size, the sizes
 * taking turns run by run. cmd_tune.c turns the times into choices.
 */
#ifndef CLPOOL_TOOLS_TUNE_MEASURE_H
#define CLPOOL_TOOLS_TUNE_MEASURE_H

#include "bench_exec.h"
#include "cli_args.h"

/* The requested sizes plus room for the built-in choices the rows add. */
#define TUNE_MAX_SIZES (CLI_TUNE_MAX_SIZES + 8)

typedef struct tune_row {
    bench_row row;
    char key[64];              /* clpool_plan_tuning_key of the row's plans */
    size_t builtin;            /* the size the library picks for the row untuned */
    double ms[TUNE_MAX_SIZES]; /* per size of the run: median ms, or < 0 when it did not run */
} tune_row;

typedef struct tune_run {
    cli_session session; /* its context reads no tuning file */
    int64_t batch;
    int reps;
    int n_sizes;
    size_t sizes[TUNE_MAX_SIZES]; /* ascending */
} tune_run;

/* Plans every row once untuned, recording its key and built-in size (which also builds every
 * kernel), and adds the built-in sizes to run->sizes. 1 on success, else 0 with err set. */
int tune_prepare(tune_run *run, tune_row *rows, size_t n_rows, char *err, size_t err_size);

/* Times one row at every size of run: a size its kernel or the device refuses gets ms < 0.
 * 1 on success, else 0 with err set. */
int tune_measure_row(tune_run *run, tune_row *row, char *err, size_t err_size);

/* The index of size in run->sizes, or -1. */
int tune_size_index(const tune_run *run, size_t size);

#endif
