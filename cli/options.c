/*
 * options.c - the command line as data: the command and option tables, and the
 * parser, checks, recorded command, help text and man page sections they drive.
 */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis.h"
#include "sim.h"

/* ==== values ========================================================================== */

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

/* A whole number in [lo, hi]. */
static int whole(const char *s, unsigned long long lo, unsigned long long hi, unsigned long long *v)
{
    return parse_uint(s, hi, v) && *v >= lo;
}

/* A finite decimal number, the whole string. */
static int real(const char *s, double *v)
{
    char *end = NULL;
    errno = 0;
    *v = strtod(s, &end);
    return *s && !*end && !errno;
}

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

/* ==== setters: one per option, named after its field ================================== */

#define FLAG_SETTER(field)                                                                         \
    static roi_status set_##field(roi_cli *c, const char *value)                                   \
    {                                                                                              \
        (void)value;                                                                               \
        c->field = 1;                                                                              \
        return ROI_OK;                                                                             \
    }
FLAG_SETTER(help)
FLAG_SETTER(version)
FLAG_SETTER(verbose)
FLAG_SETTER(quiet)
FLAG_SETTER(timings)
FLAG_SETTER(reproducible)
FLAG_SETTER(no_analysis)

static roi_status set_trials(roi_cli *c, const char *value)
{
    unsigned long long v;
    if (!whole(value, 1, ROI_MAX_TRIALS, &v))
        return ROI_ERR_USAGE;
    c->trials = (size_t)v;
    return ROI_OK;
}

static roi_status set_seed(roi_cli *c, const char *value)
{
    unsigned long long v;
    if (!whole(value, 0, UINT64_MAX, &v))
        return ROI_ERR_USAGE;
    c->seed = (uint64_t)v;
    return ROI_OK;
}

static roi_status set_threads(roi_cli *c, const char *value)
{
    unsigned long long v;
    if (!whole(value, 1, ROI_MAX_THREADS, &v))
        return ROI_ERR_USAGE;
    c->threads = (int)v;
    return ROI_OK;
}

static roi_status set_block_size(roi_cli *c, const char *value)
{
    unsigned long long v;
    if (!whole(value, 1, ROI_MAX_TRIALS, &v))
        return ROI_ERR_USAGE;
    c->block_size = (size_t)v;
    return ROI_OK;
}

static roi_status set_max_trials(roi_cli *c, const char *value)
{
    unsigned long long v;
    if (!whole(value, 1, ROI_MAX_TRIALS, &v))
        return ROI_ERR_USAGE;
    c->max_trials = (size_t)v;
    return ROI_OK;
}

static roi_status set_sens_trials(roi_cli *c, const char *value)
{
    unsigned long long v;
    if (!whole(value, 4, ROI_MAX_TRIALS, &v))
        return ROI_ERR_USAGE;
    c->sens_trials = (size_t)v;
    return ROI_OK;
}

static roi_status set_max_memory(roi_cli *c, const char *value)
{
    unsigned long long v;
    if (!whole(value, 1, 1u << 24, &v))
        return ROI_ERR_USAGE;
    c->max_memory = (size_t)v << 20;
    return ROI_OK;
}

static roi_status set_lua_memory(roi_cli *c, const char *value)
{
    unsigned long long v;
    if (!whole(value, 1, 1u << 20, &v))
        return ROI_ERR_USAGE;
    c->lua_memory = (size_t)v << 20;
    return ROI_OK;
}

static roi_status set_time_limit(roi_cli *c, const char *value)
{
    double t;
    if (!real(value, &t) || !(t > 0 && t <= 86400))
        return ROI_ERR_USAGE;
    c->time_limit = t;
    return ROI_OK;
}

static roi_status set_precision(roi_cli *c, const char *value)
{
    double rel;
    if (!real(value, &rel) || !(rel > 0.0 && rel < 1.0))
        return ROI_ERR_USAGE;
    c->precision = rel;
    return ROI_OK;
}

static roi_status set_sampling(roi_cli *c, const char *value)
{
    if (!strcmp(value, "mc"))
        c->sampling = ROI_SAMPLING_MC;
    else if (!strcmp(value, "lhs"))
        c->sampling = ROI_SAMPLING_LHS;
    else
        return ROI_ERR_USAGE;
    return ROI_OK;
}

static roi_status set_date(roi_cli *c, const char *value)
{
    return parse_date(value, &c->date) && c->date != 0 ? ROI_OK : ROI_ERR_USAGE;
}

static roi_status set_json(roi_cli *c, const char *value)
{
    c->json = value;
    return *value ? ROI_OK : ROI_ERR_USAGE;
}

/* A file to write that cannot be standard output. */
static int file_name(const char *value)
{
    return *value && strcmp(value, "-") != 0;
}

static roi_status set_xlsx(roi_cli *c, const char *value)
{
    c->xlsx = value;
    return file_name(value) ? ROI_OK : ROI_ERR_USAGE;
}

