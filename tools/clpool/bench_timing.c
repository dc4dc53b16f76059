/*
 * Profiling-event timing and the copy-kernel yardstick. The copy kernel moves one float per
 * work-item, like the pooling kernel writes one output per work-item, so the ratio between the
 * two says how close pooling comes to the memory bandwidth this device shows this process now.
 */
#include "bench_timing.h"

#include <stdlib.h>

static const char copy_source[] =
    "__kernel void clpool_bench_copy(__global const float *restrict in,\n"
    "                                __global float *restrict out, ulong n) {\n"
    "    const size_t i = get_global_id(0);\n"
    "    if (i < n)\n"
    "        out[i] = in[i];\n"
    "}\n";

/* Waits for event; the ms from `from`'s profiling time `when` to event's end, or -1. Releases
 * event. */
static double ms_until_end(cl_event from, cl_profiling_info when, cl_event event) {
    cl_ulong start = 0, end = 0;
    cl_int err = clWaitForEvents(1, &event);
    if (err == CL_SUCCESS)
        err = clGetEventProfilingInfo(from, when, sizeof start, &start, NULL);
    if (err == CL_SUCCESS)
        err = clGetEventProfilingInfo(event, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL);
    clReleaseEvent(event);
    return err == CL_SUCCESS && end >= start ? (double)(end - start) * 1e-6 : -1.0;
}

double bench_event_ms(cl_event event) {
    return ms_until_end(event, CL_PROFILING_COMMAND_START, event);
}

double bench_span_ms(cl_event marker, cl_event event) {
    return ms_until_end(marker, CL_PROFILING_COMMAND_END, event);
}

static int compare_doubles(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *times, size_t count) {
    qsort(times, count, sizeof *times, compare_doubles);
    return count % 2 ? times[count / 2] : 0.5 * (times[count / 2 - 1] + times[count / 2]);
}

cl_int bench_copy_init(bench_copy *copy, cl_context context, cl_device_id device) {
    const char *text = copy_source;
    cl_int err = CL_SUCCESS;
    copy->kernel = NULL;
    copy->program = clCreateProgramWithSource(context, 1, &text, NULL, &err);
    if (err != CL_SUCCESS)
        return err;
    err = clBuildProgram(copy->program, 1, &device, "", NULL, NULL);
    if (err == CL_SUCCESS)
        copy->kernel = clCreateKernel(copy->program, "clpool_bench_copy", &err);
    if (err != CL_SUCCESS)
        bench_copy_release(copy);
    return err;
}

void bench_copy_release(bench_copy *copy) {
    if (copy->kernel)
        clReleaseKernel(copy->kernel);
    if (copy->program)
        clReleaseProgram(copy->program);
    copy->kernel = NULL;
    copy->program = NULL;
}

/* Runs the copy reps times after warm-up, storing times; returns 0 on any failure. */
static int run_copies(bench_copy *copy, cl_command_queue queue, size_t n, int warmup, int reps,
                      double *times) {
    const size_t local = 256, global = (n + local - 1) / local * local;
    for (int i = -warmup; i < reps; ++i) {
        cl_event event = NULL;
        if (clEnqueueNDRangeKernel(queue, copy->kernel, 1, NULL, &global, &local, 0, NULL,
                                   &event) != CL_SUCCESS)
            return 0;
        const double ms = bench_event_ms(event);
        if (ms < 0)
            return 0;
        if (i >= 0)
            times[i] = ms;
    }
    return 1;
}

double bench_copy_time(bench_copy *copy, cl_context context, cl_command_queue queue, size_t bytes,
                       int warmup, int reps, int *ok) {
    const cl_ulong n = bytes / 2 / sizeof(float) ? bytes / 2 / sizeof(float) : 1;
    cl_int err = CL_SUCCESS, err2 = CL_SUCCESS;
    cl_mem in = clCreateBuffer(context, CL_MEM_READ_WRITE, n * sizeof(float), NULL, &err);
    cl_mem out = clCreateBuffer(context, CL_MEM_READ_WRITE, n * sizeof(float), NULL, &err2);
    double *times = malloc(sizeof(double) * (size_t)reps);
    const float zero = 0.0f;
    *ok = err == CL_SUCCESS && err2 == CL_SUCCESS && times &&
          clEnqueueFillBuffer(queue, in, &zero, sizeof zero, 0, n * sizeof(float), 0, NULL, NULL) ==
              CL_SUCCESS &&
          clSetKernelArg(copy->kernel, 0, sizeof in, &in) == CL_SUCCESS &&
          clSetKernelArg(copy->kernel, 1, sizeof out, &out) == CL_SUCCESS &&
          clSetKernelArg(copy->kernel, 2, sizeof n, &n) == CL_SUCCESS &&
          run_copies(copy, queue, (size_t)n, warmup, reps, times);
    const double median = *ok ? bench_median(times, (size_t)reps) : -1.0;
    free(times);
    if (in)
        clReleaseMemObject(in);
    if (out)
        clReleaseMemObject(out);
    return median;
}
