/*
 * The on-disk program cache: keys, file names, and the OpenCL side of loading and storing a
 * program binary. A key is the full text a binary depends on, not a hash of it, and the file name
 * is a hash of the key; cache_file.c compares the key stored in a file with the one wanted, so a
 * stale file or a name collision costs one build from source, never a wrong kernel.
 */
/* realpath is in POSIX 2008 with the XSI option; the project otherwise builds as plain C11. */
#define _XOPEN_SOURCE 700

#include "binary_cache.h"
#include "cache_file.h"
#include "device_info.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Devices in one program beyond this are not worth a cache entry. */
#define MAX_PROGRAM_DEVICES 64

void clpool_binary_cache_clear(clpool_binary_cache *cache) {
    free(cache->directory);
    free(cache->identity);
    cache->directory = NULL;
    cache->identity = NULL;
}

/* The part of every key that the device fixes: a driver update or another device changes it. */
static int read_identity(cl_device_id device, char **identity) {
    char *text[CLPOOL_IDENTITY_COUNT];
    cl_int err = clpool_device_identity(device, text);
    int error = err == CL_SUCCESS ? 0 : (err == CL_OUT_OF_HOST_MEMORY ? ENOMEM : EIO);
    if (!error) {
        const char *format = "library: clpool %s\nplatform: %s | %s\ndevice: %s | %s\ndriver: %s\n";
        const int length =
            snprintf(NULL, 0, format, CLPOOL_VERSION_STRING, text[CLPOOL_IDENTITY_PLATFORM_NAME],
                     text[CLPOOL_IDENTITY_PLATFORM_VERSION], text[CLPOOL_IDENTITY_DEVICE_NAME],
                     text[CLPOOL_IDENTITY_DEVICE_VERSION], text[CLPOOL_IDENTITY_DRIVER]);
        *identity = length < 0 ? NULL : malloc((size_t)length + 1);
        if (*identity)
            snprintf(*identity, (size_t)length + 1, format, CLPOOL_VERSION_STRING,
                     text[CLPOOL_IDENTITY_PLATFORM_NAME], text[CLPOOL_IDENTITY_PLATFORM_VERSION],
                     text[CLPOOL_IDENTITY_DEVICE_NAME], text[CLPOOL_IDENTITY_DEVICE_VERSION],
                     text[CLPOOL_IDENTITY_DRIVER]);
        else
            error = ENOMEM;
    }
    for (int i = 0; i < CLPOOL_IDENTITY_COUNT; ++i)
        free(text[i]);
    return error;
}

int clpool_binary_cache_set_directory(clpool_binary_cache *cache, cl_device_id device,
                                      const char *directory) {
    if (!directory || !*directory) {
        clpool_binary_cache_clear(cache);
        return 0;
    }
    if (strlen(directory) > CLPOOL_BINARY_CACHE_MAX_DIRECTORY)
        return ENAMETOOLONG;
    int error = clpool_make_directories(directory);
    if (error)
        return error;
    /* Absolute now, so a later chdir does not move the cache. */
    char *absolute = realpath(directory, NULL);
    if (!absolute)
        return errno;
    char *identity = NULL;
    error = read_identity(device, &identity);
    if (error) {
        free(absolute);
        return error;
    }
    clpool_binary_cache_clear(cache);
    cache->directory = absolute;
    cache->identity = identity;
    return 0;
}

/* Appends size bytes of text at *at. */
static void append(char **at, const char *text, size_t size) {
    memcpy(*at, text, size);
    *at += size;
}

int clpool_binary_slot_init(const clpool_binary_cache *cache, const char *source_names,
                            const char *const *texts, const size_t *lengths, unsigned count,
                            const char *options, clpool_binary_slot *slot) {
    static const char options_label[] = "options: ", sources_label[] = "\nsources: ",
                      separator[] = "\n--- source text follows\n";
    memset(slot, 0, sizeof *slot);
    size_t size = strlen(cache->identity) + strlen(options_label) + strlen(options) +
                  strlen(sources_label) + strlen(source_names);
    for (unsigned i = 0; i < count; ++i)
        size += strlen(separator) + lengths[i];
    char *key = malloc(size + 1), *at = key;
    char *path = malloc(strlen(cache->directory) + sizeof "/clpool-0123456789abcdef.bin");
    if (!key || !path) {
        free(key);
        free(path);
        return ENOMEM;
    }
    append(&at, cache->identity, strlen(cache->identity));
    append(&at, options_label, strlen(options_label));
    append(&at, options, strlen(options));
    append(&at, sources_label, strlen(sources_label));
    append(&at, source_names, strlen(source_names));
    for (unsigned i = 0; i < count; ++i) {
        append(&at, separator, strlen(separator));
        append(&at, texts[i], lengths[i]);
    }
    *at = '\0';
    sprintf(path, "%s/clpool-%016llx.bin", cache->directory,
            (unsigned long long)clpool_fnv1a(CLPOOL_FNV_OFFSET, key, size));
    slot->key = key;
    slot->key_size = size;
    slot->path = path;
    return 0;
}

