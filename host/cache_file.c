/*
 * The program cache's file format and its POSIX file handling. A record is a 24-byte header
 * (magic "CLPOOLPB", format version, key size, binary size; little-endian), the key text, the
 * binary, and an FNV-1a checksum of all of it. FNV-1a catches every single-byte error and
 * truncation is caught by the sizes, so a damaged file is never handed to the driver; the key text
 * is compared in full, so a stale file or a file-name hash collision is never trusted.
 */
/* mkstemp and O_CLOEXEC are POSIX 2008; the project otherwise builds as plain C11. */
#define _POSIX_C_SOURCE 200809L

#include "cache_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RECORD_MAGIC    "CLPOOLPB"
#define RECORD_FORMAT   1u
#define HEADER_SIZE     24u
#define CHECKSUM_SIZE   8u
#define MAX_KEY_SIZE    ((uint64_t)16 << 20)
#define MAX_BINARY_SIZE ((uint64_t)1 << 30)

uint64_t clpool_fnv1a(uint64_t hash, const void *data, size_t size) {
    const unsigned char *bytes = data;
    for (size_t i = 0; i < size; ++i) {
        hash ^= bytes[i];
        hash *= 1099511628211ull;
    }
    return hash;
}

static void put_le(unsigned char *at, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i)
        at[i] = (unsigned char)(value >> (8 * i));
}

static uint64_t get_le(const unsigned char *at, int bytes) {
    uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; --i)
        value = value << 8 | at[i];
    return value;
}

/* Reads all of an open regular file into a new buffer. */
static const char *read_whole(int fd, unsigned char **buffer, size_t *size) {
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return "not a regular file";
    if ((uint64_t)st.st_size < HEADER_SIZE + CHECKSUM_SIZE)
        return "truncated";
    if ((uint64_t)st.st_size > HEADER_SIZE + MAX_KEY_SIZE + MAX_BINARY_SIZE + CHECKSUM_SIZE)
        return "too large";
    *size = (size_t)st.st_size;
    *buffer = malloc(*size);
    if (!*buffer)
        return "out of memory";
    size_t done = 0;
    while (done < *size) {
        const ssize_t got = read(fd, *buffer + done, *size - done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        done += (size_t)got;
    }
    return done == *size ? NULL : "short read";
}

/* Checks a whole file's bytes against the format and the expected key. */
static const char *check_record(const unsigned char *bytes, size_t size, const char *key,
                                size_t key_size) {
    if (memcmp(bytes, RECORD_MAGIC, 8) != 0)
        return "not a clpool cache file";
    if (get_le(bytes + 8, 4) != RECORD_FORMAT)
        return "another format version";
    const uint64_t stored_key = get_le(bytes + 12, 4), stored_binary = get_le(bytes + 16, 8);
    if (stored_key > MAX_KEY_SIZE || stored_binary > MAX_BINARY_SIZE ||
        HEADER_SIZE + stored_key + stored_binary + CHECKSUM_SIZE != size)
        return "sizes disagree with the file's length";
    if (get_le(bytes + size - CHECKSUM_SIZE, 8) !=
        clpool_fnv1a(CLPOOL_FNV_OFFSET, bytes, size - CHECKSUM_SIZE))
        return "checksum mismatch";
    if (stored_key != key_size || memcmp(bytes + HEADER_SIZE, key, key_size) != 0)
        return "stored for another key";
    return stored_binary ? NULL : "empty binary";
}

const char *clpool_cache_file_read(const char *path, const char *key, size_t key_size,
                                   clpool_cache_record *record) {
    memset(record, 0, sizeof *record);
    /* O_NONBLOCK: a FIFO planted at path must not hang plan creation; fstat then rejects it. */
    const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? "missing" : "cannot be opened";
    unsigned char *buffer = NULL;
    size_t size = 0;
    const char *problem = read_whole(fd, &buffer, &size);
    close(fd);
    if (!problem)
        problem = check_record(buffer, size, key, key_size);
    if (problem) {
        free(buffer);
        return problem;
    }
    record->buffer = buffer;
    record->binary = buffer + HEADER_SIZE + key_size;
    record->binary_size = size - HEADER_SIZE - key_size - CHECKSUM_SIZE;
    return NULL;
}

static int write_all(int fd, const void *data, size_t size) {
    const unsigned char *bytes = data;
    while (size > 0) {
        const ssize_t put = write(fd, bytes, size);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return put < 0 ? errno : EIO;
        bytes += put;
        size -= (size_t)put;
    }
    return 0;
}

int clpool_write_file_atomically(const char *path, unsigned mode, const void *const *parts,
                                 const size_t *sizes, int count) {
    static const char suffix[] = ".tmp-XXXXXX";
    const size_t length = strlen(path);
    char *temp = malloc(length + sizeof suffix);
    if (!temp)
        return ENOMEM;
    memcpy(temp, path, length);
    memcpy(temp + length, suffix, sizeof suffix);
    const int fd = mkstemp(temp);
    if (fd < 0) {
        const int error = errno;
        free(temp);
        return error;
    }
    /* mkstemp makes the file 0600; only a wider mode needs a change. */
    int error = mode != 0600 && fchmod(fd, (mode_t)mode) != 0 ? errno : 0;
    for (int i = 0; !error && i < count; ++i)
        error = write_all(fd, parts[i], sizes[i]);
    if (close(fd) != 0 && !error)
        error = errno;
    if (!error && rename(temp, path) != 0)
        error = errno;
    if (error)
        unlink(temp);
    free(temp);
    return error;
}

int clpool_cache_file_write(const char *path, const char *key, size_t key_size,
                            const unsigned char *binary, size_t binary_size) {
    if (key_size > MAX_KEY_SIZE || binary_size > MAX_BINARY_SIZE)
        return EFBIG;
    unsigned char header[HEADER_SIZE], checksum[CHECKSUM_SIZE];
    memcpy(header, RECORD_MAGIC, 8);
    put_le(header + 8, RECORD_FORMAT, 4);
    put_le(header + 12, key_size, 4);
    put_le(header + 16, binary_size, 8);
    uint64_t sum = clpool_fnv1a(CLPOOL_FNV_OFFSET, header, sizeof header);
    sum = clpool_fnv1a(sum, key, key_size);
    put_le(checksum, clpool_fnv1a(sum, binary, binary_size), 8);
    const void *parts[4] = {header, key, binary, checksum};
    const size_t sizes[4] = {sizeof header, key_size, binary_size, sizeof checksum};
    return clpool_write_file_atomically(path, 0600, parts, sizes, 4);
}

int clpool_make_directories(const char *directory) {
    const size_t length = strlen(directory);
    char *path = malloc(length + 1);
    if (!path)
        return ENOMEM;
    memcpy(path, directory, length + 1);
    /* Each prefix in turn, ignoring "exists" and, for a parent, any other failure: only whether
     * the whole path ends up a directory matters. */
    int error = 0;
    for (size_t i = 1; i <= length; ++i) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        const char saved = path[i];
        path[i] = '\0';
        error = mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : errno;
        path[i] = saved;
    }
    free(path);
    struct stat st;
    if (stat(directory, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : EEXIST;
    return error ? error : ENOENT;
}
