/*
 * The tool's device plumbing, shared by its commands: a context on the device a spec names, a
 * queue, and a blocking "pool this host array" for the pool command. Failures come back as the
 * tool's exit status with a message: a --device that matches nothing is a usage error (2),
 * anything the device or runtime does wrong is 1.
 */
#ifndef CLPOOL_TOOLS_SESSION_H
#define CLPOOL_TOOLS_SESSION_H

#include <clpool/clpool.h>

#include <stddef.h>

typedef struct cli_session {
    clpool_context *ctx;
    cl_context context;
    cl_device_id device;
    cl_command_queue queue;
} cli_session;

/* Opens a session on spec (NULL: CLPOOL_DEVICE or the default rules). Returns an exit status. */
int cli_session_open(const char *spec, int profiling, cli_session *session, char *err,
                     size_t err_size);

void cli_session_close(cli_session *session);

typedef enum cli_run_kind { CLI_RUN_FORWARD, CLI_RUN_BACKWARD, CLI_RUN_UNPOOL } cli_run_kind;

/* The most operands a plan takes: unpooling's values, indices, output and status word. */
#define CLI_MAX_OPERANDS 4

/* Enqueues plan on device buffers in its kernel's operand order (forward: input, output and
 * indices, NULL for none; backward: grad_output, aux, grad_input; unpooling: values, indices,
 * output, status), returning an event in *event when event is not NULL. */
clpool_status cli_session_enqueue(const cli_session *session, const clpool_plan *plan,
                                  cli_run_kind kind, cl_mem const op[CLI_MAX_OPERANDS],
                                  cl_event *event);

/* One of a plan's operands on the host: bytes 0 for one the plan does not use; written 1 for one
 * the kernel writes (read back into host), 0 for one it reads (uploaded from host). */
typedef struct cli_operand {
    void *host;
    size_t bytes;
    int written;
} cli_operand;

/* Runs plan on device copies of the operands (in cli_session_enqueue's order), blocking until
 * the written ones are back. Returns an exit status. */
int cli_session_run(cli_session *session, const clpool_plan *plan, cli_run_kind kind,
                    const cli_operand ops[CLI_MAX_OPERANDS], char *err, size_t err_size);

/* Pools x into y with plan, blocking until y is on the host; for a plan with int64 indices also
 * into indices (else indices is ignored and may be NULL). Returns an exit status. */
int cli_session_pool(cli_session *session, const clpool_plan *plan, const float *x, float *y,
                     int64_t *indices, char *err, size_t err_size);

#endif
