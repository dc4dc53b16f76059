/*
 * The inside of a clpool_plan: the resolved geometry, its kernel with the fixed arguments already
 * set, its launch size, and the lock that makes binding the per-call arguments and enqueueing one
 * atomic step.
 */
#ifndef CLPOOL_HOST_PLAN_H
#define CLPOOL_HOST_PLAN_H

#include "context.h"
#include "geometry.h"
#include "pool_kernels.h"

#include <pthread.h>

/* clEnqueueNDRangeKernel's type: plans launch through a pointer to it. */
typedef cl_int(CL_API_CALL *clpool_ndrange_fn)(cl_command_queue, cl_kernel, cl_uint, const size_t *,
                                               const size_t *, const size_t *, cl_uint,
                                               const cl_event *, cl_event *);

struct clpool_plan {
    clpool_context *ctx; /* one reference held */
    clpool_kernel_kind kind;
    /* Work-items of the main kernel: outputs for the forward pass (and a scattered backward
     * plan's scatter), grad_input elements for the other backward plans. */
    uint64_t work_items;
    clpool_geometry geometry;
    /* What the kernels are built and launched for: geometry, or for a mirrored average backward
     * plan (pool_kernels.h, clpool_kernel_mirrored_backward) the forward pooling of grad_output
     * that computes grad_input, with kernel_kind CLPOOL_KERNEL_FORWARD. The enqueue then binds
     * grad_output and grad_input as the forward kernel's input and output. */
    clpool_geometry kernel_geometry;
    clpool_kernel_kind kernel_kind;
    clpool_tensor_desc input, output;
    char *build_options;
    cl_kernel kernel; /* unpooling: the elect pass */
    /* A second pass, launched one-dimensionally after the first and waiting on it: unpooling's
     * gather, the edge rows of a forward plan whose lanes read unclamped taps
     * (pool_kernels.h, clpool_kernel_edge_rows), or the sum of a global average's block sums
     * (clpool_kernel_partials); or, with narrow_indices, launched *before* the first, which waits
     * on it: the narrowing of a max-from-indices gather's int64 indices to int into the scratch
     * buffer, which the gather then reads in place of the caller's indices
     * (clpool_kernel_narrow_indices). NULL for other plans. */
    cl_kernel second_kernel;
    int narrow_indices;
    /* A forward plan whose lanes store into the scratch buffer and whose second kernel copies
     * the live lanes into the caller's output and indices (clpool_kernel_compacted_lanes). */
    int compacted;
    /* A compacting plan whose lanes leave edge rows (clpool_kernel_edge_rows) launches a third
     * kernel after the copy, clpool_pool_forward_edge, over edge_items work-items: it writes
     * those rows into the caller's output and indices. NULL for other plans. */
    cl_kernel edge_kernel;
    uint64_t edge_items;
    size_t edge_global_size;
    /* A scattered max backward plan (clpool_kernel_scattered_backward): kernel is the scatter,
     * one work-item per output (work_items counts those), and second_kernel the fill of
     * grad_input with +0, launched *before* it, as a narrowing is. */
    int scattered;
    /* Bytes of the block sums (or maxima) a two-pass global pooling (clpool_kernel_partials)
     * passes from its first kernel to its second, or of the narrowed indices, else 0. The plan
     * keeps the buffer of its last enqueue with that enqueue's queue, under enqueue_lock: an
     * enqueue on the same in-order queue reuses it (its kernels run after the last enqueue's), any
     * other enqueue creates a new one (kept in turn when its queue is in-order). A buffer made for
     * each call cost PoCL a page fault per 4 KiB written (8 x 1024 planes of 4,096: 83-113 ms for a
     * global max, 19-25 ms once kept). Released with the plan, and each replaced buffer when
     * replaced: OpenCL frees it after the kernels that use it finish. */
    size_t scratch_bytes;
    cl_mem scratch; /* NULL until a two-pass enqueue on an in-order queue */
    /* The queue of the enqueue that made it, compared by address and not retained (the plan
     * must not keep a caller's queue alive): a released queue is deleted only once its commands
     * have finished, so a new queue at the same address never overlaps the buffer's last use. */
    cl_command_queue scratch_queue;
    /* A scatter's narrowed indices in that buffer start this many ints in, and as many ints of
     * -1 follow them (clpool_kernel_scatter_margin); a fresh buffer is filled with -1 before
     * its first use. Else 0. */
    int64_t scratch_margin;
    /* A two-pass global max's block argmaxes in that buffer, or a compacting plan's lane
     * argmaxes: their offset and element size in bytes (clpool_partials_index_size, or an int),
     * else both 0. */
    size_t scratch_index_offset, scratch_index_size;
    /* clSetKernelArg on a shared kernel is not thread-safe, and arguments are captured when the
     * kernel is enqueued: holding this lock from the first clSetKernelArg to the end of
     * clEnqueueNDRangeKernel makes concurrent enqueues of one plan safe. */
    pthread_mutex_t enqueue_lock;
    /* The launch (local_size.c). After creation the sizes change only under enqueue_lock, when
     * the device refuses a work-group size the library chose and a smaller one works. */
    size_t local_size, global_size;
    uint64_t second_items; /* work-items of the second pass */
    size_t second_global_size;
    int local_size_fixed;             /* the caller's options->local_size: never changed */
    int local_size_tuned;             /* taken from the context's tuning file */
    unsigned long local_size_retries; /* launches retried with a smaller size */
    clpool_ndrange_fn ndrange;        /* clEnqueueNDRangeKernel; white-box tests use a fake */
    char tuning_key[CLPOOL_TUNING_KEY_TEXT]; /* "PASS MODE LAYOUT WINDOW" */
    /* A two-dimensional launch (pool_kernels.h, clpool_kernel_lanes): dimension 0 runs over
     * lane_count work-items (the channels, the output's W, the input's W over the stride, or
     * the plane), dimension 1 over lane_rows. The work-group of local_size work-items is split
     * into lane_local[0] x lane_local[1]. */
    int lanes;
    uint64_t lane_count, lane_rows;
    int stepped_lanes;         /* clpool_kernel_stepped_lanes: groups exactly 8 lanes wide */
    size_t preferred_multiple; /* CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE of the kernel */
    size_t lane_global[2], lane_local[2];
    /* A compacting plan's second kernel (compacted) launches two-dimensionally too: dimension 0
     * over the output's W, exactly, dimension 1 over the lane rows. */
    size_t second_lane_global[2], second_lane_local[2];
    clpool_index_type indices; /* CLPOOL_INDEX_NONE unless the kernel writes argmax indices */
    size_t index_size, indices_bytes;
};

#endif
