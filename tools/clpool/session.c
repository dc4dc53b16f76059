/*
 * Device sessions for the tool's commands: context, queue and one-shot pooling of host arrays,
 * with every OpenCL and clpool status turned into a message and an exit status.
 */
#include "session.h"
#include "cli_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_session_open(const char *spec, int profiling, cli_session *s, char *err, size_t err_size) {
    memset(s, 0, sizeof *s);
    clpool_status status =
        spec ? clpool_context_create_on(spec, &s->ctx) : clpool_context_create_default(&s->ctx);
    if (status == CLPOOL_SUCCESS)
        status = clpool_context_create_queue(s->ctx, profiling, &s->queue);
    if (status != CLPOOL_SUCCESS) {
        snprintf(err, err_size, "%s", clpool_last_error());
        const int usage = status == CLPOOL_ERROR_DEVICE_NOT_FOUND && spec;
        cli_session_close(s);
        return usage ? CLI_EXIT_USAGE : CLI_EXIT_RUNTIME;
    }
    s->context = clpool_context_cl_context(s->ctx);
    s->device = clpool_context_cl_device(s->ctx);
    return CLI_EXIT_OK;
}

void cli_session_close(cli_session *s) {
    if (s->queue)
        clReleaseCommandQueue(s->queue);
    clpool_context_release(s->ctx);
    memset(s, 0, sizeof *s);
}

/* Reports a failed OpenCL call; returns the runtime exit status. */
static int cl_failure(cl_int err_code, const char *call, char *err, size_t err_size) {
    snprintf(err, err_size, "%s failed: %s (%d)", call, clpool_status_name(err_code),
             (int)err_code);
    return CLI_EXIT_RUNTIME;
}

/* Enqueues the plan on in/out (and idx when it writes indices). */
static int enqueue_plan(cli_session *s, const clpool_plan *plan, cl_mem in, cl_mem out, cl_mem idx,
                        char *err, size_t err_size) {
    const clpool_status status =
        idx ? clpool_plan_enqueue_with_indices(plan, s->queue, in, 0, out, 0, idx, 0, 0, NULL, NULL)
            : clpool_plan_enqueue(plan, s->queue, in, 0, out, 0, 0, NULL, NULL);
    if (status == CLPOOL_SUCCESS)
        return CLI_EXIT_OK;
    snprintf(err, err_size, "%s", clpool_last_error());
    return CLI_EXIT_RUNTIME;
}

int cli_session_pool(cli_session *s, const clpool_plan *plan, const float *x, float *y,
                     int64_t *indices, char *err, size_t err_size) {
    size_t in_bytes = 0, out_bytes = 0, idx_bytes = 0;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    clpool_plan_indices_bytes(plan, &idx_bytes, NULL);
    if (out_bytes == 0)
        return CLI_EXIT_OK;
    cl_int code = CL_SUCCESS;
    cl_mem in = NULL, out = NULL, idx = NULL;
    int result = CLI_EXIT_OK;
    in = clCreateBuffer(s->context, CL_MEM_READ_ONLY, in_bytes, NULL, &code);
    if (code != CL_SUCCESS) {
        result = cl_failure(code, "clCreateBuffer(input)", err, err_size);
        goto cleanup;
    }
    out = clCreateBuffer(s->context, CL_MEM_WRITE_ONLY, out_bytes, NULL, &code);
    if (code != CL_SUCCESS) {
        result = cl_failure(code, "clCreateBuffer(output)", err, err_size);
        goto cleanup;
    }
    if (idx_bytes) {
        idx = clCreateBuffer(s->context, CL_MEM_WRITE_ONLY, idx_bytes, NULL, &code);
        if (code != CL_SUCCESS) {
            result = cl_failure(code, "clCreateBuffer(indices)", err, err_size);
            goto cleanup;
        }
    }
    code = clEnqueueWriteBuffer(s->queue, in, CL_FALSE, 0, in_bytes, x, 0, NULL, NULL);
    if (code != CL_SUCCESS) {
        result = cl_failure(code, "clEnqueueWriteBuffer", err, err_size);
        goto cleanup;
    }
    result = enqueue_plan(s, plan, in, out, idx, err, err_size);
    if (result == CLI_EXIT_OK)
        code = clEnqueueReadBuffer(s->queue, out, CL_TRUE, 0, out_bytes, y, 0, NULL, NULL);
    if (result == CLI_EXIT_OK && code == CL_SUCCESS && idx)
        code = clEnqueueReadBuffer(s->queue, idx, CL_TRUE, 0, idx_bytes, indices, 0, NULL, NULL);
    if (result == CLI_EXIT_OK && code != CL_SUCCESS)
        result = cl_failure(code, "clEnqueueReadBuffer", err, err_size);
cleanup:
    if (idx)
        clReleaseMemObject(idx);
    if (out)
        clReleaseMemObject(out);
    if (in)
        clReleaseMemObject(in);
    return result;
}
