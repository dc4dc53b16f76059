/*
 * The benchmark's layer list: parsing of the documented one-line-per-layer text format (the
 * built-in set is bench/standard_layers.txt, embedded in the tool), so users can time their own
 * network's layers with --layers FILE.
 */
#ifndef CLPOOL_TOOLS_BENCH_LAYERS_H
#define CLPOOL_TOOLS_BENCH_LAYERS_H

#include <clpool/clpool.h>

#include <stddef.h>

typedef struct bench_layer {
    char name[64];
    clpool_mode mode;
    int64_t c, h, w;
    int64_t kernel[2], stride[2], padding[2];
    int ceil_mode;
} bench_layer;

/*
 * Parses text (NUL-terminated) into a malloc'd array in *layers and its length in *count. Lines:
 * NAME MODE C H W KERNEL STRIDE PADDING [ceil]; '#' starts a comment; blank lines are skipped.
 * Returns 0, or non-zero with "SOURCE:LINE: problem" in err. An empty list is an error.
 */
int bench_layers_parse(const char *text, const char *source, bench_layer **layers, size_t *count,
                       char *err, size_t err_size);

/* Reads and parses a layers file. */
int bench_layers_read(const char *path, bench_layer **layers, size_t *count, char *err,
                      size_t err_size);

/* The built-in standard layers (bench/standard_layers.txt). */
int bench_layers_standard(bench_layer **layers, size_t *count, char *err, size_t err_size);

/* The layer as a pooling descriptor and a float32 tensor of the given layout and batch. */
void bench_layer_descs(const bench_layer *layer, clpool_layout layout, int64_t batch,
                       clpool_pool_desc *pool, clpool_tensor_desc *input);

#endif
