/*
 * Pooling of every rank and adaptive pooling on the device against the CPU reference: the named
 * 2D edge cases carried to 1D (along H and along W) and 3D (H repeated as depth), fixed-seed
 * random 1D and 3D configurations, the named adaptive cases (output sizes that divide the input
 * and that do not, larger than it, global) and random adaptive ones, each through the forward
 * pass, indices, every backward kind and unpooling, in both layouts. Generic kernels run
 * everything; specialised ones are sampled, as in test_forward.c, to bound the cold compiles.
 * Global pooling is also run on the network heads it exists for, with their specialised kernels.
 */
#include "suite_main.h"
#include "cases.h"
#include "expect.h"
#include "reference.h"
#include "test_device.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    RANDOM_PER_CHUNK = 30,
    EDGE_CHUNK = 12,
    SPECIALISE_SPARSE = 40,
    ADAPTIVE_SPECIALISE_EVERY = 8,
    ADAPTIVE_CHUNK = 4
};

static const clpool_layout layouts[2] = {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_LAYOUT_CHANNELS_LAST};

/* The case's input filled from (fill, seed), channels-first and in layout. */
static float *make_input(const pool_case *pc, uint64_t seed, clpool_layout layout) {
    const size_t count = tensor_count(&pc->input);
    float *x = malloc((count + 1) * sizeof(float)), *x_layout = malloc((count + 1) * sizeof(float));
    ck_assert(x && x_layout);
    fill_input(pc->fill, seed, x, count);
    if (layout == CLPOOL_LAYOUT_CHANNELS_LAST)
        to_channels_last(x, x_layout, pc->input.n, pc->input.c, tensor_plane(&pc->input));
    else
        memcpy(x_layout, x, count * sizeof(float));
    free(x);
    return x_layout;
}

/* The forward pass of one case in one layout. */
static void expect_forward(const pool_case *pc, const char *label, uint64_t seed,
                           clpool_layout layout, clpool_specialisation specialisation) {
    const clpool_tensor_desc input = with_layout(&pc->input, layout);
    float *x = make_input(pc, seed, layout);
    expect_matches_reference(label, &pc->pool, &input, x, specialisation);
    free(x);
}

/* Indices (max), unpooling of those values and indices back into the input's shape (max), and
 * the backward passes of the case's mode, in one layout. */
static void expect_other_passes(const pool_case *pc, const char *label, uint64_t seed,
                                clpool_layout layout, clpool_specialisation specialisation,
                                clpool_index_type index_type) {
    clpool_tensor_desc input = with_layout(&pc->input, layout), output;
    ck_assert_msg(clpool_pool_output_desc(&pc->pool, &input, &output) == CLPOOL_SUCCESS, "%s: %s",
                  label, clpool_last_error());
    const size_t n_out = tensor_count(&output);
    float *x = make_input(pc, seed, layout), *grad = malloc((n_out + 1) * sizeof(float));
    fill_input(FILL_RANDOM, seed + 7, grad, n_out);
    if (pc->pool.mode == CLPOOL_MODE_MAX) {
        expect_indices_match_reference(label, &pc->pool, &input, x, specialisation, index_type);
        float *y = malloc((n_out + 1) * sizeof(float));
        int64_t *indices = malloc((n_out + 1) * sizeof *indices);
        ck_assert_int_eq(ref_pool_max_indices(&pc->pool, &input, x, y, indices), 0);
        expect_unpool_matches_reference(label, &output, input.spatial, y, indices, index_type,
                                        specialisation, 0);
        free(y);
        free(indices);
        expect_backward_matches_reference(label, &pc->pool, &input, x, grad,
                                          CLPOOL_BACKWARD_MAX_FROM_INDICES, specialisation,
                                          index_type);
        expect_backward_matches_reference(label, &pc->pool, &input, x, grad,
                                          CLPOOL_BACKWARD_MAX_FROM_INPUT, specialisation,
                                          CLPOOL_INDEX_NONE);
    } else {
        expect_backward_matches_reference(label, &pc->pool, &input, x, grad, CLPOOL_BACKWARD_AVG,
                                          specialisation, CLPOOL_INDEX_NONE);
    }
    free(x);
    free(grad);
}

/* Every pass of one case: both layouts with the generic kernels; with `specialise`, also the
 * specialised kernels in the layout that alternates with `which`. */
static void expect_all_passes(const pool_case *pc, const char *label, uint64_t seed, int specialise,
                              int which) {
    for (int l = 0; l < 2; ++l) {
        const clpool_index_type type = (l + which) % 2 ? CLPOOL_INDEX_INT32 : CLPOOL_INDEX_INT64;
        expect_forward(pc, label, seed, layouts[l], CLPOOL_SPECIALISE_NONE);
        expect_other_passes(pc, label, seed, layouts[l], CLPOOL_SPECIALISE_NONE, type);
        if (specialise && l == which % 2) {
            expect_forward(pc, label, seed, layouts[l], CLPOOL_SPECIALISE_WINDOW);
            expect_other_passes(pc, label, seed, layouts[l], CLPOOL_SPECIALISE_WINDOW,
                                CLPOOL_INDEX_INT64);
        }
    }
}

/* ---- The 2D edge cases in 1D and 3D -----------------------------------------------------------
 */

/* Variant v of the table's cases: 0 = 1D along H, 1 = 1D along W, 2 = 3D. */
static void edge_case_variant(size_t i, int v, pool_case *pc, char *label, size_t size) {
    static const char *const suffix[3] = {"1d_from_h", "1d_from_w", "3d"};
    case_with_rank(&pool_cases[i], v == 2 ? 3 : 1, v, pc);
    snprintf(label, size, "%s as %s", pool_cases[i].name, suffix[v]);
}

/* Cases [_i * EDGE_CHUNK, (_i + 1) * EDGE_CHUNK). Forked (the binary run by hand; CTest runs it
 * unforked on one shared device), a chunk's cases share one process, so the programs are loaded
 * once per chunk rather than once per case (each load runs PoCL's preprocessor over the source,
 * even when its cache holds the kernels: 43% of a warm run with chunks of 6). */
START_TEST(test_rank_edge_cases) {
    char label[128];
    for (int i = _i * EDGE_CHUNK; i < (_i + 1) * EDGE_CHUNK && (size_t)i < pool_case_count; ++i)
        for (int v = 0; v < 3; ++v) {
            pool_case pc;
            edge_case_variant((size_t)i, v, &pc, label, sizeof label);
            const int specialise = (i * 3 + v) % SPECIALISE_SPARSE == 0;
            expect_all_passes(&pc, label, (uint64_t)i * 3 + (uint64_t)v + 1, specialise, i + v);
        }
}
END_TEST

/* ---- Random 1D and 3D configurations ----------------------------------------------------------
 */

START_TEST(test_rank_random) {
    const int rank = _i % 2 ? 3 : 1;
    char label[64];
    for (int k = 0; k < RANDOM_PER_CHUNK; ++k) {
        const uint64_t seed = 21000 + (uint64_t)(_i * RANDOM_PER_CHUNK + k);
        pool_case pc;
        random_case_rank(seed, rank, &pc);
        if (pc.pool.mode == CLPOOL_MODE_MAX && k % 2)
            pc.fill = FILL_INTEGERS;
        snprintf(label, sizeof label, "random_case_rank(%llu, %d)", (unsigned long long)seed, rank);
        expect_all_passes(&pc, label, seed, k == 0 && _i < 2, k);
    }
}
END_TEST

/* ---- Adaptive and global pooling --------------------------------------------------------------
 */

static void expect_gather_backward(const pool_case *pc, const char *label, uint64_t seed,
                                   clpool_layout layout, clpool_index_type indices);

/* Adaptive cases [_i * ADAPTIVE_CHUNK, ...) in one test, for the reason of EDGE_CHUNK. */
START_TEST(test_adaptive_case) {
    for (int i = _i * ADAPTIVE_CHUNK;
         i < (_i + 1) * ADAPTIVE_CHUNK && (size_t)i < adaptive_case_count; ++i) {
        const pool_case *pc = &adaptive_cases[i];
        expect_all_passes(pc, pc->name, (uint64_t)i + 31, i % ADAPTIVE_SPECIALISE_EVERY == 0, i);
    }
}
END_TEST

START_TEST(test_adaptive_random) {
    const int rank = 1 + _i % 3;
    char label[64];
    for (int k = 0; k < RANDOM_PER_CHUNK; ++k) {
        const uint64_t seed = 31000 + (uint64_t)(_i * RANDOM_PER_CHUNK + k);
        pool_case pc;
        random_adaptive_case(seed, rank, &pc);
        snprintf(label, sizeof label, "random_adaptive_case(%llu, %d)", (unsigned long long)seed,
                 rank);
        expect_all_passes(&pc, label, seed, 0, k);
    }
}
END_TEST

/* The global heads issue 5 names, at batch 1, with the plan's default (specialised) kernels: the
 * forward pass in one layout and the gather backward pass (which reads the plane's one output
 * directly, GLOBAL_WINDOW) in `backward`, so each head costs two compiles. Between them they run
 * each mode's backward pass in both layouts (lanes over the plane channels-first, over C
 * channels-last), int32 and int64 indices, and a 3D plane with C not a multiple of 8; the
 * channels-first average forward passes take GLOBAL_SUM's running sums (on CPU devices, vector
 * sums: GLOBAL_VECTORS), 49, 135 and 4,095 taps, with tails past the last 8 of 1, 7 and 7 (past
 * the last 16 of the vector sums: 1, 7 and 15) (the 112 x 112 plane's 32 planes take the two-pass
 * slices on other devices), and the channels-last average head its 49 spelled-out taps unmasked (no
 * window reaches past the plane). */
typedef struct global_head {
    const char *name;
    clpool_mode mode;
    int64_t c, d, h, w;
    clpool_layout forward, backward;
    clpool_index_type indices;
} global_head;

