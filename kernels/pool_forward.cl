/*
 * Forward max and average pooling, one output element per work-item, PyTorch semantics.
 *
 * The kernel always works on three spatial dimensions (D, H, W); 2D pooling runs it with D = 1,
 * kernel 1, stride 1 and no padding in depth, so every rank shares this one kernel. Work-item gid
 * is the output element's linear index in memory order, so neighbouring work-items write
 * neighbouring outputs: along W for channels-first, along C for channels-last (which also makes
 * their reads neighbouring). Only in-bounds taps are visited: the tap range of each dimension is
 * computed up front instead of testing every tap.
 *
 * Specialised kernels also launch in two dimensions where neighbouring work-items then read
 * neighbouring memory (LANES below), leave the first and last rows of strided channels-first
 * launches whose windows overhang along W to a second kernel (EDGE_ROWS, with
 * clpool_pool_forward_edge at the end of this file),
 * sum channels-first global averages with running sums, or on CPU devices scan channels-first
 * global averages and maxima with vectors (GLOBAL_WINDOW, GLOBAL_VECTORS), and pool large
 * planes globally in two passes (GLOBAL_PARTIALS: block sums or maxima channels-last, slice sums
 * channels-first, with the second kernel clpool_pool_forward_partials at the end of this file).
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
 *   INDEX_WORDS    optional, 1 (little-endian devices, INDEX_T long, channel lanes, wide or
 *                  padded strided width lanes, stepped lanes) to write each index as its two
 *                  32-bit words (below)
 *   GLOBAL_PARTIALS optional, 1 for the first pass of a two-pass global pooling (below): the
 *                  window is then one block of the plane (channels-last) or the sizes describe
 *                  the plane's slices (channels-first, average only), and each sum is stored
 *                  undivided, or each max with its argmax (then WRITE_INDICES 1, and
 *                  PLAN_INDICES 1 when the plan writes the caller's indices)
 *   LANES          optional, the two-dimensional launch (below; host: pool_kernels.h)
 * With SPECIALISED 1, also: IN_D IN_H IN_W CH OUT_D OUT_H OUT_W (sizes), K_D K_H K_W (kernel),
 *   S_D S_H S_W (stride), PB_D PB_H PB_W / PE_D PE_H PE_W (padding at begin / end), DL_D DL_H DL_W
 *   (dilation), COUNT_INCLUDE_PAD (0/1) and DIVISOR (0 for none, else the divisor override).
 */

#ifndef GLOBAL_WINDOW
#define GLOBAL_WINDOW 0
#endif
/* GLOBAL_WINDOW (host: pool_kernels.c): specialised channels-first global pooling. Averages are
 * summed by GLOBAL_SUM below whatever the plane's size; max pooling takes the paths of other
 * windows unless GLOBAL_VECTORS is set. */
#define GLOBAL_SUM (GLOBAL_WINDOW && !POOL_MAX)
/* GLOBAL_VECTORS optional, with GLOBAL_WINDOW on CPU devices (host: pool_kernels.c): the plane is
 * scanned with explicit 16-wide vectors inside each work-item (below); for max pooling, planes of
 * fewer than 2^31 elements (the lanes' indices are int). Float data only (float16 vectors), the
 * one DATA_T the host builds. */
#ifndef GLOBAL_VECTORS
#define GLOBAL_VECTORS 0
#endif
#if GLOBAL_VECTORS && (!GLOBAL_WINDOW || CHANNELS_LAST)
#error "GLOBAL_VECTORS is for channels-first global pooling (GLOBAL_WINDOW)"
#endif
/* GLOBAL_PARTIALS (host: pool_kernels.c, clpool_kernel_partials): channels-last global average
 * of a plane too large to spell out. A tap loop C apart per work-item does not vectorise across
 * channels (7.7% of copy for 8 x 32 planes of 112 x 112), so the plane is cut into blocks of at
 * most 8 taps per dimension: this program's sizes and window are those of the blocks (kernel =
 * stride = block, ceil_mode sizes, the last block clipped), clpool_pool_forward stores each
 * block's sum into a scratch buffer with the spelled-out taps and lanes over channels, and
 * clpool_pool_forward_partials sums a plane's blocks in order and divides by the plane. */
/* Channels-first, the plane is contiguous and the first pass sums interleaved slices of it
 * instead (PLANE_SLICES): this program's output size along W is the slice count B and K_W the
 * taps per slice; work-item (j, plane) sums elements j, j + B, ... of its plane, so neighbouring
 * work-items read neighbouring elements (one work-item per plane, GLOBAL_SUM, left a GPU idle:
 * 8 x 32 planes of 112 x 112 ran at 4% of an H200's copy bandwidth). */
#ifndef GLOBAL_PARTIALS
#define GLOBAL_PARTIALS 0
#endif
#define PLANE_SLICES (GLOBAL_PARTIALS && !CHANNELS_LAST)
/* Channels-last global max pooling of large planes takes the same blocks: the first pass writes
 * each block's max and argmax (a plane index) into the scratch buffer, the second merges a
 * plane's blocks by SCAN_ENDS_ON (below). The first pass always writes indices (WRITE_INDICES),
 * INDEX_T wide; PLAN_INDICES says whether the second writes the caller's. */
#if GLOBAL_PARTIALS && (ADAPTIVE || POOL_MAX && (PLANE_SLICES || !WRITE_INDICES))
#error "GLOBAL_PARTIALS is for fixed blocks, and for max pooling channels-last with indices"
#endif

/* The clamped, spelled-out taps need a specialised window of at most 8 taps per dimension and
 * dilation 1 in every dimension. */
#if UNROLLED_TAPS && !ADAPTIVE && DL_D == 1 && DL_H == 1 && DL_W == 1
#define CLAMPED_TAPS 1
#else
#define CLAMPED_TAPS 0
#endif

/* One tap of the clamped window and the rows around it, for REP_D / REP_H / REP_W. Each level
 * opens a block, so a tap sees its row's clamped coordinate, in-bounds flag and a pointer to
 * the row: a tap indexes that pointer with its column alone. Folded into one int expression with
 * the row's offset, the column lost its no-overflow flags when the compiler reassociated the
 * sum, and a strided column no longer read as affine in the lane (a gather, not a vector load). */
#if POOL_MAX && WRITE_INDICES
#define FORWARD_TAKE(v, tap)                                                                       \
    {                                                                                              \
        const bool take_ = (v) > acc || (v) != (v); /* v != v: NaN */                              \
        acc = take_ ? (v) : acc;                                                                   \
        argmax = take_ ? (IDX_T)(tap) : argmax;                                                    \
    }
#elif POOL_MAX
/* Without indices the scan keeps two things apart: the first of the largest numbers (v > acc ?
 * v : acc, one max instruction on x86, which returns acc when v is NaN) and the last NaN
 * (clamped_window starts it at 0 and ends on it when it holds a NaN). The same result, bits and
 * payloads included, as taking v when v > acc or v is NaN, which cost a compare, an unordered
 * compare, an or and a blend per tap: 1.2-2.3x on the max forward rows (PoCL, batch 8). */
#define FORWARD_TAKE(v, tap)                                                                       \
    {                                                                                              \
        acc = (v) > acc ? (v) : acc;                                                               \
        last_nan = (v) != (v) ? (v) : last_nan;                                                    \
    }
