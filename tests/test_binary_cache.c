/*
 * The on-disk program cache, white-box (compiled from the host sources, so the counters of how
 * each program was obtained are visible): a plan writes its binary and another context, thread
 * or process loads it and still computes the reference's output; every kind of damaged or stale
 * file is rejected for its own reason, rebuilt from source and rewritten; concurrent writers leave
 * one complete file and no temporary ones; an unwritable directory and a bad CLPOOL_CACHE_DIR
 * cost nothing but the cache. Every test plans the same small problem, so a whole run compiles
 * one kernel from scratch at most (PoCL caches the rest).
 */
#include "suite_main.h"
#include "binary_cache.h"
#include "cache_file.h"
#include "cases.h"
#include "context.h"
#include "reference.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- Helpers ----------------------------------------------------------------------------------
 */

/* A 1x3x8x8 channels-first input and a 3x3 stride-2 padding-1 max pool (output 1x3x4x4). */
enum { IN_COUNT = 3 * 8 * 8, OUT_COUNT = 3 * 4 * 4 };

static void standard_problem(clpool_pool_desc *pool, clpool_tensor_desc *input) {
    clpool_pool_desc_init_2d(pool, CLPOOL_MODE_MAX, 3, 3);
    pool->stride[0] = pool->stride[1] = 2;
    pool->pad_begin[0] = pool->pad_begin[1] = pool->pad_end[0] = pool->pad_end[1] = 1;
    clpool_tensor_desc_init_2d(input, CLPOOL_DTYPE_F32, CLPOOL_LAYOUT_CHANNELS_FIRST, 1, 3, 8, 8);
}

/* Runs plan on x into y on a new queue of ctx; an OpenCL status. */
static cl_int run_plan(clpool_context *ctx, const clpool_plan *plan, const float *x, float *y) {
    cl_command_queue queue = NULL;
    cl_int err = clpool_context_create_queue(ctx, 0, &queue);
    if (err != CL_SUCCESS)
        return err;
    cl_context context = clpool_context_cl_context(ctx);
    cl_mem in = clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                               IN_COUNT * sizeof(float), (void *)x, &err);
    if (err != CL_SUCCESS)
        goto release_queue;
    cl_mem out = clCreateBuffer(context, CL_MEM_WRITE_ONLY, OUT_COUNT * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS)
        goto release_in;
    err = clpool_plan_enqueue(plan, queue, in, 0, out, 0, 0, NULL, NULL);
    if (err == CL_SUCCESS)
        err = clEnqueueReadBuffer(queue, out, CL_TRUE, 0, OUT_COUNT * sizeof(float), y, 0, NULL,
                                  NULL);
    clReleaseMemObject(out);
release_in:
    clReleaseMemObject(in);
release_queue:
    clReleaseCommandQueue(queue);
    return err;
}

/*
 * Plans the standard problem on ctx, runs it and compares with the reference bit for bit. Returns
 * 0, or 1 with the reason in why. It asserts nothing, so forked children and threads can use it.
 */
static int pool_and_check(clpool_context *ctx, char *why, size_t size) {
    clpool_pool_desc pool;
    clpool_tensor_desc input;
    standard_problem(&pool, &input);
    float x[IN_COUNT], want[OUT_COUNT], got[OUT_COUNT];
    fill_input(FILL_RANDOM, 11, x, IN_COUNT);
    if (ref_pool_forward(&pool, &input, x, want, NULL) != 0)
        return snprintf(why, size, "the reference refused the problem"), 1;
    clpool_plan *plan = NULL;
    clpool_status status = clpool_plan_create(ctx, &pool, &input, NULL, &plan);
    if (status != CLPOOL_SUCCESS)
        return snprintf(why, size, "plan: %s", clpool_last_error()), 1;
    status = run_plan(ctx, plan, x, got);
    clpool_plan_release(plan);
    if (status != CLPOOL_SUCCESS)
        return snprintf(why, size, "run: %s", clpool_status_name(status)), 1;
    for (int i = 0; i < OUT_COUNT; ++i)
        if (memcmp(&got[i], &want[i], sizeof got[i]) != 0)
            return snprintf(why, size, "output %d: got %g, want %g", i, got[i], want[i]), 1;
    return 0;
}

