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
 *   ADAPTIVE       optional, 1 for adaptive windows: the outputs whose windows contain input
 *                  position i are [floor(i * O / I), ceil((i + 1) * O / I)) per dimension
 *   GLOBAL_WINDOW  optional, 1 for global pooling (one output per plane), with BACKWARD_KIND 1
 *                  or 3: the one covering output is read directly, with no range to walk
 *   SCATTER_BACKWARD optional, 1 for windows with kernel <= 2 x stride, with BACKWARD_KIND 1:
 *                  the plan runs clpool_pool_backward_zero and clpool_pool_backward_scatter (end
 *                  of this file) instead of the gather; then NEAR_D, NEAR_H, NEAR_W say along
 *                  which dimensions windows overlap
 */

#define BACKWARD_MAX_INDICES 1
#define BACKWARD_MAX_INPUT   2
#define BACKWARD_AVG         3

/* NARROW_INDICES optional (host: pool_kernels.c, clpool_kernel_narrow_indices), with
 * BACKWARD_KIND 1, int64 indices, the spelled-out gather and lanes, on planes of fewer than 2^31
 * elements: the plan first runs clpool_pool_backward_narrow (end of this file), which rewrites
 * each index as an int (-1 when it is outside the plane, where it could match no element), and
 * the gather then reads those. With SCATTER_BACKWARD (clpool_kernel_scatter_narrows) the fill,
 * clpool_pool_backward_zero, narrows them instead, for the scatter's neighbour reads, and to -1
 * also where the index is outside its output's own window (own_window_index). A 64-bit
 * index in the gather made PoCL vectorise it 4 wide instead of 8 (its vector width is 256 bits),
 * and the gather is bound by instructions, not bytes (docs/PERFORMANCE.md). INT_INDICES (host): the
 * caller's indices are int32 already, so the gather compares them as int too. Either way an index
 * matches exactly the elements its 64-bit value would have. */
#ifndef NARROW_INDICES
#define NARROW_INDICES 0
#endif
#ifndef INT_INDICES
#define INT_INDICES 0
#endif
#if BACKWARD_KIND == BACKWARD_MAX_INDICES && NARROW_INDICES
#define AUX_T int
/* An int64 index v as the int the narrowing kernels write: v in the plane, else -1. */
#define NARROWED_INDEX(v) ((v) >= 0 && (v) < (long)P_ID * P_IH * P_IW ? (int)(v) : -1)
#elif BACKWARD_KIND == BACKWARD_MAX_INDICES
#define AUX_T INDEX_T
#else
#define AUX_T DATA_T
#endif

/* The argmax (flat plane index) of the window of output (oz, oy, ox), by the forward rules:
 * first in-bounds tap to start, then v > acc or NaN. plane points at the (n, c) origin. */
#define WINDOW_ARGMAX(result, input, plane, oz, oy, ox)                                            \
    do {                                                                                           \
        int zs_, z0_, z1_, ys_, y0_, y1_, xs_, x0_, x1_;                                           \
        WINDOW_RANGE_D(oz, zs_, z0_, z1_);                                                         \
        WINDOW_RANGE_H(oy, ys_, y0_, y1_);                                                         \
        WINDOW_RANGE_W(ox, xs_, x0_, x1_);                                                         \
        ACC_T best_ = -INFINITY;                                                                   \
        result = ((long)(zs_ + z0_ * P_DD) * P_IH + ys_ + y0_ * P_DH) * P_IW + xs_ + x0_ * P_DW;   \
        for (int jz_ = z0_; jz_ < z1_; ++jz_)                                                      \
            for (int jy_ = y0_; jy_ < y1_; ++jy_)                                                  \
                for (int jx_ = x0_; jx_ < x1_; ++jx_) {                                            \
                    const long tap_ =                                                              \
                        ((long)(zs_ + jz_ * P_DD) * P_IH + ys_ + jy_ * P_DH) * P_IW + xs_ +        \
                        jx_ * P_DW;                                                                \
                    const ACC_T v_ = LOAD(input, plane + (IDX_T)tap_ * TAP_STEP);                  \
                    if (v_ > best_ || isnan(v_)) {                                                 \
                        best_ = v_;                                                                \
                        result = tap_;                                                             \
                    }                                                                              \
                }                                                                                  \
    } while (0)

/* What output (oz, oy, ox), whose window contains this work-item's element, adds to acc. */
#if BACKWARD_KIND == BACKWARD_MAX_INDICES
#define ACCUMULATE_FROM(oz, oy, ox)                                                                \
    do {                                                                                           \
        const IDX_T o_ = out_plane + (((IDX_T)(oz)*P_OH + (oy)) * P_OW + (ox)) * TAP_STEP;         \
        if ((long)aux[o_] == flat)                                                                 \
            acc += LOAD(grad_output, o_);                                                          \
    } while (0)
