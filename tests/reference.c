/*
 * The CPU reference for clpool's tests (see reference.h): a direct transcription of
 * shared/SEMANTICS.md. Every output visits the in-bounds taps of its window in row-major order
 * (D outermost, W innermost); max pooling applies `if (v > acc || isnan(v)) acc = v` from -inf,
 * and average pooling sums in float and divides by the divisor the rules name. Clarity wins over
 * speed, but the work is linear in outputs x taps, so a few million elements take well under a
 * second. A tensor of rank r < 3 is pooled as rank 3 with its r dimensions innermost and unit
 * dimensions (size 1, kernel 1, stride 1, no padding) outside them, which changes no result.
 * The backward passes are scatters over the outputs (each output adds its gradient to the taps it
 * read), the formulation of SEMANTICS "Backward" and deliberately not the library's gather;
 * max unpooling is likewise PyTorch's scatter, the last write to a position winning.
 */
#include "reference.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

/* One spatial dimension of the problem, everything resolved. */
typedef struct ref_dim {
    int64_t in, out, k, s, pb, pe, d;
    int adaptive; /* windows from in and out alone (SEMANTICS "Adaptive and global pooling") */
} ref_dim;

/* One window along one dimension: its taps are first + j*d for j = 0 .. k-1. */
typedef struct ref_window {
    int64_t first;      /* tap 0: o*s - pb */
    int64_t j_lo, j_hi; /* taps j_lo .. j_hi-1 are in bounds (taps increase with j) */
    int64_t pool;       /* taps in [start, end), end = min(start + ke, I + pe) */
    int64_t valid;      /* taps in [0, I): j_hi - j_lo */
} ref_window;

/* floor(a / b) for b > 0, whatever the sign of a (C's `/` truncates toward zero). */
static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if (a % b != 0 && a < 0) {
        q -= 1;
    }
    return q;
}

int ref_output_size(int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pe, int64_t d,
                    int ceil_mode, int64_t *out) {
    if (s < 1) {
        return -1;
    }
    int64_t ke = d * (k - 1) + 1;
    int64_t o = floor_div(in + pb + pe - ke + (ceil_mode ? s - 1 : 0), s) + 1;
    if (ceil_mode && (o - 1) * s >= in + pb) {
        o -= 1;
    }
    if (out != NULL) {
        *out = o;
    }
    return o < 1 ? -1 : 0;
}

