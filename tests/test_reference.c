/*
 * Tests of the tests: checks the CPU reference (reference.c) against expectations worked out by
 * hand from shared/SEMANTICS.md, the seed examples first, then the corners the rules spell out
 * (ceil-mode windows, divisors, NaN payloads, ties, -inf and empty dilated windows, both layouts,
 * ranks 1 to 3), and checks that the named case table and random_case only ever produce valid,
 * deterministic configurations. Every other suite trusts the reference, so it must be right on its
 * own; exact results are compared bit for bit.
 */
#include "suite_main.h"
#include "cases.h"
#include "expect.h"
#include "reference.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD 8 /* output elements past the end that must stay untouched */

/* A sentinel that no pooling result equals bit for bit. */
static float sentinel(void) {
    uint32_t bits = UINT32_C(0xffbadbad);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static uint32_t bits_of(float v) {
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

static float nan_with_payload(uint32_t payload) {
    uint32_t bits = UINT32_C(0x7fc00000) | payload;
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* A pooling descriptor of the given rank with kernel k in every dimension and PyTorch defaults. */
static clpool_pool_desc pool_desc(clpool_mode mode, int rank, int64_t k) {
    clpool_pool_desc pool = {.mode = mode, .spatial_rank = rank, .count_include_pad = 1};
    for (int i = 0; i < CLPOOL_MAX_SPATIAL_RANK; ++i) {
        pool.kernel[i] = k;
        pool.dilation[i] = 1;
    }
    return pool;
}

static clpool_tensor_desc tensor_desc(clpool_layout layout, int rank, int64_t n, int64_t c,
                                      int64_t s0, int64_t s1, int64_t s2) {
    clpool_tensor_desc t = {.dtype = CLPOOL_DTYPE_F32,
                            .layout = layout,
                            .spatial_rank = rank,
                            .n = n,
                            .c = c,
                            .spatial = {s0, s1, s2}};
    return t;
}

static int64_t plane_of(const clpool_tensor_desc *t) {
    int64_t plane = 1;
    for (int i = 0; i < t->spatial_rank; ++i) {
        plane *= t->spatial[i];
    }
    return plane;
}

/* The output descriptor per ref_output_size; returns -1 when some output size is < 1. */
static int output_desc(const clpool_pool_desc *pool, const clpool_tensor_desc *in,
                       clpool_tensor_desc *out) {
    *out = *in;
    for (int i = 0; i < in->spatial_rank; ++i) {
        int64_t s = pool->stride[i] == 0 ? pool->kernel[i] : pool->stride[i];
        if (ref_output_size(in->spatial[i], pool->kernel[i], s, pool->pad_begin[i],
                            pool->pad_end[i], pool->dilation[i], pool->ceil_mode,
                            &out->spatial[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

static size_t element_count(const clpool_tensor_desc *t) {
    return (size_t)(t->n * t->c * plane_of(t));
}

/* Runs the reference into freshly allocated y and y_scale (count elements, prefilled with the
 * sentinel and followed by a guard that must survive). */
static void run_ref(const clpool_pool_desc *pool, const clpool_tensor_desc *in, const float *x,
                    float **y, float **y_scale, size_t *count) {
    clpool_tensor_desc out;
    ck_assert_int_eq(output_desc(pool, in, &out), 0);
    *count = element_count(&out);
    *y = malloc((*count + GUARD) * sizeof(float));
    *y_scale = malloc((*count + GUARD) * sizeof(float));
    ck_assert_ptr_nonnull(*y);
    ck_assert_ptr_nonnull(*y_scale);
    for (size_t i = 0; i < *count + GUARD; ++i) {
        (*y)[i] = sentinel();
        (*y_scale)[i] = sentinel();
    }
    ck_assert_int_eq(ref_pool_forward(pool, in, x, *y, *y_scale), 0);
    for (size_t i = *count; i < *count + GUARD; ++i) {
        expect_each(bits_of((*y)[i]) == bits_of(sentinel()), "y written past its end at %zu", i);
        expect_each(bits_of((*y_scale)[i]) == bits_of(sentinel()),
                    "y_scale written past its end at %zu", i);
    }
}

/* Fails, listing the first mismatches, unless got and want agree bit for bit. */
static void expect_bits(const float *got, const float *want, size_t count, const char *what) {
    size_t bad = 0;
    for (size_t i = 0; i < count; ++i) {
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0) {
            if (bad < 5) {
                fprintf(stderr, "%s[%zu]: got %.9g (0x%08x), want %.9g (0x%08x)\n", what, i,
                        (double)got[i], (unsigned)bits_of(got[i]), (double)want[i],
                        (unsigned)bits_of(want[i]));
            }
            bad += 1;
        }
    }
    ck_assert_msg(bad == 0, "%s: %zu of %zu elements differ", what, bad, count);
}

/* Pools x and checks the output bit for bit against want[0 .. want_count). */
static void expect_pool(const clpool_pool_desc *pool, const clpool_tensor_desc *in, const float *x,
                        const float *want, size_t want_count, const char *what) {
    float *y, *y_scale;
    size_t count;
    run_ref(pool, in, x, &y, &y_scale, &count);
    ck_assert_msg(count == want_count, "%s: %zu outputs, want %zu", what, count, want_count);
    expect_bits(y, want, count, what);
    free(y);
    free(y_scale);
}

/* Channels-first to channels-last (to_last) or back, for n x c x plane elements. */
static void transpose(const float *src, float *dst, int64_t n, int64_t c, int64_t plane,
                      int to_last) {
    for (int64_t in = 0; in < n; ++in) {
        for (int64_t ic = 0; ic < c; ++ic) {
            for (int64_t p = 0; p < plane; ++p) {
                int64_t first = (in * c + ic) * plane + p;
                int64_t last = (in * plane + p) * c + ic;
                if (to_last) {
                    dst[last] = src[first];
                } else {
                    dst[first] = src[last];
                }
            }
        }
    }
}

/* NULL when c is a valid configuration of the table's kind, else the rule it breaks. */
static const char *case_problem(const pool_case *c) {
    const clpool_pool_desc *p = &c->pool;
    if (p->mode != CLPOOL_MODE_MAX && p->mode != CLPOOL_MODE_AVG) {
        return "mode";
    }
    if (p->spatial_rank != 2 || c->input.spatial_rank != 2) {
        return "spatial rank";
    }
    if (c->input.dtype != CLPOOL_DTYPE_F32 || c->input.layout != CLPOOL_LAYOUT_CHANNELS_FIRST) {
        return "dtype or layout";
    }
    if (c->input.n < 0 || c->input.c < 1) {
        return "N or C";
    }
    if ((p->ceil_mode != 0 && p->ceil_mode != 1) ||
        (p->count_include_pad != 0 && p->count_include_pad != 1) ||
        (p->has_divisor_override != 0 && p->has_divisor_override != 1)) {
        return "flag not 0/1";
    }
    if (p->has_divisor_override && p->divisor_override == 0) {
        return "divisor_override 0";
    }
    for (int i = 0; i < 2; ++i) {
        if (c->input.spatial[i] < 1 || p->kernel[i] < 1 || p->stride[i] < 0 || p->dilation[i] < 1) {
            return "size, kernel, stride or dilation";
        }
        int64_t ke = p->dilation[i] * (p->kernel[i] - 1) + 1;
        if (p->pad_begin[i] < 0 || p->pad_end[i] < 0 || p->pad_begin[i] > ke / 2 ||
            p->pad_end[i] > ke / 2) {
            return "padding beyond floor(ke / 2)";
        }
        int64_t s = p->stride[i] == 0 ? p->kernel[i] : p->stride[i];
        int64_t o;
        if (ref_output_size(c->input.spatial[i], p->kernel[i], s, p->pad_begin[i], p->pad_end[i],
                            p->dilation[i], p->ceil_mode, &o) != 0 ||
            o < 1) {
            return "output size < 1";
        }
    }
    return NULL;
}

/* Pools c's input in both layouts and checks that channels-last is channels-first transposed. */
static void check_layouts_agree(const pool_case *c, uint64_t seed, const char *what) {
    clpool_tensor_desc first = c->input, last = c->input, out;
    last.layout = CLPOOL_LAYOUT_CHANNELS_LAST;
    ck_assert_int_eq(output_desc(&c->pool, &first, &out), 0);
    size_t in_count = element_count(&first);
    int64_t out_plane = plane_of(&out);
    float *x = malloc((in_count + 1) * sizeof(float));
    float *x_last = malloc((in_count + 1) * sizeof(float));
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(x_last);
    fill_input(c->fill, seed, x, in_count);
    transpose(x, x_last, first.n, first.c, plane_of(&first), 1);
    float *y, *y_scale, *y_last, *y_scale_last;
    size_t count, count_last;
    run_ref(&c->pool, &first, x, &y, &y_scale, &count);
    run_ref(&c->pool, &last, x_last, &y_last, &y_scale_last, &count_last);
    ck_assert_uint_eq(count, count_last);
    float *back = malloc((count + 1) * sizeof(float));
    ck_assert_ptr_nonnull(back);
    transpose(y_last, back, out.n, out.c, out_plane, 0);
    expect_bits(back, y, count, what);
    transpose(y_scale_last, back, out.n, out.c, out_plane, 0);
    expect_bits(back, y_scale, count, what);
    free(back);
    free(y_last);
    free(y_scale_last);
    free(y);
    free(y_scale);
    free(x_last);
    free(x);
}

/* ---- The seed examples of SEMANTICS.md ------------------------------------------------------- */

START_TEST(test_seed_3x3_k2s1) {
    const float x[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    const float want_max[4] = {4, 5, 7, 8};
    const float want_avg[4] = {2, 3, 5, 6};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 3, 3, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 2, 2);
    pool.stride[0] = pool.stride[1] = 1;
    expect_pool(&pool, &in, x, want_max, 4, "max 3x3 k2 s1");
    pool.mode = CLPOOL_MODE_AVG;
    expect_pool(&pool, &in, x, want_avg, 4, "avg 3x3 k2 s1");
}
END_TEST

START_TEST(test_seed_arange16_k3) {
    float x[16];
    fill_input(FILL_ARANGE, 0, x, 16);
    const float want[1] = {10};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 4, 4, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 2, 3);
    expect_pool(&pool, &in, x, want, 1, "max arange(16) k3");
}
END_TEST

START_TEST(test_seed_arange16_k3p1s2) {
    float x[16];
    fill_input(FILL_ARANGE, 0, x, 16);
    const float want[4] = {5, 7, 13, 15};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 4, 4, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 2, 3);
    pool.stride[0] = pool.stride[1] = 2;
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = 1;
    expect_pool(&pool, &in, x, want, 4, "max arange(16) k3 p1 s2");
}
END_TEST

START_TEST(test_seed_stacked_k2s2) {
    float x[32];
    fill_input(FILL_ARANGE, 0, x, 16);
    for (int i = 0; i < 16; ++i) {
        x[16 + i] = x[i] + 1;
    }
    const float want[8] = {5, 7, 13, 15, 6, 8, 14, 16};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 2, 4, 4, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 2, 2);
    pool.stride[0] = pool.stride[1] = 2;
    expect_pool(&pool, &in, x, want, 8, "max X, X+1 k2 s2");
}
END_TEST

START_TEST(test_seed_global_avg_1000x7x7) {
    enum { C = 1000, P = 49 };
    float *x = malloc(C * P * sizeof(float));
    float *want = malloc(C * sizeof(float));
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(want);
    /* Plane c holds c + (i - 24) / 4: every partial sum is exact, so the mean is exactly c. */
    for (int c = 0; c < C; ++c) {
        for (int i = 0; i < P; ++i) {
            x[c * P + i] = (float)c + (float)(i - 24) * 0.25f;
        }
        want[c] = (float)c;
    }
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, C, 7, 7, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_AVG, 2, 7);
    expect_pool(&pool, &in, x, want, C, "global average of c + (i - 24) / 4");

    /* Random planes: within float rounding of the mean computed in double. */
    fill_input(FILL_RANDOM, 7, x, C * P);
    float *y, *y_scale;
    size_t count;
    run_ref(&pool, &in, x, &y, &y_scale, &count);
    ck_assert_uint_eq(count, C);
    for (int c = 0; c < C; ++c) {
        double sum = 0, abs_sum = 0;
        for (int i = 0; i < P; ++i) {
            sum += x[c * P + i];
            abs_sum += fabs((double)x[c * P + i]);
        }
        expect_each(fabs((double)y[c] - sum / P) <= 1e-6 * abs_sum / P + 1e-30,
                    "plane %d: got %.9g, mean %.9g", c, (double)y[c], sum / P);
        /* The tolerance scale: the mean magnitude, times P / 16 for windows past 16 taps. */
        const double scale = abs_sum / P * (P / 16.0);
        ck_assert_msg(y_scale[c] == (float)scale, "plane %d: scale %.9g, want %.9g", c,
                      (double)y_scale[c], scale);
    }
    free(y);
    free(y_scale);
    free(want);
    free(x);
}
END_TEST

/* ---- The other examples of SEMANTICS.md ------------------------------------------------------ */

START_TEST(test_1d_ceil_avg) {
    const float x[5] = {1, 2, 3, 4, 5};
    const float want[3] = {1.5f, 3.5f, 5.0f};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 1, 1, 5, 0, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_AVG, 1, 2);
    pool.ceil_mode = 1;
    expect_pool(&pool, &in, x, want, 3, "1D [1..5] k2 s2 ceil");
    in.layout = CLPOOL_LAYOUT_CHANNELS_LAST;
    expect_pool(&pool, &in, x, want, 3, "1D [1..5] k2 s2 ceil, channels-last");
}
END_TEST

START_TEST(test_6x6_k3s2p1_ceil_divisors) {
    /* Per dimension the windows start at -1, 1, 3, 5: pool = 3, 3, 3, 2 (the last is clipped at
     * I + pe = 7) and valid = 2, 3, 3, 1. With all ones the output is valid_h*valid_w / div. */
    float x[36];
    for (int i = 0; i < 36; ++i) {
        x[i] = 1.0f;
    }
    const float want[16] = {
        4.0f / 9, 6.0f / 9, 6.0f / 9, 2.0f / 6, /* */
        6.0f / 9, 9.0f / 9, 9.0f / 9, 3.0f / 6, /* */
        6.0f / 9, 9.0f / 9, 9.0f / 9, 3.0f / 6, /* */
        2.0f / 6, 3.0f / 6, 3.0f / 6, 1.0f / 4,
    };
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 6, 6, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_AVG, 2, 3);
    pool.stride[0] = pool.stride[1] = 2;
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = 1;
    pool.ceil_mode = 1;
    expect_pool(&pool, &in, x, want, 16, "6x6 ones k3 s2 p1 ceil");

    /* With arange the sums differ per window; spot-check the corners and an inside window. */
    fill_input(FILL_ARANGE, 0, x, 36);
    float *y, *y_scale;
    size_t count;
    run_ref(&pool, &in, x, &y, &y_scale, &count);
    ck_assert_uint_eq(count, 16);
    const float top_left = (0.0f + 1.0f + 6.0f + 7.0f) / 9.0f;
    const float top_right = (5.0f + 11.0f) / 6.0f;
    const float inside = (7.0f + 8 + 9 + 13 + 14 + 15 + 19 + 20 + 21) / 9.0f;
    const float bottom_right = 35.0f / 4.0f;
    expect_bits(&y[0], &top_left, 1, "arange (0,0)");
    expect_bits(&y[3], &top_right, 1, "arange (0,3)");
    expect_bits(&y[5], &inside, 1, "arange (1,1)");
    expect_bits(&y[15], &bottom_right, 1, "arange (3,3)");
    free(y);
    free(y_scale);
}
END_TEST

START_TEST(test_output_size) {
    struct {
        int64_t in, k, s, pb, pe, d;
        int ceil_mode;
        int rc;
        int64_t out;
    } const rows[] = {
        {9, 4, 4, 2, 2, 1, 1, 0, 3},   /* the ceil-mode last-window rule: not 4 */
        {9, 4, 4, 2, 2, 1, 0, 0, 3},   /* floor */
        {3, 2, 2, 1, 1, 1, 1, 0, 2},   /* the rule again: a third window would start at 3 >= 3+1 */
        {4, 2, 2, 1, 1, 1, 1, 0, 3},   /* ceil, the rule does not fire */
        {5, 2, 2, 0, 0, 1, 1, 0, 3},   /* ceil without padding */
        {5, 2, 2, 0, 0, 1, 0, 0, 2},   /* floor without padding */
        {6, 3, 2, 1, 1, 1, 1, 0, 4},   /* the 6x6 example */
        {2, 5, 1, 2, 2, 1, 0, 0, 2},   /* kernel larger than the input, made valid by padding */
        {1, 3, 1, 2, 2, 2, 0, 0, 1},   /* dilated */
        {3, 2, 1, 2, 2, 4, 0, 0, 3},   /* dilated, the middle window has no in-bounds tap */
        {7, 3, 2, 1, 0, 1, 0, 0, 3},   /* asymmetric padding */
        {7, 7, 7, 0, 0, 1, 0, 0, 1},   /* global */
        {1, 5, 1, 0, 0, 1, 0, -1, -3}, /* too small: floor of a negative quotient */
        {4, 5, 2, 0, 0, 1, 0, -1, 0},  /* floor(-1 / 2) = -1, not 0 */
        {4, 5, 2, 0, 0, 1, 1, 0, 1},   /* ceil: floor(0 / 2) + 1 = 1; the window overhangs */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; ++i) {
        int64_t out = -99;
        int rc = ref_output_size(rows[i].in, rows[i].k, rows[i].s, rows[i].pb, rows[i].pe,
                                 rows[i].d, rows[i].ceil_mode, &out);
        ck_assert_msg(rc == rows[i].rc, "row %zu: rc %d, want %d", i, rc, rows[i].rc);
        if (rows[i].rc == 0) {
            ck_assert_msg(out == rows[i].out, "row %zu: O = %lld, want %lld", i, (long long)out,
                          (long long)rows[i].out);
        }
    }
}
END_TEST

/* ---- Max pooling corners --------------------------------------------------------------------- */

START_TEST(test_nan_last_wins) {
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 2, 2, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 2, 2);
    const float a = nan_with_payload(0x11), b = nan_with_payload(0x22);
    const float two_nans[4] = {a, 5, b, 3};
    expect_pool(&pool, &in, two_nans, &b, 1, "NaN a, 5, NaN b, 3: the last NaN");
    const float nan_first[4] = {a, 7, 1, 2};
    expect_pool(&pool, &in, nan_first, &a, 1, "NaN then larger numbers: still the NaN");
    const float nan_then_max[4] = {1, a, 9, 2};
    expect_pool(&pool, &in, nan_then_max, &a, 1, "a maximum after the NaN does not replace it");

    /* Every element a NaN: the window's last tap in scan order, here element 8 of 3x3. */
    float x[9];
    fill_input(FILL_NAN_ALL, 0, x, 9);
    in.spatial[0] = in.spatial[1] = 3;
    pool.kernel[0] = pool.kernel[1] = 3;
    expect_pool(&pool, &in, x, &x[8], 1, "all NaN 3x3 k3");
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = 1;
    pool.stride[0] = pool.stride[1] = 2;
    const float want[4] = {x[4], x[5], x[7], x[8]};
    expect_pool(&pool, &in, x, want, 4, "all NaN 3x3 k3 s2 p1");

    /* Average: any NaN gives a NaN. */
    pool = pool_desc(CLPOOL_MODE_AVG, 2, 2);
    in.spatial[0] = in.spatial[1] = 2;
    float *y, *y_scale;
    size_t count;
    run_ref(&pool, &in, two_nans, &y, &y_scale, &count);
    ck_assert(isnan(y[0]));
    free(y);
    free(y_scale);
}
END_TEST

