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

int cli_session_pool(cli_session *s, const clpool_plan *plan, const float *x, float *y, char *err,
                     size_t err_size) {
    size_t in_bytes = 0, out_bytes = 0;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    if (out_bytes == 0)
        return CLI_EXIT_OK;
    cl_int code = CL_SUCCESS;
    int result = CLI_EXIT_OK;
    cl_mem in = clCreateBuffer(s->context, CL_MEM_READ_ONLY, in_bytes, NULL, &code);
    if (code != CL_SUCCESS)
        return cl_failure(code, "clCreateBuffer(input)", err, err_size);
    cl_mem out = clCreateBuffer(s->context, CL_MEM_WRITE_ONLY, out_bytes, NULL, &code);
    if (code != CL_SUCCESS) {
        result = cl_failure(code, "clCreateBuffer(output)", err, err_size);
        goto release_input;
    }
    code = clEnqueueWriteBuffer(s->queue, in, CL_FALSE, 0, in_bytes, x, 0, NULL, NULL);
    if (code != CL_SUCCESS) {
        result = cl_failure(code, "clEnqueueWriteBuffer", err, err_size);
        goto release_output;
    }
    if (clpool_plan_enqueue(plan, s->queue, in, 0, out, 0, 0, NULL, NULL) != CLPOOL_SUCCESS) {
        snprintf(err, err_size, "%s", clpool_last_error());
        result = CLI_EXIT_RUNTIME;
        goto release_output;
    }
    code = clEnqueueReadBuffer(s->queue, out, CL_TRUE, 0, out_bytes, y, 0, NULL, NULL);
    if (code != CL_SUCCESS)
        result = cl_failure(code, "clEnqueueReadBuffer", err, err_size);
release_output:
    clReleaseMemObject(out);
release_input:
    clReleaseMemObject(in);
    return result;
}