/* Fills dims[0..2] (D, H, W) from the descriptors; rank r fills the last r, the rest are units. */
static int resolve_dims(const clpool_pool_desc *pool, const clpool_tensor_desc *in,
                        ref_dim dims[3]) {
    int rank = in->spatial_rank;
    if (rank < 1 || rank > 3 || pool->spatial_rank != rank) {
        return -1;
    }
    for (int i = 0; i < 3; ++i) {
        ref_dim unit = {.in = 1, .out = 1, .k = 1, .s = 1, .pb = 0, .pe = 0, .d = 1};
        dims[i] = unit;
    }
    for (int i = 0; i < rank; ++i) {
        ref_dim *dim = &dims[3 - rank + i];
        dim->in = in->spatial[i];
        if (pool->adaptive) {
            if (pool->output_size[i] < 1) {
                return -1;
            }
            dim->adaptive = 1;
            dim->out = pool->output_size[i];
            continue;
        }
        dim->k = pool->kernel[i];
        dim->s = pool->stride[i] == 0 ? pool->kernel[i] : pool->stride[i];
        dim->pb = pool->pad_begin[i];
        dim->pe = pool->pad_end[i];
        dim->d = pool->dilation[i];
        if (ref_output_size(dim->in, dim->k, dim->s, dim->pb, dim->pe, dim->d, pool->ceil_mode,
                            &dim->out) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Element strides of n, c, z, h, w for a dense tensor of these sizes in this layout. */
static void layout_strides(clpool_layout layout, int64_t c, const int64_t size[3],
                           int64_t strides[5]) {
    int64_t plane = size[0] * size[1] * size[2];
    if (layout == CLPOOL_LAYOUT_CHANNELS_LAST) {
        strides[1] = 1;
        strides[4] = c;
        strides[3] = size[2] * c;
        strides[2] = size[1] * size[2] * c;
        strides[0] = plane * c;
    } else {
        strides[4] = 1;
        strides[3] = size[2];
        strides[2] = size[1] * size[2];
        strides[1] = plane;
        strides[0] = plane * c;
    }
}

/* Adaptive window o: [floor(o * I / O), ceil((o + 1) * I / O)), every tap in bounds, dilation 1
 * (the dimension's d is 1 and unused otherwise). */
static ref_window adaptive_window_of(const ref_dim *dim, int64_t o) {
    int64_t start = (o * dim->in) / dim->out;
    int64_t end = ((o + 1) * dim->in + dim->out - 1) / dim->out;
    ref_window win = {.first = start, .j_lo = 0, .j_hi = end - start};
    win.pool = win.valid = end - start;
    return win;
}

/* The window of output o along dim. */
static ref_window window_of(const ref_dim *dim, int64_t o) {
    if (dim->adaptive) {
        return adaptive_window_of(dim, o);
    }
    ref_window win = {.first = o * dim->s - dim->pb, .j_lo = dim->k, .j_hi = 0, .pool = 0};
    int64_t ke = dim->d * (dim->k - 1) + 1;
    int64_t end = win.first + ke < dim->in + dim->pe ? win.first + ke : dim->in + dim->pe;
    for (int64_t j = 0; j < dim->k; ++j) {
        int64_t t = win.first + j * dim->d;
        if (t < end) {
            win.pool += 1;
        }
        if (t >= 0 && t < dim->in) {
            win.j_lo = j < win.j_lo ? j : win.j_lo;
            win.j_hi = j + 1;
        }
    }
    if (win.j_hi < win.j_lo) {
        win.j_lo = win.j_hi = 0;
    }
    win.valid = win.j_hi - win.j_lo;
    return win;
}

/* The average divisor of a window (SEMANTICS "Average pooling"): divisor_override when given, else
 * the product of pool counts with count_include_pad, else the product of valid counts. */
static int64_t avg_divisor(const clpool_pool_desc *pool, const ref_window win[3]) {
    if (pool->adaptive) {
        return win[0].valid * win[1].valid * win[2].valid; /* the window's size */
    }
    if (pool->has_divisor_override) {
        return pool->divisor_override;
    }
    if (pool->count_include_pad) {
        return win[0].pool * win[1].pool * win[2].pool;
    }
    return win[0].valid * win[1].valid * win[2].valid;
}

/* One output: x points at the (n, c) origin of the input, xs holds the z, h, w strides. */
static void pool_one(const clpool_pool_desc *pool, const ref_dim dims[3], const ref_window win[3],
                     const float *x, const int64_t xs[3], float *y, float *y_scale) {
    float acc = pool->mode == CLPOOL_MODE_MAX ? -INFINITY : 0.0f;
    double abs_sum = 0.0;
    for (int64_t jz = win[0].j_lo; jz < win[0].j_hi; ++jz) {
        int64_t tz = win[0].first + jz * dims[0].d;
        for (int64_t jh = win[1].j_lo; jh < win[1].j_hi; ++jh) {
            int64_t th = win[1].first + jh * dims[1].d;
            for (int64_t jw = win[2].j_lo; jw < win[2].j_hi; ++jw) {
                int64_t tw = win[2].first + jw * dims[2].d;
                float v = x[tz * xs[0] + th * xs[1] + tw * xs[2]];
                if (pool->mode == CLPOOL_MODE_MAX) {
                    if (v > acc || isnan(v)) {
                        acc = v;
                    }
                } else {
                    acc += v;
                    abs_sum += fabs((double)v);
                }
            }
        }
    }
    float scale = 0.0f;
    if (pool->mode == CLPOOL_MODE_AVG) {
        int64_t valid = win[0].valid * win[1].valid * win[2].valid;
        int64_t div = avg_divisor(pool, win);
        if (valid == 0) {
            acc = 0.0f;
        } else {
            acc = acc / (float)div;
            /* Float sums of n terms taken in different orders (the device's running or block
             * sums, PyTorch's vectorised ones) differ by up to about n units of rounding of the
             * summed magnitudes; REF_AVG_TOLERANCE covers 16 such units, so the scale grows with
             * windows of more taps (global pooling of large planes) and stays for small ones. */
            const double terms = (double)valid > 16.0 ? (double)valid / 16.0 : 1.0;
            scale = (float)(abs_sum / fabs((double)div) * terms);
        }
    }
    *y = acc;
    if (y_scale != NULL) {
        *y_scale = scale;
    }
}

int ref_pool_forward(const clpool_pool_desc *pool, const clpool_tensor_desc *in, const float *x,
                     float *y, float *y_scale) {
    ref_dim dims[3];
    if (pool == NULL || in == NULL || resolve_dims(pool, in, dims) != 0) {
        return -1;
    }
    if (pool->mode != CLPOOL_MODE_MAX && pool->mode != CLPOOL_MODE_AVG) {
        return -1;
    }
    int64_t in_size[3] = {dims[0].in, dims[1].in, dims[2].in};
    int64_t out_size[3] = {dims[0].out, dims[1].out, dims[2].out};
    int64_t xs[5], ys[5];
    layout_strides(in->layout, in->c, in_size, xs);
    layout_strides(in->layout, in->c, out_size, ys);
    for (int64_t n = 0; n < in->n; ++n) {
        for (int64_t c = 0; c < in->c; ++c) {
            const float *xp = x + n * xs[0] + c * xs[1];
            ref_window win[3];
            for (int64_t oz = 0; oz < out_size[0]; ++oz) {
                win[0] = window_of(&dims[0], oz);
                for (int64_t oh = 0; oh < out_size[1]; ++oh) {
                    win[1] = window_of(&dims[1], oh);
                    for (int64_t ow = 0; ow < out_size[2]; ++ow) {
                        win[2] = window_of(&dims[2], ow);
                        int64_t at = n * ys[0] + c * ys[1] + oz * ys[2] + oh * ys[3] + ow * ys[4];
                        pool_one(pool, dims, win, xp, xs + 2, y + at,
                                 y_scale != NULL ? y_scale + at : NULL);
                    }
                }
            }
        }
    }
    return 0;
}

/* One max output and its index (SEMANTICS "Max pooling", "Indices"): the first in-bounds tap's
 * flat plane index to start with (-1 if there is none), replaced on v > acc or NaN. */
static void max_with_index(const ref_dim dims[3], const ref_window win[3], const float *x,
                           const int64_t xs[3], float *y, int64_t *index) {
    float acc = -INFINITY;
    int64_t chosen = -1;
    for (int64_t jz = win[0].j_lo; jz < win[0].j_hi; ++jz) {
        int64_t tz = win[0].first + jz * dims[0].d;
        for (int64_t jh = win[1].j_lo; jh < win[1].j_hi; ++jh) {
            int64_t th = win[1].first + jh * dims[1].d;
            for (int64_t jw = win[2].j_lo; jw < win[2].j_hi; ++jw) {
                int64_t tw = win[2].first + jw * dims[2].d;
                int64_t flat = (tz * dims[1].in + th) * dims[2].in + tw;
                float v = x[tz * xs[0] + th * xs[1] + tw * xs[2]];
                if (chosen < 0) {
                    chosen = flat;
                }
                if (v > acc || isnan(v)) {
                    acc = v;
                    chosen = flat;
                }
            }
        }
    }
    *y = acc;
    *index = chosen;
}

int ref_pool_max_indices(const clpool_pool_desc *pool, const clpool_tensor_desc *in, const float *x,
                         float *y, int64_t *indices) {
    ref_dim dims[3];
    if (pool == NULL || in == NULL || pool->mode != CLPOOL_MODE_MAX ||
        resolve_dims(pool, in, dims) != 0) {
        return -1;
    }
    int64_t in_size[3] = {dims[0].in, dims[1].in, dims[2].in};
    int64_t out_size[3] = {dims[0].out, dims[1].out, dims[2].out};
    int64_t xs[5], ys[5];
    layout_strides(in->layout, in->c, in_size, xs);
    layout_strides(in->layout, in->c, out_size, ys);
    for (int64_t n = 0; n < in->n; ++n) {
        for (int64_t c = 0; c < in->c; ++c) {
            ref_window win[3];
            for (int64_t oz = 0; oz < out_size[0]; ++oz) {
                win[0] = window_of(&dims[0], oz);
                for (int64_t oh = 0; oh < out_size[1]; ++oh) {
                    win[1] = window_of(&dims[1], oh);
                    for (int64_t ow = 0; ow < out_size[2]; ++ow) {
                        win[2] = window_of(&dims[2], ow);
                        int64_t at = n * ys[0] + c * ys[1] + oz * ys[2] + oh * ys[3] + ow * ys[4];
                        max_with_index(dims, win, x + n * xs[0] + c * xs[1], xs + 2, y + at,
                                       indices + at);
                    }
                }
            }
        }
    }
    return 0;
}

/* ---- Backward -------------------------------------------------------------------------------- */

/* Everything a backward pass needs: the dims and the input and output strides (n, c, z, h, w). */
typedef struct ref_geometry {
    ref_dim dims[3];
    int64_t out_size[3];
    int64_t plane;     /* input elements per (n, c) */
    int64_t in_count;  /* input elements in all */
    int64_t out_count; /* output elements in all */
    int64_t xs[5], ys[5];
} ref_geometry;

/* Resolves pool and in for a backward pass of the given mode; -1 when they are invalid. */
static int geometry_of(const clpool_pool_desc *pool, const clpool_tensor_desc *in, clpool_mode mode,
                       ref_geometry *g) {
    if (pool == NULL || in == NULL || pool->mode != mode || resolve_dims(pool, in, g->dims) != 0) {
        return -1;
    }
    int64_t in_size[3] = {g->dims[0].in, g->dims[1].in, g->dims[2].in};
    for (int i = 0; i < 3; ++i) {
        g->out_size[i] = g->dims[i].out;
    }
    g->plane = in_size[0] * in_size[1] * in_size[2];
    g->in_count = in->n * in->c * g->plane;
    g->out_count = in->n * in->c * g->out_size[0] * g->out_size[1] * g->out_size[2];
    layout_strides(in->layout, in->c, in_size, g->xs);
    layout_strides(in->layout, in->c, g->out_size, g->ys);
    return 0;
}

static void zero_floats(float *v, int64_t count) {
    for (int64_t i = 0; i < count; ++i) {
        v[i] = 0.0f;
    }
}

/* Scatters one (n, c) plane of max gradients: go and idx point at the plane's origin in the
 * output-shaped tensors, gi at its origin in grad_in. */
static void scatter_max_plane(const ref_geometry *g, const float *go, const int64_t *idx,
                              float *gi) {
    const int64_t hi = g->dims[1].in, wi = g->dims[2].in;
    for (int64_t oz = 0; oz < g->out_size[0]; ++oz) {
        for (int64_t oh = 0; oh < g->out_size[1]; ++oh) {
            for (int64_t ow = 0; ow < g->out_size[2]; ++ow) {
                int64_t at = oz * g->ys[2] + oh * g->ys[3] + ow * g->ys[4];
                int64_t flat = idx[at];
                if (flat < 0) {
                    continue; /* a window with no in-bounds tap chose nothing */
                }
                int64_t tz = flat / (hi * wi), th = flat / wi % hi, tw = flat % wi;
                gi[tz * g->xs[2] + th * g->xs[3] + tw * g->xs[4]] += go[at];
            }
        }
    }
}

int ref_pool_backward_max(const clpool_pool_desc *pool, const clpool_tensor_desc *in,
                          const float *grad_out, const int64_t *indices, float *grad_in) {
    ref_geometry g;
    if (geometry_of(pool, in, CLPOOL_MODE_MAX, &g) != 0) {
        return -1;
    }
    for (int64_t i = 0; i < g.out_count; ++i) {
        if (indices[i] < -1 || indices[i] >= g.plane) {
            return -1;
        }
    }
    zero_floats(grad_in, g.in_count);
    for (int64_t n = 0; n < in->n; ++n) {
        for (int64_t c = 0; c < in->c; ++c) {
            int64_t out_at = n * g.ys[0] + c * g.ys[1];
            scatter_max_plane(&g, grad_out + out_at, indices + out_at,
                              grad_in + n * g.xs[0] + c * g.xs[1]);
        }
    }
    return 0;
}

int ref_pool_backward_max_from_input(const clpool_pool_desc *pool, const clpool_tensor_desc *in,
                                     const float *x, const float *grad_out, float *grad_in) {
    ref_geometry g;
    if (geometry_of(pool, in, CLPOOL_MODE_MAX, &g) != 0) {
        return -1;
    }
    if (g.out_count == 0) {
        return 0;
    }
    float *y = malloc((size_t)g.out_count * sizeof(float));
    int64_t *indices = malloc((size_t)g.out_count * sizeof(int64_t));
    int rc = -1;
    if (y != NULL && indices != NULL && ref_pool_max_indices(pool, in, x, y, indices) == 0) {
        rc = ref_pool_backward_max(pool, in, grad_out, indices, grad_in);
    }
    free(indices);
    free(y);
    return rc;
}

/* Adds g to every in-bounds tap of one window, in scan order; gi is the (n, c) origin of grad_in.
 */
static void scatter_avg_window(const ref_geometry *geo, const ref_window win[3], float g,
                               float *gi) {
    const ref_dim *dims = geo->dims;
    for (int64_t jz = win[0].j_lo; jz < win[0].j_hi; ++jz) {
        int64_t tz = win[0].first + jz * dims[0].d;
        for (int64_t jh = win[1].j_lo; jh < win[1].j_hi; ++jh) {
            int64_t th = win[1].first + jh * dims[1].d;
            for (int64_t jw = win[2].j_lo; jw < win[2].j_hi; ++jw) {
                int64_t tw = win[2].first + jw * dims[2].d;
                gi[tz * geo->xs[2] + th * geo->xs[3] + tw * geo->xs[4]] += g;
            }
        }
    }
}

/* Scatters one (n, c) plane of average gradients: go is the plane's origin in grad_out. */
static void scatter_avg_plane(const clpool_pool_desc *pool, const ref_geometry *geo,
                              const float *go, float *gi) {
    ref_window win[3];
    for (int64_t oz = 0; oz < geo->out_size[0]; ++oz) {
        win[0] = window_of(&geo->dims[0], oz);
        for (int64_t oh = 0; oh < geo->out_size[1]; ++oh) {
            win[1] = window_of(&geo->dims[1], oh);
            for (int64_t ow = 0; ow < geo->out_size[2]; ++ow) {
                win[2] = window_of(&geo->dims[2], ow);
                if (win[0].valid * win[1].valid * win[2].valid == 0) {
                    continue;
                }
                int64_t at = oz * geo->ys[2] + oh * geo->ys[3] + ow * geo->ys[4];
                float g = go[at] / (float)avg_divisor(pool, win);
                scatter_avg_window(geo, win, g, gi);
            }
        }
    }
}

int ref_pool_backward_avg(const clpool_pool_desc *pool, const clpool_tensor_desc *in,
                          const float *grad_out, float *grad_in) {
    ref_geometry geo;
    if (geometry_of(pool, in, CLPOOL_MODE_AVG, &geo) != 0) {
        return -1;
    }
    zero_floats(grad_in, geo.in_count);
    for (int64_t n = 0; n < in->n; ++n) {
        for (int64_t c = 0; c < in->c; ++c) {
            scatter_avg_plane(pool, &geo, grad_out + n * geo.ys[0] + c * geo.ys[1],
                              grad_in + n * geo.xs[0] + c * geo.xs[1]);
        }
    }
    return 0;
}

/* ---- Max unpooling --------------------------------------------------------------------------- */

/* The sizes (D, H, W) of a rank-r spatial list, its r dimensions innermost and units outside. */
static void padded_sizes(int rank, const int64_t *spatial, int64_t size[3]) {
    for (int i = 0; i < 3; ++i) {
        size[i] = 1;
    }
    for (int i = 0; i < rank; ++i) {
        size[3 - rank + i] = spatial[i];
    }
}

/* 0 when values and out_spatial describe a valid unpooling, else -1. */
static int unpool_shapes_valid(const clpool_tensor_desc *values, const int64_t *out_spatial) {
    if (values == NULL || out_spatial == NULL) {
        return -1;
    }
    int rank = values->spatial_rank;
    if (rank < 1 || rank > 3 || values->n < 0 || values->c < 1 ||
        (values->layout != CLPOOL_LAYOUT_CHANNELS_FIRST &&
         values->layout != CLPOOL_LAYOUT_CHANNELS_LAST)) {
        return -1;
    }
    for (int i = 0; i < rank; ++i) {
        if (values->spatial[i] < 1 || out_spatial[i] < 1) {
            return -1;
        }
    }
    return 0;
}

int ref_max_unpool(const clpool_tensor_desc *values, const int64_t *out_spatial, const float *v,
                   const int64_t *indices, float *output) {
    if (unpool_shapes_valid(values, out_spatial) != 0) {
        return -1;
    }
    int64_t in_size[3], out_size[3];
    padded_sizes(values->spatial_rank, values->spatial, in_size);
    padded_sizes(values->spatial_rank, out_spatial, out_size);
    const int64_t in_plane = in_size[0] * in_size[1] * in_size[2];
    const int64_t out_plane = out_size[0] * out_size[1] * out_size[2];
    const int64_t in_count = values->n * values->c * in_plane;
    for (int64_t i = 0; i < in_count; ++i) {
        if (indices[i] < -1 || indices[i] >= out_plane) {
            return -1;
        }
    }
    int64_t vs[5], os[5];
    layout_strides(values->layout, values->c, in_size, vs);
    layout_strides(values->layout, values->c, out_size, os);
    zero_floats(output, values->n * values->c * out_plane);
    for (int64_t n = 0; n < values->n; ++n) {
        for (int64_t c = 0; c < values->c; ++c) {
            float *op = output + n * os[0] + c * os[1];
            for (int64_t p = 0; p < in_plane; ++p) {
                int64_t z = p / (in_size[1] * in_size[2]), h = p / in_size[2] % in_size[1];
                int64_t at = n * vs[0] + c * vs[1] + z * vs[2] + h * vs[3] + p % in_size[2] * vs[4];
                int64_t flat = indices[at];
                if (flat < 0) {
                    continue; /* -1: no value */
                }
                int64_t tz = flat / (out_size[1] * out_size[2]);
                int64_t th = flat / out_size[2] % out_size[1], tw = flat % out_size[2];
                op[tz * os[2] + th * os[3] + tw * os[4]] = v[at];
            }
        }
    }
    return 0;
}
