/*
 * cluster_files.c - every rank of a job read the same scenario files (see cluster.h).
 *
 * The partition shares trials, not inputs: each rank loads the scenarios itself, from
 * its own machine's files. Two ranks reading different bytes (a stale copy on one
 * node) would mix two models' trials into one report; the digests refuse that before
 * anything runs.
 */
#include <string.h>

#include "cluster.h"
#include "sha256.h"

typedef struct digest_check {
    unsigned char mine[32];
    int rank;
} digest_check;

static roi_status take_digest(void *ud, int r, const void *bytes, size_t n, roi_error *err)
{
    const digest_check *d = ud;
    if (r == d->rank)
        return ROI_OK;
    if (n != sizeof d->mine || memcmp(bytes, d->mine, sizeof d->mine))
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL,
                             "rank %d read other bytes than rank %d for the scenario files "
                             "or the parents they extend: every rank must read the same files",
                             r, d->rank);
    return ROI_OK;
}

roi_status roi_cluster_same_files(roi_part *part, const roi_model *const *models, int n,
                                  roi_error *err)
{
    if (!part)
        return ROI_OK;
    roi_sha256 h;
    roi_sha256_init(&h);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < models[i]->n_sources; k++) {
            const char *path = models[i]->sources[k];
            char hex[65];
            if (roi_sha256_file(path, hex) != 0) /* read once already: gone since */
                memset(hex, '?', sizeof hex - 1);
            roi_sha256_update(&h, path, strlen(path) + 1);
            roi_sha256_update(&h, hex, sizeof hex - 1);
        }
    digest_check d = {.rank = roi_part_rank(part)};
    roi_sha256_final(&h, d.mine);
    return roi_part_exchange(part, ROI_OK, d.mine, sizeof d.mine, take_digest, &d, err);
}
