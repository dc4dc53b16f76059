/*
 * Forward pooling on the device against exact expectations and the CPU reference: the seed
 * examples of SEMANTICS.md to the bit, every named edge case in both layouts with both the
 * specialised and the generic kernel, and several hundred fixed-seed random configurations. The
 * random sweep uses the generic kernel (one compile serves them all) plus a bounded sample with
 * specialised kernels, which keeps the suite's compile count, and so its time, under control.
 * Max pooling with indices is checked the same way, values and indices bit-for-bit.
 */
#include "suite_main.h"
#include "cases.h"
#include "expect.h"
#include "reference.h"
#include "test_device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Specialised kernels are compiled per configuration (about a second each on PoCL with a cold
 * cache), so they are sampled: every SPECIALISE_EVERY-th edge case for the forward pass, every
 * SPECIALISE_SPARSE-th for the other kernels, layouts alternating, plus RANDOM_SPECIALISED random
 * configurations; the generic kernels run everything. */
enum {
    RANDOM_CHUNKS = 8,
    RANDOM_PER_CHUNK = 40,
    RANDOM_SPECIALISED = 8,
    SPECIALISE_EVERY = 3,
    SPECIALISE_SPARSE = 8
};

/* The edge-case tests run CASES_PER_FORK cases of the table in each test. CTest runs this suite
 * unforked on one shared device; forked (the binary run by hand), every test makes a new context,
 * whose programs are built again, and PoCL preprocesses the source for each build even when its
 * cache holds the kernels: one fork per case spent most of a warm run rebuilding the same
 * generic programs. */
enum { CASES_PER_FORK = 8 };
#define EDGE_FORKS ((int)((pool_case_count + CASES_PER_FORK - 1) / CASES_PER_FORK))

/* Runs run_case on each case of fork chunk's share of the table. */
static void run_chunk(int chunk, void (*run_case)(int index)) {
    for (int i = chunk * CASES_PER_FORK;
         i < (chunk + 1) * CASES_PER_FORK && i < (int)pool_case_count; ++i)
        run_case(i);
}

/* ---- Seed examples ----------------------------------------------------------------------------
 */

typedef struct seed_case {
    clpool_mode mode;
    int64_t c, h, w, kernel, stride, padding;
    int64_t out_plane; /* output elements per channel */
    float expected[8];
} seed_case;

static void expect_seed(const seed_case *s, clpool_layout layout) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, s->mode, s->kernel, s->kernel);
    pool.stride[0] = pool.stride[1] = s->stride;
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = s->padding;
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, layout, 1, s->c, s->h, s->w);
    const int64_t plane = s->h * s->w;
    float x[32], x_layout[32], want[8];
    for (int64_t i = 0; i < s->c * plane; ++i)
        x[i] = (float)(i % plane + i / plane); /* plane c holds arange + c */
    const int64_t out_plane = s->out_plane;
    memcpy(x_layout, x, sizeof x);
    memcpy(want, s->expected, sizeof want);
    if (layout == CLPOOL_LAYOUT_CHANNELS_LAST) {
        to_channels_last(x, x_layout, 1, s->c, plane);
        to_channels_last(s->expected, want, 1, s->c, out_plane);
    }
    float *y = NULL;
    size_t count = 0;
    ck_assert_int_eq(run_on_device(&pool, &input, x_layout, CLPOOL_SPECIALISE_AUTO, &y, &count),
                     CLPOOL_SUCCESS);
    ck_assert_uint_eq(count, (size_t)(s->c * out_plane));
    for (size_t i = 0; i < count; ++i)
        expect_each(float_bits(y[i]) == float_bits(want[i]), "output %zu: got %g, want %g", i, y[i],
                    want[i]);
    free(y);
}