#elif BACKWARD_KIND == BACKWARD_MAX_INPUT
#define ACCUMULATE_FROM(oz, oy, ox)                                                                \
    do {                                                                                           \
        const IDX_T o_ = out_plane + (((IDX_T)(oz)*P_OH + (oy)) * P_OW + (ox)) * TAP_STEP;         \
        long argmax_;                                                                              \
        WINDOW_ARGMAX(argmax_, aux, in_plane, (oz), (oy), (ox));                                   \
        if (argmax_ == flat)                                                                       \
            acc += LOAD(grad_output, o_);                                                          \
    } while (0)
#else
#define ACCUMULATE_FROM(oz, oy, ox)                                                                \
    do {                                                                                           \
        const IDX_T o_ = out_plane + (((IDX_T)(oz)*P_OH + (oy)) * P_OW + (ox)) * TAP_STEP;         \
        int zs_, z0_, z1_, ys_, y0_, y1_, xs_, x0_, x1_;                                           \
        WINDOW_RANGE_D(oz, zs_, z0_, z1_);                                                         \
        WINDOW_RANGE_H(oy, ys_, y0_, y1_);                                                         \
        WINDOW_RANGE_W(ox, xs_, x0_, x1_);                                                         \
        const int valid_ = max(z1_ - z0_, 0) * max(y1_ - y0_, 0) * max(x1_ - x0_, 0);              \
        acc += LOAD(grad_output, o_) / (ACC_T)WINDOW_DIVISOR(zs_, ys_, xs_, valid_);               \
    } while (0)
#endif

/* The spelled-out gather needs a specialised window with dilation 1, for the kinds that read
 * one value per covering output (not MAX_FROM_INPUT, which rescans each window). */
#if UNROLLED_COVER && !ADAPTIVE && DL_D == 1 && DL_H == 1 && DL_W == 1 &&                          \
    BACKWARD_KIND != BACKWARD_MAX_INPUT
#define CLAMPED_COVER 1
#else
#define CLAMPED_COVER 0
#endif

/* LANES (host: pool_kernels.c), two-dimensional launches over the grad_input elements with the
 * spelled-out gather (or GLOBAL_WINDOW): LANES_CHANNEL (channels-last) as in pool_forward.cl,
 * dimension 0 over the channels; LANES_RESIDUE (channels-first) dimension 0 over the input's W
 * divided by the stride, dimension 1 over (input row, residue), so that the covering outputs' reads
 * are affine in the lane (below); LANES_WIDTH (channels-first, windows that overlap in no
 * dimension, strided along W) dimension 0 over the input's W, dimension 1 over the input rows:
 * each element's one covering output is a gathered read, and the store a plain one, where the
 * residue lanes' store at the stride is a scatter (docs/PERFORMANCE.md); LANES_PLANE
 * (channels-first global pooling) dimension 0 over the plane. */
#define LANES_CHANNEL 1
#define LANES_WIDTH   2
#define LANES_RESIDUE 3
#define LANES_PLANE   4
#ifndef LANES
#define LANES 0
#endif
#ifndef GLOBAL_WINDOW
#define GLOBAL_WINDOW 0
#endif
#if GLOBAL_WINDOW && BACKWARD_KIND == BACKWARD_MAX_INPUT
#error "GLOBAL_WINDOW is for the kinds that read one value per covering output"
#endif
#if LANES && !((CLAMPED_COVER || GLOBAL_WINDOW) &&                                                 \
                   (LANES == LANES_CHANNEL && CHANNELS_LAST ||                                     \
                    (LANES == LANES_RESIDUE || LANES == LANES_WIDTH) && !CHANNELS_LAST) ||         \
               GLOBAL_WINDOW && LANES == LANES_PLANE && !CHANNELS_LAST)
#error "LANES needs the spelled-out gather and must match the layout"
#endif

#ifndef SCATTER_BACKWARD
#define SCATTER_BACKWARD 0
#endif
#if NARROW_INDICES && (BACKWARD_KIND != BACKWARD_MAX_INDICES ||                                    \
                       !SCATTER_BACKWARD && (!LANES || GLOBAL_WINDOW || !CLAMPED_COVER))
#error "NARROW_INDICES is for the spelled-out gather from indices with lanes, or the scatter"
#endif

/* First and last output whose window (o * S - PB .. + K - 1) contains input position i. */
#define COVER_FIRST(i, K, S, PB) ((i) + (PB) - (K) + 1 > 0 ? ((i) + (PB) - (K) + (S)) / (S) : 0)
#define COVER_LAST(i, S, PB, O)  (((i) + (PB)) / (S) < (O) ? ((i) + (PB)) / (S) : (O)-1)

/* Average windows all share one divisor when it is overridden, or when padding counts and no
 * window reaches past the end padding (only ceil_mode can make one): the spelled-out gather then
 * sums what its covering outputs send and divides once, instead of once per covering output,
 * which kept the gather busy dividing (within float rounding of dividing each term). */
#if BACKWARD_KIND == BACKWARD_AVG && CLAMPED_COVER &&                                              \
    (DIVISOR != 0 || COUNT_INCLUDE_PAD && (OUT_D - 1) * S_D - PB_D + K_D <= IN_D + PE_D &&         \
                         (OUT_H - 1) * S_H - PB_H + K_H <= IN_H + PE_H &&                          \
                         (OUT_W - 1) * S_W - PB_W + K_W <= IN_W + PE_W)
