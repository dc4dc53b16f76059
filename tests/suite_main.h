/*
 * The main() of every Check suite: run all its tests (forked, as Check does by default, unless
 * CK_FORK=no) and turn the failure count into the process exit status CTest reads.
 */
#ifndef CLPOOL_TESTS_SUITE_MAIN_H
#define CLPOOL_TESTS_SUITE_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int run_suite(Suite *suite) {
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    const int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
