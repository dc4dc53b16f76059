/*
 * The per-context program cache: a small array searched linearly (a process builds a handful of
 * programs, not thousands), guarded by a mutex, with the compile done under the lock so the same
 * program is never built twice. A failed build leaves its log in clpool_last_error().
 */
#include "program_cache.h"
#include "error.h"
#include "kernel_source.h"

#include <stdlib.h>
#include <string.h>

clpool_status clpool_program_cache_init(clpool_program_cache *cache) {
    memset(cache, 0, sizeof *cache);
    if (pthread_mutex_init(&cache->lock, NULL) != 0)
        return clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "pthread_mutex_init failed");
    return CLPOOL_SUCCESS;
}

void clpool_program_cache_destroy(clpool_program_cache *cache) {
    for (size_t i = 0; i < cache->count; ++i) {
        clReleaseProgram(cache->entries[i].program);
        free(cache->entries[i].key);
    }
    free(cache->entries);
    pthread_mutex_destroy(&cache->lock);
    memset(cache, 0, sizeof *cache);
}

static char *make_key(const char *source_name, const char *options) {
    size_t length = strlen(source_name) + 1 + strlen(options) + 1;
    char *key = malloc(length);
    if (key) {
        strcpy(key, source_name);
        strcat(key, "\n");
        strcat(key, options);
    }
    return key;
}

/* Appends the device's build log to the last error message. */
static void append_build_log(cl_program program, cl_device_id device) {
    size_t size = 0;
    if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, NULL, &size) != CL_SUCCESS)
        return;
    char *log = malloc(size + 1);
    if (!log)
        return;
    if (clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, size, log, NULL) ==
        CL_SUCCESS) {
        log[size] = '\0';
        clpool_append_error("\nbuild log:\n");
        clpool_append_error(log);
    }
    free(log);
}

static clpool_status build_program(cl_context context, cl_device_id device, const char *source_name,
                                   const char *options, cl_program *out) {
    const clpool_kernel_source *source = clpool_find_kernel_source(source_name);
    if (!source)
        return clpool_fail(CLPOOL_ERROR_KERNEL_SOURCE_MISSING,
                           "kernel source '%s' is not embedded in this build", source_name);
    cl_int err = CL_SUCCESS;
    const char *text = source->text;
    cl_program program = clCreateProgramWithSource(context, 1, &text, &source->length, &err);
    if (err != CL_SUCCESS)
        return clpool_fail_cl(err, "clCreateProgramWithSource", source_name);
    err = clBuildProgram(program, 1, &device, options, NULL, NULL);
    if (err != CL_SUCCESS) {
        clpool_fail(err, "clBuildProgram(%s.cl) failed: %s (%d) with options '%s'", source_name,
                    clpool_status_name(err), (int)err, options);
        append_build_log(program, device);
        clReleaseProgram(program);
        return err;
    }
    *out = program;
    return CLPOOL_SUCCESS;
}

static clpool_status insert_entry(clpool_program_cache *cache, char *key, cl_program program) {
    if (cache->count == cache->capacity) {
        size_t capacity = cache->capacity ? 2 * cache->capacity : 8;
        clpool_program_entry *grown = realloc(cache->entries, capacity * sizeof *grown);
        if (!grown)
            return clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "growing the program cache failed");
        cache->entries = grown;
        cache->capacity = capacity;
    }
    cache->entries[cache->count].key = key;
    cache->entries[cache->count].program = program;
    ++cache->count;
    return CLPOOL_SUCCESS;
}

static cl_program find_program(const clpool_program_cache *cache, const char *key) {
    for (size_t i = 0; i < cache->count; ++i)
        if (strcmp(cache->entries[i].key, key) == 0)
            return cache->entries[i].program;
    return NULL;
}

clpool_status clpool_program_cache_get(clpool_program_cache *cache, cl_context context,
                                       cl_device_id device, const char *source_name,
                                       const char *options, cl_program *program) {
    char *key = make_key(source_name, options);
    if (!key)
        return clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "allocating a program cache key");
    clpool_status status = CLPOOL_SUCCESS;
    pthread_mutex_lock(&cache->lock);
    cl_program found = find_program(cache, key);
    if (!found) {
        status = build_program(context, device, source_name, options, &found);
        if (status == CLPOOL_SUCCESS) {
            status = insert_entry(cache, key, found);
            if (status == CLPOOL_SUCCESS)
                key = NULL; /* owned by the cache now */
            else
                clReleaseProgram(found);
        }
    }
    if (status == CLPOOL_SUCCESS) {
        cl_int err = clRetainProgram(found);
        status = err == CL_SUCCESS ? CLPOOL_SUCCESS : clpool_fail_cl(err, "clRetainProgram", NULL);
    }
    pthread_mutex_unlock(&cache->lock);
    free(key);
    if (status == CLPOOL_SUCCESS)
        *program = found;
    return status;
}
