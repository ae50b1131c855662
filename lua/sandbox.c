/*
 * sandbox.c - the Lua state a scenario loads in (see sandbox.h).
 *
 * Sections: the allocator with a budget and the load deadline (a watchdog thread
 * that arms a count hook), the host functions given to the library, and running a
 * protected body under one message handler.
 */
#define _XOPEN_SOURCE 700 /* realpath, O_CLOEXEC, O_NOFOLLOW */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "roi_embedded.h"
#include "scenario.h"
#include "suggest.h"

#define SCENARIO_MAX_BYTES (4u << 20) /* a scenario file larger than this is refused */
#define PRINT_MAX_BYTES (64u << 10)   /* what print() may write to standard error in all */
#define HARD_STOP_GRACE 1.0           /* seconds past the deadline before the hard stop */

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
    const char *const *roots; /* the scenario path, searched by extends (borrowed) */
    int n_roots;
    size_t printed;        /* bytes print() wrote so far */
    int started;           /* the deadline below is set (by the first run) */
    struct timespec deadline; /* CLOCK_MONOTONIC: one deadline for the whole load */
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

/* The innermost scenario line on the stack ("file", *line), or NULL. Looks at the
 * innermost 200 frames only: lua_getstack walks from the top, so a search through a
 * stack that overflowed (a million frames) would be quadratic. */
static const char *scenario_frame(lua_State *L, int *line)
{
    lua_Debug ar;
    for (int level = 1; level <= 200 && lua_getstack(L, level, &ar); level++)
        if (lua_getinfo(L, "Sl", &ar) && ar.source[0] == '@' && ar.currentline > 0) {
            *line = ar.currentline;
            return ar.source + 1;
        }
    return NULL;
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
        } else {
            int at = 0;
            const char *file = scenario_frame(L, &at); /* inside the library: its caller */
            if (file) {
                where = file;
                line = at;
            }
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
    struct timespec stop;     /* the hard stop: the deadline plus HARD_STOP_GRACE */
    void *stack;              /* our own small stack: glibc then caches nothing that
                                 OpenMP's never-joined workers could inherit */
    lua_State *L;
    roi_sandbox *b;
} watchdog;

