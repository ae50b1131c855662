/*
 * hdr.h - the HDR 2.0 random number generator of the SIPmath 3.0 standard.
 *
 * Responsible for: the uniform numbers that a SIPmath 3.0 library's `U01.rng` entries
 * name (function "HDR_2_0", arguments counter = PM_Index, entity, varId, seed3,
 * seed4), computed exactly as the standard defines them, so a library written by
 * roisim regenerates the same trials in ChanceCalc, Analytic Solver or PySIPmath, and
 * one written by them regenerates here. A pure function of its five integers: no
 * state, the same bits on every platform. Not responsible for roisim's own streams
 * (rng.h), for metalogs (metalog.h) or for reading and writing libraries.
 *
 * The standard's counter starts at 1: trial i of roisim (from 0) is counter i + 1.
 */
#ifndef ROI_HDR_H
#define ROI_HDR_H

#include <stddef.h>
#include <stdint.h>

/* The four fixed arguments of one HDR stream (a SIPmath `rng` entry). */
typedef struct roi_hdr {
    uint64_t entity; /* the library's entity number (e.g. 9039920) */
    uint64_t var_id; /* the variable's id within the entity */
    uint64_t seed3;  /* free seeds; 0 when the library does not use them */
    uint64_t seed4;
} roi_hdr;

/*
 * The HDR 2.0 uniform of stream h at `counter` (PM_Index, from 1), in (0, 1):
 *   a = ((10^15 - 11) mod ((c*2499997 + v*1800451 + e*2000371 + s3*1796777
 *         + s4*2299603) mod 7450589 * 4658 + 7450581)) * 383 mod 99991
 *   b = ((10^15 - 11) mod ((c*2246527 + v*2399993 + e*2100869 + s3*1918303
 *         + s4*1624729) mod 7450987 * 7580 + 7560584)) * 17669 mod 7440893
 *   u = ((a*7440893 + b)*1343 mod 2^32 + 0.5) / 2^32
 * in exact integer arithmetic: the linear sums are reduced term by term modulo their
 * modulus, which gives the standard's value for every 64-bit argument without
 * overflow (the standard's spreadsheet form is exact only below 2^53). The result
 * is one of the 2^32 values (j + 0.5) / 2^32. Pure function.
 */
double roi_hdr_uniform(const roi_hdr *h, uint64_t counter);

/* Fills out[0..n-1] with the uniforms of counters first, first + 1, ... Borrows h
 * and out. */
void roi_hdr_fill(const roi_hdr *h, uint64_t first, size_t n, double *out);

#endif
