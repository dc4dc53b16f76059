/*
 * clpool_plan_enqueue: check the caller's queue, buffers and wait list, then bind the per-call
 * arguments and enqueue the forward kernel under the plan's lock. Nothing here blocks on the
 * device; an empty output launches nothing but still honours the wait list and the event.
 */
#include "buffer_check.h"
#include "error.h"
#include "forward_kernel.h"
#include "plan.h"

/* N = 0: no kernel, but the caller may wait on the returned event or rely on the wait list. */
static clpool_status enqueue_empty(cl_command_queue queue, cl_uint count, const cl_event *events,
                                   cl_event *event) {
    if (!event && count == 0)
        return CLPOOL_SUCCESS;
    cl_int err = clEnqueueMarkerWithWaitList(queue, count, events, event);
    return err == CL_SUCCESS ? CLPOOL_SUCCESS
                             : clpool_fail_cl(err, "clEnqueueMarkerWithWaitList", "empty output");
}

static clpool_status check_buffers(const clpool_plan *plan, cl_mem input, size_t input_offset,
                                   cl_mem output, size_t output_offset) {
    const clpool_geometry *g = &plan->geometry;
    clpool_buffer_span in_span, out_span;
    clpool_status status =
        clpool_check_buffer(plan->ctx, input, "input", input_offset, g->input_bytes,
                            g->element_size, CLPOOL_ACCESS_READ, &in_span);
    if (status == CLPOOL_SUCCESS)
        status = clpool_check_buffer(plan->ctx, output, "output", output_offset, g->output_bytes,
                                     g->element_size, CLPOOL_ACCESS_WRITE, &out_span);
    if (status == CLPOOL_SUCCESS)
        status = clpool_check_no_overlap(&in_span, "input", &out_span, "output");
    return status;
}

static clpool_status launch(const clpool_plan *plan, cl_command_queue queue, cl_mem input,
                            size_t input_offset, cl_mem output, size_t output_offset, cl_uint count,
                            const cl_event *events, cl_event *event) {
    const cl_ulong in_elements = input_offset / plan->geometry.element_size;
    const cl_ulong out_elements = output_offset / plan->geometry.element_size;
    clpool_plan *locked = (clpool_plan *)plan; /* the lock is the only mutable part */
    pthread_mutex_lock(&locked->enqueue_lock);
    cl_int err = clSetKernelArg(plan->kernel, CLPOOL_FORWARD_ARG_INPUT, sizeof input, &input);
    if (err == CL_SUCCESS)
        err = clSetKernelArg(plan->kernel, CLPOOL_FORWARD_ARG_INPUT_OFFSET, sizeof in_elements,
                             &in_elements);
    if (err == CL_SUCCESS)
        err = clSetKernelArg(plan->kernel, CLPOOL_FORWARD_ARG_OUTPUT, sizeof output, &output);
    if (err == CL_SUCCESS)
        err = clSetKernelArg(plan->kernel, CLPOOL_FORWARD_ARG_OUTPUT_OFFSET, sizeof out_elements,
                             &out_elements);
    const char *call = "clSetKernelArg";
    if (err == CL_SUCCESS) {
        call = "clEnqueueNDRangeKernel";
        err = clEnqueueNDRangeKernel(queue, plan->kernel, 1, NULL, &plan->global_size,
                                     &plan->local_size, count, events, event);
    }
    pthread_mutex_unlock(&locked->enqueue_lock);
    return err == CL_SUCCESS ? CLPOOL_SUCCESS : clpool_fail_cl(err, call, CLPOOL_FORWARD_KERNEL);
}

clpool_status clpool_plan_enqueue(const clpool_plan *plan, cl_command_queue queue, cl_mem input,
                                  size_t input_offset, cl_mem output, size_t output_offset,
                                  cl_uint num_events_in_wait_list, const cl_event *event_wait_list,
                                  cl_event *event) {
    if (event)
        *event = NULL;
    if (!plan)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN, "plan is NULL");
    clpool_status status = clpool_check_wait_list(num_events_in_wait_list, event_wait_list);
    if (status == CLPOOL_SUCCESS)
        status = clpool_check_queue(plan->ctx, queue);
    if (status != CLPOOL_SUCCESS)
        return status;
    if (plan->geometry.output_elements == 0) {
        /* Buffers are optional here, but one that is given must still be right. */
        clpool_buffer_span unused;
        const size_t size = plan->geometry.element_size;
        if (input)
            status = clpool_check_buffer(plan->ctx, input, "input", input_offset, 0, size,
                                         CLPOOL_ACCESS_READ, &unused);
        if (status == CLPOOL_SUCCESS && output)
            status = clpool_check_buffer(plan->ctx, output, "output", output_offset, 0, size,
                                         CLPOOL_ACCESS_WRITE, &unused);
        return status == CLPOOL_SUCCESS
                   ? enqueue_empty(queue, num_events_in_wait_list, event_wait_list, event)
                   : status;
    }
    status = check_buffers(plan, input, input_offset, output, output_offset);
    if (status != CLPOOL_SUCCESS)
        return status;
    return launch(plan, queue, input, input_offset, output, output_offset, num_events_in_wait_list,
                  event_wait_list, event);
}
