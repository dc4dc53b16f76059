/*
 * Shared test plumbing for suites that touch a device: fixtures that make the OpenCL state inside
 * the test's process (per test, or once for unforked suites), and a runner that pools host data
 * through a plan exactly as a careful user would, at non-zero offsets, into NaN-prefilled outputs
 * fenced by guard regions, then compares with the CPU reference and reports the first mismatches
 * with their coordinates.
 */
#ifndef CLPOOL_TESTS_TEST_DEVICE_H
#define CLPOOL_TESTS_TEST_DEVICE_H

#include <check.h>
#include <clpool/clpool.h>

typedef struct test_device {
    clpool_context *ctx;
    cl_context context;
    cl_device_id device;
    cl_command_queue queue;
} test_device;

/* Filled by the setup fixtures below. Check forks each test and OpenCL state made before a fork is
 * unusable in the child, so setup must be a checked fixture (run inside each test's process),
 * never an unchecked one. */
extern test_device dev;

/* A new context and queue for each test, released after it. */
void device_setup(void);
void device_teardown(void);

/*
 * For suites whose tests leave no state on the context: with CK_FORK=no, every test of the
 * process shares the first test's device (PoCL spends 0.8 s loading its kernel library into each
 * new OpenCL context before a build its cache misses, and clpool's program cache lives in the
 * context); forked, each test makes its own as device_setup does. Adds to tc a checked fixture
 * (setup once, teardown after each test) and an unchecked teardown that releases the shared
 * device in the same process after the test case without forks (and releases nothing in Check's
 * parent with them).
 */
void add_shared_device_fixture(TCase *tc);

/* Guards and offsets the runner uses, in floats. */
#define TEST_INPUT_OFFSET  5
#define TEST_OUTPUT_OFFSET 7
#define TEST_GUARD         64

/* The prefill that marks unwritten outputs: a quiet NaN with a payload no input uses. */
#define TEST_PREFILL_BITS 0x7fc0deadu

/*
 * Pools x (laid out per input) on dev with a plan of the given specialisation. On success returns
 * CLPOOL_SUCCESS and a malloc'd copy of the output in *y (count elements in *count, NULL for
 * none); fails the test if a guard was touched. On failure returns the status, *y = NULL.
 */
clpool_status run_on_device(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                            const float *x, clpool_specialisation specialisation, float **y,
                            size_t *count);

/*
 * As run_on_device, with a plan that also writes indices of index_type into a guarded buffer at
 * a non-zero offset; *indices receives them widened to int64 (NULL with CLPOOL_INDEX_NONE).
 */
clpool_status run_with_indices(const clpool_pool_desc *pool, const clpool_tensor_desc *input,
                               const float *x, clpool_specialisation specialisation,
                               clpool_index_type index_type, float **y, int64_t **indices,
                               size_t *count);

/* Max pooling with indices on the device against ref_pool_max_indices: values and indices
 * bit-for-bit; fails the test with the first mismatch and its coordinates. */
void expect_indices_match_reference(const char *label, const clpool_pool_desc *pool,
                                    const clpool_tensor_desc *input, const float *x,
                                    clpool_specialisation specialisation,
                                    clpool_index_type index_type);

/*
 * A backward pass of kind on the device (grad_output, aux and grad_input at non-zero offsets,
 * grad_input prefilled and guarded) against the scatter references: max bit-for-bit, average
 * within 1e-6 relative to the magnitudes summed. x is the forward input (the max kinds need it
 * for the argmax; with MAX_FROM_INDICES the indices come from ref_pool_max_indices, passed as
 * index_type).
 */
void expect_backward_matches_reference(const char *label, const clpool_pool_desc *pool,
                                       const clpool_tensor_desc *input, const float *x,
                                       const float *grad_out, clpool_backward_kind kind,
                                       clpool_specialisation specialisation,
                                       clpool_index_type index_type);

/*
 * As expect_backward_matches_reference with CLPOOL_BACKWARD_MAX_FROM_INDICES, after replacing
 * every third output's index with one that matches no element of its plane yet shares bits with
 * the right one (the same low 32 bits, the sign bit set, past the plane, below -1): such an index
 * must contribute nothing, as -1 does in the reference.
 */
void expect_backward_skips_foreign_indices(const char *label, const clpool_pool_desc *pool,
                                           const clpool_tensor_desc *input, const float *x,
                                           const float *grad_out,
                                           clpool_specialisation specialisation,
                                           clpool_index_type index_type);

/*
 * Unpools values (with indices, passed as index_type) into out_spatial on the device, output
 * prefilled and guarded at a non-zero offset, and compares bit-for-bit with ref_max_unpool after
 * dropping the invalid indices, which the device must skip; the status word must report
 * CLPOOL_ERROR_INVALID_INDEX exactly when has_invalid.
 */
void expect_unpool_matches_reference(const char *label, const clpool_tensor_desc *values,
                                     const int64_t *out_spatial, const float *v,
                                     const int64_t *indices, clpool_index_type index_type,
                                     clpool_specialisation specialisation, int has_invalid);

/*
 * Runs pool on x on the device and with the reference, and compares: max bit-for-bit, average
 * within 1e-6 relative to max(|reference|, the window's mean magnitude). Fails the test with the
 * case label and the first mismatches.
 */
void expect_matches_reference(const char *label, const clpool_pool_desc *pool,
                              const clpool_tensor_desc *input, const float *x,
                              clpool_specialisation specialisation);

/* Returns the same tensor in the other layout, for running a case both ways. */
clpool_tensor_desc with_layout(const clpool_tensor_desc *input, clpool_layout layout);

/* Converts channels-first data to channels-last (count = n * c * plane). */
void to_channels_last(const float *src, float *dst, int64_t n, int64_t c, int64_t plane);

/* Float bits, for bit-exact comparison. */
uint32_t float_bits(float v);

#endif
