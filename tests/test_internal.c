/*
 * White-box tests of the host code, compiled from its sources (not linked from the library, whose
 * internals are hidden in a shared build): a failed kernel build reports the compiler's log, a
 * missing embedded source has its own status, and the forward kernel's 64-bit index variant
 * computes the same results as the reference. The library picks that variant only past 2^31
 * elements, which no test machine can hold, so the test builds it directly for a small problem.
 */
#include "suite_main.h"
#include "cases.h"
#include "expect.h"
#include "local_size.h"
#include "plan.h"
#include "pool_kernels.h"
#include "program_cache.h"
#include "reference.h"
#include "test_device.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cl_mem make_buffer(cl_mem_flags flags, size_t bytes, const void *data) {
    cl_int err = CL_SUCCESS;
    cl_mem buffer = clCreateBuffer(dev.context, flags | (data ? CL_MEM_COPY_HOST_PTR : 0), bytes,
                                   (void *)data, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    return buffer;
}

START_TEST(test_build_failure_reports_log) {
    cl_program program = NULL;
    clpool_status status =
        clpool_program_cache_get(&dev.ctx->cache, dev.context, dev.device, CLPOOL_FORWARD_SOURCE,
                                 "-DDATA_T=no_such_type -DACC_T=float "
                                 "-DIDX_T=int -DPOOL_MAX=1 -DCHANNELS_LAST=0 "
                                 "-DSPECIALISED=0",
                                 &program);
    ck_assert_int_eq(status, CL_BUILD_PROGRAM_FAILURE);
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "clBuildProgram(pool_common+pool_forward)"));
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "build log"));
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "no_such_type"));
    ck_assert_str_eq(clpool_status_name(status), "CL_BUILD_PROGRAM_FAILURE");
    ck_assert_int_eq(clpool_program_cache_get(&dev.ctx->cache, dev.context, dev.device,
                                              "no_such_kernel", "", &program),
                     CLPOOL_ERROR_KERNEL_SOURCE_MISSING);
}
END_TEST

/* Counts the occurrences of needle in haystack. */
static int count_of(const char *haystack, const char *needle) {
    int count = 0;
    for (const char *at = strstr(haystack, needle); at; at = strstr(at + 1, needle))
        ++count;
    return count;
}

/* Every kernel kind's options define each macro once, with the specialisation asked for: a
 * second -D of the same name silently wins, which once compiled specialised forward kernels as
 * generic ones without any result changing. */
START_TEST(test_build_options_define_once) {
    pool_case pc;
    random_case(91, &pc);
    pc.pool.mode = CLPOOL_MODE_MAX;
    clpool_geometry g;
    ck_assert_int_eq(clpool_geometry_resolve(&pc.pool, &pc.input, &g), CLPOOL_SUCCESS);
    const clpool_kernel_kind kinds[] = {CLPOOL_KERNEL_FORWARD, CLPOOL_KERNEL_BACKWARD_MAX_INDICES,
                                        CLPOOL_KERNEL_BACKWARD_MAX_INPUT, CLPOOL_KERNEL_UNPOOL};
    static const char *const macros[] = {
        "-DSPECIALISED=", "-DIN_W=", "-DK_W=", "-DCOVER_W=", "-DINDEX_T=", "-DBACKWARD_KIND="};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; ++k)
        for (int specialise = 0; specialise < 2; ++specialise) {
            char *options = NULL;
            ck_assert_int_eq(clpool_kernel_build_options(&g, &dev.ctx->facts, specialise, kinds[k],
                                                         CLPOOL_INDEX_INT64, &options),
                             CLPOOL_SUCCESS);
            for (size_t m = 0; m < sizeof macros / sizeof macros[0]; ++m)
                ck_assert_msg(count_of(options, macros[m]) <= 1, "kind %d: %s twice in '%s'",
                              (int)kinds[k], macros[m], options);
            ck_assert_msg(count_of(options, specialise ? "-DSPECIALISED=1" : "-DSPECIALISED=0") ==
                              1,
                          "kind %d, specialise %d: '%s'", (int)kinds[k], specialise, options);
            free(options);
        }
}
END_TEST

/* The launches the device tests rely on reaching: residue lanes for the channels-first gathers
 * of test_ranks.c's residue table (from 6 live lanes up), width lanes for those whose windows
 * overlap in no dimension, strided along W (from an input W of 6 up), plane lanes and GLOBAL_WINDOW
 * for channels-first global gathers, width lanes forward (with edge rows given a stride and
 * padding, not with unit stride), channel lanes channels-last, and the two-pass
 * channels-last global average (blocks of 8 taps) from 2^18 input elements up, not below. */
typedef struct {
    clpool_mode mode;
    clpool_layout layout;
    clpool_kernel_kind kind;
    int64_t w, kernel, stride, pad; /* 1D; kernel 0: global */
    const char *expected;           /* in the options, or NULL: no -DLANES at all */
} lanes_case;

START_TEST(test_lanes_chosen) {
    static const lanes_case cases[] = {
        {CLPOOL_MODE_MAX, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_KERNEL_BACKWARD_MAX_INDICES, 11, 3,
         2, 0, "-DLANES=3"},
        {CLPOOL_MODE_MAX, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_KERNEL_BACKWARD_MAX_INDICES, 10, 3,
         2, 0, NULL},
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_KERNEL_BACKWARD_AVG, 64, 8, 5, 0,
         "-DLANES=3"},
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_KERNEL_BACKWARD_AVG, 56, 2, 2, 0,
         "-DLANES=2"},
        {CLPOOL_MODE_MAX, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_KERNEL_BACKWARD_MAX_INDICES, 7, 2, 3,
         1, "-DLANES=2"},
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_KERNEL_BACKWARD_AVG, 5, 2, 2, 0,
         NULL},
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_KERNEL_BACKWARD_AVG, 12544, 0, 0, 0,
         "-DGLOBAL_WINDOW=1 -DLANES=4"},
        {CLPOOL_MODE_MAX, CLPOOL_LAYOUT_CHANNELS_LAST, CLPOOL_KERNEL_BACKWARD_MAX_INDICES, 49, 0, 0,
         0, "-DGLOBAL_WINDOW=1 -DLANES=1"},
        /* 2 x 16 x 8192 = 2^18 elements: two passes from there up (clpool_kernel_partials),
         * the line's blocks taken from it folded into 128 x 64. */
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_LAST, CLPOOL_KERNEL_FORWARD, 8192, 0, 0, 0,
         "-DIN_H=128 -DIN_W=64 -DCH=16 -DOUT_D=1 -DOUT_H=16 -DOUT_W=8 -DK_D=1 -DK_H=8 -DK_W=8"},
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_LAST, CLPOOL_KERNEL_FORWARD, 8192, 0, 0, 0,
         "-DGLOBAL_PARTIALS=1 -DLANES=1"},
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_LAST, CLPOOL_KERNEL_FORWARD, 8191, 0, 0, 0, NULL},
        {CLPOOL_MODE_MAX, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_KERNEL_FORWARD, 13, 3, 2, 0,
         "-DLANES=2"},
        {CLPOOL_MODE_MAX, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_KERNEL_FORWARD, 50, 3, 2, 1,
         "-DLANES=2 -DEDGE_ROWS=1 -DEDGE_FIRST=1 -DEDGE_LAST=0"},
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_KERNEL_FORWARD, 50, 3, 1, 1,
         "-DLANES=2"},
        /* stepped lanes (max with indices) inside the input: unclamped taps, no edge row */
        {CLPOOL_MODE_MAX, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_KERNEL_FORWARD, 50, 3, 1, 0,
         "-DLANES=2 -DEDGE_ROWS=1 -DEDGE_FIRST=0 -DEDGE_LAST=0"},
        {CLPOOL_MODE_MAX, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_KERNEL_BACKWARD_MAX_INPUT, 64, 3, 2,
         0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        const lanes_case *lc = &cases[i];
        clpool_pool_desc pool;
        clpool_tensor_desc input;
        if (lc->kernel)
            clpool_pool_desc_init_1d(&pool, lc->mode, lc->kernel);
        else
            clpool_pool_desc_init_global(&pool, lc->mode, 1);
        if (lc->kernel) {
            pool.stride[0] = lc->stride;
            pool.pad_begin[0] = pool.pad_end[0] = lc->pad;
        }
        clpool_tensor_desc_init_1d(&input, CLPOOL_DTYPE_F32, lc->layout, 2, 16, lc->w);
        clpool_geometry g;
        ck_assert_int_eq(clpool_geometry_resolve(&pool, &input, &g), CLPOOL_SUCCESS);
        clpool_device_facts facts = dev.ctx->facts;
        facts.cpu = 1; /* strided width lanes are for CPUs */
        char *options = NULL;
        ck_assert_int_eq(clpool_kernel_build_options(&g, &facts, 1, lc->kind,
                                                     lc->kind == CLPOOL_KERNEL_BACKWARD_AVG
                                                         ? CLPOOL_INDEX_NONE
                                                         : CLPOOL_INDEX_INT64,
                                                     &options),
                         CLPOOL_SUCCESS);
        if (lc->expected)
            ck_assert_msg(strstr(options, lc->expected), "case %zu: no '%s' in '%s'", i,
                          lc->expected, options);
        else
            ck_assert_msg(!strstr(options, "-DLANES"), "case %zu: lanes in '%s'", i, options);
        ck_assert_msg(!strstr(options, "EDGE") || (lc->expected && strstr(lc->expected, "EDGE")),
                      "case %zu: edge rows in '%s'", i, options);
        free(options);
    }
}
END_TEST

/* Edge rows (pool_forward.cl, EDGE_ROWS) exist so that unclamped taps never read outside the
 * input: on random configurations of every rank, every tap column and filler column of every
 * launched lane (padded lanes included) of every row the lanes run, read from each clamped row of
 * its window, must land inside the tensor, and so must those of the next row's window that
 * wrapped lanes also scan, whose stores must stay inside the output; and the lanes and the edge
 * kernel together must cover every output row. Counts the configurations that take edge rows,
 * and those with wrapped lanes, so the test cannot pass empty. */
static int64_t clamp_to(int64_t v, int64_t n) {
    return v < 0 ? 0 : v >= n ? n - 1 : v;
}

/* The value of -D<name>= in options, 0 when absent. */
static int64_t option_value(const char *options, const char *name) {
    const char *at = strstr(options, name);
    return at ? strtoll(at + strlen(name), NULL, 10) : 0;
}

/* Every column lane row r's window at output column ow - shift reads, filler columns included. */
static void expect_window_reads_inside(const clpool_geometry *g, int64_t r, int64_t shift,
                                       int64_t count, int64_t before, int64_t after,
                                       uint64_t seed) {
    const int64_t total = g->n * g->c * g->in[0] * g->in[1] * g->in[2];
    const int64_t oh = r % g->out[1], od = r / g->out[1] % g->out[0];
    const int64_t plane = r / (g->out[1] * g->out[0]);
    for (int64_t jz = 0; jz < g->kernel[0]; ++jz)
        for (int64_t jy = 0; jy < g->kernel[1]; ++jy) {
            const int64_t z = clamp_to(od * g->stride[0] - g->pad_begin[0] + jz, g->in[0]);
            const int64_t y = clamp_to(oh * g->stride[1] - g->pad_begin[1] + jy, g->in[1]);
            const int64_t row_start = ((plane * g->in[0] + z) * g->in[1] + y) * g->in[2];
            for (int64_t lane = 0; lane < count; ++lane)
                for (int64_t jx = -before; jx < g->kernel[2] + after; ++jx) {
                    const int64_t at =
                        row_start + (lane - shift) * g->stride[2] - g->pad_begin[2] + jx;
                    ck_assert_msg(at >= 0 && at < total,
                                  "seed %llu: row %lld lane %lld (shift %lld) reads element "
                                  "%lld of %lld",
                                  (unsigned long long)seed, (long long)r, (long long)lane,
                                  (long long)shift, (long long)at, (long long)total);
                }
        }
}

static void expect_lane_reads_inside(const clpool_geometry *g, const clpool_device_facts *facts,
                                     clpool_index_type indices, int64_t first, int64_t last,
                                     uint64_t seed, int *wrapped_plans) {
    uint64_t count = 0, rows = 0;
    clpool_kernel_lane_shape(g, facts, CLPOOL_KERNEL_FORWARD, indices, CLPOOL_LANES_WIDTH, &count,
                             &rows);
    const int64_t all_rows = g->n * g->c * g->out[0] * g->out[1];
    ck_assert_msg((int64_t)rows + first + last == all_rows && first >= 0 && last >= 0,
                  "seed %llu: %llu lane rows + %lld + %lld edge rows != %lld",
                  (unsigned long long)seed, (unsigned long long)rows, (long long)first,
                  (long long)last, (long long)all_rows);
    char *options = NULL;
    ck_assert_int_eq(
        clpool_kernel_build_options(g, facts, 1, CLPOOL_KERNEL_FORWARD, indices, &options),
        CLPOOL_SUCCESS);
    const int64_t before = option_value(options, "-DFILLER_BEFORE=");
    const int64_t after = option_value(options, "-DFILLER_COLUMNS=");
    const int64_t wrapped = option_value(options, "-DWRAPPED_LANES=");
    /* Stepped lanes: the row's last group steps back to end on its last output. */
    const int stepped = strstr(options, "-DSTEPPED_LANES=1") != NULL;
    free(options);
    ck_assert(!wrapped || (int64_t)count == wrapped);
    if (stepped)
        count = (uint64_t)g->out[2];
    if (wrapped)
        ++*wrapped_plans;
    for (int64_t r = first; r < all_rows - last; ++r) {
        expect_window_reads_inside(g, r, 0, (int64_t)count, before, after, seed);
        if (!wrapped)
            continue;
        /* The next row's window at column lane - OW, and the stores up to row r + 1. */
        ck_assert_msg(r + 1 < all_rows, "seed %llu: wrapped row %lld is the last",
                      (unsigned long long)seed, (long long)r);
        expect_window_reads_inside(g, r + 1, g->out[2], (int64_t)count, before, after, seed);
    }
}

