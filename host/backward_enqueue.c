/*
 * The backward passes' enqueue entry point: grad_output and aux (the forward's indices, its
 * input, or nothing) are read, grad_input written, all through the shared enqueue path.
 */
#include "enqueue.h"
#include "error.h"

clpool_status clpool_plan_enqueue_backward(const clpool_plan *plan, cl_command_queue queue,
                                           cl_mem grad_output, size_t grad_output_offset,
                                           cl_mem aux, size_t aux_offset, cl_mem grad_input,
                                           size_t grad_input_offset,
                                           cl_uint num_events_in_wait_list,
                                           const cl_event *event_wait_list, cl_event *event) {
    if (event)
        *event = NULL;
    if (!plan)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN, "plan is NULL");
    if (plan->kind == CLPOOL_KERNEL_FORWARD || plan->kind == CLPOOL_KERNEL_UNPOOL)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN,
                           "plan is not a backward plan: enqueue it with %s",
                           plan->kind == CLPOOL_KERNEL_UNPOOL ? "clpool_plan_enqueue_unpool"
                                                              : "clpool_plan_enqueue");
    const clpool_geometry *g = &plan->geometry;
    const int from_indices = plan->kind == CLPOOL_KERNEL_BACKWARD_MAX_INDICES;
    const int avg = plan->kind == CLPOOL_KERNEL_BACKWARD_AVG; /* aux unused: must be NULL */
    const clpool_operand operands[3] = {
        {"grad_output", grad_output, grad_output_offset, g->output_bytes, g->element_size,
         CLPOOL_ACCESS_READ, 1},
        {from_indices ? "indices" : (avg ? "aux" : "input"), aux, aux_offset,
         from_indices ? plan->indices_bytes : g->input_bytes,
         from_indices ? plan->index_size : g->element_size, CLPOOL_ACCESS_READ, !avg},
        {"grad_input", grad_input, grad_input_offset, g->input_bytes, g->element_size,
         CLPOOL_ACCESS_WRITE, 1}};
    return clpool_enqueue_operands(plan, queue, operands, num_events_in_wait_list, event_wait_list,
                                   event);
}
