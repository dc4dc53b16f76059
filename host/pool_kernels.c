/*
 * Build options and fixed arguments of the pooling kernels. Options are assembled in one fixed
 * order, so equal configurations give equal strings and share one cached program. In max mode
 * the average-only values are normalised to 0 so they never split the cache.
 */
#include "pool_kernels.h"
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPTIONS_CAPACITY 1024

typedef struct option_buffer {
    char text[OPTIONS_CAPACITY];
    size_t used;
    int overflowed;
} option_buffer;

static void append(option_buffer *b, const char *format, ...) CLPOOL_PRINTF(2, 3);

static void append(option_buffer *b, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int n = vsnprintf(b->text + b->used, OPTIONS_CAPACITY - b->used, format, args);
    va_end(args);
    if (n < 0 || (size_t)n >= OPTIONS_CAPACITY - b->used)
        b->overflowed = 1;
    else
        b->used += (size_t)n;
}

/* 32-bit index arithmetic is faster on most GPUs; it is safe when every element index fits. */
static int use_32bit_indices(const clpool_geometry *g) {
    return g->input_elements <= INT32_MAX && g->output_elements <= INT32_MAX;
}

static void append_specialisation(option_buffer *b, const clpool_geometry *g) {
    const int avg = g->mode == CLPOOL_MODE_AVG;
    append(b, " -DSPECIALISED=1 -DIN_D=%lld -DIN_H=%lld -DIN_W=%lld -DCH=%lld", (long long)g->in[0],
           (long long)g->in[1], (long long)g->in[2], (long long)g->c);
    append(b, " -DOUT_D=%lld -DOUT_H=%lld -DOUT_W=%lld", (long long)g->out[0], (long long)g->out[1],
           (long long)g->out[2]);
    append(b, " -DK_D=%lld -DK_H=%lld -DK_W=%lld", (long long)g->kernel[0], (long long)g->kernel[1],
           (long long)g->kernel[2]);
    append(b, " -DS_D=%lld -DS_H=%lld -DS_W=%lld", (long long)g->stride[0], (long long)g->stride[1],
           (long long)g->stride[2]);
    append(b, " -DPB_D=%lld -DPB_H=%lld -DPB_W=%lld", (long long)g->pad_begin[0],
           (long long)g->pad_begin[1], (long long)g->pad_begin[2]);
    append(b, " -DPE_D=%lld -DPE_H=%lld -DPE_W=%lld", avg ? (long long)g->pad_end[0] : 0LL,
           avg ? (long long)g->pad_end[1] : 0LL, avg ? (long long)g->pad_end[2] : 0LL);
    append(b, " -DDL_D=%lld -DDL_H=%lld -DDL_W=%lld", (long long)g->dilation[0],
           (long long)g->dilation[1], (long long)g->dilation[2]);
    append(b, " -DCOUNT_INCLUDE_PAD=%d -DDIVISOR=%lld", avg ? g->count_include_pad : 0,
           avg ? (long long)g->divisor : 0LL);
}

/* The tap repetition macros of pool_common.cl go up to 8 per dimension. */
#define MAX_SPELLED_TAPS 8

static int is_global(const clpool_geometry *g) {
    return g->adaptive && g->out[0] == 1 && g->out[1] == 1 && g->out[2] == 1;
}

/* Dilation 1 and at most MAX_SPELLED_TAPS taps per dimension: windows the kernels can spell
 * out when specialised. */
static int small_window(const clpool_geometry *g) {
    for (int i = 0; i < 3; ++i)
        if (g->dilation[i] != 1 || g->kernel[i] > MAX_SPELLED_TAPS)
            return 0;
    return 1;
}

/* Adaptive windows that need the kernels' adaptive arithmetic. A global window is also the
 * fixed window kernel = stride = input size, no padding (geometry.c sets exactly that), which
 * the specialised kernels spell out when it is small; larger or generic global plans keep the
 * adaptive arithmetic, whose backward pass finds the one covering output directly instead of
 * walking kernel-many candidates. */
static int adaptive_windows(const clpool_geometry *g, int specialise) {
    return g->adaptive && !(is_global(g) && specialise && small_window(g));
}

static int spelled_out(const clpool_geometry *g, int specialise) {
    return specialise && small_window(g) && !adaptive_windows(g, specialise);
}

/* The outputs whose windows can contain one input position along dimension i: ceil(k / s). */
static int64_t covering_outputs(const clpool_geometry *g, int i) {
    return (g->kernel[i] + g->stride[i] - 1) / g->stride[i];
}

/* Channels-first planes take lanes from 6 live ones up (a 7-wide output plane still runs 1.5x
 * faster that way than one work-item per output in memory order). Residue lanes, and the width
 * lanes of unit-stride forward plans (whose taps are predicated loads, or with edge rows read
 * unclamped), are launched in multiples of 8 (the kernels skip the surplus ones), so that a vector
 * of lanes fits without a scalar remainder. Strided width lanes are launched exactly: their taps
 * are plain loads. They are for CPU devices only, whose work-item loops they let vectorise: a GPU
 * coalesces the memory-order launch as well, and a split plan's second launch costs it more than
 * the lanes gain (on an H200, googlenet_pool4 0.026 -> 0.008-0.009 ms and resnet_stem 0.027 ->
 * 0.017-0.018 ms without lanes, strided planes without a split unchanged; unit-stride googlenet_3a
 * 0.012 ms with lanes, 0.015 without). */
#define MIN_WIDTH_LANES 6
#define LANE_MULTIPLE   8

static uint64_t round_lanes(uint64_t live) {
    return (live + LANE_MULTIPLE - 1) / LANE_MULTIPLE * LANE_MULTIPLE;
}

/* The live residue lanes of a channels-first gather: the input's W over the stride, rounded up. */
static int64_t residue_lanes(const clpool_geometry *g) {
    return (g->in[2] + g->stride[2] - 1) / g->stride[2];
}

/* Channels-first gathers of windows that overlap in no dimension (kernel <= stride), strided
 * along W, run their lanes over the input's W (pool_backward.cl, LANES_WIDTH): one covering
 * output per element, read by a gather, and a plain store. The residue lanes read that output
 * with a plain load and store at the stride, a scatter, slower on CPU devices:
 * densenet_transition's average backward channels-first 1.42-1.85 -> 0.89-1.04 ms, average 3 x 3
 * stride 3 on 57 x 57 0.79 -> 0.52 ms. With more covering outputs the gathers lost, one gather
 * (two for max) per candidate against the residue lanes' one scatter: average 3 x 3 stride 2
 * 0.74x, max 5 x 5 stride 2 0.44x, max 5 x 2 stride 2 (three candidates along H, one along W)
 * 0.45x, so those keep the residue lanes (PoCL, batch 8, docs/PERFORMANCE.md item 64). */
static int width_gather(const clpool_geometry *g) {
    return g->stride[2] > 1 &&
           covering_outputs(g, 0) * covering_outputs(g, 1) * covering_outputs(g, 2) == 1;
}

/* Specialised global backward passes that read one value per covering output read the plane's
 * one output directly (pool_backward.cl, GLOBAL_WINDOW), whatever the plane's size. */
static int global_gather(const clpool_geometry *g, int specialise, clpool_kernel_kind kind) {
    return specialise && is_global(g) &&
           (kind == CLPOOL_KERNEL_BACKWARD_MAX_INDICES || kind == CLPOOL_KERNEL_BACKWARD_AVG);
}

/* Specialised channels-first global average pooling forward, of any plane the two-pass slices
 * (clpool_kernel_partials) leave to one kernel: summed with independent running sums over the
 * contiguous plane (pool_forward.cl, GLOBAL_SUM), which beat both the adaptive loop of large
 * planes and the spelled-out taps of small ones (7 x 7: read 49 apart across work-items, as
 * gathers). Channels-last, whose taps are C apart, ran 2x slower so and keeps the spelled-out
 * taps or the adaptive path. On CPU devices the sums are explicit 16-wide vectors inside each
 * work-item (GLOBAL_VECTORS): PoCL had vectorised the running sums across work-items, a plane
 * apart, as gathers (8 x 2048 planes of 7 x 7: 0.10-0.19 -> 0.04-0.06 ms; 8 x 32 of 112 x 112:
 * 0.35-0.39 -> 0.10-0.17 ms). */
