/*
 * Shared by every pooling kernel: the parameter names (P_KH, P_IW, ...) that read either -D
 * constants or kernel arguments, the load/store hooks for the stored type, and the tap-range
 * arithmetic. Built as the first source of each program ("pool_common+pool_forward"), so the
 * kernels that follow agree on every rule by construction.
 *
 * Macros: DATA_T, ACC_T, IDX_T, CHANNELS_LAST, SPECIALISED and ADAPTIVE as in pool_forward.cl;
 * with SPECIALISED 1 also the size and window constants listed there. Kernels using the argument
 * form declare the arguments in_dims, out_dims, ksize, stride, pad_begin, pad_end, dilation
 * (int4 each) and avg_rule (int2).
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


/* Compile-time repetition of a tap for every j < K_D (K_H, K_W), up to 8 per dimension: loops,
 * even with constant trip counts and #pragma unroll, reach PoCL's work-item loop before they are
 * unrolled and stop it from being vectorised, so the specialised kernels spell the taps out.
 * REP_D(M, a) expands M(a, 0) M(a, 1) ...; REP_H and REP_W likewise. UNROLLED_TAPS is 1 when all
 * three dimensions have a repetition. */
#if SPECIALISED
#if K_D == 1
#define REP_D(M, a) M(a, 0)
#elif K_D == 2
#define REP_D(M, a) M(a, 0) M(a, 1)
#elif K_D == 3
#define REP_D(M, a) M(a, 0) M(a, 1) M(a, 2)
#elif K_D == 4
#define REP_D(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3)
#elif K_D == 5
#define REP_D(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4)
#elif K_D == 6
#define REP_D(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5)
#elif K_D == 7
#define REP_D(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5) M(a, 6)
#elif K_D == 8
#define REP_D(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5) M(a, 6) M(a, 7)
#endif
#if K_H == 1
#define REP_H(M, a) M(a, 0)
#elif K_H == 2
#define REP_H(M, a) M(a, 0) M(a, 1)
#elif K_H == 3
#define REP_H(M, a) M(a, 0) M(a, 1) M(a, 2)
#elif K_H == 4
#define REP_H(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3)
#elif K_H == 5
#define REP_H(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4)
#elif K_H == 6
#define REP_H(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5)
#elif K_H == 7
#define REP_H(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5) M(a, 6)
#elif K_H == 8
#define REP_H(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5) M(a, 6) M(a, 7)
#endif
#if K_W == 1
#define REP_W(M, a) M(a, 0)
#elif K_W == 2
#define REP_W(M, a) M(a, 0) M(a, 1)
#elif K_W == 3
#define REP_W(M, a) M(a, 0) M(a, 1) M(a, 2)
#elif K_W == 4
#define REP_W(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3)
#elif K_W == 5
#define REP_W(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4)
#elif K_W == 6
#define REP_W(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5)
#elif K_W == 7
#define REP_W(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5) M(a, 6)
#elif K_W == 8
#define REP_W(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5) M(a, 6) M(a, 7)
#endif
#endif
#if defined(REP_D) && defined(REP_H) && defined(REP_W)
#define UNROLLED_TAPS 1
#else
#define UNROLLED_TAPS 0
#endif


/* The same repetition over the outputs whose windows can contain one input position, at most
 * COVER_D (COVER_H, COVER_W) = ceil(kernel / stride) per dimension, given by the host for the
 * specialised backward kernels: REP_COVER_D(M, a) expands M(a, 0) M(a, 1) ... */
#if SPECIALISED && defined(COVER_D) && defined(COVER_H) && defined(COVER_W)
#if COVER_D == 1
#define REP_COVER_D(M, a) M(a, 0)
#elif COVER_D == 2
#define REP_COVER_D(M, a) M(a, 0) M(a, 1)
#elif COVER_D == 3
#define REP_COVER_D(M, a) M(a, 0) M(a, 1) M(a, 2)
#elif COVER_D == 4
#define REP_COVER_D(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3)
#elif COVER_D == 5
#define REP_COVER_D(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4)
#elif COVER_D == 6
#define REP_COVER_D(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5)
#elif COVER_D == 7
#define REP_COVER_D(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5) M(a, 6)
#elif COVER_D == 8
#define REP_COVER_D(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5) M(a, 6) M(a, 7)
#endif
#if COVER_H == 1
#define REP_COVER_H(M, a) M(a, 0)
#elif COVER_H == 2
#define REP_COVER_H(M, a) M(a, 0) M(a, 1)
#elif COVER_H == 3
#define REP_COVER_H(M, a) M(a, 0) M(a, 1) M(a, 2)
#elif COVER_H == 4
#define REP_COVER_H(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3)
#elif COVER_H == 5
#define REP_COVER_H(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4)
#elif COVER_H == 6
#define REP_COVER_H(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5)
#elif COVER_H == 7
#define REP_COVER_H(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5) M(a, 6)
#elif COVER_H == 8
#define REP_COVER_H(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5) M(a, 6) M(a, 7)
#endif
#if COVER_W == 1
#define REP_COVER_W(M, a) M(a, 0)
#elif COVER_W == 2
#define REP_COVER_W(M, a) M(a, 0) M(a, 1)
#elif COVER_W == 3
#define REP_COVER_W(M, a) M(a, 0) M(a, 1) M(a, 2)
#elif COVER_W == 4
#define REP_COVER_W(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3)
#elif COVER_W == 5
#define REP_COVER_W(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4)
#elif COVER_W == 6
#define REP_COVER_W(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5)
#elif COVER_W == 7
#define REP_COVER_W(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5) M(a, 6)
#elif COVER_W == 8
#define REP_COVER_W(M, a) M(a, 0) M(a, 1) M(a, 2) M(a, 3) M(a, 4) M(a, 5) M(a, 6) M(a, 7)
#endif
#endif
#if defined(REP_COVER_D) && defined(REP_COVER_H) && defined(REP_COVER_W)
#define UNROLLED_COVER 1
#else
#define UNROLLED_COVER 0
#endif

