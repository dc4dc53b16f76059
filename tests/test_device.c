/*
 * Device fixture and the pool-and-compare runner shared by the device test suites. The runner
 * places the input at a non-zero offset after noise, prefills the output with a marked NaN at a
 * non-zero offset between guard regions, and checks after the run that every guard float is
 * untouched, so an out-of-bounds or missing write cannot pass unnoticed.
 */
#include "test_device.h"
#include "compare.h"
#include "expect.h"
#include "reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

test_device dev;

/* Set while the tests of this process share dev (device_setup_shared without forks). */
static int dev_shared;

/* Check's own rule for CK_FORK: only "no" turns forking off. */
static int tests_share_process(void) {
    const char *fork_mode = getenv("CK_FORK");
    return fork_mode && strcmp(fork_mode, "no") == 0;
}

void device_teardown(void) {
    if (dev.queue)
        clReleaseCommandQueue(dev.queue);
    clpool_context_release(dev.ctx);
    memset(&dev, 0, sizeof dev);
}

void device_setup(void) {
    memset(&dev, 0, sizeof dev);
    clpool_status status = clpool_context_create_default(&dev.ctx);
    ck_assert_msg(status == CLPOOL_SUCCESS, "no usable OpenCL device: %s: %s",
                  clpool_status_name(status), clpool_last_error());
    dev.context = clpool_context_cl_context(dev.ctx);
    dev.device = clpool_context_cl_device(dev.ctx);
    status = clpool_context_create_queue(dev.ctx, 0, &dev.queue);
    if (status != CLPOOL_SUCCESS)
        device_teardown();
    ck_assert_msg(status == CLPOOL_SUCCESS, "queue: %s", clpool_last_error());
}

static void device_setup_shared(void) {
    if (dev_shared)
        return;
    device_setup();
    dev_shared = tests_share_process();
}

static void device_release_shared(void) {
    dev_shared = 0;
    device_teardown();
}

/* A shared device outlives the test, but not the test's commands (a test that failed midway may
 * have left some queued), nor a failure to finish them: a kernel fault can leave a GPU context
 * unusable, and the next test then starts on a new one. */
static void device_teardown_shared(void) {
    if (!dev_shared || clFinish(dev.queue) != CL_SUCCESS)
        device_release_shared();
}

void add_shared_device_fixture(TCase *tc) {
    tcase_add_checked_fixture(tc, device_setup_shared, device_teardown_shared);
    tcase_add_unchecked_fixture(tc, NULL, device_release_shared);
}

uint32_t float_bits(float v) {
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

clpool_tensor_desc with_layout(const clpool_tensor_desc *input, clpool_layout layout) {
    clpool_tensor_desc t = *input;
    t.layout = layout;
    return t;
}

void to_channels_last(const float *src, float *dst, int64_t n, int64_t c, int64_t plane) {
    for (int64_t b = 0; b < n; ++b)
        for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t p = 0; p < plane; ++p)
                dst[(b * plane + p) * c + ch] = src[(b * c + ch) * plane + p];
}

/* The input after TEST_INPUT_OFFSET floats of 1e30 (which would win any max window that read
 * outside the input) and followed by TEST_GUARD more. */
