/*
 * main.c - the roisim command line.
 *
 * Parses the command and its options by hand (options may come before or after the
 * scenario files), loads scenarios, runs them, and hands the runs to the reports.
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
#if defined(__GLIBC__)
#endif

#include "report.h"
#include "results.h"
#include "scenario.h"

#define ROI_DEFAULT_TRIALS 10000
#define ROI_MAX_TRIALS 1000000000ull
#define ROI_MAX_THREADS 4096
#define ROI_DEFAULT_MAX_TRIALS 4194304 /* 4096 blocks: 300 MB of per-trial outputs */

enum { EXIT_MODEL = 1, EXIT_USAGE = 2 };

typedef enum command { CMD_NONE, CMD_RUN, CMD_CHECK, CMD_LIST, CMD_HELP } cli_command;

/* Everything the command line says. Strings are borrowed from argv. */
typedef struct cli {
    cli_command cmd;
    const char **files;  /* scenario files (owned array) */
    int n_files;
    const char **sets;   /* --set PATH=VALUE (owned array) */
    int n_sets;
    size_t trials;
    uint64_t seed;
    int threads;
    const char *json;    /* --json FILE or "-" */
    const char *xlsx;
    int quiet;
    int help, version;
    const char *run_only; /* the first run-only option seen, for "not valid for" errors */
    /* Added by issue 4: */
    double precision;     /* --precision REL; 0: off */
    size_t max_trials;    /* --max-trials N: the cap of the precision loop */
    size_t sens_trials;   /* --sensitivity-trials N (0: the analysis' default) */
    roi_sampling_mode sampling; /* --sampling mc|lhs */
    const char *trials_csv; /* --trials-csv FILE */
    int reproducible;       /* --reproducible: no date in the workbook */
    int64_t date;           /* --date YYYY-MM-DD as seconds since 1970 UTC; 0: none */
    /* Limits (docs/safety.md); 0: the defaults. */
    double time_limit;    /* --time-limit SECONDS to load one scenario */
    size_t lua_memory;    /* --lua-memory MB, in bytes */
    size_t max_memory;    /* --max-memory MB for one run, in bytes */
    /* Analysis (issue 4): */
    const char **given;   /* --given COND (owned array) */
    int n_given;
    roi_stress *stress;   /* --stress INPUT=LO:HI (owned array; strings borrowed/owned below) */
    int n_stress;
    const char *compare;  /* --compare NAME: the reference of paired comparisons */
    int no_analysis;      /* --no-analysis */
    size_t block_size;    /* --block-size: scheduling granularity in trials (0: default) */
    int timings;          /* --timings: print the time of each phase to stderr */
} cli;

/* ---- messages ------------------------------------------------------------------------- */

static void print_error(const roi_error *err, roi_status st)
{
    fprintf(stderr, "roisim: %s\n", err->msg[0] ? err->msg : roi_strerror(st));
}

static int exit_code(roi_status st)
{
    if (st == ROI_OK)
        return 0;
    return st == ROI_ERR_USAGE ? EXIT_USAGE : EXIT_MODEL;
}

