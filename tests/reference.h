/*
 * The CPU reference for clpool's tests: max and average pooling (with their backward passes, and
 * max unpooling) of float32 tensors written plainly and directly from shared/SEMANTICS.md
 * (PyTorch's rules), one output and one tap at a time, in either layout and for spatial rank 1, 2
 * or 3. It shares no code with the library and calls no
 * clpool_* function, so that a misreading of the rules in the library cannot hide behind the same
 * misreading here; it only borrows the plain descriptor structs and enums from the public header.
 */
#ifndef CLPOOL_TESTS_REFERENCE_H
#define CLPOOL_TESTS_REFERENCE_H

#include <clpool/clpool.h>
#include <stdint.h>

/*
 * The output size along one dimension (SEMANTICS "Output size", the ceil-mode last-window rule
 * included): in = I, k = kernel, s = stride (already resolved, >= 1), pb / pe = padding at the
 * begin / end, d = dilation. Writes O to *out and returns 0, or returns -1 when O < 1 (*out then
 * still holds the computed O). Parameter validity is not checked, except that s < 1 returns -1
 * rather than divide by zero.
 */
int ref_output_size(int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pe, int64_t d,
                    int ceil_mode, int64_t *out);

/*
 * Pools the float32 tensor x described by in into y, both in in->layout, with the output sizes of
 * ref_output_size (stride 0 means stride = kernel). When y_scale is not NULL it also receives, per
 * output, the scale for comparison tolerances: for average pooling the sum of |v| over the
 * window's in-bounds taps (in double) divided by |divisor|, as float (0 for a window with no
 * in-bounds tap); 0 for max pooling. Returns 0, or -1 when an output size is < 1 (or pool / in is
 * NULL, the ranks disagree or are not 1..3, or the mode is unknown). With N = 0 nothing is read
 * or written and x, y may be NULL.
 */
/* Every function below also takes adaptive descriptors (pool->adaptive = 1): the output sizes are
 * then pool->output_size[], window o of a dimension spans [floor(o * I / O), ceil((o + 1) * I /
 * O)), and the average divides by the window's size; the window fields are not read. */

int ref_pool_forward(const clpool_pool_desc *pool, const clpool_tensor_desc *in, const float *x,
                     float *y, float *y_scale);

/*
 * Max pooling with PyTorch's indices: y as ref_pool_forward gives it, and in indices (laid out like
 * y) each output's flat index within its (n, c) spatial plane ((z * H + h) * W + w): ties keep the
 * first maximum, NaN the last NaN, an all -inf window its first in-bounds tap, a window with no
 * in-bounds tap -1. Returns 0, or -1 as ref_pool_forward does (also for a mode other than max).
 */
int ref_pool_max_indices(const clpool_pool_desc *pool, const clpool_tensor_desc *in, const float *x,
                         float *y, int64_t *indices);

/*
 * Backward of max pooling (SEMANTICS "Backward"), written as a scatter: grad_in (shaped like the
 * input) is zeroed, then for each (n, c) and each output o in row-major order (D outermost, W
 * innermost) grad_in[indices[o]] += grad_out[o] in float, where indices[o] is the flat index within
 * that (n, c)'s spatial plane ((z * H + h) * W + w, whatever the layout) and -1 (a window with no
 * in-bounds tap) contributes nothing. grad_out and indices are shaped like the output of
 * ref_output_size, all tensors in in->layout. Returns 0, or -1 as ref_pool_max_indices does, or -1
 * when some index is < -1 or >= the plane size: every index is checked before anything is
 * written, so then grad_in is left untouched. With N = 0 nothing is read or written.
 */
int ref_pool_backward_max(const clpool_pool_desc *pool, const clpool_tensor_desc *in,
                          const float *grad_out, const int64_t *indices, float *grad_in);

/*
 * ref_pool_backward_max with the indices ref_pool_max_indices computes from the forward input x
 * (ties keep the first maximum, NaN the last NaN, ...). Returns 0, or -1 on invalid descriptors
 * (or when the temporary buffers cannot be allocated). With N = 0 nothing is read or written.
 */
int ref_pool_backward_max_from_input(const clpool_pool_desc *pool, const clpool_tensor_desc *in,
                                     const float *x, const float *grad_out, float *grad_in);

/*
 * Backward of average pooling (SEMANTICS "Backward"), written as a scatter: grad_in is zeroed,
 * then for each (n, c) and each output o in row-major order g = grad_out[o] / (float)div(o) is
 * computed once, div(o) being exactly ref_pool_forward's divisor (divisor_override, else the
 * product of pool counts with count_include_pad, else of valid counts), and g is added in float to
 * every in-bounds tap of window o in scan order. A window with no in-bounds tap adds nothing.
 * Layouts and shapes as ref_pool_backward_max. Returns 0, or -1 as ref_pool_forward does (also
 * for a mode other than average). With N = 0 nothing is read or written.
 */
int ref_pool_backward_avg(const clpool_pool_desc *pool, const clpool_tensor_desc *in,
                          const float *grad_out, float *grad_in);

/*
 * Max unpooling (PyTorch max_unpool), written as a scatter: output (N, C, out_spatial..., in
 * values->layout, same rank) is zeroed, then for each (n, c) and each element of v in row-major
 * order (D outermost, W innermost) the output plane position indices[e] receives v[e], so a later
 * element overwrites an earlier one with the same index (the last write wins). indices is laid out
 * like v and holds flat positions ((z * H + h) * W + w) within the output plane; -1 means "no
 * value" and is skipped. out_spatial[0 .. rank-1] are the output's spatial sizes, outermost first.
 * Returns 0; or -1, writing nothing, when values or out_spatial is NULL, values' rank is not 1..3,
 * N < 0, C < 1, the layout is unknown, a values or out_spatial size is < 1, or any index is < -1
 * or >= the output plane size (every index is checked before anything is written). With N = 0
 * nothing is read or written.
 */
int ref_max_unpool(const clpool_tensor_desc *values, const int64_t *out_spatial, const float *v,
                   const int64_t *indices, float *output);

#endif /* CLPOOL_TESTS_REFERENCE_H */
