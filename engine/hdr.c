/*
 * hdr.c - HDR 2.0 (Hubbard Decision Research), as SIPmath 3.0 defines it.
 *
 * Every intermediate is an exact integer below 2^63: the residues are below the
 * moduli (< 7450987), the reduced products below 7450987 * 2499997 < 2^45, the
 * second-stage moduli below 5.7e10, so ((10^15 - 11) mod m) * 17669 < 1.1e15, and
 * (a * 7440893 + b) * 1343 < 1.1e15. Nothing is computed in floating point before
 * the last division, which is exact (a 32-bit integer plus one half, over 2^32).
 */
#include "hdr.h"

#define HDR_BIG 999999999999989ull /* 10^15 - 11 */

/* (sum of x[i] * w[i]) mod m, for any 64-bit x: each product is reduced first, so the
 * result is that of the exact (unbounded) integer sum. Requires w[i] < m < 2^32. */
static uint64_t weighted_mod(const uint64_t x[5], const uint64_t w[5], uint64_t m)
{
    uint64_t s = 0;
    for (int i = 0; i < 5; i++)
        s = (s + (x[i] % m) * w[i]) % m;
    return s;
}

double roi_hdr_uniform(const roi_hdr *h, uint64_t counter)
{
    static const uint64_t wa[5] = {2499997, 1800451, 2000371, 1796777, 2299603};
    static const uint64_t wb[5] = {2246527, 2399993, 2100869, 1918303, 1624729};
    const uint64_t x[5] = {counter, h->var_id, h->entity, h->seed3, h->seed4};

    uint64_t a = (HDR_BIG % (weighted_mod(x, wa, 7450589) * 4658 + 7450581)) * 383 % 99991;
    uint64_t b = (HDR_BIG % (weighted_mod(x, wb, 7450987) * 7580 + 7560584)) * 17669 % 7440893;
    uint64_t j = ((a * 7440893 + b) * 1343) & 0xffffffffull; /* mod 2^32 */
    return ((double)j + 0.5) / 4294967296.0;
}

void roi_hdr_fill(const roi_hdr *h, uint64_t first, size_t n, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = roi_hdr_uniform(h, first + i);
}
