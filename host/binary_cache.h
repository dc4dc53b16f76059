/*
 * The on-disk program cache behind clpool_context_set_binary_cache and CLPOOL_CACHE_DIR: program
 * binaries kept in a directory, one file per key, so a fresh process loads a kernel instead of
 * compiling it. The key is everything the binary depends on: the clpool version, the platform,
 * device and driver, the build options and the full kernel source text. The cache is best effort:
 * a missing, damaged, stale or unreadable file means a build from source, a failed write means
 * nothing at all, and neither ever fails a plan or touches clpool_last_error. It lives inside the
 * program cache and is used under that cache's lock.
 */
#ifndef CLPOOL_HOST_BINARY_CACHE_H
#define CLPOOL_HOST_BINARY_CACHE_H

#include "clpool/clpool.h"

/* The longest directory name accepted: room is left under Linux's PATH_MAX (4096) for
 * "/clpool-<16 hex digits>.bin.tmp-XXXXXX". */
#define CLPOOL_BINARY_CACHE_MAX_DIRECTORY 4000

typedef struct clpool_binary_cache {
    char *directory; /* absolute; NULL when the cache is off */
    char *identity;  /* clpool version, platform, device and driver: the context's part of keys */
    /* What happened, for white-box tests and diagnostics. */
    unsigned long loaded, rejected, written, write_failures;
    const char *last_rejection;     /* static text: why the last file found was not used */
    const char *last_write_failure; /* static text: why the last binary was not written */
} clpool_binary_cache;

/* Where one program's binary lives: the key text its file must hold, and the file's path. */
typedef struct clpool_binary_slot {
    char *key;
    size_t key_size;
    char *path;
} clpool_binary_slot;

/* Turns the cache off and frees its strings. */
void clpool_binary_cache_clear(clpool_binary_cache *cache);

/*
 * Points the cache at directory for device, creating the directory (and parents, mode 0700) when
 * missing; NULL or "" turns it off. Returns 0, or an errno value with the cache unchanged:
 * ENAMETOOLONG, EEXIST (something other than a directory is there), ENOMEM, EIO (the device's
 * strings could not be read) or mkdir's error.
 */
int clpool_binary_cache_set_directory(clpool_binary_cache *cache, cl_device_id device,
                                      const char *directory);

/* Fills slot for a program built from count sources (named source_names) with options. Returns 0
 * or ENOMEM. The cache must be on. */
int clpool_binary_slot_init(const clpool_binary_cache *cache, const char *source_names,
                            const char *const *texts, const size_t *lengths, unsigned count,
                            const char *options, clpool_binary_slot *slot);
void clpool_binary_slot_free(clpool_binary_slot *slot);

/* The program stored in slot's file, created for device and built with options, or NULL when
 * the file is missing, damaged, for another key, or refused by the driver. */
cl_program clpool_binary_cache_load(clpool_binary_cache *cache, const clpool_binary_slot *slot,
                                    cl_context context, cl_device_id device, const char *options);

/* Writes program's binary for device to slot's file, replacing what is there; failures are
 * counted, not reported. */
void clpool_binary_cache_store(clpool_binary_cache *cache, const clpool_binary_slot *slot,
                               cl_program program, cl_device_id device);

#endif
