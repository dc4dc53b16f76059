/*
 * Internal failure reporting. Every failing path in the library returns through clpool_fail or
 * clpool_fail_cl, which record a detailed, thread-local message for clpool_last_error() and hand
 * the status back, so a check reads as one line: `return clpool_fail(CODE, "stride[%d] = %lld
 * ...")`.
 */
#ifndef CLPOOL_HOST_ERROR_H
#define CLPOOL_HOST_ERROR_H

#include "clpool/clpool.h"

#if defined(__GNUC__)
#define CLPOOL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CLPOOL_PRINTF(f, a)
#endif

/* Records the formatted message as the calling thread's last error and returns status. */
clpool_status clpool_fail(clpool_status status, const char *format, ...) CLPOOL_PRINTF(2, 3);

/* Records "<call> failed: <CL name> (<code>)" plus optional detail and returns the OpenCL code. */
clpool_status clpool_fail_cl(cl_int code, const char *call, const char *detail);

/* Appends text (a build log) to the calling thread's last error, truncating if needed. */
void clpool_append_error(const char *text);

#endif
