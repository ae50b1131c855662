/* test_part.c - a run spread over ranks gives every rank the bits one process makes.
 *
 * No MPI here: the ranks are threads of this process, sharing through barriers
 * (fake_share), so the partition, the exchange, the merge and the agreement on errors
 * are tested on any machine. tests/mpi/run.sh runs the real thing under mpirun. */
#include "roi_test.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "part.h"
#include "report.h"
#include "results.h"
#include "scenario.h"
#include "sim.h"

#define MAX_RANKS 4

/* ---- ranks as threads --------------------------------------------------------------- */

typedef struct cluster {
    int size;
    uint32_t *counts[MAX_RANKS];   /* fake_sum's operands */
    pthread_barrier_t bar;
    const void *buf[MAX_RANKS];
    size_t n[MAX_RANKS];
} cluster;

typedef struct rank_ctx {
    cluster *cl;
    int rank;
    roi_part *part;
    /* the job and what it gave */
    void (*job)(struct rank_ctx *);
    const roi_model *m;
    roi_sim_opts opts;
    roi_run *run;
    roi_status st;
    roi_error err;
    char json[256];                /* the JSON written by this rank (pipeline jobs) */
} rank_ctx;

/* roi_part_share over threads: publish, wait for all, read all in rank order, wait
 * until every rank has read (the buffers live until share returns). */
static roi_status fake_share(void *ud, const void *mine, size_t n, roi_part_take take,
                             void *take_ud, roi_error *err)
{
    rank_ctx *c = ud;
    cluster *cl = c->cl;
    cl->buf[c->rank] = mine;
    cl->n[c->rank] = n;
    pthread_barrier_wait(&cl->bar);
    roi_status st = ROI_OK;
    for (int r = 0; r < cl->size; r++) {
        roi_status s2 = take(take_ud, r, cl->buf[r], cl->n[r], err);
        if (st == ROI_OK)
            st = s2;
    }
    pthread_barrier_wait(&cl->bar);
    return st;
}

/* roi_part_sum over threads: every rank adds every rank's counts, then writes its own. */
static roi_status fake_sum(void *ud, uint32_t *counts, size_t n, roi_error *err)
{
    rank_ctx *c = ud;
    cluster *cl = c->cl;
    uint32_t *total = calloc(n + 1, sizeof *total);
    cl->counts[c->rank] = counts;
    pthread_barrier_wait(&cl->bar);
    for (int r = 0; total && r < cl->size; r++)
        for (size_t i = 0; i < n; i++)
            total[i] += cl->counts[r][i];
    pthread_barrier_wait(&cl->bar);
    const int ok = total != NULL;
    if (ok)
        memcpy(counts, total, n * sizeof *counts);
    free(total);
    return ok ? ROI_OK : roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
}

static void *rank_main(void *ud)
{
    rank_ctx *c = ud;
    c->job(c);
    return NULL;
}

/* Runs job on `size` ranks, whose transport sums counts when `sums`; ctx[r] holds rank
 * r's results (free them with ranks_free). */
static void ranks_run_sums(int size, rank_ctx *ctx, void (*job)(rank_ctx *),
                           const roi_model *m, const roi_sim_opts *opts, int sums)
{
    static cluster cl;
    memset(&cl, 0, sizeof cl);
    cl.size = size;
    assert_int_equal(pthread_barrier_init(&cl.bar, NULL, (unsigned)size), 0);
    pthread_t th[MAX_RANKS];
    for (int r = 0; r < size; r++) {
        memset(&ctx[r], 0, sizeof ctx[r]);
        ctx[r].cl = &cl;
        ctx[r].rank = r;
        ctx[r].job = job;
        ctx[r].m = m;
        ctx[r].opts = *opts;
        roi_error_clear(&ctx[r].err);
        ctx[r].part = roi_part_new(r, size, fake_share, sums ? fake_sum : NULL, &ctx[r]);
        assert_non_null(ctx[r].part);
        ctx[r].opts.part = ctx[r].part;
    }
    for (int r = 0; r < size; r++)
        assert_int_equal(pthread_create(&th[r], NULL, rank_main, &ctx[r]), 0);
    for (int r = 0; r < size; r++)
        pthread_join(th[r], NULL);
    pthread_barrier_destroy(&cl.bar);
}

static void ranks_run(int size, rank_ctx *ctx, void (*job)(rank_ctx *), const roi_model *m,
                      const roi_sim_opts *opts)
{
    ranks_run_sums(size, ctx, job, m, opts, 1);
}