static int global_sum(const clpool_geometry *g, int specialise, clpool_kernel_kind kind) {
    return specialise && is_global(g) && kind == CLPOOL_KERNEL_FORWARD &&
           g->mode == CLPOOL_MODE_AVG && g->layout == CLPOOL_LAYOUT_CHANNELS_FIRST;
}

/* Specialised channels-first global pooling forward on CPU devices, of any plane the two-pass
 * slices leave to one kernel (on CPU devices, all): explicit 16-wide vectors inside the
 * work-item (pool_forward.cl, GLOBAL_VECTORS), the sums of averages as above, and for max pooling
 * 32 lanes of the scan that merge exactly, on planes of fewer than 2^31 elements (int lane
 * indices). Max pooling had the spelled-out taps of small planes (8 x 2048 planes of 7 x 7: 0.31
 * ms, 18% of copy, the taps read 49 apart across work-items) and the adaptive loop of large ones
 * (8 x 1024 planes of 4,096: 14.6 ms). */
static int global_vectors(const clpool_geometry *g, const clpool_device_facts *facts,
                          int specialise, clpool_kernel_kind kind) {
    return facts->cpu && specialise && is_global(g) && kind == CLPOOL_KERNEL_FORWARD &&
           g->layout == CLPOOL_LAYOUT_CHANNELS_FIRST &&
           (g->mode == CLPOOL_MODE_AVG || g->in[0] * g->in[1] * g->in[2] <= INT32_MAX);
}

/* Blocks of GLOBAL_PARTIALS cover at most this many taps (pool_forward.cl), so a 3D plane does
 * not spell out 512 taps; W is cut first, then H, then D. Two passes pay only for large inputs:
 * PoCL takes some 50 us from one kernel to the next, which cost 2-6x on inputs of 30k-140k
 * elements (8 x 16 planes of 20 x 13, or of 10 x 9 x 12), while 8 x 32 planes of 112 x 112 (3.2M
 * elements) ran 2-3x faster. */
#define MAX_BLOCK_TAPS        64
#define MIN_PARTIALS_ELEMENTS ((int64_t)1 << 18)

/* Channels-last taps lie C elements apart. Where that is a multiple of ALIASING_STRIDE bytes,
 * every tap of a work-item's window falls in the same set of a CPU's L1 data cache (64 sets of
 * 64-byte lines, 4 KiB a way), so a window of more than 8 taps (8 ways) evicts its own lines
 * before the next vector of channels reads their other halves: every tap a miss. 8 x 2048
 * planes of 7 x 7 ran 4-5x slower than 8 x 2040 (0.11-0.21 against 0.04 ms). Such averages take
 * the two passes (from MIN_PARTIALS_ELEMENTS up, as the others) even where the kernels could
 * spell the window out, in blocks of at most ALIASED_BLOCK_TAPS taps: 7 x 7 planes of C = 1024,
 * 2048 and 3072 2.1-2.2x faster (resnet50_gap 0.20 -> 0.10 ms); strides of 3, 5 or 6 KiB (C =
 * 768, 1280, 1536: taps in 2 or 4 sets) ran at 42-66% of copy in one pass and slower in two, so
 * they keep one (PoCL, docs/PERFORMANCE.md item 66). CPU devices only: measured there. */
#define ALIASING_STRIDE    4096
#define ALIASED_BLOCK_TAPS 8

static int aliased_taps(const clpool_geometry *g, const clpool_device_facts *facts) {
    return facts->cpu && g->layout == CLPOOL_LAYOUT_CHANNELS_LAST && g->mode == CLPOOL_MODE_AVG &&
           g->c * (int64_t)g->element_size % ALIASING_STRIDE == 0 &&
           g->in[0] * g->in[1] * g->in[2] > ALIASED_BLOCK_TAPS;
}

/* Channels-first planes of at least MIN_SLICED_PLANE elements are cut into slices instead
 * (pool_forward.cl, PLANE_SLICES): slice j of B sums elements j, j + B, j + 2B, ... of the
 * contiguous plane, so neighbouring work-items read neighbouring elements. B is the plane over
 * SLICE_TAPS, rounded up to a multiple of SLICE_MULTIPLE (a GPU's 32-wide warps read whole
 * lines), so a slice has at most SLICE_TAPS taps, which the
 * kernel unrolls: a tap loop left in the body was vectorised along the taps, as gathers (3x
 * slower on PoCL). One work-item per plane had only N x C work-items: 256 of them summed 8 x 32
 * planes of 112 x 112 in 0.25 ms on an H200, 4% of its copy bandwidth. */
#define SLICE_TAPS       64
#define SLICE_MULTIPLE   32
#define MIN_SLICED_PLANE 1024
/* ... and only while one work-item per plane cannot fill the device: fewer planes than this
 * many per compute unit. */
#define SLICED_PLANES_PER_UNIT 64
/* Not on CPU devices, whose vector sums (GLOBAL_VECTORS) stream a plane per work-item at the
 * copy's pace: on PoCL's 2 compute units, one plane of 512 x 512 took 0.16 ms so and 0.71-0.74
 * ms in slices (the second kernel starts some 50 us after the first), 32 planes of 112 x 112
 * 0.023-0.027 ms against 0.16-0.17 ms. */

static int64_t block_extent(int64_t size, int64_t budget) {
    const int64_t limit = budget < MAX_SPELLED_TAPS ? budget : MAX_SPELLED_TAPS;
    return size < limit ? size : limit;
}

/* Whether a channels-first global average of enough input elements takes the slices. */
static int sliced(const clpool_geometry *g, const clpool_device_facts *facts) {
    const uint64_t units = facts->compute_units ? facts->compute_units : 1;
    return !facts->cpu && g->in[0] * g->in[1] * g->in[2] >= MIN_SLICED_PLANE &&
           (uint64_t)(g->n * g->c) < units * SLICED_PLANES_PER_UNIT;
}

/* The first pass of a channels-first two-pass global average: in is the plane, out (1, 1, B)
 * its slices, kernel[2] the taps of a slice (the last one's last tap may lie past the plane). */
static void plane_slices(const clpool_geometry *g, clpool_geometry *slices) {
    const int64_t plane = g->in[0] * g->in[1] * g->in[2];
    int64_t count = (plane + SLICE_TAPS - 1) / SLICE_TAPS;
    count = (count + SLICE_MULTIPLE - 1) / SLICE_MULTIPLE * SLICE_MULTIPLE;
    *slices = *g;
    slices->adaptive = 0;
    slices->count_include_pad = 0;
    slices->divisor = 0;
    for (int i = 0; i < 3; ++i) {
        slices->kernel[i] = slices->stride[i] = slices->out[i] = slices->dilation[i] = 1;
        slices->pad_begin[i] = slices->pad_end[i] = 0;
    }
    slices->kernel[2] = (plane + count - 1) / count;
    slices->stride[2] = slices->out[2] = count;
    slices->output_elements = g->n * g->c * count;
    slices->output_bytes = (size_t)slices->output_elements * g->element_size;
}

/* A line (a 1D plane) of length L, for its blocks, as the rows of a 2D plane whose width is a
 * divisor of L from 8 up to its square root, the one that makes the fewest blocks (the widest of
 * equals): a plane, contiguous or C apart, flattens the same way, and so do the argmaxes' plane
 * indices. Blocks of 8 x 8 taps instead of 8 leave the second pass 1/64 of the line to merge
 * rather than 1/8 (8 x 1024 lines of 4,096, channels-last global max on PoCL: 19-25 -> 9-10 ms).
 * A length with no such divisor keeps blocks of 8. */
static void fold_line(int64_t in[3]) {
    if (in[0] != 1 || in[1] != 1)
        return;
    const int64_t length = in[2];
    int64_t best_width = 0, fewest = (length + MAX_SPELLED_TAPS - 1) / MAX_SPELLED_TAPS;
    for (int64_t width = MAX_SPELLED_TAPS; width <= length / width; ++width) {
        if (length % width != 0)
            continue;
        const int64_t blocks = (width + MAX_SPELLED_TAPS - 1) / MAX_SPELLED_TAPS *
                               ((length / width + MAX_SPELLED_TAPS - 1) / MAX_SPELLED_TAPS);
        if (blocks <= fewest) {
            best_width = width;
            fewest = blocks;
        }
    }
    if (best_width) {
        in[1] = length / best_width;
        in[2] = best_width;
    }
}