static const global_head global_heads[] = {
    {"resnet50_head_avg", CLPOOL_MODE_AVG, 2048, 1, 7, 7, CLPOOL_LAYOUT_CHANNELS_FIRST,
     CLPOOL_LAYOUT_CHANNELS_LAST, CLPOOL_INDEX_NONE},
    {"mobilenetv2_head_max", CLPOOL_MODE_MAX, 1280, 1, 7, 7, CLPOOL_LAYOUT_CHANNELS_LAST,
     CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_INT32},
    {"mobilenetv2_head_avg", CLPOOL_MODE_AVG, 1280, 1, 7, 7, CLPOOL_LAYOUT_CHANNELS_LAST,
     CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_NONE},
    {"large_plane_avg", CLPOOL_MODE_AVG, 32, 1, 112, 112, CLPOOL_LAYOUT_CHANNELS_FIRST,
     CLPOOL_LAYOUT_CHANNELS_LAST, CLPOOL_INDEX_NONE},
    {"large_plane_max", CLPOOL_MODE_MAX, 32, 1, 112, 112, CLPOOL_LAYOUT_CHANNELS_LAST,
     CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_INDEX_INT64},
    {"plane_4095_avg", CLPOOL_MODE_AVG, 64, 1, 63, 65, CLPOOL_LAYOUT_CHANNELS_FIRST,
     CLPOOL_LAYOUT_CHANNELS_LAST, CLPOOL_INDEX_NONE},
    {"volume_head_avg_c12", CLPOOL_MODE_AVG, 12, 3, 5, 9, CLPOOL_LAYOUT_CHANNELS_FIRST,
     CLPOOL_LAYOUT_CHANNELS_LAST, CLPOOL_INDEX_NONE},
};

START_TEST(test_global_head) {
    const global_head *head = &global_heads[_i];
    pool_case pc;
    memset(&pc, 0, sizeof pc);
    const int rank = head->d > 1 ? 3 : 2;
    const int64_t spatial[3] = {head->d, head->h, head->w};
    clpool_pool_desc_init_global(&pc.pool, head->mode, rank);
    clpool_tensor_desc_init(&pc.input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, head->c,
                            rank, rank == 3 ? spatial : spatial + 1);
    pc.fill = head->mode == CLPOOL_MODE_MAX ? FILL_INTEGERS : FILL_RANDOM;
    expect_forward(&pc, head->name, (uint64_t)_i + 5, head->forward, CLPOOL_SPECIALISE_AUTO);
    expect_gather_backward(&pc, head->name, (uint64_t)_i + 5, head->backward, head->indices);
}
END_TEST

/* Global averages of large inputs run in two passes (pool_kernels.h, clpool_kernel_partials).
 * Channels-last, through block sums: planes that blocks of 8 divide, ragged last blocks along H
 * and W, a 3D plane whose blocks stop at 64 taps (8 x 8 x 1), a 1D plane (folded into 200 x 200:
 * 625 blocks), a batch of two with 24 channels (a work-group width that is no power of two), a
 * ragged last block along D (blocks of 4 x 3 x 5), a nonnegative plane and, on CPU devices, a
 * small plane whose taps alias in the L1 cache (C = 1024, blocks of 1 x 7). Channels-first, the
 * 112 x 112 planes and the ragged 203 x 170 one: on devices other than CPUs through slice sums,
 * as these few planes cannot fill any device (the ragged one with a ragged last round of taps:
 * 544 slices of 34,510 elements); on CPU devices in one kernel of vector sums (GLOBAL_VECTORS;
 * test_internal runs the slices there too), with no tail and a tail of 14 past the last 32. Each
 * is checked for its kernel count and against the reference. */
typedef struct partials_case {
    const char *name;
    int64_t n, c, d, h, w; /* d = 0: a 2D plane, h = 0 too: 1D */
    fill_kind fill;
    int channels_first; /* also run channels-first */
    int cpu_only;       /* channels-last, two passes on CPU devices only (taps that alias) */
} partials_case;

/* Channels-first runs on three of them, which keeps the suite's compiles down: test_internal runs
 * the slices on the other four shapes on every device, and the vector sums' parts alone. */
static const partials_case partials_cases[] = {
    {"plane_112x112_c32", 1, 32, 0, 112, 112, FILL_RANDOM, 1, 0},
    {"ragged_203x170_c8", 1, 8, 0, 203, 170, FILL_RANDOM, 1, 0},
    {"volume_20x30x60_c8", 1, 8, 20, 30, 60, FILL_RANDOM, 0, 0},
    {"line_40000_c8", 1, 8, 0, 0, 40000, FILL_RANDOM, 0, 0},
    {"batch2_64x130_c24", 2, 24, 0, 64, 130, FILL_RANDOM, 0, 0},
    {"ragged_depth_2185x3x5_c8", 1, 8, 2185, 3, 5, FILL_RANDOM, 0, 0},
    /* Nonnegative and large, so every partial sum rounds: block sums and the reference's one
     * running sum round differently, within the reference's tolerance for 12,544 terms. */
    {"arange_112x112_c32", 1, 32, 0, 112, 112, FILL_ARANGE, 1, 0},
    /* Taps 4 KiB apart, which share one L1 cache set: on CPU devices two passes in blocks of
     * one row of 7 taps, where the plane alone would be spelled out in one. */
    {"aliased_7x7_c1024", 6, 1024, 0, 7, 7, FILL_RANDOM, 0, 1},
};

/* The tolerance of expect_forward cannot see one element missed in a plane of thousands. Small
 * integers sum exactly in any order, so here the device's mean must be the reference's to 2 ulp
 * (the division's rounding, where the device's is not correctly rounded). */
static void expect_exact_integer_means(const pool_case *pc, const char *label) {
    int64_t elements = 0;
    ck_assert_int_eq(clpool_tensor_desc_size(&pc->input, &elements, NULL), CLPOOL_SUCCESS);
    const size_t n = (size_t)elements;
    float *x = malloc(n * sizeof *x), *y = NULL, *want = NULL;
    ck_assert_ptr_nonnull(x);
    fill_input(FILL_INTEGERS, 43, x, n); /* -2 .. 0: sums exact in any order */
    size_t count = 0;
    ck_assert_int_eq(run_on_device(&pc->pool, &pc->input, x, CLPOOL_SPECIALISE_AUTO, &y, &count),
                     CLPOOL_SUCCESS);
    want = malloc(count * sizeof *want);
    ck_assert_int_eq(ref_pool_forward(&pc->pool, &pc->input, x, want, NULL), 0);
    for (size_t i = 0; i < count; ++i) {
        const float ulp = nextafterf(fabsf(want[i]), INFINITY) - fabsf(want[i]);
        expect_each(fabsf(y[i] - want[i]) <= 2.0f * ulp,
                    "%s layout %d: mean %zu is %.9g, want %.9g", label, (int)pc->input.layout, i,
                    y[i], want[i]);
    }
    free(x);
    free(y);
    free(want);
}

/* Whether dev is a CPU device, whose channels-first global averages take no slices. */
static int device_is_cpu(void) {
    cl_device_type type = 0;
    ck_assert_int_eq(clGetDeviceInfo(dev.device, CL_DEVICE_TYPE, sizeof type, &type, NULL),
                     CL_SUCCESS);
    return (type & CL_DEVICE_TYPE_CPU) != 0;
}

START_TEST(test_partials_case) {
    const partials_case *pcase = &partials_cases[_i];
    pool_case pc;
    memset(&pc, 0, sizeof pc);
    const int rank = pcase->d ? 3 : (pcase->h ? 2 : 1);
    const int64_t spatial[3] = {pcase->d, pcase->h, pcase->w};
    clpool_pool_desc_init_global(&pc.pool, CLPOOL_MODE_AVG, rank);
    clpool_tensor_desc_init(&pc.input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, pcase->n,
                            pcase->c, rank, spatial + (3 - rank));
    pc.fill = pcase->fill;
    for (int l = 0; l < 2; ++l) {
        if (layouts[l] == CLPOOL_LAYOUT_CHANNELS_FIRST && !pcase->channels_first)
            continue;
        pc.input.layout = layouts[l];
        clpool_plan *plan = NULL;
        ck_assert_int_eq(clpool_plan_create(dev.ctx, &pc.pool, &pc.input, NULL, &plan),
                         CLPOOL_SUCCESS);
        const int cpu = device_is_cpu();
        const int one = layouts[l] == CLPOOL_LAYOUT_CHANNELS_FIRST ? cpu : pcase->cpu_only && !cpu;
        const unsigned kernels = one ? 1u : 2u;
        ck_assert_msg(clpool_plan_kernel_count(plan) == kernels,
                      "%s layout %d: %u kernels, options '%s'", pcase->name, l,
                      clpool_plan_kernel_count(plan), clpool_plan_build_options(plan));
        clpool_plan_release(plan);
        expect_forward(&pc, pcase->name, (uint64_t)_i + 101, layouts[l], CLPOOL_SPECIALISE_AUTO);
        expect_exact_integer_means(&pc, pcase->name);
    }
}
END_TEST

/* Channels-last global max pooling of large inputs runs in two passes too: block maxima and
 * their argmaxes, then a merge per plane that must end where PyTorch's sequential scan ends
 * (pool_forward.cl, SCAN_ENDS_ON). Ragged last blocks along H and W (clamped taps), a 1D line
 * folded into 200 x 200 for its blocks, a line of prime length (not folded: 4,097 blocks of 8)
 * and a ragged last block along D, with int64 indices (without, on the first and third; int32 on
 * the first), on ties of signed zeros, NaNs with their own payloads, -inf planes and all-NaN
 * planes: values and indices bit for bit. */
static const partials_case max_partials_cases[] = {
    {"ragged_203x170_c8", 1, 8, 0, 203, 170, FILL_INTEGERS, 0, 0},
    {"line_40000_c8", 1, 8, 0, 0, 40000, FILL_INTEGERS, 0, 0},
    {"line_prime_32771_c8", 1, 8, 0, 0, 32771, FILL_INTEGERS, 0, 0},
    {"ragged_depth_2185x3x5_c8", 1, 8, 2185, 3, 5, FILL_INTEGERS, 0, 0},
};