/* Planes 6 or 7 outputs wide, where lanes wrap: max and average, every window of 1 to 5 taps,
 * stride 2 or 3, padding at the begin up to half the window and at the end up to that, ceil_mode
 * and width that give them, on a few heights and plane counts, checked as above. */
static void sweep_wrapped_planes(const clpool_device_facts *facts, int *wrapped) {
    for (int mode = 0; mode < 2; ++mode)
        for (int64_t k = 1; k <= 5; ++k)
            for (int64_t s = 2; s <= 3; ++s)
                for (int64_t pad = 0; pad <= k / 2 * 4; ++pad)
                    for (int64_t w = k; w <= 24; ++w)
                        for (int variant = 0; variant < 4; ++variant) {
                            const int64_t kernel[2] = {k, k};
                            const int64_t spatial[2] = {variant % 2 ? 2 * k : k, w};
                            clpool_pool_desc pool;
                            clpool_tensor_desc input;
                            clpool_pool_desc_init(&pool, mode ? CLPOOL_MODE_AVG : CLPOOL_MODE_MAX,
                                                  2, kernel);
                            pool.stride[0] = pool.stride[1] = s;
                            /* pad = 4 x begin + end, end <= begin */
                            pool.pad_begin[0] = pool.pad_begin[1] = pad / 4;
                            pool.pad_end[0] = pool.pad_end[1] = pad % 4;
                            pool.ceil_mode = variant / 2;
                            clpool_tensor_desc_init(&input, CLPOOL_DTYPE_F32,
                                                    CLPOOL_LAYOUT_CHANNELS_FIRST, 1 + variant % 2,
                                                    1 + variant, 2, spatial);
                            clpool_geometry g;
                            if (pad % 4 > pad / 4 ||
                                clpool_geometry_resolve(&pool, &input, &g) != CLPOOL_SUCCESS ||
                                g.out[2] < 6 || g.out[2] > 7)
                                continue;
                            for (int i = 0; i < 2 - mode; ++i) {
                                const clpool_index_type indices =
                                    i ? CLPOOL_INDEX_INT64 : CLPOOL_INDEX_NONE;
                                int64_t first = -1, last = -1;
                                if (clpool_kernel_edge_rows(&g, facts, 1, CLPOOL_KERNEL_FORWARD,
                                                            indices, &first, &last))
                                    expect_lane_reads_inside(&g, facts, indices, first, last,
                                                             (uint64_t)(k * 1000 + w), wrapped);
                            }
                        }
}

START_TEST(test_edge_rows_read_inside) {
    clpool_device_facts facts = dev.ctx->facts;
    facts.cpu = 1;
    int taken = 0, wrapped = 0;
    for (uint64_t seed = 1; seed <= 1500; ++seed) {
        pool_case pc;
        random_case_rank(seed, 1 + (int)(seed % 3), &pc);
        clpool_geometry g;
        if (clpool_geometry_resolve(&pc.pool, &pc.input, &g) != CLPOOL_SUCCESS)
            continue;
        const clpool_index_type kinds[2] = {CLPOOL_INDEX_NONE, CLPOOL_INDEX_INT64};
        for (int k = 0; k < (pc.pool.mode == CLPOOL_MODE_MAX ? 2 : 1); ++k) {
            int64_t first = -1, last = -1;
            if (!clpool_kernel_edge_rows(&g, &facts, 1, CLPOOL_KERNEL_FORWARD, kinds[k], &first,
                                         &last))
                continue;
            ++taken;
            expect_lane_reads_inside(&g, &facts, kinds[k], first, last, seed, &wrapped);
        }
    }
    ck_assert_msg(taken >= 100, "only %d random configurations took edge rows", taken);
    sweep_wrapped_planes(&facts, &wrapped);
    ck_assert_msg(wrapped >= 150, "only %d configurations wrapped their lanes", wrapped);
}
END_TEST

/* On devices other than CPUs, strided channels-first forward plans launch in memory order, with
 * no width lanes and no edge rows; unit-stride ones keep their lanes. */
START_TEST(test_width_lanes_on_gpus) {
    static const struct {
        int64_t stride, pad;
        int lanes;
    } cases[] = {{2, 1, 0}, {2, 0, 0}, {1, 1, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        clpool_pool_desc pool;
        clpool_tensor_desc input;
        clpool_pool_desc_init_1d(&pool, CLPOOL_MODE_MAX, 3);
        pool.stride[0] = cases[i].stride;
        pool.pad_begin[0] = pool.pad_end[0] = cases[i].pad;
        clpool_tensor_desc_init_1d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 16,
                                   50);
        clpool_geometry g;
        ck_assert_int_eq(clpool_geometry_resolve(&pool, &input, &g), CLPOOL_SUCCESS);
        clpool_device_facts facts = dev.ctx->facts;
        facts.cpu = 0;
        char *options = NULL;
        ck_assert_int_eq(clpool_kernel_build_options(&g, &facts, 1, CLPOOL_KERNEL_FORWARD,
                                                     CLPOOL_INDEX_NONE, &options),
                         CLPOOL_SUCCESS);
        ck_assert_msg(cases[i].lanes ? strstr(options, "-DLANES=2") != NULL
                                     : strstr(options, "-DLANES") == NULL,
                      "case %zu: '%s'", i, options);
        ck_assert_msg(!strstr(options, "EDGE"), "case %zu: '%s'", i, options);
        free(options);
    }
}
END_TEST

/* Forward plans write int64 indices as two 32-bit words on little-endian devices
 * (pool_forward.cl, INDEX_WORDS) from channel lanes and, on CPU devices, from strided width lanes
 * at least 16 wide whose windows overlap, from those at least 16 wide
 * and a multiple of 8 whose windows do not, from wrapped lanes and from stepped lanes; not
 * int32 indices, not compacted lanes (which store ints into the scratch buffer), not other
 * launches. */
START_TEST(test_index_words_chosen) {
    const struct {
        clpool_layout layout;
        clpool_index_type indices;
        int64_t d, w, kernel, stride;
        int words; /* 2: on CPU devices only (width lanes) */
        int64_t pad;
    } cases[] = {
        {CLPOOL_LAYOUT_CHANNELS_LAST, CLPOOL_INDEX_INT64, 1, 50, 3, 2, 1, 0},
        {CLPOOL_LAYOUT_CHANNELS_LAST, CLPOOL_INDEX_INT32, 1, 50, 3, 2, 0, 0},
        {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_INT64, 1, 50, 3, 2, 2, 0}, /* 24 lanes */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_INT64, 3, 50, 3, 2, 2, 0}, /* depth 3 */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_INT32, 1, 50, 3, 2, 0, 0},
        {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_INT64, 1, 31, 3, 2, 0, 0}, /* 15 lanes */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_INT64, 1, 64, 2, 2, 2, 0}, /* no overlap, 32 */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_INT64, 1, 56, 2, 2, 0, 0}, /* no overlap, 28 */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_INT64, 1, 50, 3, 1, 2, 0}, /* stepped */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_INT64, 1, 13, 3, 2, 0, 0}, /* compacted, 6 */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_INT64, 1, 13, 3, 2, 0, 1}, /* compacted, 7 */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_INT64, 1, 14, 2, 2, 2, 0}, /* wrapped, 7 */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_INT64, 1, 9, 3, 1, 0, 0}}; /* 7 outputs */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        clpool_pool_desc pool;
        clpool_tensor_desc input;
        clpool_pool_desc_init_3d(&pool, CLPOOL_MODE_MAX, 1, 1, cases[i].kernel);
        pool.stride[2] = cases[i].stride;
        pool.pad_begin[2] = pool.pad_end[2] = cases[i].pad;
        clpool_tensor_desc_init_3d(&input, CLPOOL_DTYPE_F32, cases[i].layout, 2, 16, cases[i].d, 1,
                                   cases[i].w);
        clpool_geometry g;
        ck_assert_int_eq(clpool_geometry_resolve(&pool, &input, &g), CLPOOL_SUCCESS);
        char *options = NULL;
        ck_assert_int_eq(clpool_kernel_build_options(&g, &dev.ctx->facts, 1, CLPOOL_KERNEL_FORWARD,
                                                     cases[i].indices, &options),
                         CLPOOL_SUCCESS);
        const int expected = (cases[i].words == 1 || (cases[i].words == 2 && dev.ctx->facts.cpu)) &&
                             dev.ctx->facts.little_endian;
        ck_assert_msg((strstr(options, "-DINDEX_WORDS=1") != NULL) == expected,
                      "case %zu (little-endian %d): '%s'", i, dev.ctx->facts.little_endian,
                      options);
        free(options);
    }
}
END_TEST

/* Stepped lanes (pool_kernels.h, clpool_kernel_stepped_lanes): unit-stride channels-first max
 * forward plans with indices, at least 8 outputs wide, more than one tap along W, on CPU
 * devices; the step is the lanes (the output's W rounded up to 8) less the output's W. */
/* Channels-last global averages whose taps lie a multiple of 4 KiB apart take two passes on CPU
 * devices in blocks of at most 8 taps (pool_kernels.c, aliased_taps), even on planes small
 * enough to spell out: a 7 x 7 plane of C = 1024 in rows of 7; not C = 1016 or 1280 (5 KiB),
 * not max pooling, not channels-first, not other devices, and not planes of 8 taps or fewer. */
START_TEST(test_aliased_taps_blocks) {
    const struct {
        clpool_mode mode;
        clpool_layout layout;
        int64_t c, h, w;
        int cpu, blocks_w; /* blocks_w 0: one pass */
    } cases[] = {
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_LAST, 1024, 7, 7, 1, 7},
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_LAST, 2048, 5, 20, 1, 8},
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_LAST, 1016, 7, 7, 1, 0},
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_LAST, 1280, 7, 7, 1, 0},
        {CLPOOL_MODE_MAX, CLPOOL_LAYOUT_CHANNELS_LAST, 1024, 7, 7, 1, 0},
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_FIRST, 1024, 7, 7, 1, 0},
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_LAST, 1024, 7, 7, 0, 0},
        {CLPOOL_MODE_AVG, CLPOOL_LAYOUT_CHANNELS_LAST, 1024, 2, 4, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        clpool_pool_desc pool;
        clpool_tensor_desc input;
        clpool_pool_desc_init_global(&pool, cases[i].mode, 2);
        const int64_t spatial[2] = {cases[i].h, cases[i].w};
        clpool_tensor_desc_init(&input, CLPOOL_DTYPE_F32, cases[i].layout, 64, cases[i].c, 2,
                                spatial);
        clpool_geometry g, blocks;
        ck_assert_int_eq(clpool_geometry_resolve(&pool, &input, &g), CLPOOL_SUCCESS);
        clpool_device_facts facts = dev.ctx->facts;
        facts.cpu = cases[i].cpu;
        const int two = clpool_kernel_partials(&g, &facts, 1, CLPOOL_KERNEL_FORWARD, &blocks);
        ck_assert_msg(two == (cases[i].blocks_w != 0), "case %zu: %d", i, two);
        if (two)
            ck_assert_msg(blocks.kernel[2] == cases[i].blocks_w &&
                              blocks.kernel[1] * blocks.kernel[2] <= 8 && blocks.kernel[0] == 1,
                          "case %zu: blocks %lld x %lld", i, (long long)blocks.kernel[1],
                          (long long)blocks.kernel[2]);
    }
}
END_TEST

START_TEST(test_stepped_lanes_chosen) {
    const struct {
        clpool_mode mode;
        clpool_index_type indices;
        int64_t w, kernel, stride, pad;
        int cpu;
        int step; /* -1: not stepped */
    } cases[] = {
        {CLPOOL_MODE_MAX, CLPOOL_INDEX_INT64, 20, 3, 1, 1, 1, 4},
        {CLPOOL_MODE_MAX, CLPOOL_INDEX_INT32, 11, 3, 1, 0, 1, 7}, /* 9 outputs */
        {CLPOOL_MODE_MAX, CLPOOL_INDEX_INT64, 10, 3, 1, 0, 1, 0}, /* 8 outputs */
        {CLPOOL_MODE_MAX, CLPOOL_INDEX_INT64, 9, 3, 1, 0, 1, -1}, /* 7 outputs */
        {CLPOOL_MODE_MAX, CLPOOL_INDEX_NONE, 20, 3, 1, 1, 1, -1},
        {CLPOOL_MODE_AVG, CLPOOL_INDEX_NONE, 20, 3, 1, 1, 1, -1},
        {CLPOOL_MODE_MAX, CLPOOL_INDEX_INT64, 20, 3, 1, 1, 0, -1}, /* not a CPU */
        {CLPOOL_MODE_MAX, CLPOOL_INDEX_INT64, 40, 3, 2, 0, 1, -1}, /* strided */
        {CLPOOL_MODE_MAX, CLPOOL_INDEX_INT64, 32, 1, 1, 0, 1, -1}, /* one tap along W */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        clpool_pool_desc pool;
        clpool_tensor_desc input;
        clpool_pool_desc_init_1d(&pool, cases[i].mode, cases[i].kernel);
        pool.stride[0] = cases[i].stride;
        pool.pad_begin[0] = pool.pad_end[0] = cases[i].pad;
        clpool_tensor_desc_init_1d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 16,
                                   cases[i].w);
        clpool_geometry g;
        ck_assert_int_eq(clpool_geometry_resolve(&pool, &input, &g), CLPOOL_SUCCESS);
        clpool_device_facts facts = dev.ctx->facts;
        facts.cpu = cases[i].cpu;
        char *options = NULL;
        ck_assert_int_eq(clpool_kernel_build_options(&g, &facts, 1, CLPOOL_KERNEL_FORWARD,
                                                     cases[i].indices, &options),
                         CLPOOL_SUCCESS);
        char want[64];
        snprintf(want, sizeof want, "-DSTEPPED_LANES=1 -DLANE_STEP=%d", cases[i].step);
        const char *at = strstr(options, want);
        if (cases[i].step >= 0)
            ck_assert_msg(at && (at[strlen(want)] == ' ' || at[strlen(want)] == '\0'),
                          "case %zu: no '%s' in '%s'", i, want, options);
        else
            ck_assert_msg(!strstr(options, "STEPPED"), "case %zu: '%s'", i, options);
        ck_assert_int_eq(
            clpool_kernel_stepped_lanes(&g, &facts, 1, CLPOOL_KERNEL_FORWARD, cases[i].indices),
            cases[i].step >= 0);
        free(options);
    }
}
END_TEST

