/*
 * convert.h - the resolved description of a scenario into an engine model (internal
 * to lua/).
 *
 * Responsible for: handing the parameter table to the scenario library, and reading
 * the table roisim.lua's M.load returns (its shape is
 * documented in docs/architecture.md, "Parameters: one table") into a roi_model, and
 * validating the result, with messages "file:line: path: ...". Not responsible for
 * running scenario code (sandbox.h) or for the scenario language (roisim.lua).
 */
#ifndef ROI_CONVERT_H
#define ROI_CONVERT_H

#include <lua.h>

#include "model.h"
#include "roi_error.h"

/*
 * Pushes the parameter table (model_params.h) as the scenario library receives it: a
 * list of declaration kinds in table order, each { kind =, style = "section" |
 * "object" | "question", required =, kinds = { names } (kinded only), rows = { {
 * name =, type = (roi_param_type_name), need = "required" | "optional" | "default",
 * kinds = { [kind] = true } or nil (every kind), required_in = { [kind] = true } or
 * nil, values = { names } (enum), rule =, low =, high = (whole numbers), doc = }, ...
 * } }. +1
 */
void roi_convert_push_schema(lua_State *L);

/*
 * Converts the resolved table at stack index `resolved` into m (a new, empty model
 * the caller owns and frees), then validates m. Leaves the stack as it found it.
 * Errors: ROI_ERR_PARAM with "file:line: path: must be ..., got ..." (the location of
 * the longest prefix of the path the table records), ROI_ERR_NOMEM.
 */
roi_status roi_convert_model(lua_State *L, int resolved, roi_model *m, roi_error *err);

#endif
