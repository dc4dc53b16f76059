/*
 * The host side of the pooling kernels (kernels/pool_forward.cl and kernels/pool_backward.cl,
 * each built after pool_common.cl): their names, argument positions, build options and the
 * arguments that stay fixed for a plan's life. Both kernels take three buffers with element
 * offsets, then the same fixed arguments, so one set of helpers serves both.
 */
#ifndef CLPOOL_HOST_POOL_KERNELS_H
#define CLPOOL_HOST_POOL_KERNELS_H

#include "context.h"
#include "geometry.h"

#define CLPOOL_FORWARD_SOURCE  "pool_common+pool_forward"
#define CLPOOL_FORWARD_KERNEL  "clpool_pool_forward"
#define CLPOOL_BACKWARD_SOURCE "pool_common+pool_backward"
#define CLPOOL_BACKWARD_KERNEL "clpool_pool_backward"
#define CLPOOL_UNPOOL_SOURCE   "pool_common+pool_unpool"
#define CLPOOL_UNPOOL_ELECT    "clpool_unpool_elect"
#define CLPOOL_UNPOOL_GATHER   "clpool_unpool_gather"

/* Per-enqueue arguments: three (buffer, element offset) pairs. The fixed ones follow. */
#define CLPOOL_FORWARD_ARG_INPUT          0
#define CLPOOL_FORWARD_ARG_INPUT_OFFSET   1
#define CLPOOL_FORWARD_ARG_OUTPUT         2
#define CLPOOL_FORWARD_ARG_OUTPUT_OFFSET  3
#define CLPOOL_FORWARD_ARG_INDICES        4
#define CLPOOL_FORWARD_ARG_INDICES_OFFSET 5
#define CLPOOL_BACKWARD_ARG_GRAD_OUTPUT   0
#define CLPOOL_BACKWARD_ARG_AUX           2
#define CLPOOL_BACKWARD_ARG_GRAD_INPUT    4
#define CLPOOL_KERNEL_ARG_FIXED           6

/* Which kernel a build is for: the forward pass, or one of the backward passes. */
typedef enum clpool_kernel_kind {
    CLPOOL_KERNEL_FORWARD = 0,
    CLPOOL_KERNEL_BACKWARD_MAX_INDICES = 1, /* values match BACKWARD_KIND in pool_backward.cl */
    CLPOOL_KERNEL_BACKWARD_MAX_INPUT = 2,
    CLPOOL_KERNEL_BACKWARD_AVG = 3,
    CLPOOL_KERNEL_UNPOOL = 4 /* two kernels: elect, then gather */
} clpool_kernel_kind;

/* The kernels' LANES (pool_forward.cl, pool_backward.cl): 0 for the one-dimensional launch,
 * else a two-dimensional one whose dimension 0 runs over the channels (CLPOOL_LANES_CHANNEL,
 * channels-last), the output's W (CLPOOL_LANES_WIDTH, channels-first forward; the input's W for
 * channels-first gathers whose windows overlap in no dimension, strided along W) or the input's W
 * over the stride (CLPOOL_LANES_RESIDUE, other channels-first gathers), so that neighbouring
 * work-items read neighbouring memory, or the plane (CLPOOL_LANES_PLANE, channels-first global
 * gathers), or a plane's slices (CLPOOL_LANES_SLICE, below). Only for specialised windows the
 * kernels spell out (dilation 1, at most 8 taps per dimension, not adaptive), specialised global
 * gathers of any plane and the first pass of two-pass global averages, and only where a vector
 * of lanes fits: C a multiple of 8, an output W of at least 6 (with a stride along W, on CPU
 * devices only), an input W of at least 6, or 6 residue lanes. */
#define CLPOOL_LANES_CHANNEL 1
#define CLPOOL_LANES_WIDTH   2
/* Channels-first gathers (pool_backward.cl): dimension 0 over ix / stride, dimension 1 over
 * (input row, ix % stride), so that the covering outputs' reads are affine in the lane. */
#define CLPOOL_LANES_RESIDUE 3
/* Channels-first global gathers: dimension 0 over the plane, dimension 1 over the planes. */
#define CLPOOL_LANES_PLANE 4
/* The first pass of a channels-first two-pass global average (clpool_kernel_partials):
 * dimension 0 over a plane's slices, dimension 1 over the planes. */
#define CLPOOL_LANES_SLICE 5
int clpool_kernel_lanes(const clpool_geometry *g, const clpool_device_facts *facts, int specialise,
                        clpool_kernel_kind kind);