/* A stepped plan's groups are 8 lanes wide whatever work-group size it is given or chooses, 1 to
 * 256 (a narrower group could not step back within the row), and every size gives the
 * reference's values and indices bit for bit: ties (integers) and NaNs with payloads, where a
 * recomputed output must come out exactly as its first computation. */
START_TEST(test_stepped_lanes_results) {
    static const size_t locals[] = {0, 1, 4, 24, 256};
    static const fill_kind fills[] = {FILL_INTEGERS, FILL_NAN_SCATTER};
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, 3, 3);
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = 1;
    pool.stride[0] = pool.stride[1] = 1;
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 3, 5, 20);
    const size_t n = 2 * 3 * 5 * 20; /* the output has the input's shape */
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *want = malloc(n * sizeof *want);
    int64_t *idx = malloc(n * sizeof *idx), *want_idx = malloc(n * sizeof *want_idx);
    ck_assert(x && y && want && idx && want_idx);
    for (size_t l = 0; l < sizeof locals / sizeof locals[0]; ++l)
        for (size_t f = 0; f < sizeof fills / sizeof fills[0]; ++f) {
            fill_input(fills[f], 31 + f, x, n);
            ck_assert_int_eq(ref_pool_max_indices(&pool, &input, x, want, want_idx), 0);
            clpool_plan_options options;
            clpool_plan_options_init(&options);
            options.local_size = locals[l];
            options.indices = CLPOOL_INDEX_INT64;
            clpool_plan *plan = NULL;
            ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, &options, &plan),
                             CLPOOL_SUCCESS);
            const char *step = strstr(plan->build_options, "-DLANE_STEP=4");
            ck_assert(step && (step[13] == ' ' || step[13] == '\0'));
            cl_mem in = make_buffer(CL_MEM_READ_ONLY, n * sizeof *x, x);
            cl_mem out = make_buffer(CL_MEM_WRITE_ONLY, n * sizeof *y, NULL);
            cl_mem ind = make_buffer(CL_MEM_WRITE_ONLY, n * sizeof *idx, NULL);
            ck_assert_int_eq(clpool_plan_enqueue_with_indices(plan, dev.queue, in, 0, out, 0, ind,
                                                              0, 0, NULL, NULL),
                             CLPOOL_SUCCESS);
            ck_assert_uint_eq(plan->lane_local[0], 8);
            ck_assert_int_eq(
                clEnqueueReadBuffer(dev.queue, out, CL_TRUE, 0, n * sizeof *y, y, 0, NULL, NULL),
                CL_SUCCESS);
            ck_assert_int_eq(clEnqueueReadBuffer(dev.queue, ind, CL_TRUE, 0, n * sizeof *idx, idx,
                                                 0, NULL, NULL),
                             CL_SUCCESS);
            for (size_t i = 0; i < n; ++i)
                expect_each(float_bits(y[i]) == float_bits(want[i]) && idx[i] == want_idx[i],
                            "local %zu, fill %zu, output %zu: %g (index %lld), want %g (%lld)",
                            locals[l], f, i, y[i], (long long)idx[i], want[i],
                            (long long)want_idx[i]);
            clReleaseMemObject(in);
            clReleaseMemObject(out);
            clReleaseMemObject(ind);
            clpool_plan_release(plan);
        }
    free(x);
    free(y);
    free(want);
    free(idx);
    free(want_idx);
}
END_TEST

/* Average backward plans that run the forward kernel on grad_output (pool_kernels.h,
 * clpool_kernel_mirrored_backward): specialised, channels-first, on CPU devices, stride 1 in
 * every dimension and one divisor for every window; the mirror pads by kernel - 1 - pad and
 * divides by the shared divisor. */
START_TEST(test_mirrored_backward_chosen) {
    const struct {
        clpool_layout layout;
        int64_t w, kernel, stride, pad;
        int count_include_pad, divisor, cpu, specialise, mirrored;
    } cases[] = {
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 20, 3, 1, 1, 1, 0, 1, 1, 1},
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 20, 3, 1, 0, 1, 0, 1, 1, 1},
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 20, 3, 1, 1, 0, 5, 1, 1, 1}, /* exclude pad, override */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 20, 3, 1, 1, 0, 0, 1, 1, 0}, /* exclude pad */
        {CLPOOL_LAYOUT_CHANNELS_LAST, 20, 3, 1, 1, 1, 0, 1, 1, 0},
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 20, 3, 2, 1, 1, 0, 1, 1, 0}, /* stride 2 */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 20, 3, 1, 1, 1, 0, 0, 1, 0}, /* not a CPU */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 20, 3, 1, 1, 1, 0, 1, 0, 0}, /* generic */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 5, 3, 1, 1, 1, 0, 1, 1, 0}}; /* 5 lanes */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        clpool_pool_desc pool;
        clpool_tensor_desc input;
        clpool_pool_desc_init_1d(&pool, CLPOOL_MODE_AVG, cases[i].kernel);
        pool.stride[0] = cases[i].stride;
        pool.pad_begin[0] = pool.pad_end[0] = cases[i].pad;
        pool.count_include_pad = cases[i].count_include_pad;
        pool.has_divisor_override = cases[i].divisor != 0;
        pool.divisor_override = cases[i].divisor;
        clpool_tensor_desc_init_1d(&input, CLPOOL_DTYPE_F32, cases[i].layout, 2, 16, cases[i].w);
        clpool_geometry g, m;
        ck_assert_int_eq(clpool_geometry_resolve(&pool, &input, &g), CLPOOL_SUCCESS);
        clpool_device_facts facts = dev.ctx->facts;
        facts.cpu = cases[i].cpu;
        const int mirrored = clpool_kernel_mirrored_backward(&g, &facts, cases[i].specialise,
                                                             CLPOOL_KERNEL_BACKWARD_AVG, &m);
        ck_assert_msg(mirrored == cases[i].mirrored, "case %zu", i);
        ck_assert_int_eq(clpool_kernel_mirrored_backward(&g, &facts, cases[i].specialise,
                                                         CLPOOL_KERNEL_BACKWARD_MAX_INDICES, &m),
                         0);
        if (!cases[i].mirrored)
            continue;
        clpool_kernel_mirrored_backward(&g, &facts, 1, CLPOOL_KERNEL_BACKWARD_AVG, &m);
        ck_assert_int_eq(m.in[2], g.out[2]);
        ck_assert_int_eq(m.out[2], g.in[2]);
        ck_assert_int_eq(m.pad_begin[2], cases[i].kernel - 1 - cases[i].pad);
        ck_assert_int_eq(m.divisor, cases[i].divisor ? cases[i].divisor : cases[i].kernel);
        ck_assert_int_eq(m.input_elements, g.output_elements);
        ck_assert_int_eq(m.output_elements, g.input_elements);
    }
}
END_TEST

/* grad_input of a backward plan on the device for grad_output go (the geometry's output count
 * of floats) and aux (aux_bytes of indices, or NULL for an average), into a NaN-prefilled buffer
 * at an offset, in *gi (the input count). */
static void run_backward(clpool_plan *plan, const float *go, const void *aux, size_t aux_bytes,
                         float *gi) {
    const clpool_geometry *g = &plan->geometry;
    const size_t n_out = (size_t)g->output_elements, n_in = (size_t)g->input_elements;
    const size_t at = 3; /* floats of offset before grad_input */
    float *prefill = malloc((n_in + at) * sizeof *prefill);
    ck_assert_ptr_nonnull(prefill);
    for (size_t i = 0; i < n_in + at; ++i)
        prefill[i] = nanf("");
    cl_mem gob = make_buffer(CL_MEM_READ_ONLY, n_out * sizeof *go, go);
    cl_mem gib = make_buffer(CL_MEM_READ_WRITE, (n_in + at) * sizeof *gi, prefill);
    cl_mem auxb = aux ? make_buffer(CL_MEM_READ_ONLY, aux_bytes, aux) : NULL;
    ck_assert_int_eq(clpool_plan_enqueue_backward(plan, dev.queue, gob, 0, auxb, 0, gib,
                                                  at * sizeof *gi, 0, NULL, NULL),
                     CLPOOL_SUCCESS);
    ck_assert_int_eq(clEnqueueReadBuffer(dev.queue, gib, CL_TRUE, 0, (n_in + at) * sizeof *gi,
                                         prefill, 0, NULL, NULL),
                     CL_SUCCESS);
    for (size_t i = 0; i < at; ++i)
        ck_assert_msg(isnan(prefill[i]), "float %zu before grad_input was written", i);
    memcpy(gi, prefill + at, n_in * sizeof *gi);
    if (auxb)
        clReleaseMemObject(auxb);
    clReleaseMemObject(gob);
    clReleaseMemObject(gib);
    free(prefill);
}

/* A mirrored average backward plan gives the gather's results bit for bit (the same terms summed
 * in the same order, divided once), and the scatter reference's within float rounding: 1D, 2D
 * and 3D, symmetric and asymmetric padding, padding of 0 (the mirror pads by kernel - 1),
 * ceil_mode, a negative divisor_override with exclude-pad. The gather is the plan made as for a
 * device other than a CPU. */
START_TEST(test_mirrored_backward_results) {
    static const struct {
        int rank;
        int64_t size[3], kernel[3], pad_begin[3], pad_end[3];
        int ceil_mode, count_include_pad, divisor;
    } cases[] = {{2, {1, 7, 13}, {1, 3, 3}, {0, 1, 1}, {0, 1, 1}, 0, 1, 0},
                 {2, {1, 6, 12}, {1, 3, 3}, {0, 0, 0}, {0, 0, 0}, 1, 1, 0},
                 {2, {1, 5, 9}, {1, 2, 2}, {0, 1, 1}, {0, 0, 0}, 0, 1, 0},
                 {1, {1, 1, 20}, {1, 1, 5}, {0, 0, 2}, {0, 0, 1}, 0, 0, -3},
                 {3, {3, 4, 10}, {3, 3, 3}, {1, 1, 1}, {1, 1, 1}, 0, 1, 0}};
    const size_t k = (size_t)_i;
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    const int rank = cases[k].rank;
    clpool_pool_desc_init(&pool, CLPOOL_MODE_AVG, rank, cases[k].kernel + 3 - rank);
    for (int d = 0; d < rank; ++d) {
        pool.stride[d] = 1;
        pool.pad_begin[d] = cases[k].pad_begin[3 - rank + d];
        pool.pad_end[d] = cases[k].pad_end[3 - rank + d];
    }
    pool.ceil_mode = cases[k].ceil_mode;
    pool.count_include_pad = cases[k].count_include_pad;
    pool.has_divisor_override = cases[k].divisor != 0;
    pool.divisor_override = cases[k].divisor;
    clpool_tensor_desc_init(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 3, rank,
                            cases[k].size + 3 - rank);
    clpool_plan *mirrored = NULL, *gather = NULL;
    ck_assert_int_eq(
        clpool_backward_plan_create(dev.ctx, &pool, &input, CLPOOL_BACKWARD_AVG, NULL, &mirrored),
        CLPOOL_SUCCESS);
    ck_assert_int_eq(mirrored->kernel_kind, CLPOOL_KERNEL_FORWARD);
    const int cpu = dev.ctx->facts.cpu;
    dev.ctx->facts.cpu = 0;
    const clpool_status made =
        clpool_backward_plan_create(dev.ctx, &pool, &input, CLPOOL_BACKWARD_AVG, NULL, &gather);
    dev.ctx->facts.cpu = cpu;
    ck_assert_int_eq(made, CLPOOL_SUCCESS);
    ck_assert_int_eq(gather->kernel_kind, CLPOOL_KERNEL_BACKWARD_AVG);
    const size_t n_out = (size_t)mirrored->geometry.output_elements;
    const size_t n_in = (size_t)mirrored->geometry.input_elements;
    float *go = malloc(n_out * sizeof *go), *a = malloc(n_in * sizeof *a),
          *b = malloc(n_in * sizeof *b), *want = malloc(n_in * sizeof *want);
    ck_assert(go && a && b && want);
    fill_input(FILL_RANDOM, 57 + k, go, n_out);
    run_backward(mirrored, go, NULL, 0, a);
    run_backward(gather, go, NULL, 0, b);
    ck_assert_int_eq(ref_pool_backward_avg(&pool, &input, go, want), 0);
    for (size_t i = 0; i < n_in; ++i) {
        expect_each(float_bits(a[i]) == float_bits(b[i]), "case %zu, element %zu: %a, gather %a", k,
                    i, a[i], b[i]);
        expect_each(fabsf(a[i] - want[i]) <= 1e-6f * (1.0f + fabsf(want[i])),
                    "case %zu, element %zu: %g, reference %g", k, i, a[i], want[i]);
    }
    clpool_plan_release(mirrored);
    clpool_plan_release(gather);
    free(go);
    free(a);
    free(b);
    free(want);
}
END_TEST

/* Max-from-indices backward plans that fill grad_input with +0 and scatter each gradient
 * (pool_kernels.h, clpool_kernel_scattered_backward): specialised, channels-first, on CPU
 * devices, dilation 1 and kernel <= 2 x stride, at least a work-group of outputs; int64 indices
 * on little-endian devices where windows do not overlap, and with no more outputs than
 * elements where they do, when the fill narrows them (clpool_kernel_scatter_narrows). They
 * launch no lanes and never take the gather's narrowing pass. */
