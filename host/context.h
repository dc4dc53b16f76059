/*
 * The inside of a clpool_context: the wrapped OpenCL context and device, the device facts that
 * kernel builds depend on (read once at creation), the program cache and the tuned work-group
 * sizes. Reference-counted so that plans keep their context alive after the caller releases it.
 */
#ifndef CLPOOL_HOST_CONTEXT_H
#define CLPOOL_HOST_CONTEXT_H

#include "clpool/clpool.h"
#include "program_cache.h"
#include "tuning_file.h"

#include <stdatomic.h>

typedef struct clpool_device_facts {
    char name[256];
    cl_uint address_bits;
    size_t max_work_group_size;
    size_t max_work_item_size;        /* CL_DEVICE_MAX_WORK_ITEM_SIZES[0] */
    cl_uint compute_units;            /* CL_DEVICE_MAX_COMPUTE_UNITS */
    int opencl_c_1_2;                 /* the compiler accepts -cl-std=CL1.2 */
    int correctly_rounded_division;   /* CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT in single precision */
    int little_endian;                /* CL_DEVICE_ENDIAN_LITTLE */
    int cpu;                          /* CL_DEVICE_TYPE includes CL_DEVICE_TYPE_CPU */
    int platform_index, device_index; /* -1 when the device is not in the enumeration */
} clpool_device_facts;

struct clpool_context {
    atomic_int references;
    cl_context context;
    cl_device_id device;
    clpool_device_facts facts;
    clpool_program_cache cache;
    clpool_tuning_state tuning; /* work-group sizes from a tuning file; empty: built-in rule */
};

/* Takes one more reference; clpool_context_release drops one. */
void clpool_context_retain(clpool_context *ctx);

/* Finds the platform and device indices of device in the enumeration CLPOOL_DEVICE uses. */
void clpool_device_indices(cl_device_id device, int *platform_index, int *device_index);

/* Picks the device spec names ("P:D" or part of a name); with a NULL or empty spec, the first
 * GPU, else the first device. */
clpool_status clpool_select_device(const char *spec, cl_platform_id *platform,
                                   cl_device_id *device);

#endif
