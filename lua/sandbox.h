/*
 * sandbox.h - the Lua state a scenario file runs in (internal to lua/).
 *
 * Responsible for: a Lua state whose memory goes through an allocator with a budget,
 * a load deadline that no scenario can catch, the host functions the scenario
 * library is given (reading and resolving scenario files, print to standard error,
 * pcall and xpcall that let memory and time errors through), and running a body
 * under lua_pcall with one message handler that turns every failure into a message
 * "file:line: ...". Not responsible for the scenario language (roisim.lua) or for
 * turning its result into a model (convert.h).
 */
#ifndef ROI_SANDBOX_H
#define ROI_SANDBOX_H

#include <stddef.h>

#include <lua.h>

#include "roi_error.h"

typedef struct roi_sandbox roi_sandbox;

/*
 * A new Lua state with no libraries open, limited to `memory_limit` bytes of Lua
 * memory; bodies run with roi_sandbox_run get `time_limit` seconds (<= 0: no limit).
 * `file` (borrowed; must outlive the sandbox) names the scenario in messages.
 * Returns NULL when out of memory. Free with roi_sandbox_free.
 */
roi_sandbox *roi_sandbox_new(const char *file, size_t memory_limit, double time_limit);

/* Closes the Lua state and frees the sandbox. NULL is allowed. */
void roi_sandbox_free(roi_sandbox *sb);

/*
 * The files the scenario library read through host.read, in the order it read them
 * (the scenario first, then each parent it extends, each once), as opened. The caller
 * takes the array and its strings (free each, then the array); the sandbox forgets
 * them. NULL with *n = 0 when none.
 */
char **roi_sandbox_take_sources(roi_sandbox *sb, int *n);

/*
 * The scenario path: folders `extends` searches, in order, after the scenario's own
 * folder and before the bundled scenarios. Borrowed: roots must outlive the sandbox.
 */
void roi_sandbox_set_roots(roi_sandbox *sb, const char *const *roots, int n);

/* The sandbox's Lua state (borrowed). */
lua_State *roi_sandbox_state(roi_sandbox *sb);

/*
 * Calls body(L) under lua_pcall with arg as its one argument (light userdata), the
 * message handler and the deadline. On success the body's one result is left on the
 * stack; on failure the error value is left there instead and err holds the message:
 * ROI_ERR_SCENARIO for a Lua error ("file:line: ..."), the memory budget or the
 * deadline; ROI_ERR_NOMEM when the deadline's thread cannot start (nothing pushed).
 */
roi_status roi_sandbox_run(roi_sandbox *sb, lua_CFunction body, void *arg, roi_error *err);

/*
 * For a body: opens the standard libraries the scenario library needs (base, string,
 * table, math, utf8, debug: roisim.lua hides all but the safe parts from scenarios)
 * and pushes the scenario library's main chunk. Raises a Lua error when the embedded
 * library is missing or does not compile.
 */
void roi_sandbox_push_library(lua_State *L);

/* For a body: pushes the host table roisim.lua receives (read, resolve, suggest,
 * print, pcall, xpcall). */
void roi_sandbox_push_host(lua_State *L);

#endif
