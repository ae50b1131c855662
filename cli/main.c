/*
 * main.c - the roisim command line.
 *
 * Takes the parsed command line (options.c, from its option table), finds where the
 * data lives (paths.c), loads scenarios, runs them, and hands the runs to the reports.
 * Every error reaches the user once, here, as "roisim: <message>" on stderr.
 * Exit status: 0 success, 1 model/scenario/IO error, 2 usage error.
 */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "cli_fit.h"
#include "cluster.h"
#include "omp_env.h"
#include "options.h"
#include "outputs.h"
#include "paths.h"
#include "report.h"
#include "results.h"
#include "scenario.h"
#include "sipmath_report.h"
#include "signals.h"

/* The options, as parsed from the table in options.c. */
typedef roi_cli cli;

enum { EXIT_MODEL = 1, EXIT_USAGE = 2 };

/* ---- messages ------------------------------------------------------------------------- */

/* Writes s for a terminal: messages carry what a scenario wrote (names, error()
 * texts, file names), so every byte below 0x20 but tab and line feed, and DEL, is
 * shown as \xNN instead of reaching the terminal (escape sequences, carriage
 * returns), and so are the C1 controls U+0080..U+009F (0xC2 0x80..0x9F). */
static void print_safe(FILE *fp, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            fprintf(fp, "\\x%02x\\x%02x", p[0], p[1]);
            p++;
        } else if ((*p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7f) {
            fprintf(fp, "\\x%02x", *p);
        } else {
            fputc(*p, fp);
        }
    }
}

static void print_error(const roi_error *err, roi_status st)
{
    fputs("roisim: ", stderr);
    print_safe(stderr, err->msg[0] ? err->msg : roi_strerror(st));
    fputc('\n', stderr);
}

static int exit_code(roi_status st)
{
    if (st == ROI_OK)
        return 0;
    return st == ROI_ERR_USAGE ? EXIT_USAGE : EXIT_MODEL;
}

/* ---- loading ------------------------------------------------------------------------------ */

/* The files to load: the ones given, or every bundled scenario (*bundled set; caller
 * frees it with roi_scenario_list_free). */
static roi_status scenario_files(const cli *c, const char *const **files, int *n,
                                 char ***bundled, roi_error *err)
{
    *bundled = NULL;
    if (c->n_files > 0) {
        *files = c->files;
        *n = c->n_files;
        return ROI_OK;
    }
    roi_status st = roi_scenario_bundled(bundled, err);
    if (st != ROI_OK)
        return st;
    int k = 0;
    while ((*bundled)[k])
        k++;
    if (k == 0)
        return roi_error_set(err, ROI_ERR_SCENARIO, NULL, "no bundled scenarios in '%s'",
                             roi_scenario_bundled_dir());
    *files = (const char *const *)*bundled;
    *n = k;
    return ROI_OK;
}

/* ---- progress bar ---------------------------------------------------------------------- */

typedef struct progress {
    int enabled;
    double start, last;   /* monotonic seconds */
    int drawn;            /* something is on the line */
    int index, count;     /* scenario index and number of scenarios */
    const char *name;
    /* the phase after the trials, of scenario phase_of (-1: the run's), or "" */
    char phase[96];
    int phase_of;
} progress;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* roi_results_opts.progress: at most ~10 redraws a second, nothing in the first 0.5 s. */
static void progress_draw(void *ud, int scenario, const char *name, size_t done, size_t total)
{
    progress *p = ud;
    if (scenario != p->index)
        p->phase[0] = '\0'; /* a new scenario's trials */
    p->index = scenario;
    p->name = name;
    double t = now_seconds();
    if (t - p->start < 0.5 || (p->drawn && t - p->last < 0.1))
        return;
    p->last = t;
    p->drawn = 1;
    /* In a phase after the trials the bar stays where its trials left it; the runs of
     * goal seeks have their own counts. */
    double frac = p->phase[0] ? 1.0 : total ? (double)done / (double)total : 1.0;
    frac = ((double)p->index + frac) / (double)p->count;
    enum { WIDTH = 30 };
    char bar[WIDTH + 1];
    int fill = (int)(frac * WIDTH + 0.5);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    if (p->phase[0] && p->phase_of < 0)
        fprintf(stderr, "\r[%s] %3d%%  %.60s\033[K", bar, (int)(100.0 * frac + 0.5), p->phase);
    else if (p->phase[0])
        fprintf(stderr, "\r[%s] %3d%%  %.20s: %.40s\033[K", bar, (int)(100.0 * frac + 0.5),
                p->name ? p->name : "", p->phase);
    else
        fprintf(stderr, "\r[%s] %3d%%  %.28s (%d/%d)\033[K", bar, (int)(100.0 * frac + 0.5),
                p->name ? p->name : "", p->index + 1, p->count);
    fflush(stderr);
}