static void usage(FILE *fp)
{
    fprintf(fp,
        "Usage: roisim <command> [options] [SCENARIO.lua ...]\n"
        "\n"
        "Monte Carlo ROI simulation of AI investments described in Lua scenario files.\n"
        "\n"
        "Commands:\n"
        "  run [SCENARIO.lua ...]    Run each scenario (default: every bundled scenario),\n"
        "                            print a summary table, and write the reports asked.\n"
        "  check [SCENARIO.lua ...]  Load and validate scenarios without running them\n"
        "                            (default: every bundled scenario); prints\n"
        "                            \"FILE: ok (N inputs, T quarters)\" for each.\n"
        "  list                      List the bundled scenarios with their titles.\n"
        "  help                      Show this help.\n"
        "\n"
        "Options for run:\n"
        "  -n, --trials N      Trials per scenario, 1 to 1000000000 (default %d).\n"
        "  --seed N            Random seed, an integer >= 0 (default %u); the same seed\n"
        "                      gives the same results whatever the thread count.\n"
        "  --threads N         Worker threads, 1 to %d (default: all cores).\n"
        "  --block-size N      Trials handed to a thread at a time, rounded up to whole\n"
        "                      blocks of 1024 (default 1024); never changes results.\n"
        "  --timings           Print the time of each phase (loading, simulation,\n"
        "                      statistics, goal seeks, analysis, reports) to\n"
        "                      standard error.\n"
        "  --json FILE         Write the full results as JSON to FILE ('-': standard\n"
        "                      output; the summary table then goes to standard error).\n"
        "  --xlsx FILE         Write the Excel report to FILE (summary, a sheet per\n"
        "                      scenario with charts, inputs, series, run details).\n"
        "  --trials-csv FILE   Write every trial's outputs and sampled inputs as CSV.\n"
        "  --reproducible      Record no date in the workbook, so the same command gives\n"
        "                      a byte-identical file.\n"
        "  --date YYYY-MM-DD   Record this date in the workbook instead of the clock's.\n"
        "  --sampling MODE     mc (default: independent draws) or lhs (Latin hypercube:\n"
        "                      every input stratified over the run's trials).\n"
        "  --precision REL     Keep adding trials (whole blocks of %d, starting from -n)\n"
        "                      until the standard error of mean npv is at most REL times\n"
        "                      |mean npv|, e.g. 0.01; each scenario stops on its own.\n"
        "  --max-trials N      The cap of --precision (default %d).\n"
        "  --max-memory MB     Refuse runs whose trials x quarters need more (default 4096).\n"
        "  --given COND        Add a conditional view to every scenario: statistics over\n"
        "                      the trials where COND holds, e.g. --given 'v2.score >= 60',\n"
        "                      --given moat, --given 'npv > 0 and not moat'; repeatable.\n"
        "  --stress IN=LO:HI   Rerun each scenario that has input IN with IN restricted to\n"
        "                      its percentile band [LO, HI], levels in [0, 1] or percent,\n"
        "                      e.g. --stress v2.score=0:10%%; repeatable.\n"
        "  --compare NAME      Compare every scenario with scenario NAME trial by trial\n"
        "                      (default: base, when it is run).\n"
        "  --sensitivity-trials N\n"
        "                      Sensitivity and tails use the first N trials, at least 4\n"
        "                      (default %zu); a rank correlation's se is about\n"
        "                      1/sqrt(N). Other statistics use every trial.\n"
        "  --no-analysis       Skip sensitivity, views, stress and comparisons.\n"
        "\n"
        "Options for run and check:\n"
        "  -q, --quiet         run: print no summary table and no progress bar;\n"
        "                      check: print only errors.\n"
        "  --set PATH=VALUE    Override a scenario parameter before validation, e.g.\n"
        "                      --set horizon.discount=0.08; repeatable; applies to every\n"
        "                      scenario loaded.\n"
        "  --time-limit S      Seconds a scenario may take to load (default 10).\n"
        "  --lua-memory MB     Memory a scenario may use while loading (default 256).\n"
        "\n"
        "General options:\n"
        "  -h, --help          Show this help and exit.\n"
        "  --version           Print the version and exit.\n"
        "  --                  Treat every later argument as a scenario file.\n"
        "\n"
        "Options may come before or after the scenario files, as --opt VALUE or\n"
        "--opt=VALUE. Bundled scenarios are read from $ROISIM_SCENARIOS when set,\n"
        "else from %s.\n"
        "\n"
        "Exit status: 0 success, 1 scenario, model or file error, 2 usage error.\n",
        ROI_DEFAULT_TRIALS, (unsigned)ROI_DEFAULT_SEED, ROI_MAX_THREADS, ROI_BLOCK,
        ROI_DEFAULT_MAX_TRIALS, ROI_SENS_MAX_TRIALS, roi_scenario_bundled_dir());
}

/* ---- option parsing --------------------------------------------------------------------- */