static const seed_case seed_cases[] = {
    {CLPOOL_MODE_MAX, 1, 3, 3, 2, 1, 0, 4, {4, 5, 7, 8}},
    {CLPOOL_MODE_AVG, 1, 3, 3, 2, 1, 0, 4, {2, 3, 5, 6}},
    {CLPOOL_MODE_MAX, 1, 4, 4, 3, 0, 0, 1, {10}},
    {CLPOOL_MODE_MAX, 1, 4, 4, 3, 2, 1, 4, {5, 7, 13, 15}},
    {CLPOOL_MODE_MAX, 2, 4, 4, 2, 2, 0, 4, {5, 7, 13, 15, 6, 8, 14, 16}},
};

START_TEST(test_seed_example) {
    const seed_case *s = &seed_cases[_i / 2];
    expect_seed(s, _i % 2 ? CLPOOL_LAYOUT_CHANNELS_LAST : CLPOOL_LAYOUT_CHANNELS_FIRST);
}
END_TEST

/* 1x1000x7x7 global average: each output is its plane's mean. */
START_TEST(test_seed_global_average) {
    const clpool_layout layout = _i ? CLPOOL_LAYOUT_CHANNELS_LAST : CLPOOL_LAYOUT_CHANNELS_FIRST;
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_AVG, 7, 7);
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, layout, 1, 1000, 7, 7);
    float *x = malloc(1000 * 49 * sizeof(float)), *x_cf = malloc(1000 * 49 * sizeof(float));
    fill_input(FILL_RANDOM, 49, x_cf, 1000 * 49);
    if (layout == CLPOOL_LAYOUT_CHANNELS_LAST)
        to_channels_last(x_cf, x, 1, 1000, 49);
    else
        memcpy(x, x_cf, 1000 * 49 * sizeof(float));
    float *y = NULL;
    size_t count = 0;
    ck_assert_int_eq(run_on_device(&pool, &input, x, CLPOOL_SPECIALISE_AUTO, &y, &count),
                     CLPOOL_SUCCESS);
    ck_assert_uint_eq(count, 1000);
    for (int c = 0; c < 1000; ++c) {
        double sum = 0, magnitude = 0;
        for (int i = 0; i < 49; ++i) {
            sum += x_cf[c * 49 + i];
            magnitude += x_cf[c * 49 + i] < 0 ? -x_cf[c * 49 + i] : x_cf[c * 49 + i];
        }
        const double mean = sum / 49, error = y[c] - mean;
        expect_each((error < 0 ? -error : error) <= 1e-6 * magnitude / 49 + 1e-7,
                    "channel %d: got %.9g, mean %.9g", c, y[c], mean);
    }
    free(y);
    free(x);
    free(x_cf);
}
END_TEST

/* ---- Edge cases and random configurations -----------------------------------------------------
 */

/* Runs one channels-first case in the given layout and specialisation against the reference. */
static void expect_case(const pool_case *pc, const char *label, uint64_t seed, clpool_layout layout,
                        clpool_specialisation specialisation) {
    const clpool_tensor_desc *in = &pc->input;
    const int64_t plane = in->spatial[0] * in->spatial[1];
    const size_t count = (size_t)(in->n * in->c * plane);
    float *x = malloc((count + 1) * sizeof(float)), *x_layout = malloc((count + 1) * sizeof(float));
    ck_assert(x && x_layout);
    fill_input(pc->fill, seed, x, count);
    if (layout == CLPOOL_LAYOUT_CHANNELS_LAST)
        to_channels_last(x, x_layout, in->n, in->c, plane);
    else
        memcpy(x_layout, x, count * sizeof(float));
    const clpool_tensor_desc input = with_layout(in, layout);
    expect_matches_reference(label, &pc->pool, &input, x_layout, specialisation);
    free(x);
    free(x_layout);
}

/* Every case runs in both layouts with the generic kernel, and every SPECIALISE_EVERY-th with its
 * own specialised kernel in one layout, alternating: the two variants are one source with the
 * parameters substituted, and each specialised compile costs about a second. */
