/*
 * Validation of the caller's queue, buffers and wait list at enqueue time. These are host-side
 * queries only (no device work), so an enqueue stays cheap, and every failure names the argument,
 * its value and what it should have been.
 */
#include "buffer_check.h"
#include "error.h"

#include <stdint.h>

clpool_status clpool_check_wait_list(cl_uint count, const cl_event *events) {
    if (count > 0 && !events)
        return clpool_fail(CLPOOL_ERROR_INVALID_WAIT_LIST,
                           "num_events_in_wait_list = %u but event_wait_list is NULL", count);
    if (count == 0 && events)
        return clpool_fail(CLPOOL_ERROR_INVALID_WAIT_LIST,
                           "event_wait_list is not NULL but num_events_in_wait_list = 0");
    for (cl_uint i = 0; i < count; ++i)
        if (!events[i])
            return clpool_fail(CLPOOL_ERROR_INVALID_WAIT_LIST, "event_wait_list[%u] is NULL", i);
    return CLPOOL_SUCCESS;
}

clpool_status clpool_check_queue(const clpool_context *ctx, cl_command_queue queue) {
    if (!queue)
        return clpool_fail(CLPOOL_ERROR_INVALID_QUEUE, "queue is NULL");
    cl_context context = NULL;
    cl_device_id device = NULL;
    cl_int err = clGetCommandQueueInfo(queue, CL_QUEUE_CONTEXT, sizeof context, &context, NULL);
    if (err == CL_SUCCESS)
        err = clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof device, &device, NULL);
    if (err != CL_SUCCESS)
        return clpool_fail(CLPOOL_ERROR_INVALID_QUEUE,
                           "queue %p is not a usable command queue: clGetCommandQueueInfo failed "
                           "with %s (%d)",
                           (void *)queue, clpool_status_name(err), (int)err);
    if (context != ctx->context)
        return clpool_fail(CLPOOL_ERROR_INVALID_QUEUE,
                           "queue %p belongs to context %p, not to the plan's context %p",
                           (void *)queue, (void *)context, (void *)ctx->context);
    if (device != ctx->device)
        return clpool_fail(CLPOOL_ERROR_INVALID_QUEUE,
                           "queue %p is on device %p, not on the plan's device %p", (void *)queue,
                           (void *)device, (void *)ctx->device);
    return CLPOOL_SUCCESS;
}

typedef struct buffer_facts {
    cl_context context;
    cl_mem_object_type type;
    cl_mem_flags flags;
    size_t size;
    cl_mem parent;
    size_t parent_offset;
    void *host_ptr;
} buffer_facts;

static cl_int read_buffer_facts(cl_mem buffer, buffer_facts *f) {
    cl_int err = clGetMemObjectInfo(buffer, CL_MEM_CONTEXT, sizeof f->context, &f->context, NULL);
    if (err == CL_SUCCESS)
        err = clGetMemObjectInfo(buffer, CL_MEM_TYPE, sizeof f->type, &f->type, NULL);
    if (err == CL_SUCCESS)
        err = clGetMemObjectInfo(buffer, CL_MEM_FLAGS, sizeof f->flags, &f->flags, NULL);
    if (err == CL_SUCCESS)
        err = clGetMemObjectInfo(buffer, CL_MEM_SIZE, sizeof f->size, &f->size, NULL);
    if (err == CL_SUCCESS)
        err = clGetMemObjectInfo(buffer, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof f->parent, &f->parent,
                                 NULL);
    if (err == CL_SUCCESS)
        err = clGetMemObjectInfo(buffer, CL_MEM_OFFSET, sizeof f->parent_offset, &f->parent_offset,
                                 NULL);
    if (err == CL_SUCCESS)
        err = clGetMemObjectInfo(buffer, CL_MEM_HOST_PTR, sizeof f->host_ptr, &f->host_ptr, NULL);
    return err;
}

