/*
 * clpool public API: max and average pooling on any OpenCL device, with PyTorch's semantics.
 *
 * The life cycle follows XNNPACK and oneDNN: a clpool_context wraps one OpenCL context and device
 * (the caller's, or one the library picks); a clpool_plan is created once from a pooling descriptor
 * and an input tensor descriptor, validates everything and compiles its kernel; clpool_plan_enqueue
 * then binds the caller's buffers and enqueues one kernel, without blocking. Status 0 is success,
 * negative values are OpenCL error codes passed through unchanged, and values from 1000 up are the
 * library's own (see clpool_status_name and clpool_last_error).
 */
#ifndef CLPOOL_CLPOOL_H
#define CLPOOL_CLPOOL_H

/* clpool needs OpenCL 1.2 or later; define CL_TARGET_OPENCL_VERSION as your own code requires. */
#include <CL/cl.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(CLPOOL_SHARED_BUILD)
#define CLPOOL_API __declspec(dllexport)
#elif defined(__GNUC__)
#define CLPOOL_API __attribute__((visibility("default")))
#else
#define CLPOOL_API
#endif

/* ---- Version ----------------------------------------------------------------------------------
 */

#define CLPOOL_VERSION_MAJOR 0
#define CLPOOL_VERSION_MINOR 1
#define CLPOOL_VERSION_PATCH 0
#define CLPOOL_VERSION_NUMBER                                                                      \
    (CLPOOL_VERSION_MAJOR * 10000 + CLPOOL_VERSION_MINOR * 100 + CLPOOL_VERSION_PATCH)
#define CLPOOL_VERSION_STRING "0.1.0"

/* The version of the library actually linked, as CLPOOL_VERSION_NUMBER / _STRING would give. */
CLPOOL_API unsigned clpool_version_number(void);
CLPOOL_API const char *clpool_version_string(void);

/* ---- Status codes -----------------------------------------------------------------------------
 */

/*
 * Every function that can fail returns a clpool_status. 0 is success. Negative values are OpenCL
 * error codes (CL_OUT_OF_RESOURCES, CL_BUILD_PROGRAM_FAILURE, ...) returned unchanged from the
 * OpenCL call that failed. Values from 1000 up are clpool's own, listed below. On any failure the
 * calling thread's clpool_last_error() names the parameter, its value and the rule it broke (or the
 * OpenCL call that failed, with the build log when a kernel compile fails), and no output buffer
 * has been written.
 */
typedef int clpool_status;

#define CLPOOL_SUCCESS                     0
#define CLPOOL_ERROR_NULL_POINTER          1001 /* a required pointer argument is NULL */
#define CLPOOL_ERROR_INVALID_MODE          1002 /* pool mode is not a clpool_mode */
#define CLPOOL_ERROR_INVALID_RANK          1003 /* spatial rank not 1..3, or descriptors disagree */
#define CLPOOL_ERROR_UNSUPPORTED           1004 /* valid, but not implemented in this version */
#define CLPOOL_ERROR_INVALID_KERNEL_SIZE   1005 /* kernel < 1 or too large */
#define CLPOOL_ERROR_INVALID_STRIDE        1006 /* stride < 0 or too large */
#define CLPOOL_ERROR_INVALID_PADDING       1007 /* padding < 0 or > half the effective kernel */
#define CLPOOL_ERROR_INVALID_DILATION      1008 /* dilation < 1 or too large */
#define CLPOOL_ERROR_INVALID_DIVISOR       1009 /* divisor_override is 0 or out of range */
#define CLPOOL_ERROR_INVALID_FLAG          1010 /* ceil_mode, count_include_pad or has_divisor not 0/1 */
#define CLPOOL_ERROR_INVALID_DTYPE         1011 /* data type is not a clpool_dtype */
#define CLPOOL_ERROR_INVALID_LAYOUT        1012 /* layout is not a clpool_layout */
#define CLPOOL_ERROR_INVALID_SHAPE         1013 /* N < 0, C < 1, a spatial size < 1 or too large */
#define CLPOOL_ERROR_OUTPUT_TOO_SMALL      1014 /* the output size along a dimension is < 1 */
#define CLPOOL_ERROR_SIZE_OVERFLOW         1015 /* an element or byte count overflows */
#define CLPOOL_ERROR_INVALID_CONTEXT       1016 /* clpool or OpenCL context is unusable */
#define CLPOOL_ERROR_INVALID_DEVICE        1017 /* device is not in the context or is unsuitable */
#define CLPOOL_ERROR_DEVICE_NOT_FOUND      1018 /* no OpenCL device, or CLPOOL_DEVICE matches none */
#define CLPOOL_ERROR_INVALID_PLAN          1019 /* plan is NULL */
#define CLPOOL_ERROR_INVALID_QUEUE         1020 /* queue is NULL or of another context/device */
#define CLPOOL_ERROR_INVALID_BUFFER        1021 /* buffer is NULL or of another context */
#define CLPOOL_ERROR_INVALID_OFFSET        1022 /* byte offset is not a multiple of the element */
#define CLPOOL_ERROR_BUFFER_TOO_SMALL      1023 /* buffer smaller than offset + bytes touched */
#define CLPOOL_ERROR_BUFFER_OVERLAP        1024 /* input and output ranges overlap in memory */
#define CLPOOL_ERROR_INVALID_WAIT_LIST     1025 /* event count and event pointer disagree */
#define CLPOOL_ERROR_OUT_OF_HOST_MEMORY    1026 /* a host allocation failed */
#define CLPOOL_ERROR_INVALID_OPTIONS       1027 /* plan option, cache dir or tuning file unusable */
#define CLPOOL_ERROR_KERNEL_SOURCE_MISSING 1028 /* an embedded kernel is missing */
#define CLPOOL_ERROR_INDEX_TYPE_TOO_SMALL  1029 /* int32 indices cannot address the input plane */
#define CLPOOL_ERROR_INVALID_INDEX         1030 /* unpooling: an index is neither -1 nor in range */

