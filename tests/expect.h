/*
 * expect_each: the assertion for loops over tensor elements. Check records the file and line of
 * every *passing* ck_assert with a write(2) to its message file (a mark point, so a crash can be
 * placed), and a loop over a few hundred thousand outputs spent most of a suite's time in those
 * writes. expect_each costs nothing when the condition holds and fails exactly like ck_assert_msg
 * when it does not. Use it inside per-element loops; keep ck_assert for one-off checks.
 */
#ifndef CLPOOL_TESTS_EXPECT_H
#define CLPOOL_TESTS_EXPECT_H

#include <check.h>

#define expect_each(condition, ...)                                                                \
    do {                                                                                           \
        if (!(condition))                                                                          \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

#endif
