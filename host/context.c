/*
 * clpool_context life cycle. A context is created from the caller's cl_context and device (which
 * it retains once each and releases exactly those retains) or on a default device that the library
 * picks and owns. The device facts that kernel builds depend on are read once here, so plan
 * creation and enqueue never query them again. The on-disk program cache is set here too, from
 * CLPOOL_CACHE_DIR at creation or by clpool_context_set_binary_cache later, and so is the tuning
 * file from CLPOOL_TUNE_FILE (tuning_file.c holds clpool_context_set_tuning_file).
 */
#include "context.h"
#include "device_info.h"
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checks that device is one of context's devices. */
static clpool_status check_device_in_context(cl_context context, cl_device_id device) {
    size_t size = 0;
    cl_int err = clGetContextInfo(context, CL_CONTEXT_DEVICES, 0, NULL, &size);
    if (err != CL_SUCCESS)
        return clpool_fail(CLPOOL_ERROR_INVALID_CONTEXT,
                           "context %p is not a usable cl_context: clGetContextInfo failed with "
                           "%s (%d)",
                           (void *)context, clpool_status_name(err), (int)err);
    cl_device_id *devices = malloc(size ? size : 1);
    if (!devices)
        return clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "allocating the device list");
    err = clGetContextInfo(context, CL_CONTEXT_DEVICES, size, devices, NULL);
    int found = 0;
    for (size_t i = 0; err == CL_SUCCESS && i < size / sizeof *devices; ++i)
        found |= devices[i] == device;
    free(devices);
    if (err != CL_SUCCESS)
        return clpool_fail_cl(err, "clGetContextInfo(CL_CONTEXT_DEVICES)", NULL);
    if (!found)
        return clpool_fail(CLPOOL_ERROR_INVALID_DEVICE, "device %p is not a device of context %p",
                           (void *)device, (void *)context);
    return CLPOOL_SUCCESS;
}

/* The work-group limit along dimension 0, which a 1D launch's local size must also respect. */
static cl_int read_max_work_item_size(cl_device_id device, size_t *size) {
    cl_uint dims = 0;
    size_t sizes[16] = {0};
    cl_int err =
        clGetDeviceInfo(device, CL_DEVICE_MAX_WORK_ITEM_DIMENSIONS, sizeof dims, &dims, NULL);
    if (err == CL_SUCCESS && (dims == 0 || dims > 16))
        err = CL_INVALID_VALUE;
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(device, CL_DEVICE_MAX_WORK_ITEM_SIZES, dims * sizeof sizes[0], sizes,
                              NULL);
    *size = sizes[0];
    return err;
}