int clpool_kernel_partials(const clpool_geometry *g, const clpool_device_facts *facts,
                           int specialise, clpool_kernel_kind kind, clpool_geometry *blocks) {
    const int aliased = aliased_taps(g, facts);
    if (!specialise || !is_global(g) || kind != CLPOOL_KERNEL_FORWARD ||
        (small_window(g) && !aliased) || g->input_elements < MIN_PARTIALS_ELEMENTS)
        return 0;
    if (g->layout == CLPOOL_LAYOUT_CHANNELS_FIRST) {
        if (g->mode != CLPOOL_MODE_AVG || !sliced(g, facts))
            return 0;
        plane_slices(g, blocks);
        return 1;
    }
    if (g->c % 8 != 0)
        return 0;
    *blocks = *g;
    fold_line(blocks->in);
    blocks->adaptive = 0;
    blocks->ceil_mode = 1;
    blocks->count_include_pad = 0;
    blocks->divisor = 0;
    int64_t budget = aliased ? ALIASED_BLOCK_TAPS : MAX_BLOCK_TAPS;
    for (int i = 2; i >= 0; --i) {
        const int64_t b = block_extent(blocks->in[i], budget);
        budget /= b;
        blocks->kernel[i] = blocks->stride[i] = b;
        blocks->pad_begin[i] = blocks->pad_end[i] = 0;
        blocks->dilation[i] = 1;
        blocks->out[i] = (blocks->in[i] + b - 1) / b; /* the last block starts inside the plane */
    }
    blocks->output_elements = g->n * g->c * blocks->out[0] * blocks->out[1] * blocks->out[2];
    blocks->output_bytes = (size_t)blocks->output_elements * g->element_size;
    return 1;
}

size_t clpool_partials_index_size(const clpool_geometry *g, clpool_index_type indices) {
    if (g->mode != CLPOOL_MODE_MAX)
        return 0;
    if (indices != CLPOOL_INDEX_NONE)
        return indices == CLPOOL_INDEX_INT32 ? 4 : 8;
    return g->in[0] * g->in[1] * g->in[2] <= INT32_MAX ? 4 : 8;
}

/* Windows that overlap along some dimension (kernel > stride, dilation 1). */
static int windows_overlap(const clpool_geometry *g) {
    return g->kernel[0] > g->stride[0] || g->kernel[1] > g->stride[1] ||
           g->kernel[2] > g->stride[2];
}

int clpool_kernel_scattered_backward(const clpool_geometry *g, const clpool_device_facts *facts,
                                     int specialise, clpool_kernel_kind kind,
                                     clpool_index_type indices) {
    if (!facts->cpu || kind != CLPOOL_KERNEL_BACKWARD_MAX_INDICES || !spelled_out(g, specialise) ||
        g->layout != CLPOOL_LAYOUT_CHANNELS_FIRST)
        return 0;
    for (int i = 0; i < 3; ++i)
        if (g->dilation[i] != 1 || g->kernel[i] > 2 * g->stride[i])
            return 0;
    /* int64 indices are read as two words where windows do not overlap (little-endian
     * devices), else narrowed into a scratch buffer by the fill, whose work-items (one per
     * grad_input element) must reach every output (pool_backward.cl). */
    if (indices == CLPOOL_INDEX_INT64 &&
        (windows_overlap(g) ? g->input_elements < g->output_elements : !facts->little_endian))
        return 0;
    /* Each kernel's last work-group ends at its last work-item (pool_backward.cl), which takes
     * at least a work-group of them; a 1D work-group is at most max_work_item_size. */
    return g->in[0] * g->in[1] * g->in[2] <= INT32_MAX &&
           (uint64_t)g->output_elements >= (uint64_t)facts->max_work_item_size &&
           (uint64_t)g->input_elements >= (uint64_t)facts->max_work_item_size;
}

int clpool_kernel_scatter_narrows(const clpool_geometry *g, const clpool_device_facts *facts,
                                  int specialise, clpool_kernel_kind kind,
                                  clpool_index_type indices) {
    return indices == CLPOOL_INDEX_INT64 && windows_overlap(g) &&
           clpool_kernel_scattered_backward(g, facts, specialise, kind, indices);
}

int64_t clpool_kernel_scatter_margin(const clpool_geometry *g, const clpool_device_facts *facts,
                                     int specialise, clpool_kernel_kind kind,
                                     clpool_index_type indices) {
    if (!clpool_kernel_scatter_narrows(g, facts, specialise, kind, indices))
        return 0;
    for (int i = 0; i < 3; ++i)
        if (g->kernel[i] > g->stride[i] && g->out[i] < 3)
            return 0;
    /* The farthest neighbour, one step along each dimension whose windows overlap, in output
     * elements (channels-first); none where the buffer with both margins would not fit size_t
     * (32-bit hosts). */
    const int64_t margin =
        ((g->kernel[0] > g->stride[0] ? g->out[1] : 0) + (g->kernel[1] > g->stride[1])) *
            g->out[2] +
        (g->kernel[2] > g->stride[2]);
    const uint64_t ints = (uint64_t)g->output_elements + 2 * (uint64_t)margin;
    return ints <= SIZE_MAX / sizeof(cl_int) ? margin : 0;
}

int clpool_kernel_lanes(const clpool_geometry *g, const clpool_device_facts *facts, int specialise,
                        clpool_kernel_kind kind) {
    clpool_geometry blocks;
    if (clpool_kernel_partials(g, facts, specialise, kind, &blocks))
        return g->layout == CLPOOL_LAYOUT_CHANNELS_LAST
                   ? clpool_kernel_lanes(&blocks, facts, specialise, kind)
                   : CLPOOL_LANES_SLICE;
    const int last = g->layout == CLPOOL_LAYOUT_CHANNELS_LAST;
    if (global_gather(g, specialise, kind))
        return last ? (g->c % 8 == 0 ? CLPOOL_LANES_CHANNEL : 0) : CLPOOL_LANES_PLANE;
    if (!spelled_out(g, specialise))
        return 0;
    if (kind == CLPOOL_KERNEL_FORWARD)
        return last ? (g->c % 8 == 0 ? CLPOOL_LANES_CHANNEL : 0)
                    : (g->out[2] >= MIN_WIDTH_LANES && (facts->cpu || g->stride[2] == 1)
                           ? CLPOOL_LANES_WIDTH
                           : 0);
    if (kind != CLPOOL_KERNEL_BACKWARD_MAX_INDICES && kind != CLPOOL_KERNEL_BACKWARD_AVG)
        return 0;
    for (int i = 0; i < 3; ++i)
        if (covering_outputs(g, i) > MAX_SPELLED_TAPS)
            return 0;
    if (last)
        return g->c % 8 == 0 ? CLPOOL_LANES_CHANNEL : 0;
    if (width_gather(g))
        return g->in[2] >= MIN_WIDTH_LANES ? CLPOOL_LANES_WIDTH : 0;
    return residue_lanes(g) >= MIN_WIDTH_LANES ? CLPOOL_LANES_RESIDUE : 0;
}

/* Measured on PoCL (docs/PERFORMANCE.md, items 40-41), the narrowing pass included: 3 x 3
 * windows (4 or 9 covering outputs per element) 1.4-2.2x faster in both layouts; 2 x 2 stride-2
 * windows (one covering output) up to 2x slower channels-last, the pass costing more than the
 * gather saves. So it takes at least NARROW_MIN_COVER covering outputs (ceil(kernel / stride)
 * multiplied over the dimensions), except for channels-first residue lanes at least
 * NARROW_MIN_RESIDUE_LANES wide: their gather is slower (a strided store, masked loads), and the
 * int compare still paid for the pass with one covering output (item 50: vgg_pool1, vgg_pool3,
 * audio_pool and video_pool 1.05-1.2x), but not on vgg_pool5's 7 lanes (0.73x). GPUs compare
 * 64-bit indices at full width and would only pay for the extra pass, so they keep reading the
 * caller's indices. */