/* roi_results_opts.phase, and the reports after the run: names what the bar, at its
 * scenario's end, is waiting for. Drawn at once (past the first 0.5 s). */
static void progress_phase(void *ud, int scenario, const char *name, const char *phase)
{
    progress *p = ud;
    if (!p->enabled)
        return;
    if (scenario >= 0)
        p->index = scenario;
    snprintf(p->phase, sizeof p->phase, "%s", phase);
    p->phase_of = scenario;
    p->last = 0;
    if (scenario < 0)
        progress_draw(p, p->count - 1, p->name, 1, 1);
    else
        progress_draw(p, scenario, name, 1, 1);
}

static void progress_clear(progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = 0;
    }
}

/* ---- commands ----------------------------------------------------------------------------- */

/* The scenarios of a run, loaded and checked before any time is spent simulating. */
typedef struct loaded {
    char **bundled;             /* owned: the bundled file list, or NULL */
    const char *const *files;   /* the files loaded (c->files or bundled) */
    int n;
    roi_model **models;         /* owned: n models */
} loaded;

static void loaded_free(loaded *l)
{
    for (int i = 0; l->models && i < l->n; i++)
        roi_model_free(l->models[i]);
    free(l->models);
    roi_scenario_list_free(l->bundled);
}

/* Loads every scenario first, so that a broken one fails before the run, then refuses
 * a report over an input, over a parent scenario a load read through `extends`, two
 * reports in one file, or a path roisim never writes (cli/outputs.h). */
static roi_status load_all(const cli *c, loaded *l, roi_error *err)
{
    roi_scenario_opts sopts = {.sets = c->sets, .n_sets = c->n_sets,
                               .roots = c->roots, .n_roots = c->n_roots,
                               .memory_limit = c->lua_memory, .time_limit = c->time_limit};
    ROI_TRY(scenario_files(c, &l->files, &l->n, &l->bundled, err));
    l->models = calloc((size_t)l->n + 1, sizeof *l->models);
    if (!l->models)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    for (int i = 0; i < l->n; i++)
        ROI_TRY(roi_scenario_load(l->files[i], &sopts, &l->models[i], err));
    const roi_cli_output outs[] = {{"--json", c->json}, {"--xlsx", c->xlsx},
                                   {"--trials-csv", c->trials_csv}, {"--sipmath", c->sipmath}};
    enum { N_OUTS = sizeof outs / sizeof outs[0] };
    ROI_TRY(roi_cli_outputs_check(l->files, l->n, outs, N_OUTS, err));
    for (int i = 0; i < l->n; i++)
        ROI_TRY(roi_cli_outputs_check((const char *const *)l->models[i]->sources,
                                      l->models[i]->n_sources, outs, N_OUTS, err));
    return ROI_OK;
}

/* The pipeline of engine/results.h over the loaded models, with the progress bar on a
 * terminal. */
