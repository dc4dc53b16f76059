/*
 * The device-free half of clpool's API, checked without any OpenCL device: output shapes from
 * clpool_pool_output_desc against the CPU reference's ref_output_size (every named case, 2000
 * random configurations and a hand-computed table of ceil-mode, dilation and too-small edges);
 * every invalid parameter with its own status, a last-error message that names the field and its
 * value, and an output descriptor left untouched; element and byte counts with their overflow
 * limits; the descriptor initialisers; status names and descriptions; the version; and the
 * per-thread last-error message.
 */
#include "suite_main.h"
#include "cases.h"
#include "reference.h"

#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The library's per-dimension limit on sizes, kernels, strides and dilations (2^28). */
#define MAX_EXTENT ((int64_t)1 << 28)
#define POW2(e)    ((int64_t)1 << (e))

enum { RANDOM_SEEDS = 2000, RANDOM_PER_TEST = 100, TEST_TIMEOUT = 60 };

/* ---- Helpers ----------------------------------------------------------------------------------
 */

/* Sets the last error to a known message of another call, so a later check of the message
 * cannot pass on a stale one. */
static void prime_last_error(void) {
    clpool_tensor_desc_size(NULL, NULL, NULL);
    ck_assert_str_eq(clpool_last_error(), "desc is NULL");
}

/* Expects clpool_pool_output_desc to fail with want, with each non-NULL needle in the message,
 * and to leave the output descriptor byte for byte as it was; validating alone (output NULL)
 * must give the same status. */
static void expect_failure(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                           clpool_status want, const char *needle1, const char *needle2,
                           const char *label) {
    clpool_tensor_desc out, before;
    memset(&out, 0xAB, sizeof out);
    memcpy(&before, &out, sizeof out);
    prime_last_error();
    const clpool_status got = clpool_pool_output_desc(pool, input, &out);
    const char *message = clpool_last_error();
    ck_assert_msg(got == want, "%s: got %s (%d), want %s (%d); last error: %s", label,
                  clpool_status_name(got), got, clpool_status_name(want), want, message);
    ck_assert_msg(clpool_is_error(got), "%s: a failure must be an error", label);
    ck_assert_msg(!needle1 || strstr(message, needle1), "%s: message \"%s\" lacks \"%s\"", label,
                  message, needle1);
    ck_assert_msg(!needle2 || strstr(message, needle2), "%s: message \"%s\" lacks \"%s\"", label,
                  message, needle2);
    ck_assert_msg(memcmp(&out, &before, sizeof out) == 0, "%s: output descriptor was written",
                  label);
    ck_assert_int_eq(clpool_pool_output_desc(pool, input, NULL), want);
}

/* Expects success, the input's dtype, layout, rank, N and C copied, and every spatial size equal
 * to ref_output_size's (stride 0 resolved to the kernel). */
static void expect_reference_shape(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                                   const char *label) {
    clpool_tensor_desc out;
    memset(&out, 0xAB, sizeof out);
    const clpool_status got = clpool_pool_output_desc(pool, input, &out);
    ck_assert_msg(got == CLPOOL_SUCCESS, "%s: got %s (%d): %s", label, clpool_status_name(got), got,
                  clpool_last_error());
    ck_assert_int_eq(clpool_pool_output_desc(pool, input, NULL), CLPOOL_SUCCESS);
    ck_assert_int_eq(out.dtype, input->dtype);
    ck_assert_int_eq(out.layout, input->layout);
    ck_assert_int_eq(out.spatial_rank, input->spatial_rank);
    ck_assert_int_eq(out.n, input->n);
    ck_assert_int_eq(out.c, input->c);
    for (int i = 0; i < input->spatial_rank; ++i) {
        if (pool->adaptive) {
            ck_assert_msg(out.spatial[i] == pool->output_size[i],
                          "%s: spatial[%d] = %lld, asked %lld", label, i, (long long)out.spatial[i],
                          (long long)pool->output_size[i]);
            continue;
        }
        const int64_t s = pool->stride[i] ? pool->stride[i] : pool->kernel[i];
        int64_t want = 0;
        ck_assert_msg(ref_output_size(input->spatial[i], pool->kernel[i], s, pool->pad_begin[i],
                                      pool->pad_end[i], pool->dilation[i], pool->ceil_mode,
                                      &want) == 0,
                      "%s: the reference finds dimension %d too small", label, i);
        ck_assert_msg(out.spatial[i] == want, "%s: spatial[%d] = %lld, reference %lld", label, i,
                      (long long)out.spatial[i], (long long)want);
    }
}

/* An average pool, kernel 3x3, stride 2, padding 1, over a 2x3x8x8 float32 input: valid, and
 * every field a validation case changes has room to be wrong on its own. */
static void base_problem(clpool_pool_desc *pool, clpool_tensor_desc *input) {
    clpool_pool_desc_init_2d(pool, CLPOOL_MODE_AVG, 3, 3);
    pool->stride[0] = pool->stride[1] = 2;
    pool->pad_begin[0] = pool->pad_begin[1] = pool->pad_end[0] = pool->pad_end[1] = 1;
    clpool_tensor_desc_init_2d(input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 3, 8, 8);
}

/* ---- Output shapes ----------------------------------------------------------------------------
 */

START_TEST(test_case_table_shapes) {
    const pool_case *c = &pool_cases[_i];
    clpool_tensor_desc input = c->input;
    expect_reference_shape(&c->pool, &input, c->name);
    input.layout = CLPOOL_LAYOUT_CHANNELS_LAST;
    expect_reference_shape(&c->pool, &input, c->name);
}
END_TEST

START_TEST(test_random_shapes) {
    for (int i = 0; i < RANDOM_PER_TEST; ++i) {
        const uint64_t seed = (uint64_t)(_i * RANDOM_PER_TEST + i);
        pool_case c;
        char label[64];
        random_case(seed, &c);
        snprintf(label, sizeof label, "random_case(%llu)", (unsigned long long)seed);
        if (seed % 2)
            c.input.layout = CLPOOL_LAYOUT_CHANNELS_LAST;
        expect_reference_shape(&c.pool, &c.input, label);
    }
}
END_TEST

/* Ranks 1 and 3 and adaptive configurations of every rank, against the reference's sizes. */
START_TEST(test_random_shapes_other_ranks) {
    for (int i = 0; i < RANDOM_PER_TEST; ++i) {
        const uint64_t seed = (uint64_t)(_i * RANDOM_PER_TEST + i);
        const int rank = 1 + (int)(seed % 3);
        pool_case c;
        char label[80];
        if (seed % 2) {
            random_adaptive_case(seed, rank, &c);
            snprintf(label, sizeof label, "random_adaptive_case(%llu, %d)",
                     (unsigned long long)seed, rank);
        } else {
            random_case_rank(seed, rank == 2 ? 3 : rank, &c);
            snprintf(label, sizeof label, "random_case_rank(%llu, %d)", (unsigned long long)seed,
                     c.input.spatial_rank);
        }
        expect_reference_shape(&c.pool, &c.input, label);
    }
}
END_TEST

