/*
 * Work-group sizes, white-box (compiled from the host sources, like test_internal): the tuning
 * file parser line by line (good files, every kind of bad line skipped, foreign and damaged files
 * refused whole), lookup by specificity, a plan taking its size from a file written by the
 * library and a caller's size winning over it, bad files and CLPOOL_TUNE_FILE never failing
 * anything, and the launch that retries smaller work-groups, driven by a fake
 * clEnqueueNDRangeKernel that refuses large ones and forwards the rest to the real driver. Every
 * device test plans the same small problem, so the suite compiles two kernels at most.
 */
#include "suite_main.h"
#include "cases.h"
#include "local_size.h"
#include "reference.h"
#include "test_device.h"
#include "tuning.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- The parser, without a device --------------------------------------------------------------
 */

static const char identity[] = "platform: Plat | OpenCL 3.0 P\n"
                               "device: Dev one | OpenCL 3.0\n"
                               "driver: 1.2.3\n";

/* A valid header for identity, then body. */
static const char *with_header(const char *body) {
    static char text[1 << 14];
    snprintf(text, sizeof text, "%s\n%s%s", CLPOOL_TUNING_MAGIC, identity, body);
    return text;
}

static clpool_tuning_key key_of(const char *text) {
    clpool_tuning_key key;
    const char *problem = NULL;
    ck_assert_msg(clpool_tuning_key_parse(text, &key, &problem) == 0, "%s: %s", text, problem);
    return key;
}

static size_t lookup(const clpool_tuning_table *table, const char *key_text) {
    const clpool_tuning_key key = key_of(key_text);
    return clpool_tuning_lookup(table, &key);
}

START_TEST(test_parse_good_file) {
    const char *text = "# comment\r\n"
                       "clpool-tuning 1\r\n"
                       "platform: Plat | OpenCL 3.0 P  \r\n"
                       "\n"
                       "device: Dev one | OpenCL 3.0\n"
                       "   # indented comment\n"
                       "driver: 1.2.3\n"
                       "forward max channels_first sliding 64\r\n"
                       "\tbackward_avg   avg channels_last global\t128  # a comment\n"
                       "unpool * * * 16";
    clpool_tuning_table table;
    const char *problem = clpool_tuning_parse(text, strlen(text), identity, &table);
    ck_assert_msg(problem == NULL, "%s", problem);
    ck_assert_uint_eq(table.count, 3);
    ck_assert_uint_eq(table.skipped, 0);
    ck_assert_uint_eq(lookup(&table, "forward max channels_first sliding"), 64);
    ck_assert_uint_eq(lookup(&table, "backward_avg avg channels_last global"), 128);
    ck_assert_uint_eq(lookup(&table, "unpool max channels_last sliding"), 16);
    ck_assert_uint_eq(lookup(&table, "forward max channels_last sliding"), 0);
    ck_assert_uint_eq(lookup(&table, "forward_indices max channels_first sliding"), 0);
    clpool_tuning_table_free(&table);
}
END_TEST

typedef struct bad_line {
    const char *line;
    const char *problem; /* the fragment the first skipped line's problem holds */
} bad_line;

static const bad_line bad_lines[] = {
    {"forward max channels_first sliding", "five fields"},
    {"forward max channels_first sliding 64 64", "five fields"},
    {"forwards max channels_first sliding 64", "PASS"},
    {"forward mean channels_first sliding 64", "MODE"},
    {"forward max nchw sliding 64", "LAYOUT"},
    {"forward max channels_first window 64", "WINDOW"},
    {"forward max channels_first sliding 0", "LOCAL_SIZE"},
    {"forward max channels_first sliding 65537", "LOCAL_SIZE"},
    {"forward max channels_first sliding 99999999999999999999999", "LOCAL_SIZE"},
    {"forward max channels_first sliding -64", "LOCAL_SIZE"},
    {"forward max channels_first sliding +64", "LOCAL_SIZE"},
    {"forward max channels_first sliding 0x40", "LOCAL_SIZE"},
    {"forward max channels_first sliding 64k", "LOCAL_SIZE"},
    {"forward max channels_first sliding 6.4", "LOCAL_SIZE"},
    {"forward max channels_first sliding ?", "LOCAL_SIZE"},
    {"FORWARD max channels_first sliding 64", "PASS"},
    {"platform: Plat | OpenCL 3.0 P", "five fields"},
};

/* Each bad line between two good ones: skipped and counted, the good ones kept. */
START_TEST(test_parse_skips_bad_lines) {
    char body[512];
    snprintf(body, sizeof body, "forward max channels_first sliding 32\n%s\nunpool * * * 8\n",
             bad_lines[_i].line);
    const char *text = with_header(body);
    clpool_tuning_table table;
    const char *problem = clpool_tuning_parse(text, strlen(text), identity, &table);
    ck_assert_msg(problem == NULL, "%s", problem);
    ck_assert_uint_eq(table.count, 2);
    ck_assert_uint_eq(table.skipped, 1);
    ck_assert_int_eq(table.first_skipped_line, 6);
    ck_assert_msg(strstr(table.first_skipped_problem, bad_lines[_i].problem),
                  "'%s' skipped for '%s'", bad_lines[_i].line, table.first_skipped_problem);
    ck_assert_uint_eq(lookup(&table, "forward max channels_first sliding"), 32);
    clpool_tuning_table_free(&table);
}
END_TEST