static roi_status run_all(const cli *c, const loaded *l, roi_part *part, roi_results **res,
                          roi_error *err)
{
    progress prog = {.enabled = !c->quiet && isatty(STDERR_FILENO), .count = l->n};
    prog.start = now_seconds();
    roi_results_opts ro = {
        .sim = {.seed = c->seed, .trials = c->trials, .threads = c->threads,
                .sampling = c->sampling, .max_bytes = c->max_memory,
                .block_size = c->block_size, .part = part},
        .precision = c->precision, .max_trials = c->max_trials,
        .no_analysis = c->no_analysis,
        .analysis = {.given = c->given, .n_given = c->n_given, .stress = c->stress,
                     .n_stress = c->n_stress, .threads = c->threads,
                     .sens_trials = c->sens_trials},
        .compare = c->compare,
        .progress = prog.enabled ? progress_draw : NULL,
        .phase = prog.enabled ? progress_phase : NULL, .progress_ud = &prog};
    roi_status st = roi_results_run((const roi_model *const *)l->models, l->n, &ro, res, err);
    progress_clear(&prog);
    return st;
}

/* The terminal summary; with --json - the JSON owns standard output. A summary lost on
 * a full device is a failure, not a success. */
static roi_status write_summary(const cli *c, const roi_results *res,
                                const roi_report_meta *meta, roi_error *err)
{
    if (c->quiet)
        return ROI_OK;
    FILE *fp = c->json && !strcmp(c->json, "-") ? stderr : stdout;
    /* Written to memory first, then through print_safe: titles and names are the
     * scenario's (or a file name's) text and must not drive the terminal. */
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    roi_report_terminal(mem, res, meta);
    int lost = fclose(mem) != 0 || !text;
    if (!lost)
        print_safe(fp, text);
    free(text);
    if (lost)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    errno = 0;
    if (fflush(fp) != 0 || ferror(fp))
        return roi_error_set(err, ROI_ERR_IO, NULL, "cannot write the summary to %s: %s",
                             fp == stdout ? "standard output" : "standard error",
                             errno ? strerror(errno) : "write error");
    return ROI_OK;
}

/* All reports or none: each is written to its temporary file, and the batch puts them
 * in place only when all succeeded (reports/atomic.h). The workbook goes first, so
 * that Excel's limits are checked before anything else is written. */
static roi_status write_reports(const cli *c, const roi_results *res,
                                const roi_report_meta *meta, roi_error *err)
{
    roi_status st = ROI_OK;
    roi_atomic_batch_begin();
    if (c->xlsx)
        st = roi_report_xlsx_write(res, meta, c->xlsx, err);
    if (st == ROI_OK && c->json)
        st = roi_report_json_write(res, meta, c->json, err);
    if (st == ROI_OK && c->trials_csv)
        st = roi_report_trials_csv_write(res, c->trials_csv, err);
    if (st == ROI_OK && c->sipmath)
        st = roi_report_sipmath_write(res, meta, c->sipmath, err);
    if (st == ROI_OK)
        return roi_atomic_batch_commit(err);
    roi_atomic_batch_abort();
    return st;
}

/* Runs and reports. Over MPI ranks (part), every rank loads and runs; they agree
 * after loading (a file missing on one machine stops them all) and after the pipeline
 * (no report when any rank failed); then rank 0 alone reports. */
