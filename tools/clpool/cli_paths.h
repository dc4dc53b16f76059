/*
 * Whether two command-line paths name the same file, so that `--indices ./o.npy ... o.npy` is
 * caught as surely as `--indices o.npy ... o.npy`. It only looks paths up (stat, realpath).
 */
#ifndef CLPOOL_TOOLS_CLI_PATHS_H
#define CLPOOL_TOOLS_CLI_PATHS_H

/* 1 when a and b name the same file: the same device and inode when both exist, otherwise the
 * same canonical folder and file name. */
int cli_same_file(const char *a, const char *b);

#endif