#define NARROW_MIN_COVER         4
#define NARROW_MIN_RESIDUE_LANES 16

int clpool_kernel_narrow_indices(const clpool_geometry *g, const clpool_device_facts *facts,
                                 int specialise, clpool_kernel_kind kind,
                                 clpool_index_type indices) {
    if (!facts->cpu || kind != CLPOOL_KERNEL_BACKWARD_MAX_INDICES ||
        indices != CLPOOL_INDEX_INT64 || global_gather(g, specialise, kind) ||
        clpool_kernel_scattered_backward(g, facts, specialise, kind, indices))
        return 0;
    /* The narrowing kernel's last work-group ends at the last index (pool_backward.cl), which
     * takes at least a work-group of indices; a 1D work-group is at most max_work_item_size. */
    if ((uint64_t)g->output_elements < (uint64_t)facts->max_work_item_size ||
        g->in[0] * g->in[1] * g->in[2] > INT32_MAX)
        return 0;
    const int lanes = clpool_kernel_lanes(g, facts, specialise, kind);
    if (lanes != CLPOOL_LANES_CHANNEL && lanes != CLPOOL_LANES_RESIDUE)
        return 0;
    if (covering_outputs(g, 0) * covering_outputs(g, 1) * covering_outputs(g, 2) >=
        NARROW_MIN_COVER)
        return 1;
    return lanes == CLPOOL_LANES_RESIDUE && residue_lanes(g) >= NARROW_MIN_RESIDUE_LANES;
}

/* Whether some window of a plane reaches past the input along W (dilation 1): padding at the
 * begin, or a last window past the end (ceil_mode). */
static int w_overhangs(const clpool_geometry *g) {
    return g->pad_begin[2] > 0 || (g->out[2] - 1) * g->stride[2] + g->kernel[2] > g->in[2];
}

/* The output rows (od, oh), from the tensor's first, whose windows hold input row 0 of the first
 * plane, clamped taps included: od <= PB_D / S_D and oh <= PB_H / S_H. */
static int64_t rows_reading_first(const clpool_geometry *g) {
    int64_t a = g->pad_begin[0] / g->stride[0], b = g->pad_begin[1] / g->stride[1];
    a = a < g->out[0] - 1 ? a : g->out[0] - 1;
    b = b < g->out[1] - 1 ? b : g->out[1] - 1;
    return a * g->out[1] + b + 1;
}

/* The first output position along dimension i whose window (clamped taps included) holds the
 * input's last position there; out[i] when none does. */
static int64_t first_reaching_end(const clpool_geometry *g, int i) {
    const int64_t reach = g->in[i] - g->kernel[i] + g->pad_begin[i]; /* o * stride >= reach */
    const int64_t o = reach <= 0 ? 0 : (reach + g->stride[i] - 1) / g->stride[i];
    return o < g->out[i] ? o : g->out[i];
}

/* The output rows, to the tensor's last, whose windows hold the last input row of the last
 * plane: od and oh from first_reaching_end on (a superset: rows of such an od with a smaller oh
 * count too, so that the rows are one run); none where no window reaches that row. */
static int64_t rows_reading_last(const clpool_geometry *g) {
    const int64_t a = first_reaching_end(g, 0), b = first_reaching_end(g, 1);
    if (a == g->out[0] || b == g->out[1])
        return 0;
    return g->out[0] * g->out[1] - (a * g->out[1] + b);
}

/* Edge rows for strided width lanes whose windows overhang along W (pool_forward.cl,
 * EDGE_ROWS): each tap is read at its own column unclamped, so that the reads stay affine in the
 * lane, and a tap outside the row is discarded by a select. Such a read lands in the row before
 * or after (columns down to -PB_W and up to hi below, at most a row away; with filler columns,
 * before and after more), which is inside the input except in the tensor's first and last input
 * rows: the output rows reading those, first and last, are left to a second kernel with clamped
 * taps. 1 with their counts when the lanes keep at least one row. */
static int edge_rows_for(const clpool_geometry *g, int64_t lanes, int64_t before, int64_t after,
                         int64_t *first, int64_t *last) {
    const int64_t lo = g->pad_begin[2] + before; /* columns read before the row */
    const int64_t hi = (lanes - 1) * g->stride[2] - g->pad_begin[2] + g->kernel[2] - 1 + after;
    for (int i = 0; i < 3; ++i)
        if (g->dilation[i] != 1)
            return 0;
    if (lo > g->in[2] || hi >= 2 * g->in[2])
        return 0;
    *first = lo > 0 ? rows_reading_first(g) : 0;
    *last = hi >= g->in[2] ? rows_reading_last(g) : 0;
    const int64_t rows = g->n * g->c * g->out[0] * g->out[1];
    return rows > *first + *last;
}

/* Whether every window of g lies inside the input (no padding, dilation 1, no window past the
 * end), so that taps are read unclamped. */
static int windows_inside(const clpool_geometry *g) {
    for (int i = 0; i < 3; ++i)
        if (g->pad_begin[i] != 0 || g->dilation[i] != 1 ||
            (g->out[i] - 1) * g->stride[i] + g->kernel[i] > g->in[i])
            return 0;
    return 1;
}

/* Whether count lanes per row, with windows inside the input, can read on past the row's end:
 * the run must stay within the next input row (overrun <= W), and the tensor's last row, which
 * has no row after it, stands back by the surplus instead, reading the end of the row before it,
 * which must lie inside the input. Only the last output row holds the last input row, as no
 * window reaches past the input. */
static int lanes_read_on(const clpool_geometry *g, int64_t count) {
    const int64_t surplus = count - g->out[2];
    const int64_t overrun = (count - 1) * g->stride[2] + g->kernel[2] - g->in[2];
    const int64_t plane = g->in[0] * g->in[1] * g->in[2];
    const int64_t last_row_start =
        (g->n * g->c - 1) * plane +
        ((g->out[0] - 1) * g->stride[0] * g->in[1] + (g->out[1] - 1) * g->stride[1]) * g->in[2];
    return overrun <= g->in[2] && surplus * g->stride[2] <= last_row_start;
}

/* Strided width lanes of max forward plans on CPU devices whose windows overlap along W (kernel
 * > stride), at least 2 taps high (K_H; a 3D window one tap high takes none), with dilation 1:
 * the columns that complete the window rows' groups of stride-many neighbouring columns, which
 * the compiler forms at multiples of the stride from the lane's column (pool_forward.cl,
 * FILLER_COLUMNS after the taps, FILLER_BEFORE before them), and then reads as vector loads and
 * shuffles instead of a gather per incomplete group. *before is (S_W - PB_W % S_W) % S_W, the
 * columns from the multiple of the stride at or below the first tap up to it, *after those from
 * the last tap up to the next multiple. Fillers read into the rows before and after, so
 * the output rows whose windows hold the tensor's first or last input row, where they would lie
 * outside the input, are edge rows (clpool_kernel_edge_rows): windows inside the input take the
 * rows holding the last input row; windows that overhang along W, whose taps the lanes already
 * read unclamped, the edge rows that the fillers' reach gives. Windows clamped along H or D alone
 * take none, nor do plans whose lanes would keep no row. Measured on PoCL (batch 8, alternating
 * rounds, minimum of 50 runs; docs/PERFORMANCE.md items 72-74). Averages would need a term the
 * filler cannot change, which no exact form has (0 x a filler is NaN for an infinite one). At
 * most MAX_FILLER_COLUMNS on each side; returns whether there are any. */
#define MAX_FILLER_COLUMNS 3

/* The filler columns the window's shape asks for, wherever the rows lie (filler_layout places
 * them): whether there are any. */
static int filler_widths(const clpool_geometry *g, const clpool_device_facts *facts,
                         clpool_kernel_kind kind, int lanes, int64_t *before, int64_t *after) {
    *before = *after = 0;
    const int64_t s = g->stride[2], k = g->kernel[2], pb = g->pad_begin[2];
    if (lanes != CLPOOL_LANES_WIDTH || kind != CLPOOL_KERNEL_FORWARD ||
        g->mode != CLPOOL_MODE_MAX || !facts->cpu || s < 2 || k <= s || g->kernel[1] < 2)
        return 0;
    const int64_t b = (s - pb % s) % s, a = (s - (k - pb) % s) % s;
    if (a + b == 0 || a > MAX_FILLER_COLUMNS || b > MAX_FILLER_COLUMNS)
        return 0;
    *before = b;
    *after = a;
    return 1;
}