START_TEST(test_scattered_backward_chosen) {
    const struct {
        clpool_layout layout;
        int64_t w, kernel, stride, dilation, pad;
        int cpu, specialise, little_endian, int32, scattered;
    } cases[] = {
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 64, 2, 2, 1, 0, 1, 1, 1, 0, 1},
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 64, 2, 3, 1, 0, 1, 1, 1, 0, 1}, /* gaps between windows */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 64, 4, 4, 1, 0, 1, 1, 1, 1, 1}, /* int32 indices */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 64, 2, 2, 1, 0, 1, 1, 0, 1, 1}, /* big-endian, int32 */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 64, 2, 2, 1, 0, 1, 1, 0, 0, 0}, /* big-endian, int64 */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 64, 3, 2, 1, 0, 1, 1, 1, 0, 1}, /* overlapping windows */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 64, 3, 2, 1, 0, 1, 1, 0, 0, 1}, /* big-endian, overlap */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 64, 3, 1, 1, 0, 1, 1, 1, 0, 0}, /* kernel > 2 x stride */
        /* overlapping, more outputs (65) than elements: int64 indices cannot be narrowed by
         * the fill's work-items; int32 ones need no narrowing */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 64, 2, 1, 1, 1, 1, 1, 1, 0, 0},
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 64, 2, 1, 1, 1, 1, 1, 1, 1, 1},
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 64, 2, 3, 2, 0, 1, 1, 1, 0, 0}, /* dilation */
        {CLPOOL_LAYOUT_CHANNELS_LAST, 64, 2, 2, 1, 0, 1, 1, 1, 0, 0},
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 64, 2, 2, 1, 0, 0, 1, 1, 0, 0}, /* not a CPU */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 64, 2, 2, 1, 0, 1, 0, 1, 0, 0}, /* generic */
        {CLPOOL_LAYOUT_CHANNELS_FIRST, 6, 2, 2, 1, 0, 1, 1, 1, 0, 0}}; /* 96 outputs */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        clpool_pool_desc pool;
        clpool_tensor_desc input;
        clpool_pool_desc_init_1d(&pool, CLPOOL_MODE_MAX, cases[i].kernel);
        pool.stride[0] = cases[i].stride;
        pool.dilation[0] = cases[i].dilation;
        pool.pad_begin[0] = pool.pad_end[0] = cases[i].pad;
        clpool_tensor_desc_init_1d(&input, CLPOOL_DTYPE_F32, cases[i].layout, 2, 16, cases[i].w);
        clpool_geometry g;
        ck_assert_int_eq(clpool_geometry_resolve(&pool, &input, &g), CLPOOL_SUCCESS);
        clpool_device_facts facts = dev.ctx->facts;
        facts.cpu = cases[i].cpu;
        facts.little_endian = cases[i].little_endian;
        facts.max_work_item_size = 128;
        const clpool_index_type type = cases[i].int32 ? CLPOOL_INDEX_INT32 : CLPOOL_INDEX_INT64;
        const int scattered = clpool_kernel_scattered_backward(
            &g, &facts, cases[i].specialise, CLPOOL_KERNEL_BACKWARD_MAX_INDICES, type);
        ck_assert_msg(scattered == cases[i].scattered, "case %zu", i);
        ck_assert_int_eq(clpool_kernel_scattered_backward(&g, &facts, cases[i].specialise,
                                                          CLPOOL_KERNEL_BACKWARD_MAX_INPUT, type),
                         0);
        if (scattered)
            ck_assert_int_eq(clpool_kernel_narrow_indices(&g, &facts, cases[i].specialise,
                                                          CLPOOL_KERNEL_BACKWARD_MAX_INDICES, type),
                             0);
        ck_assert_int_eq(clpool_kernel_scatter_narrows(&g, &facts, cases[i].specialise,
                                                       CLPOOL_KERNEL_BACKWARD_MAX_INDICES, type),
                         scattered && !cases[i].int32 && cases[i].kernel > cases[i].stride);
    }
    /* A plan: its two kernels, its options, a one-dimensional launch. */
    if (!dev.ctx->facts.cpu || !dev.ctx->facts.little_endian)
        return;
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, 2, 2);
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 8, 64,
                               64);
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_backward_plan_create(dev.ctx, &pool, &input,
                                                 CLPOOL_BACKWARD_MAX_FROM_INDICES, NULL, &plan),
                     CLPOOL_SUCCESS);
    ck_assert(plan->scattered);
    ck_assert_uint_eq(clpool_plan_kernel_count(plan), 2);
    ck_assert_ptr_nonnull(strstr(plan->build_options, "-DSCATTER_BACKWARD=1"));
    ck_assert_ptr_null(strstr(plan->build_options, "-DLANES"));
    ck_assert_ptr_null(strstr(plan->build_options, "-DNARROW_INDICES"));
    ck_assert_int_eq(plan->lanes, 0);
    ck_assert_uint_eq(plan->work_items, 2 * 8 * 32 * 32);
    ck_assert_uint_eq(plan->second_items, 2 * 8 * 64 * 64);
    ck_assert_uint_eq(plan->scratch_bytes, 0);
    clpool_plan_release(plan);
    /* Overlapping windows, int64 indices: the fill narrows them into a kept scratch buffer,
     * between margins of 31 + 1 ints (one row and one column), and the scatter reads its
     * neighbours unmasked. */
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, 3, 3);
    pool.stride[0] = pool.stride[1] = 2;
    ck_assert_int_eq(clpool_backward_plan_create(dev.ctx, &pool, &input,
                                                 CLPOOL_BACKWARD_MAX_FROM_INDICES, NULL, &plan),
                     CLPOOL_SUCCESS);
    ck_assert(plan->scattered);
    ck_assert_ptr_nonnull(strstr(plan->build_options, "-DNEAR_D=0 -DNEAR_H=1 -DNEAR_W=1"));
    ck_assert_ptr_nonnull(strstr(plan->build_options, "-DNARROW_INDICES=1"));
    ck_assert_ptr_nonnull(strstr(plan->build_options, "-DNEAR_UNMASKED=1"));
    ck_assert_int_eq(plan->scratch_margin, 31 + 1);
    ck_assert_uint_eq(plan->scratch_bytes, (2 * 8 * 31 * 31 + 2 * (31 + 1)) * sizeof(cl_int));
    clpool_plan_release(plan);
    /* Fewer than 3 outputs along H, where windows overlap: neighbours across the edge of a plane
     * could name the element, so they stay masked, and the buffer has no margins. */
    const int64_t flat[2] = {5, 64};
    clpool_tensor_desc_init(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 300, 2,
                            flat);
    ck_assert_int_eq(clpool_backward_plan_create(dev.ctx, &pool, &input,
                                                 CLPOOL_BACKWARD_MAX_FROM_INDICES, NULL, &plan),
                     CLPOOL_SUCCESS);
    ck_assert(plan->scattered);
    ck_assert_ptr_nonnull(strstr(plan->build_options, "-DNARROW_INDICES=1"));
    ck_assert_ptr_null(strstr(plan->build_options, "-DNEAR_UNMASKED"));
    ck_assert_int_eq(plan->scratch_margin, 0);
    clpool_plan_release(plan);
}
END_TEST

/* A plane position just past the window of channels-first output i along dimension d (just
 * before it where that would leave the plane), on the window's first in-bounds row and column
 * otherwise: in the plane, outside the window, and inside the next window where there is one. */
static int64_t beside_window(const clpool_geometry *g, size_t i, int d) {
    int64_t rest = (int64_t)i, pos[3];
    for (int e = 2; e >= 0; --e) {
        const int64_t o = rest % g->out[e];
        rest /= g->out[e];
        const int64_t start = o * g->stride[e] - g->pad_begin[e];
        pos[e] = start < 0 ? 0 : start;
        if (e == d)
            pos[e] = start + g->kernel[e] < g->in[e] ? start + g->kernel[e] : start - 1;
    }
    return (pos[0] * g->in[1] + pos[1]) * g->in[2] + pos[2];
}

/* A scattered max backward plan gives the gather's results bit for bit, and the reference's
 * (which also sums in row-major output order from +0) where every index is the forward pass's:
 * 1D, 2D and 3D windows that tile the input,
 * leave gaps (kernel < stride), overlap (kernel up to 2 x stride: the element's sum gathered from
 * neighbours, in the gather's order) or are clipped (padding, ceil_mode); int64 and int32
 * indices; ties in the input, so that one element is the max of several windows; NaNs with
 * payloads in grad_output where windows do not overlap (where two NaNs meet in one sum, which
 * payload survives depends on the order the compiler gave the add's operands, in the gathers
 * too, so overlapping cases take no NaN gradients), and zeros of both signs (sums start at +0,
 * as the gather's do); and indices no
 * forward pass writes, which both must ignore: -1, other negatives, the plane's size, a position
 * in the plane outside the window, next to it (inside the neighbour's window) and (int64) a valid
 * position plus 2^32, whose low word alone would name an element. Work-groups of 1 to 64 (the
 * last one steps back over its neighbour's outputs). The gather is the plan made as for a device
 * other than a CPU; the device's work-group limit is lowered to 64 so that small problems
 * scatter. */
START_TEST(test_scattered_backward_results) {
    static const struct {
        int rank;
        int64_t size[3], kernel[3], stride[3], pad[3];
        int ceil_mode, int32;
        size_t local;
    } cases[] = {{2, {1, 14, 14}, {1, 2, 2}, {1, 2, 2}, {0, 0, 0}, 0, 0, 0},
                 {2, {1, 9, 11}, {1, 2, 2}, {1, 2, 2}, {0, 0, 0}, 1, 0, 1},
                 {2, {1, 10, 13}, {1, 2, 3}, {1, 3, 3}, {0, 1, 1}, 0, 0, 64},
                 {1, {1, 1, 50}, {1, 1, 4}, {1, 1, 4}, {0, 0, 0}, 0, 1, 0},
                 {3, {5, 6, 7}, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}, 1, 0, 24},
                 {2, {1, 12, 12}, {1, 3, 3}, {1, 3, 3}, {0, 1, 1}, 0, 1, 7},
                 /* overlapping windows: neighbours one step away along each dimension */
                 {2, {1, 13, 15}, {1, 3, 3}, {1, 2, 2}, {0, 1, 1}, 0, 0, 0},
                 {2, {1, 14, 11}, {1, 3, 3}, {1, 2, 2}, {0, 0, 0}, 1, 0, 5},
                 {2, {1, 9, 17}, {1, 3, 3}, {1, 2, 2}, {0, 0, 1}, 1, 1, 64},
                 {1, {1, 1, 40}, {1, 1, 2}, {1, 1, 1}, {0, 0, 1}, 0, 1, 3}, /* 41 outputs */
                 {3, {7, 6, 9}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, 0, 0, 0},
                 {2, {1, 12, 16}, {1, 4, 3}, {1, 2, 3}, {0, 2, 1}, 0, 1, 16}};
    const size_t k = (size_t)_i;
    const int rank = cases[k].rank;
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init(&pool, CLPOOL_MODE_MAX, rank, cases[k].kernel + 3 - rank);
    for (int d = 0; d < rank; ++d) {
        pool.stride[d] = cases[k].stride[3 - rank + d];
        pool.pad_begin[d] = pool.pad_end[d] = cases[k].pad[3 - rank + d];
    }
    pool.ceil_mode = cases[k].ceil_mode;
    clpool_tensor_desc_init(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 3, rank,
                            cases[k].size + 3 - rank);
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.indices = cases[k].int32 ? CLPOOL_INDEX_INT32 : CLPOOL_INDEX_INT64;
    options.local_size = cases[k].local;
    clpool_plan *scatter = NULL, *gather = NULL;
    const clpool_device_facts facts = dev.ctx->facts;
    dev.ctx->facts.max_work_item_size = 64;
    const clpool_status made_scatter = clpool_backward_plan_create(
        dev.ctx, &pool, &input, CLPOOL_BACKWARD_MAX_FROM_INDICES, &options, &scatter);
    dev.ctx->facts.cpu = 0;
    options.local_size = 0;
    const clpool_status made_gather = clpool_backward_plan_create(
        dev.ctx, &pool, &input, CLPOOL_BACKWARD_MAX_FROM_INDICES, &options, &gather);
    dev.ctx->facts = facts;
    ck_assert_int_eq(made_scatter, CLPOOL_SUCCESS);
    ck_assert_int_eq(made_gather, CLPOOL_SUCCESS);
    ck_assert_int_eq(scatter->scattered, facts.cpu && (cases[k].int32 || facts.little_endian));
    ck_assert(!gather->scattered);
    const size_t n_out = (size_t)scatter->geometry.output_elements;
    const size_t n_in = (size_t)scatter->geometry.input_elements;
    const int64_t plane =
        scatter->geometry.in[0] * scatter->geometry.in[1] * scatter->geometry.in[2];
    float *x = malloc(n_in * sizeof *x), *y = malloc(n_out * sizeof *y),
          *go = malloc(n_out * sizeof *go), *a = malloc(n_in * sizeof *a),
          *b = malloc(n_in * sizeof *b), *want = malloc(n_in * sizeof *want);
    int64_t *idx = malloc(n_out * sizeof *idx);
    int32_t *idx32 = malloc(n_out * sizeof *idx32);
    ck_assert(x && y && go && a && b && want && idx && idx32);
    /* Integers make ties, so that one element is the max of several windows: with random
     * gradients, the order of their sum shows in its bits. NaN gradients only where windows
     * do not overlap (the first 6 cases), so that no two meet in one element. */
    fill_input(k % 3 ? FILL_INTEGERS : FILL_NAN_SCATTER, 71 + k, x, n_in);
    fill_input(k < 6 && k % 2 ? FILL_NAN_SCATTER : FILL_RANDOM, 83 + k, go, n_out);
    ck_assert_int_eq(ref_pool_max_indices(&pool, &input, x, y, idx), 0);
    for (int pass = 0; pass < 2; ++pass) {
        if (pass == 1) /* indices no forward pass writes, every 3rd output */
            for (size_t i = 0; i < n_out; i += 3) {
                const int64_t odd[] = {-1,
                                       -7,
                                       plane,
                                       (idx[i] + 1 + (int64_t)i) % plane,
                                       cases[k].int32 ? -2 : idx[i] + ((int64_t)1 << 32),
                                       beside_window(&scatter->geometry, i, 2),
                                       beside_window(&scatter->geometry, i, 1)};
                idx[i] = odd[(i / 3) % 7];
            }
        for (size_t i = 0; i < n_out; ++i)
            idx32[i] = (int32_t)idx[i];
        const void *aux = cases[k].int32 ? (const void *)idx32 : (const void *)idx;
        const size_t aux_bytes = n_out * (cases[k].int32 ? sizeof *idx32 : sizeof *idx);
        run_backward(scatter, go, aux, aux_bytes, a);
        run_backward(gather, go, aux, aux_bytes, b);
        if (pass == 0)
            ck_assert_int_eq(ref_pool_backward_max(&pool, &input, go, idx, want), 0);
        for (size_t i = 0; i < n_in; ++i) {
            expect_each(float_bits(a[i]) == float_bits(b[i]),
                        "case %zu, pass %d, element %zu: %a, gather %a", k, pass, i, a[i], b[i]);
            expect_each(pass == 1 || float_bits(a[i]) == float_bits(want[i]),
                        "case %zu, element %zu: %a, reference %a", k, i, a[i], want[i]);
        }
    }
    clpool_plan_release(scatter);
    clpool_plan_release(gather);
    free(x);
    free(y);
    free(go);
    free(a);
    free(b);
    free(want);
    free(idx);
    free(idx32);
}
END_TEST

