/*
 * `clpool unpool`: max unpooling of .npy files. IN and IDX are read and checked against each other
 * before any device work; the device reports indices outside the output plane through the
 * status word, which makes IDX an unusable input (exit 2) and leaves no OUT behind.
 */
#include "cli_args.h"
#include "commands.h"
#include "npy.h"
#include "npy_tensor.h"
#include "reference.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR_SIZE 2048

typedef struct unpool_job {
    npy_header values_header, indices_header;
    float *values, *output;
    int64_t *indices;
    clpool_tensor_desc desc;
    int64_t out_spatial[CLPOOL_MAX_SPATIAL_RANK];
} unpool_job;

static int fail(int status, const char *format, const char *detail) {
    fprintf(stderr, "clpool unpool: ");
    fprintf(stderr, format, detail);
    fprintf(stderr, "\n");
    return status;
}

/* Everything decided before a device is used: files, shapes, the output size. */
static int prepare(const cli_unpool_request *r, unpool_job *job, char *err, size_t err_size) {
    if (npy_read_f32(r->input_path, &job->values_header, &job->values, err, err_size) != 0 ||
        npy_read_i64(r->indices_path, &job->indices_header, &job->indices, err, err_size) != 0)
        return fail(CLI_EXIT_USAGE, "%s", err);
    int same = job->values_header.ndim == job->indices_header.ndim;
    for (int i = 0; same && i < job->values_header.ndim; ++i)
        same = job->values_header.shape[i] == job->indices_header.shape[i];
    if (!same)
        return fail(CLI_EXIT_USAGE, "%s", "IDX must have IN's shape");
    if (npy_tensor_desc(&job->values_header, r->channels_last, "IN", &job->desc, err, err_size))
        return fail(CLI_EXIT_USAGE, "%s", err);
    const int rank = job->desc.spatial_rank, count = r->output_size.count;
    if (count > 1 && count != rank) {
        snprintf(err, err_size, "--output-size has %d values, but IN has %d spatial dimensions",
                 count, rank);
        return fail(CLI_EXIT_USAGE, "%s", err);
    }
    for (int i = 0; i < rank; ++i)
        job->out_spatial[i] = r->output_size.values[count == 1 ? 0 : i];
    return CLI_EXIT_OK;
}

/* Runs the plan with a status word; an invalid index is reported as a usage error. */
static int run_device(cli_session *s, const clpool_plan *plan, unpool_job *job, char *err,
                      size_t err_size) {
    size_t in_bytes = 0, out_bytes = 0, idx_bytes = 0;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    clpool_plan_indices_bytes(plan, &idx_bytes, NULL);
    if (out_bytes == 0)
        return CLI_EXIT_OK;
    cl_int status_word = CLPOOL_SUCCESS;
    const cli_operand ops[CLI_MAX_OPERANDS] = {{job->values, in_bytes, 0},
                                               {job->indices, idx_bytes, 0},
                                               {job->output, out_bytes, 1},
                                               {&status_word, sizeof status_word, 1}};
    int result = cli_session_run(s, plan, CLI_RUN_UNPOOL, ops, err, err_size);
    if (result == CLI_EXIT_OK && status_word != CLPOOL_SUCCESS) {
        snprintf(err, err_size, "IDX holds an index that is neither -1 nor inside OUT's plane");
        result = CLI_EXIT_USAGE;
    }
    return result;
}

static int check_against_reference(const unpool_job *job, size_t count) {
    float *want = malloc((count + 1) * sizeof *want);
    int status = CLI_EXIT_OK;
    if (!want || ref_max_unpool(&job->desc, job->out_spatial, job->values, job->indices, want))
        status = fail(CLI_EXIT_RUNTIME, "%s", "--check: the CPU reference could not run");
    else if (memcmp(want, job->output, count * sizeof *want) != 0)
        status = fail(CLI_EXIT_RUNTIME, "%s",
                      "--check failed: the output differs from the CPU "
                      "reference");
    free(want);
    return status;
}

static int run(const cli_unpool_request *r, unpool_job *job, char *err, size_t err_size) {
    cli_session session;
    int status = cli_session_open(r->device, 0, &session, err, err_size);
    if (status != CLI_EXIT_OK)
        return fail(status, "%s", err);
    clpool_plan *plan = NULL;
    clpool_tensor_desc out_desc = job->desc;
    for (int i = 0; i < job->desc.spatial_rank; ++i)
        out_desc.spatial[i] = job->out_spatial[i];
    int64_t count = 0;
    const clpool_status created =
        clpool_unpool_plan_create(session.ctx, &job->desc, job->out_spatial, NULL, &plan);
    if (created != CLPOOL_SUCCESS) {
        /* A refused shape is the input's fault (2); anything else is the device's or ours (1). */
        const int usage = created == CLPOOL_ERROR_INVALID_SHAPE ||
                          created == CLPOOL_ERROR_UNSUPPORTED ||
                          created == CLPOOL_ERROR_SIZE_OVERFLOW;
        status = fail(usage ? CLI_EXIT_USAGE : CLI_EXIT_RUNTIME, "%s", clpool_last_error());
    } else if (clpool_tensor_desc_size(&out_desc, &count, NULL) != CLPOOL_SUCCESS ||
               !(job->output = malloc((size_t)count * sizeof(float) + 1))) {
        status = fail(CLI_EXIT_RUNTIME, "%s", "out of memory for OUT");
    } else if ((status = run_device(&session, plan, job, err, err_size)) != CLI_EXIT_OK) {
        fail(status, "%s", err);
    }
    clpool_plan_release(plan);
    cli_session_close(&session);
    if (status == CLI_EXIT_OK && r->check)
        status = check_against_reference(job, (size_t)count);
    int64_t shape[5];
    const int rank = npy_tensor_shape(&out_desc, shape);
    if (status == CLI_EXIT_OK &&
        npy_write(r->output_path, NPY_F32, shape, rank, job->output, err, err_size) != 0)
        status = fail(CLI_EXIT_RUNTIME, "%s", err);
    return status;
}

int cli_command_unpool(int argc, char **argv) {
    char err[ERR_SIZE];
    cli_unpool_request request;
    const cli_parse_result parsed = cli_parse_unpool(argc, argv, &request, err, sizeof err);
    if (parsed == CLI_HELP) {
        fputs(cli_unpool_help, stdout);
        return CLI_EXIT_OK;
    }
    if (parsed != CLI_PARSED)
        return fail(CLI_EXIT_USAGE, "%s (see 'clpool unpool --help')", err);
    unpool_job job;
    memset(&job, 0, sizeof job);
    int status = prepare(&request, &job, err, sizeof err);
    if (status == CLI_EXIT_OK)
        status = run(&request, &job, err, sizeof err);
    free(job.values);
    free(job.indices);
    free(job.output);
    return status;
}
