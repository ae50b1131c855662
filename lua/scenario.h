/*
 * scenario.h - loading scenario files (Lua) into engine models.
 *
 * Responsible for: running a scenario file in its own environment with roisim's
 * scenario library, resolving what-ifs against the scenarios they extend, applying
 * command-line overrides (--set PATH=VALUE), and turning the result into a validated
 * roi_model. Every error names the file and line, or the parameter path and value.
 * Its internal parts: sandbox.h (the Lua state and its limits), convert.h (the
 * parameter table's crossings between C and Lua). lua/ is the only code that touches
 * lua_State. Not responsible for running trials.
 */
#ifndef ROI_SCENARIO_H
#define ROI_SCENARIO_H

#include "model.h"
#include "roi_error.h"

#define ROI_SCENARIO_MEMORY_LIMIT ((size_t)256 << 20) /* bytes of Lua memory per scenario */
#define ROI_SCENARIO_TIME_LIMIT 10.0                 /* seconds to load one scenario */

typedef struct roi_scenario_opts {
    const char *const *sets; /* "PATH=VALUE" overrides, applied in order (borrowed) */
    int n_sets;
    const char *const *roots; /* the scenario path: folders `extends` searches after the
                               * scenario's own, before the bundled ones (borrowed) */
    int n_roots;
    size_t memory_limit;     /* bytes the scenario's Lua state may hold; 0: the default */
    double time_limit;       /* seconds loading may take; <= 0: the default */
} roi_scenario_opts;

/*
 * Loads `file` and returns a validated model in *out (caller frees with
 * roi_model_free); its `sources` list the files the load read, `file` first, then each
 * scenario it extends. opts may be NULL. Errors: ROI_ERR_IO (unreadable file),
 * ROI_ERR_SCENARIO (Lua error, message "file:line: ..."), ROI_ERR_PARAM (a value out
 * of range, message "file:line: path: must be ..., got ...").
 */
roi_status roi_scenario_load(const char *file, const roi_scenario_opts *opts,
                             roi_model **out, roi_error *err);

/*
 * The directory of the bundled scenarios: $ROISIM_SCENARIOS when set, else the one
 * given to roi_scenario_set_bundled_dir, else the source tree's, compiled in.
 * Borrowed string.
 */
const char *roi_scenario_bundled_dir(void);

/*
 * Sets the directory of the bundled scenarios (a program that finds its installed
 * data at run time calls this once, before loading). Borrows dir, which must outlive
 * every later load; NULL or "" restores the compiled-in one. Not thread-safe.
 */
void roi_scenario_set_bundled_dir(const char *dir);

/*
 * The bundled scenario files in run order (base first), as listed in the directory's
 * BUNDLE file; a directory without one (a user's own, through ROISIM_SCENARIOS) gives
 * its regular .lua files in name order. *files is a NULL-terminated array the caller frees with
 * roi_scenario_list_free.
 */
roi_status roi_scenario_bundled(char ***files, roi_error *err);
void roi_scenario_list_free(char **files);

#endif