START_TEST(test_max_partials_case) {
    static const fill_kind fills[] = {FILL_INTEGERS, FILL_NAN_SCATTER, FILL_NEG_INF, FILL_NAN_ALL};
    const partials_case *pcase = &max_partials_cases[_i];
    const int rank = pcase->d ? 3 : (pcase->h ? 2 : 1);
    const int64_t spatial[3] = {pcase->d, pcase->h, pcase->w};
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_global(&pool, CLPOOL_MODE_MAX, rank);
    clpool_tensor_desc_init(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, pcase->n,
                            pcase->c, rank, spatial + (3 - rank));
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, NULL, &plan), CLPOOL_SUCCESS);
    ck_assert_msg(clpool_plan_kernel_count(plan) == 2u, "%s: %u kernels, options '%s'", pcase->name,
                  clpool_plan_kernel_count(plan), clpool_plan_build_options(plan));
    clpool_plan_release(plan);
    const size_t n = tensor_count(&input);
    float *x = malloc(n * sizeof *x);
    ck_assert_ptr_nonnull(x);
    for (size_t f = 0; f < sizeof fills / sizeof fills[0]; ++f) {
        char label[96];
        snprintf(label, sizeof label, "%s, fill %d", pcase->name, (int)fills[f]);
        fill_input(fills[f], 71 + f, x, n);
        if (_i % 2 == 0) /* without indices (int scratch indices), on two of the four */
            expect_matches_reference(label, &pool, &input, x, CLPOOL_SPECIALISE_AUTO);
        expect_indices_match_reference(label, &pool, &input, x, CLPOOL_SPECIALISE_AUTO,
                                       CLPOOL_INDEX_INT64);
        if (_i == 0) /* 32-bit indices in the scratch buffer and the caller's */
            expect_indices_match_reference(label, &pool, &input, x, CLPOOL_SPECIALISE_AUTO,
                                           CLPOOL_INDEX_INT32);
    }
    free(x);
}
END_TEST

/* ---- Two-dimensional launches -----------------------------------------------------------------
 */

/* Specialised plans of windows the kernels spell out launch in two dimensions when a vector of
 * lanes fits: channels-last with C a multiple of 8 (lanes over channels), channels-first with an
 * output W of at least 6 forward (strided along W on CPU devices only), or 6 lanes of the
 * input's W over the stride for the gather kinds (lanes by stride residue, below). The
 * edge cases are mostly narrower, so every LANES_EVERY-th one is widened (C = 16, W + 16) and
 * run so, in 2D and carried to 1D and 3D, through the passes that take those launches. */
enum { LANES_EVERY = 16 };

/* The backward kind of the case's mode that reads one value per covering output (max from
 * indices, or average), specialised: the kinds that take two-dimensional launches. */
static void expect_gather_backward(const pool_case *pc, const char *label, uint64_t seed,
                                   clpool_layout layout, clpool_index_type indices) {
    clpool_tensor_desc input = with_layout(&pc->input, layout), output;
    ck_assert_int_eq(clpool_pool_output_desc(&pc->pool, &input, &output), CLPOOL_SUCCESS);
    const size_t n_out = tensor_count(&output);
    float *x = make_input(pc, seed, layout), *grad = malloc((n_out + 1) * sizeof(float));
    fill_input(FILL_RANDOM, seed + 7, grad, n_out);
    expect_backward_matches_reference(
        label, &pc->pool, &input, x, grad,
        pc->pool.mode == CLPOOL_MODE_MAX ? CLPOOL_BACKWARD_MAX_FROM_INDICES : CLPOOL_BACKWARD_AVG,
        CLPOOL_SPECIALISE_WINDOW, indices);
    free(x);
    free(grad);
}

START_TEST(test_lanes_edge_case) {
    const int index = _i * LANES_EVERY;
    char label[160];
    for (int v = 0; v < 3; ++v) {
        pool_case pc;
        if (v < 2)
            case_with_rank(&pool_cases[index], v == 0 ? 2 : 1, 1, &pc);
        else
            case_with_rank(&pool_cases[index], 3, 0, &pc);
        const int rank = pc.input.spatial_rank;
        pc.input.c = 16;
        pc.input.spatial[rank - 1] += 16;
        snprintf(label, sizeof label, "%s widened (C 16, W + 16), rank %d", pool_cases[index].name,
                 rank);
        const uint64_t seed = (uint64_t)index * 3 + (uint64_t)v + 7;
        const clpool_layout layout =
            (v + _i) % 2 ? CLPOOL_LAYOUT_CHANNELS_FIRST : CLPOOL_LAYOUT_CHANNELS_LAST;
        expect_forward(&pc, label, seed, layout, CLPOOL_SPECIALISE_WINDOW);
        if (layout == CLPOOL_LAYOUT_CHANNELS_LAST)
            expect_other_passes(&pc, label, seed, layout, CLPOOL_SPECIALISE_WINDOW,
                                CLPOOL_INDEX_INT64);
        else
            expect_gather_backward(&pc, label, seed, layout, CLPOOL_INDEX_INT64);
    }
}
END_TEST

/* Channels-first forward plans with int64 indices write them as two 32-bit words from strided
 * width lanes at least 16 wide whose windows overlap (pool_kernels.c, index_words), or do not
 * and are a multiple of 8 wide: with windows inside the plane, with edge rows (padding along W),
 * with ceil_mode's overhanging last window, 2 x 2 and 4 x 4 windows that do not overlap, on ties
 * and on NaNs with their own payloads; both kernels of the edge rows, values and indices
 * bit for bit. 23 planes make the last work-group's rows ragged. */
static const struct {
    const char *name;
    int64_t h, w, k, s, p;
    int ceil_mode;
    fill_kind fill;
} word_cases[] = {
    {"w41_k3s2_inside_nans", 5, 41, 3, 2, 0, 0, FILL_NAN_SCATTER},
    {"w45_k3s2p1_edge_rows_ties", 4, 45, 3, 2, 1, 0, FILL_INTEGERS}, /* now compacted */
    {"w49_k3s2p1_edge_rows_25_lanes", 4, 49, 3, 2, 1, 0, FILL_NAN_SCATTER},
    {"w36_k3s2_ceil_overhang", 3, 36, 3, 2, 0, 1, FILL_NAN_SCATTER},
    {"w64_k2s2_no_overlap_32_lanes", 4, 64, 2, 2, 0, 0, FILL_NAN_SCATTER},
    {"w96_k4s4_no_overlap_24_lanes_ties", 8, 96, 4, 4, 0, 0, FILL_INTEGERS},
};

START_TEST(test_index_words_case) {
    const int64_t n = 1, c = 23;
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, word_cases[_i].k, word_cases[_i].k);
    pool.stride[0] = pool.stride[1] = word_cases[_i].s;
    pool.pad_begin[0] = pool.pad_begin[1] = word_cases[_i].p;
    pool.pad_end[0] = pool.pad_end[1] = word_cases[_i].p;
    pool.ceil_mode = word_cases[_i].ceil_mode;
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, n, c,
                               word_cases[_i].h, word_cases[_i].w);
    const size_t count = (size_t)(n * c * word_cases[_i].h * word_cases[_i].w);
    float *x = malloc(count * sizeof(float));
    ck_assert_ptr_nonnull(x);
    fill_input(word_cases[_i].fill, 91 + (uint64_t)_i, x, count);
    expect_indices_match_reference(word_cases[_i].name, &pool, &input, x, CLPOOL_SPECIALISE_WINDOW,
                                   CLPOOL_INDEX_INT64);
    clpool_tensor_desc line; /* the same data as c * h lines */
    clpool_tensor_desc_init_1d(&line, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, n,
                               c * word_cases[_i].h, word_cases[_i].w);
    clpool_pool_desc line_pool;
    clpool_pool_desc_init_1d(&line_pool, CLPOOL_MODE_MAX, word_cases[_i].k);
    line_pool.stride[0] = word_cases[_i].s;
    line_pool.pad_begin[0] = line_pool.pad_end[0] = word_cases[_i].p;
    line_pool.ceil_mode = word_cases[_i].ceil_mode;
    expect_indices_match_reference(word_cases[_i].name, &line_pool, &line, x,
                                   CLPOOL_SPECIALISE_WINDOW, CLPOOL_INDEX_INT64);
    free(x);
}
END_TEST

/* Channels-first forward plans with indices pad the width lanes of strided planes under 8
 * outputs wide to 8 when no window reaches past the input (pool_forward.cl, PADDED_LANES): the
 * surplus lanes read on into the next row and store nothing, and the tensor's last row stands
 * back by the surplus, reading the end of the row before it. Where windows overlap along W and
 * the row leaves at least 3 lanes over a multiple of 8, the lanes are compacted instead
 * (COMPACTED_LANES, padded = 2): the row rounded up to a multiple of 8, every lane stored into
 * the scratch buffer, and a second kernel copying the live ones out. Each case checks values and
 * indices bit for bit against the reference (NaN payloads, ties), with and without the lanes,
 * and that the plan pads or compacts exactly where the rule says: the last row standing back into
 * the previous plane, a 1D line and a 3D volume; a tensor of one row cannot stand back (nothing
 * lies before it) and keeps exact lanes, and so does a row of 17 (a remainder of 1). Planes whose
 * windows overhang along W (ceil_mode) compact too where they overlap, and pad where they do
 * not, with edge rows (test_edge_rows_case) in place of the standing back; ceil_mode whose
 * windows stay inside compacts. Planes 6 or 7 wide wrap their lanes instead (WRAPPED_LANES,
 * padded = 3: 8 lanes, the surplus computing the next row's first outputs, the tensor's last
 * row an edge row) where their columns form whole groups of the stride (with filler columns for
 * max windows at least 2 high), without indices, and with indices where windows neither overlap
 * nor overhang along W (`none`: the plan without indices). */
