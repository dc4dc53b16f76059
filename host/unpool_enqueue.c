/*
 * clpool_plan_enqueue_unpool: after the shared checks, fill the output with -1 (and the status
 * word with CLPOOL_SUCCESS), run the elect pass, then the gather pass. Each step waits on the
 * previous one's event rather than on queue order, so out-of-order queues work too; the event
 * returned is the gather pass's, which completes after everything else.
 */
#include "enqueue.h"
#include "error.h"
#include "local_size.h"

/* Binds (buffer, element offset) pairs to a kernel's first arguments. */
static cl_int bind(cl_kernel kernel, const cl_mem *buffers, const cl_ulong *offsets, int count) {
    cl_int err = CL_SUCCESS;
    for (int i = 0; err == CL_SUCCESS && i < count; ++i) {
        err = clSetKernelArg(kernel, (cl_uint)(2 * i), sizeof buffers[i], &buffers[i]);
        if (err == CL_SUCCESS)
            err = clSetKernelArg(kernel, (cl_uint)(2 * i + 1), sizeof offsets[i], &offsets[i]);
    }
    return err;
}

/* The fills: output to -1 ("no value yet"), status to CLPOOL_SUCCESS. */
static cl_int enqueue_fills(const clpool_plan *plan, cl_command_queue queue,
                            const clpool_operand *ops, cl_uint count, const cl_event *events,
                            cl_event fills[2], cl_uint *n_fills) {
    const cl_int none = -1, success = CLPOOL_SUCCESS;
    *n_fills = 0;
    cl_int err = clEnqueueFillBuffer(queue, ops[2].buffer, &none, sizeof none, ops[2].offset,
                                     plan->geometry.input_bytes, count, events, &fills[0]);
    if (err == CL_SUCCESS)
        ++*n_fills;
    if (err == CL_SUCCESS && ops[3].buffer) {
        err = clEnqueueFillBuffer(queue, ops[3].buffer, &success, sizeof success, ops[3].offset,
                                  sizeof success, count, events, &fills[1]);
        if (err == CL_SUCCESS)
            ++*n_fills;
    }
    return err;
}

/* An empty output: nothing to unpool, but the status word still reports CLPOOL_SUCCESS. */
static clpool_status fill_status_only(cl_command_queue queue, const clpool_operand *status,
                                      cl_uint count, const cl_event *events, cl_event *event) {
    const cl_int success = CLPOOL_SUCCESS;
    cl_int err = clEnqueueFillBuffer(queue, status->buffer, &success, sizeof success,
                                     status->offset, sizeof success, count, events, event);
    return err == CL_SUCCESS ? CLPOOL_SUCCESS
                             : clpool_fail_cl(err, "clEnqueueFillBuffer", "unpooling status");
}

static clpool_status launch_unpool(const clpool_plan *plan, cl_command_queue queue,
                                   const clpool_operand *ops, cl_uint count, const cl_event *events,
                                   cl_event *event) {
    cl_event fills[2] = {NULL, NULL}, elected = NULL;
    cl_uint n_fills = 0;
    const cl_mem elect_buffers[3] = {ops[1].buffer, ops[2].buffer, ops[3].buffer};
    const cl_ulong elect_offsets[3] = {ops[1].offset / plan->index_size, ops[2].offset / 4,
                                       ops[3].offset / 4};
    const cl_mem gather_buffers[2] = {ops[0].buffer, ops[2].buffer};
    const cl_ulong gather_offsets[2] = {ops[0].offset / 4, ops[2].offset / 4};
    /* Mutable under the lock: the lock itself, and the launch size a refused launch shrinks. */
    clpool_plan *locked = (clpool_plan *)plan;
    pthread_mutex_lock(&locked->enqueue_lock);
    /* Arguments first: a failure to bind them leaves the caller's buffers untouched. */
    const char *call = "clSetKernelArg";
    cl_int err = bind(plan->kernel, elect_buffers, elect_offsets, 3);
    if (err == CL_SUCCESS)
        err = bind(plan->second_kernel, gather_buffers, gather_offsets, 2);
    if (err == CL_SUCCESS) {
        call = "clEnqueueFillBuffer";
        err = enqueue_fills(plan, queue, ops, count, events, fills, &n_fills);
    }
    if (err == CL_SUCCESS) {
        call = "clEnqueueNDRangeKernel(elect)";
        err = clpool_launch_locked(locked, queue, 0, n_fills, fills, &elected);
    }
    if (err == CL_SUCCESS) {
        call = "clEnqueueNDRangeKernel(gather)";
        err = clpool_launch_locked(locked, queue, 1, 1, &elected, event);
    }
    const clpool_status status =
        err == CL_SUCCESS ? CLPOOL_SUCCESS : clpool_launch_failure(plan, err, call, "unpooling");
    pthread_mutex_unlock(&locked->enqueue_lock);
    for (cl_uint i = 0; i < n_fills; ++i)
        clReleaseEvent(fills[i]);
    if (elected)
        clReleaseEvent(elected);
    return status;
}

clpool_status clpool_plan_enqueue_unpool(const clpool_plan *plan, cl_command_queue queue,
                                         cl_mem values, size_t values_offset, cl_mem indices,
                                         size_t indices_offset, cl_mem output, size_t output_offset,
                                         cl_mem status, size_t status_offset,
                                         cl_uint num_events_in_wait_list,
                                         const cl_event *event_wait_list, cl_event *event) {
    if (event)
        *event = NULL;
    if (!plan)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN, "plan is NULL");
    if (plan->kind != CLPOOL_KERNEL_UNPOOL)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN,
                           "plan is not an unpooling plan (see clpool_unpool_plan_create)");
    const clpool_geometry *g = &plan->geometry;
    const clpool_operand ops[4] = {
        {"values", values, values_offset, g->output_bytes, g->element_size, CLPOOL_ACCESS_READ, 1},
        {"indices", indices, indices_offset, plan->indices_bytes, plan->index_size,
         CLPOOL_ACCESS_READ, 1},
        {"output", output, output_offset, g->input_bytes, g->element_size, CLPOOL_ACCESS_WRITE, 1},
        {"status", status, status_offset, sizeof(cl_int), sizeof(cl_int), CLPOOL_ACCESS_WRITE,
         status != NULL}};
    clpool_status result =
        clpool_check_call(plan, queue, ops, 4, num_events_in_wait_list, event_wait_list);
    if (result != CLPOOL_SUCCESS)
        return result;
    if (g->input_elements == 0)
        return status
                   ? fill_status_only(queue, &ops[3], num_events_in_wait_list, event_wait_list,
                                      event)
                   : clpool_enqueue_marker(queue, num_events_in_wait_list, event_wait_list, event);
    return launch_unpool(plan, queue, ops, num_events_in_wait_list, event_wait_list, event);
}
