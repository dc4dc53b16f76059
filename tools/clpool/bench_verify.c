/*
 * Verification of benchmark rows against the CPU reference, for every pass: the forward output
 * (max bit-for-bit, average within float rounding), the indices, and the backward gradients.
 * Data is random but fixed per layer, so a mismatch reproduces.
 */
#include "bench_row.h"
#include "cases.h"
#include "compare.h"
#include "reference.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int bench_data_make(const bench_row *row, const clpool_pool_desc *pool, bench_data *d) {
    int64_t n_in = 0, n_out = 0;
    memset(d, 0, sizeof *d);
    clpool_tensor_desc_size(&row->input, &n_in, NULL);
    clpool_tensor_desc_size(&row->output, &n_out, NULL);
    d->n_in = (size_t)n_in;
    d->n_out = (size_t)n_out;
    const uint64_t seed = 20261126u + (uint64_t)row->input.c;
    d->x = malloc(d->n_in * sizeof(float) + 1);
    if (!d->x)
        return -1;
    fill_input(FILL_RANDOM, seed, d->x, d->n_in);
    if (row->pass != BENCH_BACKWARD)
        return 0;
    d->grad_out = malloc(d->n_out * sizeof(float) + 1);
    if (!d->grad_out)
        return -1;
    fill_input(FILL_RANDOM, seed + 1, d->grad_out, d->n_out);
    if (pool->mode != CLPOOL_MODE_MAX)
        return 0;
    float *values = malloc(d->n_out * sizeof(float) + 1);
    d->indices = malloc(d->n_out * sizeof(int64_t) + 1);
    const int ok = values && d->indices &&
                   ref_pool_max_indices(pool, &row->input, d->x, values, d->indices) == 0;
    free(values);
    return ok ? 0 : -1;
}

void bench_data_free(bench_data *d) {
    free(d->x);
    free(d->grad_out);
    free(d->indices);
    memset(d, 0, sizeof *d);
}

/* The reference gradient, and per element the sum of the magnitudes that went into it. */
static int reference_gradient(const bench_row *row, const clpool_pool_desc *pool,
                              const bench_data *d, float *want, float *scale) {
    if (pool->mode == CLPOOL_MODE_MAX) {
        memset(scale, 0, d->n_in * sizeof *scale);
        return ref_pool_backward_max(pool, &row->input, d->grad_out, d->indices, want);
    }
    float *magnitude = malloc(d->n_out * sizeof *magnitude + 1);
    if (!magnitude)
        return -1;
    for (size_t i = 0; i < d->n_out; ++i)
        magnitude[i] = fabsf(d->grad_out[i]);
    clpool_pool_desc positive = *pool;
    positive.divisor_override =
        positive.divisor_override < 0 ? -positive.divisor_override : positive.divisor_override;
    int status = ref_pool_backward_avg(pool, &row->input, d->grad_out, want);
    if (status == 0)
        status = ref_pool_backward_avg(&positive, &row->input, magnitude, scale);
    free(magnitude);
    return status;
}

int bench_verify(bench_row *row, const clpool_pool_desc *pool, const bench_data *d,
                 const float *result, const int64_t *indices) {
    const int backward = row->pass == BENCH_BACKWARD;
    const size_t count = backward ? d->n_in : d->n_out;
    float *want = malloc(count * sizeof *want + 1), *scale = malloc(count * sizeof *scale + 1);
    int64_t *want_indices = indices ? malloc(count * sizeof *want_indices + 1) : NULL;
    int ran = want && scale && (!indices || want_indices);
    if (ran && backward)
        ran = reference_gradient(row, pool, d, want, scale) == 0;
    else if (ran)
        ran = ref_pool_forward(pool, &row->input, d->x, want, scale) == 0 &&
              (!indices || ref_pool_max_indices(pool, &row->input, d->x, scale, want_indices) == 0);
    if (ran && indices) /* ref_pool_max_indices overwrote scale; max needs none */
        memset(scale, 0, count * sizeof *scale);
    if (ran) {
        /* Backward max sums gradients in the reference's order: bit-for-bit like max values. */
        const ref_comparison cmp = ref_compare(pool->mode, result, want, scale, count);
        row->max_abs_err = cmp.max_abs_err;
        row->ok = cmp.mismatches == 0 &&
                  (!indices || memcmp(indices, want_indices, count * sizeof *indices) == 0);
    }
    free(want);
    free(scale);
    free(want_indices);
    return ran;
}
