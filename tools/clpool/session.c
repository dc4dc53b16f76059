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

clpool_status cli_session_enqueue(const cli_session *s, const clpool_plan *plan, cli_run_kind kind,
                                  cl_mem const op[CLI_MAX_OPERANDS], cl_event *event) {
    if (kind == CLI_RUN_UNPOOL)
        return clpool_plan_enqueue_unpool(plan, s->queue, op[0], 0, op[1], 0, op[2], 0, op[3], 0, 0,
                                          NULL, event);
    if (kind == CLI_RUN_BACKWARD)
        return clpool_plan_enqueue_backward(plan, s->queue, op[0], 0, op[1], 0, op[2], 0, 0, NULL,
                                            event);
    if (op[2])
        return clpool_plan_enqueue_with_indices(plan, s->queue, op[0], 0, op[1], 0, op[2], 0, 0,
                                                NULL, event);
    return clpool_plan_enqueue(plan, s->queue, op[0], 0, op[1], 0, 0, NULL, event);
}

int cli_session_run(cli_session *s, const clpool_plan *plan, cli_run_kind kind,
                    const cli_operand ops[CLI_MAX_OPERANDS], char *err, size_t err_size) {
    cl_mem op[CLI_MAX_OPERANDS] = {NULL, NULL, NULL, NULL};
    int result = CLI_EXIT_OK;
    for (int i = 0; i < CLI_MAX_OPERANDS && result == CLI_EXIT_OK; ++i) {
        cl_int code = CL_SUCCESS;
        if (ops[i].bytes == 0)
            continue;
        op[i] = clCreateBuffer(s->context, CL_MEM_READ_WRITE, ops[i].bytes, NULL, &code);
        if (code == CL_SUCCESS && !ops[i].written)
            code = clEnqueueWriteBuffer(s->queue, op[i], CL_FALSE, 0, ops[i].bytes, ops[i].host, 0,
                                        NULL, NULL);
        if (code != CL_SUCCESS)
            result = cl_failure(code, "creating and filling a device buffer", err, err_size);
    }
    if (result == CLI_EXIT_OK && cli_session_enqueue(s, plan, kind, op, NULL) != CLPOOL_SUCCESS) {
        snprintf(err, err_size, "%s", clpool_last_error());
        result = CLI_EXIT_RUNTIME;
    }
    for (int i = 0; i < CLI_MAX_OPERANDS && result == CLI_EXIT_OK; ++i) {
        if (!op[i] || !ops[i].written)
            continue;
        const cl_int code = clEnqueueReadBuffer(s->queue, op[i], CL_TRUE, 0, ops[i].bytes,
                                                ops[i].host, 0, NULL, NULL);
        if (code != CL_SUCCESS)
            result = cl_failure(code, "clEnqueueReadBuffer", err, err_size);
    }
    for (int i = 0; i < CLI_MAX_OPERANDS; ++i)
        if (op[i])
            clReleaseMemObject(op[i]);
    return result;
}

int cli_session_pool(cli_session *s, const clpool_plan *plan, const float *x, float *y,
                     int64_t *indices, char *err, size_t err_size) {
    size_t in_bytes = 0, out_bytes = 0, idx_bytes = 0;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    clpool_plan_indices_bytes(plan, &idx_bytes, NULL);
    if (out_bytes == 0)
        return CLI_EXIT_OK;
    const cli_operand ops[CLI_MAX_OPERANDS] = {
        {(void *)x, in_bytes, 0}, {y, out_bytes, 1}, {indices, idx_bytes, 1}, {NULL, 0, 0}};
    return cli_session_run(s, plan, CLI_RUN_FORWARD, ops, err, err_size);
}