#endif
/* Whether tap column jx of some output's window lies outside the row (padding at the begin, or
 * the last window past the end): max pooling's selects below for a tap that never does are left
 * out at compile time, and so are the averages' column tests with unit stride along W
 * (AVERAGE_COLUMN_TEST; inception_avg35 forward channels-first 1.3x with edge rows). Lanes past
 * the row's outputs (padded, compacted, wrapped and surplus unit-stride lanes) read further,
 * unclamped, but their results are discarded. Strided averages keep every tap's test: without it
 * for the taps inside, a row's mask alone made PoCL read them as gathers (average 4 x 4 stride 2
 * ceil_mode on 8 x 256 x 15 x 15, 0.25 -> 0.61 ms). */
#define TAP_MAY_LEAVE_W(jx)     ((jx) < P_PBW || (P_OW - 1) * P_SW - P_PBW + (jx) >= P_IW)
#define AVERAGE_COLUMN_TEST(jx) (P_SW > 1 || TAP_MAY_LEAVE_W(jx))
#if POOL_MAX
/* With select_w (EDGE_ROWS) the column is left unclamped and a tap outside the row, which read
 * a neighbouring row's element, counts as -inf: it neither changes the result nor the argmax. */
#define FORWARD_TAP(jy, jx)                                                                        \
    {                                                                                              \
        const int tx_ = CLAMP_TAP(xs + (jx), P_IW, clamp_w);                                       \
        const ACC_T u_ = LOAD(row_, tx_ * TAP_STEP);                                               \
        const ACC_T v_ =                                                                           \
            select_w && TAP_MAY_LEAVE_W(jx) && !(tx_ >= 0 && tx_ < P_IW) ? -INFINITY : u_;         \
        FORWARD_TAKE(v_, row_tap_ + tx_)                                                           \
    }
#else
#define FORWARD_TAP(jy, jx)                                                                        \
    {                                                                                              \
        const int tx_ = CLAMP_TAP(xs + (jx), P_IW, clamp_w);                                       \
        const ACC_T v_ = LOAD(row_, tx_ * TAP_STEP);                                               \
        acc += (TAPS_INSIDE ||                                                                     \
                in_zy_ && (!AVERAGE_COLUMN_TEST(jx) || xs + (jx) >= 0 && xs + (jx) < P_IW))        \
                   ? v_                                                                            \
                   : (ACC_T)0;                                                                     \
    }
#endif
#define FORWARD_ROW_H(jz, jy)                                                                      \
    {                                                                                              \
        const int ty_ = CLAMP_TAP(ys + (jy), P_IH, CLAMP_H);                                       \
        const bool in_zy_ = in_z_ && ys + (jy) >= 0 && ys + (jy) < P_IH;                           \
        const IDX_T row_tap_ = ((IDX_T)tz_ * P_IH + ty_) * P_IW;                                   \
        __global const DATA_T *row_ = in + plane + row_tap_ * TAP_STEP;                            \
        (void)in_zy_;                                                                              \
        (void)row_tap_;                                                                            \
        REP_W(FORWARD_TAP, jy)                                                                     \
        FILLER_TAPS                                                                                \
    }
/* FILLER_COLUMNS and FILLER_BEFORE (host: pool_kernels.c), with strided width lanes of max
 * windows whose width K_W or padding PB_W is no multiple of the stride S_W (3 x 3 stride 2,
 * say): the compiler
 * reads the taps of a window row as interleaved groups of S_W neighbouring columns, which it
 * forms at multiples of S_W from the lane's column, each a few vector loads and shuffles, but a
 * group it cannot fill (the third tap of 3 at stride 2: its partner, column 3, is no tap; with
 * PB_W = 1, the first tap's partner, column -2) becomes a gather, one per window row and vector
 * (perf: a fifth of the samples of alexnet_pool1's lanes). FILLER_COLUMNS more columns after the
 * row's taps and FILLER_BEFORE before them complete those groups, each taken as min(filler, the
 * row's last tap as the window took it: -inf when outside the row), which never beats the running
 * max: that tap was taken already, and a NaN on either side compares false. The result and the
 * argmax are unchanged, bit for bit. The columns lie in the rows before and after, inside the
 * input except before the tensor's first input row and after its last: the output rows whose
 * windows hold those are edge rows (EDGE_ROWS), computed without fillers. */
#ifndef FILLER_COLUMNS
#define FILLER_COLUMNS 0
#endif
#ifndef FILLER_BEFORE
#define FILLER_BEFORE 0
#endif
#define FILLER_TAP(column)                                                                         \
    if (fillers) {                                                                                 \
        const int lx_ = xs + P_KW - 1;                                                             \
        const ACC_T raw_ = LOAD(row_, lx_ * TAP_STEP);                                             \
        const ACC_T last_ =                                                                        \
            select_w && TAP_MAY_LEAVE_W(P_KW - 1) && !(lx_ >= 0 && lx_ < P_IW) ? -INFINITY : raw_; \
        const ACC_T d_ = LOAD(row_, (column)*TAP_STEP);                                            \
        const ACC_T m_ = d_ < last_ ? d_ : last_;                                                  \
        acc = m_ > acc ? m_ : acc;                                                                 \
    }
#define FILLER_AFTER(f)   FILLER_TAP(xs + P_KW + (f))
#define FILLER_BEFORE_(f) FILLER_TAP(xs - 1 - (f))
#if FILLER_COLUMNS == 0
#define FILLER_AFTER_TAPS
#elif FILLER_COLUMNS == 1
#define FILLER_AFTER_TAPS FILLER_AFTER(0)
#elif FILLER_COLUMNS == 2
#define FILLER_AFTER_TAPS FILLER_AFTER(0) FILLER_AFTER(1)
#elif FILLER_COLUMNS == 3
#define FILLER_AFTER_TAPS FILLER_AFTER(0) FILLER_AFTER(1) FILLER_AFTER(2)
#else
#error "FILLER_COLUMNS is 0 to 3"
#endif
#if FILLER_BEFORE == 0
#define FILLER_BEFORE_TAPS
#elif FILLER_BEFORE == 1
#define FILLER_BEFORE_TAPS FILLER_BEFORE_(0)
#elif FILLER_BEFORE == 2
#define FILLER_BEFORE_TAPS FILLER_BEFORE_(0) FILLER_BEFORE_(1)
#elif FILLER_BEFORE == 3
#define FILLER_BEFORE_TAPS FILLER_BEFORE_(0) FILLER_BEFORE_(1) FILLER_BEFORE_(2)
#else
#error "FILLER_BEFORE is 0 to 3"
#endif
#define FILLER_TAPS FILLER_AFTER_TAPS FILLER_BEFORE_TAPS
/* The same taps for MASKED_TAPS: a tap outside the input is not read at all (its load is
 * predicated) and counts as -inf for max, 0 for average: neither changes the result nor the
 * argmax. These index the input as one sum, not a row pointer: predicated loads through a row
 * pointer (which may lie outside the input) compiled to gathers, 4.6x slower on googlenet_3a. */
#if POOL_MAX
#define LANE_EMPTY (-INFINITY)
#else
#define LANE_EMPTY ((ACC_T)0)
#endif
#define LANE_TAP(jy, jx)                                                                           \
    {                                                                                              \
        const int tx_ = xs + (jx);                                                                 \
        const bool ok_ = in_zy_ && tx_ >= 0 && tx_ < P_IW;                                         \
        const ACC_T v_ = ok_ ? LOAD(in, plane + (row_tap_ + tx_) * TAP_STEP) : LANE_EMPTY;         \
        LANE_TAKE(v_, row_tap_ + tx_)                                                              \
    }
