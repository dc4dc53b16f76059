/*
 * Same-file detection for output paths. Existing files are compared by identity (device and
 * inode), which sees through links and "./"; a file that does not exist yet is compared by its
 * folder's canonical path and its name.
 */
#define _XOPEN_SOURCE 700
#include "cli_paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The canonical folder of path followed by its file name, in out (PATH_MAX + NAME_MAX bytes);
 * the path itself when the folder cannot be resolved. */
static void canonical(const char *path, char *out, size_t size) {
    const char *slash = strrchr(path, '/');
    char folder[PATH_MAX], resolved[PATH_MAX];
    const char *name = slash ? slash + 1 : path;
    if (slash == path)
        snprintf(folder, sizeof folder, "/");
    else
        snprintf(folder, sizeof folder, "%.*s", slash ? (int)(slash - path) : 1,
                 slash ? path : ".");
    if (realpath(folder, resolved))
        snprintf(out, size, "%s/%s", resolved, name);
    else
        snprintf(out, size, "%s", path);
}

int cli_same_file(const char *a, const char *b) {
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    static char ca[PATH_MAX + 256], cb[PATH_MAX + 256];
    canonical(a, ca, sizeof ca);
    canonical(b, cb, sizeof cb);
    return strcmp(ca, cb) == 0;
}
