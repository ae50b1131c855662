/*
 * scenario.c - runs a scenario file through the Lua scenario library (roisim.lua)
 * and turns the resolved description into an engine model.
 *
 * Stack discipline: every function that touches the Lua stack says what it leaves
 * there; conversion helpers read fields of the table at a given absolute index and
 * leave the stack as they found it.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "scenario.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "roi_embedded.h"
#include "sampling.h"
#include "search.h"
#include "condition.h"

#define SCENARIO_MAX_BYTES (4u << 20)      /* a scenario file larger than this is refused */

/* ==== allocator with a budget, and the load deadline ====================================== */

/* The allocator's userdata: also where the watchdog flags an expired deadline, so any
 * C function holding the lua_State reaches it with lua_getallocf. */
typedef struct budget {
    size_t used, limit;
    atomic_int expired;   /* set by the watchdog once the time limit has passed */
    int out_of_memory;    /* a memory error was caught and raised again */
    char timeout_msg[512]; /* the first timeout message, raised again on every hook */
    double time_limit;    /* seconds, for messages */
    const char *file;     /* the top scenario file, for messages */
} budget;

static void *budget_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    budget *b = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        b->used -= old;
        return NULL;
    }
    if (nsize > old && b->used - old + nsize > b->limit)
        return NULL; /* Lua raises "not enough memory" */
    void *p = realloc(ptr, nsize);
    if (p)
        b->used = b->used - old + nsize;
    return p;
}

static budget *budget_of(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

/* Count hook armed by the watchdog once the deadline has passed: the normal path runs
 * without any hook (as lua.c does for SIGINT). It stays armed, so a scenario that
 * catches the error keeps hitting it; the sandbox's pcall re-raises it anyway. */
static void deadline_hook(lua_State *L, lua_Debug *ar)
{
    budget *b = budget_of(L);
    const char *where = b->file;
    int line = 0;
    if (lua_getinfo(L, "Sl", ar)) {
        if (ar->source[0] == '@' && ar->currentline > 0) {
            where = ar->source + 1;
            line = ar->currentline;
        } else if (strncmp(ar->source, "=--set", 6) == 0) {
            where = ar->source + 1; /* a --set value */
        }
    }
    if (!b->timeout_msg[0]) {
        char limit[32];
        snprintf(limit, sizeof limit, "%g", b->time_limit);
        char at[32] = "";
        if (line > 0)
            snprintf(at, sizeof at, ":%d", line);
        snprintf(b->timeout_msg, sizeof b->timeout_msg,
                 "%s%s: the scenario did not finish loading within %s s (a loop that never "
                 "ends?); raise the limit with --time-limit SECONDS",
                 where, at, limit);
    }
    /* The same message each time, wherever the hook fires after a scenario caught it. */
    lua_pushstring(L, b->timeout_msg);
    lua_error(L);
}

typedef struct watchdog {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, started;
    struct timespec deadline; /* CLOCK_MONOTONIC */
    void *stack;              /* our own small stack: glibc then caches nothing that
                                 OpenMP's never-joined workers could inherit */
    lua_State *L;
    budget *b;
} watchdog;

static void *watchdog_main(void *arg)
{
    watchdog *w = arg;
    pthread_mutex_lock(&w->mu);
    int rc = 0;
    while (!w->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w->cv, &w->mu, &w->deadline);
    if (!w->done) {
        atomic_store(&w->b->expired, 1);
        /* lua_sethook may be called asynchronously (lua.c does it from a signal
         * handler): the running thread sees the hook at its next instruction. */
        /* Count events only: a call hook would also fire on the C message handler
         * and turn the message into "error in error handling". */
        lua_sethook(w->L, deadline_hook, LUA_MASKCOUNT, 1);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Starts the watchdog for `seconds` (<= 0: none). Returns 0 when it could not start. */
static int watchdog_start(watchdog *w, lua_State *L, budget *b, double seconds)
{
    memset(w, 0, sizeof *w);
    if (!(seconds > 0))
        return 1;
    w->L = L;
    w->b = b;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return 0;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int ok = pthread_mutex_init(&w->mu, NULL) == 0;
    if (ok && pthread_cond_init(&w->cv, &ca) != 0) {
        pthread_mutex_destroy(&w->mu);
        ok = 0;
    }
    pthread_condattr_destroy(&ca);
    if (!ok)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &w->deadline);
    double whole = floor(seconds);
    w->deadline.tv_sec += (time_t)whole;
    w->deadline.tv_nsec += (long)((seconds - whole) * 1e9);
    if (w->deadline.tv_nsec >= 1000000000L) {
        w->deadline.tv_sec++;
        w->deadline.tv_nsec -= 1000000000L;
    }
    enum { STACK = 128 << 10 };
    pthread_attr_t attr;
    int made = posix_memalign(&w->stack, 4096, STACK) == 0 &&
               pthread_attr_init(&attr) == 0;
    if (made) {
        made = pthread_attr_setstack(&attr, w->stack, STACK) == 0 &&
               pthread_create(&w->thread, &attr, watchdog_main, w) == 0;
        pthread_attr_destroy(&attr);
    }
    if (!made) {
        free(w->stack);
        w->stack = NULL;
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        return 0;
    }
    w->started = 1;
    return 1;
}

static void watchdog_stop(watchdog *w)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->mu);
    w->done = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w->stack);
    w->stack = NULL;
    w->started = 0;
}

/* ==== host functions given to the library ================================================ */