/* Parses "YYYY-MM-DD" (a real calendar date from 1970 on) into seconds since 1970 UTC. */
static int parse_date(const char *s, int64_t *out)
{
    int y, m, d;
    char end;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &end) != 3 || y < 1970 || y > 9999 || m < 1 ||
        m > 12 || d < 1)
        return 0;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return 0;
    /* Days since 1970-01-01 (civil calendar, no time zone involved). */
    int64_t days = 0;
    for (int yy = 1970; yy < y; yy++)
        days += 365 + ((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0);
    for (int mm = 1; mm < m; mm++)
        days += mdays[mm - 1] + (mm == 2 && leap);
    days += d - 1;
    *out = days * 86400;
    return 1;
}

/* Parses a whole decimal number made of digits only (no sign, no spaces) up to max. */
static int parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
    if (!s || !*s)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    errno = 0;
    char *end = NULL;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno == ERANGE || *end || x > max)
        return 0;
    *v = x;
    return 1;
}

/* The static spelling of an option that only `run` accepts (name is a local buffer). */
static const char *canonical(const char *name)
{
    static const char *const run_only[] = {"-n", "--trials", "--seed", "--threads",
                                           "--json", "--xlsx", "--precision",
                                           "--max-trials", "--sampling", "--trials-csv",
                                           "--reproducible", "--date", "--max-memory",
                                           "--given", "--stress", "--compare", "--no-analysis",
                                           "--block-size", "--timings",
                                           "--sensitivity-trials"};
    for (size_t i = 0; i < sizeof run_only / sizeof run_only[0]; i++)
        if (!strcmp(name, run_only[i]))
            return run_only[i];
    return "-n";
}

static roi_status usage_error(roi_error *err, const char *fmt, const char *arg)
{
    char what[512];
    snprintf(what, sizeof what, fmt, arg);
    return roi_error_set(err, ROI_ERR_USAGE, NULL, "%s (see 'roisim --help')", what);
}

/* A percentile level: "0.1" or "10%". */
static int parse_level(const char *s, const char *end, double *v)
{
    char buf[64];
    size_t len = (size_t)(end - s);
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    int percent = buf[len - 1] == '%';
    if (percent)
        buf[--len] = '\0';
    char *stop = NULL;
    double x = strtod(buf, &stop);
    if (len == 0 || *stop)
        return 0;
    *v = percent ? x / 100.0 : x;
    return *v >= 0.0 && *v <= 1.0;
}

/* --stress INPUT=LO:HI into *s (s->input points into a new string the caller frees
 * with s->name, which is the option text). */
static roi_status parse_stress(const char *value, roi_stress *s, roi_error *err)
{
    const char *eq = strrchr(value, '=');
    const char *colon = eq ? strchr(eq, ':') : NULL;
    double lo = 0, hi = 0;
    if (!eq || eq == value || !colon || !parse_level(eq + 1, colon, &lo) ||
        !parse_level(colon + 1, colon + strlen(colon), &hi) || !(lo < hi))
        return usage_error(err,
                           "--stress: expected INPUT=LO:HI with 0 <= LO < HI <= 1 (or percent), "
                           "e.g. v2.score=0:10%%, got '%s'", value);
    s->name = strdup(value);
    s->input = strndup(value, (size_t)(eq - value));
    if (!s->name || !s->input) {
        free(s->name);
        free(s->input);
        s->name = s->input = NULL;
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    }
    s->low = lo;
    s->high = hi;
    return ROI_OK;
}

static roi_status parse_command(cli *c, const char *word, roi_error *err)
{
    if (strcmp(word, "run") == 0)
        c->cmd = CMD_RUN;
    else if (strcmp(word, "check") == 0)
        c->cmd = CMD_CHECK;
    else if (strcmp(word, "list") == 0)
        c->cmd = CMD_LIST;
    else if (strcmp(word, "help") == 0)
        c->cmd = CMD_HELP;
    else
        return usage_error(err, "unknown command '%s'", word);
    return ROI_OK;
}

/*
 * Parses argv into c. c->files and c->sets are arrays the caller frees (even on
 * failure). Returns ROI_ERR_USAGE with a message on any malformed argument.
 */
