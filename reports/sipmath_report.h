/*
 * sipmath_report.h - a run as a SIPmath 3.0 library (`roisim run --sipmath FILE`).
 *
 * Responsible for: the library document (probabilitymanagement.org's SIPmath 3.0
 * JSON, libraryType "SIPmath_3_0"): every uncertain input and every scalar output of
 * every scenario run as a SIP named "<scenario>.<name>", each a metalog
 * ("Metalog_1_0") driven by its own HDR 2.0 stream in U01.rng; the provenance (roisim
 * version, seed, trials, each scenario file read with its SHA-256); numbers that read
 * back as the same double. Inputs are fitted to their exact distribution (4096
 * quantiles), outputs to the run's trial values, each by the metalog term rule
 * (metalog.h), with the bounds the quantity has: an input's support, and 0 below an
 * output that cannot be negative. Whole-number inputs (slips, events) are fitted
 * jittered by +/- 1/2 and marked `"integer": true`: rounding the SIP's values gives
 * the input back. Each SIP's metadata states its fit error (KS distance, largest
 * quantile error) and the first three trials the library generates.
 * Not responsible for reading libraries (lua/sipmath.h), or for a copula: the SIPs are
 * marginals (the run's dependence between inputs and outputs is not exported).
 */
#ifndef ROI_SIPMATH_REPORT_H
#define ROI_SIPMATH_REPORT_H

#include "report.h"

/* The HDR entity of roisim's libraries; varId is the SIP's position from 1, seed3 and
 * seed4 the run's seed (low 31 bits, the rest), so two runs' libraries differ. */
#define ROI_SIPMATH_ENTITY 1

/* Quantiles an input's metalog is fitted to. */
#define ROI_SIPMATH_INPUT_POINTS 4096

/*
 * Writes the library of res to path (a file: not standard output), through the atomic
 * batch like the other reports. Borrows everything. Errors: ROI_ERR_IO (the message
 * names the path), ROI_ERR_NOMEM. A quantity no metalog describes (a constant output,
 * fewer than 3 defined values) is left out and named under the library's
 * "notExported" list with the reason.
 */
roi_status roi_report_sipmath_write(const roi_results *res, const roi_report_meta *meta,
                                    const char *path, roi_error *err);

#endif