static void ranks_free(int size, rank_ctx *ctx)
{
    for (int r = 0; r < size; r++) {
        roi_run_free(ctx[r].run);
        roi_part_free(ctx[r].part);
        if (ctx[r].json[0])
            unlink(ctx[r].json);
    }
}

/* A run, then the agreement every front end makes before it reports. */
static void job_run(rank_ctx *c)
{
    c->st = roi_sim_run(c->m, &c->opts, &c->run, &c->err);
    c->st = roi_part_agree(c->part, c->st, &c->err);
}

static roi_model *load_file(const char *path)
{
    roi_model *m = NULL;
    roi_error err;
    roi_error_clear(&err);
    if (roi_scenario_load(path, NULL, &m, &err) != ROI_OK)
        fail_msg("load %s: %s", path, err.msg);
    return m;
}

/* Writes text as a scenario file in a fresh directory and loads it. */
static roi_model *load_text(const char *stem, const char *text)
{
    char dir[] = "/tmp/roi_test_part_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/%s.lua", dir, stem);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    roi_model *m = load_file(path);
    unlink(path);
    rmdir(dir);
    return m;
}

static void assert_runs_identical(const roi_run *a, const roi_run *b)
{
    assert_int_equal(a->trials, b->trials);
    for (int k = 0; k < ROI_OUT_COUNT; k++) {
        assert_memory_equal(a->out[k], b->out[k], a->trials * sizeof(float));
        assert_memory_equal(&a->summary[k], &b->summary[k], sizeof(roi_summary));
    }
    assert_memory_equal(a->exact, b->exact, a->trials * sizeof *a->exact);
    assert_memory_equal(a->bands, b->bands,
                        (size_t)a->n_series * (size_t)a->periods * sizeof(roi_band));
    assert_memory_equal(a->milestone_prob, b->milestone_prob,
                        (size_t)a->model->n_milestones * sizeof(double));
    assert_int_equal(a->n_inputs, b->n_inputs);
    assert_memory_equal(a->inputs, b->inputs, (size_t)a->n_inputs * sizeof *a->inputs);
}

/* ---- the partition and the wire ------------------------------------------------------- */

static void test_ranges_cover_in_order(void **state)
{
    (void)state;
    for (size_t n = 0; n < 40; n++)
        for (int size = 1; size <= 7; size++) {
            size_t next = 0, small = SIZE_MAX, big = 0;
            for (int r = 0; r < size; r++) {
                size_t lo, hi;
                roi_part_range(r, size, n, &lo, &hi);
                assert_int_equal(lo, next); /* contiguous, in rank order */
                assert_true(hi >= lo);
                next = hi;
                small = hi - lo < small ? hi - lo : small;
                big = hi - lo > big ? hi - lo : big;
            }
            assert_int_equal(next, n); /* every block, once */
            assert_true(big - small <= 1);
        }
    size_t lo, hi;
    roi_part_blocks(NULL, 9, &lo, &hi);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 9);
    assert_null(roi_part_new(2, 2, fake_share, NULL, NULL));
    assert_null(roi_part_new(0, 0, fake_share, NULL, NULL));
}

static void test_wire_round_trip_and_short_read(void **state)
{
    (void)state;
    roi_wire w = {0};
    const double x[3] = {1.5, -0.0, 1e300};
    roi_wire_u64(&w, 42);
    roi_wire_put(&w, x, sizeof x);
    for (int i = 0; i < 2000; i++) /* past the first capacity */
        roi_wire_u64(&w, (uint64_t)i);
    assert_false(w.failed);
    roi_wire_reader r = {w.buf, w.len, 0};
    assert_int_equal(roi_wire_get_u64(&r), 42);
    double y[3];
    roi_wire_get(&r, y, sizeof y);
    assert_memory_equal(x, y, sizeof x);
    for (int i = 0; i < 2000; i++)
        assert_int_equal(roi_wire_get_u64(&r), (uint64_t)i);
    assert_false(r.bad);
    assert_int_equal(r.left, 0);
    assert_int_equal(roi_wire_get_u64(&r), 0); /* past the end: zero, and marked */
    assert_true(r.bad);
    assert_null(roi_wire_view(&r, 1));
    free(w.buf);
}

/* ---- runs ----------------------------------------------------------------------------- */

/* Every rank of 1..4 ranks x 1, 2 threads ends with the single process's run; the
 * histograms' counts summed by the transport (sums) or sent with the rest. */
