/*
 * The named edge-case table and input generators of clpool's tests (see cases.h). The table is
 * written out in full, one designated-initializer descriptor per case, so that each geometry can
 * be read and checked by hand against shared/SEMANTICS.md; most geometries appear once as max and
 * once as average pooling. Every case is valid (padding at most half the effective kernel, output
 * size at least 1 in each dimension) and small, so the whole table runs in a moment; test_reference
 * checks both properties. fill_input and random_case draw from splitmix64 only.
 */
#include "cases.h"

#include "reference.h"

#include <math.h>
#include <string.h>

/* The table is laid out by hand, one case per block, so clang-format leaves it alone. */
/* clang-format off */

/* A 2D float32 channels-first input descriptor. */
#define CASE_INPUT_2D(N, C, H, W)                                                                  \
    {                                                                                              \
        .dtype = CLPOOL_DTYPE_F32, .layout = CLPOOL_LAYOUT_CHANNELS_FIRST, .spatial_rank = 2,      \
        .n = (N), .c = (C), .spatial = {(H), (W)}                                                  \
    }

const pool_case pool_cases[] = {
    /* kernel == stride */
    {.name = "max_k2s2_8x8",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {2, 2}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 8, 8),
     .fill = FILL_RANDOM},
    {.name = "avg_k2s2_8x8",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {2, 2}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 8, 8),
     .fill = FILL_RANDOM},
    /* kernel == stride on prime sizes, the remainder dropped */
    {.name = "max_k3s3_13x17",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {3, 3}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(2, 2, 13, 17),
     .fill = FILL_RANDOM},
    {.name = "avg_k3s3_13x17",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {3, 3}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(2, 2, 13, 17),
     .fill = FILL_RANDOM},
    /* odd and prime sizes */
    {.name = "max_k3s2_7x11",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 5, 7, 11),
     .fill = FILL_RANDOM},
    {.name = "avg_k3s2_7x11",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 5, 7, 11),
     .fill = FILL_RANDOM},
    {.name = "max_k3s2p1_7x11",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 5, 7, 11),
     .fill = FILL_RANDOM},
    {.name = "avg_k3s2p1_7x11",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 5, 7, 11),
     .fill = FILL_RANDOM},
    /* a kernel larger than the input, made valid by padding */
    {.name = "max_k5s1p2_i2",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {5, 5},
              .stride = {1, 1}, .pad_begin = {2, 2}, .pad_end = {2, 2},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 4, 2, 2),
     .fill = FILL_RANDOM},
    {.name = "avg_k5s1p2_i2",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {5, 5},
              .stride = {1, 1}, .pad_begin = {2, 2}, .pad_end = {2, 2},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 4, 2, 2),
     .fill = FILL_RANDOM},
    /* ceil mode: the last window overhangs the end padding */
    {.name = "max_k3s2p1_ceil_overhang",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 8, 8),
     .fill = FILL_RANDOM},
    {.name = "avg_k3s2p1_ceil_overhang",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 8, 8),
     .fill = FILL_RANDOM},
    /* SEMANTICS: 4x4 output, divisors 9 inside, 6 on the overhanging edges, 4 in the corner */
    {.name = "max_k3s2p1_ceil_6x6",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 1, 6, 6),
     .fill = FILL_ARANGE},
    {.name = "avg_k3s2p1_ceil_6x6",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 1, 6, 6),
     .fill = FILL_ARANGE},
    /* ceil mode, no padding: the last window holds one tap (the 1D [1.5, 3.5, 5.0] example) */
    {.name = "max_k2s2_ceil_5x7",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {2, 2}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 5, 7),
     .fill = FILL_ARANGE},
    {.name = "avg_k2s2_ceil_5x7",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {2, 2}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 5, 7),
     .fill = FILL_ARANGE},
    /* the ceil-mode last-window rule: I=9, k=4, s=4, p=2 gives 3, not 4 (H only, then both dims) */
    {.name = "max_ceil_rule_i9k4s4p2",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {4, 3},
              .stride = {4, 1}, .pad_begin = {2, 1}, .pad_end = {2, 1},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 9, 5),
     .fill = FILL_RANDOM},
    {.name = "avg_ceil_rule_i9k4s4p2",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {4, 3},
              .stride = {4, 1}, .pad_begin = {2, 1}, .pad_end = {2, 1},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 9, 5),
     .fill = FILL_RANDOM},
    {.name = "max_ceil_rule_9x9",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {4, 4},
              .stride = {4, 4}, .pad_begin = {2, 2}, .pad_end = {2, 2},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 9, 9),
     .fill = FILL_RANDOM},
    {.name = "avg_ceil_rule_9x9",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {4, 4},
              .stride = {4, 4}, .pad_begin = {2, 2}, .pad_end = {2, 2},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 9, 9),
     .fill = FILL_RANDOM},
    /* 1x1 output */
    {.name = "max_k5_1x1_out",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {5, 5},
              .stride = {5, 5}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(2, 3, 5, 5),
     .fill = FILL_RANDOM},
    {.name = "avg_k5_1x1_out",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {5, 5},
              .stride = {5, 5}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(2, 3, 5, 5),
     .fill = FILL_RANDOM},
    {.name = "max_k4s3p1_1x1_out_3x3",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {4, 4},
              .stride = {3, 3}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 3, 3),
     .fill = FILL_RANDOM},
    {.name = "avg_k4s3p1_1x1_out_3x3",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {4, 4},
              .stride = {3, 3}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 3, 3),
     .fill = FILL_RANDOM},
    /* a large kernel: global pooling of 7x7 */
    {.name = "max_k7_global_7x7",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {7, 7},
              .stride = {7, 7}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(2, 8, 7, 7),
     .fill = FILL_RANDOM},
    {.name = "avg_k7_global_7x7",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {7, 7},
              .stride = {7, 7}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(2, 8, 7, 7),
     .fill = FILL_RANDOM},
    /* one channel and many channels */
    {.name = "max_c1_k2s2",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {2, 2}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 1, 10, 10),
     .fill = FILL_RANDOM},
    {.name = "avg_c1_k3s1p1",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {1, 1}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 1, 10, 10),
     .fill = FILL_RANDOM},
    {.name = "max_c17_k3s2p1",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 17, 9, 9),
     .fill = FILL_RANDOM},
    {.name = "avg_c17_k3s2p1",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 17, 9, 9),
     .fill = FILL_RANDOM},
    /* empty batch */
    {.name = "max_n0_k2s2",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {2, 2}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(0, 3, 8, 8),
     .fill = FILL_RANDOM},
    {.name = "avg_n0_k2s2",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {2, 2}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(0, 3, 8, 8),
     .fill = FILL_RANDOM},
    /* several batches */
    {.name = "max_n3_k3s2p1",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(3, 4, 10, 10),
     .fill = FILL_RANDOM},
    {.name = "avg_n3_k3s2p1",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(3, 4, 10, 10),
     .fill = FILL_RANDOM},
    /* dilation with padding */
    {.name = "max_d2p2_k3s1",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {1, 1}, .pad_begin = {2, 2}, .pad_end = {2, 2},
              .dilation = {2, 2}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 12, 12),
     .fill = FILL_RANDOM},
    {.name = "avg_d2p2_k3s1",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {1, 1}, .pad_begin = {2, 2}, .pad_end = {2, 2},
              .dilation = {2, 2}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 12, 12),
     .fill = FILL_RANDOM},
    {.name = "max_d2p1_k3s2_ceil",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {2, 2}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 11, 10),
     .fill = FILL_RANDOM},
    {.name = "avg_d2p1_k3s2_ceil",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {2, 2}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 11, 10),
     .fill = FILL_RANDOM},
    {.name = "max_d3p3_k3s2",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {3, 3}, .pad_end = {3, 3},
              .dilation = {3, 3}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 15, 14),
     .fill = FILL_RANDOM},
    {.name = "avg_d3p3_k3s2",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {3, 3}, .pad_end = {3, 3},
              .dilation = {3, 3}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 15, 14),
     .fill = FILL_RANDOM},
    /* dilation leaves a window with no in-bounds tap: max gives -inf, average 0 */
    {.name = "max_dilated_empty_row",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {2, 3},
              .stride = {1, 1}, .pad_begin = {2, 1}, .pad_end = {2, 1},
              .dilation = {4, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 3, 5),
     .fill = FILL_RANDOM},
    {.name = "avg_dilated_empty_row",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {2, 3},
              .stride = {1, 1}, .pad_begin = {2, 1}, .pad_end = {2, 1},
              .dilation = {4, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 3, 5),
     .fill = FILL_RANDOM},
    {.name = "max_dilated_empty_i1",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {1, 2}, .pad_begin = {1, 0}, .pad_end = {1, 0},
              .dilation = {2, 1}, .ceil_mode = 0, .count_include_pad = 0,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 1, 6),
     .fill = FILL_RANDOM},
    {.name = "avg_dilated_empty_i1",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {1, 2}, .pad_begin = {1, 0}, .pad_end = {1, 0},
              .dilation = {2, 1}, .ceil_mode = 0, .count_include_pad = 0,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 1, 6),
     .fill = FILL_RANDOM},
    /* asymmetric padding */
    {.name = "max_asym_pad_k3s2",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 0}, .pad_end = {0, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 7, 8),
     .fill = FILL_RANDOM},
    {.name = "avg_asym_pad_k3s2",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 0}, .pad_end = {0, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 7, 8),
     .fill = FILL_RANDOM},
    {.name = "max_asym_pad_k3s2_ceil",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {0, 1}, .pad_end = {1, 0},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 0,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 7, 8),
     .fill = FILL_RANDOM},
    {.name = "avg_asym_pad_k3s2_ceil",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {0, 1}, .pad_end = {1, 0},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 0,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 7, 8),
     .fill = FILL_RANDOM},
    /* non-square kernel, stride, padding, dilation and input */
    {.name = "max_nonsquare_all",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {2, 3},
              .stride = {1, 2}, .pad_begin = {1, 2}, .pad_end = {1, 2},
              .dilation = {1, 2}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(2, 3, 9, 14),
     .fill = FILL_RANDOM},
    {.name = "avg_nonsquare_all",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {2, 3},
              .stride = {1, 2}, .pad_begin = {1, 2}, .pad_end = {1, 2},
              .dilation = {1, 2}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(2, 3, 9, 14),
     .fill = FILL_RANDOM},
    /* divisor_override: negative, larger than the window, with ceil overhang */
    {.name = "avg_div_neg3_k3s2p1",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 1, .divisor_override = -3},
     .input = CASE_INPUT_2D(1, 3, 8, 8),
     .fill = FILL_RANDOM},
    {.name = "avg_div_100_k2s2",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {2, 2}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 1, .divisor_override = 100},
     .input = CASE_INPUT_2D(1, 3, 8, 8),
     .fill = FILL_RANDOM},
    {.name = "avg_div_7_k3s2p1_ceil",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 1, .divisor_override = 7},
     .input = CASE_INPUT_2D(1, 2, 8, 8),
     .fill = FILL_RANDOM},
    /* count_include_pad both ways on one geometry */
    {.name = "avg_cip_k3s2p1_9x9",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 4, 9, 9),
     .fill = FILL_RANDOM},
    {.name = "avg_nocip_k3s2p1_9x9",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 0,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 4, 9, 9),
     .fill = FILL_RANDOM},
    /* an even kernel with the largest padding */
    {.name = "max_k4s2p2_even",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {4, 4},
              .stride = {2, 2}, .pad_begin = {2, 2}, .pad_end = {2, 2},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 10, 10),
     .fill = FILL_RANDOM},
    {.name = "avg_k4s2p2_even",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {4, 4},
              .stride = {2, 2}, .pad_begin = {2, 2}, .pad_end = {2, 2},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 10, 10),
     .fill = FILL_RANDOM},
    /* NaNs with distinct payloads: which NaN wins is visible bit for bit */
    {.name = "max_nan_scatter_k3s1p1",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {1, 1}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 10, 10),
     .fill = FILL_NAN_SCATTER},
    {.name = "avg_nan_scatter_k3s2",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 10, 10),
     .fill = FILL_NAN_SCATTER},
    {.name = "max_nan_all_k2s2",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {2, 2}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 6, 6),
     .fill = FILL_NAN_ALL},
    {.name = "avg_nan_all_k3s2p1",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 6, 6),
     .fill = FILL_NAN_ALL},
    {.name = "max_nan_all_k3s1",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {1, 1}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 2, 6, 6),
     .fill = FILL_NAN_ALL},
    /* windows of -inf only */
    {.name = "max_neg_inf_k3s2p1",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 10, 10),
     .fill = FILL_NEG_INF},
    {.name = "avg_neg_inf_k3s2p1",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 10, 10),
     .fill = FILL_NEG_INF},
    /* all-equal windows */
    {.name = "max_all_equal_k3s2p1",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 9, 9),
     .fill = FILL_ALL_EQUAL},
    {.name = "avg_all_equal_k3s2p1",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 9, 9),
     .fill = FILL_ALL_EQUAL},
    {.name = "avg_all_equal_nocip_k3s2p1",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 0,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 9, 9),
     .fill = FILL_ALL_EQUAL},
    /* integer inputs: many ties */
    {.name = "max_int_ties_k3s1",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {1, 1}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(2, 3, 11, 11),
     .fill = FILL_INTEGERS},
    {.name = "avg_int_ties_k3s1",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {1, 1}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(2, 3, 11, 11),
     .fill = FILL_INTEGERS},
    {.name = "max_int_ties_k2s2p1",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 9, 9),
     .fill = FILL_INTEGERS},
    {.name = "avg_int_ties_k2s2p1",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 9, 9),
     .fill = FILL_INTEGERS},
    /* stride 1: overlapping windows */
    {.name = "max_k3s1_overlap",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {1, 1}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 12, 12),
     .fill = FILL_RANDOM},
    {.name = "avg_k3s1_overlap",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {1, 1}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 12, 12),
     .fill = FILL_RANDOM},
    /* stride larger than kernel: gaps between windows */
    {.name = "max_k2s3_gaps",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {3, 3}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 11, 11),
     .fill = FILL_RANDOM},
    {.name = "avg_k2s3_gaps",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {3, 3}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 11, 11),
     .fill = FILL_RANDOM},
    /* SEMANTICS seed examples */
    {.name = "max_k2s1_3x3_seed",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {1, 1}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 1, 3, 3),
     .fill = FILL_ARANGE},
    {.name = "avg_k2s1_3x3_seed",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {2, 2},
              .stride = {1, 1}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 1, 3, 3),
     .fill = FILL_ARANGE},
    {.name = "max_k3_4x4_seed",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {3, 3}, .pad_begin = {0, 0}, .pad_end = {0, 0},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 1, 4, 4),
     .fill = FILL_ARANGE},
    {.name = "max_k3s2p1_4x4_seed",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {3, 3},
              .stride = {2, 2}, .pad_begin = {1, 1}, .pad_end = {1, 1},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 1, 4, 4),
     .fill = FILL_ARANGE},
    /* tall and thin inputs */
    {.name = "max_thin_1x200",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {1, 4},
              .stride = {1, 3}, .pad_begin = {0, 2}, .pad_end = {0, 2},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 1, 200),
     .fill = FILL_RANDOM},
    {.name = "avg_thin_1x200",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {1, 4},
              .stride = {1, 3}, .pad_begin = {0, 2}, .pad_end = {0, 2},
              .dilation = {1, 1}, .ceil_mode = 0, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 1, 200),
     .fill = FILL_RANDOM},
    {.name = "max_tall_200x1",
     .pool = {.mode = CLPOOL_MODE_MAX, .spatial_rank = 2, .kernel = {5, 1},
              .stride = {2, 1}, .pad_begin = {2, 0}, .pad_end = {2, 0},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 200, 1),
     .fill = FILL_RANDOM},
    {.name = "avg_tall_200x1",
     .pool = {.mode = CLPOOL_MODE_AVG, .spatial_rank = 2, .kernel = {5, 1},
              .stride = {2, 1}, .pad_begin = {2, 0}, .pad_end = {2, 0},
              .dilation = {1, 1}, .ceil_mode = 1, .count_include_pad = 1,
              .has_divisor_override = 0, .divisor_override = 0},
     .input = CASE_INPUT_2D(1, 3, 200, 1),
     .fill = FILL_RANDOM},
};

