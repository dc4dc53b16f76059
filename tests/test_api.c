/*
 * The public API's promises on a real device: every invalid argument to context, plan and enqueue
 * calls returns its own status with a message naming it and writes nothing; enqueue never blocks,
 * honours wait lists and returns events; N = 0 launches nothing; plans chain on one queue and one
 * plan serves two threads at once; the library retains and releases only its own references; the
 * default device follows CLPOOL_DEVICE. Only the public API is used here; white-box tests live in
 * test_internal.c.
 */
#include "suite_main.h"
#include "cases.h"
#include "expect.h"
#include "compare.h"
#include "reference.h"
#include "test_device.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- Helpers ----------------------------------------------------------------------------------
 */

/* A 1x3x8x8 channels-first input and a 3x3 stride-2 padding-1 pool (output 1x3x4x4). */
enum { IN_COUNT = 3 * 8 * 8, OUT_COUNT = 3 * 4 * 4 };

static void standard_problem(clpool_mode mode, clpool_pool_desc *pool, clpool_tensor_desc *input) {
    clpool_pool_desc_init_2d(pool, mode, 3, 3);
    pool->stride[0] = pool->stride[1] = 2;
    pool->pad_begin[0] = pool->pad_begin[1] = pool->pad_end[0] = pool->pad_end[1] = 1;
    clpool_tensor_desc_init_2d(input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 3, 8, 8);
}

static clpool_plan *standard_plan(clpool_mode mode) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    standard_problem(mode, &pool, &input);
    clpool_plan *plan = NULL;
    ck_assert_msg(clpool_plan_create(dev.ctx, &pool, &input, NULL, &plan) == CLPOOL_SUCCESS, "%s",
                  clpool_last_error());
    return plan;
}

static cl_mem make_buffer(cl_context context, cl_mem_flags flags, size_t bytes, const void *data) {
    cl_int err = CL_SUCCESS;
    cl_mem buffer = clCreateBuffer(context, flags | (data ? CL_MEM_COPY_HOST_PTR : 0), bytes,
                                   (void *)data, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    return buffer;
}

static void read_floats(cl_mem buffer, size_t offset_floats, float *out, size_t count) {
    ck_assert_int_eq(clEnqueueReadBuffer(dev.queue, buffer, CL_TRUE, offset_floats * sizeof(float),
                                         count * sizeof(float), out, 0, NULL, NULL),
                     CL_SUCCESS);
}

static void standard_input(float *x) {
    fill_input(FILL_RANDOM, 7, x, IN_COUNT);
}

static void expect_standard_output(clpool_mode mode, const float *x, const float *y) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    standard_problem(mode, &pool, &input);
    float want[OUT_COUNT];
    ck_assert_int_eq(ref_pool_forward(&pool, &input, x, want, NULL), 0);
    for (int i = 0; i < OUT_COUNT; ++i)
        expect_each(mode == CLPOOL_MODE_MAX ? float_bits(y[i]) == float_bits(want[i])
                                            : y[i] - want[i] < 1e-5f && want[i] - y[i] < 1e-5f,
                    "output %d: got %g, want %g", i, y[i], want[i]);
}

static void expect_failure(clpool_status got, clpool_status want, const char *fragment) {
    ck_assert_msg(got == want, "status %s (%s), want %s", clpool_status_name(got),
                  clpool_last_error(), clpool_status_name(want));
    ck_assert_msg(strstr(clpool_last_error(), fragment) != NULL,
                  "message '%s' does not mention '%s'", clpool_last_error(), fragment);
}

/* ---- Context ----------------------------------------------------------------------------------
 */

/* A device that is not one of the context's is refused: a sub-device where the device can be
 * partitioned (PoCL can; NVIDIA's driver cannot, and answers CL_INVALID_VALUE), else a device of
 * another platform or of the same one, else, with one unpartitionable device in the machine,
 * nothing to try (reported, and CI's PoCL always runs the check). */
static cl_device_id other_device(void) {
    cl_platform_id platforms[16];
    cl_uint platform_count = 0;
    ck_assert_int_eq(clGetPlatformIDs(16, platforms, &platform_count), CL_SUCCESS);
    for (cl_uint p = 0; p < platform_count && p < 16; ++p) {
        cl_device_id devices[16];
        cl_uint count = 0;
        if (clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 16, devices, &count) != CL_SUCCESS)
            continue;
        for (cl_uint d = 0; d < count && d < 16; ++d)
            if (devices[d] != dev.device)
                return devices[d];
    }
    return NULL;
}

static void expect_foreign_device_refused(void) {
    clpool_context *ctx = NULL;
    cl_uint most = 0;
    ck_assert_int_eq(
        clGetDeviceInfo(dev.device, CL_DEVICE_PARTITION_MAX_SUB_DEVICES, sizeof most, &most, NULL),
        CL_SUCCESS);
    cl_device_partition_property props[] = {CL_DEVICE_PARTITION_EQUALLY, 1, 0};
    cl_device_id subs[64];
    cl_uint made = 0;
    if (most > 1 && clCreateSubDevices(dev.device, props, 0, NULL, &made) == CL_SUCCESS) {
        ck_assert_uint_le(made, 64);
        ck_assert_int_eq(clCreateSubDevices(dev.device, props, made, subs, NULL), CL_SUCCESS);
        expect_failure(clpool_context_create(dev.context, subs[0], &ctx),
                       CLPOOL_ERROR_INVALID_DEVICE, "not a device of context");
        for (cl_uint i = 0; i < made; ++i)
            clReleaseDevice(subs[i]);
        return;
    }
    cl_device_id other = other_device();
    if (other == NULL) {
        fprintf(stderr, "test_api: one device, which cannot be partitioned: the foreign-device "
                        "check has no device to try\n");
        return;
    }
    expect_failure(clpool_context_create(dev.context, other, &ctx), CLPOOL_ERROR_INVALID_DEVICE,
                   "not a device of context");
}

START_TEST(test_context_invalid_arguments) {
    clpool_context *ctx = (clpool_context *)&dev; /* must be reset to NULL on failure */
    expect_failure(clpool_context_create(NULL, dev.device, &ctx), CLPOOL_ERROR_INVALID_CONTEXT,
                   "context");
    ck_assert_ptr_null(ctx);
    expect_failure(clpool_context_create(dev.context, NULL, &ctx), CLPOOL_ERROR_INVALID_DEVICE,
                   "device");
    expect_failure(clpool_context_create(dev.context, dev.device, NULL), CLPOOL_ERROR_NULL_POINTER,
                   "out");
    expect_failure(clpool_context_create_default(NULL), CLPOOL_ERROR_NULL_POINTER, "out");

    expect_foreign_device_refused();

    cl_command_queue queue = NULL;
    expect_failure(clpool_context_create_queue(NULL, 0, &queue), CLPOOL_ERROR_INVALID_CONTEXT,
                   "ctx");
    expect_failure(clpool_context_create_queue(dev.ctx, 0, NULL), CLPOOL_ERROR_NULL_POINTER,
                   "queue");
    expect_failure(clpool_context_create_queue(dev.ctx, 2, &queue), CLPOOL_ERROR_INVALID_FLAG,
                   "enable_profiling = 2");
    char text[8];
    expect_failure(clpool_context_describe(NULL, text, sizeof text), CLPOOL_ERROR_INVALID_CONTEXT,
                   "ctx");
    expect_failure(clpool_context_describe(dev.ctx, NULL, 8), CLPOOL_ERROR_NULL_POINTER, "buf");
    expect_failure(clpool_context_describe(dev.ctx, text, 0), CLPOOL_ERROR_NULL_POINTER, "size");
    ck_assert_int_eq(clpool_context_describe(dev.ctx, text, sizeof text), CLPOOL_SUCCESS);
    ck_assert_uint_eq(strlen(text), sizeof text - 1); /* truncated, terminated */
    ck_assert_ptr_null(clpool_context_cl_context(NULL));
    ck_assert_ptr_null(clpool_context_cl_device(NULL));
    clpool_context_release(NULL);
}
END_TEST

/* The context's reference count once the runtime has let go of finished commands: PoCL's worker
 * threads release their internal references a moment after a blocking read returns. A retain
 * that clpool leaked would keep the count up for good; waiting up to two seconds tells the two
 * apart. */
static cl_uint settled_references(cl_context context, cl_uint expected);

