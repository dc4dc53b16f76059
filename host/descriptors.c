/*
 * Descriptor initialisers and the public, device-free queries: tensor sizes and the output shape.
 */
#include "error.h"
#include "geometry.h"

#include <string.h>

/* PyTorch's defaults with every window field zeroed: stride 0 means "same as kernel". */
static void pool_desc_defaults(clpool_pool_desc *desc, clpool_mode mode, int spatial_rank) {
    memset(desc, 0, sizeof *desc);
    desc->mode = mode;
    desc->spatial_rank = spatial_rank;
    for (int i = 0; i < CLPOOL_MAX_SPATIAL_RANK; ++i)
        desc->dilation[i] = 1;
    desc->count_include_pad = 1;
}

/* Copies up to CLPOOL_MAX_SPATIAL_RANK values; an out-of-range rank is kept for validation to
 * report, so nothing is read past what a valid rank promises. */
static void copy_sizes(int64_t *to, const int64_t *from, int spatial_rank) {
    for (int i = 0; i < spatial_rank && i < CLPOOL_MAX_SPATIAL_RANK; ++i)
        to[i] = from[i];
}

void clpool_pool_desc_init(clpool_pool_desc *desc, clpool_mode mode, int spatial_rank,
                           const int64_t *kernel) {
    if (!desc || !kernel)
        return;
    pool_desc_defaults(desc, mode, spatial_rank);
    copy_sizes(desc->kernel, kernel, spatial_rank);
}

void clpool_pool_desc_init_1d(clpool_pool_desc *desc, clpool_mode mode, int64_t kernel_w) {
    const int64_t kernel[1] = {kernel_w};
    clpool_pool_desc_init(desc, mode, 1, kernel);
}

void clpool_pool_desc_init_2d(clpool_pool_desc *desc, clpool_mode mode, int64_t kernel_h,
                              int64_t kernel_w) {
    const int64_t kernel[2] = {kernel_h, kernel_w};
    clpool_pool_desc_init(desc, mode, 2, kernel);
}

void clpool_pool_desc_init_3d(clpool_pool_desc *desc, clpool_mode mode, int64_t kernel_d,
                              int64_t kernel_h, int64_t kernel_w) {
    const int64_t kernel[3] = {kernel_d, kernel_h, kernel_w};
    clpool_pool_desc_init(desc, mode, 3, kernel);
}

void clpool_pool_desc_init_adaptive(clpool_pool_desc *desc, clpool_mode mode, int spatial_rank,
                                    const int64_t *output_size) {
    if (!desc || !output_size)
        return;
    pool_desc_defaults(desc, mode, spatial_rank);
    desc->adaptive = 1;
    copy_sizes(desc->output_size, output_size, spatial_rank);
}

void clpool_pool_desc_init_global(clpool_pool_desc *desc, clpool_mode mode, int spatial_rank) {
    const int64_t ones[CLPOOL_MAX_SPATIAL_RANK] = {1, 1, 1};
    clpool_pool_desc_init_adaptive(desc, mode, spatial_rank, ones);
}

void clpool_tensor_desc_init(clpool_tensor_desc *desc, clpool_dtype dtype, clpool_layout layout,
                             int64_t n, int64_t c, int spatial_rank, const int64_t *spatial) {
    if (!desc || !spatial)
        return;
    memset(desc, 0, sizeof *desc);
    desc->dtype = dtype;
    desc->layout = layout;
    desc->spatial_rank = spatial_rank;
    desc->n = n;
    desc->c = c;
    copy_sizes(desc->spatial, spatial, spatial_rank);
}

void clpool_tensor_desc_init_1d(clpool_tensor_desc *desc, clpool_dtype dtype, clpool_layout layout,
                                int64_t n, int64_t c, int64_t w) {
    const int64_t spatial[1] = {w};
    clpool_tensor_desc_init(desc, dtype, layout, n, c, 1, spatial);
}

void clpool_tensor_desc_init_2d(clpool_tensor_desc *desc, clpool_dtype dtype, clpool_layout layout,
                                int64_t n, int64_t c, int64_t h, int64_t w) {
    const int64_t spatial[2] = {h, w};
    clpool_tensor_desc_init(desc, dtype, layout, n, c, 2, spatial);
}

void clpool_tensor_desc_init_3d(clpool_tensor_desc *desc, clpool_dtype dtype, clpool_layout layout,
                                int64_t n, int64_t c, int64_t d, int64_t h, int64_t w) {
    const int64_t spatial[3] = {d, h, w};
    clpool_tensor_desc_init(desc, dtype, layout, n, c, 3, spatial);
}

clpool_status clpool_pool_output_desc(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                                      clpool_tensor_desc *output) {
    clpool_geometry geometry;
    clpool_status status = clpool_geometry_resolve(pool, input, &geometry);
    if (status == CLPOOL_SUCCESS && output)
        clpool_geometry_output_desc(&geometry, input, output);
    return status;
}