#define UNIFORM_DIVISOR (DIVISOR != 0 ? DIVISOR : K_D * K_H * K_W)
#else
#define UNIFORM_DIVISOR 0
#endif

#if BACKWARD_KIND == BACKWARD_MAX_INDICES && (NARROW_INDICES || INT_INDICES)
#define COVER_CONTRIBUTION(o, oz, oy, ox, g) (aux[o] == (int)flat ? (g) : (ACC_T)0)
#elif BACKWARD_KIND == BACKWARD_MAX_INDICES
#define COVER_CONTRIBUTION(o, oz, oy, ox, g) ((long)aux[o] == flat ? (g) : (ACC_T)0)
#elif UNIFORM_DIVISOR
#define COVER_CONTRIBUTION(o, oz, oy, ox, g) (g)
#else
#define COVER_CONTRIBUTION(o, oz, oy, ox, g)                                                       \
    ((g) / (ACC_T)WINDOW_DIVISOR((oz)*P_SD - P_PBD, (oy)*P_SH - P_PBH, (ox)*P_SW - P_PBW,          \
                                 IN_BOUNDS_TAPS((oz)*P_SD - P_PBD, P_KD, P_ID) *                   \
                                     IN_BOUNDS_TAPS((oy)*P_SH - P_PBH, P_KH, P_IH) *               \
                                     IN_BOUNDS_TAPS((ox)*P_SW - P_PBW, P_KW, P_IW)))
#endif
#define BACKWARD_COVER_W(unused, m)                                                                \
    {                                                                                              \
        const int ox_ = ox_lo + (m) <= ox_hi ? ox_lo + (m) : ox_hi;                                \
        const IDX_T o_ = out_plane + (((IDX_T)oz_ * P_OH + oy_) * P_OW + ox_) * TAP_STEP;          \
        const ACC_T g_ = LOAD(grad_output, o_);                                                    \
        const ACC_T c_ = COVER_CONTRIBUTION(o_, oz_, oy_, ox_, g_);                                \
        acc += (in_zy_ && ox_lo + (m) <= ox_hi) ? c_ : (ACC_T)0;                                   \
    }
/* With LANES_RESIDUE the covering outputs along W are ox_first + m, affine in the lane: each
 * read is predicated (not clamped) so it stays a plain vector load. An out-of-range candidate
 * reads nothing (its loads are predicated: they may lie past the plane) and adds +0. */
#define BACKWARD_RESIDUE_W(unused, m)                                                              \
    {                                                                                              \
        const int ox_ = ox_first + (m);                                                            \
        const bool ok_ = in_zy_ && (m) <= ox_span && ox_ >= 0 && ox_ < P_OW;                       \
        const IDX_T o_ = out_plane + (((IDX_T)oz_ * P_OH + oy_) * P_OW + ox_) * TAP_STEP;          \
        const ACC_T g_ = ok_ ? LOAD(grad_output, o_) : (ACC_T)0;                                   \
        const ACC_T c_ = RESIDUE_CONTRIBUTION(o_, oz_, oy_, ox_, g_, ok_);                         \
        acc += ok_ ? c_ : (ACC_T)0;                                                                \
    }
#if BACKWARD_KIND == BACKWARD_MAX_INDICES && (NARROW_INDICES || INT_INDICES)
#define RESIDUE_CONTRIBUTION(o, oz, oy, ox, g, ok)                                                 \
    (((ok) ? aux[o] : -1) == (int)flat ? (g) : (ACC_T)0)
#elif BACKWARD_KIND == BACKWARD_MAX_INDICES
#define RESIDUE_CONTRIBUTION(o, oz, oy, ox, g, ok)                                                 \
    ((long)((ok) ? aux[o] : (AUX_T)-1) == flat ? (g) : (ACC_T)0)
#else
#define RESIDUE_CONTRIBUTION(o, oz, oy, ox, g, ok) COVER_CONTRIBUTION(o, oz, oy, ox, g)
#endif
#if LANES == LANES_RESIDUE
#define COVER_ALONG_W BACKWARD_RESIDUE_W
#else
#define COVER_ALONG_W BACKWARD_COVER_W
#endif
#define BACKWARD_COVER_H(unused, m)                                                                \
    {                                                                                              \
        const int oy_ = oy_lo + (m) <= oy_hi ? oy_lo + (m) : oy_hi;                                \
        const bool in_zy_ = in_z_ && oy_lo + (m) <= oy_hi;                                         \
        REP_COVER_W(COVER_ALONG_W, 0)                                                              \
    }
#define BACKWARD_COVER_D(unused, m)                                                                \
    {                                                                                              \
        const int oz_ = oz_lo + (m) <= oz_hi ? oz_lo + (m) : oz_hi;                                \
        const bool in_z_ = oz_lo + (m) <= oz_hi;                                                   \
        REP_COVER_H(BACKWARD_COVER_H, 0)                                                           \
    }