START_TEST(test_parse_skips_odd_bytes) {
    char long_line[400];
    memset(long_line, 'x', sizeof long_line - 1);
    long_line[sizeof long_line - 1] = '\0';
    char body[1024];
    snprintf(body, sizeof body, "%s\nforward max channels_first sliding 8\n", long_line);
    const char *text = with_header(body);
    char with_nul[2048];
    const size_t size = strlen(text);
    memcpy(with_nul, text, size);
    memcpy(with_nul + size, "forward max channels_first sliding 1\0 6\n", 40);
    clpool_tuning_table table;
    ck_assert_ptr_null(clpool_tuning_parse(with_nul, size + 40, identity, &table));
    ck_assert_uint_eq(table.count, 1);
    ck_assert_uint_eq(table.skipped, 2);
    ck_assert_str_eq(table.first_skipped_problem, "line too long");
    ck_assert_uint_eq(lookup(&table, "forward max channels_first sliding"), 8);
    clpool_tuning_table_free(&table);
}
END_TEST

typedef struct bad_file {
    const char *text;
    const char *problem;
} bad_file;

static const bad_file bad_files[] = {
    {"", "not a clpool tuning file"},
    {"# only a comment\n", "not a clpool tuning file"},
    {"\x7f"
     "ELF\x02\x01",
     "not a clpool tuning file"},
    {"forward max channels_first sliding 64\n", "not a clpool tuning file"},
    {"clpool-tuning 2\n", "another format version"},
    {"clpool-tuning 1\n", "lacks the platform"},
    {"clpool-tuning 1\nforward max channels_first sliding 64\n", "lacks the platform"},
    {"clpool-tuning 1\nplatform: Other | OpenCL 3.0 P\ndevice: Dev one | OpenCL 3.0\ndriver: "
     "1.2.3\n",
     "another platform"},
    {"clpool-tuning 1\nplatform: Plat | OpenCL 3.0 P\ndevice: Dev two | OpenCL 3.0\ndriver: "
     "1.2.3\n",
     "another device"},
    {"clpool-tuning 1\nplatform: Plat | OpenCL 3.0 P\ndevice: Dev one | OpenCL 3.0\ndriver: "
     "1.2.4\n",
     "another driver version"},
    {"clpool-tuning 1\nplatform: Plat | OpenCL 3.0 P\ndriver: 1.2.3\n", "lacks the platform"},
    {"clpool-tuning 1\nplatform: Plat | OpenCL 3.0 P\ndevice: Dev one | OpenCL 3.0\n",
     "lacks the platform"},
};

/* A text that is no tuning file, or one for another device, is refused whole. */
START_TEST(test_parse_refuses_foreign_files) {
    clpool_tuning_table table;
    const char *text = bad_files[_i].text;
    const char *problem = clpool_tuning_parse(text, strlen(text), identity, &table);
    ck_assert_msg(problem && strstr(problem, bad_files[_i].problem), "file %d: got '%s'", _i,
                  problem ? problem : "(accepted)");
    ck_assert_uint_eq(table.count, 0);
    ck_assert_ptr_null(table.entries);
}
END_TEST

START_TEST(test_parse_limits) {
    const size_t big = CLPOOL_TUNING_MAX_TEXT + 1;
    char *text = malloc(big);
    ck_assert_ptr_nonnull(text);
    memset(text, '#', big);
    clpool_tuning_table table;
    ck_assert_str_eq(clpool_tuning_parse(text, big, identity, &table), "larger than 1 MiB");
    /* 4097 entries: the last is skipped, the first 4096 kept. */
    const char *header = with_header("");
    size_t used = (size_t)sprintf(text, "%s", header);
    for (int i = 0; i <= CLPOOL_TUNING_MAX_ENTRIES; ++i)
        used += (size_t)sprintf(text + used, "forward max * * %d\n", i + 1);
    ck_assert_ptr_null(clpool_tuning_parse(text, used, identity, &table));
    ck_assert_uint_eq(table.count, CLPOOL_TUNING_MAX_ENTRIES);
    ck_assert_uint_eq(table.skipped, 1);
    ck_assert_uint_eq(lookup(&table, "forward max channels_last global"), 4096);
    clpool_tuning_table_free(&table);
    free(text);
}
END_TEST

/* The entry with the fewest '*' wins; among equals, the later line. */
START_TEST(test_lookup_specificity) {
    const char *text = with_header("forward max channels_first sliding 512\n"
                                   "* * * * 8\n"
                                   "forward * * * 16\n"
                                   "forward max * * 32\n"
                                   "forward max * * 48\n"
                                   "* * channels_last * 24\n");
    clpool_tuning_table table;
    ck_assert_ptr_null(clpool_tuning_parse(text, strlen(text), identity, &table));
    ck_assert_uint_eq(lookup(&table, "forward max channels_first sliding"), 512);
    ck_assert_uint_eq(lookup(&table, "forward max channels_first global"), 48);
    ck_assert_uint_eq(lookup(&table, "forward avg channels_first sliding"), 16);
    ck_assert_uint_eq(lookup(&table, "forward avg channels_last sliding"), 24); /* later line */
    ck_assert_uint_eq(lookup(&table, "backward_avg avg channels_last sliding"), 24);
    ck_assert_uint_eq(lookup(&table, "backward_avg avg channels_first sliding"), 8);
    clpool_tuning_table_free(&table);
}
END_TEST

