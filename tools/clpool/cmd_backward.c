/*
 * `clpool backward`: the input gradient of a pooling from .npy files. X (--input) gives the input
 * shape and, for max pooling, the values whose argmax routes each gradient; GRAD_OUT must have
 * the pooled shape. Everything that can be judged without a device is checked first (exit 2),
 * and GRAD_IN is written last, atomically, so a failed run leaves no file.
 */
#include "cli_args.h"
#include "commands.h"
#include "compare.h"
#include "npy.h"
#include "npy_tensor.h"
#include "reference.h"
#include "session.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_SIZE 2048

typedef struct backward_job {
    npy_header x_header, grad_header;
    float *x, *grad_out, *grad_in;
    clpool_tensor_desc input, output;
    clpool_pool_desc pool;
} backward_job;

static int fail(int status, const char *format, const char *detail) {
    fprintf(stderr, "clpool backward: ");
    fprintf(stderr, format, detail);
    fprintf(stderr, "\n");
    return status;
}

/* GRAD_OUT must be shaped like the pooled X, in the same layout. */
static int check_grad_shape(const backward_job *job, char *err, size_t err_size) {
    int64_t want[5];
    const int rank = npy_tensor_shape(&job->output, want);
    int same = job->grad_header.ndim == rank;
    for (int i = 0; same && i < rank; ++i)
        same = job->grad_header.shape[i] == want[i];
    if (same)
        return 0;
    int used = snprintf(err, err_size, "GRAD_OUT has shape (");
    for (int i = 0; i < job->grad_header.ndim && used > 0 && (size_t)used < err_size; ++i)
        used += snprintf(err + used, err_size - (size_t)used, "%s%lld", i ? ", " : "",
                         (long long)job->grad_header.shape[i]);
    for (int i = 0; i < rank && used > 0 && (size_t)used < err_size; ++i)
        used += snprintf(err + used, err_size - (size_t)used, "%s%lld",
                         i ? ", "
                           : "), but the "
                             "pooled input has shape (",
                         (long long)want[i]);
    if (used > 0 && (size_t)used < err_size)
        snprintf(err + used, err_size - (size_t)used, ")");
    return -1;
}

/* Flags, files and parameters: everything decided before a device is used. */
static int prepare(const cli_pool_request *r, backward_job *job, char *err, size_t err_size) {
    if (npy_read_f32(r->forward_input_path, &job->x_header, &job->x, err, err_size) != 0 ||
        npy_read_f32(r->input_path, &job->grad_header, &job->grad_out, err, err_size) != 0)
        return fail(CLI_EXIT_USAGE, "%s", err);
    if (npy_tensor_desc(&job->x_header, r->channels_last, "X", &job->input, err, err_size) != 0 ||
        cli_pool_desc_from_request(r, job->input.spatial_rank, &job->pool, err, err_size) != 0)
        return fail(CLI_EXIT_USAGE, "%s", err);
    if (clpool_pool_output_desc(&job->pool, &job->input, &job->output) != CLPOOL_SUCCESS)
        return fail(CLI_EXIT_USAGE, "%s", clpool_last_error());
    if (check_grad_shape(job, err, err_size) != 0)
        return fail(CLI_EXIT_USAGE, "%s", err);
    return CLI_EXIT_OK;
}