__kernel void clpool_pool_backward(__global const DATA_T *restrict grad_output,
                                   ulong grad_output_offset, __global const AUX_T *restrict aux,
                                   ulong aux_offset, __global DATA_T *restrict grad_input,
                                   ulong grad_input_offset, ulong total, int4 in_dims,
                                   int4 out_dims, int4 ksize, int4 stride, int4 pad_begin,
                                   int4 pad_end, int4 dilation, int2 avg_rule) {
    /* Surplus work-items of the last group redo the last element (the same value to the same
     * place) rather than return early, which would keep PoCL from vectorising the body. */
    grad_output += grad_output_offset;
    grad_input += grad_input_offset;
#if BACKWARD_KIND != BACKWARD_AVG
    aux += aux_offset;
#endif
#if LANES == LANES_CHANNEL
    /* Two-dimensional channels-last launch, as in pool_forward.cl: dimension 0 over channels,
     * dimension 1 over the input positions (n, iz, iy, ix), total of them. */
    const IDX_T channel = (IDX_T)get_global_id(0);
    /* The host launches exactly P_C channels; surplus rows redo the last one (the store below). */
    IDX_T rest = get_global_id(1) < total ? (IDX_T)get_global_id(1) : (IDX_T)(total - 1);
    const IDX_T gid = rest * P_C + channel;
#elif LANES == LANES_RESIDUE
    /* Channels-first by stride residue: dimension 1 runs over (input row, r), r = ix % S_W, and
     * dimension 0 over j = ix / S_W, so the outputs covering ix = j * S_W + r are j plus a
     * constant of r (below): their reads are affine in the lane, only the store is strided. */
    const IDX_T row_r = get_global_id(1) < total ? (IDX_T)get_global_id(1) : (IDX_T)(total - 1);
    const int residue = (int)(row_r % P_SW);
    IDX_T rest = row_r / P_SW;
    const int ix = (int)get_global_id(0) * P_SW + residue;
    const bool live = get_global_id(1) < total && ix < P_IW;
    const IDX_T gid = rest * P_IW + ix;
#elif LANES == LANES_WIDTH
    /* Channels-first by input row: dimension 0 over ix (the host launches W rounded up to 8
     * lanes), dimension 1 over the rows ((n * C + c) * D + iz) * H + iy, total of them. */
    const int ix = (int)get_global_id(0);
    IDX_T rest = get_global_id(1) < total ? (IDX_T)get_global_id(1) : (IDX_T)(total - 1);
    const bool live = get_global_id(1) < total && ix < P_IW;
    const IDX_T gid = rest * P_IW + ix;
#elif LANES == LANES_PLANE
    /* Global pooling channels-first: dimension 0 over the plane's elements (the host launches
     * exactly the plane), dimension 1 over the planes n * C + c, total of them. */
    const IDX_T element = (IDX_T)get_global_id(0);
    const bool live = get_global_id(1) < total;
    IDX_T rest = get_global_id(1) < total ? (IDX_T)get_global_id(1) : (IDX_T)(total - 1);
    const IDX_T gid = rest * ((IDX_T)P_ID * P_IH * P_IW) + element;
#else
    const size_t gid = get_global_id(0) < total ? get_global_id(0) : (size_t)(total - 1);
    IDX_T rest = (IDX_T)gid;
#if CHANNELS_LAST
    const IDX_T channel = rest % P_C;
    rest /= P_C;
#endif
#endif
#if LANES == LANES_PLANE
    const long flat = (long)element;
#else
#if LANES != LANES_RESIDUE && LANES != LANES_WIDTH
    const int ix = (int)(rest % P_IW);
    rest /= P_IW;
#endif
    const int iy = (int)(rest % P_IH);
    rest /= P_IH;
    const int iz = (int)(rest % P_ID);
    rest /= P_ID; /* now n (channels-last) or n * C + c (channels-first) */
    const long flat = ((long)iz * P_IH + iy) * P_IW + ix;
#endif

    const IDX_T out_plane_elements = (IDX_T)P_OD * P_OH * P_OW;
#if CHANNELS_LAST
    const IDX_T out_plane = rest * out_plane_elements * P_C + channel;
    const IDX_T in_plane = rest * ((IDX_T)P_ID * P_IH * P_IW) * P_C + channel;
#else
    const IDX_T out_plane = rest * out_plane_elements;
    const IDX_T in_plane = rest * ((IDX_T)P_ID * P_IH * P_IW);
#endif

    ACC_T acc = (ACC_T)0;
#if GLOBAL_WINDOW
    /* The plane's one output covers every element: no per-element range, no loop, so the body
     * stays straight-line (the adaptive path's range walk kept a 112 x 112 plane at 5% of copy).
     * The average's divisor is the plane, as an adaptive window of the whole plane counts it. */
#if BACKWARD_KIND == BACKWARD_MAX_INDICES
    acc = (long)aux[out_plane] == flat ? LOAD(grad_output, out_plane) : (ACC_T)0;
#else
    acc = LOAD(grad_output, out_plane) / (ACC_T)((IDX_T)P_ID * P_IH * P_IW);
#endif
#elif CLAMPED_COVER
    /* Along each dimension the outputs whose windows contain i are [o_lo, o_hi], at most COVER
     * of them: each candidate o_lo + m is spelled out at compile time, read at a clamped
     * position and masked when past o_hi, so the body is straight-line code (see
     * pool_forward.cl). Candidates ascend, so the sum keeps row-major output order; a masked one
     * adds +0, which leaves the sum's bits unchanged (a sum that starts at +0 is never -0). */
    const int oz_lo = COVER_FIRST(iz, P_KD, P_SD, P_PBD), oz_hi = COVER_LAST(iz, P_SD, P_PBD, P_OD);
    const int oy_lo = COVER_FIRST(iy, P_KH, P_SH, P_PBH), oy_hi = COVER_LAST(iy, P_SH, P_PBH, P_OH);
#if LANES == LANES_RESIDUE
    /* o * S_W - PB_W <= j * S_W + r <= o * S_W - PB_W + K_W - 1 gives o - j in [ceil((r + PB_W -
     * K_W + 1) / S_W), floor((r + PB_W) / S_W)]; the ceiling's numerator is above -K_W, so
     * adding K_W * S_W keeps the integer division a floor. */
    const int ox_first =
        (int)get_global_id(0) + (residue + P_PBW - P_KW + 1 + P_KW * P_SW + P_SW - 1) / P_SW - P_KW;
    const int ox_span = (residue + P_PBW) / P_SW + (int)get_global_id(0) - ox_first;
#else
    const int ox_lo = COVER_FIRST(ix, P_KW, P_SW, P_PBW), ox_hi = COVER_LAST(ix, P_SW, P_PBW, P_OW);
#endif
    REP_COVER_D(BACKWARD_COVER_D, 0)
#if UNIFORM_DIVISOR
    acc = acc / (ACC_T)UNIFORM_DIVISOR;
#endif
#elif ADAPTIVE
    /* The outputs whose adaptive windows contain i are a contiguous range per dimension. */
    const int oz1 = adaptive_end(iz, P_OD, P_ID), oy1 = adaptive_end(iy, P_OH, P_IH);
    const int ox1 = adaptive_end(ix, P_OW, P_IW);
    for (int oz = adaptive_start(iz, P_OD, P_ID); oz < oz1; ++oz)
        for (int oy = adaptive_start(iy, P_OH, P_IH); oy < oy1; ++oy)
            for (int ox = adaptive_start(ix, P_OW, P_IW); ox < ox1; ++ox)
                ACCUMULATE_FROM(oz, oy, ox);
#else
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
                ACCUMULATE_FROM(oz, oy, ox);
            }
        }
    }
