/*
 * Measures what build-time specialisation buys: each layer below runs with the generic kernel
 * (window and sizes as arguments) and the specialised one (baked in as -D constants), in both
 * layouts. Kernel time is the median of profiling-event times after warm-up; bandwidth is
 * reported as a ratio to a plain copy kernel over the same bytes in the same process, because
 * shared machines are noisy and only ratios compare. Usage: bench_specialisation [batch] [reps].
 */
#include <clpool/clpool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct layer {
    const char *name;
    clpool_mode mode;
    int64_t c, hw, kernel, stride, padding;
    int ceil_mode;
} layer;

static const layer layers[] = {
    {"resnet_stem", CLPOOL_MODE_MAX, 64, 112, 3, 2, 1, 0},
    {"vgg_pool3", CLPOOL_MODE_MAX, 256, 56, 2, 2, 0, 0},
    {"inception_avg35", CLPOOL_MODE_AVG, 192, 35, 3, 1, 1, 0},
    {"resnet50_gap", CLPOOL_MODE_AVG, 2048, 7, 7, 1, 0, 0},
};

static const char copy_source[] =
    "__kernel void copy(__global const float *in, __global float *out, ulong n) {\n"
    "    size_t i = get_global_id(0);\n"
    "    if (i < n) out[i] = in[i];\n"
    "}\n";

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double event_ms(cl_event event) {
    cl_ulong start = 0, end = 0;
    clWaitForEvents(1, &event);
    clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_START, sizeof start, &start, NULL);
    clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL);
    clReleaseEvent(event);
    return (double)(end - start) * 1e-6;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, compare_double);
    return v[n / 2];
}

/* Median time of a copy kernel moving bytes / 2 in and bytes / 2 out. */
static double time_copy(cl_context context, cl_device_id device, cl_command_queue queue,
                        size_t bytes, int reps) {
    cl_int err = CL_SUCCESS;
    const char *text = copy_source;
    cl_program program = clCreateProgramWithSource(context, 1, &text, NULL, &err);
    clBuildProgram(program, 1, &device, "", NULL, NULL);
    cl_kernel kernel = clCreateKernel(program, "copy", &err);
    cl_ulong n = bytes / 2 / sizeof(float);
    cl_mem a = clCreateBuffer(context, CL_MEM_READ_WRITE, n * sizeof(float), NULL, &err);
    cl_mem b = clCreateBuffer(context, CL_MEM_READ_WRITE, n * sizeof(float), NULL, &err);
    float zero = 0;
    clEnqueueFillBuffer(queue, a, &zero, sizeof zero, 0, n * sizeof(float), 0, NULL, NULL);
    clSetKernelArg(kernel, 0, sizeof a, &a);
    clSetKernelArg(kernel, 1, sizeof b, &b);
    clSetKernelArg(kernel, 2, sizeof n, &n);
    size_t local = 256, global = (n + local - 1) / local * local;
    double *times = malloc(sizeof(double) * (size_t)reps);
    for (int i = -3; i < reps; ++i) {
        cl_event event = NULL;
        clEnqueueNDRangeKernel(queue, kernel, 1, NULL, &global, &local, 0, NULL, &event);
        double ms = event_ms(event);
        if (i >= 0)
            times[i] = ms;
    }
    double result = median(times, reps);
    free(times);
    clReleaseMemObject(a);
    clReleaseMemObject(b);
    clReleaseKernel(kernel);
    clReleaseProgram(program);
    return result;
}

