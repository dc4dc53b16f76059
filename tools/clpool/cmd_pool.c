/*
 * `clpool pool`: read a .npy tensor, pool it on a device, optionally verify it against the CPU
 * reference, and write the result as .npy. Everything that can be judged without a device (flags,
 * the input file, the pooling parameters) is checked first and fails with exit status 2; only then
 * is a device touched. The output (and the indices) are written last, atomically, so a failed
 * run leaves no file.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_args.h"
#include "commands.h"
#include "compare.h"
#include "npy.h"
#include "npy_tensor.h"
#include "reference.h"
#include "session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ERR_SIZE 2048

/* A loaded input: the array and its descriptors. */
typedef struct pool_job {
    npy_header header;
    float *x, *y;
    int64_t *indices; /* with --indices */
    clpool_tensor_desc input, output;
    clpool_pool_desc pool;
} pool_job;

static int fail(int status, const char *format, const char *detail) {
    fprintf(stderr, "clpool pool: ");
    fprintf(stderr, format, detail);
    fprintf(stderr, "\n");
    return status;
}

/* Flags, input file and parameters: everything decided before a device is used. */
static int prepare(const cli_pool_request *r, pool_job *job, char *err, size_t err_size) {
    if (npy_read_f32(r->input_path, &job->header, &job->x, err, err_size) != 0)
        return fail(CLI_EXIT_USAGE, "%s", err);
    if (npy_tensor_desc(&job->header, r->channels_last, "input", &job->input, err, err_size) != 0 ||
        cli_pool_desc_from_request(r, job->input.spatial_rank, &job->pool, err, err_size) != 0)
        return fail(CLI_EXIT_USAGE, "%s", err);
    if (clpool_pool_output_desc(&job->pool, &job->input, &job->output) != CLPOOL_SUCCESS)
        return fail(CLI_EXIT_USAGE, "%s", clpool_last_error());
    return CLI_EXIT_OK;
}

/* The first index that differs from the reference's, or count. */
static size_t first_index_mismatch(const pool_job *job, size_t count) {
    int64_t *want = malloc((count + 1) * sizeof *want);
    float *values = malloc((count + 1) * sizeof *values);
    size_t i = 0;
    if (want && values && ref_pool_max_indices(&job->pool, &job->input, job->x, values, want) == 0)
        while (i < count && job->indices[i] == want[i])
            ++i;
    free(want);
    free(values);
    return i;
}

/* Compares the device result (and indices) with the CPU reference; exit status 1 on any
 * mismatch. */
static int check_against_reference(const pool_job *job, size_t count) {
    float *want = malloc((count + 1) * sizeof(float)), *scale = malloc((count + 1) * sizeof *scale);
    int status = CLI_EXIT_OK;
    size_t index_mismatch = count;
    if (!want || !scale || ref_pool_forward(&job->pool, &job->input, job->x, want, scale) != 0) {
        status = fail(CLI_EXIT_RUNTIME, "%s", "--check: the CPU reference could not run");
    } else if (job->indices && (index_mismatch = first_index_mismatch(job, count)) < count) {
        char detail[128];
        snprintf(detail, sizeof detail, "index %zu is %lld, the CPU reference's differs",
                 index_mismatch, (long long)job->indices[index_mismatch]);
        status = fail(CLI_EXIT_RUNTIME, "--check failed: %s", detail);
    } else {
        const ref_comparison cmp = ref_compare(job->pool.mode, job->y, want, scale, count);
        if (cmp.mismatches) {
            char detail[256];
            snprintf(detail, sizeof detail,
                     "%zu of %zu outputs differ from the CPU reference; the first at flat index "
                     "%zu: device %.9g, reference %.9g",
                     cmp.mismatches, count, cmp.first_mismatch, job->y[cmp.first_mismatch],
                     want[cmp.first_mismatch]);
            status = fail(CLI_EXIT_RUNTIME, "--check failed: %s", detail);
        }
    }
    free(want);
    free(scale);
    return status;
}

/* A temporary name beside path ("path.partial-PID"), so a rename into place stays in one
 * folder. */