#endif
    (void)in_plane;
    /* Channel lanes store unconditionally: a surplus row is the last row again (rest is clamped),
     * so it writes the same values to the same place, and a predicated store is a masked store,
     * slow on AVX-512 CPUs. The other lanes have surplus lanes within a row, past the input. */
#if LANES && LANES != LANES_CHANNEL
    if (live)
#endif
        STORE(grad_input, (IDX_T)gid, acc);
}

/* Work-item (group, local id) of a 1D launch over total work-items whose work-groups each cover
 * local_size consecutive ones, the last group moved back to end at total (the host launches
 * only when total is at least the work-group): it redoes some of its neighbour's work-items,
 * writing the same values, and every access indexed by it stays a plain vector access. */
#define STEPPED_BACK_ID(total)                                                                     \
    ((get_group_id(0) * get_local_size(0) > (total)-get_local_size(0)                              \
          ? (total)-get_local_size(0)                                                              \
          : get_group_id(0) * get_local_size(0)) +                                                 \
     get_local_id(0))

#if NARROW_INDICES
/* The first kernel of a NARROW_INDICES plan, one work-item per index (total of them, laid out
 * like grad_output): narrow[i] = indices[i] when it lies in the plane, else -1. The argument list
 * is the gather's, so that the host binds both kernels alike: the indices come in as aux, the
 * narrowed ones go out where grad_input would (grad_output is unused). */
__kernel void clpool_pool_backward_narrow(__global const DATA_T *restrict grad_output,
                                          ulong grad_output_offset,
                                          __global const long *restrict indices,
                                          ulong indices_offset, __global int *restrict narrow,
                                          ulong narrow_offset, ulong total, int4 in_dims,
                                          int4 out_dims, int4 ksize, int4 stride, int4 pad_begin,
                                          int4 pad_end, int4 dilation, int2 avg_rule) {
    /* Each work-group narrows local_size consecutive indices, the last group moved back to end
     * at total (the host launches only when total >= the local size), so that it redoes some of
     * its neighbour's indices, writing the same values. Every access stays a plain vector
     * access: the other kernels' clamped index made them gathers and scatters here, and a
     * predicated store (a masked store) ran at a tenth of copy speed on an AVX-512 EPYC. */
    const size_t g = STEPPED_BACK_ID(total);
    const long v = indices[indices_offset + g];
    narrow[narrow_offset + g] = NARROWED_INDEX(v);
}
#endif

