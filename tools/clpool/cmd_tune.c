/*
 * `clpool tune`: times every benchmark row at every candidate work-group size (tune_measure.c),
 * groups the rows by their plans' tuning key, and picks per key the size with the best geometric
 * mean time over the key's rows, so a large layer cannot outvote the small ones. The built-in
 * choice stays unless another size beats it by more than the noise of a shared machine. The
 * table shows every score; --output writes the choices as a tuning file through the library,
 * which owns the format.
 */
#include "cli_args.h"
#include "commands.h"
#include "tune_measure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ERR_SIZE = 2048 };

/* Another size replaces the built-in choice only when it is faster by more than this factor. */
#define KEEP_BUILTIN_WITHIN 1.03

typedef struct tune_key {
    const char *key; /* a row's key text */
    size_t rows;
    double log_sum[TUNE_MAX_SIZES]; /* of the rows' times at each size */
    size_t counted[TUNE_MAX_SIZES]; /* rows that ran at each size */
    size_t builtin;                 /* the rows' built-in size; 0 when they differ */
    double builtin_log_sum;
    size_t builtin_counted;
    size_t choice;  /* 0: no size ran on every row */
    double speedup; /* the built-in choice's score over the choice's */
} tune_key;

/* Adds a measured row to its key, appending the key when new; returns the key count. */
static size_t add_row(const tune_run *run, const tune_row *t, tune_key *keys, size_t n_keys) {
    size_t k = 0;
    while (k < n_keys && strcmp(keys[k].key, t->key) != 0)
        ++k;
    tune_key *key = &keys[k];
    if (k == n_keys) {
        memset(key, 0, sizeof *key);
        key->key = t->key;
        key->builtin = t->builtin;
        ++n_keys;
    }
    ++key->rows;
    if (key->builtin != t->builtin)
        key->builtin = 0;
    for (int i = 0; i < run->n_sizes; ++i) {
        if (t->ms[i] <= 0)
            continue;
        key->log_sum[i] += log(t->ms[i]);
        ++key->counted[i];
        if (run->sizes[i] == t->builtin) {
            key->builtin_log_sum += log(t->ms[i]);
            ++key->builtin_counted;
        }
    }
    return n_keys;
}

/* The key's score at size index i (geometric mean ms), or -1 unless every row ran at it. */
static double score(const tune_key *key, int i) {
    return key->counted[i] == key->rows ? exp(key->log_sum[i] / (double)key->rows) : -1.0;
}

static void choose(const tune_run *run, tune_key *key) {
    int best = -1;
    for (int i = 0; i < run->n_sizes; ++i)
        if (score(key, i) > 0 && (best < 0 || score(key, i) < score(key, best)))
            best = i;
    if (best < 0)
        return;
    key->choice = run->sizes[best];
    if (key->builtin_counted != key->rows)
        return;
    const double builtin = exp(key->builtin_log_sum / (double)key->rows);
    key->speedup = builtin / score(key, best);
    if (key->builtin && key->speedup <= KEEP_BUILTIN_WITHIN) {
        key->choice = key->builtin;
        key->speedup = 1.0;
    }
}

static void print_table(const tune_run *run, const tune_key *keys, size_t n_keys) {
    char device[512] = "";
    clpool_context_describe(run->session.ctx, device, sizeof device);
    printf("clpool %s tune on %s\nbatch %lld, float32, specialised kernels; score: geometric mean "
           "over the key's rows of\neach row's median of %d runs after 3 warm-ups, in ms (* the "
           "built-in choice, - did not run)\n\n%-48s %4s",
           clpool_version_string(), device, (long long)run->batch, run->reps, "key", "rows");
    for (int i = 0; i < run->n_sizes; ++i)
        printf(" %8zu ", run->sizes[i]);
    printf(" %6s  %s\n", "choice", "vs built-in");
    for (size_t k = 0; k < n_keys; ++k) {
        const tune_key *key = &keys[k];
        printf("%-48s %4zu", key->key, key->rows);
        for (int i = 0; i < run->n_sizes; ++i) {
            const char mark = run->sizes[i] == key->builtin ? '*' : ' ';
            if (score(key, i) > 0)
                printf(" %8.4f%c", score(key, i), mark);
            else
                printf(" %8s%c", "-", mark);
        }
        if (!key->choice)
            printf(" %6s  no size ran on every row\n", "-");
        else if (key->speedup > 0 && key->choice == key->builtin)
            printf(" %6zu  built-in kept\n", key->choice);
        else if (key->speedup > 0)
            printf(" %6zu  %.2fx faster\n", key->choice, key->speedup);
        else
            printf(" %6zu  built-in did not run\n", key->choice);
    }
}