static int filler_layout(const clpool_geometry *g, const clpool_device_facts *facts,
                         clpool_kernel_kind kind, int lanes, int64_t *before, int64_t *after) {
    int64_t b = 0, a = 0, first = 0, last = 0;
    *before = *after = 0;
    if (!filler_widths(g, facts, kind, lanes, &b, &a))
        return 0;
    if (windows_inside(g)) {
        if (g->n * g->c * g->out[0] * g->out[1] <= rows_reading_last(g))
            return 0;
    } else if (!w_overhangs(g) || !edge_rows_for(g, g->out[2], b, a, &first, &last)) {
        return 0;
    }
    *before = b;
    *after = a;
    return 1;
}

/* Strided width lanes of forward plans on CPU devices whose planes are 6 or 7 outputs wide
 * (under LANE_MULTIPLE and at least half of it, so that the surplus stays within the next row;
 * narrower planes have no width lanes, MIN_WIDTH_LANES): LANE_MULTIPLE lanes per output row, the
 * surplus ones computing the next row's first outputs (pool_forward.cl, WRAPPED_LANES), every store
 * unconditional and affine. Exact, PoCL vectorised such rows across the rows, every tap a gather
 * and every store a scatter; padded with a masked store (PADDED_LANES) the taps were gathers, and
 * compacted (COMPACTED_LANES) the copy was. Measured on PoCL (batch 8, alternating rounds;
 * docs/PERFORMANCE.md item 78): vgg_pool5 forward 0.22 -> 0.11 ms and with indices 0.31 -> 0.18
 * ms, googlenet_pool4 forward 0.63 -> 0.44 ms, alexnet_pool3 1.1-1.3x. The compiler reads a
 * window row's columns as groups of stride-many neighbours; with a group incomplete (3 x 3
 * stride 2) and no filler columns to complete it (averages, windows one tap high) the trip count
 * of 8 left no room for the vector loop and the lanes ran scalar (max 3 x 3 stride 2 before its
 * filler columns: alexnet_pool3 forward 0.17 -> 0.32-0.58 ms; an average with ceil_mode on 8 x
 * 832 x 14 x 14, 0.68 -> 2.25 ms), so those keep their lanes (averages inside the input: 8 x 256 x
 * 13 x 13 0.26-0.28 -> 0.22-0.28 ms wrapped, but 8 x 512 x 14 x 14 0.32-0.52 -> 0.54-0.84 ms); so
 * do plans with indices whose windows overlap or overhang along W, whose two argmax scans cost more
 * than compaction's copy (googlenet_pool4 forward+indices 0.72 ms compacted, 0.88-0.94 ms wrapped;
 * alexnet_pool3 0.29 -> 0.36 ms median). Every lane reads both windows' columns unclamped: its own
 * row's up to hi_own past the row start, the next row's from lo_next before it, each within one
 * input row of its own, so inside the input except near the tensor's first and last input rows. The
 * output rows whose reads could leave it, and the tensor's last row, whose surplus lanes would
 * store past the output, are edge rows (*first, *last), left to the edge kernel. (hi_next, the next
 * row's reach past its row, cannot reach W for planes 6 or 7 wide; it is kept so that the rule
 * stays whole.) Returns the lane count, else 0. */
static int64_t wrapped_lanes(const clpool_geometry *g, const clpool_device_facts *facts,
                             clpool_kernel_kind kind, int lanes, clpool_index_type indices,
                             int64_t *first, int64_t *last) {
    *first = *last = 0;
    const int64_t count = LANE_MULTIPLE, w = g->in[2], s = g->stride[2], pb = g->pad_begin[2];
    if (lanes != CLPOOL_LANES_WIDTH || kind != CLPOOL_KERNEL_FORWARD || !facts->cpu || s < 2 ||
        g->out[2] >= count || 2 * g->out[2] < count)
        return 0;
    for (int i = 0; i < 3; ++i)
        if (g->dilation[i] != 1)
            return 0;
    int64_t before = 0, after = 0;
    filler_widths(g, facts, kind, lanes, &before, &after);
    if ((pb + before) % s != 0 || (g->kernel[2] - pb + after) % s != 0)
        return 0; /* an incomplete group of columns (above) */
    if (indices != CLPOOL_INDEX_NONE && (w_overhangs(g) || g->kernel[2] > s))
        return 0;
    const int64_t lo_own = pb + before, hi_own = (count - 1) * s - pb + g->kernel[2] - 1 + after;
    const int64_t lo_next = g->out[2] * s + pb + before;
    const int64_t hi_next = (count - 1 - g->out[2]) * s - pb + g->kernel[2] - 1 + after;
    if (lo_next > w || hi_own >= 2 * w)
        return 0;
    const int64_t reading_first = rows_reading_first(g), reading_last = rows_reading_last(g);
    /* The next row's window always reads before its row: that row must not read the first. */
    int64_t f = reading_first - 1, l = 1;
    if (lo_own > 0)
        f = reading_first;
    if (hi_own >= w && reading_last > l)
        l = reading_last;
    if (hi_next >= w && reading_last + 1 > l)
        l = reading_last + 1;
    if (g->n * g->c * g->out[0] * g->out[1] <= f + l)
        return 0;
    *first = f;
    *last = l;
    return count;
}

static int64_t wrapped_lane_count(const clpool_geometry *g, const clpool_device_facts *facts,
                                  clpool_kernel_kind kind, int lanes, clpool_index_type indices) {
    int64_t first = 0, last = 0;
    return wrapped_lanes(g, facts, kind, lanes, indices, &first, &last);
}

/* Strided width lanes of forward plans with indices on CPU devices whose windows overlap along
 * W (kernel > stride) and lie inside the input, or overhang it along W with edge rows (their
 * reach that of the rounded row and its fillers; googlenet_pool4 forward+indices 1.06 -> 0.69 ms
 * against padded lanes with a masked store, item 77), and whose output W leaves a remainder of at
 * least MIN_COMPACTED_REMAINDER lanes over a multiple of LANE_MULTIPLE: the row rounded up to a
 * multiple of LANE_MULTIPLE, every lane storing into the plan's scratch buffer, and a second
 * kernel copying the live lanes out (pool_forward.cl, COMPACTED_LANES). Exact, such a row ran
 * its remainder as scalar code, each lane costing about a vector of 8 (docs/PERFORMANCE.md item
 * 61), and a padded row with a masked store made its taps gathers (items 51, 60); an
 * unconditional store keeps them vector loads and shuffles. The copy adds some 18 bytes of
 * traffic per output, so it pays where the lanes are bound by their arithmetic: measured on PoCL
 * (batch 8, three alternating rounds, minimum of 50 runs; item 71), squeezenet_pool's 55 lanes
 * 3.72 -> 2.58 ms, alexnet_pool1's 27 0.89 -> 0.64 ms, alexnet_pool3's 6 (padded, masked store
 * before) 0.27 -> 0.21 ms; but inception_max147's 73 (a remainder of 1) 5.4 -> 6.7 ms, vgg_pool3's
 * 28 of non-overlapping 2 x 2 windows 1.07 -> 1.48 ms and vgg_pool5's 7 of those 0.32 -> 0.29 ms
 * (within the noise), which keep their lanes. The scratch slots (rows x lanes) and every plane
 * position must fit an int. Returns the lane count, else 0. */
#define MIN_COMPACTED_REMAINDER 3

