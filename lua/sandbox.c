/*
 * sandbox.c - the Lua state a scenario loads in (see sandbox.h).
 *
 * Sections: the allocator with a budget and the load deadline (a watchdog thread
 * that arms a count hook), the host functions given to the library, and running a
 * protected body under one message handler.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "sandbox.h"

#include <errno.h>
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
#include <lualib.h>

#include "roi_embedded.h"
#include "scenario.h"
#include "suggest.h"

#define SCENARIO_MAX_BYTES (4u << 20) /* a scenario file larger than this is refused */

/* ==== allocator with a budget, and the load deadline ====================================== */

/* A scenario's Lua state and what bounds it. Also the allocator's userdata, so any C
 * function holding the lua_State reaches it with lua_getallocf (the watchdog flags an
 * expired deadline here). */
struct roi_sandbox {
    lua_State *L;
    size_t used, limit;    /* bytes of Lua memory held, and the budget */
    atomic_int expired;    /* set by the watchdog once the time limit has passed */
    int out_of_memory;     /* a memory error was caught and raised again */
    char timeout_msg[512]; /* the first timeout message, raised again on every hook */
    double time_limit;     /* seconds, for messages */
    const char *file;      /* the top scenario file, for messages (borrowed) */
    char **sources;        /* the files host.read read, in order (owned) */
    int n_sources;
};

static void *budget_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    roi_sandbox *b = ud;
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

static roi_sandbox *sandbox_of(lua_State *L)
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
    roi_sandbox *b = sandbox_of(L);
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
    roi_sandbox *b;
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
static int watchdog_start(watchdog *w, lua_State *L, roi_sandbox *b, double seconds)
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
    /* recorded before the push, which may raise: the load then fails anyway */
    roi_sandbox *b = sandbox_of(L);
    char **grown = realloc(b->sources, (size_t)(b->n_sources + 1) * sizeof *grown);
    char *copy = grown ? malloc(strlen(path) + 1) : NULL;
    if (grown)
        b->sources = grown;
    if (!copy) {
        free(text);
        lua_pushnil(L);
        lua_pushfstring(L, "cannot read scenario '%s': out of memory", path);
        return 2;
    }
    memcpy(copy, path, strlen(path) + 1);
    b->sources[b->n_sources++] = copy;
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
    roi_sandbox *b = sandbox_of(L);
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

/* host.suggest(word, names) -> the name nearest word, or nil (engine/suggest.h: the
 * one "did you mean"). Names that are not strings are skipped. */
static int host_suggest(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TSTRING || !lua_istable(L, 2)) {
        lua_pushnil(L);
        return 1;
    }
    size_t n = lua_rawlen(L, 2);
    const char **names = malloc((n ? n : 1) * sizeof *names);
    if (!names)
        return luaL_error(L, "out of memory");
    size_t k = 0;
    for (size_t i = 1; i <= n; i++) {
        if (lua_rawgeti(L, 2, (lua_Integer)i) == LUA_TSTRING) /* +1; the table keeps it */
            names[k++] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    const char *best = roi_suggest(lua_tostring(L, 1), names, k);
    if (best)
        lua_pushstring(L, best);
    else
        lua_pushnil(L);
    free(names);
    return 1;
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

/* ==== the sandbox's life ====================================================================== */

roi_sandbox *roi_sandbox_new(const char *file, size_t memory_limit, double time_limit)
{
    roi_sandbox *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->limit = memory_limit;
    b->time_limit = time_limit;
    b->file = file;
    atomic_init(&b->expired, 0);
    b->L = lua_newstate(budget_alloc, b);
    if (!b->L) {
        free(b);
        return NULL;
    }
    return b;
}

lua_State *roi_sandbox_state(roi_sandbox *sb)
{
    return sb->L;
}

void roi_sandbox_free(roi_sandbox *sb)
{
    if (!sb)
        return;
    lua_close(sb->L);
    for (int i = 0; i < sb->n_sources; i++)
        free(sb->sources[i]);
    free(sb->sources);
    free(sb);
}

char **roi_sandbox_take_sources(roi_sandbox *sb, int *n)
{
    char **sources = sb->sources;
    *n = sb->n_sources;
    sb->sources = NULL;
    sb->n_sources = 0;
    return sources;
}

void roi_sandbox_push_library(lua_State *L)
{
    open_libs(L);
    const roi_embedded *lib = embedded("roisim");
    if (!lib)
        luaL_error(L, "roisim: the scenario library is missing from the binary");
    if (luaL_loadbufferx(L, lib->text, lib->size, "=[roisim]", "t") != LUA_OK)
        lua_error(L);
}

void roi_sandbox_push_host(lua_State *L)
{
    static const luaL_Reg host[] = {{"read", host_read},       {"resolve", host_resolve},
                                    {"suggest", host_suggest}, {"print", host_print},
                                    {"pcall", host_pcall},     {"xpcall", host_xpcall},
                                    {NULL, NULL}};
    luaL_newlib(L, host); /* +1 */
}

roi_status roi_sandbox_run(roi_sandbox *sb, lua_CFunction body, void *arg, roi_error *err)
{
    lua_State *L = sb->L;
    watchdog w;
    const int handler = lua_gettop(L) + 1;
    lua_pushcfunction(L, msghandler); /* +1 */
    lua_pushcfunction(L, body);       /* +1 */
    lua_pushlightuserdata(L, arg);    /* +1 */
    if (!watchdog_start(&w, L, sb, sb->time_limit)) {
        lua_pop(L, 3);
        return roi_error_set(err, ROI_ERR_NOMEM, "", "cannot start the scenario time limit");
    }
    int status = lua_pcall(L, 1, 1, handler); /* -2, +1: the result or the error */
    watchdog_stop(&w);
    lua_sethook(L, NULL, 0, 0);
    lua_remove(L, handler); /* -1: the message handler */
    if (status == LUA_ERRMEM || (status != LUA_OK && sb->out_of_memory)) {
        /* Memory errors bypass the message handler, so there is no line to show. */
        return roi_error_set(err, ROI_ERR_SCENARIO, "",
                             "%s: the scenario needs more than %zu MB of memory while loading "
                             "(a string or table that grows without end?); raise the limit "
                             "with --lua-memory MB",
                             sb->file, sb->limit >> 20);
    }
    const char *msg = status != LUA_OK ? lua_tostring(L, -1) : NULL;
    if (status != LUA_OK && atomic_load(&sb->expired) &&
        !strstr(msg ? msg : "", "did not finish loading")) {
        return roi_error_set(err, ROI_ERR_SCENARIO, "",
                             "%s: the scenario did not finish loading within %g s (a loop "
                             "that never ends?); raise the limit with --time-limit SECONDS",
                             sb->file, sb->time_limit);
    }
    if (status != LUA_OK)
        return roi_error_set(err, ROI_ERR_SCENARIO, "", "%s", msg ? msg : "unknown Lua error");
    return ROI_OK;
}