static const struct {
    const char *name;
    int rank;
    int64_t n, c, spatial[3], k, s;
    int ceil_mode;
    fill_kind fill;
    int padded; /* 1 padded lanes, 2 compacted lanes, 3 wrapped lanes */
    int none;   /* the same without indices: 0 or 3 */
} padded_cases[] = {
    {"w13_k3s2_six_lanes_nans", 2, 1, 23, {13, 13}, 3, 2, 0, FILL_NAN_SCATTER, 2, 3},
    {"w14_k2s2_seven_lanes_ties", 2, 3, 5, {6, 14}, 2, 2, 0, FILL_INTEGERS, 3, 3},
    {"two_planes_of_one_row", 2, 1, 2, {3, 13}, 3, 2, 0, FILL_INTEGERS, 2, 3},
    {"one_row_cannot_stand_back", 2, 1, 1, {3, 13}, 3, 2, 0, FILL_RANDOM, 0, 0},
    {"line_w16_k4s2_seven_lanes", 1, 2, 9, {16}, 4, 2, 0, FILL_NAN_SCATTER, 2, 3},
    {"line_w13_k3s2_one_tap_high", 1, 2, 9, {13}, 3, 2, 0, FILL_INTEGERS, 2, 0},
    {"volume_4x6x14_k2s2", 3, 1, 3, {4, 6, 14}, 2, 2, 0, FILL_INTEGERS, 3, 3},
    {"w14_k3s2_ceil_overhang_edge_rows", 2, 2, 7, {14, 14}, 3, 2, 1, FILL_RANDOM, 2, 3},
    {"w14_k2s2_ceil_overhang_no_overlap", 2, 2, 7, {14, 13}, 2, 2, 1, FILL_NAN_SCATTER, 1, 0},
    {"w55_k3s2_27_lanes_compacted_ties", 2, 1, 3, {7, 55}, 3, 2, 0, FILL_INTEGERS, 2, 0},
    {"w27_k3s2_ceil_inside_13_lanes", 2, 2, 3, {5, 27}, 3, 2, 1, FILL_NAN_SCATTER, 2, 0},
    {"volume_5x5x23_k3s2_11_lanes", 3, 1, 2, {5, 5, 23}, 3, 2, 0, FILL_RANDOM, 2, 0},
    {"w35_k3s2_remainder_one_exact", 2, 1, 4, {5, 35}, 3, 2, 0, FILL_RANDOM, 0, 0},
    {"w16_k4s2_stands_back_no_fillers", 2, 1, 3, {6, 16}, 4, 2, 0, FILL_NAN_SCATTER, 2, 3},
};

/* Whether a specialised channels-first forward plan of pool over input with these indices pads
 * its lanes. */
/* A specialised plan of pool over input with these indices; the caller releases it. */
static clpool_plan *window_plan(const char *label, const clpool_pool_desc *pool,
                                const clpool_tensor_desc *input, clpool_index_type indices) {
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.specialisation = CLPOOL_SPECIALISE_WINDOW;
    options.indices = indices;
    clpool_plan *plan = NULL;
    ck_assert_msg(clpool_plan_create(dev.ctx, pool, input, &options, &plan) == CLPOOL_SUCCESS,
                  "%s: %s", label, clpool_last_error());
    return plan;
}

/* A specialised plan's values, and for max pooling its int64 and int32 indices, bit for bit
 * against the reference on x. */
static void expect_window_results(const char *label, const pool_case *pc, const float *x) {
    if (pc->pool.mode == CLPOOL_MODE_MAX) {
        expect_indices_match_reference(label, &pc->pool, &pc->input, x, CLPOOL_SPECIALISE_WINDOW,
                                       CLPOOL_INDEX_INT64);
        expect_indices_match_reference(label, &pc->pool, &pc->input, x, CLPOOL_SPECIALISE_WINDOW,
                                       CLPOOL_INDEX_INT32);
    }
    expect_matches_reference(label, &pc->pool, &pc->input, x, CLPOOL_SPECIALISE_WINDOW);
}

/* 0, 1 with padded lanes, 2 with compacted lanes (which also run a second kernel), 3 with
 * wrapped lanes (and the edge kernel). */
static int plan_pads_lanes(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                           clpool_index_type indices) {
    clpool_plan *plan = window_plan("padded lanes", pool, input, indices);
    const char *options = clpool_plan_build_options(plan);
    const int padded = strstr(options, "-DPADDED_LANES=") != NULL;
    const int compacted = strstr(options, "-DCOMPACTED_LANES=1") != NULL;
    const int wrapped = strstr(options, "-DWRAPPED_LANES=8") != NULL;
    ck_assert_int_eq(compacted && !padded, 0);
    if (wrapped) {
        ck_assert_int_eq(padded, 0);
        ck_assert_uint_eq(clpool_plan_kernel_count(plan), 2u);
        clpool_plan_release(plan);
        return 3;
    }
    if (compacted) /* the copy, and with filler columns any edge rows */
        ck_assert_uint_eq(clpool_plan_kernel_count(plan),
                          strstr(options, "-DFILLER_COLUMNS=") != NULL &&
                                  strstr(options, "-DEDGE_LAST=0") == NULL
                              ? 3u
                              : 2u);
    clpool_plan_release(plan);
    return padded + compacted;
}

START_TEST(test_padded_lanes_case) {
    const int64_t kernel[3] = {padded_cases[_i].k, padded_cases[_i].k, padded_cases[_i].k};
    pool_case pc = {.name = padded_cases[_i].name, .fill = padded_cases[_i].fill};
    clpool_pool_desc_init(&pc.pool, CLPOOL_MODE_MAX, padded_cases[_i].rank, kernel);
    for (int d = 0; d < padded_cases[_i].rank; ++d)
        pc.pool.stride[d] = padded_cases[_i].s;
    pc.pool.ceil_mode = padded_cases[_i].ceil_mode;
    clpool_tensor_desc_init(&pc.input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST,
                            padded_cases[_i].n, padded_cases[_i].c, padded_cases[_i].rank,
                            padded_cases[_i].spatial);
    const int padded = device_is_cpu() ? padded_cases[_i].padded : 0;
    ck_assert_int_eq(plan_pads_lanes(&pc.pool, &pc.input, CLPOOL_INDEX_INT64), padded);
    ck_assert_int_eq(plan_pads_lanes(&pc.pool, &pc.input, CLPOOL_INDEX_INT32), padded);
    ck_assert_int_eq(plan_pads_lanes(&pc.pool, &pc.input, CLPOOL_INDEX_NONE),
                     device_is_cpu() ? padded_cases[_i].none : 0);
    float *x = make_input(&pc, 131 + (uint64_t)_i, CLPOOL_LAYOUT_CHANNELS_FIRST);
    expect_window_results(pc.name, &pc, x);
    free(x);
}
END_TEST

/* pc->pool: a window of the given rank with per-dimension stride and symmetric padding. */
static void init_window(pool_case *pc, clpool_mode mode, int rank, const int64_t kernel[3],
                        const int64_t stride[3], const int64_t pad[3], int ceil_mode,
                        int count_include_pad) {
    clpool_pool_desc_init(&pc->pool, mode, rank, kernel);
    for (int d = 0; d < rank; ++d) {
        pc->pool.stride[d] = stride[d];
        pc->pool.pad_begin[d] = pc->pool.pad_end[d] = pad[d];
    }
    pc->pool.ceil_mode = ceil_mode;
    pc->pool.count_include_pad = count_include_pad;
}

/* Channels-first forward plans whose strided windows overhang along W read their taps unclamped
 * and leave the rows that could then read outside the input to a second kernel (pool_forward.cl,
 * EDGE_ROWS): padding at the begin (first rows: one, or several where a stride of 1 along H or D
 * keeps later windows on the first input row), ceil_mode and end padding (last rows), both, a
 * volume, padded lanes (7 outputs with indices), averages with and without the padding counted,
 * unit-stride windows (max, stepped with indices, and averages; their lanes rounded up to 8),
 * a tensor whose rows would all be edge rows, which keeps clamped lanes, and one whose overhang
 * no row can carry outside the input (no window reads the last input row), which takes the
 * unclamped lanes with no edge rows and launches no second kernel (OpenCL 1.2 refuses an empty
 * launch). Values and indices bit for bit against the reference, NaN payloads and ties
 * included, and on a CPU device the edge row counts the plan reports in its options. first < 0:
 * no edge rows. */
typedef struct {
    const char *name;
    clpool_mode mode;
    int rank;
    int64_t n, c, spatial[3], kernel[3], stride[3], pad[3];
    int ceil_mode, count_include_pad;
    fill_kind fill;
    int first, last;
} edge_case;

