/*
 * Forward max and average pooling, one output element per work-item, PyTorch semantics.
 *
 * The kernel always works on three spatial dimensions (D, H, W); 2D pooling runs it with D = 1,
 * kernel 1, stride 1 and no padding in depth, so every rank shares this one kernel. Work-item gid is
 * the output element's linear index in memory order, so neighbouring work-items write neighbouring
 * outputs: along W for channels-first, along C for channels-last (which also makes their reads
 * neighbouring). Only in-bounds taps are visited: the tap range of each dimension is computed up
 * front instead of testing every tap.
 *
 * Built after pool_common.cl, which holds the parameter macros and tap-range helpers.
 *
 * Macros (all required unless marked optional):
 *   DATA_T         stored element type (float)
 *   ACC_T          accumulating type (float for float data)
 *   IDX_T          element index type: int when every tensor index fits in 31 bits, else long
 *   POOL_MAX       1 for max pooling, 0 for average pooling
 *   CHANNELS_LAST  1 for N,D,H,W,C memory order, 0 for N,C,D,H,W
 *   SPECIALISED    1 to take the sizes and window below as constants, 0 to read kernel arguments
 *   ADAPTIVE       optional, 1 for adaptive windows (from the input and output sizes alone; the
 *                  window, stride, padding and dilation values are then unused), default 0
 *   WRITE_INDICES  1 to also write each max output's argmax into indices (max pooling only)
 *   INDEX_T        the index type written (long or int); required with WRITE_INDICES 1
 *   LOAD(p, i)     optional: read element i of p as ACC_T (default: a plain conversion)
 *   STORE(p, i, v) optional: write ACC_T v to element i of p (default: a plain conversion)
 * With SPECIALISED 1, also: IN_D IN_H IN_W CH OUT_D OUT_H OUT_W (sizes), K_D K_H K_W (kernel),
 *   S_D S_H S_W (stride), PB_D PB_H PB_W / PE_D PE_H PE_W (padding at begin / end), DL_D DL_H DL_W
 *   (dilation), COUNT_INCLUDE_PAD (0/1) and DIVISOR (0 for none, else the divisor override).
 */

#ifndef WRITE_INDICES
#define WRITE_INDICES 0
#endif
#ifndef INDEX_T
#define INDEX_T long
#endif

__kernel void clpool_pool_forward(__global const DATA_T *restrict input, ulong input_offset,
                                  __global DATA_T *restrict output, ulong output_offset,
                                  __global INDEX_T *restrict indices, ulong indices_offset,
                                  ulong total, int4 in_dims, int4 out_dims, int4 ksize,
                                  int4 stride, int4 pad_begin, int4 pad_end, int4 dilation,
                                  int2 avg_rule) {
    const size_t gid = get_global_id(0);
    if (gid >= total)
        return;
    input += input_offset;
    output += output_offset;

    IDX_T rest = (IDX_T)gid;
#if CHANNELS_LAST
    const IDX_T channel = rest % P_C;
    rest /= P_C;
#endif
    const int ow = (int)(rest % P_OW);
    rest /= P_OW;
    const int oh = (int)(rest % P_OH);
    rest /= P_OH;
    const int od = (int)(rest % P_OD);
    rest /= P_OD; /* now n (channels-last) or n * C + c (channels-first) */

    const IDX_T plane_elements = (IDX_T)P_ID * P_IH * P_IW;
#if CHANNELS_LAST
    const IDX_T plane = rest * plane_elements * P_C + channel;
#else
    const IDX_T plane = rest * plane_elements;
#endif

    int zs, z0, z1, ys, y0, y1, xs, x0, x1;
    WINDOW_RANGE_D(od, zs, z0, z1);
    WINDOW_RANGE_H(oh, ys, y0, y1);
    WINDOW_RANGE_W(ow, xs, x0, x1);

#if POOL_MAX
    ACC_T acc = -INFINITY;
#if WRITE_INDICES
    /* PyTorch starts from the first in-bounds tap, so an all -inf window reports that tap; a
     * window with no in-bounds tap reports -1. */
    long argmax = (z1 > z0 && y1 > y0 && x1 > x0)
                      ? ((long)(zs + z0 * P_DD) * P_IH + ys + y0 * P_DH) * P_IW + xs + x0 * P_DW
                      : -1;
#endif
#else
    ACC_T acc = (ACC_T)0;
#endif
    for (int jz = z0; jz < z1; ++jz) {
        const IDX_T row_z = (IDX_T)(zs + jz * P_DD) * P_IH;
        for (int jy = y0; jy < y1; ++jy) {
            const IDX_T row_y = (row_z + ys + jy * P_DH) * P_IW;
            for (int jx = x0; jx < x1; ++jx) {
                const ACC_T v = LOAD(input, plane + (row_y + xs + jx * P_DW) * TAP_STEP);
#if POOL_MAX
                if (v > acc || isnan(v)) {
                    acc = v;
#if WRITE_INDICES
                    argmax = (row_y + xs + jx * P_DW);
#endif
                }
#else
                acc += v;
#endif
            }
        }
    }

#if !POOL_MAX
    const int valid = max(z1 - z0, 0) * max(y1 - y0, 0) * max(x1 - x0, 0);
    acc = valid == 0 ? (ACC_T)0 : acc / (ACC_T)WINDOW_DIVISOR(zs, ys, xs, valid);
#endif
    STORE(output, (IDX_T)gid, acc);
#if WRITE_INDICES
    indices[indices_offset + gid] = (INDEX_T)argmax;
#endif
}