/* The CPU reference gradient, compared like the tests do; exit status 1 on any mismatch. */
static int check_against_reference(const backward_job *job, size_t n_in, size_t n_out) {
    float *want = malloc((n_in + 1) * sizeof *want), *scale = calloc(n_in + 1, sizeof *scale);
    float *magnitude = malloc((n_out + 1) * sizeof *magnitude);
    const int max = job->pool.mode == CLPOOL_MODE_MAX;
    clpool_pool_desc positive = job->pool;
    positive.divisor_override =
        positive.divisor_override < 0 ? -positive.divisor_override : positive.divisor_override;
    for (size_t i = 0; magnitude && i < n_out; ++i)
        magnitude[i] = fabsf(job->grad_out[i]);
    int ran = want && scale && magnitude;
    if (ran && max)
        ran = ref_pool_backward_max_from_input(&job->pool, &job->input, job->x, job->grad_out,
                                               want) == 0;
    else if (ran)
        ran = ref_pool_backward_avg(&job->pool, &job->input, job->grad_out, want) == 0 &&
              ref_pool_backward_avg(&positive, &job->input, magnitude, scale) == 0;
    int status = CLI_EXIT_OK;
    if (!ran) {
        status = fail(CLI_EXIT_RUNTIME, "%s", "--check: the CPU reference could not run");
    } else {
        const ref_comparison cmp = ref_compare(job->pool.mode, job->grad_in, want, scale, n_in);
        if (cmp.mismatches) {
            char detail[160];
            snprintf(detail, sizeof detail,
                     "%zu of %zu gradients differ from the CPU reference; the first at flat "
                     "index %zu",
                     cmp.mismatches, n_in, cmp.first_mismatch);
            status = fail(CLI_EXIT_RUNTIME, "--check failed: %s", detail);
        }
    }
    free(want);
    free(scale);
    free(magnitude);
    return status;
}

static int run(const cli_pool_request *r, backward_job *job, char *err, size_t err_size) {
    int64_t n_in = 0, n_out = 0;
    clpool_tensor_desc_size(&job->input, &n_in, NULL);
    clpool_tensor_desc_size(&job->output, &n_out, NULL);
    job->grad_in = malloc((size_t)n_in * sizeof(float) + 1);
    if (!job->grad_in)
        return fail(CLI_EXIT_RUNTIME, "%s", "out of memory for GRAD_IN");
    cli_session session;
    int status = cli_session_open(r->device, 0, &session, err, err_size);
    if (status != CLI_EXIT_OK)
        return fail(status, "%s", err);
    const int max = job->pool.mode == CLPOOL_MODE_MAX;
    clpool_plan *plan = NULL;
    if (clpool_backward_plan_create(session.ctx, &job->pool, &job->input,
                                    max ? CLPOOL_BACKWARD_MAX_FROM_INPUT : CLPOOL_BACKWARD_AVG,
                                    NULL, &plan) != CLPOOL_SUCCESS) {
        status = fail(CLI_EXIT_RUNTIME, "%s", clpool_last_error());
    } else if (n_in > 0) {
        const size_t in_bytes = (size_t)n_in * sizeof(float);
        const cli_operand ops[CLI_MAX_OPERANDS] = {
            {job->grad_out, (size_t)n_out * sizeof(float), 0},
            {job->x, max ? in_bytes : 0, 0},
            {job->grad_in, in_bytes, 1},
            {NULL, 0, 0}};
        if ((status = cli_session_run(&session, plan, CLI_RUN_BACKWARD, ops, err, err_size)) != 0)
            fail(status, "%s", err);
    }
    clpool_plan_release(plan);
    cli_session_close(&session);
    if (status == CLI_EXIT_OK && r->check)
        status = check_against_reference(job, (size_t)n_in, (size_t)n_out);
    int64_t shape[5];
    const int rank = npy_tensor_shape(&job->input, shape);
    if (status == CLI_EXIT_OK &&
        npy_write(r->output_path, NPY_F32, shape, rank, job->grad_in, err, err_size) != 0)
        status = fail(CLI_EXIT_RUNTIME, "%s", err);
    return status;
}

int cli_command_backward(int argc, char **argv) {
    char err[ERR_SIZE];
    cli_pool_request request;
    const cli_parse_result parsed = cli_parse_backward(argc, argv, &request, err, sizeof err);
    if (parsed == CLI_HELP) {
        fputs(cli_backward_help, stdout);
        return CLI_EXIT_OK;
    }
    if (parsed != CLI_PARSED)
        return fail(CLI_EXIT_USAGE, "%s (see 'clpool backward --help')", err);
    backward_job job;
    memset(&job, 0, sizeof job);
    int status = prepare(&request, &job, err, sizeof err);
    if (status == CLI_EXIT_OK)
        status = run(&request, &job, err, sizeof err);
    free(job.x);
    free(job.grad_out);
    free(job.grad_in);
    return status;
}
