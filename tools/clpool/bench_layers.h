/*
 * The benchmark's layer list: parsing of the documented one-line-per-layer text format (the
 * built-in set is bench/standard_layers.txt, embedded in the tool), so users can time their own
 * network's layers with --layers FILE.
 */
#ifndef CLPOOL_TOOLS_BENCH_LAYERS_H
#define CLPOOL_TOOLS_BENCH_LAYERS_H

#include <clpool/clpool.h>

#include <stddef.h>

/* How a layer's windows are given. */
typedef enum bench_window {
    BENCH_WINDOW_SLIDING = 0, /* kernel, stride, padding, ceil_mode */
    BENCH_WINDOW_ADAPTIVE,    /* output_size */
    BENCH_WINDOW_GLOBAL       /* adaptive with every output size 1, run as global pooling */
} bench_window;

typedef struct bench_layer {
    char name[64];
    clpool_mode mode;
    int rank; /* spatial dimensions: 1, 2 or 3 */
    int64_t c;
    int64_t size[CLPOOL_MAX_SPATIAL_RANK]; /* spatial sizes, outermost first */
    bench_window window;
    int64_t kernel[CLPOOL_MAX_SPATIAL_RANK], stride[CLPOOL_MAX_SPATIAL_RANK],
        padding[CLPOOL_MAX_SPATIAL_RANK];
    int ceil_mode;
    int64_t output_size[CLPOOL_MAX_SPATIAL_RANK]; /* adaptive and global layers */
} bench_layer;

/*
 * Parses text (NUL-terminated) into a malloc'd array in *layers and its length in *count. Lines:
 *   NAME MODE C SIZE KERNEL STRIDE PADDING [ceil]
 *   NAME MODE C SIZE adaptive O[,O...]
 *   NAME MODE C SIZE global
 * SIZE is L, HxW or DxHxW (1D, 2D, 3D); the per-dimension values are V (every dimension) or one
 * per dimension. '#' starts a comment; blank lines are skipped. Returns 0, or non-zero with
 * "SOURCE:LINE: problem" (naming the field) in err. An empty list is an error.
 */
int bench_layers_parse(const char *text, const char *source, bench_layer **layers, size_t *count,
                       char *err, size_t err_size);

/* Reads and parses a layers file. */
int bench_layers_read(const char *path, bench_layer **layers, size_t *count, char *err,
                      size_t err_size);

/* The built-in standard layers (bench/standard_layers.txt). */
int bench_layers_standard(bench_layer **layers, size_t *count, char *err, size_t err_size);

/* The layers of the file at path, or with path NULL the standard ones. */
int bench_layers_load(const char *path, bench_layer **layers, size_t *count, char *err,
                      size_t err_size);

/* The layer as a pooling descriptor (global layers through clpool_pool_desc_init_global) and a
 * float32 tensor of the given layout and batch. */
void bench_layer_descs(const bench_layer *layer, clpool_layout layout, int64_t batch,
                       clpool_pool_desc *pool, clpool_tensor_desc *input);

#endif
