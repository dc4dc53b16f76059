/*
 * A validated pooling configuration, normalised to three spatial dimensions (D, H, W; a rank-2
 * problem has D = 1 with a 1-tap window) and with every element and byte count precomputed. It is
 * the single place where the output size is computed, so the shape query, plan creation and the
 * kernel's arguments can never disagree.
 */
#ifndef CLPOOL_HOST_GEOMETRY_H
#define CLPOOL_HOST_GEOMETRY_H

#include "clpool/clpool.h"

/* CLPOOL_MAX_EXTENT (public header) bounds every per-dimension quantity, so window arithmetic in
 * the kernel (o * stride - pad + j * dilation, and the sums beside it) cannot overflow an int. */

typedef struct clpool_geometry {
    clpool_mode mode;
    clpool_dtype dtype;
    clpool_layout layout;
    int rank;
    int64_t n, c;
    int64_t in[3], out[3];
    int64_t kernel[3], stride[3], pad_begin[3], pad_end[3], dilation[3];
    int ceil_mode, count_include_pad;
    /* Adaptive pooling: windows come from in[] and out[] alone. kernel[] then holds the longest
     * window (a bound for cost and volume checks), stride and dilation 1, no padding. */
    int adaptive;
    int64_t divisor; /* 0 when there is no override */
    size_t element_size;
    int64_t input_elements, output_elements;
    size_t input_bytes, output_bytes;
} clpool_geometry;

/* Validates pool against input (every rule of clpool_pool_output_desc) and fills geometry. */
clpool_status clpool_geometry_resolve(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                                      clpool_geometry *geometry);

/* Validates an unpooling of values into output_spatial and fills geometry with the unpooled
 * output as its input side and values as its output side (a 1-tap window in every dimension). */
clpool_status clpool_geometry_unpool(const clpool_tensor_desc *values,
                                     const int64_t *output_spatial, clpool_geometry *geometry);

/* The output tensor descriptor of a resolved geometry. */
void clpool_geometry_output_desc(const clpool_geometry *geometry, const clpool_tensor_desc *input,
                                 clpool_tensor_desc *output);

#endif
