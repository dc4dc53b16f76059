/*
 * Work-group sizes. Pooling reads each input a few times at most, so the size matters for how
 * the device schedules work, not for data reuse: a size per kernel kind and layout (the tuning
 * key) measured by `clpool tune` is enough, and a size fixed per key rather than fitted to each
 * problem keeps PoCL from compiling a new work-group function per shape. Sizes are checked
 * against the kernel's own limit when the plan is made, but a device may still refuse one at
 * launch (registers, local memory, a driver's own limit), so launches retry smaller ones.
 */
#include "local_size.h"
#include "error.h"

#include <stdio.h>

/* The built-in rule's cap: enough work-items per group to fill a GPU's SIMD units several times
 * over, few enough that small problems still spread over every compute unit. */
#define DEFAULT_LOCAL_CAP 256

static clpool_tuning_key plan_key(const clpool_plan *plan) {
    static const int pass_of_kind[] = {TUNING_FORWARD, TUNING_BACKWARD_MAX_INDICES,
                                       TUNING_BACKWARD_MAX_INPUT, TUNING_BACKWARD_AVG,
                                       TUNING_UNPOOL}; /* by clpool_kernel_kind */
    const clpool_geometry *g = &plan->geometry;
    const int global = g->adaptive && g->out[0] == 1 && g->out[1] == 1 && g->out[2] == 1;
    clpool_tuning_key key;
    key.field[TUNING_PASS] =
        plan->kind == CLPOOL_KERNEL_FORWARD && plan->indices != CLPOOL_INDEX_NONE
            ? TUNING_FORWARD_INDICES
            : pass_of_kind[plan->kind];
    key.field[TUNING_MODE] = g->mode == CLPOOL_MODE_AVG ? TUNING_AVG : TUNING_MAX;
    key.field[TUNING_LAYOUT] =
        g->layout == CLPOOL_LAYOUT_CHANNELS_LAST ? TUNING_CHANNELS_LAST : TUNING_CHANNELS_FIRST;
    key.field[TUNING_WINDOW] =
        global ? TUNING_GLOBAL : (g->adaptive ? TUNING_ADAPTIVE : TUNING_SLIDING);
    return key;
}

/* The largest work-group every kernel of the plan accepts, and the main kernel's preferred
 * multiple. */
static clpool_status kernel_limits(const clpool_plan *plan, size_t *kernel_max, size_t *multiple) {
    size_t gather_max = SIZE_MAX;
    cl_device_id device = plan->ctx->device;
    cl_int err = clGetKernelWorkGroupInfo(plan->kernel, device, CL_KERNEL_WORK_GROUP_SIZE,
                                          sizeof *kernel_max, kernel_max, NULL);
    if (err == CL_SUCCESS && plan->second_kernel)
        err = clGetKernelWorkGroupInfo(plan->second_kernel, device, CL_KERNEL_WORK_GROUP_SIZE,
                                       sizeof gather_max, &gather_max, NULL);
    size_t edge_max = SIZE_MAX;
    if (err == CL_SUCCESS && plan->edge_kernel)
        err = clGetKernelWorkGroupInfo(plan->edge_kernel, device, CL_KERNEL_WORK_GROUP_SIZE,
                                       sizeof edge_max, &edge_max, NULL);
    if (err == CL_SUCCESS)
        err = clGetKernelWorkGroupInfo(plan->kernel, device,
                                       CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE,
                                       sizeof *multiple, multiple, NULL);
    if (err != CL_SUCCESS)
        return clpool_fail_cl(err, "clGetKernelWorkGroupInfo", NULL);
    if (gather_max < *kernel_max)
        *kernel_max = gather_max;
    if (edge_max < *kernel_max)
        *kernel_max = edge_max;
    /* A 1D launch is bounded by the kernel's limit and by the device's limit along dimension 0. */
    if (plan->ctx->facts.max_work_item_size < *kernel_max)
        *kernel_max = plan->ctx->facts.max_work_item_size;
    if (*kernel_max == 0)
        *kernel_max = 1;
    return CLPOOL_SUCCESS;
}

/* The built-in rule: DEFAULT_LOCAL_CAP, divided by 4 (not below 16) while the launch would have
 * fewer than GROUPS_PER_UNIT work-groups per compute unit. A problem of few work-items, such as
 * global pooling of a few hundred planes, otherwise fits in one or two groups and leaves compute
 * units idle (`clpool tune` measured 1.9-2.3x on those rows with groups of 16 to 64). Steps of 4
 * keep to three sizes (256, 64, 16): a device such as PoCL compiles a kernel again for every
 * work-group size it is launched with, and halving steps made small problems cost up to six. */
#define GROUPS_PER_UNIT  4
#define SMALLEST_DEFAULT 16

static size_t default_size(const clpool_plan *plan) {
    const uint64_t units = plan->ctx->facts.compute_units ? plan->ctx->facts.compute_units : 1;
    const uint64_t wanted = units * GROUPS_PER_UNIT;
    /* A two-pass global average's first pass has more work-items than its outputs. */
    const uint64_t lanes = plan->lanes ? plan->lane_count * plan->lane_rows : 0;
    const uint64_t items = lanes > plan->work_items ? lanes : plan->work_items;
    size_t size = DEFAULT_LOCAL_CAP;
    while (size > SMALLEST_DEFAULT && items / size < wanted)
        size /= 4;
    return size;
}