static cl_uint context_references(cl_context context) {
    cl_uint count = 0;
    ck_assert_int_eq(
        clGetContextInfo(context, CL_CONTEXT_REFERENCE_COUNT, sizeof count, &count, NULL),
        CL_SUCCESS);
    return count;
}

static cl_uint settled_references(cl_context context, cl_uint expected) {
    cl_uint count = context_references(context);
    for (int waited = 0; count != expected && waited < 200; ++waited) {
        usleep(10 * 1000);
        count = context_references(context);
    }
    return count;
}

/* The library retains the caller's context while in use, releases exactly that, and a plan keeps
 * working after its clpool_context is released. */
START_TEST(test_caller_context_ownership) {
    cl_int err = CL_SUCCESS;
    cl_context mine = clCreateContext(NULL, 1, &dev.device, NULL, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    const cl_uint before = context_references(mine);
    clpool_context *ctx = NULL;
    ck_assert_int_eq(clpool_context_create(mine, dev.device, &ctx), CLPOOL_SUCCESS);
    ck_assert_uint_gt(context_references(mine), before);
    ck_assert_ptr_eq(clpool_context_cl_context(ctx), mine);

    clpool_pool_desc pool;
    clpool_tensor_desc input;
    standard_problem(CLPOOL_MODE_MAX, &pool, &input);
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_plan_create(ctx, &pool, &input, NULL, &plan), CLPOOL_SUCCESS);
    clpool_context_release(ctx); /* the plan still holds it */
    ck_assert_uint_gt(context_references(mine), before);

    float x[IN_COUNT], y[OUT_COUNT];
    standard_input(x);
    cl_command_queue queue = clCreateCommandQueue(mine, dev.device, 0, &err);
    cl_mem in = make_buffer(mine, CL_MEM_READ_ONLY, sizeof x, x);
    cl_mem out = make_buffer(mine, CL_MEM_WRITE_ONLY, sizeof y, NULL);
    ck_assert_int_eq(clpool_plan_enqueue(plan, queue, in, 0, out, 0, 0, NULL, NULL),
                     CLPOOL_SUCCESS);
    ck_assert_int_eq(clEnqueueReadBuffer(queue, out, CL_TRUE, 0, sizeof y, y, 0, NULL, NULL),
                     CL_SUCCESS);
    expect_standard_output(CLPOOL_MODE_MAX, x, y);
    clpool_plan_release(plan);
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    clReleaseCommandQueue(queue);
    ck_assert_uint_eq(settled_references(mine, before), before);
    clReleaseContext(mine);
}
END_TEST

/* Runs clpool_context_create_default with CLPOOL_DEVICE set to spec (NULL: unset). */
static clpool_status default_with(const char *spec, cl_device_id *device) {
    const char *saved = getenv("CLPOOL_DEVICE");
    char *copy = saved ? strcpy(malloc(strlen(saved) + 1), saved) : NULL;
    if (spec)
        setenv("CLPOOL_DEVICE", spec, 1);
    else
        unsetenv("CLPOOL_DEVICE");
    clpool_context *ctx = NULL;
    clpool_status status = clpool_context_create_default(&ctx);
    *device = clpool_context_cl_device(ctx);
    clpool_context_release(ctx);
    if (copy)
        setenv("CLPOOL_DEVICE", copy, 1);
    else
        unsetenv("CLPOOL_DEVICE");
    free(copy);
    return status;
}

START_TEST(test_default_device_selection) {
    cl_device_id chosen = NULL;
    char name[256] = "";
    ck_assert_int_eq(default_with(NULL, &chosen), CLPOOL_SUCCESS);
    ck_assert_ptr_nonnull(chosen);
    ck_assert_int_eq(default_with("0:0", &chosen), CLPOOL_SUCCESS);
    ck_assert_int_eq(clGetDeviceInfo(dev.device, CL_DEVICE_NAME, sizeof name - 1, name, NULL),
                     CL_SUCCESS);
    /* A middle piece of the current device's name, in the opposite case. */
    char piece[5] = "";
    const size_t length = strlen(name);
    ck_assert_uint_ge(length, 4);
    for (int i = 0; i < 4; ++i) {
        const char ch = name[length / 2 - 2 + (size_t)i];
        piece[i] =
            (char)(ch >= 'a' && ch <= 'z' ? ch - 32 : (ch >= 'A' && ch <= 'Z' ? ch + 32 : ch));
    }
    ck_assert_int_eq(default_with(piece, &chosen), CLPOOL_SUCCESS);
    ck_assert_ptr_nonnull(chosen);
    expect_failure(default_with("9:9", &chosen), CLPOOL_ERROR_DEVICE_NOT_FOUND, "9:9");
    expect_failure(default_with("no-such-device-xyz", &chosen), CLPOOL_ERROR_DEVICE_NOT_FOUND,
                   "no-such-device-xyz");
}
END_TEST

/* clpool_context_create_on takes the spec as an argument and ignores CLPOOL_DEVICE. */
START_TEST(test_context_create_on) {
    setenv("CLPOOL_DEVICE", "no-such-device-xyz", 1);
    const char *const good[] = {NULL, "", "0:0"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; ++i) {
        clpool_context *ctx = NULL;
        ck_assert_msg(clpool_context_create_on(good[i], &ctx) == CLPOOL_SUCCESS, "spec %zu: %s", i,
                      clpool_last_error());
        ck_assert_ptr_nonnull(clpool_context_cl_device(ctx));
        clpool_context_release(ctx);
    }
    unsetenv("CLPOOL_DEVICE");
    clpool_context *ctx = (clpool_context *)&dev;
    expect_failure(clpool_context_create_on("3:0", &ctx), CLPOOL_ERROR_DEVICE_NOT_FOUND, "3:0");
    ck_assert_ptr_null(ctx);
    expect_failure(clpool_context_create_on("0:99", &ctx), CLPOOL_ERROR_DEVICE_NOT_FOUND, "0:99");
    expect_failure(clpool_context_create_on("0:0", NULL), CLPOOL_ERROR_NULL_POINTER, "out");
}
END_TEST

/* ---- Plans ------------------------------------------------------------------------------------
 */

START_TEST(test_plan_invalid_arguments) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    standard_problem(CLPOOL_MODE_AVG, &pool, &input);
    clpool_plan *plan = (clpool_plan *)&dev; /* must be reset to NULL on failure */
    expect_failure(clpool_plan_create(NULL, &pool, &input, NULL, &plan),
                   CLPOOL_ERROR_INVALID_CONTEXT, "ctx");
    ck_assert_ptr_null(plan);
    expect_failure(clpool_plan_create(dev.ctx, &pool, &input, NULL, NULL),
                   CLPOOL_ERROR_NULL_POINTER, "out");
    expect_failure(clpool_plan_create(dev.ctx, NULL, &input, NULL, &plan),
                   CLPOOL_ERROR_NULL_POINTER, "pool");
    expect_failure(clpool_plan_create(dev.ctx, &pool, NULL, NULL, &plan), CLPOOL_ERROR_NULL_POINTER,
                   "input");
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.specialisation = (clpool_specialisation)7;
    expect_failure(clpool_plan_create(dev.ctx, &pool, &input, &options, &plan),
                   CLPOOL_ERROR_INVALID_OPTIONS, "specialisation = 7");
    clpool_plan_options_init(&options);
    options.local_size = (size_t)1 << 40;
    expect_failure(clpool_plan_create(dev.ctx, &pool, &input, &options, &plan),
                   CLPOOL_ERROR_INVALID_OPTIONS, "local_size");
    pool.stride[1] = -2;
    expect_failure(clpool_plan_create(dev.ctx, &pool, &input, NULL, &plan),
                   CLPOOL_ERROR_INVALID_STRIDE, "stride[1]");
    ck_assert_ptr_null(plan);

    clpool_tensor_desc desc;
    size_t bytes = 0;
    expect_failure(clpool_plan_input_desc(NULL, &desc), CLPOOL_ERROR_INVALID_PLAN, "plan");
    expect_failure(clpool_plan_output_desc(NULL, &desc), CLPOOL_ERROR_INVALID_PLAN, "plan");
    expect_failure(clpool_plan_bytes(NULL, &bytes, NULL), CLPOOL_ERROR_INVALID_PLAN, "plan");
    ck_assert_str_eq(clpool_plan_build_options(NULL), "");
    ck_assert_uint_eq(clpool_plan_local_size(NULL), 0);
    ck_assert_uint_eq(clpool_plan_kernel_count(NULL), 0);
    clpool_plan_release(NULL);
}
END_TEST

