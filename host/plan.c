/*
 * Plan life cycle: validate once, build (or fetch from the context's cache) the kernel, set the
 * arguments that never change, and choose the launch size (local_size.c), so that an enqueue is
 * only argument binding and one clEnqueueNDRangeKernel.
 */
#include "plan.h"
#include "error.h"
#include "local_size.h"
#include "pool_kernels.h"

#include <stdlib.h>

void clpool_plan_options_init(clpool_plan_options *options) {
    if (!options)
        return;
    options->specialisation = CLPOOL_SPECIALISE_AUTO;
    options->local_size = 0;
    options->indices = CLPOOL_INDEX_NONE;
}

static clpool_status validate_options(const clpool_plan_options *options) {
    if (options->specialisation != CLPOOL_SPECIALISE_AUTO &&
        options->specialisation != CLPOOL_SPECIALISE_NONE &&
        options->specialisation != CLPOOL_SPECIALISE_WINDOW)
        return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS,
                           "options->specialisation = %d is not a clpool_specialisation",
                           (int)options->specialisation);
    if (options->indices != CLPOOL_INDEX_NONE && options->indices != CLPOOL_INDEX_INT64 &&
        options->indices != CLPOOL_INDEX_INT32)
        return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS,
                           "options->indices = %d is not a clpool_index_type",
                           (int)options->indices);
    return CLPOOL_SUCCESS;
}

/* Indices are written by a max forward pass and read by a max-from-indices backward pass; int32
 * ones must reach every tap of the input plane. Other plans take none. */
static clpool_status resolve_indices(clpool_plan *plan, clpool_index_type indices) {
    const clpool_geometry *g = &plan->geometry;
    const int64_t plane = g->in[0] * g->in[1] * g->in[2];
    if ((plan->kind == CLPOOL_KERNEL_BACKWARD_MAX_INDICES || plan->kind == CLPOOL_KERNEL_UNPOOL) &&
        indices == CLPOOL_INDEX_NONE)
        indices = CLPOOL_INDEX_INT64; /* PyTorch's type is the default */
    if (indices != CLPOOL_INDEX_NONE && g->mode != CLPOOL_MODE_MAX)
        return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS,
                           "options->indices = %d: indices exist for max pooling only",
                           (int)indices);
    if (indices != CLPOOL_INDEX_NONE && plan->kind == CLPOOL_KERNEL_BACKWARD_MAX_INPUT)
        return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS,
                           "options->indices = %d: the max-from-input backward pass reads no "
                           "indices",
                           (int)indices);
    if (indices == CLPOOL_INDEX_INT32 && plane > INT32_MAX)
        return clpool_fail(CLPOOL_ERROR_INDEX_TYPE_TOO_SMALL,
                           "options->indices = CLPOOL_INDEX_INT32, but the input plane has %lld "
                           "elements, more than int32 indices can address (%d): use "
                           "CLPOOL_INDEX_INT64",
                           (long long)plane, INT32_MAX);
    plan->indices = indices;
    plan->index_size = indices == CLPOOL_INDEX_INT32 ? 4 : (indices == CLPOOL_INDEX_INT64 ? 8 : 0);
    if (plan->index_size && (uint64_t)g->output_elements > SIZE_MAX / plan->index_size)
        return clpool_fail(CLPOOL_ERROR_SIZE_OVERFLOW, "the indices' byte count overflows size_t");
    plan->indices_bytes = (size_t)g->output_elements * plan->index_size;
    return CLPOOL_SUCCESS;
}

/* Creates kernel name from program with every buffer argument NULL (operands a plan does not
 * use stay so) and the fixed arguments for work_items work-items. */
static clpool_status make_kernel(clpool_plan *plan, cl_program program, const char *name,
                                 uint64_t work_items, cl_kernel *out) {
    cl_int err = CL_SUCCESS;
    cl_kernel kernel = clCreateKernel(program, name, &err);
    if (err != CL_SUCCESS)
        return clpool_fail_cl(err, "clCreateKernel", name);
    *out = kernel;
    const cl_mem none = NULL;
    const cl_ulong zero = 0;
    for (cl_uint arg = 0; err == CL_SUCCESS && arg < CLPOOL_KERNEL_ARG_FIXED; arg += 2) {
        err = clSetKernelArg(kernel, arg, sizeof none, &none);
        if (err == CL_SUCCESS)
            err = clSetKernelArg(kernel, arg + 1, sizeof zero, &zero);
    }
    if (err != CL_SUCCESS)
        return clpool_fail_cl(err, "clSetKernelArg", "buffer arguments");
    return clpool_kernel_set_fixed_args(kernel, work_items, &plan->kernel_geometry);
}

