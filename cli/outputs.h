/*
 * outputs.h - the files a run will write, checked before the run starts.
 *
 * Responsible for: refusing (exit 2) an output that is the same file as an input or
 * as another output, and one that roisim never writes (a directory, a block device, a
 * socket, a symbolic link to a file; reports/atomic.h), before any time is spent.
 * Not responsible for writing: atomic.c checks the target again when it opens it.
 */
#ifndef ROI_CLI_OUTPUTS_H
#define ROI_CLI_OUTPUTS_H

#include "roi_error.h"

/* One report a run writes. */
typedef struct roi_cli_output {
    const char *option; /* the option that named it ("--json"), for messages */
    const char *path;   /* as given; "-" is standard output; NULL: not asked for */
} roi_cli_output;

/*
 * Checks every output against every input and every other output, by device and
 * inode after following links ("x.lua", "./x.lua", a hard link and a symbolic link to
 * it are one file; a name that does not exist yet is identified by its folder's
 * device and inode and its last component). inputs: every file the run reads (the
 * scenarios named or bundled, and the parents they extend); an input that cannot be
 * found is skipped (loading reports it). Character devices and FIFOs are streams and
 * may be named more than once (--json /dev/null --trials-csv /dev/null); a character
 * device may also be an input (a terminal). Returns ROI_OK; ROI_ERR_USAGE naming the
 * option, the path and the input or other option; or the ROI_ERR_IO of a folder that
 * cannot be used. Borrows everything.
 */
roi_status roi_cli_outputs_check(const char *const *inputs, int n_inputs,
                                 const roi_cli_output *outputs, int n_outputs, roi_error *err);

#endif