static clpool_status read_device_facts(cl_device_id device, clpool_device_facts *facts) {
    cl_bool compiler = CL_FALSE;
    char version[128] = "";
    cl_device_fp_config fp = 0;
    cl_bool little = CL_FALSE;
    cl_device_type type = 0;
    cl_int err =
        clGetDeviceInfo(device, CL_DEVICE_COMPILER_AVAILABLE, sizeof compiler, &compiler, NULL);
    if (err != CL_SUCCESS)
        return clpool_fail(CLPOOL_ERROR_INVALID_DEVICE,
                           "device %p is not a usable cl_device_id: clGetDeviceInfo failed with "
                           "%s (%d)",
                           (void *)device, clpool_status_name(err), (int)err);
    if (!compiler)
        return clpool_fail(CLPOOL_ERROR_INVALID_DEVICE,
                           "device %p has no OpenCL C compiler (CL_DEVICE_COMPILER_AVAILABLE is "
                           "false); clpool builds its kernels from source",
                           (void *)device);
    memset(facts, 0, sizeof *facts);
    err = clpool_device_string_into(device, CL_DEVICE_NAME, facts->name, sizeof facts->name);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(device, CL_DEVICE_ADDRESS_BITS, sizeof facts->address_bits,
                              &facts->address_bits, NULL);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(device, CL_DEVICE_MAX_WORK_GROUP_SIZE,
                              sizeof facts->max_work_group_size, &facts->max_work_group_size, NULL);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof facts->compute_units,
                              &facts->compute_units, NULL);
    if (err == CL_SUCCESS)
        err =
            clpool_device_string_into(device, CL_DEVICE_OPENCL_C_VERSION, version, sizeof version);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(device, CL_DEVICE_SINGLE_FP_CONFIG, sizeof fp, &fp, NULL);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(device, CL_DEVICE_ENDIAN_LITTLE, sizeof little, &little, NULL);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(device, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    if (err == CL_SUCCESS)
        err = read_max_work_item_size(device, &facts->max_work_item_size);
    if (err != CL_SUCCESS)
        return clpool_fail_cl(err, "clGetDeviceInfo", "reading the device's properties");
    int major = 0, minor = 0;
    if (sscanf(version, "OpenCL C %d.%d", &major, &minor) == 2)
        facts->opencl_c_1_2 = major > 1 || (major == 1 && minor >= 2);
    facts->correctly_rounded_division = (fp & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0;
    facts->little_endian = little == CL_TRUE;
    facts->cpu = (type & CL_DEVICE_TYPE_CPU) != 0;
    clpool_device_indices(device, &facts->platform_index, &facts->device_index);
    return CLPOOL_SUCCESS;
}

clpool_status clpool_context_create(cl_context context, cl_device_id device, clpool_context **out) {
    if (!out)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "out (the clpool_context **) is NULL");
    *out = NULL;
    if (!context)
        return clpool_fail(CLPOOL_ERROR_INVALID_CONTEXT, "context (the cl_context) is NULL");
    if (!device)
        return clpool_fail(CLPOOL_ERROR_INVALID_DEVICE, "device (the cl_device_id) is NULL");
    clpool_status status = check_device_in_context(context, device);
    clpool_device_facts facts;
    if (status == CLPOOL_SUCCESS)
        status = read_device_facts(device, &facts);
    if (status != CLPOOL_SUCCESS)
        return status;

    clpool_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "allocating a clpool_context");
    status = clpool_program_cache_init(&ctx->cache);
    if (status != CLPOOL_SUCCESS)
        goto free_context;
    if (clpool_tuning_state_init(&ctx->tuning) != 0) {
        status = clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "pthread_mutex_init failed");
        goto destroy_cache;
    }
    cl_int err = clRetainContext(context);
    if (err != CL_SUCCESS) {
        status = clpool_fail_cl(err, "clRetainContext", NULL);
        goto destroy_tuning;
    }
    err = clRetainDevice(device);
    if (err != CL_SUCCESS) {
        status = clpool_fail_cl(err, "clRetainDevice", NULL);
        goto release_context;
    }
    atomic_init(&ctx->references, 1);
    ctx->context = context;
    ctx->device = device;
    ctx->facts = facts;
    /* Best effort, like every use of the disk cache: an unusable directory leaves it off rather
     * than failing a context that works. */
    clpool_program_cache_set_directory(&ctx->cache, device, getenv("CLPOOL_CACHE_DIR"));
    clpool_tuning_state_from_environment(&ctx->tuning, device);
    *out = ctx;
    return CLPOOL_SUCCESS;

release_context:
    clReleaseContext(context);
destroy_tuning:
    clpool_tuning_state_destroy(&ctx->tuning);
destroy_cache:
    clpool_program_cache_destroy(&ctx->cache);
free_context:
    free(ctx);
    return status;
}

clpool_status clpool_context_create_default(clpool_context **out) {
    return clpool_context_create_on(getenv("CLPOOL_DEVICE"), out);
}

clpool_status clpool_context_create_on(const char *device_spec, clpool_context **out) {
    if (!out)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "out (the clpool_context **) is NULL");
    *out = NULL;
    cl_platform_id platform = NULL;
    cl_device_id device = NULL;
    clpool_status status = clpool_select_device(device_spec, &platform, &device);
    if (status != CLPOOL_SUCCESS)
        return status;
    cl_context_properties properties[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)platform, 0};
    cl_int err = CL_SUCCESS;
    cl_context context = clCreateContext(properties, 1, &device, NULL, NULL, &err);
    if (err != CL_SUCCESS)
        return clpool_fail_cl(err, "clCreateContext", "on the default device");
    status = clpool_context_create(context, device, out);
    clReleaseContext(context); /* the clpool_context holds its own reference now */
    return status;
}

void clpool_context_retain(clpool_context *ctx) {
    atomic_fetch_add(&ctx->references, 1);
}

void clpool_context_release(clpool_context *ctx) {
    if (!ctx || atomic_fetch_sub(&ctx->references, 1) != 1)
        return;
    clpool_program_cache_destroy(&ctx->cache);
    clpool_tuning_state_destroy(&ctx->tuning);
    clReleaseDevice(ctx->device);
    clReleaseContext(ctx->context);
    free(ctx);
}