START_TEST(test_adaptive_table_shapes) {
    expect_reference_shape(&adaptive_cases[_i].pool, &adaptive_cases[_i].input,
                           adaptive_cases[_i].name);
}
END_TEST

/* One dimension's problem, worked out by hand from SEMANTICS.md; out 0 means "too small". */
typedef struct shape_row {
    int64_t in, k, s, pb, pe, d;
    int ceil_mode;
    int64_t out;
} shape_row;

static const shape_row shape_rows[] = {
    {9, 4, 4, 2, 2, 1, 1, 3},  /* the 4th window would start in the end padding: 3, not 4 */
    {9, 4, 4, 2, 2, 1, 0, 3},  /* */
    {6, 3, 2, 1, 1, 1, 1, 4},  /* 6x6 k3 s2 p1 ceil: 4x4 */
    {6, 3, 2, 1, 1, 1, 0, 3},  /* */
    {5, 2, 2, 0, 0, 1, 1, 3},  /* W only: 1x5 k(1,2) s(1,2) ceil gives 1x3 */
    {5, 2, 2, 0, 0, 1, 0, 2},  /* */
    {4, 5, 2, 0, 0, 1, 1, 1},  /* kernel longer than the input, no padding, ceil: one window */
    {4, 5, 2, 0, 0, 1, 0, 0},  /* ... and without ceil, none */
    {5, 3, 1, 2, 2, 2, 0, 5},  /* dilation 2: effective kernel 5, padding 2 */
    {5, 3, 0, 2, 2, 2, 0, 2},  /* stride 0 is the kernel (3), not the effective kernel (5) */
    {7, 3, 2, 0, 0, 1, 0, 3},  /* */
    {7, 3, 2, 0, 0, 1, 1, 3},  /* ceil changes nothing when the windows fit exactly */
    {8, 3, 2, 0, 0, 1, 0, 3},  /* */
    {8, 3, 2, 0, 0, 1, 1, 4},  /* ceil adds the partial last window */
    {10, 3, 3, 1, 0, 1, 0, 3}, /* asymmetric padding */
    {10, 3, 3, 0, 1, 1, 1, 4}, /* */
    {5, 1, 0, 0, 0, 3, 0, 5},  /* dilation of a 1-tap kernel changes nothing */
    {1, 1, 1, 0, 0, 1, 0, 1},  /* */
    {2, 5, 0, 0, 0, 1, 0, 0},  /* I=2, k=5: too small */
    {2, 5, 1, 0, 0, 1, 1, 0},  /* ... with ceil and stride 1 too */
    {2, 5, 0, 0, 0, 1, 1, 1},  /* ... but ceil with stride 5 keeps one window */
    {1, 4, 2, 1, 1, 1, 0, 0},  /* I=1, k=4, p=1, s=2: too small */
    {1, 4, 2, 1, 1, 1, 1, 1},  /* ... but ceil keeps one window */
};

enum { SHAPE_ROWS = sizeof shape_rows / sizeof shape_rows[0] };

/* Row _i / 3 applied to both dimensions (variant 0), to H only (1) or to W only (2), the other
 * dimension then a 1-element input with a 1-tap kernel. */
START_TEST(test_hand_shapes) {
    const shape_row *r = &shape_rows[_i / 3];
    const int variant = _i % 3;
    char label[96];
    snprintf(label, sizeof label, "row %d (I=%lld k=%lld s=%lld), variant %d", _i / 3,
             (long long)r->in, (long long)r->k, (long long)r->s, variant);
    int64_t ref = 0;
    const int ref_ok = ref_output_size(r->in, r->k, r->s ? r->s : r->k, r->pb, r->pe, r->d,
                                       r->ceil_mode, &ref) == 0;
    ck_assert_msg(ref_ok ? ref == r->out : r->out == 0, "%s: the reference disagrees (%lld)", label,
                  (long long)ref);

    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_AVG, 1, 1);
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, 1, 2, 1, 1);
    pool.ceil_mode = r->ceil_mode;
    for (int i = 0; i < 2; ++i) {
        if (variant != 0 && variant != i + 1)
            continue;
        input.spatial[i] = r->in;
        pool.kernel[i] = r->k;
        pool.stride[i] = r->s;
        pool.pad_begin[i] = r->pb;
        pool.pad_end[i] = r->pe;
        pool.dilation[i] = r->d;
    }
    if (r->out == 0) {
        expect_failure(&pool, &input, CLPOOL_ERROR_OUTPUT_TOO_SMALL,
                       variant == 2 ? "output size along W" : "output size along H", "< 1", label);
        return;
    }
    clpool_tensor_desc out;
    ck_assert_int_eq(clpool_pool_output_desc(&pool, &input, &out), CLPOOL_SUCCESS);
    ck_assert_int_eq(out.spatial[0], variant == 2 ? 1 : r->out);
    ck_assert_int_eq(out.spatial[1], variant == 1 ? 1 : r->out);
}
END_TEST

/* ---- Validation, one parameter at a time ------------------------------------------------------
 */

typedef void (*mutator)(clpool_pool_desc *pool, clpool_tensor_desc *input, int64_t v);

#define MUTATOR(name, body)                                                                        \
    static void name(clpool_pool_desc *pool, clpool_tensor_desc *input, int64_t v) {               \
        (void)pool;                                                                                \
        (void)input;                                                                               \
        (void)v;                                                                                   \
        body;                                                                                      \
    }

MUTATOR(set_mode, pool->mode = (clpool_mode)v)
MUTATOR(set_pool_rank, pool->spatial_rank = (int)v)
MUTATOR(set_input_rank, input->spatial_rank = (int)v; input->spatial[2] = 8)
MUTATOR(set_both_ranks, pool->spatial_rank = input->spatial_rank = (int)v; input->spatial[2] = 8;
        pool->kernel[2] = 3; pool->dilation[2] = 1)
MUTATOR(set_adaptive, pool->adaptive = (int)v; pool->output_size[0] = pool->output_size[1] = 3)
MUTATOR(set_adaptive_out_h, pool->adaptive = 1; pool->output_size[1] = 3; pool->output_size[0] = v)
MUTATOR(set_adaptive_out_w, pool->adaptive = 1; pool->output_size[0] = 3; pool->output_size[1] = v)
MUTATOR(set_adaptive_ceil, pool->adaptive = 1; pool->output_size[0] = pool->output_size[1] = 3;
        pool->ceil_mode = (int)v)
MUTATOR(set_adaptive_divisor, pool->adaptive = 1; pool->output_size[0] = pool->output_size[1] = 3;
        pool->has_divisor_override = (int)v; pool->divisor_override = 4)
/* Adaptive pooling ignores the window fields, however wrong. */
MUTATOR(set_adaptive_window, pool->adaptive = 1; pool->output_size[0] = pool->output_size[1] = 3;
        pool->kernel[0] = pool->stride[1] = pool->pad_begin[0] = pool->dilation[1] = v)