static void expect_pool_ok(clpool_context *ctx) {
    char why[512] = "";
    ck_assert_msg(pool_and_check(ctx, why, sizeof why) == 0, "%s", why);
}

/* A context on the default device with its disk cache in directory. */
static clpool_context *cached_context(const char *directory) {
    clpool_context *ctx = NULL;
    ck_assert_msg(clpool_context_create_default(&ctx) == CLPOOL_SUCCESS, "%s", clpool_last_error());
    ck_assert_msg(clpool_context_set_binary_cache(ctx, directory) == CLPOOL_SUCCESS, "%s",
                  clpool_last_error());
    return ctx;
}

/* Each test's own empty directory, made and removed by the checked fixture. */
static char temp_dir[64];

static void make_temp_dir(void) {
    strcpy(temp_dir, "/tmp/clpool-binary-cache-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(temp_dir));
}

/* Removes path and, for a directory, everything in it. */
static void remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        chmod(path, 0700);
        DIR *dir = opendir(path);
        for (struct dirent *entry; dir && (entry = readdir(dir));) {
            char child[PATH_MAX];
            if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
                snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
                remove_tree(child);
            }
        }
        if (dir)
            closedir(dir);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void remove_temp_dir(void) {
    remove_tree(temp_dir);
}

/* Counts directory's entries; *bin_path gets the path of the last clpool-*.bin one. */
static int count_entries(const char *directory, char *bin_path, size_t size) {
    int count = 0;
    DIR *dir = opendir(directory);
    ck_assert_ptr_nonnull(dir);
    for (struct dirent *entry; (entry = readdir(dir));) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        ++count;
        const size_t length = strlen(entry->d_name);
        if (bin_path && strncmp(entry->d_name, "clpool-", 7) == 0 && length > 4 &&
            strcmp(entry->d_name + length - 4, ".bin") == 0)
            snprintf(bin_path, size, "%s/%s", directory, entry->d_name);
    }
    closedir(dir);
    return count;
}

/* The one entry of directory, a cache file: its path in path. */
static void expect_one_cache_file(const char *directory, char *path, size_t size) {
    path[0] = '\0';
    const int entries = count_entries(directory, path, size);
    ck_assert_msg(entries == 1 && path[0],
                  "%s holds %d entries, want exactly one clpool-*.bin (no temporary files)",
                  directory, entries);
}

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *file = fopen(path, "rb");
    ck_assert_ptr_nonnull(file);
    unsigned char *bytes = malloc(1 << 24);
    ck_assert_ptr_nonnull(bytes);
    *size = fread(bytes, 1, 1 << 24, file);
    fclose(file);
    return bytes;
}

static void write_file(const char *path, const void *bytes, size_t size) {
    FILE *file = fopen(path, "wb");
    ck_assert_ptr_nonnull(file);
    ck_assert_uint_eq(fwrite(bytes, 1, size, file), size);
    ck_assert_int_eq(fclose(file), 0);
}

/* ---- Write, then load -------------------------------------------------------------------------
 */

START_TEST(test_write_then_load) {
    clpool_context *first = cached_context(temp_dir);
    expect_pool_ok(first);
    ck_assert_uint_eq(first->cache.compiles, 1);
    ck_assert_uint_eq(first->cache.disk.written, 1);
    ck_assert_uint_eq(first->cache.disk.loaded, 0);
    char path[PATH_MAX];
    expect_one_cache_file(temp_dir, path, sizeof path);
    /* A second plan in the same context is a memory hit: the disk is not read again. */
    expect_pool_ok(first);
    ck_assert_uint_eq(first->cache.disk.loaded, 0);
    ck_assert_uint_eq(first->cache.compiles, 1);

    clpool_context *second = cached_context(temp_dir);
    expect_pool_ok(second);
    ck_assert_uint_eq(second->cache.compiles, 0);
    ck_assert_uint_eq(second->cache.disk.loaded, 1);
    ck_assert_uint_eq(second->cache.disk.rejected, 0);
    ck_assert_uint_eq(second->cache.disk.written, 0);
    clpool_context_release(first);
    clpool_context_release(second);
}
END_TEST

/* What a child process reports through its exit status. */
enum { CHILD_COMPILED = 10, CHILD_LOADED = 11, CHILD_FAILED = 12 };

