/*
 * Built OpenCL programs, cached by kernel source and build options for one context and device (a
 * cache lives inside each clpool_context). Building is the slow part of plan creation; the cache
 * makes the second plan with the same options cost one lookup and one clCreateKernel. With a
 * directory set, a miss first tries a program binary on disk and a build from source writes one.
 */
#ifndef CLPOOL_HOST_PROGRAM_CACHE_H
#define CLPOOL_HOST_PROGRAM_CACHE_H

#include "clpool/clpool.h"
#include "binary_cache.h"

#include <pthread.h>

typedef struct clpool_program_entry {
    char *key; /* source name, a newline, build options */
    cl_program program;
} clpool_program_entry;

typedef struct clpool_program_cache {
    pthread_mutex_t lock;
    clpool_program_entry *entries;
    size_t count, capacity;
    clpool_binary_cache disk; /* off until a directory is set */
    unsigned long compiles;   /* programs built from source, for white-box tests */
} clpool_program_cache;

clpool_status clpool_program_cache_init(clpool_program_cache *cache);

/* Releases every cached program and the cache's memory. */
void clpool_program_cache_destroy(clpool_program_cache *cache);

/* clpool_binary_cache_set_directory under the cache lock: later misses use directory (NULL or ""
 * for none). Returns 0 or an errno value, the setting then unchanged. */
int clpool_program_cache_set_directory(clpool_program_cache *cache, cl_device_id device,
                                       const char *directory);

/*
 * Returns in *program a built program for source_name (an embedded source, or a '+'-joined list
 * of them, compiled together in that order) compiled with options, retained for the
 * caller, building and caching it on a miss. A failed build returns the OpenCL status with the
 * build log in clpool_last_error() and caches nothing. Builds happen under the cache lock, so two
 * threads asking for the same program build it once. The disk cache, when on, is consulted before
 * building and written after; it never changes the status.
 */
clpool_status clpool_program_cache_get(clpool_program_cache *cache, cl_context context,
                                       cl_device_id device, const char *source_name,
                                       const char *options, cl_program *program);

#endif