/* clang-format off */
static const edge_case edge_cases[] = {
    {"max_16x16_k3s2p1_first_row", CLPOOL_MODE_MAX, 2, 2, 3, {16, 16}, {3, 3}, {2, 2}, {1, 1},
     0, 1, FILL_NAN_SCATTER, 1, 0},
    {"max_14x14_k3s2_ceil_padded_last_row", CLPOOL_MODE_MAX, 2, 1, 5, {14, 14}, {3, 3}, {2, 2},
     {0, 0}, 1, 1, FILL_INTEGERS, 0, 1},
    {"max_9x20_k5_s1x2_p2_three_each", CLPOOL_MODE_MAX, 2, 1, 4, {9, 20}, {5, 5}, {1, 2}, {2, 2},
     0, 1, FILL_NAN_SCATTER, 3, 3},
    {"max_4x6x19_k3_s1x1x2_p1_volume", CLPOOL_MODE_MAX, 3, 1, 3, {4, 6, 19}, {3, 3, 3},
     {1, 1, 2}, {1, 1, 1}, 0, 1, FILL_INTEGERS, 8, 8},
    {"avg_15x23_k3s2p1_ceil_exclude_pad", CLPOOL_MODE_AVG, 2, 2, 3, {15, 23}, {3, 3}, {2, 2},
     {1, 1}, 1, 0, FILL_RANDOM, 1, 1},
    {"avg_line_w40_k5s3p2", CLPOOL_MODE_AVG, 1, 3, 4, {40}, {5}, {3}, {2}, 0, 1, FILL_RANDOM,
     1, 1},
    {"max_line_w25_k3s2p1_all_edge", CLPOOL_MODE_MAX, 1, 1, 2, {25}, {3}, {2}, {1}, 0, 1,
     FILL_INTEGERS, -1, -1},
    {"max_6x20_k1x3_s2x3_ceil_no_row_reads_the_last", CLPOOL_MODE_MAX, 2, 1, 1, {6, 20}, {1, 3},
     {2, 3}, {0, 0}, 1, 1, FILL_NAN_SCATTER, 0, 0},
    {"max_10x28_k3s1p1_unit_stride", CLPOOL_MODE_MAX, 2, 1, 3, {10, 28}, {3, 3}, {1, 1}, {1, 1},
     0, 1, FILL_NAN_SCATTER, 2, 2},
    {"avg_9x35_k3s1p1_unit_stride_exclude_pad", CLPOOL_MODE_AVG, 2, 2, 2, {9, 35}, {3, 3},
     {1, 1}, {1, 1}, 0, 0, FILL_RANDOM, 2, 2},
    {"max_7x20_k5s1p2_unit_stride_ties", CLPOOL_MODE_MAX, 2, 1, 2, {7, 20}, {5, 5}, {1, 1},
     {2, 2}, 0, 1, FILL_INTEGERS, 3, 3},
};
/* clang-format on */

/* The -DEDGE_ROWS=1 -DEDGE_FIRST=... -DEDGE_LAST=... of a specialised plan of pool over input, or
 * "" when it has none; with edge rows it reports two kernels, else one. */
static void expect_edge_rows(const char *label, const clpool_pool_desc *pool,
                             const clpool_tensor_desc *input, clpool_index_type indices,
                             const char *expected) {
    clpool_plan *plan = window_plan(label, pool, input, indices);
    const char *built = clpool_plan_build_options(plan);
    if (*expected) {
        ck_assert_msg(strstr(built, expected) != NULL, "%s: no '%s' in '%s'", label, expected,
                      built);
        const int none = strstr(expected, "-DEDGE_FIRST=0 -DEDGE_LAST=0") != NULL;
        const int copy = strstr(built, "-DCOMPACTED_LANES=1") != NULL; /* a copy kernel too */
        ck_assert_uint_eq(clpool_plan_kernel_count(plan), (none ? 1u : 2u) + (unsigned)copy);
    } else {
        ck_assert_msg(strstr(built, "EDGE") == NULL, "%s: edge rows in '%s'", label, built);
        ck_assert_uint_eq(clpool_plan_kernel_count(plan), 1u);
    }
    clpool_plan_release(plan);
}

START_TEST(test_edge_rows_case) {
    const edge_case *ec = &edge_cases[_i];
    pool_case pc = {.name = ec->name, .fill = ec->fill};
    init_window(&pc, ec->mode, ec->rank, ec->kernel, ec->stride, ec->pad, ec->ceil_mode,
                ec->count_include_pad);
    clpool_tensor_desc_init(&pc.input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, ec->n, ec->c,
                            ec->rank, ec->spatial);
    char expected[64] = "";
    if (ec->first >= 0 && device_is_cpu())
        snprintf(expected, sizeof expected, "-DEDGE_ROWS=1 -DEDGE_FIRST=%d -DEDGE_LAST=%d",
                 ec->first, ec->last);
    float *x = make_input(&pc, 151 + (uint64_t)_i, CLPOOL_LAYOUT_CHANNELS_FIRST);
    if (ec->mode == CLPOOL_MODE_MAX)
        expect_edge_rows(ec->name, &pc.pool, &pc.input, CLPOOL_INDEX_INT64, expected);
    expect_edge_rows(ec->name, &pc.pool, &pc.input, CLPOOL_INDEX_NONE, expected);
    expect_window_results(ec->name, &pc, x);
    free(x);
}
END_TEST

/* Channels-first forward plans of planes 6 or 7 outputs wide wrap their 8 lanes on a CPU device
 * (pool_forward.cl, WRAPPED_LANES): each surplus lane computes the next row's output in the same
 * place, scanning that row's window too, and the tensor's last row (with any rows whose reads
 * could leave the input) is an edge row. The standard small planes (vgg_pool5's 2 x 2, whose rows
 * tile the planes, and planes whose last input row no window reads, which do not; alexnet's
 * 3 x 3 with a filler column, googlenet's ceil_mode overhang without indices), first edge rows
 * from a stride of 1 along H, a volume, a line, planes of one row that wrap into the next plane,
 * averages whose windows overhang with and without the padding counted; and the plans that must
 * not wrap: averages with an incomplete group of columns, windows one tap high that no filler
 * can complete, and indices with windows that overlap or overhang along W. Values and indices bit
 * for bit against the reference, NaN payloads and ties included. first < 0: not wrapped. */
typedef struct {
    const char *name;
    clpool_mode mode;
    int rank;
    int64_t n, c, spatial[3], kernel[3], stride[3], pad[3];
    int ceil_mode, count_include_pad;
    fill_kind fill;
    int first, last;  /* the edge rows without indices */
    int with_indices; /* whether plans with indices wrap too */
} wrapped_case;

/* clang-format off */
static const wrapped_case wrapped_cases[] = {
    {"max_14x14_k2s2_vgg_pool5_nans", CLPOOL_MODE_MAX, 2, 2, 5, {14, 14}, {2, 2}, {2, 2},
     {0, 0}, 0, 1, FILL_NAN_SCATTER, 0, 1, 1},
    {"max_15x14_k2s2_rows_do_not_tile", CLPOOL_MODE_MAX, 2, 2, 3, {15, 14}, {2, 2}, {2, 2},
     {0, 0}, 0, 1, FILL_NAN_SCATTER, 0, 1, 1},
    {"max_13x13_k3s2_alexnet_pool3_ties", CLPOOL_MODE_MAX, 2, 1, 7, {13, 13}, {3, 3}, {2, 2},
     {0, 0}, 0, 1, FILL_INTEGERS, 0, 1, 0},
    {"max_14x14_k3s2_ceil_googlenet_pool4", CLPOOL_MODE_MAX, 2, 1, 6, {14, 14}, {3, 3},
     {2, 2}, {0, 0}, 1, 1, FILL_NAN_SCATTER, 0, 1, 0},
    {"max_9x14_k3_s1x2_p1x0_first_rows", CLPOOL_MODE_MAX, 2, 1, 3, {9, 14}, {3, 3}, {1, 2},
     {1, 0}, 0, 1, FILL_INTEGERS, 1, 2, 0},
    {"max_3x6x14_k2s2_volume", CLPOOL_MODE_MAX, 3, 1, 3, {3, 6, 14}, {2, 2, 2}, {2, 2, 2},
     {0, 0, 0}, 0, 1, FILL_NAN_SCATTER, 0, 1, 1},
    {"max_3x6x14_k1x2x2_rows_tile_across_depth", CLPOOL_MODE_MAX, 3, 1, 2, {3, 6, 14}, {1, 2, 2},
     {1, 2, 2}, {0, 0, 0}, 0, 1, FILL_NAN_SCATTER, 0, 1, 1},
    {"max_line_w16_k4s2", CLPOOL_MODE_MAX, 1, 2, 5, {16}, {4}, {2}, {0}, 0, 1, FILL_INTEGERS,
     0, 1, 0},
    {"max_3x13_k3s2_planes_of_one_row", CLPOOL_MODE_MAX, 2, 1, 2, {3, 13}, {3, 3}, {2, 2},
     {0, 0}, 0, 1, FILL_NAN_SCATTER, 0, 1, 0},
    {"avg_14x14_k2s2", CLPOOL_MODE_AVG, 2, 2, 3, {14, 14}, {2, 2}, {2, 2}, {0, 0}, 0, 1,
     FILL_RANDOM, 0, 1, 0},
    {"avg_9x15_k4s2_ceil_exclude_pad", CLPOOL_MODE_AVG, 2, 1, 3, {9, 15}, {4, 4}, {2, 2},
     {0, 0}, 1, 0, FILL_RANDOM, 0, 1, 0},
    {"avg_9x15_k4s2_ceil_include_pad", CLPOOL_MODE_AVG, 2, 1, 3, {9, 15}, {4, 4}, {2, 2},
     {0, 0}, 1, 1, FILL_RANDOM, 0, 1, 0},
    {"avg_13x13_k3s2_incomplete_group", CLPOOL_MODE_AVG, 2, 1, 3, {13, 13}, {3, 3}, {2, 2},
     {0, 0}, 0, 1, FILL_RANDOM, -1, -1, 0},
    {"max_line_w13_k3s2_one_tap_high", CLPOOL_MODE_MAX, 1, 1, 4, {13}, {3}, {2}, {0}, 0, 1,
     FILL_NAN_SCATTER, -1, -1, 0},
};
/* clang-format on */

/* Whether a specialised plan of pool over input wraps its lanes, with the edge rows expected
 * ("" when it must not wrap), and its kernel count then (the lanes and the edge kernel). */
static void expect_wrapped(const char *label, const clpool_pool_desc *pool,
                           const clpool_tensor_desc *input, clpool_index_type indices,
                           const char *expected) {
    clpool_plan *plan = window_plan(label, pool, input, indices);
    const char *built = clpool_plan_build_options(plan);
    if (*expected) {
        ck_assert_msg(strstr(built, expected) != NULL, "%s: no '%s' in '%s'", label, expected,
                      built);
        ck_assert_uint_eq(clpool_plan_kernel_count(plan), 2u);
    } else {
        ck_assert_msg(strstr(built, "WRAPPED") == NULL, "%s: wrapped in '%s'", label, built);
    }
    clpool_plan_release(plan);
}