/* Channels-first forward plans on CPU devices with a stride along W whose windows reach past the
 * input along W (padding, or ceil_mode's last window) and that launch width lanes: 1 when their
 * taps are read unclamped and discarded by a select where outside the row (pool_forward.cl,
 * EDGE_ROWS), with *first and *last the output rows at the tensor's start and end that could
 * then read outside the input and are left to a second kernel, clpool_pool_forward_edge, with
 * clamped taps (none, and no second kernel, when both are 0); the lanes run the other rows. 0
 * where the lanes would keep no row or a tap would read further than a row away: the lanes then
 * clamp their taps. For max plans whose lanes read filler columns (pool_forward.cl,
 * FILLER_COLUMNS after each window row, FILLER_BEFORE before it), the edge rows of overhanging
 * windows include the fillers' reach, and windows inside the input take 1, with *first 0 and
 * *last the output rows whose windows hold the tensor's last input row, where the fillers would
 * lie past the input. */
int clpool_kernel_edge_rows(const clpool_geometry *g, const clpool_device_facts *facts,
                            int specialise, clpool_kernel_kind kind, clpool_index_type indices,
                            int64_t *first, int64_t *last);
#define CLPOOL_FORWARD_EDGE_KERNEL "clpool_pool_forward_edge"

/* Channels-first forward plans with indices on CPU devices whose windows lie inside the input,
 * strided along W, with width lanes over an output W that is not a multiple of 8: the lane count
 * per row (W rounded up to a multiple of 8) when every lane stores into the plan's scratch
 * buffer and a second kernel, CLPOOL_FORWARD_COMPACT_KERNEL, copies the live lanes into the
 * caller's output and indices (pool_forward.cl, COMPACTED_LANES); else 0. The scratch buffer
 * holds the rows' values, then from the first multiple of 8 bytes past them as many int
 * argmaxes. */
int64_t clpool_kernel_compacted_lanes(const clpool_geometry *g, const clpool_device_facts *facts,
                                      int specialise, clpool_kernel_kind kind,
                                      clpool_index_type indices);
#define CLPOOL_FORWARD_COMPACT_KERNEL "clpool_pool_forward_compact"

/* Specialised global pooling of at least 2^18 input elements whose plane is too large to spell
 * out, or on CPU devices a channels-last average whose taps alias in the L1 cache (C x the element
 * size a multiple of 4,096 bytes, more than 8 taps): 1 when it runs in two passes through a
 * scratch buffer (pool_forward.cl, GLOBAL_PARTIALS), with *blocks the first pass's geometry.
 * Global max pooling too, channels-last only, its first pass also writing each block's argmax
 * (clpool_partials_index_size). Channels-last (C a multiple of 8): the plane cut into blocks of
 * at most 8 taps per dimension and 64 in all (8 in all where the taps alias; kernel = stride =
 * block, the last block clipped), whose output is the block sums, N x blocks x C. Channels-first
 * (devices other than CPUs, planes of at least 1,024 elements and fewer than 64 planes per
 * compute unit): the plane cut into B interleaved slices (out = 1 x 1 x B, kernel[2] the taps per
 * slice), whose output is the slice sums, B x N x C (slice-major). The second pass,
 * CLPOOL_FORWARD_PARTIALS_KERNEL, sums each plane's blocks or slices into the output. */
int clpool_kernel_partials(const clpool_geometry *g, const clpool_device_facts *facts,
                           int specialise, clpool_kernel_kind kind, clpool_geometry *blocks);
#define CLPOOL_FORWARD_PARTIALS_KERNEL "clpool_pool_forward_partials"

/* The bytes of one block argmax in a two-pass global max's scratch buffer (the caller's index
 * type, else int when the plane fits it), which follow the block values from the first multiple
 * of 8 bytes past them; 0 for averages, whose scratch holds sums alone. */
size_t clpool_partials_index_size(const clpool_geometry *g, clpool_index_type indices);

/* Specialised max-from-indices gathers with lanes over int64 indices, on CPU devices, for planes
 * of fewer than 2^31 elements, at least a work-group of outputs (the device's largest) and
 * windows with at least 4 covering outputs per element, or channels-first residue lanes at least
 * 16 wide (not global ones, whose gather reads one output per element): 1 when the plan first
 * narrows the indices to int in a scratch buffer of 4 bytes per output (pool_backward.cl,
 * NARROW_INDICES; CLPOOL_BACKWARD_NARROW_KERNEL) and the gather reads those: PoCL vectorises a
 * gather over 64-bit indices half as wide. */
int clpool_kernel_narrow_indices(const clpool_geometry *g, const clpool_device_facts *facts,
                                 int specialise, clpool_kernel_kind kind,
                                 clpool_index_type indices);
#define CLPOOL_BACKWARD_NARROW_KERNEL "clpool_pool_backward_narrow"

/* Specialised channels-first max-from-indices backward plans on CPU devices with dilation 1 and
 * kernel <= 2 * stride in every dimension, planes of fewer than 2^31 elements and at least a
 * work-group (the device's largest) of outputs and of grad_input elements; with int64 indices,
 * a little-endian device where windows do not overlap, and at least as many grad_input elements
 * as outputs where they do: 1 when the plan fills grad_input with +0
 * (CLPOOL_BACKWARD_ZERO_KERNEL, launched first) and then, one work-item per output, writes the
 * gather's sum to the element the output's index names, from the first output in row-major
 * order that names it from inside its window, reading its neighbours' indices and gradients
 * where windows overlap (CLPOOL_BACKWARD_SCATTER_KERNEL; pool_backward.cl, SCATTER_BACKWARD): the
 * gather's bits, each element written by one output's work-item. */
