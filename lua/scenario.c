/*
 * scenario.c - loading a scenario file (see scenario.h): runs the scenario library
 * (roisim.lua) on the file in a sandbox (sandbox.h), then turns the resolved
 * description into a validated model (convert.h). Also the list of bundled scenarios.
 */
#include "scenario.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "convert.h"
#include "sandbox.h"

/* What the protected body needs: the file, its stem and the --set strings. */
typedef struct load_args {
    const char *file, *name;
    const roi_scenario_opts *opts;
    int resolved; /* out: a registry reference to the resolved table */
} load_args;

/* Protected body: loads the library and calls M.load(file, name, sets). Its argument
 * is light userdata to a load_args. Keeps the resolved table in the registry
 * (a->resolved) and leaves true. */
static int pload(lua_State *L)
{
    load_args *a = lua_touserdata(L, 1);
    roi_sandbox_push_library(L); /* +1: the library's chunk */
    roi_sandbox_push_host(L);    /* +1: its arguments: the host table */
    roi_convert_push_schema(L);  /* +1: and the parameter table */
    lua_call(L, 2, 1);           /* -3, +1: M */
    lua_getfield(L, -1, "load"); /* +1 */
    lua_pushstring(L, a->file);  /* +1 */
    lua_pushstring(L, a->name);  /* +1 */
    lua_createtable(L, a->opts ? a->opts->n_sets : 0, 0); /* +1: sets */
    for (int i = 0; a->opts && i < a->opts->n_sets; i++) {
        lua_pushstring(L, a->opts->sets[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_call(L, 3, 1); /* -4, +1: the resolved table */
    a->resolved = luaL_ref(L, LUA_REGISTRYINDEX); /* -1 */
    lua_pushboolean(L, 1);                        /* +1 */
    return 1;
}

/* What the conversion's protected body needs: the resolved table (a registry
 * reference), the model to fill, and where its own status goes. */
typedef struct convert_args {
    int resolved;
    roi_model *m;
    roi_error *err;
    roi_status status;
} convert_args;

/* Protected body: converts the resolved table into the model, under the load's
 * deadline and memory budget (a conversion driven by a hostile description is still
 * bounded, and a Lua memory error in it is a message). Leaves true. */
static int pconvert(lua_State *L)
{
    convert_args *a = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->resolved); /* +1: the resolved table */
    a->status = roi_convert_model(L, -1, a->m, a->err);
    lua_pushboolean(L, 1); /* +1 */
    return 1;
}

/* "dir/base.lua" -> "base": a scenario's name. */
static void stem_of(const char *file, char *out, size_t size)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    snprintf(out, size, "%s", base);
    char *dot = strrchr(out, '.');
    if (dot && strcmp(dot, ".lua") == 0)
        *dot = '\0';
}

/* ==== public API ================================================================================ */

roi_status roi_scenario_load(const char *file, const roi_scenario_opts *opts, roi_model **out,
                             roi_error *err)
{
    *out = NULL;
    size_t memory = opts && opts->memory_limit ? opts->memory_limit : ROI_SCENARIO_MEMORY_LIMIT;
    double seconds = opts && opts->time_limit > 0 ? opts->time_limit : ROI_SCENARIO_TIME_LIMIT;
    if (access(file, R_OK) != 0)
        return roi_error_set(err, ROI_ERR_IO, "", "cannot open scenario '%s': %s", file,
                             strerror(errno));
    roi_sandbox *sb = roi_sandbox_new(file, memory, seconds);
    if (!sb)
        return roi_error_set(err, ROI_ERR_NOMEM, "", "cannot create a Lua state");
    if (opts)
        roi_sandbox_set_roots(sb, opts->roots, opts->n_roots);
    char name[256];
    stem_of(file, name, sizeof name);
    load_args args = {file, name, opts, LUA_NOREF};
    roi_model *m = NULL;
    roi_status s = roi_sandbox_run(sb, pload, &args, err); /* +1: resolved or the error */
    if (s == ROI_OK && !(m = roi_model_new()))
        s = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    if (s == ROI_OK) {
        lua_State *L = roi_sandbox_state(sb);
        m->sources = roi_sandbox_take_sources(sb, &m->n_sources);
        convert_args ca = {args.resolved, m, err, ROI_OK};
        lua_pop(L, 1); /* the body's true */
        s = roi_sandbox_run(sb, pconvert, &ca, err); /* +1: true or the error */
        if (s == ROI_OK)
            s = ca.status;
    }
    if (s == ROI_OK) {
        *out = m;
        m = NULL;
    }
    roi_model_free(m);
    roi_sandbox_free(sb);
    return s;
}

/* Set by the program that knows where it is installed (the CLI's paths.c); borrowed. */
static const char *bundled_dir;

void roi_scenario_set_bundled_dir(const char *dir)
{
    bundled_dir = dir && dir[0] ? dir : NULL;
}

const char *roi_scenario_bundled_dir(void)
{
    const char *env = getenv("ROISIM_SCENARIOS");
    if (env && env[0])
        return env;
    return bundled_dir ? bundled_dir : ROI_SCENARIO_DIR;
}

void roi_scenario_list_free(char **files)
{
    if (!files)
        return;
    for (char **f = files; *f; f++)
        free(*f);
    free(files);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder without a BUNDLE file (a user's own set of scenarios): its regular .lua
 * files in name order (byte order, so the same on every machine); symbolic links and
 * hidden files are left out. */
static roi_status folder_list(const char *dir, char ***files, roi_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return roi_error_set(err, ROI_ERR_IO, "", "cannot list the scenarios in '%s': %s", dir,
                             strerror(errno));
    char **list = calloc(1, sizeof *list);
    size_t n = 0;
    roi_status s = list ? ROI_OK : roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    for (struct dirent *e; s == ROI_OK && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".lua") != 0)
            continue;
        char path[PATH_MAX];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        char **grown = realloc(list, (n + 2) * sizeof *list);
        char *copy = malloc(strlen(path) + 1);
        if (grown)
            list = grown;
        if (!grown || !copy) {
            free(copy);
            s = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
            break;
        }
        memcpy(copy, path, strlen(path) + 1);
        list[n++] = copy;
        list[n] = NULL;
    }
    closedir(d);
    if (s == ROI_OK && n == 0)
        s = roi_error_set(err, ROI_ERR_IO, "", "cannot read the bundled scenario list "
                          "'%s/BUNDLE' (no such file), and '%s' holds no .lua scenario", dir, dir);
    if (s != ROI_OK) {
        roi_scenario_list_free(list);
        return s;
    }
    qsort(list, n, sizeof *list, by_name);
    *files = list;
    return ROI_OK;
}

roi_status roi_scenario_bundled(char ***files, roi_error *err)
{
    *files = NULL;
    const char *dir = roi_scenario_bundled_dir();
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/BUNDLE", dir);
    FILE *fp = fopen(path, "r");
    if (!fp && errno == ENOENT)
        return folder_list(dir, files, err);
    if (!fp)
        return roi_error_set(err, ROI_ERR_IO, "", "cannot read the bundled scenario list '%s': %s",
                             path, strerror(errno));
    char **list = calloc(1, sizeof *list);
    size_t n = 0;
    char line[512];
    roi_status s = list ? ROI_OK : roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
    while (s == ROI_OK && fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n#")] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        char *e = p + strlen(p);
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        if (!*p)
            continue;
        char **grown = realloc(list, (n + 2) * sizeof *list);
        if (!grown) {
            s = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
            break;
        }
        list = grown;
        size_t len = strlen(dir) + strlen(p) + 2;
        list[n] = malloc(len);
        if (!list[n]) {
            s = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
            break;
        }
        snprintf(list[n], len, "%s/%s", dir, p);
        list[++n] = NULL;
    }
    fclose(fp);
    if (s != ROI_OK) {
        roi_scenario_list_free(list);
        return s;
    }
    *files = list;
    return ROI_OK;
}
