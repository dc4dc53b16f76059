/*
 * Descriptor initialisers and the public, device-free queries: tensor sizes and the output shape.
 */
#include "error.h"
#include "geometry.h"

#include <string.h>

void clpool_pool_desc_init_2d(clpool_pool_desc *desc, clpool_mode mode, int64_t kernel_h,
                              int64_t kernel_w) {
    if (!desc)
        return;
    memset(desc, 0, sizeof *desc);
    desc->mode = mode;
    desc->spatial_rank = 2;
    desc->kernel[0] = kernel_h;
    desc->kernel[1] = kernel_w;
    for (int i = 0; i < CLPOOL_MAX_SPATIAL_RANK; ++i)
        desc->dilation[i] = 1;
    desc->count_include_pad = 1;
}

void clpool_tensor_desc_init_2d(clpool_tensor_desc *desc, clpool_dtype dtype, clpool_layout layout,
                                int64_t n, int64_t c, int64_t h, int64_t w) {
    if (!desc)
        return;
    memset(desc, 0, sizeof *desc);
    desc->dtype = dtype;
    desc->layout = layout;
    desc->spatial_rank = 2;
    desc->n = n;
    desc->c = c;
    desc->spatial[0] = h;
    desc->spatial[1] = w;
}

clpool_status clpool_pool_output_desc(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                                      clpool_tensor_desc *output) {
    clpool_geometry geometry;
    clpool_status status = clpool_geometry_resolve(pool, input, &geometry);
    if (status == CLPOOL_SUCCESS && output)
        clpool_geometry_output_desc(&geometry, input, output);
    return status;
}