START_TEST(test_plan_queries) {
    clpool_pool_desc pool;
    clpool_tensor_desc input, desc;
    standard_problem(CLPOOL_MODE_MAX, &pool, &input);
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.specialisation = CLPOOL_SPECIALISE_NONE;
    clpool_plan *generic = NULL, *special = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, &options, &generic),
                     CLPOOL_SUCCESS);
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, NULL, &special), CLPOOL_SUCCESS);
    ck_assert_int_eq(clpool_plan_input_desc(special, &desc), CLPOOL_SUCCESS);
    ck_assert_int_eq(memcmp(&desc, &input, sizeof desc), 0);
    ck_assert_int_eq(clpool_plan_output_desc(special, &desc), CLPOOL_SUCCESS);
    ck_assert_int_eq(desc.spatial[0], 4);
    ck_assert_int_eq(desc.spatial[1], 4);
    expect_failure(clpool_plan_output_desc(special, NULL), CLPOOL_ERROR_NULL_POINTER, "desc");
    size_t in_bytes = 0, out_bytes = 0;
    ck_assert_int_eq(clpool_plan_bytes(special, &in_bytes, &out_bytes), CLPOOL_SUCCESS);
    ck_assert_uint_eq(in_bytes, IN_COUNT * sizeof(float));
    ck_assert_uint_eq(out_bytes, OUT_COUNT * sizeof(float));
    /* Generic kernels take sizes as arguments; specialised ones bake them in. */
    ck_assert_ptr_nonnull(strstr(clpool_plan_build_options(generic), "-DSPECIALISED=0"));
    ck_assert_ptr_null(strstr(clpool_plan_build_options(generic), "-DIN_H="));
    ck_assert_ptr_nonnull(strstr(clpool_plan_build_options(special), "-DIN_H=8"));
    ck_assert_ptr_null(strstr(clpool_plan_build_options(special), "-DSPECIALISED=0"));
    ck_assert_ptr_nonnull(strstr(clpool_plan_build_options(special), "-DIDX_T=int"));
    ck_assert_uint_gt(clpool_plan_local_size(special), 0);
    ck_assert_uint_eq(clpool_plan_kernel_count(generic), 1);
    ck_assert_uint_eq(clpool_plan_kernel_count(special), 1);
    clpool_plan_release(generic);
    clpool_plan_release(special);
}
END_TEST

/* An explicit, odd work-group size: the global size is rounded up and the surplus skipped. */
START_TEST(test_explicit_local_size) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    standard_problem(CLPOOL_MODE_AVG, &pool, &input);
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.local_size = 7;
    options.specialisation = CLPOOL_SPECIALISE_NONE;
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, &options, &plan), CLPOOL_SUCCESS);
    ck_assert_uint_eq(clpool_plan_local_size(plan), 7);
    float x[IN_COUNT], y[OUT_COUNT];
    standard_input(x);
    cl_mem in = make_buffer(dev.context, CL_MEM_READ_ONLY, sizeof x, x);
    cl_mem out = make_buffer(dev.context, CL_MEM_WRITE_ONLY, sizeof y, NULL);
    ck_assert_int_eq(clpool_plan_enqueue(plan, dev.queue, in, 0, out, 0, 0, NULL, NULL),
                     CLPOOL_SUCCESS);
    read_floats(out, 0, y, OUT_COUNT);
    expect_standard_output(CLPOOL_MODE_AVG, x, y);
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    clpool_plan_release(plan);
}
END_TEST

/* ---- Enqueue validation: every bad argument fails alone and nothing is written ----------------
 */

typedef struct enqueue_fixture {
    clpool_plan *plan;
    cl_mem in, out, out_read_only, in_write_only, small, shared, other_buffer;
    cl_context other_context;
    cl_command_queue other_queue;
} enqueue_fixture;

static const float sentinel = 12345.0f;