MUTATOR(set_dtype, input->dtype = (clpool_dtype)v)
MUTATOR(set_layout, input->layout = (clpool_layout)v)
MUTATOR(set_n, input->n = v)
MUTATOR(set_c, input->c = v)
MUTATOR(set_h, input->spatial[0] = v)
MUTATOR(set_w, input->spatial[1] = v)
MUTATOR(set_kernel_h, pool->kernel[0] = v)
MUTATOR(set_kernel_w, pool->kernel[1] = v)
MUTATOR(set_dilated_kernel_w, pool->kernel[1] = v; pool->dilation[1] = 2)
MUTATOR(set_stride_h, pool->stride[0] = v)
MUTATOR(set_stride_w, pool->stride[1] = v)
MUTATOR(set_dilation_h, pool->dilation[0] = v)
MUTATOR(set_dilation_w, pool->dilation[1] = v)
MUTATOR(set_point_dilation_w, pool->kernel[1] = 1; pool->pad_begin[1] = pool->pad_end[1] = 0;
        pool->dilation[1] = v)
MUTATOR(set_pad_begin_h, pool->pad_begin[0] = v)
MUTATOR(set_pad_end_w, pool->pad_end[1] = v)
MUTATOR(set_dilated_pad_begin_w, pool->dilation[1] = 2; pool->pad_begin[1] = v)
MUTATOR(set_dilated_pad_end_h, pool->dilation[0] = 2; pool->pad_end[0] = v)
MUTATOR(set_ceil_mode, pool->ceil_mode = (int)v)
MUTATOR(set_max_ceil_mode, pool->mode = CLPOOL_MODE_MAX; pool->ceil_mode = (int)v)
MUTATOR(set_count_include_pad, pool->count_include_pad = (int)v)
MUTATOR(set_has_divisor, pool->has_divisor_override = (int)v)
MUTATOR(set_divisor, pool->has_divisor_override = 1; pool->divisor_override = v)
MUTATOR(set_max_avg_fields, pool->mode = CLPOOL_MODE_MAX; pool->count_include_pad = (int)v;
        pool->has_divisor_override = (int)v; pool->divisor_override = 0)
MUTATOR(set_unused_divisor, pool->has_divisor_override = 0; pool->divisor_override = v)

typedef struct validation_case {
    const char *field;
    mutator apply;
    int64_t value;
    clpool_status status; /* CLPOOL_SUCCESS: valid, and the shape must match the reference */
    const char *needle1, *needle2; /* must appear in clpool_last_error() */
} validation_case;

#define OK CLPOOL_SUCCESS, NULL, NULL