START_TEST(test_ties_keep_first) {
    /* +0 and -0 compare equal, so the kept one shows which tie won. */
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 2, 2, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 2, 2);
    const float neg_first[4] = {-0.0f, 0.0f, -1, -2};
    expect_pool(&pool, &in, neg_first, &neg_first[0], 1, "-0 before +0");
    const float pos_first[4] = {0.0f, -0.0f, -1, -2};
    expect_pool(&pool, &in, pos_first, &pos_first[0], 1, "+0 before -0");
    /* Row-major scan: (0,1) comes before (1,0). */
    const float row_major[4] = {-1, 0.0f, -0.0f, -1};
    expect_pool(&pool, &in, row_major, &row_major[1], 1, "(0,1) scanned before (1,0)");
    /* 3D: (0,0,1) comes before (1,0,0). */
    float x3[8] = {-1, 0.0f, -1, -1, -0.0f, -1, -1, -1};
    clpool_tensor_desc in3 = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 3, 1, 1, 2, 2, 2);
    clpool_pool_desc pool3 = pool_desc(CLPOOL_MODE_MAX, 3, 2);
    expect_pool(&pool3, &in3, x3, &x3[1], 1, "3D: (0,0,1) scanned before (1,0,0)");
    x3[1] = -0.0f;
    x3[4] = 0.0f;
    expect_pool(&pool3, &in3, x3, &x3[1], 1, "3D: -0 at (0,0,1) kept");
}
END_TEST

