/*
 * rng.h - counter-based random streams (Philox4x32-10) for reproducible Monte Carlo.
 *
 * Responsible for: turning (key, trial, draw index) into uniform numbers with no
 * hidden state, so a trial's draws never depend on which thread ran it, how trials
 * were split into blocks, or which other inputs a scenario has. Keys are 64 bits,
 * derived from the run seed and an input's name (roi_rng_key): the same name draws
 * the same numbers in every scenario of a run (common random numbers). Also a GSL
 * generator type over the same streams, so every gsl_ran_* sampler can use them.
 * Not responsible for distributions (dist.h).
 */
#ifndef ROI_RNG_H
#define ROI_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

/* 64-bit FNV-1a of a string: stable across platforms and runs. */
uint64_t roi_rng_hash(const char *s);

/* The key of the stream of input `name` under run seed `seed` (full 64-bit mix). */
uint64_t roi_rng_key(uint64_t seed, const char *name);

/*
 * One Philox4x32-10 block: the four 32-bit words for counter (trial, index) under key.
 * Pure function. out must hold 4 words.
 */
void roi_rng_block(uint64_t key, uint64_t trial, uint64_t index, uint32_t out[4]);

/*
 * The `draw`-th uniform on the open interval (0, 1) of stream (key, trial), with 53
 * random bits. Pure function: roi_rng_uniform(k, t, 0) is the first draw of trial t.
 */
double roi_rng_uniform(uint64_t key, uint64_t trial, uint64_t draw);

/*
 * out[j] = roi_rng_uniform(key, first + j, 0) for j < n: the first draw of n consecutive
 * trials of one stream, the same doubles, computed as one loop over the trials (which
 * the compiler vectorises: several Philox blocks per instruction).
 */
void roi_rng_uniforms(uint64_t key, uint64_t first, size_t n, double *out);

/*
 * The GSL generator type "roi-philox". Allocate with gsl_rng_alloc(roi_rng_philox),
 * then position it with roi_rng_seek before each use; gsl_rng_set(r, s) seeks to
 * key s, trial 0. Output: 32-bit words (gsl_rng_max = 2^32 - 1); gsl_rng_uniform
 * returns 53-bit doubles. Draw indices used by the gsl_rng start at 2^32, so they never
 * overlap with roi_rng_uniform draws of the same (key, trial) at small indices.
 */
extern const gsl_rng_type *roi_rng_philox;

/* Positions a roi_rng_philox generator at the start of stream (key, trial). */
void roi_rng_seek(gsl_rng *r, uint64_t key, uint64_t trial);

/* Words of a stream's gsl_rng computed ahead: the first ROI_RNG_GSL_WORDS (two blocks;
 * a beta draw takes at least six). */
#define ROI_RNG_GSL_WORDS 8

/*
 * out[j * ROI_RNG_GSL_WORDS + w], w < ROI_RNG_GSL_WORDS: the first words a roi_rng_philox
 * generator seeked to (key, first + j) returns, for j < n, computed as one loop over
 * the trials (vectorised, as roi_rng_uniforms).
 */
void roi_rng_gsl_words(uint64_t key, uint64_t first, size_t n, uint32_t *out);

/*
 * roi_rng_seek(r, key, trial), with the first ROI_RNG_GSL_WORDS words taken from words
 * (roi_rng_gsl_words' for that trial) instead of computed: r then returns exactly what
 * it would after roi_rng_seek.
 */
void roi_rng_seek_words(gsl_rng *r, uint64_t key, uint64_t trial, const uint32_t *words);

#endif