/* A few words on why mkdir or realpath failed; strerror is not guaranteed thread-safe. */
static const char *directory_problem(int error) {
    switch (error) {
    case EACCES:
    case EPERM:
        return "permission denied";
    case EROFS:
        return "read-only file system";
    case ENOENT:
        return "a parent is missing";
    case ENOTDIR:
        return "a parent is not a directory";
    case ENAMETOOLONG:
        return "a name in it is too long";
    case ELOOP:
        return "too many symbolic links";
    case ENOSPC:
        return "no space left";
    default:
        return "system error";
    }
}

clpool_status clpool_context_set_binary_cache(clpool_context *ctx, const char *directory) {
    if (!ctx)
        return clpool_fail(CLPOOL_ERROR_INVALID_CONTEXT, "ctx (the clpool_context) is NULL");
    if (directory && strlen(directory) > CLPOOL_BINARY_CACHE_MAX_DIRECTORY)
        return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS,
                           "directory = '%.64s...' is %zu bytes long, more than %d", directory,
                           strlen(directory), CLPOOL_BINARY_CACHE_MAX_DIRECTORY);
    const int error = clpool_program_cache_set_directory(&ctx->cache, ctx->device, directory);
    if (error == 0)
        return CLPOOL_SUCCESS;
    if (error == ENOMEM)
        return clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "allocating the binary cache's key");
    if (error == EIO)
        return clpool_fail(CLPOOL_ERROR_INVALID_DEVICE,
                           "reading the device's name and driver version for the binary cache "
                           "failed");
    if (error == EEXIST)
        return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS,
                           "directory = '%s' exists and is not a directory", directory);
    return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS,
                       "directory = '%s' cannot be created or opened (errno %d: %s)", directory,
                       error, directory_problem(error));
}

cl_context clpool_context_cl_context(const clpool_context *ctx) {
    return ctx ? ctx->context : NULL;
}

cl_device_id clpool_context_cl_device(const clpool_context *ctx) {
    return ctx ? ctx->device : NULL;
}

clpool_status clpool_context_create_queue(const clpool_context *ctx, int enable_profiling,
                                          cl_command_queue *queue) {
    if (!ctx)
        return clpool_fail(CLPOOL_ERROR_INVALID_CONTEXT, "ctx (the clpool_context) is NULL");
    if (!queue)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "queue (the cl_command_queue *) is NULL");
    if (enable_profiling != 0 && enable_profiling != 1)
        return clpool_fail(CLPOOL_ERROR_INVALID_FLAG, "enable_profiling = %d must be 0 or 1",
                           enable_profiling);
    cl_int err = CL_SUCCESS;
    cl_command_queue_properties properties = enable_profiling ? CL_QUEUE_PROFILING_ENABLE : 0;
    *queue = clCreateCommandQueue(ctx->context, ctx->device, properties, &err);
    if (err != CL_SUCCESS) {
        *queue = NULL;
        return clpool_fail_cl(err, "clCreateCommandQueue", NULL);
    }
    return CLPOOL_SUCCESS;
}

static const char *device_type_name(cl_device_id device) {
    cl_device_type type = 0;
    if (clGetDeviceInfo(device, CL_DEVICE_TYPE, sizeof type, &type, NULL) != CL_SUCCESS)
        return "unknown type";
    if (type & CL_DEVICE_TYPE_GPU)
        return "GPU";
    if (type & CL_DEVICE_TYPE_ACCELERATOR)
        return "accelerator";
    if (type & CL_DEVICE_TYPE_CPU)
        return "CPU";
    return "other";
}

clpool_status clpool_context_describe(const clpool_context *ctx, char *buf, size_t size) {
    if (!ctx)
        return clpool_fail(CLPOOL_ERROR_INVALID_CONTEXT, "ctx (the clpool_context) is NULL");
    if (!buf || size == 0)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "buf is NULL or size is 0");
    char *vendor = NULL, *version = NULL;
    cl_int err = clpool_device_string(ctx->device, CL_DEVICE_VENDOR, &vendor);
    if (err == CL_SUCCESS)
        err = clpool_device_string(ctx->device, CL_DEVICE_VERSION, &version);
    if (err == CL_SUCCESS)
        snprintf(buf, size, "%d:%d %s (%s, %s, %s)", ctx->facts.platform_index,
                 ctx->facts.device_index, ctx->facts.name, vendor, version,
                 device_type_name(ctx->device));
    free(vendor);
    free(version);
    return err == CL_SUCCESS ? CLPOOL_SUCCESS
                             : clpool_fail_cl(err, "clGetDeviceInfo", "describing the device");
}
