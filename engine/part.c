/*
 * part.c - the partition of a run's blocks over ranks, and the exchange (see part.h).
 *
 * Every message is a frame: a fixed header (magic, the host's sizes, the kind, a status,
 * the rank where an error began, its message) and a payload. A frame of kind DATA comes
 * from a rank inside a run; AGREE from a rank at an agreement point, which it may have
 * reached early because it failed. A rank that receives an AGREE frame inside a run
 * knows that rank has left, adopts its error and unwinds to its own agreement point; a
 * rank at an agreement point keeps exchanging until every frame of a round is AGREE.
 */
#include "part.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_MAGIC 0x524f4950u /* "ROIP"; read back swapped on another byte order */
#define FRAME_LAYOUT (1u << 24 | (unsigned)sizeof(size_t) << 16 | \
                      (unsigned)sizeof(double) << 8 | (unsigned)sizeof(float))
#define MSG_LEN 768 /* as roi_error.msg */

enum { KIND_DATA = 1, KIND_AGREE = 2 };

typedef struct frame_head {
    uint32_t magic, layout, kind;
    int32_t status;
    int32_t origin;          /* rank where the error began; -1: none */
    char msg[MSG_LEN];
} frame_head;

/* What one round told about each rank. */
typedef struct frame_info {
    int kind;
    roi_status status;
    int origin;
    char msg[MSG_LEN];
} frame_info;

struct roi_part {
    int rank, size;
    roi_part_share share;
    roi_part_sum sum;        /* NULL: none */
    void *ud;
    int adopted;             /* origin of the error an exchange handed out; -1: none */
    frame_info *info;        /* size of them, rewritten every round */
};

roi_part *roi_part_new(int rank, int size, roi_part_share share, roi_part_sum sum, void *ud)
{
    if (size < 1 || rank < 0 || rank >= size || !share)
        return NULL;
    roi_part *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->info = calloc((size_t)size, sizeof *p->info);
    if (!p->info) {
        free(p);
        return NULL;
    }
    p->rank = rank;
    p->size = size;
    p->share = share;
    p->sum = sum;
    p->ud = ud;
    p->adopted = -1;
    return p;
}

void roi_part_free(roi_part *p)
{
    if (!p)
        return;
    free(p->info);
    free(p);
}

int roi_part_rank(const roi_part *p)
{
    return p ? p->rank : 0;
}

int roi_part_size(const roi_part *p)
{
    return p ? p->size : 1;
}

int roi_part_sums(const roi_part *p)
{
    return p && p->sum;
}

roi_status roi_part_sum_counts(roi_part *p, uint32_t *counts, size_t n, roi_error *err)
{
    if (!p || p->size == 1)
        return ROI_OK;
    if (!p->sum)
        return roi_error_set(err, ROI_ERR_INTERNAL, "", "this transport sums no counts");
    return p->sum(p->ud, counts, n, err);
}

void roi_part_range(int rank, int size, size_t n_blocks, size_t *lo, size_t *hi)
{
    const size_t r = (size_t)rank, n = (size_t)size;
    const size_t base = n_blocks / n, extra = n_blocks % n;
    *lo = r * base + (r < extra ? r : extra);
    *hi = *lo + base + (r < extra ? 1 : 0);
}

void roi_part_blocks(const roi_part *p, size_t n_blocks, size_t *lo, size_t *hi)
{
    if (!p) {
        *lo = 0;
        *hi = n_blocks;
        return;
    }
    roi_part_range(p->rank, p->size, n_blocks, lo, hi);
}

/* ---- one round ---------------------------------------------------------------------- */

typedef struct round {
    roi_part *p;
    int deliver;             /* call the payload's take for ranks whose frame is DATA, OK */
    roi_part_take take;
    void *take_ud;
    roi_status take_st;      /* the first failure of take */
    roi_error *take_err;
} round;

