/* test_cli.c - the command line as data: parsing, checks and the recorded command
 * against the option table (cli/options.c). */
#include "roi_test.h"

#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "sim.h"

enum { MAX_ARGS = 32 };

/* Parses the NULL-terminated words after "roisim" into *c; then, when parsing
 * succeeded, runs the command checks. Returns the first failing status; err gets its
 * message. The caller frees *c with roi_cli_free. */
static roi_status parse(roi_cli *c, roi_error *err, const char *const *words)
{
    static char *argv[MAX_ARGS + 2];
    static char buf[MAX_ARGS][256];
    int argc = 0;
    argv[argc++] = (char *)"build/roisim";
    for (; words[argc - 1]; argc++) {
        assert_true(argc <= MAX_ARGS);
        snprintf(buf[argc - 1], sizeof buf[0], "%s", words[argc - 1]);
        argv[argc] = buf[argc - 1];
    }
    argv[argc] = NULL;
    roi_error_clear(err);
    roi_status st = roi_cli_parse(argc, argv, c, err);
    if (st == ROI_OK)
        st = roi_cli_check(c, err);
    return st;
}

#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void expect_error(const char *const *words, const char *message)
{
    roi_cli c;
    roi_error err;
    assert_int_equal(parse(&c, &err, words), ROI_ERR_USAGE);
    if (!strstr(err.msg, message))
        fail_msg("'%s' does not contain '%s'", err.msg, message);
    roi_cli_free(&c);
}

static void expect_command(const char *const *words, const char *recorded)
{
    roi_cli c;
    roi_error err;
    assert_int_equal(parse(&c, &err, words), ROI_OK);
    assert_non_null(c.command);
    assert_string_equal(c.command, recorded);
    roi_cli_free(&c);
}

static void test_defaults(void **state)
{
    (void)state;
    roi_cli c;
    roi_error err;
    assert_int_equal(parse(&c, &err, WORDS("run")), ROI_OK);
    assert_int_equal(c.cmd, ROI_CMD_RUN);
    assert_int_equal(c.trials, ROI_DEFAULT_TRIALS);
    assert_int_equal(c.seed, ROI_DEFAULT_SEED);
    assert_int_equal(c.max_trials, ROI_DEFAULT_MAX_TRIALS);
    assert_int_equal(c.threads, 0);
    assert_int_equal(c.n_files, 0);
    assert_null(c.json);
    roi_cli_free(&c);
}

/* Options before and after the files, both spellings of a value, "--" ending them. */
static void test_options_anywhere(void **state)
{
    (void)state;
    roi_cli c;
    roi_error err;
    assert_int_equal(parse(&c, &err,
                           WORDS("--seed=5", "run", "a.lua", "-n", "300", "b.lua", "--json",
                                 "-", "--set", "x.y=1", "--set=z=2", "--", "-q", "--json")),
                     ROI_OK);
    assert_int_equal(c.seed, 5);
    assert_int_equal(c.trials, 300);
    assert_string_equal(c.json, "-");
    assert_int_equal(c.n_sets, 2);
    assert_string_equal(c.sets[0], "x.y=1");
    assert_string_equal(c.sets[1], "z=2");
    assert_int_equal(c.quiet, 0);
    assert_int_equal(c.n_files, 4);
    assert_string_equal(c.files[0], "a.lua");
    assert_string_equal(c.files[1], "b.lua");
    assert_string_equal(c.files[2], "-q");
    assert_string_equal(c.files[3], "--json");
    roi_cli_free(&c);
}

static void test_values(void **state)
{
    (void)state;
    roi_cli c;
    roi_error err;
    assert_int_equal(parse(&c, &err,
                           WORDS("run", "-n5", "--max-memory", "2", "--lua-memory=3",
                                 "--stress", "v2.score=0:10%", "--given", "moat", "--date",
                                 "1970-01-02", "--sampling", "lhs", "--precision", "0.5")),
                     ROI_OK);
    assert_int_equal(c.trials, 5);
    assert_int_equal(c.max_memory, (size_t)2 << 20);
    assert_int_equal(c.lua_memory, (size_t)3 << 20);
    assert_int_equal(c.n_stress, 1);
    assert_string_equal(c.stress[0].name, "v2.score=0:10%");
    assert_string_equal(c.stress[0].input, "v2.score");
    assert_near(c.stress[0].low, 0.0, 0.0);
    assert_near(c.stress[0].high, 0.1, 1e-15);
    assert_int_equal(c.n_given, 1);
    assert_int_equal(c.date, 86400);
    assert_int_equal(c.sampling, ROI_SAMPLING_LHS);
    assert_near(c.precision, 0.5, 0.0);
    roi_cli_free(&c);
}