static int64_t compacted_lanes(const clpool_geometry *g, const clpool_device_facts *facts,
                               clpool_kernel_kind kind, int lanes, clpool_index_type indices) {
    if (lanes != CLPOOL_LANES_WIDTH || kind != CLPOOL_KERNEL_FORWARD ||
        indices == CLPOOL_INDEX_NONE || !facts->cpu || g->stride[2] == 1 ||
        g->kernel[2] <= g->stride[2] || g->out[2] % LANE_MULTIPLE < MIN_COMPACTED_REMAINDER ||
        !use_32bit_indices(g) || wrapped_lane_count(g, facts, kind, lanes, indices))
        return 0;
    const int inside = windows_inside(g);
    if (!inside && !w_overhangs(g))
        return 0; /* clamped along H or D alone: the lanes clamp, and read no further */
    const int64_t count = (int64_t)round_lanes((uint64_t)g->out[2]);
    const int64_t rows = g->n * g->c * g->out[0] * g->out[1];
    if (rows > INT32_MAX / count || (uint64_t)(rows * count) > SIZE_MAX / 8)
        return 0; /* an int slot, and 8 bytes of scratch per slot */
    int64_t before = 0, fill = 0, first = 0, last = 0;
    const int fillers = filler_layout(g, facts, kind, lanes, &before, &fill);
    if (!inside) /* edge rows take the rows that would read outside the input */
        return edge_rows_for(g, count, before, fill, &first, &last) ? count : 0;
    if (fillers) /* edge rows: none stands back */
        return (count - 1) * g->stride[2] + g->kernel[2] + fill - g->in[2] <= g->in[2] ? count : 0;
    return lanes_read_on(g, count) ? count : 0;
}

/* Other strided width lanes of forward plans with indices, on planes under LANE_MULTIPLE
 * outputs wide: LANE_MULTIPLE lanes (pool_forward.cl, PADDED_LANES), the surplus ones storing
 * nothing. PoCL ran the 6 or 7 lanes 4 wide with a scalar remainder. Measured on PoCL (four
 * alternating rounds, batch 8; docs/PERFORMANCE.md item 51): vgg_pool5 forward+indices
 * channels-first 0.38 -> 0.32 ms, alexnet_pool3 0.39 -> 0.34 ms (minimums; alexnet_pool3 is now
 * compacted); the same rows without indices ran 1.2-1.3x slower padded, so they keep their
 * lanes; padding wider rows (to a multiple of 8) with the masked store made their taps gathers,
 * 1.5-6x slower (item 60). With windows inside the input, the surplus lanes read on into the
 * next input row (lanes_read_on). Windows that overhang along W take edge rows instead (item 60:
 * googlenet_pool4 1.8 -> 1.2 ms), whose edge kernel has the rows that could read past the input;
 * overhanging along H or D alone, the lanes stay exact. Returns the lane count, else 0. */
static int64_t padded_lanes(const clpool_geometry *g, const clpool_device_facts *facts,
                            clpool_kernel_kind kind, int lanes, clpool_index_type indices) {
    const int64_t compacted = compacted_lanes(g, facts, kind, lanes, indices);
    if (compacted)
        return compacted;
    if (lanes != CLPOOL_LANES_WIDTH || kind != CLPOOL_KERNEL_FORWARD ||
        indices == CLPOOL_INDEX_NONE || !facts->cpu || g->stride[2] == 1 ||
        g->out[2] >= LANE_MULTIPLE || wrapped_lane_count(g, facts, kind, lanes, indices))
        return 0;
    int64_t first = 0, last = 0;
    if (w_overhangs(g))
        return edge_rows_for(g, LANE_MULTIPLE, 0, 0, &first, &last) ? LANE_MULTIPLE : 0;
    return windows_inside(g) && lanes_read_on(g, LANE_MULTIPLE) ? LANE_MULTIPLE : 0;
}

/* The filler columns of a plan (filler_layout), none for padded lanes with a masked store, nor
 * for exact rows under LANE_MULTIPLE lanes: PoCL vectorises those across the rows, and the
 * fillers measured slower there (googlenet_pool4 forward 0.52 -> 0.56 ms) or no faster
 * (alexnet_pool3 forward 0.088 ms either way). */
static int filler_columns(const clpool_geometry *g, const clpool_device_facts *facts,
                          clpool_kernel_kind kind, int lanes, clpool_index_type indices,
                          int64_t *before, int64_t *after) {
    if (wrapped_lane_count(g, facts, kind, lanes, indices))
        return filler_widths(g, facts, kind, lanes, before, after);
    if (!filler_layout(g, facts, kind, lanes, before, after))
        return 0;
    const int compacted = compacted_lanes(g, facts, kind, lanes, indices) != 0;
    if ((padded_lanes(g, facts, kind, lanes, indices) && !compacted) ||
        (!compacted && g->out[2] < LANE_MULTIPLE)) {
        *before = *after = 0;
        return 0;
    }
    return 1;
}

int64_t clpool_kernel_compacted_lanes(const clpool_geometry *g, const clpool_device_facts *facts,
                                      int specialise, clpool_kernel_kind kind,
                                      clpool_index_type indices) {
    return compacted_lanes(g, facts, kind, clpool_kernel_lanes(g, facts, specialise, kind),
                           indices);
}

/* Unit-stride width lanes of forward plans on CPU devices: max without indices and averages whose
 * windows overhang along W (padding, ceil_mode), and max with stepped lanes. Their taps are
 * read unclamped along W and clamped along H, the same for every lane (pool_forward.cl,
 * MASKED_TAPS), a max tap selected against -inf and an average tap masked only in the columns
 * that can leave the row, where each tap was a predicated load under a row and a column mask.
 * A row rounded up to a multiple of 8 lanes reads on into the next input row (stepped lanes end
 * on the row's last output), and the edge kernel takes the rows that would read outside the
 * input. Measured on PoCL (batch 8, three alternating rounds, minimum of 50 runs;
 * docs/PERFORMANCE.md item 80): googlenet_3a forward channels-first 0.72-0.75 -> 0.47 ms and with
 * indices 1.75 -> 1.21-1.27 ms, inception_avg35 forward 0.89-0.95 -> 0.69-0.72 ms and its
 * backward (the mirrored forward of item 56) 1.25x, inception_avg17 forward 1.14x and backward
 * 1.25x. Stepped lanes take it for windows inside the input too (item 82: 3 x 3 stride 1 on 8 x
 * 192 x 28 x 28, 1.47 -> 1.00 ms), with no edge row where no read leaves the input; the other
 * plans with windows inside keep their predicated taps: plain ones under the surplus lanes'
 * masked store were sunk under it as gathers (0.65 -> 1.50 ms). Returns the
 * columns the lanes reach (the lane count to give edge_rows_for), else 0. */
static int64_t unit_edge_lanes(const clpool_geometry *g, const clpool_device_facts *facts,
                               clpool_kernel_kind kind, int lanes, clpool_index_type indices) {
    if (lanes != CLPOOL_LANES_WIDTH || kind != CLPOOL_KERNEL_FORWARD || !facts->cpu ||
        g->stride[2] != 1)
        return 0;
    if (indices == CLPOOL_INDEX_NONE) /* inside, the masked store made the taps gathers */
        return w_overhangs(g) ? (int64_t)round_lanes((uint64_t)g->out[2]) : 0;
    /* Stepped lanes read no column past the row's last window. */
    return clpool_kernel_stepped_lanes(g, facts, 1, kind, indices) ? g->out[2] : 0;
}

int clpool_kernel_edge_rows(const clpool_geometry *g, const clpool_device_facts *facts,
                            int specialise, clpool_kernel_kind kind, clpool_index_type indices,
                            int64_t *first, int64_t *last) {
    const int lanes = clpool_kernel_lanes(g, facts, specialise, kind);
    const int64_t unit_reach = unit_edge_lanes(g, facts, kind, lanes, indices);
    if (unit_reach)
        return edge_rows_for(g, unit_reach, 0, 0, first, last);
    if (lanes != CLPOOL_LANES_WIDTH || kind != CLPOOL_KERNEL_FORWARD || !facts->cpu ||
        g->stride[2] == 1)
        return 0;
    if (wrapped_lanes(g, facts, kind, lanes, indices, first, last))
        return 1;
    int64_t before = 0, after = 0;
    const int fillers = filler_columns(g, facts, kind, lanes, indices, &before, &after);
    if (fillers && windows_inside(g)) {
        /* The rows whose windows hold the tensor's last input row: their fillers would read
         * past it (filler_layout keeps a row for the lanes). */
        *first = 0;
        *last = rows_reading_last(g);
        return 1;
    }
    if (!w_overhangs(g))
        return 0;
    const int64_t padded = padded_lanes(g, facts, kind, lanes, indices);
    const int64_t count = padded ? padded : g->out[2];
    return edge_rows_for(g, count, before, after, first, last);
}