static cl_mem guarded_input(const float *x, size_t bytes) {
    const size_t total = bytes + (TEST_INPUT_OFFSET + TEST_GUARD) * sizeof(float);
    float *host = malloc(total);
    ck_assert_ptr_nonnull(host);
    for (size_t i = 0; i < total / sizeof(float); ++i)
        host[i] = 1e30f;
    memcpy(host + TEST_INPUT_OFFSET, x, bytes);
    cl_int err = CL_SUCCESS;
    cl_mem buffer =
        clCreateBuffer(dev.context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, total, host, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    free(host);
    return buffer;
}

/* A buffer of count elements of size bytes at byte offset TEST_OUTPUT_OFFSET * size, between
 * guards: elements prefilled with prefill (size bytes), guards with a per-byte pattern. */
static cl_mem guarded_output(size_t count, size_t size, const void *prefill, unsigned char **host) {
    const size_t total = (TEST_OUTPUT_OFFSET + count + TEST_GUARD) * size;
    *host = malloc(total);
    ck_assert_ptr_nonnull(*host);
    for (size_t i = 0; i < total; ++i)
        (*host)[i] = (unsigned char)(0xA0 + i % 13);
    for (size_t i = 0; i < count; ++i)
        memcpy(*host + (TEST_OUTPUT_OFFSET + i) * size, prefill, size);
    cl_int err = CL_SUCCESS;
    cl_mem buffer =
        clCreateBuffer(dev.context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, total, *host, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    return buffer;
}

/* Reads a guarded buffer back after done, checks every guard byte, and returns a malloc'd copy of
 * its count elements. */
static void *read_guarded(cl_mem buffer, size_t count, size_t size, cl_event done,
                          const char *what) {
    const size_t total = (TEST_OUTPUT_OFFSET + count + TEST_GUARD) * size;
    unsigned char *host = malloc(total), *copy = malloc(count * size + 1);
    ck_assert(host && copy);
    ck_assert_int_eq(
        clEnqueueReadBuffer(dev.queue, buffer, CL_TRUE, 0, total, host, 1, &done, NULL),
        CL_SUCCESS);
    const size_t first = TEST_OUTPUT_OFFSET * size, last = (TEST_OUTPUT_OFFSET + count) * size;
    for (size_t i = 0; i < total; ++i)
        expect_each((i >= first && i < last) || host[i] == (unsigned char)(0xA0 + i % 13),
                    "%s guard byte %zu (offset %zu, %zu elements) was overwritten", what, i, first,
                    count);
    memcpy(copy, host + first, count * size);
    free(host);
    return copy;
}

clpool_status run_with_indices(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                               const float *x, clpool_specialisation specialisation,
                               clpool_index_type index_type, float **y, int64_t **indices,
                               size_t *count) {
    *y = NULL;
    *count = 0;
    if (indices)
        *indices = NULL;
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.specialisation = specialisation;
    options.indices = index_type;
    clpool_plan *plan = NULL;
    clpool_status status = clpool_plan_create(dev.ctx, pool, input, &options, &plan);
    if (status != CLPOOL_SUCCESS)
        return status;
    size_t in_bytes = 0, out_bytes = 0, index_size = index_type == CLPOOL_INDEX_INT32 ? 4 : 8;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    const size_t n = out_bytes / sizeof(float);
    const uint32_t prefill = TEST_PREFILL_BITS;
    const unsigned char index_prefill[8] = {0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A};
    unsigned char *out_host = NULL, *idx_host = NULL;
    cl_mem in = guarded_input(x, in_bytes);
    cl_mem out = guarded_output(n, sizeof(float), &prefill, &out_host);
    cl_mem idx = index_type ? guarded_output(n, index_size, index_prefill, &idx_host) : NULL;
    cl_event done = NULL;
    status = index_type
                 ? clpool_plan_enqueue_with_indices(plan, dev.queue, in,
                                                    TEST_INPUT_OFFSET * sizeof(float), out,
                                                    TEST_OUTPUT_OFFSET * sizeof(float), idx,
                                                    TEST_OUTPUT_OFFSET * index_size, 0, NULL, &done)
                 : clpool_plan_enqueue(plan, dev.queue, in, TEST_INPUT_OFFSET * sizeof(float), out,
                                       TEST_OUTPUT_OFFSET * sizeof(float), 0, NULL, &done);
    if (status == CLPOOL_SUCCESS) {
        *y = read_guarded(out, n, sizeof(float), done, "output");
        *count = n;
        if (index_type) {
            void *raw = read_guarded(idx, n, index_size, done, "indices");
            *indices = malloc(n * sizeof(int64_t) + 1);
            for (size_t i = 0; i < n; ++i)
                (*indices)[i] =
                    index_size == 4 ? ((const int32_t *)raw)[i] : ((const int64_t *)raw)[i];
            free(raw);
        }
        clReleaseEvent(done);
    }
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    if (idx)
        clReleaseMemObject(idx);
    free(out_host);
    free(idx_host);
    clpool_plan_release(plan);
    return status;
}

/* Index data (int64 widened from the reference, narrowed to int32 when asked) after
 * TEST_INPUT_OFFSET indices of guard bytes. */
static cl_mem guarded_indices(const int64_t *indices, size_t count, clpool_index_type type) {
    const size_t size = type == CLPOOL_INDEX_INT32 ? 4 : 8;
    const size_t total = (TEST_INPUT_OFFSET + count + TEST_GUARD) * size;
    unsigned char *host = malloc(total);
    ck_assert_ptr_nonnull(host);
    memset(host, 0x3C, total);
    for (size_t i = 0; i < count; ++i) {
        const int32_t narrow = (int32_t)indices[i];
        memcpy(host + (TEST_INPUT_OFFSET + i) * size,
               size == 4 ? (const void *)&narrow : (const void *)&indices[i], size);
    }
    cl_int err = CL_SUCCESS;
    cl_mem buffer =
        clCreateBuffer(dev.context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, total, host, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    free(host);
    return buffer;
}

/* The reference gradient for kind, and in scale the same sums over magnitudes (for the average's
 * tolerance). */
static void reference_backward(clpool_backward_kind kind, const clpool_pool_desc *pool,
                               const clpool_tensor_desc *input, const float *x,
                               const float *grad_out, const int64_t *indices, size_t out_count,
                               float *want, float *scale, size_t in_count) {
    memset(scale, 0, in_count * sizeof *scale);
    if (kind == CLPOOL_BACKWARD_MAX_FROM_INDICES)
        ck_assert_int_eq(ref_pool_backward_max(pool, input, grad_out, indices, want), 0);
    else if (kind == CLPOOL_BACKWARD_MAX_FROM_INPUT)
        ck_assert_int_eq(ref_pool_backward_max_from_input(pool, input, x, grad_out, want), 0);
    if (kind != CLPOOL_BACKWARD_AVG)
        return;
    ck_assert_int_eq(ref_pool_backward_avg(pool, input, grad_out, want), 0);
    float *magnitude = malloc((out_count + 1) * sizeof *magnitude);
    clpool_pool_desc positive = *pool;
    if (positive.divisor_override < 0)
        positive.divisor_override = -positive.divisor_override;
    for (size_t i = 0; i < out_count; ++i)
        magnitude[i] = fabsf(grad_out[i]);
    ck_assert_int_eq(ref_pool_backward_avg(&positive, input, magnitude, scale), 0);
    free(magnitude);
}

/* An index that matches no element of its plane but shares bits with the valid index v: the
 * same low 32 bits (int64 only), the sign bit, or v moved past the plane or below -1. */
static int64_t foreign_index(int64_t v, size_t o, int64_t plane, clpool_index_type index_type) {
    const int64_t int64_kinds[] = {v + (INT64_C(1) << 32), v - (INT64_C(1) << 32), INT64_MIN + v,
                                   plane + v, -2 - v};
    const int64_t int32_kinds[] = {plane + v, -2 - v, (int64_t)INT32_MIN + v};
    return index_type == CLPOOL_INDEX_INT32 ? int32_kinds[(o / 3) % 3] : int64_kinds[(o / 3) % 5];
}

/* An index into output o's plane (v a valid one) that names the element just past the end of
 * o's window along W, else the one just before its start, keeping v's other coordinates: inside
 * the plane, often inside a neighbouring window, but not o's own. -1 where the window spans the
 * whole of W (or adapts to the output size). */
static int64_t index_outside_window(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                                    size_t o, int64_t v) {
    if (pool->adaptive)
        return -1;
    const int w = input->spatial_rank - 1;
    clpool_tensor_desc output;
    ck_assert_int_eq(clpool_pool_output_desc(pool, input, &output), CLPOOL_SUCCESS);
    int64_t position = (int64_t)o;
    if (output.layout == CLPOOL_LAYOUT_CHANNELS_LAST)
        position /= output.c;
    const int64_t ox = position % output.spatial[w], width = input->spatial[w];
    const int64_t start = ox * pool->stride[w] - pool->pad_begin[w];
    const int64_t end = start + (pool->kernel[w] - 1) * pool->dilation[w] + 1;
    const int64_t x = end < width ? end : start > 0 ? start - 1 : -1;
    return x < 0 ? -1 : v - v % width + x;
}

/* With foreign set, every third output's index is replaced by a foreign_index on the device, and
 * of the others every third by an index_outside_window, each by -1 (which contributes nothing)
 * in the reference. */
static void backward_against_reference(const char *label, const clpool_pool_desc *pool,
                                       const clpool_tensor_desc *input, const float *x,
                                       const float *grad_out, clpool_backward_kind kind,
                                       clpool_specialisation specialisation,
                                       clpool_index_type index_type, int foreign) {
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.specialisation = specialisation;
    options.indices = kind == CLPOOL_BACKWARD_MAX_FROM_INDICES ? index_type : CLPOOL_INDEX_NONE;
    clpool_plan *plan = NULL;
    ck_assert_msg(clpool_backward_plan_create(dev.ctx, pool, input, kind, &options, &plan) ==
                      CLPOOL_SUCCESS,
                  "%s: %s", label, clpool_last_error());
    size_t in_bytes = 0, out_bytes = 0;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    const size_t n_in = in_bytes / sizeof(float), n_out = out_bytes / sizeof(float);
    int64_t *indices = malloc((n_out + 1) * sizeof *indices);
    float *values = malloc((n_out + 1) * sizeof *values),
          *want = malloc((n_in + 1) * sizeof(float)), *scale = malloc((n_in + 1) * sizeof(float));
    ck_assert(indices && values && want && scale);
    if (kind != CLPOOL_BACKWARD_AVG)
        ck_assert_int_eq(ref_pool_max_indices(pool, input, x, values, indices), 0);
    int64_t *device_indices = indices;
    if (foreign) {
        int64_t plane = 1;
        for (int d = 0; d < input->spatial_rank; ++d)
            plane *= input->spatial[d];
        device_indices = malloc((n_out + 1) * sizeof *device_indices);
        ck_assert_ptr_nonnull(device_indices);
        for (size_t o = 0; o < n_out; ++o) {
            device_indices[o] = indices[o];
            if (o % 3 == 1 && indices[o] >= 0) {
                device_indices[o] = foreign_index(indices[o], o, plane, index_type);
                indices[o] = -1;
            } else if (o % 9 == 5 && indices[o] >= 0) {
                const int64_t outside = index_outside_window(pool, input, o, indices[o]);
                if (outside >= 0) {
                    device_indices[o] = outside;
                    indices[o] = -1;
                }
            }
        }
    }
    reference_backward(kind, pool, input, x, grad_out, indices, n_out, want, scale, n_in);

    const uint32_t prefill = TEST_PREFILL_BITS;
    unsigned char *host = NULL;
    cl_mem g_out = guarded_input(grad_out, out_bytes);
    cl_mem aux = kind == CLPOOL_BACKWARD_AVG
                     ? NULL
                     : (kind == CLPOOL_BACKWARD_MAX_FROM_INPUT
                            ? guarded_input(x, in_bytes)
                            : guarded_indices(device_indices, n_out, index_type));
    const size_t aux_element = kind == CLPOOL_BACKWARD_MAX_FROM_INPUT
                                   ? sizeof(float)
                                   : (index_type == CLPOOL_INDEX_INT32 ? 4 : 8);
    const size_t aux_offset = kind == CLPOOL_BACKWARD_AVG ? 0 : TEST_INPUT_OFFSET * aux_element;
    cl_mem g_in = guarded_output(n_in, sizeof(float), &prefill, &host);
    cl_event done = NULL;
    clpool_status status = clpool_plan_enqueue_backward(
        plan, dev.queue, g_out, TEST_INPUT_OFFSET * sizeof(float), aux, aux_offset, g_in,
        TEST_OUTPUT_OFFSET * sizeof(float), 0, NULL, &done);
    ck_assert_msg(status == CLPOOL_SUCCESS, "%s: %s", label, clpool_last_error());
    float *got = read_guarded(g_in, n_in, sizeof(float), done, "grad_input");
    clReleaseEvent(done);
    for (size_t i = 0; i < n_in; ++i) {
        const int match = kind == CLPOOL_BACKWARD_AVG
                              ? fabsf(got[i] - want[i]) <= 1e-6f * (fabsf(want[i]) + scale[i])
                              : float_bits(got[i]) == float_bits(want[i]);
        expect_each(
            match, "%s (%s, %s, backward kind %d): grad_input %zu: got %.9g, want %.9g", label,
            input->layout == CLPOOL_LAYOUT_CHANNELS_LAST ? "channels-last" : "channels-first",
            specialisation == CLPOOL_SPECIALISE_NONE ? "generic" : "specialised", (int)kind, i,
            got[i], want[i]);
    }
    free(got);
    free(host);
    if (device_indices != indices)
        free(device_indices);
    free(indices);
    free(values);
    free(want);
    free(scale);
    clReleaseMemObject(g_out);
    clReleaseMemObject(g_in);
    if (aux)
        clReleaseMemObject(aux);
    clpool_plan_release(plan);
}

void expect_backward_matches_reference(const char *label, const clpool_pool_desc *pool,
                                       const clpool_tensor_desc *input, const float *x,
                                       const float *grad_out, clpool_backward_kind kind,
                                       clpool_specialisation specialisation,
                                       clpool_index_type index_type) {
    backward_against_reference(label, pool, input, x, grad_out, kind, specialisation, index_type,
                               0);
}

void expect_backward_skips_foreign_indices(const char *label, const clpool_pool_desc *pool,
                                           const clpool_tensor_desc *input, const float *x,
                                           const float *grad_out,
                                           clpool_specialisation specialisation,
                                           clpool_index_type index_type) {
    backward_against_reference(label, pool, input, x, grad_out, CLPOOL_BACKWARD_MAX_FROM_INDICES,
                               specialisation, index_type, 1);
}

void expect_unpool_matches_reference(const char *label, const clpool_tensor_desc *values,
                                     const int64_t *out_spatial, const float *v,
                                     const int64_t *indices, clpool_index_type index_type,
                                     clpool_specialisation specialisation, int has_invalid) {
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.specialisation = specialisation;
    options.indices = index_type;
    clpool_plan *plan = NULL;
    ck_assert_msg(clpool_unpool_plan_create(dev.ctx, values, out_spatial, &options, &plan) ==
                      CLPOOL_SUCCESS,
                  "%s: %s", label, clpool_last_error());
    size_t in_bytes = 0, out_bytes = 0;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    const size_t n_values = in_bytes / sizeof(float), n_out = out_bytes / sizeof(float);
    /* The reference with the invalid indices dropped, as the device skips them. */
    int64_t plane = 1;
    for (int d = 0; d < values->spatial_rank; ++d)
        plane *= out_spatial[d];
    int64_t *valid = malloc((n_values + 1) * sizeof *valid);
    float *want = malloc((n_out + 1) * sizeof *want);
    for (size_t i = 0; i < n_values; ++i)
        valid[i] = indices[i] < -1 || indices[i] >= plane ? -1 : indices[i];
    ck_assert_int_eq(ref_max_unpool(values, out_spatial, v, valid, want), 0);

    const uint32_t prefill = TEST_PREFILL_BITS;
    unsigned char *host = NULL;
    const cl_int unset = 12345;
    cl_int err = CL_SUCCESS, status_word = 0;
    cl_mem val = guarded_input(v, in_bytes);
    cl_mem idx = guarded_indices(indices, n_values, index_type);
    cl_mem out = guarded_output(n_out, sizeof(float), &prefill, &host);
    cl_mem status = clCreateBuffer(dev.context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                                   sizeof unset, (void *)&unset, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    cl_event done = NULL;
    const size_t index_size = index_type == CLPOOL_INDEX_INT32 ? 4 : 8;
    ck_assert_msg(clpool_plan_enqueue_unpool(plan, dev.queue, val, TEST_INPUT_OFFSET * 4, idx,
                                             TEST_INPUT_OFFSET * index_size, out,
                                             TEST_OUTPUT_OFFSET * 4, status, 0, 0, NULL,
                                             &done) == CLPOOL_SUCCESS,
                  "%s: %s", label, clpool_last_error());
    float *got = read_guarded(out, n_out, sizeof(float), done, "unpooled output");
    ck_assert_int_eq(clEnqueueReadBuffer(dev.queue, status, CL_TRUE, 0, sizeof status_word,
                                         &status_word, 1, &done, NULL),
                     CL_SUCCESS);
    clReleaseEvent(done);
    /* Written on every call, an empty one included. */
    ck_assert_msg(status_word == (has_invalid ? CLPOOL_ERROR_INVALID_INDEX : CLPOOL_SUCCESS),
                  "%s: status word %d", label, (int)status_word);
    for (size_t i = 0; i < n_out; ++i)
        expect_each(float_bits(got[i]) == float_bits(want[i]),
                    "%s (%s, int%d indices): output %zu: got %.9g, want %.9g", label,
                    values->layout == CLPOOL_LAYOUT_CHANNELS_LAST ? "channels-last"
                                                                  : "channels-first",
                    index_type == CLPOOL_INDEX_INT32 ? 32 : 64, i, got[i], want[i]);
    free(got);
    free(host);
    free(valid);
    free(want);
    clReleaseMemObject(val);
    clReleaseMemObject(idx);
    clReleaseMemObject(out);
    clReleaseMemObject(status);
    clpool_plan_release(plan);
}

clpool_status run_on_device(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                            const float *x, clpool_specialisation specialisation, float **y,
                            size_t *count) {
    return run_with_indices(pool, input, x, specialisation, CLPOOL_INDEX_NONE, y, NULL, count);
}

/* Output coordinates of linear index i, as "n=.. c=.. at (z, h, w)" with the tensor's own
 * spatial dimensions. */
static void describe_position(const clpool_tensor_desc *out, size_t i, char *buf, size_t size) {
    const int rank = out->spatial_rank;
    int64_t r = (int64_t)i, ch = 0, at[CLPOOL_MAX_SPATIAL_RANK] = {0};
    if (out->layout == CLPOOL_LAYOUT_CHANNELS_LAST)
        ch = r % out->c, r /= out->c;
    for (int d = rank - 1; d >= 0; --d)
        at[d] = r % out->spatial[d], r /= out->spatial[d];
    if (out->layout != CLPOOL_LAYOUT_CHANNELS_LAST)
        ch = r % out->c, r /= out->c;
    int used = snprintf(buf, size, "n=%lld c=%lld at (", (long long)r, (long long)ch);
    for (int d = 0; d < rank && used > 0 && (size_t)used < size; ++d)
        used +=
            snprintf(buf + used, size - (size_t)used, "%s%lld", d ? ", " : "", (long long)at[d]);
    if (used > 0 && (size_t)used < size)
        snprintf(buf + used, size - (size_t)used, ")");
}

/* The shared rule, plus: an expected NaN must not be the untouched prefill. */
static int values_match(clpool_mode mode, float got, float want, float scale) {
    return ref_values_match(mode, got, want, scale) &&
           !(isnan(want) && float_bits(got) == TEST_PREFILL_BITS);
}

void expect_indices_match_reference(const char *label, const clpool_pool_desc *pool,
                                    const clpool_tensor_desc *input, const float *x,
                                    clpool_specialisation specialisation,
                                    clpool_index_type index_type) {
    float *y = NULL;
    int64_t *indices = NULL;
    size_t count = 0;
    clpool_status status =
        run_with_indices(pool, input, x, specialisation, index_type, &y, &indices, &count);
    ck_assert_msg(status == CLPOOL_SUCCESS, "%s: %s: %s", label, clpool_status_name(status),
                  clpool_last_error());
    float *want = malloc((count + 1) * sizeof(float));
    int64_t *want_indices = malloc((count + 1) * sizeof(int64_t));
    ck_assert(want && want_indices);
    ck_assert_int_eq(ref_pool_max_indices(pool, input, x, want, want_indices), 0);
    clpool_tensor_desc out_desc;
    clpool_pool_output_desc(pool, input, &out_desc);
    for (size_t i = 0; i < count; ++i) {
        char where[96];
        describe_position(&out_desc, i, where, sizeof where);
        expect_each(float_bits(y[i]) == float_bits(want[i]) && indices[i] == want_indices[i],
                    "%s (%s, %s, int%d indices): output %zu at %s: got %.9g index %lld, want "
                    "%.9g index %lld",
                    label,
                    input->layout == CLPOOL_LAYOUT_CHANNELS_LAST ? "channels-last"
                                                                 : "channels-first",
                    specialisation == CLPOOL_SPECIALISE_NONE ? "generic" : "specialised",
                    index_type == CLPOOL_INDEX_INT32 ? 32 : 64, i, where, y[i],
                    (long long)indices[i], want[i], (long long)want_indices[i]);
    }
    free(y);
    free(indices);
    free(want);
    free(want_indices);
}

void expect_matches_reference(const char *label, const clpool_pool_desc *pool,
                              const clpool_tensor_desc *input, const float *x,
                              clpool_specialisation specialisation) {
    clpool_tensor_desc out_desc;
    ck_assert_msg(clpool_pool_output_desc(pool, input, &out_desc) == CLPOOL_SUCCESS, "%s: %s",
                  label, clpool_last_error());
    float *y = NULL;
    size_t count = 0;
    clpool_status status = run_on_device(pool, input, x, specialisation, &y, &count);
    ck_assert_msg(status == CLPOOL_SUCCESS, "%s: %s: %s", label, clpool_status_name(status),
                  clpool_last_error());
    float *want = malloc((count + 1) * sizeof(float)), *scale = malloc((count + 1) * sizeof(float));
    ck_assert(want && scale);
    ck_assert_msg(ref_pool_forward(pool, input, x, want, scale) == 0, "%s: reference refused",
                  label);
    int mismatches = 0;
    char where[96], first[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < count; ++i) {
        if (values_match(pool->mode, y[i], want[i], scale[i]))
            continue;
        if (++mismatches <= 5 && used < sizeof first) {
            describe_position(&out_desc, i, where, sizeof where);
            used += (size_t)snprintf(first + used, sizeof first - used,
                                     "\n  [%zu] %s: got %.9g (0x%08x), want %.9g (0x%08x)", i,
                                     where, y[i], float_bits(y[i]), want[i], float_bits(want[i]));
        }
    }
    ck_assert_msg(mismatches == 0, "%s (%s, %s): %d of %zu outputs differ from the reference:%s",
                  label,
                  input->layout == CLPOOL_LAYOUT_CHANNELS_LAST ? "channels-last" : "channels-first",
                  specialisation == CLPOOL_SPECIALISE_NONE ? "generic" : "specialised", mismatches,
                  count, first);
    free(y);
    free(want);
    free(scale);
}