/* Channels-first global averages run in two passes through slice sums (pool_kernels.h,
 * clpool_kernel_partials) on devices other than CPUs, from 2^18 input elements and 1,024 per
 * plane, while there are fewer than 64 planes per compute unit; the slices are the plane over
 * 64, rounded up to 32, so that a slice has at most 64 taps. CPU devices sum each plane with
 * vectors in one kernel instead (GLOBAL_VECTORS), whatever its size. */
START_TEST(test_slices_chosen) {
    static const struct {
        int64_t n, c, w;
        cl_uint units;
        int cpu;
        const char *expected; /* NULL: one pass */
    } cases[] = {
        {2, 16, 8192, 1, 0, "-DK_W=64 -DS_D=1 -DS_H=1 -DS_W=128"},
        {2, 32, 8192, 1, 0, NULL}, /* 64 planes on one compute unit */
        {2, 32, 8192, 2, 0, "-DOUT_W=128"},
        {2, 16, 8191, 1, 0, NULL}, /* 2^18 - 32 elements */
        {8, 40, 1023, 8, 0, NULL}, /* planes under 1,024 elements */
        {8, 40, 1024, 8, 0, "-DOUT_D=1 -DOUT_H=1 -DOUT_W=32 -DK_D=1 -DK_H=1 -DK_W=32"},
        {1, 4, 100000, 1, 0, "-DOUT_W=1568 -DK_D=1 -DK_H=1 -DK_W=64"}, /* 1,568 x 64 >= 100,000 */
        {1, 1, 262143, 1, 0, NULL},
        {1, 1, 262145, 1, 0, "-DOUT_W=4128 -DK_D=1 -DK_H=1 -DK_W=64"},
        {2, 16, 8192, 1, 1, NULL}, /* CPU devices: vector sums */
        {8, 40, 1024, 8, 1, NULL},
        {1, 1, 262145, 1, 1, NULL},
        {1, 4, 100000, 64, 1, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        clpool_pool_desc pool;
        clpool_tensor_desc input;
        clpool_pool_desc_init_global(&pool, CLPOOL_MODE_AVG, 1);
        clpool_tensor_desc_init_1d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST,
                                   cases[i].n, cases[i].c, cases[i].w);
        clpool_geometry g;
        ck_assert_int_eq(clpool_geometry_resolve(&pool, &input, &g), CLPOOL_SUCCESS);
        clpool_device_facts facts = dev.ctx->facts;
        facts.compute_units = cases[i].units;
        facts.cpu = cases[i].cpu;
        char *options = NULL;
        ck_assert_int_eq(clpool_kernel_build_options(&g, &facts, 1, CLPOOL_KERNEL_FORWARD,
                                                     CLPOOL_INDEX_NONE, &options),
                         CLPOOL_SUCCESS);
        if (cases[i].expected) {
            ck_assert_msg(strstr(options, cases[i].expected) &&
                              strstr(options, "-DGLOBAL_PARTIALS=1 -DLANES=5"),
                          "case %zu: no '%s' in '%s'", i, cases[i].expected, options);
            clpool_geometry slices;
            ck_assert(clpool_kernel_partials(&g, &facts, 1, CLPOOL_KERNEL_FORWARD, &slices));
            ck_assert_int_eq(slices.output_elements, cases[i].n * cases[i].c * slices.out[2]);
        } else {
            ck_assert_msg(!strstr(options, "GLOBAL_PARTIALS") &&
                              strstr(options, "-DGLOBAL_WINDOW=1") &&
                              !strstr(options, "-DGLOBAL_VECTORS=1") == !cases[i].cpu,
                          "case %zu: '%s'", i, options);
        }
        free(options);
    }
}
END_TEST

/* Channels-last global pooling of a long line takes its blocks as the rows of a 2D plane, the
 * width the divisor of the length from 8 up to its square root that makes the fewest blocks
 * (16,000: 80 wide, 250 blocks, where 125 wide would make 256), so the second pass merges about
 * 1/64 of the line; a length with no such divisor keeps blocks of 8. Both modes. */
START_TEST(test_line_blocks_folded) {
    static const struct {
        int64_t w, rows, width, blocks;
    } cases[] = {
        {4096, 64, 64, 64},      {40000, 200, 200, 625},      {16000, 200, 80, 250},
        {32771, 1, 32771, 4097}, {8 * 32771, 32771, 8, 4097},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
        for (int m = 0; m < 2; ++m) {
            clpool_pool_desc pool;
            clpool_tensor_desc input;
            clpool_pool_desc_init_global(&pool, m ? CLPOOL_MODE_MAX : CLPOOL_MODE_AVG, 1);
            clpool_tensor_desc_init_1d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, 1, 64,
                                       cases[i].w);
            clpool_geometry g, blocks;
            ck_assert_int_eq(clpool_geometry_resolve(&pool, &input, &g), CLPOOL_SUCCESS);
            ck_assert(
                clpool_kernel_partials(&g, &dev.ctx->facts, 1, CLPOOL_KERNEL_FORWARD, &blocks));
            ck_assert_msg(blocks.in[0] == 1 && blocks.in[1] == cases[i].rows &&
                              blocks.in[2] == cases[i].width &&
                              blocks.out[0] * blocks.out[1] * blocks.out[2] == cases[i].blocks,
                          "line %lld: %lld x %lld, %lld blocks", (long long)cases[i].w,
                          (long long)blocks.in[1], (long long)blocks.in[2],
                          (long long)(blocks.out[0] * blocks.out[1] * blocks.out[2]));
        }
}
END_TEST

/* Channel-lane work-group widths divide the channels, fit the work-group, use the preferred
 * multiple where it fits and divides the channels, and never fall below 8 where 8 fits. */
START_TEST(test_channel_lane_width) {
    static const uint64_t channels[] = {8, 24, 64, 192, 832, 2048};
    static const size_t locals[] = {1, 4, 7, 8, 12, 16, 48, 64, 100, 256, 1024};
    static const size_t preferred[] = {0, 1, 4, 8, 32, 64, 128};
    for (size_t c = 0; c < sizeof channels / sizeof channels[0]; ++c)
        for (size_t l = 0; l < sizeof locals / sizeof locals[0]; ++l)
            for (size_t p = 0; p < sizeof preferred / sizeof preferred[0]; ++p) {
                const size_t w = clpool_channel_lane_width(channels[c], locals[l], preferred[p]);
                ck_assert_msg(w >= 1 && w <= locals[l] && channels[c] % w == 0,
                              "C %llu, local %zu, preferred %zu: width %zu",
                              (unsigned long long)channels[c], locals[l], preferred[p], w);
                if (locals[l] >= 8)
                    ck_assert_msg(w % 8 == 0, "C %llu, local %zu, preferred %zu: width %zu",
                                  (unsigned long long)channels[c], locals[l], preferred[p], w);
                if (preferred[p] >= 8 && preferred[p] % 8 == 0 && locals[l] >= preferred[p] &&
                    channels[c] % preferred[p] == 0)
                    ck_assert_msg(w % preferred[p] == 0,
                                  "C %llu, local %zu, preferred %zu: width %zu",
                                  (unsigned long long)channels[c], locals[l], preferred[p], w);
            }
    ck_assert_uint_eq(clpool_channel_lane_width(64, 16, 32), 16); /* below the preferred 32 */
    ck_assert_uint_eq(clpool_channel_lane_width(192, 256, 8), 192);
    ck_assert_uint_eq(clpool_channel_lane_width(832, 256, 8), 208);
    ck_assert_uint_eq(clpool_channel_lane_width(832, 256, 64), 64);
    ck_assert_uint_eq(clpool_channel_lane_width(24, 4, 8), 4);
}
END_TEST

/* The forward program built from options with 64-bit index arithmetic (-DIDX_T=long for int). */
static cl_program wide_program(const char *options) {
    const char *idx = strstr(options, "-DIDX_T=int");
    ck_assert_ptr_nonnull(idx);
    char wide[1100];
    snprintf(wide, sizeof wide, "%.*s-DIDX_T=long%s", (int)(idx - options), options,
             idx + strlen("-DIDX_T=int"));
    cl_program program = NULL;
    ck_assert_int_eq(clpool_program_cache_get(&dev.ctx->cache, dev.context, dev.device,
                                              CLPOOL_FORWARD_SOURCE, wide, &program),
                     CLPOOL_SUCCESS);
    return program;
}

/* Builds the forward kernel with 64-bit indices for a small problem and checks it against the
 * reference; the library selects that variant only past 2^31 elements. */