/* 1 when status is a failure (anything but CLPOOL_SUCCESS), else 0. */
CLPOOL_API int clpool_is_error(clpool_status status);

/* The symbolic name of any status, clpool's or OpenCL's ("CLPOOL_ERROR_INVALID_STRIDE",
 * "CL_OUT_OF_RESOURCES"), or "UNKNOWN_STATUS". Never NULL; the string is static. */
CLPOOL_API const char *clpool_status_name(clpool_status status);

/* A one-line description of any status. Never NULL; the string is static. */
CLPOOL_API const char *clpool_status_description(clpool_status status);

/* Detail on the calling thread's most recent failure: which parameter, which value, which rule
 * (and the compiler's build log after a failed kernel build). "" when nothing has failed on this
 * thread. The string is thread-local and stays valid until the next clpool call on this thread. */
CLPOOL_API const char *clpool_last_error(void);

/* ---- Descriptors ------------------------------------------------------------------------------
 */

#define CLPOOL_MAX_SPATIAL_RANK 3

/* Largest spatial size, kernel, effective kernel (dilation * (kernel - 1) + 1), stride or dilation
 * along one dimension: 2^28. Keeping each below it lets kernels do window arithmetic in 32 bits. */
#define CLPOOL_MAX_EXTENT ((int64_t)1 << 28)

/* Max results are bit-identical to PyTorch's on devices with single-precision denormals
 * (CL_FP_DENORM); a device that flushes them may compare a denormal as zero. */
typedef enum clpool_mode {
    CLPOOL_MODE_MAX = 1, /* torch.nn.functional.max_pool*d */
    CLPOOL_MODE_AVG = 2  /* torch.nn.functional.avg_pool*d */
} clpool_mode;

typedef enum clpool_dtype {
    CLPOOL_DTYPE_F32 = 1,  /* float; the only type in this version */
    CLPOOL_DTYPE_F16 = 2,  /* reserved: returns CLPOOL_ERROR_UNSUPPORTED */
    CLPOOL_DTYPE_BF16 = 3, /* reserved: returns CLPOOL_ERROR_UNSUPPORTED */
    CLPOOL_DTYPE_F64 = 4   /* reserved: returns CLPOOL_ERROR_UNSUPPORTED */
} clpool_dtype;

typedef enum clpool_layout {
    CLPOOL_LAYOUT_CHANNELS_FIRST = 1, /* NCHW (NCW, NCDHW) */
    CLPOOL_LAYOUT_CHANNELS_LAST = 2   /* NHWC (NWC, NDHWC) */
} clpool_layout;

/*
 * A dense tensor: N x C x spatial, in the given layout, with no padding between elements.
 * spatial[] lists the spatial sizes outermost first: {H, W} for rank 2 ({W} for 1, {D, H, W} for
 * 3). Entries past spatial_rank are ignored. Every rank 1..3 pools with the same rules.
 */
typedef struct clpool_tensor_desc {
    clpool_dtype dtype;
    clpool_layout layout;
    int spatial_rank;
    int64_t n; /* batch, >= 0; 0 gives an empty result and launches nothing */
    int64_t c; /* channels, 1 .. INT32_MAX */
    int64_t spatial[CLPOOL_MAX_SPATIAL_RANK]; /* each 1 .. CLPOOL_MAX_EXTENT */
} clpool_tensor_desc;

/*
 * A pooling operation, per spatial dimension in the same order as clpool_tensor_desc.spatial.
 * Rules (../shared/SEMANTICS.md, PyTorch's): kernel >= 1; stride >= 1, or 0 meaning "same as
 * kernel"; dilation >= 1; 0 <= pad_begin, pad_end <= floor(effective_kernel / 2) where
 * effective_kernel = dilation * (kernel - 1) + 1 (PyTorch stops at floor(kernel / 2), so with
 * dilation clpool accepts more; asymmetric padding is likewise an extension). ceil_mode,
 * count_include_pad and has_divisor_override are 0 or 1; with has_divisor_override,
 * divisor_override is any non-zero value in [-INT32_MAX, INT32_MAX] (negative allowed) and replaces
 * the average's divisor. Average-only fields (count_include_pad, has_divisor_override,
 * divisor_override) are ignored in max mode. Limits: kernel, stride, dilation and the effective
 * kernel at most CLPOOL_MAX_EXTENT per dimension (an effective kernel beyond it is
 * CLPOOL_ERROR_INVALID_KERNEL_SIZE), and the product of the kernel sizes at most INT32_MAX. Element
 * and byte counts of the input and output must fit int64_t and size_t. Start from
 * clpool_pool_desc_init (any rank) or its _1d/_2d/_3d forms, which set PyTorch's defaults.
 *
 * Adaptive pooling (PyTorch adaptive_max_pool*d / adaptive_avg_pool*d): with adaptive = 1 the
 * output's spatial sizes are output_size[] (each 1 .. CLPOOL_MAX_EXTENT, larger than the input
 * allowed) and output position o of a dimension of input size I pools [floor(o * I / O),
 * ceil((o + 1) * I / O)); the average divides by the window's size. kernel, stride, padding,
 * dilation and count_include_pad are then ignored; ceil_mode and has_divisor_override must be 0.
 * Global pooling is adaptive pooling with every output size 1 (clpool_pool_desc_init_global);
 * plans recognise it and read each plane with a loop whose bounds are compile-time constants.
 */