static char *read_text(const char *path, size_t *len, char *why, size_t whysize)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(why, whysize, "cannot open scenario '%s': %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(SCENARIO_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, SCENARIO_MAX_BYTES + 1, fp) : 0;
    int bad = ferror(fp);
    fclose(fp);
    if (!buf || bad) {
        snprintf(why, whysize, "cannot read scenario '%s'", path);
        free(buf);
        return NULL;
    }
    if (n > SCENARIO_MAX_BYTES) {
        snprintf(why, whysize, "scenario '%s' is larger than %u bytes", path,
                 SCENARIO_MAX_BYTES);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* host.read(path) -> text | nil, message */
static int host_read(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    char why[512];
    size_t len = 0;
    char *text = read_text(path, &len, why, sizeof why);
    if (!text) {
        lua_pushnil(L);
        lua_pushstring(L, why);
        return 2;
    }
    if (memchr(text, '\0', len) || (len > 0 && text[0] == LUA_SIGNATURE[0])) {
        free(text);
        lua_pushnil(L);
        lua_pushfstring(L, "scenario '%s' is not a text file", path);
        return 2;
    }
    lua_pushlstring(L, text, len);
    free(text);
    return 1;
}

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* Pushes `path` when its real location (symbolic links followed) lies inside the
 * real directory `dir`; else pushes nil and a message. Returns the number of
 * results, as host_resolve does. */
static int push_inside(lua_State *L, const char *name, const char *path, const char *dir)
{
    char real_dir[PATH_MAX], real_path[PATH_MAX];
    if (!realpath(dir, real_dir) || !realpath(path, real_path)) {
        lua_pushnil(L);
        lua_pushfstring(L, "extends = '%s': cannot resolve '%s': %s", name, path,
                        strerror(errno));
        return 2;
    }
    size_t n = strlen(real_dir);
    int inside = strncmp(real_path, real_dir, n) == 0 &&
                 (real_path[n] == '/' || (n > 0 && real_dir[n - 1] == '/'));
    if (!inside) {
        lua_pushnil(L);
        lua_pushfstring(L,
                        "extends = '%s': '%s' leads to '%s', outside the folder '%s' "
                        "(a symbolic link?); a scenario may only extend files in its own "
                        "folder or the bundled ones",
                        name, path, real_path, real_dir);
        return 2;
    }
    lua_pushstring(L, path);
    return 1;
}

/* host.print(text): print() of a scenario goes to standard error, so that it can
 * never mix into a report written to standard output. */
static int host_print(lua_State *L)
{
    size_t len = 0;
    const char *text = luaL_checklstring(L, 1, &len);
    fwrite(text, 1, len, stderr);
    fputc('\n', stderr);
    fflush(stderr);
    return 0;
}

/* A caught error that must not be caught: out of memory, or past the deadline. */
static int must_rethrow(lua_State *L, int status)
{
    budget *b = budget_of(L);
    if (status == LUA_ERRMEM)
        b->out_of_memory = 1; /* lua_error re-raises it as an ordinary error */
    return status == LUA_ERRMEM || atomic_load(&b->expired);
}

/* pcall for scenarios: as the base library's, except that running out of memory or
 * time cannot be caught (the error is raised again). */
static int host_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    if (status != LUA_OK && must_rethrow(L, status))
        return lua_error(L);
    lua_pushboolean(L, status == LUA_OK); /* +1 */
    lua_insert(L, 1);                     /* status first, then results or the error */
    return lua_gettop(L);
}

/* xpcall(f, msgh, ...) for scenarios, with the same rule as host_pcall. */
static int host_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 1); /* f */
    lua_copy(L, 2, 1);   /* msgh at 1 */
    lua_replace(L, 2);   /* f at 2, args from 3 */
    int status = lua_pcall(L, n - 2, LUA_MULTRET, 1);
    if (status != LUA_OK && must_rethrow(L, status))
        return lua_error(L);
    lua_pushboolean(L, status == LUA_OK);
    lua_replace(L, 1); /* status replaces msgh */
    return lua_gettop(L);
}

/* host.resolve(from, name) -> path | nil, message: a parent scenario named in
 * `extends`, looked up beside `from`, then among the bundled scenarios. */
static int host_resolve(lua_State *L)
{
    const char *from = luaL_checkstring(L, 1);
    const char *name = luaL_checkstring(L, 2);
    size_t n = strlen(name);
    int bad = n == 0 || name[0] == '/' || strstr(name, "..") != NULL;
    if (bad) {
        lua_pushnil(L);
        lua_pushfstring(L,
                        "extends = '%s': name a scenario in the same folder or a bundled "
                        "one (no absolute paths, no '..')",
                        name);
        return 2;
    }
    const char *ext = (n > 4 && strcmp(name + n - 4, ".lua") == 0) ? "" : ".lua";
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", from);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[1] = '\0';
    else
        dir[0] = '\0';
    char path[2 * PATH_MAX + 8];
    snprintf(path, sizeof path, "%s%s%s", dir, name, ext);
    if (file_exists(path))
        return push_inside(L, name, path, dir[0] ? dir : ".");
    char bundled[PATH_MAX + 2];
    snprintf(bundled, sizeof bundled, "%s/", roi_scenario_bundled_dir());
    snprintf(path, sizeof path, "%s%s%s", bundled, name, ext);
    if (file_exists(path))
        return push_inside(L, name, path, bundled);
    lua_pushnil(L);
    lua_pushfstring(L, "extends = '%s': no scenario '%s%s' beside '%s' or among the bundled ones",
                    name, name, ext, from);
    return 2;
}

/* ==== running the library under pcall ==================================================== */

/* Message handler: scenario errors are strings that already carry file:line; other
 * values are described. ROISIM_TRACEBACK=1 appends a traceback (for developers). */
static int msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        /* error() with a table or nil: blame the scenario line that raised it. */
        lua_Debug ar;
        const char *where = NULL;
        int line = 0;
        for (int level = 1; lua_getstack(L, level, &ar); level++) {
            if (lua_getinfo(L, "Sl", &ar) && ar.source[0] == '@' && ar.currentline > 0) {
                where = ar.source + 1;
                line = ar.currentline;
                break;
            }
        }
        if (where)
            msg = lua_pushfstring(L, "%s:%d: error() was given a %s value; write "
                                  "error(\"message\")", where, line, luaL_typename(L, 1));
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    const char *tb = getenv("ROISIM_TRACEBACK");
    if (tb && tb[0] == '1')
        luaL_traceback(L, L, msg, 1);
    return 1;
}

