/* roi_test_json.h - reading the JSON report in the cmocka tests (tests that link
 * cJSON). */
#ifndef ROI_TEST_JSON_H
#define ROI_TEST_JSON_H

#include <cjson/cJSON.h>

#include "roi_test.h"

/* obj[key] as a number; fails the test if it is missing or not a number. */
static inline double roi_test_json_num(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(item))
        fail_msg("'%s' is not a number", key);
    return item->valuedouble;
}

/* obj[key] as a string; fails the test if it is missing or not a string. */
static inline const char *roi_test_json_str(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(item))
        fail_msg("'%s' is not a string", key);
    return item->valuestring;
}

#endif