static roi_status parse_args(int argc, char **argv, cli *c, roi_error *err)
{
    memset(c, 0, sizeof *c);
    c->trials = ROI_DEFAULT_TRIALS;
    c->seed = ROI_DEFAULT_SEED;
    c->threads = 0;
    c->max_trials = ROI_DEFAULT_MAX_TRIALS;
    c->files = calloc((size_t)argc + 1, sizeof *c->files);
    c->sets = calloc((size_t)argc + 1, sizeof *c->sets);
    c->given = calloc((size_t)argc + 1, sizeof *c->given);
    c->stress = calloc((size_t)argc + 1, sizeof *c->stress);
    if (!c->files || !c->sets || !c->given || !c->stress)
        return roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");

    int only_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (only_files || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (c->cmd == CMD_NONE) {
                roi_status st = parse_command(c, arg, err);
                if (st != ROI_OK)
                    return st;
            } else {
                c->files[c->n_files++] = arg;
            }
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_files = 1;
            continue;
        }
        /* Split "--name=value"; short "-n100" keeps its value attached. */
        char name[64];
        const char *value = NULL;
        if (arg[1] == '-') {
            const char *eq = strchr(arg, '=');
            size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
            if (len >= sizeof name)
                return usage_error(err, "unknown option '%s'", arg);
            memcpy(name, arg, len);
            name[len] = '\0';
            if (eq)
                value = eq + 1;
        } else {
            snprintf(name, sizeof name, "-%c", arg[1]);
            if (arg[2])
                value = arg + 2;
        }

        if (!strcmp(name, "--timings")) {
            if (value)
                return usage_error(err, "option '%s' takes no value", name);
            c->timings = 1;
            if (!c->run_only)
                c->run_only = canonical(name);
            continue;
        }
        /* Options without a value. */
        if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "--version") ||
            !strcmp(name, "-q") || !strcmp(name, "--quiet") ||
            !strcmp(name, "--reproducible") || !strcmp(name, "--no-analysis")) {
            if (value)
                return usage_error(err, "option '%s' takes no value", name);
            if (!strcmp(name, "--reproducible")) {
                c->reproducible = 1;
                if (!c->run_only)
                    c->run_only = canonical(name);
            } else if (!strcmp(name, "--version"))
                c->version = 1;
            else if (!strcmp(name, "--no-analysis")) {
                c->no_analysis = 1;
                if (!c->run_only)
                    c->run_only = canonical(name);
            }
            else if (!strcmp(name, "-q") || !strcmp(name, "--quiet"))
                c->quiet = 1;
            else
                c->help = 1;
            continue;
        }

        int known = !strcmp(name, "-n") || !strcmp(name, "--trials") ||
                    !strcmp(name, "--seed") || !strcmp(name, "--threads") ||
                    !strcmp(name, "--json") || !strcmp(name, "--xlsx") ||
                    !strcmp(name, "--set") || !strcmp(name, "--precision") ||
                    !strcmp(name, "--max-trials") || !strcmp(name, "--sampling") ||
                    !strcmp(name, "--trials-csv") || !strcmp(name, "--date") ||
                    !strcmp(name, "--time-limit") || !strcmp(name, "--lua-memory") ||
                    !strcmp(name, "--max-memory") || !strcmp(name, "--given") ||
                    !strcmp(name, "--stress") || !strcmp(name, "--compare") ||
                    !strcmp(name, "--block-size") || !strcmp(name, "--sensitivity-trials");
        if (!known)
            return usage_error(err, "unknown option '%s'", arg);
        if (!value) {
            if (i + 1 >= argc)
                return usage_error(err, "option '%s' needs a value", name);
            value = argv[++i];
        }
        unsigned long long v = 0;
        if (!strcmp(name, "-n") || !strcmp(name, "--trials")) {
            if (!parse_uint(value, ROI_MAX_TRIALS, &v) || v == 0)
                return usage_error(err,
                                   "-n: the number of trials must be an integer from 1 to "
                                   "1000000000, got '%s'", value);
            c->trials = (size_t)v;
        } else if (!strcmp(name, "--seed")) {
            if (!parse_uint(value, UINT64_MAX, &v))
                return usage_error(err,
                                   "--seed: must be a non-negative integer below 2^64, "
                                   "got '%s'", value);
            c->seed = (uint64_t)v;
        } else if (!strcmp(name, "--threads")) {
            if (!parse_uint(value, ROI_MAX_THREADS, &v) || v == 0)
                return usage_error(err, "--threads: must be an integer from 1 to 4096, got '%s'",
                                   value);
            c->threads = (int)v;
        } else if (!strcmp(name, "--block-size")) {
            if (!parse_uint(value, ROI_MAX_TRIALS, &v) || v == 0)
                return usage_error(err, "--block-size: must be an integer from 1 to "
                                   "1000000000, got '%s'", value);
            c->block_size = (size_t)v;
        } else if (!strcmp(name, "--json")) {
            if (!*value)
                return usage_error(err, "--json: needs a file name or '-', got '%s'", value);
            c->json = value;
        } else if (!strcmp(name, "--xlsx")) {
            if (!*value || !strcmp(value, "-"))
                return usage_error(err, "--xlsx: needs a file name, got '%s'", value);
            c->xlsx = value;
        } else if (!strcmp(name, "--precision")) {
            char *end = NULL;
            errno = 0;
            double rel = strtod(value, &end);
            if (!*value || *end || errno || !(rel > 0.0 && rel < 1.0))
                return usage_error(err, "--precision: must be a number between 0 and 1 "
                                   "(e.g. 0.01), got '%s'", value);
            c->precision = rel;
        } else if (!strcmp(name, "--sensitivity-trials")) {
            if (!parse_uint(value, ROI_MAX_TRIALS, &v) || v < 4)
                return usage_error(err, "--sensitivity-trials: must be an integer from 4 to "
                                   "1000000000, got '%s'", value);
            c->sens_trials = (size_t)v;
        } else if (!strcmp(name, "--max-trials")) {
            if (!parse_uint(value, ROI_MAX_TRIALS, &v) || v == 0)
                return usage_error(err, "--max-trials: must be an integer from 1 to "
                                   "1000000000, got '%s'", value);
            c->max_trials = (size_t)v;
        } else if (!strcmp(name, "--sampling")) {
            if (!strcmp(value, "mc"))
                c->sampling = ROI_SAMPLING_MC;
            else if (!strcmp(value, "lhs"))
                c->sampling = ROI_SAMPLING_LHS;
            else
                return usage_error(err, "--sampling: must be mc or lhs, got '%s'", value);
        } else if (!strcmp(name, "--trials-csv")) {
            if (!*value || !strcmp(value, "-"))
                return usage_error(err, "--trials-csv: needs a file name, got '%s'", value);
            c->trials_csv = value;
        } else if (!strcmp(name, "--date")) {
            if (!parse_date(value, &c->date) || c->date == 0)
                return usage_error(err,
                                   "--date: expected a date YYYY-MM-DD after 1970-01-01, "
                                   "got '%s'", value);
        } else if (!strcmp(name, "--time-limit")) {
            char *end = NULL;
            errno = 0;
            double t = strtod(value, &end);
            if (!*value || *end || errno || !(t > 0 && t <= 86400))
                return usage_error(err, "--time-limit: must be a number of seconds above 0 "
                                   "and at most 86400, got '%s'", value);
            c->time_limit = t;
            continue;
        } else if (!strcmp(name, "--lua-memory")) {
            if (!parse_uint(value, 1u << 20, &v) || v < 1)
                return usage_error(err, "--lua-memory: must be a whole number of MB from 1 to "
                                   "1048576, got '%s'", value);
            c->lua_memory = (size_t)v << 20;
            continue;
        } else if (!strcmp(name, "--max-memory")) {
            if (!parse_uint(value, 1u << 24, &v) || v < 1)
                return usage_error(err, "--max-memory: must be a whole number of MB from 1 to "
                                   "16777216, got '%s'", value);
            c->max_memory = (size_t)v << 20;
        } else if (!strcmp(name, "--given")) {
            if (!*value)
                return usage_error(err, "--given: needs a condition, got '%s'", value);
            c->given[c->n_given++] = value;
        } else if (!strcmp(name, "--compare")) {
            if (!*value)
                return usage_error(err, "--compare: needs a scenario name, got '%s'", value);
            c->compare = value;
        } else if (!strcmp(name, "--stress")) {
            roi_status st = parse_stress(value, &c->stress[c->n_stress], err);
            if (st != ROI_OK)
                return st;
            c->n_stress++;
        } else { /* --set */
            if (!strchr(value, '=') || value[0] == '=')
                return usage_error(err, "--set: expected PATH=VALUE, got '%s'", value);
            c->sets[c->n_sets++] = value;
            continue;
        }
        if (!c->run_only)
            c->run_only = canonical(name);
    }
    return ROI_OK;
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
    p->index = scenario;
    p->name = name;
    double t = now_seconds();
    if (t - p->start < 0.5 || (p->drawn && t - p->last < 0.1))
        return;
    p->last = t;
    p->drawn = 1;
    double frac = total ? (double)done / (double)total : 1.0;
    frac = ((double)p->index + frac) / (double)p->count;
    enum { WIDTH = 30 };
    char bar[WIDTH + 1];
    int fill = (int)(frac * WIDTH + 0.5);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    fprintf(stderr, "\r[%s] %3d%%  %.28s (%d/%d)\033[K", bar, (int)(100.0 * frac + 0.5),
            p->name ? p->name : "", p->index + 1, p->count);
    fflush(stderr);
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

