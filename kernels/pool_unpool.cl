/*
 * Max unpooling (PyTorch max_unpool) in two passes over an output buffer that the host first
 * fills with -1. Elect: one work-item per value range-checks its index and, with atomic_max,
 * records its own position in the output element it points at, so among values pointing at one
 * element the last in row-major order wins, as in PyTorch's sequential loop, whatever order the
 * work-items run in. Gather: one work-item per output element replaces the recorded position by
 * that value, or by 0 where none was recorded. No index, whatever it holds, makes a write leave
 * the output; an out-of-range one is skipped and reported through the optional status word.
 *
 * Built after pool_common.cl. The size parameters describe the unpooled output as the "input"
 * (P_ID, P_IH, P_IW) and the values as the pooled "output" (P_OD, P_OH, P_OW); the window
 * parameters are unused. The output is handled as 32-bit words: DATA_T must be float. Also:
 *   INDEX_T            the index type (long or int)
 *   INVALID_INDEX_CODE the status value written for an index that is neither -1 nor in range
 */

/* Element position of plane position p in the tensor whose plane `base` starts at. */
#define ELEMENT(base, p) ((base) + (IDX_T)(p) * TAP_STEP)

__kernel void clpool_unpool_elect(__global const INDEX_T *restrict indices, ulong indices_offset,
                                  __global int *restrict winners, ulong winners_offset,
                                  __global int *restrict status, ulong status_offset, ulong total,
                                  int4 in_dims, int4 out_dims, int4 ksize, int4 stride,
                                  int4 pad_begin, int4 pad_end, int4 dilation, int2 avg_rule) {
    const size_t gid = get_global_id(0);
    if (gid >= total)
        return;
    indices += indices_offset;
    winners += winners_offset;

    IDX_T rest = (IDX_T)gid;
#if CHANNELS_LAST
    const IDX_T channel = rest % P_C;
    rest /= P_C;
#endif
    const IDX_T values_plane = (IDX_T)P_OD * P_OH * P_OW;
    const int position = (int)(rest % values_plane); /* the value's own plane position */
    rest /= values_plane;                            /* n (channels-last) or n * C + c */
    const long index = (long)indices[gid];
    const long plane = (long)P_ID * P_IH * P_IW;
    if (index == -1)
        return;
    if (index < 0 || index >= plane) {
        if (status)
            atomic_xchg(status + status_offset, INVALID_INDEX_CODE);
        return;
    }
#if CHANNELS_LAST
    const IDX_T base = rest * (IDX_T)plane * P_C + channel;
#else
    const IDX_T base = rest * (IDX_T)plane;
#endif
    atomic_max(winners + ELEMENT(base, index), position);
}

__kernel void clpool_unpool_gather(__global const DATA_T *restrict values, ulong values_offset,
                                   __global int *restrict output, ulong output_offset,
                                   __global int *restrict unused, ulong unused_offset,
                                   ulong total, int4 in_dims, int4 out_dims, int4 ksize,
                                   int4 stride, int4 pad_begin, int4 pad_end, int4 dilation,
                                   int2 avg_rule) {
    const size_t gid = get_global_id(0);
    if (gid >= total)
        return;
    values += values_offset;
    output += output_offset;

    IDX_T rest = (IDX_T)gid;
#if CHANNELS_LAST
    const IDX_T channel = rest % P_C;
    rest /= P_C;
#endif
    rest /= (IDX_T)P_ID * P_IH * P_IW; /* n (channels-last) or n * C + c */
    const IDX_T values_plane = (IDX_T)P_OD * P_OH * P_OW;
#if CHANNELS_LAST
    const IDX_T base = rest * values_plane * P_C + channel;
#else
    const IDX_T base = rest * values_plane;
#endif
    const int winner = output[gid];
    output[gid] = winner >= 0 ? as_int((float)values[ELEMENT(base, winner)]) : 0;
}