static roi_status cmd_run(const cli *c, const char *command, roi_part *part, roi_error *err)
{
    loaded l = {0};
    roi_results *res = NULL;
    double t0 = now_seconds();
    roi_status st = roi_part_agree(part, load_all(c, &l, err), err);
    if (st == ROI_OK) /* and the same bytes on every machine */
        st = roi_part_agree(part, roi_cluster_same_files(part, (const roi_model *const *)
                                                         l.models, l.n, err), err);
    double t_load = now_seconds() - t0;
    if (st == ROI_OK)
        st = roi_part_agree(part, run_all(c, &l, part, &res, err), err);
    if (st != ROI_OK || roi_part_rank(part) != 0)
        goto done;

    t0 = now_seconds();
    roi_report_meta meta = {.version = ROI_VERSION, .seed = c->seed, .trials = c->trials,
                            .threads = c->threads, .command = command};
    /* The only clock reading: it reaches the workbook's Run sheet, never a result. */
    meta.created = c->reproducible ? 0 : c->date ? c->date : (int64_t)time(NULL);
    st = write_summary(c, res, &meta, err);
    if (st == ROI_OK && (c->xlsx || c->json || c->trials_csv || c->sipmath)) {
        /* the bar, full, says what the time after the summary goes to */
        progress bar = {.enabled = !c->quiet && isatty(STDERR_FILENO), .count = 1,
                        .index = 0, .start = now_seconds() - 1};
        progress_phase(&bar, -1, NULL, "writing reports");
        st = write_reports(c, res, &meta, err);
        progress_clear(&bar);
    }
    double t_report = now_seconds() - t0;
    if (c->timings && st == ROI_OK)
        fprintf(stderr,
                "timings: loading %.3f s, simulation %.3f s, statistics %.3f s, "
                "goal seeks %.3f s, analysis %.3f s, decisions %.3f s, reports %.3f s\n",
                t_load, res->seconds.simulation, res->seconds.statistics, res->seconds.search,
                res->seconds.analysis, res->seconds.decisions, t_report);
done:
    roi_results_free(res);
    loaded_free(&l);
    return st;
}

/* Checks every file, printing each failure as it comes; returns the first failure's
 * status, with a count of the failures as the message main prints last. */
static roi_status cmd_check(const cli *c, roi_error *err)
{
    char **bundled = NULL;
    const char *const *files = NULL;
    int n = 0, failed = 0;
    roi_scenario_opts sopts = {.sets = c->sets, .n_sets = c->n_sets,
                               .roots = c->roots, .n_roots = c->n_roots,
                               .memory_limit = c->lua_memory, .time_limit = c->time_limit};
    roi_status st = scenario_files(c, &files, &n, &bundled, err);
    if (st != ROI_OK)
        return st;
    roi_status first = ROI_OK;
    for (int i = 0; i < n; i++) {
        roi_model *m = NULL;
        roi_error e;
        roi_error_clear(&e);
        st = roi_scenario_load(files[i], &sopts, &m, &e);
        if (st == ROI_OK) {
            if (!c->quiet)
                printf("%s: ok (%d inputs, %d quarters)\n", files[i],
                       roi_graph_input_count(&m->graph), m->periods);
        } else {
            fflush(stdout);
            print_error(&e, st);
            if (first == ROI_OK)
                first = st;
            failed++;
        }
        roi_model_free(m);
    }
    fflush(stdout);
    roi_scenario_list_free(bundled);
    if (failed)
        roi_error_set(err, first, NULL, "%d of %d scenario file%s failed the check", failed, n,
                      n == 1 ? "" : "s");
    return first;
}

/* `roisim fit DATA.csv`: one data file; the JSON may not overwrite it. */
static roi_status cmd_fit(const cli *c, roi_error *err)
{
    if (c->n_files != 1)
        return roi_error_set(err, ROI_ERR_USAGE, NULL,
                             "fit takes one data file, got %d (see 'roisim --help')", c->n_files);
    const roi_cli_output out = {"--json", c->json};
    roi_status st = roi_cli_outputs_check(c->files, 1, &out, 1, err);
    if (st != ROI_OK)
        return st;
    roi_cli_fit_opts o;
    roi_cli_fit_opts_init(&o);
    o.column = c->column;
    o.families = c->families;
    o.json = c->json;
    o.bootstrap = c->bootstrap;
    o.seed = c->seed;
    o.threads = c->threads;
    o.quiet = c->quiet;
    return roi_cli_fit(c->files[0], &o, stdout, err);
}