/* Nonzero for an argument that cannot change the results (--threads N, --quiet): it is
 * left out of the recorded command so the workbook is the same whatever the thread
 * count. *skip_next is set when the option's value is the next argument. */
static int cosmetic(const char *a, int *skip_next)
{
    *skip_next = 0;
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet") || !strncmp(a, "--threads=", 10) ||
        !strcmp(a, "--timings") || !strncmp(a, "--block-size=", 13))
        return 1;
    if (!strcmp(a, "--threads") || !strcmp(a, "--block-size")) {
        *skip_next = 1;
        return 1;
    }
    return 0;
}

/* The command line as typed (program name shortened to "roisim", options that cannot
 * change results left out), for the workbook. Caller frees; NULL when out of memory. */
static char *command_line(int argc, char **argv)
{
    size_t size = 16;
    for (int i = 1; i < argc; i++)
        size += 3 + 4 * strlen(argv[i]);
    char *s = malloc(size);
    if (!s)
        return NULL;
    size_t k = (size_t)snprintf(s, size, "roisim");
    int after_dashes = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int skip_next = 0;
        if (!strcmp(a, "--"))
            after_dashes = 1;
        if (!after_dashes && cosmetic(a, &skip_next)) {
            i += skip_next;
            continue;
        }
        int plain = *a != '\0' && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
                                            "VWXYZ0123456789-_=./,:+@%") == strlen(a);
        s[k++] = ' ';
        if (!plain)
            s[k++] = '\'';
        for (; *a; a++) {
            if (!plain && *a == '\'') {
                memcpy(s + k, "'\\''", 4);
                k += 4;
            } else {
                s[k++] = *a;
            }
        }
        if (!plain)
            s[k++] = '\'';
    }
    s[k] = '\0';
    return s;
}