static void partial_name(const char *path, char *out, size_t size) {
    snprintf(out, size, "%s.partial-%ld", path, (long)getpid());
}

/* Writes the output and (if asked for) the indices to temporary files, and renames them into
 * place only once both are written, so a failed run leaves every existing file as it was. */
static int write_outputs(const cli_pool_request *r, const pool_job *job, char *err,
                         size_t err_size) {
    int64_t shape[5];
    npy_tensor_shape(&job->output, shape);
    char out_temp[4096], idx_temp[4096];
    partial_name(r->output_path, out_temp, sizeof out_temp);
    partial_name(r->indices_path ? r->indices_path : r->output_path, idx_temp, sizeof idx_temp);
    int status = npy_write(out_temp, NPY_F32, shape, job->header.ndim, job->y, err, err_size);
    if (status == 0 && r->indices_path &&
        (status = npy_write(idx_temp, NPY_I64, shape, job->header.ndim, job->indices, err,
                            err_size)) != 0)
        remove(out_temp);
    if (status == 0 && rename(out_temp, r->output_path) != 0) {
        snprintf(err, err_size, "%s: cannot rename into place: %s", r->output_path,
                 strerror(errno));
        status = -1;
        remove(out_temp);
        if (r->indices_path)
            remove(idx_temp);
    }
    if (status == 0 && r->indices_path && rename(idx_temp, r->indices_path) != 0) {
        snprintf(err, err_size, "%s: cannot rename into place: %s", r->indices_path,
                 strerror(errno));
        status = -1;
        remove(idx_temp);
    }
    return status == 0 ? CLI_EXIT_OK : fail(CLI_EXIT_RUNTIME, "%s", err);
}

/* Device run, check and output; the input is already validated. */
static int run(const cli_pool_request *r, pool_job *job, char *err, size_t err_size) {
    int64_t count = 0;
    clpool_tensor_desc_size(&job->output, &count, NULL);
    job->y = malloc((size_t)count * sizeof(float) + 1);
    job->indices = r->indices_path ? malloc((size_t)count * sizeof(int64_t) + 1) : NULL;
    if (!job->y || (r->indices_path && !job->indices))
        return fail(CLI_EXIT_RUNTIME, "%s", "out of memory for the output");
    cli_session session;
    int status = cli_session_open(r->device, 0, &session, err, err_size);
    if (status != CLI_EXIT_OK)
        return fail(status, "%s", err);
    clpool_plan *plan = NULL;
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.indices = r->indices_path ? CLPOOL_INDEX_INT64 : CLPOOL_INDEX_NONE;
    if (clpool_plan_create(session.ctx, &job->pool, &job->input, &options, &plan) != CLPOOL_SUCCESS)
        status = fail(CLI_EXIT_RUNTIME, "%s", clpool_last_error());
    else if ((status = cli_session_pool(&session, plan, job->x, job->y, job->indices, err,
                                        err_size)) != 0)
        fail(status, "%s", err);
    clpool_plan_release(plan);
    cli_session_close(&session);
    if (status == CLI_EXIT_OK && r->check)
        status = check_against_reference(job, (size_t)count);
    return status == CLI_EXIT_OK ? write_outputs(r, job, err, err_size) : status;
}

int cli_command_pool(int argc, char **argv) {
    char err[ERR_SIZE];
    cli_pool_request request;
    const cli_parse_result parsed = cli_parse_pool(argc, argv, &request, err, sizeof err);
    if (parsed == CLI_HELP) {
        fputs(cli_pool_help, stdout);
        return CLI_EXIT_OK;
    }
    if (parsed != CLI_PARSED)
        return fail(CLI_EXIT_USAGE, "%s (see 'clpool pool --help')", err);
    pool_job job;
    memset(&job, 0, sizeof job);
    int status = prepare(&request, &job, err, sizeof err);
    if (status == CLI_EXIT_OK)
        status = run(&request, &job, err, sizeof err);
    free(job.x);
    free(job.y);
    free(job.indices);
    return status;
}
