/*
 * Parser for the benchmark's layer lists. Strict like the flag parser: every field is checked and
 * a bad line stops the run with its file and line number, so a typo in a layer list never
 * benchmarks something other than what was written.
 */
#include "bench_layers.h"
#include "cli_args.h"
#include "embedded_file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_FIELDS = 10, MAX_LINE = 1024 };

static int line_error(char *err, size_t err_size, const char *source, int line, const char *format,
                      ...) {
    char detail[256];
    va_list args;
    va_start(args, format);
    vsnprintf(detail, sizeof detail, format, args);
    va_end(args);
    snprintf(err, err_size, "%s:%d: %s", source, line, detail);
    return -1;
}

static const char layer_grammar[] = "NAME MODE C SIZE KERNEL STRIDE PADDING [ceil], "
                                    "NAME MODE C SIZE adaptive O[,O...] or NAME MODE C SIZE global";

/* SIZE: "L", "HxW" or "DxHxW", each in [1, CLPOOL_MAX_EXTENT]; returns the rank, or -1. */
static int parse_size(const char *text, int64_t size[CLPOOL_MAX_SPATIAL_RANK]) {
    char copy[64];
    cli_int_list list;
    if (strlen(text) >= sizeof copy || strchr(text, ','))
        return -1;
    strcpy(copy, text);
    for (char *x = strchr(copy, 'x'); x; x = strchr(x + 1, 'x'))
        *x = ',';
    if (cli_parse_int_list(copy, 1, CLPOOL_MAX_EXTENT, &list) != 0)
        return -1;
    for (int i = 0; i < list.count; ++i)
        size[i] = list.values[i];
    return list.count;
}

/* A per-dimension field: "V" for every dimension or exactly rank values, each in
 * [min, CLPOOL_MAX_EXTENT]. */
static int parse_per_dim(const char *text, int64_t min, int rank, int64_t *out) {
    cli_int_list list;
    if (cli_parse_int_list(text, min, CLPOOL_MAX_EXTENT, &list) != 0 ||
        (list.count != 1 && list.count != rank))
        return -1;
    for (int i = 0; i < rank; ++i)
        out[i] = list.values[list.count == 1 ? 0 : i];
    return 0;
}

/* The fields after SIZE: KERNEL STRIDE PADDING [ceil], adaptive O[,O...], or global. */
static int parse_window(char **field, int n, bench_layer *layer, const char *source, int line,
                        char *err, size_t err_size) {
    static const char *const names[3] = {"KERNEL", "STRIDE", "PADDING"};
    int64_t *const values[3] = {layer->kernel, layer->stride, layer->padding};
    const int rank = layer->rank;
    if (strcmp(field[0], "global") == 0 || strcmp(field[0], "adaptive") == 0) {
        const int global = field[0][0] == 'g';
        if (n != (global ? 1 : 2))
            return line_error(err, err_size, source, line, "expected %s, got %d fields",
                              layer_grammar, n + 4);
        layer->window = global ? BENCH_WINDOW_GLOBAL : BENCH_WINDOW_ADAPTIVE;
        for (int i = 0; i < rank; ++i)
            layer->output_size[i] = 1;
        if (!global && parse_per_dim(field[1], 1, rank, layer->output_size) != 0)
            return line_error(err, err_size, source, line,
                              "adaptive output size '%s' is not one value or %d comma-separated "
                              "values (>= 1) for this %dD layer",
                              field[1], rank, rank);
        return 0;
    }
    if (n != 3 && n != 4)
        return line_error(err, err_size, source, line, "expected %s, got %d fields", layer_grammar,
                          n + 4);
    for (int f = 0; f < 3; ++f)
        if (parse_per_dim(field[f], f == 2 ? 0 : 1, rank, values[f]) != 0)
            return line_error(err, err_size, source, line,
                              "%s '%s' is not one value or %d comma-separated values (>= %d) for "
                              "this %dD layer",
                              names[f], field[f], rank, f == 2 ? 0 : 1, rank);
    if (n == 4 && strcmp(field[3], "ceil") != 0)
        return line_error(err, err_size, source, line,
                          "unexpected '%s' after PADDING: the only option is ceil%s", field[3],
                          rank == 1 ? " (SIZE is one field: L, HxW or DxHxW)" : "");
    layer->ceil_mode = n == 4;
    return 0;
}

/* Fills layer from the fields of one line. */
static int parse_fields(char **field, int n, bench_layer *layer, const char *source, int line,
                        char *err, size_t err_size) {
    if (n < 5 || n > 8)
        return line_error(err, err_size, source, line, "expected %s, got %d fields", layer_grammar,
                          n);
    memset(layer, 0, sizeof *layer);
    if (strlen(field[0]) >= sizeof layer->name)
        return line_error(err, err_size, source, line, "name '%s' is longer than %zu characters",
                          field[0], sizeof layer->name - 1);
    strcpy(layer->name, field[0]);
    if (strcmp(field[1], "max") != 0 && strcmp(field[1], "avg") != 0)
        return line_error(err, err_size, source, line, "mode '%s' is not max or avg", field[1]);
    layer->mode = field[1][0] == 'm' ? CLPOOL_MODE_MAX : CLPOOL_MODE_AVG;
    if (cli_parse_int64(field[2], 1, INT32_MAX, &layer->c))
        return line_error(err, err_size, source, line, "C '%s' is not a positive integer",
                          field[2]);
    if ((layer->rank = parse_size(field[3], layer->size)) < 0)
        return line_error(err, err_size, source, line,
                          "SIZE '%s' is not L, HxW or DxHxW (positive integers)", field[3]);
    return parse_window(field + 4, n - 4, layer, source, line, err, err_size);
}