START_TEST(test_wrapped_lanes_case) {
    const wrapped_case *wc = &wrapped_cases[_i];
    pool_case pc = {.name = wc->name, .fill = wc->fill};
    init_window(&pc, wc->mode, wc->rank, wc->kernel, wc->stride, wc->pad, wc->ceil_mode,
                wc->count_include_pad);
    clpool_tensor_desc_init(&pc.input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, wc->n, wc->c,
                            wc->rank, wc->spatial);
    char expected[80] = "";
    if (wc->first >= 0 && device_is_cpu())
        snprintf(expected, sizeof expected,
                 "-DEDGE_ROWS=1 -DEDGE_FIRST=%d -DEDGE_LAST=%d -DWRAPPED_LANES=8", wc->first,
                 wc->last);
    float *x = make_input(&pc, 171 + (uint64_t)_i, CLPOOL_LAYOUT_CHANNELS_FIRST);
    if (wc->mode == CLPOOL_MODE_MAX) {
        expect_wrapped(wc->name, &pc.pool, &pc.input, CLPOOL_INDEX_INT64,
                       wc->with_indices ? expected : "");
        expect_wrapped(wc->name, &pc.pool, &pc.input, CLPOOL_INDEX_INT32,
                       wc->with_indices ? expected : "");
    }
    expect_wrapped(wc->name, &pc.pool, &pc.input, CLPOOL_INDEX_NONE, expected);
    expect_window_results(wc->name, &pc, x);
    free(x);
}
END_TEST

/* Channels-first max forward plans whose strided width lanes are exact and whose windows lie
 * inside the input, overlap along W with a width no multiple of the stride and span 2 rows or
 * more read filler columns after each window row (pool_forward.cl, FILLER_COLUMNS), which
 * complete the compiler's groups of stride-many columns, and leave the output rows whose windows
 * hold the tensor's last input row to the edge kernel (EDGE_LAST), as their fillers would lie
 * past the input. Cases: 3 x 3 stride 2 (one filler), 4 x 4 stride 3 (two), 5 x 5 stride 2, a
 * stride of 1 along H, a volume, a height no window's last row reaches (-DEDGE_LAST=0: no edge
 * kernel), and ones without fillers: a tensor of one output row (its only
 * row would be an edge row), averages, a line (one row per window), windows that do not overlap
 * or whose width the stride divides. Plans with indices whose lanes are compacted read fillers
 * too, the edge rows then a third kernel. Each case checks the options without indices and with
 * int64 ones (fillers, and edge rows as "-DEDGE_LAST=n", or none: -1), then values and indices
 * bit for bit against the reference, NaN payloads and ties included. */
typedef struct {
    const char *name;
    clpool_mode mode;
    int rank;
    int64_t n, c, spatial[3], kernel[3], stride[3];
    fill_kind fill;
    int fillers, last;                 /* without indices */
    int fillers_indexed, last_indexed; /* with int64 indices */
    int64_t pad;                       /* along every dimension */
    int ceil_mode, before, first;      /* fillers before the taps and first edge rows: both */
    int before_indexed;                /* fillers before the taps with indices, where they differ */
} filler_case;

/* clang-format off */
static const filler_case filler_cases[] = {
    {"max_11x55_k3s2_27_lanes", CLPOOL_MODE_MAX, 2, 1, 3, {11, 55}, {3, 3}, {2, 2},
     FILL_NAN_SCATTER, 1, 1, 1, 1, 0, 0, 0, 0, 0},
    {"max_9x35_k3s2_17_lanes_ties", CLPOOL_MODE_MAX, 2, 2, 2, {9, 35}, {3, 3}, {2, 2},
     FILL_INTEGERS, 1, 1, 1, 1, 0, 0, 0, 0, 0},
    {"max_7x40_k4s3_two_fillers", CLPOOL_MODE_MAX, 2, 1, 3, {7, 40}, {4, 4}, {3, 3},
     FILL_NAN_SCATTER, 2, 1, 2, 1, 0, 0, 0, 0, 0},
    {"max_9x41_k5s2_19_lanes", CLPOOL_MODE_MAX, 2, 1, 2, {9, 41}, {5, 5}, {2, 2},
     FILL_INTEGERS, 1, 1, 1, 1, 0, 0, 0, 0, 0},
    {"max_9x27_k3_s1x2_13_lanes", CLPOOL_MODE_MAX, 2, 1, 2, {9, 27}, {3, 3}, {1, 2},
     FILL_NAN_SCATTER, 1, 1, 1, 1, 0, 0, 0, 0, 0},
    {"max_5x5x23_k3s2_volume", CLPOOL_MODE_MAX, 3, 1, 2, {5, 5, 23}, {3, 3, 3}, {2, 2, 2},
     FILL_INTEGERS, 1, 1, 1, 1, 0, 0, 0, 0, 0},
    {"max_8x27_k3s2_no_window_holds_the_last_row", CLPOOL_MODE_MAX, 2, 1, 3, {8, 27}, {3, 3},
     {2, 2}, FILL_NAN_SCATTER, 1, 0, 1, 0, 0, 0, 0, 0, 0},
    {"max_3x25_k3s2_one_row", CLPOOL_MODE_MAX, 2, 1, 1, {3, 25}, {3, 3}, {2, 2},
     FILL_RANDOM, 0, -1, 0, -1, 0, 0, 0, 0, 0},
    {"avg_9x35_k3s2_no_fillers", CLPOOL_MODE_AVG, 2, 1, 2, {9, 35}, {3, 3}, {2, 2},
     FILL_RANDOM, 0, -1, 0, -1, 0, 0, 0, 0, 0},
    {"max_line_w35_k3s2_no_fillers", CLPOOL_MODE_MAX, 1, 2, 3, {35}, {3}, {2},
     FILL_NAN_SCATTER, 0, -1, 0, -1, 0, 0, 0, 0, 0},
    {"max_8x48_k2s2_no_overlap", CLPOOL_MODE_MAX, 2, 1, 2, {8, 48}, {2, 2}, {2, 2},
     FILL_INTEGERS, 0, -1, 0, -1, 0, 0, 0, 0, 0},
    {"max_8x52_k4s2_divides", CLPOOL_MODE_MAX, 2, 1, 2, {8, 52}, {4, 4}, {2, 2},
     FILL_INTEGERS, 0, -1, 0, -1, 0, 0, 0, 0, 0},
    {"max_16x20_k3s2p1_one_before", CLPOOL_MODE_MAX, 2, 1, 2, {16, 20}, {3, 3}, {2, 2},
     FILL_NAN_SCATTER, 0, 0, 0, 0, 1, 0, 1, 1, 1},
    {"max_15x24_k3s2_ceil_overhang_after", CLPOOL_MODE_MAX, 2, 1, 3, {15, 24}, {3, 3}, {2, 2},
     FILL_INTEGERS, 1, 1, 1, 1, 0, 1, 0, 0, 0},
    {"max_12x30_k5s2p2_after_two_first", CLPOOL_MODE_MAX, 2, 1, 2, {12, 30}, {5, 5}, {2, 2},
     FILL_NAN_SCATTER, 1, 1, 1, 1, 2, 0, 0, 2, 0},
    {"max_9x15_k3s2_seven_lanes_wrapped", CLPOOL_MODE_MAX, 2, 1, 2, {9, 15}, {3, 3}, {2, 2},
     FILL_RANDOM, 1, 1, 1, 1, 0, 0, 0, 0, 0},
    {"max_14x13_k3s2p1_compacted_first_edge_row", CLPOOL_MODE_MAX, 2, 2, 3, {14, 13}, {3, 3},
     {2, 2}, FILL_NAN_SCATTER, 0, 1, 0, 1, 1, 0, 0, 1, 1},
};
/* clang-format on */

/* Checks a specialised plan's filler columns and edge rows against the case. */
static void expect_fillers(const char *label, const clpool_pool_desc *pool,
                           const clpool_tensor_desc *input, clpool_index_type indices, int fillers,
                           int before, int first, int last) {
    clpool_plan *plan = window_plan(label, pool, input, indices);
    const char *built = clpool_plan_build_options(plan);
    char expected[48];
    snprintf(expected, sizeof expected, "-DFILLER_COLUMNS=%d", fillers);
    ck_assert_msg(fillers ? strstr(built, expected) != NULL
                          : strstr(built, "FILLER_COLUMNS") == NULL,
                  "%s: want %d fillers after in '%s'", label, fillers, built);
    snprintf(expected, sizeof expected, "-DFILLER_BEFORE=%d", before);
    ck_assert_msg(before ? strstr(built, expected) != NULL : strstr(built, "FILLER_BEFORE") == NULL,
                  "%s: want %d fillers before in '%s'", label, before, built);
    snprintf(expected, sizeof expected, "-DEDGE_FIRST=%d -DEDGE_LAST=%d", first, last);
    ck_assert_msg(last >= 0 ? strstr(built, expected) != NULL : strstr(built, "EDGE") == NULL,
                  "%s: want edge rows %d, %d in '%s'", label, first, last, built);
    /* The lanes, any copy of compacted lanes, and the edge rows when there are some. */
    const unsigned kernels =
        1u + (strstr(built, "-DCOMPACTED_LANES=1") != NULL) + (first + last > 0 ? 1u : 0u);
    ck_assert_uint_eq(clpool_plan_kernel_count(plan), kernels);
    clpool_plan_release(plan);
}

