/*
 * paths.h - where the roisim program reads its data from.
 *
 * Responsible for: finding the bundled scenarios, the docs and the man page relative
 * to the running executable (/proc/self/exe, as git's RUNTIME_PREFIX does), so that an
 * installed tree works wherever it is moved or unpacked; falling back to the source
 * tree for a binary run from its build folder; honouring $ROISIM_SCENARIOS; and saying
 * which of these it used. Not responsible for reading the files: main.c hands the
 * scenario directory to the loader (roi_scenario_set_bundled_dir).
 */
#ifndef ROI_CLI_PATHS_H
#define ROI_CLI_PATHS_H

#include <limits.h>
#include <stdio.h>

/* How the scenario directory was found. */
typedef enum roi_paths_source {
    ROI_PATHS_ENV,       /* $ROISIM_SCENARIOS */
    ROI_PATHS_INSTALLED, /* PREFIX/share/roisim/scenarios beside PREFIX/bin/roisim */
    ROI_PATHS_BUILD,     /* the source tree it was built from (compiled in): a binary in
                          * its build folder, or copied out of it */
    ROI_PATHS_MISSING    /* none of these has a BUNDLE file: the installed place, or the
                          * compiled-in one, named so that the error says where */
} roi_paths_source;

typedef struct roi_paths {
    char exe[PATH_MAX];    /* this executable; "" when /proc/self/exe is unreadable */
    char prefix[PATH_MAX]; /* exe's folder less ROI_INSTALL_BINDIR; "" when it is not
                            * in such a folder */
    char scenarios[PATH_MAX];
    roi_paths_source scenarios_from;
    char docs[PATH_MAX]; /* the docs folder; "" when none is found */
    char man[PATH_MAX];  /* the man page; "" when none is found */
} roi_paths;

/* Fills *p from the environment, /proc/self/exe and the file system. Never fails: what
 * is not found is reported as such by roi_paths_print. */
void roi_paths_find(roi_paths *p);

/* A short phrase for how the scenario directory was found, e.g. "$ROISIM_SCENARIOS". */
const char *roi_paths_how(roi_paths_source from);

/* Prints one line per place ("scenarios  DIR (how)", "docs  DIR", ...). */
void roi_paths_print(FILE *fp, const roi_paths *p);

#endif