void clpool_binary_slot_free(clpool_binary_slot *slot) {
    free(slot->key);
    free(slot->path);
    memset(slot, 0, sizeof *slot);
}

static void reject(clpool_binary_cache *cache, const char *problem) {
    ++cache->rejected;
    cache->last_rejection = problem;
}

/* Creates and builds a program from a binary that passed the file's checks. */
static cl_program program_from_binary(cl_context context, cl_device_id device,
                                      const clpool_cache_record *record, const char *options,
                                      const char **problem) {
    const unsigned char *binary = record->binary;
    size_t size = record->binary_size;
    cl_int err = CL_SUCCESS, binary_status = CL_SUCCESS;
    cl_program program =
        clCreateProgramWithBinary(context, 1, &device, &size, &binary, &binary_status, &err);
    if (err == CL_SUCCESS && binary_status == CL_SUCCESS) {
        err = clBuildProgram(program, 1, &device, options, NULL, NULL);
        if (err == CL_SUCCESS)
            return program;
        *problem = "building from the binary failed";
    } else {
        *problem = "the driver refused the binary";
    }
    if (program)
        clReleaseProgram(program);
    return NULL;
}

cl_program clpool_binary_cache_load(clpool_binary_cache *cache, const clpool_binary_slot *slot,
                                    cl_context context, cl_device_id device, const char *options) {
    clpool_cache_record record;
    const char *problem = clpool_cache_file_read(slot->path, slot->key, slot->key_size, &record);
    if (problem) {
        if (strcmp(problem, "missing") != 0)
            reject(cache, problem);
        return NULL;
    }
    cl_program program = program_from_binary(context, device, &record, options, &problem);
    free(record.buffer);
    if (program)
        ++cache->loaded;
    else
        reject(cache, problem);
    return program;
}

/* Copies device's binary out of program into a new buffer. */
static const char *read_binary(cl_program program, cl_device_id device, unsigned char **binary,
                               size_t *size) {
    cl_uint count = 0;
    cl_device_id devices[MAX_PROGRAM_DEVICES];
    size_t sizes[MAX_PROGRAM_DEVICES];
    unsigned char *binaries[MAX_PROGRAM_DEVICES] = {NULL}; /* NULL: skip that device */
    cl_int err = clGetProgramInfo(program, CL_PROGRAM_NUM_DEVICES, sizeof count, &count, NULL);
    if (err != CL_SUCCESS || count == 0 || count > MAX_PROGRAM_DEVICES)
        return "the program's devices could not be read";
    err = clGetProgramInfo(program, CL_PROGRAM_DEVICES, count * sizeof devices[0], devices, NULL);
    if (err == CL_SUCCESS)
        err = clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, count * sizeof sizes[0], sizes,
                               NULL);
    cl_uint index = 0;
    while (err == CL_SUCCESS && index < count && devices[index] != device)
        ++index;
    if (err != CL_SUCCESS || index == count || sizes[index] == 0)
        return "the driver gave no binary";
    binaries[index] = malloc(sizes[index]);
    if (!binaries[index])
        return "out of memory";
    err =
        clGetProgramInfo(program, CL_PROGRAM_BINARIES, count * sizeof binaries[0], binaries, NULL);
    if (err != CL_SUCCESS) {
        free(binaries[index]);
        return "the driver gave no binary";
    }
    *binary = binaries[index];
    *size = sizes[index];
    return NULL;
}

void clpool_binary_cache_store(clpool_binary_cache *cache, const clpool_binary_slot *slot,
                               cl_program program, cl_device_id device) {
    unsigned char *binary = NULL;
    size_t size = 0;
    const char *problem = read_binary(program, device, &binary, &size);
    if (!problem &&
        clpool_cache_file_write(slot->path, slot->key, slot->key_size, binary, size) != 0)
        problem = "the file could not be written";
    free(binary);
    if (problem) {
        ++cache->write_failures;
        cache->last_write_failure = problem;
    } else {
        ++cache->written;
    }
}