static clpool_status check_access(cl_mem_flags flags, clpool_access access, const char *name) {
    if ((access & CLPOOL_ACCESS_WRITE) && (flags & CL_MEM_READ_ONLY))
        return clpool_fail(CLPOOL_ERROR_INVALID_BUFFER,
                           "%s was created CL_MEM_READ_ONLY, but this call writes it", name);
    if ((access & CLPOOL_ACCESS_READ) && (flags & CL_MEM_WRITE_ONLY))
        return clpool_fail(CLPOOL_ERROR_INVALID_BUFFER,
                           "%s was created CL_MEM_WRITE_ONLY, but this call reads it", name);
    return CLPOOL_SUCCESS;
}

clpool_status clpool_check_buffer(const clpool_context *ctx, cl_mem buffer, const char *name,
                                  size_t offset, size_t bytes, size_t element_size,
                                  clpool_access access, clpool_buffer_span *span) {
    if (!buffer)
        return clpool_fail(CLPOOL_ERROR_INVALID_BUFFER, "%s is NULL", name);
    buffer_facts f;
    cl_int err = read_buffer_facts(buffer, &f);
    if (err != CL_SUCCESS)
        return clpool_fail(CLPOOL_ERROR_INVALID_BUFFER,
                           "%s %p is not a usable cl_mem: clGetMemObjectInfo failed with %s (%d)",
                           name, (void *)buffer, clpool_status_name(err), (int)err);
    if (f.context != ctx->context)
        return clpool_fail(CLPOOL_ERROR_INVALID_BUFFER,
                           "%s %p belongs to context %p, not to the plan's context %p", name,
                           (void *)buffer, (void *)f.context, (void *)ctx->context);
    if (f.type != CL_MEM_OBJECT_BUFFER)
        return clpool_fail(CLPOOL_ERROR_INVALID_BUFFER, "%s %p is an image, not a buffer", name,
                           (void *)buffer);
    clpool_status status = check_access(f.flags, access, name);
    if (status != CLPOOL_SUCCESS)
        return status;
    if (offset % element_size != 0)
        return clpool_fail(CLPOOL_ERROR_INVALID_OFFSET,
                           "%s offset = %zu bytes is not a multiple of the element size %zu", name,
                           offset, element_size);
    if (offset > f.size || bytes > f.size - offset)
        return clpool_fail(CLPOOL_ERROR_BUFFER_TOO_SMALL,
                           "%s holds %zu bytes, but the call touches bytes [%zu, %zu + %zu)", name,
                           f.size, offset, offset, bytes);
    span->root = f.parent ? f.parent : buffer;
    span->begin = (f.parent ? f.parent_offset : 0) + offset;
    span->end = span->begin + bytes;
    /* A sub-buffer's CL_MEM_HOST_PTR already includes its origin. */
    span->host_begin =
        (f.flags & CL_MEM_USE_HOST_PTR) && f.host_ptr ? (const char *)f.host_ptr + offset : NULL;
    return CLPOOL_SUCCESS;
}

/* Whether the non-empty byte ranges [a, a + a_size) and [b, b + b_size) intersect. */
static int ranges_meet(uintptr_t a, size_t a_size, uintptr_t b, size_t b_size) {
    return a_size && b_size && a < b + b_size && b < a + a_size;
}

clpool_status clpool_check_no_overlap(const clpool_buffer_span *a, const char *a_name,
                                      const clpool_buffer_span *b, const char *b_name) {
    const size_t a_size = a->end - a->begin, b_size = b->end - b->begin;
    if (a->root == b->root && ranges_meet(a->begin, a_size, b->begin, b_size))
        return clpool_fail(CLPOOL_ERROR_BUFFER_OVERLAP,
                           "%s bytes [%zu, %zu) and %s bytes [%zu, %zu) overlap in buffer %p",
                           a_name, a->begin, a->end, b_name, b->begin, b->end, (void *)a->root);
    if (a->host_begin && b->host_begin &&
        ranges_meet((uintptr_t)a->host_begin, a_size, (uintptr_t)b->host_begin, b_size))
        return clpool_fail(CLPOOL_ERROR_BUFFER_OVERLAP,
                           "%s and %s are CL_MEM_USE_HOST_PTR buffers over overlapping host "
                           "memory (%p + %zu and %p + %zu bytes)",
                           a_name, b_name, (const void *)a->host_begin, a_size,
                           (const void *)b->host_begin, b_size);
    return CLPOOL_SUCCESS;
}
