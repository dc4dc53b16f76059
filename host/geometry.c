/*
 * Validation and shape arithmetic for pooling, per ../shared/SEMANTICS.md. Each rule has its own
 * check and its own message naming the field, its value and the rule, so a caller never has to
 * guess which of a dozen numbers was wrong. All arithmetic is in int64_t with explicit overflow
 * checks before anything is multiplied.
 */
#include "error.h"
#include "geometry.h"

#include <string.h>

static const char *const dim_names[3][3] = {{"W", "", ""}, {"H", "W", ""}, {"D", "H", "W"}};

static const char *dim_name(int rank, int i) {
    return dim_names[rank - 1][i];
}

/* a * b into *out, or 0 when the product would exceed limit (all operands non-negative). */
static int checked_mul(int64_t a, int64_t b, int64_t limit, int64_t *out) {
    if (a != 0 && b > limit / a)
        return 0;
    *out = a * b;
    return 1;
}

static size_t dtype_size(clpool_dtype dtype) {
    switch (dtype) {
    case CLPOOL_DTYPE_F32:
        return 4;
    case CLPOOL_DTYPE_F16:
    case CLPOOL_DTYPE_BF16:
        return 2;
    case CLPOOL_DTYPE_F64:
        return 8;
    }
    return 0;
}

static clpool_status validate_tensor_kind(const clpool_tensor_desc *t, const char *name) {
    if (dtype_size(t->dtype) == 0)
        return clpool_fail(CLPOOL_ERROR_INVALID_DTYPE,
                           "%s->dtype = %d is not a clpool_dtype (CLPOOL_DTYPE_F32 = 1, ...)", name,
                           (int)t->dtype);
    if (t->layout != CLPOOL_LAYOUT_CHANNELS_FIRST && t->layout != CLPOOL_LAYOUT_CHANNELS_LAST)
        return clpool_fail(CLPOOL_ERROR_INVALID_LAYOUT,
                           "%s->layout = %d is not a clpool_layout (CHANNELS_FIRST = 1, "
                           "CHANNELS_LAST = 2)",
                           name, (int)t->layout);
    if (t->spatial_rank < 1 || t->spatial_rank > CLPOOL_MAX_SPATIAL_RANK)
        return clpool_fail(CLPOOL_ERROR_INVALID_RANK, "%s->spatial_rank = %d must be 1, 2 or 3",
                           name, t->spatial_rank);
    return CLPOOL_SUCCESS;
}

static clpool_status validate_tensor_sizes(const clpool_tensor_desc *t, const char *name) {
    if (t->n < 0)
        return clpool_fail(CLPOOL_ERROR_INVALID_SHAPE, "%s->n = %lld must be >= 0", name,
                           (long long)t->n);
    if (t->c < 1 || t->c > INT32_MAX)
        return clpool_fail(CLPOOL_ERROR_INVALID_SHAPE, "%s->c = %lld must be in [1, %d]", name,
                           (long long)t->c, INT32_MAX);
    for (int i = 0; i < t->spatial_rank; ++i)
        if (t->spatial[i] < 1 || t->spatial[i] > CLPOOL_MAX_EXTENT)
            return clpool_fail(CLPOOL_ERROR_INVALID_SHAPE,
                               "%s->spatial[%d] (%s) = %lld must be in [1, %lld]", name, i,
                               dim_name(t->spatial_rank, i), (long long)t->spatial[i],
                               (long long)CLPOOL_MAX_EXTENT);
    return CLPOOL_SUCCESS;
}

/* Element and byte count of n * c * prod(sizes), refusing overflow of int64_t or size_t. */
static clpool_status count_elements(int64_t n, int64_t c, const int64_t *sizes, int rank,
                                    size_t element_size, const char *name, int64_t *elements,
                                    size_t *bytes) {
    int64_t count = c;
    int ok = checked_mul(count, n, INT64_MAX, &count);
    for (int i = 0; ok && i < rank; ++i)
        ok = checked_mul(count, sizes[i], INT64_MAX, &count);
    if (!ok || (uint64_t)count > SIZE_MAX / element_size)
        return clpool_fail(CLPOOL_ERROR_SIZE_OVERFLOW,
                           "%s has more elements than int64_t / size_t bytes can count", name);
    *elements = count;
    *bytes = (size_t)count * element_size;
    return CLPOOL_SUCCESS;
}

