/*
 * Reading device strings of any length. A fixed buffer turns a long vendor string into a hard
 * failure (OpenCL returns CL_INVALID_VALUE when the buffer is short), so strings are sized first.
 */
#ifndef CLPOOL_HOST_DEVICE_INFO_H
#define CLPOOL_HOST_DEVICE_INFO_H

#include "clpool/clpool.h"

/* The whole string in a new malloc'd buffer (*out), or an OpenCL status (CL_OUT_OF_HOST_MEMORY
 * when the allocation fails). */
cl_int clpool_device_string(cl_device_id device, cl_device_info param, char **out);

/* A platform string (CL_PLATFORM_NAME, ...) the same way. */
cl_int clpool_platform_string(cl_platform_id platform, cl_platform_info param, char **out);

/* The string truncated to size bytes (NUL-terminated; size >= 1). */
/* What identifies a device's compiled code: platform name and version, device name and
 * version, driver version (CLPOOL_IDENTITY_* order), each a new string in text[] (free each;
 * all NULL on failure). Binary cache keys and tuning files both rest on it. */
enum {
    CLPOOL_IDENTITY_PLATFORM_NAME,
    CLPOOL_IDENTITY_PLATFORM_VERSION,
    CLPOOL_IDENTITY_DEVICE_NAME,
    CLPOOL_IDENTITY_DEVICE_VERSION,
    CLPOOL_IDENTITY_DRIVER,
    CLPOOL_IDENTITY_COUNT
};
cl_int clpool_device_identity(cl_device_id device, char *text[CLPOOL_IDENTITY_COUNT]);

cl_int clpool_device_string_into(cl_device_id device, cl_device_info param, char *buf, size_t size);

#endif
