/*
 * The forward pass's enqueue entry points: they describe input, output and (optionally) indices
 * as the kernel's three operands and hand them to the shared enqueue path.
 */
#include "enqueue.h"
#include "error.h"

static clpool_status enqueue_forward(const clpool_plan *plan, cl_command_queue queue, cl_mem input,
                                     size_t input_offset, cl_mem output, size_t output_offset,
                                     cl_mem indices, size_t indices_offset, cl_uint count,
                                     const cl_event *events, cl_event *event) {
    const clpool_geometry *g = &plan->geometry;
    const clpool_operand operands[3] = {
        {"input", input, input_offset, g->input_bytes, g->element_size, CLPOOL_ACCESS_READ, 1},
        {"output", output, output_offset, g->output_bytes, g->element_size, CLPOOL_ACCESS_WRITE, 1},
        {"indices", indices, indices_offset, plan->indices_bytes, plan->index_size,
         CLPOOL_ACCESS_WRITE, plan->indices != CLPOOL_INDEX_NONE}};
    return clpool_enqueue_operands(plan, queue, operands, count, events, event);
}

/* A forward plan, with or without indices as the call expects; else CLPOOL_ERROR_INVALID_PLAN. */
static clpool_status check_forward_plan(const clpool_plan *plan, int with_indices) {
    if (!plan)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN, "plan is NULL");
    if (plan->kind == CLPOOL_KERNEL_UNPOOL)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN,
                           "plan is an unpooling plan: enqueue it with clpool_plan_enqueue_unpool");
    if (plan->kind != CLPOOL_KERNEL_FORWARD)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN,
                           "plan is a backward plan: enqueue it with clpool_plan_enqueue_backward");
    if (with_indices && plan->indices == CLPOOL_INDEX_NONE)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN,
                           "plan was created without indices (options->indices = "
                           "CLPOOL_INDEX_NONE): enqueue it with clpool_plan_enqueue");
    if (!with_indices && plan->indices != CLPOOL_INDEX_NONE)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN,
                           "plan was created to write indices: enqueue it with "
                           "clpool_plan_enqueue_with_indices");
    return CLPOOL_SUCCESS;
}

clpool_status clpool_plan_enqueue(const clpool_plan *plan, cl_command_queue queue, cl_mem input,
                                  size_t input_offset, cl_mem output, size_t output_offset,
                                  cl_uint num_events_in_wait_list, const cl_event *event_wait_list,
                                  cl_event *event) {
    if (event)
        *event = NULL;
    clpool_status status = check_forward_plan(plan, 0);
    return status != CLPOOL_SUCCESS
               ? status
               : enqueue_forward(plan, queue, input, input_offset, output, output_offset, NULL, 0,
                                 num_events_in_wait_list, event_wait_list, event);
}

clpool_status clpool_plan_enqueue_with_indices(const clpool_plan *plan, cl_command_queue queue,
                                               cl_mem input, size_t input_offset, cl_mem output,
                                               size_t output_offset, cl_mem indices,
                                               size_t indices_offset,
                                               cl_uint num_events_in_wait_list,
                                               const cl_event *event_wait_list, cl_event *event) {
    if (event)
        *event = NULL;
    clpool_status status = check_forward_plan(plan, 1);
    return status != CLPOOL_SUCCESS
               ? status
               : enqueue_forward(plan, queue, input, input_offset, output, output_offset, indices,
                                 indices_offset, num_events_in_wait_list, event_wait_list, event);
}
