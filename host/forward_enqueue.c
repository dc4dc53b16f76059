/*
 * clpool_plan_enqueue and clpool_plan_enqueue_with_indices: check the caller's queue, buffers and
 * wait list, then bind the per-call arguments and enqueue the forward kernel under the plan's
 * lock. Nothing here blocks on the device; an empty output launches nothing but still honours the
 * wait list and the event.
 */
#include "buffer_check.h"
#include "error.h"
#include "forward_kernel.h"
#include "plan.h"

/* The caller's buffers for one call; indices is NULL for a plan without indices. */
typedef struct forward_buffers {
    cl_mem input, output, indices;
    size_t input_offset, output_offset, indices_offset;
} forward_buffers;

/* N = 0: no kernel, but the caller may wait on the returned event or rely on the wait list. */
static clpool_status enqueue_empty(cl_command_queue queue, cl_uint count, const cl_event *events,
                                   cl_event *event) {
    if (!event && count == 0)
        return CLPOOL_SUCCESS;
    cl_int err = clEnqueueMarkerWithWaitList(queue, count, events, event);
    return err == CL_SUCCESS ? CLPOOL_SUCCESS
                             : clpool_fail_cl(err, "clEnqueueMarkerWithWaitList", "empty output");
}

/* With nothing to touch, buffers are optional, but one that is given must still be right. */
static clpool_status check_empty_buffers(const clpool_plan *plan, const forward_buffers *b) {
    clpool_buffer_span unused;
    const size_t size = plan->geometry.element_size;
    clpool_status status = CLPOOL_SUCCESS;
    if (b->input)
        status = clpool_check_buffer(plan->ctx, b->input, "input", b->input_offset, 0, size,
                                     CLPOOL_ACCESS_READ, &unused);
    if (status == CLPOOL_SUCCESS && b->output)
        status = clpool_check_buffer(plan->ctx, b->output, "output", b->output_offset, 0, size,
                                     CLPOOL_ACCESS_WRITE, &unused);
    if (status == CLPOOL_SUCCESS && b->indices)
        status = clpool_check_buffer(plan->ctx, b->indices, "indices", b->indices_offset, 0,
                                     plan->index_size, CLPOOL_ACCESS_WRITE, &unused);
    return status;
}

static clpool_status check_buffers(const clpool_plan *plan, const forward_buffers *b) {
    const clpool_geometry *g = &plan->geometry;
    clpool_buffer_span in, out, idx;
    clpool_status status =
        clpool_check_buffer(plan->ctx, b->input, "input", b->input_offset, g->input_bytes,
                            g->element_size, CLPOOL_ACCESS_READ, &in);
    if (status == CLPOOL_SUCCESS)
        status = clpool_check_buffer(plan->ctx, b->output, "output", b->output_offset,
                                     g->output_bytes, g->element_size, CLPOOL_ACCESS_WRITE, &out);
    if (status == CLPOOL_SUCCESS)
        status = clpool_check_no_overlap(&in, "input", &out, "output");
    if (status != CLPOOL_SUCCESS || plan->indices == CLPOOL_INDEX_NONE)
        return status;
    status = clpool_check_buffer(plan->ctx, b->indices, "indices", b->indices_offset,
                                 plan->indices_bytes, plan->index_size, CLPOOL_ACCESS_WRITE, &idx);
    if (status == CLPOOL_SUCCESS)
        status = clpool_check_no_overlap(&in, "input", &idx, "indices");
    if (status == CLPOOL_SUCCESS)
        status = clpool_check_no_overlap(&out, "output", &idx, "indices");
    return status;
}

/* Sets one buffer argument and its element offset. */
static cl_int bind_buffer(cl_kernel kernel, cl_uint index, cl_mem buffer, size_t byte_offset,
                          size_t element_size) {
    const cl_ulong elements = byte_offset / element_size;
    cl_int err = clSetKernelArg(kernel, index, sizeof buffer, &buffer);
    return err == CL_SUCCESS ? clSetKernelArg(kernel, index + 1, sizeof elements, &elements) : err;
}