static void edge_case(int index) {
    const pool_case *pc = &pool_cases[index];
    const clpool_layout layouts[] = {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_LAYOUT_CHANNELS_LAST};
    for (int l = 0; l < 2; ++l)
        expect_case(pc, pc->name, (uint64_t)index + 1, layouts[l], CLPOOL_SPECIALISE_NONE);
    if (index % SPECIALISE_EVERY == 0)
        expect_case(pc, pc->name, (uint64_t)index + 1, layouts[(index / SPECIALISE_EVERY) % 2],
                    CLPOOL_SPECIALISE_WINDOW);
}

START_TEST(test_edge_case) {
    run_chunk(_i, edge_case);
}
END_TEST

START_TEST(test_random_generic) {
    char label[64];
    for (int k = 0; k < RANDOM_PER_CHUNK; ++k) {
        const uint64_t seed = 1000 + (uint64_t)(_i * RANDOM_PER_CHUNK + k);
        pool_case pc;
        random_case(seed, &pc);
        snprintf(label, sizeof label, "random_case(%llu)", (unsigned long long)seed);
        expect_case(&pc, label, seed, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_SPECIALISE_NONE);
        expect_case(&pc, label, seed, CLPOOL_LAYOUT_CHANNELS_LAST, CLPOOL_SPECIALISE_NONE);
    }
}
END_TEST

START_TEST(test_random_specialised) {
    const uint64_t seed = 5000 + (uint64_t)_i;
    char label[64];
    pool_case pc;
    random_case(seed, &pc);
    snprintf(label, sizeof label, "random_case(%llu)", (unsigned long long)seed);
    expect_case(&pc, label, seed, CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_SPECIALISE_WINDOW);
    expect_case(&pc, label, seed, CLPOOL_LAYOUT_CHANNELS_LAST, CLPOOL_SPECIALISE_WINDOW);
}
END_TEST

/* Max pooling with indices: every max case of the table in both layouts (int64 with the generic
 * kernel, int32 with the generic kernel in the other layout), and every SPECIALISE_SPARSE-th one
 * also with its specialised kernel, which bounds the extra compiles. */
static void indices_edge_case(int index) {
    const pool_case *pc = &pool_cases[index];
    if (pc->pool.mode != CLPOOL_MODE_MAX)
        return;
    const clpool_layout layouts[] = {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_LAYOUT_CHANNELS_LAST};
    const int64_t plane = pc->input.spatial[0] * pc->input.spatial[1];
    const size_t count = (size_t)(pc->input.n * pc->input.c * plane);
    float *x = malloc((count + 1) * sizeof(float)), *x_last = malloc((count + 1) * sizeof(float));
    fill_input(pc->fill, (uint64_t)index + 1, x, count);
    to_channels_last(x, x_last, pc->input.n, pc->input.c, plane);
    for (int l = 0; l < 2; ++l) {
        const clpool_tensor_desc input = with_layout(&pc->input, layouts[l]);
        const float *data = l ? x_last : x;
        expect_indices_match_reference(pc->name, &pc->pool, &input, data, CLPOOL_SPECIALISE_NONE,
                                       (l + index) % 2 ? CLPOOL_INDEX_INT32 : CLPOOL_INDEX_INT64);
        if (index % SPECIALISE_SPARSE == 0 && l == (index / SPECIALISE_SPARSE) % 2)
            expect_indices_match_reference(pc->name, &pc->pool, &input, data,
                                           CLPOOL_SPECIALISE_WINDOW, CLPOOL_INDEX_INT64);
    }
    free(x);
    free(x_last);
}

START_TEST(test_indices_edge_case) {
    run_chunk(_i, indices_edge_case);
}
END_TEST