static const roi_embedded *embedded(const char *name)
{
    for (const roi_embedded *e = roi_embedded_files; e->name; e++)
        if (strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

static void open_libs(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},        {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table},  {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8},  {LUA_DBLIBNAME, luaopen_debug},
        {NULL, NULL}};
    for (const luaL_Reg *l = libs; l->func; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
}

/* Protected body: loads the library and calls M.load(file, name, sets).
 * Arguments are light userdata to a `load_args`. Leaves the resolved table. */
typedef struct load_args {
    const char *file, *name;
    const roi_scenario_opts *opts;
} load_args;

static int pload(lua_State *L)
{
    load_args *a = lua_touserdata(L, 1);
    open_libs(L);
    const roi_embedded *lib = embedded("roisim");
    if (!lib)
        return luaL_error(L, "roisim: the scenario library is missing from the binary");
    if (luaL_loadbufferx(L, lib->text, lib->size, "=[roisim]", "t") != LUA_OK)
        return lua_error(L);
    lua_newtable(L); /* host table */
    lua_pushcfunction(L, host_read);
    lua_setfield(L, -2, "read");
    lua_pushcfunction(L, host_resolve);
    lua_setfield(L, -2, "resolve");
    lua_pushcfunction(L, host_print);
    lua_setfield(L, -2, "print");
    lua_pushcfunction(L, host_pcall);
    lua_setfield(L, -2, "pcall");
    lua_pushcfunction(L, host_xpcall);
    lua_setfield(L, -2, "xpcall");
    lua_call(L, 1, 1); /* -> M */
    lua_getfield(L, -1, "load");
    lua_pushstring(L, a->file);
    lua_pushstring(L, a->name);
    lua_newtable(L);
    for (int i = 0; a->opts && i < a->opts->n_sets; i++) {
        lua_pushstring(L, a->opts->sets[i]);
        lua_rawseti(L, -2, i + 1);
    }
    lua_call(L, 3, 1); /* -> resolved */
    return 1;
}

/* ==== conversion helpers ================================================================ */

typedef struct conv {
    lua_State *L;
    roi_model *m;
    roi_error *err;
    int locs;  /* absolute index of the resolved `locs` table */
} conv;

/* Prefixes err->msg with the location of the longest prefix of err->path (or of
 * `key` when path is empty) found in the locs table: "file:line: path: ...". */
static void add_location(conv *c, const char *key)
{
    char path[256];
    snprintf(path, sizeof path, "%s", c->err->path[0] ? c->err->path : (key ? key : ""));
    while (path[0]) {
        lua_getfield(c->L, c->locs, path); /* +1 */
        const char *loc = lua_tostring(c->L, -1);
        if (loc) {
            char msg[sizeof c->err->msg + sizeof path + 64];
            snprintf(msg, sizeof msg, "%s: %s", loc, c->err->msg);
            size_t len = strlen(msg);
            if (len >= sizeof c->err->msg)
                len = sizeof c->err->msg - 1;
            memcpy(c->err->msg, msg, len);
            c->err->msg[len] = '\0';
            lua_pop(c->L, 1);
            return;
        }
        lua_pop(c->L, 1);
        char *dot = strrchr(path, '.');
        if (!dot)
            break;
        *dot = '\0';
    }
}

static char *dupstr(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Field `key` of the table at `t` as a node reference: the resolved description
 * holds 1-based node indices; absent means ROI_NONE, or a new constant `dflt` when
 * dflt is finite or infinite (pass NAN for "no default"). */
static roi_ref ref_field(conv *c, int t, const char *key, double dflt)
{
    lua_getfield(c->L, t, key);
    roi_ref r = ROI_NONE;
    if (lua_isinteger(c->L, -1))
        r = (roi_ref)lua_tointeger(c->L, -1) - 1;
    lua_pop(c->L, 1);
    if (r == ROI_NONE && !isnan(dflt))
        r = roi_graph_const(&c->m->graph, dflt, c->err);
    return r;
}

/* String field `key` of the table at `t`, borrowed from Lua (valid while the table is
 * referenced), or NULL. */
static const char *str_field(conv *c, int t, const char *key)
{
    lua_getfield(c->L, t, key);
    const char *s = lua_tostring(c->L, -1);
    lua_pop(c->L, 1);
    return s;
}

static double num_field(conv *c, int t, const char *key, double dflt)
{
    lua_getfield(c->L, t, key);
    double v = lua_isnumber(c->L, -1) ? lua_tonumber(c->L, -1) : dflt;
    lua_pop(c->L, 1);
    return v;
}

/* Parses quarter label field `key` of table t into a period; "end" -> last period
 * when allow_end. Path for messages: owner.key. */
static roi_status quarter_field(conv *c, int t, const char *owner, const char *key,
                                const char *label_key, int allow_end, roi_period *out)
{
    char path[256];
    snprintf(path, sizeof path, "%s.%s", owner, label_key ? label_key : key);
    const char *label = str_field(c, t, key);
    if (!label)
        return roi_error_set(c->err, ROI_ERR_PARAM, path, "is missing");
    if (allow_end && strcmp(label, "end") == 0) {
        *out = c->m->periods - 1;
        return ROI_OK;
    }
    int year, q;
    roi_status s = roi_quarter_parse(label, &year, &q, path, c->err);
    if (s != ROI_OK)
        return s;
    *out = roi_model_period(c->m, year, q);
    return ROI_OK;
}

/* ==== nodes ================================================================================== */

static roi_status make_dist(conv *c, int t, const char *name, roi_dist *d)
{
    lua_State *L = c->L;
    const char *family = str_field(c, t, "family");
    lua_getfield(L, t, "args"); /* +1 args */
    int args = lua_gettop(L);
    double p[4] = {0, 0, 0, 1};
    int np = (int)lua_rawlen(L, args);
    for (int i = 0; i < np && i < 4; i++) {
        lua_rawgeti(L, args, i + 1);
        p[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    roi_status s = ROI_ERR_INTERNAL;
    memset(d, 0, sizeof *d);
    if (strcmp(family, "normal") == 0) {
        s = roi_dist_normal(d, p[0], p[1], name, c->err);
    } else if (strcmp(family, "uniform") == 0) {
        s = roi_dist_uniform(d, p[0], p[1], name, c->err);
    } else if (strcmp(family, "triangular") == 0) {
        s = roi_dist_triangular(d, p[0], p[1], p[2], name, c->err);
    } else if (strcmp(family, "pert") == 0) {
        s = roi_dist_pert(d, p[0], p[1], p[2], name, c->err);
    } else if (strcmp(family, "beta") == 0) {
        s = roi_dist_beta(d, p[0], p[1], np > 2 ? p[2] : 0.0, np > 2 ? p[3] : 1.0, name,
                          c->err);
    } else if (strcmp(family, "bernoulli") == 0) {
        s = roi_dist_bernoulli(d, p[0], name, c->err);
    } else if (strcmp(family, "lognormal") == 0) {
        const char *form = str_field(c, t, "form");
        if (form && strcmp(form, "meansd") == 0)
            s = roi_dist_lognormal_meansd(d, p[0], p[1], name, c->err);
        else
            s = roi_dist_lognormal_p5p95(d, p[0], p[1], name, c->err);
    } else if (strcmp(family, "discrete") == 0) {
        lua_getfield(L, args, "values");
        lua_getfield(L, args, "probs");
        size_t n = lua_rawlen(L, -2);
        double *values = calloc(n ? n : 1, sizeof *values);
        double *probs = calloc(n ? n : 1, sizeof *probs);
        if (!values || !probs) {
            s = roi_error_set(c->err, ROI_ERR_NOMEM, name, "out of memory");
        } else {
            for (size_t i = 0; i < n; i++) {
                lua_rawgeti(L, -2, (lua_Integer)i + 1);
                values[i] = lua_tonumber(L, -1);
                lua_rawgeti(L, -2, (lua_Integer)i + 1);
                probs[i] = lua_tonumber(L, -1);
                lua_pop(L, 2);
            }
            s = roi_dist_discrete(d, values, probs, n, name, c->err);
        }
        free(values);
        free(probs);
        lua_pop(L, 2);
    } else {
        s = roi_error_set(c->err, ROI_ERR_INTERNAL, name, "unknown family '%s'", family);
    }
    lua_pop(L, 1); /* args */
    if (s != ROI_OK)
        return s;
    lua_getfield(L, t, "low");
    lua_getfield(L, t, "high");
    int has_low = lua_isnumber(L, -2), has_high = lua_isnumber(L, -1);
    double low = has_low ? lua_tonumber(L, -2) : -INFINITY;
    double high = has_high ? lua_tonumber(L, -1) : INFINITY;
    lua_pop(L, 2);
    if (has_low || has_high)
        s = roi_dist_truncate(d, low, high, name, c->err);
    return s;
}

static roi_node_kind op_kind(const char *op)
{
    static const struct {
        const char *name;
        roi_node_kind kind;
    } ops[] = {{"add", ROI_NODE_ADD},     {"sub", ROI_NODE_SUB},       {"mul", ROI_NODE_MUL},
               {"div", ROI_NODE_DIV},     {"pow", ROI_NODE_POW},       {"neg", ROI_NODE_NEG},
               {"min", ROI_NODE_MIN},     {"max", ROI_NODE_MAX},       {"clamp", ROI_NODE_CLAMP},
               {"lt", ROI_NODE_LT},       {"le", ROI_NODE_LE},         {"gt", ROI_NODE_GT},
               {"ge", ROI_NODE_GE},       {"eq", ROI_NODE_EQ},         {"ne", ROI_NODE_NE},
               {"and", ROI_NODE_AND},     {"or", ROI_NODE_OR},         {"not", ROI_NODE_NOT},
               {"choose", ROI_NODE_CHOOSE}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].name, op) == 0)
            return ops[i].kind;
    return (roi_node_kind)-1;
}

/* Builds the graph from resolved.nodes (table at index r). Node i of the Lua list
 * becomes graph node i - 1. */
static roi_status build_nodes(conv *c, int r)
{
    lua_State *L = c->L;
    lua_getfield(L, r, "nodes"); /* +1 */
    int nodes = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, nodes);
    roi_status s = ROI_OK;
    for (lua_Integer i = 1; i <= n && s == ROI_OK; i++) {
        lua_rawgeti(L, nodes, i); /* +1 node */
        int t = lua_gettop(L);
        const char *kind = str_field(c, t, "kind");
        int idx = -1;
        if (strcmp(kind, "const") == 0) {
            idx = roi_graph_const(&c->m->graph, num_field(c, t, "value", 0), c->err);
        } else if (strcmp(kind, "input") == 0) {
            const char *name = str_field(c, t, "name");
            roi_dist d;
            s = make_dist(c, t, name, &d);
            if (s != ROI_OK) {
                roi_dist_free(&d);
                add_location(c, name);
                lua_pop(L, 1);
                break;
            }
            idx = roi_graph_input(&c->m->graph, name, &d, c->err);
            if (idx >= 0) {
                lua_getfield(L, r, "changed"); /* +1 */
                lua_getfield(L, -1, name);     /* +1 */
                c->m->graph.nodes[idx].changed = lua_toboolean(L, -1);
                lua_pop(L, 2);
            }
        } else {
            roi_node_kind k = op_kind(str_field(c, t, "op"));
            int a = (int)num_field(c, t, "a", 0) - 1, b = (int)num_field(c, t, "b", 0) - 1,
                cc = (int)num_field(c, t, "c", 0) - 1;
            idx = roi_graph_op(&c->m->graph, k, a, b, cc, c->err);
        }
        if (s == ROI_OK && idx != (int)i - 1)
            s = c->err->status != ROI_OK
                    ? c->err->status
                    : roi_error_set(c->err, ROI_ERR_INTERNAL, "", "node order mismatch");
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* nodes */
    return s;
}

/* ==== structure ================================================================================ */

static roi_status build_horizon(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    lua_getfield(L, r, "horizon");
    int h = lua_gettop(L);
    roi_status s;
    int y1, q1, y2, q2;
    const char *from = str_field(c, h, "from"), *to = str_field(c, h, "to");
    s = roi_quarter_parse(from ? from : "", &y1, &q1, "horizon.from", c->err);
    if (s == ROI_OK)
        s = roi_quarter_parse(to ? to : "", &y2, &q2, "horizon.to", c->err);
    if (s == ROI_OK) {
        m->start_year = y1;
        m->start_q = q1;
        m->periods = roi_model_period(m, y2, q2) + 1;
        if (m->periods < 1)
            s = roi_error_set(c->err, ROI_ERR_PARAM, "horizon.to",
                              "must not be before horizon.from (%s), got %s", from, to);
    }
    if (s == ROI_OK) {
        m->discount = ref_field(c, h, "discount", NAN);
        lua_getfield(L, h, "terminal");
        m->terminal = lua_toboolean(L, -1);
        lua_pop(L, 1);
        m->tv_growth = ref_field(c, h, "terminal_growth", 0.0);
    }
    lua_pop(L, 1);
    if (s != ROI_OK)
        return s;

    lua_getfield(L, r, "family");
    m->people = ref_field(c, lua_gettop(L), "people", NAN);
    m->people_growth = ref_field(c, lua_gettop(L), "growth", 0.0);
    lua_pop(L, 1);
    lua_getfield(L, r, "frontier");
    m->frontier_score = ref_field(c, lua_gettop(L), "score", NAN);
    m->frontier_slope = ref_field(c, lua_gettop(L), "slope", NAN);
    lua_pop(L, 1);
    lua_getfield(L, r, "quality");
    int qt = lua_gettop(L);
    m->quality_beta = ref_field(c, qt, "beta", NAN);
    m->gap_ref = ref_field(c, qt, "gap_ref", NAN);
    m->m_lo = ref_field(c, qt, "min", 0.0);
    m->m_hi = ref_field(c, qt, "max", DBL_MAX); /* no upper clamp */
    lua_pop(L, 1);
    return ROI_OK;
}

static roi_status build_versions(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    lua_getfield(L, r, "versions");
    int list = lua_gettop(L);
    int n = (int)lua_rawlen(L, list);
    m->versions = calloc((size_t)n, sizeof *m->versions);
    roi_status s = m->versions ? ROI_OK : roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1);
        int t = lua_gettop(L);
        roi_version *v = &m->versions[i];
        m->n_versions = i + 1;
        v->name = dupstr(str_field(c, t, "name"));
        v->planned = ROI_NONE;
        if (str_field(c, t, "planned"))
            s = quarter_field(c, t, v->name, "planned", NULL, 0, &v->planned);
        v->after = ref_field(c, t, "after", NAN);
        v->slip = ref_field(c, t, "slip", 0.0);
        v->score = ref_field(c, t, "score", NAN);
        v->improvement = ROI_NONE;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return s;
}

static roi_status build_surfaces(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    lua_getfield(L, r, "surfaces");
    int list = lua_gettop(L);
    int n = (int)lua_rawlen(L, list);
    m->surfaces = calloc(n ? (size_t)n : 1, sizeof *m->surfaces);
    roi_status s = m->surfaces ? ROI_OK : roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1);
        int t = lua_gettop(L);
        roi_surface *sf = &m->surfaces[i];
        m->n_surfaces = i + 1;
        sf->name = dupstr(str_field(c, t, "name"));
        s = quarter_field(c, t, sf->name, "launch", NULL, 0, &sf->launch);
        sf->delay = ref_field(c, t, "delay", 0.0);
        sf->addressable = ref_field(c, t, "addressable", NAN);
        sf->growth = ref_field(c, t, "growth", 0.0);
        sf->ceiling = ref_field(c, t, "ceiling", NAN);
        sf->p = ref_field(c, t, "p", NAN);
        sf->q = ref_field(c, t, "q", NAN);
        sf->f0 = ref_field(c, t, "f0", 0.0);
        sf->interactions = ref_field(c, t, "interactions", NAN);
        sf->reasoning = ref_field(c, t, "reasoning", 0.0);
        lua_getfield(L, t, "stages");
        int st = lua_gettop(L);
        int ns = (int)lua_rawlen(L, st);
        sf->stages = calloc(ns ? (size_t)ns : 1, sizeof *sf->stages);
        if (!sf->stages)
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
        for (int k = 0; k < ns && s == ROI_OK; k++) {
            lua_rawgeti(L, st, k + 1);
            lua_rawgeti(L, -1, 1);
            lua_rawgeti(L, -2, 2);
            double off = lua_tonumber(L, -2);
            sf->stages[k].share = lua_tonumber(L, -1);
            lua_pop(L, 3);
            if (off != floor(off) || off < 0 || off > 1e6) {
                char path[256];
                snprintf(path, sizeof path, "%s.stages", sf->name);
                s = roi_error_set(c->err, ROI_ERR_PARAM, path,
                                  "stage %d: the offset must be a whole number of quarters >= 0, got %g",
                                  k + 1, off);
            }
            sf->stages[k].offset = (int)off;
            sf->n_stages = k + 1;
        }
        lua_pop(L, 2); /* stages, surface */
    }
    lua_pop(L, 1);
    return s;
}

