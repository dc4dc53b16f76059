/*
 * The mapping between .npy array shapes and clpool tensor descriptors: (N, C, spatial...) for
 * channels-first, (N, spatial..., C) for channels-last. Shared by the commands that read and
 * write tensors, so they agree on it.
 */
#ifndef CLPOOL_TOOLS_NPY_TENSOR_H
#define CLPOOL_TOOLS_NPY_TENSOR_H

#include "npy.h"

#include <clpool/clpool.h>

/* The float32 tensor an array of rank 3, 4 or 5 holds; 0, or -1 with a message naming the rank
 * (what names the array, e.g. "input", starts the message). */
int npy_tensor_desc(const npy_header *header, int channels_last, const char *what,
                    clpool_tensor_desc *desc, char *err, size_t err_size);

/* The array shape of a tensor, in its layout's order; returns the rank (spatial rank + 2). */
int npy_tensor_shape(const clpool_tensor_desc *desc, int64_t shape[5]);

#endif
