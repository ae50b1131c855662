/* json_number.c - doubles that survive printing and re-reading (json_number.h). */
#include "json_number.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

const char *roi_json_number_text(double v, char *buf, size_t size)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "null");
        return buf;
    }
    if (v == 0) {
        snprintf(buf, size, "0");
        return buf;
    }
    /* 17 significant digits always round-trip; fewer often do and read better. */
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

cJSON *roi_json_number(double v)
{
    if (!isfinite(v))
        return cJSON_CreateNull();
    char buf[ROI_JSON_NUMBER_SIZE];
    return cJSON_CreateRaw(roi_json_number_text(v, buf, sizeof buf));
}

int roi_json_add_item(cJSON *obj, const char *key, cJSON *item)
{
    if (item && cJSON_AddItemToObject(obj, key, item))
        return 1;
    cJSON_Delete(item);
    return 0;
}

int roi_json_add_num(cJSON *obj, const char *key, double v)
{
    return roi_json_add_item(obj, key, roi_json_number(v));
}

int roi_json_add_str(cJSON *obj, const char *key, const char *s)
{
    return roi_json_add_item(obj, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

int roi_json_add_u64(cJSON *obj, const char *key, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    return roi_json_add_item(obj, key, cJSON_CreateRaw(buf));
}