void clpool_kernel_lane_shape(const clpool_geometry *g, const clpool_device_facts *facts,
                              clpool_kernel_kind kind, clpool_index_type indices, int lanes,
                              uint64_t *count, uint64_t *rows) {
    clpool_geometry blocks;
    if (clpool_kernel_partials(g, facts, 1, kind, &blocks))
        g = &blocks; /* the first pass runs over the blocks */
    const uint64_t planes = (uint64_t)g->n * (uint64_t)g->c;
    if (lanes == CLPOOL_LANES_CHANNEL) {
        const int64_t *size = kind == CLPOOL_KERNEL_FORWARD ? g->out : g->in;
        *count = (uint64_t)g->c;
        *rows = (uint64_t)g->n * (uint64_t)(size[0] * size[1] * size[2]);
    } else if (lanes == CLPOOL_LANES_WIDTH && kind != CLPOOL_KERNEL_FORWARD) {
        *count = round_lanes((uint64_t)g->in[2]);
        *rows = planes * (uint64_t)(g->in[0] * g->in[1]);
    } else if (lanes == CLPOOL_LANES_WIDTH) {
        int64_t first = 0, last = 0;
        const int64_t padded = padded_lanes(g, facts, kind, lanes, indices);
        const int64_t wrapped = wrapped_lane_count(g, facts, kind, lanes, indices);
        if (padded || wrapped)
            *count = (uint64_t)(padded ? padded : wrapped);
        else
            *count = g->stride[2] == 1 ? round_lanes((uint64_t)g->out[2]) : (uint64_t)g->out[2];
        *rows = planes * (uint64_t)(g->out[0] * g->out[1]);
        if (clpool_kernel_edge_rows(g, facts, 1, kind, indices, &first, &last))
            *rows -= (uint64_t)(first + last); /* the edge kernel's */
    } else if (lanes == CLPOOL_LANES_SLICE) {
        *count = (uint64_t)g->out[2];
        *rows = planes;
    } else if (lanes == CLPOOL_LANES_PLANE) {
        *count = (uint64_t)(g->in[0] * g->in[1] * g->in[2]);
        *rows = planes;
    } else {
        *count = round_lanes((uint64_t)residue_lanes(g));
        *rows = planes * (uint64_t)(g->in[0] * g->in[1]) * (uint64_t)g->stride[2];
    }
}

int clpool_kernel_mirrored_backward(const clpool_geometry *g, const clpool_device_facts *facts,
                                    int specialise, clpool_kernel_kind kind,
                                    clpool_geometry *mirror) {
    if (kind != CLPOOL_KERNEL_BACKWARD_AVG || !facts->cpu || !spelled_out(g, specialise) ||
        g->layout != CLPOOL_LAYOUT_CHANNELS_FIRST || (!g->count_include_pad && g->divisor == 0))
        return 0;
    for (int i = 0; i < 3; ++i)
        if (g->stride[i] != 1)
            return 0;
    /* With stride 1 the outputs covering input i are i + PB - K + 1 .. i + PB: the window of
     * output i of a pooling of grad_output padded by K - 1 - PB at the begin (and K - 1 - PE at
     * the end, which makes its output the input's size), summed in the same ascending order and
     * divided by the one divisor every window shares (with count_include_pad no stride-1 window
     * reaches past the end padding). */
    clpool_geometry m = *g;
    for (int i = 0; i < 3; ++i) {
        m.in[i] = g->out[i];
        m.out[i] = g->in[i];
        m.pad_begin[i] = g->kernel[i] - 1 - g->pad_begin[i];
        m.pad_end[i] = g->kernel[i] - 1 - g->pad_end[i];
    }
    m.ceil_mode = 0;
    m.count_include_pad = 1;
    m.divisor = g->divisor != 0 ? g->divisor : g->kernel[0] * g->kernel[1] * g->kernel[2];
    m.input_elements = g->output_elements;
    m.output_elements = g->input_elements;
    m.input_bytes = g->output_bytes;
    m.output_bytes = g->input_bytes;
    if (clpool_kernel_lanes(&m, facts, specialise, CLPOOL_KERNEL_FORWARD) != CLPOOL_LANES_WIDTH)
        return 0;
    *mirror = m;
    return 1;
}

int clpool_kernel_stepped_lanes(const clpool_geometry *g, const clpool_device_facts *facts,
                                int specialise, clpool_kernel_kind kind,
                                clpool_index_type indices) {
    return facts->cpu && kind == CLPOOL_KERNEL_FORWARD && g->mode == CLPOOL_MODE_MAX &&
           indices != CLPOOL_INDEX_NONE &&
           clpool_kernel_lanes(g, facts, specialise, kind) == CLPOOL_LANES_WIDTH &&
           g->stride[2] == 1 && g->kernel[2] > 1 && g->out[2] >= CLPOOL_STEPPED_LANE_WIDTH;
}

/* Lanes that write int64 indices as two 32-bit words (pool_forward.cl, INDEX_WORDS): channel
 * lanes, and strided width lanes whose windows overlap along W, at least MIN_WORD_LANES wide or
 * padded (8 lanes, the words a masked store: alexnet_pool3 0.34 -> 0.26 ms, googlenet_pool4 1.13
 * -> 1.06 ms, and vgg_pool5, whose windows do not overlap, 0.31 -> 0.70 ms, so not there;
 * docs/PERFORMANCE.md item 62).
 * Measured on PoCL (batch 8, channels-first forward with indices, minimum of 40-60 runs): 3 x 3
 * stride-2 rows of 23-73 lanes 1.2-1.5x faster (alexnet_pool1 1.4-1.6 -> 1.1 ms,
 * inception_max147 8.5-9.0 -> 5.5-6.1, resnet_stem 6.7-7.3 -> 4.9-6.0, squeezenet_pool within
 * the noise), rows of 6 or 7 lanes about 2x slower (alexnet_pool3, googlenet_pool4); of the
 * 2 x 2 stride-2 rows, vgg_pool1 (112 lanes) 5.6-5.8 -> 4.6-5.0 ms but vgg_pool3 (28) 1.25-1.5
 * -> 1.44-1.78 and the 3D video_pool (28) 8.2-8.8 -> 9.3-11 ms. Measured again once the words'
 * address was 64-bit (item 76, three alternating rounds): vgg_pool1 10.3 -> 8.5 ms and
 * audio_pool (4,000 lanes of 4-tap windows) 1.54 -> 1.27 ms, but vgg_pool3 1.19 -> 1.43 ms and
 * video_pool 5.8 -> 7.5 ms: so windows that do not overlap take the words only on rows without a
 * scalar remainder (a multiple of 8 lanes). */
#define MIN_WORD_LANES 16

static int index_words(const clpool_geometry *g, const clpool_device_facts *facts,
                       clpool_kernel_kind kind, int lanes, clpool_index_type indices) {
    if (kind != CLPOOL_KERNEL_FORWARD || indices != CLPOOL_INDEX_INT64 || !facts->little_endian)
        return 0;
    if (lanes == CLPOOL_LANES_CHANNEL)
        return 1;
    if (lanes == CLPOOL_LANES_WIDTH && g->stride[2] == 1)
        return clpool_kernel_stepped_lanes(g, facts, 1, kind, indices);
    if (lanes != CLPOOL_LANES_WIDTH || g->stride[2] == 1)
        return 0;
    if (compacted_lanes(g, facts, kind, lanes, indices))
        return 0; /* the lanes store ints into the scratch buffer */
    const int overlap = g->kernel[2] > g->stride[2];
    if (wrapped_lane_count(g, facts, kind, lanes, indices))
        return 1;
    if (padded_lanes(g, facts, kind, lanes, indices))
        return overlap;
    uint64_t count = 0, rows = 0;
    clpool_kernel_lane_shape(g, facts, kind, indices, lanes, &count, &rows);
    return count >= MIN_WORD_LANES && (overlap || count % LANE_MULTIPLE == 0);
}

