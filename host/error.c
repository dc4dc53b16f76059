/*
 * The thread-local "last error" message behind clpool_last_error(). Messages live in a fixed
 * thread-local buffer so that recording a failure never allocates (it may be reporting an
 * allocation failure) and threads never see each other's messages.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CLPOOL_ERROR_CAPACITY 16384

static _Thread_local char last_error[CLPOOL_ERROR_CAPACITY];

const char *clpool_last_error(void) {
    return last_error;
}

clpool_status clpool_fail(clpool_status status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(last_error, sizeof last_error, format, args);
    va_end(args);
    return status;
}

clpool_status clpool_fail_cl(cl_int code, const char *call, const char *detail) {
    return clpool_fail(code, "%s failed: %s (%d)%s%s", call, clpool_status_name(code), (int)code,
                       detail ? ": " : "", detail ? detail : "");
}

void clpool_append_error(const char *text) {
    size_t used = strlen(last_error);
    if (used + 1 < sizeof last_error)
        snprintf(last_error + used, sizeof last_error - used, "%s", text);
}