/* Random max configurations with deliberate ties (signed zeros) and NaNs, both layouts. */
START_TEST(test_indices_random) {
    char label[64];
    for (int k = 0; k < RANDOM_PER_CHUNK; ++k) {
        const uint64_t seed = 9000 + (uint64_t)(_i * RANDOM_PER_CHUNK + k);
        pool_case pc;
        random_case(seed, &pc);
        pc.pool.mode = CLPOOL_MODE_MAX;
        pc.fill = k % 3 == 2 ? FILL_NAN_SCATTER : FILL_INTEGERS;
        snprintf(label, sizeof label, "random_case(%llu) as max", (unsigned long long)seed);
        const int64_t plane = pc.input.spatial[0] * pc.input.spatial[1];
        const size_t count = (size_t)(pc.input.n * pc.input.c * plane);
        float *x = malloc((count + 1) * sizeof(float)),
              *x_last = malloc((count + 1) * sizeof(float));
        fill_input(pc.fill, seed, x, count);
        to_channels_last(x, x_last, pc.input.n, pc.input.c, plane);
        const clpool_tensor_desc last = with_layout(&pc.input, CLPOOL_LAYOUT_CHANNELS_LAST);
        const clpool_index_type type = k % 2 ? CLPOOL_INDEX_INT32 : CLPOOL_INDEX_INT64;
        expect_indices_match_reference(label, &pc.pool, &pc.input, x, CLPOOL_SPECIALISE_NONE, type);
        expect_indices_match_reference(label, &pc.pool, &last, x_last, CLPOOL_SPECIALISE_NONE,
                                       type);
        free(x);
        free(x_last);
    }
}
END_TEST

/* Backward passes on one case in one layout: the max kinds (from indices, as int64 or int32,
 * and from the input) or the average. grad_output holds random floats, so a sum taken in any
 * order but the defined one would show in the bits. */
static void expect_backward_case(const pool_case *pc, const char *label, uint64_t seed,
                                 clpool_layout layout, clpool_specialisation specialisation,
                                 clpool_index_type index_type) {
    clpool_tensor_desc input = with_layout(&pc->input, layout), output;
    ck_assert_int_eq(clpool_pool_output_desc(&pc->pool, &input, &output), CLPOOL_SUCCESS);
    const int64_t plane = input.spatial[0] * input.spatial[1];
    const size_t n_in = (size_t)(input.n * input.c * plane);
    const size_t n_out = (size_t)(output.n * output.c * output.spatial[0] * output.spatial[1]);
    float *x = malloc((n_in + 1) * sizeof(float)), *x_layout = malloc((n_in + 1) * sizeof(float)),
          *grad = malloc((n_out + 1) * sizeof(float));
    fill_input(pc->fill, seed, x, n_in);
    fill_input(FILL_RANDOM, seed + 7, grad, n_out);
    if (layout == CLPOOL_LAYOUT_CHANNELS_LAST)
        to_channels_last(x, x_layout, input.n, input.c, plane);
    else
        memcpy(x_layout, x, n_in * sizeof(float));
    if (pc->pool.mode == CLPOOL_MODE_MAX) {
        expect_backward_matches_reference(label, &pc->pool, &input, x_layout, grad,
                                          CLPOOL_BACKWARD_MAX_FROM_INDICES, specialisation,
                                          index_type);
        expect_backward_matches_reference(label, &pc->pool, &input, x_layout, grad,
                                          CLPOOL_BACKWARD_MAX_FROM_INPUT, specialisation,
                                          CLPOOL_INDEX_NONE);
    } else {
        expect_backward_matches_reference(label, &pc->pool, &input, x_layout, grad,
                                          CLPOOL_BACKWARD_AVG, specialisation, CLPOOL_INDEX_NONE);
    }
    free(x);
    free(x_layout);
    free(grad);
}

/* Every case in both layouts with the generic kernels, every SPECIALISE_SPARSE-th with its
 * specialised ones. */
static void backward_edge_case(int index) {
    const pool_case *pc = &pool_cases[index];
    for (int l = 0; l < 2; ++l)
        expect_backward_case(pc, pc->name, (uint64_t)index + 1,
                             l ? CLPOOL_LAYOUT_CHANNELS_LAST : CLPOOL_LAYOUT_CHANNELS_FIRST,
                             CLPOOL_SPECIALISE_NONE, l ? CLPOOL_INDEX_INT32 : CLPOOL_INDEX_INT64);
    if (index % SPECIALISE_SPARSE == 0)
        expect_backward_case(pc, pc->name, (uint64_t)index + 1,
                             (index / SPECIALISE_SPARSE) % 2 ? CLPOOL_LAYOUT_CHANNELS_LAST
                                                             : CLPOOL_LAYOUT_CHANNELS_FIRST,
                             CLPOOL_SPECIALISE_WINDOW, CLPOOL_INDEX_INT64);
}