START_TEST(test_format_round_trip) {
    clpool_tuning_entry entries[3] = {
        {key_of("forward_indices max channels_last adaptive"), 96},
        {key_of("* avg * global"), 1},
        {key_of("backward_max_input max channels_first sliding"), 65536}};
    char *text = clpool_tuning_format(identity, entries, 3);
    ck_assert_ptr_nonnull(text);
    clpool_tuning_table table;
    ck_assert_ptr_null(clpool_tuning_parse(text, strlen(text), identity, &table));
    ck_assert_uint_eq(table.count, 3);
    ck_assert_uint_eq(table.skipped, 0);
    for (int i = 0; i < 3; ++i) {
        char a[CLPOOL_TUNING_KEY_TEXT], b[CLPOOL_TUNING_KEY_TEXT];
        clpool_tuning_key_text(&entries[i].key, a, sizeof a);
        clpool_tuning_key_text(&table.entries[i].key, b, sizeof b);
        ck_assert_str_eq(a, b);
        ck_assert_uint_eq(table.entries[i].local_size, entries[i].local_size);
    }
    clpool_tuning_table_free(&table);
    free(text);
    const char *problem = NULL;
    clpool_tuning_key key;
    ck_assert_int_eq(clpool_tuning_key_parse("forward max channels_first", &key, &problem), -1);
    ck_assert_int_eq(
        clpool_tuning_key_parse("forward max channels_first sliding 8", &key, &problem), -1);
    ck_assert_int_eq(clpool_tuning_key_parse("forward max channels_first slid", &key, &problem),
                     -1);
    ck_assert_ptr_nonnull(strstr(problem, "WINDOW"));
}
END_TEST

/* ---- Plans and tuning files on the device ------------------------------------------------------
 */

/* The problem every device test plans: 1x3x8x8, 3x3 max pooling, stride 2, padding 1. */
enum { IN_COUNT = 3 * 8 * 8, OUT_COUNT = 3 * 4 * 4 };

static void problem(clpool_pool_desc *pool, clpool_tensor_desc *input, clpool_layout layout) {
    clpool_pool_desc_init_2d(pool, CLPOOL_MODE_MAX, 3, 3);
    pool->stride[0] = pool->stride[1] = 2;
    pool->pad_begin[0] = pool->pad_begin[1] = pool->pad_end[0] = pool->pad_end[1] = 1;
    clpool_tensor_desc_init_2d(input, CLPOOL_DTYPE_F32, layout, 1, 3, 8, 8);
}

static clpool_plan *plan_on(clpool_context *ctx, clpool_layout layout, size_t local_size) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    problem(&pool, &input, layout);
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.local_size = local_size;
    clpool_plan *plan = NULL;
    ck_assert_msg(clpool_plan_create(ctx, &pool, &input, &options, &plan) == CLPOOL_SUCCESS, "%s",
                  clpool_last_error());
    return plan;
}

/* What the built-in rule gives plan's kernel (host/local_size.c default_size and fit). */
static size_t builtin_size(const clpool_plan *plan) {
    size_t max = 0, multiple = 1;
    ck_assert_int_eq(clGetKernelWorkGroupInfo(plan->kernel, dev.device, CL_KERNEL_WORK_GROUP_SIZE,
                                              sizeof max, &max, NULL),
                     CL_SUCCESS);
    ck_assert_int_eq(clGetKernelWorkGroupInfo(plan->kernel, dev.device,
                                              CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE,
                                              sizeof multiple, &multiple, NULL),
                     CL_SUCCESS);
    if (plan->ctx->facts.max_work_item_size < max)
        max = plan->ctx->facts.max_work_item_size;
    /* 256, divided by 4 (not below 16) while there would be fewer than 4 groups per unit */
    const uint64_t wanted =
        4 * (uint64_t)(plan->ctx->facts.compute_units ? plan->ctx->facts.compute_units : 1);
    size_t size = 256;
    while (size > 16 && plan->work_items / size < wanted)
        size /= 4;
    if (size <= max)
        return size;
    return multiple > 1 && max >= multiple ? max - max % multiple : max;
}

/* Runs plan, made for pool over input (in_count values, out_count results), on random data and
 * compares with the reference, bit for bit; with_indices: a max plan with int64 indices, run on
 * integers (ties) and its indices compared as well. */