clpool_status clpool_tensor_desc_size(const clpool_tensor_desc *desc, int64_t *elements,
                                      size_t *bytes) {
    if (!desc)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "desc is NULL");
    clpool_status status = validate_tensor_kind(desc, "desc");
    if (status == CLPOOL_SUCCESS)
        status = validate_tensor_sizes(desc, "desc");
    int64_t count = 0;
    size_t size = 0;
    if (status == CLPOOL_SUCCESS)
        status = count_elements(desc->n, desc->c, desc->spatial, desc->spatial_rank,
                                dtype_size(desc->dtype), "desc", &count, &size);
    if (status != CLPOOL_SUCCESS)
        return status;
    if (elements)
        *elements = count;
    if (bytes)
        *bytes = size;
    return CLPOOL_SUCCESS;
}

static clpool_status validate_flag(int value, const char *field) {
    if (value != 0 && value != 1)
        return clpool_fail(CLPOOL_ERROR_INVALID_FLAG, "pool->%s = %d must be 0 or 1", field, value);
    return CLPOOL_SUCCESS;
}

/* Adaptive windows have no rounding mode and always divide by their own size, so the two flags
 * that would change that are refused rather than silently ignored. */
static clpool_status validate_adaptive_flags(const clpool_pool_desc *pool) {
    if (pool->ceil_mode != 0)
        return clpool_fail(CLPOOL_ERROR_INVALID_FLAG,
                           "pool->ceil_mode = %d must be 0 with adaptive pooling (the output size "
                           "is given)",
                           pool->ceil_mode);
    if (pool->mode == CLPOOL_MODE_AVG && pool->has_divisor_override != 0)
        return clpool_fail(CLPOOL_ERROR_INVALID_FLAG,
                           "pool->has_divisor_override = %d must be 0 with adaptive pooling (each "
                           "window divides by its own size)",
                           pool->has_divisor_override);
    return CLPOOL_SUCCESS;
}

static clpool_status validate_pool_kind(const clpool_pool_desc *pool, int input_rank) {
    if (pool->mode != CLPOOL_MODE_MAX && pool->mode != CLPOOL_MODE_AVG)
        return clpool_fail(CLPOOL_ERROR_INVALID_MODE,
                           "pool->mode = %d is not a clpool_mode (MAX = 1, AVG = 2)",
                           (int)pool->mode);
    if (pool->spatial_rank < 1 || pool->spatial_rank > CLPOOL_MAX_SPATIAL_RANK)
        return clpool_fail(CLPOOL_ERROR_INVALID_RANK, "pool->spatial_rank = %d must be 1, 2 or 3",
                           pool->spatial_rank);
    if (pool->spatial_rank != input_rank)
        return clpool_fail(CLPOOL_ERROR_INVALID_RANK,
                           "pool->spatial_rank = %d differs from input->spatial_rank = %d",
                           pool->spatial_rank, input_rank);
    clpool_status status = validate_flag(pool->adaptive, "adaptive");
    if (status == CLPOOL_SUCCESS && pool->adaptive)
        return validate_adaptive_flags(pool);
    if (status == CLPOOL_SUCCESS)
        status = validate_flag(pool->ceil_mode, "ceil_mode");
    if (status == CLPOOL_SUCCESS && pool->mode == CLPOOL_MODE_AVG)
        status = validate_flag(pool->count_include_pad, "count_include_pad");
    if (status == CLPOOL_SUCCESS && pool->mode == CLPOOL_MODE_AVG)
        status = validate_flag(pool->has_divisor_override, "has_divisor_override");
    return status;
}

/* Checks kernel, stride, dilation and padding of the descriptor's dimension i and stores them in
 * g's dimension at (3 - rank + i). */
