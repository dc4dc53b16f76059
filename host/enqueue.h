/*
 * The enqueue path every plan shares: each kernel takes three buffer operands (pool_kernels.h),
 * described here with their offsets, byte counts and access, so validation and launch are written
 * once. An operand with buffer NULL and `used` 0 is one the plan's kernel does not touch.
 */
#ifndef CLPOOL_HOST_ENQUEUE_H
#define CLPOOL_HOST_ENQUEUE_H

#include "buffer_check.h"
#include "plan.h"

typedef struct clpool_operand {
    const char *name; /* for messages: "input", "grad_output", ... */
    cl_mem buffer;
    size_t offset, bytes, element_size;
    clpool_access access;
    int used; /* 0: the kernel ignores this operand, and buffer must be NULL */
} clpool_operand;

#define CLPOOL_MAX_OPERANDS 4

/* Checks the wait list, the queue and operand_count operands (each written one disjoint from all
 * others), as every enqueue does before touching the device. */
clpool_status clpool_check_call(const clpool_plan *plan, cl_command_queue queue,
                                const clpool_operand *operands, int operand_count, cl_uint count,
                                const cl_event *events);

/* A marker carrying the wait list to the returned event, for calls with nothing to compute. */
clpool_status clpool_enqueue_marker(cl_command_queue queue, cl_uint count, const cl_event *events,
                                    cl_event *event);

/* Checks the wait list, the queue and the three operands, then binds them (operand i at kernel
 * arguments 2i, 2i + 1) and enqueues the plan's kernel under its lock, or, with no work, only a
 * marker for the wait list and the event. */
clpool_status clpool_enqueue_operands(const clpool_plan *plan, cl_command_queue queue,
                                      const clpool_operand operands[3], cl_uint count,
                                      const cl_event *events, cl_event *event);

#endif