typedef struct clpool_pool_desc {
    clpool_mode mode;
    int spatial_rank;
    int64_t kernel[CLPOOL_MAX_SPATIAL_RANK];
    int64_t stride[CLPOOL_MAX_SPATIAL_RANK];
    int64_t pad_begin[CLPOOL_MAX_SPATIAL_RANK];
    int64_t pad_end[CLPOOL_MAX_SPATIAL_RANK];
    int64_t dilation[CLPOOL_MAX_SPATIAL_RANK];
    int ceil_mode;
    int count_include_pad;
    int has_divisor_override;
    int64_t divisor_override;
    int adaptive;                                 /* 0 or 1: windows from output_size */
    int64_t output_size[CLPOOL_MAX_SPATIAL_RANK]; /* adaptive only: the output's spatial sizes */
} clpool_pool_desc;

/* A pooling descriptor of spatial_rank dimensions with kernel[0 .. spatial_rank - 1] and
 * PyTorch's defaults: stride = kernel, no padding, dilation 1, ceil_mode off, count_include_pad
 * on, no divisor override, not adaptive. The fields are stored as given (a bad rank or kernel is
 * reported when the descriptor is used). Does nothing when desc or kernel is NULL. */
CLPOOL_API void clpool_pool_desc_init(clpool_pool_desc *desc, clpool_mode mode, int spatial_rank,
                                      const int64_t *kernel);

/* clpool_pool_desc_init for 1D (kernel along W), 2D (H, W) and 3D (D, H, W). */
CLPOOL_API void clpool_pool_desc_init_1d(clpool_pool_desc *desc, clpool_mode mode,
                                         int64_t kernel_w);
CLPOOL_API void clpool_pool_desc_init_2d(clpool_pool_desc *desc, clpool_mode mode, int64_t kernel_h,
                                         int64_t kernel_w);
CLPOOL_API void clpool_pool_desc_init_3d(clpool_pool_desc *desc, clpool_mode mode, int64_t kernel_d,
                                         int64_t kernel_h, int64_t kernel_w);

/* An adaptive pooling descriptor (adaptive = 1) with output_size[0 .. spatial_rank - 1]. Does
 * nothing when desc or output_size is NULL. */
CLPOOL_API void clpool_pool_desc_init_adaptive(clpool_pool_desc *desc, clpool_mode mode,
                                               int spatial_rank, const int64_t *output_size);

/* Global pooling: adaptive pooling to one output per (n, c) plane. Does nothing on NULL. */
CLPOOL_API void clpool_pool_desc_init_global(clpool_pool_desc *desc, clpool_mode mode,
                                             int spatial_rank);

/* A dense tensor descriptor with spatial[0 .. spatial_rank - 1] (outermost first). Stored as
 * given; validated when used. Does nothing when desc or spatial is NULL. */
CLPOOL_API void clpool_tensor_desc_init(clpool_tensor_desc *desc, clpool_dtype dtype,
                                        clpool_layout layout, int64_t n, int64_t c,
                                        int spatial_rank, const int64_t *spatial);

/* clpool_tensor_desc_init for 1D (N, C, W), 2D (N, C, H, W) and 3D (N, C, D, H, W) tensors. */
CLPOOL_API void clpool_tensor_desc_init_1d(clpool_tensor_desc *desc, clpool_dtype dtype,
                                           clpool_layout layout, int64_t n, int64_t c, int64_t w);
CLPOOL_API void clpool_tensor_desc_init_2d(clpool_tensor_desc *desc, clpool_dtype dtype,
                                           clpool_layout layout, int64_t n, int64_t c, int64_t h,
                                           int64_t w);
CLPOOL_API void clpool_tensor_desc_init_3d(clpool_tensor_desc *desc, clpool_dtype dtype,
                                           clpool_layout layout, int64_t n, int64_t c, int64_t d,
                                           int64_t h, int64_t w);

/* Element count and byte size of a tensor (N * C * spatial product, times the element size).
 * Fails with CLPOOL_ERROR_SIZE_OVERFLOW rather than wrap. Either output pointer may be NULL. */
CLPOOL_API clpool_status clpool_tensor_desc_size(const clpool_tensor_desc *desc, int64_t *elements,
                                                 size_t *bytes);

/*
 * Validates pool against input and writes the output tensor's descriptor (same dtype, layout, N,
 * C; pooled spatial sizes). Allocates nothing and touches no device: use it to check a
 * configuration before creating a plan. output may be NULL to validate only.
 */
CLPOOL_API clpool_status clpool_pool_output_desc(const clpool_pool_desc *pool,
                                                 const clpool_tensor_desc *input,
                                                 clpool_tensor_desc *output);

/* ---- Context ----------------------------------------------------------------------------------
 */

/*
 * A clpool_context is one OpenCL context + device and the cache of kernels built for it.
 * Thread safety: every function taking a clpool_context may be called from several threads at once
 * (the program cache is behind a mutex), except clpool_context_release, which must be the last use.
 */