static roi_status set_trials_csv(roi_cli *c, const char *value)
{
    c->trials_csv = value;
    return file_name(value) ? ROI_OK : ROI_ERR_USAGE;
}

static roi_status set_sipmath(roi_cli *c, const char *value)
{
    c->sipmath = value;
    return file_name(value) ? ROI_OK : ROI_ERR_USAGE;
}

static roi_status set_compare(roi_cli *c, const char *value)
{
    c->compare = value;
    return *value ? ROI_OK : ROI_ERR_USAGE;
}

static roi_status set_column(roi_cli *c, const char *value)
{
    c->column = value;
    return *value ? ROI_OK : ROI_ERR_USAGE;
}

/* The names are checked by cli/fit.c, whose message suggests the nearest family. */
static roi_status set_families(roi_cli *c, const char *value)
{
    c->families = value;
    return *value ? ROI_OK : ROI_ERR_USAGE;
}

static roi_status set_bootstrap(roi_cli *c, const char *value)
{
    unsigned long long v;
    if (!whole(value, 0, ROI_FIT_MAX_BOOTSTRAP, &v))
        return ROI_ERR_USAGE;
    c->bootstrap = (size_t)v;
    return ROI_OK;
}

/* The repeatable options append to arrays of argc entries, so they never fill up. */
static roi_status set_given(roi_cli *c, const char *value)
{
    if (!*value)
        return ROI_ERR_USAGE;
    c->given[c->n_given++] = value;
    return ROI_OK;
}

static roi_status set_set(roi_cli *c, const char *value)
{
    if (!strchr(value, '=') || value[0] == '=')
        return ROI_ERR_USAGE;
    c->sets[c->n_sets++] = value;
    return ROI_OK;
}

static roi_status set_scenario_path(roi_cli *c, const char *value)
{
    if (!*value)
        return ROI_ERR_USAGE;
    c->roots[c->n_roots++] = value;
    c->n_roots_given = c->n_roots;
    return ROI_OK;
}

/* Appends the entries of $ROISIM_PATH (colon-separated; an empty entry is skipped,
 * not taken as the current folder) after the --scenario-path roots. */
static roi_status add_env_roots(roi_cli *c)
{
    const char *env = getenv("ROISIM_PATH");
    if (!env || !*env)
        return ROI_OK;
    size_t k = 1;
    for (const char *p = env; *p; p++)
        k += *p == ':';
    const char **grown = realloc(c->roots, ((size_t)c->n_roots + k + 1) * sizeof *grown);
    if (!grown)
        return ROI_ERR_NOMEM;
    c->roots = grown;
    if (!(c->roots_env = strdup(env)))
        return ROI_ERR_NOMEM;
    for (char *p = c->roots_env, *next; p; p = next) {
        next = strchr(p, ':');
        if (next)
            *next++ = '\0';
        if (*p)
            c->roots[c->n_roots++] = p;
    }
    return ROI_OK;
}

/* --stress INPUT=LO:HI: the entry's name is the option text, its input the part
 * before the last '='; both owned by the entry. */
static roi_status set_stress(roi_cli *c, const char *value)
{
    const char *eq = strrchr(value, '=');
    const char *colon = eq ? strchr(eq, ':') : NULL;
    double lo = 0, hi = 0;
    if (!eq || eq == value || !colon || !parse_level(eq + 1, colon, &lo) ||
        !parse_level(colon + 1, colon + strlen(colon), &hi) || !(lo < hi))
        return ROI_ERR_USAGE;
    roi_stress *s = &c->stress[c->n_stress];
    s->name = strdup(value);
    s->input = strndup(value, (size_t)(eq - value));
    if (!s->name || !s->input) {
        free(s->name);
        free(s->input);
        s->name = s->input = NULL;
        return ROI_ERR_NOMEM;
    }
    s->low = lo;
    s->high = hi;
    c->n_stress++;
    return ROI_OK;
}

/* ==== the tables ======================================================================= */

enum {
    RUN = ROI_CMD_RUN,
    FIT = ROI_CMD_FIT,
    RUN_FIT = ROI_CMD_RUN | ROI_CMD_FIT,
    RUN_CHECK = ROI_CMD_RUN | ROI_CMD_CHECK,
    RUN_CHECK_FIT = ROI_CMD_RUN | ROI_CMD_CHECK | ROI_CMD_FIT,
    ANY = ROI_CMD_ANY
};

/* clang-format off */
static const roi_cli_command_info commands[] = {
    {ROI_CMD_RUN, "run", "[SCENARIO.lua ...]", 1,
     "Run each scenario (default: every bundled scenario), print a summary table, and "
     "write the reports asked."},
    {ROI_CMD_CHECK, "check", "[SCENARIO.lua ...]", 1,
     "Load and validate scenarios without running them (default: every bundled "
     "scenario); prints \"FILE:~ok~(N~inputs,~T~quarters)\" for each."},
    {ROI_CMD_FIT, "fit", "DATA.csv", 1,
     "Fit roisim's distribution families and a metalog to one column of DATA.csv by "
     "maximum likelihood, rank them by AIC (with BIC, Kolmogorov-Smirnov, Anderson-Darling "
     "and a bootstrap p-value), and print the scenario text of the best fits "
     "(docs/fitting.md)."},
    {ROI_CMD_LIST, "list", "", 0, "List the bundled scenarios with their titles."},
    {ROI_CMD_PATHS, "paths", "", 0,
     "Print where the bundled scenarios, the docs and the man page are read from, and "
     "how they were found."},
    {ROI_CMD_HELP, "help", "", 0, "Show this help."},
};