START_TEST(test_filler_columns_case) {
    const filler_case *fc = &filler_cases[_i];
    pool_case pc = {.name = fc->name, .fill = fc->fill};
    const int64_t pad[3] = {fc->pad, fc->pad, fc->pad};
    init_window(&pc, fc->mode, fc->rank, fc->kernel, fc->stride, pad, fc->ceil_mode, 1);
    clpool_tensor_desc_init(&pc.input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, fc->n, fc->c,
                            fc->rank, fc->spatial);
    const int cpu = device_is_cpu();
    expect_fillers(fc->name, &pc.pool, &pc.input, CLPOOL_INDEX_NONE, cpu ? fc->fillers : 0,
                   cpu ? fc->before : 0, cpu ? fc->first : 0, cpu ? fc->last : -1);
    float *x = make_input(&pc, 171 + (uint64_t)_i, CLPOOL_LAYOUT_CHANNELS_FIRST);
    if (fc->mode == CLPOOL_MODE_MAX) {
        expect_fillers(fc->name, &pc.pool, &pc.input, CLPOOL_INDEX_INT64,
                       cpu ? fc->fillers_indexed : 0, cpu ? fc->before_indexed : 0,
                       cpu ? fc->first : 0, cpu ? fc->last_indexed : -1);
    }
    expect_window_results(fc->name, &pc, x);
    free(x);
}
END_TEST

/* Channels-first gathers launch by stride residue (pool_backward.cl, LANES_RESIDUE) once the
 * input's W over the stride gives at least 6 lanes, and over the input's W (LANES_WIDTH) where
 * windows overlap in no dimension (kernel <= stride), W is strided and at least 6: each case
 * below takes one of them, and together they reach what their arithmetic depends on: every
 * residue of W by the stride (lanes past the input's end), lane counts off a multiple of 8,
 * kernels shorter than the stride (a residue, or elements, no window covers), padding,
 * ceil_mode's overhanging last window, the average divisor rules, the most covering outputs
 * spelled out (8), and H and D around W. Odd rows read int32 indices. On CPU devices max
 * pooling takes the scatter instead where the outputs fill a work-group (not these). */
typedef struct {
    const char *name;
    clpool_mode mode;
    int rank;
    int64_t spatial[3], kernel[3], stride[3], pad[3];
    int ceil_mode, count_include_pad, divisor;
} residue_case;

/* clang-format off */
static const residue_case residue_cases[] = {
    {"max_w11_k3s2p1_six_lanes", CLPOOL_MODE_MAX, 1, {11}, {3}, {2}, {1}, 0, 1, 0},
    {"max_w55_k3s2p0_odd", CLPOOL_MODE_MAX, 1, {55}, {3}, {2}, {0}, 0, 1, 0},
    {"max_w41_k2s3_uncovered", CLPOOL_MODE_MAX, 1, {41}, {2}, {3}, {0}, 0, 1, 0},
    {"max_w40_k5s3p2_ceil", CLPOOL_MODE_MAX, 1, {40}, {5}, {3}, {2}, 1, 1, 0},
    {"max_w30_k8s1p4", CLPOOL_MODE_MAX, 1, {30}, {8}, {1}, {4}, 0, 1, 0},
    {"avg_w46_k5s2p2_ceil_w_overhang", CLPOOL_MODE_AVG, 1, {46}, {5}, {2}, {2}, 1, 1, 0},
    {"max_w42_k3s2_ceil_right_border", CLPOOL_MODE_MAX, 1, {42}, {3}, {2}, {0}, 1, 1, 0},
    {"max_w40_k7s2p3_two_left_borders", CLPOOL_MODE_MAX, 1, {40}, {7}, {2}, {3}, 0, 1, 0},
    {"avg_w33_k3s3p1_divisor5", CLPOOL_MODE_AVG, 1, {33}, {3}, {3}, {1}, 0, 1, 5},
    {"avg_w64_k8s5p4_exclude_pad", CLPOOL_MODE_AVG, 1, {64}, {8}, {5}, {4}, 0, 0, 0},
    {"max_12x52_k3x5_s2x3_p1x2", CLPOOL_MODE_MAX, 2, {12, 52}, {3, 5}, {2, 3}, {1, 2}, 0, 1, 0},
    {"avg_5x7x49_k2x3x3_s2x2x2_p0x1x1_ceil", CLPOOL_MODE_AVG, 3, {5, 7, 49}, {2, 3, 3},
     {2, 2, 2}, {0, 1, 1}, 1, 1, 0},
    /* Width lanes: kernel <= stride in every dimension, strided along W. */
    {"avg_w_16x56_k2s2_densenet", CLPOOL_MODE_AVG, 2, {16, 56}, {2, 2}, {2, 2}, {0, 0}, 0, 1, 0},
    {"max_w_9x29_k2s2_ceil_odd", CLPOOL_MODE_MAX, 2, {9, 29}, {2, 2}, {2, 2}, {0, 0}, 1, 1, 0},
    {"avg_w_6x31_k2s3p1_gaps_exclude_pad", CLPOOL_MODE_AVG, 2, {6, 31}, {2, 2}, {2, 3}, {1, 1}, 1,
     0, 0},
    {"max_w_3x5x22_k1x2x3_s1x2x3_p0x1x1", CLPOOL_MODE_MAX, 3, {3, 5, 22}, {1, 2, 3}, {1, 2, 3},
     {0, 1, 1}, 0, 1, 0},
    /* Kernel <= stride along W only: windows overlap along H, residue lanes. */
    {"avg_r_10x40_k3x2_s2x2_h_overlap", CLPOOL_MODE_AVG, 2, {10, 40}, {3, 2}, {2, 2}, {1, 0}, 0, 1,
     0},
    {"avg_w_7x13_k4s4p2_divisor3_ceil", CLPOOL_MODE_AVG, 2, {7, 13}, {4, 4}, {4, 4}, {2, 2}, 1, 1,
     3},
};
/* clang-format on */

START_TEST(test_residue_case) {
    const residue_case *rc = &residue_cases[_i];
    pool_case pc = {.name = rc->name, .fill = _i % 3 == 2 ? FILL_NAN_SCATTER : FILL_RANDOM};
    init_window(&pc, rc->mode, rc->rank, rc->kernel, rc->stride, rc->pad, rc->ceil_mode,
                rc->count_include_pad);
    pc.pool.has_divisor_override = rc->divisor != 0;
    pc.pool.divisor_override = rc->divisor;
    clpool_tensor_desc_init(&pc.input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 2, 3,
                            rc->rank, rc->spatial);
    expect_gather_backward(&pc, rc->name, (uint64_t)_i + 101, CLPOOL_LAYOUT_CHANNELS_FIRST,
                           _i % 2 ? CLPOOL_INDEX_INT32 : CLPOOL_INDEX_INT64);
    /* It took the lanes the case is there for, where it gathered (a scatter runs two kernels). */
    clpool_plan_options gather_options;
    clpool_plan_options_init(&gather_options);
    gather_options.specialisation = CLPOOL_SPECIALISE_WINDOW;
    gather_options.indices = rc->mode == CLPOOL_MODE_MAX ? CLPOOL_INDEX_INT32 : CLPOOL_INDEX_NONE;
    clpool_plan *gather = NULL;
    ck_assert_int_eq(clpool_backward_plan_create(dev.ctx, &pc.pool, &pc.input,
                                                 rc->mode == CLPOOL_MODE_MAX
                                                     ? CLPOOL_BACKWARD_MAX_FROM_INDICES
                                                     : CLPOOL_BACKWARD_AVG,
                                                 &gather_options, &gather),
                     CLPOOL_SUCCESS);
    int width = rc->stride[rc->rank - 1] > 1;
    for (int d = 0; d < rc->rank; ++d)
        width = width && rc->kernel[d] <= rc->stride[d];
    ck_assert_msg(clpool_plan_kernel_count(gather) == 2 ||
                      strstr(clpool_plan_build_options(gather), width ? "-DLANES=2" : "-DLANES=3"),
                  "%s: '%s'", rc->name, clpool_plan_build_options(gather));
    clpool_plan_release(gather);
    /* The forward pass too where W is strided: with edge rows (EDGE_ROWS) where a window
     * overhangs, with plain strided taps where none does. */
    if (rc->stride[rc->rank - 1] > 1) {
        float *x = make_input(&pc, (uint64_t)_i + 101, CLPOOL_LAYOUT_CHANNELS_FIRST);
        if (rc->mode == CLPOOL_MODE_MAX)
            expect_indices_match_reference(rc->name, &pc.pool, &pc.input, x,
                                           CLPOOL_SPECIALISE_WINDOW,
                                           _i % 2 ? CLPOOL_INDEX_INT64 : CLPOOL_INDEX_INT32);
        else
            expect_matches_reference(rc->name, &pc.pool, &pc.input, x, CLPOOL_SPECIALISE_WINDOW);
        free(x);
        /* A plan with edge rows runs two kernels, as it reports (the program is cached by now). */
        clpool_plan_options options;
        clpool_plan_options_init(&options);
        options.specialisation = CLPOOL_SPECIALISE_WINDOW;
        clpool_plan *plan = NULL;
        ck_assert_int_eq(clpool_plan_create(dev.ctx, &pc.pool, &pc.input, &options, &plan),
                         CLPOOL_SUCCESS);
        const int edges = strstr(clpool_plan_build_options(plan), "-DEDGE_ROWS") != NULL;
        ck_assert_uint_eq(clpool_plan_kernel_count(plan), edges ? 2u : 1u);
        clpool_plan_release(plan);
    }
}
END_TEST

/* Max-from-indices gathers that first narrow their int64 indices to int (pool_backward.cl,
 * NARROW_INDICES: CPU devices, lanes, 4 or more covering outputs per element or channels-first
 * residue lanes 16 or more wide, at least CL_DEVICE_MAX_WORK_ITEM_SIZES[0] outputs) or compare
 * int32 indices as int, and channels-first plans of windows that do not overlap, which fill and
 * scatter instead (SCATTER_BACKWARD: CPU devices, as many outputs; int64 indices read as two
 * words): an index that matches no element of its plane but shares bits with the right one (the
 * same low 32 bits, the sign bit, past the plane), or one that names an element of the plane
 * outside its own window (which the scatter's fill narrows to -1), must still contribute
 * nothing, in both layouts and in the generic kernel, and each plan reports the passes it takes. */