#if POOL_MAX
#define LANE_TAKE(v, tap) FORWARD_TAKE(v, tap)
#else
#define LANE_TAKE(v, tap) acc += (v);
#endif
#define LANE_ROW_H(jz, jy)                                                                         \
    {                                                                                              \
        const int ty_ = ys + (jy);                                                                 \
        const bool in_zy_ = in_z_ && ty_ >= 0 && ty_ < P_IH;                                       \
        const IDX_T row_tap_ = ((IDX_T)tz_ * P_IH + ty_) * P_IW;                                   \
        REP_W(LANE_TAP, jy)                                                                        \
    }
#define LANE_ROW_D(unused, jz)                                                                     \
    {                                                                                              \
        const int tz_ = zs + (jz);                                                                 \
        const bool in_z_ = tz_ >= 0 && tz_ < P_ID;                                                 \
        REP_H(LANE_ROW_H, jz)                                                                      \
    }

#define FORWARD_ROW_D(unused, jz)                                                                  \
    {                                                                                              \
        const int tz_ = CLAMP_TAP(zs + (jz), P_ID, CLAMP_D);                                       \
        const bool in_z_ = zs + (jz) >= 0 && zs + (jz) < P_ID;                                     \
        REP_H(FORWARD_ROW_H, jz)                                                                   \
    }

/* LANES (host: pool_kernels.c) picks the launch: 0 one-dimensional, one work-item per output in
 * memory order; LANES_CHANNEL (channels-last) and LANES_WIDTH (channels-first) two-dimensional,
 * dimension 0 running over the channels or the output's W, dimension 1 over the rest, so that
 * neighbouring work-items read neighbouring addresses as an affine function of
 * get_global_id(0): plain vector loads on a CPU, coalesced ones on a GPU. */
#define LANES_CHANNEL 1
#define LANES_WIDTH   2
#define LANES_SLICE   5 /* PLANE_SLICES: dimension 0 over the slices, 1 over the planes */
#ifndef LANES
#define LANES 0
#endif
#if LANES && LANES != LANES_SLICE && !CLAMPED_TAPS
#error "LANES needs the spelled-out taps"
#endif
#if LANES == LANES_CHANNEL && !CHANNELS_LAST || LANES == LANES_WIDTH && CHANNELS_LAST ||           \
    (LANES == LANES_SLICE) != PLANE_SLICES
#error "LANES does not match the layout"
#endif
/* EDGE_ROWS (host: pool_kernels.c), with LANES_WIDTH whose windows reach past the input along W
 * (padding, ceil_mode; strided, or unit-stride as MASKED_TAPS below says): a clamped column would
 * differ from lane to lane, which makes every tap a gather, and a predicated one too (item 14 of
 * docs/PERFORMANCE.md); so each tap is read at its own column, unclamped, which stays affine in the
 * lane, and a tap outside the row is discarded by a select (FORWARD_TAP's select_w; for averages
 * its mask, AVERAGE_COLUMN_TEST). Such a read
 * lands in the row before or after, inside the input except in the tensor's first and last input
 * rows: the lanes run the output rows from EDGE_FIRST on, total of them, and
 * clpool_pool_forward_edge, a second launch from the same program, computes the first EDGE_FIRST
 * and last EDGE_LAST rows, which could read those, with clamped taps. resnet_stem forward+indices
 * channels-first 5.2 -> 2.5 ms against the border-column split it replaces, whose 55 interior lanes
 * left 7 to scalar code and whose border kernel gathered (PoCL, batch 8). */
/* PADDED_LANES (host: pool_kernels.c), with LANES_WIDTH and WRITE_INDICES: the lane count of a
 * strided plane narrower than it whose windows stay inside the input (no clamps), the surplus
 * lanes storing nothing (below). PoCL vectorises the 6 or 7 lanes of such a plane 4 wide with a
 * scalar remainder; padded to 8, the argmax scan runs 8 wide. */
#ifndef PADDED_LANES
#define PADDED_LANES 0
#endif
/* COMPACTED_LANES (host: pool_kernels.c), with PADDED_LANES and windows inside the input or
 * edge rows: the lanes store every lane, surplus ones included, into the plan's scratch buffer,
 * bound as the output and the indices: row r's lane l at (r - EDGE_FIRST) * PADDED_LANES + l, its
 * value as DATA_T and its argmax as an int. clpool_pool_forward_compact, a second launch from the
 * same program, copies the live lanes into the caller's output and indices (the edge kernel,
 * third, writes the edge rows). An unconditional store keeps the strided
 * taps plain vector loads and shuffles and leaves no scalar remainder: a store masked to the
 * live lanes had the compiler sink the taps under it as gathers (docs/PERFORMANCE.md). */
#ifndef COMPACTED_LANES
#define COMPACTED_LANES 0
#endif
/* STEPPED_LANES (host: pool_kernels.c), with unit-stride LANES_WIDTH: the lanes are the row
 * rounded up to a multiple of 8 and the work-groups 8 lanes wide, and the last group of a row
 * steps back by LANE_STEP, the surplus, to end on the row's last output: it recomputes some of
 * its neighbour's outputs and stores the same values in the same places. The step is the same
 * for every lane of the group, so the taps stay plain vector loads, and every store is
 * unconditional: no masked store, and with INDEX_WORDS the index's two words one interleaved
 * store (googlenet_3a forward+indices channels-first 2.9-3.1 -> 1.7-1.9 ms, PoCL, batch 8).
 * Max with indices only: without indices it measured no faster, and averages ran scalar, 5x
 * slower (docs/PERFORMANCE.md). */
#ifndef STEPPED_LANES
#define STEPPED_LANES 0
#endif
/* WRAPPED_LANES (host: pool_kernels.c), with strided LANES_WIDTH and EDGE_ROWS: the lane count,
 * 8, of a channels-first plane 6 or 7 outputs wide. Lane l of output row r computes output l of
 * the rows run in memory order, r * P_OW + l: past P_OW that is the next row's output l - P_OW,
 * the same value that row's own lane stores in the same place. Each lane scans both windows,
 * (r, l) and (r + 1, l - P_OW), whose columns are affine in the lane, and selects; every store
 * is unconditional and affine. Exact, PoCL vectorised such rows across the rows (gathers and
 * scatters); padded with a masked store it sank the taps under the store as gathers (vgg_pool5
 * forward 0.22 -> 0.11 ms wrapped, PoCL, batch 8). A lane's columns past its row read the next
 * input row and the next row's window's negative columns the row before, inside the input
 * except near the tensor's first and last input rows: the edge rows (always the tensor's last
 * row, whose surplus lanes would store past the output) are the edge kernel's. */
#ifndef WRAPPED_LANES
#define WRAPPED_LANES 0
#endif
/* WRAPPED_SURPLUS_ONLY, for tests alone (tests/test_internal.c): only the surplus lanes store. In
 * the plans' kernels the row's own lane stores the same output after them (within a work-group),
 * which would hide a wrong surplus value everywhere but at work-group boundaries. */
#ifndef WRAPPED_SURPLUS_ONLY
#define WRAPPED_SURPLUS_ONLY 0
#endif
/* ROWS_TILE, with WRAPPED_LANES: every output row's windows start S_H input rows after the
 * previous row's, the next plane's first row included (no padding or overhang along H, depth one
 * tap high per output plane), so that a row's windows are found without dividing (below);
 * with indices, the argmaxes are then moved by the row's start within its plane. */
#if WRAPPED_LANES && K_D == 1 && S_D == 1 && PB_D == 0 && IN_D == OUT_D && PB_H == 0 &&            \
    IN_H == OUT_H * S_H && K_H <= S_H
