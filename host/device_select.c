/*
 * Device choice by specification. A spec names a device as "P:D" (platform and device indices in
 * enumeration order) or by a case-insensitive substring of its name; without one the first GPU
 * wins, then the first device of any kind. A spec that matches nothing is an error, not a silent
 * fallback, so a typo never runs a benchmark on the wrong device.
 */
#include "context.h"
#include "device_info.h"
#include "error.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PLATFORMS 32
#define MAX_DEVICES   64

typedef struct device_list {
    cl_platform_id platforms[MAX_PLATFORMS];
    cl_uint platform_count;
    cl_device_id devices[MAX_PLATFORMS][MAX_DEVICES];
    cl_uint device_count[MAX_PLATFORMS];
} device_list;

/* Some drivers set themselves up on the first platform or device query, and not safely across
 * threads (PoCL 3.1 crashes or reports no device when threads create contexts at once), so
 * clpool's own queries are serialised. */
static pthread_mutex_t enumeration_lock = PTHREAD_MUTEX_INITIALIZER;

static clpool_status enumerate_devices_unlocked(device_list *list) {
    memset(list, 0, sizeof *list);
    cl_int err = clGetPlatformIDs(MAX_PLATFORMS, list->platforms, &list->platform_count);
    if (err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ ||
        (err == CL_SUCCESS && !list->platform_count))
        return clpool_fail(CLPOOL_ERROR_DEVICE_NOT_FOUND,
                           "no OpenCL platform found: install an OpenCL driver (ICD), e.g. "
                           "pocl-opencl-icd for CPUs");
    if (err != CL_SUCCESS)
        return clpool_fail_cl(err, "clGetPlatformIDs", NULL);
    if (list->platform_count > MAX_PLATFORMS)
        list->platform_count = MAX_PLATFORMS;
    for (cl_uint p = 0; p < list->platform_count; ++p) {
        err = clGetDeviceIDs(list->platforms[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES, list->devices[p],
                             &list->device_count[p]);
        if (err == CL_DEVICE_NOT_FOUND)
            list->device_count[p] = 0;
        else if (err != CL_SUCCESS)
            return clpool_fail_cl(err, "clGetDeviceIDs", NULL);
        if (list->device_count[p] > MAX_DEVICES)
            list->device_count[p] = MAX_DEVICES;
    }
    return CLPOOL_SUCCESS;
}

static clpool_status enumerate_devices(device_list *list) {
    pthread_mutex_lock(&enumeration_lock);
    const clpool_status status = enumerate_devices_unlocked(list);
    pthread_mutex_unlock(&enumeration_lock);
    return status;
}

void clpool_device_indices(cl_device_id device, int *platform_index, int *device_index) {
    device_list *list = malloc(sizeof *list);
    *platform_index = *device_index = -1;
    if (!list || enumerate_devices(list) != CLPOOL_SUCCESS) {
        free(list);
        return;
    }
    for (cl_uint p = 0; p < list->platform_count && *platform_index < 0; ++p)
        for (cl_uint d = 0; d < list->device_count[p]; ++d)
            if (list->devices[p][d] == device) {
                *platform_index = (int)p;
                *device_index = (int)d;
                break;
            }
    free(list);
}

/* Parses "P:D" with nothing else around it. */
static int parse_indices(const char *spec, long *platform, long *device) {
    char *end = NULL;
    if (!isdigit((unsigned char)spec[0]))
        return 0;
    *platform = strtol(spec, &end, 10);
    if (*end != ':' || !isdigit((unsigned char)end[1]))
        return 0;
    *device = strtol(end + 1, &end, 10);
    return *end == '\0';
}

static int contains_ignoring_case(const char *haystack, const char *needle) {
    size_t n = strlen(needle);
    for (; *haystack; ++haystack) {
        size_t i = 0;
        while (i < n && haystack[i] &&
               tolower((unsigned char)haystack[i]) == tolower((unsigned char)needle[i]))
            ++i;
        if (i == n)
            return 1;
    }
    return n == 0;
}

static clpool_status select_by_spec(const device_list *list, const char *spec,
                                    cl_platform_id *platform, cl_device_id *device) {
    long p = -1, d = -1;
    if (parse_indices(spec, &p, &d)) {
        if (p >= (long)list->platform_count || d >= (long)list->device_count[p])
            return clpool_fail(CLPOOL_ERROR_DEVICE_NOT_FOUND,
                               "device '%s': there is no device %ld:%ld (%u platforms)", spec, p, d,
                               list->platform_count);
        *platform = list->platforms[p];
        *device = list->devices[p][d];
        return CLPOOL_SUCCESS;
    }
    for (cl_uint pi = 0; pi < list->platform_count; ++pi)
        for (cl_uint di = 0; di < list->device_count[pi]; ++di) {
            char *name = NULL;
            const int match =
                clpool_device_string(list->devices[pi][di], CL_DEVICE_NAME, &name) == CL_SUCCESS &&
                contains_ignoring_case(name, spec);
            free(name);
            if (match) {
                *platform = list->platforms[pi];
                *device = list->devices[pi][di];
                return CLPOOL_SUCCESS;
            }
        }
    return clpool_fail(CLPOOL_ERROR_DEVICE_NOT_FOUND,
                       "device '%s' matches no device: give 'P:D' indices or part of a device "
                       "name",
                       spec);
}

/* The first device of the given type in enumeration order, if any. */
static int first_of_type(const device_list *list, cl_device_type wanted, cl_platform_id *platform,
                         cl_device_id *device) {
    for (cl_uint p = 0; p < list->platform_count; ++p)
        for (cl_uint d = 0; d < list->device_count[p]; ++d) {
            cl_device_type type = 0;
            if (clGetDeviceInfo(list->devices[p][d], CL_DEVICE_TYPE, sizeof type, &type, NULL) ==
                    CL_SUCCESS &&
                (type & wanted)) {
                *platform = list->platforms[p];
                *device = list->devices[p][d];
                return 1;
            }
        }
    return 0;
}

clpool_status clpool_select_device(const char *spec, cl_platform_id *platform,
                                   cl_device_id *device) {
    device_list *list = malloc(sizeof *list);
    if (!list)
        return clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "allocating the device list");
    clpool_status status = enumerate_devices(list);
    if (status == CLPOOL_SUCCESS && spec && *spec)
        status = select_by_spec(list, spec, platform, device);
    else if (status == CLPOOL_SUCCESS &&
             !first_of_type(list, CL_DEVICE_TYPE_GPU, platform, device) &&
             !first_of_type(list, CL_DEVICE_TYPE_ALL, platform, device))
        status = clpool_fail(CLPOOL_ERROR_DEVICE_NOT_FOUND,
                             "no OpenCL device found on %u platform(s)", list->platform_count);
    free(list);
    return status;
}