static void expect_matches_with(const clpool_plan *plan, const clpool_pool_desc *pool,
                                const clpool_tensor_desc *input, size_t in_count, size_t out_count,
                                int with_indices) {
    float *x = malloc(in_count * sizeof *x), *want = malloc(out_count * sizeof *want),
          *got = malloc(out_count * sizeof *got);
    int64_t *want_idx = malloc(out_count * sizeof *want_idx),
            *got_idx = malloc(out_count * sizeof *got_idx);
    ck_assert(x && want && got && want_idx && got_idx);
    fill_input(with_indices ? FILL_INTEGERS : FILL_RANDOM, 5, x, in_count);
    ck_assert_int_eq(with_indices ? ref_pool_max_indices(pool, input, x, want, want_idx)
                                  : ref_pool_forward(pool, input, x, want, NULL),
                     0);
    cl_int err = CL_SUCCESS;
    cl_mem in = clCreateBuffer(dev.context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                               in_count * sizeof *x, x, &err);
    cl_mem out =
        clCreateBuffer(dev.context, CL_MEM_WRITE_ONLY, out_count * sizeof *got, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    cl_mem idx = with_indices ? clCreateBuffer(dev.context, CL_MEM_WRITE_ONLY,
                                               out_count * sizeof *got_idx, NULL, &err)
                              : NULL;
    ck_assert_int_eq(err, CL_SUCCESS);
    const clpool_status status =
        with_indices ? clpool_plan_enqueue_with_indices(plan, dev.queue, in, 0, out, 0, idx, 0, 0,
                                                        NULL, NULL)
                     : clpool_plan_enqueue(plan, dev.queue, in, 0, out, 0, 0, NULL, NULL);
    ck_assert_msg(status == CLPOOL_SUCCESS, "%s", clpool_last_error());
    ck_assert_int_eq(clEnqueueReadBuffer(dev.queue, out, CL_TRUE, 0, out_count * sizeof *got, got,
                                         0, NULL, NULL),
                     CL_SUCCESS);
    ck_assert_int_eq(memcmp(got, want, out_count * sizeof *got), 0);
    if (with_indices) {
        ck_assert_int_eq(clEnqueueReadBuffer(dev.queue, idx, CL_TRUE, 0,
                                             out_count * sizeof *got_idx, got_idx, 0, NULL, NULL),
                         CL_SUCCESS);
        ck_assert_int_eq(memcmp(got_idx, want_idx, out_count * sizeof *got_idx), 0);
        clReleaseMemObject(idx);
    }
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    free(x);
    free(want);
    free(got);
    free(want_idx);
    free(got_idx);
}

static void expect_matches(const clpool_plan *plan, const clpool_pool_desc *pool,
                           const clpool_tensor_desc *input, size_t in_count, size_t out_count) {
    expect_matches_with(plan, pool, input, in_count, out_count, 0);
}

/* Runs a channels-first plan of the problem and compares with the reference, bit for bit. */
static void expect_correct(const clpool_plan *plan) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    problem(&pool, &input, CLPOOL_LAYOUT_CHANNELS_FIRST);
    expect_matches(plan, &pool, &input, IN_COUNT, OUT_COUNT);
}

static char temp_dir[64];

/* No tuning file from the environment, a device, and an empty directory for files. */
static void setup(void) {
    unsetenv("CLPOOL_TUNE_FILE");
    device_setup();
    strcpy(temp_dir, "/tmp/clpool-tuning-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(temp_dir));
}

static void teardown(void) {
    DIR *dir = opendir(temp_dir);
    for (struct dirent *e; dir && (e = readdir(dir));) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", temp_dir, e->d_name);
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlink(path);
    }
    if (dir)
        closedir(dir);
    rmdir(temp_dir);
    device_teardown();
}

static void path_in_temp(const char *name, char *path, size_t size) {
    snprintf(path, size, "%s/%s", temp_dir, name);
}

/* Writes a tuning file for dev's device with the given entries. */
static void write_tuning(const char *path, size_t count, const char *const *keys,
                         const size_t *sizes) {
    ck_assert_msg(clpool_context_write_tuning_file(dev.ctx, path, count, keys, sizes) ==
                      CLPOOL_SUCCESS,
                  "%s", clpool_last_error());
}

static const char *const tuned_keys[] = {"forward max channels_first sliding", "* * * *"};
static const size_t tuned_sizes[] = {16, 24};

START_TEST(test_plan_uses_tuned_size) {
    char path[256];
    path_in_temp("tune.txt", path, sizeof path);
    clpool_plan *untuned = plan_on(dev.ctx, CLPOOL_LAYOUT_CHANNELS_FIRST, 0);
    const size_t builtin = builtin_size(untuned);
    ck_assert_uint_eq(clpool_plan_local_size(untuned), builtin);
    ck_assert_str_eq(clpool_plan_tuning_key(untuned), "forward max channels_first sliding");
    ck_assert_int_eq(untuned->local_size_tuned, 0);
    write_tuning(path, 2, tuned_keys, tuned_sizes);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0644);
    ck_assert_int_eq(clpool_context_set_tuning_file(dev.ctx, path), CLPOOL_SUCCESS);
    clpool_plan *tuned = plan_on(dev.ctx, CLPOOL_LAYOUT_CHANNELS_FIRST, 0);
    ck_assert_uint_eq(clpool_plan_local_size(tuned), 16);
    ck_assert_int_eq(tuned->local_size_tuned, 1);
    ck_assert_uint_eq(tuned->global_size, 48);
    expect_correct(tuned);
    clpool_plan *other = plan_on(dev.ctx, CLPOOL_LAYOUT_CHANNELS_LAST, 0);
    ck_assert_str_eq(clpool_plan_tuning_key(other), "forward max channels_last sliding");
    ck_assert_uint_eq(clpool_plan_local_size(other), 24); /* the '*' entry */
    clpool_plan *fixed = plan_on(dev.ctx, CLPOOL_LAYOUT_CHANNELS_FIRST, 40);
    ck_assert_uint_eq(clpool_plan_local_size(fixed), 40); /* the caller's size wins */
    ck_assert_int_eq(fixed->local_size_tuned, 0);
    ck_assert_uint_eq(clpool_plan_local_size(untuned), builtin); /* made before: unchanged */
    clpool_plan_release(untuned);
    clpool_plan_release(tuned);
    clpool_plan_release(other);
    clpool_plan_release(fixed);
}
END_TEST