START_TEST(test_index64_kernel) {
    pool_case pc;
    random_case(77, &pc);
    pc.input.layout = _i ? CLPOOL_LAYOUT_CHANNELS_LAST : CLPOOL_LAYOUT_CHANNELS_FIRST;
    clpool_geometry g;
    ck_assert_int_eq(clpool_geometry_resolve(&pc.pool, &pc.input, &g), CLPOOL_SUCCESS);
    char *options = NULL;
    ck_assert_int_eq(clpool_kernel_build_options(&g, &dev.ctx->facts, 0, CLPOOL_KERNEL_FORWARD,
                                                 CLPOOL_INDEX_NONE, &options),
                     CLPOOL_SUCCESS);
    cl_program program = wide_program(options);
    free(options);
    cl_int err = CL_SUCCESS;
    cl_kernel kernel = clCreateKernel(program, CLPOOL_FORWARD_KERNEL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    ck_assert_int_eq(clpool_kernel_set_fixed_args(kernel, (uint64_t)g.output_elements, &g),
                     CLPOOL_SUCCESS);

    const size_t n_in = (size_t)g.input_elements, n_out = (size_t)g.output_elements;
    float *x = malloc(n_in * sizeof(float)), *y = malloc(n_out * sizeof(float)),
          *want = malloc(n_out * sizeof(float));
    fill_input(pc.fill, 77, x, n_in);
    ck_assert_int_eq(ref_pool_forward(&pc.pool, &pc.input, x, want, NULL), 0);
    cl_mem in = make_buffer(CL_MEM_READ_ONLY, n_in * sizeof(float), x);
    cl_mem out = make_buffer(CL_MEM_WRITE_ONLY, n_out * sizeof(float), NULL);
    const cl_ulong zero = 0;
    clSetKernelArg(kernel, CLPOOL_FORWARD_ARG_INPUT, sizeof in, &in);
    clSetKernelArg(kernel, CLPOOL_FORWARD_ARG_INPUT_OFFSET, sizeof zero, &zero);
    clSetKernelArg(kernel, CLPOOL_FORWARD_ARG_OUTPUT, sizeof out, &out);
    clSetKernelArg(kernel, CLPOOL_FORWARD_ARG_OUTPUT_OFFSET, sizeof zero, &zero);
    const cl_mem no_indices = NULL;
    clSetKernelArg(kernel, CLPOOL_FORWARD_ARG_INDICES, sizeof no_indices, &no_indices);
    clSetKernelArg(kernel, CLPOOL_FORWARD_ARG_INDICES_OFFSET, sizeof zero, &zero);
    const size_t local = 64, global = (n_out + local - 1) / local * local;
    ck_assert_int_eq(
        clEnqueueNDRangeKernel(dev.queue, kernel, 1, NULL, &global, &local, 0, NULL, NULL),
        CL_SUCCESS);
    ck_assert_int_eq(
        clEnqueueReadBuffer(dev.queue, out, CL_TRUE, 0, n_out * sizeof(float), y, 0, NULL, NULL),
        CL_SUCCESS);
    for (size_t i = 0; i < n_out; ++i)
        ck_assert_msg(pc.pool.mode == CLPOOL_MODE_MAX
                          ? float_bits(y[i]) == float_bits(want[i])
                          : (y[i] - want[i] <= 1e-5f && want[i] - y[i] <= 1e-5f),
                      "output %zu: %g vs %g", i, y[i], want[i]);
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    clReleaseKernel(kernel);
    clReleaseProgram(program);
    free(x);
    free(y);
    free(want);
}
END_TEST

/* The kernel of name from the program built with options, its buffer arguments NULL and its
 * fixed arguments set for work_items, as plan.c makes a plan's kernels. */
static cl_kernel wide_kernel(cl_program program, const char *name, uint64_t work_items,
                             const clpool_geometry *g) {
    cl_int err = CL_SUCCESS;
    cl_kernel kernel = clCreateKernel(program, name, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    const cl_mem none = NULL;
    const cl_ulong zero = 0;
    for (cl_uint arg = 0; arg < CLPOOL_KERNEL_ARG_FIXED; arg += 2) {
        ck_assert_int_eq(clSetKernelArg(kernel, arg, sizeof none, &none), CL_SUCCESS);
        ck_assert_int_eq(clSetKernelArg(kernel, arg + 1, sizeof zero, &zero), CL_SUCCESS);
    }
    ck_assert_int_eq(clpool_kernel_set_fixed_args(kernel, work_items, g), CLPOOL_SUCCESS);
    return kernel;
}

/* Wrapped lanes (pool_forward.cl, WRAPPED_LANES) on a CPU device: a plan's lanes kernel swapped
 * for one whose surplus lanes alone store (WRAPPED_SURPLUS_ONLY), enqueued as the plan with its
 * edge kernel, so that every value a surplus lane computes is seen: in the plans' kernels the
 * row's own lane overwrites it within a work-group. Those outputs (each lane row's next row's
 * first 8 - OW) and the edge rows must match the reference bit for bit (averages within 2 ulp),
 * values and indices, NaN payloads and ties included; every other output must keep its fill.
 * Cases: 2 x 2 windows with NaNs and int64 indices (two words), with ties, int32 indices and
 * ceil_mode overhang along H, 3 x 3 with filler columns, overhang along W, a stride of 1 along H
 * (first edge rows), averages whose windows overhang with the padding left out of the count, and
 * planes of one row, whose surplus lanes compute the next plane's, with and without indices. */
typedef struct {
    clpool_mode mode;
    int64_t n, c, h, w, k, s_h, s_w, pad_h;
    int ceil_mode;
    fill_kind fill;
    clpool_index_type indices;
} surplus_case;

static const surplus_case wrapped_surplus_cases[] = {
    {CLPOOL_MODE_MAX, 2, 5, 14, 14, 2, 2, 2, 0, 0, FILL_NAN_SCATTER, CLPOOL_INDEX_INT64},
    {CLPOOL_MODE_MAX, 2, 5, 14, 14, 2, 2, 2, 0, 0, FILL_NAN_SCATTER, CLPOOL_INDEX_NONE},
    {CLPOOL_MODE_MAX, 2, 3, 15, 14, 2, 2, 2, 0, 0, FILL_NAN_SCATTER, CLPOOL_INDEX_NONE},
    {CLPOOL_MODE_MAX, 1, 7, 11, 14, 2, 2, 2, 0, 1, FILL_INTEGERS, CLPOOL_INDEX_INT32},
    {CLPOOL_MODE_MAX, 1, 7, 13, 13, 3, 2, 2, 0, 0, FILL_NAN_SCATTER, CLPOOL_INDEX_NONE},
    {CLPOOL_MODE_MAX, 1, 6, 14, 14, 3, 2, 2, 0, 1, FILL_NAN_SCATTER, CLPOOL_INDEX_NONE},
    {CLPOOL_MODE_MAX, 1, 3, 9, 14, 3, 1, 2, 1, 0, FILL_INTEGERS, CLPOOL_INDEX_NONE},
    {CLPOOL_MODE_AVG, 1, 3, 9, 15, 4, 2, 2, 0, 1, FILL_RANDOM, CLPOOL_INDEX_NONE},
    {CLPOOL_MODE_MAX, 3, 3, 3, 13, 3, 2, 2, 0, 0, FILL_NAN_SCATTER, CLPOOL_INDEX_NONE},
    {CLPOOL_MODE_MAX, 3, 3, 2, 14, 2, 2, 2, 0, 0, FILL_NAN_SCATTER, CLPOOL_INDEX_INT64},
};

START_TEST(test_wrapped_surplus_lanes) {
    const surplus_case *wc = &wrapped_surplus_cases[_i];
    ck_assert_msg(dev.ctx->facts.cpu, "wrapped lanes are for CPU devices");
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, wc->mode, wc->k, wc->k);
    pool.stride[0] = wc->s_h;
    pool.stride[1] = wc->s_w;
    pool.pad_begin[0] = pool.pad_end[0] = wc->pad_h;
    pool.ceil_mode = wc->ceil_mode;
    pool.count_include_pad = 0;
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, wc->n, wc->c,
                               wc->h, wc->w);
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.specialisation = CLPOOL_SPECIALISE_WINDOW;
    options.indices = wc->indices;
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, &options, &plan), CLPOOL_SUCCESS);
    ck_assert_msg(strstr(plan->build_options, "-DWRAPPED_LANES=8") != NULL, "case %d: '%s'", _i,
                  plan->build_options);
    const int64_t first = option_value(plan->build_options, "-DEDGE_FIRST=");
    const int64_t last = option_value(plan->build_options, "-DEDGE_LAST=");
    char surplus[1100];
    snprintf(surplus, sizeof surplus, "%s -DWRAPPED_SURPLUS_ONLY=1", plan->build_options);
    cl_program program = NULL;
    ck_assert_int_eq(clpool_program_cache_get(&dev.ctx->cache, dev.context, dev.device,
                                              CLPOOL_FORWARD_SOURCE, surplus, &program),
                     CLPOOL_SUCCESS);
    clReleaseKernel(plan->kernel);
    plan->kernel = wide_kernel(program, CLPOOL_FORWARD_KERNEL, plan->lane_rows, &plan->geometry);
    clReleaseProgram(program);

    const clpool_geometry *g = &plan->geometry;
    const size_t n_in = (size_t)g->input_elements, n_out = (size_t)g->output_elements;
    const size_t index_size = wc->indices == CLPOOL_INDEX_INT32 ? 4 : 8;
    float *x = malloc(n_in * sizeof *x), *y = malloc(n_out * sizeof *y),
          *want = malloc(n_out * sizeof *want);
    int64_t *want_index = malloc(n_out * sizeof *want_index);
    unsigned char *got_index = malloc(n_out * 8);
    ck_assert(x && y && want && want_index && got_index);
    fill_input(wc->fill, 300 + (uint64_t)_i, x, n_in);
    if (wc->mode == CLPOOL_MODE_MAX)
        ck_assert_int_eq(ref_pool_max_indices(&pool, &input, x, want, want_index), 0);
    else
        ck_assert_int_eq(ref_pool_forward(&pool, &input, x, want, NULL), 0);
    const uint32_t unwritten_bits = 0x7fa5a5a5u; /* a NaN no input holds */
    float unwritten;
    memcpy(&unwritten, &unwritten_bits, sizeof unwritten);
    for (size_t i = 0; i < n_out; ++i)
        y[i] = unwritten;
    memset(got_index, 0xa5, n_out * 8);
    cl_mem in = make_buffer(CL_MEM_READ_ONLY, n_in * sizeof *x, x);
    cl_mem out = make_buffer(CL_MEM_READ_WRITE, n_out * sizeof *y, y);
    cl_mem idx = make_buffer(CL_MEM_READ_WRITE, n_out * 8, got_index);
    ck_assert_int_eq(wc->indices == CLPOOL_INDEX_NONE
                         ? clpool_plan_enqueue(plan, dev.queue, in, 0, out, 0, 0, NULL, NULL)
                         : clpool_plan_enqueue_with_indices(plan, dev.queue, in, 0, out, 0, idx, 0,
                                                            0, NULL, NULL),
                     CLPOOL_SUCCESS);
    ck_assert_int_eq(
        clEnqueueReadBuffer(dev.queue, out, CL_TRUE, 0, n_out * sizeof *y, y, 0, NULL, NULL),
        CL_SUCCESS);
    ck_assert_int_eq(
        clEnqueueReadBuffer(dev.queue, idx, CL_TRUE, 0, n_out * 8, got_index, 0, NULL, NULL),
        CL_SUCCESS);
    const int64_t ow = g->out[2], rows = (int64_t)(n_out / (size_t)ow);
    int64_t seen = 0;
    for (int64_t i = 0; i < (int64_t)n_out; ++i) {
        const int64_t row = i / ow, column = i % ow;
        const int edge = row < first || row >= rows - last;
        /* A surplus lane of lanes row row - 1 computed this one. */
        const int surplus_lane = !edge && row - 1 >= first && column < 8 - ow;
        if (!edge && !surplus_lane) {
            expect_each(float_bits(y[i]) == unwritten_bits, "case %d, output %lld written: %.9g",
                        _i, (long long)i, y[i]);
            continue;
        }
        seen += surplus_lane;
        const float ulp = nextafterf(fabsf(want[i]), INFINITY) - fabsf(want[i]);
        expect_each(wc->mode == CLPOOL_MODE_MAX ? float_bits(y[i]) == float_bits(want[i])
                                                : fabsf(y[i] - want[i]) <= 2.0f * ulp,
                    "case %d, output %lld (row %lld): %.9g (0x%08x), want %.9g (0x%08x)", _i,
                    (long long)i, (long long)row, y[i], float_bits(y[i]), want[i],
                    float_bits(want[i]));
        if (wc->indices != CLPOOL_INDEX_NONE) {
            int64_t got = 0;
            if (index_size == 4) {
                int32_t narrow = 0;
                memcpy(&narrow, got_index + (size_t)i * 4, 4);
                got = narrow;
            } else {
                memcpy(&got, got_index + (size_t)i * 8, 8);
            }
            expect_each(got == want_index[i], "case %d, output %lld: index %lld, want %lld", _i,
                        (long long)i, (long long)got, (long long)want_index[i]);
        }
    }
    ck_assert_int_ge(seen, rows - first - last - 1);
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    clReleaseMemObject(idx);
    clpool_plan_release(plan);
    free(x);
    free(y);
    free(want);
    free(want_index);
    free(got_index);
}
END_TEST

/* The two-pass global averages (blocks channels-last, slices channels-first, made as for a device
 * other than a CPU) and the channels-last two-pass max built with 64-bit indices, which the
 * library picks only past 2^31 elements: a plan's two kernels are swapped for the IDX_T=long
 * build of the same options and enqueued as the plan, on small integers that sum exactly, so the
 * means must match the reference to 2 ulp, and the maxima (zeros of both signs) bit for bit. */
START_TEST(test_partials_index64) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    const int max = _i == 2; /* the blocks' maxima and argmaxes, merged */
    clpool_pool_desc_init_global(&pool, max ? CLPOOL_MODE_MAX : CLPOOL_MODE_AVG, 2);
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32,
                               _i ? CLPOOL_LAYOUT_CHANNELS_LAST : CLPOOL_LAYOUT_CHANNELS_FIRST, 1,
                               8, 203, 170);
    clpool_plan *plan = NULL;
    const int cpu = dev.ctx->facts.cpu;
    dev.ctx->facts.cpu = 0; /* channels-first: the slices of devices other than CPUs */
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, NULL, &plan), CLPOOL_SUCCESS);
    dev.ctx->facts.cpu = cpu;
    ck_assert_ptr_nonnull(plan->second_kernel);
    ck_assert(plan->scratch_bytes > 0);
    cl_program program = wide_program(plan->build_options);
    clReleaseKernel(plan->kernel);
    clReleaseKernel(plan->second_kernel);
    plan->kernel = wide_kernel(program, CLPOOL_FORWARD_KERNEL, plan->lane_rows, &plan->geometry);
    plan->second_kernel =
        wide_kernel(program, CLPOOL_FORWARD_PARTIALS_KERNEL, plan->second_items, &plan->geometry);
    clReleaseProgram(program);

    const size_t n_in = (size_t)plan->geometry.input_elements;
    const size_t n_out = (size_t)plan->geometry.output_elements;
    float *x = malloc(n_in * sizeof *x), *y = malloc(n_out * sizeof *y),
          *want = malloc(n_out * sizeof *want);
    fill_input(FILL_INTEGERS, 41, x, n_in); /* -2 .. 0: sums exact in any order, zeros of
                                             * both signs for the max's ties */
    ck_assert_int_eq(ref_pool_forward(&pool, &input, x, want, NULL), 0);
    cl_mem in = make_buffer(CL_MEM_READ_ONLY, n_in * sizeof *x, x);
    cl_mem out = make_buffer(CL_MEM_WRITE_ONLY, n_out * sizeof *y, NULL);
    ck_assert_int_eq(clpool_plan_enqueue(plan, dev.queue, in, 0, out, 0, 0, NULL, NULL),
                     CLPOOL_SUCCESS);
    ck_assert_int_eq(
        clEnqueueReadBuffer(dev.queue, out, CL_TRUE, 0, n_out * sizeof *y, y, 0, NULL, NULL),
        CL_SUCCESS);
    for (size_t i = 0; i < n_out; ++i) {
        const float ulp = nextafterf(fabsf(want[i]), INFINITY) - fabsf(want[i]);
        expect_each(max ? float_bits(y[i]) == float_bits(want[i])
                        : fabsf(y[i] - want[i]) <= 2.0f * ulp,
                    "case %d, output %zu: %.9g, want %.9g", _i, i, y[i], want[i]);
    }
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    clpool_plan_release(plan);
    free(x);
    free(y);
    free(want);
}
END_TEST

/* Channels-first global averages, made as for a CPU device (cpu 1: one kernel of vector sums,
 * GLOBAL_VECTORS) or another (cpu 0: slices in two kernels where the input is large), so that
 * every device runs both: the plan's kernel count and options, the reference's results on random
 * data, and exact means of small integers (2 ulp: the division's rounding), which the tolerance
 * for long sums could not tell from one element missed. */
