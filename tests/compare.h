/*
 * The one definition of "matches the reference" shared by the tests, `clpool pool --check` and
 * `clpool bench`: max results bit-for-bit, averages within 1e-6 relative to the larger of the
 * reference value and the window's mean magnitude (the scale ref_pool_forward reports).
 */
#ifndef CLPOOL_TESTS_COMPARE_H
#define CLPOOL_TESTS_COMPARE_H

#include <clpool/clpool.h>

#include <stddef.h>

/* Relative tolerance for averages. */
#define REF_AVG_TOLERANCE 1e-6f

/* Whether a device value matches the reference value want, whose tolerance scale is scale. */
int ref_values_match(clpool_mode mode, float got, float want, float scale);

typedef struct ref_comparison {
    size_t mismatches;
    size_t first_mismatch; /* valid when mismatches > 0 */
    double max_abs_err;    /* over outputs where both are finite; 0 if none */
} ref_comparison;

/* Compares count outputs. */
ref_comparison ref_compare(clpool_mode mode, const float *got, const float *want,
                           const float *scale, size_t count);

#endif