static clpool_status build_kernel(clpool_plan *plan, int specialise) {
    plan->kernel_geometry = plan->geometry;
    plan->kernel_kind = plan->kind;
    if (clpool_kernel_mirrored_backward(&plan->geometry, &plan->ctx->facts, specialise, plan->kind,
                                        &plan->kernel_geometry))
        plan->kernel_kind = CLPOOL_KERNEL_FORWARD;
    const char *source = plan->kernel_kind == CLPOOL_KERNEL_FORWARD
                             ? CLPOOL_FORWARD_SOURCE
                             : (plan->kernel_kind == CLPOOL_KERNEL_UNPOOL ? CLPOOL_UNPOOL_SOURCE
                                                                          : CLPOOL_BACKWARD_SOURCE);
    const char *name = plan->kernel_kind == CLPOOL_KERNEL_FORWARD
                           ? CLPOOL_FORWARD_KERNEL
                           : (plan->kernel_kind == CLPOOL_KERNEL_UNPOOL ? CLPOOL_UNPOOL_ELECT
                                                                        : CLPOOL_BACKWARD_KERNEL);
    clpool_status status =
        clpool_kernel_build_options(&plan->kernel_geometry, &plan->ctx->facts, specialise,
                                    plan->kernel_kind, plan->indices, &plan->build_options);
    cl_program program = NULL;
    if (status == CLPOOL_SUCCESS)
        status = clpool_program_cache_get(&plan->ctx->cache, plan->ctx->context, plan->ctx->device,
                                          source, plan->build_options, &program);
    if (status != CLPOOL_SUCCESS)
        return status;
    /* A scattered max backward plan's main kernel is the scatter, one work-item per output. */
    plan->scattered = clpool_kernel_scattered_backward(
        &plan->kernel_geometry, &plan->ctx->facts, specialise, plan->kernel_kind, plan->indices);
    if (plan->scattered) {
        name = CLPOOL_BACKWARD_SCATTER_KERNEL;
        plan->work_items = (uint64_t)plan->kernel_geometry.output_elements;
    }
    /* A two-dimensional launch counts its rows: work-items along dimension 1. */
    plan->lanes = plan->scattered ? 0
                                  : clpool_kernel_lanes(&plan->kernel_geometry, &plan->ctx->facts,
                                                        specialise, plan->kernel_kind);
    if (plan->lanes)
        clpool_kernel_lane_shape(&plan->kernel_geometry, &plan->ctx->facts, plan->kernel_kind,
                                 plan->indices, plan->lanes, &plan->lane_count, &plan->lane_rows);
    plan->stepped_lanes = clpool_kernel_stepped_lanes(&plan->kernel_geometry, &plan->ctx->facts,
                                                      specialise, plan->kernel_kind, plan->indices);
    status = make_kernel(plan, program, name, plan->lanes ? plan->lane_rows : plan->work_items,
                         &plan->kernel);
    if (status == CLPOOL_SUCCESS && plan->kernel_kind == CLPOOL_KERNEL_UNPOOL)
        status = make_kernel(plan, program, CLPOOL_UNPOOL_GATHER, plan->second_items,
                             &plan->second_kernel);
    clpool_geometry blocks;
    if (status == CLPOOL_SUCCESS && plan->work_items > 0 &&
        clpool_kernel_partials(&plan->kernel_geometry, &plan->ctx->facts, specialise,
                               plan->kernel_kind, &blocks)) {
        /* One work-item per (n, c) sums (or merges) the block results of its plane. */
        plan->second_items = (uint64_t)(plan->kernel_geometry.n * plan->kernel_geometry.c);
        plan->scratch_bytes = blocks.output_bytes;
        plan->scratch_index_size =
            clpool_partials_index_size(&plan->kernel_geometry, plan->indices);
        if (plan->scratch_index_size) {
            plan->scratch_index_offset = (blocks.output_bytes + 7) / 8 * 8;
            plan->scratch_bytes = plan->scratch_index_offset +
                                  (size_t)blocks.output_elements * plan->scratch_index_size;
        }
        status = make_kernel(plan, program, CLPOOL_FORWARD_PARTIALS_KERNEL, plan->second_items,
                             &plan->second_kernel);
    }
    const int64_t compacted = clpool_kernel_compacted_lanes(
        &plan->kernel_geometry, &plan->ctx->facts, specialise, plan->kernel_kind, plan->indices);
    if (status == CLPOOL_SUCCESS && plan->work_items > 0 && compacted) {
        /* The lanes store every lane into the scratch buffer, values then int argmaxes; one
         * work-item per output copies the live ones out. compacted_lanes keeps the slots below
         * 2^31 and their 8 bytes each within size_t (a 32-bit host's too). */
        const size_t slots = (size_t)plan->lane_rows * (size_t)compacted;
        plan->compacted = 1;
        plan->second_items = plan->lane_rows;
        plan->scratch_index_size = sizeof(cl_int);
        plan->scratch_index_offset = (slots * plan->kernel_geometry.element_size + 7) / 8 * 8;
        plan->scratch_bytes = plan->scratch_index_offset + slots * sizeof(cl_int);
        status = make_kernel(plan, program, CLPOOL_FORWARD_COMPACT_KERNEL, plan->second_items,
                             &plan->second_kernel);
    }
    int64_t edge_first = 0, edge_last = 0;
    if (status == CLPOOL_SUCCESS && plan->work_items > 0 &&
        clpool_kernel_edge_rows(&plan->kernel_geometry, &plan->ctx->facts, specialise,
                                plan->kernel_kind, plan->indices, &edge_first, &edge_last) &&
        edge_first + edge_last > 0) {
        /* The edge rows' outputs, one work-item each, in the second pass; its total argument is
         * every output row, from which it finds the last ones. Without edge rows (no read can
         * leave the input) there is no second pass: OpenCL 1.2 refuses an empty launch. */
        const uint64_t edge_rows = (uint64_t)(edge_first + edge_last);
        const uint64_t edge_items = edge_rows * (uint64_t)plan->kernel_geometry.out[2];
        if (plan->compacted) /* the second kernel is the copy; the edge rows come third */
            plan->edge_items = edge_items;
        else
            plan->second_items = edge_items;
        status = make_kernel(plan, program, CLPOOL_FORWARD_EDGE_KERNEL, plan->lane_rows + edge_rows,
                             plan->compacted ? &plan->edge_kernel : &plan->second_kernel);
    }
    if (status == CLPOOL_SUCCESS &&
        clpool_kernel_narrow_indices(&plan->kernel_geometry, &plan->ctx->facts, specialise,
                                     plan->kernel_kind, plan->indices)) {
        /* One work-item per index narrows it to int, before the gather (plan.h). The int64
         * indices' byte count fits size_t (resolve_indices), so half of it does. */
        plan->narrow_indices = 1;
        plan->second_items = (uint64_t)plan->kernel_geometry.output_elements;
        plan->scratch_bytes = (size_t)plan->kernel_geometry.output_elements * sizeof(cl_int);
        status = make_kernel(plan, program, CLPOOL_BACKWARD_NARROW_KERNEL, plan->second_items,
                             &plan->second_kernel);
    }
    if (status == CLPOOL_SUCCESS && plan->scattered) {
        /* The fill of grad_input, one work-item per element, before the scatter (plan.h); it
         * narrows int64 indices into the scratch buffer, one int per output, where windows
         * overlap. The int64 indices' byte count fits size_t (resolve_indices), so half of it
         * does. */
        plan->second_items = (uint64_t)plan->kernel_geometry.input_elements;
        if (clpool_kernel_scatter_narrows(&plan->kernel_geometry, &plan->ctx->facts, specialise,
                                          plan->kernel_kind, plan->indices)) {
            /* With its margins the buffer's size fits size_t (clpool_kernel_scatter_margin). */
            plan->scratch_margin =
                clpool_kernel_scatter_margin(&plan->kernel_geometry, &plan->ctx->facts, specialise,
                                             plan->kernel_kind, plan->indices);
            plan->scratch_bytes =
                ((size_t)plan->kernel_geometry.output_elements + 2 * (size_t)plan->scratch_margin) *
                sizeof(cl_int);
        }
        status = make_kernel(plan, program, CLPOOL_BACKWARD_ZERO_KERNEL, plan->second_items,
                             &plan->second_kernel);
    }
    clReleaseProgram(program); /* the kernels keep the program alive */
    return status;
}