clpool_status clpool_kernel_build_options(const clpool_geometry *g,
                                          const clpool_device_facts *facts, int specialise,
                                          clpool_kernel_kind kind, clpool_index_type indices,
                                          char **options) {
    clpool_geometry blocks;
    const int partials = clpool_kernel_partials(g, facts, specialise, kind, &blocks);
    const int scattered = clpool_kernel_scattered_backward(g, facts, specialise, kind, indices);
    const int lanes = scattered ? 0 : clpool_kernel_lanes(g, facts, specialise, kind);
    if (partials)
        g = &blocks; /* the program's sizes and window are the first pass's */
    option_buffer *b = calloc(1, sizeof *b);
    if (!b)
        return clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "allocating build options");
    if (facts->opencl_c_1_2)
        append(b, "-cl-std=CL1.2 ");
    /* Averages divide once per window; a correctly rounded division keeps them within float
     * rounding of the reference instead of the 2.5 ulp OpenCL allows by default. */
    if (facts->correctly_rounded_division && g->mode == CLPOOL_MODE_AVG)
        append(b, "-cl-fp32-correctly-rounded-divide-sqrt ");
    append(b, "-DDATA_T=float -DACC_T=float -DIDX_T=%s -DPOOL_MAX=%d -DCHANNELS_LAST=%d",
           use_32bit_indices(g) ? "int" : "long", g->mode == CLPOOL_MODE_MAX,
           g->layout == CLPOOL_LAYOUT_CHANNELS_LAST);
    if (adaptive_windows(g, specialise))
        append(b, " -DADAPTIVE=1");
    if (kind == CLPOOL_KERNEL_UNPOOL)
        append(b, " -DINVALID_INDEX_CODE=%d", CLPOOL_ERROR_INVALID_INDEX);
    else if (kind != CLPOOL_KERNEL_FORWARD)
        append(b, " -DBACKWARD_KIND=%d", (int)kind);
    if (indices != CLPOOL_INDEX_NONE)
        append(b, "%s -DINDEX_T=%s", kind == CLPOOL_KERNEL_FORWARD ? " -DWRITE_INDICES=1" : "",
               indices == CLPOOL_INDEX_INT32 ? "int" : "long");
    if (kind == CLPOOL_KERNEL_BACKWARD_MAX_INDICES && indices == CLPOOL_INDEX_INT32)
        append(b, " -DINT_INDICES=1");
    if (clpool_kernel_narrow_indices(g, facts, specialise, kind, indices))
        append(b, " -DNARROW_INDICES=1");
    if (scattered)
        append(b, " -DSCATTER_BACKWARD=1 -DNEAR_D=%d -DNEAR_H=%d -DNEAR_W=%d",
               g->kernel[0] > g->stride[0], g->kernel[1] > g->stride[1],
               g->kernel[2] > g->stride[2]);
    if (clpool_kernel_scatter_narrows(g, facts, specialise, kind, indices))
        append(b, " -DNARROW_INDICES=1");
    if (clpool_kernel_scatter_margin(g, facts, specialise, kind, indices))
        append(b, " -DNEAR_UNMASKED=1");
    if (specialise)
        append_specialisation(b, g);
    else
        append(b, " -DSPECIALISED=0");
    /* The gather kernels spell out the at most ceil(kernel / stride) outputs covering an input
     * position per dimension when they know that count (pool_backward.cl, CLAMPED_COVER). */
    if (specialise && !adaptive_windows(g, specialise) && kind != CLPOOL_KERNEL_FORWARD &&
        kind != CLPOOL_KERNEL_UNPOOL)
        append(b, " -DCOVER_D=%lld -DCOVER_H=%lld -DCOVER_W=%lld",
               (long long)covering_outputs(g, 0), (long long)covering_outputs(g, 1),
               (long long)covering_outputs(g, 2));
    if (global_gather(g, specialise, kind) || global_sum(g, specialise, kind) ||
        global_vectors(g, facts, specialise, kind))
        append(b, " -DGLOBAL_WINDOW=1");
    if (global_vectors(g, facts, specialise, kind))
        append(b, " -DGLOBAL_VECTORS=1");
    if (partials)
        append(b, " -DGLOBAL_PARTIALS=1");
    /* A two-pass global max: the first pass always writes its blocks' argmaxes; the second
     * writes the caller's indices only when the plan has them. */
    if (partials && g->mode == CLPOOL_MODE_MAX) {
        if (indices == CLPOOL_INDEX_NONE)
            append(b, " -DWRITE_INDICES=1 -DINDEX_T=%s",
                   clpool_partials_index_size(g, indices) == 4 ? "int" : "long");
        append(b, " -DPLAN_INDICES=%d", indices != CLPOOL_INDEX_NONE);
    }
    if (lanes)
        append(b, " -DLANES=%d", lanes);
    int64_t edge_first = 0, edge_last = 0;
    if (clpool_kernel_edge_rows(g, facts, specialise, kind, indices, &edge_first, &edge_last))
        append(b, " -DEDGE_ROWS=1 -DEDGE_FIRST=%lld -DEDGE_LAST=%lld", (long long)edge_first,
               (long long)edge_last);
    const int64_t padded = padded_lanes(g, facts, kind, lanes, indices);
    if (padded)
        append(b, " -DPADDED_LANES=%lld", (long long)padded);
    if (compacted_lanes(g, facts, kind, lanes, indices))
        append(b, " -DCOMPACTED_LANES=1");
    const int64_t wrapped = wrapped_lane_count(g, facts, kind, lanes, indices);
    if (wrapped)
        append(b, " -DWRAPPED_LANES=%lld", (long long)wrapped);
    int64_t fill_before = 0, fill_after = 0;
    filler_columns(g, facts, kind, lanes, indices, &fill_before, &fill_after);
    if (fill_before)
        append(b, " -DFILLER_BEFORE=%lld", (long long)fill_before);
    if (fill_after)
        append(b, " -DFILLER_COLUMNS=%lld", (long long)fill_after);
    if (clpool_kernel_stepped_lanes(g, facts, specialise, kind, indices))
        append(b, " -DSTEPPED_LANES=1 -DLANE_STEP=%lld",
               (long long)(round_lanes((uint64_t)g->out[2]) - (uint64_t)g->out[2]));
    if (index_words(g, facts, kind, lanes, indices))
        append(b, " -DINDEX_WORDS=1");
    clpool_status status = CLPOOL_SUCCESS;
    char *copy = b->overflowed ? NULL : malloc(b->used + 1);
    if (b->overflowed)
        status = clpool_fail(CLPOOL_ERROR_SIZE_OVERFLOW, "build options exceed %d characters",
                             OPTIONS_CAPACITY);
    else if (!copy)
        status = clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "allocating build options");
    else
        memcpy(copy, b->text, b->used + 1);
    free(b);
    *options = copy;
    return status;
}

static cl_int4 int4_of(const int64_t v[3], int64_t w) {
    cl_int4 r;
    r.s[0] = (cl_int)v[0];
    r.s[1] = (cl_int)v[1];
    r.s[2] = (cl_int)v[2];
    r.s[3] = (cl_int)w;
    return r;
}

clpool_status clpool_kernel_set_fixed_args(cl_kernel kernel, uint64_t work_items,
                                           const clpool_geometry *g) {
    const cl_ulong total = (cl_ulong)work_items;
    const cl_int4 args[] = {int4_of(g->in, g->c),     int4_of(g->out, 0),
                            int4_of(g->kernel, 0),    int4_of(g->stride, 0),
                            int4_of(g->pad_begin, 0), int4_of(g->pad_end, 0),
                            int4_of(g->dilation, 0)};
    cl_int2 avg_rule;
    avg_rule.s[0] = g->count_include_pad;
    avg_rule.s[1] = (cl_int)g->divisor;
    cl_uint index = CLPOOL_KERNEL_ARG_FIXED;
    cl_int err = clSetKernelArg(kernel, index++, sizeof total, &total);
    for (size_t i = 0; err == CL_SUCCESS && i < sizeof args / sizeof args[0]; ++i)
        err = clSetKernelArg(kernel, index++, sizeof args[i], &args[i]);
    if (err == CL_SUCCESS)
        err = clSetKernelArg(kernel, index, sizeof avg_rule, &avg_rule);
    return err == CL_SUCCESS ? CLPOOL_SUCCESS
                             : clpool_fail_cl(err, "clSetKernelArg", "fixed kernel arguments");
}
