/*
 * Everything specific to kernels/pool_forward.cl on the host side: its build options and the
 * kernel arguments that stay fixed for a plan's life.
 */
#ifndef CLPOOL_HOST_FORWARD_KERNEL_H
#define CLPOOL_HOST_FORWARD_KERNEL_H

#include "context.h"
#include "geometry.h"

#define CLPOOL_FORWARD_SOURCE "pool_common+pool_forward"
#define CLPOOL_FORWARD_KERNEL "clpool_pool_forward"

/* Per-enqueue arguments come first; the fixed ones start here. */
#define CLPOOL_FORWARD_ARG_INPUT          0
#define CLPOOL_FORWARD_ARG_INPUT_OFFSET   1
#define CLPOOL_FORWARD_ARG_OUTPUT         2
#define CLPOOL_FORWARD_ARG_OUTPUT_OFFSET  3
#define CLPOOL_FORWARD_ARG_INDICES        4
#define CLPOOL_FORWARD_ARG_INDICES_OFFSET 5
#define CLPOOL_FORWARD_ARG_FIXED          6

/* Writes the build options (a fixed order, so the string is the cache key) into a new malloc'd
 * string in *options. specialise 1 bakes sizes and window into the kernel as constants; indices
 * other than CLPOOL_INDEX_NONE compiles the argmax output in. */
clpool_status clpool_forward_build_options(const clpool_geometry *g,
                                           const clpool_device_facts *facts, int specialise,
                                           clpool_index_type indices, char **options);

/* Sets the arguments from CLPOOL_FORWARD_ARG_FIXED on: output count, sizes, window, avg rule. */
clpool_status clpool_forward_set_fixed_args(cl_kernel kernel, const clpool_geometry *g);

#endif
