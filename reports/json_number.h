/*
 * json_number.h - numbers in the JSON reports, written so that they read back exactly.
 *
 * Responsible for: the text of a double in every JSON document roisim writes (the run
 * report, the fit report, the SIPmath library): the shortest of %.15g, %.16g and
 * %.17g that strtod reads back as the same double, so a reader gets bit-identical
 * values; null for NaN and infinities, which JSON cannot hold. cJSON 1.7.15 prints 15
 * digits and falls back to 17 only when an approximate comparison fails, so about
 * 13% of random doubles would come back one unit in the last place off.
 * Also the four adders every JSON writer uses, so that a number, a string, an exact
 * integer or an item reaches an object the same way in every document.
 */
#ifndef ROI_JSON_NUMBER_H
#define ROI_JSON_NUMBER_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Writes v into buf (at least ROI_JSON_NUMBER_SIZE bytes): the shortest round-trip
 * text, "0" for both zeros (JSON readers make -0 an integer 0), "null" when v is not
 * finite. Returns buf. */
#define ROI_JSON_NUMBER_SIZE 32
const char *roi_json_number_text(double v, char *buf, size_t size);

/* A new cJSON item for v: a raw number as roi_json_number_text writes it, or null.
 * Caller owns it (cJSON_Delete, or adding it to a parent); NULL when out of memory. */
cJSON *roi_json_number(double v);

/* obj[key] = item; on failure item is deleted (cJSON takes only what it could add).
 * Returns 1 when added, 0 when out of memory (or item was NULL). */
int roi_json_add_item(cJSON *obj, const char *key, cJSON *item);

/* obj[key] = v as roi_json_number writes it (null when not finite). */
int roi_json_add_num(cJSON *obj, const char *key, double v);

/* obj[key] = s, or null for a NULL s. */
int roi_json_add_str(cJSON *obj, const char *key, const char *s);

/* obj[key] = v printed exactly (a double would round seeds above 2^53). */
int roi_json_add_u64(cJSON *obj, const char *key, uint64_t v);

#endif