/* The messages the old hand parser gave, word for word. */
static void test_messages(void **state)
{
    (void)state;
    expect_error(WORDS("run", "--trails", "100"), "unknown option '--trails' (see 'roisim --help')");
    expect_error(WORDS("run", "-x"), "unknown option '-x'");
    expect_error(WORDS("run", "-n", "0"),
                 "-n: the number of trials must be an integer from 1 to 1000000000, got '0'");
    expect_error(WORDS("run", "--trials=abc"),
                 "-n: the number of trials must be an integer from 1 to 1000000000, got 'abc'");
    expect_error(WORDS("run", "--seed", "-1"), "--seed: must be a non-negative integer below 2^64");
    expect_error(WORDS("run", "-n"), "option '-n' needs a value");
    expect_error(WORDS("check", "--time-limit"), "option '--time-limit' needs a value");
    expect_error(WORDS("run", "--quiet=yes"), "option '--quiet' takes no value");
    expect_error(WORDS("run", "--xlsx", "-"), "--xlsx: needs a file name, got '-'");
    expect_error(WORDS("run", "--set", "horizon.discount"),
                 "--set: expected PATH=VALUE, got 'horizon.discount'");
    expect_error(WORDS("frobnicate"), "unknown command 'frobnicate'");
    expect_error(WORDS("--seed", "1"), "no command given: try 'roisim run' or 'roisim --help'");
    expect_error(WORDS("check", "-n", "10"), "option '-n' is only valid for 'run' (see");
    expect_error(WORDS("list", "-q"), "option '-q' is only valid for 'run', 'check' and 'fit'");
    expect_error(WORDS("run", "--verbose"), "option '--verbose' is only valid with --version");
    expect_error(WORDS("list", "a.lua"), "'list' takes no scenario files");
}

/* getopt_long would accept "--thr" for "--threads"; a later option starting the same
 * way would then change what an old command means. */
static void test_no_abbreviations(void **state)
{
    (void)state;
    expect_error(WORDS("run", "--thr", "2"), "unknown option '--thr'");
    expect_error(WORDS("run", "--see=5"), "unknown option '--see=5'");
    expect_error(WORDS("run", "--t"), "unknown option '--t'");
    expect_error(WORDS("run", "--qui=yes"), "unknown option '--qui=yes'");
}

/* The recorded command drops what cannot change results and keeps the rest as typed. */
static void test_recorded_command(void **state)
{
    (void)state;
    expect_command(WORDS("run", "a.lua", "-n", "200", "--threads", "2", "-q", "--timings"),
                   "roisim run a.lua -n 200");
    expect_command(WORDS("run", "--threads=2", "--block-size", "2048", "--block-size=4096",
                         "--quiet", "-n200"),
                   "roisim run -n200");
    expect_command(WORDS("--seed", "5", "run", "--set", "v2.score=normal(60, 2)", "it's"),
                   "roisim --seed 5 run --set 'v2.score=normal(60, 2)' 'it'\\''s'");
    expect_command(WORDS("run", "--json", "-", "--", "--threads", "-q"),
                   "roisim run --json - -- --threads -q");
    /* One element holding a cosmetic and a recorded option is kept whole. */
    expect_command(WORDS("run", "-qn5", "-q"), "roisim run -qn5");
}

/* Appends option o, spelled short or long, and its example value to words. */
static void add_option(const char **words, int *n, const roi_cli_option *o, int is_short)
{
    static char spelled[64]; /* parse() copies the words */
    if (is_short)
        snprintf(spelled, sizeof spelled, "-%c", o->short_name);
    else
        snprintf(spelled, sizeof spelled, "--%s", o->name);
    words[(*n)++] = spelled;
    if (o->arg)
        words[(*n)++] = o->example;
}