/*
 * Every option, in the order --help lists them within their group (the groups are
 * the distinct `commands` sets: run; run and check; general). Adding an option is
 * adding a row and its setter; --help, the man page, the checks and the recorded
 * command follow.
 */
static const roi_cli_option options[] = {
    /* ---- run ---- */
    {.name = "trials", .short_name = 'n', .arg = "N", .commands = RUN, .set = set_trials,
     .must = "the number of trials must be an integer from 1 to 1000000000",
     .help = "Trials per scenario, 1 to 1000000000 (default {}).",
     .help_value = ROI_DEFAULT_TRIALS, .example = "10"},
    {.name = "block-size", .arg = "N", .commands = RUN, .cosmetic = 1, .set = set_block_size,
     .must = "must be an integer from 1 to 1000000000",
     .help = "Trials handed to a thread at a time, rounded up to whole blocks of {} "
             "(default {}); never changes results.",
     .help_value = ROI_BLOCK, .example = "2048"},
    {.name = "timings", .commands = RUN, .cosmetic = 1, .set = set_timings,
     .help = "Print the time of each phase (loading, simulation, statistics, goal seeks, "
             "analysis, decisions, reports) to standard error."},
    {.name = "xlsx", .arg = "FILE", .commands = RUN, .set = set_xlsx, .must = "needs a file name",
     .help = "Write the Excel report to FILE (summary, a sheet per scenario with charts, "
             "inputs, series, run details).",
     .example = "out.xlsx"},
    {.name = "trials-csv", .arg = "FILE", .commands = RUN, .set = set_trials_csv,
     .must = "needs a file name", .help = "Write every trial's outputs and sampled inputs as CSV.",
     .example = "trials.csv"},
    {.name = "sipmath", .arg = "FILE", .commands = RUN, .set = set_sipmath,
     .must = "needs a file name",
     .help = "Write every uncertain input and scalar output of the run as a SIPmath 3.0 "
             "library (metalogs driven by HDR 2.0 streams) for ChanceCalc, Analytic Solver "
             "and other SIPmath tools (docs/sipmath.md).",
     .example = "run.sipmath.json"},
    {.name = "reproducible", .commands = RUN, .set = set_reproducible,
     .help = "Record no date in the workbook, so the same command gives a byte-identical "
             "file."},
    {.name = "date", .arg = "YYYY-MM-DD", .commands = RUN, .set = set_date,
     .must = "expected a date YYYY-MM-DD after 1970-01-01",
     .help = "Record this date in the workbook instead of the clock's.", .example = "2026-04-08"},
    {.name = "sampling", .arg = "MODE", .commands = RUN, .set = set_sampling,
     .must = "must be mc or lhs",
     .help = "mc (default: independent draws) or lhs (Latin hypercube: every input "
             "stratified over the run's trials).",
     .example = "lhs"},
    {.name = "precision", .arg = "REL", .commands = RUN, .set = set_precision,
     .must = "must be a number between 0 and 1 (e.g. 0.01)",
     .help = "Keep adding trials (whole blocks of {}, starting from -n) until the standard "
             "error of mean npv is at most REL times |mean npv|, e.g. 0.01; each scenario "
             "stops on its own.",
     .help_value = ROI_BLOCK, .example = "0.05"},
    {.name = "max-trials", .arg = "N", .commands = RUN, .set = set_max_trials,
     .must = "must be an integer from 1 to 1000000000",
     .help = "The cap of --precision (default {}).", .help_value = ROI_DEFAULT_MAX_TRIALS,
     .example = "100000"},
    {.name = "max-memory", .arg = "MB", .commands = RUN, .set = set_max_memory,
     .must = "must be a whole number of MB from 1 to 16777216",
     .help = "Refuse, before anything runs, a command whose runs, goal seeks, analysis and decisions are estimated to need more (default 4096).", .example = "512"},
    {.name = "given", .arg = "COND", .commands = RUN, .set = set_given,
     .must = "needs a condition",
     .help = "Add a conditional view to every scenario: statistics over the trials where "
             "COND holds, e.g. --given~'v2.score~>=~60', --given~moat, "
             "--given~'npv~>~0~and~not~moat'; repeatable.",
     .example = "moat"},
    {.name = "stress", .arg = "IN=LO:HI", .commands = RUN, .set = set_stress,
     .must = "expected INPUT=LO:HI with 0 <= LO < HI <= 1 (or percent), e.g. v2.score=0:10%",
     .help = "Rerun each scenario that has input IN (or a named expression IN) with IN "
             "restricted to its percentile band [LO, HI], levels in [0, 1] or percent, e.g. "
             "--stress~v2.score=0:10%; repeatable.",
     .example = "v2.score=0:10%"},
    {.name = "compare", .arg = "NAME", .commands = RUN, .set = set_compare,
     .must = "needs a scenario name",
     .help = "Compare every scenario with scenario NAME trial by trial (default: base, when "
             "it is run, else the first scenario of the run).",
     .example = "base"},
    {.name = "sensitivity-trials", .arg = "N", .commands = RUN, .set = set_sens_trials,
     .must = "must be an integer from 4 to 1000000000",
     .help = "Sensitivity and tails use the first N trials, at least 4 (default {}); a rank "
             "correlation's se is about 1/sqrt(N). Other statistics use every trial.",
     .help_value = ROI_SENS_MAX_TRIALS, .example = "1000"},
    {.name = "no-analysis", .commands = RUN, .set = set_no_analysis,
     .help = "Skip sensitivity, views, stress and comparisons."},
    /* ---- run and fit ---- */
    {.name = "seed", .arg = "N", .commands = RUN_FIT, .set = set_seed,
     .must = "must be a non-negative integer below 2^64",
     .help = "Random seed, an integer >= 0 (default {}); the same seed gives the same "
             "results whatever the thread count. fit: the seed of the bootstrap.",
     .help_value = ROI_DEFAULT_SEED, .example = "7"},
    {.name = "threads", .arg = "N", .commands = RUN_FIT, .cosmetic = 1, .set = set_threads,
     .must = "must be an integer from 1 to 4096",
     .help = "Worker threads, 1 to {} (default: all cores).", .help_value = ROI_MAX_THREADS,
     .example = "2"},
    {.name = "json", .arg = "FILE", .commands = RUN_FIT, .set = set_json,
     .must = "needs a file name or '-'",
     .help = "Write the full results (fit: every fit) as JSON to FILE ('-': standard "
             "output; the table then goes to standard error).",
     .example = "out.json"},
    /* ---- fit ---- */
    {.name = "column", .arg = "NAME", .commands = FIT, .set = set_column,
     .must = "needs a column name or number",
     .help = "The column to fit: its header (exact, then ignoring case) or its number from "
             "1 (default: the first numeric column).",
     .example = "2"},
    {.name = "families", .arg = "LIST", .commands = FIT, .set = set_families,
     .must = "needs a list of families",
     .help = "The families to fit, comma-separated, e.g. lognormal,gamma,metalog (default: "
             "all).",
     .example = "normal,lognormal"},
    {.name = "bootstrap", .arg = "N", .commands = FIT, .set = set_bootstrap,
     .must = "must be an integer from 0 to 100000",
     .help = "Parametric-bootstrap replicates for the p-values (default {}; 0: none).",
     .help_value = ROI_FIT_BOOTSTRAP_DEFAULT, .example = "50"},
    /* ---- run and check ---- */
    {.name = "set", .arg = "PATH=VALUE", .commands = RUN_CHECK, .set = set_set,
     .must = "expected PATH=VALUE",
     .help = "Override a scenario parameter before validation, e.g. "
             "--set~horizon.discount=0.08; repeatable; applies to every scenario loaded.",
     .example = "horizon.discount=0.08"},
    {.name = "scenario-path", .arg = "DIR", .commands = RUN_CHECK, .set = set_scenario_path,
     .must = "needs a folder",
     .help = "A folder `extends` also searches, after the scenario's own folder and before "
             "the bundled scenarios; repeatable, searched in the order given and before "
             "those of $ROISIM_PATH.",
     .example = "."},
    {.name = "time-limit", .arg = "S", .commands = RUN_CHECK, .set = set_time_limit,
     .must = "must be a number of seconds above 0 and at most 86400",
     .help = "Seconds a scenario may take to load (default 10).", .example = "5"},
    {.name = "lua-memory", .arg = "MB", .commands = RUN_CHECK, .set = set_lua_memory,
     .must = "must be a whole number of MB from 1 to 1048576",
     .help = "Memory a scenario may use while loading (default 256).", .example = "64"},
    /* ---- run, check and fit ---- */
    {.name = "quiet", .short_name = 'q', .commands = RUN_CHECK_FIT, .cosmetic = 1,
     .set = set_quiet,
     .help = "run: print no summary table and no progress bar;\ncheck: print only errors;\n"
             "fit: print no table (the JSON is still written)."},
    /* ---- general ---- */
    {.name = "help", .short_name = 'h', .commands = ANY, .set = set_help,
     .help = "Show this help and exit."},
    {.name = "version", .commands = ANY, .set = set_version, .help = "Print the version and exit."},
    {.name = "verbose", .commands = ROI_CMD_VERSION, .set = set_verbose,
     .help = "With --version: also print where roisim reads its scenarios, docs and man "
             "page from (as 'roisim paths' does)."},
};
/* clang-format on */