/* clang-format on */

const size_t pool_case_count = sizeof(pool_cases) / sizeof(pool_cases[0]);

uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A uniform integer in [lo, hi]. */
static int64_t draw_int(uint64_t *state, int64_t lo, int64_t hi) {
    return lo + (int64_t)(splitmix64(state) % (uint64_t)(hi - lo + 1));
}

/* A uniform float in [-4, 4): 24 random bits, so every value and the scaling are exact. */
static float draw_float(uint64_t *state) {
    float unit = (float)(splitmix64(state) >> 40) * 0x1p-24f;
    return unit * 8.0f - 4.0f;
}

/* A quiet NaN whose payload is 1 + (tag mod 2^22 - 1): distinct for distinct small tags. */
static float tagged_nan(uint64_t tag) {
    uint32_t bits = UINT32_C(0x7fc00000) | (uint32_t)(1 + tag % UINT32_C(0x3fffff));
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

void fill_input(fill_kind kind, uint64_t seed, float *x, size_t count) {
    uint64_t state = seed;
    uint64_t nans = 0;
    for (size_t i = 0; i < count; ++i) {
        switch (kind) {
        case FILL_RANDOM:
            x[i] = draw_float(&state);
            break;
        case FILL_INTEGERS:
            /* Mostly zeros of either sign: a window's maximum is then usually a tie between +0
             * and -0, which only the first-maximum rule resolves to the right bits. */
            x[i] = (float)draw_int(&state, -2, 0);
            if (x[i] == 0.0f && splitmix64(&state) % 2)
                x[i] = -0.0f;
            break;
        case FILL_NAN_SCATTER:
            x[i] = splitmix64(&state) % 10 == 0 ? tagged_nan(nans++) : draw_float(&state);
            break;
        case FILL_NEG_INF:
            x[i] = splitmix64(&state) % 20 == 0 ? draw_float(&state) : -INFINITY;
            break;
        case FILL_ALL_EQUAL:
            x[i] = 1.25f;
            break;
        case FILL_ARANGE:
            x[i] = (float)i;
            break;
        case FILL_NAN_ALL:
            x[i] = tagged_nan(i);
            break;
        }
    }
}

/* One draw of the random_case distribution; the result may have an output size < 1. */
static void draw_case(uint64_t *state, int rank, pool_case *out) {
    clpool_pool_desc *pool = &out->pool;
    memset(out, 0, sizeof *out);
    pool->mode = splitmix64(state) % 2 == 0 ? CLPOOL_MODE_MAX : CLPOOL_MODE_AVG;
    pool->spatial_rank = rank;
    int dilated = splitmix64(state) % 4 == 0;
    int equal_pad = splitmix64(state) % 2 == 0;
    for (int i = 0; i < rank; ++i) {
        pool->kernel[i] = draw_int(state, 1, 5);
        pool->stride[i] = draw_int(state, 0, 4);
        pool->dilation[i] = dilated ? draw_int(state, 1, 3) : 1;
    }
    int all_one = 1;
    for (int i = 0; i < rank; ++i) {
        all_one = all_one && pool->dilation[i] == 1;
    }
    if (dilated && all_one) {
        pool->dilation[draw_int(state, 0, rank - 1)] = draw_int(state, 2, 3);
    }
    for (int i = 0; i < rank; ++i) {
        int64_t max_pad = (pool->dilation[i] * (pool->kernel[i] - 1) + 1) / 2;
        pool->pad_begin[i] = draw_int(state, 0, max_pad);
        pool->pad_end[i] = equal_pad ? pool->pad_begin[i] : draw_int(state, 0, max_pad);
    }
    pool->ceil_mode = (int)(splitmix64(state) % 2);
    pool->count_include_pad = (int)(splitmix64(state) % 2);
    if (splitmix64(state) % 100 < 15) {
        int64_t magnitude = draw_int(state, 1, 9);
        pool->has_divisor_override = 1;
        pool->divisor_override = splitmix64(state) % 2 == 0 ? magnitude : -magnitude;
    }
    out->input.dtype = CLPOOL_DTYPE_F32;
    out->input.layout = CLPOOL_LAYOUT_CHANNELS_FIRST;
    out->input.spatial_rank = rank;
    out->input.n = draw_int(state, 1, 3);
    out->input.c = draw_int(state, 1, 9);
    for (int i = 0; i < rank; ++i) {
        out->input.spatial[i] = draw_int(state, 1, rank == 3 ? 10 : 24);
    }
    uint64_t fill = splitmix64(state) % 100;
    out->fill = fill < 10 ? FILL_NAN_SCATTER : fill < 35 ? FILL_INTEGERS : FILL_RANDOM;
    out->name = NULL;
}

/* 1 when every output size of c is >= 1. */
static int case_output_ok(const pool_case *c) {
    for (int i = 0; i < c->pool.spatial_rank; ++i) {
        int64_t s = c->pool.stride[i] == 0 ? c->pool.kernel[i] : c->pool.stride[i];
        int64_t o;
        if (ref_output_size(c->input.spatial[i], c->pool.kernel[i], s, c->pool.pad_begin[i],
                            c->pool.pad_end[i], c->pool.dilation[i], c->pool.ceil_mode, &o) != 0) {
            return 0;
        }
    }
    return 1;
}

void random_case(uint64_t seed, pool_case *out) {
    random_case_rank(seed, 2, out);
}

void random_case_rank(uint64_t seed, int rank, pool_case *out) {
    uint64_t state = seed;
    do {
        draw_case(&state, rank, out);
    } while (!case_output_ok(out));
}

/* Copies dimension `from` of src's pool and input into dimension `to` of out's. */
static void copy_dimension(const pool_case *src, int from, pool_case *out, int to) {
    out->pool.kernel[to] = src->pool.kernel[from];
    out->pool.stride[to] = src->pool.stride[from];
    out->pool.pad_begin[to] = src->pool.pad_begin[from];
    out->pool.pad_end[to] = src->pool.pad_end[from];
    out->pool.dilation[to] = src->pool.dilation[from];
    out->pool.output_size[to] = src->pool.output_size[from];
    out->input.spatial[to] = src->input.spatial[from];
}

void case_with_rank(const pool_case *src, int rank, int from_dim, pool_case *out) {
    *out = *src;
    out->pool.spatial_rank = out->input.spatial_rank = rank;
    if (rank == 1) {
        copy_dimension(src, from_dim, out, 0);
    } else if (rank == 3) {
        copy_dimension(src, 0, out, 0);
        copy_dimension(src, 0, out, 1);
        copy_dimension(src, 1, out, 2);
    }
}

/* An adaptive descriptor and channels-first input, for the table below. */
#define ADAPTIVE_CASE(NAME, MODE, RANK, N, C, IN, OUT, FILL)                                       \
    {                                                                                              \
        .name = NAME,                                                                              \
        .pool = {.mode = MODE,                                                                     \
                 .spatial_rank = RANK,                                                             \
                 .dilation = {1, 1, 1},                                                            \
                 .adaptive = 1,                                                                    \
                 .output_size = OUT},                                                              \
        .input = {.dtype = CLPOOL_DTYPE_F32,                                                       \
                  .layout = CLPOOL_LAYOUT_CHANNELS_FIRST,                                          \
                  .spatial_rank = RANK,                                                            \
                  .n = (N),                                                                        \
                  .c = (C),                                                                        \
                  .spatial = IN},                                                                  \
        .fill = FILL                                                                               \
    }
#define DIMS(...)                                                                                  \
    { __VA_ARGS__ }

/* clang-format off */
const pool_case adaptive_cases[] = {
    /* output divides input: plain k = s = I / O windows */
    ADAPTIVE_CASE("adaptive_max_1d_12_to_4", CLPOOL_MODE_MAX, 1, 2, 3, DIMS(12), DIMS(4), FILL_RANDOM),
    ADAPTIVE_CASE("adaptive_avg_2d_8x12_to_4x3", CLPOOL_MODE_AVG, 2, 1, 3, DIMS(8, 12), DIMS(4, 3), FILL_RANDOM),
    ADAPTIVE_CASE("adaptive_max_3d_4x6x6_to_2x3x2", CLPOOL_MODE_MAX, 3, 1, 2, DIMS(4, 6, 6), DIMS(2, 3, 2), FILL_INTEGERS),
    /* output does not divide input: windows of two lengths that overlap */
    ADAPTIVE_CASE("adaptive_max_1d_10_to_3", CLPOOL_MODE_MAX, 1, 1, 4, DIMS(10), DIMS(3), FILL_INTEGERS),
    ADAPTIVE_CASE("adaptive_avg_1d_10_to_3", CLPOOL_MODE_AVG, 1, 1, 4, DIMS(10), DIMS(3), FILL_RANDOM),
    ADAPTIVE_CASE("adaptive_max_2d_7x9_to_3x4", CLPOOL_MODE_MAX, 2, 2, 3, DIMS(7, 9), DIMS(3, 4), FILL_NAN_SCATTER),
    ADAPTIVE_CASE("adaptive_avg_2d_7x9_to_3x4", CLPOOL_MODE_AVG, 2, 2, 3, DIMS(7, 9), DIMS(3, 4), FILL_RANDOM),
    ADAPTIVE_CASE("adaptive_avg_2d_13x5_to_6x2", CLPOOL_MODE_AVG, 2, 1, 2, DIMS(13, 5), DIMS(6, 2), FILL_RANDOM),
    ADAPTIVE_CASE("adaptive_max_3d_5x7x3_to_2x3x2", CLPOOL_MODE_MAX, 3, 1, 3, DIMS(5, 7, 3), DIMS(2, 3, 2), FILL_RANDOM),
    ADAPTIVE_CASE("adaptive_avg_3d_5x7x3_to_2x3x2", CLPOOL_MODE_AVG, 3, 1, 3, DIMS(5, 7, 3), DIMS(2, 3, 2), FILL_RANDOM),
    /* output larger than input: windows of one and two taps, every input read several times */
    ADAPTIVE_CASE("adaptive_max_1d_3_to_7", CLPOOL_MODE_MAX, 1, 1, 2, DIMS(3), DIMS(7), FILL_INTEGERS),
    ADAPTIVE_CASE("adaptive_avg_2d_2x3_to_5x4", CLPOOL_MODE_AVG, 2, 1, 2, DIMS(2, 3), DIMS(5, 4), FILL_RANDOM),
    ADAPTIVE_CASE("adaptive_max_3d_2x2x3_to_3x4x5", CLPOOL_MODE_MAX, 3, 1, 1, DIMS(2, 2, 3), DIMS(3, 4, 5), FILL_NAN_SCATTER),
    /* output equal to input: the identity */
    ADAPTIVE_CASE("adaptive_max_2d_identity_5x6", CLPOOL_MODE_MAX, 2, 1, 2, DIMS(5, 6), DIMS(5, 6), FILL_NAN_ALL),
    ADAPTIVE_CASE("adaptive_avg_1d_identity_9", CLPOOL_MODE_AVG, 1, 1, 2, DIMS(9), DIMS(9), FILL_RANDOM),
    /* mixed: one dimension grows, one shrinks, one is global */
    ADAPTIVE_CASE("adaptive_max_3d_mixed_6x2x9_to_1x5x4", CLPOOL_MODE_MAX, 3, 2, 2, DIMS(6, 2, 9), DIMS(1, 5, 4), FILL_NEG_INF),
    /* global pooling: one output per plane */
    ADAPTIVE_CASE("global_max_1d_31", CLPOOL_MODE_MAX, 1, 2, 5, DIMS(31), DIMS(1), FILL_INTEGERS),
    ADAPTIVE_CASE("global_avg_1d_31", CLPOOL_MODE_AVG, 1, 2, 5, DIMS(31), DIMS(1), FILL_RANDOM),
    ADAPTIVE_CASE("global_max_2d_7x7_nan", CLPOOL_MODE_MAX, 2, 1, 6, DIMS(7, 7), DIMS(1, 1), FILL_NAN_SCATTER),
    ADAPTIVE_CASE("global_max_2d_7x7_neg_inf", CLPOOL_MODE_MAX, 2, 1, 6, DIMS(7, 7), DIMS(1, 1), FILL_NEG_INF),
    ADAPTIVE_CASE("global_avg_2d_7x7", CLPOOL_MODE_AVG, 2, 2, 9, DIMS(7, 7), DIMS(1, 1), FILL_RANDOM),
    ADAPTIVE_CASE("global_avg_3d_3x5x4", CLPOOL_MODE_AVG, 3, 1, 4, DIMS(3, 5, 4), DIMS(1, 1, 1), FILL_RANDOM),
    ADAPTIVE_CASE("global_max_3d_3x5x4", CLPOOL_MODE_MAX, 3, 1, 4, DIMS(3, 5, 4), DIMS(1, 1, 1), FILL_INTEGERS),
    ADAPTIVE_CASE("global_max_1x1", CLPOOL_MODE_MAX, 2, 1, 3, DIMS(1, 1), DIMS(1, 1), FILL_RANDOM),
};
/* clang-format on */

const size_t adaptive_case_count = sizeof(adaptive_cases) / sizeof(adaptive_cases[0]);

void random_adaptive_case(uint64_t seed, int rank, pool_case *out) {
    uint64_t state = seed;
    memset(out, 0, sizeof *out);
    out->pool.mode = splitmix64(&state) % 2 == 0 ? CLPOOL_MODE_MAX : CLPOOL_MODE_AVG;
    out->pool.spatial_rank = out->input.spatial_rank = rank;
    out->pool.adaptive = 1;
    out->input.dtype = CLPOOL_DTYPE_F32;
    out->input.layout = CLPOOL_LAYOUT_CHANNELS_FIRST;
    out->input.n = draw_int(&state, 1, 2);
    out->input.c = draw_int(&state, 1, 7);
    for (int i = 0; i < rank; ++i) {
        out->pool.kernel[i] = out->pool.dilation[i] = 1;
        out->input.spatial[i] = draw_int(&state, 1, rank == 3 ? 9 : 20);
        out->pool.output_size[i] = draw_int(&state, 1, out->input.spatial[i] * 3 / 2 + 1);
    }
    uint64_t fill = splitmix64(&state) % 100;
    out->fill = fill < 15 ? FILL_NAN_SCATTER : fill < 45 ? FILL_INTEGERS : FILL_RANDOM;
}

int64_t tensor_plane(const clpool_tensor_desc *t) {
    int64_t plane = 1;
    for (int i = 0; i < t->spatial_rank; ++i) {
        plane *= t->spatial[i];
    }
    return plane;
}

size_t tensor_count(const clpool_tensor_desc *t) {
    return (size_t)(t->n * t->c * tensor_plane(t));
}