/* Lists the bundled scenarios: name and title, aligned. */
static roi_status cmd_list(roi_error *err)
{
    char **files = NULL;
    roi_status st = roi_scenario_bundled(&files, err);
    if (st != ROI_OK)
        return st;
    int n = 0;
    while (files[n])
        n++;
    roi_model **models = calloc((size_t)n + 1, sizeof *models);
    if (!models) {
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
        goto done;
    }
    int w = 4;
    for (int i = 0; i < n; i++) {
        st = roi_scenario_load(files[i], NULL, &models[i], err);
        if (st != ROI_OK)
            goto done;
        int len = models[i]->name ? (int)strlen(models[i]->name) : 0;
        if (len > w)
            w = len;
    }
    for (int i = 0; i < n; i++)
        printf("%-*s  %s\n", w, models[i]->name ? models[i]->name : "",
               models[i]->title ? models[i]->title : "");
    fflush(stdout);

done:
    for (int i = 0; models && i < n; i++)
        roi_model_free(models[i]);
    free(models);
    roi_scenario_list_free(files);
    return st;
}

/* Prints where roisim reads from (the `paths` command, and --version --verbose). */
static roi_status cmd_paths(const roi_paths *paths)
{
    roi_paths_print(stdout, paths);
    fflush(stdout);
    return ROI_OK;
}

/* ---- main ------------------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    /* Idle OpenMP threads sleep instead of spinning (omp_env.h); may restart. */
    roi_cli_omp_wait_policy(argv);
    /* Numbers in every output use '.', whatever the environment says. */
    setlocale(LC_ALL, "C");
    /* An interrupted run removes its temporary reports. */
    roi_cli_signals_install();

    roi_error err;
    roi_error_clear(&err);
    /* This process's part of the job: every block (roisim), or its rank's (cluster.h). */
    roi_part *part = NULL;
    if (roi_cluster_start(&argc, &argv, &part, &err) != ROI_OK) {
        print_error(&err, err.status);
        return EXIT_MODEL;
    }
    /* The data's directories, from the executable's place; the loader borrows the
     * scenario directory for the whole run. */
    static roi_paths paths;
    roi_paths_find(&paths);
    roi_scenario_set_bundled_dir(paths.scenarios);

    roi_cli c;
    roi_status st = roi_cli_parse(argc, argv, &c, &err);
    if (st != ROI_OK)
        goto done;
    if (c.help || c.cmd == ROI_CMD_HELP) {
        roi_cli_usage(stdout, paths.scenarios, roi_paths_how(paths.scenarios_from));
        goto done;
    }
    if (c.version) {
        printf("roisim %s\n", ROI_VERSION);
        if (c.verbose) {
            st = cmd_paths(&paths);
            printf("processes   %s\n", roi_cluster_describe(part));
        }
        goto done;
    }
    st = roi_cli_check(&c, &err);
    if (st != ROI_OK)
        goto done;

    switch (c.cmd) {
    case ROI_CMD_RUN:
        st = cmd_run(&c, c.command, part, &err);
        break;
    case ROI_CMD_CHECK:
        st = cmd_check(&c, &err);
        break;
    case ROI_CMD_FIT:
        st = cmd_fit(&c, &err);
        break;
    case ROI_CMD_LIST:
        st = cmd_list(&err);
        break;
    case ROI_CMD_PATHS:
        st = cmd_paths(&paths);
        break;
    default:
        break;
    }

done:
    /* Whatever the command printed must have reached standard output: a full device
     * is an error. */
    int lost = ferror(stdout);
    errno = 0;
    if ((fclose(stdout) != 0 || lost) && st == ROI_OK)
        st = roi_error_set(&err, ROI_ERR_IO, NULL, "cannot write to standard output: %s",
                           errno ? strerror(errno) : "write error");
    /* Every rank ends with the same status and message; only rank 0 prints it. */
    st = roi_part_agree(part, st, &err);
    if (st != ROI_OK)
        print_error(&err, st);
    roi_cli_free(&c);
    roi_cluster_end(part);
    return exit_code(st);
}