static void enqueue_fixture_init(enqueue_fixture *f) {
    float x[IN_COUNT], fill[IN_COUNT + OUT_COUNT];
    standard_input(x);
    for (size_t i = 0; i < IN_COUNT + OUT_COUNT; ++i)
        fill[i] = sentinel;
    f->plan = standard_plan(CLPOOL_MODE_MAX);
    f->in = make_buffer(dev.context, CL_MEM_READ_ONLY, sizeof x, x);
    f->out = make_buffer(dev.context, CL_MEM_READ_WRITE, (OUT_COUNT + 8) * sizeof(float), fill);
    f->out_read_only =
        make_buffer(dev.context, CL_MEM_READ_ONLY, (OUT_COUNT + 8) * sizeof(float), fill);
    f->shared = make_buffer(dev.context, CL_MEM_READ_WRITE, sizeof fill, fill);
    f->in_write_only = make_buffer(dev.context, CL_MEM_WRITE_ONLY, sizeof x, NULL);
    f->small = make_buffer(dev.context, CL_MEM_READ_WRITE, OUT_COUNT * sizeof(float) - 4, fill);
    cl_int err = CL_SUCCESS;
    f->other_context = clCreateContext(NULL, 1, &dev.device, NULL, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    f->other_queue = clCreateCommandQueue(f->other_context, dev.device, 0, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    f->other_buffer = make_buffer(f->other_context, CL_MEM_READ_WRITE, sizeof fill, fill);
}

static void enqueue_fixture_free(enqueue_fixture *f) {
    cl_mem buffers[] = {f->in,    f->out,    f->out_read_only, f->in_write_only,
                        f->small, f->shared, f->other_buffer};
    for (size_t i = 0; i < sizeof buffers / sizeof buffers[0]; ++i)
        clReleaseMemObject(buffers[i]);
    clReleaseCommandQueue(f->other_queue);
    clReleaseContext(f->other_context);
    clpool_plan_release(f->plan);
}

static void expect_untouched(cl_mem buffer, size_t count) {
    float y[IN_COUNT + OUT_COUNT];
    ck_assert_uint_le(count, IN_COUNT + OUT_COUNT);
    read_floats(buffer, 0, y, count);
    for (size_t i = 0; i < count; ++i)
        expect_each(y[i] == sentinel, "float %zu was written (%g) by a failed enqueue", i, y[i]);
}

START_TEST(test_enqueue_invalid_arguments) {
    enqueue_fixture f;
    enqueue_fixture_init(&f);
    const clpool_plan *p = f.plan;
    cl_command_queue q = dev.queue;
    cl_event event = (cl_event)&f; /* must be reset to NULL on failure */
    expect_failure(clpool_plan_enqueue(NULL, q, f.in, 0, f.out, 0, 0, NULL, &event),
                   CLPOOL_ERROR_INVALID_PLAN, "plan");
    ck_assert_ptr_null(event);
    expect_failure(clpool_plan_enqueue(p, NULL, f.in, 0, f.out, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_QUEUE, "queue is NULL");
    expect_failure(clpool_plan_enqueue(p, f.other_queue, f.in, 0, f.out, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_QUEUE, "belongs to context");
    expect_failure(clpool_plan_enqueue(p, q, NULL, 0, f.out, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_BUFFER, "input is NULL");
    expect_failure(clpool_plan_enqueue(p, q, f.in, 0, NULL, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_BUFFER, "output is NULL");
    expect_failure(clpool_plan_enqueue(p, q, f.in, 0, f.other_buffer, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_BUFFER, "belongs to context");
    expect_failure(clpool_plan_enqueue(p, q, f.in, 0, f.out_read_only, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_BUFFER, "CL_MEM_READ_ONLY");
    expect_failure(clpool_plan_enqueue(p, q, f.in_write_only, 0, f.out, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_BUFFER, "CL_MEM_WRITE_ONLY");
    expect_failure(clpool_plan_enqueue(p, q, f.in, 2, f.out, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_OFFSET, "input offset = 2");
    expect_failure(clpool_plan_enqueue(p, q, f.in, 0, f.out, 6, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_OFFSET, "output offset = 6");
    expect_failure(clpool_plan_enqueue(p, q, f.in, 4, f.out, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_BUFFER_TOO_SMALL, "input holds");
    expect_failure(clpool_plan_enqueue(p, q, f.in, 0, f.small, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_BUFFER_TOO_SMALL, "output holds");
    expect_failure(clpool_plan_enqueue(p, q, f.in, 0, f.out, 9 * sizeof(float), 0, NULL, NULL),
                   CLPOOL_ERROR_BUFFER_TOO_SMALL, "output holds");
    expect_failure(clpool_plan_enqueue(p, q, f.in, 0, f.out, SIZE_MAX - 3, 0, NULL, NULL),
                   CLPOOL_ERROR_BUFFER_TOO_SMALL, "output holds");
    expect_failure(
        clpool_plan_enqueue(p, q, f.shared, 0, f.shared, 4 * sizeof(float), 0, NULL, NULL),
        CLPOOL_ERROR_BUFFER_OVERLAP, "overlap");
    cl_event ok = NULL;
    ck_assert_int_eq(clEnqueueMarkerWithWaitList(q, 0, NULL, &ok), CL_SUCCESS);
    expect_failure(clpool_plan_enqueue(p, q, f.in, 0, f.out, 0, 1, NULL, NULL),
                   CLPOOL_ERROR_INVALID_WAIT_LIST, "event_wait_list is NULL");
    expect_failure(clpool_plan_enqueue(p, q, f.in, 0, f.out, 0, 0, &ok, NULL),
                   CLPOOL_ERROR_INVALID_WAIT_LIST, "num_events_in_wait_list = 0");
    cl_event with_null[2] = {ok, NULL};
    expect_failure(clpool_plan_enqueue(p, q, f.in, 0, f.out, 0, 2, with_null, NULL),
                   CLPOOL_ERROR_INVALID_WAIT_LIST, "event_wait_list[1]");
    clReleaseEvent(ok);
    ck_assert_int_eq(clFinish(q), CL_SUCCESS);
    expect_untouched(f.out, OUT_COUNT + 8);
    expect_untouched(f.out_read_only, OUT_COUNT + 8);
    expect_untouched(f.small, OUT_COUNT - 1);
    expect_untouched(f.shared, IN_COUNT + OUT_COUNT);
    enqueue_fixture_free(&f);
}
END_TEST

/* Input and output in one buffer (or in sub-buffers of one) are fine when they do not overlap,
 * refused when they do. */
START_TEST(test_enqueue_shared_buffer) {
    cl_uint align_bits = 0;
    ck_assert_int_eq(clGetDeviceInfo(dev.device, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits,
                                     &align_bits, NULL),
                     CL_SUCCESS);
    const size_t align = align_bits / 8, in_bytes = IN_COUNT * sizeof(float);
    const size_t out_at = (in_bytes + align - 1) / align * align;
    float host[2 * IN_COUNT + 1024] = {0}, y[OUT_COUNT];
    standard_input(host);
    cl_mem whole = make_buffer(dev.context, CL_MEM_READ_WRITE, out_at + 4096, host);
    clpool_plan *plan = standard_plan(CLPOOL_MODE_MAX);
    ck_assert_int_eq(clpool_plan_enqueue(plan, dev.queue, whole, 0, whole, out_at, 0, NULL, NULL),
                     CLPOOL_SUCCESS);
    read_floats(whole, out_at / sizeof(float), y, OUT_COUNT);
    expect_standard_output(CLPOOL_MODE_MAX, host, y);

    cl_buffer_region in_region = {0, in_bytes}, overlapping = {0, out_at + 1024};
    cl_int err = CL_SUCCESS;
    cl_mem in_sub =
        clCreateSubBuffer(whole, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &in_region, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    cl_mem out_sub = clCreateSubBuffer(whole, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION,
                                       &overlapping, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    expect_failure(clpool_plan_enqueue(plan, dev.queue, in_sub, 0, out_sub, 64, 0, NULL, NULL),
                   CLPOOL_ERROR_BUFFER_OVERLAP, "overlap");
    ck_assert_int_eq(
        clpool_plan_enqueue(plan, dev.queue, in_sub, 0, out_sub, out_at, 0, NULL, NULL),
        CLPOOL_SUCCESS);
    read_floats(whole, out_at / sizeof(float), y, OUT_COUNT);
    expect_standard_output(CLPOOL_MODE_MAX, host, y);
    clReleaseMemObject(in_sub);
    clReleaseMemObject(out_sub);
    clReleaseMemObject(whole);
    clpool_plan_release(plan);
}
END_TEST

/* Two CL_MEM_USE_HOST_PTR buffers over one host array alias without sharing a root buffer. */
START_TEST(test_enqueue_aliased_host_memory) {
    float *host = calloc(2 * IN_COUNT, sizeof(float)), y[OUT_COUNT];
    ck_assert_ptr_nonnull(host);
    standard_input(host);
    cl_int err = CL_SUCCESS;
    cl_mem in = clCreateBuffer(dev.context, CL_MEM_READ_ONLY | CL_MEM_USE_HOST_PTR,
                               IN_COUNT * sizeof(float), host, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    cl_mem overlapping = clCreateBuffer(dev.context, CL_MEM_READ_WRITE | CL_MEM_USE_HOST_PTR,
                                        OUT_COUNT * sizeof(float), host + 16, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    cl_mem separate = clCreateBuffer(dev.context, CL_MEM_READ_WRITE | CL_MEM_USE_HOST_PTR,
                                     OUT_COUNT * sizeof(float), host + IN_COUNT, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    clpool_plan *plan = standard_plan(CLPOOL_MODE_MAX);
    expect_failure(clpool_plan_enqueue(plan, dev.queue, in, 0, overlapping, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_BUFFER_OVERLAP, "CL_MEM_USE_HOST_PTR");
    ck_assert_int_eq(clpool_plan_enqueue(plan, dev.queue, in, 0, separate, 0, 0, NULL, NULL),
                     CLPOOL_SUCCESS);
    read_floats(separate, 0, y, OUT_COUNT);
    expect_standard_output(CLPOOL_MODE_MAX, host, y);
    clReleaseMemObject(in);
    clReleaseMemObject(overlapping);
    clReleaseMemObject(separate);
    clpool_plan_release(plan);
    free(host);
}
END_TEST

/* ---- Indices --------------------------------------------------------------------------------- */

static clpool_plan *indices_plan(clpool_index_type type) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    standard_problem(CLPOOL_MODE_MAX, &pool, &input);
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.indices = type;
    clpool_plan *plan = NULL;
    ck_assert_msg(clpool_plan_create(dev.ctx, &pool, &input, &options, &plan) == CLPOOL_SUCCESS,
                  "%s", clpool_last_error());
    return plan;
}

START_TEST(test_indices_options) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_plan_options options;
    clpool_plan *plan = NULL;
    standard_problem(CLPOOL_MODE_AVG, &pool, &input);
    clpool_plan_options_init(&options);
    ck_assert_int_eq(options.indices, CLPOOL_INDEX_NONE);
    options.indices = CLPOOL_INDEX_INT64;
    expect_failure(clpool_plan_create(dev.ctx, &pool, &input, &options, &plan),
                   CLPOOL_ERROR_INVALID_OPTIONS, "max pooling only");
    pool.mode = CLPOOL_MODE_MAX;
    options.indices = (clpool_index_type)7;
    expect_failure(clpool_plan_create(dev.ctx, &pool, &input, &options, &plan),
                   CLPOOL_ERROR_INVALID_OPTIONS, "options->indices = 7");
    /* A 50000 x 50000 plane needs more than int32 indices; refused before any compile. */
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 1, 50000,
                               50000);
    options.indices = CLPOOL_INDEX_INT32;
    expect_failure(clpool_plan_create(dev.ctx, &pool, &input, &options, &plan),
                   CLPOOL_ERROR_INDEX_TYPE_TOO_SMALL, "2500000000");
    ck_assert_ptr_null(plan);

    size_t bytes = 1;
    clpool_index_type type = CLPOOL_INDEX_INT32;
    plan = standard_plan(CLPOOL_MODE_MAX);
    ck_assert_int_eq(clpool_plan_indices_bytes(plan, &bytes, &type), CLPOOL_SUCCESS);
    ck_assert(bytes == 0 && type == CLPOOL_INDEX_NONE);
    clpool_plan_release(plan);
    plan = indices_plan(CLPOOL_INDEX_INT32);
    ck_assert_int_eq(clpool_plan_indices_bytes(plan, &bytes, &type), CLPOOL_SUCCESS);
    ck_assert(bytes == OUT_COUNT * 4 && type == CLPOOL_INDEX_INT32);
    ck_assert_ptr_nonnull(strstr(clpool_plan_build_options(plan), "-DINDEX_T=int"));
    clpool_plan_release(plan);
    expect_failure(clpool_plan_indices_bytes(NULL, &bytes, &type), CLPOOL_ERROR_INVALID_PLAN,
                   "plan");
}
END_TEST

START_TEST(test_indices_enqueue_invalid_arguments) {
    enqueue_fixture f;
    enqueue_fixture_init(&f);
    clpool_plan *with = indices_plan(CLPOOL_INDEX_INT64);
    cl_command_queue q = dev.queue;
    cl_mem idx = make_buffer(dev.context, CL_MEM_READ_WRITE, OUT_COUNT * 8, NULL);
    cl_mem idx_read_only = make_buffer(dev.context, CL_MEM_READ_ONLY, OUT_COUNT * 8, NULL);
    expect_failure(clpool_plan_enqueue(with, q, f.in, 0, f.out, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_PLAN, "clpool_plan_enqueue_with_indices");
    expect_failure(
        clpool_plan_enqueue_with_indices(f.plan, q, f.in, 0, f.out, 0, idx, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_PLAN, "without indices");
    expect_failure(
        clpool_plan_enqueue_with_indices(with, q, f.in, 0, f.out, 0, NULL, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_BUFFER, "indices is NULL");
    expect_failure(clpool_plan_enqueue_with_indices(with, q, f.in, 0, f.out, 0, idx_read_only, 0, 0,
                                                    NULL, NULL),
                   CLPOOL_ERROR_INVALID_BUFFER, "CL_MEM_READ_ONLY");
    expect_failure(
        clpool_plan_enqueue_with_indices(with, q, f.in, 0, f.out, 0, idx, 4, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_OFFSET, "indices offset = 4");
    expect_failure(
        clpool_plan_enqueue_with_indices(with, q, f.in, 0, f.out, 0, idx, 8, 0, NULL, NULL),
        CLPOOL_ERROR_BUFFER_TOO_SMALL, "indices holds");
    expect_failure(
        clpool_plan_enqueue_with_indices(with, q, f.in, 0, f.shared, 0, f.shared, 8, 0, NULL, NULL),
        CLPOOL_ERROR_BUFFER_OVERLAP, "output");
    expect_failure(
        clpool_plan_enqueue_with_indices(with, q, f.in, 0, f.out, 0, f.in, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_BUFFER, "CL_MEM_READ_ONLY");
    ck_assert_int_eq(clFinish(q), CL_SUCCESS);
    expect_untouched(f.out, OUT_COUNT + 8);
    expect_untouched(f.shared, IN_COUNT + OUT_COUNT);
    clReleaseMemObject(idx);
    clReleaseMemObject(idx_read_only);
    clpool_plan_release(with);
    enqueue_fixture_free(&f);
}
END_TEST

/* ---- Backward passes ------------------------------------------------------------------------ */

static clpool_plan *backward_plan(clpool_backward_kind kind) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    standard_problem(kind == CLPOOL_BACKWARD_AVG ? CLPOOL_MODE_AVG : CLPOOL_MODE_MAX, &pool,
                     &input);
    clpool_plan *plan = NULL;
    ck_assert_msg(clpool_backward_plan_create(dev.ctx, &pool, &input, kind, NULL, &plan) ==
                      CLPOOL_SUCCESS,
                  "%s", clpool_last_error());
    return plan;
}

START_TEST(test_backward_plan_invalid_arguments) {
    clpool_pool_desc pool;
    clpool_tensor_desc input, desc;
    clpool_plan_options options;
    clpool_plan *plan = (clpool_plan *)&dev;
    standard_problem(CLPOOL_MODE_MAX, &pool, &input);
    expect_failure(clpool_backward_plan_create(dev.ctx, &pool, &input,
                                               CLPOOL_BACKWARD_MAX_FROM_INPUT, NULL, NULL),
                   CLPOOL_ERROR_NULL_POINTER, "out");
    expect_failure(clpool_backward_plan_create(NULL, &pool, &input, CLPOOL_BACKWARD_MAX_FROM_INPUT,
                                               NULL, &plan),
                   CLPOOL_ERROR_INVALID_CONTEXT, "ctx");
    ck_assert_ptr_null(plan);
    expect_failure(
        clpool_backward_plan_create(dev.ctx, &pool, &input, (clpool_backward_kind)9, NULL, &plan),
        CLPOOL_ERROR_INVALID_OPTIONS, "kind = 9");
    expect_failure(clpool_backward_plan_create(dev.ctx, NULL, &input,
                                               CLPOOL_BACKWARD_MAX_FROM_INPUT, NULL, &plan),
                   CLPOOL_ERROR_NULL_POINTER, "pool");
    expect_failure(clpool_backward_plan_create(dev.ctx, &pool, NULL, CLPOOL_BACKWARD_MAX_FROM_INPUT,
                                               NULL, &plan),
                   CLPOOL_ERROR_NULL_POINTER, "input");
    expect_failure(
        clpool_backward_plan_create(dev.ctx, &pool, &input, CLPOOL_BACKWARD_AVG, NULL, &plan),
        CLPOOL_ERROR_INVALID_MODE, "average backward pass");
    clpool_plan_options_init(&options);
    options.indices = CLPOOL_INDEX_INT32;
    expect_failure(clpool_backward_plan_create(dev.ctx, &pool, &input,
                                               CLPOOL_BACKWARD_MAX_FROM_INPUT, &options, &plan),
                   CLPOOL_ERROR_INVALID_OPTIONS, "reads no indices");
    pool.stride[0] = -1;
    expect_failure(clpool_backward_plan_create(dev.ctx, &pool, &input,
                                               CLPOOL_BACKWARD_MAX_FROM_INDICES, NULL, &plan),
                   CLPOOL_ERROR_INVALID_STRIDE, "stride[0]");

    /* Queries describe grad_input (input side) and grad_output (output side). */
    plan = backward_plan(CLPOOL_BACKWARD_MAX_FROM_INDICES);
    size_t in_bytes = 0, out_bytes = 0, idx_bytes = 0;
    clpool_index_type type = CLPOOL_INDEX_NONE;
    ck_assert_int_eq(clpool_plan_bytes(plan, &in_bytes, &out_bytes), CLPOOL_SUCCESS);
    ck_assert_int_eq(clpool_plan_indices_bytes(plan, &idx_bytes, &type), CLPOOL_SUCCESS);
    ck_assert(in_bytes == IN_COUNT * 4 && out_bytes == OUT_COUNT * 4);
    ck_assert(idx_bytes == OUT_COUNT * 8 && type == CLPOOL_INDEX_INT64);
    ck_assert_int_eq(clpool_plan_output_desc(plan, &desc), CLPOOL_SUCCESS);
    ck_assert(desc.spatial[0] == 4 && desc.spatial[1] == 4);
    ck_assert_ptr_nonnull(strstr(clpool_plan_build_options(plan), "-DBACKWARD_KIND=1"));
    clpool_plan_release(plan);
}
END_TEST

/* Unpooling plans of rank 1 and 3 describe their output with exactly the sizes asked for, and
 * read no more of output_spatial than the rank has (a 1-element array for rank 1). */
START_TEST(test_unpool_plan_describes_every_rank) {
    clpool_tensor_desc values, desc;
    clpool_plan *plan = NULL;
    int64_t *one = malloc(sizeof *one);
    *one = 9;
    clpool_tensor_desc_init_1d(&values, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, 2, 3, 4);
    ck_assert_int_eq(clpool_unpool_plan_create(dev.ctx, &values, one, NULL, &plan), CLPOOL_SUCCESS);
    ck_assert_uint_eq(clpool_plan_kernel_count(plan), 2); /* elect, then gather */
    ck_assert_int_eq(clpool_plan_output_desc(plan, &desc), CLPOOL_SUCCESS);
    ck_assert(desc.spatial_rank == 1 && desc.spatial[0] == 9);
    ck_assert(desc.spatial[1] == 0 && desc.spatial[2] == 0);
    clpool_plan_release(plan);
    free(one);
    const int64_t three[3] = {4, 6, 8};
    clpool_tensor_desc_init_3d(&values, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 2, 2, 3,
                               4);
    ck_assert_int_eq(clpool_unpool_plan_create(dev.ctx, &values, three, NULL, &plan),
                     CLPOOL_SUCCESS);
    ck_assert_int_eq(clpool_plan_output_desc(plan, &desc), CLPOOL_SUCCESS);
    ck_assert(desc.spatial[0] == 4 && desc.spatial[1] == 6 && desc.spatial[2] == 8);
    size_t out_bytes = 0;
    ck_assert_int_eq(clpool_plan_bytes(plan, NULL, &out_bytes), CLPOOL_SUCCESS);
    ck_assert_uint_eq(out_bytes, 2 * 4 * 6 * 8 * 4);
    clpool_plan_release(plan);
}
END_TEST

START_TEST(test_backward_enqueue_invalid_arguments) {
    enqueue_fixture f;
    enqueue_fixture_init(&f);
    cl_command_queue q = dev.queue;
    clpool_plan *avg = backward_plan(CLPOOL_BACKWARD_AVG);
    clpool_plan *max = backward_plan(CLPOOL_BACKWARD_MAX_FROM_INPUT);
    cl_mem grad_in = make_buffer(dev.context, CL_MEM_READ_WRITE, IN_COUNT * 4, NULL);
    /* f.out holds OUT_COUNT + 8 floats: a valid grad_output. */
    expect_failure(
        clpool_plan_enqueue_backward(f.plan, q, f.out, 0, NULL, 0, grad_in, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_PLAN, "not a backward plan");
    expect_failure(clpool_plan_enqueue(avg, q, f.in, 0, f.out, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_PLAN, "backward plan");
    expect_failure(
        clpool_plan_enqueue_backward(NULL, q, f.out, 0, NULL, 0, grad_in, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_PLAN, "plan is NULL");
    expect_failure(
        clpool_plan_enqueue_backward(avg, q, f.out, 0, f.in, 0, grad_in, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_BUFFER, "aux is not used");
    expect_failure(
        clpool_plan_enqueue_backward(max, q, f.out, 0, NULL, 0, grad_in, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_BUFFER, "input is NULL");
    expect_failure(
        clpool_plan_enqueue_backward(avg, q, NULL, 0, NULL, 0, grad_in, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_BUFFER, "grad_output is NULL");
    expect_failure(clpool_plan_enqueue_backward(avg, q, f.out, 0, NULL, 0, f.in, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_BUFFER, "CL_MEM_READ_ONLY");
    expect_failure(
        clpool_plan_enqueue_backward(avg, q, f.out, 0, NULL, 0, f.small, 0, 0, NULL, NULL),
        CLPOOL_ERROR_BUFFER_TOO_SMALL, "grad_input holds");
    expect_failure(
        clpool_plan_enqueue_backward(avg, q, f.shared, 0, NULL, 0, f.shared, 64, 0, NULL, NULL),
        CLPOOL_ERROR_BUFFER_OVERLAP, "grad_input");
    expect_failure(
        clpool_plan_enqueue_backward(avg, q, f.out, 2, NULL, 0, grad_in, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_OFFSET, "grad_output offset = 2");
    ck_assert_int_eq(clFinish(q), CL_SUCCESS);
    expect_untouched(f.shared, IN_COUNT + OUT_COUNT);
    expect_untouched(f.small, OUT_COUNT - 1);
    clReleaseMemObject(grad_in);
    clpool_plan_release(avg);
    clpool_plan_release(max);
    enqueue_fixture_free(&f);
}
END_TEST

/* ---- Unpooling ------------------------------------------------------------------------------- */

START_TEST(test_unpool_invalid_arguments) {
    clpool_tensor_desc values;
    clpool_tensor_desc_init_2d(&values, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 3, 4, 4);
    const int64_t out_size[2] = {8, 8}, bad_size[2] = {8, 0};
    clpool_plan *plan = (clpool_plan *)&dev;
    expect_failure(clpool_unpool_plan_create(dev.ctx, &values, out_size, NULL, NULL),
                   CLPOOL_ERROR_NULL_POINTER, "out");
    expect_failure(clpool_unpool_plan_create(NULL, &values, out_size, NULL, &plan),
                   CLPOOL_ERROR_INVALID_CONTEXT, "ctx");
    ck_assert_ptr_null(plan);
    expect_failure(clpool_unpool_plan_create(dev.ctx, NULL, out_size, NULL, &plan),
                   CLPOOL_ERROR_NULL_POINTER, "values");
    expect_failure(clpool_unpool_plan_create(dev.ctx, &values, NULL, NULL, &plan),
                   CLPOOL_ERROR_NULL_POINTER, "output_spatial");
    expect_failure(clpool_unpool_plan_create(dev.ctx, &values, bad_size, NULL, &plan),
                   CLPOOL_ERROR_INVALID_SHAPE, "output_spatial[1] (W) = 0");
    values.c = 0;
    expect_failure(clpool_unpool_plan_create(dev.ctx, &values, out_size, NULL, &plan),
                   CLPOOL_ERROR_INVALID_SHAPE, "values->c = 0");
    values.c = 3;
    ck_assert_int_eq(clpool_unpool_plan_create(dev.ctx, &values, out_size, NULL, &plan),
                     CLPOOL_SUCCESS);
    size_t in_bytes = 0, out_bytes = 0, idx_bytes = 0;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    clpool_plan_indices_bytes(plan, &idx_bytes, NULL);
    ck_assert(in_bytes == 48 * 4 && out_bytes == 192 * 4 && idx_bytes == 48 * 8);

    float fill[192];
    for (int i = 0; i < 192; ++i)
        fill[i] = sentinel;
    cl_mem v = make_buffer(dev.context, CL_MEM_READ_ONLY, in_bytes, NULL);
    cl_mem idx = make_buffer(dev.context, CL_MEM_READ_ONLY, idx_bytes, NULL);
    cl_mem out = make_buffer(dev.context, CL_MEM_READ_WRITE, out_bytes, fill);
    cl_mem small = make_buffer(dev.context, CL_MEM_READ_WRITE, out_bytes - 4, NULL);
    cl_command_queue q = dev.queue;
    expect_failure(clpool_plan_enqueue(plan, q, v, 0, out, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_PLAN, "clpool_plan_enqueue_unpool");
    expect_failure(clpool_plan_enqueue_backward(plan, q, v, 0, idx, 0, out, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_PLAN, "not a backward plan");
    clpool_plan *forward = standard_plan(CLPOOL_MODE_MAX);
    expect_failure(
        clpool_plan_enqueue_unpool(forward, q, v, 0, idx, 0, out, 0, NULL, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_PLAN, "not an unpooling plan");
    clpool_plan_release(forward);
    expect_failure(
        clpool_plan_enqueue_unpool(plan, q, v, 0, NULL, 0, out, 0, NULL, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_BUFFER, "indices is NULL");
    expect_failure(
        clpool_plan_enqueue_unpool(NULL, q, v, 0, idx, 0, out, 0, NULL, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_PLAN, "plan is NULL");
    expect_failure(
        clpool_plan_enqueue_unpool(plan, NULL, v, 0, idx, 0, out, 0, NULL, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_QUEUE, "queue is NULL");
    expect_failure(
        clpool_plan_enqueue_unpool(plan, q, NULL, 0, idx, 0, out, 0, NULL, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_BUFFER, "values is NULL");
    expect_failure(
        clpool_plan_enqueue_unpool(plan, q, v, 0, idx, 0, NULL, 0, NULL, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_BUFFER, "output is NULL");
    expect_failure(
        clpool_plan_enqueue_unpool(plan, q, v, 0, idx, 0, out, 0, NULL, 0, 1, NULL, NULL),
        CLPOOL_ERROR_INVALID_WAIT_LIST, "event_wait_list is NULL");
    expect_failure(
        clpool_plan_enqueue_unpool(plan, q, v, 0, idx, 0, small, 0, NULL, 0, 0, NULL, NULL),
        CLPOOL_ERROR_BUFFER_TOO_SMALL, "output holds");
    expect_failure(clpool_plan_enqueue_unpool(plan, q, v, 0, idx, 0, out, 0, out, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_BUFFER_OVERLAP, "status");
    expect_failure(
        clpool_plan_enqueue_unpool(plan, q, v, 0, idx, 4, out, 0, NULL, 0, 0, NULL, NULL),
        CLPOOL_ERROR_INVALID_OFFSET, "indices offset = 4");
    expect_failure(clpool_plan_enqueue_unpool(plan, q, v, 0, idx, 0, v, 0, NULL, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_BUFFER, "CL_MEM_READ_ONLY");
    ck_assert_int_eq(clFinish(q), CL_SUCCESS);
    expect_untouched(out, 192);
    clReleaseMemObject(v);
    clReleaseMemObject(idx);
    clReleaseMemObject(out);
    clReleaseMemObject(small);
    clpool_plan_release(plan);
}
END_TEST

/* ---- Events, chaining, empty batches, threads ------------------------------------------------ */

static cl_int execution_status(cl_event event) {
    cl_int status = 0;
    ck_assert_int_eq(
        clGetEventInfo(event, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, NULL),
        CL_SUCCESS);
    return status;
}

/* The enqueue returns while its wait list is unresolved, and runs once it resolves. */
START_TEST(test_enqueue_waits_on_events) {
    float x[IN_COUNT], y[OUT_COUNT];
    standard_input(x);
    cl_mem in = make_buffer(dev.context, CL_MEM_READ_ONLY, sizeof x, x);
    cl_mem out = make_buffer(dev.context, CL_MEM_WRITE_ONLY, sizeof y, NULL);
    clpool_plan *plan = standard_plan(CLPOOL_MODE_AVG);
    cl_int err = CL_SUCCESS;
    cl_event gate = clCreateUserEvent(dev.context, &err), pooled = NULL;
    ck_assert_int_eq(err, CL_SUCCESS);
    ck_assert_int_eq(clpool_plan_enqueue(plan, dev.queue, in, 0, out, 0, 1, &gate, &pooled),
                     CLPOOL_SUCCESS);
    ck_assert_ptr_nonnull(pooled);
    clFlush(dev.queue);
    usleep(50 * 1000);
    ck_assert_int_ne(execution_status(pooled), CL_COMPLETE);
    ck_assert_int_eq(clSetUserEventStatus(gate, CL_COMPLETE), CL_SUCCESS);
    ck_assert_int_eq(clWaitForEvents(1, &pooled), CL_SUCCESS);
    read_floats(out, 0, y, OUT_COUNT);
    expect_standard_output(CLPOOL_MODE_AVG, x, y);
    clReleaseEvent(gate);
    clReleaseEvent(pooled);
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    clpool_plan_release(plan);
}
END_TEST

/* N = 0 launches nothing, accepts NULL buffers, still orders after its wait list and returns an
 * event; buffers that are given are still checked. */
START_TEST(test_enqueue_empty_batch) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    standard_problem(CLPOOL_MODE_MAX, &pool, &input);
    input.n = 0;
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, NULL, &plan), CLPOOL_SUCCESS);
    size_t in_bytes = 1, out_bytes = 1;
    clpool_plan_bytes(plan, &in_bytes, &out_bytes);
    ck_assert_uint_eq(in_bytes + out_bytes, 0);
    ck_assert_int_eq(clpool_plan_enqueue(plan, dev.queue, NULL, 0, NULL, 0, 0, NULL, NULL),
                     CLPOOL_SUCCESS);
    /* With indices too: nothing is touched, so no buffer is required. */
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.indices = CLPOOL_INDEX_INT64;
    clpool_plan *with = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, &options, &with), CLPOOL_SUCCESS);
    ck_assert_int_eq(
        clpool_plan_enqueue_with_indices(with, dev.queue, NULL, 0, NULL, 0, NULL, 0, 0, NULL, NULL),
        CLPOOL_SUCCESS);
    clpool_plan_release(with);
    cl_int err = CL_SUCCESS;
    cl_event gate = clCreateUserEvent(dev.context, &err), done = NULL;
    ck_assert_int_eq(clpool_plan_enqueue(plan, dev.queue, NULL, 0, NULL, 0, 1, &gate, &done),
                     CLPOOL_SUCCESS);
    ck_assert_ptr_nonnull(done);
    clFlush(dev.queue);
    ck_assert_int_ne(execution_status(done), CL_COMPLETE);
    clSetUserEventStatus(gate, CL_COMPLETE);
    ck_assert_int_eq(clWaitForEvents(1, &done), CL_SUCCESS);
    cl_context other = clCreateContext(NULL, 1, &dev.device, NULL, NULL, &err);
    cl_mem foreign = make_buffer(other, CL_MEM_READ_WRITE, 16, NULL);
    expect_failure(clpool_plan_enqueue(plan, dev.queue, foreign, 0, NULL, 0, 0, NULL, NULL),
                   CLPOOL_ERROR_INVALID_BUFFER, "belongs to context");
    clReleaseMemObject(foreign);
    clReleaseContext(other);
    clReleaseEvent(gate);
    clReleaseEvent(done);
    clpool_plan_release(plan);
}
END_TEST

/* Two plans on one queue, the second pooling the first's output, chained by an event. */
START_TEST(test_two_plans_chained) {
    clpool_pool_desc first, second;
    clpool_tensor_desc input, middle;
    standard_problem(CLPOOL_MODE_MAX, &first, &input);
    ck_assert_int_eq(clpool_pool_output_desc(&first, &input, &middle), CLPOOL_SUCCESS);
    clpool_pool_desc_init_2d(&second, CLPOOL_MODE_AVG, 2, 2);
    clpool_plan *a = NULL, *b = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &first, &input, NULL, &a), CLPOOL_SUCCESS);
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &second, &middle, NULL, &b), CLPOOL_SUCCESS);
    float x[IN_COUNT], mid[OUT_COUNT], want[3 * 2 * 2], y[3 * 2 * 2];
    standard_input(x);
    ck_assert_int_eq(ref_pool_forward(&first, &input, x, mid, NULL), 0);
    ck_assert_int_eq(ref_pool_forward(&second, &middle, mid, want, NULL), 0);
    cl_mem in = make_buffer(dev.context, CL_MEM_READ_ONLY, sizeof x, x);
    cl_mem tmp = make_buffer(dev.context, CL_MEM_READ_WRITE, sizeof mid, NULL);
    cl_mem out = make_buffer(dev.context, CL_MEM_WRITE_ONLY, sizeof y, NULL);
    cl_event first_done = NULL;
    ck_assert_int_eq(clpool_plan_enqueue(a, dev.queue, in, 0, tmp, 0, 0, NULL, &first_done),
                     CLPOOL_SUCCESS);
    ck_assert_int_eq(clpool_plan_enqueue(b, dev.queue, tmp, 0, out, 0, 1, &first_done, NULL),
                     CLPOOL_SUCCESS);
    read_floats(out, 0, y, 12);
    for (int i = 0; i < 12; ++i)
        expect_each(y[i] - want[i] < 1e-5f && want[i] - y[i] < 1e-5f, "output %d: %g vs %g", i,
                    y[i], want[i]);
    clReleaseEvent(first_done);
    clReleaseMemObject(in);
    clReleaseMemObject(tmp);
    clReleaseMemObject(out);
    clpool_plan_release(a);
    clpool_plan_release(b);
}
END_TEST

enum { THREAD_ROUNDS = 40 };

typedef struct thread_job {
    const clpool_plan *plan;
    cl_command_queue queue; /* each thread's own, or the shared one */
    uint64_t seed;
    int failures;
    char message[256];
} thread_job;

/* Enqueues the shared plan on fresh random inputs, checking each result. Check's assertions are
 * not thread-safe, so failures are counted and reported by the main thread. */
static void *pool_from_thread(void *arg) {
    thread_job *job = arg;
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    standard_problem(CLPOOL_MODE_MAX, &pool, &input);
    float x[IN_COUNT], y[OUT_COUNT], want[OUT_COUNT];
    cl_int err = CL_SUCCESS;
    cl_mem in = clCreateBuffer(dev.context, CL_MEM_READ_ONLY, sizeof x, NULL, &err);
    cl_mem out = clCreateBuffer(dev.context, CL_MEM_WRITE_ONLY, sizeof y, NULL, &err);
    for (int round = 0; round < THREAD_ROUNDS && !job->failures; ++round) {
        fill_input(FILL_INTEGERS, job->seed + (uint64_t)round, x, IN_COUNT);
        ref_pool_forward(&pool, &input, x, want, NULL);
        clEnqueueWriteBuffer(job->queue, in, CL_FALSE, 0, sizeof x, x, 0, NULL, NULL);
        clpool_status status =
            clpool_plan_enqueue(job->plan, job->queue, in, 0, out, 0, 0, NULL, NULL);
        err = clEnqueueReadBuffer(job->queue, out, CL_TRUE, 0, sizeof y, y, 0, NULL, NULL);
        if (status != CLPOOL_SUCCESS || err != CL_SUCCESS || memcmp(y, want, sizeof y) != 0) {
            job->failures++;
            snprintf(job->message, sizeof job->message, "round %d: status %s, read %d", round,
                     clpool_status_name(status), (int)err);
        }
    }
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    return NULL;
}

/* Runs worker on plan from two threads at once, on their own queues (own_queues) or the fixture's
 * shared one, each with its own seed from seed, and checks that neither counted a failure. */
static void run_two_threads(const clpool_plan *plan, void *(*worker)(void *), uint64_t seed,
                            int own_queues) {
    thread_job jobs[2];
    pthread_t threads[2];
    for (int t = 0; t < 2; ++t) {
        memset(&jobs[t], 0, sizeof jobs[t]);
        jobs[t].plan = plan;
        jobs[t].seed = seed + 1000 * (uint64_t)t;
        jobs[t].queue = dev.queue;
        if (own_queues)
            ck_assert_int_eq(clpool_context_create_queue(dev.ctx, 0, &jobs[t].queue),
                             CLPOOL_SUCCESS);
    }
    for (int t = 0; t < 2; ++t)
        ck_assert_int_eq(pthread_create(&threads[t], NULL, worker, &jobs[t]), 0);
    for (int t = 0; t < 2; ++t)
        pthread_join(threads[t], NULL);
    for (int t = 0; t < 2; ++t) {
        ck_assert_msg(jobs[t].failures == 0, "thread %d: %s", t, jobs[t].message);
        if (own_queues)
            clReleaseCommandQueue(jobs[t].queue);
    }
}

/* One plan enqueued from two threads at once: on their own queues (_i = 0) or a shared one. */
START_TEST(test_one_plan_two_threads) {
    clpool_plan *plan = standard_plan(CLPOOL_MODE_MAX);
    run_two_threads(plan, pool_from_thread, 100, _i == 0);
    clpool_plan_release(plan);
}
END_TEST

/* A two-pass global average (clpool_plan_kernel_count 2: block sums in a scratch buffer made for
 * each call, then their sum) enqueued from two threads on their own queues: each call's kernels
 * must meet in their own scratch buffer. 1 x 32 x 128 x 64 channels-last is the smallest input
 * that takes two passes (2^18 elements). */
enum { TWO_PASS_C = 32, TWO_PASS_H = 128, TWO_PASS_W = 64 };

static void two_pass_problem(clpool_pool_desc *pool, clpool_tensor_desc *input) {
    clpool_pool_desc_init_global(pool, CLPOOL_MODE_AVG, 2);
    clpool_tensor_desc_init_2d(input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, 1, TWO_PASS_C,
                               TWO_PASS_H, TWO_PASS_W);
}

static void *two_pass_from_thread(void *arg) {
    thread_job *job = arg;
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    two_pass_problem(&pool, &input);
    const size_t count = (size_t)TWO_PASS_C * TWO_PASS_H * TWO_PASS_W;
    float *x = malloc(count * sizeof(float)), y[TWO_PASS_C], want[TWO_PASS_C], scale[TWO_PASS_C];
    cl_int err = CL_SUCCESS;
    cl_mem in = clCreateBuffer(dev.context, CL_MEM_READ_ONLY, count * sizeof(float), NULL, &err);
    cl_mem out = clCreateBuffer(dev.context, CL_MEM_WRITE_ONLY, sizeof y, NULL, &err);
    for (int round = 0; x && round < THREAD_ROUNDS && !job->failures; ++round) {
        fill_input(FILL_RANDOM, job->seed + (uint64_t)round, x, count);
        ref_pool_forward(&pool, &input, x, want, scale);
        clEnqueueWriteBuffer(job->queue, in, CL_FALSE, 0, count * sizeof(float), x, 0, NULL, NULL);
        clpool_status status =
            clpool_plan_enqueue(job->plan, job->queue, in, 0, out, 0, 0, NULL, NULL);
        err = clEnqueueReadBuffer(job->queue, out, CL_TRUE, 0, sizeof y, y, 0, NULL, NULL);
        int wrong = status != CLPOOL_SUCCESS || err != CL_SUCCESS;
        for (int c = 0; !wrong && c < TWO_PASS_C; ++c)
            wrong = !ref_values_match(CLPOOL_MODE_AVG, y[c], want[c], scale[c]);
        if (wrong) {
            job->failures++;
            snprintf(job->message, sizeof job->message, "round %d: status %s, read %d", round,
                     clpool_status_name(status), (int)err);
        }
    }
    if (!x)
        job->failures++;
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    free(x);
    return NULL;
}

START_TEST(test_two_pass_plan_two_threads) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    two_pass_problem(&pool, &input);
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, NULL, &plan), CLPOOL_SUCCESS);
    ck_assert_uint_eq(clpool_plan_kernel_count(plan), 2u);
    run_two_threads(plan, two_pass_from_thread, 300, 1);
    clpool_plan_release(plan);
}
END_TEST

enum { CONTEXT_THREADS = 3 };

static void *create_default_context(void *arg) {
    clpool_status *status = arg;
    clpool_context *ctx = NULL;
    *status = clpool_context_create_default(&ctx);
    clpool_context_release(ctx);
    return NULL;
}

/* Threads creating contexts at once in a fresh process (Check forks each test before any OpenCL
 * call): the driver sets itself up on the first device query, which some drivers (PoCL 3.1)
 * do not guard, so clpool serialises its own queries. Unguarded, this crashed or reported no
 * device in most runs. */
START_TEST(test_contexts_from_threads_in_fresh_process) {
    pthread_t threads[CONTEXT_THREADS];
    clpool_status statuses[CONTEXT_THREADS];
    for (int t = 0; t < CONTEXT_THREADS; ++t)
        ck_assert_int_eq(pthread_create(&threads[t], NULL, create_default_context, &statuses[t]),
                         0);
    for (int t = 0; t < CONTEXT_THREADS; ++t)
        pthread_join(threads[t], NULL);
    for (int t = 0; t < CONTEXT_THREADS; ++t)
        ck_assert_msg(statuses[t] == CLPOOL_SUCCESS, "thread %d: %s", t,
                      clpool_status_name(statuses[t]));
}
END_TEST

static Suite *api_suite(void) {
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("api");
    tcase_add_checked_fixture(tc, device_setup, device_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_context_invalid_arguments);
    tcase_add_test(tc, test_caller_context_ownership);
    tcase_add_test(tc, test_default_device_selection);
    tcase_add_test(tc, test_context_create_on);
    tcase_add_test(tc, test_plan_invalid_arguments);
    tcase_add_test(tc, test_plan_queries);
    tcase_add_test(tc, test_explicit_local_size);
    tcase_add_test(tc, test_enqueue_invalid_arguments);
    tcase_add_test(tc, test_enqueue_shared_buffer);
    tcase_add_test(tc, test_enqueue_aliased_host_memory);
    tcase_add_test(tc, test_indices_options);
    tcase_add_test(tc, test_indices_enqueue_invalid_arguments);
    tcase_add_test(tc, test_backward_plan_invalid_arguments);
    tcase_add_test(tc, test_backward_enqueue_invalid_arguments);
    tcase_add_test(tc, test_unpool_invalid_arguments);
    tcase_add_test(tc, test_unpool_plan_describes_every_rank);
    tcase_add_test(tc, test_enqueue_waits_on_events);
    tcase_add_test(tc, test_enqueue_empty_batch);
    tcase_add_test(tc, test_two_plans_chained);
    tcase_add_loop_test(tc, test_one_plan_two_threads, 0, 2);
    tcase_add_test(tc, test_two_pass_plan_two_threads);
    suite_add_tcase(s, tc);

    TCase *fresh = tcase_create("fresh_process"); /* no fixture: OpenCL untouched before */
    tcase_set_timeout(fresh, 60);
    tcase_add_loop_test(fresh, test_contexts_from_threads_in_fresh_process, 0, 4);
    suite_add_tcase(s, fresh);
    return s;
}

int main(void) {
    return run_suite(api_suite());
}