#define ROWS_TILE 1
#else
#define ROWS_TILE 0
#endif
#if WRAPPED_SURPLUS_ONLY && !WRAPPED_LANES
#error "WRAPPED_SURPLUS_ONLY is for WRAPPED_LANES"
#endif
#ifndef EDGE_ROWS
#define EDGE_ROWS 0
#endif
#if EDGE_ROWS && !(defined(EDGE_FIRST) && defined(EDGE_LAST))
#error "EDGE_ROWS needs EDGE_FIRST and EDGE_LAST"
#endif
#if EDGE_ROWS
#define LANES_CLAMP_W 0 /* the edge kernel clamps */
#else
#define EDGE_FIRST    0
#define EDGE_LAST     0
#define LANES_CLAMP_W CLAMP_W
#endif
/* A dimension's taps need clamping only when some window reaches past the input: padding at
 * the begin, or a last window past the end (ceil_mode, end padding). Without, the tap index is
 * left affine, which lets the compiler merge the loads of neighbouring taps. */
#if CLAMPED_TAPS
#define CLAMP_D (PB_D > 0 || (OUT_D - 1) * S_D + K_D > IN_D)
#define CLAMP_H (PB_H > 0 || (OUT_H - 1) * S_H + K_H > IN_H)
#define CLAMP_W (PB_W > 0 || (OUT_W - 1) * S_W + K_W > IN_W)
/* No window reaches past the input: every tap is read as it is, unmasked. */
#define TAPS_INSIDE (!CLAMP_D && !CLAMP_H && !CLAMP_W)
#else
#define TAPS_INSIDE 0
#endif
#define CLAMP_TAP(x, n, needed) ((needed) ? CLAMP_INDEX(x, n) : (x))

/* Predicated taps where the address stays affine and consecutive (average pooling's channel
 * lanes, unit stride along W); clamped ones otherwise: predicated strided loads compile to
 * gathers, while plain strided ones (no clamp needed along W) compile to vector loads and
 * shuffles. Max pooling's channel lanes clamp too: a tap's row and column are the same for every
 * lane, so a clamped tap is still a plain vector load, and max needs no mask for it (a clamped
 * tap repeats one of its window), where predicated taps were masked loads plus a mask per tap:
 * 1.5-2.8x on the channels-last max rows (resnet_stem 2.7 -> 1.3 ms, vgg_pool3 with indices
 * 4.0 -> 1.6 ms, video_pool 6.3 -> 2.7 ms, batch 8). Averages, which mask a clamped tap, ran
 * slower clamped (inception_avg35 0.8-1.0 -> 1.2-1.3 ms minimum) and stay predicated, unless no
 * window reaches past the input (TAPS_INSIDE; for GLOBAL_PARTIALS, blocks that tile the plane):
 * their taps are then plain loads, unmasked (resnet50_gap 0.11-0.19 -> 0.10-0.11 ms, the 112 x
 * 112 global plane's block sums 0.66-0.82 -> 0.24-0.55 ms). */
/* Unit-stride width lanes with edge rows (host: pool_kernels.c) read their taps as the strided
 * ones do, unclamped along W, with a select (max) or a mask (averages) only in the columns that
 * can leave the row, and clamped along H, the same for every lane: a predicated tap, a row mask
 * and a column mask anded, a masked load and a blend, took 1.15-1.6x the time (googlenet_3a and
 * the inception averages forward; docs/PERFORMANCE.md item 80). */
#define MASKED_TAPS                                                                                \
    (LANES == LANES_CHANNEL && !POOL_MAX && !TAPS_INSIDE ||                                        \
     LANES == LANES_WIDTH && S_W == 1 && !EDGE_ROWS)

/* Width lanes whose surplus lanes store nothing: a store under `live` (below). */
#define MASKED_STORE                                                                               \
    (LANES == LANES_WIDTH && (S_W == 1 && !STEPPED_LANES || PADDED_LANES && !COMPACTED_LANES))

#ifndef WRITE_INDICES
#define WRITE_INDICES 0
#endif
#ifndef INDEX_WORDS
#define INDEX_WORDS 0
#endif
#if PADDED_LANES &&                                                                                \
    (LANES != LANES_WIDTH || S_W == 1 || !(TAPS_INSIDE || EDGE_ROWS) || !WRITE_INDICES)
#error "PADDED_LANES is for strided width lanes with indices, windows inside the input or edge rows"
#endif
#if (FILLER_COLUMNS || FILLER_BEFORE) &&                                                           \
    (LANES != LANES_WIDTH || !(TAPS_INSIDE || EDGE_ROWS) || !POOL_MAX || K_H < 2 || S_W < 2 ||     \
     (PB_W + FILLER_BEFORE) % S_W != 0 || (K_W - PB_W + FILLER_COLUMNS) % S_W != 0 ||              \
     K_W <= S_W || FILLER_BEFORE >= S_W || FILLER_COLUMNS >= S_W || FILLER_BEFORE && !EDGE_ROWS)
#error "fillers are for strided width lanes of max windows 2 rows or more, inside or edge rows"
#endif
#if COMPACTED_LANES && (!PADDED_LANES || !(TAPS_INSIDE || EDGE_ROWS) || INDEX_WORDS)
#error "COMPACTED_LANES is for padded lanes inside the input or with edge rows, indices as ints"
#endif
#if WRAPPED_LANES && (LANES != LANES_WIDTH || S_W == 1 || !EDGE_ROWS || PADDED_LANES ||            \
                      CHANNELS_LAST || WRAPPED_LANES <= OUT_W || WRAPPED_LANES > 2 * OUT_W)
#error "WRAPPED_LANES is for strided width lanes with edge rows, one row's surplus wide"
#endif
#if EDGE_ROWS && (LANES != LANES_WIDTH || S_W == 1 && WRITE_INDICES && !STEPPED_LANES ||           \
                  !(CLAMP_W || FILLER_COLUMNS || FILLER_BEFORE || WRAPPED_LANES || S_W == 1))
#error                                                                                             \
    "EDGE_ROWS is for width lanes whose windows overhang along W, fillers, wrapped or unit stride"
#endif
#if STEPPED_LANES && (LANES != LANES_WIDTH || S_W != 1)
#error "STEPPED_LANES is for unit-stride width lanes"
#endif
#if INDEX_WORDS && !(LANES == LANES_CHANNEL || LANES == LANES_WIDTH && (S_W != 1 || STEPPED_LANES))
#error "INDEX_WORDS is for channel, strided width (padded too) or stepped lanes"
#endif
#ifndef INDEX_T
#define INDEX_T long
#endif

#if CLAMPED_TAPS
/* A window's scan as it ends, before its result (window_result): the running max or sum, the
 * argmax, the last NaN (max without indices) and the divisor (averages). */
typedef struct window_state {
    ACC_T acc;
    ACC_T last_nan;
    ACC_T divisor;
    IDX_T argmax;
} window_state;

/* The window of output (od, oh, ow) of the plane at `plane`, for the specialised kernels, its
 * columns clamped when clamp_w, or read unclamped and discarded outside the row when select_w
 * (EDGE_ROWS; constants at each call, folded away where false), scanned into *state. Always
 * inlined: a call left in the kernel body stops PoCL vectorising it, and with indices the body
 * grew past the inliner's own threshold (10x slower). */