START_TEST(test_neg_inf_windows) {
    float x[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    const float minus_inf[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 2, 2, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 2, 2);
    expect_pool(&pool, &in, x, minus_inf, 1, "max of -inf only");
    pool.kernel[0] = pool.kernel[1] = 3;
    pool.stride[0] = pool.stride[1] = 1;
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = 1;
    expect_pool(&pool, &in, x, minus_inf, 4, "max of -inf with padding: padding never wins");
    pool = pool_desc(CLPOOL_MODE_AVG, 2, 2);
    expect_pool(&pool, &in, x, minus_inf, 1, "average of -inf only");
}
END_TEST

START_TEST(test_dilated_empty_window) {
    /* I=3, k=2, d=4, p=2, s=1: taps {-2, 2}, {-1, 3}, {0, 4}; the middle window reads nothing.
     * Average windows: [start, end) = [-2, 3), [-1, 4), [0, 5): pool 2 each. */
    const float x[3] = {10, 20, 30};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 1, 1, 3, 0, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 1, 2);
    pool.stride[0] = 1;
    pool.dilation[0] = 4;
    pool.pad_begin[0] = pool.pad_end[0] = 2;
    const float want_max[3] = {30, -INFINITY, 10};
    expect_pool(&pool, &in, x, want_max, 3, "dilated max");
    pool.mode = CLPOOL_MODE_AVG;
    const float want_cip[3] = {15, 0, 5};
    expect_pool(&pool, &in, x, want_cip, 3, "dilated average, count_include_pad");
    pool.count_include_pad = 0;
    const float want_valid[3] = {30, 0, 10};
    expect_pool(&pool, &in, x, want_valid, 3, "dilated average, valid taps only");
    pool.has_divisor_override = 1;
    pool.divisor_override = -3;
    const float want_override[3] = {30.0f / -3.0f, 0, 10.0f / -3.0f};
    expect_pool(&pool, &in, x, want_override, 3, "dilated average, divisor -3");
    float *y, *y_scale;
    size_t count;
    run_ref(&pool, &in, x, &y, &y_scale, &count);
    const float want_scale[3] = {10, 0, 10.0f / 3.0f};
    expect_bits(y_scale, want_scale, 3, "dilated average scale");
    free(y);
    free(y_scale);

    /* I=1, k=2, d=2, p=1: the only window has taps -1 and 1, neither in bounds; 2D with W=1. */
    const float one[1] = {7};
    const float minus_inf[1] = {-INFINITY};
    const float zero[1] = {0};
    clpool_tensor_desc in2 = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 1, 1, 0);
    clpool_pool_desc pool2 = pool_desc(CLPOOL_MODE_MAX, 2, 2);
    pool2.kernel[1] = 1;
    pool2.stride[0] = 1;
    pool2.dilation[0] = 2;
    pool2.pad_begin[0] = pool2.pad_end[0] = 1;
    expect_pool(&pool2, &in2, one, minus_inf, 1, "no in-bounds tap: max");
    pool2.mode = CLPOOL_MODE_AVG;
    expect_pool(&pool2, &in2, one, zero, 1, "no in-bounds tap: average");
    pool2.count_include_pad = 0;
    expect_pool(&pool2, &in2, one, zero, 1, "no in-bounds tap: average, valid taps only");
}
END_TEST

/* ---- Average pooling corners ----------------------------------------------------------------- */

START_TEST(test_divisor_override) {
    const float x[4] = {1, -2, 3, -4};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 2, 2, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_AVG, 2, 2);
    pool.has_divisor_override = 1;
    pool.divisor_override = -2;
    const float want_neg[1] = {1.0f};
    expect_pool(&pool, &in, x, want_neg, 1, "sum -2 / divisor -2");
    float *y, *y_scale;
    size_t count;
    run_ref(&pool, &in, x, &y, &y_scale, &count);
    const float want_scale[1] = {5.0f};
    expect_bits(y_scale, want_scale, 1, "scale: |v| sum 10 / |-2|");
    free(y);
    free(y_scale);
    pool.divisor_override = 100;
    const float want_big[1] = {-2.0f / 100.0f};
    expect_pool(&pool, &in, x, want_big, 1, "divisor larger than the window");
    pool.divisor_override = -7;
    const float plain[4] = {1, 2, 3, 4};
    const float want_neg7[1] = {10.0f / -7.0f};
    expect_pool(&pool, &in, plain, want_neg7, 1, "sum 10 / divisor -7");
}
END_TEST

START_TEST(test_count_include_pad) {
    float x[9];
    fill_input(FILL_ARANGE, 0, x, 9);
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 3, 3, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_AVG, 2, 3);
    pool.stride[0] = pool.stride[1] = 1;
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = 1;
    /* Window sums of the 3x3 arange with p=1; valid tap counts 4, 6, 4 / 6, 9, 6 / 4, 6, 4. */
    const float sums[9] = {8, 15, 12, 21, 36, 27, 20, 33, 24};
    const float valid[9] = {4, 6, 4, 6, 9, 6, 4, 6, 4};
    float want[9];
    for (int i = 0; i < 9; ++i) {
        want[i] = sums[i] / 9.0f;
    }
    expect_pool(&pool, &in, x, want, 9, "count_include_pad true");
    for (int i = 0; i < 9; ++i) {
        want[i] = sums[i] / valid[i];
    }
    const float exact[9] = {2, 2.5f, 3, 3.5f, 4, 4.5f, 5, 5.5f, 6};
    expect_bits(want, exact, 9, "hand sums");
    pool.count_include_pad = 0;
    expect_pool(&pool, &in, x, want, 9, "count_include_pad false");
}
END_TEST

START_TEST(test_y_scale) {
    const float x[4] = {1, -2, 3, -4};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 2, 2, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_AVG, 2, 2);
    float *y, *y_scale;
    size_t count;
    run_ref(&pool, &in, x, &y, &y_scale, &count);
    const float want_avg[1] = {-0.5f}, want_scale[1] = {2.5f};
    expect_bits(y, want_avg, 1, "average");
    expect_bits(y_scale, want_scale, 1, "average scale");
    free(y);
    free(y_scale);
    pool.mode = CLPOOL_MODE_MAX;
    run_ref(&pool, &in, x, &y, &y_scale, &count);
    const float want_max[1] = {3}, zero[1] = {0};
    expect_bits(y, want_max, 1, "max");
    expect_bits(y_scale, zero, 1, "max scale");
    free(y);
    free(y_scale);
    /* y_scale may be NULL. */
    float y1[1] = {0};
    ck_assert_int_eq(ref_pool_forward(&pool, &in, x, y1, NULL), 0);
    expect_bits(y1, want_max, 1, "max without scale");
}
END_TEST

/* ---- Shapes, layouts and ranks --------------------------------------------------------------- */

START_TEST(test_errors_and_empty_batch) {
    float x[4] = {0}, y[4] = {0};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 2, 2, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 2, 5);
    ck_assert_int_eq(ref_pool_forward(&pool, &in, x, y, NULL), -1); /* output size < 1 */
    pool.pad_begin[0] = pool.pad_end[0] = 2;
    ck_assert_int_eq(ref_pool_forward(&pool, &in, x, y, NULL), -1); /* W still too small */
    pool.pad_begin[1] = pool.pad_end[1] = 2;
    ck_assert_int_eq(ref_pool_forward(&pool, &in, x, y, NULL), 0);
    pool.spatial_rank = 3;
    ck_assert_int_eq(ref_pool_forward(&pool, &in, x, y, NULL), -1); /* ranks disagree */
    pool.spatial_rank = 2;
    pool.mode = (clpool_mode)0;
    ck_assert_int_eq(ref_pool_forward(&pool, &in, x, y, NULL), -1); /* unknown mode */
    pool.mode = CLPOOL_MODE_AVG;
    in.n = 0;
    ck_assert_int_eq(ref_pool_forward(&pool, &in, NULL, NULL, NULL), 0); /* empty batch */
}
END_TEST

START_TEST(test_layouts_agree_random) {
    for (uint64_t seed = 0; seed < 200; ++seed) {
        pool_case c;
        random_case(seed, &c);
        char what[64];
        snprintf(what, sizeof what, "random case %llu", (unsigned long long)seed);
        check_layouts_agree(&c, seed, what);
    }
}
END_TEST

START_TEST(test_layouts_agree_table) {
    for (size_t i = 0; i < pool_case_count; ++i) {
        check_layouts_agree(&pool_cases[i], i, pool_cases[i].name);
    }
}
END_TEST

START_TEST(test_ranks_agree) {
    /* A random 2D problem equals the 3D one with D = 1 and kernel 1 there, and a 2D problem with
     * H = 1 equals the 1D one; in both layouts. */
    for (uint64_t seed = 0; seed < 50; ++seed) {
        pool_case c;
        random_case(seed, &c);
        for (int layout = 1; layout <= 2; ++layout) {
            clpool_tensor_desc in2 = c.input;
            in2.layout = (clpool_layout)layout;
            clpool_tensor_desc in3 =
                tensor_desc(in2.layout, 3, in2.n, in2.c, 1, in2.spatial[0], in2.spatial[1]);
            clpool_pool_desc pool3 = c.pool;
            pool3.spatial_rank = 3;
            for (int i = 2; i > 0; --i) {
                pool3.kernel[i] = c.pool.kernel[i - 1];
                pool3.stride[i] = c.pool.stride[i - 1];
                pool3.pad_begin[i] = c.pool.pad_begin[i - 1];
                pool3.pad_end[i] = c.pool.pad_end[i - 1];
                pool3.dilation[i] = c.pool.dilation[i - 1];
            }
            pool3.kernel[0] = pool3.stride[0] = pool3.dilation[0] = 1;
            pool3.pad_begin[0] = pool3.pad_end[0] = 0;
            size_t in_count = element_count(&in2);
            float *x = malloc(in_count * sizeof(float));
            ck_assert_ptr_nonnull(x);
            fill_input(c.fill, seed, x, in_count);
            float *y2, *s2, *y3, *s3;
            size_t n2, n3;
            run_ref(&c.pool, &in2, x, &y2, &s2, &n2);
            run_ref(&pool3, &in3, x, &y3, &s3, &n3);
            ck_assert_uint_eq(n2, n3);
            expect_bits(y3, y2, n2, "rank 3 with D = 1 vs rank 2");
            expect_bits(s3, s2, n2, "rank 3 with D = 1 vs rank 2, scale");

            clpool_tensor_desc in_row = in2, in1;
            in_row.spatial[0] = 1;
            in1 = tensor_desc(in2.layout, 1, in2.n, in2.c, in2.spatial[1], 0, 0);
            clpool_pool_desc pool_row = c.pool, pool1 = c.pool;
            pool_row.kernel[0] = pool_row.stride[0] = pool_row.dilation[0] = 1;
            pool_row.pad_begin[0] = pool_row.pad_end[0] = 0;
            pool1.spatial_rank = 1;
            pool1.kernel[0] = c.pool.kernel[1];
            pool1.stride[0] = c.pool.stride[1];
            pool1.pad_begin[0] = c.pool.pad_begin[1];
            pool1.pad_end[0] = c.pool.pad_end[1];
            pool1.dilation[0] = c.pool.dilation[1];
            float *yr, *sr, *y1, *s1;
            size_t nr, n1;
            run_ref(&pool_row, &in_row, x, &yr, &sr, &nr);
            run_ref(&pool1, &in1, x, &y1, &s1, &n1);
            ck_assert_uint_eq(nr, n1);
            expect_bits(y1, yr, nr, "rank 1 vs rank 2 with H = 1");
            expect_bits(s1, sr, nr, "rank 1 vs rank 2 with H = 1, scale");
            free(y1);
            free(s1);
            free(yr);
            free(sr);
            free(y3);
            free(s3);
            free(y2);
            free(s2);
            free(x);
        }
    }
}
END_TEST