/* Splits line (modified in place) into whitespace-separated fields, up to the first '#'. */
static int split_fields(char *line, char **field) {
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    int n = 0;
    for (char *token = strtok(line, " \t\r"); token; token = strtok(NULL, " \t\r"))
        if (n < MAX_FIELDS)
            field[n++] = token;
        else
            return MAX_FIELDS + 1;
    return n;
}

int bench_layers_parse(const char *text, const char *source, bench_layer **layers, size_t *count,
                       char *err, size_t err_size) {
    size_t capacity = 16, n_layers = 0;
    bench_layer *list = malloc(capacity * sizeof *list);
    int line_number = 0, status = list ? 0 : line_error(err, err_size, source, 0, "out of memory");
    for (const char *at = text; status == 0 && *at;) {
        const char *end = strchr(at, '\n');
        const size_t length = end ? (size_t)(end - at) : strlen(at);
        char line[MAX_LINE], *field[MAX_FIELDS];
        ++line_number;
        if (length >= sizeof line) {
            status = line_error(err, err_size, source, line_number, "line is too long");
            break;
        }
        memcpy(line, at, length);
        line[length] = '\0';
        at += length + (end ? 1 : 0);
        const int n = split_fields(line, field);
        if (n == 0)
            continue;
        if (n_layers == capacity) {
            bench_layer *grown = realloc(list, 2 * capacity * sizeof *list);
            if (!grown) {
                status = line_error(err, err_size, source, line_number, "out of memory");
                break;
            }
            list = grown;
            capacity *= 2;
        }
        status = parse_fields(field, n, &list[n_layers++], source, line_number, err, err_size);
    }
    if (status == 0 && n_layers == 0)
        status = line_error(err, err_size, source, line_number, "no layers in the list");
    if (status != 0) {
        free(list);
        return status;
    }
    *layers = list;
    *count = n_layers;
    return 0;
}

int bench_layers_read(const char *path, bench_layer **layers, size_t *count, char *err,
                      size_t err_size) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t capacity = 4096, used = 0;
    char *text = malloc(capacity);
    int status = 0;
    for (size_t got; text && (got = fread(text + used, 1, capacity - used - 1, file)) > 0;) {
        used += got;
        if (used + 1 == capacity) {
            char *grown = capacity < ((size_t)1 << 26) ? realloc(text, capacity * 2) : NULL;
            if (!grown) {
                snprintf(err, err_size, "%s: too large for a layer list", path);
                status = -1;
                break;
            }
            text = grown;
            capacity *= 2;
        }
    }
    if (!text || ferror(file)) {
        snprintf(err, err_size, "%s: cannot read the file", path);
        status = -1;
    }
    fclose(file);
    if (status == 0) {
        text[used] = '\0';
        status = bench_layers_parse(text, path, layers, count, err, err_size);
    }
    free(text);
    return status;
}

int bench_layers_standard(bench_layer **layers, size_t *count, char *err, size_t err_size) {
    for (size_t i = 0; i < cli_embedded_files_count; ++i)
        if (strcmp(cli_embedded_files[i].name, "standard_layers") == 0)
            return bench_layers_parse(cli_embedded_files[i].text, "standard_layers.txt", layers,
                                      count, err, err_size);
    snprintf(err, err_size, "the built-in layer list is missing from this build");
    return -1;
}

int bench_layers_load(const char *path, bench_layer **layers, size_t *count, char *err,
                      size_t err_size) {
    return path ? bench_layers_read(path, layers, count, err, err_size)
                : bench_layers_standard(layers, count, err, err_size);
}

void bench_layer_descs(const bench_layer *layer, clpool_layout layout, int64_t batch,
                       clpool_pool_desc *pool, clpool_tensor_desc *input) {
    if (layer->window == BENCH_WINDOW_GLOBAL) {
        clpool_pool_desc_init_global(pool, layer->mode, layer->rank);
    } else if (layer->window == BENCH_WINDOW_ADAPTIVE) {
        clpool_pool_desc_init_adaptive(pool, layer->mode, layer->rank, layer->output_size);
    } else {
        clpool_pool_desc_init(pool, layer->mode, layer->rank, layer->kernel);
        for (int i = 0; i < layer->rank; ++i) {
            pool->stride[i] = layer->stride[i];
            pool->pad_begin[i] = pool->pad_end[i] = layer->padding[i];
        }
        pool->ceil_mode = layer->ceil_mode;
    }
    clpool_tensor_desc_init(input, CLPOOL_DTYPE_F32, layout, batch, layer->c, layer->rank,
                            layer->size);
}
