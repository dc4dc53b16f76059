/*
 * Names and descriptions for every status clpool can return: its own codes (1000 up) and the
 * OpenCL error codes it passes through unchanged. One table serves both lookups, so a new code is
 * one line here.
 */
#include "clpool/clpool.h"

#include <stddef.h>

typedef struct status_entry {
    clpool_status status;
    const char *name;
    const char *description;
} status_entry;

#define LIB(code, text)                                                                            \
    { code, #code, text }
#define CL(code, text)                                                                             \
    { code, #code, text }

static const status_entry status_table[] = {
    LIB(CLPOOL_SUCCESS, "success"),
    LIB(CLPOOL_ERROR_NULL_POINTER, "a required pointer argument is NULL"),
    LIB(CLPOOL_ERROR_INVALID_MODE, "the pooling mode is not a clpool_mode"),
    LIB(CLPOOL_ERROR_INVALID_RANK, "the spatial rank is not 1..3 or the descriptors disagree"),
    LIB(CLPOOL_ERROR_UNSUPPORTED, "valid, but not implemented in this version of clpool"),
    LIB(CLPOOL_ERROR_INVALID_KERNEL_SIZE, "a kernel (window) size is < 1 or too large"),
    LIB(CLPOOL_ERROR_INVALID_STRIDE, "a stride is < 0 or too large"),
    LIB(CLPOOL_ERROR_INVALID_PADDING, "a padding is < 0 or more than half the effective kernel"),
    LIB(CLPOOL_ERROR_INVALID_DILATION, "a dilation is < 1 or too large"),
    LIB(CLPOOL_ERROR_INVALID_DIVISOR, "divisor_override is 0 or out of range"),
    LIB(CLPOOL_ERROR_INVALID_FLAG, "a boolean field is neither 0 nor 1"),
    LIB(CLPOOL_ERROR_INVALID_DTYPE, "the data type is not a clpool_dtype"),
    LIB(CLPOOL_ERROR_INVALID_LAYOUT, "the layout is not a clpool_layout"),
    LIB(CLPOOL_ERROR_INVALID_SHAPE, "a tensor size is out of range"),
    LIB(CLPOOL_ERROR_OUTPUT_TOO_SMALL, "the output size along a dimension would be < 1"),
    LIB(CLPOOL_ERROR_SIZE_OVERFLOW, "an element or byte count overflows"),
    LIB(CLPOOL_ERROR_INVALID_CONTEXT, "the clpool or OpenCL context is unusable"),
    LIB(CLPOOL_ERROR_INVALID_DEVICE, "the device is not in the context or is unsuitable"),
    LIB(CLPOOL_ERROR_DEVICE_NOT_FOUND, "no OpenCL device found, or CLPOOL_DEVICE matches none"),
    LIB(CLPOOL_ERROR_INVALID_PLAN, "the plan is NULL"),
    LIB(CLPOOL_ERROR_INVALID_QUEUE, "the queue is NULL or belongs to another context or device"),
    LIB(CLPOOL_ERROR_INVALID_BUFFER, "a buffer is NULL, of another context or has wrong access"),
    LIB(CLPOOL_ERROR_INVALID_OFFSET, "a byte offset is not a multiple of the element size"),
    LIB(CLPOOL_ERROR_BUFFER_TOO_SMALL, "a buffer is smaller than offset + the bytes touched"),
    LIB(CLPOOL_ERROR_BUFFER_OVERLAP, "the input and output ranges overlap in memory"),
    LIB(CLPOOL_ERROR_INVALID_WAIT_LIST, "the event count and event list disagree"),
    LIB(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "a host memory allocation failed"),
    LIB(CLPOOL_ERROR_INVALID_OPTIONS, "a plan option, cache directory or tuning file is unusable"),
    LIB(CLPOOL_ERROR_KERNEL_SOURCE_MISSING, "an embedded kernel source is missing"),
    LIB(CLPOOL_ERROR_INDEX_TYPE_TOO_SMALL, "int32 indices cannot address the input plane"),
    LIB(CLPOOL_ERROR_INVALID_INDEX, "an unpooling index is neither -1 nor inside the output plane"),
    CL(CL_DEVICE_NOT_FOUND, "no OpenCL device of the requested type"),
    CL(CL_DEVICE_NOT_AVAILABLE, "the OpenCL device is not available"),
    CL(CL_COMPILER_NOT_AVAILABLE, "the device has no OpenCL C compiler"),
    CL(CL_MEM_OBJECT_ALLOCATION_FAILURE, "the device could not allocate memory"),
    CL(CL_OUT_OF_RESOURCES, "the device ran out of resources"),
    CL(CL_OUT_OF_HOST_MEMORY, "the OpenCL runtime ran out of host memory"),
    CL(CL_PROFILING_INFO_NOT_AVAILABLE, "profiling information is not available"),
    CL(CL_MEM_COPY_OVERLAP, "source and destination of a copy overlap"),
    CL(CL_IMAGE_FORMAT_MISMATCH, "image formats do not match"),
    CL(CL_IMAGE_FORMAT_NOT_SUPPORTED, "image format not supported"),
    CL(CL_BUILD_PROGRAM_FAILURE, "the kernel failed to compile (see the build log)"),
    CL(CL_MAP_FAILURE, "a buffer map failed"),
    CL(CL_MISALIGNED_SUB_BUFFER_OFFSET, "a sub-buffer offset is misaligned"),
    CL(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST, "an event in the wait list failed"),
    CL(CL_COMPILE_PROGRAM_FAILURE, "program compilation failed"),
    CL(CL_LINKER_NOT_AVAILABLE, "the OpenCL linker is not available"),
    CL(CL_LINK_PROGRAM_FAILURE, "program link failed"),
    CL(CL_DEVICE_PARTITION_FAILED, "device partition failed"),
    CL(CL_KERNEL_ARG_INFO_NOT_AVAILABLE, "kernel argument info not available"),
    CL(CL_INVALID_VALUE, "an OpenCL argument value is invalid"),
    CL(CL_INVALID_DEVICE_TYPE, "invalid device type"),
    CL(CL_INVALID_PLATFORM, "invalid platform"),
    CL(CL_INVALID_DEVICE, "invalid device"),
    CL(CL_INVALID_CONTEXT, "invalid context"),
    CL(CL_INVALID_QUEUE_PROPERTIES, "invalid queue properties"),
    CL(CL_INVALID_COMMAND_QUEUE, "invalid command queue"),
    CL(CL_INVALID_HOST_PTR, "invalid host pointer"),
    CL(CL_INVALID_MEM_OBJECT, "invalid memory object"),
    CL(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR, "invalid image format descriptor"),
    CL(CL_INVALID_IMAGE_SIZE, "invalid image size"),
    CL(CL_INVALID_SAMPLER, "invalid sampler"),
    CL(CL_INVALID_BINARY, "invalid program binary"),
    CL(CL_INVALID_BUILD_OPTIONS, "invalid build options"),
    CL(CL_INVALID_PROGRAM, "invalid program"),
    CL(CL_INVALID_PROGRAM_EXECUTABLE, "the program has no executable for the device"),
    CL(CL_INVALID_KERNEL_NAME, "invalid kernel name"),
    CL(CL_INVALID_KERNEL_DEFINITION, "invalid kernel definition"),
    CL(CL_INVALID_KERNEL, "invalid kernel"),
    CL(CL_INVALID_ARG_INDEX, "invalid kernel argument index"),
    CL(CL_INVALID_ARG_VALUE, "invalid kernel argument value"),
    CL(CL_INVALID_ARG_SIZE, "invalid kernel argument size"),
    CL(CL_INVALID_KERNEL_ARGS, "kernel arguments not set"),
    CL(CL_INVALID_WORK_DIMENSION, "invalid work dimension"),
    CL(CL_INVALID_WORK_GROUP_SIZE, "invalid work-group size"),
    CL(CL_INVALID_WORK_ITEM_SIZE, "invalid work-item size"),
    CL(CL_INVALID_GLOBAL_OFFSET, "invalid global offset"),
    CL(CL_INVALID_EVENT_WAIT_LIST, "invalid event wait list"),
    CL(CL_INVALID_EVENT, "invalid event"),
    CL(CL_INVALID_OPERATION, "invalid operation"),
    CL(CL_INVALID_GL_OBJECT, "invalid GL object"),
    CL(CL_INVALID_BUFFER_SIZE, "invalid buffer size"),
    CL(CL_INVALID_MIP_LEVEL, "invalid mip level"),
    CL(CL_INVALID_GLOBAL_WORK_SIZE, "invalid global work size"),
    CL(CL_INVALID_PROPERTY, "invalid property"),
    CL(CL_INVALID_IMAGE_DESCRIPTOR, "invalid image descriptor"),
    CL(CL_INVALID_COMPILER_OPTIONS, "invalid compiler options"),
    CL(CL_INVALID_LINKER_OPTIONS, "invalid linker options"),
    CL(CL_INVALID_DEVICE_PARTITION_COUNT, "invalid device partition count"),
    /* OpenCL 2.x codes, by value: clpool builds against the 1.2 headers. */
    {-69, "CL_INVALID_PIPE_SIZE", "invalid pipe size"},
    {-70, "CL_INVALID_DEVICE_QUEUE", "invalid device queue"},
    {-71, "CL_INVALID_SPEC_ID", "invalid specialization constant id"},
    {-72, "CL_MAX_SIZE_RESTRICTION_EXCEEDED", "a size exceeds a device limit"},
    {-1001, "CL_PLATFORM_NOT_FOUND_KHR", "no OpenCL platform found (ICD loader)"},
};

static const status_entry *find_status(clpool_status status) {
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; ++i)
        if (status_table[i].status == status)
            return &status_table[i];
    return NULL;
}

int clpool_is_error(clpool_status status) {
    return status != CLPOOL_SUCCESS;
}

const char *clpool_status_name(clpool_status status) {
    const status_entry *entry = find_status(status);
    return entry ? entry->name : "UNKNOWN_STATUS";
}

const char *clpool_status_description(clpool_status status) {
    const status_entry *entry = find_status(status);
    return entry ? entry->description : "unknown status";
}