static void check_same_bits(const roi_model *m, const roi_sim_opts *base, int sums)
{
    roi_run *one = NULL;
    roi_error err;
    roi_error_clear(&err);
    assert_int_equal(roi_sim_run(m, base, &one, &err), ROI_OK);
    for (int size = 1; size <= MAX_RANKS; size++)
        for (int threads = 1; threads <= 2; threads++) {
            rank_ctx ctx[MAX_RANKS];
            roi_sim_opts o = *base;
            o.threads = threads;
            ranks_run_sums(size, ctx, job_run, m, &o, sums);
            for (int r = 0; r < size; r++) {
                if (ctx[r].st != ROI_OK)
                    fail_msg("%d ranks, rank %d: %s", size, r, ctx[r].err.msg);
                assert_runs_identical(one, ctx[r].run);
            }
            ranks_free(size, ctx);
        }
    roi_run_free(one);
}

static void test_same_bits_any_rank_count(void **state)
{
    (void)state;
    roi_model *m = load_file(ROI_SOURCE_DIR "/scenarios/base.lua");
    /* 9 blocks (the last short): 3 ranks get 3 each, 2 and 4 ranks uneven shares. */
    roi_sim_opts o = {.seed = 7, .trials = 8 * ROI_BLOCK + 300};
    check_same_bits(m, &o, 1);
    check_same_bits(m, &o, 0);
    o.sampling = ROI_SAMPLING_LHS; /* the plan is built from all trials on every rank */
    check_same_bits(m, &o, 1);
    o.sampling = ROI_SAMPLING_MC;
    o.outputs_only = 1;
    check_same_bits(m, &o, 1);
    o.outputs_only = 0;
    o.trials = 700; /* one block: the other ranks have none */
    check_same_bits(m, &o, 1);
    check_same_bits(m, &o, 0);
    roi_model_free(m);
}

/* A trial that fails on one rank fails the run on every rank with the message one
 * process gives (the earliest failing trial over all ranks). */
static void test_failing_trial_agreed(void **state)
{
    (void)state;
    roi_model *m = load_text("rare_overflow",
                             "scenario { title = \"rare overflow\", extends = \"base\" }\n"
                             "big = bernoulli(0.0001)\n"
                             "family.people = choose(big, 1e300, 3.48e9)\n"
                             "meta_ai.addressable = choose(big, 1e300, 0.4e9)\n");
    /* At seed 10 the first failing trial is 11848: in the last rank's blocks. */
    roi_sim_opts o = {.seed = 10, .trials = 12 * ROI_BLOCK};
    roi_run *one = NULL;
    roi_error err;
    roi_error_clear(&err);
    assert_int_equal(roi_sim_run(m, &o, &one, &err), ROI_ERR_NUMERIC);
    assert_null(one);
    assert_non_null(strstr(err.msg, "trial 11848 "));
    for (int size = 2; size <= 3; size++) {
        rank_ctx ctx[MAX_RANKS];
        ranks_run(size, ctx, job_run, m, &o);
        for (int r = 0; r < size; r++) {
            assert_int_equal(ctx[r].st, ROI_ERR_NUMERIC);
            assert_string_equal(ctx[r].err.msg, err.msg);
            assert_null(ctx[r].run);
        }
        ranks_free(size, ctx);
    }
    roi_model_free(m);
}

/* Rank 1 fails before the run (as a load that fails on one machine would): the others,
 * inside the run, stop at its exchange, and every rank agrees on rank 1's error. */
static void job_rank1_fails(rank_ctx *c)
{
    if (c->rank == 1) {
        c->st = roi_error_set(&c->err, ROI_ERR_IO, "", "cannot read scenarios/x.lua");
    } else {
        c->st = roi_sim_run(c->m, &c->opts, &c->run, &c->err);
        if (c->st == ROI_OK) /* a second run: it must not start on a rank that stopped */
            c->st = ROI_ERR_INTERNAL;
    }
    c->st = roi_part_agree(c->part, c->st, &c->err);
}

static void test_rank_error_reaches_all_once(void **state)
{
    (void)state;
    roi_model *m = load_file(ROI_SOURCE_DIR "/scenarios/base.lua");
    roi_sim_opts o = {.seed = 3, .trials = 3000};
    rank_ctx ctx[MAX_RANKS];
    ranks_run(3, ctx, job_rank1_fails, m, &o);
    for (int r = 0; r < 3; r++) {
        assert_int_equal(ctx[r].st, ROI_ERR_IO);
        assert_string_equal(ctx[r].err.msg, "rank 1: cannot read scenarios/x.lua");
        assert_null(ctx[r].run);
    }
    ranks_free(3, ctx);
    roi_model_free(m);
}