/* size, or when it exceeds limit, the largest multiple of multiple up to limit (limit itself
 * when it is below multiple). */
static size_t fit(size_t size, size_t limit, size_t multiple) {
    if (size <= limit)
        return size;
    return multiple > 1 && limit >= multiple ? limit - limit % multiple : limit;
}

/* Rounds a work-item count up to whole work-groups; the kernels skip the surplus. */
static clpool_status round_global_size(const clpool_plan *plan, uint64_t total, size_t *global) {
    const uint64_t local = plan->local_size;
    const uint64_t limit = plan->ctx->facts.address_bits >= 64 ? SIZE_MAX : UINT32_MAX;
    if (total > limit - (local - 1))
        return clpool_fail(CLPOOL_ERROR_SIZE_OVERFLOW,
                           "%llu work-items exceed the device's global work size limit",
                           (unsigned long long)total);
    *global = (size_t)((total + local - 1) / local * local);
    return CLPOOL_SUCCESS;
}

/* The work-group's extent along the lanes: a divisor of lane_count (the launch has exactly
 * lane_count lanes; any surplus ones are built into that count and skipped by the kernels, or
 * with stepped lanes recomputed) of at most local work-items. For channels, whose counts are
 * multiples of 8, the widest multiple of the kernel's preferred work-group multiple (of 8 where
 * that does not divide the channels or exceeds the work-group; below 8 work-items, the widest power
 * of two): each row of a group computes its window or covering outputs once for all its lanes, so
 * wide rows pay. Up to 256 lanes instead of 64 measured 1.3x forward and 3-3.5x backward on
 * vgg_pool3 and vgg_pool5 channels-last (PoCL, batch 8). */
size_t clpool_channel_lane_width(uint64_t channels, size_t local, size_t preferred) {
    const size_t steps[2] = {
        preferred >= 8 && preferred % 8 == 0 && channels % preferred == 0 ? preferred : 8, 8};
    for (int i = 0; i < 2; ++i) {
        size_t width = local - local % steps[i];
        while (width >= steps[i] && channels % width != 0)
            width -= steps[i];
        if (width >= steps[i])
            return width;
    }
    /* A work-group under 8 work-items: the largest power of two dividing the channels. */
    size_t width = 1;
    while (width * 2 <= local && channels % (width * 2) == 0)
        width *= 2;
    return width;
}

/* The widest work-group extent of at most local work-items that divides count lanes. */
static size_t dividing_width(uint64_t count, size_t local) {
    size_t width = local < count ? local : (size_t)count;
    while (width > 1 && count % width != 0)
        --width;
    return width;
}

static size_t lane_width(const clpool_plan *plan, size_t local) {
    if (plan->lanes == CLPOOL_LANES_CHANNEL)
        return clpool_channel_lane_width(plan->lane_count, local, plan->preferred_multiple);
    if (plan->stepped_lanes)
        return CLPOOL_STEPPED_LANE_WIDTH;
    return dividing_width(plan->lane_count, local);
}

/* A two-dimensional launch: exactly lane_count lanes, the rows rounded up to whole groups. */
static clpool_status choose_lane_sizes(clpool_plan *plan) {
    const uint64_t rows = plan->lane_rows;
    const size_t width = lane_width(plan, plan->local_size);
    const size_t height = plan->local_size / width ? plan->local_size / width : 1;
    const uint64_t limit = plan->ctx->facts.address_bits >= 64 ? SIZE_MAX : UINT32_MAX;
    if (rows > limit - (height - 1) || plan->lane_count > limit)
        return clpool_fail(CLPOOL_ERROR_SIZE_OVERFLOW,
                           "%llu work-items exceed the device's global work size limit",
                           (unsigned long long)plan->work_items);
    plan->lane_local[0] = width;
    plan->lane_local[1] = height;
    plan->lane_global[0] = (size_t)plan->lane_count;
    plan->lane_global[1] = (size_t)((rows + height - 1) / height * height);
    return CLPOOL_SUCCESS;
}

/* A compacting plan's second launch: the output's W exactly (a work-group width dividing it),
 * the lane rows rounded up to whole groups. The rows are below 2^31 (compacted_lanes) and the
 * height at most the work-group size, so the rounding fits size_t. */
static void choose_compact_sizes(clpool_plan *plan) {
    const size_t count = (size_t)plan->kernel_geometry.out[2];
    const size_t width = dividing_width(count, plan->local_size);
    const size_t height = plan->local_size / width ? plan->local_size / width : 1;
    plan->second_lane_local[0] = width;
    plan->second_lane_local[1] = height;
    plan->second_lane_global[0] = count;
    plan->second_lane_global[1] = (size_t)((plan->second_items + height - 1) / height * height);
}