#if SCATTER_BACKWARD
/* SCATTER_BACKWARD (host: pool_kernels.c, clpool_kernel_scattered_backward), with BACKWARD_KIND
 * 1, specialised windows of dilation 1 with kernel <= 2 * stride in every dimension, and planes
 * of fewer than 2^31 elements: the plan computes the gather's sums from the outputs' side, as
 * PyTorch does. First clpool_pool_backward_zero writes +0 to every grad_input element, then
 * clpool_pool_backward_scatter, one work-item per output, writes to the element its index names
 * (when that lies in its own window: the gather's rule, an index outside its window sends
 * nothing) the sum the gather would compute there. Where windows do not overlap (NEAR_* 0) that
 * sum is +0 + the output's gradient. Where they do (NEAR_* 1, stride < kernel <= 2 * stride
 * along that dimension), every window holding the element belongs to the output or to a
 * neighbour one step away (two windows holding one element are less than kernel / stride <= 2
 * steps apart), so the work-item reads its neighbours' indices and gradients, at constant
 * offsets from its own, and sums from +0, in row-major output order as the gather does, the
 * gradients of those whose windows hold the element and whose indices name it. The first of
 * them in that order writes the sum; the others write nothing. So each element is written by one
 * output's work-item (and again, with the same value, where the last work-group repeats it),
 * with the gather's bits, and no work-item writes more than one element.
 *
 * On CPU devices the gather's channels-first residue lanes store at the stride, one scatter
 * instruction per vector of grad_input elements, which took about half of its time; here one
 * scatter instruction writes a vector of outputs, a window of elements each.
 *
 * Both kernels take the gather's arguments, total their own work-item count (grad_input
 * elements, outputs). Each work-group covers local_size consecutive work-items, the last one
 * moved back to end at total (the host launches only when total is at least the work-group),
 * so that every load and the fill's store stay plain vector accesses; the work-items it
 * repeats write the same values to the same places.
 *
 * With NARROW_INDICES (int64 indices and overlapping windows) the neighbours' indices are read
 * as int from a scratch buffer of one int per output that the fill writes: index i narrowed to
 * int, -1 outside the plane. A predicated read of the int64 index as two 32-bit words (where a
 * neighbour lies past its plane's edge) compiled to gathers, and one of the 64-bit value ran 4
 * wide: 2-2.5x slower than the int reads either way. */
#ifndef NEAR_D
#define NEAR_D 0
#endif
#ifndef NEAR_H
#define NEAR_H 0
#endif
#ifndef NEAR_W
#define NEAR_W 0
#endif

/* The plane size, as the narrowed and int indices are compared. */
#define PLANE_ELEMENTS (P_ID * P_IH * P_IW)

#if NARROW_INDICES
/* Output j's index v as the int the fill narrows it to for the scatter: v when it names an
 * element of j's own window, else -1. A neighbour's narrowed index then names the scatter's
 * element only when that element lies in the neighbour's window, so the scatter tests equality
 * alone, where it tested each neighbour's window too (four compares a neighbour in 2D): the
 * overlapping scatters 1.25-1.8x faster, the fill's divisions included (docs/PERFORMANCE.md item
 * 63). Dilation is 1 here. */
__attribute__((always_inline)) inline int own_window_index(__global const INDEX_T *restrict index,
                                                           const IDX_T j) {
#ifdef __ENDIAN_LITTLE__
    /* As its two 32-bit words: a 64-bit value made PoCL vectorise the fill 4 wide, not 8. */
    const int low = ((__global const int *)index)[0], high = ((__global const int *)index)[1];
    const bool in_plane = high == 0 && low >= 0 && low < PLANE_ELEMENTS;
    const int e = in_plane ? low : 0;
#else
    const long v = *index;
    const bool in_plane = v >= 0 && v < (long)PLANE_ELEMENTS;
    const int e = in_plane ? (int)v : 0;
#endif
    /* Unsigned, as both are nonnegative: a signed division by a constant takes a sign fix-up
     * (not measurably slower here, item 63). */
#if CHANNELS_LAST
    const uint q = (uint)(j / P_C % (P_OD * P_OH * P_OW));
#else
    const uint q = (uint)(j % (P_OD * P_OH * P_OW));
#endif
    const uint u = (uint)e;
    const int wx = (int)(u % P_IW) - ((int)(q % P_OW) * P_SW - P_PBW),
              wy = (int)(u / P_IW % P_IH) - ((int)(q / P_OW % P_OH) * P_SH - P_PBH),
              wz = (int)(u / (P_IW * P_IH)) - ((int)(q / (P_OW * P_OH)) * P_SD - P_PBD);
    const bool own =
        in_plane && wx >= 0 && wx < P_KW && wy >= 0 && wy < P_KH && wz >= 0 && wz < P_KD;
    return own ? e : -1;
}
#endif