START_TEST(test_backward_edge_case) {
    run_chunk(_i, backward_edge_case);
}
END_TEST

/* Random configurations, both modes, both layouts, ties made on purpose. */
START_TEST(test_backward_random) {
    char label[64];
    for (int k = 0; k < RANDOM_PER_CHUNK; ++k) {
        const uint64_t seed = 13000 + (uint64_t)(_i * RANDOM_PER_CHUNK + k);
        pool_case pc;
        random_case(seed, &pc);
        if (pc.pool.mode == CLPOOL_MODE_MAX && k % 2)
            pc.fill = FILL_INTEGERS;
        snprintf(label, sizeof label, "random_case(%llu)", (unsigned long long)seed);
        for (int l = 0; l < 2; ++l)
            expect_backward_case(
                &pc, label, seed, l ? CLPOOL_LAYOUT_CHANNELS_LAST : CLPOOL_LAYOUT_CHANNELS_FIRST,
                CLPOOL_SPECIALISE_NONE, (k + l) % 2 ? CLPOOL_INDEX_INT32 : CLPOOL_INDEX_INT64);
    }
}
END_TEST

/* Unpooling the values and indices of every max case back into its input shape, both layouts
 * (int64 and int32 indices), every SPECIALISE_SPARSE-th case with its specialised kernels. */
static void unpool_edge_case(int index) {
    const pool_case *pc = &pool_cases[index];
    if (pc->pool.mode != CLPOOL_MODE_MAX)
        return;
    for (int l = 0; l < 2; ++l) {
        clpool_tensor_desc input = with_layout(&pc->input, l ? CLPOOL_LAYOUT_CHANNELS_LAST
                                                             : CLPOOL_LAYOUT_CHANNELS_FIRST),
                           output;
        ck_assert_int_eq(clpool_pool_output_desc(&pc->pool, &input, &output), CLPOOL_SUCCESS);
        const size_t n_in = (size_t)(input.n * input.c * input.spatial[0] * input.spatial[1]);
        const size_t n_out = (size_t)(output.n * output.c * output.spatial[0] * output.spatial[1]);
        float *x = malloc((n_in + 1) * sizeof(float)), *y = malloc((n_out + 1) * sizeof(float));
        int64_t *indices = malloc((n_out + 1) * sizeof *indices);
        fill_input(pc->fill, (uint64_t)index + 1, x, n_in);
        ck_assert_int_eq(ref_pool_max_indices(&pc->pool, &input, x, y, indices), 0);
        const clpool_specialisation spec =
            index % SPECIALISE_SPARSE == 0 && l == (index / SPECIALISE_SPARSE) % 2
                ? CLPOOL_SPECIALISE_WINDOW
                : CLPOOL_SPECIALISE_NONE;
        expect_unpool_matches_reference(pc->name, &output, input.spatial, y, indices,
                                        l ? CLPOOL_INDEX_INT32 : CLPOOL_INDEX_INT64, spec, 0);
        free(x);
        free(y);
        free(indices);
    }
}

START_TEST(test_unpool_edge_case) {
    run_chunk(_i, unpool_edge_case);
}
END_TEST

/* Arbitrary index buffers: duplicates (the last value in order must win), -1, and in every
 * other run some invalid entries, which must be skipped and reported. */