typedef struct clpool_context clpool_context;

/*
 * Wraps the caller's context and device. The library retains both (clRetainContext,
 * clRetainDevice) and releases exactly those retains in clpool_context_release; it never releases
 * what the caller owns. device must belong to context.
 */
CLPOOL_API clpool_status clpool_context_create(cl_context context, cl_device_id device,
                                               clpool_context **out);

/*
 * Creates an OpenCL context on a default device, owned by the library. The device is chosen by the
 * environment variable CLPOOL_DEVICE when set: "P:D" (platform index in clGetPlatformIDs order,
 * device index in clGetDeviceIDs(CL_DEVICE_TYPE_ALL) order) or a case-insensitive substring of the
 * device name; otherwise the first GPU of any platform, otherwise the first device of any kind.
 * A CLPOOL_DEVICE that matches nothing fails with CLPOOL_ERROR_DEVICE_NOT_FOUND; it never falls
 * back silently.
 */
CLPOOL_API clpool_status clpool_context_create_default(clpool_context **out);

/* As clpool_context_create_default, with device_spec in place of CLPOOL_DEVICE (which is then not
 * read): "P:D" or part of a device name; NULL or "" picks the first GPU, else the first device. */
CLPOOL_API clpool_status clpool_context_create_on(const char *device_spec, clpool_context **out);

/* Releases the context's retains, cached programs and memory. NULL is ignored. Plans made from the
 * context hold their own reference, so they stay usable after this call until released. */
CLPOOL_API void clpool_context_release(clpool_context *ctx);

/* The wrapped OpenCL objects (not retained for the caller; valid while ctx is). NULL on NULL. */
CLPOOL_API cl_context clpool_context_cl_context(const clpool_context *ctx);
CLPOOL_API cl_device_id clpool_context_cl_device(const clpool_context *ctx);

/* Creates a new in-order command queue on the context's device, owned by the caller (release it
 * with clReleaseCommandQueue). enable_profiling 1 sets CL_QUEUE_PROFILING_ENABLE. */
CLPOOL_API clpool_status clpool_context_create_queue(const clpool_context *ctx,
                                                     int enable_profiling, cl_command_queue *queue);

/* Writes a one-line description of the device ("P:D name (vendor, OpenCL x.y, GPU)") into buf,
 * truncated to size bytes, NUL-terminated. */
CLPOOL_API clpool_status clpool_context_describe(const clpool_context *ctx, char *buf, size_t size);

/*
 * Keeps compiled kernels on disk in directory, so that a plan in a later process, or in another
 * context on the same device, loads its program binary instead of compiling it (on PoCL a first
 * plan then takes milliseconds instead of most of a second). Opt-in: off unless this is called or
 * the environment variable CLPOOL_CACHE_DIR names a directory when the context is created (an
 * unusable CLPOOL_CACHE_DIR leaves the cache off; it never fails context creation). NULL or ""
 * turns the cache off. Applies to programs this context builds from now on.
 *
 * A missing directory is created, parents included, with mode 0700 (files are created 0600):
 * CLPOOL_ERROR_INVALID_OPTIONS, naming directory, when that fails, when something other than a
 * directory is there, or when the name is longer than 4000 bytes; the previous setting is then
 * kept. A relative name is resolved now, against the current directory.
 *
 * One file per program, named clpool-<hash>.bin, keyed by the full kernel source, the build
 * options, the clpool version, the platform, device and driver version. A file that is truncated,
 * damaged, written for another key (a stale file) or refused by the driver is ignored: the
 * program is built from source and the file rewritten. Writes go to a temporary file that is then
 * renamed, so processes and threads sharing a directory only ever see complete files. A directory
 * that cannot be written (a read-only, pre-filled cache) is still read. Cache failures never fail
 * a plan and never touch clpool_last_error(). Use a directory only you can write to: a program
 * binary is code that runs on the device.
 */
CLPOOL_API clpool_status clpool_context_set_binary_cache(clpool_context *ctx,
                                                         const char *directory);

/*
 * Work-group sizes measured on this device (by `clpool tune`): plans created from now on that
 * leave options->local_size at 0 take their size from the tuning file at path, clamped to what
 * their kernel allows (CL_KERNEL_WORK_GROUP_SIZE); a plan the file has no entry for uses the
 * built-in rule. NULL or "" turns tuning off. Off unless this is called or the environment
 * variable CLPOOL_TUNE_FILE names a file when the context is created (any problem with that file
 * leaves tuning off; it never fails context creation). The file is read whole, now.
 *
 * A tuning file is text: the line "clpool-tuning 1"; three lines naming the device it was
 * measured on ("platform: NAME | VERSION", "device: NAME | VERSION", "driver: VERSION"), exactly
 * as clpool_context_write_tuning_file writes them; then one entry per line, "PASS MODE LAYOUT
 * WINDOW LOCAL_SIZE" (the plan's key, see clpool_plan_tuning_key, and a size in [1, 65536]).
 * Any key field may be '*'; a plan takes the matching entry with the fewest '*', the later line
 * among equals. Blank lines and lines starting with '#' are skipped; '#' on an entry line starts
 * a comment.
 *
 * Returns CLPOOL_ERROR_INVALID_OPTIONS, naming path and the reason, with the previous tuning kept,
 * when the file cannot be opened, is not a regular file, is larger than 1 MiB, does not start
 * with a clpool tuning header of this format version, or names another platform, device or
 * driver version (sizes measured elsewhere may be wrong here). An entry line that does not parse
 * is skipped, never an error. No tuning file can make a plan fail or compute anything different;
 * the worst it can do is make a plan slower.
 */
