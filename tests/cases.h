/*
 * The named edge-case table and the input generators shared by clpool's tests (and by the
 * benchmark and tools that reuse the table). Each case is one valid 2D pooling problem with a
 * short snake_case name that says what it exercises, in channels-first layout; the tests run every
 * case in both layouts themselves. Inputs come from fill_input, deterministic per (kind, seed), so
 * ties, NaNs with distinct payloads and -inf windows are made on purpose rather than by accident;
 * random_case draws further valid configurations from a seed. Everything random here uses
 * splitmix64, so a failing seed reproduces on any machine.
 */
#ifndef CLPOOL_TESTS_CASES_H
#define CLPOOL_TESTS_CASES_H

#include <clpool/clpool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    FILL_RANDOM,      /* uniform floats in [-4, 4) */
    FILL_INTEGERS,    /* integers in [-2, 0], zeros of random sign: ties, even in the bits */
    FILL_NAN_SCATTER, /* FILL_RANDOM with about 10% quiet NaNs, each with its own payload */
    FILL_NEG_INF,     /* -inf except about 5% random values */
    FILL_ALL_EQUAL,   /* every element 1.25f */
    FILL_ARANGE,      /* 0, 1, 2, ... */
    FILL_NAN_ALL      /* every element a quiet NaN, each with its own payload */
} fill_kind;

typedef struct {
    const char *name; /* unique snake_case token; NULL for random_case's configurations */
    clpool_pool_desc pool;
    clpool_tensor_desc input; /* 2D, float32, channels-first */
    fill_kind fill;
} pool_case;

extern const pool_case pool_cases[];
extern const size_t pool_case_count;

/* Fills x[0 .. count) deterministically from (kind, seed). */
void fill_input(fill_kind kind, uint64_t seed, float *x, size_t count);

/* A valid random 2D configuration drawn from seed (see cases.c for the distribution). */
void random_case(uint64_t seed, pool_case *out);

/* The PRNG everything uses: advances *state and returns the next 64 random bits. */
uint64_t splitmix64(uint64_t *state);

#endif /* CLPOOL_TESTS_CASES_H */
