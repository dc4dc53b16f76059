/*
 * Device fixture and the pool-and-compare runner shared by the device test suites. The runner
 * places the input at a non-zero offset after noise, prefills the output with a marked NaN at a
 * non-zero offset between guard regions, and checks after the run that every guard float is
 * untouched, so an out-of-bounds or missing write cannot pass unnoticed.
 */
#include "test_device.h"
#include "compare.h"
#include "reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

test_device dev;

void device_setup(void) {
    memset(&dev, 0, sizeof dev);
    clpool_status status = clpool_context_create_default(&dev.ctx);
    ck_assert_msg(status == CLPOOL_SUCCESS, "no usable OpenCL device: %s: %s",
                  clpool_status_name(status), clpool_last_error());
    dev.context = clpool_context_cl_context(dev.ctx);
    dev.device = clpool_context_cl_device(dev.ctx);
    status = clpool_context_create_queue(dev.ctx, 0, &dev.queue);
    ck_assert_msg(status == CLPOOL_SUCCESS, "queue: %s", clpool_last_error());
}

void device_teardown(void) {
    if (dev.queue)
        clReleaseCommandQueue(dev.queue);
    clpool_context_release(dev.ctx);
    memset(&dev, 0, sizeof dev);
}

uint32_t float_bits(float v) {
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

static float float_of_bits(uint32_t bits) {
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
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

/* Guard value at position i: varied, so a stray copy of a neighbour would show too. */
static float guard_value(size_t i) {
    return float_of_bits(0x7f800001u + (uint32_t)i); /* signalling-NaN bit patterns */
}

static void fill_guarded_output(float *host, size_t count) {
    for (size_t i = 0; i < TEST_OUTPUT_OFFSET + count + TEST_GUARD; ++i)
        host[i] = (i >= TEST_OUTPUT_OFFSET && i < TEST_OUTPUT_OFFSET + count)
                      ? float_of_bits(TEST_PREFILL_BITS)
                      : guard_value(i);
}

static void expect_guards_intact(const float *host, size_t count) {
    for (size_t i = 0; i < TEST_OUTPUT_OFFSET + count + TEST_GUARD; ++i) {
        if (i >= TEST_OUTPUT_OFFSET && i < TEST_OUTPUT_OFFSET + count)
            continue;
        ck_assert_msg(float_bits(host[i]) == float_bits(guard_value(i)),
                      "guard float %zu (output offset %d, %zu outputs) was overwritten", i,
                      TEST_OUTPUT_OFFSET, count);
    }
}

clpool_status run_on_device(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                            const float *x, clpool_specialisation specialisation, float **y,
                            size_t *count) {
    *y = NULL;
    *count = 0;
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.specialisation = specialisation;
    clpool_plan *plan = NULL;
    clpool_status status = clpool_plan_create(dev.ctx, pool, input, &options, &plan);
    if (status != CLPOOL_SUCCESS)
        return status;
    size_t in_bytes = 0, out_bytes = 0;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    const size_t n_out = out_bytes / sizeof(float);
    const size_t in_total = in_bytes + (TEST_INPUT_OFFSET + TEST_GUARD) * sizeof(float);
    const size_t out_total = out_bytes + (TEST_OUTPUT_OFFSET + TEST_GUARD) * sizeof(float);
    float *in_host = calloc(1, in_total), *out_host = malloc(out_total);
    ck_assert(in_host && out_host);
    for (size_t i = 0; i < TEST_INPUT_OFFSET; ++i)
        in_host[i] = 1e30f; /* would win any max window that read before the input */
    memcpy(in_host + TEST_INPUT_OFFSET, x, in_bytes);
    for (size_t i = 0; i < TEST_GUARD; ++i)
        in_host[TEST_INPUT_OFFSET + in_bytes / sizeof(float) + i] = 1e30f;
    fill_guarded_output(out_host, n_out);

    cl_int err = CL_SUCCESS;
    cl_mem in = clCreateBuffer(dev.context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, in_total,
                               in_host, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    cl_mem out = clCreateBuffer(dev.context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, out_total,
                                out_host, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    cl_event done = NULL;
    status = clpool_plan_enqueue(plan, dev.queue, in, TEST_INPUT_OFFSET * sizeof(float), out,
                                 TEST_OUTPUT_OFFSET * sizeof(float), 0, NULL, &done);
    if (status == CLPOOL_SUCCESS) {
        ck_assert_int_eq(
            clEnqueueReadBuffer(dev.queue, out, CL_TRUE, 0, out_total, out_host, 1, &done, NULL),
            CL_SUCCESS);
        clReleaseEvent(done);
        expect_guards_intact(out_host, n_out);
        *y = malloc(n_out ? out_bytes : 1);
        memcpy(*y, out_host + TEST_OUTPUT_OFFSET, out_bytes);
        *count = n_out;
    }
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    free(in_host);
    free(out_host);
    clpool_plan_release(plan);
    return status;
}

/* Output coordinates of linear index i, as "n=.. c=.. h=.. w=..". */
static void describe_position(const clpool_tensor_desc *out, size_t i, char *buf, size_t size) {
    const int64_t h = out->spatial[0], w = out->spatial[1], c = out->c;
    int64_t n, ch, y, x, r = (int64_t)i;
    if (out->layout == CLPOOL_LAYOUT_CHANNELS_LAST) {
        ch = r % c, r /= c, x = r % w, r /= w, y = r % h, n = r / h;
    } else {
        x = r % w, r /= w, y = r % h, r /= h, ch = r % c, n = r / c;
    }
    snprintf(buf, size, "n=%lld c=%lld h=%lld w=%lld", (long long)n, (long long)ch, (long long)y,
             (long long)x);
}

/* The shared rule, plus: an expected NaN must not be the untouched prefill. */
static int values_match(clpool_mode mode, float got, float want, float scale) {
    return ref_values_match(mode, got, want, scale) &&
           !(isnan(want) && float_bits(got) == TEST_PREFILL_BITS);
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