__attribute__((always_inline)) inline void window_scan(__global const DATA_T *restrict in,
                                                       const IDX_T plane, const int od,
                                                       const int oh, const int ow,
                                                       const bool clamp_w, const bool select_w,
                                                       const bool fillers, window_state *state) {
    /* Every tap of the window is visited, in scan order, spelled out at compile time (REP_*): a
     * tap outside the input reads the nearest in-bounds element instead. With dilation 1 that
     * element is itself a tap of the window visited just before or after, so max pooling sees
     * no new value (a repeat neither beats itself nor moves the argmax); average pooling masks
     * it out. Straight-line, branch-free bodies are what lets a CPU device vectorise across
     * work-items; the arithmetic is written with operators, not builtins, for the same reason. */
    const int zs = od * P_SD - P_PBD, ys = oh * P_SH - P_PBH, xs = ow * P_SW - P_PBW;
    (void)select_w; /* averages mask every live output's taps outside the input anyway */
    (void)fillers;  /* FILLER_TAPS: a constant at each call */
#if POOL_MAX
    ACC_T acc = -INFINITY;
#if WRITE_INDICES
    /* In IDX_T: a plane index fits it, and 32-bit selects are twice as many per vector. */
    IDX_T argmax = ((IDX_T)CLAMP_INDEX(zs, P_ID) * P_IH + CLAMP_INDEX(ys, P_IH)) * P_IW +
                   CLAMP_INDEX(xs, P_IW);
#else
    IDX_T argmax = 0;
    ACC_T last_nan = (ACC_T)0;
#endif
#else
    ACC_T acc = (ACC_T)0;
    IDX_T argmax = 0;
#endif
#if MASKED_TAPS
    REP_D(LANE_ROW_D, 0)
#else
    REP_D(FORWARD_ROW_D, 0)
#endif
#if !POOL_MAX && !GLOBAL_PARTIALS
    /* Every window has an in-bounds tap when dilation is 1 (padding is at most half of it). */
    const int valid = IN_BOUNDS_TAPS(zs, P_KD, P_ID) * IN_BOUNDS_TAPS(ys, P_KH, P_IH) *
                      IN_BOUNDS_TAPS(xs, P_KW, P_IW);
    state->divisor = (ACC_T)WINDOW_DIVISOR(zs, ys, xs, valid);
#else
    state->divisor = (ACC_T)1;
#endif
#if POOL_MAX && !WRITE_INDICES
    state->last_nan = last_nan;
#else
    state->last_nan = (ACC_T)0;
#endif
    state->acc = acc;
    state->argmax = argmax;
}

/* The result of a scanned window: the last NaN if it met one (max without indices), the sum
 * over the divisor (averages), else the running max. */
__attribute__((always_inline)) inline ACC_T window_result(const window_state *state) {
#if !POOL_MAX && !GLOBAL_PARTIALS
    return state->acc / state->divisor;
#elif POOL_MAX && !WRITE_INDICES
    return state->last_nan != state->last_nan ? state->last_nan : state->acc;
#else
    return state->acc;
#endif
}

__attribute__((always_inline)) inline void
clamped_window(__global const DATA_T *restrict in, const IDX_T plane, const int od, const int oh,
               const int ow, const bool clamp_w, const bool select_w, const bool fillers,
               ACC_T *acc_out, IDX_T *argmax_out) {
    window_state state;
    window_scan(in, plane, od, oh, ow, clamp_w, select_w, fillers, &state);
    *acc_out = window_result(&state);
    *argmax_out = state.argmax;
}
#endif

#if POOL_MAX
/* Whether (value, index) b ends a sequential scan that a ended, where both were candidates: the
 * forward rule (take v when v > acc or v is NaN) ends on the last NaN, else on the first tap of
 * the largest value (-0 == +0: the first keeps its sign). So a NaN beats a number and the later
 * NaN the earlier; a larger number beats a smaller, and of equal ones the earlier wins. A total
 * order, so lanes can be merged in any order. Works on scalars and, component-wise, vectors. */
#define SCAN_ENDS_ON(av, ai, bv, bi)                                                               \
    ((bv) != (bv) ? ((av) == (av)) | ((bi) > (ai))                                                 \
                  : ((av) == (av)) & (((bv) > (av)) | (((bv) == (av)) & ((bi) < (ai)))))
#define LANES_MERGE(mask_t, av, ai, bv, bi)                                                        \
    {                                                                                              \
        const mask_t takes_ = SCAN_ENDS_ON(av, ai, bv, bi);                                        \
        av = select(av, bv, takes_);                                                               \
        ai = select(ai, bi, takes_);                                                               \
    }
#endif

#if GLOBAL_VECTORS && POOL_MAX
/* The max of one contiguous plane and its argmax (the plane index PyTorch reports), for a CPU
 * device, as GLOBAL_VECTORS sums below. Lane k of 32 scans taps k, k + 32, ... by the forward
 * rule, starting from its first tap (which is what starting from -inf at that tap gives); the
 * lanes merge by SCAN_ENDS_ON into the scan of the taps so far, which the scalar tail continues.
 * Bit-identical to the reference, NaN payloads and signs of zero included. */
__attribute__((always_inline)) inline void plane_vector_max(__global const DATA_T *restrict p,
                                                            ACC_T *acc_out, IDX_T *argmax_out) {
    const int count = P_ID * P_IH * P_IW;
    ACC_T acc = -INFINITY;
    int argmax = 0, i = 0;
    if (count >= 32) {
        const int16 lane = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        float16 v0 = vload16(0, p), v1 = vload16(0, p + 16);
        int16 i0 = lane, i1 = lane + 16;
        for (i = 32; count - i >= 32; i += 32) { /* not i + 32 <= count: that may overflow */
            const float16 a = vload16(0, p + i), b = vload16(0, p + i + 16);
            const int16 take_a = (a > v0) | (a != a), take_b = (b > v1) | (b != b);
            v0 = select(v0, a, take_a);
            i0 = select(i0, lane + i, take_a);
            v1 = select(v1, b, take_b);
            i1 = select(i1, lane + (i + 16), take_b);
        }
        if (count - i >= 16) { /* lanes 0-15 take the next 16 taps, still each in order */
            const float16 a = vload16(0, p + i);
            const int16 take_a = (a > v0) | (a != a);
            v0 = select(v0, a, take_a);
            i0 = select(i0, lane + i, take_a);
            i += 16;
        }
        LANES_MERGE(int16, v0, i0, v1, i1)
        float8 v8 = v0.lo;
        int8 i8 = i0.lo;
        LANES_MERGE(int8, v8, i8, v0.hi, i0.hi)
        float4 v4 = v8.lo;
        int4 i4 = i8.lo;
        LANES_MERGE(int4, v4, i4, v8.hi, i8.hi)
        float2 v2 = v4.lo;
        int2 i2 = i4.lo;
        LANES_MERGE(int2, v2, i2, v4.hi, i4.hi)
        acc = v2.x;
        argmax = i2.x;
        LANES_MERGE(int, acc, argmax, v2.y, i2.y)
    }
    for (; i < count; ++i) { /* selects, not a branch the data would mispredict */
        const ACC_T v = LOAD(p, i);
        const int take = v > acc || v != v;
        acc = select(acc, v, take);
        argmax = select(argmax, i, take);
    }
    *acc_out = acc;
    *argmax_out = (IDX_T)argmax;
}
#elif GLOBAL_VECTORS
/* The sum of one contiguous plane, for a CPU device. The running sums of GLOBAL_SUM vectorise
 * across work-items, each lane a plane apart, so every load is a gather (8 x 2048 planes of 7 x 7
 * at 25-44% of copy on PoCL). A work-item loop whose body holds vector types is left scalar by
 * PoCL's vectoriser, so these 16-wide loads and sums stay what they are: each work-item streams
 * its plane (3-5x faster on the benchmark's three global heads). Two accumulators of 16, combined
 * pairwise, then the tail in order: within float rounding of the reference's sequential sum. */