CLPOOL_API clpool_status clpool_context_set_tuning_file(clpool_context *ctx, const char *path);

/*
 * Writes a tuning file for ctx's device to path: the header, then count entries, keys[i] (four
 * blank-separated fields as clpool_plan_tuning_key gives them, '*' allowed) with local_sizes[i]
 * (1 .. 65536). Every entry is checked before anything is written (CLPOOL_ERROR_INVALID_OPTIONS
 * naming the first bad one). The file is written to a temporary file beside path and renamed
 * over it, so readers never see part of one; its mode is 0644. ctx's own tuning is unchanged:
 * call clpool_context_set_tuning_file to use the file.
 */
CLPOOL_API clpool_status clpool_context_write_tuning_file(const clpool_context *ctx,
                                                          const char *path, size_t count,
                                                          const char *const *keys,
                                                          const size_t *local_sizes);

/* ---- Plan -------------------------------------------------------------------------------------
 */

/*
 * How a plan's kernel is specialised. SPECIALISE_WINDOW compiles the window (kernel, stride,
 * padding, dilation, average divisor rules) and the tensor sizes into the kernel as constants: the
 * fastest kernel, one compile per distinct configuration. SPECIALISE_NONE passes them as arguments:
 * one compile per mode, layout and index width serves every configuration. AUTO is WINDOW.
 */
typedef enum clpool_specialisation {
    CLPOOL_SPECIALISE_AUTO = 0,
    CLPOOL_SPECIALISE_NONE = 1,
    CLPOOL_SPECIALISE_WINDOW = 2
} clpool_specialisation;

/*
 * Max-pooling indices (PyTorch's return_indices): for each output, the flat index of the chosen
 * tap within the spatial plane of its (n, c) — h * W + w for 2D — whatever the memory layout,
 * laid out like the output. Ties keep the first maximum, NaN records the last NaN, an all -inf
 * window its first in-bounds tap, a window with no in-bounds tap -1. INT32 refuses (with
 * CLPOOL_ERROR_INDEX_TYPE_TOO_SMALL) an input plane of more than INT32_MAX elements.
 */
typedef enum clpool_index_type {
    CLPOOL_INDEX_NONE = 0,  /* no indices: enqueue with clpool_plan_enqueue */
    CLPOOL_INDEX_INT64 = 1, /* int64_t, PyTorch's type: enqueue with ..._with_indices */
    CLPOOL_INDEX_INT32 = 2  /* int32_t: half the bytes, for planes up to INT32_MAX elements */
} clpool_index_type;

/*
 * local_size: the work-group size. A non-zero size is used as given (it must fit the kernel, else
 * plan creation fails with CLPOOL_ERROR_INVALID_OPTIONS; a launch the device refuses fails), split
 * over two dimensions for some plans (clpool_plan_build_options). 0
 * lets clpool choose per device and kernel: the context's tuning file
 * (clpool_context_set_tuning_file) when it has an entry for the plan, else 256 (divided by 4,
 * down to 16, while the launch would have fewer than 4 work-groups per compute unit), fitted to the
 * kernel's limit and CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE; and when a
 * launch is refused with CL_OUT_OF_RESOURCES, CL_INVALID_WORK_GROUP_SIZE or
 * CL_INVALID_WORK_ITEM_SIZE, the enqueue retries with half the size, down to 1, and the plan
 * keeps the first size that works. Plans with stepped lanes (-DSTEPPED_LANES in
 * clpool_plan_build_options) need work-groups of at least 8: a smaller size, given or chosen,
 * is raised to 8, and their retries stop at 8.
 */
typedef struct clpool_plan_options {
    clpool_specialisation specialisation;
    size_t local_size;         /* work-group size; 0 chooses per device and kernel */
    clpool_index_type indices; /* max pooling only: also write argmax indices */
} clpool_plan_options;

/* Sets the defaults: AUTO specialisation, local size chosen by the library, no indices. */
CLPOOL_API void clpool_plan_options_init(clpool_plan_options *options);

/*
 * A validated pooling operation with its kernel built, ready to enqueue on any buffers of the
 * right size. Thread safety: clpool_plan_enqueue and the query functions may be called on one plan
 * from several threads at once (kernel arguments are bound under the plan's lock); create and
 * release must not race with other uses of the same plan.
 */
typedef struct clpool_plan clpool_plan;

/*
 * Validates pool and input exactly as clpool_pool_output_desc does, then builds (or takes from
 * ctx's program cache, keyed by context, device and build options) the kernel. options may be NULL
 * for the defaults. The plan keeps ctx alive until clpool_plan_release.
 */
CLPOOL_API clpool_status clpool_plan_create(clpool_context *ctx, const clpool_pool_desc *pool,
                                            const clpool_tensor_desc *input,
                                            const clpool_plan_options *options, clpool_plan **out);

/* Releases the plan, and with it the scratch buffer a two-pass plan keeps between enqueues
 * (clpool_plan_kernel_count). NULL is ignored. Enqueued work that is still running is
 * unaffected. */
CLPOOL_API void clpool_plan_release(clpool_plan *plan);