START_TEST(test_3d_by_hand) {
    /* 1x1x3x3x3 arange, k2 s1: max is the window's far corner, average the mean of 8 taps. */
    float x[27];
    fill_input(FILL_ARANGE, 0, x, 27);
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 3, 1, 1, 3, 3, 3);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 3, 2);
    pool.stride[0] = pool.stride[1] = pool.stride[2] = 1;
    float want[8];
    for (int z = 0; z < 2; ++z) {
        for (int h = 0; h < 2; ++h) {
            for (int w = 0; w < 2; ++w) {
                want[(z * 2 + h) * 2 + w] = (float)(((z + 1) * 3 + h + 1) * 3 + w + 1);
            }
        }
    }
    expect_pool(&pool, &in, x, want, 8, "3D max");
    pool.mode = CLPOOL_MODE_AVG;
    for (int i = 0; i < 8; ++i) {
        want[i] -= 6.5f; /* the mean of a 2x2x2 arange block is its far corner minus 13/2 */
    }
    expect_pool(&pool, &in, x, want, 8, "3D average");
}
END_TEST

/* ---- Backward -------------------------------------------------------------------------------- */

typedef enum { BACKWARD_MAX, BACKWARD_MAX_FROM_INPUT, BACKWARD_AVG } backward_kind;

/* Runs one backward reference into a fresh grad_in shaped like in (prefilled with the sentinel and
 * followed by a guard that must survive); x feeds MAX_FROM_INPUT, indices feeds MAX. */
static float *run_backward(backward_kind kind, const clpool_pool_desc *pool,
                           const clpool_tensor_desc *in, const float *x, const float *grad_out,
                           const int64_t *indices) {
    size_t count = element_count(in);
    float *grad_in = malloc((count + GUARD) * sizeof(float));
    ck_assert_ptr_nonnull(grad_in);
    for (size_t i = 0; i < count + GUARD; ++i) {
        grad_in[i] = sentinel();
    }
    int rc = kind == BACKWARD_MAX ? ref_pool_backward_max(pool, in, grad_out, indices, grad_in)
             : kind == BACKWARD_AVG
                 ? ref_pool_backward_avg(pool, in, grad_out, grad_in)
                 : ref_pool_backward_max_from_input(pool, in, x, grad_out, grad_in);
    ck_assert_int_eq(rc, 0);
    for (size_t i = count; i < count + GUARD; ++i) {
        expect_each(bits_of(grad_in[i]) == bits_of(sentinel()),
                    "grad_in written past its end at %zu", i);
    }
    return grad_in;
}

/* Checks one backward reference's grad_in bit for bit against want (as many as in has). */
static void expect_backward(backward_kind kind, const clpool_pool_desc *pool,
                            const clpool_tensor_desc *in, const float *x, const float *grad_out,
                            const int64_t *indices, const float *want, const char *what) {
    float *grad_in = run_backward(kind, pool, in, x, grad_out, indices);
    expect_bits(grad_in, want, element_count(in), what);
    free(grad_in);
}

/* Checks ref_pool_max_indices' indices for x against want (count outputs). */
static void expect_indices(const clpool_pool_desc *pool, const clpool_tensor_desc *in,
                           const float *x, const int64_t *want, size_t count) {
    float y[64];
    int64_t got[64];
    ck_assert_uint_le(count, 64);
    ck_assert_int_eq(ref_pool_max_indices(pool, in, x, y, got), 0);
    for (size_t i = 0; i < count; ++i) {
        expect_each(got[i] == want[i], "index %zu: got %lld, want %lld", i, (long long)got[i],
                    (long long)want[i]);
    }
}

START_TEST(test_backward_max_arange_k2s2) {
    /* Plane 0 is arange(16): the maxima are the windows' bottom-right corners 5, 7, 13, 15. Plane 1
     * is 15 - arange(16): the top-left corners 0, 2, 8, 10. */
    float x[32];
    fill_input(FILL_ARANGE, 0, x, 16);
    for (int i = 0; i < 16; ++i) {
        x[16 + i] = 15.0f - x[i];
    }
    const int64_t want_indices[8] = {5, 7, 13, 15, 0, 2, 8, 10};
    const float grad_out[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const float want[32] = {0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4, /* */
                            5, 0, 6, 0, 0, 0, 0, 0, 7, 0, 8, 0, 0, 0, 0, 0};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 2, 4, 4, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 2, 2);
    expect_indices(&pool, &in, x, want_indices, 8);
    expect_backward(BACKWARD_MAX, &pool, &in, NULL, grad_out, want_indices, want, "max k2 s2");
    expect_backward(BACKWARD_MAX_FROM_INPUT, &pool, &in, x, grad_out, NULL, want,
                    "max k2 s2 from input");
}
END_TEST

START_TEST(test_backward_max_ties_overlap) {
    /* All equal, k3 s1 on 4x4: every output takes its window's first tap, (oh, ow) -> oh*4 + ow. */
    float x[16];
    fill_input(FILL_ALL_EQUAL, 0, x, 16);
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 4, 4, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 2, 3);
    pool.stride[0] = pool.stride[1] = 1;
    const int64_t first_taps[4] = {0, 1, 4, 5};
    expect_indices(&pool, &in, x, first_taps, 4);
    const float grad_out[4] = {1, 2, 4, 8};
    const float want[16] = {1, 2, 0, 0, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    expect_backward(BACKWARD_MAX_FROM_INPUT, &pool, &in, x, grad_out, NULL, want, "ties k3 s1");

    /* With p1 the output is 4x4 and output row / column o starts at input max(o - 1, 0): outputs
     * 0 and 1 share tap 0, 2 takes 1, 3 takes 2, nothing takes 3. With grad_out = 1 .. 16: */
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = 1;
    const int64_t padded_taps[16] = {0, 0, 1, 2, 0, 0, 1, 2, 4, 4, 5, 6, 8, 8, 9, 10};
    expect_indices(&pool, &in, x, padded_taps, 16);
    float counting[16];
    for (int i = 0; i < 16; ++i) {
        counting[i] = (float)(i + 1);
    }
    const float want_padded[16] = {1 + 2 + 5 + 6,
                                   3 + 7,
                                   4 + 8,
                                   0, /* */
                                   9 + 10,
                                   11,
                                   12,
                                   0, /* */
                                   13 + 14,
                                   15,
                                   16,
                                   0, /* */
                                   0,
                                   0,
                                   0,
                                   0};
    expect_backward(BACKWARD_MAX_FROM_INPUT, &pool, &in, x, counting, NULL, want_padded,
                    "ties k3 s1 p1, accumulated");
    expect_backward(BACKWARD_MAX, &pool, &in, NULL, counting, padded_taps, want_padded,
                    "ties k3 s1 p1, accumulated, given indices");
}
END_TEST

START_TEST(test_backward_max_float_order) {
    /* 1D I=3, k5 p2 s1: three outputs, all given index 0; float sums in output order. */
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 1, 1, 3, 0, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 1, 5);
    pool.stride[0] = 1;
    pool.pad_begin[0] = pool.pad_end[0] = 2;
    const int64_t zeros[3] = {0, 0, 0};
    const float absorbed[3] = {1e8f, 1, -1e8f}; /* 1e8 + 1 rounds back to 1e8 */
    const float want_absorbed[3] = {0, 0, 0};
    expect_backward(BACKWARD_MAX, &pool, &in, NULL, absorbed, zeros, want_absorbed,
                    "1e8, 1, -1e8 in output order");
    const float cancelled[3] = {1e8f, -1e8f, 1};
    const float want_cancelled[3] = {1, 0, 0};
    expect_backward(BACKWARD_MAX, &pool, &in, NULL, cancelled, zeros, want_cancelled,
                    "1e8, -1e8, 1 in output order");
}
END_TEST

START_TEST(test_backward_max_nan) {
    /* NaN a, 5, NaN b, 3: the last NaN (index 2) takes the gradient. */
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 2, 2, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 2, 2);
    const float x[4] = {nan_with_payload(0x11), 5, nan_with_payload(0x22), 3};
    const int64_t want_index[1] = {2};
    expect_indices(&pool, &in, x, want_index, 1);
    const float grad_out[1] = {3};
    const float want[4] = {0, 0, 3, 0};
    expect_backward(BACKWARD_MAX_FROM_INPUT, &pool, &in, x, grad_out, NULL, want, "NaN window");

    /* All NaN 3x3, k3 s2 p1: each window's last tap, 4, 5, 7, 8. */
    float nans[9];
    fill_input(FILL_NAN_ALL, 0, nans, 9);
    in.spatial[0] = in.spatial[1] = 3;
    pool.kernel[0] = pool.kernel[1] = 3;
    pool.stride[0] = pool.stride[1] = 2;
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = 1;
    const int64_t want_indices[4] = {4, 5, 7, 8};
    expect_indices(&pool, &in, nans, want_indices, 4);
    const float grad_out4[4] = {1, 2, 3, 4};
    const float want9[9] = {0, 0, 0, 0, 1, 2, 0, 3, 4};
    expect_backward(BACKWARD_MAX_FROM_INPUT, &pool, &in, nans, grad_out4, NULL, want9,
                    "all NaN k3 s2 p1");
}
END_TEST

START_TEST(test_backward_max_empty_window) {
    /* I=3, k=2, d=4, p=2, s=1 on {10, 20, 30}: taps {-2, 2}, {-1, 3}, {0, 4}; indices 2, -1, 0. */
    const float x[3] = {10, 20, 30};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 1, 1, 3, 0, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 1, 2);
    pool.stride[0] = 1;
    pool.dilation[0] = 4;
    pool.pad_begin[0] = pool.pad_end[0] = 2;
    const int64_t want_indices[3] = {2, -1, 0};
    expect_indices(&pool, &in, x, want_indices, 3);
    const float grad_out[3] = {1, 2, 4};
    const float want[3] = {4, 0, 1};
    expect_backward(BACKWARD_MAX, &pool, &in, NULL, grad_out, want_indices, want, "dilated");
    expect_backward(BACKWARD_MAX_FROM_INPUT, &pool, &in, x, grad_out, NULL, want,
                    "dilated from input");

    /* 2D 1x1, k2 d2 p1 along H: the only window has no in-bounds tap. */
    const float one[1] = {7}, grad_one[1] = {5}, zero[1] = {0};
    const int64_t none[1] = {-1};
    clpool_tensor_desc in2 = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 1, 1, 0);
    clpool_pool_desc pool2 = pool_desc(CLPOOL_MODE_MAX, 2, 2);
    pool2.kernel[1] = 1;
    pool2.stride[0] = 1;
    pool2.dilation[0] = 2;
    pool2.pad_begin[0] = pool2.pad_end[0] = 1;
    expect_indices(&pool2, &in2, one, none, 1);
    expect_backward(BACKWARD_MAX_FROM_INPUT, &pool2, &in2, one, grad_one, NULL, zero,
                    "no in-bounds tap");
}
END_TEST

