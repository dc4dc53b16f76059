/*
 * The per-context program cache: a small array searched linearly (a process builds a handful of
 * programs, not thousands), guarded by a mutex, with the compile done under the lock so the same
 * program is never built twice. A failed build leaves its log in clpool_last_error(). A miss goes
 * to the disk cache (binary_cache.c) first when one is set, and a build from source is written
 * back to it.
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
    clpool_binary_cache_clear(&cache->disk);
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

enum { MAX_SOURCES = 4 };

/* Looks up each embedded source of a '+'-joined list ("pool_common+pool_forward"). */
static clpool_status find_sources(const char *source_names, const char **texts, size_t *lengths,
                                  cl_uint *count) {
    char name[64];
    *count = 0;
    for (const char *at = source_names; *at;) {
        const char *plus = strchr(at, '+');
        const size_t length = plus ? (size_t)(plus - at) : strlen(at);
        if (length >= sizeof name || *count == MAX_SOURCES)
            return clpool_fail(CLPOOL_ERROR_KERNEL_SOURCE_MISSING,
                               "kernel source list '%s' is malformed", source_names);
        memcpy(name, at, length);
        name[length] = '\0';
        const clpool_kernel_source *source = clpool_find_kernel_source(name);
        if (!source)
            return clpool_fail(CLPOOL_ERROR_KERNEL_SOURCE_MISSING,
                               "kernel source '%s' is not embedded in this build", name);
        texts[*count] = source->text;
        lengths[(*count)++] = source->length;
        at += length + (plus ? 1 : 0);
    }
    return *count ? CLPOOL_SUCCESS
                  : clpool_fail(CLPOOL_ERROR_KERNEL_SOURCE_MISSING, "no kernel source named");
}

int clpool_program_cache_set_directory(clpool_program_cache *cache, cl_device_id device,
                                       const char *directory) {
    pthread_mutex_lock(&cache->lock);
    const int error = clpool_binary_cache_set_directory(&cache->disk, device, directory);
    pthread_mutex_unlock(&cache->lock);
    return error;
}

static clpool_status build_program(cl_context context, cl_device_id device,
                                   const char *source_names, const char **texts,
                                   const size_t *lengths, cl_uint count, const char *options,
                                   cl_program *out) {
    cl_int err = CL_SUCCESS;
    cl_program program = clCreateProgramWithSource(context, count, texts, lengths, &err);
    if (err != CL_SUCCESS)
        return clpool_fail_cl(err, "clCreateProgramWithSource", source_names);
    err = clBuildProgram(program, 1, &device, options, NULL, NULL);
    if (err != CL_SUCCESS) {
        clpool_fail(err, "clBuildProgram(%s) failed: %s (%d) with options '%s'", source_names,
                    clpool_status_name(err), (int)err, options);
        append_build_log(program, device);
        clReleaseProgram(program);
        return err;
    }
    *out = program;
    return CLPOOL_SUCCESS;
}

/* A program from the disk cache when it holds a usable binary, else built from source and, with
 * the disk cache on, written to it. */
static clpool_status obtain_program(clpool_program_cache *cache, cl_context context,
                                    cl_device_id device, const char *source_names,
                                    const char *options, cl_program *out) {
    const char *texts[MAX_SOURCES];
    size_t lengths[MAX_SOURCES];
    cl_uint count = 0;
    clpool_status status = find_sources(source_names, texts, lengths, &count);
    if (status != CLPOOL_SUCCESS)
        return status;
    clpool_binary_slot slot = {NULL, 0, NULL};
    const int disk =
        cache->disk.directory && clpool_binary_slot_init(&cache->disk, source_names, texts, lengths,
                                                         count, options, &slot) == 0;
    *out = disk ? clpool_binary_cache_load(&cache->disk, &slot, context, device, options) : NULL;
    if (!*out) {
        status = build_program(context, device, source_names, texts, lengths, count, options, out);
        if (status == CLPOOL_SUCCESS)
            ++cache->compiles;
        if (status == CLPOOL_SUCCESS && disk)
            clpool_binary_cache_store(&cache->disk, &slot, *out, device);
    }
    clpool_binary_slot_free(&slot);
    return status;
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
        status = obtain_program(cache, context, device, source_name, options, &found);
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