int clpool_kernel_scattered_backward(const clpool_geometry *g, const clpool_device_facts *facts,
                                     int specialise, clpool_kernel_kind kind,
                                     clpool_index_type indices);
/* Scattered plans with int64 indices and overlapping windows: 1 when the fill also narrows the
 * indices to int into a scratch buffer of one int per output (pool_backward.cl,
 * NARROW_INDICES), which the scatter reads for its neighbours. */
int clpool_kernel_scatter_narrows(const clpool_geometry *g, const clpool_device_facts *facts,
                                  int specialise, clpool_kernel_kind kind,
                                  clpool_index_type indices);
/* For a scatter that narrows (above): the ints of -1 kept before and after the narrowed indices in
 * the scratch buffer, so that the scatter reads every neighbour's index unmasked
 * (pool_backward.cl, NEAR_UNMASKED), else 0 (the scatter then masks neighbours outside the
 * output). Nonzero where every dimension whose windows overlap has at least 3 outputs: an index
 * read across a row's or plane's edge then names an element outside the scatter's window. */
int64_t clpool_kernel_scatter_margin(const clpool_geometry *g, const clpool_device_facts *facts,
                                     int specialise, clpool_kernel_kind kind,
                                     clpool_index_type indices);
#define CLPOOL_BACKWARD_ZERO_KERNEL    "clpool_pool_backward_zero"
#define CLPOOL_BACKWARD_SCATTER_KERNEL "clpool_pool_backward_scatter"

/* Specialised average backward plans on CPU devices, channels-first, with stride 1 in every
 * dimension and one divisor for every window (divisor_override, or count_include_pad): 1 when
 * the plan runs the forward kernel instead of the gather, pooling grad_output into grad_input
 * with the geometry *mirror (the same window, padded by kernel - 1 - pad at each end, divisor
 * override the shared divisor), whose width lanes vectorise better than the gather's residue
 * lanes. The sum of each window is the gather's sum, term for term and in the same order, so
 * the results are the same bits. */
int clpool_kernel_mirrored_backward(const clpool_geometry *g, const clpool_device_facts *facts,
                                    int specialise, clpool_kernel_kind kind,
                                    clpool_geometry *mirror);

/* Unit-stride width lanes of max forward plans with indices on CPU devices, at least
 * CLPOOL_STEPPED_LANE_WIDTH outputs wide, of windows of more than one tap along W: 1 when the
 * work-groups that would run past a row step back to end on its last output (pool_forward.cl,
 * STEPPED_LANES), so that no store is masked. With one tap along W PoCL vectorised the stepped
 * group across its rows instead of its lanes, every tap a gather and every store a scatter (1 x
 * 1 windows on 8 x 192 x 32 x 32: 4.2 ms, 0.31 ms unstepped; docs/PERFORMANCE.md item 65).
 * Their work-groups are exactly CLPOOL_STEPPED_LANE_WIDTH lanes wide whatever the local size
 * (local_size.c), which keeps a group within the row and lets the last one step back by less
 * than its width. */
int clpool_kernel_stepped_lanes(const clpool_geometry *g, const clpool_device_facts *facts,
                                int specialise, clpool_kernel_kind kind, clpool_index_type indices);
#define CLPOOL_STEPPED_LANE_WIDTH 8

/* The two-dimensional launch of lanes (not 0): *count lanes along dimension 0, *rows work-items
 * along dimension 1 (the kernels' total argument). indices matters to strided forward planes
 * under 8 outputs wide, whose lanes are padded to 8 with indices (PADDED_LANES). */
void clpool_kernel_lane_shape(const clpool_geometry *g, const clpool_device_facts *facts,
                              clpool_kernel_kind kind, clpool_index_type indices, int lanes,
                              uint64_t *count, uint64_t *rows);

/* Writes the build options (a fixed order, so the string is the cache key) into a new malloc'd
 * string in *options. specialise 1 bakes sizes and window into the kernel as constants; indices
 * other than CLPOOL_INDEX_NONE selects the index type (written by the forward kernel, read by
 * the max-from-indices backward kernel). */
clpool_status clpool_kernel_build_options(const clpool_geometry *g,
                                          const clpool_device_facts *facts, int specialise,
                                          clpool_kernel_kind kind, clpool_index_type indices,
                                          char **options);

/* Sets the arguments from CLPOOL_KERNEL_ARG_FIXED on: work-item count, sizes, window, avg rule. */
clpool_status clpool_kernel_set_fixed_args(cl_kernel kernel, uint64_t work_items,
                                           const clpool_geometry *g);

#endif
