/*
 * Run-time version of the linked library, so a program can compare it with the
 * CLPOOL_VERSION_NUMBER it was compiled against.
 */
#include "clpool/clpool.h"

unsigned clpool_version_number(void) {
    return CLPOOL_VERSION_NUMBER;
}

const char *clpool_version_string(void) {
    return CLPOOL_VERSION_STRING;
}