START_TEST(test_unpool_arbitrary_indices) {
    uint64_t state = 777 + (uint64_t)_i;
    for (int k = 0; k < 10; ++k) {
        const int64_t n = 1 + (int64_t)(splitmix64(&state) % 2),
                      c = 1 + (int64_t)(splitmix64(&state) % 5);
        const int64_t vh = 1 + (int64_t)(splitmix64(&state) % 6),
                      vw = 1 + (int64_t)(splitmix64(&state) % 6);
        const int64_t out[2] = {1 + (int64_t)(splitmix64(&state) % 9),
                                1 + (int64_t)(splitmix64(&state) % 9)};
        const int64_t plane = out[0] * out[1];
        clpool_tensor_desc values;
        clpool_tensor_desc_init_2d(
            &values, CLPOOL_DTYPE_F32,
            k % 2 ? CLPOOL_LAYOUT_CHANNELS_LAST : CLPOOL_LAYOUT_CHANNELS_FIRST, n, c, vh, vw);
        const size_t count = (size_t)(n * c * vh * vw);
        float *v = malloc(count * sizeof *v);
        int64_t *indices = malloc(count * sizeof *indices);
        fill_input(FILL_RANDOM, state, v, count);
        const int invalid = _i % 2 && k % 3 == 0;
        for (size_t i = 0; i < count; ++i) {
            indices[i] = (int64_t)(splitmix64(&state) % (uint64_t)(plane + 1)) - 1;
            if (invalid && i % 7 == 3)
                indices[i] = i % 2 ? plane : -5;
        }
        char label[64];
        snprintf(label, sizeof label, "arbitrary indices %d.%d", _i, k);
        expect_unpool_matches_reference(label, &values, out, v, indices,
                                        k % 4 == 1 ? CLPOOL_INDEX_INT32 : CLPOOL_INDEX_INT64,
                                        CLPOOL_SPECIALISE_NONE, invalid);
        free(v);
        free(indices);
    }
}
END_TEST

static Suite *forward_suite(void) {
    Suite *s = suite_create("forward");
    TCase *seeds = tcase_create("seed_examples");
    add_shared_device_fixture(seeds);
    tcase_set_timeout(seeds, 120);
    tcase_add_loop_test(seeds, test_seed_example, 0,
                        (int)(2 * sizeof seed_cases / sizeof seed_cases[0]));
    tcase_add_loop_test(seeds, test_seed_global_average, 0, 2);
    suite_add_tcase(s, seeds);

    TCase *edges = tcase_create("edge_cases");
    add_shared_device_fixture(edges);
    tcase_set_timeout(edges, 120);
    tcase_add_loop_test(edges, test_edge_case, 0, EDGE_FORKS);
    suite_add_tcase(s, edges);

    TCase *random = tcase_create("random");
    add_shared_device_fixture(random);
    tcase_set_timeout(random, 240);
    tcase_add_loop_test(random, test_random_generic, 0, RANDOM_CHUNKS);
    tcase_add_loop_test(random, test_random_specialised, 0, RANDOM_SPECIALISED);
    suite_add_tcase(s, random);

    TCase *indices = tcase_create("indices");
    add_shared_device_fixture(indices);
    tcase_set_timeout(indices, 240);
    tcase_add_loop_test(indices, test_indices_edge_case, 0, EDGE_FORKS);
    tcase_add_loop_test(indices, test_indices_random, 0, 5);
    suite_add_tcase(s, indices);

    TCase *backward = tcase_create("backward");
    add_shared_device_fixture(backward);
    tcase_set_timeout(backward, 240);
    tcase_add_loop_test(backward, test_backward_edge_case, 0, EDGE_FORKS);
    tcase_add_loop_test(backward, test_backward_random, 0, 5);
    suite_add_tcase(s, backward);

    TCase *unpool = tcase_create("unpool");
    add_shared_device_fixture(unpool);
    tcase_set_timeout(unpool, 240);
    tcase_add_loop_test(unpool, test_unpool_edge_case, 0, EDGE_FORKS);
    tcase_add_loop_test(unpool, test_unpool_arbitrary_indices, 0, 4);
    suite_add_tcase(s, unpool);
    return s;
}

int main(void) {
    return run_suite(forward_suite());
}
