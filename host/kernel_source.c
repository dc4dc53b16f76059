/*
 * Lookup of embedded kernel sources by name (the table itself is generated into the build tree).
 */
#include "kernel_source.h"

#include <string.h>

const clpool_kernel_source *clpool_find_kernel_source(const char *name) {
    for (size_t i = 0; i < clpool_kernel_sources_count; ++i)
        if (strcmp(clpool_kernel_sources[i].name, name) == 0)
            return &clpool_kernel_sources[i];
    return NULL;
}
