/*
 * Built OpenCL programs, cached by kernel source and build options for one context and device (a
 * cache lives inside each clpool_context). Building is the slow part of plan creation; the cache
 * makes the second plan with the same options cost one lookup and one clCreateKernel.
 */
#ifndef CLPOOL_HOST_PROGRAM_CACHE_H
#define CLPOOL_HOST_PROGRAM_CACHE_H

#include "clpool/clpool.h"

#include <pthread.h>

typedef struct clpool_program_entry {
    char *key; /* source name, a newline, build options */
    cl_program program;
} clpool_program_entry;

typedef struct clpool_program_cache {
    pthread_mutex_t lock;
    clpool_program_entry *entries;
    size_t count, capacity;
} clpool_program_cache;

clpool_status clpool_program_cache_init(clpool_program_cache *cache);

/* Releases every cached program and the cache's memory. */
void clpool_program_cache_destroy(clpool_program_cache *cache);

/*
 * Returns in *program a built program for source_name (an embedded source, or a '+'-joined list
 * of them, compiled together in that order) compiled with options, retained for the
 * caller, building and caching it on a miss. A failed build returns the OpenCL status with the
 * build log in clpool_last_error() and caches nothing. Builds happen under the cache lock, so two
 * threads asking for the same program build it once.
 */
clpool_status clpool_program_cache_get(clpool_program_cache *cache, cl_context context,
                                       cl_device_id device, const char *source_name,
                                       const char *options, cl_program *program);

#endif