static clpool_status resolve_window(const clpool_pool_desc *pool, int i, clpool_geometry *g) {
    const int at = 3 - pool->spatial_rank + i;
    const char *dim = dim_name(pool->spatial_rank, i);
    const int64_t k = pool->kernel[i], s = pool->stride[i], d = pool->dilation[i];
    if (k < 1 || k > CLPOOL_MAX_EXTENT)
        return clpool_fail(CLPOOL_ERROR_INVALID_KERNEL_SIZE,
                           "pool->kernel[%d] (%s) = %lld must be in [1, %lld]", i, dim,
                           (long long)k, (long long)CLPOOL_MAX_EXTENT);
    if (s < 0 || s > CLPOOL_MAX_EXTENT)
        return clpool_fail(CLPOOL_ERROR_INVALID_STRIDE,
                           "pool->stride[%d] (%s) = %lld must be in [1, %lld], or 0 for 'same as "
                           "kernel'",
                           i, dim, (long long)s, (long long)CLPOOL_MAX_EXTENT);
    if (d < 1 || d > CLPOOL_MAX_EXTENT)
        return clpool_fail(CLPOOL_ERROR_INVALID_DILATION,
                           "pool->dilation[%d] (%s) = %lld must be in [1, %lld]", i, dim,
                           (long long)d, (long long)CLPOOL_MAX_EXTENT);
    const int64_t effective = d * (k - 1) + 1;
    if (effective > CLPOOL_MAX_EXTENT)
        return clpool_fail(CLPOOL_ERROR_INVALID_KERNEL_SIZE,
                           "pool effective kernel[%d] (%s) = dilation * (kernel - 1) + 1 = %lld "
                           "exceeds %lld",
                           i, dim, (long long)effective, (long long)CLPOOL_MAX_EXTENT);
    const int64_t pads[2] = {pool->pad_begin[i], pool->pad_end[i]};
    const char *const pad_fields[2] = {"pad_begin", "pad_end"};
    for (int side = 0; side < 2; ++side)
        if (pads[side] < 0 || pads[side] > effective / 2)
            return clpool_fail(CLPOOL_ERROR_INVALID_PADDING,
                               "pool->%s[%d] (%s) = %lld must be in [0, %lld]: at most half the "
                               "effective kernel %lld",
                               pad_fields[side], i, dim, (long long)pads[side],
                               (long long)(effective / 2), (long long)effective);
    g->kernel[at] = k;
    g->stride[at] = s == 0 ? k : s;
    g->dilation[at] = d;
    g->pad_begin[at] = pads[0];
    g->pad_end[at] = pads[1];
    return CLPOOL_SUCCESS;
}

/* Adaptive dimension i of the descriptor: the output size is given, and window o spans
 * [floor(o * I / O), ceil((o + 1) * I / O)), so no window is longer than ceil(I / O) + 1 (I / O
 * exactly when O divides I). */
static clpool_status resolve_adaptive(const clpool_pool_desc *pool, int i, clpool_geometry *g) {
    const int at = 3 - pool->spatial_rank + i;
    const int64_t out = pool->output_size[i], in = g->in[at];
    if (out < 1 || out > CLPOOL_MAX_EXTENT)
        return clpool_fail(
            CLPOOL_ERROR_INVALID_SHAPE, "pool->output_size[%d] (%s) = %lld must be in [1, %lld]", i,
            dim_name(pool->spatial_rank, i), (long long)out, (long long)CLPOOL_MAX_EXTENT);
    g->out[at] = out;
    g->kernel[at] = in % out == 0 ? in / out : in / out + 2;
    if (g->kernel[at] > in)
        g->kernel[at] = in;
    /* With one output the window is the whole dimension: kernel = stride = input size describes
     * it exactly as a fixed window, which the kernels use for global pooling. */
    g->stride[at] = out == 1 ? in : 1;
    g->dilation[at] = 1;
    g->pad_begin[at] = g->pad_end[at] = 0;
    return CLPOOL_SUCCESS;
}

/* Output size of g's dimension i, with ceil_mode's rule that the last window starts inside the
 * input or its begin padding. */