static const validation_case validation_cases[] = {
    {"mode", set_mode, 0, CLPOOL_ERROR_INVALID_MODE, "pool->mode", "= 0"},
    {"mode", set_mode, 3, CLPOOL_ERROR_INVALID_MODE, "pool->mode", "= 3"},
    {"pool rank", set_pool_rank, 0, CLPOOL_ERROR_INVALID_RANK, "pool->spatial_rank", "= 0"},
    {"pool rank", set_pool_rank, 4, CLPOOL_ERROR_INVALID_RANK, "pool->spatial_rank", "= 4"},
    {"input rank", set_input_rank, 0, CLPOOL_ERROR_INVALID_RANK, "input->spatial_rank", "= 0"},
    {"input rank", set_input_rank, 4, CLPOOL_ERROR_INVALID_RANK, "input->spatial_rank", "= 4"},
    {"input rank", set_input_rank, 3, CLPOOL_ERROR_INVALID_RANK, "differs", "= 3"},
    {"pool rank", set_pool_rank, 1, CLPOOL_ERROR_INVALID_RANK, "differs", "= 1"},
    {"both ranks", set_both_ranks, 1, OK},
    {"both ranks", set_both_ranks, 3, OK},
    {"adaptive", set_adaptive, 2, CLPOOL_ERROR_INVALID_FLAG, "pool->adaptive", "= 2"},
    {"adaptive", set_adaptive, -1, CLPOOL_ERROR_INVALID_FLAG, "pool->adaptive", "= -1"},
    {"adaptive", set_adaptive, 1, OK},
    {"adaptive output h", set_adaptive_out_h, 0, CLPOOL_ERROR_INVALID_SHAPE, "pool->output_size[0]",
     "= 0"},
    {"adaptive output w", set_adaptive_out_w, -2, CLPOOL_ERROR_INVALID_SHAPE,
     "pool->output_size[1]", "= -2"},
    {"adaptive output w", set_adaptive_out_w, MAX_EXTENT + 1, CLPOOL_ERROR_INVALID_SHAPE,
     "pool->output_size[1]", "= 268435457"},
    {"adaptive output w", set_adaptive_out_w, MAX_EXTENT, OK},
    {"adaptive output h", set_adaptive_out_h, 100, OK},
    {"adaptive ceil", set_adaptive_ceil, 1, CLPOOL_ERROR_INVALID_FLAG, "pool->ceil_mode",
     "adaptive"},
    {"adaptive divisor", set_adaptive_divisor, 1, CLPOOL_ERROR_INVALID_FLAG,
     "pool->has_divisor_override", "adaptive"},
    {"adaptive window", set_adaptive_window, -7, OK},
    {"dtype", set_dtype, 0, CLPOOL_ERROR_INVALID_DTYPE, "input->dtype", "= 0"},
    {"dtype", set_dtype, 99, CLPOOL_ERROR_INVALID_DTYPE, "input->dtype", "= 99"},
    {"dtype", set_dtype, CLPOOL_DTYPE_F16, CLPOOL_ERROR_UNSUPPORTED, "input->dtype", "= 2"},
    {"dtype", set_dtype, CLPOOL_DTYPE_BF16, CLPOOL_ERROR_UNSUPPORTED, "input->dtype", "= 3"},
    {"dtype", set_dtype, CLPOOL_DTYPE_F64, CLPOOL_ERROR_UNSUPPORTED, "input->dtype", "= 4"},
    {"layout", set_layout, 0, CLPOOL_ERROR_INVALID_LAYOUT, "input->layout", "= 0"},
    {"layout", set_layout, 3, CLPOOL_ERROR_INVALID_LAYOUT, "input->layout", "= 3"},
    {"layout", set_layout, CLPOOL_LAYOUT_CHANNELS_LAST, OK},
    {"n", set_n, -1, CLPOOL_ERROR_INVALID_SHAPE, "input->n", "= -1"},
    {"n", set_n, 0, OK},
    {"c", set_c, 0, CLPOOL_ERROR_INVALID_SHAPE, "input->c", "= 0"},
    {"c", set_c, -4, CLPOOL_ERROR_INVALID_SHAPE, "input->c", "= -4"},
    {"c", set_c, (int64_t)INT32_MAX + 1, CLPOOL_ERROR_INVALID_SHAPE, "input->c", "= 2147483648"},
    {"c", set_c, INT32_MAX, OK},
    {"h", set_h, 0, CLPOOL_ERROR_INVALID_SHAPE, "input->spatial[0]", "= 0"},
    {"w", set_w, -3, CLPOOL_ERROR_INVALID_SHAPE, "input->spatial[1]", "= -3"},
    {"h", set_h, MAX_EXTENT + 1, CLPOOL_ERROR_INVALID_SHAPE, "input->spatial[0]", "= 268435457"},
    {"h", set_h, MAX_EXTENT, OK},
    {"kernel h", set_kernel_h, 0, CLPOOL_ERROR_INVALID_KERNEL_SIZE, "pool->kernel[0]", "= 0"},
    {"kernel w", set_kernel_w, -1, CLPOOL_ERROR_INVALID_KERNEL_SIZE, "pool->kernel[1]", "= -1"},
    {"kernel w", set_kernel_w, MAX_EXTENT + 1, CLPOOL_ERROR_INVALID_KERNEL_SIZE, "pool->kernel[1]",
     "= 268435457"},
    {"dilated kernel w", set_dilated_kernel_w, POW2(27) + 1, CLPOOL_ERROR_INVALID_KERNEL_SIZE,
     "kernel[1]", "268435457"},
    {"stride w", set_stride_w, -1, CLPOOL_ERROR_INVALID_STRIDE, "pool->stride[1]", "= -1"},
    {"stride h", set_stride_h, MAX_EXTENT + 1, CLPOOL_ERROR_INVALID_STRIDE, "pool->stride[0]",
     "= 268435457"},
    {"stride h", set_stride_h, 0, OK},
    {"stride w", set_stride_w, 0, OK},
    {"stride w", set_stride_w, MAX_EXTENT, OK},
    {"dilation h", set_dilation_h, 0, CLPOOL_ERROR_INVALID_DILATION, "pool->dilation[0]", "= 0"},
    {"dilation w", set_dilation_w, -2, CLPOOL_ERROR_INVALID_DILATION, "pool->dilation[1]", "= -2"},
    {"dilation w", set_point_dilation_w, MAX_EXTENT + 1, CLPOOL_ERROR_INVALID_DILATION,
     "pool->dilation[1]", "= 268435457"},
    {"dilation w", set_point_dilation_w, MAX_EXTENT, OK},
    {"pad_begin h", set_pad_begin_h, -1, CLPOOL_ERROR_INVALID_PADDING, "pool->pad_begin[0]",
     "= -1"},
    {"pad_end w", set_pad_end_w, -1, CLPOOL_ERROR_INVALID_PADDING, "pool->pad_end[1]", "= -1"},
    {"pad_begin h", set_pad_begin_h, 2, CLPOOL_ERROR_INVALID_PADDING, "pool->pad_begin[0]", "= 2"},
    {"pad_end w", set_pad_end_w, 2, CLPOOL_ERROR_INVALID_PADDING, "pool->pad_end[1]", "= 2"},
    {"pad_end w", set_pad_end_w, 0, OK},
    {"dilated pad_begin w", set_dilated_pad_begin_w, 3, CLPOOL_ERROR_INVALID_PADDING,
     "pool->pad_begin[1]", "= 3"},
    {"dilated pad_begin w", set_dilated_pad_begin_w, 2, OK},
    {"dilated pad_end h", set_dilated_pad_end_h, 3, CLPOOL_ERROR_INVALID_PADDING,
     "pool->pad_end[0]", "= 3"},
    {"dilated pad_end h", set_dilated_pad_end_h, 2, OK},
    {"ceil_mode", set_ceil_mode, 2, CLPOOL_ERROR_INVALID_FLAG, "pool->ceil_mode", "= 2"},
    {"ceil_mode", set_ceil_mode, -1, CLPOOL_ERROR_INVALID_FLAG, "pool->ceil_mode", "= -1"},
    {"ceil_mode", set_ceil_mode, 1, OK},
    {"max ceil_mode", set_max_ceil_mode, 2, CLPOOL_ERROR_INVALID_FLAG, "pool->ceil_mode", "= 2"},
    {"count_include_pad", set_count_include_pad, 2, CLPOOL_ERROR_INVALID_FLAG,
     "pool->count_include_pad", "= 2"},
    {"count_include_pad", set_count_include_pad, 0, OK},
    {"has_divisor_override", set_has_divisor, 2, CLPOOL_ERROR_INVALID_FLAG,
     "pool->has_divisor_override", "= 2"},
    {"max avg-only fields", set_max_avg_fields, 2, OK},
    {"max avg-only fields", set_max_avg_fields, -7, OK},
    {"max avg-only fields", set_max_avg_fields, 1, OK},
    {"divisor_override", set_divisor, 0, CLPOOL_ERROR_INVALID_DIVISOR, "pool->divisor_override",
     "= 0"},
    {"divisor_override", set_divisor, (int64_t)INT32_MAX + 1, CLPOOL_ERROR_INVALID_DIVISOR,
     "pool->divisor_override", "= 2147483648"},
    {"divisor_override", set_divisor, (int64_t)INT32_MIN - 1, CLPOOL_ERROR_INVALID_DIVISOR,
     "pool->divisor_override", "= -2147483649"},
    {"divisor_override", set_divisor, INT32_MIN, CLPOOL_ERROR_INVALID_DIVISOR,
     "pool->divisor_override", "= -2147483648"},
    {"divisor_override", set_divisor, -5, OK},
    {"divisor_override", set_divisor, INT32_MAX, OK},
    {"divisor_override", set_divisor, -INT32_MAX, OK},
    {"unused divisor_override", set_unused_divisor, 0, OK},
};

#undef OK

enum { VALIDATION_CASES = sizeof validation_cases / sizeof validation_cases[0] };

START_TEST(test_validation) {
    const validation_case *v = &validation_cases[_i];
    char label[96];
    snprintf(label, sizeof label, "%s = %lld", v->field, (long long)v->value);
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    base_problem(&pool, &input);
    v->apply(&pool, &input, v->value);
    if (v->status == CLPOOL_SUCCESS)
        expect_reference_shape(&pool, &input, label);
    else
        expect_failure(&pool, &input, v->status, v->needle1, v->needle2, label);
}
END_TEST

START_TEST(test_null_descriptors) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    base_problem(&pool, &input);
    expect_failure(NULL, &input, CLPOOL_ERROR_NULL_POINTER, "pool", "NULL", "pool NULL");
    expect_failure(&pool, NULL, CLPOOL_ERROR_NULL_POINTER, "input", "NULL", "input NULL");
    expect_failure(NULL, NULL, CLPOOL_ERROR_NULL_POINTER, "pool", "NULL", "both NULL");
}
END_TEST

/* ---- Counts and their overflow ----------------------------------------------------------------
 */

typedef struct count_case {
    int64_t n, c, h, w, kernel_h, kernel_w, stride_h, pad_h;
    clpool_status status;
    const char *needle;
} count_case;

