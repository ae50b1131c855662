/*
 * paths.c - finding the bundled scenarios, docs and man page from the executable.
 *
 * The install layout (ROI_INSTALL_BINDIR, _SCENARIODIR, _DOCDIR, _MANDIR) comes from
 * CMake's GNUInstallDirs, relative to the prefix; only the prefix is found at run time,
 * from the executable's own path, so `cmake --install --prefix ANY` and a moved tree
 * both work without the prefix being compiled in.
 */
#include "paths.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* dir/rel into out, or rel alone when it is absolute (an install dir set so).
 * Returns 0, with out empty, when the path does not fit. */
static int under(const char *dir, const char *rel, char *out, size_t size)
{
    int n;
    if (rel[0] == '/' || !dir[0])
        n = snprintf(out, size, "%s", rel);
    else
        n = snprintf(out, size, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", rel);
    if (n < 0 || (size_t)n >= size) {
        out[0] = '\0';
        return 0;
    }
    return 1;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A scenario directory is one with the BUNDLE file the loader reads. */
static int has_bundle(const char *dir)
{
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/BUNDLE", dir);
    return is_file(path);
}

/* The running executable, and the prefix it is installed under: its folder less a
 * trailing "/" ROI_INSTALL_BINDIR ("/opt/x/bin/roisim" -> "/opt/x"). */
static void find_prefix(roi_paths *p)
{
    ssize_t n = readlink("/proc/self/exe", p->exe, sizeof p->exe - 1);
    p->exe[n > 0 ? n : 0] = '\0';
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", p->exe);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return;
    *slash = '\0';
    const char *bindir = ROI_INSTALL_BINDIR;
    size_t len = strlen(dir), blen = strlen(bindir);
    if (bindir[0] == '/' || blen == 0 || len < blen + 1 || dir[len - blen - 1] != '/' ||
        strcmp(dir + len - blen, bindir) != 0)
        return;
    dir[len - blen - 1] = '\0';
    snprintf(p->prefix, sizeof p->prefix, "%s", dir[0] ? dir : "/");
}

void roi_paths_find(roi_paths *p)
{
    memset(p, 0, sizeof *p);
    find_prefix(p);
    char installed[PATH_MAX] = "";
    if (p->prefix[0])
        under(p->prefix, ROI_INSTALL_SCENARIODIR, installed, sizeof installed);

    const char *env = getenv("ROISIM_SCENARIOS");
    if (env && env[0]) {
        snprintf(p->scenarios, sizeof p->scenarios, "%s", env);
        p->scenarios_from = ROI_PATHS_ENV;
    } else if (installed[0] && has_bundle(installed)) {
        snprintf(p->scenarios, sizeof p->scenarios, "%s", installed);
        p->scenarios_from = ROI_PATHS_INSTALLED;
    } else if (has_bundle(ROI_SCENARIO_DIR)) {
        snprintf(p->scenarios, sizeof p->scenarios, "%s", ROI_SCENARIO_DIR);
        p->scenarios_from = ROI_PATHS_BUILD;
    } else {
        snprintf(p->scenarios, sizeof p->scenarios, "%s",
                 installed[0] ? installed : ROI_SCENARIO_DIR);
        p->scenarios_from = ROI_PATHS_MISSING;
    }

    /* The docs and the man page of the same tree: installed beside the executable,
     * else the source and build folders' own. */
    char path[PATH_MAX];
    if (p->prefix[0] && under(p->prefix, ROI_INSTALL_DOCDIR, path, sizeof path) && is_dir(path))
        snprintf(p->docs, sizeof p->docs, "%s", path);
    else if (is_dir(ROI_SOURCE_DIR "/docs"))
        snprintf(p->docs, sizeof p->docs, "%s", ROI_SOURCE_DIR "/docs");
    if (p->prefix[0] && under(p->prefix, ROI_INSTALL_MANDIR "/man1/roisim.1", path, sizeof path) &&
        is_file(path))
        snprintf(p->man, sizeof p->man, "%s", path);
    else if (is_file(ROI_BINARY_DIR "/roisim.1"))
        snprintf(p->man, sizeof p->man, "%s", ROI_BINARY_DIR "/roisim.1");
}

const char *roi_paths_how(roi_paths_source from)
{
    switch (from) {
    case ROI_PATHS_ENV:
        return "from $ROISIM_SCENARIOS";
    case ROI_PATHS_INSTALLED:
        return "installed beside the executable";
    case ROI_PATHS_BUILD:
        return "the source tree it was built from, compiled in";
    case ROI_PATHS_MISSING:
        break;
    }
    return "not found: install roisim, or set $ROISIM_SCENARIOS";
}

void roi_paths_print(FILE *fp, const roi_paths *p)
{
    fprintf(fp, "executable  %s\n", p->exe[0] ? p->exe : "(unknown: no /proc/self/exe)");
    fprintf(fp, "scenarios   %s (%s)\n", p->scenarios, roi_paths_how(p->scenarios_from));
    fprintf(fp, "docs        %s\n", p->docs[0] ? p->docs : "(not found)");
    fprintf(fp, "man page    %s\n", p->man[0] ? p->man : "(not found)");
}