/* The fill of grad_input with +0. With NARROW_INDICES it also narrows the caller's int64
 * indices into the scratch buffer, which comes in the grad_output slot (unused otherwise); total
 * counts grad_input elements, and the geometry gives the outputs, at least as many as a work-group
 * and at most as many as grad_input elements (host), so that the fill's work-groups reach them all.
 * Work-group k narrows indices k * local_size onwards as it fills; the one that would run past the
 * last output narrows the last local_size instead (some again: the same values to the same places),
 * and the work-groups past the outputs narrow nothing, a branch uniform over the group. A read past
 * the indices predicated per work-item cost AVX-512 masked loads whose masked-off lanes lay
 * outside the buffer, 20x slower than the scatter itself (resnet_stem), and every group past
 * the outputs narrowing the last ones again wrote the same cache lines from both cores. */
__kernel void clpool_pool_backward_zero(__global int *restrict narrow, ulong narrow_offset,
                                        __global const INDEX_T *restrict indices,
                                        ulong indices_offset, __global DATA_T *restrict grad_input,
                                        ulong grad_input_offset, ulong total, int4 in_dims,
                                        int4 out_dims, int4 ksize, int4 stride, int4 pad_begin,
                                        int4 pad_end, int4 dilation, int2 avg_rule) {
    __global DATA_T *restrict gi = grad_input + grad_input_offset;
#if NARROW_INDICES
    const size_t outputs = total / ((size_t)P_ID * P_IH * P_IW) * ((size_t)P_OD * P_OH * P_OW);
    if (get_group_id(0) * get_local_size(0) < outputs) {
        const size_t j = STEPPED_BACK_ID(outputs);
        narrow[narrow_offset + j] = own_window_index(indices + indices_offset + j, (IDX_T)j);
    }
#endif
    STORE(gi, STEPPED_BACK_ID(total), (ACC_T)0);
}

#if NEAR_W
#define NEAR_REP_W(M, dz, dy) M(dz, dy, -1) M(dz, dy, 0) M(dz, dy, 1)
#else
#define NEAR_REP_W(M, dz, dy) M(dz, dy, 0)
#endif
#if NEAR_H
#define NEAR_REP_H(M, dz) NEAR_REP_W(M, dz, -1) NEAR_REP_W(M, dz, 0) NEAR_REP_W(M, dz, 1)
#else
#define NEAR_REP_H(M, dz) NEAR_REP_W(M, dz, 0)
#endif
#if NEAR_D
#define NEAR_REP(M) NEAR_REP_H(M, -1) NEAR_REP_H(M, 0) NEAR_REP_H(M, 1)
#else
#define NEAR_REP(M) NEAR_REP_H(M, 0)
#endif
/* The plane index that the output d outputs from this one names, as an int (anything outside
 * [0, plane) where it names no element), read only where read is true. */
#if INT_INDICES || NARROW_INDICES
#define NAMED_INDEX(d, read) ((read) ? named[d] : -1)
#else
/* The int64 index as its two 32-bit words (little-endian devices, host), read as two int loads
 * a word apart, which a CPU compiler merges into vector loads and shuffles: a long in the body
 * made PoCL vectorise it 4 wide instead of 8. Valid iff the high word is 0 and the low one is in
 * [0, plane). Both words are read whatever they hold (a load of the low word under the high
 * word's test compiled to gathers), so only where windows do not overlap: the output's own
 * index is the only one read. */
#if NEAR_D || NEAR_H || NEAR_W
#error "overlapping windows read their neighbours' indices as int (INT_INDICES, NARROW_INDICES)"
#endif
__attribute__((always_inline)) inline int word_index(__global const int *restrict words) {
    const int low = words[0], high = words[1];
    return high == 0 ? low : -1;
}
#define NAMED_INDEX(d, read) word_index(words + 2 * (d))
#endif
/* Whether the element lies in a window, from its offsets in it: known from NARROW_INDICES's
 * narrowed index itself (own_window_index). */
#if NARROW_INDICES
#define IN_WINDOW(wz, wy, wx) true
#else
#define IN_WINDOW(wz, wy, wx)                                                                      \
    ((wx) >= 0 && (wx) < P_KW && (wy) >= 0 && (wy) < P_KH && (wz) >= 0 && (wz) < P_KD)
#endif
#define EARLIER(dz, dy, dx) ((dz) < 0 || (dz) == 0 && ((dy) < 0 || (dy) == 0 && (dx) < 0))
/* The output itself, whose index and gradient are read once, unconditionally: read again under
 * the neighbours' condition, the index's two words compiled to gathers. */
#define SELF(dz, dy, dx) ((dz) == 0 && (dy) == 0 && (dx) == 0)
/* NEAR_UNMASKED (host: pool_kernels.c, clpool_kernel_scatter_margin), with NARROW_INDICES: the
 * narrowed indices lie between margins of -1 in the scratch buffer, so every neighbour's index is
 * read unmasked, and where a neighbour lies past the output's edge that read lands in a margin
 * (-1) or on another output of the tensor: one whose narrowed index names an element of its own
 * window, which is outside this output's window (for a neighbour of another row or plane that
 * would take fewer than 3 outputs along the dimension, which the host rules out). So naming the
 * element alone says the neighbour is real, and its gradient is read only then: masking every
 * neighbour by its position cost four compares a neighbour in 2D (the scatters 1.1-1.4x faster
 * without, docs/PERFORMANCE.md item 67). */