/* In a forked child: pools through a cached context and exits with how the program came. */
static void child_pool(const char *directory) {
    clpool_context *ctx = NULL;
    char why[512];
    if (clpool_context_create_default(&ctx) != CLPOOL_SUCCESS ||
        clpool_context_set_binary_cache(ctx, directory) != CLPOOL_SUCCESS ||
        pool_and_check(ctx, why, sizeof why) != 0)
        _exit(CHILD_FAILED);
    const int code = ctx->cache.disk.loaded == 1 && ctx->cache.compiles == 0 ? CHILD_LOADED
                     : ctx->cache.compiles == 1                              ? CHILD_COMPILED
                                                                             : CHILD_FAILED;
    clpool_context_release(ctx);
    _exit(code);
}

static pid_t spawn_child(const char *directory) {
    const pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        child_pool(directory);
    return pid;
}

static int child_result(pid_t pid) {
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status), "child %d did not exit normally (signal %d)", (int)pid,
                  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return WEXITSTATUS(status);
}

/* This process touches OpenCL only after its children exit: a forked child cannot use OpenCL
 * state made before the fork. */
START_TEST(test_other_process_loads) {
    ck_assert_int_eq(child_result(spawn_child(temp_dir)), CHILD_COMPILED);
    ck_assert_int_eq(child_result(spawn_child(temp_dir)), CHILD_LOADED);
    char path[PATH_MAX];
    expect_one_cache_file(temp_dir, path, sizeof path);
}
END_TEST

/* ---- Damaged and stale files ------------------------------------------------------------------
 */

typedef enum damage {
    DAMAGE_EMPTY,
    DAMAGE_HEADER_ONLY,
    DAMAGE_TRUNCATED,
    DAMAGE_FLIPPED_BINARY,
    DAMAGE_FLIPPED_CHECKSUM,
    DAMAGE_GARBAGE,
    DAMAGE_OTHER_FORMAT,
    DAMAGE_SIZES,
    DAMAGE_OTHER_KEY,
    DAMAGE_DRIVER_REFUSES,
    DAMAGE_DIRECTORY,
    DAMAGE_COUNT
} damage;

/* Why each damaged file must be rejected, as binary_cache.c and cache_file.c word it. */
static const char *const damage_reason[DAMAGE_COUNT] = {
    "truncated",
    "truncated",
    "sizes disagree with the file's length",
    "checksum mismatch",
    "checksum mismatch",
    "not a clpool cache file",
    "another format version",
    "sizes disagree with the file's length",
    "stored for another key",
    "the driver refused the binary", /* or "building from the binary failed" */
    "not a regular file",
};

static int rejected_as_expected(damage kind, const char *problem) {
    if (!problem)
        return 0;
    if (kind == DAMAGE_DRIVER_REFUSES && strcmp(problem, "building from the binary failed") == 0)
        return 1;
    return strcmp(problem, damage_reason[kind]) == 0;
}

/* Rewrites the trailing checksum after a deliberate change, so only that change is wrong. */
static void reseal(unsigned char *bytes, size_t size) {
    uint64_t sum = clpool_fnv1a(CLPOOL_FNV_OFFSET, bytes, size - 8);
    for (int i = 0; i < 8; ++i)
        bytes[size - 8 + i] = (unsigned char)(sum >> (8 * i));
}

/* A little-endian field of the record header. */
static size_t header_field(const unsigned char *at, int bytes) {
    size_t value = 0;
    for (int i = bytes - 1; i >= 0; --i)
        value = value << 8 | at[i];
    return value;
}

/* A well-formed record at path with the file's own key or binary replaced. */
static void rewrite_record(const char *path, const unsigned char *bytes, int change_key) {
    const size_t key_size = header_field(bytes + 12, 4), binary_size = header_field(bytes + 16, 8);
    char *key = malloc(key_size);
    ck_assert_ptr_nonnull(key);
    memcpy(key, bytes + 24, key_size);
    /* Not PoCL's "poclbin" magic, which PoCL would parse further. */
    unsigned char garbage[4096];
    for (size_t i = 0; i < sizeof garbage; ++i)
        garbage[i] = (unsigned char)(i * 37 + 11);
    if (change_key)
        key[key_size / 2] ^= 1;
    ck_assert_int_eq(clpool_cache_file_write(path, key, key_size,
                                             change_key ? bytes + 24 + key_size : garbage,
                                             change_key ? binary_size : sizeof garbage),
                     0);
    free(key);
}