static const count_case count_cases[] = {
    /* 2^80 input elements */
    {POW2(40), POW2(20), POW2(20), POW2(20), 1, 1, 0, 0, CLPOOL_ERROR_SIZE_OVERFLOW, "input"},
    {POW2(40), POW2(20), MAX_EXTENT, MAX_EXTENT, 1, 1, 0, 0, CLPOOL_ERROR_SIZE_OVERFLOW, "input"},
#if SIZE_MAX == UINT64_MAX
    /* 2^62 elements fit int64_t, their 2^64 bytes do not fit size_t */
    {POW2(34), POW2(28), 1, 1, 1, 1, 0, 0, CLPOOL_ERROR_SIZE_OVERFLOW, "input"},
    /* 2^61 elements, 2^63 bytes: fine */
    {POW2(33), POW2(28), 1, 1, 1, 1, 0, 0, CLPOOL_SUCCESS, NULL},
    /* the input fits (2^62 - 2^34 elements), the output, one row taller, does not (2^62) */
    {POW2(34), 1, MAX_EXTENT - 1, 1, 2, 1, 1, 1, CLPOOL_ERROR_SIZE_OVERFLOW, "output"},
#endif
    /* kernel volume 2^32 and 46341^2 exceed INT32_MAX; 46340^2 does not */
    {1, 1, POW2(16), POW2(16), POW2(16), POW2(16), 0, 0, CLPOOL_ERROR_INVALID_KERNEL_SIZE,
     "volume"},
    {1, 1, 46341, 46341, 46341, 46341, 0, 0, CLPOOL_ERROR_INVALID_KERNEL_SIZE, "volume"},
    {1, 1, 46340, 46340, 46340, 46340, 0, 0, CLPOOL_SUCCESS, NULL},
    {1, 1, MAX_EXTENT, 1, MAX_EXTENT, 1, 0, 0, CLPOOL_SUCCESS, NULL},
};

enum { COUNT_CASES = sizeof count_cases / sizeof count_cases[0] };

START_TEST(test_output_counts) {
    const count_case *k = &count_cases[_i];
    char label[128];
    snprintf(label, sizeof label, "count case %d: %lldx%lldx%lldx%lld kernel %lldx%lld", _i,
             (long long)k->n, (long long)k->c, (long long)k->h, (long long)k->w,
             (long long)k->kernel_h, (long long)k->kernel_w);
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, k->kernel_h, k->kernel_w);
    pool.stride[0] = k->stride_h;
    pool.pad_begin[0] = pool.pad_end[0] = k->pad_h;
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, k->n, k->c,
                               k->h, k->w);
    if (k->status == CLPOOL_SUCCESS)
        expect_reference_shape(&pool, &input, label);
    else
        expect_failure(&pool, &input, k->status, k->needle, NULL, label);
}
END_TEST

START_TEST(test_batch_zero) {
    clpool_pool_desc pool;
    clpool_tensor_desc input, out;
    base_problem(&pool, &input);
    input.n = 0;
    ck_assert_int_eq(clpool_pool_output_desc(&pool, &input, &out), CLPOOL_SUCCESS);
    ck_assert_int_eq(out.n, 0);
    ck_assert_int_eq(out.c, 3);
    ck_assert_int_eq(out.spatial[0], 4);
    ck_assert_int_eq(out.spatial[1], 4);
    int64_t elements = -1;
    size_t bytes = 1;
    ck_assert_int_eq(clpool_tensor_desc_size(&out, &elements, &bytes), CLPOOL_SUCCESS);
    ck_assert_int_eq(elements, 0);
    ck_assert_uint_eq(bytes, 0);
    elements = -1;
    bytes = 1;
    ck_assert_int_eq(clpool_tensor_desc_size(&input, &elements, &bytes), CLPOOL_SUCCESS);
    ck_assert_int_eq(elements, 0);
    ck_assert_uint_eq(bytes, 0);
}
END_TEST

/* Expects clpool_tensor_desc_size to give these counts, or to fail with status leaving both
 * results untouched. */
static void expect_size(const clpool_tensor_desc *desc, clpool_status status, int64_t elements,
                        size_t bytes) {
    int64_t got_elements = -7;
    size_t got_bytes = 7;
    const clpool_status got = clpool_tensor_desc_size(desc, &got_elements, &got_bytes);
    ck_assert_msg(got == status, "got %s, want %s: %s", clpool_status_name(got),
                  clpool_status_name(status), clpool_last_error());
    if (status != CLPOOL_SUCCESS) {
        ck_assert_int_eq(got_elements, -7);
        ck_assert_uint_eq(got_bytes, 7);
        return;
    }
    ck_assert_int_eq(got_elements, elements);
    ck_assert_uint_eq(got_bytes, bytes);
}

START_TEST(test_tensor_desc_size) {
    clpool_tensor_desc t;
    clpool_tensor_desc_init_2d(&t, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, 2, 3, 5, 7);
    expect_size(&t, CLPOOL_SUCCESS, 210, 840);
    ck_assert_int_eq(clpool_tensor_desc_size(&t, NULL, NULL), CLPOOL_SUCCESS);
    int64_t elements = 0;
    ck_assert_int_eq(clpool_tensor_desc_size(&t, &elements, NULL), CLPOOL_SUCCESS);
    ck_assert_int_eq(elements, 210);
    size_t bytes = 0;
    ck_assert_int_eq(clpool_tensor_desc_size(&t, NULL, &bytes), CLPOOL_SUCCESS);
    ck_assert_uint_eq(bytes, 840);
    t.dtype = CLPOOL_DTYPE_F16; /* sizes work for every valid dtype, supported or not */
    expect_size(&t, CLPOOL_SUCCESS, 210, 420);
    t.dtype = CLPOOL_DTYPE_F64;
    expect_size(&t, CLPOOL_SUCCESS, 210, 1680);
    t.dtype = CLPOOL_DTYPE_F32;
    t.spatial_rank = 1; /* entries past the rank are ignored */
    t.spatial[1] = -9;
    expect_size(&t, CLPOOL_SUCCESS, 30, 120);
    t.spatial_rank = 3;
    t.spatial[1] = 7;
    t.spatial[2] = 11;
    expect_size(&t, CLPOOL_SUCCESS, 2310, 9240);

    prime_last_error();
    ck_assert_int_eq(clpool_tensor_desc_size(NULL, &elements, &bytes), CLPOOL_ERROR_NULL_POINTER);
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "desc"));
    clpool_tensor_desc_init_2d(&t, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, -1, 3, 5, 7);
    expect_size(&t, CLPOOL_ERROR_INVALID_SHAPE, 0, 0);
    t.n = 1;
    t.dtype = (clpool_dtype)0;
    expect_size(&t, CLPOOL_ERROR_INVALID_DTYPE, 0, 0);

    clpool_tensor_desc_init_2d(&t, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, POW2(40),
                               POW2(20), MAX_EXTENT, MAX_EXTENT);
    expect_size(&t, CLPOOL_ERROR_SIZE_OVERFLOW, 0, 0);
#if SIZE_MAX == UINT64_MAX
    clpool_tensor_desc_init_2d(&t, CLPOOL_DTYPE_F16, CLPOOL_LAYOUT_CHANNELS_FIRST, POW2(34),
                               POW2(28), 1, 1);
    expect_size(&t, CLPOOL_SUCCESS, POW2(62), (size_t)1 << 63);
    t.dtype = CLPOOL_DTYPE_F32; /* 2^64 bytes */
    expect_size(&t, CLPOOL_ERROR_SIZE_OVERFLOW, 0, 0);
    t.n = POW2(33);
    t.dtype = CLPOOL_DTYPE_F64; /* 2^61 elements, 2^64 bytes */
    expect_size(&t, CLPOOL_ERROR_SIZE_OVERFLOW, 0, 0);