#ifndef NEAR_UNMASKED
#define NEAR_UNMASKED 0
#endif
#if NEAR_UNMASKED && !NARROW_INDICES
#error "NEAR_UNMASKED reads the narrowed indices"
#endif
/* Neighbour (dz, dy, dx): whether its window holds the element and its index names it. */
#if NEAR_UNMASKED
#define NEAR_TERM(dz, dy, dx)                                                                      \
    {                                                                                              \
        const long d_ = (((long)(dz)*P_OH + (dy)) * P_OW + (dx)) * (long)TAP_STEP;                 \
        const bool names_ = (SELF(dz, dy, dx) ? index : named[d_]) == p;                           \
        acc += names_ ? (SELF(dz, dy, dx) ? g : LOAD(go, d_)) : (ACC_T)0;                          \
        earlier = earlier || (names_ && EARLIER(dz, dy, dx));                                      \
    }
#else
#define NEAR_TERM(dz, dy, dx)                                                                      \
    {                                                                                              \
        const int nz_ = oz + (dz), ny_ = oy + (dy), nx_ = ox + (dx);                               \
        const bool inside_ = SELF(dz, dy, dx) || (nz_ >= 0 && nz_ < P_OD && ny_ >= 0 &&            \
                                                  ny_ < P_OH && nx_ >= 0 && nx_ < P_OW);           \
        const long d_ = (((long)(dz)*P_OH + (dy)) * P_OW + (dx)) * (long)TAP_STEP;                 \
        const int named_ = SELF(dz, dy, dx) ? index : NAMED_INDEX(d_, inside_);                    \
        const ACC_T g_ = SELF(dz, dy, dx) ? g : inside_ ? LOAD(go, d_) : (ACC_T)0;                 \
        const int wx_ = ex - (nx_ * P_SW - P_PBW), wy_ = ey - (ny_ * P_SH - P_PBH),                \
                  wz_ = ez - (nz_ * P_SD - P_PBD);                                                 \
        const bool names_ = named_ == p && IN_WINDOW(wz_, wy_, wx_);                               \
        acc += names_ ? g_ : (ACC_T)0;                                                             \
        earlier = earlier || (names_ && EARLIER(dz, dy, dx));                                      \
    }
#endif

__kernel void clpool_pool_backward_scatter(__global const DATA_T *restrict grad_output,
                                           ulong grad_output_offset,
                                           __global const AUX_T *restrict aux, ulong aux_offset,
                                           __global DATA_T *restrict grad_input,
                                           ulong grad_input_offset, ulong total, int4 in_dims,
                                           int4 out_dims, int4 ksize, int4 stride, int4 pad_begin,
                                           int4 pad_end, int4 dilation, int2 avg_rule) {
    /* Pointers at this output, its neighbours at constant offsets from them: that keeps their
     * predicated loads plain vector loads (an int offset added to the output's position made
     * them gathers), and the grad_input position 32-bit where IDX_T is (a 64-bit one made the
     * scatter's addresses 64-bit, four to a vector). */
    const size_t gid = STEPPED_BACK_ID(total);
    __global const DATA_T *restrict go = grad_output + grad_output_offset + gid;
    __global DATA_T *restrict gi = grad_input + grad_input_offset;
#if INT_INDICES || NARROW_INDICES
    __global const int *restrict named = aux + aux_offset + gid;
#else
    __global const int *restrict words = (__global const int *)(aux + aux_offset + gid);
#endif
    IDX_T rest = (IDX_T)gid;
#if CHANNELS_LAST
    const IDX_T channel = rest % P_C;
    rest /= P_C;
#endif
    const int ox = (int)(rest % P_OW);
    rest /= P_OW;
    const int oy = (int)(rest % P_OH);
    rest /= P_OH;
    const int oz = (int)(rest % P_OD);
    rest /= P_OD; /* now n (channels-last) or n * C + c (channels-first) */
    const int index = NAMED_INDEX(0, true);
    const ACC_T g = LOAD(go, 0);
    const bool in_plane = index >= 0 && index < PLANE_ELEMENTS;
    /* The element this output names, its coordinates, and the sum the gather makes there. */
    const int p = in_plane ? index : 0;
    const int ex = p % P_IW, ey = p / P_IW % P_IH, ez = p / (P_IW * P_IH);
    ACC_T acc = (ACC_T)0;
    bool earlier = false;
    NEAR_REP(NEAR_TERM)
    const int tx = ex - (ox * P_SW - P_PBW), ty = ey - (oy * P_SH - P_PBH),
              tz = ez - (oz * P_SD - P_PBD);
    const bool hit = in_plane && IN_WINDOW(tz, ty, tx);
#if CHANNELS_LAST
    const IDX_T element = rest * PLANE_ELEMENTS * P_C + (IDX_T)p * P_C + channel;
#else
    const IDX_T element = rest * PLANE_ELEMENTS + p;
#endif
    if (hit && !earlier)
        STORE(gi, element, acc);
}
#endif
