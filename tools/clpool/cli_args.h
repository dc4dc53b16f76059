/*
 * Command-line parsing for the clpool tool, kept free of I/O and OpenCL so every flag and every
 * malformed value can be unit-tested. Parsers fill a request struct or write a one-line message
 * naming the flag and the value; turning a request into descriptors (which needs the input's
 * rank) is a separate step.
 */
#ifndef CLPOOL_TOOLS_CLI_ARGS_H
#define CLPOOL_TOOLS_CLI_ARGS_H

#include <clpool/clpool.h>

#include <stddef.h>
#include <stdint.h>

/* Exit statuses of the tool. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_RUNTIME = 1, CLI_EXIT_USAGE = 2 };

/* What a parser returns: go on, print help and exit 0, or report a usage error (exit 2). */
typedef enum cli_parse_result { CLI_PARSED = 0, CLI_HELP = 1, CLI_BAD_USAGE = 2 } cli_parse_result;

/* A per-dimension list given as "V" or "V,V[,V]"; count 0 when the flag was not given. */
typedef struct cli_int_list {
    int count;
    int64_t values[CLPOOL_MAX_SPATIAL_RANK];
} cli_int_list;

typedef struct cli_pool_request {
    clpool_mode mode; /* 0 until --mode is given */
    cli_int_list kernel, stride, padding, dilation;
    cli_int_list adaptive; /* --adaptive O[,O...]: output sizes instead of the window flags */
    int global;            /* --global: adaptive with every output size 1 */
    int ceil_mode, exclude_pad, channels_last, check;
    int has_divisor;
    int64_t divisor;
    const char *indices_path;             /* NULL unless --indices */
    const char *device;                   /* NULL unless --device */
    const char *input_path, *output_path; /* backward: GRAD_OUT and GRAD_IN */
    const char *forward_input_path;       /* backward: --input X.npy */
} cli_pool_request;

typedef struct cli_unpool_request {
    const char *indices_path; /* --indices, required */
    cli_int_list output_size; /* --output-size, required */
    int channels_last, check;
    const char *device;
    const char *input_path, *output_path;
} cli_unpool_request;

typedef struct cli_bench_request {
    int quick;
    int generic; /* time the generic kernel instead of the specialised one */
    const char *device, *json_path, *layers_path;
    int reps; /* 0 until --reps is given */
} cli_bench_request;

/* The most candidate sizes --sizes takes. */
#define CLI_TUNE_MAX_SIZES 16

typedef struct cli_tune_request {
    int quick;
    const char *device, *layers_path, *output_path;
    int reps;                         /* 0 until --reps is given */
    int n_sizes;                      /* 0 until --sizes is given */
    size_t sizes[CLI_TUNE_MAX_SIZES]; /* ascending, each once */
} cli_tune_request;

typedef struct cli_devices_request {
    int unused;
} cli_devices_request;

/* argv[0] is the subcommand's name ("pool"); flags may be "--flag value" or "--flag=value". */
cli_parse_result cli_parse_pool(int argc, char **argv, cli_pool_request *request, char *err,
                                size_t err_size);
/* The same flags (without --indices) plus --input X.npy; the files are GRAD_OUT and GRAD_IN. */
cli_parse_result cli_parse_backward(int argc, char **argv, cli_pool_request *request, char *err,
                                    size_t err_size);
cli_parse_result cli_parse_unpool(int argc, char **argv, cli_unpool_request *request, char *err,
                                  size_t err_size);
cli_parse_result cli_parse_bench(int argc, char **argv, cli_bench_request *request, char *err,
                                 size_t err_size);
cli_parse_result cli_parse_tune(int argc, char **argv, cli_tune_request *request, char *err,
                                size_t err_size);
cli_parse_result cli_parse_devices(int argc, char **argv, cli_devices_request *request, char *err,
                                   size_t err_size);

/* Parses a whole decimal integer in [min, max] ("12", "-3"); 0 on success. */
int cli_parse_int64(const char *text, int64_t min, int64_t max, int64_t *value);

/* Parses "V[,V...]" with 1..CLPOOL_MAX_SPATIAL_RANK values, each in [min, max]; 0 on success. */
int cli_parse_int_list(const char *text, int64_t min, int64_t max, cli_int_list *list);

/*
 * Expands the per-dimension lists of request for a tensor with spatial_rank dimensions into a
 * pooling descriptor (one value applies to every dimension, otherwise one per dimension; PyTorch's
 * defaults for absent flags): a sliding-window one, or with --adaptive / --global an adaptive one.
 * Returns 0, or non-zero with a message naming the flag.
 */
int cli_pool_desc_from_request(const cli_pool_request *request, int spatial_rank,
                               clpool_pool_desc *pool, char *err, size_t err_size);

/* Help texts, printed by `clpool CMD --help`. */
extern const char cli_main_help[];
extern const char cli_pool_help[];
extern const char cli_backward_help[];
extern const char cli_unpool_help[];
extern const char cli_bench_help[];
extern const char cli_tune_help[];
extern const char cli_devices_help[];

#endif
