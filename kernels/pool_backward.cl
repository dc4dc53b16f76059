/*
 * Backward pooling as a gather: each work-item computes one grad_input element by visiting, in
 * row-major output order, the outputs whose windows contain it, and summing what each sends it.
 * No two work-items write the same element and the order is fixed, so results are identical run
 * to run with no atomics. Built after pool_common.cl (parameter macros, tap ranges, divisor).
 *
 * Work-item gid is the grad_input element's linear index in memory order. Along each dimension
 * the windows containing input position i are those o with o * stride - pad_begin + j * dilation
 * = i for a tap j < kernel; walking j downwards visits them in ascending o.
 *
 * Macros: as pool_common.cl, plus
 *   BACKWARD_KIND  1: max from indices (aux holds the forward's INDEX_T indices, laid out like
 *                  grad_output), 2: max from the forward input (aux holds it; each covering
 *                  window's argmax is found again), 3: average (aux is unused)
 *   INDEX_T        the index type, with BACKWARD_KIND 1
 */

#define BACKWARD_MAX_INDICES 1
#define BACKWARD_MAX_INPUT 2
#define BACKWARD_AVG 3

#if BACKWARD_KIND == BACKWARD_MAX_INDICES
#define AUX_T INDEX_T
#else
#define AUX_T DATA_T
#endif

/* The argmax (flat plane index) of the window starting at (zs, ys, xs), by the forward rules:
 * first in-bounds tap to start, then v > acc or NaN. plane points at the (n, c) origin. */
#define WINDOW_ARGMAX(result, input, plane, zs, ys, xs)                                            \
    do {                                                                                           \
        const int z0_ = first_in_bounds_tap(zs, P_DD), z1_ = end_of_taps_below(zs, P_KD, P_DD, P_ID); \
        const int y0_ = first_in_bounds_tap(ys, P_DH), y1_ = end_of_taps_below(ys, P_KH, P_DH, P_IH); \
        const int x0_ = first_in_bounds_tap(xs, P_DW), x1_ = end_of_taps_below(xs, P_KW, P_DW, P_IW); \
        ACC_T best_ = -INFINITY;                                                                   \
        result = ((long)(zs + z0_ * P_DD) * P_IH + ys + y0_ * P_DH) * P_IW + xs + x0_ * P_DW;     \
        for (int jz_ = z0_; jz_ < z1_; ++jz_)                                                      \
            for (int jy_ = y0_; jy_ < y1_; ++jy_)                                                  \
                for (int jx_ = x0_; jx_ < x1_; ++jx_) {                                            \
                    const long tap_ =                                                              \
                        ((long)(zs + jz_ * P_DD) * P_IH + ys + jy_ * P_DH) * P_IW + xs + jx_ * P_DW; \
                    const ACC_T v_ = LOAD(input, plane + (IDX_T)tap_ * TAP_STEP);                  \
                    if (v_ > best_ || isnan(v_)) {                                                 \
                        best_ = v_;                                                                \
                        result = tap_;                                                             \
                    }                                                                              \
                }                                                                                  \
    } while (0)

__kernel void clpool_pool_backward(__global const DATA_T *restrict grad_output,
                                   ulong grad_output_offset, __global const AUX_T *restrict aux,
                                   ulong aux_offset, __global DATA_T *restrict grad_input,
                                   ulong grad_input_offset, ulong total, int4 in_dims,
                                   int4 out_dims, int4 ksize, int4 stride, int4 pad_begin,
                                   int4 pad_end, int4 dilation, int2 avg_rule) {
    const size_t gid = get_global_id(0);
    if (gid >= total)
        return;
    grad_output += grad_output_offset;
    grad_input += grad_input_offset;
#if BACKWARD_KIND != BACKWARD_AVG
    aux += aux_offset;
#endif

    IDX_T rest = (IDX_T)gid;
#if CHANNELS_LAST
    const IDX_T channel = rest % P_C;
    rest /= P_C;
#endif
    const int ix = (int)(rest % P_IW);
    rest /= P_IW;
    const int iy = (int)(rest % P_IH);
    rest /= P_IH;
    const int iz = (int)(rest % P_ID);
    rest /= P_ID; /* now n (channels-last) or n * C + c (channels-first) */
    const long flat = ((long)iz * P_IH + iy) * P_IW + ix;

    const IDX_T out_plane_elements = (IDX_T)P_OD * P_OH * P_OW;
#if CHANNELS_LAST
    const IDX_T out_plane = rest * out_plane_elements * P_C + channel;
    const IDX_T in_plane = rest * ((IDX_T)P_ID * P_IH * P_IW) * P_C + channel;
#else
    const IDX_T out_plane = rest * out_plane_elements;
    const IDX_T in_plane = rest * ((IDX_T)P_ID * P_IH * P_IW);
#endif

    ACC_T acc = (ACC_T)0;
    for (int jz = P_KD - 1; jz >= 0; --jz) {
        const int tz = iz + P_PBD - jz * P_DD;
        if (tz < 0 || tz % P_SD != 0)
            continue;
        const int oz = tz / P_SD;
        if (oz >= P_OD)
            break;
        for (int jy = P_KH - 1; jy >= 0; --jy) {
            const int ty = iy + P_PBH - jy * P_DH;
            if (ty < 0 || ty % P_SH != 0)
                continue;
            const int oy = ty / P_SH;
            if (oy >= P_OH)
                break;
            for (int jx = P_KW - 1; jx >= 0; --jx) {
                const int tx = ix + P_PBW - jx * P_DW;
                if (tx < 0 || tx % P_SW != 0)
                    continue;
                const int ox = tx / P_SW;
                if (ox >= P_OW)
                    break;
                const IDX_T o = out_plane + (((IDX_T)oz * P_OH + oy) * P_OW + ox) * TAP_STEP;
                const ACC_T g = LOAD(grad_output, o);
#if BACKWARD_KIND == BACKWARD_MAX_INDICES
                if ((long)aux[o] == flat)
                    acc += g;
#elif BACKWARD_KIND == BACKWARD_MAX_INPUT
                long argmax;
                WINDOW_ARGMAX(argmax, aux, in_plane, oz * P_SD - P_PBD, oy * P_SH - P_PBH,
                              ox * P_SW - P_PBW);
                if (argmax == flat)
                    acc += g;
#else
                const int zs = oz * P_SD - P_PBD, ys = oy * P_SH - P_PBH, xs = ox * P_SW - P_PBW;
                const int valid =
                    max(end_of_taps_below(zs, P_KD, P_DD, P_ID) - first_in_bounds_tap(zs, P_DD),
                        0) *
                    max(end_of_taps_below(ys, P_KH, P_DH, P_IH) - first_in_bounds_tap(ys, P_DH),
                        0) *
                    max(end_of_taps_below(xs, P_KW, P_DW, P_IW) - first_in_bounds_tap(xs, P_DW),
                        0);
                acc += g / (ACC_T)WINDOW_DIVISOR(zs, ys, xs, valid);
#endif
            }
        }
    }
    (void)in_plane;
    STORE(grad_input, (IDX_T)gid, acc);
}