static roi_status build_spend(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    lua_getfield(L, r, "spend");
    int list = lua_gettop(L);
    int n = (int)lua_rawlen(L, list);
    m->spend = calloc(n ? (size_t)n : 1, sizeof *m->spend);
    roi_status s = m->spend ? ROI_OK : roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1);
        int t = lua_gettop(L);
        roi_spend *sp = &m->spend[i];
        m->n_spend = i + 1;
        sp->name = dupstr(str_field(c, t, "name"));
        const char *kind = str_field(c, t, "kind");
        sp->kind = strcmp(kind, "lump") == 0       ? ROI_SPEND_LUMP
                   : strcmp(kind, "schedule") == 0 ? ROI_SPEND_SCHEDULE
                   : strcmp(kind, "vesting") == 0  ? ROI_SPEND_VESTING
                                                   : ROI_SPEND_INFERENCE;
        sp->cls = strcmp(str_field(c, t, "class"), "investment") == 0 ? ROI_CLASS_INVESTMENT
                                                                      : ROI_CLASS_OPERATING;
        /* A lump's quarter is written `quarter` in the scenario. */
        s = quarter_field(c, t, sp->name, "from", sp->kind == ROI_SPEND_LUMP ? "quarter" : NULL,
                          0, &sp->from);
        sp->to = sp->from;
        if (s == ROI_OK && sp->kind == ROI_SPEND_SCHEDULE)
            s = quarter_field(c, t, sp->name, "to", NULL, 1, &sp->to);
        sp->amount = ref_field(c, t, "amount", NAN);
        sp->growth = ref_field(c, t, "growth", 0.0);
        sp->residual_fraction = ref_field(c, t, "residual_fraction", NAN);
        sp->residual_valuation = ref_field(c, t, "residual_valuation", NAN);
        sp->heads = ref_field(c, t, "heads", NAN);
        sp->package = ref_field(c, t, "package", NAN);
        double vq = num_field(c, t, "quarters", 0);
        if (sp->kind == ROI_SPEND_VESTING && (vq != floor(vq) || vq < 1 || vq > 400)) {
            char path[256];
            snprintf(path, sizeof path, "%s.quarters", sp->name);
            s = roi_error_set(c->err, ROI_ERR_PARAM, path,
                              "must be a whole number of quarters >= 1, got %g", vq);
        }
        sp->vest_quarters = (int)vq;
        sp->attrition = ref_field(c, t, "attrition", 0.0);
        sp->unit_cost = ref_field(c, t, "unit_cost", NAN);
        sp->reasoning_cost = ref_field(c, t, "reasoning_cost", 1.0);
        sp->cost_decline = ref_field(c, t, "decline", 0.0);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return s;
}

