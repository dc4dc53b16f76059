/*
 * Validation and launch for every plan. All checks are host-side queries (no device work), so an
 * enqueue stays cheap; kernel arguments are bound and the kernel enqueued under the plan's lock,
 * because clSetKernelArg on a shared kernel is not thread-safe and arguments are captured at
 * enqueue time. Nothing blocks.
 */
#include "enqueue.h"
#include "error.h"
#include "local_size.h"

#include <stdlib.h>

/* N = 0: no kernel, but the caller may wait on the returned event or rely on the wait list. */
static clpool_status enqueue_marker(cl_command_queue queue, cl_uint count, const cl_event *events,
                                    cl_event *event) {
    if (!event && count == 0)
        return CLPOOL_SUCCESS;
    cl_int err = clEnqueueMarkerWithWaitList(queue, count, events, event);
    return err == CL_SUCCESS ? CLPOOL_SUCCESS
                             : clpool_fail_cl(err, "clEnqueueMarkerWithWaitList", "empty tensor");
}

/* Checks each operand; with no work to do, buffers are optional but one that is given must still
 * be right. Returns the spans for the overlap checks. */
static clpool_status check_operands(const clpool_plan *plan, const clpool_operand *ops, int count,
                                    int has_work, clpool_buffer_span *spans) {
    for (int i = 0; i < count; ++i) {
        const clpool_operand *op = &ops[i];
        spans[i].root = NULL;
        spans[i].begin = spans[i].end = 0;
        spans[i].host_begin = NULL;
        if (!op->used && op->buffer)
            return clpool_fail(CLPOOL_ERROR_INVALID_BUFFER,
                               "%s is not used by this plan's kernel: pass NULL", op->name);
        if (!op->used || (!has_work && !op->buffer))
            continue;
        clpool_status status =
            clpool_check_buffer(plan->ctx, op->buffer, op->name, op->offset,
                                has_work ? op->bytes : 0, op->element_size, op->access, &spans[i]);
        if (status != CLPOOL_SUCCESS)
            return status;
    }
    return CLPOOL_SUCCESS;
}

/* Every written operand must be disjoint from every other operand. */
static clpool_status check_overlaps(const clpool_operand *ops, int count,
                                    const clpool_buffer_span *spans) {
    for (int w = 0; w < count; ++w) {
        if (!ops[w].used || ops[w].access != CLPOOL_ACCESS_WRITE)
            continue;
        for (int o = 0; o < count; ++o) {
            if (o == w || !ops[o].used || (ops[o].access == CLPOOL_ACCESS_WRITE && o < w))
                continue;
            clpool_status status =
                clpool_check_no_overlap(&spans[o], ops[o].name, &spans[w], ops[w].name);
            if (status != CLPOOL_SUCCESS)
                return status;
        }
    }
    return CLPOOL_SUCCESS;
}

static cl_int bind_operands(cl_kernel kernel, const clpool_operand *ops) {
    cl_int err = CL_SUCCESS;
    for (cl_uint i = 0; err == CL_SUCCESS && i < 3; ++i) {
        if (!ops[i].used)
            continue;
        const cl_ulong elements = ops[i].offset / ops[i].element_size;
        err = clSetKernelArg(kernel, 2 * i, sizeof ops[i].buffer, &ops[i].buffer);
        if (err == CL_SUCCESS)
            err = clSetKernelArg(kernel, 2 * i + 1, sizeof elements, &elements);
    }
    return err;
}

/* A plan's operands with the scratch buffer in place of operand slot: the output a two-pass
 * plan's first kernel writes or the input its second reads, or the grad_input slot an index
 * narrowing writes and the indices slot its gather reads. */
static void with_scratch(const clpool_operand *ops, int slot, cl_mem scratch, size_t bytes,
                         clpool_operand *out) {
    for (int i = 0; i < 3; ++i)
        out[i] = ops[i];
    out[slot].buffer = scratch;
    out[slot].offset = 0;
    out[slot].bytes = bytes;
}

/* A new scratch buffer's margins (plan.h: scratch_margin) hold -1, which no kernel writes:
 * the whole buffer is filled once, waiting on nothing (the buffer is new, and the fill must not
 * depend on the caller's events: had one failed, the fill would never run and the kept buffer
 * keep margins of garbage; PoCL also aborted propagating such a failure along the chain).
 * *filled is its event, which the first kernel waits on besides the caller's. */
static cl_int fill_margins(const clpool_plan *plan, cl_command_queue queue, cl_mem buffer,
                           cl_event *filled) {
    const cl_int minus_one = -1;
    return clEnqueueFillBuffer(queue, buffer, &minus_one, sizeof minus_one, 0, plan->scratch_bytes,
                               0, NULL, filled);
}

/* The scratch buffer of a two-pass enqueue on queue, under the plan's lock (plan.h: scratch):
 * the kept one when queue is the in-order queue it was made for, else a new one, which the plan
 * keeps (releasing the old) when queue is in-order. *owned says the caller releases the buffer
 * once its kernels are enqueued: a buffer for an out-of-order queue is never kept. A new buffer
 * with margins is filled (fill_margins), and *filled set. */