/* A size beyond the kernel's limit is clamped to it. */
START_TEST(test_tuned_size_clamped) {
    char path[256];
    path_in_temp("huge.txt", path, sizeof path);
    const char *keys[] = {"forward * * *"};
    const size_t sizes[] = {65536};
    write_tuning(path, 1, keys, sizes);
    ck_assert_int_eq(clpool_context_set_tuning_file(dev.ctx, path), CLPOOL_SUCCESS);
    clpool_plan *plan = plan_on(dev.ctx, CLPOOL_LAYOUT_CHANNELS_FIRST, 0);
    size_t kernel_max = 0;
    ck_assert_int_eq(clGetKernelWorkGroupInfo(plan->kernel, dev.device, CL_KERNEL_WORK_GROUP_SIZE,
                                              sizeof kernel_max, &kernel_max, NULL),
                     CL_SUCCESS);
    ck_assert_uint_lt(kernel_max, 65536);
    ck_assert_uint_le(clpool_plan_local_size(plan), kernel_max);
    ck_assert_uint_gt(clpool_plan_local_size(plan), kernel_max / 2);
    expect_correct(plan);
    clpool_plan_release(plan);
}
END_TEST

/* Writes text as the file name in the temporary directory; returns its path. */
static const char *plant(const char *name, const char *text) {
    static char path[256];
    path_in_temp(name, path, sizeof path);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* A file that cannot be used is an error of the call, never of a plan, and keeps the tuning. */
START_TEST(test_bad_files_keep_tuning) {
    char good[256], missing[256];
    path_in_temp("good.txt", good, sizeof good);
    path_in_temp("missing.txt", missing, sizeof missing);
    write_tuning(good, 2, tuned_keys, tuned_sizes);
    ck_assert_int_eq(clpool_context_set_tuning_file(dev.ctx, good), CLPOOL_SUCCESS);
    ck_assert_int_eq(clpool_context_set_tuning_file(dev.ctx, missing),
                     CLPOOL_ERROR_INVALID_OPTIONS);
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "missing.txt"));
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "no such file"));
    const char *foreign = plant("foreign.txt", "clpool-tuning 1\nplatform: x | y\ndevice: d | "
                                               "v\ndriver: 1\nforward * * * 8\n");
    ck_assert_int_eq(clpool_context_set_tuning_file(dev.ctx, foreign),
                     CLPOOL_ERROR_INVALID_OPTIONS);
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "another platform"));
    ck_assert_int_eq(clpool_context_set_tuning_file(dev.ctx, temp_dir),
                     CLPOOL_ERROR_INVALID_OPTIONS);
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "not a regular file"));
    clpool_plan *plan = plan_on(dev.ctx, CLPOOL_LAYOUT_CHANNELS_FIRST, 0);
    ck_assert_uint_eq(clpool_plan_local_size(plan), 16); /* the good file still applies */
    clpool_plan_release(plan);
    ck_assert_int_eq(clpool_context_set_tuning_file(dev.ctx, NULL), CLPOOL_SUCCESS);
    plan = plan_on(dev.ctx, CLPOOL_LAYOUT_CHANNELS_FIRST, 0);
    ck_assert_uint_eq(clpool_plan_local_size(plan), builtin_size(plan));
    ck_assert_int_eq(plan->local_size_tuned, 0);
    clpool_plan_release(plan);
    ck_assert_int_eq(clpool_context_set_tuning_file(NULL, good), CLPOOL_ERROR_INVALID_CONTEXT);
}
END_TEST

/* CLPOOL_TUNE_FILE is read when a context is created; a bad one is ignored. */
START_TEST(test_environment_variable) {
    char good[256];
    path_in_temp("env.txt", good, sizeof good);
    write_tuning(good, 2, tuned_keys, tuned_sizes);
    char junk[256], fifo[256];
    snprintf(junk, sizeof junk, "%s", plant("junk.txt", "\x01\x02junk"));
    path_in_temp("fifo", fifo, sizeof fifo);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0); /* must not hang context creation */
    const char *names[] = {good, junk, temp_dir, "/nonexistent/x", fifo};
    for (int i = 0; i < 5; ++i) {
        setenv("CLPOOL_TUNE_FILE", names[i], 1);
        clpool_context *ctx = NULL;
        ck_assert_int_eq(clpool_context_create(dev.context, dev.device, &ctx), CLPOOL_SUCCESS);
        clpool_plan *plan = plan_on(ctx, CLPOOL_LAYOUT_CHANNELS_FIRST, 0);
        const size_t want = i == 0 ? 16 : builtin_size(plan);
        ck_assert_msg(clpool_plan_local_size(plan) == want, "CLPOOL_TUNE_FILE=%s: size %zu",
                      names[i], clpool_plan_local_size(plan));
        clpool_plan_release(plan);
        clpool_context_release(ctx);
    }
    unsetenv("CLPOOL_TUNE_FILE");
}
END_TEST