#if CHANNELS_LAST
#define TAP_STEP ((IDX_T)P_C)
#else
#define TAP_STEP ((IDX_T)1)
#endif

/* x clamped to [0, n - 1], and the number of taps of [start, start + k) inside [0, n), written
 * with operators rather than builtins (see REP_D below). */
#define CLAMP_INDEX(x, n) ((x) < 0 ? 0 : ((x) >= (n) ? (n)-1 : (x)))
#define IN_BOUNDS_TAPS(start, k, n)                                                                \
    (((start) + (k) < (n) ? (start) + (k) : (n)) - ((start) > 0 ? (start) : 0))

/* Index of the first tap j (0 <= j < k) with start + j*d >= 0. */
inline int first_in_bounds_tap(int start, int d) {
    return start >= 0 ? 0 : (-start + d - 1) / d;
}

/* One past the last tap j < k with start + j*d < limit (0 when there is none). */
inline int end_of_taps_below(int start, int k, int d, int limit) {
    const int room = limit - start;
    return room <= 0 ? 0 : min(k, (room + d - 1) / d);
}

#ifndef ADAPTIVE
#define ADAPTIVE 0
#endif

/* Adaptive window o of O over an input of I spans [floor(o * I / O), ceil((o + 1) * I / O)).
 * The products reach 2^56, hence long. With I and O swapped the same two functions give the
 * range of outputs whose windows contain input position o, which the backward pass walks. */
inline int adaptive_start(int o, int in_size, int out_size) {
    return (int)(((long)o * in_size) / out_size);
}

inline int adaptive_end(int o, int in_size, int out_size) {
    return (int)((((long)o + 1) * in_size + out_size - 1) / out_size);
}

/* The window of output o along one dimension: the coordinate of its tap 0 (start) and its
 * in-bounds taps [j0, j1). Adaptive windows have dilation 1 and lie inside the input; fixed ones
 * start at o * S - PB and are clipped to the input. With constant parameters (SPECIALISED) and a
 * single output, as in global pooling, the bounds fold to constants. */
#if ADAPTIVE
#define WINDOW_RANGE(o, O, I, K, S, PB, DL, start, j0, j1)                                         \
    do {                                                                                           \
        (start) = adaptive_start((o), (I), (O));                                                   \
        (j0) = 0;                                                                                  \
        (j1) = adaptive_end((o), (I), (O)) - (start);                                              \
    } while (0)
#else
#define WINDOW_RANGE(o, O, I, K, S, PB, DL, start, j0, j1)                                         \
    do {                                                                                           \
        (start) = (o) * (S) - (PB);                                                                \
        (j0) = first_in_bounds_tap((start), (DL));                                                 \
        (j1) = end_of_taps_below((start), (K), (DL), (I));                                         \
    } while (0)
#endif

/* WINDOW_RANGE for the D, H and W dimensions of output (od, oh, ow). */
#define WINDOW_RANGE_D(od, zs, z0, z1) WINDOW_RANGE(od, P_OD, P_ID, P_KD, P_SD, P_PBD, P_DD, zs, z0, z1)
#define WINDOW_RANGE_H(oh, ys, y0, y1) WINDOW_RANGE(oh, P_OH, P_IH, P_KH, P_SH, P_PBH, P_DH, ys, y0, y1)
#define WINDOW_RANGE_W(ow, xs, x0, x1) WINDOW_RANGE(ow, P_OW, P_IW, P_KW, P_SW, P_PBW, P_DW, xs, x0, x1)

/* The average's divisor for the window starting at (zs, ys, xs) with valid in-bounds taps:
 * divisor_override, else with count_include_pad the taps inside the input or its padding (the
 * window clipped at the end padding), else valid (always so for adaptive windows). A macro because the parameters may be kernel
 * arguments, visible only inside the kernel. */
#define WINDOW_DIVISOR(zs, ys, xs, valid)                                                          \
    (P_DIVISOR != 0 ? P_DIVISOR                                                                    \
                    : (P_COUNT_INCLUDE_PAD                                                         \
                           ? end_of_taps_below((zs), P_KD, P_DD, P_ID + P_PED) *                   \
                                 end_of_taps_below((ys), P_KH, P_DH, P_IH + P_PEH) *               \
                                 end_of_taps_below((xs), P_KW, P_DW, P_IW + P_PEW)                 \
                           : (valid)))
