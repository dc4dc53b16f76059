/*
 * The main job until the command-line tool exists: pools the seed examples of SEMANTICS.md on the
 * default device (CLPOOL_DEVICE, else the first GPU, else the first device), prints each result
 * next to its expected value, and exits non-zero on any mismatch. It uses only the public API,
 * with a library-created context and queue.
 */
#include <clpool/clpool.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct seed_example {
    const char *title;
    clpool_mode mode;
    int64_t c, h, w, kernel, stride, padding;
    const float *expected; /* NULL: the mean of each input plane */
} seed_example;

static const float max_3x3[] = {4, 5, 7, 8};
static const float avg_3x3[] = {2, 3, 5, 6};
static const float max_k3[] = {10};
static const float max_k3_p1_s2[] = {5, 7, 13, 15};
static const float max_stacked[] = {5, 7, 13, 15, 6, 8, 14, 16};

static const seed_example examples[] = {
    {"3x3 arange, max 2x2 stride 1", CLPOOL_MODE_MAX, 1, 3, 3, 2, 1, 0, max_3x3},
    {"3x3 arange, avg 2x2 stride 1", CLPOOL_MODE_AVG, 1, 3, 3, 2, 1, 0, avg_3x3},
    {"4x4 arange, max kernel 3", CLPOOL_MODE_MAX, 1, 4, 4, 3, 0, 0, max_k3},
    {"4x4 arange, max kernel 3 padding 1 stride 2", CLPOOL_MODE_MAX, 1, 4, 4, 3, 2, 1,
     max_k3_p1_s2},
    {"1x2x4x4 (X, X + 1), max kernel 2 stride 2", CLPOOL_MODE_MAX, 2, 4, 4, 2, 2, 0, max_stacked},
    {"1x1000x7x7, global average (kernel 7)", CLPOOL_MODE_AVG, 1000, 7, 7, 7, 0, 0, NULL},
};

/* Input values: arange per plane, plus the channel index (so plane c is X + c). */
static void fill_input(float *x, int64_t c, int64_t plane) {
    for (int64_t i = 0; i < c * plane; ++i)
        x[i] = (float)(i % plane + i / plane);
}

static void expected_means(const float *x, int64_t c, int64_t plane, float *y) {
    for (int64_t ch = 0; ch < c; ++ch) {
        float sum = 0;
        for (int64_t i = 0; i < plane; ++i)
            sum += x[ch * plane + i];
        y[ch] = sum / (float)plane;
    }
}

static int check(clpool_status status, const char *what) {
    if (status == CLPOOL_SUCCESS)
        return 1;
    fprintf(stderr, "%s failed: %s: %s\n", what, clpool_status_name(status), clpool_last_error());
    return 0;
}

/* Runs one example; returns 1 when every output matches. */
static int run_example(clpool_context *ctx, cl_command_queue queue, const seed_example *ex) {
    clpool_pool_desc pool;
    clpool_tensor_desc in_desc, out_desc;
    clpool_pool_desc_init_2d(&pool, ex->mode, ex->kernel, ex->kernel);
    pool.stride[0] = pool.stride[1] = ex->stride;
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = ex->padding;
    clpool_tensor_desc_init_2d(&in_desc, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, ex->c,
                               ex->h, ex->w);
    clpool_plan *plan = NULL;
    size_t in_bytes = 0, out_bytes = 0;
    if (!check(clpool_plan_create(ctx, &pool, &in_desc, NULL, &plan), "clpool_plan_create"))
        return 0;
    clpool_plan_output_desc(plan, &out_desc);
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    const size_t count = out_bytes / sizeof(float);
    float *x = malloc(in_bytes), *y = malloc(out_bytes), *want = malloc(out_bytes);
    cl_context cl = clpool_context_cl_context(ctx);
    cl_int err = CL_SUCCESS, err2 = CL_SUCCESS;
    cl_mem in = clCreateBuffer(cl, CL_MEM_READ_ONLY, in_bytes, NULL, &err);
    cl_mem out = clCreateBuffer(cl, CL_MEM_WRITE_ONLY, out_bytes, NULL, &err2);
    int ok = x && y && want && err == CL_SUCCESS && err2 == CL_SUCCESS;
    if (ok) {
        fill_input(x, ex->c, ex->h * ex->w);
        if (ex->expected)
            memcpy(want, ex->expected, out_bytes);
        else
            expected_means(x, ex->c, ex->h * ex->w, want);
        ok = clEnqueueWriteBuffer(queue, in, CL_FALSE, 0, in_bytes, x, 0, NULL, NULL) ==
                 CL_SUCCESS &&
             check(clpool_plan_enqueue(plan, queue, in, 0, out, 0, 0, NULL, NULL), "enqueue") &&
             clEnqueueReadBuffer(queue, out, CL_TRUE, 0, out_bytes, y, 0, NULL, NULL) == CL_SUCCESS;
    }
    int matches = ok;
    for (size_t i = 0; ok && i < count; ++i)
        matches &= fabsf(y[i] - want[i]) <= 1e-6f * fmaxf(1.0f, fabsf(want[i]));
    printf("%-48s -> %lldx%lldx%lld: ", ex->title, (long long)out_desc.c,
           (long long)out_desc.spatial[0], (long long)out_desc.spatial[1]);
    for (size_t i = 0; ok && i < count && i < 8; ++i)
        printf("%g ", y[i]);
    printf("%s%s\n", count > 8 ? "... " : "", matches ? "[ok]" : "[MISMATCH]");
    if (in)
        clReleaseMemObject(in);
    if (out)
        clReleaseMemObject(out);
    free(x);
    free(y);
    free(want);
    clpool_plan_release(plan);
    return matches;
}

int main(void) {
    clpool_context *ctx = NULL;
    cl_command_queue queue = NULL;
    char device[512] = "";
    if (!check(clpool_context_create_default(&ctx), "clpool_context_create_default"))
        return EXIT_FAILURE;
    if (!check(clpool_context_create_queue(ctx, 0, &queue), "clpool_context_create_queue")) {
        clpool_context_release(ctx);
        return EXIT_FAILURE;
    }
    clpool_context_describe(ctx, device, sizeof device);
    printf("clpool %s on %s\n", clpool_version_string(), device);
    int failures = 0;
    for (size_t i = 0; i < sizeof examples / sizeof examples[0]; ++i)
        failures += !run_example(ctx, queue, &examples[i]);
    printf("%d of %zu seed examples match\n",
           (int)(sizeof examples / sizeof examples[0]) - failures,
           sizeof examples / sizeof examples[0]);
    clReleaseCommandQueue(queue);
    clpool_context_release(ctx);
    return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
