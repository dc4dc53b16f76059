/*
 * Checks an enqueue makes on the caller's OpenCL objects before touching them: the queue and each
 * buffer belong to the plan's context (and device), offsets are aligned, every byte the call will
 * touch lies inside the buffer, and no output range overlaps an input range. Shared by every
 * operation so they all refuse bad input the same way.
 */
#ifndef CLPOOL_HOST_BUFFER_CHECK_H
#define CLPOOL_HOST_BUFFER_CHECK_H

#include "context.h"

/* Where a range of a buffer lives: its root buffer and absolute byte range within it, and for a
 * CL_MEM_USE_HOST_PTR buffer the host memory behind the range (two buffers made over one host
 * array alias each other without sharing a root). */
typedef struct clpool_buffer_span {
    cl_mem root;
    size_t begin, end;
    const char *host_begin; /* NULL unless the buffer uses host memory */
} clpool_buffer_span;

typedef enum clpool_access { CLPOOL_ACCESS_READ = 1, CLPOOL_ACCESS_WRITE = 2 } clpool_access;

clpool_status clpool_check_wait_list(cl_uint count, const cl_event *events);

clpool_status clpool_check_queue(const clpool_context *ctx, cl_command_queue queue);

/* Checks buffer (named name in messages) for bytes at offset with the given access, and returns
 * its span. */
clpool_status clpool_check_buffer(const clpool_context *ctx, cl_mem buffer, const char *name,
                                  size_t offset, size_t bytes, size_t element_size,
                                  clpool_access access, clpool_buffer_span *span);

/* Fails with CLPOOL_ERROR_BUFFER_OVERLAP when the two non-empty spans share a byte. */
clpool_status clpool_check_no_overlap(const clpool_buffer_span *a, const char *a_name,
                                      const clpool_buffer_span *b, const char *b_name);

#endif
