/*
 * part.h - a run spread over several processes: the partition and the exchange.
 *
 * Responsible for: which whole blocks of trials each of `size` processes ("ranks")
 * runs (a fixed split of the global block sequence, so a block's trials, draws and
 * sums are the ones a single process computes), the exchange through which every rank
 * receives every other rank's partial results in rank order, and the agreement on one
 * status and one message at the points where every rank must stop together. Also a
 * small byte writer and reader for what the exchange carries.
 * Not responsible for the transport: the caller (the MPI front end, or a test's
 * threads) provides `share`, so the engine never includes an MPI header. Not
 * responsible for what a run's partials are or how they merge (sim.c packs and merges
 * its own).
 *
 * Errors cross the exchange: a rank that fails (out of memory, a scenario it could not
 * load) still takes part in the next exchange, or agrees with roi_part_agree, and every
 * rank then returns the same status and the message of the lowest rank where an error
 * began, prefixed "rank R: " when R > 0. So no rank waits for one that has left, and
 * the user reads the error once.
 *
 * Frames carry the host's byte order and sizes: every rank must run on the same kind
 * of machine (a frame from another kind is refused, never misread).
 */
#ifndef ROI_PART_H
#define ROI_PART_H

#include <stddef.h>
#include <stdint.h>

#include "roi_error.h"

/* Receives rank `rank`'s bytes (borrowed for the call only). A status other than ROI_OK
 * stops nothing: share still calls it for every rank, and returns the first failure. */
typedef roi_status (*roi_part_take)(void *ud, int rank, const void *bytes, size_t n,
                                    roi_error *err);

typedef struct roi_part roi_part;

/*
 * The transport: shares this rank's n bytes with every rank, calling take(take_ud, r,
 * bytes of rank r, their length) for r = 0 .. size-1 in that order, on every rank; a
 * collective (each rank calls it at the same point). Returns ROI_OK, the first status
 * take returned, or an error of the transport itself (with err set).
 */
typedef roi_status (*roi_part_share)(void *ud, const void *mine, size_t n,
                                     roi_part_take take, void *take_ud, roi_error *err);

/*
 * Optional, the transport's sum: replaces counts[0..n-1] on every rank by their sums
 * over all ranks; a collective. Counts are integers, so the order of the additions
 * cannot change the result (floating-point partials never go this way). Returns ROI_OK
 * or an error of the transport.
 */
typedef roi_status (*roi_part_sum)(void *ud, uint32_t *counts, size_t n, roi_error *err);

/*
 * A new partition: this process is rank `rank` of `size` (0 <= rank < size), sharing
 * through share(ud, ...) and summing counts through sum(ud, ...) (NULL: counts travel
 * through share). The caller frees it with roi_part_free, after the last run that uses
 * it. Returns NULL when out of memory or on bad arguments.
 */
roi_part *roi_part_new(int rank, int size, roi_part_share share, roi_part_sum sum, void *ud);
void roi_part_free(roi_part *p);

int roi_part_rank(const roi_part *p);
int roi_part_size(const roi_part *p); /* p NULL: 1 */

/* Whether the transport sums counts itself (roi_part_sum_counts): then a run sends its
 * histograms' counts that way, constant volume per rank whatever the number of ranks,
 * instead of every rank receiving every rank's. */
int roi_part_sums(const roi_part *p);

/* Sums counts over the ranks in place (a collective; only after an exchange every rank
 * passed, so that all of them call it). Errors: the transport's. */
roi_status roi_part_sum_counts(roi_part *p, uint32_t *counts, size_t n, roi_error *err);

/*
 * Blocks [*lo, *hi) of n_blocks that rank `rank` of `size` runs: contiguous, in rank
 * order, the first n_blocks % size ranks one block more. p NULL: every block.
 */
void roi_part_blocks(const roi_part *p, size_t n_blocks, size_t *lo, size_t *hi);
void roi_part_range(int rank, int size, size_t n_blocks, size_t *lo, size_t *hi);

/*
 * An exchange inside a run: sends this rank's status `st` (with err's message when it is
 * not ROI_OK) and its payload (ignored then), and calls take for each rank's payload in
 * rank order (its own included) when every rank is still running; then every rank
 * tells whether its takes succeeded. Returns ROI_OK when every rank succeeded and
 * every rank's takes did; else the agreed error (see above) in err, the same on every
 * rank that is still in the exchange. A collective (two rounds of share).
 */
roi_status roi_part_exchange(roi_part *p, roi_status st, const void *payload, size_t n,
                             roi_part_take take, void *take_ud, roi_error *err);

/*
 * The point where every rank stops together: each sends its status st (err's message
 * when failed); returns the agreed status with its message in err, the same on every
 * rank. A rank that fails between exchanges calls it at once: the ranks still inside a
 * run receive its error at their next exchange and come here too. p NULL: returns st.
 */
roi_status roi_part_agree(roi_part *p, roi_status st, roi_error *err);

/* ---- bytes on the wire ---------------------------------------------------------------- */

/* A growing byte buffer (zero-initialise it; free buf with free()). A failed allocation
 * sets `failed` and ignores what follows. */
typedef struct roi_wire {
    unsigned char *buf;
    size_t len, cap;
    int failed;
} roi_wire;

void roi_wire_put(roi_wire *w, const void *p, size_t n);
void roi_wire_u64(roi_wire *w, uint64_t v);

/* Reading a received buffer: `bad` is set once a read runs past its end, and every
 * later read then yields zeros (get) or NULL (view). */
typedef struct roi_wire_reader {
    const unsigned char *p;
    size_t left;
    int bad;
} roi_wire_reader;

void roi_wire_get(roi_wire_reader *r, void *dst, size_t n);
uint64_t roi_wire_get_u64(roi_wire_reader *r);
/* n bytes in place (borrowed from the buffer; unaligned: copy before use as a type). */
const void *roi_wire_view(roi_wire_reader *r, size_t n);

#endif
