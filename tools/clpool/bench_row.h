/*
 * One row of `clpool bench`: a layer, a layout and a pass (forward, forward with indices, or
 * backward), and what was measured for it; plus the report (table and JSON) and the verification
 * that every row goes through before it is timed.
 */
#ifndef CLPOOL_TOOLS_BENCH_ROW_H
#define CLPOOL_TOOLS_BENCH_ROW_H

#include "bench_layers.h"

#include <stddef.h>

typedef enum bench_pass {
    BENCH_FORWARD = 0,
    BENCH_FORWARD_INDICES = 1, /* max layers: also writes int64 indices */
    BENCH_BACKWARD = 2         /* max layers: from int64 indices; avg layers: average */
} bench_pass;

typedef struct bench_row {
    const bench_layer *layer;
    clpool_layout layout;
    bench_pass pass;
    clpool_tensor_desc input, output; /* of the forward pooling */
    double ms_median, ms_min, gbps, copy_gbps, ratio, max_abs_err;
    size_t bytes; /* read and written by one run */
    int ok;
} bench_row;

/* "forward", "forward+indices", "backward". */
const char *bench_pass_name(bench_pass pass);

/* The readable table on stdout. */
void bench_print_table(const bench_row *rows, size_t count, const char *heading);

/* Writes the rows to path as a JSON array, through a temporary file renamed into place. */
int bench_write_json(const char *path, const bench_row *rows, size_t count);

/* Host data of a row: the forward input, and for backward rows grad_output and (max) the
 * forward's indices. */
typedef struct bench_data {
    float *x, *grad_out;
    int64_t *indices;
    size_t n_in, n_out;
} bench_data;

/* Makes the row's random data (deterministic per layer); 0 on success. */
int bench_data_make(const bench_row *row, const clpool_pool_desc *pool, bench_data *data);
void bench_data_free(bench_data *data);

/* Compares a run's result (the output, or grad_input for backward rows) and, for indices rows,
 * its indices with the CPU reference; sets row->ok and row->max_abs_err. 0 if the reference
 * could not run. */
int bench_verify(bench_row *row, const clpool_pool_desc *pool, const bench_data *data,
                 const float *result, const int64_t *indices);

#endif