static void apply_damage(damage kind, const char *path) {
    size_t size = 0;
    unsigned char *bytes = read_file(path, &size);
    ck_assert_uint_gt(size, 1000);
    if (kind == DAMAGE_FLIPPED_BINARY)
        bytes[size - 500] ^= 0x10;
    if (kind == DAMAGE_FLIPPED_CHECKSUM)
        bytes[size - 1] ^= 0x01;
    for (size_t i = 0; kind == DAMAGE_GARBAGE && i < size; ++i)
        bytes[i] = (unsigned char)(i * 131 + 7);
    if (kind == DAMAGE_OTHER_FORMAT)
        bytes[8] = 2, reseal(bytes, size);
    if (kind == DAMAGE_SIZES)
        bytes[16 + 5] = 1, reseal(bytes, size); /* a binary of 2^40 more bytes */
    if (kind == DAMAGE_OTHER_KEY || kind == DAMAGE_DRIVER_REFUSES) {
        rewrite_record(path, bytes, kind == DAMAGE_OTHER_KEY);
    } else if (kind == DAMAGE_DIRECTORY) {
        ck_assert_int_eq(unlink(path), 0);
        ck_assert_int_eq(mkdir(path, 0700), 0);
    } else {
        const size_t kept = kind == DAMAGE_EMPTY         ? 0
                            : kind == DAMAGE_HEADER_ONLY ? 24
                            : kind == DAMAGE_TRUNCATED   ? size / 2
                                                         : size;
        write_file(path, bytes, kept);
    }
    free(bytes);
}

START_TEST(test_damaged_file) {
    const damage kind = (damage)_i;
    clpool_context *writer = cached_context(temp_dir);
    expect_pool_ok(writer);
    clpool_context_release(writer);
    char path[PATH_MAX];
    expect_one_cache_file(temp_dir, path, sizeof path);
    apply_damage(kind, path);

    clpool_context *ctx = cached_context(temp_dir);
    expect_pool_ok(ctx);
    ck_assert_uint_eq(ctx->cache.disk.loaded, 0);
    ck_assert_uint_eq(ctx->cache.disk.rejected, 1);
    ck_assert_uint_eq(ctx->cache.compiles, 1);
    ck_assert_msg(rejected_as_expected(kind, ctx->cache.disk.last_rejection),
                  "damage %d rejected as '%s', want '%s'", (int)kind,
                  ctx->cache.disk.last_rejection ? ctx->cache.disk.last_rejection : "(nothing)",
                  damage_reason[kind]);
    /* The rebuilt binary replaced the file; a directory in the way stays, and nothing else is
     * left behind. */
    ck_assert_uint_eq(ctx->cache.disk.written, kind == DAMAGE_DIRECTORY ? 0 : 1);
    ck_assert_int_eq(count_entries(temp_dir, NULL, 0), 1);
    clpool_context_release(ctx);

    clpool_context *reader = cached_context(temp_dir);
    expect_pool_ok(reader);
    ck_assert_uint_eq(reader->cache.disk.loaded, kind == DAMAGE_DIRECTORY ? 0 : 1);
    clpool_context_release(reader);
}
END_TEST

/* ---- Concurrent writers -----------------------------------------------------------------------
 */

enum { WRITER_THREADS = 3, WRITER_PROCESSES = 3, FILE_WRITES = 300 };

typedef struct writer_job {
    clpool_context *ctx;
    pthread_barrier_t *start;
    int failed;
    char why[512];
} writer_job;

static void *writer_thread(void *arg) {
    writer_job *job = arg;
    pthread_barrier_wait(job->start);
    job->failed = pool_and_check(job->ctx, job->why, sizeof job->why);
    return NULL;
}

/*
 * Several threads, each with its own context, build and write the same program at once. The
 * contexts are made first, one at a time: PoCL 3.1 crashes or finds no device when threads of a
 * fresh process enumerate devices at once, which has nothing to do with this cache.
 */
