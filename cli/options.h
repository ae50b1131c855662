/*
 * options.h - the roisim command line as data.
 *
 * Responsible for: the table of commands and the table of options (name, short name,
 * argument, the commands an option applies to, whether it can change results, help
 * text), and everything derived from them: parsing argv with getopt_long, the checks
 * that an option suits the command, `--help`, the man page's COMMANDS and OPTIONS
 * sections, and the command line the workbook records. Adding an option is one row in
 * options.c (docs/architecture.md, "The command line").
 * Not responsible for running anything: main.c acts on the roi_cli it gets, and
 * paths.c finds the directories the help text names.
 */
#ifndef ROI_CLI_OPTIONS_H
#define ROI_CLI_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

#include "fit.h"
#include "model.h"
#include "roi_error.h"
#include "sampling.h"

#define ROI_DEFAULT_TRIALS 10000
#define ROI_MAX_TRIALS 1000000000ull
#define ROI_MAX_THREADS 4096
#define ROI_DEFAULT_MAX_TRIALS 4194304 /* 4096 blocks: 300 MB of per-trial outputs */

/* The commands, as bits so that an option's row can name the set it applies to. */
typedef enum roi_cli_command {
    ROI_CMD_NONE = 0,
    ROI_CMD_RUN = 1 << 0,
    ROI_CMD_CHECK = 1 << 1,
    ROI_CMD_LIST = 1 << 2,
    ROI_CMD_PATHS = 1 << 3,
    ROI_CMD_HELP = 1 << 4,
    ROI_CMD_FIT = 1 << 5,
    ROI_CMD_VERSION = 1 << 6, /* not a command: options valid only beside --version */
    ROI_CMD_ANY = (1 << 7) - 1
} roi_cli_command;

/* Everything the command line says. Strings are borrowed from argv; the arrays and
 * `command` are owned (roi_cli_free). */
typedef struct roi_cli {
    roi_cli_command cmd;
    const char **files; /* scenario files */
    int n_files;
    const char **sets; /* --set PATH=VALUE */
    int n_sets;
    /* The scenario path `extends` searches: each --scenario-path DIR in order, then the
     * entries of $ROISIM_PATH (empty entries skipped; owned, in roots_env). */
    const char **roots;
    int n_roots;
    int n_roots_given; /* the first n_roots_given came from --scenario-path */
    char *roots_env;   /* a copy of $ROISIM_PATH, split at its colons */
    size_t trials;
    uint64_t seed;
    int threads;
    const char *json; /* --json FILE or "-" */
    const char *xlsx;
    int quiet;
    int help, version, verbose;
    double precision;           /* --precision REL; 0: off */
    size_t max_trials;          /* --max-trials N: the cap of the precision loop */
    size_t sens_trials;         /* --sensitivity-trials N (0: the analysis' default) */
    roi_sampling_mode sampling; /* --sampling mc|lhs */
    const char *trials_csv;     /* --trials-csv FILE */
    const char *sipmath;        /* --sipmath FILE: the run as a SIPmath 3.0 library */
    int reproducible;           /* --reproducible: no date in the workbook */
    int64_t date;               /* --date YYYY-MM-DD as seconds since 1970 UTC; 0: none */
    /* Limits (docs/safety.md); 0: the defaults. */
    double time_limit; /* --time-limit SECONDS to load one scenario */
    size_t lua_memory; /* --lua-memory MB, in bytes */
    size_t max_memory; /* --max-memory MB for one run, in bytes */
    /* Analysis: */
    const char **given; /* --given COND */
    int n_given;
    roi_stress *stress; /* --stress INPUT=LO:HI; each name and input owned */
    int n_stress;
    const char *compare; /* --compare NAME: the reference of paired comparisons */
    int no_analysis;     /* --no-analysis */
    size_t block_size;   /* --block-size: scheduling granularity in trials (0: default) */
    int timings;         /* --timings: print the time of each phase to stderr */
    /* fit: */
    const char *column;   /* --column NAME or number; NULL: the first numeric column */
    const char *families; /* --families LIST; NULL: every family */
    size_t bootstrap;     /* --bootstrap N replicates (default ROI_FIT_BOOTSTRAP_DEFAULT) */
    /* The command line as typed, program name shortened to "roisim" and the options
     * that cannot change results left out, for the workbook; NULL when out of
     * memory (the workbook then says "not recorded"). */
    char *command;
    /* Each option given, in argv order, for roi_cli_check: its row in the table, and
     * whether it was spelled short ("-n") or long ("--trials"). */
    struct roi_cli_seen {
        int option;
        int is_short;
    } * seen;
    int n_seen;
} roi_cli;