static roi_status build_streams(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    lua_getfield(L, r, "revenue");
    int list = lua_gettop(L);
    int n = (int)lua_rawlen(L, list);
    m->streams = calloc(n ? (size_t)n : 1, sizeof *m->streams);
    roi_status s = m->streams ? ROI_OK : roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1);
        int t = lua_gettop(L);
        roi_stream *st = &m->streams[i];
        m->n_streams = i + 1;
        st->name = dupstr(str_field(c, t, "name"));
        const char *kind = str_field(c, t, "kind");
        st->kind = strcmp(kind, "uplift") == 0            ? ROI_STREAM_UPLIFT
                   : strcmp(kind, "per_interaction") == 0 ? ROI_STREAM_PER_INTERACTION
                   : strcmp(kind, "subscription") == 0    ? ROI_STREAM_SUBSCRIPTION
                                                          : ROI_STREAM_MARKET_SHARE;
        s = quarter_field(c, t, st->name, "from", NULL, 0, &st->from);
        st->base = ref_field(c, t, "base", NAN);
        st->growth = ref_field(c, t, "growth", 0.0);
        st->lift = ref_field(c, t, "lift", NAN);
        st->rate = ref_field(c, t, "rate", NAN);
        st->ratio = ref_field(c, t, "ratio", 1.0);
        st->conversion = ref_field(c, t, "conversion", NAN);
        st->price = ref_field(c, t, "price", NAN);
        st->market = ref_field(c, t, "market", NAN);
        st->share = ref_field(c, t, "share", NAN);
        st->cap = ref_field(c, t, "cap", DBL_MAX); /* no cap */
        lua_getfield(L, t, "surfaces");
        int sl = lua_gettop(L);
        int ns = (int)lua_rawlen(L, sl);
        st->surfaces = calloc(ns ? (size_t)ns : 1, sizeof *st->surfaces);
        if (!st->surfaces && s == ROI_OK)
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
        for (int k = 0; k < ns && s == ROI_OK; k++) {
            lua_rawgeti(L, sl, k + 1);
            const char *sname = lua_tostring(L, -1);
            int found = -1;
            for (int j = 0; j < m->n_surfaces; j++)
                if (sname && strcmp(m->surfaces[j].name, sname) == 0)
                    found = j;
            lua_pop(L, 1);
            st->surfaces[st->n_surfaces++] = found;
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    return s;
}