__attribute__((always_inline)) inline ACC_T plane_vector_sum(__global const DATA_T *restrict p) {
    const IDX_T count = (IDX_T)P_ID * P_IH * P_IW;
    float16 v0 = (float16)0, v1 = (float16)0;
    IDX_T i = 0;
    for (; count - i >= 32; i += 32) { /* not i + 32 <= count: that may overflow IDX_T */
        v0 += vload16(0, p + i);
        v1 += vload16(0, p + i + 16);
    }
    if (count - i >= 16) {
        v0 += vload16(0, p + i);
        i += 16;
    }
    const float16 v = v0 + v1;
    const float8 e = v.lo + v.hi;
    const float4 f = e.lo + e.hi;
    ACC_T tail = (ACC_T)0;
    for (; i < count; ++i)
        tail += LOAD(p, i);
    return ((f.x + f.y) + (f.z + f.w)) + tail;
}
#endif

#if PLANE_SLICES
/* The first pass of a channels-first two-pass global average: work-item (slice, plane) of the
 * two-dimensional launch. The host launches exactly OUT_W slices; surplus planes redo the last
 * one. Every tap but the last lies inside the plane (the slices times K_W - 1 taps fall short of
 * it); the last is read clamped to the plane's last element and counted only when inside.
 * Always inlined, as clamped_window. */
__attribute__((always_inline)) inline void slice_sum(__global const DATA_T *restrict in,
                                                     __global DATA_T *restrict sums, ulong total) {
    const IDX_T slice = (IDX_T)get_global_id(0);
    const IDX_T plane_index =
        get_global_id(1) < total ? (IDX_T)get_global_id(1) : (IDX_T)(total - 1);
    const IDX_T plane_elements = (IDX_T)IN_D * IN_H * IN_W;
    __global const DATA_T *restrict plane = in + plane_index * plane_elements;
    ACC_T acc = (ACC_T)0;
#pragma unroll
    for (int t = 0; t < K_W - 1; ++t)
        acc += LOAD(plane, slice + (IDX_T)t * OUT_W);
    const IDX_T last = slice + (IDX_T)(K_W - 1) * OUT_W;
    const ACC_T tail = LOAD(plane, min(last, plane_elements - 1));
    acc += last < plane_elements ? tail : (ACC_T)0;
    /* Slice-major, so that the second pass reads its planes' sums side by side. */
    STORE(sums, slice * (IDX_T)total + plane_index, acc);
}
#endif