enum {
    N_OPTIONS = sizeof options / sizeof options[0],
    N_COMMANDS = sizeof commands / sizeof commands[0]
};

/* The help's groups: a row goes in the first group whose set equals its own; the last
 * group takes the rest. */
static const struct group {
    unsigned commands;
    const char *title;
} groups[] = {
    {RUN, "Options for run"},
    {RUN_FIT, "Options for run and fit"},
    {FIT, "Options for fit"},
    {RUN_CHECK, "Options for run and check"},
    {RUN_CHECK_FIT, "Options for run, check and fit"},
    {0, "General options"},
};
enum { N_GROUPS = sizeof groups / sizeof groups[0] };

static const char *const END_OF_OPTIONS_HELP = "Treat every later argument as a scenario file.";

const roi_cli_option *roi_cli_options(size_t *n)
{
    *n = N_OPTIONS;
    return options;
}

const roi_cli_command_info *roi_cli_commands(size_t *n)
{
    *n = N_COMMANDS;
    return commands;
}

static const roi_cli_command_info *command_info(roi_cli_command cmd)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (commands[i].cmd == cmd)
            return &commands[i];
    return NULL;
}

static int group_of(const roi_cli_option *o)
{
    for (int g = 0; g < N_GROUPS - 1; g++)
        if (groups[g].commands == o->commands)
            return g;
    return N_GROUPS - 1;
}