static roi_status build_milestones(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    lua_getfield(L, r, "milestones");
    int list = lua_gettop(L);
    int n = (int)lua_rawlen(L, list);
    m->milestones = calloc(n ? (size_t)n : 1, sizeof *m->milestones);
    roi_status s = m->milestones ? ROI_OK : roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1);
        int t = lua_gettop(L);
        roi_milestone *ms = &m->milestones[i];
        m->n_milestones = i + 1;
        ms->name = dupstr(str_field(c, t, "name"));
        const char *series = str_field(c, t, "series");
        ms->series = roi_model_series_index(m, series);
        char path[256];
        snprintf(path, sizeof path, "%s.series", ms->name);
        if (ms->series < 0) {
            char names[512] = "";
            size_t off = 0;
            for (int k = 0; k < ROI_SERIES_FIXED_COUNT && off < sizeof names; k++) {
                char nm[64];
                roi_model_series_name(m, k, nm, sizeof nm);
                off += (size_t)snprintf(names + off, sizeof names - off, "%s%s", k ? ", " : "", nm);
            }
            s = roi_error_set(c->err, ROI_ERR_PARAM, path,
                              "unknown series '%s'; series are %s, revenue.<stream>, "
                              "spend.<line>, active.<surface>",
                              series, names);
        }
        if (s == ROI_OK)
            s = quarter_field(c, t, ms->name, "quarter", NULL, 0, &ms->period);
        if (s == ROI_OK && (ms->period < 0 || ms->period >= m->periods)) {
            char label[16];
            snprintf(path, sizeof path, "%s.quarter", ms->name);
            roi_model_period_label(m, ms->period, label, sizeof label);
            s = roi_error_set(c->err, ROI_ERR_PARAM, path, "must lie inside the horizon, got %s",
                              label);
        }
        ms->threshold = num_field(c, t, "at_least", 0);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return s;
}

/* ==== analysis declarations (issue 4) ================================================== */

static roi_override_mode mode_of(const char *mode)
{
    if (mode && strcmp(mode, "shift") == 0)
        return ROI_OVERRIDE_SHIFT;
    if (mode && strcmp(mode, "scale") == 0)
        return ROI_OVERRIDE_SCALE;
    return ROI_OVERRIDE_VALUE;
}

/* Node index (1-based in Lua) of field `key` of table t as a graph index. */
static roi_ref node_field(conv *c, int t, const char *key)
{
    return (roi_ref)num_field(c, t, key, 0) - 1;
}