static int race_threads(void) {
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, WRITER_THREADS);
    writer_job jobs[WRITER_THREADS];
    pthread_t threads[WRITER_THREADS];
    int failed = 0;
    for (int t = 0; t < WRITER_THREADS; ++t) {
        jobs[t].start = &start;
        jobs[t].failed = 0;
        jobs[t].ctx = NULL;
        failed |= clpool_context_create_default(&jobs[t].ctx) != CLPOOL_SUCCESS ||
                  clpool_context_set_binary_cache(jobs[t].ctx, temp_dir) != CLPOOL_SUCCESS;
    }
    for (int t = 0; !failed && t < WRITER_THREADS; ++t)
        pthread_create(&threads[t], NULL, writer_thread, &jobs[t]);
    for (int t = 0; !failed && t < WRITER_THREADS; ++t) {
        pthread_join(threads[t], NULL);
        failed |= jobs[t].failed;
    }
    for (int t = 0; t < WRITER_THREADS; ++t)
        clpool_context_release(jobs[t].ctx);
    pthread_barrier_destroy(&start);
    return failed;
}

START_TEST(test_concurrent_writers) {
    pid_t children[WRITER_PROCESSES];
    for (int p = 0; p < WRITER_PROCESSES; ++p) {
        children[p] = fork();
        ck_assert_int_ge(children[p], 0);
        if (children[p] == 0)
            _exit(race_threads() ? CHILD_FAILED : 0);
    }
    for (int p = 0; p < WRITER_PROCESSES; ++p)
        ck_assert_int_eq(child_result(children[p]), 0);
    char path[PATH_MAX];
    expect_one_cache_file(temp_dir, path, sizeof path);
    clpool_context *ctx = cached_context(temp_dir);
    expect_pool_ok(ctx);
    ck_assert_uint_eq(ctx->cache.disk.loaded, 1);
    ck_assert_uint_eq(ctx->cache.compiles, 0);
    clpool_context_release(ctx);
}
END_TEST

/* In a forked child: rewrites path FILE_WRITES times with a record whose binary is the writer's
 * number repeated, a different length per writer. */
static void file_writer(const char *path, const char *key, int writer) {
    unsigned char binary[3000];
    const size_t size = 1000 + 500 * (size_t)writer;
    memset(binary, 'a' + writer, size);
    for (int i = 0; i < FILE_WRITES; ++i)
        if (clpool_cache_file_write(path, key, strlen(key), binary, size) != 0)
            _exit(CHILD_FAILED);
    _exit(0);
}

/* Reads path once: 1 for a complete record of one of the writers, 0 for no file yet; fails the
 * test on anything else. */
static int read_complete_record(const char *path, const char *key, int attempt) {
    clpool_cache_record record;
    const char *problem = clpool_cache_file_read(path, key, strlen(key), &record);
    ck_assert_msg(!problem || strcmp(problem, "missing") == 0, "read %d: %s", attempt, problem);
    if (!problem) {
        const int writer = record.binary[0] - 'a';
        ck_assert_uint_eq(record.binary_size, 1000 + 500 * (size_t)writer);
        ck_assert_int_eq(record.binary[record.binary_size - 1], 'a' + writer);
    }
    free(record.buffer);
    return !problem;
}

/* The file level under load: readers racing several writers of one path only ever see a
 * complete record, and the writers leave no temporary file. */
START_TEST(test_concurrent_file_writes) {
    char path[PATH_MAX];
    const char *key = "a key";
    snprintf(path, sizeof path, "%s/clpool-0000000000000000.bin", temp_dir);
    pid_t children[WRITER_PROCESSES];
    for (int p = 0; p < WRITER_PROCESSES; ++p) {
        children[p] = fork();
        ck_assert_int_ge(children[p], 0);
        if (children[p] == 0)
            file_writer(path, key, p);
    }
    for (int i = 0; i < 2 * FILE_WRITES; ++i)
        read_complete_record(path, key, i);
    for (int p = 0; p < WRITER_PROCESSES; ++p)
        ck_assert_int_eq(child_result(children[p]), 0);
    /* On a loaded machine every read above may come before the first write; the last one is
     * there now. */
    ck_assert_int_eq(read_complete_record(path, key, 2 * FILE_WRITES), 1);
    char found[PATH_MAX];
    expect_one_cache_file(temp_dir, found, sizeof found);
}
END_TEST

/* ---- Directories that cannot be written, and the environment variable -------------------------
 */

