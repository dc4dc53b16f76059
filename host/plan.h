/*
 * The inside of a clpool_plan: the resolved geometry, its kernel with the fixed arguments already
 * set, and the lock that makes binding the per-call arguments and enqueueing one atomic step.
 */
#ifndef CLPOOL_HOST_PLAN_H
#define CLPOOL_HOST_PLAN_H

#include "context.h"
#include "geometry.h"
#include "pool_kernels.h"

#include <pthread.h>

struct clpool_plan {
    clpool_context *ctx; /* one reference held */
    clpool_kernel_kind kind;
    uint64_t work_items; /* outputs for the forward pass, grad_input elements for backward */
    clpool_geometry geometry;
    clpool_tensor_desc input, output;
    char *build_options;
    cl_kernel kernel;        /* unpooling: the elect pass */
    cl_kernel gather_kernel; /* unpooling only: the gather pass */
    /* clSetKernelArg on a shared kernel is not thread-safe, and arguments are captured when the
     * kernel is enqueued: holding this lock from the first clSetKernelArg to the end of
     * clEnqueueNDRangeKernel makes concurrent enqueues of one plan safe. */
    pthread_mutex_t enqueue_lock;
    size_t local_size, global_size;
    uint64_t gather_items; /* unpooling: output elements, one work-item each in the gather pass */
    size_t gather_global_size;
    clpool_index_type indices; /* CLPOOL_INDEX_NONE unless the kernel writes argmax indices */
    size_t index_size, indices_bytes;
};

#endif