#endif
}
END_TEST

/* ---- Initialisers -----------------------------------------------------------------------------
 */

START_TEST(test_pool_desc_init) {
    clpool_pool_desc d;
    memset(&d, 0xAB, sizeof d);
    clpool_pool_desc_init_2d(&d, CLPOOL_MODE_AVG, 3, 5);
    ck_assert_int_eq(d.mode, CLPOOL_MODE_AVG);
    ck_assert_int_eq(d.spatial_rank, 2);
    ck_assert_int_eq(d.kernel[0], 3);
    ck_assert_int_eq(d.kernel[1], 5);
    for (int i = 0; i < 2; ++i) {
        ck_assert_int_eq(d.stride[i], 0);
        ck_assert_int_eq(d.pad_begin[i], 0);
        ck_assert_int_eq(d.pad_end[i], 0);
        ck_assert_int_eq(d.dilation[i], 1);
    }
    ck_assert_int_eq(d.ceil_mode, 0);
    ck_assert_int_eq(d.count_include_pad, 1);
    ck_assert_int_eq(d.has_divisor_override, 0);
    ck_assert_int_eq(d.divisor_override, 0);
    clpool_pool_desc_init_2d(&d, CLPOOL_MODE_MAX, 2, 2);
    ck_assert_int_eq(d.mode, CLPOOL_MODE_MAX);
    clpool_pool_desc_init_2d(NULL, CLPOOL_MODE_MAX, 2, 2);
}
END_TEST

START_TEST(test_pool_desc_init_ranks) {
    clpool_pool_desc d;
    const int64_t kernel[3] = {4, 5, 6}, out[3] = {7, 8, 9};
    memset(&d, 0xAB, sizeof d);
    clpool_pool_desc_init_1d(&d, CLPOOL_MODE_MAX, 3);
    ck_assert_int_eq(d.spatial_rank, 1);
    ck_assert_int_eq(d.kernel[0], 3);
    ck_assert_int_eq(d.adaptive, 0);
    ck_assert_int_eq(d.count_include_pad, 1);
    memset(&d, 0xAB, sizeof d);
    clpool_pool_desc_init_3d(&d, CLPOOL_MODE_AVG, 2, 3, 4);
    ck_assert_int_eq(d.spatial_rank, 3);
    ck_assert(d.kernel[0] == 2 && d.kernel[1] == 3 && d.kernel[2] == 4);
    for (int i = 0; i < 3; ++i)
        ck_assert(d.stride[i] == 0 && d.dilation[i] == 1 && d.pad_begin[i] == 0 &&
                  d.pad_end[i] == 0 && d.output_size[i] == 0);
    clpool_pool_desc_init(&d, CLPOOL_MODE_MAX, 3, kernel);
    ck_assert(d.kernel[0] == 4 && d.kernel[1] == 5 && d.kernel[2] == 6 && d.adaptive == 0);
    memset(&d, 0xAB, sizeof d);
    clpool_pool_desc_init_adaptive(&d, CLPOOL_MODE_AVG, 2, out);
    ck_assert(d.adaptive == 1 && d.spatial_rank == 2 && d.mode == CLPOOL_MODE_AVG);
    ck_assert(d.output_size[0] == 7 && d.output_size[1] == 8 && d.output_size[2] == 0);
    ck_assert(d.ceil_mode == 0 && d.has_divisor_override == 0);
    clpool_pool_desc_init_global(&d, CLPOOL_MODE_MAX, 3);
    ck_assert(d.adaptive == 1 && d.spatial_rank == 3);
    ck_assert(d.output_size[0] == 1 && d.output_size[1] == 1 && d.output_size[2] == 1);
    /* an out-of-range rank is stored for validation to report, and nothing is read past 3 */
    clpool_pool_desc_init(&d, CLPOOL_MODE_MAX, 9, kernel);
    ck_assert_int_eq(d.spatial_rank, 9);
    clpool_pool_desc_init(NULL, CLPOOL_MODE_MAX, 2, kernel);
    clpool_pool_desc_init(&d, CLPOOL_MODE_MAX, 2, NULL);
    clpool_pool_desc_init_adaptive(NULL, CLPOOL_MODE_MAX, 2, out);
    clpool_pool_desc_init_adaptive(&d, CLPOOL_MODE_MAX, 2, NULL);
    clpool_pool_desc_init_global(NULL, CLPOOL_MODE_MAX, 2);
    clpool_pool_desc_init_1d(NULL, CLPOOL_MODE_MAX, 2);
    clpool_pool_desc_init_3d(NULL, CLPOOL_MODE_MAX, 2, 2, 2);
}
END_TEST

START_TEST(test_tensor_desc_init_ranks) {
    clpool_tensor_desc t;
    const int64_t spatial[3] = {3, 4, 5};
    memset(&t, 0xAB, sizeof t);
    clpool_tensor_desc_init_1d(&t, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, 2, 3, 16000);
    ck_assert(t.spatial_rank == 1 && t.n == 2 && t.c == 3 && t.spatial[0] == 16000);
    ck_assert(t.spatial[1] == 0 && t.spatial[2] == 0 && t.layout == CLPOOL_LAYOUT_CHANNELS_LAST);
    clpool_tensor_desc_init_3d(&t, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 64, 16, 56,
                               55);
    ck_assert(t.spatial_rank == 3 && t.spatial[0] == 16 && t.spatial[1] == 56 &&
              t.spatial[2] == 55);
    clpool_tensor_desc_init(&t, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 2, 3, spatial);
    ck_assert(t.spatial[0] == 3 && t.spatial[1] == 4 && t.spatial[2] == 5);
    int64_t elements = 0;
    ck_assert_int_eq(clpool_tensor_desc_size(&t, &elements, NULL), CLPOOL_SUCCESS);
    ck_assert_int_eq(elements, 2 * 60);
    clpool_tensor_desc_init(NULL, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 2, 3, spatial);
    clpool_tensor_desc_init(&t, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 2, 3, NULL);
    clpool_tensor_desc_init_1d(NULL, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 2, 3);
    clpool_tensor_desc_init_3d(NULL, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 2, 3, 4, 5);
}
END_TEST