/* Everything plan creation shares across kernel kinds, from a resolved geometry: the kernel(s),
 * the launch size. input and output are what the plan's queries report. */
static clpool_status create_plan(clpool_context *ctx, const clpool_geometry *geometry,
                                 const clpool_tensor_desc *input, const clpool_tensor_desc *output,
                                 const clpool_plan_options *options, clpool_kernel_kind kind,
                                 clpool_plan **out) {
    clpool_plan *plan = calloc(1, sizeof *plan);
    if (!plan)
        return clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "allocating a clpool_plan");
    if (pthread_mutex_init(&plan->enqueue_lock, NULL) != 0) {
        free(plan);
        return clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "pthread_mutex_init failed");
    }
    clpool_context_retain(ctx);
    plan->ctx = ctx;
    plan->kind = kind;
    plan->geometry = *geometry;
    /* One work-item per output (forward, unpooling's elect pass: per value), per grad_input
     * element (backward), and per unpooled element in unpooling's gather pass. */
    plan->work_items = (uint64_t)(kind == CLPOOL_KERNEL_FORWARD || kind == CLPOOL_KERNEL_UNPOOL
                                      ? geometry->output_elements
                                      : geometry->input_elements);
    plan->second_items = kind == CLPOOL_KERNEL_UNPOOL ? (uint64_t)geometry->input_elements : 0;
    plan->input = *input;
    plan->output = *output;
    clpool_status status = resolve_indices(plan, options->indices);
    if (status == CLPOOL_SUCCESS)
        status = build_kernel(plan, options->specialisation != CLPOOL_SPECIALISE_NONE);
    if (status == CLPOOL_SUCCESS)
        status = clpool_plan_choose_launch(plan, options->local_size);
    if (status != CLPOOL_SUCCESS) {
        clpool_plan_release(plan);
        return status;
    }
    *out = plan;
    return CLPOOL_SUCCESS;
}