/*
 * Sets an option's field from its argument (NULL for an option without one).
 * Returns ROI_OK, ROI_ERR_USAGE when the value is not what the row's `must` says (the
 * parser writes the message), or ROI_ERR_NOMEM.
 */
typedef roi_status (*roi_cli_setter)(roi_cli *c, const char *value);

/* One row of the option table. */
typedef struct roi_cli_option {
    const char *name;  /* long name without the dashes: "trials" */
    char short_name;   /* 'n', or 0 */
    const char *arg;   /* the argument as the help names it ("N", "FILE"); NULL: none */
    unsigned commands; /* roi_cli_command bits it applies to */
    int cosmetic;      /* cannot change results: left out of the recorded command,
                        * so the workbook is the same whatever the thread count */
    roi_cli_setter set;
    const char *must; /* what a bad value breaks, for "NAME: MUST, got 'VALUE'";
                       * NAME is the short spelling when there is one */
    const char *help; /* one paragraph, wrapped when printed: "\n" forces a line
                       * break, "~" is a space that never breaks one (for
                       * examples), "{}" stands for help_value */
    unsigned long long help_value;
    const char *example; /* a valid argument, for the tests (NULL: none needed) */
} roi_cli_option;

/* One row of the command table. */
typedef struct roi_cli_command_info {
    roi_cli_command cmd;
    const char *name;
    const char *args; /* as the help shows them: "[SCENARIO.lua ...]" or "" */
    int takes_files;
    const char *help;
} roi_cli_command_info;

/* The tables (static storage); *n receives the number of rows. */
const roi_cli_option *roi_cli_options(size_t *n);
const roi_cli_command_info *roi_cli_commands(size_t *n);

/*
 * Parses argv into *c: the command (the first word that is not an option), options
 * before or after it and the scenario files, "--opt=VALUE" or "--opt VALUE", "--" ends
 * the options. Option names are matched whole (no abbreviations). Uses getopt_long,
 * which keeps state in optind: roi_cli_parse resets it, so it may be called again.
 * The caller frees *c with roi_cli_free, also on failure. Returns ROI_ERR_USAGE (the
 * message ends "(see 'roisim --help')") or ROI_ERR_NOMEM.
 */
roi_status roi_cli_parse(int argc, char **argv, roi_cli *c, roi_error *err);

/*
 * The checks that need the whole command line: a command was given, every option
 * applies to it ("option '--json' is only valid for 'run'"), scenario files only
 * for the commands that take them, and, for run and check, every root of the scenario
 * path is a folder ("--scenario-path 'x': no such folder"). With --help, --version or `help`, nothing else
 * matters and it returns ROI_OK. Returns ROI_OK or ROI_ERR_USAGE.
 */
roi_status roi_cli_check(const roi_cli *c, roi_error *err);

/* Frees what roi_cli_parse allocated in *c (not c itself). Safe on a zeroed roi_cli. */
void roi_cli_free(roi_cli *c);

/*
 * Prints the help text, generated from the tables. scenarios and how name the
 * directory of the bundled scenarios and how it was found (borrowed).
 */
void roi_cli_usage(FILE *fp, const char *scenarios, const char *how);

/* Prints the man page's COMMANDS and OPTIONS sections (roff, no .SH line). */
void roi_cli_man_commands(FILE *fp);
void roi_cli_man_options(FILE *fp);

#endif