/* A rank that runs another seed (another command line) is refused on every rank. */
static void job_rank2_other_seed(rank_ctx *c)
{
    if (c->rank == 2)
        c->opts.seed++;
    job_run(c);
}

static void test_other_run_refused(void **state)
{
    (void)state;
    roi_model *m = load_file(ROI_SOURCE_DIR "/scenarios/base.lua");
    roi_sim_opts o = {.seed = 3, .trials = 3000};
    rank_ctx ctx[MAX_RANKS];
    ranks_run(3, ctx, job_rank2_other_seed, m, &o);
    for (int r = 0; r < 3; r++) {
        assert_int_equal(ctx[r].st, ROI_ERR_USAGE);
        assert_string_equal(ctx[r].err.msg, ctx[0].err.msg);
        assert_non_null(strstr(ctx[r].err.msg, "every rank must run the same command"));
    }
    ranks_free(3, ctx);
    roi_model_free(m);
}

/* ---- the pipeline ----------------------------------------------------------------------- */

static const roi_model *pipeline_models[2];

/* The whole pipeline (run, goal seeks and sweeps, analysis with a stress test,
 * comparison) and the JSON report, on this rank. */
static void job_pipeline(rank_ctx *c)
{
    roi_stress stress = {.input = "v2.score", .low = 0.0, .high = 0.25};
    roi_results_opts ro = {.sim = c->opts,
                           .analysis = {.stress = &stress, .n_stress = 1,
                                        .sens_trials = 2000}};
    roi_results *res = NULL;
    c->st = roi_results_run(pipeline_models, 2, &ro, &res, &c->err);
    c->st = roi_part_agree(c->part, c->st, &c->err);
    if (c->st == ROI_OK) {
        snprintf(c->json, sizeof c->json, "/tmp/roi_test_part_%d_%d_%d.json", (int)getpid(),
                 c->cl->size, c->rank);
        roi_report_meta meta = {.version = "test", .seed = c->opts.seed,
                                .trials = c->opts.trials};
        /* Real ranks are processes; these share one process, whose report layer keeps
         * one table of temporary files (reports/atomic.c): one writer at a time. */
        static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
        pthread_mutex_lock(&report_lock);
        c->st = roi_report_json_write(res, &meta, c->json, &c->err);
        pthread_mutex_unlock(&report_lock);
    }
    roi_results_free(res);
}

static void test_pipeline_same_json(void **state)
{
    (void)state;
    roi_model *base = load_file(ROI_SOURCE_DIR "/scenarios/base.lua");
    roi_model *bull = load_file(ROI_SOURCE_DIR "/scenarios/bull.lua");
    pipeline_models[0] = base;
    pipeline_models[1] = bull;
    roi_sim_opts o = {.seed = 5, .trials = 6000, .threads = 1};
    rank_ctx one[1];
    ranks_run(1, one, job_pipeline, NULL, &o);
    if (one[0].st != ROI_OK)
        fail_msg("one rank: %s", one[0].err.msg);
    size_t n1;
    char *want = roi_test_read_file(one[0].json, &n1);
    for (int size = 2; size <= 3; size++) {
        rank_ctx ctx[MAX_RANKS];
        ranks_run(size, ctx, job_pipeline, NULL, &o);
        for (int r = 0; r < size; r++) {
            if (ctx[r].st != ROI_OK)
                fail_msg("%d ranks, rank %d: %s", size, r, ctx[r].err.msg);
            size_t n;
            char *got = roi_test_read_file(ctx[r].json, &n);
            assert_int_equal(n, n1);
            assert_memory_equal(got, want, n);
            free(got);
        }
        ranks_free(size, ctx);
    }
    free(want);
    ranks_free(1, one);
    roi_model_free(base);
    roi_model_free(bull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranges_cover_in_order),
        cmocka_unit_test(test_wire_round_trip_and_short_read),
        cmocka_unit_test(test_same_bits_any_rank_count),
        cmocka_unit_test(test_failing_trial_agreed),
        cmocka_unit_test(test_rank_error_reaches_all_once),
        cmocka_unit_test(test_other_run_refused),
        cmocka_unit_test(test_pipeline_same_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