START_TEST(test_backward_max_invalid_index) {
    float x[32];
    fill_input(FILL_ARANGE, 0, x, 32);
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 2, 4, 4, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 2, 2);
    const float grad_out[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const int64_t bad[][8] = {
        {5, 7, 16, 15, 5, 7, 13, 15},  /* == plane size */
        {5, 7, 13, 15, 5, 7, 13, 16},  /* == plane size, in the last output of plane 1 */
        {5, 7, 13, 15, -2, 7, 13, 15}, /* < -1 */
        {5, 7, 13, 15, 5, 7, 13, 31},  /* in the tensor, but outside the plane */
    };
    float grad_in[32 + GUARD];
    for (size_t r = 0; r < sizeof bad / sizeof bad[0]; ++r) {
        for (int i = 0; i < 32 + GUARD; ++i) {
            grad_in[i] = sentinel();
        }
        ck_assert_int_eq(ref_pool_backward_max(&pool, &in, grad_out, bad[r], grad_in), -1);
        for (int i = 0; i < 32 + GUARD; ++i) {
            expect_each(bits_of(grad_in[i]) == bits_of(sentinel()), "row %zu wrote [%d]", r, i);
        }
    }
    /* -1 everywhere is valid: all zeros. */
    const int64_t none[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
    const float zeros[32] = {0};
    expect_backward(BACKWARD_MAX, &pool, &in, NULL, grad_out, none, zeros, "all -1");
}
END_TEST

START_TEST(test_backward_errors_and_empty_batch) {
    float x[4] = {1, 2, 3, 4}, g[4] = {1, 1, 1, 1}, gi[4];
    int64_t idx[4] = {0, 0, 0, 0};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 2, 2, 0);
    clpool_pool_desc max = pool_desc(CLPOOL_MODE_MAX, 2, 2);
    clpool_pool_desc avg = pool_desc(CLPOOL_MODE_AVG, 2, 2);
    /* The mode must match the pass. */
    ck_assert_int_eq(ref_pool_backward_max(&avg, &in, g, idx, gi), -1);
    ck_assert_int_eq(ref_pool_backward_max_from_input(&avg, &in, x, g, gi), -1);
    ck_assert_int_eq(ref_pool_backward_avg(&max, &in, g, gi), -1);
    /* NULL descriptors, disagreeing ranks, output size < 1. */
    ck_assert_int_eq(ref_pool_backward_max(NULL, &in, g, idx, gi), -1);
    ck_assert_int_eq(ref_pool_backward_avg(&avg, NULL, g, gi), -1);
    max.spatial_rank = avg.spatial_rank = 3;
    ck_assert_int_eq(ref_pool_backward_max(&max, &in, g, idx, gi), -1);
    ck_assert_int_eq(ref_pool_backward_max_from_input(&max, &in, x, g, gi), -1);
    ck_assert_int_eq(ref_pool_backward_avg(&avg, &in, g, gi), -1);
    max.spatial_rank = avg.spatial_rank = 2;
    max.kernel[0] = avg.kernel[0] = 3;
    ck_assert_int_eq(ref_pool_backward_max(&max, &in, g, idx, gi), -1);
    ck_assert_int_eq(ref_pool_backward_max_from_input(&max, &in, x, g, gi), -1);
    ck_assert_int_eq(ref_pool_backward_avg(&avg, &in, g, gi), -1);
    max.kernel[0] = avg.kernel[0] = 2;
    /* N = 0: nothing read or written. */
    in.n = 0;
    ck_assert_int_eq(ref_pool_backward_max(&max, &in, NULL, NULL, NULL), 0);
    ck_assert_int_eq(ref_pool_backward_max_from_input(&max, &in, NULL, NULL, NULL), 0);
    ck_assert_int_eq(ref_pool_backward_avg(&avg, &in, NULL, NULL), 0);
}
END_TEST

START_TEST(test_backward_avg_3x3_k2s1) {
    /* grad_out / 4 = 0.25, 0.5, 0.75, 1; each input sums the windows that cover it. */
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 3, 3, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_AVG, 2, 2);
    pool.stride[0] = pool.stride[1] = 1;
    const float grad_out[4] = {1, 2, 3, 4};
    const float want[9] = {0.25f,         0.25f + 0.5f, 0.5f,        /* */
                           0.25f + 0.75f, 2.5f,         0.5f + 1.0f, /* */
                           0.75f,         0.75f + 1.0f, 1.0f};
    expect_backward(BACKWARD_AVG, &pool, &in, NULL, grad_out, NULL, want, "avg 3x3 k2 s1");

    /* divisor_override -4: the same, negated. */
    pool.has_divisor_override = 1;
    pool.divisor_override = -4;
    float negated[9];
    for (int i = 0; i < 9; ++i) {
        negated[i] = -want[i];
    }
    expect_backward(BACKWARD_AVG, &pool, &in, NULL, grad_out, NULL, negated, "divisor -4");
}
END_TEST

START_TEST(test_backward_avg_divisors) {
    /* 3x3, k3 s1 p1: valid tap counts 4, 6, 4 / 6, 9, 6 / 4, 6, 4. grad_out = valid * (o + 1)
     * makes g = o + 1 without count_include_pad, and grad_out = 9 * (o + 1) does with it. Input
     * (r, c) is covered by outputs (oh, ow) with |oh - r| <= 1 and |ow - c| <= 1. */
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 3, 3, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_AVG, 2, 3);
    pool.stride[0] = pool.stride[1] = 1;
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = 1;
    const float valid[9] = {4, 6, 4, 6, 9, 6, 4, 6, 4};
    float by_valid[9], by_nine[9];
    for (int o = 0; o < 9; ++o) {
        by_valid[o] = valid[o] * (float)(o + 1);
        by_nine[o] = 9.0f * (float)(o + 1);
    }
    const float want[9] = {1 + 2 + 4 + 5,         1 + 2 + 3 + 4 + 5 + 6,
                           2 + 3 + 5 + 6, /* */
                           1 + 2 + 4 + 5 + 7 + 8, 45,
                           2 + 3 + 5 + 6 + 8 + 9, 4 + 5 + 7 + 8,
                           4 + 5 + 6 + 7 + 8 + 9, 5 + 6 + 8 + 9};
    pool.count_include_pad = 0;
    expect_backward(BACKWARD_AVG, &pool, &in, NULL, by_valid, NULL, want, "valid taps only");
    pool.count_include_pad = 1;
    expect_backward(BACKWARD_AVG, &pool, &in, NULL, by_nine, NULL, want, "count_include_pad");

    /* 1D I=3, k2 s1, divisor -3: g is divided once per output, then added. */
    clpool_tensor_desc in1 = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 1, 1, 3, 0, 0);
    clpool_pool_desc pool1 = pool_desc(CLPOOL_MODE_AVG, 1, 2);
    pool1.stride[0] = 1;
    pool1.has_divisor_override = 1;
    pool1.divisor_override = -3;
    const float grad_out1[2] = {1, 2};
    const float g0 = 1.0f / -3.0f, g1 = 2.0f / -3.0f;
    const float want1[3] = {g0, g0 + g1, g1};
    expect_backward(BACKWARD_AVG, &pool1, &in1, NULL, grad_out1, NULL, want1, "1D divisor -3");
}
END_TEST

START_TEST(test_backward_avg_ceil_overhang) {
    /* 6x6, k3 s2 p1, ceil: per dimension the windows are {0,1}, {1,2,3}, {3,4,5}, {5} with
     * divisors 9 inside, 6 on the overhanging edges, 4 in the corner. grad_out = divisor gives
     * g = 1, so grad_in counts the covering windows: 1, 2, 1, 2, 1, 2 per dimension, multiplied. */
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 6, 6, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_AVG, 2, 3);
    pool.stride[0] = pool.stride[1] = 2;
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = 1;
    pool.ceil_mode = 1;
    const float divisors[16] = {9, 9, 9, 6, 9, 9, 9, 6, 9, 9, 9, 6, 6, 6, 6, 4};
    const float want[36] = {1, 2, 1, 2, 1, 2, 2, 4, 2, 4, 2, 4, 1, 2, 1, 2, 1, 2,
                            2, 4, 2, 4, 2, 4, 1, 2, 1, 2, 1, 2, 2, 4, 2, 4, 2, 4};
    expect_backward(BACKWARD_AVG, &pool, &in, NULL, divisors, NULL, want, "6x6 ceil, g = 1");

    /* grad_out 36 everywhere: g = 4, 6, 9 by divisor. Spot-check corners and an inside tap. */
    float all36[16];
    for (int i = 0; i < 16; ++i) {
        all36[i] = 36;
    }
    float *grad_in = run_backward(BACKWARD_AVG, &pool, &in, NULL, all36, NULL);
    ck_assert_float_eq(grad_in[0], 4);              /* window (0,0) only */
    ck_assert_float_eq(grad_in[5], 4 + 6);          /* windows (0,2), (0,3) */
    ck_assert_float_eq(grad_in[30], 4 + 6);         /* windows (2,0), (3,0) */
    ck_assert_float_eq(grad_in[21], 16);            /* (3,3): windows (1..2, 1..2), all 9 */
    ck_assert_float_eq(grad_in[35], 4 + 6 + 6 + 9); /* (5,5): (2,2), (2,3), (3,2), (3,3) */
    free(grad_in);
}
END_TEST

START_TEST(test_backward_3d_by_hand) {
    /* 3x3x3 arange, max k2 s1: output (z, h, w) takes the window's far corner
     * ((z+1)*3 + h+1)*3 + w+1; average k3 over the whole volume spreads grad / 27. */
    float x[27];
    fill_input(FILL_ARANGE, 0, x, 27);
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 3, 1, 1, 3, 3, 3);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 3, 2);
    pool.stride[0] = pool.stride[1] = pool.stride[2] = 1;
    const int64_t corners[8] = {13, 14, 16, 17, 22, 23, 25, 26};
    expect_indices(&pool, &in, x, corners, 8);
    const float grad_out[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    float want[27] = {0};
    for (int i = 0; i < 8; ++i) {
        want[corners[i]] = grad_out[i];
    }
    expect_backward(BACKWARD_MAX_FROM_INPUT, &pool, &in, x, grad_out, NULL, want, "3D max");
    clpool_pool_desc avg = pool_desc(CLPOOL_MODE_AVG, 3, 3);
    const float grad27[1] = {27};
    float ones[27];
    for (int i = 0; i < 27; ++i) {
        ones[i] = 1;
    }
    expect_backward(BACKWARD_AVG, &avg, &in, NULL, grad27, NULL, ones, "3D global average");
}
END_TEST

/* Checks that the backward of c in channels-last is its channels-first backward transposed, and
 * that backward_max_from_input equals backward_max fed ref_pool_max_indices' indices. */
static void check_backward_layouts(const pool_case *c, uint64_t seed, const char *what) {
    clpool_tensor_desc first = c->input, last = c->input, out;
    last.layout = CLPOOL_LAYOUT_CHANNELS_LAST;
    ck_assert_int_eq(output_desc(&c->pool, &first, &out), 0);
    size_t in_count = element_count(&first), out_count = element_count(&out);
    int64_t in_plane = plane_of(&first), out_plane = plane_of(&out);
    float *x = malloc(in_count * sizeof(float)), *x_last = malloc(in_count * sizeof(float));
    float *g = malloc(out_count * sizeof(float)), *g_last = malloc(out_count * sizeof(float));
    float *y = malloc(out_count * sizeof(float)), *back = calloc(in_count, sizeof(float));
    int64_t *indices = malloc(out_count * sizeof(int64_t));
    ck_assert(x && x_last && g && g_last && y && back && indices);
    fill_input(c->fill, seed, x, in_count);
    fill_input(FILL_RANDOM, seed + 1000, g, out_count);
    transpose(x, x_last, first.n, first.c, in_plane, 1);
    transpose(g, g_last, out.n, out.c, out_plane, 1);
    backward_kind kind = c->pool.mode == CLPOOL_MODE_MAX ? BACKWARD_MAX_FROM_INPUT : BACKWARD_AVG;
    float *gi = run_backward(kind, &c->pool, &first, x, g, NULL);
    float *gi_last = run_backward(kind, &c->pool, &last, x_last, g_last, NULL);
    transpose(gi_last, back, first.n, first.c, in_plane, 0);
    expect_bits(back, gi, in_count, what);
    if (kind == BACKWARD_MAX_FROM_INPUT) {
        ck_assert_int_eq(ref_pool_max_indices(&c->pool, &first, x, y, indices), 0);
        float *gi_idx = run_backward(BACKWARD_MAX, &c->pool, &first, NULL, g, indices);
        expect_bits(gi_idx, gi, in_count, what);
        free(gi_idx);
        ck_assert_int_eq(ref_pool_max_indices(&c->pool, &last, x_last, y, indices), 0);
        gi_idx = run_backward(BACKWARD_MAX, &c->pool, &last, NULL, g_last, indices);
        expect_bits(gi_idx, gi_last, in_count, what);
        free(gi_idx);
    }
    free(gi_last);
    free(gi);
    free(indices);
    free(back);
    free(y);
    free(g_last);
    free(g);
    free(x_last);
    free(x);
}