static roi_status take_frame(void *ud, int rank, const void *bytes, size_t n, roi_error *err)
{
    (void)err;
    round *rd = ud;
    frame_info *fi = &rd->p->info[rank];
    frame_head h;
    if (n < sizeof h) {
        *fi = (frame_info){KIND_AGREE, ROI_ERR_INTERNAL, rank, ""};
        snprintf(fi->msg, sizeof fi->msg, "sent a short frame (%zu bytes)", n);
        return ROI_OK;
    }
    memcpy(&h, bytes, sizeof h);
    if (h.magic != FRAME_MAGIC || h.layout != FRAME_LAYOUT ||
        (h.kind != KIND_DATA && h.kind != KIND_AGREE)) {
        *fi = (frame_info){KIND_AGREE, ROI_ERR_INTERNAL, rank,
                           "runs another build of roisim or another kind of machine"};
        return ROI_OK;
    }
    fi->kind = (int)h.kind;
    fi->status = (roi_status)h.status;
    fi->origin = h.status != ROI_OK ? (h.origin >= 0 ? h.origin : rank) : -1;
    memcpy(fi->msg, h.msg, sizeof fi->msg);
    fi->msg[sizeof fi->msg - 1] = '\0';
    if (rd->deliver && fi->kind == KIND_DATA && fi->status == ROI_OK && rd->take_st == ROI_OK)
        rd->take_st = rd->take(rd->take_ud, rank, (const unsigned char *)bytes + sizeof h,
                               n - sizeof h, rd->take_err);
    return ROI_OK;
}

/* Sends one frame and reads every rank's. */
static roi_status round_trip(roi_part *p, int kind, roi_status st, const roi_error *err,
                             const void *payload, size_t n, round *rd, roi_error *terr)
{
    frame_head h;
    memset(&h, 0, sizeof h);
    h.magic = FRAME_MAGIC;
    h.layout = FRAME_LAYOUT;
    h.kind = (uint32_t)kind;
    h.status = (int32_t)st;
    h.origin = st == ROI_OK ? -1 : p->adopted >= 0 ? p->adopted : p->rank;
    if (st != ROI_OK)
        snprintf(h.msg, sizeof h.msg, "%s",
                 err && err->msg[0] ? err->msg : roi_strerror(st));
    if (st != ROI_OK)
        n = 0;
    unsigned char *buf = malloc(sizeof h + n);
    if (!buf)
        return roi_error_set(terr, ROI_ERR_NOMEM, "", "out of memory exchanging results");
    memcpy(buf, &h, sizeof h);
    if (n)
        memcpy(buf + sizeof h, payload, n);
    for (int r = 0; r < p->size; r++)
        p->info[r] = (frame_info){KIND_AGREE, ROI_ERR_INTERNAL, r, "sent nothing"};
    roi_status sst = p->share(p->ud, buf, sizeof h + n, take_frame, rd, terr);
    free(buf);
    return sst;
}

/* The error this round agrees on: the failing frame whose error began at the lowest
 * rank (a rank that left a run without an error counts as failing); -1: none. */
static int agreed_origin(const roi_part *p, int *at)
{
    int best = -1;
    *at = -1;
    for (int r = 0; r < p->size; r++) {
        const frame_info *fi = &p->info[r];
        int origin = fi->status != ROI_OK ? fi->origin : -1;
        if (fi->status == ROI_OK && fi->kind == KIND_AGREE && p->info[p->rank].kind == KIND_DATA)
            origin = r; /* it left the run the others are in */
        if (origin >= 0 && (best < 0 || origin < best)) {
            best = origin;
            *at = r;
        }
    }
    return best;
}