static double time_plan(clpool_context *ctx, cl_command_queue queue, const layer *l,
                        clpool_layout layout, clpool_specialisation spec, int64_t batch, int reps,
                        size_t *bytes) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, l->mode, l->kernel, l->kernel);
    pool.stride[0] = pool.stride[1] = l->stride;
    pool.pad_begin[0] = pool.pad_begin[1] = pool.pad_end[0] = pool.pad_end[1] = l->padding;
    pool.ceil_mode = l->ceil_mode;
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, layout, batch, l->c, l->hw, l->hw);
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.specialisation = spec;
    clpool_plan *plan = NULL;
    if (clpool_plan_create(ctx, &pool, &input, &options, &plan) != CLPOOL_SUCCESS) {
        fprintf(stderr, "%s: %s\n", l->name, clpool_last_error());
        return -1;
    }
    size_t in_bytes = 0, out_bytes = 0;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    cl_context context = clpool_context_cl_context(ctx);
    cl_int err = CL_SUCCESS;
    cl_mem in = clCreateBuffer(context, CL_MEM_READ_ONLY, in_bytes, NULL, &err);
    cl_mem out = clCreateBuffer(context, CL_MEM_WRITE_ONLY, out_bytes, NULL, &err);
    float one = 1;
    clEnqueueFillBuffer(queue, in, &one, sizeof one, 0, in_bytes, 0, NULL, NULL);
    double *times = malloc(sizeof(double) * (size_t)reps);
    for (int i = -3; i < reps; ++i) {
        cl_event event = NULL;
        if (clpool_plan_enqueue(plan, queue, in, 0, out, 0, 0, NULL, &event) != CLPOOL_SUCCESS) {
            fprintf(stderr, "%s: %s\n", l->name, clpool_last_error());
            exit(EXIT_FAILURE);
        }
        double ms = event_ms(event);
        if (i >= 0)
            times[i] = ms;
    }
    double result = median(times, reps);
    *bytes = in_bytes + out_bytes;
    free(times);
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    clpool_plan_release(plan);
    return result;
}

int main(int argc, char **argv) {
    const int64_t batch = argc > 1 ? atoll(argv[1]) : 1;
    const int reps = argc > 2 ? atoi(argv[2]) : 21;
    clpool_context *ctx = NULL;
    cl_command_queue queue = NULL;
    char device[512] = "";
    if (batch < 1 || reps < 1 || clpool_context_create_default(&ctx) != CLPOOL_SUCCESS ||
        clpool_context_create_queue(ctx, 1, &queue) != CLPOOL_SUCCESS) {
        fprintf(stderr, "usage: bench_specialisation [batch >= 1] [reps >= 1]; %s\n",
                clpool_last_error());
        return EXIT_FAILURE;
    }
    clpool_context_describe(ctx, device, sizeof device);
    printf("device: %s\nbatch %lld, median of %d runs after 3 warm-ups\n", device, (long long)batch,
           reps);
    printf("%-16s %-14s %12s %8s %12s %8s %8s\n", "layer", "layout", "generic ms", "/copy",
           "special. ms", "/copy", "speedup");
    const clpool_layout layouts[] = {CLPOOL_LAYOUT_CHANNELS_FIRST, CLPOOL_LAYOUT_CHANNELS_LAST};
    for (size_t i = 0; i < sizeof layers / sizeof layers[0]; ++i)
        for (int j = 0; j < 2; ++j) {
            size_t bytes = 0;
            double generic = time_plan(ctx, queue, &layers[i], layouts[j], CLPOOL_SPECIALISE_NONE,
                                       batch, reps, &bytes);
            double special = time_plan(ctx, queue, &layers[i], layouts[j], CLPOOL_SPECIALISE_WINDOW,
                                       batch, reps, &bytes);
            double copy = time_copy(clpool_context_cl_context(ctx), clpool_context_cl_device(ctx),
                                    queue, bytes, reps);
            printf("%-16s %-14s %12.3f %7.0f%% %12.3f %7.0f%% %7.2fx\n", layers[i].name,
                   j ? "channels_last" : "channels_first", generic, 100 * copy / generic, special,
                   100 * copy / special, generic / special);
        }
    clReleaseCommandQueue(queue);
    clpool_context_release(ctx);
    return EXIT_SUCCESS;
}
