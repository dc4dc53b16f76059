/*
 * .npy shapes to tensor descriptors and back, in either layout.
 */
#include "npy_tensor.h"

#include <stdio.h>
#include <string.h>

int npy_tensor_desc(const npy_header *h, int channels_last, const char *what,
                    clpool_tensor_desc *desc, char *err, size_t err_size) {
    if (h->ndim < 3 || h->ndim > 5) {
        snprintf(err, err_size,
                 "%s has rank %d; expected 3 (N, C, L), 4 (N, C, H, W) or 5 (N, C, D, H, W)%s",
                 what, h->ndim, channels_last ? " in channels-last order" : "");
        return -1;
    }
    memset(desc, 0, sizeof *desc);
    desc->dtype = CLPOOL_DTYPE_F32;
    desc->layout = channels_last ? CLPOOL_LAYOUT_CHANNELS_LAST : CLPOOL_LAYOUT_CHANNELS_FIRST;
    desc->spatial_rank = h->ndim - 2;
    desc->n = h->shape[0];
    desc->c = channels_last ? h->shape[h->ndim - 1] : h->shape[1];
    for (int i = 0; i < desc->spatial_rank; ++i)
        desc->spatial[i] = h->shape[(channels_last ? 1 : 2) + i];
    return 0;
}

int npy_tensor_shape(const clpool_tensor_desc *desc, int64_t shape[5]) {
    const int rank = desc->spatial_rank;
    const int channels_last = desc->layout == CLPOOL_LAYOUT_CHANNELS_LAST;
    shape[0] = desc->n;
    shape[channels_last ? rank + 1 : 1] = desc->c;
    for (int i = 0; i < rank; ++i)
        shape[(channels_last ? 1 : 2) + i] = desc->spatial[i];
    return rank + 2;
}