START_TEST(test_backward_layouts_random) {
    for (uint64_t seed = 0; seed < 200; ++seed) {
        pool_case c;
        random_case(seed, &c);
        char what[64];
        snprintf(what, sizeof what, "backward, random case %llu", (unsigned long long)seed);
        check_backward_layouts(&c, seed, what);
    }
}
END_TEST

START_TEST(test_backward_layouts_table) {
    for (size_t i = 0; i < pool_case_count; ++i) {
        check_backward_layouts(&pool_cases[i], i, pool_cases[i].name);
    }
}
END_TEST

/* The adjoint identity sum(grad_in * x) == sum(grad_out * forward(x)), in double, for random
 * configurations with the mode forced; relative to the sum of the terms' magnitudes. Max outputs
 * of -inf (windows with no in-bounds tap) are left out: they send no gradient anywhere. */
static void check_adjoint(clpool_mode mode, uint64_t seed) {
    pool_case c;
    random_case(seed, &c);
    c.pool.mode = mode;
    clpool_tensor_desc out;
    ck_assert_int_eq(output_desc(&c.pool, &c.input, &out), 0);
    size_t in_count = element_count(&c.input), out_count = element_count(&out);
    float *x = malloc(in_count * sizeof(float)), *g = malloc(out_count * sizeof(float));
    float *y = malloc(out_count * sizeof(float));
    ck_assert(x && g && y);
    fill_input(FILL_RANDOM, seed, x, in_count);
    fill_input(FILL_RANDOM, seed + 1, g, out_count);
    ck_assert_int_eq(ref_pool_forward(&c.pool, &c.input, x, y, NULL), 0);
    backward_kind kind = mode == CLPOOL_MODE_MAX ? BACKWARD_MAX_FROM_INPUT : BACKWARD_AVG;
    float *gi = run_backward(kind, &c.pool, &c.input, x, g, NULL);
    double lhs = 0, rhs = 0, magnitude = 0;
    for (size_t i = 0; i < in_count; ++i) {
        lhs += (double)gi[i] * x[i];
        magnitude += fabs((double)gi[i] * x[i]);
    }
    for (size_t o = 0; o < out_count; ++o) {
        if (y[o] != -INFINITY) {
            rhs += (double)g[o] * y[o];
            magnitude += fabs((double)g[o] * y[o]);
        }
    }
    ck_assert_msg(fabs(lhs - rhs) <= 1e-4 * magnitude + 1e-30,
                  "%s seed %llu: sum(grad_in * x) %.9g, sum(grad_out * y) %.9g",
                  mode == CLPOOL_MODE_MAX ? "max" : "avg", (unsigned long long)seed, lhs, rhs);
    free(gi);
    free(y);
    free(g);
    free(x);
}

START_TEST(test_backward_adjoint) {
    for (uint64_t seed = 0; seed < 40; ++seed) {
        check_adjoint(CLPOOL_MODE_AVG, seed);
        check_adjoint(CLPOOL_MODE_MAX, seed);
    }
}
END_TEST

/* ---- Max unpooling --------------------------------------------------------------------------- */

/* Channels-first to channels-last, or back, as transpose does, for int64 indices. */
static void transpose_indices(const int64_t *src, int64_t *dst, int64_t n, int64_t c, int64_t plane,
                              int to_last) {
    for (int64_t in = 0; in < n; ++in) {
        for (int64_t ic = 0; ic < c; ++ic) {
            for (int64_t p = 0; p < plane; ++p) {
                int64_t first = (in * c + ic) * plane + p;
                int64_t last = (in * plane + p) * c + ic;
                if (to_last) {
                    dst[last] = src[first];
                } else {
                    dst[first] = src[last];
                }
            }
        }
    }
}

/* Runs ref_max_unpool into a fresh output of out_count elements (prefilled with the sentinel and
 * followed by a guard that must survive). */
static float *run_unpool(const clpool_tensor_desc *values, const int64_t *out_spatial,
                         const float *v, const int64_t *indices, size_t out_count) {
    float *output = malloc((out_count + GUARD) * sizeof(float));
    ck_assert_ptr_nonnull(output);
    for (size_t i = 0; i < out_count + GUARD; ++i) {
        output[i] = sentinel();
    }
    ck_assert_int_eq(ref_max_unpool(values, out_spatial, v, indices, output), 0);
    for (size_t i = out_count; i < out_count + GUARD; ++i) {
        expect_each(bits_of(output[i]) == bits_of(sentinel()), "output written past its end");
    }
    return output;
}

/* Checks ref_max_unpool's output bit for bit against want (out_count elements). */
static void expect_unpool(const clpool_tensor_desc *values, const int64_t *out_spatial,
                          const float *v, const int64_t *indices, const float *want,
                          size_t out_count, const char *what) {
    float *output = run_unpool(values, out_spatial, v, indices, out_count);
    expect_bits(output, want, out_count, what);
    free(output);
}

/* Checks that ref_max_unpool returns -1 and leaves a sentinel-filled 64-element output alone. */
static void expect_unpool_rejected(const clpool_tensor_desc *values, const int64_t *out_spatial,
                                   const float *v, const int64_t *indices, const char *what) {
    float output[64];
    for (int i = 0; i < 64; ++i) {
        output[i] = sentinel();
    }
    ck_assert_msg(ref_max_unpool(values, out_spatial, v, indices, output) == -1, "%s accepted",
                  what);
    for (int i = 0; i < 64; ++i) {
        expect_each(bits_of(output[i]) == bits_of(sentinel()), "%s wrote [%d]", what, i);
    }
}

START_TEST(test_unpool_after_max_k2s2) {
    /* Windows {1, 9, 4, 0}, {2, 3, 8, 5}, {7, 6, 2, 3}, {0, 1, 4, 11}: maxima 9, 8, 7, 11 at 1, 6,
     * 8, 15. Unpooling puts each back where it came from, zeros elsewhere. */
    const float x[16] = {1, 9, 2, 3, 4, 0, 8, 5, 7, 6, 0, 1, 2, 3, 4, 11};
    clpool_tensor_desc in = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 4, 4, 0);
    clpool_pool_desc pool = pool_desc(CLPOOL_MODE_MAX, 2, 2);
    const int64_t want_indices[4] = {1, 6, 8, 15};
    expect_indices(&pool, &in, x, want_indices, 4);
    const float values[4] = {9, 8, 7, 11};
    expect_pool(&pool, &in, x, values, 4, "k2 s2 maxima");
    const float want[16] = {0, 9, 0, 0, 0, 0, 8, 0, 7, 0, 0, 0, 0, 0, 0, 11};
    clpool_tensor_desc vd = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 2, 2, 0);
    const int64_t out_spatial[2] = {4, 4};
    expect_unpool(&vd, out_spatial, values, want_indices, want, 16, "unpool k2 s2");
}
END_TEST

START_TEST(test_unpool_ranks_1_and_3) {
    /* 1D: W = 3 values into W = 5. */
    const float v1[3] = {1, 2, 3};
    const int64_t i1[3] = {4, 0, 2};
    const float want1[5] = {2, 0, 3, 0, 1};
    clpool_tensor_desc d1 = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 1, 1, 3, 0, 0);
    const int64_t o1[1] = {5};
    expect_unpool(&d1, o1, v1, i1, want1, 5, "1D");
    /* 3D: 1x1x2 values into 2x3x2; (z, h, w) = (1, 2, 1) is 11 and (0, 1, 0) is 2. */
    const float v3[2] = {5, 6};
    const int64_t i3[2] = {11, 2};
    float want3[12] = {0};
    want3[11] = 5;
    want3[2] = 6;
    clpool_tensor_desc d3 = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 3, 1, 1, 1, 1, 2);
    const int64_t o3[3] = {2, 3, 2};
    expect_unpool(&d3, o3, v3, i3, want3, 12, "3D");
}
END_TEST

START_TEST(test_unpool_layouts_agree) {
    /* N = 2, C = 3, 2x2 values into 4x4 with random indices in [-1, 16) (duplicates included):
     * channels-last is channels-first transposed. */
    enum { N = 2, C = 3, VP = 4, OP = 16, VC = N * C * VP, OC = N * C * OP };
    float v[VC], v_last[VC];
    int64_t idx[VC], idx_last[VC];
    fill_input(FILL_RANDOM, 3, v, VC);
    uint64_t state = 42;
    for (int i = 0; i < VC; ++i) {
        idx[i] = (int64_t)(splitmix64(&state) % (OP + 1)) - 1;
    }
    transpose(v, v_last, N, C, VP, 1);
    transpose_indices(idx, idx_last, N, C, VP, 1);
    clpool_tensor_desc first = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, N, C, 2, 2, 0);
    clpool_tensor_desc last = first;
    last.layout = CLPOOL_LAYOUT_CHANNELS_LAST;
    const int64_t out_spatial[2] = {4, 4};
    float *out = run_unpool(&first, out_spatial, v, idx, OC);
    float *out_last = run_unpool(&last, out_spatial, v_last, idx_last, OC);
    float back[OC];
    transpose(out_last, back, N, C, OP, 0);
    expect_bits(back, out, OC, "channels-last unpool, transposed back");
    /* And channels-first by hand: plane by plane, in order, later writes win. */
    float want[OC] = {0};
    for (int p = 0; p < N * C; ++p) {
        for (int e = 0; e < VP; ++e) {
            if (idx[p * VP + e] >= 0) {
                want[p * OP + idx[p * VP + e]] = v[p * VP + e];
            }
        }
    }
    expect_bits(out, want, OC, "channels-first unpool");
    free(out_last);
    free(out);
}
END_TEST