START_TEST(test_write_arguments) {
    char path[256], missing_dir[256];
    path_in_temp("w.txt", path, sizeof path);
    path_in_temp("no/such/dir.txt", missing_dir, sizeof missing_dir);
    const char *keys[] = {"forward max channels_first sliding", "forward maximum * *"};
    const size_t sizes[] = {64, 0};
    ck_assert_int_eq(clpool_context_write_tuning_file(dev.ctx, path, 2, keys, tuned_sizes),
                     CLPOOL_ERROR_INVALID_OPTIONS);
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "keys[1] = 'forward maximum * *'"));
    ck_assert_int_eq(clpool_context_write_tuning_file(dev.ctx, path, 1, keys, sizes + 1),
                     CLPOOL_ERROR_INVALID_OPTIONS);
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "local_sizes[0] = 0"));
    ck_assert_int_eq(access(path, F_OK), -1); /* nothing written */
    ck_assert_int_eq(clpool_context_write_tuning_file(NULL, path, 1, keys, sizes),
                     CLPOOL_ERROR_INVALID_CONTEXT);
    ck_assert_int_eq(clpool_context_write_tuning_file(dev.ctx, NULL, 1, keys, sizes),
                     CLPOOL_ERROR_NULL_POINTER);
    ck_assert_int_eq(clpool_context_write_tuning_file(dev.ctx, path, 1, NULL, sizes),
                     CLPOOL_ERROR_NULL_POINTER);
    ck_assert_int_eq(clpool_context_write_tuning_file(dev.ctx, missing_dir, 1, keys, sizes),
                     CLPOOL_ERROR_INVALID_OPTIONS);
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "cannot be written"));
    ck_assert_int_eq(clpool_context_write_tuning_file(dev.ctx, path, 0, NULL, NULL),
                     CLPOOL_SUCCESS); /* an empty file: every plan uses the built-in rule */
    ck_assert_int_eq(clpool_context_set_tuning_file(dev.ctx, path), CLPOOL_SUCCESS);
    ck_assert_str_eq(clpool_plan_tuning_key(NULL), "");
}
END_TEST

/* ---- Retrying refused work-group sizes ---------------------------------------------------------
 */

/* The fake clEnqueueNDRangeKernel: refuses work-groups of more than refuse_above work-items
 * with refusal, logs every call (a two-dimensional one's work-group size is its product, its
 * extents are kept as well), and hands the others to the driver. */
static size_t refuse_above;
static cl_int refusal;
static int calls;
static size_t called_local[32], called_global[32];
static cl_uint called_dims[32];
static size_t called_local_2d[32][2], called_global_2d[32][2];

static cl_int CL_API_CALL fake_ndrange(cl_command_queue queue, cl_kernel kernel, cl_uint dims,
                                       const size_t *offset, const size_t *global,
                                       const size_t *local, cl_uint count, const cl_event *events,
                                       cl_event *event) {
    const size_t group = dims > 1 ? local[0] * local[1] : *local;
    if (calls < 32) {
        called_local[calls] = group;
        called_global[calls] = *global;
        called_dims[calls] = dims;
        for (cl_uint d = 0; d < 2 && d < dims; ++d) {
            called_local_2d[calls][d] = local[d];
            called_global_2d[calls][d] = global[d];
        }
    }
    ++calls;
    if (group > refuse_above)
        return refusal;
    return clEnqueueNDRangeKernel(queue, kernel, dims, offset, global, local, count, events, event);
}

static void fake_refusing(clpool_plan *plan, size_t above, cl_int code) {
    plan->ndrange = fake_ndrange;
    refuse_above = above;
    refusal = code;
    calls = 0;
}

static const cl_int refusals[] = {CL_OUT_OF_RESOURCES, CL_INVALID_WORK_GROUP_SIZE,
                                  CL_INVALID_WORK_ITEM_SIZE};

/* Refused sizes are halved until one works, which the plan then keeps. */
START_TEST(test_retry_smaller) {
    clpool_plan *plan = plan_on(dev.ctx, CLPOOL_LAYOUT_CHANNELS_FIRST, 0);
    size_t want[16];
    int tries = 0;
    const size_t accepted = builtin_size(plan) / 8 ? builtin_size(plan) / 8 : 1;
    for (size_t size = builtin_size(plan); tries == 0 || want[tries - 1] > accepted; size /= 2)
        want[tries++] = size; /* e.g. 8, 4, 2, 1: this small plan's size is the rule's floor */
    fake_refusing(plan, accepted, refusals[_i]);
    expect_correct(plan);
    ck_assert_int_eq(calls, tries);
    for (int i = 0; i < tries; ++i) {
        ck_assert_uint_eq(called_local[i], want[i]);
        ck_assert_uint_eq(called_global[i] % want[i], 0);
        ck_assert_uint_ge(called_global[i], OUT_COUNT);
        ck_assert_uint_lt(called_global[i], OUT_COUNT + want[i]);
    }
    const size_t kept = want[tries - 1];
    ck_assert_uint_eq(clpool_plan_local_size(plan), kept);
    ck_assert_uint_eq(plan->local_size_retries, (unsigned long)tries - 1);
    calls = 0;
    expect_correct(plan); /* the next enqueue starts at the size that worked */
    ck_assert_int_eq(calls, 1);
    ck_assert_uint_eq(called_local[0], kept);
    clpool_plan_release(plan);
}
END_TEST