static void expect_global_average(const clpool_tensor_desc *input, int cpu, const char *label) {
    clpool_pool_desc pool;
    clpool_pool_desc_init_global(&pool, CLPOOL_MODE_AVG, input->spatial_rank);
    const int saved = dev.ctx->facts.cpu;
    dev.ctx->facts.cpu = cpu;
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, input, NULL, &plan), CLPOOL_SUCCESS);
    const int sliced = strstr(clpool_plan_build_options(plan), "-DGLOBAL_PARTIALS=1") != NULL;
    ck_assert_msg(cpu ? !sliced && strstr(clpool_plan_build_options(plan), "-DGLOBAL_VECTORS=1")
                      : !strstr(clpool_plan_build_options(plan), "GLOBAL_VECTORS"),
                  "%s: '%s'", label, clpool_plan_build_options(plan));
    ck_assert_uint_eq(clpool_plan_kernel_count(plan), sliced ? 2u : 1u);
    const size_t n_in = (size_t)plan->geometry.input_elements;
    const size_t n_out = (size_t)plan->geometry.output_elements;
    clpool_plan_release(plan);

    float *x = malloc(n_in * sizeof *x), *want = malloc(n_out * sizeof *want), *y = NULL;
    ck_assert(x && want);
    fill_input(FILL_RANDOM, 47, x, n_in);
    expect_matches_reference(label, &pool, input, x, CLPOOL_SPECIALISE_AUTO);
    fill_input(FILL_INTEGERS, 53, x, n_in); /* -2 .. 0: sums exact in any order */
    ck_assert_int_eq(ref_pool_forward(&pool, input, x, want, NULL), 0);
    size_t count = 0;
    ck_assert_int_eq(run_on_device(&pool, input, x, CLPOOL_SPECIALISE_AUTO, &y, &count),
                     CLPOOL_SUCCESS);
    for (size_t i = 0; i < count; ++i) {
        const float ulp = nextafterf(fabsf(want[i]), INFINITY) - fabsf(want[i]);
        expect_each(fabsf(y[i] - want[i]) <= 2.0f * ulp, "%s, mean %zu: %.9g, want %.9g", label, i,
                    y[i], want[i]);
    }
    dev.ctx->facts.cpu = saved;
    free(x);
    free(y);
    free(want);
}

/* The vector sums' three parts alone and together: 1 element (the scalar tail only), 16 (one
 * 16-wide step), 47 (one 32-wide step and a tail of 15); the standard heads (test_ranks) add 49,
 * 135 and 4,095. Then the slices on planes whose last round of taps is ragged (34,510 elements
 * in 544 slices; 32,775 in 544), a line of 40,000 and a batch of two, for which test_ranks sees
 * the vector sums on CPU devices. */
START_TEST(test_global_average_paths) {
    static const struct {
        int64_t n, c, d, h, w;
        int cpu;
    } cases[] = {
        {2, 3, 1, 1, 1, 1},     {2, 3, 1, 4, 4, 1},    {1, 5, 1, 1, 47, 1},
        {1, 8, 1, 203, 170, 0}, {1, 8, 2185, 3, 5, 0}, {1, 8, 1, 1, 40000, 0},
        {2, 24, 1, 64, 130, 0},
    };
    const int64_t *d = &cases[_i].d;
    clpool_tensor_desc input;
    clpool_tensor_desc_init(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, cases[_i].n,
                            cases[_i].c, d[0] > 1 ? 3 : 2, d[0] > 1 ? d : d + 1);
    char label[64];
    snprintf(label, sizeof label, "case %d (cpu %d)", _i, cases[_i].cpu);
    expect_global_average(&input, cases[_i].cpu, label);
}
END_TEST

/* Channels-first global max pooling made as for a CPU device, whose plan scans each plane with
 * 32 vector lanes that merge exactly (pool_forward.cl, GLOBAL_VECTORS), on every device: values
 * bit for bit and int64 indices against the reference (and, on 95, the build without indices). 31
 * elements take the scalar tail alone; 95 every part (the first 32, one round of the loop, the
 * 16-wide step and a tail of 15); 13 x 11 = 143 three rounds and a tail of 15, no 16-wide step. The
 * fills make the merge decide: ties between zeros of both signs (the first keeps its sign), several
 * NaNs with their own payloads (the last is taken), -inf everywhere but a few (the first tap when
 * no value beats -inf) and NaN everywhere. */
START_TEST(test_global_max_vectors) {
    static const int64_t sizes[][2] = {{1, 31}, {1, 95}, {13, 11}};
    static const fill_kind fills[] = {FILL_INTEGERS, FILL_NAN_SCATTER, FILL_NEG_INF, FILL_NAN_ALL,
                                      FILL_RANDOM};
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_global(&pool, CLPOOL_MODE_MAX, 2);
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 6,
                               sizes[_i][0], sizes[_i][1]);
    const int saved = dev.ctx->facts.cpu;
    dev.ctx->facts.cpu = 1;
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, NULL, &plan), CLPOOL_SUCCESS);
    ck_assert_msg(strstr(clpool_plan_build_options(plan), "-DGLOBAL_VECTORS=1"), "'%s'",
                  clpool_plan_build_options(plan));
    clpool_plan_release(plan);
    const size_t n = (size_t)(2 * 6 * sizes[_i][0] * sizes[_i][1]);
    float *x = malloc(n * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t f = 0; f < sizeof fills / sizeof fills[0]; ++f) {
        char label[64];
        snprintf(label, sizeof label, "plane %lldx%lld, fill %d", (long long)sizes[_i][0],
                 (long long)sizes[_i][1], (int)fills[f]);
        fill_input(fills[f], 61 + f, x, n);
        if (_i == 1) /* without indices too (another build), on the plane with every part */
            expect_matches_reference(label, &pool, &input, x, CLPOOL_SPECIALISE_AUTO);
        expect_indices_match_reference(label, &pool, &input, x, CLPOOL_SPECIALISE_AUTO,
                                       CLPOOL_INDEX_INT64);
    }
    dev.ctx->facts.cpu = saved;
    free(x);
}
END_TEST

/* A two-pass global pooling plan (channels-last, 1 x 8 x 256 x 128: 2^18 elements). */
static clpool_plan *two_pass_plan(clpool_mode mode) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_global(&pool, mode, 2);
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, 1, 8, 256,
                               128);
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, NULL, &plan), CLPOOL_SUCCESS);
    ck_assert_uint_gt(plan->scratch_bytes, 0);
    return plan;
}

/* Reads n floats of buffer (blocking) and checks each is want[i % period]. */
/* An out-of-order queue on the test device, or NULL where the device has none. */
static cl_command_queue unordered_queue(void) {
    cl_command_queue_properties supported = 0;
    ck_assert_int_eq(
        clGetDeviceInfo(dev.device, CL_DEVICE_QUEUE_PROPERTIES, sizeof supported, &supported, NULL),
        CL_SUCCESS);
    if (!(supported & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE))
        return NULL;
    cl_int err = CL_SUCCESS;
    cl_command_queue queue =
        clCreateCommandQueue(dev.context, dev.device, CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    return queue;
}

static void expect_floats(cl_mem buffer, size_t n, const float *want, size_t period,
                          const char *label) {
    float *y = malloc(n * sizeof *y);
    ck_assert_ptr_nonnull(y);
    ck_assert_int_eq(
        clEnqueueReadBuffer(dev.queue, buffer, CL_TRUE, 0, n * sizeof *y, y, 0, NULL, NULL),
        CL_SUCCESS);
    for (size_t i = 0; i < n; ++i)
        expect_each(y[i] == want[i % period], "%s: output %zu is %g, want %g", label, i, y[i],
                    want[i % period]);
    free(y);
}

/* A two-pass plan keeps its scratch buffer for the next enqueue on the same in-order queue
 * (plan.h), whose kernels run after the last enqueue's: two enqueues back to back on different
 * inputs both come out right through the one buffer. Another in-order queue gets a new buffer,
 * which the plan then keeps; an out-of-order queue gets its own for the call, and the kept one
 * stays. */
START_TEST(test_scratch_kept) {
    clpool_plan *plan = two_pass_plan(CLPOOL_MODE_MAX);
    ck_assert_ptr_null(plan->scratch);
    const size_t n_in = (size_t)plan->geometry.input_elements;
    float *x = malloc(n_in * sizeof *x);
    ck_assert_ptr_nonnull(x);
    cl_mem in[2], out[4];
    float want[2][8];
    for (int k = 0; k < 2; ++k) {
        for (size_t i = 0; i < n_in; ++i) /* channel c's max is 10 (k + 1) + c, here and there */
            x[i] = (float)(i % 8) + (i % 997 == 3 ? 10.0f * (float)(k + 1) : -(float)(i % 5));
        for (int c = 0; c < 8; ++c)
            want[k][c] = -1e30f;
        for (size_t i = 0; i < n_in; ++i)
            want[k][i % 8] = x[i] > want[k][i % 8] ? x[i] : want[k][i % 8];
        in[k] = make_buffer(CL_MEM_READ_ONLY, n_in * sizeof *x, x);
    }
    for (int k = 0; k < 4; ++k)
        out[k] = make_buffer(CL_MEM_READ_WRITE, 8 * sizeof(float), NULL);
    ck_assert_int_eq(clpool_plan_enqueue(plan, dev.queue, in[0], 0, out[0], 0, 0, NULL, NULL),
                     CLPOOL_SUCCESS);
    const cl_mem kept = plan->scratch;
    ck_assert_ptr_nonnull(kept);
    ck_assert_int_eq(clpool_plan_enqueue(plan, dev.queue, in[1], 0, out[1], 0, 0, NULL, NULL),
                     CLPOOL_SUCCESS);
    ck_assert_ptr_eq(plan->scratch, kept);
    expect_floats(out[0], 8, want[0], 8, "first of two back to back");
    expect_floats(out[1], 8, want[1], 8, "second of two back to back");

    cl_int err = CL_SUCCESS;
    cl_command_queue other = clCreateCommandQueue(dev.context, dev.device, 0, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    ck_assert_int_eq(clpool_plan_enqueue(plan, other, in[0], 0, out[2], 0, 0, NULL, NULL),
                     CLPOOL_SUCCESS);
    ck_assert_ptr_ne(plan->scratch, kept);
    ck_assert_ptr_eq(plan->scratch_queue, other);
    ck_assert_int_eq(clFinish(other), CL_SUCCESS);
    expect_floats(out[2], 8, want[0], 8, "another in-order queue");
    clReleaseCommandQueue(other);

    cl_command_queue unordered = unordered_queue();
    if (unordered) {
        const cl_mem before = plan->scratch;
        ck_assert_int_eq(clpool_plan_enqueue(plan, unordered, in[1], 0, out[3], 0, 0, NULL, NULL),
                         CLPOOL_SUCCESS);
        ck_assert_ptr_eq(plan->scratch, before);
        ck_assert_int_eq(clFinish(unordered), CL_SUCCESS);
        expect_floats(out[3], 8, want[1], 8, "an out-of-order queue");
        clReleaseCommandQueue(unordered);
    }
    for (int k = 0; k < 2; ++k)
        clReleaseMemObject(in[k]);
    for (int k = 0; k < 4; ++k)
        clReleaseMemObject(out[k]);
    clpool_plan_release(plan);
    free(x);
}
END_TEST

/* A scatter that reads its neighbours unmasked keeps its narrowed indices between margins of -1
 * (plan.h: scratch_margin), filled when its buffer is made, waiting on nothing: an enqueue whose
 * wait list fails (it runs nothing) leaves a buffer whose margins hold -1 all the same, and the
 * next enqueue on the same in-order queue, through that kept buffer, is right. Then an
 * out-of-order queue, whose every enqueue fills a buffer of its own, with a wait list that
 * completes. Each output names the first tap of its own window (with 3 x 3 windows of stride 2,
 * no other window's first tap), so grad_input holds each gradient there and +0 elsewhere. */
START_TEST(test_scatter_margins) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, 3, 3);
    pool.stride[0] = pool.stride[1] = 2;
    const int64_t spatial[2] = {33, 65};
    clpool_tensor_desc_init(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 8, 2,
                            spatial);
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.indices = CLPOOL_INDEX_INT64;
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_backward_plan_create(dev.ctx, &pool, &input,
                                                 CLPOOL_BACKWARD_MAX_FROM_INDICES, &options, &plan),
                     CLPOOL_SUCCESS);
    if (!plan->scattered) { /* a GPU, or a device whose work-groups exceed the outputs */
        clpool_plan_release(plan);
        return;
    }
    ck_assert_int_eq(plan->scratch_margin, 32 + 1);
    const size_t n_out = (size_t)plan->geometry.output_elements, oh = 16, ow = 32;
    const size_t n_in = (size_t)plan->geometry.input_elements, plane = 33 * 65;
    float *go = malloc(n_out * sizeof *go), *want = calloc(n_in, sizeof *want);
    int64_t *idx = malloc(n_out * sizeof *idx);
    ck_assert(go && want && idx);
    for (size_t o = 0; o < n_out; ++o) {
        const size_t at = o % (oh * ow), first = 2 * (at / ow) * 65 + 2 * (at % ow);
        go[o] = 1.0f + (float)o;
        idx[o] = (int64_t)first;
        want[o / (oh * ow) * plane + first] = go[o];
    }
    cl_mem grad_out = make_buffer(CL_MEM_READ_ONLY, n_out * sizeof *go, go);
    cl_mem indices = make_buffer(CL_MEM_READ_ONLY, n_out * sizeof *idx, idx);
    cl_mem grad_in = make_buffer(CL_MEM_READ_WRITE, n_in * sizeof(float), NULL);
    cl_int err = CL_SUCCESS;
    cl_event gate = clCreateUserEvent(dev.context, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    ck_assert_int_eq(clpool_plan_enqueue_backward(plan, dev.queue, grad_out, 0, indices, 0, grad_in,
                                                  0, 1, &gate, NULL),
                     CLPOOL_SUCCESS);
    ck_assert_int_eq(clSetUserEventStatus(gate, -1), CL_SUCCESS);
    clFinish(dev.queue); /* may report the failed command */
    clReleaseEvent(gate);
    ck_assert_ptr_nonnull(plan->scratch);
    cl_int margins[2 * 33];
    ck_assert_int_eq(clEnqueueReadBuffer(dev.queue, plan->scratch, CL_TRUE, 0, 33 * sizeof(cl_int),
                                         margins, 0, NULL, NULL),
                     CL_SUCCESS);
    ck_assert_int_eq(clEnqueueReadBuffer(dev.queue, plan->scratch, CL_TRUE,
                                         (33 + n_out) * sizeof(cl_int), 33 * sizeof(cl_int),
                                         margins + 33, 0, NULL, NULL),
                     CL_SUCCESS);
    for (int i = 0; i < 2 * 33; ++i)
        expect_each(margins[i] == -1, "margin int %d is %d, want -1", i, margins[i]);
    ck_assert_int_eq(clpool_plan_enqueue_backward(plan, dev.queue, grad_out, 0, indices, 0, grad_in,
                                                  0, 0, NULL, NULL),
                     CLPOOL_SUCCESS);
    expect_floats(grad_in, n_in, want, n_in, "after a failed wait list");
    cl_command_queue unordered = unordered_queue();
    if (unordered) {
        cl_mem fresh = make_buffer(CL_MEM_READ_WRITE, n_in * sizeof(float), NULL);
        gate = clCreateUserEvent(dev.context, &err);
        cl_event done = NULL;
        ck_assert_int_eq(clpool_plan_enqueue_backward(plan, unordered, grad_out, 0, indices, 0,
                                                      fresh, 0, 1, &gate, &done),
                         CLPOOL_SUCCESS);
        ck_assert_int_eq(clSetUserEventStatus(gate, CL_COMPLETE), CL_SUCCESS);
        ck_assert_int_eq(clWaitForEvents(1, &done), CL_SUCCESS);
        expect_floats(fresh, n_in, want, n_in, "an out-of-order queue");
        clReleaseEvent(done);
        clReleaseEvent(gate);
        clReleaseMemObject(fresh);
        clReleaseCommandQueue(unordered);
    }
    clReleaseMemObject(grad_out);
    clReleaseMemObject(indices);
    clReleaseMemObject(grad_in);
    clpool_plan_release(plan);
    free(go);
    free(want);
    free(idx);
}
END_TEST

