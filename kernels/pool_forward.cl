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
 * Macros (all required unless marked optional):
 *   DATA_T         stored element type (float)
 *   ACC_T          accumulating type (float for float data)
 *   IDX_T          element index type: int when every tensor index fits in 31 bits, else long
 *   POOL_MAX       1 for max pooling, 0 for average pooling
 *   CHANNELS_LAST  1 for N,D,H,W,C memory order, 0 for N,C,D,H,W
 *   SPECIALISED    1 to take the sizes and window below as constants, 0 to read kernel arguments
 *   WRITE_INDICES  1 to also write each max output's argmax into indices (max pooling only)
 *   INDEX_T        the index type written (long or int); required with WRITE_INDICES 1
 *   LOAD(p, i)     optional: read element i of p as ACC_T (default: a plain conversion)
 *   STORE(p, i, v) optional: write ACC_T v to element i of p (default: a plain conversion)
 * With SPECIALISED 1, also: IN_D IN_H IN_W CH OUT_D OUT_H OUT_W (sizes), K_D K_H K_W (kernel),
 *   S_D S_H S_W (stride), PB_D PB_H PB_W / PE_D PE_H PE_W (padding at begin / end), DL_D DL_H DL_W
 *   (dilation), COUNT_INCLUDE_PAD (0/1) and DIVISOR (0 for none, else the divisor override).
 */

#ifndef LOAD
#define LOAD(p, i) ((ACC_T)(p)[(i)])
#endif
#ifndef STORE
#define STORE(p, i, v) ((p)[(i)] = (DATA_T)(v))
#endif

#if SPECIALISED
#define P_ID IN_D
#define P_IH IN_H
#define P_IW IN_W
#define P_C CH
#define P_OD OUT_D
#define P_OH OUT_H
#define P_OW OUT_W
#define P_KD K_D
#define P_KH K_H
#define P_KW K_W
#define P_SD S_D
#define P_SH S_H
#define P_SW S_W
#define P_PBD PB_D
#define P_PBH PB_H
#define P_PBW PB_W
#define P_PED PE_D
#define P_PEH PE_H
#define P_PEW PE_W
#define P_DD DL_D
#define P_DH DL_H
#define P_DW DL_W
#define P_COUNT_INCLUDE_PAD COUNT_INCLUDE_PAD
#define P_DIVISOR DIVISOR
#else
#define P_ID in_dims.x
#define P_IH in_dims.y
#define P_IW in_dims.z
#define P_C in_dims.w
#define P_OD out_dims.x
#define P_OH out_dims.y
#define P_OW out_dims.z
#define P_KD ksize.x
#define P_KH ksize.y
#define P_KW ksize.z
#define P_SD stride.x
#define P_SH stride.y
#define P_SW stride.z
#define P_PBD pad_begin.x
#define P_PBH pad_begin.y
#define P_PBW pad_begin.z
#define P_PED pad_end.x
#define P_PEH pad_end.y
#define P_PEW pad_end.z
#define P_DD dilation.x
#define P_DH dilation.y
#define P_DW dilation.z
#define P_COUNT_INCLUDE_PAD avg_rule.x
#define P_DIVISOR avg_rule.y
#endif

#ifndef WRITE_INDICES
#define WRITE_INDICES 0
#endif
#ifndef INDEX_T
#define INDEX_T long
#endif

#if CHANNELS_LAST
#define TAP_STEP ((IDX_T)P_C)
#else
#define TAP_STEP ((IDX_T)1)
#endif

/* Index of the first tap j (0 <= j < k) with start + j*d >= 0. */
inline int first_in_bounds_tap(int start, int d) {
    return start >= 0 ? 0 : (-start + d - 1) / d;
}

/* One past the last tap j < k with start + j*d < limit (0 when there is none). */
inline int end_of_taps_below(int start, int k, int d, int limit) {
    const int room = limit - start;
    return room <= 0 ? 0 : min(k, (room + d - 1) / d);
}

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

    const int zs = od * P_SD - P_PBD;
    const int ys = oh * P_SH - P_PBH;
    const int xs = ow * P_SW - P_PBW;
    const int z0 = first_in_bounds_tap(zs, P_DD), z1 = end_of_taps_below(zs, P_KD, P_DD, P_ID);
    const int y0 = first_in_bounds_tap(ys, P_DH), y1 = end_of_taps_below(ys, P_KH, P_DH, P_IH);
    const int x0 = first_in_bounds_tap(xs, P_DW), x1 = end_of_taps_below(xs, P_KW, P_DW, P_IW);

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
    /* Taps counted by count_include_pad: the window clipped at the end padding. */
    const int pool_d = end_of_taps_below(zs, P_KD, P_DD, P_ID + P_PED);
    const int pool_h = end_of_taps_below(ys, P_KH, P_DH, P_IH + P_PEH);
    const int pool_w = end_of_taps_below(xs, P_KW, P_DW, P_IW + P_PEW);
    const int valid = max(z1 - z0, 0) * max(y1 - y0, 0) * max(x1 - x0, 0);
    const int divisor =
        P_DIVISOR != 0 ? P_DIVISOR : (P_COUNT_INCLUDE_PAD ? pool_d * pool_h * pool_w : valid);
    acc = valid == 0 ? (ACC_T)0 : acc / (ACC_T)divisor;
#endif
    STORE(output, (IDX_T)gid, acc);
#if WRITE_INDICES
    indices[indices_offset + gid] = (INDEX_T)argmax;
#endif
}
