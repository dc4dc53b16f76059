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
    clpool_tensor_desc input; /* float32, channels-first; 2D in pool_cases */
    fill_kind fill;
} pool_case;

extern const pool_case pool_cases[];
extern const size_t pool_case_count;

/* Fills x[0 .. count) deterministically from (kind, seed). */
void fill_input(fill_kind kind, uint64_t seed, float *x, size_t count);

/* A valid random 2D configuration drawn from seed (see cases.c for the distribution). */
void random_case(uint64_t seed, pool_case *out);

/*
 * A 2D case carried to another rank, dimension by dimension (each dimension's window, padding and
 * size are valid on their own, so the result is valid): rank 1 keeps the 2D case's dimension
 * from_dim (0 = H, 1 = W); rank 3 puts a copy of H in front as depth (D = H, H, W); rank 2 copies.
 */
void case_with_rank(const pool_case *src, int rank, int from_dim, pool_case *out);

/* A valid random configuration of the given spatial rank (1..3) drawn from seed, with the
 * distribution of random_case; rank 3 draws smaller sizes. */
void random_case_rank(uint64_t seed, int rank, pool_case *out);

/* Named adaptive cases: output sizes that divide the input, that do not, larger than the input,
 * equal to it, and 1 (global pooling), across ranks 1..3 and both modes. */
extern const pool_case adaptive_cases[];
extern const size_t adaptive_case_count;

/* A random adaptive configuration of the given rank: input sizes 1..20 (1..9 for rank 3),
 * output sizes 1..1.5 x input, either mode. */
void random_adaptive_case(uint64_t seed, int rank, pool_case *out);

/* Spatial elements per (n, c) plane, and all elements, of a dense tensor. */
int64_t tensor_plane(const clpool_tensor_desc *t);
size_t tensor_count(const clpool_tensor_desc *t);

/* The PRNG everything uses: advances *state and returns the next 64 random bits. */
uint64_t splitmix64(uint64_t *state);

#endif /* CLPOOL_TESTS_CASES_H */