/* Every row: its example parses for each command it applies to, and each other command
 * refuses it with the derived message, in both spellings. */
static void test_every_option_against_every_command(void **state)
{
    (void)state;
    size_t n_opts = 0, n_cmds = 0;
    const roi_cli_option *opts = roi_cli_options(&n_opts);
    const roi_cli_command_info *cmds = roi_cli_commands(&n_cmds);
    for (size_t i = 0; i < n_opts; i++) {
        const roi_cli_option *o = &opts[i];
        assert_non_null(o->help);
        if (o->arg && !o->example)
            fail_msg("--%s takes %s but its row has no example", o->name, o->arg);
        if (o->arg && !o->must)
            fail_msg("--%s takes %s but its row says nothing of bad values", o->name, o->arg);
        for (int is_short = 0; is_short <= (o->short_name != 0); is_short++) {
            for (size_t k = 0; k < n_cmds; k++) {
                const char *words[8];
                int n = 0;
                words[n++] = cmds[k].name;
                add_option(words, &n, o, is_short);
                words[n] = NULL;
                roi_cli c;
                roi_error err;
                roi_status st = parse(&c, &err, words);
                int help_or_version = c.help || c.version || c.cmd == ROI_CMD_HELP;
                if ((o->commands & cmds[k].cmd) || help_or_version) {
                    if (st != ROI_OK)
                        fail_msg("roisim %s %s %s: %s", words[0], words[1], n > 2 ? words[2] : "",
                                 err.msg);
                } else {
                    assert_int_equal(st, ROI_ERR_USAGE);
                    char want[96];
                    snprintf(want, sizeof want, "option '%s' is only valid ", words[1]);
                    if (!strstr(err.msg, want))
                        fail_msg("roisim %s %s: '%s' lacks \"%s\"", words[0], words[1], err.msg,
                                 want);
                }
                roi_cli_free(&c);
            }
        }
    }
}

/* --help names every option and command of the tables. */
static void test_usage_names_everything(void **state)
{
    (void)state;
    char *text = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&text, &size);
    assert_non_null(fp);
    roi_cli_usage(fp, "/some/where", "how");
    fclose(fp);
    size_t n_opts = 0, n_cmds = 0;
    const roi_cli_option *opts = roi_cli_options(&n_opts);
    const roi_cli_command_info *cmds = roi_cli_commands(&n_cmds);
    for (size_t i = 0; i < n_opts; i++) {
        char label[96];
        if (opts[i].short_name)
            snprintf(label, sizeof label, "  -%c, --%s%s%s\n", opts[i].short_name, opts[i].name,
                     opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
        else
            snprintf(label, sizeof label, "  --%s%s%s", opts[i].name, opts[i].arg ? " " : "",
                     opts[i].arg ? opts[i].arg : "");
        /* The label starts a line, followed by spaces or a newline. */
        label[strcspn(label, "\n")] = '\0';
        char *at = strstr(text, label);
        if (!at || at[-1] != '\n' || (at[strlen(label)] != ' ' && at[strlen(label)] != '\n'))
            fail_msg("--help lacks the line '%s'", label);
        assert_null(strstr(text, "{}"));
        assert_null(strchr(text, '~'));
    }
    for (size_t k = 0; k < n_cmds; k++) {
        char label[64];
        snprintf(label, sizeof label, "\n  %s ", cmds[k].name);
        if (!strstr(text, label))
            fail_msg("--help lacks the command '%s'", cmds[k].name);
    }
    assert_non_null(strstr(text, "/some/where (how)"));
    /* Lines fit 79 columns (but for the one naming a long directory). */
    for (char *line = text; *line;) {
        size_t len = strcspn(line, "\n");
        char copy[256];
        snprintf(copy, sizeof copy, "%.*s", (int)len, line);
        if (len > 79 && !strstr(copy, "/some/where"))
            fail_msg("a help line is %zu characters: %s", len, copy);
        line += len + (line[len] == '\n');
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_options_anywhere),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_no_abbreviations),
        cmocka_unit_test(test_recorded_command),
        cmocka_unit_test(test_every_option_against_every_command),
        cmocka_unit_test(test_usage_names_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
