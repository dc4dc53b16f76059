/*
 * Embedding clpool in an existing OpenCL pipeline: the caller owns the context, queue and buffers,
 * pools a channels-last tensor that sits at an offset inside a larger buffer, chains the pooling
 * after its own upload with events, and waits only at the end. This is the README's example.
 */
#include <clpool/clpool.h>

#include <stdio.h>
#include <stdlib.h>

#define CHECK_CL(call)                                                                             \
    do {                                                                                           \
        cl_int err_ = (call);                                                                      \
        if (err_ != CL_SUCCESS) {                                                                  \
            fprintf(stderr, "%s failed: %d\n", #call, err_);                                       \
            goto cleanup;                                                                          \
        }                                                                                          \
    } while (0)

int main(void) {
    enum { N = 1, H = 4, W = 4, C = 3, OH = 2, OW = 2, HEADER = 16 };
    float x[N * H * W * C], y[N * OH * OW * C];
    for (int i = 0; i < N * H * W * C; ++i)
        x[i] = (float)i;

    cl_platform_id platform;
    cl_device_id device;
    cl_int err;
    cl_context context = NULL;
    cl_command_queue queue = NULL;
    cl_mem in = NULL, out = NULL;
    cl_event uploaded = NULL, pooled = NULL;
    clpool_context *pool_ctx = NULL;
    clpool_plan *plan = NULL;
    int status = EXIT_FAILURE;

    /* The caller's own OpenCL objects. */
    CHECK_CL(clGetPlatformIDs(1, &platform, NULL));
    CHECK_CL(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL));
    context = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
    CHECK_CL(err);
    queue = clCreateCommandQueue(context, device, 0, &err);
    CHECK_CL(err);
    /* The input lives after a 16-float header in a larger buffer. */
    in = clCreateBuffer(context, CL_MEM_READ_ONLY, sizeof x + HEADER * sizeof(float), NULL, &err);
    CHECK_CL(err);
    out = clCreateBuffer(context, CL_MEM_WRITE_ONLY, sizeof y, NULL, &err);
    CHECK_CL(err);
    CHECK_CL(clEnqueueWriteBuffer(queue, in, CL_FALSE, HEADER * sizeof(float), sizeof x, x, 0, NULL,
                                  &uploaded));

    /* clpool on top: a 2x2 max pool of an NHWC tensor. */
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, 2, 2);
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, N, C, H, W);
    if (clpool_context_create(context, device, &pool_ctx) != CLPOOL_SUCCESS ||
        clpool_plan_create(pool_ctx, &pool, &input, NULL, &plan) != CLPOOL_SUCCESS ||
        clpool_plan_enqueue(plan, queue, in, HEADER * sizeof(float), out, 0, 1, &uploaded,
                            &pooled) != CLPOOL_SUCCESS) {
        fprintf(stderr, "clpool: %s\n", clpool_last_error());
        goto cleanup;
    }
    CHECK_CL(clEnqueueReadBuffer(queue, out, CL_TRUE, 0, sizeof y, y, 1, &pooled, NULL));

    for (int i = 0; i < OH * OW; ++i)
        printf("output pixel %d: %g %g %g\n", i, y[i * C], y[i * C + 1], y[i * C + 2]);
    status = EXIT_SUCCESS;

cleanup:
    clpool_plan_release(plan);
    clpool_context_release(pool_ctx); /* releases only clpool's own retains */
    if (pooled)
        clReleaseEvent(pooled);
    if (uploaded)
        clReleaseEvent(uploaded);
    if (out)
        clReleaseMemObject(out);
    if (in)
        clReleaseMemObject(in);
    if (queue)
        clReleaseCommandQueue(queue);
    if (context)
        clReleaseContext(context);
    return status;
}