#define GATHER    0
#define NARROWED  1
#define SCATTERED 2
typedef struct {
    const char *name;
    int64_t spatial[2], kernel, stride, pad;
    int pass_on_cpu[2]; /* channels-first, channels-last: GATHER, NARROWED or SCATTERED */
} narrow_case;

/* 24 channels and an odd batch, with output planes of odd size (13 x 11, 11 x 15): the output
 * count is 8 modulo 16, so no work-group size from 16 up divides it and the narrowing's last
 * work-group always overlaps its neighbour. */
static const narrow_case narrow_cases[] = {
    {"k3s2p1_four_covering", {25, 21}, 3, 2, 1, {SCATTERED, NARROWED}},
    {"k3s1p1_nine_covering", {11, 15}, 3, 1, 1, {NARROWED, NARROWED}},
    {"k2s2_one_covering", {10, 16}, 2, 2, 0, {SCATTERED, GATHER}},
    {"k2s2_one_covering_17_residue_lanes", {6, 34}, 2, 2, 0, {SCATTERED, GATHER}},
    {"k2s3p1_gaps", {13, 29}, 2, 3, 1, {SCATTERED, GATHER}},
    /* Two output rows: the scatter masks neighbours past a plane's edge (no NEAR_UNMASKED). */
    {"k3s2_two_output_rows", {5, 33}, 3, 2, 0, {SCATTERED, NARROWED}},
};

/* The smallest odd batch that gives the case at least min_outputs outputs (plans narrow from the
 * device's CL_DEVICE_MAX_WORK_ITEM_SIZES[0] outputs up), capped at 63. */
static int64_t narrow_batch(const pool_case *pc, size_t min_outputs) {
    clpool_tensor_desc output;
    ck_assert_int_eq(clpool_pool_output_desc(&pc->pool, &pc->input, &output), CLPOOL_SUCCESS);
    const size_t per_image = tensor_count(&output) / (size_t)pc->input.n;
    int64_t n = 1;
    while (n < 63 && (size_t)n * per_image < min_outputs)
        n += 2;
    return n;
}

START_TEST(test_foreign_indices) {
    const narrow_case *nc = &narrow_cases[_i];
    const int64_t kernel[2] = {nc->kernel, nc->kernel};
    pool_case pc = {.name = nc->name, .fill = FILL_INTEGERS};
    clpool_pool_desc_init(&pc.pool, CLPOOL_MODE_MAX, 2, kernel);
    for (int d = 0; d < 2; ++d) {
        pc.pool.stride[d] = nc->stride;
        pc.pool.pad_begin[d] = pc.pool.pad_end[d] = nc->pad;
    }
    cl_device_type type = 0;
    size_t item_sizes[16] = {0};
    ck_assert_int_eq(clGetDeviceInfo(dev.device, CL_DEVICE_TYPE, sizeof type, &type, NULL),
                     CL_SUCCESS);
    ck_assert_int_eq(clGetDeviceInfo(dev.device, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof item_sizes,
                                     item_sizes, NULL),
                     CL_SUCCESS);
    clpool_tensor_desc_init(&pc.input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 24, 2,
                            nc->spatial);
    pc.input.n = narrow_batch(&pc, item_sizes[0]);
    for (int l = 0; l < 2; ++l) {
        const clpool_tensor_desc input = with_layout(&pc.input, layouts[l]);
        clpool_tensor_desc output;
        ck_assert_int_eq(clpool_pool_output_desc(&pc.pool, &input, &output), CLPOOL_SUCCESS);
        const size_t n_out = tensor_count(&output);
        const int cpu = (type & CL_DEVICE_TYPE_CPU) != 0;
        const int pass = cpu && n_out >= item_sizes[0] ? nc->pass_on_cpu[l] : GATHER;
        if (cpu && nc->pass_on_cpu[l] != GATHER && pass == GATHER)
            fprintf(stderr,
                    "%s: %zu outputs are fewer than this CPU device's largest work-group (%zu): "
                    "the %s is not tested here\n",
                    nc->name, n_out, item_sizes[0],
                    nc->pass_on_cpu[l] == NARROWED ? "narrowing pass" : "scatter");
        const uint64_t seed = (uint64_t)_i * 2 + (uint64_t)l + 301;
        float *x = make_input(&pc, seed, layouts[l]), *grad = malloc((n_out + 1) * sizeof(float));
        ck_assert_ptr_nonnull(grad);
        fill_input(FILL_RANDOM, seed + 7, grad, n_out);
        char label[96];
        snprintf(label, sizeof label, "%s, %s", nc->name, l ? "channels-last" : "channels-first");
        expect_backward_skips_foreign_indices(label, &pc.pool, &input, x, grad,
                                              CLPOOL_SPECIALISE_WINDOW, CLPOOL_INDEX_INT64);
        expect_backward_skips_foreign_indices(label, &pc.pool, &input, x, grad,
                                              CLPOOL_SPECIALISE_NONE, CLPOOL_INDEX_INT64);
        if (l == (int)_i % 2)
            expect_backward_skips_foreign_indices(label, &pc.pool, &input, x, grad,
                                                  CLPOOL_SPECIALISE_WINDOW, CLPOOL_INDEX_INT32);
        free(x);
        free(grad);

        /* The specialised int64 plan narrows or scatters (two kernels) exactly where the rules
         * say. A big-endian CPU device keeps the gather for int64 indices where windows do not
         * overlap (the scatter reads them as two words there). */
        clpool_plan_options options;
        clpool_plan_options_init(&options);
        options.specialisation = CLPOOL_SPECIALISE_WINDOW;
        options.indices = CLPOOL_INDEX_INT64;
        clpool_plan *plan = NULL;
        ck_assert_int_eq(clpool_backward_plan_create(dev.ctx, &pc.pool, &input,
                                                     CLPOOL_BACKWARD_MAX_FROM_INDICES, &options,
                                                     &plan),
                         CLPOOL_SUCCESS);
        const char *build = clpool_plan_build_options(plan);
        cl_bool little = CL_TRUE;
        ck_assert_int_eq(
            clGetDeviceInfo(dev.device, CL_DEVICE_ENDIAN_LITTLE, sizeof little, &little, NULL),
            CL_SUCCESS);
        const int want = pass == SCATTERED && !little && nc->kernel <= nc->stride ? GATHER : pass;
        /* A scatter narrows int64 indices where windows overlap. */
        const int narrows = want == NARROWED || (want == SCATTERED && nc->kernel > nc->stride);
        ck_assert_msg((strstr(build, "-DNARROW_INDICES=1") != NULL) == narrows &&
                          (strstr(build, "-DSCATTER_BACKWARD=1") != NULL) == (want == SCATTERED),
                      "%s: '%s'", label, build);
        ck_assert_uint_eq(clpool_plan_kernel_count(plan), want != GATHER ? 2u : 1u);
        clpool_plan_release(plan);
    }
}
END_TEST

/* A test case of the device fixture, with room for the cold kernel compiles, added to s. */
static TCase *device_tcase(Suite *s, const char *name) {
    TCase *tc = tcase_create(name);
    add_shared_device_fixture(tc);
    tcase_set_timeout(tc, 240);
    suite_add_tcase(s, tc);
    return tc;
}

static Suite *ranks_suite(void) {
    Suite *s = suite_create("ranks");
    tcase_add_loop_test(device_tcase(s, "edge_cases"), test_rank_edge_cases, 0,
                        (int)((pool_case_count + EDGE_CHUNK - 1) / EDGE_CHUNK));
    tcase_add_loop_test(device_tcase(s, "random"), test_rank_random, 0, 4);

    TCase *adaptive = device_tcase(s, "adaptive");
    tcase_add_loop_test(adaptive, test_adaptive_case, 0,
                        (int)((adaptive_case_count + ADAPTIVE_CHUNK - 1) / ADAPTIVE_CHUNK));
    tcase_add_loop_test(adaptive, test_adaptive_random, 0, 3);
    tcase_add_loop_test(adaptive, test_global_head, 0,
                        (int)(sizeof global_heads / sizeof global_heads[0]));

    TCase *lanes = device_tcase(s, "lanes");
    tcase_add_loop_test(lanes, test_lanes_edge_case, 0,
                        (int)((pool_case_count + LANES_EVERY - 1) / LANES_EVERY));
    tcase_add_loop_test(lanes, test_index_words_case, 0,
                        (int)(sizeof word_cases / sizeof word_cases[0]));
    tcase_add_loop_test(lanes, test_padded_lanes_case, 0,
                        (int)(sizeof padded_cases / sizeof padded_cases[0]));
    tcase_add_loop_test(lanes, test_edge_rows_case, 0,
                        (int)(sizeof edge_cases / sizeof edge_cases[0]));
    tcase_add_loop_test(lanes, test_wrapped_lanes_case, 0,
                        (int)(sizeof wrapped_cases / sizeof wrapped_cases[0]));
    tcase_add_loop_test(lanes, test_filler_columns_case, 0,
                        (int)(sizeof filler_cases / sizeof filler_cases[0]));
    TCase *partials = device_tcase(s, "partials");
    tcase_add_loop_test(partials, test_partials_case, 0,
                        (int)(sizeof partials_cases / sizeof partials_cases[0]));
    tcase_add_loop_test(partials, test_max_partials_case, 0,
                        (int)(sizeof max_partials_cases / sizeof max_partials_cases[0]));
    tcase_add_loop_test(device_tcase(s, "residue"), test_residue_case, 0,
                        (int)(sizeof residue_cases / sizeof residue_cases[0]));
    tcase_add_loop_test(device_tcase(s, "narrow"), test_foreign_indices, 0,
                        (int)(sizeof narrow_cases / sizeof narrow_cases[0]));
    return s;
}

int main(void) {
    return run_suite(ranks_suite());
}