/* A two-dimensional launch (channel lanes) retries the same way: each smaller work-group is
 * split again into lanes dividing the channels and rows covering them, and the plan keeps the
 * first size that works and still computes the reference's result. */
START_TEST(test_retry_smaller_lanes) {
    enum { C = 64, IN = 1 * C * 8 * 8, OUT = 1 * C * 4 * 4 };
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, 2, 2);
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_LAST, 1, C, 8, 8);
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.local_size = 0;
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, &options, &plan), CLPOOL_SUCCESS);
    ck_assert_int_ne(plan->lanes, 0);
    const size_t first = clpool_plan_local_size(plan);
    ck_assert_uint_ge(first, 4);
    fake_refusing(plan, first / 4, CL_OUT_OF_RESOURCES);
    expect_matches(plan, &pool, &input, IN, OUT);
    ck_assert_int_eq(calls, 3); /* first, first / 2, first / 4 */
    for (int i = 0; i < calls; ++i) {
        ck_assert_uint_eq(called_dims[i], 2);
        const size_t *local = called_local_2d[i], *global = called_global_2d[i];
        ck_assert_uint_le(called_local[i], first >> i);
        ck_assert_uint_eq(C % local[0], 0);
        ck_assert_uint_eq(global[0], C);
        ck_assert_uint_eq(global[1] % local[1], 0);
        ck_assert_uint_ge(global[1], OUT / C);
    }
    ck_assert_uint_eq(clpool_plan_local_size(plan), first / 4);
    ck_assert_uint_eq(plan->local_size_retries, 2);
    clpool_plan_release(plan);
}
END_TEST

/* When every size is refused the plan keeps its size and the error says so. */
START_TEST(test_retry_exhausted) {
    clpool_plan *plan = plan_on(dev.ctx, CLPOOL_LAYOUT_CHANNELS_FIRST, 0);
    fake_refusing(plan, 0, CL_OUT_OF_RESOURCES);
    cl_int err = CL_SUCCESS;
    cl_mem in = clCreateBuffer(dev.context, CL_MEM_READ_WRITE, IN_COUNT * 4, NULL, &err);
    cl_mem out = clCreateBuffer(dev.context, CL_MEM_READ_WRITE, OUT_COUNT * 4, NULL, &err);
    ck_assert_int_eq(clpool_plan_enqueue(plan, dev.queue, in, 0, out, 0, 0, NULL, NULL),
                     CL_OUT_OF_RESOURCES);
    const size_t builtin = builtin_size(plan);
    int tries = 0;
    for (size_t size = builtin; size > 0; size /= 2)
        ++tries;
    ck_assert_int_eq(calls, tries); /* 256 down to 1 on most devices */
    ck_assert_uint_eq(called_local[tries - 1], 1);
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "every smaller size down to 1"));
    ck_assert_uint_eq(clpool_plan_local_size(plan), builtin);
    ck_assert_uint_eq(plan->global_size, (OUT_COUNT + builtin - 1) / builtin * builtin);
    /* An error that is not about the size is not retried. */
    fake_refusing(plan, 0, CL_INVALID_KERNEL_ARGS);
    ck_assert_int_eq(clpool_plan_enqueue(plan, dev.queue, in, 0, out, 0, 0, NULL, NULL),
                     CL_INVALID_KERNEL_ARGS);
    ck_assert_int_eq(calls, 1);
    /* The caller's size is never changed: the error names it. */
    clpool_plan *fixed = plan_on(dev.ctx, CLPOOL_LAYOUT_CHANNELS_FIRST, 64);
    fake_refusing(fixed, 32, CL_OUT_OF_RESOURCES);
    ck_assert_int_eq(clpool_plan_enqueue(fixed, dev.queue, in, 0, out, 0, 0, NULL, NULL),
                     CL_OUT_OF_RESOURCES);
    ck_assert_int_eq(calls, 1);
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "options->local_size = 64"));
    ck_assert_uint_eq(clpool_plan_local_size(fixed), 64);
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    clpool_plan_release(plan);
    clpool_plan_release(fixed);
}
END_TEST

/* A stepped-lane plan (pool_kernels.h, clpool_kernel_stepped_lanes: channels-first max forward
 * with indices, unit stride, on CPU devices) runs groups of 8 lanes at least: a caller's size
 * under 8 is raised to 8, and refused sizes are halved down to 8, not below, where the error
 * then stops. Every launch that works gives the reference's values and indices. */
