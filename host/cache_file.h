/*
 * One record of the on-disk program cache: the file format, a read that trusts nothing it reads,
 * and an atomic write (which tuning files use too). A file holds a key text and a program binary;
 * it is used only when its length fields, checksum and key all match, because a driver handed a
 * damaged binary may crash (PoCL 3.1 segfaults in clCreateProgramWithBinary on a truncated one).
 * Nothing here touches OpenCL or clpool_last_error: every failure is a plain return value the
 * caller may ignore.
 */
#ifndef CLPOOL_HOST_CACHE_FILE_H
#define CLPOOL_HOST_CACHE_FILE_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a, 64 bits, continuing from hash (start with CLPOOL_FNV_OFFSET). */
#define CLPOOL_FNV_OFFSET 14695981039346656037ull
uint64_t clpool_fnv1a(uint64_t hash, const void *data, size_t size);

/* A valid record read back: binary points into buffer, which the caller frees. */
typedef struct clpool_cache_record {
    unsigned char *buffer;
    const unsigned char *binary;
    size_t binary_size;
} clpool_cache_record;

/*
 * Reads the record at path into *record if the file is a regular file whose header, length,
 * checksum and key text (key_size bytes) all check out. Returns NULL on success, else a static
 * phrase saying why the file was not used ("missing", "checksum mismatch", ...), with *record
 * empty.
 */
const char *clpool_cache_file_read(const char *path, const char *key, size_t key_size,
                                   clpool_cache_record *record);

/*
 * Writes a record to a new temporary file beside path and renames it over path, so a reader sees
 * the old file or the new one, never part of one, and two writers of the same path both leave a
 * complete file. Returns 0, or an errno value with no temporary file left behind.
 */
int clpool_cache_file_write(const char *path, const char *key, size_t key_size,
                            const unsigned char *binary, size_t binary_size);

/* Writes count parts, one after another, to a new temporary file beside path and renames it
 * over path with the given mode (0600 for program binaries, 0644 for tuning files): readers see
 * the old file or the new one, never part of one. Returns 0, or an errno value with no temporary
 * file left behind. */
int clpool_write_file_atomically(const char *path, unsigned mode, const void *const *parts,
                                 const size_t *sizes, int count);

/* Creates directory and any missing parents (mode 0700, less the umask). Returns 0 when it is a
 * directory afterwards, else an errno value: EEXIST when it is something else, mkdir's error
 * (ENOTDIR: a parent is not a directory) when it cannot be made. */
int clpool_make_directories(const char *directory);

#endif