/* The plan's input and output descriptors. */
CLPOOL_API clpool_status clpool_plan_input_desc(const clpool_plan *plan, clpool_tensor_desc *desc);
CLPOOL_API clpool_status clpool_plan_output_desc(const clpool_plan *plan, clpool_tensor_desc *desc);

/* The bytes the plan reads from the input and writes to the output (either pointer may be NULL). */
CLPOOL_API clpool_status clpool_plan_bytes(const clpool_plan *plan, size_t *input_bytes,
                                           size_t *output_bytes);

/* The bytes of indices the plan writes (0 for a plan without indices), and their type. */
CLPOOL_API clpool_status clpool_plan_indices_bytes(const clpool_plan *plan, size_t *indices_bytes,
                                                   clpool_index_type *type);

/* The OpenCL build options the plan's kernel was compiled with (static for the plan's life), and
 * the work-group size it launches with now (smaller after a refused launch). Plans launched in
 * two dimensions (-DLANES in the options) split that size into a width dividing the lanes
 * launched along dimension 0 (the channels; the output's W, rounded up to a multiple of 8 for
 * unit stride, to 8 for strided planes narrower than 8 written with indices or wrapped
 * (-DWRAPPED_LANES=8, below), or to a multiple of 8 for compacted lanes, -DCOMPACTED_LANES,
 * below); for
 * channels-first backward passes the input's W over the stride, rounded up to a multiple of 8,
 * or for global ones the plane; a two-pass channels-first global average's slices) times a
 * height, which can come to a little less; with -DSTEPPED_LANES (unit-stride channels-first max
 * forward plans with indices on CPU devices) the width is always 8 and the size at least 8
 * (options->local_size). Specialised channels-first average backward plans on CPU
 * devices with stride 1 in every dimension and one divisor for every window (divisor_override,
 * or count_include_pad) run the forward kernel on grad_output instead of the gather (no
 * -DBACKWARD_KIND in the options; the window padded by kernel - 1 - pad at each end and
 * -DDIVISOR the shared divisor): the same sums in the same order, so the same bits, at 1.3-1.8x
 * the gather's speed on PoCL. For logs and benchmarks. */
CLPOOL_API const char *clpool_plan_build_options(const clpool_plan *plan);
CLPOOL_API size_t clpool_plan_local_size(const clpool_plan *plan);

/* How many kernels one enqueue of the plan runs, each waiting on the one before (the event an
 * enqueue returns is the last one's): 3 for compacting plans (-DCOMPACTED_LANES, below) with edge
 * rows (-DEDGE_FIRST or -DEDGE_LAST above 0: windows that overhang along W, or lanes that read
 * filler columns, -DFILLER_COLUMNS or -DFILLER_BEFORE, below): the lanes, the copy, then the edge
 * rows, which the third kernel writes into the output and indices (2 for compacting plans
 * without edge rows); 2 for unpooling (elect,
 * gather; after the fills of its output and status word), for strided channels-first forward plans
 * whose windows overhang along W with edge rows, and for unit-stride ones (max without indices, and
 * averages, whose windows overhang along W; max with -DSTEPPED_LANES, whose windows may lie inside
 * the input, then without edge rows and one kernel) (-DEDGE_ROWS in the options,
 * CPU devices only, with
 * -DEDGE_FIRST or -DEDGE_LAST above 0: a second kernel computes those first and last output rows,
 * which the unclamped taps of the first would read outside the input; also for the max plans whose
 * lanes read filler columns, -DFILLER_COLUMNS or -DFILLER_BEFORE: strided width lanes at least 8
 * wide or compacted, of windows at least 2 rows high that overlap along W and leave a group of
 * stride-many columns incomplete (the width, or the padding along W, no multiple of the stride),
 * inside the input or with edge rows, whose first or last rows would read those columns outside
 * the input; also for the plans on CPU devices whose strided planes are 6 or 7 outputs wide,
 * -DWRAPPED_LANES=8: 8 lanes per output row, each surplus lane computing one of the next row's
 * first outputs, which that row's lane also stores, the same bits; their edge rows always
 * include the tensor's last output row, as no row follows it; for max and average without
 * indices where a window row's columns form whole groups of the stride, filler columns
 * included, and with indices where the windows also stay inside the input along W), on CPU
 * devices for channels-first max forward
 * plans with indices whose strided windows overlap along W and lie inside the input, or overhang
 * it along W with edge rows, and whose
 * output W is at least 3 above a multiple of 8, with fewer than 2^31 elements in the input, the
 * output and the rounded rows' lanes
 * (-DCOMPACTED_LANES in the options: the first kernel stores every lane of the rows rounded up
 * to a multiple of 8 into a scratch buffer, values then int argmaxes, 8 bytes per lane, and the
 * second copies the live lanes into the output and indices; the lanes' rows exclude any edge
 * rows) and for global pooling plans of large
 * inputs (-DGLOBAL_PARTIALS in the options: specialised, at least 2^18 input elements;
 * channels-last average or max with C a multiple of 8 and a plane of more than 8 taps along some
 * dimension, channels-last average on CPU devices with C x the element size a multiple of 4,096
 * bytes and a plane of more than 8 taps (in blocks of at most 8 taps: taps that far apart share
 * a few L1 cache sets), or channels-first average on devices other than CPUs, with planes of at
 * least 1,024 elements and fewer than 64 planes per compute unit; the first kernel sums blocks or
 * slices of the plane, or takes the blocks' maxima and argmaxes, into a scratch buffer, the second
 * combines those), and on CPU devices for specialised max-from-indices backward plans with int64
 * indices
 * (-DNARROW_INDICES in the options) that launch lanes (-DLANES), are not global, have planes of
 * fewer than 2^31 elements, at least as many outputs as CL_DEVICE_MAX_WORK_ITEM_SIZES[0] (4,096 on
 * PoCL) and at least 4 covering outputs per element (ceil(kernel / stride) multiplied over the
 * dimensions: 3 x 3 windows of stride 1 or 2, for example); the first kernel copies each index
 * into a scratch buffer as a 32-bit int, -1 where it lies outside its plane, which the gather
 * reads instead (1.4-2.2x faster on PoCL, docs/PERFORMANCE.md); also on CPU devices for
 * specialised channels-first max-from-indices backward plans (-DSCATTER_BACKWARD in the options)
 * with dilation 1 and kernel <= 2 x stride in every dimension (2 x 2 or 3 x 3 windows of stride
 * 2, for example), planes of fewer than 2^31 elements and at least
 * CL_DEVICE_MAX_WORK_ITEM_SIZES[0] outputs and grad_input elements, with int32 indices or int64
 * ones, these on a little-endian device where windows do not overlap and with no more outputs
 * than grad_input elements where they do: the first kernel writes +0 to every grad_input element
 * (and narrows int64 indices of overlapping windows into the kept scratch buffer, 4 bytes per
 * output), the second, one work-item per output, writes to the element its index names, when
 * that lies in its window, the gather's sum there: +0 + its gradient where windows do not
 * overlap, else the sum, in row-major output order, of the gradients of the neighbouring outputs
 * (one step away) whose windows hold the element and name it, written by the first of them
 * (1.1-2.1x faster on PoCL); else 1; 0 for NULL. The plan keeps
 * that scratch buffer (a compacting plan's lanes; one value per block, and for a max one index; a
 * block is up to 64 taps of the plane, 8 for a line whose length cannot be folded into rows or for
 * the cache-set rule above; 4 bytes per index when narrowing, and for a scatter that narrows, where
 * every overlapping dimension has at least 3 outputs, as many ints of -1 before and after them as
 * the farthest neighbour is outputs away (W + 1 in 2D), which clEnqueueFillBuffer writes when the
 * buffer is created, waiting on nothing; the first kernel waits on that fill and the call's wait
 * list) from one enqueue to the next on the same in-order queue, and releases it with the plan; an
 * enqueue on another queue gets a new one, kept in turn if that queue is in-order. A plan with
 * nothing to compute enqueues only a marker. Should the second launch fail, the first stays
 * enqueued (it writes only inside the output or the plan's scratch buffer) and the enqueue returns
 * the failure; should a third fail, the first two stay enqueued (the copy writes most of the
 * output and indices) and the enqueue returns the failure, the output then incomplete. A narrowing
 * plan's scratch buffer is created by its first enqueue on a queue, not at plan creation. For
 * profiling: with 2, time the call from a marker enqueued just before it. */