/* Goal seeks, sweeps and correlations: resolved.goals / sweeps / correlations. */
static roi_status build_analyses(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    roi_status s = ROI_OK;
    char path[320];

    lua_getfield(L, r, "goals"); /* +1 */
    int list = lua_gettop(L);
    int n = (int)lua_rawlen(L, list);
    m->goals = calloc(n ? (size_t)n : 1, sizeof *m->goals);
    if (!m->goals)
        s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1); /* +1 goal */
        int t = lua_gettop(L);
        roi_goal_spec *g = &m->goals[i];
        m->n_goals = i + 1;
        g->name = dupstr(str_field(c, t, "name"));
        g->input = dupstr(str_field(c, t, "input"));
        g->stat_name = dupstr(str_field(c, t, "stat"));
        if (!g->name || !g->input || !g->stat_name)
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
        g->node = node_field(c, t, "node");
        g->mode = mode_of(str_field(c, t, "mode"));
        g->target = num_field(c, t, "target", NAN);
        g->low = num_field(c, t, "low", NAN);
        g->high = num_field(c, t, "high", NAN);
        g->trials = (size_t)num_field(c, t, "trials", 0);
        snprintf(path, sizeof path, "goal '%s'", g->name ? g->name : "");
        if (s == ROI_OK)
            s = roi_stat_parse(str_field(c, t, "output"), g->stat_name, path, &g->stat, c->err);
        if (s == ROI_OK && (g->node < 0 || g->node >= m->graph.n))
            s = roi_error_set(c->err, ROI_ERR_INTERNAL, path, "input node out of range");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    lua_getfield(L, r, "sweeps"); /* +1 */
    list = lua_gettop(L);
    n = (int)lua_rawlen(L, list);
    m->sweeps = calloc(n ? (size_t)n : 1, sizeof *m->sweeps);
    if (!m->sweeps && s == ROI_OK)
        s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1); /* +1 sweep */
        int t = lua_gettop(L);
        roi_sweep_spec *sw = &m->sweeps[i];
        m->n_sweeps = i + 1;
        sw->name = dupstr(str_field(c, t, "name"));
        sw->stat_name = dupstr(str_field(c, t, "stat"));
        sw->mode = mode_of(str_field(c, t, "mode"));
        sw->trials = (size_t)num_field(c, t, "trials", 0);
        snprintf(path, sizeof path, "sweep '%s'", sw->name ? sw->name : "");
        if (!sw->name || !sw->stat_name)
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
        if (s == ROI_OK)
            s = roi_stat_parse(str_field(c, t, "output"), sw->stat_name, path, &sw->stat, c->err);
        lua_getfield(L, t, "inputs"); /* +1 */
        lua_getfield(L, t, "nodes");  /* +1 */
        lua_getfield(L, t, "values"); /* +1 */
        int ni = (int)lua_rawlen(L, -3);
        sw->n_inputs = ni > 2 ? 2 : ni;
        for (int k = 0; k < sw->n_inputs && s == ROI_OK; k++) {
            lua_rawgeti(L, -3, k + 1); /* +1 path */
            sw->input[k] = dupstr(lua_tostring(L, -1));
            lua_rawgeti(L, -3, k + 1); /* +1 node */
            sw->node[k] = (roi_ref)lua_tointeger(L, -1) - 1;
            lua_rawgeti(L, -3, k + 1); /* +1 values list */
            int nv = (int)lua_rawlen(L, -1);
            sw->values[k] = malloc((nv ? (size_t)nv : 1) * sizeof *sw->values[k]);
            if (!sw->input[k] || !sw->values[k]) {
                s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
            } else {
                for (int v = 0; v < nv; v++) {
                    lua_rawgeti(L, -1, v + 1);
                    sw->values[k][v] = lua_tonumber(L, -1);
                    lua_pop(L, 1);
                }
                sw->n_values[k] = nv;
            }
            lua_pop(L, 3);
            if (s == ROI_OK && (sw->node[k] < 0 || sw->node[k] >= m->graph.n))
                s = roi_error_set(c->err, ROI_ERR_INTERNAL, path, "input node out of range");
        }
        lua_pop(L, 4); /* values, nodes, inputs, sweep */
    }
    lua_pop(L, 1);

    lua_getfield(L, r, "correlations"); /* +1 */
    list = lua_gettop(L);
    n = (int)lua_rawlen(L, list);
    m->correlations = calloc(n ? (size_t)n : 1, sizeof *m->correlations);
    if (!m->correlations && s == ROI_OK)
        s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1); /* +1 pair */
        int t = lua_gettop(L);
        roi_correlation *cr = &m->correlations[i];
        m->n_correlations = i + 1;
        cr->a = dupstr(str_field(c, t, "a"));
        cr->b = dupstr(str_field(c, t, "b"));
        cr->rank = num_field(c, t, "rank", 0);
        if (!cr->a || !cr->b)
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (s == ROI_OK)
        s = roi_sampling_check(m, c->err);
    return s;
}

/* Views and stresses (analysis.h): copied as written; each view's condition is parsed
 * once here so a mistake fails at load time with the declaration's location. */
static roi_status build_analysis(conv *c, int r)
{
    lua_State *L = c->L;
    roi_model *m = c->m;
    roi_status s = ROI_OK;
    lua_getfield(L, r, "views"); /* +1 */
    int list = lua_gettop(L);
    int n = lua_istable(L, list) ? (int)lua_rawlen(L, list) : 0;
    m->views = calloc((size_t)n + 1, sizeof *m->views);
    if (!m->views)
        s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1); /* +1 */
        int t = lua_gettop(L);
        roi_view *v = &m->views[i];
        m->n_views = i + 1;
        v->name = dupstr(str_field(c, t, "name"));
        v->where = dupstr(str_field(c, t, "where"));
        lua_pop(L, 1); /* -1 */
        if (!v->name || !v->where) {
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
            break;
        }
        char path[300];
        snprintf(path, sizeof path, "%s.where", v->name);
        roi_cond *cond = NULL;
        s = roi_cond_parse(v->where, m, path, &cond, c->err);
        roi_cond_free(cond);
        if (s != ROI_OK)
            s = c->err->status = ROI_ERR_PARAM;
    }
    lua_pop(L, 1); /* -1: views */
    if (s != ROI_OK)
        return s;
    lua_getfield(L, r, "stresses"); /* +1 */
    list = lua_gettop(L);
    n = lua_istable(L, list) ? (int)lua_rawlen(L, list) : 0;
    m->stresses = calloc((size_t)n + 1, sizeof *m->stresses);
    if (!m->stresses)
        s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    for (int i = 0; i < n && s == ROI_OK; i++) {
        lua_rawgeti(L, list, i + 1); /* +1 */
        int t = lua_gettop(L);
        roi_stress *st = &m->stresses[i];
        m->n_stresses = i + 1;
        st->name = dupstr(str_field(c, t, "name"));
        st->input = dupstr(str_field(c, t, "input"));
        st->low = num_field(c, t, "low", NAN);
        st->high = num_field(c, t, "high", NAN);
        lua_pop(L, 1); /* -1 */
        if (!st->name || !st->input) {
            s = roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
            break;
        }
        char path[300];
        snprintf(path, sizeof path, "%s.input", st->name);
        if (roi_graph_find_input(&m->graph, st->input) < 0) {
            s = roi_error_set(c->err, ROI_ERR_PARAM, path, "'%s' is not an uncertain input",
                              st->input);
        } else if (!(st->low >= 0.0 && st->high <= 1.0 && st->low < st->high)) {
            snprintf(path, sizeof path, "%s", st->name);
            s = roi_error_set(c->err, ROI_ERR_PARAM, path,
                              "the band must satisfy 0 <= low < high <= 1 (percentile levels), "
                              "got low = %g, high = %g", st->low, st->high);
        }
    }
    lua_pop(L, 1); /* -1: stresses */
    return s;
}