/* The name of the scenario for the hard stop's message: printable ASCII, others '?'. */
static size_t safe_name(const char *file, char *out, size_t size)
{
    size_t n = 0;
    for (const char *p = file ? file : "?"; *p && n + 1 < size; p++)
        out[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
    out[n] = '\0';
    return n;
}

/* The load outlived its deadline by HARD_STOP_GRACE: the running thread is inside one
 * C call (a library function, the conversion) that the hook cannot interrupt. Ends the
 * process from here with the time limit's message. Only async-signal-safe calls: the
 * main thread may hold any lock. No report file exists yet while scenarios load. */
static void hard_stop(const roi_sandbox *b)
{
    char name[256], msg[768];
    safe_name(b->file, name, sizeof name);
    int n = snprintf(msg, sizeof msg,
                     "roisim: %s: the scenario did not finish loading within %g s (it was "
                     "inside one long call that cannot be interrupted, and roisim stopped "
                     "it); raise the limit with --time-limit SECONDS\n",
                     name, b->time_limit);
    if (n > 0 && write(STDERR_FILENO, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1))
        n = 0;
    _exit(1);
}

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
        rc = 0;
        while (!w->done && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&w->cv, &w->mu, &w->stop);
        if (!w->done)
            hard_stop(w->b);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* t + seconds. */
static struct timespec after(struct timespec t, double seconds)
{
    double whole = floor(seconds);
    t.tv_sec += (time_t)whole;
    t.tv_nsec += (long)((seconds - whole) * 1e9);
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* Starts the watchdog for the load's deadline (the first call sets it `seconds` from
 * now; <= 0: none). Returns 0 when it could not start. */
static int watchdog_start(watchdog *w, lua_State *L, roi_sandbox *b, double seconds)
{
    memset(w, 0, sizeof *w);
    if (!(seconds > 0))
        return 1;
    if (!b->started) {
        clock_gettime(CLOCK_MONOTONIC, &b->deadline);
        b->deadline = after(b->deadline, seconds);
        b->started = 1;
    }
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
    w->deadline = b->deadline;
    w->stop = after(b->deadline, HARD_STOP_GRACE);
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

/* What kind of file st is, for messages. */
static const char *file_kind(const struct stat *st)
{
    if (S_ISDIR(st->st_mode))
        return "a directory";
    if (S_ISFIFO(st->st_mode))
        return "a FIFO";
    if (S_ISCHR(st->st_mode))
        return "a character device";
    if (S_ISBLK(st->st_mode))
        return "a block device";
    if (S_ISSOCK(st->st_mode))
        return "a socket";
    return "not a regular file";
}

/* Where the open file fd really is: /proc/self/fd names the file itself, whatever
 * happened to the name it was opened by. Else the real path of `path`, checked to be
 * fd's file (same device and inode, the last component not a link: lstat, so that a
 * link swapped in after realpath is not followed). 0 with a message in why. */
static int opened_path(int fd, const char *path, const struct stat *opened, char *out,
                       size_t size, char *why, size_t whysize)
{
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    ssize_t k = readlink(proc, out, size - 1);
    if (k > 0 && out[0] == '/') {
        out[k] = '\0';
        return 1;
    }
    struct stat now;
    if (!realpath(path, out) || lstat(out, &now) != 0) {
        snprintf(why, whysize, "cannot resolve '%s': %s", path, strerror(errno));
        return 0;
    }
    if (!S_ISREG(now.st_mode) || now.st_dev != opened->st_dev || now.st_ino != opened->st_ino) {
        snprintf(why, whysize, "'%s' was replaced while it was being opened; try again", path);
        return 0;
    }
    return 1;
}

/* Nonzero when the file open as fd (opened from `path`, its status `opened`) lies inside
 * the real directory `dir`: the file read is the one checked, even if a name on the way
 * was swapped in between. Else a message in why. */
static int opened_inside(int fd, const char *path, const char *dir, const struct stat *opened,
                         char *why, size_t whysize)
{
    char real_dir[PATH_MAX], real_path[PATH_MAX];
    if (!realpath(dir, real_dir)) {
        snprintf(why, whysize, "cannot resolve '%s': %s", dir, strerror(errno));
        return 0;
    }
    if (!opened_path(fd, path, opened, real_path, sizeof real_path, why, whysize))
        return 0;
    size_t n = strlen(real_dir);
    int inside = strncmp(real_path, real_dir, n) == 0 &&
                 (real_path[n] == '/' || (n > 0 && real_dir[n - 1] == '/'));
    if (!inside) {
        snprintf(why, whysize,
                 "'%s' leads to '%s', outside the folder '%s' (a symbolic link?); a scenario "
                 "may only extend files in its own folder, the scenario path or the bundled "
                 "ones",
                 path, real_path, real_dir);
        return 0;
    }
    return 1;
}

/* Reads the scenario file `path` whole: opened once, without waiting (a FIFO or a
 * device never blocks the load) and refused unless it is a regular file; with `dir`,
 * it must also lie inside that folder (opened_inside). *id gets "device:inode", what
 * the file is whatever its name. Caller frees the text; NULL with a message in why. */
static char *read_text(const char *path, const char *dir, size_t *len, char id[64],
                       char *why, size_t whysize)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whysize, "cannot open scenario '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) != 0) {
        snprintf(why, whysize, "cannot read scenario '%s': %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, whysize, "scenario '%s' is %s; scenarios are regular files", path,
                 file_kind(&st));
        goto fail;
    }
    if (dir && !opened_inside(fd, path, dir, &st, why, whysize))
        goto fail;
    if (st.st_size > (off_t)SCENARIO_MAX_BYTES) {
        snprintf(why, whysize, "scenario '%s' is larger than %u bytes", path,
                 SCENARIO_MAX_BYTES);
        goto fail;
    }
    buf = malloc(SCENARIO_MAX_BYTES + 1);
    size_t n = 0;
    while (buf && n <= SCENARIO_MAX_BYTES) {
        ssize_t got = read(fd, buf + n, SCENARIO_MAX_BYTES + 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(why, whysize, "cannot read scenario '%s': %s", path, strerror(errno));
            goto fail;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (!buf) {
        snprintf(why, whysize, "cannot read scenario '%s': out of memory", path);
        goto fail;
    }
    if (n > SCENARIO_MAX_BYTES) {
        snprintf(why, whysize, "scenario '%s' is larger than %u bytes", path,
                 SCENARIO_MAX_BYTES);
        goto fail;
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    snprintf(id, 64, "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
    return buf;
fail:
    free(buf);
    close(fd);
    return NULL;
}

/* host.read(path [, dir]) -> text, id | nil, message. With dir (a parent named in
 * extends), the file opened must lie inside that folder. id is the same for every
 * name of one file (so a circle through "./x" is seen). */
static int host_read(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    const char *dir = luaL_optstring(L, 2, NULL);
    char why[3 * PATH_MAX + 256], id[64];
    size_t len = 0;
    char *text = read_text(path, dir, &len, id, why, sizeof why);
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
    lua_pushstring(L, id);
    return 2;
}

static int file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* Length of the valid UTF-8 sequence at p (of at most n bytes) that encodes a
 * character other than a C1 control (U+0080..U+009F), or 0. */
static size_t utf8_printable(const unsigned char *p, size_t n)
{
    size_t len = p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || len > n || p[0] > 0xF4)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((len == 2 && p[0] == 0xC2 && p[1] < 0xA0) || (len == 3 && p[0] == 0xE0 && p[1] < 0xA0) ||
        (len == 3 && p[0] == 0xED && p[1] >= 0xA0) || (len == 4 && p[0] == 0xF0 && p[1] < 0x90) ||
        (len == 4 && p[0] == 0xF4 && p[1] >= 0x90))
        return 0; /* C1 controls, overlong forms, surrogates, above U+10FFFF */
    return len;
}

/* Writes text to fp as a terminal shows it harmlessly: printable ASCII, tab, line
 * feed and valid UTF-8 as they are; every other byte (escape sequences, carriage
 * returns, C1 controls, ill-formed UTF-8) as \xNN. Returns the bytes written. */
static size_t write_safe(FILE *fp, const char *text, size_t len)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t out = 0;
    for (size_t i = 0; i < len;) {
        size_t u = p[i] >= 0x80 ? utf8_printable(p + i, len - i) : 0;
        if (u > 0) {
            fwrite(p + i, 1, u, fp);
            out += u;
            i += u;
        } else if ((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\t' || p[i] == '\n') {
            fputc(p[i++], fp);
            out++;
        } else {
            fprintf(fp, "\\x%02x", p[i++]);
            out += 4;
        }
    }
    return out;
}

/* host.print(text): print() of a scenario goes to standard error, so that it can
 * never mix into a report written to standard output; control characters are
 * escaped (a scenario cannot drive the terminal), and all prints of a load together
 * write at most PRINT_MAX_BYTES, then one line says the rest was dropped. */
static int host_print(lua_State *L)
{
    size_t len = 0;
    const char *text = luaL_checklstring(L, 1, &len);
    roi_sandbox *b = sandbox_of(L);
    if (b->printed >= PRINT_MAX_BYTES)
        return 0;
    size_t room = PRINT_MAX_BYTES - b->printed;
    size_t n = len < room ? len : room;
    b->printed += write_safe(stderr, text, n);
    if (n < len) {
        fprintf(stderr, "\n%s: print wrote %u bytes; the rest of the scenario's output is "
                "left out", b->file, PRINT_MAX_BYTES);
        b->printed = PRINT_MAX_BYTES;
    }
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

/* Pushes path and folder and returns 1 when scenario name+ext is in dir (which ends in
 * '/', or is "" for the current folder); else returns 0, pushing nothing. */
static int found_in(lua_State *L, const char *dir, const char *name, const char *ext)
{
    char path[2 * PATH_MAX + 8];
    snprintf(path, sizeof path, "%s%s%s", dir, name, ext);
    if (!file_exists(path))
        return 0;
    lua_pushstring(L, path);
    lua_pushstring(L, dir[0] ? dir : ".");
    return 1;
}

/* host.resolve(from, name) -> path, folder | nil, message: a parent scenario named in
 * `extends`, looked up beside `from`, then in each root of the scenario path in order
 * (roi_sandbox_set_roots), then among the bundled scenarios: the first folder that has
 * it wins. host.read checks, on the file it opens, that it lies inside that folder. */
static int host_resolve(lua_State *L)
{
    const char *from = luaL_checkstring(L, 1);
    const char *name = luaL_checkstring(L, 2);
    size_t n = strlen(name);
    int bad = n == 0 || name[0] == '/' || strstr(name, "..") != NULL;
    if (bad) {
        lua_pushnil(L);
        lua_pushfstring(L,
                        "extends = '%s': name a scenario in the same folder, the scenario "
                        "path or the bundled ones (no absolute paths, no '..')",
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
    if (found_in(L, dir, name, ext))
        return 2;
    roi_sandbox *b = sandbox_of(L);
    char root[PATH_MAX + 2];
    for (int i = 0; i < b->n_roots; i++) {
        size_t len = strlen(b->roots[i]);
        snprintf(root, sizeof root, "%s%s", b->roots[i],
                 len > 0 && b->roots[i][len - 1] == '/' ? "" : "/");
        if (found_in(L, root, name, ext))
            return 2;
    }
    char bundled[PATH_MAX + 2];
    snprintf(bundled, sizeof bundled, "%s/", roi_scenario_bundled_dir());
    if (found_in(L, bundled, name, ext))
        return 2;
    luaL_Buffer msg;
    lua_pushnil(L);
    luaL_buffinit(L, &msg);
    lua_pushfstring(L, "extends = '%s': no scenario '%s%s' in the folders searched: '%s' (beside "
                       "'%s')", name, name, ext, dir[0] ? dir : ".", from);
    luaL_addvalue(&msg);
    for (int i = 0; i < b->n_roots; i++) {
        lua_pushfstring(L, ", '%s' (scenario path)", b->roots[i]);
        luaL_addvalue(&msg);
    }
    lua_pushfstring(L, ", '%s' (bundled)", bundled);
    luaL_addvalue(&msg);
    luaL_pushresult(&msg);
    return 2;
}

/* host.suggest(word, names) -> the name nearest word, or nil (engine/suggest.h: the
 * one "did you mean"). Names that are not strings are skipped. */
static int host_suggest(lua_State *L)
{
    /* A name longer than any a scenario could mean gets no suggestion: the edit
     * distance costs its length times each candidate's (a 1 MB unknown name once
     * outlasted the time limit here, in C). */
    if (lua_type(L, 1) != LUA_TSTRING || !lua_istable(L, 2) || lua_rawlen(L, 1) > 256) {
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
 * values are described. An error raised inside the scenario library itself (a stack
 * overflow in a value nested too deeply, a comparison table.sort made) is blamed on
 * the scenario's line, or its file, instead of "[roisim]:96:". ROISIM_TRACEBACK=1
 * appends a traceback (for developers). */
static int msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    static const char lib[] = "[roisim]:";
    if (msg && strncmp(msg, lib, sizeof lib - 1) == 0) {
        const char *rest = msg + sizeof lib - 1;
        while (*rest >= '0' && *rest <= '9')
            rest++;
        rest += *rest == ':';
        int line = 0;
        const char *file = scenario_frame(L, &line);
        const char *hint = strstr(rest, "stack overflow")
                               ? " (an uncertain value nested too deeply?)"
                               : "";
        if (file)
            msg = lua_pushfstring(L, "%s:%d:%s%s", file, line, rest, hint);
        else
            msg = lua_pushfstring(L, "%s:%s%s", sandbox_of(L)->file, rest, hint);
    }
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        /* error() with a table or nil: blame the scenario line that raised it. */
        int line = 0;
        const char *where = scenario_frame(L, &line);
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

void roi_sandbox_set_roots(roi_sandbox *sb, const char *const *roots, int n)
{
    sb->roots = roots;
    sb->n_roots = roots ? n : 0;
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