static clpool_status launch(const clpool_plan *plan, cl_command_queue queue,
                            const forward_buffers *b, cl_uint count, const cl_event *events,
                            cl_event *event) {
    const size_t element = plan->geometry.element_size;
    clpool_plan *locked = (clpool_plan *)plan; /* the lock is the only mutable part */
    pthread_mutex_lock(&locked->enqueue_lock);
    cl_int err =
        bind_buffer(plan->kernel, CLPOOL_FORWARD_ARG_INPUT, b->input, b->input_offset, element);
    if (err == CL_SUCCESS)
        err = bind_buffer(plan->kernel, CLPOOL_FORWARD_ARG_OUTPUT, b->output, b->output_offset,
                          element);
    if (err == CL_SUCCESS && b->indices)
        err = bind_buffer(plan->kernel, CLPOOL_FORWARD_ARG_INDICES, b->indices, b->indices_offset,
                          plan->index_size);
    const char *call = "clSetKernelArg";
    if (err == CL_SUCCESS) {
        call = "clEnqueueNDRangeKernel";
        err = clEnqueueNDRangeKernel(queue, plan->kernel, 1, NULL, &plan->global_size,
                                     &plan->local_size, count, events, event);
    }
    pthread_mutex_unlock(&locked->enqueue_lock);
    return err == CL_SUCCESS ? CLPOOL_SUCCESS : clpool_fail_cl(err, call, CLPOOL_FORWARD_KERNEL);
}

static clpool_status enqueue_forward(const clpool_plan *plan, cl_command_queue queue,
                                     const forward_buffers *b, cl_uint count,
                                     const cl_event *events, cl_event *event) {
    clpool_status status = clpool_check_wait_list(count, events);
    if (status == CLPOOL_SUCCESS)
        status = clpool_check_queue(plan->ctx, queue);
    if (status != CLPOOL_SUCCESS)
        return status;
    if (plan->geometry.output_elements == 0) {
        status = check_empty_buffers(plan, b);
        return status == CLPOOL_SUCCESS ? enqueue_empty(queue, count, events, event) : status;
    }
    status = check_buffers(plan, b);
    return status == CLPOOL_SUCCESS ? launch(plan, queue, b, count, events, event) : status;
}

clpool_status clpool_plan_enqueue(const clpool_plan *plan, cl_command_queue queue, cl_mem input,
                                  size_t input_offset, cl_mem output, size_t output_offset,
                                  cl_uint num_events_in_wait_list, const cl_event *event_wait_list,
                                  cl_event *event) {
    if (event)
        *event = NULL;
    if (!plan)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN, "plan is NULL");
    if (plan->indices != CLPOOL_INDEX_NONE)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN,
                           "plan was created to write indices: enqueue it with "
                           "clpool_plan_enqueue_with_indices");
    const forward_buffers b = {input, output, NULL, input_offset, output_offset, 0};
    return enqueue_forward(plan, queue, &b, num_events_in_wait_list, event_wait_list, event);
}

clpool_status clpool_plan_enqueue_with_indices(const clpool_plan *plan, cl_command_queue queue,
                                               cl_mem input, size_t input_offset, cl_mem output,
                                               size_t output_offset, cl_mem indices,
                                               size_t indices_offset,
                                               cl_uint num_events_in_wait_list,
                                               const cl_event *event_wait_list, cl_event *event) {
    if (event)
        *event = NULL;
    if (!plan)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN, "plan is NULL");
    if (plan->indices == CLPOOL_INDEX_NONE)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN,
                           "plan was created without indices (options->indices = "
                           "CLPOOL_INDEX_NONE): enqueue it with clpool_plan_enqueue");
    const forward_buffers b = {input, output, indices, input_offset, output_offset, indices_offset};
    return enqueue_forward(plan, queue, &b, num_events_in_wait_list, event_wait_list, event);
}