/* "-n" or "--trials" into buf. */
static const char *spelled(const roi_cli_option *o, int is_short, char *buf, size_t size)
{
    if (is_short)
        snprintf(buf, size, "-%c", o->short_name);
    else
        snprintf(buf, size, "--%s", o->name);
    return buf;
}

/* ==== parsing ============================================================================= */

static roi_status usage_error(roi_error *err, const char *fmt, const char *arg)
{
    char what[512];
    snprintf(what, sizeof what, fmt, arg);
    return roi_error_set(err, ROI_ERR_USAGE, NULL, "%s (see 'roisim --help')", what);
}

/* The first word is the command; every later one a scenario file. */
static roi_status positional(roi_cli *c, const char *arg, roi_error *err)
{
    if (c->cmd != ROI_CMD_NONE) {
        c->files[c->n_files++] = arg;
        return ROI_OK;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(arg, commands[i].name)) {
            c->cmd = commands[i].cmd;
            return ROI_OK;
        }
    return usage_error(err, "unknown command '%s'", arg);
}

/* The row whose long name is `arg` ("--name" or "--name=value") exactly: getopt_long
 * accepts any unambiguous prefix, which would let a later option change what an old
 * command line means. */
static const roi_cli_option *exact_long(const char *arg)
{
    if (strncmp(arg, "--", 2) != 0)
        return NULL;
    const char *name = arg + 2;
    size_t len = strcspn(name, "=");
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strlen(options[i].name) == len && !strncmp(options[i].name, name, len))
            return &options[i];
    return NULL;
}

/* getopt_long's view of the table: long options return 256 + their row. */
static void getopt_tables(struct option *longopts, char *shortopts)
{
    char *s = shortopts;
    *s++ = '-'; /* non-options come back in order, as code 1: argv is never permuted */
    *s++ = ':'; /* a missing value returns ':', not '?' */
    for (size_t i = 0; i < N_OPTIONS; i++) {
        longopts[i] = (struct option){
            options[i].name, options[i].arg ? required_argument : no_argument, NULL, 256 + (int)i};
        if (options[i].short_name) {
            *s++ = options[i].short_name;
            if (options[i].arg)
                *s++ = ':';
        }
    }
    longopts[N_OPTIONS] = (struct option){0};
    *s = '\0';
}

/* The usage error for getopt_long's '?' (unknown option, or a value given to an option
 * that takes none) and ':' (a value missing) at argv element `arg`. */
static roi_status getopt_error(int code, const char *arg, roi_error *err)
{
    char name[64];
    if (strncmp(arg, "--", 2) != 0) { /* a short option, maybe inside "-qn5" */
        snprintf(name, sizeof name, "-%c", optopt);
        return usage_error(err, code == ':' ? "option '%s' needs a value" : "unknown option '%s'",
                           name);
    }
    const roi_cli_option *o = exact_long(arg);
    if (!o)
        return usage_error(err, "unknown option '%s'", arg);
    spelled(o, 0, name, sizeof name);
    return usage_error(
        err, code == ':' ? "option '%s' needs a value" : "option '%s' takes no value", name);
}

/*
 * The command the workbook records: argv with the program name shortened to "roisim",
 * each argument quoted for a POSIX shell when it needs it, and the elements left out
 * that hold only cosmetic options or their values (what[i] == 1, see mark). Caller
 * frees; NULL when out of memory.
 */
