/*
 * cluster_mpi.c - roisim-mpi's cluster: the ranks of an MPI job (see cli/cluster.h).
 *
 * The transport of engine/part.h over MPI_COMM_WORLD: the lengths with one
 * MPI_Allgather, then each rank's bytes broadcast from it in rank order, in pieces of
 * at most 1 GiB (MPI counts are ints). No floating-point number is reduced by MPI: the
 * engine adds the partials itself in block order, so the sums do not depend on the
 * number of ranks or on the MPI library's reduction order. Only the histograms'
 * integer counts go through MPI_Allreduce, which is exact in any order. Only the calling thread calls MPI (the engine
 * shares outside its parallel regions), so MPI_THREAD_FUNNELED is enough.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mpi.h>

#include "cluster.h"

#define PIECE ((size_t)1 << 30) /* bytes per MPI_Bcast */

typedef struct mpi_cluster {
    int rank, size;
    uint64_t *lens;         /* size of them: each rank's bytes this round */
    unsigned char *buf;     /* receives another rank's bytes */
    size_t cap;
    int stderr_fd;          /* the real standard error, for a fatal message */
    uint64_t sent, received, rounds, summed; /* for ROISIM_MPI_STATS */
} mpi_cluster;

static mpi_cluster the_cluster;
static char description[MPI_MAX_LIBRARY_VERSION_STRING + 64];

/* A failure the job cannot agree on (the transport itself): say so and end the job. */
static void fatal(const mpi_cluster *c, const char *what, size_t n)
{
    char line[256];
    int len = snprintf(line, sizeof line, "roisim: rank %d: %s (%zu bytes); ending the job\n",
                       c->rank, what, n);
    if (len > 0 && write(c->stderr_fd, line, (size_t)len) < 0)
        len = 0;
    MPI_Abort(MPI_COMM_WORLD, 1);
}

static roi_status mpi_share(void *ud, const void *mine, size_t n, roi_part_take take,
                            void *take_ud, roi_error *err)
{
    mpi_cluster *c = ud;
    uint64_t len = n;
    MPI_Allgather(&len, 1, MPI_UINT64_T, c->lens, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    c->rounds++;
    roi_status st = ROI_OK;
    for (int r = 0; r < c->size; r++) {
        size_t nr = (size_t)c->lens[r];
        unsigned char *at = r == c->rank ? (unsigned char *)mine : NULL;
        if (!at) {
            if (nr > c->cap) {
                unsigned char *b = realloc(c->buf, nr);
                if (!b)
                    fatal(c, "out of memory receiving another rank's results", nr);
                c->buf = b;
                c->cap = nr;
            }
            at = c->buf;
        }
        for (size_t off = 0; off < nr; off += PIECE) {
            size_t piece = nr - off < PIECE ? nr - off : PIECE;
            MPI_Bcast(at + off, (int)piece, MPI_BYTE, r, MPI_COMM_WORLD);
        }
        if (r == c->rank)
            c->sent += nr;
        else
            c->received += nr;
        roi_status s2 = take(take_ud, r, at, nr, err);
        if (st == ROI_OK)
            st = s2;
    }
    return st;
}

/* Counts summed with MPI_Allreduce: integers, so exact in any order. */
static roi_status mpi_sum(void *ud, uint32_t *counts, size_t n, roi_error *err)
{
    (void)err;
    mpi_cluster *c = ud;
    const size_t piece = PIECE / sizeof *counts;
    for (size_t off = 0; off < n; off += piece) {
        size_t k = n - off < piece ? n - off : piece;
        MPI_Allreduce(MPI_IN_PLACE, counts + off, (int)k, MPI_UINT32_T, MPI_SUM,
                      MPI_COMM_WORLD);
    }
    c->summed += n * sizeof *counts;
    return ROI_OK;
}

roi_status roi_cluster_start(int *argc, char ***argv, roi_part **part, roi_error *err)
{
    *part = NULL;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return roi_error_set(err, ROI_ERR_INTERNAL, NULL, "MPI_Init_thread failed");
    mpi_cluster *c = &the_cluster;
    MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &c->size);
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int lib_len = 0;
    MPI_Get_library_version(lib, &lib_len);
    lib[strcspn(lib, ",\n")] = '\0';
    lib[96] = '\0'; /* the name and version, not the build notes */
    snprintf(description, sizeof description, "%d MPI rank%s (%s)", c->size,
             c->size == 1 ? "" : "s", lib);
    c->stderr_fd = dup(STDERR_FILENO);
    if (c->stderr_fd < 0)
        c->stderr_fd = STDERR_FILENO;
    c->lens = calloc((size_t)c->size, sizeof *c->lens);
    *part = c->lens ? roi_part_new(c->rank, c->size, mpi_share, mpi_sum, c) : NULL;
    if (!*part)
        fatal(c, "out of memory starting", (size_t)c->size * sizeof *c->lens);
    if (c->rank != 0) { /* only rank 0 speaks */
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            fflush(stdout);
            fflush(stderr);
            dup2(null, STDOUT_FILENO);
            dup2(null, STDERR_FILENO);
            close(null);
        }
    }
    return ROI_OK;
}

void roi_cluster_end(roi_part *part)
{
    const mpi_cluster *c = &the_cluster;
    const char *stats = getenv("ROISIM_MPI_STATS");
    if (stats && *stats && strcmp(stats, "0")) { /* each rank's traffic, on the real stderr */
        char line[192];
        int len = snprintf(line, sizeof line, "roisim-mpi: rank %d of %d: %llu exchanges, "
                           "sent %llu bytes, received %llu bytes, summed %llu bytes of counts\n",
                           c->rank, c->size, (unsigned long long)c->rounds,
                           (unsigned long long)c->sent, (unsigned long long)c->received,
                           (unsigned long long)c->summed);
        if (len > 0 && write(c->stderr_fd, line, (size_t)len) < 0)
            len = 0;
    }
    roi_part_free(part);
    free(the_cluster.lens);
    free(the_cluster.buf);
    int done = 0;
    MPI_Finalized(&done);
    if (!done)
        MPI_Finalize();
}

const char *roi_cluster_describe(const roi_part *part)
{
    (void)part;
    return description;
}