START_TEST(test_retry_stepped_lanes) {
    /* 3 x 3 windows, stride 1, padding 1 along H only: windows that overhang along W would
     * add the edge rows' kernel, another launch. */
    enum { IN = 1 * 2 * 4 * 20, OUT = 1 * 2 * 4 * 18 };
    if (!dev.ctx->facts.cpu)
        return; /* stepped lanes are for CPU devices */
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    clpool_pool_desc_init_2d(&pool, CLPOOL_MODE_MAX, 3, 3);
    pool.stride[0] = pool.stride[1] = 1;
    pool.pad_begin[0] = pool.pad_end[0] = 1;
    clpool_tensor_desc_init_2d(&input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 2, 4, 20);
    clpool_plan_options options;
    clpool_plan_options_init(&options);
    options.indices = CLPOOL_INDEX_INT64;
    clpool_plan *plan = NULL;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, &options, &plan), CLPOOL_SUCCESS);
    ck_assert_int_eq(plan->stepped_lanes, 1);
    ck_assert_uint_eq(clpool_plan_kernel_count(plan), 1);
    const size_t first = clpool_plan_local_size(plan);
    ck_assert_uint_ge(first, 16);
    int tries = 0;
    for (size_t size = first; size >= 8; size /= 2)
        ++tries;
    /* Every size refused: halved down to 8, and the error says so. */
    fake_refusing(plan, 4, CL_OUT_OF_RESOURCES);
    cl_int err = CL_SUCCESS;
    cl_mem in = clCreateBuffer(dev.context, CL_MEM_READ_WRITE, IN * 4, NULL, &err);
    cl_mem out = clCreateBuffer(dev.context, CL_MEM_READ_WRITE, OUT * 4, NULL, &err);
    cl_mem idx = clCreateBuffer(dev.context, CL_MEM_READ_WRITE, OUT * 8, NULL, &err);
    ck_assert_int_eq(
        clpool_plan_enqueue_with_indices(plan, dev.queue, in, 0, out, 0, idx, 0, 0, NULL, NULL),
        CL_OUT_OF_RESOURCES);
    ck_assert_int_eq(calls, tries);
    ck_assert_uint_eq(called_local_2d[tries - 1][0], 8);
    ck_assert_uint_eq(called_local_2d[tries - 1][1], 1);
    ck_assert_ptr_nonnull(strstr(clpool_last_error(), "every smaller size down to 8"));
    ck_assert_uint_eq(clpool_plan_local_size(plan), first);
    clReleaseMemObject(in);
    clReleaseMemObject(out);
    clReleaseMemObject(idx);
    /* Refused above 8: the plan keeps 8, one group of 8 lanes. */
    fake_refusing(plan, 8, CL_OUT_OF_RESOURCES);
    expect_matches_with(plan, &pool, &input, IN, OUT, 1);
    ck_assert_int_eq(calls, tries);
    ck_assert_uint_eq(clpool_plan_local_size(plan), 8);
    clpool_plan_release(plan);
    /* A caller's size under 8 is raised to 8. */
    options.local_size = 4;
    ck_assert_int_eq(clpool_plan_create(dev.ctx, &pool, &input, &options, &plan), CLPOOL_SUCCESS);
    ck_assert_uint_eq(clpool_plan_local_size(plan), 8);
    fake_refusing(plan, 8, CL_OUT_OF_RESOURCES);
    expect_matches_with(plan, &pool, &input, IN, OUT, 1);
    ck_assert_int_eq(calls, 1);
    ck_assert_uint_eq(called_local_2d[0][0], 8);
    clpool_plan_release(plan);
}
END_TEST

static Suite *tuning_suite(void) {
    Suite *s = suite_create("tuning");
    TCase *parse = tcase_create("parse");
    tcase_add_test(parse, test_parse_good_file);
    tcase_add_loop_test(parse, test_parse_skips_bad_lines, 0,
                        (int)(sizeof bad_lines / sizeof bad_lines[0]));
    tcase_add_test(parse, test_parse_skips_odd_bytes);
    tcase_add_loop_test(parse, test_parse_refuses_foreign_files, 0,
                        (int)(sizeof bad_files / sizeof bad_files[0]));
    tcase_add_test(parse, test_parse_limits);
    tcase_add_test(parse, test_lookup_specificity);
    tcase_add_test(parse, test_format_round_trip);
    suite_add_tcase(s, parse);
    TCase *device = tcase_create("device");
    tcase_add_checked_fixture(device, setup, teardown);
    tcase_set_timeout(device, 120);
    tcase_add_test(device, test_plan_uses_tuned_size);
    tcase_add_test(device, test_tuned_size_clamped);
    tcase_add_test(device, test_bad_files_keep_tuning);
    tcase_add_test(device, test_environment_variable);
    tcase_add_test(device, test_write_arguments);
    tcase_add_loop_test(device, test_retry_smaller, 0, (int)(sizeof refusals / sizeof refusals[0]));
    tcase_add_test(device, test_retry_smaller_lanes);
    tcase_add_test(device, test_retry_exhausted);
    tcase_add_test(device, test_retry_stepped_lanes);
    suite_add_tcase(s, device);
    return s;
}

int main(void) {
    return run_suite(tuning_suite());
}