/* Writes the keys' choices as a tuning file; returns an exit status. */
static int write_choices(const tune_run *run, const tune_key *keys, size_t n_keys,
                         const char *path) {
    const char **texts = calloc(n_keys + 1, sizeof *texts);
    size_t *sizes = calloc(n_keys + 1, sizeof *sizes), count = 0;
    clpool_status status = CLPOOL_ERROR_OUT_OF_HOST_MEMORY;
    if (texts && sizes) {
        for (size_t k = 0; k < n_keys; ++k)
            if (keys[k].choice) {
                texts[count] = keys[k].key;
                sizes[count++] = keys[k].choice;
            }
        status = clpool_context_write_tuning_file(run->session.ctx, path, count, texts, sizes);
    }
    free(texts);
    free(sizes);
    if (status != CLPOOL_SUCCESS) {
        fprintf(stderr, "clpool tune: %s\n", clpool_last_error());
        return CLI_EXIT_RUNTIME;
    }
    printf("\nwrote %s (%zu entries): plans on this device use these sizes when CLPOOL_TUNE_FILE "
           "names it,\nor after clpool_context_set_tuning_file\n",
           path, count);
    return CLI_EXIT_OK;
}

/* Measures every row, printing progress; returns an exit status. */
static int measure_rows(tune_run *run, tune_row *rows, size_t n_rows) {
    char err[ERR_SIZE];
    for (size_t r = 0; r < n_rows; ++r) {
        tune_row *t = &rows[r];
        const char *layout =
            t->row.layout == CLPOOL_LAYOUT_CHANNELS_LAST ? "channels_last" : "channels_first";
        if (!tune_measure_row(run, t, err, sizeof err)) {
            fprintf(stderr, "clpool tune: layer %s (%s, %s): %s\n", t->row.layer->name, layout,
                    bench_pass_name(t->row.pass), err);
            return CLI_EXIT_RUNTIME;
        }
        int best = -1;
        for (int i = 0; i < run->n_sizes; ++i)
            if (t->ms[i] > 0 && (best < 0 || t->ms[i] < t->ms[best]))
                best = i;
        const int builtin = tune_size_index(run, t->builtin);
        if (best < 0 || builtin < 0 || t->ms[builtin] < 0)
            continue; /* tune_measure_row times the built-in size or fails */
        fprintf(stderr, "[%zu/%zu] %-20s %-14s %-15s built-in %zu: %.4f ms, best %zu: %.4f ms\n",
                r + 1, n_rows, t->row.layer->name, layout, bench_pass_name(t->row.pass), t->builtin,
                t->ms[builtin], run->sizes[best], t->ms[best]);
    }
    return CLI_EXIT_OK;
}