static cl_int obtain_scratch(clpool_plan *plan, cl_command_queue queue, cl_mem *out, int *owned,
                             const char **call, cl_event *filled) {
    cl_command_queue_properties properties = 0;
    *call = "clGetCommandQueueInfo(CL_QUEUE_PROPERTIES)";
    cl_int err =
        clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof properties, &properties, NULL);
    if (err != CL_SUCCESS)
        return err;
    *call = "clCreateBuffer";
    const int in_order = !(properties & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE);
    *owned = !in_order;
    if (in_order && plan->scratch && plan->scratch_queue == queue) {
        *out = plan->scratch;
        return CL_SUCCESS;
    }
    cl_mem fresh =
        clCreateBuffer(plan->ctx->context, CL_MEM_READ_WRITE, plan->scratch_bytes, NULL, &err);
    if (err != CL_SUCCESS)
        return err;
    if (plan->scratch_margin) {
        *call = "clEnqueueFillBuffer(margins of the narrowed indices)";
        err = fill_margins(plan, queue, fresh, filled);
        if (err != CL_SUCCESS) {
            clReleaseMemObject(fresh);
            return err;
        }
    }
    if (in_order) {
        if (plan->scratch)
            clReleaseMemObject(plan->scratch);
        plan->scratch = fresh;
        plan->scratch_queue = queue;
    }
    *out = fresh;
    return CL_SUCCESS;
}

/* The plan's kernel, then, for a plan with a second pass (a forward plan's edge rows or copy of
 * compacted lanes, or a two-pass global pooling), the second kernel, waiting on the first, and
 * for a compacting plan with edge rows a third, waiting on the second: the event returned is the
 * last one's, which completes after all, on in-order and out-of-order queues alike. A plan that
 * narrows its indices runs its second kernel first and returns the gather's event, and so does a
 * scattered max backward plan (its fill, then its scatter). A two-pass plan's kernels meet in a
 * scratch buffer (obtain_scratch). */