/* /proc is a directory in which nobody, root included, can create a file. */
START_TEST(test_unwritable_directory) {
    clpool_context *ctx = cached_context("/proc");
    expect_pool_ok(ctx);
    ck_assert_uint_eq(ctx->cache.disk.written, 0);
    ck_assert_uint_eq(ctx->cache.disk.write_failures, 1);
    ck_assert_str_eq(ctx->cache.disk.last_write_failure, "the file could not be written");
    clpool_context_release(ctx);
}
END_TEST

/* A filled cache made read-only is still read (root can still write it, which changes nothing). */
START_TEST(test_read_only_cache_is_read) {
    clpool_context *writer = cached_context(temp_dir);
    expect_pool_ok(writer);
    clpool_context_release(writer);
    ck_assert_int_eq(chmod(temp_dir, 0500), 0);
    clpool_context *reader = cached_context(temp_dir);
    expect_pool_ok(reader);
    ck_assert_uint_eq(reader->cache.disk.loaded, 1);
    clpool_context_release(reader);
}
END_TEST

START_TEST(test_environment_variable) {
    char nested[128], blocked[160], file[128], path[PATH_MAX];
    snprintf(nested, sizeof nested, "%s/made/by/clpool", temp_dir);
    snprintf(file, sizeof file, "%s/a-file", temp_dir);
    snprintf(blocked, sizeof blocked, "%s/under", file);
    write_file(file, "x", 1);

    ck_assert_int_eq(setenv("CLPOOL_CACHE_DIR", nested, 1), 0);
    clpool_context *ctx = NULL;
    ck_assert_int_eq(clpool_context_create_default(&ctx), CLPOOL_SUCCESS);
    expect_pool_ok(ctx);
    ck_assert_uint_eq(ctx->cache.disk.written, 1);
    expect_one_cache_file(nested, path, sizeof path);
    clpool_context_release(ctx);

    /* Unusable or empty: the context works, without a disk cache. */
    const char *off[] = {blocked, file, ""};
    for (int i = 0; i < 3; ++i) {
        ck_assert_int_eq(setenv("CLPOOL_CACHE_DIR", off[i], 1), 0);
        ck_assert_int_eq(clpool_context_create_default(&ctx), CLPOOL_SUCCESS);
        ck_assert_ptr_null(ctx->cache.disk.directory);
        clpool_context_release(ctx);
    }
    unsetenv("CLPOOL_CACHE_DIR");
}
END_TEST

/* ---- Arguments and keys -----------------------------------------------------------------------
 */

static void expect_failure(clpool_status got, clpool_status want, const char *fragment) {
    ck_assert_msg(got == want, "status %s (%s), want %s", clpool_status_name(got),
                  clpool_last_error(), clpool_status_name(want));
    ck_assert_msg(strstr(clpool_last_error(), fragment) != NULL,
                  "message '%s' does not mention '%s'", clpool_last_error(), fragment);
}

