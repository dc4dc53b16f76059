/*
 * A plan's launch size: the work-group size it uses (the caller's, a tuning file's, or the
 * built-in rule, always within the kernel's limits), the global sizes that follow from it, and a
 * launch that retries smaller work-groups when the device refuses one for lack of resources.
 */
#ifndef CLPOOL_HOST_LOCAL_SIZE_H
#define CLPOOL_HOST_LOCAL_SIZE_H

#include "plan.h"

/*
 * Sets the plan's tuning key, local size and global sizes, once its kernels exist. requested
 * (options->local_size) is used as given when non-zero and must fit the kernel; otherwise the
 * context's tuning file decides, clamped to the kernel's CL_KERNEL_WORK_GROUP_SIZE, and without
 * an entry 256, divided by 4 down to 16 while there would be fewer than 4 groups per compute unit,
 * fitted to the kernel's limit and its CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE.
 */
clpool_status clpool_plan_choose_launch(clpool_plan *plan, size_t requested);

/* The work-group width along channel lanes (channels a multiple of 8) for a work-group of local
 * work-items and the kernel's preferred work-group multiple: a divisor of channels, at most
 * local, as wide as possible in steps of preferred (where it is a multiple of 8 dividing the
 * channels and fits), else of 8, else (local under 8) the widest power of two. */
size_t clpool_channel_lane_width(uint64_t channels, size_t local, size_t preferred);

/* Which of a plan's kernels clpool_launch_locked enqueues: the main one, the second pass
 * (unpooling's gather, a forward plan's edge rows or copy of compacted lanes, a two-pass global
 * pooling's merge; a narrowing or fill, which runs before the main one), or a compacting plan's
 * edge rows (plan.h: edge_kernel). */
#define CLPOOL_LAUNCH_MAIN   0
#define CLPOOL_LAUNCH_SECOND 1
#define CLPOOL_LAUNCH_EDGE   2

/*
 * Enqueues the plan's kernel which (CLPOOL_LAUNCH_*) through plan->ndrange; the caller holds the
 * plan's lock. When the library chose the size and the device answers
 * CL_OUT_OF_RESOURCES, CL_INVALID_WORK_GROUP_SIZE or CL_INVALID_WORK_ITEM_SIZE, it retries with
 * half the size, down to 1, and the first size that works becomes the plan's for every later
 * launch. When none works the plan keeps its size and the last error is returned.
 */
cl_int clpool_launch_locked(clpool_plan *plan, cl_command_queue queue, int which, cl_uint count,
                            const cl_event *events, cl_event *event);

/* Records a failed launch (call, err) of what for clpool_last_error, saying for a refused size
 * whether it was the caller's or every smaller one failed too; returns err. Call it under the
 * plan's lock. */
clpool_status clpool_launch_failure(const clpool_plan *plan, cl_int err, const char *call,
                                    const char *what);

#endif
