/*
 * json_number.h - numbers in the JSON reports, written so that they read back exactly.
 *
 * Responsible for: the text of a double in every JSON document roisim writes (the run
 * report, the fit report, the SIPmath library): the shortest of %.15g, %.16g and
 * %.17g that strtod reads back as the same double, so a reader gets bit-identical
 * values; null for NaN and infinities, which JSON cannot hold. cJSON 1.7.15 prints 15
 * digits and falls back to 17 only when an approximate comparison fails, so about
 * 13% of random doubles would come back one unit in the last place off.
 * Not responsible for integers that may exceed 2^53 (seeds, counts: printed with
 * PRIu64 by the caller).
 */
#ifndef ROI_JSON_NUMBER_H
#define ROI_JSON_NUMBER_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Writes v into buf (at least ROI_JSON_NUMBER_SIZE bytes): the shortest round-trip
 * text, "0" for both zeros (JSON readers make -0 an integer 0), "null" when v is not
 * finite. Returns buf. */
#define ROI_JSON_NUMBER_SIZE 32
const char *roi_json_number_text(double v, char *buf, size_t size);

/* A new cJSON item for v: a raw number as roi_json_number_text writes it, or null.
 * Caller owns it (cJSON_Delete, or adding it to a parent); NULL when out of memory. */
cJSON *roi_json_number(double v);

#endif
