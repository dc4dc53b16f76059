/*
 * Tuning files on disk, for one context: the device's identity lines, a read that cannot hang or
 * grow without bound (a regular file of at most 1 MiB, opened without blocking, so a FIFO at the
 * path cannot stall context creation), the lock-protected table plans consult, and an atomic
 * write. tuning.c checks every line; nothing read here can fail a plan.
 */
/* O_CLOEXEC and O_NONBLOCK are POSIX 2008; the project otherwise builds as plain C11. */
#define _POSIX_C_SOURCE 200809L

#include "tuning_file.h"
#include "cache_file.h"
#include "context.h"
#include "device_info.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char out_of_memory[] = "out of memory";

int clpool_tuning_state_init(clpool_tuning_state *state) {
    memset(&state->table, 0, sizeof state->table);
    return pthread_mutex_init(&state->lock, NULL);
}

void clpool_tuning_state_destroy(clpool_tuning_state *state) {
    clpool_tuning_table_free(&state->table);
    pthread_mutex_destroy(&state->lock);
}

/* Appends "label a[ | b]" as one line: control characters become blanks and trailing blanks
 * go, as the parser reads lines. */
static void append_line(char *out, size_t capacity, const char *label, const char *a,
                        const char *b) {
    const size_t start = strlen(out);
    snprintf(out + start, capacity - start, "%s %s%s%s", label, a, b ? " | " : "", b ? b : "");
    size_t end = strlen(out);
    for (size_t i = start; i < end; ++i)
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            out[i] = ' ';
    while (end > start && out[end - 1] == ' ')
        --end;
    out[end] = '\n';
    out[end + 1] = '\0';
}

/* The three identity lines of device, as tuning files hold them, in a new string. */
static cl_int read_identity(cl_device_id device, char **identity) {
    char *text[CLPOOL_IDENTITY_COUNT];
    cl_int err = clpool_device_identity(device, text);
    size_t capacity = 64;
    for (int i = 0; err == CL_SUCCESS && i < CLPOOL_IDENTITY_COUNT; ++i)
        capacity += strlen(text[i]);
    *identity = err == CL_SUCCESS ? calloc(capacity, 1) : NULL;
    if (err == CL_SUCCESS && !*identity)
        err = CL_OUT_OF_HOST_MEMORY;
    if (err == CL_SUCCESS) {
        append_line(*identity, capacity, "platform:", text[CLPOOL_IDENTITY_PLATFORM_NAME],
                    text[CLPOOL_IDENTITY_PLATFORM_VERSION]);
        append_line(*identity, capacity, "device:", text[CLPOOL_IDENTITY_DEVICE_NAME],
                    text[CLPOOL_IDENTITY_DEVICE_VERSION]);
        append_line(*identity, capacity, "driver:", text[CLPOOL_IDENTITY_DRIVER], NULL);
    }
    for (int i = 0; i < CLPOOL_IDENTITY_COUNT; ++i)
        free(text[i]);
    return err;
}

static const char *open_problem(int error) {
    switch (error) {
    case ENOENT:
        return "no such file";
    case EACCES:
    case EPERM:
        return "permission denied";
    default:
        return "cannot be opened";
    }
}

/* Reads all of path (a regular file of at most CLPOOL_TUNING_MAX_TEXT bytes) into a new buffer;
 * returns NULL or why not. */
static const char *read_text(const char *path, char **text, size_t *size) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return open_problem(errno);
    struct stat st;
    const char *problem = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        problem = "not a regular file";
    else if ((uint64_t)st.st_size > CLPOOL_TUNING_MAX_TEXT)
        problem = "larger than 1 MiB";
    else if (!(*text = malloc((size_t)st.st_size + 1)))
        problem = out_of_memory;
    size_t done = 0;
    while (!problem && done < (size_t)st.st_size) {
        const ssize_t got = read(fd, *text + done, (size_t)st.st_size - done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        done += (size_t)got;
    }
    close(fd);
    if (!problem && done != (size_t)st.st_size)
        problem = "short read";
    if (problem) {
        free(*text);
        *text = NULL;
    }
    *size = done;
    return problem;
}

/* Reads and parses path for device into *table; returns NULL or why the file does not apply. */
static const char *load(const char *path, cl_device_id device, clpool_tuning_table *table) {
    char *identity = NULL, *text = NULL;
    size_t size = 0;
    memset(table, 0, sizeof *table);
    const cl_int err = read_identity(device, &identity);
    if (err != CL_SUCCESS)
        return err == CL_OUT_OF_HOST_MEMORY ? out_of_memory : "the device's strings are unreadable";
    const char *problem = read_text(path, &text, &size);
    if (!problem)
        problem = clpool_tuning_parse(text, size, identity, table);
    free(text);
    free(identity);
    return problem;
}