CLPOOL_API unsigned clpool_plan_kernel_count(const clpool_plan *plan);

/* The key under which tuning files list the plan's work-group size, "PASS MODE LAYOUT WINDOW":
 * PASS forward, forward_indices, backward_max_indices, backward_max_input, backward_avg or
 * unpool; MODE max or avg; LAYOUT channels_first or channels_last; WINDOW sliding, adaptive or
 * global (adaptive to one output per plane). Static for the plan's life; "" for NULL. */
CLPOOL_API const char *clpool_plan_tuning_key(const clpool_plan *plan);

/*
 * Enqueues the pooling of input into output on queue and returns at once; it never blocks and
 * never calls clFinish. input_offset and output_offset are byte offsets into the buffers, multiples
 * of the element size. Before enqueueing it checks that the queue belongs to the plan's context and
 * device, that each buffer belongs to the context and holds offset + the plan's bytes, and that the
 * two ranges do not overlap. The kernel waits for the num_events_in_wait_list events of
 * event_wait_list; when event is not NULL it receives a new event for the pooling, which the caller
 * releases. With N = 0 nothing is launched (a marker carries the wait list and the event) and the
 * buffers may be NULL. Only output bytes [output_offset, output_offset + output_bytes) are written.
 */
CLPOOL_API clpool_status clpool_plan_enqueue(const clpool_plan *plan, cl_command_queue queue,
                                             cl_mem input, size_t input_offset, cl_mem output,
                                             size_t output_offset, cl_uint num_events_in_wait_list,
                                             const cl_event *event_wait_list, cl_event *event);

/*
 * As clpool_plan_enqueue, also writing the argmax of every output into indices at byte offset
 * indices_offset (a multiple of the index size), for a plan created with options->indices set.
 * indices is checked like output (context, write access, size, no overlap with input or output).
 * A plan without indices refuses this call, and a plan with indices refuses clpool_plan_enqueue,
 * both with CLPOOL_ERROR_INVALID_PLAN.
 */
CLPOOL_API clpool_status clpool_plan_enqueue_with_indices(
    const clpool_plan *plan, cl_command_queue queue, cl_mem input, size_t input_offset,
    cl_mem output, size_t output_offset, cl_mem indices, size_t indices_offset,
    cl_uint num_events_in_wait_list, const cl_event *event_wait_list, cl_event *event);

/* ---- Backward passes --------------------------------------------------------------------------
 */

