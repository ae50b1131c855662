/*
 * gen_doc.c - roisim-doc, the build-time tool that writes what is derived from the
 * command and option tables (options.c) outside the program itself. Not installed.
 *
 *   roisim-doc man TEMPLATE OUT  the man page: TEMPLATE (docs/roisim.1.in) with the
 *                                lines "@COMMANDS@" and "@OPTIONS@" replaced by the
 *                                generated sections, and @VERSION@, @BINDIR@,
 *                                @SCENARIODIR@, @DOCDIR@, @MANDIR@ by their values
 *   roisim-doc table             the option table, a row a line, tab-separated: long
 *                                name, short name, argument, commands, an example
 *                                value ("-" for none), for tests/e2e/cli_usage.sh
 *
 * Exit status: 0 success, 1 a file error, 2 usage error.
 */
#include <stdio.h>
#include <string.h>

#include "options.h"

static const struct {
    const char *key, *value;
} vars[] = {
    {"@VERSION@", ROI_VERSION},
    {"@BINDIR@", ROI_INSTALL_BINDIR},
    {"@SCENARIODIR@", ROI_INSTALL_SCENARIODIR},
    {"@DOCDIR@", ROI_INSTALL_DOCDIR},
    {"@MANDIR@", ROI_INSTALL_MANDIR},
};

/* Copies line to out with every @KEY@ of vars replaced. */
static void substitute(FILE *out, const char *line)
{
    for (const char *p = line; *p;) {
        size_t i = 0, n = sizeof vars / sizeof vars[0];
        for (; i < n; i++)
            if (!strncmp(p, vars[i].key, strlen(vars[i].key)))
                break;
        if (i < n) {
            fputs(vars[i].value, out);
            p += strlen(vars[i].key);
        } else {
            fputc(*p++, out);
        }
    }
}

static int man(const char *template_path, const char *out_path)
{
    FILE *in = fopen(template_path, "r");
    if (!in) {
        perror(template_path);
        return 1;
    }
    FILE *out = fopen(out_path, "w");
    if (!out) {
        perror(out_path);
        fclose(in);
        return 1;
    }
    char line[4096];
    while (fgets(line, sizeof line, in)) {
        if (!strcmp(line, "@COMMANDS@\n"))
            roi_cli_man_commands(out);
        else if (!strcmp(line, "@OPTIONS@\n"))
            roi_cli_man_options(out);
        else
            substitute(out, line);
    }
    int bad = ferror(in);
    fclose(in);
    if (fclose(out) != 0 || bad) {
        fprintf(stderr, "roisim-doc: cannot write %s\n", out_path);
        return 1;
    }
    return 0;
}

static int table(void)
{
    size_t n = 0, nc = 0;
    const roi_cli_option *o = roi_cli_options(&n);
    const roi_cli_command_info *k = roi_cli_commands(&nc);
    for (size_t i = 0; i < n; i++) {
        printf("%s\t%c\t%s\t", o[i].name, o[i].short_name ? o[i].short_name : '-',
               o[i].arg ? o[i].arg : "-");
        const char *sep = "";
        for (size_t j = 0; j < nc; j++)
            if (o[i].commands & k[j].cmd) {
                printf("%s%s", sep, k[j].name);
                sep = " ";
            }
        if (o[i].commands & ROI_CMD_VERSION)
            printf("%s--version", sep);
        printf("\t%s\n", o[i].example ? o[i].example : "-");
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "man"))
        return man(argv[2], argv[3]);
    if (argc == 2 && !strcmp(argv[1], "table"))
        return table();
    fprintf(stderr, "usage: roisim-doc man TEMPLATE OUT | roisim-doc table\n");
    return 2;
}