static clpool_status choose_global_sizes(clpool_plan *plan) {
    clpool_status status = plan->lanes && plan->work_items > 0
                               ? choose_lane_sizes(plan)
                               : round_global_size(plan, plan->work_items, &plan->global_size);
    if (status == CLPOOL_SUCCESS && plan->compacted)
        choose_compact_sizes(plan);
    else if (status == CLPOOL_SUCCESS && plan->second_kernel)
        status = round_global_size(plan, plan->second_items, &plan->second_global_size);
    if (status == CLPOOL_SUCCESS && plan->edge_kernel)
        status = round_global_size(plan, plan->edge_items, &plan->edge_global_size);
    return status;
}

/* The smallest work-group the plan's kernel can run: stepped lanes (pool_kernels.h) need one
 * group of CLPOOL_STEPPED_LANE_WIDTH lanes, every other launch a single work-item. */
static size_t smallest_size(const clpool_plan *plan) {
    return plan->stepped_lanes ? CLPOOL_STEPPED_LANE_WIDTH : 1;
}

clpool_status clpool_plan_choose_launch(clpool_plan *plan, size_t requested) {
    const clpool_tuning_key key = plan_key(plan);
    clpool_tuning_key_text(&key, plan->tuning_key, sizeof plan->tuning_key);
    plan->ndrange = clEnqueueNDRangeKernel;
    size_t kernel_max = 1, multiple = 1;
    clpool_status status = kernel_limits(plan, &kernel_max, &multiple);
    if (status != CLPOOL_SUCCESS)
        return status;
    plan->preferred_multiple = multiple ? multiple : 1;
    if (requested > kernel_max)
        return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS,
                           "options->local_size = %zu exceeds %zu, the work-group limit of this "
                           "kernel on this device",
                           requested, kernel_max);
    const size_t smallest = smallest_size(plan);
    if (smallest > kernel_max)
        return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS,
                           "this plan's kernel needs work-groups of at least %zu work-items, "
                           "above its limit of %zu on this device",
                           smallest, kernel_max);
    const size_t tuned = requested ? 0 : clpool_tuning_state_lookup(&plan->ctx->tuning, &key);
    plan->local_size_fixed = requested != 0;
    plan->local_size_tuned = tuned != 0;
    if (requested)
        plan->local_size = requested;
    else if (tuned)
        plan->local_size = fit(tuned, kernel_max, multiple);
    else
        plan->local_size = fit(default_size(plan), kernel_max, multiple);
    if (plan->local_size < smallest)
        plan->local_size = smallest; /* documented at options->local_size */
    return choose_global_sizes(plan);
}

static int refused_size(cl_int err) {
    return err == CL_OUT_OF_RESOURCES || err == CL_INVALID_WORK_GROUP_SIZE ||
           err == CL_INVALID_WORK_ITEM_SIZE;
}

/* A smaller local size and the global sizes that go with it, which cannot overflow where the
 * larger size's did not. */
static void set_local_size(clpool_plan *plan, size_t local) {
    plan->local_size = local;
    choose_global_sizes(plan);
}

cl_int clpool_launch_locked(clpool_plan *plan, cl_command_queue queue, int which, cl_uint count,
                            const cl_event *events, cl_event *event) {
    const size_t chosen = plan->local_size;
    const int edge = which == CLPOOL_LAUNCH_EDGE, second = which == CLPOOL_LAUNCH_SECOND;
    cl_kernel kernel = edge ? plan->edge_kernel : second ? plan->second_kernel : plan->kernel;
    for (;;) {
        const int two_d = edge ? 0 : second ? plan->compacted : plan->lanes;
        const size_t *global =
            edge ? &plan->edge_global_size
                 : (second ? (two_d ? plan->second_lane_global : &plan->second_global_size)
                           : (two_d ? plan->lane_global : &plan->global_size));
        const size_t *local = !two_d   ? &plan->local_size
                              : second ? plan->second_lane_local
                                       : plan->lane_local;
        const cl_int err =
            plan->ndrange(queue, kernel, two_d ? 2 : 1, NULL, global, local, count, events, event);
        if (err == CL_SUCCESS)
            return err;
        const size_t smallest = smallest_size(plan);
        if (!refused_size(err) || plan->local_size_fixed || plan->local_size <= smallest) {
            /* Nothing smaller worked either: the size was not the problem, so keep it. */
            if (plan->local_size != chosen)
                set_local_size(plan, chosen);
            return err;
        }
        set_local_size(plan, plan->local_size / 2 > smallest ? plan->local_size / 2 : smallest);
        ++plan->local_size_retries;
    }
}

clpool_status clpool_launch_failure(const clpool_plan *plan, cl_int err, const char *call,
                                    const char *what) {
    char detail[512];
    if (!refused_size(err))
        return clpool_fail_cl(err, call, what);
    if (plan->local_size_fixed)
        snprintf(detail, sizeof detail,
                 "%s, with the caller's options->local_size = %zu: give a smaller size, or 0 to "
                 "let clpool choose (it then retries smaller work-groups on this error)",
                 what, plan->local_size);
    else
        snprintf(detail, sizeof detail,
                 "%s: work-groups of %zu work-items and every smaller size down to %zu were "
                 "refused",
                 what, plan->local_size, smallest_size(plan));
    return clpool_fail_cl(err, call, detail);
}