__kernel void clpool_pool_forward(__global const DATA_T *restrict input, ulong input_offset,
                                  __global DATA_T *restrict output, ulong output_offset,
                                  __global INDEX_T *restrict indices, ulong indices_offset,
                                  ulong total, int4 in_dims, int4 out_dims, int4 ksize, int4 stride,
                                  int4 pad_begin, int4 pad_end, int4 dilation, int2 avg_rule) {
    /* The surplus work-items of the last group redo the last output: the same value to the same
     * place, which keeps the body free of the early exit that stops vectorisation. */
    /* Offsets are applied to copies: assigning to a kernel parameter makes it a value carried
     * across PoCL's work-item loop, which then cannot be vectorised. */
    __global const DATA_T *restrict in = input + input_offset;
#if PLANE_SLICES
    slice_sum(in, output + output_offset, total);
#else
#if LANES == LANES_CHANNEL
    /* Dimension 1 runs over the output positions (n, od, oh, ow), total of them. The host
     * launches exactly P_C channels (its work-group width divides P_C); surplus positions redo
     * the last one and store the same values in the same places (below). */
    const IDX_T channel = (IDX_T)get_global_id(0);
    IDX_T rest = get_global_id(1) < total ? (IDX_T)get_global_id(1) : (IDX_T)(total - 1);
    const IDX_T gid = rest * P_C + channel;
#elif LANES == LANES_WIDTH
    /* Dimension 1 runs over the output rows ((n * C + c) * OD + od) * OH + oh, total of them
     * from EDGE_FIRST on; dimension 0 over ow. With a stride along W the host launches exactly
     * P_OW lanes (its work-group width divides that count), or PADDED_LANES or WRAPPED_LANES
     * (below), which the kernel relies on: a lane past them would read past its row, unclamped
     * where no window overhangs, further than the host's edge rows allow for. Surplus rows redo
     * the last one and store the same values in the same places: a conditional store would have
     * the compiler sink the loads under it, where, strided, they become gathers (4x slower for
     * stride 2). */
    const IDX_T row =
        EDGE_FIRST + (get_global_id(1) < total ? (IDX_T)get_global_id(1) : (IDX_T)(total - 1));
#if PADDED_LANES
    /* PADDED_LANES lanes for a strided plane under PADDED_LANES outputs wide (host:
     * pool_kernels.c): a lane past P_OW reads on past the end of its row, into the next input
     * row, and stores nothing. The tensor's last row would read past the input, so there the
     * lanes stand back by the surplus (a shift the same for every lane): its first lanes read
     * the end of the row before and store nothing. The lower bound is tested on that row alone:
     * tested on every row, it left PoCL's vectoriser with a scalar loop (vgg_pool5 0.41 -> 0.65
     * ms). The store is conditional, so the taps compile to gathers. With EDGE_ROWS the rows
     * that could read past the input are the edge kernel's, and no row stands back. */
#if EDGE_ROWS
    const int ow = (int)get_global_id(0);
#if !COMPACTED_LANES
    const bool live = ow < P_OW;
#endif
#else
    const bool last_row = row == (IDX_T)(total - 1);
    const int ow = (int)get_global_id(0) - (last_row ? PADDED_LANES - P_OW : 0);
#if !COMPACTED_LANES
    const bool live = ow < P_OW && (!last_row || ow >= 0);
#endif
#endif
#elif STEPPED_LANES
    const int ow =
        (int)get_global_id(0) - (get_group_id(0) + 1 == get_num_groups(0) ? LANE_STEP : 0);
#else
    const int ow = (int)get_global_id(0);
#endif
#if S_W == 1 && !STEPPED_LANES
    /* Unit stride along W: the host rounds the lanes up to a multiple of 8, and a surplus lane
     * (ow past P_OW) reads only within its row, as every tap is (with edge rows, on into the
     * next), and stores nothing. */
    const bool live = ow < P_OW && get_global_id(1) < total;
#endif
#if COMPACTED_LANES
    /* The scratch slot: the lanes' rows from EDGE_FIRST on, PADDED_LANES each. */
    const IDX_T gid = (row - EDGE_FIRST) * PADDED_LANES + (IDX_T)get_global_id(0);
#else
    const IDX_T gid = row * P_OW + ow;
#endif
    IDX_T rest = row;
#else
    const size_t gid = get_global_id(0) < total ? get_global_id(0) : (size_t)(total - 1);
    IDX_T rest = (IDX_T)gid;
#if CHANNELS_LAST
    const IDX_T channel = rest % P_C;
    rest /= P_C;
#endif
#endif
#if LANES != LANES_WIDTH
    const int ow = (int)(rest % P_OW);
    rest /= P_OW;
#endif
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

#if GLOBAL_VECTORS && POOL_MAX
    ACC_T acc;
    IDX_T argmax;
    plane_vector_max(in + plane, &acc, &argmax);
    (void)argmax;
#elif GLOBAL_VECTORS
    const ACC_T acc = plane_vector_sum(in + plane) / (ACC_T)((IDX_T)P_ID * P_IH * P_IW);
#elif GLOBAL_SUM
    /* Global average of a contiguous plane: eight running sums over interleaved taps, combined
     * pairwise, instead of one, so the loop is not one chain of dependent additions and
     * neighbouring taps load as one vector (2.5 -> 1.1 ms for 8 x 32 planes of 112 x 112; 1.0
     * -> 0.2-0.6 ms for 8 x 2048 of 7 x 7, whose spelled-out taps were gathers across
     * work-items). Within float rounding of the reference's sequential sum. */
    const IDX_T count = (IDX_T)P_ID * P_IH * P_IW;
    ACC_T s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    IDX_T i = 0;
    for (; count - i >= 8; i += 8) { /* not i + 8 <= count: i + 8 may overflow IDX_T */
        s0 += LOAD(in, plane + (i + 0) * TAP_STEP);
        s1 += LOAD(in, plane + (i + 1) * TAP_STEP);
        s2 += LOAD(in, plane + (i + 2) * TAP_STEP);
        s3 += LOAD(in, plane + (i + 3) * TAP_STEP);
        s4 += LOAD(in, plane + (i + 4) * TAP_STEP);
        s5 += LOAD(in, plane + (i + 5) * TAP_STEP);
        s6 += LOAD(in, plane + (i + 6) * TAP_STEP);
        s7 += LOAD(in, plane + (i + 7) * TAP_STEP);
    }
    for (; i < count; ++i)
        s0 += LOAD(in, plane + i * TAP_STEP);
    ACC_T acc = (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) / (ACC_T)count;
#elif CLAMPED_TAPS
#if WRAPPED_LANES
    /* Both windows (above); row + 1 is inside the tensor, its last row being an edge row. The
     * scans' states are selected before their results: two results side by side (the NaN
     * tests, the divisions) were paired into 2-wide vectors by LLVM's SLP vectoriser, which
     * then left the work-item loop scalar. */
    window_state own, next_window;
#if ROWS_TILE
    /* Each output row's windows start S_H input rows after the previous row's, across planes
     * too: the row's first input row is affine in the row, with no division, and both windows
     * are scanned as row 0 of a "plane" starting there. */
    const IDX_T row_start = row * ((IDX_T)P_SH * P_IW);
    window_scan(in, row_start, 0, 0, ow, false, CLAMP_W, FILLER_COLUMNS + FILLER_BEFORE > 0, &own);
    window_scan(in, row_start + (IDX_T)P_SH * P_IW, 0, 0, ow - P_OW, false, CLAMP_W,
                FILLER_COLUMNS + FILLER_BEFORE > 0, &next_window);
#if WRITE_INDICES
    /* The argmaxes as plane indices: each window's row start within its (n, c) plane. */
    const int plane_rows = P_OD * P_OH, row_in_plane = od * P_OH + oh;
    own.argmax += (IDX_T)row_in_plane * P_SH * P_IW;
    next_window.argmax +=
        (IDX_T)(row_in_plane + 1 == plane_rows ? 0 : row_in_plane + 1) * P_SH * P_IW;
#endif
#else
    /* The next row's position by carrying, not dividing again: this per-row arithmetic is
     * about half of a row's instructions, one vector of 8 lanes per row. */
    const bool next_plane_d = oh + 1 == P_OH;
    const int next_oh = next_plane_d ? 0 : oh + 1;
    const bool next_plane = next_plane_d && od + 1 == P_OD;
    const int next_od = next_plane ? 0 : od + next_plane_d;
    window_scan(in, plane, od, oh, ow, false, CLAMP_W, FILLER_COLUMNS + FILLER_BEFORE > 0, &own);
    window_scan(in, plane + (next_plane ? plane_elements : 0), next_od, next_oh, ow - P_OW, false,
                CLAMP_W, FILLER_COLUMNS + FILLER_BEFORE > 0, &next_window);
#endif
    const bool wraps = ow >= P_OW;
    own.acc = wraps ? next_window.acc : own.acc;
    own.last_nan = wraps ? next_window.last_nan : own.last_nan;
    own.divisor = wraps ? next_window.divisor : own.divisor;
    own.argmax = wraps ? next_window.argmax : own.argmax;
    const ACC_T acc = window_result(&own);
    const IDX_T argmax = own.argmax;
#else
    ACC_T acc;
    IDX_T argmax;
    clamped_window(in, plane, od, oh, ow, LANES_CLAMP_W, EDGE_ROWS && CLAMP_W,
                   FILLER_COLUMNS + FILLER_BEFORE > 0, &acc, &argmax);
#endif
    (void)argmax;
#else
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
#else
    ACC_T last_nan = (ACC_T)0; /* as in clamped_window */
#endif
#else
    ACC_T acc = (ACC_T)0;
#endif
    for (int jz = z0; jz < z1; ++jz) {
        const IDX_T row_z = (IDX_T)(zs + jz * P_DD) * P_IH;
        for (int jy = y0; jy < y1; ++jy) {
            const IDX_T row_y = (row_z + ys + jy * P_DH) * P_IW;
            for (int jx = x0; jx < x1; ++jx) {
                const ACC_T v = LOAD(in, plane + (row_y + xs + jx * P_DW) * TAP_STEP);
#if POOL_MAX && WRITE_INDICES
                if (v > acc || isnan(v)) {
                    acc = v;
                    argmax = (row_y + xs + jx * P_DW);
                }
#elif POOL_MAX
                acc = v > acc ? v : acc;
                last_nan = isnan(v) ? v : last_nan;
#else
                acc += v;
#endif
            }
        }
    }

#if POOL_MAX && !WRITE_INDICES
    acc = isnan(last_nan) ? last_nan : acc;
#endif
#if !POOL_MAX
    const int valid = max(z1 - z0, 0) * max(y1 - y0, 0) * max(x1 - x0, 0);
    acc = valid == 0 ? (ACC_T)0 : acc / (ACC_T)WINDOW_DIVISOR(zs, ys, xs, valid);
#endif
#endif
    /* Channel lanes store unconditionally: surplus rows redo the last row (rest above) and store
     * the same values in the same places, and an unmasked store lets the index's two words below
     * be one interleaved vector store instead of a scatter. */
#if MASKED_STORE
    if (live) {
#elif WRAPPED_SURPLUS_ONLY
    if (ow >= P_OW) {
#endif
        STORE(output + output_offset, (IDX_T)gid, acc);
#if WRITE_INDICES && INDEX_WORDS
        /* An int64 store makes PoCL vectorise 4 lanes wide where 32-bit data allows 8; written as
         * its low and high 32-bit words (little-endian) the index keeps the width at 8: 1.3-2x
         * on the channels-last forward+indices rows (googlenet_3a 1.4-1.6 -> 0.8-1.0 ms, batch
         * 8, PoCL), 1.1-1.6x on channels-first rows of 16 or more strided width lanes, and
         * 1.1-1.3x on padded ones of overlapping windows, where they are a masked store (host:
         * pool_kernels.c). The words are those of the same int64 value. */
        /* The pair's address in 64 bits: written as 2 * gid and 2 * gid + 1 in 32, the words
         * of resnet_stem's lanes (edge rows from the second row on) were two scatters. */
        __global int *index_words = (__global int *)(indices + indices_offset) + 2 * (long)gid;
        index_words[0] = (int)argmax;
        index_words[1] = (int)((long)argmax >> 32);
#elif WRITE_INDICES && COMPACTED_LANES
        /* The scratch buffer's ints: indices_offset counts ints there (the plan binds it so). */
        ((__global int *)indices)[indices_offset + gid] = (int)argmax;
#elif WRITE_INDICES
    indices[indices_offset + gid] = (INDEX_T)argmax;
#endif
#if MASKED_STORE || WRAPPED_SURPLUS_ONLY
    }
#endif
#endif /* PLANE_SLICES */
}

#if EDGE_ROWS && EDGE_FIRST + EDGE_LAST > 0
/* The edge rows of an EDGE_ROWS plan (above): work-item g computes output column g % OUT_W of
 * edge row g / OUT_W, the first EDGE_FIRST output rows and then the last EDGE_LAST; total is the
 * tensor's output row count, N x C x OD x OH. Few work-items, with clamped taps. A plan with no
 * edge rows (no unclamped read can leave the input) does not launch it. */
__kernel void clpool_pool_forward_edge(__global const DATA_T *restrict input, ulong input_offset,
                                       __global DATA_T *restrict output, ulong output_offset,
                                       __global INDEX_T *restrict indices, ulong indices_offset,
                                       ulong total, int4 in_dims, int4 out_dims, int4 ksize,
                                       int4 stride, int4 pad_begin, int4 pad_end, int4 dilation,
                                       int2 avg_rule) {
    __global const DATA_T *restrict in = input + input_offset;
    const size_t count = (size_t)(EDGE_FIRST + EDGE_LAST) * OUT_W;
    const size_t g = get_global_id(0) < count ? get_global_id(0) : count - 1;
    const IDX_T edge_row = (IDX_T)(g / OUT_W);
    const int ow = (int)(g % OUT_W);
    const IDX_T row =
        edge_row < EDGE_FIRST ? edge_row : (IDX_T)total - EDGE_LAST + (edge_row - EDGE_FIRST);
    IDX_T rest = row;
    const int oh = (int)(rest % P_OH);
    rest /= P_OH;
    const int od = (int)(rest % P_OD);
    rest /= P_OD;
    ACC_T acc;
    IDX_T argmax;
    clamped_window(in, rest * ((IDX_T)P_ID * P_IH * P_IW), od, oh, ow, CLAMP_W, false, false, &acc,
                   &argmax);
    const IDX_T gid = row * P_OW + ow;
    STORE(output + output_offset, gid, acc);
#if WRITE_INDICES
    indices[indices_offset + gid] = (INDEX_T)argmax;
#endif
    (void)argmax;
}
#endif

#if COMPACTED_LANES
/* The second pass of COMPACTED_LANES (above), launched as the lanes are: dimension 0 over the
 * output's W, exactly OUT_W work-items, dimension 1 over the lanes' output rows, from EDGE_FIRST
 * on, total of them (surplus rows redo the last one). Work-item (ow, row) copies that row's lane ow
 * from the scratch buffer the lanes wrote (bound as input: PADDED_LANES values per row, then from
 * the first multiple of 8 bytes past them as many int argmaxes) into the caller's output and
 * indices. Without edge rows the tensor's last row stood back by the surplus (its lane l computed
 * column l - surplus), so its columns sit that many lanes on. Loads and stores stay affine in the
 * lane: a launch over the outputs in memory order made both gathers and scatters. The host keeps
 * every slot below 2^31. */
__kernel void clpool_pool_forward_compact(__global const DATA_T *restrict input, ulong input_offset,
                                          __global DATA_T *restrict output, ulong output_offset,
                                          __global INDEX_T *restrict indices, ulong indices_offset,
                                          ulong total, int4 in_dims, int4 out_dims, int4 ksize,
                                          int4 stride, int4 pad_begin, int4 pad_end, int4 dilation,
                                          int2 avg_rule) {
    const IDX_T row = get_global_id(1) < total ? (IDX_T)get_global_id(1) : (IDX_T)(total - 1);
    const IDX_T ow = (IDX_T)get_global_id(0);
#if EDGE_ROWS /* the edge kernel has the tensor's first and last rows: no lanes row stood back */
    const IDX_T slot = row * PADDED_LANES + ow;
#else
    const IDX_T slot =
        row * PADDED_LANES + (row == (IDX_T)(total - 1) ? PADDED_LANES - OUT_W : 0) + ow;
#endif
    __global const DATA_T *restrict values = input + input_offset;
    __global const int *restrict argmaxes =
        (__global const int *)((__global const char *)values +
                               (total * PADDED_LANES * sizeof(DATA_T) + 7) / 8 * 8);
    const IDX_T gid = (EDGE_FIRST + row) * OUT_W + ow;
    STORE(output + output_offset, gid, LOAD(values, slot));
    indices[indices_offset + gid] = (INDEX_T)argmaxes[slot];
}
#endif

#if GLOBAL_PARTIALS
/* The second pass of GLOBAL_PARTIALS: work-item gid = n * C + c sums the OUT_D x OUT_H x OUT_W
 * block (or slice) sums of its plane, read from input (the scratch buffer as the first pass
 * wrote it: channels-last a block's sums C apart, channels-first N x C apart, so that
 * neighbouring work-items read neighbouring sums), in order, and divides by the plane's size,
 * as an adaptive window of the whole plane counts it: within float rounding of the reference's
 * one sequential sum. For max pooling it merges the blocks' maxima and argmaxes instead, which
 * is exact. total is N * C. A loop per work-item over 1/64 of a channels-last plane (1/8 of a
 * line whose length cannot be folded into rows), or over a channels-first plane's slices. */
__kernel void clpool_pool_forward_partials(__global const DATA_T *restrict input,
                                           ulong input_offset, __global DATA_T *restrict output,
                                           ulong output_offset, __global INDEX_T *restrict indices,
                                           ulong indices_offset, ulong total, int4 in_dims,
                                           int4 out_dims, int4 ksize, int4 stride, int4 pad_begin,
                                           int4 pad_end, int4 dilation, int2 avg_rule) {
    const size_t g = get_global_id(0) < total ? get_global_id(0) : (size_t)(total - 1);
    const IDX_T blocks = (IDX_T)OUT_D * OUT_H * OUT_W;
#if CHANNELS_LAST
    const IDX_T n = (IDX_T)g / P_C, channel = (IDX_T)g % P_C;
    __global const DATA_T *restrict sums = input + input_offset + n * blocks * P_C + channel;
    const IDX_T step = P_C;
#else
    __global const DATA_T *restrict sums = input + input_offset + (IDX_T)g;
    const IDX_T step = (IDX_T)total;
#endif
#if POOL_MAX
    /* The blocks' argmaxes follow their values in the scratch buffer, laid out alike, from the
     * first multiple of 8 bytes past them (plan.c: scratch_index_offset). */
    __global const INDEX_T *restrict block_argmax =
        (__global const INDEX_T *)((__global const char *)(input + input_offset) +
                                   ((IDX_T)total * blocks * (IDX_T)sizeof(DATA_T) + 7) / 8 * 8) +
        (sums - (input + input_offset));
    ACC_T acc = LOAD(sums, 0);
    INDEX_T argmax = block_argmax[0];
    for (IDX_T b = 1; b < blocks; ++b) {
        const ACC_T v = LOAD(sums, b * step);
        const INDEX_T i = block_argmax[b * step];
        const bool takes = SCAN_ENDS_ON(acc, argmax, v, i);
        acc = takes ? v : acc;
        argmax = takes ? i : argmax;
    }
    STORE(output + output_offset, (IDX_T)g, acc);
#if PLAN_INDICES
    indices[indices_offset + (IDX_T)g] = argmax;
#endif
#else
    ACC_T acc = (ACC_T)0;
    for (IDX_T b = 0; b < blocks; ++b)
        acc += LOAD(sums, b * step);
    STORE(output + output_offset, (IDX_T)g, acc / (ACC_T)((IDX_T)IN_D * IN_H * IN_W));
#endif
}
#endif