/* 1D and 3D pooling and adaptive windows, worked out by hand. */
START_TEST(test_hand_shapes_ranks) {
    clpool_pool_desc pool;
    clpool_tensor_desc input, out;
    clpool_pool_desc_init_1d(&pool, CLPOOL_MODE_MAX, 4);
    clpool_tensor_desc_init_1d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 8, 64,
                               16000);
    ck_assert_int_eq(clpool_pool_output_desc(&pool, &input, &out), CLPOOL_SUCCESS);
    ck_assert(out.spatial_rank == 1 && out.spatial[0] == 4000 && out.spatial[1] == 0);
    clpool_pool_desc_init_3d(&pool, CLPOOL_MODE_MAX, 2, 2, 2);
    clpool_tensor_desc_init_3d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, 8, 64, 16, 56,
                               56);
    ck_assert_int_eq(clpool_pool_output_desc(&pool, &input, &out), CLPOOL_SUCCESS);
    ck_assert(out.spatial[0] == 8 && out.spatial[1] == 28 && out.spatial[2] == 28);
    const int64_t sizes[3] = {5, 1, 40};
    clpool_pool_desc_init_adaptive(&pool, CLPOOL_MODE_AVG, 3, sizes);
    ck_assert_int_eq(clpool_pool_output_desc(&pool, &input, &out), CLPOOL_SUCCESS);
    ck_assert(out.spatial[0] == 5 && out.spatial[1] == 1 && out.spatial[2] == 40);
    clpool_pool_desc_init_global(&pool, CLPOOL_MODE_MAX, 3);
    ck_assert_int_eq(clpool_pool_output_desc(&pool, &input, &out), CLPOOL_SUCCESS);
    ck_assert(out.spatial[0] == 1 && out.spatial[1] == 1 && out.spatial[2] == 1);
    /* a 1D pool over a 3D input is a rank mismatch */
    clpool_pool_desc_init_global(&pool, CLPOOL_MODE_MAX, 1);
    ck_assert_int_eq(clpool_pool_output_desc(&pool, &input, &out), CLPOOL_ERROR_INVALID_RANK);
    /* the largest adaptive window must stay within int32 taps: 2^28 x 2^28 x 1 is refused */
    clpool_tensor_desc_init_3d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, 0, 1,
                               (int64_t)1 << 28, (int64_t)1 << 28, 1);
    clpool_pool_desc_init_global(&pool, CLPOOL_MODE_MAX, 3);
    ck_assert_int_eq(clpool_pool_output_desc(&pool, &input, &out),
                     CLPOOL_ERROR_INVALID_KERNEL_SIZE);
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "adaptive window"));
}
END_TEST

START_TEST(test_tensor_desc_init) {
    clpool_tensor_desc t;
    memset(&t, 0xAB, sizeof t);
    clpool_tensor_desc_init_2d(&t, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, 4, 5, 6, 7);
    ck_assert_int_eq(t.dtype, CLPOOL_DTYPE_F32);
    ck_assert_int_eq(t.layout, CLPOOL_LAYOUT_CHANNELS_LAST);
    ck_assert_int_eq(t.spatial_rank, 2);
    ck_assert_int_eq(t.n, 4);
    ck_assert_int_eq(t.c, 5);
    ck_assert_int_eq(t.spatial[0], 6);
    ck_assert_int_eq(t.spatial[1], 7);
    clpool_tensor_desc_init_2d(NULL, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, 4, 5, 6, 7);
}
END_TEST

START_TEST(test_plan_options_init) {
    clpool_plan_options o;
    memset(&o, 0xAB, sizeof o);
    clpool_plan_options_init(&o);
    ck_assert_int_eq(o.specialisation, CLPOOL_SPECIALISE_AUTO);
    ck_assert_uint_eq(o.local_size, 0);
    clpool_plan_options_init(NULL);
}
END_TEST

/* ---- Status and version -----------------------------------------------------------------------
 */

typedef struct named_status {
    clpool_status status;
    const char *name;
} named_status;

#define NAMED(code)                                                                                \
    { code, #code }

/* Every status macro of the public header. */
static const named_status library_statuses[] = {
    NAMED(CLPOOL_SUCCESS),
    NAMED(CLPOOL_ERROR_NULL_POINTER),
    NAMED(CLPOOL_ERROR_INVALID_MODE),
    NAMED(CLPOOL_ERROR_INVALID_RANK),
    NAMED(CLPOOL_ERROR_UNSUPPORTED),
    NAMED(CLPOOL_ERROR_INVALID_KERNEL_SIZE),
    NAMED(CLPOOL_ERROR_INVALID_STRIDE),
    NAMED(CLPOOL_ERROR_INVALID_PADDING),
    NAMED(CLPOOL_ERROR_INVALID_DILATION),
    NAMED(CLPOOL_ERROR_INVALID_DIVISOR),
    NAMED(CLPOOL_ERROR_INVALID_FLAG),
    NAMED(CLPOOL_ERROR_INVALID_DTYPE),
    NAMED(CLPOOL_ERROR_INVALID_LAYOUT),
    NAMED(CLPOOL_ERROR_INVALID_SHAPE),
    NAMED(CLPOOL_ERROR_OUTPUT_TOO_SMALL),
    NAMED(CLPOOL_ERROR_SIZE_OVERFLOW),
    NAMED(CLPOOL_ERROR_INVALID_CONTEXT),
    NAMED(CLPOOL_ERROR_INVALID_DEVICE),
    NAMED(CLPOOL_ERROR_DEVICE_NOT_FOUND),
    NAMED(CLPOOL_ERROR_INVALID_PLAN),
    NAMED(CLPOOL_ERROR_INVALID_QUEUE),
    NAMED(CLPOOL_ERROR_INVALID_BUFFER),
    NAMED(CLPOOL_ERROR_INVALID_OFFSET),
    NAMED(CLPOOL_ERROR_BUFFER_TOO_SMALL),
    NAMED(CLPOOL_ERROR_BUFFER_OVERLAP),
    NAMED(CLPOOL_ERROR_INVALID_WAIT_LIST),
    NAMED(CLPOOL_ERROR_OUT_OF_HOST_MEMORY),
    NAMED(CLPOOL_ERROR_INVALID_OPTIONS),
    NAMED(CLPOOL_ERROR_KERNEL_SOURCE_MISSING),
    NAMED(CLPOOL_ERROR_INDEX_TYPE_TOO_SMALL),
    NAMED(CLPOOL_ERROR_INVALID_INDEX),
};

static const named_status opencl_statuses[] = {
    NAMED(CL_OUT_OF_RESOURCES),        NAMED(CL_BUILD_PROGRAM_FAILURE),
    NAMED(CL_INVALID_VALUE),           NAMED(CL_OUT_OF_HOST_MEMORY),
    NAMED(CL_INVALID_WORK_GROUP_SIZE), {-72, "CL_MAX_SIZE_RESTRICTION_EXCEEDED"},
};

#undef NAMED

enum {
    LIBRARY_STATUSES = sizeof library_statuses / sizeof library_statuses[0],
    OPENCL_STATUSES = sizeof opencl_statuses / sizeof opencl_statuses[0]
};

START_TEST(test_library_status_name) {
    const named_status *s = &library_statuses[_i];
    ck_assert_str_eq(clpool_status_name(s->status), s->name);
    const char *description = clpool_status_description(s->status);
    ck_assert_ptr_nonnull(description);
    ck_assert_msg(description[0] != '\0', "%s has an empty description", s->name);
    ck_assert_str_ne(description, "unknown status");
    ck_assert_int_eq(clpool_is_error(s->status), s->status != CLPOOL_SUCCESS);
}
END_TEST

START_TEST(test_library_status_range) {
    clpool_status largest = 0;
    for (int i = 1; i < LIBRARY_STATUSES; ++i) {
        const clpool_status s = library_statuses[i].status;
        ck_assert_msg(s >= 1000, "%s = %d is below 1000", library_statuses[i].name, s);
        for (int j = 1; j < i; ++j)
            ck_assert_msg(library_statuses[j].status != s, "%s and %s share %d",
                          library_statuses[j].name, library_statuses[i].name, s);
        largest = s > largest ? s : largest;
    }
    /* The codes run 1001, 1002, ... without a gap, so a code after the last one is new: it must
     * get a name in the library and a line in library_statuses above. */
    ck_assert_int_eq(largest, 1000 + LIBRARY_STATUSES - 1);
    ck_assert_str_eq(clpool_status_name(largest + 1), "UNKNOWN_STATUS");
}
END_TEST

START_TEST(test_opencl_status_name) {
    for (int i = 0; i < OPENCL_STATUSES; ++i) {
        const named_status *s = &opencl_statuses[i];
        ck_assert_str_eq(clpool_status_name(s->status), s->name);
        ck_assert_msg(clpool_status_description(s->status)[0] != '\0', "%s", s->name);
        ck_assert_str_ne(clpool_status_description(s->status), "unknown status");
        ck_assert_int_eq(clpool_is_error(s->status), 1);
    }
}
END_TEST

START_TEST(test_unknown_status_name) {
    const clpool_status unknown[] = {123456, -9999, 1000, 999, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; ++i) {
        ck_assert_str_eq(clpool_status_name(unknown[i]), "UNKNOWN_STATUS");
        ck_assert_str_eq(clpool_status_description(unknown[i]), "unknown status");
        ck_assert_int_eq(clpool_is_error(unknown[i]), 1);
    }
    ck_assert_int_eq(clpool_is_error(0), 0);
}
END_TEST

START_TEST(test_version) {
    ck_assert_uint_eq(clpool_version_number(), CLPOOL_VERSION_NUMBER);
    ck_assert_str_eq(clpool_version_string(), CLPOOL_VERSION_STRING);
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", CLPOOL_VERSION_MAJOR, CLPOOL_VERSION_MINOR,
             CLPOOL_VERSION_PATCH);
    ck_assert_str_eq(clpool_version_string(), expected);
}
END_TEST