/* Plans, measures, chooses and reports; returns an exit status. */
static int tune(tune_run *run, tune_row *rows, size_t n_rows, const char *output) {
    char err[ERR_SIZE];
    fprintf(stderr, "planning %zu rows (this builds their kernels)\n", n_rows);
    if (!tune_prepare(run, rows, n_rows, err, sizeof err)) {
        fprintf(stderr, "clpool tune: %s\n", err);
        return CLI_EXIT_RUNTIME;
    }
    int status = measure_rows(run, rows, n_rows);
    tune_key *keys = status == CLI_EXIT_OK ? calloc(n_rows, sizeof *keys) : NULL;
    if (status == CLI_EXIT_OK && !keys) {
        fprintf(stderr, "clpool tune: out of memory\n");
        status = CLI_EXIT_RUNTIME;
    }
    size_t n_keys = 0;
    for (size_t r = 0; keys && r < n_rows; ++r)
        n_keys = add_row(run, &rows[r], keys, n_keys);
    for (size_t k = 0; k < n_keys; ++k)
        choose(run, &keys[k]);
    if (keys)
        print_table(run, keys, n_keys);
    if (keys && output)
        status = write_choices(run, keys, n_keys, output);
    else if (keys)
        printf("\nnot written: give --output FILE to keep these sizes\n");
    free(keys);
    return status;
}

/* The default candidates: powers of two within the device's limits. */
static void default_sizes(const tune_run *run, int quick, size_t *sizes, int *count) {
    size_t limit = 0, items[3] = {0, 0, 0};
    clGetDeviceInfo(run->session.device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof limit, &limit, NULL);
    if (clGetDeviceInfo(run->session.device, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof items, items,
                        NULL) == CL_SUCCESS &&
        items[0] < limit)
        limit = items[0];
    *count = 0;
    for (size_t size = quick ? 32 : 16; size <= (quick ? 512u : 1024u) && size <= limit; size *= 2)
        sizes[(*count)++] = size;
}

/* Loads and checks the layers and opens the device; returns an exit status. */
static int setup(const cli_tune_request *r, tune_run *run, bench_layer **layers, size_t *n_layers) {
    char err[ERR_SIZE];
    if (bench_layers_load(r->layers_path, layers, n_layers, err, sizeof err) != 0 ||
        bench_layers_check(*layers, *n_layers, run->batch, err, sizeof err) != 0) {
        fprintf(stderr, "clpool tune: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    const int status = cli_session_open(r->device, 1, &run->session, err, sizeof err);
    if (status != CLI_EXIT_OK) {
        fprintf(stderr, "clpool tune: %s\n", err);
        return status;
    }
    clpool_context_set_tuning_file(run->session.ctx, NULL); /* the baseline is the built-in rule */
    if (r->n_sizes) {
        memcpy(run->sizes, r->sizes, sizeof r->sizes[0] * (size_t)r->n_sizes);
        run->n_sizes = r->n_sizes;
    } else {
        default_sizes(run, r->quick, run->sizes, &run->n_sizes);
    }
    return CLI_EXIT_OK;
}

int cli_command_tune(int argc, char **argv) {
    char err[ERR_SIZE];
    cli_tune_request request;
    const cli_parse_result parsed = cli_parse_tune(argc, argv, &request, err, sizeof err);
    if (parsed != CLI_PARSED) {
        if (parsed == CLI_HELP)
            fputs(cli_tune_help, stdout);
        else
            fprintf(stderr, "clpool tune: %s (see 'clpool tune --help')\n", err);
        return parsed == CLI_HELP ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    tune_run run;
    memset(&run, 0, sizeof run);
    run.batch = request.quick ? 1 : 8;
    run.reps = request.reps ? request.reps : (request.quick ? 7 : 20);
    bench_layer *layers = NULL;
    size_t n_layers = 0;
    int status = setup(&request, &run, &layers, &n_layers);
    if (status == CLI_EXIT_OK) {
        bench_row *plain = calloc(6 * n_layers, sizeof *plain);
        tune_row *rows = calloc(6 * n_layers, sizeof *rows);
        const size_t n_rows = plain && rows ? bench_plan_rows(layers, n_layers, plain) : 0;
        for (size_t r = 0; r < n_rows; ++r)
            rows[r].row = plain[r];
        if (!n_rows)
            fprintf(stderr, "clpool tune: out of memory\n");
        status = n_rows ? tune(&run, rows, n_rows, request.output_path) : CLI_EXIT_RUNTIME;
        free(plain);
        free(rows);
        cli_session_close(&run.session);
    }
    free(layers);
    return status;
}