static clpool_status resolve_output_size(int i, clpool_geometry *g) {
    const int64_t effective = g->dilation[i] * (g->kernel[i] - 1) + 1;
    const int64_t span = g->in[i] + g->pad_begin[i] + g->pad_end[i] - effective;
    const int64_t s = g->stride[i];
    int64_t out = -1;
    if (span >= 0 || (g->ceil_mode && span + s - 1 >= 0)) {
        /* floor division for a non-negative numerator */
        out = (span + (g->ceil_mode ? s - 1 : 0)) / s + 1;
        if (g->ceil_mode && (out - 1) * s >= g->in[i] + g->pad_begin[i])
            --out;
    }
    if (out < 1)
        return clpool_fail(CLPOOL_ERROR_OUTPUT_TOO_SMALL,
                           "output size along %s would be %lld (< 1): input %lld + padding %lld + "
                           "%lld is shorter than the effective kernel %lld",
                           dim_name(g->rank, i - (3 - g->rank)), (long long)(out < 0 ? 0 : out),
                           (long long)g->in[i], (long long)g->pad_begin[i],
                           (long long)g->pad_end[i], (long long)effective);
    g->out[i] = out;
    return CLPOOL_SUCCESS;
}

static clpool_status resolve_divisor(const clpool_pool_desc *pool, clpool_geometry *g) {
    /* An adaptive window has no padding: its divisor is its own (in-bounds) size. */
    g->count_include_pad =
        pool->mode == CLPOOL_MODE_AVG && !pool->adaptive ? pool->count_include_pad : 0;
    g->divisor = 0;
    if (pool->mode != CLPOOL_MODE_AVG || pool->adaptive || !pool->has_divisor_override)
        return CLPOOL_SUCCESS;
    if (pool->divisor_override == 0 || pool->divisor_override < -INT32_MAX ||
        pool->divisor_override > INT32_MAX)
        return clpool_fail(CLPOOL_ERROR_INVALID_DIVISOR,
                           "pool->divisor_override = %lld must be non-zero and in [-%d, %d]",
                           (long long)pool->divisor_override, INT32_MAX, INT32_MAX);
    g->divisor = pool->divisor_override;
    return CLPOOL_SUCCESS;
}

static clpool_status resolve_counts(clpool_geometry *g, int rank) {
    const int first = 3 - rank;
    clpool_status status = count_elements(g->n, g->c, g->in + first, rank, g->element_size, "input",
                                          &g->input_elements, &g->input_bytes);
    if (status == CLPOOL_SUCCESS)
        status = count_elements(g->n, g->c, g->out + first, rank, g->element_size, "output",
                                &g->output_elements, &g->output_bytes);
    int64_t volume = 1;
    for (int i = 0; status == CLPOOL_SUCCESS && i < 3; ++i)
        if (!checked_mul(volume, g->kernel[i], INT32_MAX, &volume))
            status = clpool_fail(CLPOOL_ERROR_INVALID_KERNEL_SIZE,
                                 g->adaptive ? "the largest adaptive window's volume exceeds %d"
                                             : "the kernel's volume (product of kernel sizes) "
                                               "exceeds %d",
                                 INT32_MAX);
    return status;
}