START_TEST(test_unpool_duplicates_last_wins) {
    clpool_tensor_desc vd = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 2, 2, 2, 0);
    const int64_t out_spatial[2] = {3, 3};
    /* Plane 0: 1 and 2 and 4 all go to 5, 3 goes to 0: 5 holds 4. Plane 1: 5, 6, 7 go to 2 (the
     * last, 7, wins), 8 is -1; the duplicate 5 of plane 0 does not reach plane 1. */
    const float v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const int64_t idx[8] = {5, 5, 0, 5, 2, 2, 2, -1};
    const float want[18] = {3, 0, 0, 0, 0, 4, 0, 0, 0, /* */
                            0, 0, 7, 0, 0, 0, 0, 0, 0};
    expect_unpool(&vd, out_spatial, v, idx, want, 18, "duplicates");
    /* The order, not the value, decides: a smaller value written later still wins. */
    const float down[8] = {9, 1, 0, 0, -3, 8, 0, 0};
    const int64_t idx2[8] = {4, 4, -1, -1, 8, 8, -1, -1};
    float want2[18] = {0};
    want2[4] = 1;
    want2[9 + 8] = 8;
    expect_unpool(&vd, out_spatial, down, idx2, want2, 18, "later smaller value wins");
}
END_TEST

START_TEST(test_unpool_minus_one_skipped) {
    clpool_tensor_desc vd = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 2, 2, 0);
    const int64_t out_spatial[2] = {2, 2};
    const float v[4] = {1, 2, 3, 4};
    const int64_t idx[4] = {-1, 0, -1, 3};
    const float want[4] = {2, 0, 0, 4};
    expect_unpool(&vd, out_spatial, v, idx, want, 4, "-1 skipped");
    const int64_t none[4] = {-1, -1, -1, -1};
    const float zeros[4] = {0, 0, 0, 0};
    expect_unpool(&vd, out_spatial, v, none, zeros, 4, "all -1: zeros");
}
END_TEST

START_TEST(test_unpool_invalid) {
    clpool_tensor_desc vd = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 2, 2, 2, 0);
    const int64_t out_spatial[2] = {3, 3};
    const float v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const int64_t bad[][8] = {
        {9, 0, 1, 2, 3, 4, 5, 6},  /* == plane size, first */
        {0, 1, 2, 3, 4, 5, 6, 9},  /* == plane size, in the last element of plane 1 */
        {0, 1, 2, 3, -2, 5, 6, 7}, /* < -1 */
        {0, 1, 2, 3, 4, 5, 6, 17}, /* in the tensor, outside the plane */
        {0, 1, INT64_MIN, 3, 4, 5, 6, 7},
    };
    char what[32];
    for (size_t r = 0; r < sizeof bad / sizeof bad[0]; ++r) {
        snprintf(what, sizeof what, "bad index row %zu", r);
        expect_unpool_rejected(&vd, out_spatial, v, bad[r], what);
    }
    const int64_t idx[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    expect_unpool_rejected(NULL, out_spatial, v, idx, "NULL values");
    expect_unpool_rejected(&vd, NULL, v, idx, "NULL out_spatial");
    const int64_t zero_size[2] = {3, 0};
    expect_unpool_rejected(&vd, zero_size, v, idx, "out size 0");
    const int64_t negative_size[2] = {-3, 3};
    expect_unpool_rejected(&vd, negative_size, v, idx, "out size -3");
    clpool_tensor_desc broken = vd;
    broken.spatial_rank = 0;
    expect_unpool_rejected(&broken, out_spatial, v, idx, "rank 0");
    broken.spatial_rank = 4;
    expect_unpool_rejected(&broken, out_spatial, v, idx, "rank 4");
    broken = vd;
    broken.c = 0;
    expect_unpool_rejected(&broken, out_spatial, v, idx, "C 0");
    broken = vd;
    broken.n = -1;
    expect_unpool_rejected(&broken, out_spatial, v, idx, "N -1");
    broken = vd;
    broken.layout = (clpool_layout)0;
    expect_unpool_rejected(&broken, out_spatial, v, idx, "layout 0");
    broken = vd;
    broken.spatial[1] = 0;
    expect_unpool_rejected(&broken, out_spatial, v, idx, "values size 0");
    /* N = 0: valid, nothing read or written. */
    broken = vd;
    broken.n = 0;
    ck_assert_int_eq(ref_max_unpool(&broken, out_spatial, NULL, NULL, NULL), 0);
}
END_TEST

START_TEST(test_unpool_larger_output) {
    /* 2x2 values into 5x5 (larger than the 4x4 a k2 s2 pool came from): (0, 0), (2, 2), (3, 4)
     * and (4, 4) are 0, 12, 19 and 24. */
    clpool_tensor_desc vd = tensor_desc(CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 1, 1, 2, 2, 0);
    const int64_t out_spatial[2] = {5, 5};
    const float v[4] = {1, 2, 3, 4};
    const int64_t idx[4] = {0, 12, 19, 24};
    float want[25] = {0};
    want[0] = 1;
    want[12] = 2;
    want[19] = 3;
    want[24] = 4;
    expect_unpool(&vd, out_spatial, v, idx, want, 25, "2x2 into 5x5");
    /* A non-square output: 2x2 values into 2x7, index 13 is the last element. */
    const int64_t wide[2] = {2, 7};
    const int64_t idx_wide[4] = {13, 7, 6, 0};
    float want_wide[14] = {0};
    want_wide[13] = 1;
    want_wide[7] = 2;
    want_wide[6] = 3;
    want_wide[0] = 4;
    expect_unpool(&vd, wide, v, idx_wide, want_wide, 14, "2x2 into 2x7");
}
END_TEST

/* Max pooling then unpooling into the input's shape, for random_case(seed) forced to max with
 * positive FILL_RANDOM data: the result is x where some index points and 0 elsewhere, channels-last
 * agrees, and pooling the result again gives the same values (each window still holds its maximum,
 * and everything else in it is a smaller value or 0). */
static void check_unpool_round_trip(uint64_t seed) {
    pool_case c;
    random_case(seed, &c);
    c.pool.mode = CLPOOL_MODE_MAX;
    clpool_tensor_desc out;
    ck_assert_int_eq(output_desc(&c.pool, &c.input, &out), 0);
    size_t in_count = element_count(&c.input), out_count = element_count(&out);
    int64_t in_plane = plane_of(&c.input), out_plane = plane_of(&out);
    float *x = malloc((in_count + 1) * sizeof(float)), *y = malloc((out_count + 1) * sizeof(float));
    float *want = malloc((in_count + 1) * sizeof(float));
    int64_t *idx = malloc((out_count + 1) * sizeof(int64_t));
    ck_assert(x && y && want && idx);
    fill_input(FILL_RANDOM, seed, x, in_count);
    for (size_t i = 0; i < in_count; ++i) {
        x[i] += 5.0f; /* [1, 9): every window's maximum is > 0 */
    }
    ck_assert_int_eq(ref_pool_max_indices(&c.pool, &c.input, x, y, idx), 0);
    for (size_t i = 0; i < in_count; ++i) {
        want[i] = 0.0f;
    }
    for (int64_t p = 0; p < out.n * out.c; ++p) {
        for (int64_t o = 0; o < out_plane; ++o) {
            int64_t flat = idx[p * out_plane + o];
            if (flat >= 0) {
                want[p * in_plane + flat] = x[p * in_plane + flat];
            }
        }
    }
    float *u = run_unpool(&out, c.input.spatial, y, idx, in_count);
    char what[48];
    snprintf(what, sizeof what, "round trip seed %llu", (unsigned long long)seed);
    expect_bits(u, want, in_count, what);

    /* Channels-last. */
    clpool_tensor_desc out_last = out;
    out_last.layout = CLPOOL_LAYOUT_CHANNELS_LAST;
    float *y_last = malloc((out_count + 1) * sizeof(float)),
          *back = malloc((in_count + 1) * sizeof(float));
    int64_t *idx_last = malloc((out_count + 1) * sizeof(int64_t));
    ck_assert(y_last && back && idx_last);
    transpose(y, y_last, out.n, out.c, out_plane, 1);
    transpose_indices(idx, idx_last, out.n, out.c, out_plane, 1);
    float *u_last = run_unpool(&out_last, c.input.spatial, y_last, idx_last, in_count);
    transpose(u_last, back, out.n, out.c, in_plane, 0);
    expect_bits(back, want, in_count, what);

    /* Pooling the unpooled tensor again. */
    float *y2 = malloc((out_count + 1) * sizeof(float));
    ck_assert_ptr_nonnull(y2);
    ck_assert_int_eq(ref_pool_forward(&c.pool, &c.input, u, y2, NULL), 0);
    expect_bits(y2, y, out_count, what);
    free(y2);
    free(u_last);
    free(idx_last);
    free(back);
    free(y_last);
    free(u);
    free(idx);
    free(want);
    free(y);
    free(x);
}

START_TEST(test_unpool_round_trip) {
    for (uint64_t seed = 0; seed < 40; ++seed) {
        check_unpool_round_trip(seed);
    }
}
END_TEST

/* ---- The case table and the generators ------------------------------------------------------- */