/* Validates options and the pooling, then creates a plan of kind for it. */
static clpool_status create_pooling_plan(clpool_context *ctx, const clpool_pool_desc *pool,
                                         const clpool_tensor_desc *input,
                                         const clpool_plan_options *options,
                                         clpool_kernel_kind kind, clpool_plan **out) {
    clpool_plan_options defaults;
    clpool_plan_options_init(&defaults);
    if (!options)
        options = &defaults;
    clpool_geometry geometry;
    clpool_tensor_desc output;
    clpool_status status = validate_options(options);
    if (status == CLPOOL_SUCCESS)
        status = clpool_geometry_resolve(pool, input, &geometry);
    if (status != CLPOOL_SUCCESS)
        return status;
    clpool_geometry_output_desc(&geometry, input, &output);
    return create_plan(ctx, &geometry, input, &output, options, kind, out);
}

clpool_status clpool_plan_create(clpool_context *ctx, const clpool_pool_desc *pool,
                                 const clpool_tensor_desc *input,
                                 const clpool_plan_options *options, clpool_plan **out) {
    if (!out)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "out (the clpool_plan **) is NULL");
    *out = NULL;
    if (!ctx)
        return clpool_fail(CLPOOL_ERROR_INVALID_CONTEXT, "ctx (the clpool_context) is NULL");
    return create_pooling_plan(ctx, pool, input, options, CLPOOL_KERNEL_FORWARD, out);
}

clpool_status clpool_backward_plan_create(clpool_context *ctx, const clpool_pool_desc *pool,
                                          const clpool_tensor_desc *input,
                                          clpool_backward_kind kind,
                                          const clpool_plan_options *options, clpool_plan **out) {
    if (!out)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "out (the clpool_plan **) is NULL");
    *out = NULL;
    if (!ctx)
        return clpool_fail(CLPOOL_ERROR_INVALID_CONTEXT, "ctx (the clpool_context) is NULL");
    if (kind != CLPOOL_BACKWARD_MAX_FROM_INDICES && kind != CLPOOL_BACKWARD_MAX_FROM_INPUT &&
        kind != CLPOOL_BACKWARD_AVG)
        return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS, "kind = %d is not a clpool_backward_kind",
                           (int)kind);
    if (pool && (pool->mode == CLPOOL_MODE_AVG) != (kind == CLPOOL_BACKWARD_AVG))
        return clpool_fail(CLPOOL_ERROR_INVALID_MODE,
                           "kind = %d is a %s backward pass, but pool->mode = %d is %s pooling",
                           (int)kind, kind == CLPOOL_BACKWARD_AVG ? "average" : "max",
                           (int)pool->mode,
                           pool->mode == CLPOOL_MODE_AVG ? "average" : "not average");
    const clpool_kernel_kind kernel =
        kind == CLPOOL_BACKWARD_MAX_FROM_INDICES
            ? CLPOOL_KERNEL_BACKWARD_MAX_INDICES
            : (kind == CLPOOL_BACKWARD_MAX_FROM_INPUT ? CLPOOL_KERNEL_BACKWARD_MAX_INPUT
                                                      : CLPOOL_KERNEL_BACKWARD_AVG);
    return create_pooling_plan(ctx, pool, input, options, kernel, out);
}