START_TEST(test_set_binary_cache_arguments) {
    char file[128], blocked[160], long_name[CLPOOL_BINARY_CACHE_MAX_DIRECTORY + 2];
    snprintf(file, sizeof file, "%s/a-file", temp_dir);
    snprintf(blocked, sizeof blocked, "%s/under", file);
    write_file(file, "x", 1);
    memset(long_name, 'd', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';

    expect_failure(clpool_context_set_binary_cache(NULL, temp_dir), CLPOOL_ERROR_INVALID_CONTEXT,
                   "ctx");
    clpool_context *ctx = cached_context(temp_dir);
    ck_assert_str_eq(ctx->cache.disk.directory, temp_dir);
    expect_failure(clpool_context_set_binary_cache(ctx, file), CLPOOL_ERROR_INVALID_OPTIONS,
                   "exists and is not a directory");
    expect_failure(clpool_context_set_binary_cache(ctx, blocked), CLPOOL_ERROR_INVALID_OPTIONS,
                   "cannot be created");
    expect_failure(clpool_context_set_binary_cache(ctx, long_name), CLPOOL_ERROR_INVALID_OPTIONS,
                   "directory = 'ddd");
    ck_assert_str_eq(ctx->cache.disk.directory, temp_dir); /* failures keep the setting */

    /* A relative name is resolved when set. */
    char here[PATH_MAX], want[PATH_MAX];
    ck_assert_ptr_nonnull(getcwd(here, sizeof here));
    ck_assert_int_eq(chdir(temp_dir), 0);
    ck_assert_int_eq(clpool_context_set_binary_cache(ctx, "relative/cache"), CLPOOL_SUCCESS);
    ck_assert_int_eq(chdir(here), 0);
    snprintf(want, sizeof want, "%s/relative/cache", temp_dir);
    ck_assert_str_eq(ctx->cache.disk.directory, want);

    ck_assert_int_eq(clpool_context_set_binary_cache(ctx, NULL), CLPOOL_SUCCESS);
    ck_assert_ptr_null(ctx->cache.disk.directory);
    ck_assert_int_eq(clpool_context_set_binary_cache(ctx, temp_dir), CLPOOL_SUCCESS);
    ck_assert_int_eq(clpool_context_set_binary_cache(ctx, ""), CLPOOL_SUCCESS);
    ck_assert_ptr_null(ctx->cache.disk.directory);
    expect_pool_ok(ctx);
    ck_assert_uint_eq(ctx->cache.disk.written, 0);
    clpool_context_release(ctx);
}
END_TEST

/* Every input of a key changes the key and the file name: options, each source's text, the
 * source list; the device's identity is in the key text. */
START_TEST(test_keys_separate_programs) {
    clpool_context *ctx = cached_context(temp_dir);
    const char *texts[2] = {"kernel void a(void) {}", "kernel void b(void) {}"};
    const size_t lengths[2] = {strlen(texts[0]), strlen(texts[1])};
    const char *other[2] = {texts[0], "kernel void c(void) {}"};
    clpool_binary_slot slots[4];
    ck_assert_int_eq(
        clpool_binary_slot_init(&ctx->cache.disk, "x+y", texts, lengths, 2, "-DA=1", &slots[0]), 0);
    ck_assert_int_eq(
        clpool_binary_slot_init(&ctx->cache.disk, "x+y", texts, lengths, 2, "-DA=2", &slots[1]), 0);
    ck_assert_int_eq(
        clpool_binary_slot_init(&ctx->cache.disk, "x+y", other, lengths, 2, "-DA=1", &slots[2]), 0);
    ck_assert_int_eq(
        clpool_binary_slot_init(&ctx->cache.disk, "x", texts, lengths, 1, "-DA=1", &slots[3]), 0);
    for (int i = 0; i < 4; ++i)
        for (int j = i + 1; j < 4; ++j) {
            ck_assert_str_ne(slots[i].path, slots[j].path);
            ck_assert_str_ne(slots[i].key, slots[j].key);
        }
    char driver[256];
    ck_assert_int_eq(clGetDeviceInfo(ctx->device, CL_DRIVER_VERSION, sizeof driver, driver, NULL),
                     CL_SUCCESS);
    ck_assert_ptr_nonnull(strstr(slots[0].key, driver));
    ck_assert_ptr_nonnull(strstr(slots[0].key, ctx->facts.name));
    ck_assert_ptr_nonnull(strstr(slots[0].key, CLPOOL_VERSION_STRING));
    ck_assert_int_eq(strncmp(slots[0].path, temp_dir, strlen(temp_dir)), 0);
    for (int i = 0; i < 4; ++i)
        clpool_binary_slot_free(&slots[i]);
    clpool_context_release(ctx);
}
END_TEST

static Suite *binary_cache_suite(void) {
    Suite *s = suite_create("binary_cache");
    TCase *tc = tcase_create("binary_cache");
    tcase_add_checked_fixture(tc, make_temp_dir, remove_temp_dir);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_write_then_load);
    tcase_add_test(tc, test_other_process_loads);
    tcase_add_loop_test(tc, test_damaged_file, 0, DAMAGE_COUNT);
    tcase_add_test(tc, test_concurrent_writers);
    tcase_add_test(tc, test_concurrent_file_writes);
    tcase_add_test(tc, test_unwritable_directory);
    tcase_add_test(tc, test_read_only_cache_is_read);
    tcase_add_test(tc, test_environment_variable);
    tcase_add_test(tc, test_set_binary_cache_arguments);
    tcase_add_test(tc, test_keys_separate_programs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    return run_suite(binary_cache_suite());
}