/* Reads n floats and n int64 indices at element offsets out_at and idx_at and compares them bit
 * for bit with want and want_idx; the elements before the offsets must still hold what the
 * caller left there (NaN, -7). */
static void expect_compacted(cl_mem out, cl_mem idx, size_t out_at, size_t idx_at, size_t n,
                             const float *want, const int64_t *want_idx, const char *label) {
    float *y = malloc((out_at + n) * sizeof *y);
    int64_t *i64 = malloc((idx_at + n) * sizeof *i64);
    ck_assert(y && i64);
    ck_assert_int_eq(
        clEnqueueReadBuffer(dev.queue, out, CL_TRUE, 0, (out_at + n) * sizeof *y, y, 0, NULL, NULL),
        CL_SUCCESS);
    ck_assert_int_eq(clEnqueueReadBuffer(dev.queue, idx, CL_TRUE, 0, (idx_at + n) * sizeof *i64,
                                         i64, 0, NULL, NULL),
                     CL_SUCCESS);
    for (size_t i = 0; i < out_at; ++i)
        expect_each(isnan(y[i]), "%s: output %zu before the offset was written", label, i);
    for (size_t i = 0; i < idx_at; ++i)
        expect_each(i64[i] == -7, "%s: index %zu before the offset was written", label, i);
    for (size_t i = 0; i < n; ++i) {
        expect_each(memcmp(&y[out_at + i], &want[i], sizeof *y) == 0,
                    "%s: output %zu is %g, want %g", label, i, y[out_at + i], want[i]);
        expect_each(i64[idx_at + i] == want_idx[i], "%s: index %zu is %lld, want %lld", label, i,
                    (long long)i64[idx_at + i], (long long)want_idx[i]);
    }
    free(y);
    free(i64);
}

/* A buffer of count floats (NaN) or int64s (-7) past an offset of at elements, plus n more. */
static cl_mem prefilled(int indices, size_t at, size_t n) {
    const size_t count = at + n, size = indices ? sizeof(int64_t) : sizeof(float);
    unsigned char *fill = malloc(count * size);
    ck_assert_ptr_nonnull(fill);
    for (size_t i = 0; i < count; ++i) {
        const float nan_value = NAN;
        const int64_t minus_seven = -7;
        memcpy(fill + i * size, indices ? (const void *)&minus_seven : (const void *)&nan_value,
               size);
    }
    cl_mem buffer = make_buffer(CL_MEM_READ_WRITE, count * size, fill);
    free(fill);
    return buffer;
}

/* Compacted lanes (pool_kernels.h, clpool_kernel_compacted_lanes): a channels-first 3 x 3
 * stride-2 max with int64 indices over planes 27 wide (13 outputs: 16 lanes) stores every lane
 * into the scratch buffer, values then int argmaxes from a multiple of 8 bytes, and its second
 * kernel copies the live ones out; its lanes read filler columns, so the last output row is a
 * third kernel's, which writes the caller's buffers directly. Two enqueues back to back on the
 * same in-order queue share the kept buffer, at byte offsets into the caller's buffers, the first
 * gated on a user event; an out-of-order queue gets a buffer of its own, and the event it returns
 * completes after all three kernels. Values and indices bit for bit against the reference,
 * nothing written before the offsets. */
START_TEST(test_compacted_lanes) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, 3, 3);
    pool.stride[0] = pool.stride[1] = 2;
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 5, 9, 27);
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.indices = CLPOOL_INDEX_INT64;
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, &options, &plan), CLPOOL_SUCCESS);
    const int compacted = strstr(plan->build_options, "-DCOMPACTED_LANES=1") != NULL;
    ck_assert_int_eq(compacted, plan->compacted);
    ck_assert_int_eq(plan->compacted, dev.ctx->facts.cpu);
    /* The copy, and the edge row of its filler columns (the tensor's last output row). */
    ck_assert_uint_eq(clpool_plan_kernel_count(plan), plan->compacted ? 3u : 1u);
    if (plan->compacted) {
        const size_t rows = 2 * 5 * 4 - 1;
        ck_assert_ptr_nonnull(strstr(plan->build_options, "-DEDGE_LAST=1"));
        ck_assert_ptr_nonnull(strstr(plan->build_options, "-DFILLER_COLUMNS=1"));
        ck_assert_ptr_nonnull(strstr(plan->build_options, "-DPADDED_LANES=16"));
        ck_assert_uint_eq(plan->lane_count, 16);
        ck_assert_uint_eq(plan->lane_rows, rows);
        ck_assert_uint_eq(plan->scratch_index_size, 4);
        ck_assert_uint_eq(plan->scratch_index_offset, rows * 16 * sizeof(float));
        ck_assert_uint_eq(plan->scratch_bytes, rows * 16 * (sizeof(float) + sizeof(cl_int)));
    }
    const size_t n_in = (size_t)plan->geometry.input_elements;
    const size_t n_out = (size_t)plan->geometry.output_elements;
    float *x = malloc(2 * n_in * sizeof *x), *want = malloc(2 * n_out * sizeof *want);
    int64_t *want_idx = malloc(2 * n_out * sizeof *want_idx);
    ck_assert(x && want && want_idx);
    uint64_t seed = 71;
    for (size_t i = 0; i < 2 * n_in; ++i) { /* ties and NaNs among random values */
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        const unsigned r = (unsigned)(seed >> 40);
        x[i] = r % 29 == 0 ? NAN : (float)(r % 13) - 6.0f;
    }
    for (int k = 0; k < 2; ++k)
        ck_assert_int_eq(ref_pool_max_indices(&pool, &input, x + k * n_in, want + k * n_out,
                                              want_idx + k * n_out),
                         0);
    const size_t out_at = 3, idx_at = 2;
    cl_mem in[2], out[3], idx[3];
    for (int k = 0; k < 2; ++k)
        in[k] = make_buffer(CL_MEM_READ_ONLY, n_in * sizeof *x, x + k * n_in);
    for (int k = 0; k < 3; ++k) {
        out[k] = prefilled(0, out_at, n_out);
        idx[k] = prefilled(1, idx_at, n_out);
    }
    cl_int err = CL_SUCCESS;
    cl_event gate = clCreateUserEvent(dev.context, &err), done = NULL;
    ck_assert_int_eq(err, CL_SUCCESS);
    for (int k = 0; k < 2; ++k)
        ck_assert_int_eq(clpool_plan_enqueue_with_indices(
                             plan, dev.queue, in[k], 0, out[k], out_at * sizeof(float), idx[k],
                             idx_at * sizeof(int64_t), k == 0, k == 0 ? &gate : NULL, NULL),
                         CLPOOL_SUCCESS);
    const cl_mem kept = plan->scratch;
    ck_assert_int_eq(kept != NULL, plan->compacted);
    ck_assert_int_eq(clSetUserEventStatus(gate, CL_COMPLETE), CL_SUCCESS);
    clReleaseEvent(gate);
    for (int k = 0; k < 2; ++k)
        expect_compacted(out[k], idx[k], out_at, idx_at, n_out, want + k * n_out,
                         want_idx + k * n_out, k ? "second of two back to back" : "gated first");
    cl_command_queue unordered = unordered_queue();
    if (unordered) {
        gate = clCreateUserEvent(dev.context, &err);
        ck_assert_int_eq(err, CL_SUCCESS);
        ck_assert_int_eq(clpool_plan_enqueue_with_indices(
                             plan, unordered, in[1], 0, out[2], out_at * sizeof(float), idx[2],
                             idx_at * sizeof(int64_t), 1, &gate, &done),
                         CLPOOL_SUCCESS);
        ck_assert_ptr_eq(plan->scratch, kept);
        ck_assert_int_eq(clSetUserEventStatus(gate, CL_COMPLETE), CL_SUCCESS);
        ck_assert_int_eq(clWaitForEvents(1, &done), CL_SUCCESS);
        expect_compacted(out[2], idx[2], out_at, idx_at, n_out, want + n_out, want_idx + n_out,
                         "an out-of-order queue");
        clReleaseEvent(done);
        clReleaseEvent(gate);
        clReleaseCommandQueue(unordered);
    }
    for (int k = 0; k < 3; ++k) {
        clReleaseMemObject(out[k]);
        clReleaseMemObject(idx[k]);
    }
    for (int k = 0; k < 2; ++k)
        clReleaseMemObject(in[k]);
    clpool_plan_release(plan);
    free(x);
    free(want);
    free(want_idx);
}
END_TEST

/* A two-pass plan whose scratch buffer cannot be made (white-box: its size set past any device's
 * allocation limit) fails the enqueue with the OpenCL status and a message naming the buffer,
 * enqueues nothing (the output keeps its prefill), and works again once the size is restored. */
START_TEST(test_scratch_failure) {
    clpool_plan *plan = two_pass_plan(CLPOOL_MODE_AVG);
    const size_t n_in = (size_t)plan->geometry.input_elements, n_out = 8;
    float *x = calloc(n_in, sizeof *x), y[8];
    for (size_t i = 0; i < n_in; ++i)
        x[i] = 1.0f;
    const float prefill[8] = {-7, -7, -7, -7, -7, -7, -7, -7};
    cl_mem in = make_buffer(CL_MEM_READ_ONLY, n_in * sizeof *x, x);
    cl_mem out = make_buffer(CL_MEM_READ_WRITE, sizeof prefill, prefill);
    const size_t scratch = plan->scratch_bytes;
    plan->scratch_bytes = SIZE_MAX / 2;
    const clpool_status status = clpool_plan_enqueue(plan, dev.queue, in, 0, out, 0, 0, NULL, NULL);
    ck_assert_msg(status < 0, "status %s", clpool_status_name(status));
    ck_assert_msg(strstr(clpool_last_error(), "scratch buffer"), "'%s'", clpool_last_error());
    ck_assert_int_eq(clEnqueueReadBuffer(dev.queue, out, CL_TRUE, 0, sizeof y, y, 0, NULL, NULL),
                     CL_SUCCESS);
    for (size_t i = 0; i < n_out; ++i)
        expect_each(y[i] == -7.0f, "output %zu is %g after a failed enqueue, want -7", i, y[i]);
    plan->scratch_bytes = scratch;
    ck_assert_int_eq(clpool_plan_enqueue(plan, dev.queue, in, 0, out, 0, 0, NULL, NULL),
                     CLPOOL_SUCCESS);
    ck_assert_int_eq(clEnqueueReadBuffer(dev.queue, out, CL_TRUE, 0, sizeof y, y, 0, NULL, NULL),
                     CL_SUCCESS);
    for (size_t i = 0; i < n_out; ++i)
        expect_each(y[i] == 1.0f, "output %zu is %g, want 1", i, y[i]);
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    clpool_plan_release(plan);
    free(x);
}
END_TEST

static Suite *internal_suite(void) {
    Suite *s = suite_create("internal");
    TCase *tc = tcase_create("internal");
    tcase_add_checked_fixture(tc, device_setup, device_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_build_failure_reports_log);
    tcase_add_test(tc, test_build_options_define_once);
    tcase_add_test(tc, test_lanes_chosen);
    tcase_add_test(tc, test_width_lanes_on_gpus);
    tcase_add_test(tc, test_edge_rows_read_inside);
    tcase_add_test(tc, test_index_words_chosen);
    tcase_add_test(tc, test_aliased_taps_blocks);
    tcase_add_test(tc, test_stepped_lanes_chosen);
    tcase_add_test(tc, test_stepped_lanes_results);
    tcase_add_test(tc, test_mirrored_backward_chosen);
    tcase_add_loop_test(tc, test_mirrored_backward_results, 0, 5);
    tcase_add_test(tc, test_scattered_backward_chosen);
    tcase_add_loop_test(tc, test_scattered_backward_results, 0, 12);
    tcase_add_test(tc, test_slices_chosen);
    tcase_add_test(tc, test_channel_lane_width);
    tcase_add_test(tc, test_line_blocks_folded);
    tcase_add_loop_test(tc, test_index64_kernel, 0, 2);
    tcase_add_loop_test(tc, test_partials_index64, 0, 3);
    tcase_add_loop_test(tc, test_wrapped_surplus_lanes, 0,
                        (int)(sizeof wrapped_surplus_cases / sizeof wrapped_surplus_cases[0]));
    tcase_add_test(tc, test_scratch_failure);
    tcase_add_test(tc, test_scratch_kept);
    tcase_add_test(tc, test_scatter_margins);
    tcase_add_test(tc, test_compacted_lanes);
    tcase_add_loop_test(tc, test_global_average_paths, 0, 7);
    tcase_add_loop_test(tc, test_global_max_vectors, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite(internal_suite());
}
