/*
 * Text files embedded in the tool at build time by cmake/embed_files.cmake (the benchmark's
 * standard layer list), so an installed clpool needs no data files beside it.
 */
#ifndef CLPOOL_TOOLS_EMBEDDED_FILE_H
#define CLPOOL_TOOLS_EMBEDDED_FILE_H

#include <stddef.h>

typedef struct cli_embedded_file {
    const char *name; /* file name without extension */
    const char *text;
    size_t length;
} cli_embedded_file;

extern const cli_embedded_file cli_embedded_files[];
extern const size_t cli_embedded_files_count;

#endif