static clpool_status launch(const clpool_plan *plan, cl_command_queue queue,
                            const clpool_operand *ops, cl_uint count, const cl_event *events,
                            cl_event *event) {
    /* Mutable under the lock: the lock itself, and the launch size a refused launch shrinks. */
    clpool_plan *locked = (clpool_plan *)plan;
    const int two_kernels = plan->second_kernel != NULL;
    cl_int err = CL_SUCCESS;
    cl_mem scratch = NULL;
    cl_event filled = NULL;
    /* The first kernel's wait list when a fill of margins joins the caller's events. */
    cl_event *waits = NULL;
    int owned = 0;
    clpool_operand first_ops[3], second_ops[3], mirrored_ops[3];
    const char *call = NULL;
    if (plan->kernel_kind != plan->kind) {
        /* A mirrored average backward plan runs the forward kernel: grad_output is its input,
         * grad_input its output (plan.h: kernel_geometry); the unused aux goes to the indices. */
        mirrored_ops[0] = ops[0];
        mirrored_ops[1] = ops[2];
        mirrored_ops[2] = ops[1];
        ops = mirrored_ops;
    }
    const clpool_operand *caller_ops = ops; /* before any scratch buffer takes a slot */
    pthread_mutex_lock(&locked->enqueue_lock);
    if (plan->scratch_bytes) {
        err = obtain_scratch(locked, queue, &scratch, &owned, &call, &filled);
        if (err != CL_SUCCESS) {
            pthread_mutex_unlock(&locked->enqueue_lock);
            return clpool_fail_cl(err, call,
                                  plan->narrow_indices || plan->scattered
                                      ? "the scratch buffer of the narrowed indices"
                                      : (plan->compacted
                                             ? "the scratch buffer of the compacted lanes"
                                             : "the two-pass global pooling's scratch buffer"));
        }
    }
    if (plan->scattered && scratch) {
        /* The fill narrows the indices into the scratch buffer through the grad_output slot,
         * which it does not otherwise use; the scatter reads them in place of the indices. */
        with_scratch(ops, 0, scratch, plan->scratch_bytes, second_ops);
        with_scratch(ops, 1, scratch, plan->scratch_bytes, first_ops);
        first_ops[1].element_size = second_ops[0].element_size = sizeof(cl_int);
        first_ops[1].offset = second_ops[0].offset = (size_t)plan->scratch_margin * sizeof(cl_int);
        ops = first_ops;
        if (filled) { /* the fill kernel waits on the caller's events and the margins' fill */
            waits = malloc(((size_t)count + 1) * sizeof *waits);
            if (!waits) {
                /* The margins' fill stays enqueued: it writes only the scratch buffer. */
                pthread_mutex_unlock(&locked->enqueue_lock);
                clReleaseEvent(filled);
                if (owned)
                    clReleaseMemObject(scratch);
                return clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY,
                                   "allocating a wait list of %u events and the margins' fill",
                                   count + 1);
            }
            for (cl_uint i = 0; i < count; ++i)
                waits[i] = events[i];
            waits[count++] = filled;
            events = waits;
        }
    } else if (plan->narrow_indices) {
        /* The narrowing writes the scratch buffer where grad_input would be; the gather reads it
         * in place of the caller's indices. */
        with_scratch(ops, 2, scratch, plan->scratch_bytes, second_ops);
        with_scratch(ops, 1, scratch, plan->scratch_bytes, first_ops);
        first_ops[1].element_size = second_ops[2].element_size = sizeof(cl_int);
        ops = first_ops;
    } else if (plan->scratch_bytes) {
        with_scratch(ops, 1, scratch,
                     plan->scratch_index_offset ? plan->scratch_index_offset : plan->scratch_bytes,
                     first_ops);
        with_scratch(ops, 0, scratch, plan->scratch_bytes, second_ops);
        if (plan->scratch_index_size) { /* block or lane argmaxes too */
            first_ops[2] = first_ops[1];
            first_ops[2].offset = plan->scratch_index_offset;
            first_ops[2].bytes = plan->scratch_bytes - plan->scratch_index_offset;
            first_ops[2].element_size = plan->scratch_index_size;
        }
        ops = first_ops;
    }
    cl_event first = NULL, second = NULL;
    call = "clSetKernelArg";
    err = bind_operands(plan->kernel, ops);
    if (err == CL_SUCCESS && two_kernels)
        err = bind_operands(plan->second_kernel, scratch ? second_ops : ops);
    if (err == CL_SUCCESS && plan->edge_kernel)
        err = bind_operands(plan->edge_kernel, caller_ops);
    if (err == CL_SUCCESS && (plan->narrow_indices || plan->scattered)) {
        call = plan->narrow_indices ? "clEnqueueNDRangeKernel(narrowing of the indices)"
                                    : "clEnqueueNDRangeKernel(fill of grad_input)";
        err = clpool_launch_locked(locked, queue, 1, count, events, &first);
        if (err == CL_SUCCESS) {
            call = "clEnqueueNDRangeKernel";
            err = clpool_launch_locked(locked, queue, 0, 1, &first, event);
        }
    } else if (err == CL_SUCCESS) {
        call = "clEnqueueNDRangeKernel";
        err = clpool_launch_locked(locked, queue, 0, count, events, two_kernels ? &first : event);
        if (err == CL_SUCCESS && two_kernels) {
            call = plan->compacted ? "clEnqueueNDRangeKernel(compaction of the lanes)"
                   : scratch       ? "clEnqueueNDRangeKernel(merge of block results)"
                                   : "clEnqueueNDRangeKernel(second pass)";
            err = clpool_launch_locked(locked, queue, CLPOOL_LAUNCH_SECOND, 1, &first,
                                       plan->edge_kernel ? &second : event);
        }
        if (err == CL_SUCCESS && plan->edge_kernel) {
            call = "clEnqueueNDRangeKernel(edge rows)";
            err = clpool_launch_locked(locked, queue, CLPOOL_LAUNCH_EDGE, 1, &second, event);
        }
    }
    if (first)
        clReleaseEvent(first);
    if (second)
        clReleaseEvent(second);
    if (filled)
        clReleaseEvent(filled);
    free(waits);
    const clpool_status status = err == CL_SUCCESS
                                     ? CLPOOL_SUCCESS
                                     : clpool_launch_failure(plan, err, call, "pooling kernel");
    pthread_mutex_unlock(&locked->enqueue_lock);
    if (owned)
        clReleaseMemObject(scratch); /* freed once the enqueued kernels have finished */
    return status;
}

clpool_status clpool_check_call(const clpool_plan *plan, cl_command_queue queue,
                                const clpool_operand *operands, int operand_count, cl_uint count,
                                const cl_event *events) {
    clpool_buffer_span spans[CLPOOL_MAX_OPERANDS];
    const int has_work = plan->work_items > 0;
    clpool_status status = clpool_check_wait_list(count, events);
    if (status == CLPOOL_SUCCESS)
        status = clpool_check_queue(plan->ctx, queue);
    if (status == CLPOOL_SUCCESS)
        status = check_operands(plan, operands, operand_count, has_work, spans);
    if (status == CLPOOL_SUCCESS && has_work)
        status = check_overlaps(operands, operand_count, spans);
    return status;
}

clpool_status clpool_enqueue_marker(cl_command_queue queue, cl_uint count, const cl_event *events,
                                    cl_event *event) {
    return enqueue_marker(queue, count, events, event);
}

clpool_status clpool_enqueue_operands(const clpool_plan *plan, cl_command_queue queue,
                                      const clpool_operand operands[3], cl_uint count,
                                      const cl_event *events, cl_event *event) {
    clpool_status status = clpool_check_call(plan, queue, operands, 3, count, events);
    if (status != CLPOOL_SUCCESS)
        return status;
    return plan->work_items > 0 ? launch(plan, queue, operands, count, events, event)
                                : enqueue_marker(queue, count, events, event);
}