clpool_status clpool_geometry_resolve(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                                      clpool_geometry *g) {
    if (!pool)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "pool (the pooling descriptor) is NULL");
    if (!input)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "input (the tensor descriptor) is NULL");
    clpool_status status = validate_tensor_kind(input, "input");
    if (status == CLPOOL_SUCCESS)
        status = validate_tensor_sizes(input, "input");
    if (status == CLPOOL_SUCCESS)
        status = validate_pool_kind(pool, input->spatial_rank);
    if (status != CLPOOL_SUCCESS)
        return status;
    if (input->dtype != CLPOOL_DTYPE_F32)
        return clpool_fail(CLPOOL_ERROR_UNSUPPORTED,
                           "input->dtype = %d: this version of clpool pools float32 "
                           "(CLPOOL_DTYPE_F32) only",
                           (int)input->dtype);

    memset(g, 0, sizeof *g);
    g->mode = pool->mode;
    g->dtype = input->dtype;
    g->layout = input->layout;
    g->rank = input->spatial_rank;
    g->n = input->n;
    g->c = input->c;
    g->ceil_mode = pool->adaptive ? 0 : pool->ceil_mode;
    g->adaptive = pool->adaptive;
    g->element_size = dtype_size(input->dtype);
    const int first = 3 - g->rank; /* leading dimensions are size 1 with a 1-tap window */
    for (int i = 0; i < first; ++i) {
        g->in[i] = g->out[i] = g->kernel[i] = g->stride[i] = g->dilation[i] = 1;
        g->pad_begin[i] = g->pad_end[i] = 0;
    }
    for (int i = 0; status == CLPOOL_SUCCESS && i < g->rank; ++i) {
        g->in[first + i] = input->spatial[i];
        status = g->adaptive ? resolve_adaptive(pool, i, g) : resolve_window(pool, i, g);
    }
    for (int i = first; status == CLPOOL_SUCCESS && !g->adaptive && i < 3; ++i)
        status = resolve_output_size(i, g);
    if (status == CLPOOL_SUCCESS)
        status = resolve_divisor(pool, g);
    if (status == CLPOOL_SUCCESS)
        status = resolve_counts(g, g->rank);
    return status;
}

void clpool_geometry_output_desc(const clpool_geometry *g, const clpool_tensor_desc *input,
                                 clpool_tensor_desc *output) {
    *output = *input;
    for (int i = 0; i < g->rank; ++i)
        output->spatial[i] = g->out[3 - g->rank + i];
    for (int i = g->rank; i < CLPOOL_MAX_SPATIAL_RANK; ++i)
        output->spatial[i] = 0;
}

clpool_status clpool_geometry_unpool(const clpool_tensor_desc *values,
                                     const int64_t *output_spatial, clpool_geometry *g) {
    if (!values)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "values (the tensor descriptor) is NULL");
    if (!output_spatial)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "output_spatial is NULL");
    clpool_status status = validate_tensor_kind(values, "values");
    if (status == CLPOOL_SUCCESS)
        status = validate_tensor_sizes(values, "values");
    if (status != CLPOOL_SUCCESS)
        return status;
    if (values->dtype != CLPOOL_DTYPE_F32)
        return clpool_fail(CLPOOL_ERROR_UNSUPPORTED,
                           "values->dtype = %d: this version of clpool unpools float32 "
                           "(CLPOOL_DTYPE_F32) only",
                           (int)values->dtype);
    memset(g, 0, sizeof *g);
    g->mode = CLPOOL_MODE_MAX;
    g->dtype = values->dtype;
    g->layout = values->layout;
    g->rank = values->spatial_rank;
    g->n = values->n;
    g->c = values->c;
    g->element_size = dtype_size(values->dtype);
    const int first = 3 - g->rank; /* leading dimensions are size 1 */
    for (int i = 0; i < 3; ++i) {
        const int64_t size = i < first ? 1 : output_spatial[i - first];
        if (size < 1 || size > CLPOOL_MAX_EXTENT)
            return clpool_fail(CLPOOL_ERROR_INVALID_SHAPE,
                               "output_spatial[%d] (%s) = %lld must be in [1, %lld]", i - first,
                               dim_name(g->rank, i - first), (long long)size,
                               (long long)CLPOOL_MAX_EXTENT);
        g->in[i] = size;
        g->out[i] = i < first ? 1 : values->spatial[i - first];
        g->kernel[i] = g->stride[i] = g->dilation[i] = 1;
    }
    int64_t plane = 1;
    for (int i = 0; i < 3; ++i)
        if (!checked_mul(plane, g->out[i], INT32_MAX, &plane))
            return clpool_fail(CLPOOL_ERROR_INVALID_SHAPE,
                               "values has more than %d elements per plane, the most unpooling "
                               "supports",
                               INT32_MAX);
    return resolve_counts(g, g->rank);
}