static char *recorded_command(int argc, char **argv, const unsigned char *what)
{
    size_t size = 16;
    for (int i = 1; i < argc; i++)
        size += 3 + 4 * strlen(argv[i]);
    char *s = malloc(size);
    if (!s)
        return NULL;
    size_t k = (size_t)snprintf(s, size, "roisim");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (what[i] == 1)
            continue;
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

/* What an argv element holds, for the recorded command: only cosmetic options (1) or
 * something that may change results (2); a later option in the same element ("-qn5")
 * can only raise it. */
static void mark(unsigned char *what, int i, int cosmetic)
{
    unsigned char v = cosmetic ? 1 : 2;
    if (what[i] < v)
        what[i] = v;
}

/* Applies option row o (spelled short or long) with its value (NULL: none), and
 * remembers it for roi_cli_check. */
static roi_status take_option(roi_cli *c, const roi_cli_option *o, int is_short, const char *value,
                              roi_error *err)
{
    roi_status st = o->set(c, value);
    char name[64];
    if (st == ROI_ERR_USAGE) {
        /* The short spelling names the option in value errors ("-n: ..."). */
        spelled(o, o->short_name != 0, name, sizeof name);
        char fmt[512];
        snprintf(fmt, sizeof fmt, "%s: %s, got '%%s'", name, o->must ? o->must : "bad value");
        return usage_error(err, fmt, value);
    }
    if (st != ROI_OK)
        return roi_error_set(err, st, NULL, "out of memory");
    c->seen[c->n_seen++] = (struct roi_cli_seen){(int)(o - options), is_short};
    return ROI_OK;
}

roi_status roi_cli_parse(int argc, char **argv, roi_cli *c, roi_error *err)
{
    memset(c, 0, sizeof *c);
    c->trials = ROI_DEFAULT_TRIALS;
    c->seed = ROI_DEFAULT_SEED;
    c->max_trials = ROI_DEFAULT_MAX_TRIALS;
    c->bootstrap = ROI_FIT_BOOTSTRAP_DEFAULT;
    size_t slots = (size_t)(argc > 0 ? argc : 0) + 1;
    c->files = calloc(slots, sizeof *c->files);
    c->sets = calloc(slots, sizeof *c->sets);
    c->roots = calloc(slots, sizeof *c->roots);
    c->given = calloc(slots, sizeof *c->given);
    c->stress = calloc(slots, sizeof *c->stress);
    c->seen = calloc(slots, sizeof *c->seen);
    unsigned char *what = calloc(slots, 1);
    roi_status st = ROI_OK;
    if (!c->files || !c->sets || !c->roots || !c->given || !c->stress || !c->seen || !what) {
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
        goto done;
    }

    struct option longopts[N_OPTIONS + 1];
    char shortopts[2 + 2 * N_OPTIONS + 1];
    getopt_tables(longopts, shortopts);
    optind = 0; /* glibc: 0 starts a new scan from argv[1], with its state reset */
    opterr = 0; /* its messages are not ours */
    for (;;) {
        int at = optind > 0 ? optind : 1; /* the element getopt_long reads next */
        int code = getopt_long(argc, argv, shortopts, longopts, NULL);
        if (code == -1)
            break;
        if (code == 1) {
            mark(what, at, 0);
            st = positional(c, optarg, err);
        } else if (code == '?' || code == ':') {
            st = getopt_error(code, argv[at], err);
        } else {
            int is_short = code < 256;
            const roi_cli_option *o = NULL;
            for (size_t i = 0; i < N_OPTIONS && !o; i++)
                if (is_short ? options[i].short_name == code : (int)i == code - 256)
                    o = &options[i];
            if (!is_short && o != exact_long(argv[at]))
                st = usage_error(err, "unknown option '%s'", argv[at]);
            else
                st = take_option(c, o, is_short, optarg, err);
            mark(what, at, o->cosmetic);
            if (optarg && optind == at + 2) /* the value was the next element */
                mark(what, at + 1, o->cosmetic);
        }
        if (st != ROI_OK)
            goto done;
    }
    /* After "--": files (or the command, when none came yet). */
    for (int i = optind; i < argc && st == ROI_OK; i++) {
        mark(what, i, 0);
        st = positional(c, argv[i], err);
    }
    if (st == ROI_OK && add_env_roots(c) != ROI_OK)
        st = roi_error_set(err, ROI_ERR_NOMEM, NULL, "out of memory");
    if (st == ROI_OK)
        c->command = recorded_command(argc, argv, what);

done:
    free(what);
    return st;
}

/* ==== checks ================================================================================ */

/* "for 'run'", "for 'run' and 'check'", "with --version": the commands in `set`. */
static void commands_phrase(unsigned set, char *buf, size_t size)
{
    if (set == ROI_CMD_VERSION) {
        snprintf(buf, size, "with --version");
        return;
    }
    size_t k = (size_t)snprintf(buf, size, "for ");
    int total = 0, done = 0;
    for (size_t i = 0; i < N_COMMANDS; i++)
        total += (set & commands[i].cmd) != 0;
    for (size_t i = 0; i < N_COMMANDS && k < size; i++) {
        if (!(set & commands[i].cmd))
            continue;
        const char *sep = done == 0 ? "" : done == total - 1 ? " and " : ", ";
        k += (size_t)snprintf(buf + k, size - k, "%s'%s'", sep, commands[i].name);
        done++;
    }
}

/* Every root of the scenario path is a folder: a typo in one is said at once, naming
 * it and where it came from, rather than as an `extends` that is found nowhere. */
static roi_status check_roots(const roi_cli *c, roi_error *err)
{
    for (int i = 0; i < c->n_roots; i++) {
        const char *from = i < c->n_roots_given ? "--scenario-path" : "$ROISIM_PATH";
        struct stat st;
        if (stat(c->roots[i], &st) != 0)
            return roi_error_set(err, ROI_ERR_USAGE, NULL, "%s '%s': %s", from, c->roots[i],
                                 errno == ENOENT ? "no such folder" : strerror(errno));
        if (!S_ISDIR(st.st_mode))
            return roi_error_set(err, ROI_ERR_USAGE, NULL,
                                 "%s '%s': not a folder (the scenario path lists folders)",
                                 from, c->roots[i]);
    }
    return ROI_OK;
}

roi_status roi_cli_check(const roi_cli *c, roi_error *err)
{
    /* Help and the version are printed whatever else the line says. */
    if (c->help || c->version || c->cmd == ROI_CMD_HELP)
        return ROI_OK;
    if (c->cmd == ROI_CMD_NONE)
        return roi_error_set(err, ROI_ERR_USAGE, NULL,
                             "no command given: try 'roisim run' or 'roisim --help'");
    for (int i = 0; i < c->n_seen; i++) {
        const roi_cli_option *o = &options[c->seen[i].option];
        if (o->commands & c->cmd)
            continue;
        char name[64], where[128];
        spelled(o, c->seen[i].is_short, name, sizeof name);
        commands_phrase(o->commands, where, sizeof where);
        return roi_error_set(err, ROI_ERR_USAGE, NULL,
                             "option '%s' is only valid %s (see 'roisim --help')", name, where);
    }
    const roi_cli_command_info *k = command_info(c->cmd);
    if (k && !k->takes_files && c->n_files > 0)
        return roi_error_set(err, ROI_ERR_USAGE, NULL,
                             "'%s' takes no scenario files (see 'roisim --help')", k->name);
    if (c->cmd & (ROI_CMD_RUN | ROI_CMD_CHECK))
        return check_roots(c, err);
    return ROI_OK;
}

void roi_cli_free(roi_cli *c)
{
    if (!c)
        return;
    for (int i = 0; c->stress && i < c->n_stress; i++) {
        free(c->stress[i].name);
        free(c->stress[i].input);
    }
    free(c->stress);
    free(c->files);
    free(c->sets);
    free(c->roots);
    free(c->roots_env);
    free(c->given);
    free(c->seen);
    free(c->command);
    memset(c, 0, sizeof *c);
}

/* ==== help text ============================================================================== */

enum { WIDTH = 79, OPTION_COLUMN = 22, COMMAND_COLUMN = 28 };

/* `text` with every "{}" replaced by `value`, into buf. */
static const char *expand(const char *text, unsigned long long value, char *buf, size_t size)
{
    size_t k = 0;
    for (const char *p = text; *p && k + 1 < size; p++) {
        if (p[0] == '{' && p[1] == '}') {
            int w = snprintf(buf + k, size - k, "%llu", value);
            k = w > 0 && (size_t)w < size - k ? k + (size_t)w : size - 1;
            p++;
        } else {
            buf[k++] = *p;
        }
    }
    buf[k] = '\0';
    return buf;
}

/*
 * Prints `text` word-wrapped to WIDTH columns with every line indented to `column`;
 * the cursor is at column `at` on entry (a label already printed): the text starts on
 * that line when the label leaves two spaces before `column`, else on the next. A
 * "\n" in text starts a new line. Ends with a newline.
 */
static void wrap(FILE *fp, const char *text, int at, int column)
{
    int col = at;
    if (at > 0 && at + 2 > column) {
        fputc('\n', fp);
        col = 0;
    }
    int fresh = 1; /* nothing printed on this line after the indent */
    const char *p = text;
    while (*p) {
        if (*p == '\n') {
            fputc('\n', fp);
            col = 0;
            fresh = 1;
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        size_t len = strcspn(p, " \n");
        if (!fresh && col + 1 + (int)len > WIDTH) {
            fputc('\n', fp);
            col = 0;
            fresh = 1;
        }
        if (col < column) {
            fprintf(fp, "%*s", column - col, "");
            col = column;
        } else if (!fresh) {
            fputc(' ', fp);
            col++;
        }
        for (size_t i = 0; i < len; i++)
            fputc(p[i] == '~' ? ' ' : p[i], fp);
        col += (int)len;
        fresh = 0;
        p += len;
    }
    fputc('\n', fp);
}

static void usage_option(FILE *fp, const roi_cli_option *o)
{
    char label[96], text[1024];
    int n;
    if (o->short_name)
        n = snprintf(label, sizeof label, "  -%c, --%s", o->short_name, o->name);
    else
        n = snprintf(label, sizeof label, "  --%s", o->name);
    if (o->arg)
        n += snprintf(label + n, sizeof label - (size_t)n, " %s", o->arg);
    fputs(label, fp);
    wrap(fp, expand(o->help, o->help_value, text, sizeof text), n, OPTION_COLUMN);
}

void roi_cli_usage(FILE *fp, const char *scenarios, const char *how)
{
    fputs("Usage: roisim <command> [options] [SCENARIO.lua ...]\n"
          "\n"
          "Monte Carlo ROI simulation of AI investments described in Lua scenario files.\n"
          "\n"
          "Commands:\n",
          fp);
    for (size_t i = 0; i < N_COMMANDS; i++) {
        char label[96];
        int n = snprintf(label, sizeof label, "  %s%s%s", commands[i].name,
                         commands[i].args[0] ? " " : "", commands[i].args);
        fputs(label, fp);
        wrap(fp, commands[i].help, n, COMMAND_COLUMN);
    }
    for (int g = 0; g < N_GROUPS; g++) {
        fprintf(fp, "\n%s:\n", groups[g].title);
        for (size_t i = 0; i < N_OPTIONS; i++)
            if (group_of(&options[i]) == g)
                usage_option(fp, &options[i]);
    }
    fputs("  --", fp);
    wrap(fp, END_OF_OPTIONS_HELP, 4, OPTION_COLUMN);
    fputc('\n', fp);
    wrap(fp,
         "Options may come before or after the scenario files, as --opt VALUE or "
         "--opt=VALUE.",
         0, 0);
    fputc('\n', fp);
    char where[2048];
    snprintf(where, sizeof where,
             "Bundled scenarios are read from $ROISIM_SCENARIOS when set, else from "
             "PREFIX/" ROI_INSTALL_SCENARIODIR " when this program is PREFIX/" ROI_INSTALL_BINDIR
             "/roisim (an installed tree, wherever it was moved), else "
             "from the source tree it was built from. Here: %s (%s); 'roisim paths' shows "
             "every place roisim reads from.",
             scenarios, how);
    wrap(fp, where, 0, 0);
    fputc('\n', fp);
    wrap(fp, "Exit status: 0 success, 1 scenario, model or file error, 2 usage error.", 0, 0);
}

/* ==== man page ================================================================================ */

/* Writes help text for roff: "\" and "-" escaped, "~" as an unbreakable space, a
 * "\n" as a line break, and a line that would start with a control character made
 * literal. */
static void roff_text(FILE *fp, const char *text)
{
    int bol = 1;
    for (const char *p = text; *p; p++) {
        if (bol && (*p == '.' || *p == '\''))
            fputs("\\&", fp);
        bol = 0;
        if (*p == '\\')
            fputs("\\e", fp);
        else if (*p == '-')
            fputs("\\-", fp);
        else if (*p == '~')
            fputs("\\ ", fp);
        else if (*p == '\n') {
            fputs("\n.br\n", fp);
            bol = 1;
        } else
            fputc(*p, fp);
    }
    fputc('\n', fp);
}

/* An option name or argument inside a font change: only "-" needs escaping. */
static void roff_word(FILE *fp, const char *word)
{
    for (const char *p = word; *p; p++) {
        if (*p == '-')
            fputc('\\', fp);
        fputc(*p, fp);
    }
}

void roi_cli_man_commands(FILE *fp)
{
    for (size_t i = 0; i < N_COMMANDS; i++) {
        fprintf(fp, ".TP\n\\fB%s\\fR", commands[i].name);
        if (commands[i].args[0]) {
            fputc(' ', fp);
            roff_text(fp, commands[i].args);
        } else {
            fputc('\n', fp);
        }
        roff_text(fp, commands[i].help);
    }
}

void roi_cli_man_options(FILE *fp)
{
    for (int g = 0; g < N_GROUPS; g++) {
        fprintf(fp, ".SS \"%s\"\n", groups[g].title);
        for (size_t i = 0; i < N_OPTIONS; i++) {
            const roi_cli_option *o = &options[i];
            if (group_of(o) != g)
                continue;
            fputs(".TP\n", fp);
            if (o->short_name)
                fprintf(fp, "\\fB\\-%c\\fR, ", o->short_name);
            fputs("\\fB\\-\\-", fp);
            roff_word(fp, o->name);
            fputs("\\fR", fp);
            if (o->arg) {
                fputs(" \\fI", fp);
                roff_word(fp, o->arg);
                fputs("\\fR", fp);
            }
            fputc('\n', fp);
            char text[1024];
            roff_text(fp, expand(o->help, o->help_value, text, sizeof text));
        }
    }
    fputs(".TP\n\\fB\\-\\-\\fR\n", fp);
    roff_text(fp, END_OF_OPTIONS_HELP);
}
