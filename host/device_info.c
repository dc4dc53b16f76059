/*
 * Device and platform string queries sized by the driver's answer, so no string is too long for
 * clpool.
 */
#include "device_info.h"

#include <stdlib.h>
#include <string.h>

cl_int clpool_device_string(cl_device_id device, cl_device_info param, char **out) {
    size_t size = 0;
    *out = NULL;
    cl_int err = clGetDeviceInfo(device, param, 0, NULL, &size);
    if (err != CL_SUCCESS)
        return err;
    char *text = malloc(size + 1);
    if (!text)
        return CL_OUT_OF_HOST_MEMORY;
    err = clGetDeviceInfo(device, param, size, text, NULL);
    if (err != CL_SUCCESS) {
        free(text);
        return err;
    }
    text[size] = '\0';
    *out = text;
    return CL_SUCCESS;
}

cl_int clpool_platform_string(cl_platform_id platform, cl_platform_info param, char **out) {
    size_t size = 0;
    *out = NULL;
    cl_int err = clGetPlatformInfo(platform, param, 0, NULL, &size);
    if (err != CL_SUCCESS)
        return err;
    char *text = malloc(size + 1);
    if (!text)
        return CL_OUT_OF_HOST_MEMORY;
    err = clGetPlatformInfo(platform, param, size, text, NULL);
    if (err != CL_SUCCESS) {
        free(text);
        return err;
    }
    text[size] = '\0';
    *out = text;
    return CL_SUCCESS;
}

cl_int clpool_device_string_into(cl_device_id device, cl_device_info param, char *buf,
                                 size_t size) {
    char *text = NULL;
    cl_int err = clpool_device_string(device, param, &text);
    if (err == CL_SUCCESS) {
        strncpy(buf, text, size - 1);
        buf[size - 1] = '\0';
    }
    free(text);
    return err;
}

cl_int clpool_device_identity(cl_device_id device, char *text[CLPOOL_IDENTITY_COUNT]) {
    for (int i = 0; i < CLPOOL_IDENTITY_COUNT; ++i)
        text[i] = NULL;
    cl_platform_id platform = NULL;
    cl_int err = clGetDeviceInfo(device, CL_DEVICE_PLATFORM, sizeof platform, &platform, NULL);
    if (err == CL_SUCCESS)
        err = clpool_platform_string(platform, CL_PLATFORM_NAME,
                                     &text[CLPOOL_IDENTITY_PLATFORM_NAME]);
    if (err == CL_SUCCESS)
        err = clpool_platform_string(platform, CL_PLATFORM_VERSION,
                                     &text[CLPOOL_IDENTITY_PLATFORM_VERSION]);
    if (err == CL_SUCCESS)
        err = clpool_device_string(device, CL_DEVICE_NAME, &text[CLPOOL_IDENTITY_DEVICE_NAME]);
    if (err == CL_SUCCESS)
        err =
            clpool_device_string(device, CL_DEVICE_VERSION, &text[CLPOOL_IDENTITY_DEVICE_VERSION]);
    if (err == CL_SUCCESS)
        err = clpool_device_string(device, CL_DRIVER_VERSION, &text[CLPOOL_IDENTITY_DRIVER]);
    if (err != CL_SUCCESS)
        for (int i = 0; i < CLPOOL_IDENTITY_COUNT; ++i) {
            free(text[i]);
            text[i] = NULL;
        }
    return err;
}