static void replace_table(clpool_tuning_state *state, clpool_tuning_table *table) {
    pthread_mutex_lock(&state->lock);
    clpool_tuning_table_free(&state->table);
    state->table = *table;
    pthread_mutex_unlock(&state->lock);
}

void clpool_tuning_state_from_environment(clpool_tuning_state *state, cl_device_id device) {
    const char *path = getenv("CLPOOL_TUNE_FILE");
    clpool_tuning_table table;
    if (path && *path && load(path, device, &table) == NULL)
        replace_table(state, &table);
}

size_t clpool_tuning_state_lookup(clpool_tuning_state *state, const clpool_tuning_key *key) {
    pthread_mutex_lock(&state->lock);
    const size_t size = clpool_tuning_lookup(&state->table, key);
    pthread_mutex_unlock(&state->lock);
    return size;
}

clpool_status clpool_context_set_tuning_file(clpool_context *ctx, const char *path) {
    if (!ctx)
        return clpool_fail(CLPOOL_ERROR_INVALID_CONTEXT, "ctx (the clpool_context) is NULL");
    clpool_tuning_table table;
    memset(&table, 0, sizeof table);
    const char *problem = path && *path ? load(path, ctx->device, &table) : NULL;
    if (problem && strcmp(problem, out_of_memory) == 0)
        return clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "reading the tuning file '%s'", path);
    if (problem)
        return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS,
                           "path = '%s' cannot be used as this device's tuning file: %s (the "
                           "previous tuning is kept)",
                           path, problem);
    replace_table(&ctx->tuning, &table);
    return CLPOOL_SUCCESS;
}

/* Parses the caller's keys and sizes into entries; CLPOOL_SUCCESS or the first bad one. */
static clpool_status parse_entries(size_t count, const char *const *keys, const size_t *sizes,
                                   clpool_tuning_entry *entries) {
    for (size_t i = 0; i < count; ++i) {
        const char *problem = NULL;
        if (!keys[i])
            return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "keys[%zu] is NULL", i);
        if (clpool_tuning_key_parse(keys[i], &entries[i].key, &problem) != 0)
            return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS, "keys[%zu] = '%.80s': %s", i, keys[i],
                               problem);
        if (sizes[i] < 1 || sizes[i] > CLPOOL_TUNING_MAX_LOCAL_SIZE)
            return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS,
                               "local_sizes[%zu] = %zu is not in [1, %d]", i, sizes[i],
                               CLPOOL_TUNING_MAX_LOCAL_SIZE);
        entries[i].local_size = sizes[i];
    }
    return CLPOOL_SUCCESS;
}

/* Writes text to path atomically; CLPOOL_SUCCESS or CLPOOL_ERROR_INVALID_OPTIONS naming it. */
static clpool_status write_text(const char *path, const char *text) {
    const void *parts[1] = {text};
    const size_t sizes[1] = {strlen(text)};
    const int error = clpool_write_file_atomically(path, 0644, parts, sizes, 1);
    return error == 0 ? CLPOOL_SUCCESS
                      : clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS,
                                    "path = '%s' cannot be written (errno %d: %s)", path, error,
                                    open_problem(error));
}

clpool_status clpool_context_write_tuning_file(const clpool_context *ctx, const char *path,
                                               size_t count, const char *const *keys,
                                               const size_t *local_sizes) {
    if (!ctx)
        return clpool_fail(CLPOOL_ERROR_INVALID_CONTEXT, "ctx (the clpool_context) is NULL");
    if (!path || !*path)
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "path is NULL or empty");
    if (count > 0 && (!keys || !local_sizes))
        return clpool_fail(CLPOOL_ERROR_NULL_POINTER, "keys or local_sizes is NULL");
    if (count > CLPOOL_TUNING_MAX_ENTRIES)
        return clpool_fail(CLPOOL_ERROR_INVALID_OPTIONS, "count = %zu exceeds %d entries", count,
                           CLPOOL_TUNING_MAX_ENTRIES);
    clpool_tuning_entry *entries = malloc((count ? count : 1) * sizeof *entries);
    if (!entries)
        return clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "allocating tuning entries");
    char *identity = NULL, *text = NULL;
    clpool_status status = parse_entries(count, keys, local_sizes, entries);
    const cl_int err =
        status == CLPOOL_SUCCESS ? read_identity(ctx->device, &identity) : CL_SUCCESS;
    if (err != CL_SUCCESS)
        status = clpool_fail_cl(err, "clGetDeviceInfo", "reading the device's identity");
    if (status == CLPOOL_SUCCESS && !(text = clpool_tuning_format(identity, entries, count)))
        status = clpool_fail(CLPOOL_ERROR_OUT_OF_HOST_MEMORY, "formatting the tuning file");
    if (status == CLPOOL_SUCCESS)
        status = write_text(path, text);
    free(text);
    free(identity);
    free(entries);
    return status;
}
