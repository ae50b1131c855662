/*
 * rng.c - Philox4x32-10 counter-based streams and the "roi-philox" GSL generator.
 *
 * Philox4x32-10 is the generator of Salmon, Moraes, Dror and Shaw, "Parallel random
 * numbers: as easy as 1, 2, 3" (SC11), as in Random123; tests/test_rng.c checks it
 * against Random123's known-answer vectors. A block is a pure function of
 * (key, counter), which is what makes trials independent of threads and scheduling.
 */
#include "rng.h"

#include <stddef.h>
#include <stdint.h>

/* ---- Philox4x32-10 ---------------------------------------------------------------- */

#define PHILOX_M0 UINT32_C(0xD2511F53)
#define PHILOX_M1 UINT32_C(0xCD9E8D57)
#define PHILOX_W0 UINT32_C(0x9E3779B9)
#define PHILOX_W1 UINT32_C(0xBB67AE85)
#define PHILOX_ROUNDS 10

static inline void philox_block(uint64_t key, uint64_t trial, uint64_t index, uint32_t out[4])
{
    uint32_t x0 = (uint32_t)trial, x1 = (uint32_t)(trial >> 32);
    uint32_t x2 = (uint32_t)index, x3 = (uint32_t)(index >> 32);
    uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    for (int r = 0; r < PHILOX_ROUNDS; r++) {
        if (r > 0) { /* the key schedule bumps the key between rounds, not before the first */
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        uint64_t p0 = (uint64_t)PHILOX_M0 * x0;
        uint64_t p1 = (uint64_t)PHILOX_M1 * x2;
        uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1 ^ k0;
        uint32_t y1 = (uint32_t)p1;
        uint32_t y2 = (uint32_t)(p0 >> 32) ^ x3 ^ k1;
        uint32_t y3 = (uint32_t)p0;
        x0 = y0;
        x1 = y1;
        x2 = y2;
        x3 = y3;
    }
    out[0] = x0;
    out[1] = x1;
    out[2] = x2;
    out[3] = x3;
}

void roi_rng_block(uint64_t key, uint64_t trial, uint64_t index, uint32_t out[4])
{
    philox_block(key, trial, index, out);
}

/* ---- keys ------------------------------------------------------------------------- */

uint64_t roi_rng_hash(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* splitmix64's finalizer: a bijection of 64-bit words with full avalanche. */
static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

uint64_t roi_rng_key(uint64_t seed, const char *name)
{
    /* For a fixed seed the map hash -> key is a bijection, so distinct names (with
     * distinct hashes) always get distinct keys. */
    uint64_t k = mix64(seed + UINT64_C(0x9E3779B97F4A7C15));
    return mix64(k ^ roi_rng_hash(name));
}

/* ---- uniforms --------------------------------------------------------------------- */

#define TWO_POW_M53 (1.0 / 9007199254740992.0) /* 2^-53 */

/* 53 random bits from two words: an integer in [0, 2^53). */
static inline uint64_t bits53(uint32_t w0, uint32_t w1)
{
    return ((uint64_t)(w0 >> 5) << 26) | (uint64_t)(w1 >> 6);
}

double roi_rng_uniform(uint64_t key, uint64_t trial, uint64_t draw)
{
    uint32_t w[4];
    philox_block(key, trial, draw, w);
    uint64_t k = bits53(w[0], w[1]);
    /* k * 2^-53 is exact and < 1. Adding half a step (the usual open-interval trick)
     * would round the largest k up to 1.0, so only k = 0 is moved, to half a step:
     * the result lies strictly inside (0, 1) and every other value is exact. */
    return k ? (double)k * TWO_POW_M53 : 0.5 * TWO_POW_M53;
}

/* Built for several instruction sets, picked at load time: the same integer arithmetic
 * on each, so the same bits. GCC only: clang 14 names an external multi-versioned
 * function's resolver "name.ifunc", so other files could not link to it. */
#if defined(__x86_64__) && defined(__has_attribute) && !defined(__clang__)
#if __has_attribute(target_clones)
#define RNG_CLONES __attribute__((target_clones("avx512f", "avx2", "default"), optimize("O3")))
#endif
#endif
#ifndef RNG_CLONES
#define RNG_CLONES
#endif

/* One Philox round on (x0, x1, x2, x3) with round key (k0, k1), as philox_block. */
#define PHILOX_ROUND(k0, k1)                                                              \
    do {                                                                                  \
        uint64_t p0 = (uint64_t)PHILOX_M0 * x0, p1 = (uint64_t)PHILOX_M1 * x2;            \
        uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1 ^ (k0);                                   \
        uint32_t y2 = (uint32_t)(p0 >> 32) ^ x3 ^ (k1);                                   \
        x1 = (uint32_t)p1;                                                                \
        x3 = (uint32_t)p0;                                                                \
        x0 = y0;                                                                          \
        x2 = y2;                                                                          \
    } while (0)

/* One trial per iteration: philox_block at index 0 written out round by round, with
 * no branch (k = 0 is moved by a select), so the loop vectorises over trials. */
RNG_CLONES
void roi_rng_uniforms(uint64_t key, uint64_t first, size_t n, double *out)
{
    const uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    for (size_t j = 0; j < n; j++) {
        const uint64_t trial = first + j;
        uint32_t x0 = (uint32_t)trial, x1 = (uint32_t)(trial >> 32), x2 = 0, x3 = 0;
        PHILOX_ROUND(k0, k1);
        PHILOX_ROUND(k0 + 1 * PHILOX_W0, k1 + 1 * PHILOX_W1);
        PHILOX_ROUND(k0 + 2 * PHILOX_W0, k1 + 2 * PHILOX_W1);
        PHILOX_ROUND(k0 + 3 * PHILOX_W0, k1 + 3 * PHILOX_W1);
        PHILOX_ROUND(k0 + 4 * PHILOX_W0, k1 + 4 * PHILOX_W1);
        PHILOX_ROUND(k0 + 5 * PHILOX_W0, k1 + 5 * PHILOX_W1);
        PHILOX_ROUND(k0 + 6 * PHILOX_W0, k1 + 6 * PHILOX_W1);
        PHILOX_ROUND(k0 + 7 * PHILOX_W0, k1 + 7 * PHILOX_W1);
        PHILOX_ROUND(k0 + 8 * PHILOX_W0, k1 + 8 * PHILOX_W1);
        PHILOX_ROUND(k0 + 9 * PHILOX_W0, k1 + 9 * PHILOX_W1);
        /* roi_rng_uniform's k 2^-53 (or 2^-54 for k = 0) with k = hi 2^26 + lo, as
         * hi 2^-27 + lo 2^-53 (+ 2^-54 when both are 0): every term and the sum are
         * exact, so the same doubles, from 32-bit conversions and no branch. */
        const int32_t hi = (int32_t)(x0 >> 5), lo = (int32_t)(x1 >> 6);
        out[j] = (double)hi * (1.0 / 134217728.0) + (double)lo * TWO_POW_M53 +
                 (double)((hi | lo) == 0) * (0.5 * TWO_POW_M53);
    }
}

/* ---- the GSL generator type ------------------------------------------------------- */

/* Draw indices of the gsl_rng start here, clear of roi_rng_uniform's small indices. */
#define GSL_FIRST_INDEX (UINT64_C(1) << 32)

/* The blocks at GSL_FIRST_INDEX + b, b < ROI_RNG_GSL_WORDS / 4, of trials first + j,
 * written round by round with no branch so the loop vectorises over trials, as
 * roi_rng_uniforms. */
RNG_CLONES
void roi_rng_gsl_words(uint64_t key, uint64_t first, size_t n, uint32_t *out)
{
    const uint32_t k0 = (uint32_t)key, k1 = (uint32_t)(key >> 32);
    for (int b = 0; b < ROI_RNG_GSL_WORDS / 4; b++) {
        const uint64_t index = GSL_FIRST_INDEX + (uint64_t)b;
        for (size_t j = 0; j < n; j++) {
            const uint64_t trial = first + j;
            uint32_t x0 = (uint32_t)trial, x1 = (uint32_t)(trial >> 32), x2 = (uint32_t)index,
                     x3 = (uint32_t)(index >> 32);
            PHILOX_ROUND(k0, k1);
            PHILOX_ROUND(k0 + 1 * PHILOX_W0, k1 + 1 * PHILOX_W1);
            PHILOX_ROUND(k0 + 2 * PHILOX_W0, k1 + 2 * PHILOX_W1);
            PHILOX_ROUND(k0 + 3 * PHILOX_W0, k1 + 3 * PHILOX_W1);
            PHILOX_ROUND(k0 + 4 * PHILOX_W0, k1 + 4 * PHILOX_W1);
            PHILOX_ROUND(k0 + 5 * PHILOX_W0, k1 + 5 * PHILOX_W1);
            PHILOX_ROUND(k0 + 6 * PHILOX_W0, k1 + 6 * PHILOX_W1);
            PHILOX_ROUND(k0 + 7 * PHILOX_W0, k1 + 7 * PHILOX_W1);
            PHILOX_ROUND(k0 + 8 * PHILOX_W0, k1 + 8 * PHILOX_W1);
            PHILOX_ROUND(k0 + 9 * PHILOX_W0, k1 + 9 * PHILOX_W1);
            uint32_t *w = out + j * ROI_RNG_GSL_WORDS + 4 * b;
            w[0] = x0;
            w[1] = x1;
            w[2] = x2;
            w[3] = x3;
        }
    }
}

typedef struct philox_state {
    uint64_t key;
    uint64_t trial;
    uint64_t next_index;            /* counter of the next block to compute */
    uint32_t buf[ROI_RNG_GSL_WORDS]; /* the current block, or the words given at a seek */
    unsigned pos;                   /* next unused word of buf */
    unsigned len;                   /* words in buf; pos == len when buf is spent */
} philox_state;

static void state_seek(philox_state *s, uint64_t key, uint64_t trial)
{
    s->key = key;
    s->trial = trial;
    s->next_index = GSL_FIRST_INDEX;
    s->pos = s->len = 4;
}

static inline uint32_t state_next(philox_state *s)
{
    if (s->pos >= s->len) {
        philox_block(s->key, s->trial, s->next_index++, s->buf);
        s->pos = 0;
        s->len = 4;
    }
    return s->buf[s->pos++];
}

static void philox_set(void *vstate, unsigned long int seed)
{
    state_seek((philox_state *)vstate, (uint64_t)seed, 0);
}

static unsigned long int philox_get(void *vstate)
{
    return state_next((philox_state *)vstate);
}

static double philox_get_double(void *vstate)
{
    philox_state *s = (philox_state *)vstate;
    uint32_t w0 = state_next(s);
    uint32_t w1 = state_next(s);
    return (double)bits53(w0, w1) * TWO_POW_M53;
}

static const gsl_rng_type philox_type = {"roi-philox",         /* name */
                                         UINT32_C(0xffffffff), /* RAND_MAX */
                                         0,                    /* RAND_MIN */
                                         sizeof(philox_state), /* size of the state */
                                         &philox_set,
                                         &philox_get,
                                         &philox_get_double};

const gsl_rng_type *roi_rng_philox = &philox_type;

void roi_rng_seek(gsl_rng *r, uint64_t key, uint64_t trial)
{
    state_seek((philox_state *)r->state, key, trial);
}

void roi_rng_seek_words(gsl_rng *r, uint64_t key, uint64_t trial, const uint32_t *words)
{
    philox_state *s = (philox_state *)r->state;
    state_seek(s, key, trial);
    for (int w = 0; w < ROI_RNG_GSL_WORDS; w++)
        s->buf[w] = words[w];
    s->pos = 0;
    s->len = ROI_RNG_GSL_WORDS;
    s->next_index = GSL_FIRST_INDEX + ROI_RNG_GSL_WORDS / 4;
}