static roi_status set_agreed(const roi_part *p, int at, int origin, int prefix, roi_error *err)
{
    const frame_info *fi = &p->info[at];
    roi_status st = fi->status != ROI_OK ? fi->status : ROI_ERR_INTERNAL;
    const char *msg = fi->status != ROI_OK ? fi->msg : "left the run before the others";
    char copy[MSG_LEN];
    snprintf(copy, sizeof copy, "%s", msg); /* msg may be err->msg itself */
    if (prefix && origin > 0)
        return roi_error_set(err, st, "", "rank %d: %s", origin, copy);
    return roi_error_set(err, st, "", "%s", copy);
}

/* ---- the two collectives ------------------------------------------------------------ */

roi_status roi_part_exchange(roi_part *p, roi_status st, const void *payload, size_t n,
                             roi_part_take take, void *take_ud, roi_error *err)
{
    if (!p)
        return st;
    round rd = {p, st == ROI_OK && take, take, take_ud, ROI_OK, err};
    roi_status sst = round_trip(p, KIND_DATA, st, err, payload, n, &rd, err);
    if (sst != ROI_OK) /* the transport failed: nothing more can be agreed */
        return sst;
    int at, origin = agreed_origin(p, &at);
    if (origin < 0) {
        /* Every rank sent its partials; whether each could merge the others' is the
         * second round, so that all go on (to the next collective) or none does. */
        round confirm = {p, 0, NULL, NULL, ROI_OK, NULL};
        sst = round_trip(p, KIND_DATA, rd.take_st, err, NULL, 0, &confirm, err);
        if (sst != ROI_OK)
            return sst;
        origin = agreed_origin(p, &at);
    }
    if (origin >= 0) {
        p->adopted = origin;
        return set_agreed(p, at, origin, 0, err);
    }
    return ROI_OK;
}

roi_status roi_part_agree(roi_part *p, roi_status st, roi_error *err)
{
    if (!p)
        return st;
    roi_error mine;
    roi_error_clear(&mine);
    if (st != ROI_OK)
        roi_error_set(&mine, st, "", "%s", err && err->msg[0] ? err->msg : roi_strerror(st));
    for (;;) {
        round rd = {p, 0, NULL, NULL, ROI_OK, NULL};
        roi_status sst = round_trip(p, KIND_AGREE, st, &mine, NULL, 0, &rd, err);
        if (sst != ROI_OK)
            return sst;
        int all = 1;
        for (int r = 0; r < p->size; r++)
            all &= p->info[r].kind == KIND_AGREE;
        if (!all)
            continue; /* some ranks are still in a run: they will come here next */
        int at, origin = agreed_origin(p, &at);
        p->adopted = -1;
        if (origin < 0)
            return ROI_OK;
        return set_agreed(p, at, origin, 1, err);
    }
}

/* ---- bytes on the wire ---------------------------------------------------------------- */

void roi_wire_put(roi_wire *w, const void *src, size_t n)
{
    if (w->failed || n == 0)
        return;
    if (n > w->cap - w->len) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap - w->len < n) {
            if (cap > SIZE_MAX / 2) {
                w->failed = 1;
                return;
            }
            cap *= 2;
        }
        unsigned char *b = realloc(w->buf, cap);
        if (!b) {
            w->failed = 1;
            return;
        }
        w->buf = b;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, src, n);
    w->len += n;
}

void roi_wire_u64(roi_wire *w, uint64_t v)
{
    roi_wire_put(w, &v, sizeof v);
}

const void *roi_wire_view(roi_wire_reader *r, size_t n)
{
    if (r->bad || n > r->left) {
        r->bad = 1;
        return NULL;
    }
    const void *at = r->p;
    r->p += n;
    r->left -= n;
    return at;
}

void roi_wire_get(roi_wire_reader *r, void *dst, size_t n)
{
    const void *at = roi_wire_view(r, n);
    if (at)
        memcpy(dst, at, n);
    else
        memset(dst, 0, n);
}

uint64_t roi_wire_get_u64(roi_wire_reader *r)
{
    uint64_t v;
    roi_wire_get(r, &v, sizeof v);
    return v;
}