/*
 * The gradient of a pooling with respect to its input (SEMANTICS.md "Backward"), computed as a
 * gather: each grad_input element sums, in row-major output order, what the outputs whose windows
 * contain it send it, so results are identical run to run and need no atomics. Specialised
 * channels-first max-from-indices plans on CPU devices with kernel <= 2 x stride compute the
 * same sums from the outputs' side instead (clpool_plan_kernel_count): the same bits, each
 * element still written by one work-item, with no atomics either.
 */
typedef enum clpool_backward_kind {
    /* grad_input[idx(o)] += grad_output[o], with the forward pass's indices. aux is the indices
     * buffer (type from options->indices; CLPOOL_INDEX_NONE means int64). Only outputs whose
     * window contains an element are consulted, so an index pointing outside its own window
     * (which no forward pass writes) contributes nothing, and nothing is written out of bounds. */
    CLPOOL_BACKWARD_MAX_FROM_INDICES = 1,
    /* The same, with each window's argmax found again in the forward input (aux), by the forward
     * rules: no index buffer to keep between the passes, at the price of rescanning every window
     * containing an element (about kernel^2 windows of kernel^2 taps per element, in 2D): prefer
     * MAX_FROM_INDICES for large windows with stride 1. */
    CLPOOL_BACKWARD_MAX_FROM_INPUT = 2,
    /* Every in-bounds element of window o receives grad_output[o] / divisor(o), with exactly the
     * forward pass's divisors. aux must be NULL. */
    CLPOOL_BACKWARD_AVG = 3
} clpool_backward_kind;

/*
 * A backward plan for the pooling of input by pool: validated like clpool_plan_create (the
 * descriptors describe the forward pass), with kind matching pool->mode. options->indices is
 * the index type for CLPOOL_BACKWARD_MAX_FROM_INDICES and must be NONE otherwise. For a backward
 * plan, clpool_plan_input_desc and clpool_plan_bytes' input_bytes describe grad_input (written),
 * clpool_plan_output_desc and output_bytes grad_output (read), clpool_plan_indices_bytes the
 * indices read.
 */
CLPOOL_API clpool_status clpool_backward_plan_create(
    clpool_context *ctx, const clpool_pool_desc *pool, const clpool_tensor_desc *input,
    clpool_backward_kind kind, const clpool_plan_options *options, clpool_plan **out);

/*
 * Enqueues a backward plan: reads grad_output (shaped and laid out like the forward output) and
 * aux (the indices, the forward input, or NULL, per the plan's kind) and writes every element of
 * grad_input (shaped like the forward input), each at its byte offset. Checks, events and
 * threading as clpool_plan_enqueue; grad_input must not overlap grad_output or aux. Forward
 * plans refuse this call and backward plans refuse the forward ones (CLPOOL_ERROR_INVALID_PLAN).
 */
CLPOOL_API clpool_status clpool_plan_enqueue_backward(
    const clpool_plan *plan, cl_command_queue queue, cl_mem grad_output, size_t grad_output_offset,
    cl_mem aux, size_t aux_offset, cl_mem grad_input, size_t grad_input_offset,
    cl_uint num_events_in_wait_list, const cl_event *event_wait_list, cl_event *event);

/* ---- Max unpooling ----------------------------------------------------------------------------
 */

/*
 * Max unpooling (PyTorch max_unpool): an output of the given spatial size, zero except where an
 * index points: for each (n, c), output plane position indices[v] receives values[v]; when
 * several values point at one position the last in row-major order wins, as in PyTorch's loop.
 * values is the pooled tensor; indices (laid out like values, type from options->indices,
 * CLPOOL_INDEX_NONE meaning int64) hold flat plane positions of the output ((z * H + h) * W + w),
 * as max pooling with indices writes them. -1 (a window with no in-bounds tap) is skipped. The
 * output has values' N, C, layout and rank (1, 2 or 3; output_spatial holds one size per
 * spatial dimension). This version unpools float32 tensors whose values plane has at most
 * INT32_MAX elements.
 */
CLPOOL_API clpool_status clpool_unpool_plan_create(clpool_context *ctx,
                                                   const clpool_tensor_desc *values,
                                                   const int64_t *output_spatial,
                                                   const clpool_plan_options *options,
                                                   clpool_plan **out);

/*
 * Enqueues an unpooling plan: reads values and indices, writes every element of output. No index
 * makes a write leave output, whatever the index buffer holds: an index that is neither -1 nor
 * inside the output plane is skipped, and when status is not NULL the cl_int at status_offset
 * receives CLPOOL_SUCCESS, or CLPOOL_ERROR_INVALID_INDEX if any index was skipped so. status is
 * written by the device, also when there is nothing to unpool: read it after the returned event
 * (the call never blocks). An OpenCL failure while enqueueing the passes (after the arguments are
 * bound) may leave output filled with -1 words; every other failure writes nothing. Checks,
 * events and threading as clpool_plan_enqueue; output must not overlap values, indices or status.
 */
CLPOOL_API clpool_status clpool_plan_enqueue_unpool(
    const clpool_plan *plan, cl_command_queue queue, cl_mem values, size_t values_offset,
    cl_mem indices, size_t indices_offset, cl_mem output, size_t output_offset, cl_mem status,
    size_t status_offset, cl_uint num_events_in_wait_list, const cl_event *event_wait_list,
    cl_event *event);

#ifdef __cplusplus
}
#endif

#endif /* CLPOOL_CLPOOL_H */