/* ---- Per-thread last error --------------------------------------------------------------------
 */

enum { THREADS = 4, THREAD_ROUNDS = 2000 };

typedef struct thread_report {
    int index;
    char initial[64];  /* the thread's last error before it failed anything */
    int wrong_status;  /* rounds whose failure had another status */
    int wrong_message; /* rounds whose message was not the thread's own */
} thread_report;

/* Fails THREAD_ROUNDS times with a stride of -(index + 2) along W, checking each time that the
 * message is this thread's own. */
static void *fail_repeatedly(void *arg) {
    thread_report *report = arg;
    snprintf(report->initial, sizeof report->initial, "%s", clpool_last_error());
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    base_problem(&pool, &input);
    pool.stride[1] = -(report->index + 2);
    char expected[32];
    snprintf(expected, sizeof expected, "stride[1] (W) = %d ", -(report->index + 2));
    for (int round = 0; round < THREAD_ROUNDS; ++round) {
        if (clpool_pool_output_desc(&pool, &input, NULL) != CLPOOL_ERROR_INVALID_STRIDE)
            ++report->wrong_status;
        if (!strstr(clpool_last_error(), expected))
            ++report->wrong_message;
    }
    return NULL;
}

START_TEST(test_last_error_per_thread) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    base_problem(&pool, &input);
    pool.dilation[0] = -1;
    ck_assert_int_eq(clpool_pool_output_desc(&pool, &input, NULL), CLPOOL_ERROR_INVALID_DILATION);
    char mine[512];
    snprintf(mine, sizeof mine, "%s", clpool_last_error());
    ck_assert_ptr_nonnull(strstr(mine, "dilation[0]"));

    pthread_t threads[THREADS];
    thread_report reports[THREADS];
    memset(reports, 0, sizeof reports);
    for (int t = 0; t < THREADS; ++t) {
        reports[t].index = t;
        ck_assert_int_eq(pthread_create(&threads[t], NULL, fail_repeatedly, &reports[t]), 0);
    }
    for (int t = 0; t < THREADS; ++t)
        ck_assert_int_eq(pthread_join(threads[t], NULL), 0);
    for (int t = 0; t < THREADS; ++t) {
        ck_assert_msg(reports[t].initial[0] == '\0', "thread %d started with \"%s\"", t,
                      reports[t].initial);
        ck_assert_int_eq(reports[t].wrong_status, 0);
        ck_assert_int_eq(reports[t].wrong_message, 0);
    }
    ck_assert_str_eq(clpool_last_error(), mine);
}
END_TEST

/* ---- Suite ------------------------------------------------------------------------------------
 */

static TCase *new_case(Suite *suite, const char *name) {
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, TEST_TIMEOUT);
    suite_add_tcase(suite, tc);
    return tc;
}

static Suite *shape_suite(void) {
    Suite *suite = suite_create("shape");
    TCase *tc = new_case(suite, "output_shape");
    tcase_add_loop_test(tc, test_case_table_shapes, 0, (int)pool_case_count);
    tcase_add_loop_test(tc, test_random_shapes, 0, RANDOM_SEEDS / RANDOM_PER_TEST);
    tcase_add_loop_test(tc, test_hand_shapes, 0, SHAPE_ROWS * 3);
    tcase_add_test(tc, test_hand_shapes_ranks);
    tcase_add_loop_test(tc, test_random_shapes_other_ranks, 0, RANDOM_SEEDS / RANDOM_PER_TEST);
    tcase_add_loop_test(tc, test_adaptive_table_shapes, 0, (int)adaptive_case_count);

    tc = new_case(suite, "validation");
    tcase_add_loop_test(tc, test_validation, 0, VALIDATION_CASES);
    tcase_add_test(tc, test_null_descriptors);

    tc = new_case(suite, "counts");
    tcase_add_loop_test(tc, test_output_counts, 0, COUNT_CASES);
    tcase_add_test(tc, test_batch_zero);
    tcase_add_test(tc, test_tensor_desc_size);

    tc = new_case(suite, "init");
    tcase_add_test(tc, test_pool_desc_init);
    tcase_add_test(tc, test_tensor_desc_init);
    tcase_add_test(tc, test_pool_desc_init_ranks);
    tcase_add_test(tc, test_tensor_desc_init_ranks);
    tcase_add_test(tc, test_plan_options_init);

    tc = new_case(suite, "status");
    tcase_add_loop_test(tc, test_library_status_name, 0, LIBRARY_STATUSES);
    tcase_add_test(tc, test_library_status_range);
    tcase_add_test(tc, test_opencl_status_name);
    tcase_add_test(tc, test_unknown_status_name);
    tcase_add_test(tc, test_version);

    tc = new_case(suite, "threads");
    tcase_add_test(tc, test_last_error_per_thread);
    return suite;
}

int main(void) {
    return run_suite(shape_suite());
}