clpool_status clpool_unpool_plan_create(clpool_context *ctx, const clpool_tensor_desc *values,
                                        const int64_t *output_spatial,
                                        const clpool_plan_options *options, clpool_plan **out) {
    if (!out)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "out (the clpool_plan **) is NULL");
    *out = NULL;
    if (!ctx)
        return clpool_fail(CLPOOL_ERROR_INVALID_CONTEXT, "ctx (the clpool_context) is NULL");
    clpool_plan_options defaults;
    clpool_plan_options_init(&defaults);
    if (!options)
        options = &defaults;
    clpool_geometry geometry;
    clpool_status status = validate_options(options);
    if (status == CLPOOL_SUCCESS)
        status = clpool_geometry_unpool(values, output_spatial, &geometry);
    if (status != CLPOOL_SUCCESS)
        return status;
    clpool_tensor_desc output = *values;
    for (int i = 0; i < CLPOOL_MAX_SPATIAL_RANK; ++i)
        output.spatial[i] = i < values->spatial_rank ? output_spatial[i] : 0;
    return create_plan(ctx, &geometry, values, &output, options, CLPOOL_KERNEL_UNPOOL, out);
}

void clpool_plan_release(clpool_plan *plan) {
    if (!plan)
        return;
    if (plan->kernel)
        clReleaseKernel(plan->kernel);
    if (plan->second_kernel)
        clReleaseKernel(plan->second_kernel);
    if (plan->edge_kernel)
        clReleaseKernel(plan->edge_kernel);
    if (plan->scratch)
        clReleaseMemObject(plan->scratch);
    free(plan->build_options);
    pthread_mutex_destroy(&plan->enqueue_lock);
    clpool_context_release(plan->ctx);
    free(plan);
}

clpool_status clpool_plan_input_desc(const clpool_plan *plan, clpool_tensor_desc *desc) {
    if (!plan)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN, "plan is NULL");
    if (!desc)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "desc is NULL");
    *desc = plan->input;
    return CLPOOL_SUCCESS;
}

clpool_status clpool_plan_output_desc(const clpool_plan *plan, clpool_tensor_desc *desc) {
    if (!plan)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN, "plan is NULL");
    if (!desc)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "desc is NULL");
    *desc = plan->output;
    return CLPOOL_SUCCESS;
}

clpool_status clpool_plan_bytes(const clpool_plan *plan, size_t *input_bytes,
                                size_t *output_bytes) {
    if (!plan)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN, "plan is NULL");
    /* An unpooling plan's geometry has the unpooled output on its input side. */
    const int unpool = plan->kind == CLPOOL_KERNEL_UNPOOL;
    if (input_bytes)
        *input_bytes = unpool ? plan->geometry.output_bytes : plan->geometry.input_bytes;
    if (output_bytes)
        *output_bytes = unpool ? plan->geometry.input_bytes : plan->geometry.output_bytes;
    return CLPOOL_SUCCESS;
}

clpool_status clpool_plan_indices_bytes(const clpool_plan *plan, size_t *indices_bytes,
                                        clpool_index_type *type) {
    if (!plan)
        return clpool_fail(CLPOOL_ERROR_INVALID_PLAN, "plan is NULL");
    if (indices_bytes)
        *indices_bytes = plan->indices_bytes;
    if (type)
        *type = plan->indices;
    return CLPOOL_SUCCESS;
}

const char *clpool_plan_build_options(const clpool_plan *plan) {
    return plan ? plan->build_options : "";
}

unsigned clpool_plan_kernel_count(const clpool_plan *plan) {
    return !plan ? 0u : 1u + (plan->second_kernel != NULL) + (plan->edge_kernel != NULL);
}

size_t clpool_plan_local_size(const clpool_plan *plan) {
    if (!plan)
        return 0;
    clpool_plan *locked = (clpool_plan *)plan; /* an enqueue may be shrinking it */
    pthread_mutex_lock(&locked->enqueue_lock);
    const size_t size = plan->local_size;
    pthread_mutex_unlock(&locked->enqueue_lock);
    return size;
}

const char *clpool_plan_tuning_key(const clpool_plan *plan) {
    return plan ? plan->tuning_key : "";
}
