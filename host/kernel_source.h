/*
 * The kernels/NAME.cl sources embedded in the library at build time by cmake/embed_files.cmake.
 */
#ifndef CLPOOL_HOST_KERNEL_SOURCE_H
#define CLPOOL_HOST_KERNEL_SOURCE_H

#include <stddef.h>

typedef struct clpool_kernel_source {
    const char *name; /* file name without .cl */
    const char *text;
    size_t length;
} clpool_kernel_source;

extern const clpool_kernel_source clpool_kernel_sources[];
extern const size_t clpool_kernel_sources_count;

/* The embedded source of kernels/<name>.cl, or NULL. */
const clpool_kernel_source *clpool_find_kernel_source(const char *name);

#endif
