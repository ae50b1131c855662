/* outputs.c - no report may overwrite an input, another report, or a special file. */
#include "outputs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"

/* What an output path is, for comparing: an existing file (after following links), or
 * a name still to be created in a folder. */
typedef struct ident {
    enum { ID_UNKNOWN, ID_FILE, ID_NEW } kind;
    dev_t dev;        /* of the file, or of the folder of a new name */
    ino_t ino;
    mode_t mode;      /* ID_FILE: its type */
    const char *base; /* ID_NEW: the last component (into the path) */
} ident;

static ident identify(const char *path)
{
    ident id = {.kind = ID_UNKNOWN};
    struct stat st;
    if (!strcmp(path, "-")) {
        if (fstat(STDOUT_FILENO, &st) == 0)
            id = (ident){.kind = ID_FILE, .dev = st.st_dev, .ino = st.st_ino, .mode = st.st_mode};
        return id;
    }
    if (stat(path, &st) == 0)
        return (ident){.kind = ID_FILE, .dev = st.st_dev, .ino = st.st_ino, .mode = st.st_mode};
    if (errno != ENOENT)
        return id;
    const char *slash = strrchr(path, '/');
    char *dir = !slash ? strdup(".") : slash == path ? strdup("/")
                                                     : strndup(path, (size_t)(slash - path));
    if (dir && stat(dir, &st) == 0)
        id = (ident){.kind = ID_NEW, .dev = st.st_dev, .ino = st.st_ino,
                     .base = slash ? slash + 1 : path};
    free(dir);
    return id;
}

static int is_stream(const ident *id)
{
    return id->kind == ID_FILE && (S_ISCHR(id->mode) || S_ISFIFO(id->mode));
}

static int same(const ident *a, const ident *b)
{
    return a->kind != ID_UNKNOWN && a->kind == b->kind && a->dev == b->dev &&
           a->ino == b->ino && (a->kind == ID_FILE || !strcmp(a->base, b->base));
}

static const char *shown(const char *path)
{
    return strcmp(path, "-") ? path : "- (standard output)";
}

roi_status roi_cli_outputs_check(const char *const *inputs, int n_inputs,
                                 const roi_cli_output *outputs, int n_outputs, roi_error *err)
{
    for (int i = 0; i < n_outputs; i++) {
        const roi_cli_output *o = &outputs[i];
        if (!o->path)
            continue;
        ident id = identify(o->path);
        /* Never over an input: a scenario given, bundled or extended. A terminal may
         * be both read and written. */
        for (int j = 0; j < n_inputs && id.kind == ID_FILE && !S_ISCHR(id.mode); j++) {
            struct stat in;
            if (inputs[j] && stat(inputs[j], &in) == 0 && in.st_dev == id.dev &&
                in.st_ino == id.ino)
                return roi_error_set(err, ROI_ERR_USAGE, NULL,
                                     "%s %s is the scenario file '%s': roisim never writes "
                                     "over a file it reads; give the report another name",
                                     o->option, shown(o->path), inputs[j]);
        }
        /* Never two reports into one file: one would silently replace the other. */
        for (int k = 0; k < i && !is_stream(&id); k++) {
            if (!outputs[k].path)
                continue;
            ident other = identify(outputs[k].path);
            if (same(&id, &other))
                return roi_error_set(err, ROI_ERR_USAGE, NULL,
                                     "%s %s and %s %s are the same file: give each report "
                                     "its own name", outputs[k].option, shown(outputs[k].path),
                                     o->option, shown(o->path));
        }
        /* What the path is: refused now rather than after the run (atomic.c checks it
         * again when it opens it). */
        roi_error e;
        roi_error_clear(&e);
        roi_status st = roi_atomic_check(o->path, NULL, &e);
        if (st != ROI_OK)
            return roi_error_set(err, st, NULL, "%s: %s", o->option, e.msg);
    }
    return ROI_OK;
}