/* Converts the resolved table at index r into c->m, then validates it. */
static roi_status convert(conv *c, int r)
{
    roi_model *m = c->m;
    m->name = dupstr(str_field(c, r, "name"));
    m->title = dupstr(str_field(c, r, "title"));
    m->file = dupstr(str_field(c, r, "file"));
    if (!m->name || !m->title || !m->file)
        return roi_error_set(c->err, ROI_ERR_NOMEM, "", "out of memory");
    roi_status s = build_nodes(c, r);
    if (s != ROI_OK)
        return s;
    s = build_horizon(c, r);
    if (s == ROI_OK)
        s = build_versions(c, r);
    if (s == ROI_OK)
        s = build_surfaces(c, r);
    if (s == ROI_OK)
        s = build_spend(c, r);
    if (s == ROI_OK)
        s = build_streams(c, r);
    if (s == ROI_OK)
        s = build_milestones(c, r);
    if (s == ROI_OK)
        s = build_analyses(c, r);
    if (s == ROI_OK)
        s = build_analysis(c, r);
    if (s == ROI_OK)
        s = roi_model_validate(m, c->err);
    if (s != ROI_OK)
        add_location(c, NULL);
    return s;
}

/* ==== public API ================================================================================ */

static void stem_of(const char *file, char *out, size_t size)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    snprintf(out, size, "%s", base);
    char *dot = strrchr(out, '.');
    if (dot && strcmp(dot, ".lua") == 0)
        *dot = '\0';
}

roi_status roi_scenario_load(const char *file, const roi_scenario_opts *opts, roi_model **out,
                             roi_error *err)
{
    *out = NULL;
    roi_status s = ROI_OK;
    budget b = {.limit = opts && opts->memory_limit ? opts->memory_limit
                                                    : ROI_SCENARIO_MEMORY_LIMIT,
                .time_limit = opts && opts->time_limit > 0 ? opts->time_limit
                                                           : ROI_SCENARIO_TIME_LIMIT,
                .file = file};
    atomic_init(&b.expired, 0);
    roi_model *m = NULL;
    watchdog w;
    memset(&w, 0, sizeof w);
    lua_State *L = lua_newstate(budget_alloc, &b);
    if (!L)
        return roi_error_set(err, ROI_ERR_NOMEM, "", "cannot create a Lua state");
    if (access(file, R_OK) != 0) {
        s = roi_error_set(err, ROI_ERR_IO, "", "cannot open scenario '%s': %s", file,
                          strerror(errno));
        goto done;
    }
    char name[256];
    stem_of(file, name, sizeof name);
    load_args args = {file, name, opts};
    lua_pushcfunction(L, msghandler);
    lua_pushcfunction(L, pload);
    lua_pushlightuserdata(L, &args);
    if (!watchdog_start(&w, L, &b, b.time_limit)) {
        s = roi_error_set(err, ROI_ERR_NOMEM, "", "cannot start the scenario time limit");
        goto done;
    }
    int status = lua_pcall(L, 1, 1, 1);
    watchdog_stop(&w);
    lua_sethook(L, NULL, 0, 0);
    if (status == LUA_ERRMEM || (status != LUA_OK && b.out_of_memory)) {
        /* Memory errors bypass the message handler, so there is no line to show. */
        s = roi_error_set(err, ROI_ERR_SCENARIO, "",
                          "%s: the scenario needs more than %zu MB of memory while loading "
                          "(a string or table that grows without end?); raise the limit "
                          "with --lua-memory MB",
                          file, b.limit >> 20);
        goto done;
    }
    if (status != LUA_OK && atomic_load(&b.expired) && !strstr(lua_tostring(L, -1) ? lua_tostring(L, -1) : "", "did not finish loading")) {
        s = roi_error_set(err, ROI_ERR_SCENARIO, "",
                          "%s: the scenario did not finish loading within %g s (a loop that "
                          "never ends?); raise the limit with --time-limit SECONDS",
                          file, b.time_limit);
        goto done;
    }
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        s = roi_error_set(err, ROI_ERR_SCENARIO, "", "%s", msg ? msg : "unknown Lua error");
        goto done;
    }
    m = roi_model_new();
    if (!m) {
        s = roi_error_set(err, ROI_ERR_NOMEM, "", "out of memory");
        goto done;
    }
    int r = lua_gettop(L);
    lua_getfield(L, r, "locs");
    conv c = {L, m, err, lua_gettop(L)};
    s = convert(&c, r);
    if (s == ROI_OK) {
        *out = m;
        m = NULL;
    }
done:
    watchdog_stop(&w);
    roi_model_free(m);
    lua_close(L);
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

roi_status roi_scenario_bundled(char ***files, roi_error *err)
{
    *files = NULL;
    const char *dir = roi_scenario_bundled_dir();
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/BUNDLE", dir);
    FILE *fp = fopen(path, "r");
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