START_TEST(test_case_table_valid) {
    ck_assert_uint_ge(pool_case_count, 40);
    size_t max_cases = 0, avg_cases = 0;
    for (size_t i = 0; i < pool_case_count; ++i) {
        const pool_case *c = &pool_cases[i];
        ck_assert_msg(c->name != NULL && c->name[0] != '\0', "case %zu has no name", i);
        for (const char *p = c->name; *p != '\0'; ++p) {
            expect_each((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_',
                        "case %s: name is not snake_case", c->name);
        }
        for (size_t j = 0; j < i; ++j) {
            expect_each(strcmp(c->name, pool_cases[j].name) != 0, "case name %s repeats", c->name);
        }
        const char *problem = case_problem(c);
        ck_assert_msg(problem == NULL, "case %s: %s", c->name, problem);
        ck_assert_msg(c->input.n * c->input.c * c->input.spatial[0] * c->input.spatial[1] <= 20000,
                      "case %s is too large", c->name);
        max_cases += c->pool.mode == CLPOOL_MODE_MAX;
        avg_cases += c->pool.mode == CLPOOL_MODE_AVG;
    }
    ck_assert_uint_ge(max_cases, 20);
    ck_assert_uint_ge(avg_cases, 20);
}
END_TEST

static int same_case(const pool_case *a, const pool_case *b) {
    const clpool_pool_desc *p = &a->pool, *q = &b->pool;
    int same = a->name == b->name && a->fill == b->fill && p->mode == q->mode &&
               p->spatial_rank == q->spatial_rank && p->ceil_mode == q->ceil_mode &&
               p->count_include_pad == q->count_include_pad &&
               p->has_divisor_override == q->has_divisor_override &&
               p->divisor_override == q->divisor_override && a->input.dtype == b->input.dtype &&
               a->input.layout == b->input.layout &&
               a->input.spatial_rank == b->input.spatial_rank && a->input.n == b->input.n &&
               a->input.c == b->input.c;
    for (int i = 0; i < 2; ++i) {
        same = same && p->kernel[i] == q->kernel[i] && p->stride[i] == q->stride[i] &&
               p->pad_begin[i] == q->pad_begin[i] && p->pad_end[i] == q->pad_end[i] &&
               p->dilation[i] == q->dilation[i] && a->input.spatial[i] == b->input.spatial[i];
    }
    return same;
}

START_TEST(test_random_case_valid_deterministic) {
    size_t max_cases = 0, dilated = 0, overrides = 0, integers = 0, nans = 0, stride0 = 0;
    size_t same_as_previous = 0;
    pool_case previous;
    random_case(UINT64_MAX, &previous);
    for (uint64_t seed = 0; seed < 1000; ++seed) {
        pool_case a, b;
        random_case(seed, &a);
        random_case(seed, &b);
        ck_assert_msg(same_case(&a, &b), "random_case(%llu) is not deterministic",
                      (unsigned long long)seed);
        const char *problem = case_problem(&a);
        ck_assert_msg(problem == NULL, "random_case(%llu): %s", (unsigned long long)seed, problem);
        ck_assert_ptr_null(a.name);
        ck_assert(a.input.n >= 1 && a.input.n <= 3 && a.input.c >= 1 && a.input.c <= 9);
        for (int i = 0; i < 2; ++i) {
            ck_assert(a.input.spatial[i] >= 1 && a.input.spatial[i] <= 24);
            ck_assert(a.pool.kernel[i] >= 1 && a.pool.kernel[i] <= 5);
            ck_assert(a.pool.stride[i] >= 0 && a.pool.stride[i] <= 4);
            ck_assert(a.pool.dilation[i] >= 1 && a.pool.dilation[i] <= 3);
            stride0 += a.pool.stride[i] == 0;
        }
        if (a.pool.has_divisor_override) {
            ck_assert(a.pool.divisor_override >= -9 && a.pool.divisor_override <= 9);
            overrides += 1;
        }
        ck_assert(a.fill == FILL_RANDOM || a.fill == FILL_INTEGERS || a.fill == FILL_NAN_SCATTER);
        max_cases += a.pool.mode == CLPOOL_MODE_MAX;
        dilated += a.pool.dilation[0] > 1 || a.pool.dilation[1] > 1;
        integers += a.fill == FILL_INTEGERS;
        nans += a.fill == FILL_NAN_SCATTER;
        same_as_previous += same_case(&a, &previous);
        previous = a;
    }
    /* The distribution, loosely: each share within a wide band around its target. */
    ck_assert_msg(max_cases > 400 && max_cases < 600, "max share %zu / 1000", max_cases);
    ck_assert_msg(dilated > 150 && dilated < 350, "dilated share %zu / 1000", dilated);
    ck_assert_msg(overrides > 80 && overrides < 250, "override share %zu / 1000", overrides);
    ck_assert_msg(integers > 150 && integers < 350, "integer share %zu / 1000", integers);
    ck_assert_msg(nans > 50 && nans < 150, "NaN share %zu / 1000", nans);
    ck_assert_msg(stride0 > 200, "stride 0 drawn %zu times in 2000", stride0);
    ck_assert_uint_lt(same_as_previous, 5);
}
END_TEST

START_TEST(test_fill_input) {
    enum { COUNT = 20000 };
    float *a = malloc(COUNT * sizeof(float));
    float *b = malloc(COUNT * sizeof(float));
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    const fill_kind kinds[] = {FILL_RANDOM,    FILL_INTEGERS, FILL_NAN_SCATTER, FILL_NEG_INF,
                               FILL_ALL_EQUAL, FILL_ARANGE,   FILL_NAN_ALL};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; ++k) {
        fill_input(kinds[k], 42, a, COUNT);
        fill_input(kinds[k], 42, b, COUNT);
        ck_assert_msg(memcmp(a, b, COUNT * sizeof(float)) == 0, "fill %zu is not deterministic", k);
    }

    fill_input(FILL_RANDOM, 1, a, COUNT);
    fill_input(FILL_RANDOM, 2, b, COUNT);
    ck_assert(memcmp(a, b, COUNT * sizeof(float)) != 0);
    for (size_t i = 0; i < COUNT; ++i) {
        expect_each(a[i] >= -4.0f && a[i] < 4.0f, "element %zu: %g", i, (double)a[i]);
    }

    /* Integers -2, -1 and zeros of both signs, each drawn often. */
    fill_input(FILL_INTEGERS, 1, a, COUNT);
    size_t seen[4] = {0}; /* -2, -1, +0, -0 */
    for (size_t i = 0; i < COUNT; ++i) {
        expect_each(a[i] >= -2.0f && a[i] <= 0.0f && a[i] == floorf(a[i]), "element %zu: %g", i,
                    (double)a[i]);
        seen[a[i] == 0.0f ? 2 + (signbit(a[i]) != 0) : (size_t)(a[i] + 2.0f)] += 1;
    }
    for (int v = 0; v < 4; ++v) {
        ck_assert_msg(seen[v] > COUNT / 10, "integer class %d drawn %zu times", v, seen[v]);
    }

    /* NaN scatter: about 10% NaNs, all quiet, no two with the same bits; the rest in [-4, 4). */
    fill_input(FILL_NAN_SCATTER, 1, a, COUNT);
    uint32_t *payloads = malloc(COUNT * sizeof(uint32_t));
    ck_assert_ptr_nonnull(payloads);
    size_t nan_count = 0;
    for (size_t i = 0; i < COUNT; ++i) {
        if (isnan(a[i])) {
            expect_each((bits_of(a[i]) & UINT32_C(0x7fc00000)) == UINT32_C(0x7fc00000),
                        "element %zu: %g", i, (double)a[i]);
            for (size_t j = 0; j < nan_count; ++j) {
                expect_each(payloads[j] != bits_of(a[i]), "NaN bits repeat at %zu", i);
            }
            payloads[nan_count++] = bits_of(a[i]);
        } else {
            expect_each(a[i] >= -4.0f && a[i] < 4.0f, "element %zu: %g", i, (double)a[i]);
        }
    }
    ck_assert_msg(nan_count > COUNT / 15 && nan_count < COUNT / 7, "%zu NaNs", nan_count);
    free(payloads);

    fill_input(FILL_NEG_INF, 1, a, COUNT);
    size_t finite = 0;
    for (size_t i = 0; i < COUNT; ++i) {
        expect_each(a[i] == -INFINITY || (a[i] >= -4.0f && a[i] < 4.0f), "element %zu: %g", i,
                    (double)a[i]);
        finite += a[i] != -INFINITY;
    }
    ck_assert_msg(finite > COUNT / 40 && finite < COUNT / 10, "%zu finite values", finite);

    fill_input(FILL_ALL_EQUAL, 1, a, COUNT);
    fill_input(FILL_ARANGE, 1, b, COUNT);
    for (size_t i = 0; i < COUNT; ++i) {
        expect_each(a[i] == 1.25f, "element %zu: %g", i, (double)a[i]);
        expect_each(b[i] == (float)i, "element %zu: %g", i, (double)b[i]);
    }

    /* All NaN: consecutive elements have distinct bits (so any two in a window differ). */
    fill_input(FILL_NAN_ALL, 1, a, COUNT);
    for (size_t i = 0; i < COUNT; ++i) {
        expect_each(isnan(a[i]), "element %zu: %g", i, (double)a[i]);
        expect_each(i == 0 || bits_of(a[i]) != bits_of(a[i - 1]), "element %zu: %g", i,
                    (double)a[i]);
    }
    ck_assert(bits_of(a[0]) != bits_of(a[COUNT - 1]));
    free(a);
    free(b);
}
END_TEST

START_TEST(test_splitmix64) {
    /* The published splitmix64 sequence from state 0. */
    uint64_t state = 0;
    ck_assert(splitmix64(&state) == UINT64_C(0xe220a8397b1dcdaf));
    ck_assert(splitmix64(&state) == UINT64_C(0x6e789e6aa1b965f4));
    ck_assert(splitmix64(&state) == UINT64_C(0x06c45d188009454f));
}
END_TEST

static Suite *reference_suite(void) {
    Suite *suite = suite_create("reference");
    TCase *seeds = tcase_create("seed_examples");
    tcase_add_test(seeds, test_seed_3x3_k2s1);
    tcase_add_test(seeds, test_seed_arange16_k3);
    tcase_add_test(seeds, test_seed_arange16_k3p1s2);
    tcase_add_test(seeds, test_seed_stacked_k2s2);
    tcase_add_test(seeds, test_seed_global_avg_1000x7x7);
    suite_add_tcase(suite, seeds);

    TCase *rules = tcase_create("rules");
    tcase_add_test(rules, test_1d_ceil_avg);
    tcase_add_test(rules, test_6x6_k3s2p1_ceil_divisors);
    tcase_add_test(rules, test_output_size);
    tcase_add_test(rules, test_nan_last_wins);
    tcase_add_test(rules, test_ties_keep_first);
    tcase_add_test(rules, test_neg_inf_windows);
    tcase_add_test(rules, test_dilated_empty_window);
    tcase_add_test(rules, test_divisor_override);
    tcase_add_test(rules, test_count_include_pad);
    tcase_add_test(rules, test_y_scale);
    suite_add_tcase(suite, rules);

    TCase *shapes = tcase_create("shapes");
    tcase_set_timeout(shapes, 30);
    tcase_add_test(shapes, test_errors_and_empty_batch);
    tcase_add_test(shapes, test_layouts_agree_random);
    tcase_add_test(shapes, test_layouts_agree_table);
    tcase_add_test(shapes, test_ranks_agree);
    tcase_add_test(shapes, test_3d_by_hand);
    suite_add_tcase(suite, shapes);

    TCase *backward = tcase_create("backward");
    tcase_set_timeout(backward, 30);
    tcase_add_test(backward, test_backward_max_arange_k2s2);
    tcase_add_test(backward, test_backward_max_ties_overlap);
    tcase_add_test(backward, test_backward_max_float_order);
    tcase_add_test(backward, test_backward_max_nan);
    tcase_add_test(backward, test_backward_max_empty_window);
    tcase_add_test(backward, test_backward_max_invalid_index);
    tcase_add_test(backward, test_backward_errors_and_empty_batch);
    tcase_add_test(backward, test_backward_avg_3x3_k2s1);
    tcase_add_test(backward, test_backward_avg_divisors);
    tcase_add_test(backward, test_backward_avg_ceil_overhang);
    tcase_add_test(backward, test_backward_3d_by_hand);
    tcase_add_test(backward, test_backward_layouts_random);
    tcase_add_test(backward, test_backward_layouts_table);
    tcase_add_test(backward, test_backward_adjoint);
    suite_add_tcase(suite, backward);

    TCase *unpool = tcase_create("unpool");
    tcase_set_timeout(unpool, 30);
    tcase_add_test(unpool, test_unpool_after_max_k2s2);
    tcase_add_test(unpool, test_unpool_ranks_1_and_3);
    tcase_add_test(unpool, test_unpool_layouts_agree);
    tcase_add_test(unpool, test_unpool_duplicates_last_wins);
    tcase_add_test(unpool, test_unpool_minus_one_skipped);
    tcase_add_test(unpool, test_unpool_invalid);
    tcase_add_test(unpool, test_unpool_larger_output);
    tcase_add_test(unpool, test_unpool_round_trip);
    suite_add_tcase(suite, unpool);

    TCase *tables = tcase_create("cases");
    tcase_set_timeout(tables, 30);
    tcase_add_test(tables, test_case_table_valid);
    tcase_add_test(tables, test_random_case_valid_deterministic);
    tcase_add_test(tables, test_fill_input);
    tcase_add_test(tables, test_splitmix64);
    suite_add_tcase(suite, tables);
    return suite;
}

int main(void) {
    return run_suite(reference_suite());
}
