/*
 * `clpool devices`: every OpenCL platform and device with the facts that matter for choosing one
 * (P:D index, name, vendor, OpenCL version, type, compute units, memory), which one clpool uses by
 * default, and whether clpool's kernels actually build there — found out by building a plan, not
 * guessed from version strings.
 */
#include "cli_args.h"
#include "commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_PLATFORMS = 32, MAX_DEVICES = 64 };

static const char *type_name(cl_device_type type) {
    if (type & CL_DEVICE_TYPE_GPU)
        return "GPU";
    if (type & CL_DEVICE_TYPE_ACCELERATOR)
        return "accelerator";
    if (type & CL_DEVICE_TYPE_CPU)
        return "CPU";
    return "other";
}

/* Builds a small max and avg plan on (context, device); "yes", or "no: <reason>" in verdict. */
static void kernels_build(cl_platform_id platform, cl_device_id device, char *verdict,
                          size_t size) {
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)platform, 0};
    cl_int err = CL_SUCCESS;
    cl_context context = clCreateContext(props, 1, &device, NULL, NULL, &err);
    if (err != CL_SUCCESS) {
        snprintf(verdict, size, "no: clCreateContext failed with %s", clpool_status_name(err));
        return;
    }
    clpool_context *ctx = NULL;
    clpool_status status = clpool_context_create(context, device, &ctx);
    const clpool_mode modes[] = {CLPOOL_MODE_MAX, CLPOOL_MODE_AVG};
    for (int m = 0; m < 2 && status == CLPOOL_SUCCESS; ++m) {
        clpool_pool_desc pool;
        clpool_tensor_desc input;
        clpool_plan *plan = NULL;
        clpool_pool_desc_init_2d(&pool, modes[m], 3, 3);
        clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 1, 8,
                                   8);
        status = clpool_plan_create(ctx, &pool, &input, NULL, &plan);
        clpool_plan_release(plan);
    }
    if (status == CLPOOL_SUCCESS)
        snprintf(verdict, size, "yes");
    else
        snprintf(verdict, size, "no: %.200s", clpool_last_error());
    clpool_context_release(ctx);
    clReleaseContext(context);
}

/* A device or platform string, truncated to size bytes; "?" when the query fails. Sized first,
 * because a too-small buffer makes OpenCL refuse the query outright. */
static void info_text(cl_int (*query)(void *, cl_uint, size_t, void *, size_t *), void *object,
                      cl_uint param, char *buf, size_t size) {
    size_t length = 0;
    char *text = NULL;
    snprintf(buf, size, "?");
    if (query(object, param, 0, NULL, &length) == CL_SUCCESS && (text = malloc(length + 1)) &&
        query(object, param, length, text, NULL) == CL_SUCCESS) {
        text[length] = '\0';
        snprintf(buf, size, "%s", text);
    }
    free(text);
}

static cl_int device_query(void *device, cl_uint param, size_t size, void *value, size_t *ret) {
    return clGetDeviceInfo((cl_device_id)device, param, size, value, ret);
}

static cl_int platform_query(void *platform, cl_uint param, size_t size, void *value, size_t *ret) {
    return clGetPlatformInfo((cl_platform_id)platform, param, size, value, ret);
}

static void print_device(cl_platform_id platform, cl_device_id device, cl_uint p, cl_uint d,
                         cl_device_id default_device) {
    char name[256] = "", vendor[256] = "", version[256] = "", verdict[320];
    cl_device_type type = 0;
    cl_uint units = 0;
    cl_ulong memory = 0;
    cl_device_fp_config fp = 0;
    info_text(device_query, device, CL_DEVICE_NAME, name, sizeof name);
    info_text(device_query, device, CL_DEVICE_VENDOR, vendor, sizeof vendor);
    info_text(device_query, device, CL_DEVICE_VERSION, version, sizeof version);
    clGetDeviceInfo(device, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    clGetDeviceInfo(device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL);
    clGetDeviceInfo(device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof memory, &memory, NULL);
    clGetDeviceInfo(device, CL_DEVICE_SINGLE_FP_CONFIG, sizeof fp, &fp, NULL);
    kernels_build(platform, device, verdict, sizeof verdict);
    printf("%u:%u%s %s\n", p, d, device == default_device ? " (default)" : "", name);
    printf("    vendor: %s\n    version: %s\n    type: %s, %u compute units, %.1f GiB global "
           "memory\n    single-precision denormals: %s\n    clpool kernels build: %s\n",
           vendor, version, type_name(type), units, (double)memory / (1024.0 * 1024 * 1024),
           (fp & CL_FP_DENORM) ? "yes (max pooling bit-exact)" : "no (flushed to zero)", verdict);
}

/* The device clpool_context_create_default picks, or NULL (with the reason on stdout). */
static cl_device_id default_device(void) {
    clpool_context *ctx = NULL;
    if (clpool_context_create_default(&ctx) != CLPOOL_SUCCESS) {
        printf("default device: none (%s)\n", clpool_last_error());
        return NULL;
    }
    cl_device_id device = clpool_context_cl_device(ctx);
    clpool_context_release(ctx); /* the ICD keeps root devices alive; the handle stays valid */
    return device;
}

int cli_command_devices(int argc, char **argv) {
    char err[512];
    cli_devices_request request;
    const cli_parse_result parsed = cli_parse_devices(argc, argv, &request, err, sizeof err);
    if (parsed == CLI_HELP) {
        fputs(cli_devices_help, stdout);
        return CLI_EXIT_OK;
    }
    if (parsed != CLI_PARSED) {
        fprintf(stderr, "clpool devices: %s (see 'clpool devices --help')\n", err);
        return CLI_EXIT_USAGE;
    }
    cl_platform_id platforms[MAX_PLATFORMS];
    cl_uint n_platforms = 0;
    cl_int code = clGetPlatformIDs(MAX_PLATFORMS, platforms, &n_platforms);
    if (code != CL_SUCCESS || n_platforms == 0) {
        fprintf(stderr, "clpool devices: no OpenCL platform found (%s)\n",
                clpool_status_name(code));
        return CLI_EXIT_RUNTIME;
    }
    const cl_device_id chosen = default_device();
    for (cl_uint p = 0; p < n_platforms && p < MAX_PLATFORMS; ++p) {
        char name[256] = "", version[256] = "";
        cl_device_id devices[MAX_DEVICES];
        cl_uint n_devices = 0;
        info_text(platform_query, platforms[p], CL_PLATFORM_NAME, name, sizeof name);
        info_text(platform_query, platforms[p], CL_PLATFORM_VERSION, version, sizeof version);
        printf("platform %u: %s (%s)\n", p, name, version);
        code = clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devices, &n_devices);
        if (code != CL_SUCCESS)
            n_devices = 0;
        for (cl_uint d = 0; d < n_devices && d < MAX_DEVICES; ++d)
            print_device(platforms[p], devices[d], p, d, chosen);
        if (n_devices == 0)
            printf("    no devices\n");
    }
    return CLI_EXIT_OK;
}