static roi_status cmd_run(const cli *c, const char *command, roi_error *err)
{
    roi_status st = ROI_OK;
    char **bundled = NULL;
    const char *const *files = NULL;
    int n = 0;
    roi_model **models = NULL;
    roi_results *res = NULL;
    roi_scenario_opts sopts = {.sets = c->sets, .n_sets = c->n_sets,
                               .memory_limit = c->lua_memory, .time_limit = c->time_limit};

    st = scenario_files(c, &files, &n, &bundled, err);
    if (st != ROI_OK)
        goto done;
    models = calloc((size_t)n + 1, sizeof *models);
    if (!models) {
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
        goto done;
    }
    double t_phase = now_seconds();
    /* Load everything first: a broken scenario fails before any time is spent. */
    for (int i = 0; i < n; i++) {
        st = roi_scenario_load(files[i], &sopts, &models[i], err);
        if (st != ROI_OK)
            goto done;
    }
    double t_load = now_seconds() - t_phase;

    progress prog = {.enabled = !c->quiet && isatty(STDERR_FILENO), .count = n};
    prog.start = now_seconds();
    roi_results_opts ro = {
        .sim = {.seed = c->seed, .trials = c->trials, .threads = c->threads,
                .sampling = c->sampling, .max_bytes = c->max_memory,
                .block_size = c->block_size},
        .precision = c->precision, .max_trials = c->max_trials,
        .no_analysis = c->no_analysis,
        .analysis = {.given = c->given, .n_given = c->n_given, .stress = c->stress,
                     .n_stress = c->n_stress, .threads = c->threads,
                     .sens_trials = c->sens_trials},
        .compare = c->compare,
        .progress = prog.enabled ? progress_draw : NULL, .progress_ud = &prog};
    st = roi_results_run((const roi_model *const *)models, n, &ro, &res, err);
    progress_clear(&prog);
    if (st != ROI_OK)
        goto done;

    t_phase = now_seconds();
    roi_report_meta meta = {.version = ROI_VERSION, .seed = c->seed, .trials = c->trials,
                            .threads = c->threads, .command = command};
    /* The only clock reading: it reaches the workbook's Run sheet, never a result. */
    meta.created = c->reproducible ? 0 : c->date ? c->date : (int64_t)time(NULL);
    if (!c->quiet) {
        /* With --json - the JSON owns standard output. */
        FILE *fp = c->json && !strcmp(c->json, "-") ? stderr : stdout;
        roi_report_terminal(fp, res, &meta);
        fflush(fp);
    }
    if (c->json && (st = roi_report_json_write(res, &meta, c->json, err)) != ROI_OK)
        goto done;
    if (c->xlsx && (st = roi_report_xlsx_write(res, &meta, c->xlsx, err)) != ROI_OK)
        goto done;
    if (c->trials_csv)
        st = roi_report_trials_csv_write(res, c->trials_csv, err);
    double t_report = now_seconds() - t_phase;
    if (c->timings && st == ROI_OK)
        fprintf(stderr,
                "timings: loading %.3f s, simulation %.3f s, statistics %.3f s, "
                "goal seeks %.3f s, analysis %.3f s, reports %.3f s\n", t_load,
                res->seconds.simulation, res->seconds.statistics, res->seconds.search,
                res->seconds.analysis, t_report);

done:
    roi_results_free(res);
    for (int i = 0; models && i < n; i++)
        roi_model_free(models[i]);
    free(models);
    roi_scenario_list_free(bundled);
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

/* ---- main ------------------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    /* Numbers in every output use '.', whatever the environment says. */
    setlocale(LC_ALL, "C");

    roi_error err;
    roi_error_clear(&err);
    cli c;
    char *command = NULL;
    roi_status st = parse_args(argc, argv, &c, &err);
    if (st != ROI_OK)
        goto done;
    if (c.help || c.cmd == CMD_HELP) {
        usage(stdout);
        goto done;
    }
    if (c.version) {
        printf("roisim %s\n", ROI_VERSION);
        goto done;
    }
    if (c.cmd == CMD_NONE) {
        st = roi_error_set(&err, ROI_ERR_USAGE, NULL,
                           "no command given: try 'roisim run' or 'roisim --help'");
        goto done;
    }
    if (c.cmd != CMD_RUN && c.run_only) {
        st = roi_error_set(&err, ROI_ERR_USAGE, NULL,
                           "option '%s' is only valid for 'run' (see 'roisim --help')",
                           c.run_only);
        goto done;
    }
    if (c.cmd == CMD_LIST && (c.n_files > 0 || c.n_sets > 0)) {
        st = roi_error_set(&err, ROI_ERR_USAGE, NULL,
                           "'list' takes no scenario files or --set (see 'roisim --help')");
        goto done;
    }

    switch (c.cmd) {
    case CMD_RUN:
        command = command_line(argc, argv);
        st = cmd_run(&c, command, &err);
        break;
    case CMD_CHECK:
        st = cmd_check(&c, &err);
        break;
    case CMD_LIST:
        st = cmd_list(&err);
        break;
    default:
        break;
    }

done:
    if (st != ROI_OK)
        print_error(&err, st);
    free(command);
    free(c.files);
    free(c.sets);
    free(c.given);
    for (int i = 0; c.stress && i < c.n_stress; i++) {
        free(c.stress[i].name);
        free(c.stress[i].input);
    }
    free(c.stress);
    return exit_code(st);
}
