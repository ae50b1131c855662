/*
 * sha256.h - SHA-256 (FIPS 180-4) of files and buffers, private to reports/.
 *
 * Responsible for: the digests the workbook's Run sheet records for each scenario
 * file, so a reader can tell which exact file produced a report. A small, plain
 * implementation written for roisim; not responsible for anything cryptographic
 * beyond computing the digest.
 */
#ifndef ROI_SHA256_H
#define ROI_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* Incremental state; zero-initialise with roi_sha256_init. */
typedef struct roi_sha256 {
    uint32_t h[8];
    uint64_t bytes;        /* message length so far */
    unsigned char buf[64]; /* pending partial block */
    size_t fill;
} roi_sha256;

void roi_sha256_init(roi_sha256 *s);
/* Feeds len bytes (borrows data). */
void roi_sha256_update(roi_sha256 *s, const void *data, size_t len);
/* Finishes and writes the 32-byte digest; s must be re-initialised before reuse. */
void roi_sha256_final(roi_sha256 *s, unsigned char out[32]);

/* Lowercase hex digest (65 bytes with the terminator) of data[0..len-1]. */
void roi_sha256_hex(const void *data, size_t len, char hex[65]);

/* Hex digest of the file at path; returns 0 on success, -1 when it cannot be read
 * (errno set). */
int roi_sha256_file(const char *path, char hex[65]);

#endif
