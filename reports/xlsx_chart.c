/*
 * xlsx_chart.c - chart helpers shared by the sheets: titles and axes in one style, and
 * the p10-to-p90 range bars of Summary and Compare.
 */
#include "xlsx_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/*
 * A chart title or series name as libxlsxwriter must get it: valid XML text, and not
 * starting with '=', which libxlsxwriter would take for a cell reference (a scenario
 * or surface named "=..." would make the chart unreadable): such a name gets a leading
 * apostrophe, as in the CSV. Returns the text (name itself, or a copy that *owned
 * points to; caller frees), or NULL when out of memory.
 */
const char *xl_chart_text(const char *name, char **owned)
{
    const char *t = roi_text_clean(name ? name : "", ROI_TEXT_XML, owned);
    if (t && t[0] == '=') {
        char *c = malloc(strlen(t) + 2);
        if (c) {
            c[0] = '\'';
            strcpy(c + 1, t);
        }
        free(*owned);
        *owned = c;
        t = c;
    }
    return t;
}

/* ---- charts ---------------------------------------------------------------------------- */

void xl_style_axis(lxw_chart_axis *axis, const char *title, const char *num_format)
{
    if (title)
        chart_axis_set_name(axis, title);
    if (num_format)
        chart_axis_set_num_format(axis, num_format);
    lxw_chart_font font = {.size = 9};
    chart_axis_set_num_font(axis, &font);
    lxw_chart_font name_font = {.size = 9, .bold = 0};
    chart_axis_set_name_font(axis, &name_font);
}

lxw_chart *xl_new_chart(xctx *x, uint8_t type, const char *title)
{
    lxw_chart *c = workbook_add_chart(x->wb, type);
    char *owned = NULL;
    const char *text = xl_chart_text(title, &owned);
    if (!c || !text) {
        free(owned);
        return NULL;
    }
    chart_title_set_name(c, text);
    free(owned);
    lxw_chart_font font = {.size = 11, .bold = 1};
    chart_title_set_name_font(c, &font);
    chart_legend_set_position(c, LXW_CHART_LEGEND_BOTTOM);
    return c;
}


/*
 * The Summary chart: a horizontal bar from p10 to p90 for each scenario, p10 to median in
 * the scenario's colour and median to p90 xl_lighter, so the median is the colour change.
 * Stacked bars stack positive and negative values apart, so each part is split at zero
 * into six stacked series (two transparent spacers): the helper table in Series says how.
 */
const char *const xl_range_parts[6] = {
    "spacer below 0 (hidden)", "spacer above 0 (hidden)", "median to p90, below 0",
    "p10 to median, above 0", "p10 to median, below 0", "median to p90, above 0"};

void xl_range_split(double p10, double p50, double p90, double part[6])
{
    part[0] = fmin(p90, 0);
    part[1] = fmax(p10, 0);
    part[2] = fmin(p50, 0) - fmin(p90, 0);
    part[3] = fmax(p50, 0) - fmax(p10, 0);
    part[4] = fmin(p10, 0) - fmin(p50, 0);
    part[5] = fmax(p90, 0) - fmax(p50, 0);
}

void xl_axis_range(lxw_chart_axis *axis, double lo, double hi)
{
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi))
        return;
    /* Round the ends out to a step of 1, 2 or 5 x 10^k giving about six intervals. */
    double raw = (hi - lo) / 6, mag = pow(10, floor(log10(raw)));
    double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag
                                                                                     : 10 * mag;
    chart_axis_set_min(axis, floor(lo / step) * step);
    chart_axis_set_max(axis, ceil(hi / step) * step);
}

void xl_npv_range(const xctx *x, lxw_chart_axis *axis)
{
    xl_axis_range(axis, x->npv_lo, x->npv_hi);
}

/* "Core ad uplift" for a part of the model named `name`: its title, else its name. */
static const char *part_title(const roi_model *m, const char *name, size_t len)
{
    for (int i = 0; i < m->n_surfaces; i++)
        if (strlen(m->surfaces[i].name) == len && !strncmp(m->surfaces[i].name, name, len))
            return m->surfaces[i].title;
    for (int i = 0; i < m->n_spend; i++)
        if (strlen(m->spend[i].name) == len && !strncmp(m->spend[i].name, name, len))
            return m->spend[i].title;
    for (int i = 0; i < m->n_streams; i++)
        if (strlen(m->streams[i].name) == len && !strncmp(m->streams[i].name, name, len))
            return m->streams[i].title;
    for (int i = 0; i < m->n_versions; i++)
        if (strlen(m->versions[i].name) == len && !strncmp(m->versions[i].name, name, len))
            return m->versions[i].title;
    return NULL;
}

void xl_input_words(const roi_model *m, const char *input, char *buf, size_t size)
{
    size_t len = strcspn(input, ".");
    const char *title = part_title(m, input, len);
    char field[128];
    snprintf(field, sizeof field, "%s", input[len] ? input + len + 1 : "");
    for (char *p = field; *p; p++)
        if (*p == '_' || *p == '.')
            *p = ' ';
    if (title)
        snprintf(buf, size, "%s%s%s", title, field[0] ? ": " : "", field);
    else {
        /* "Frontier: slope" for frontier.slope, "V2: score" for an untitled v2.score */
        char part[128];
        snprintf(part, sizeof part, "%.*s", (int)(len < sizeof part ? len : sizeof part - 1),
                 input);
        for (char *p = part; *p; p++)
            if (*p == '_')
                *p = ' ';
        snprintf(buf, size, "%s%s%s", part, field[0] ? ": " : "", field);
    }
    if (buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 'a' + 'A');
}

lxw_chart_series *xl_scurve_series(const xctx *x, lxw_chart *c, int k, const char *name,
                                   lxw_chart_line *line)
{
    lxw_chart_series *s = chart_add_series(c, NULL, NULL);
    char *owned = NULL;
    const char *text = xl_chart_text(name, &owned);
    if (!s || !text) {
        free(owned);
        return NULL;
    }
    int dr = xl_dist_row(x, k);
    chart_series_set_categories(s, "Series", (lxw_row_t)dr, SC_VALUE,
                                (lxw_row_t)(dr + ROI_SCURVE_POINTS - 1), SC_VALUE);
    chart_series_set_values(s, "Series", (lxw_row_t)dr, SC_LEVEL,
                            (lxw_row_t)(dr + ROI_SCURVE_POINTS - 1), SC_LEVEL);
    chart_series_set_name(s, text);
    free(owned);
    chart_series_set_line(s, line);
    chart_series_set_marker_type(s, LXW_CHART_MARKER_NONE);
    return s;
}

void xl_scurve_axes(const xctx *x, lxw_chart *c)
{
    char axis[64];
    snprintf(axis, sizeof axis, "NPV, %s", x->unit);
    lxw_chart_axis *ax = chart_axis_get(c, LXW_CHART_AXIS_TYPE_X);
    xl_style_axis(ax, axis, x->money_code);
    xl_npv_range(x, ax);
    chart_axis_set_crossing_min(ax);
    lxw_chart_axis *y = chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y);
    xl_style_axis(y, "Cumulative probability", "0%");
    chart_axis_set_min(y, 0);
    chart_axis_set_max(y, 1);
}

unsigned xl_lighter(unsigned c)
{
    unsigned r = (c >> 16) & 255, g = (c >> 8) & 255, b = c & 255;
    r = (r + 2 * 255) / 3, g = (g + 2 * 255) / 3, b = (b + 2 * 255) / 3;
    return r << 16 | g << 8 | b;
}

/* A p10-to-p90 bar chart (see xl_range_split) of `count` rows of `sheet` from row `first`:
 * categories in column 0, the six parts in columns col0 .. col0 + 5; row i is coloured
 * as scenario scen[i]. */
lxw_error xl_range_bars(xctx *x, lxw_worksheet *ws, int at, const char *sheet, int first,
                            int col0, const int *scen, int count, const char *title,
                            const char *axis_title, const char *desc, double y_scale)
{
    lxw_chart *c = xl_new_chart(x, LXW_CHART_BAR_STACKED, title);
    if (!c)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    int last = first + count - 1;
    lxw_chart_point *pts = calloc((size_t)count + 1, sizeof *pts);
    lxw_chart_point **ptr = calloc((size_t)count + 1, sizeof *ptr);
    lxw_chart_fill *fills = calloc((size_t)count + 1, sizeof *fills);
    lxw_error e = pts && ptr && fills ? LXW_NO_ERROR : LXW_ERROR_MEMORY_MALLOC_FAILED;
    for (int i = 0; i < 6 && e == LXW_NO_ERROR; i++) {
        lxw_chart_series *s = chart_add_series(c, NULL, NULL);
        if (!s) {
            e = LXW_ERROR_MEMORY_MALLOC_FAILED;
            break;
        }
        chart_series_set_categories(s, sheet, (lxw_row_t)first, 0, (lxw_row_t)last, 0);
        chart_series_set_values(s, sheet, (lxw_row_t)first, (lxw_col_t)(col0 + i),
                                (lxw_row_t)last, (lxw_col_t)(col0 + i));
        chart_series_set_name(s, xl_range_parts[i]);
        if (i < 2) {
            lxw_chart_fill none = {.none = 1};
            lxw_chart_line no_line = {.none = 1};
            chart_series_set_fill(s, &none);
            chart_series_set_line(s, &no_line);
            continue;
        }
        int dark = i == 3 || i == 4;
        lxw_chart_fill legend = {.color = dark ? 0x595959 : 0xBFBFBF};
        chart_series_set_fill(s, &legend);
        lxw_chart_line edge = {.color = 0xFFFFFF, .width = 0.5f};
        chart_series_set_line(s, &edge);
        for (int k = 0; k < count; k++) {
            unsigned color = x->sc[scen[k]].color;
            fills[k].color = dark ? color : xl_lighter(color);
            pts[k].fill = &fills[k];
            ptr[k] = &pts[k];
        }
        ptr[count] = NULL;
        e = chart_series_set_points(s, ptr);
    }
    free(pts);
    free(ptr);
    free(fills);
    if (e != LXW_NO_ERROR)
        return e;
    /* Six series make a confusing legend; the title says what the shades mean. */
    chart_legend_set_position(c, LXW_CHART_LEGEND_NONE);
    chart_set_series_gap(c, 50);
    /* In a bar chart libxlsxwriter's Y axis is the (vertical) category axis. */
    lxw_chart_axis *cat = chart_axis_get(c, LXW_CHART_AXIS_TYPE_Y);
    xl_style_axis(cat, NULL, NULL);
    chart_axis_set_reverse(cat); /* first row on top, as in the table */
    chart_axis_set_label_position(cat, LXW_CHART_AXIS_LABEL_POSITION_LOW);
    chart_axis_set_crossing_max(cat); /* the value axis at the bottom */
    xl_style_axis(chart_axis_get(c, LXW_CHART_AXIS_TYPE_X), axis_title, x->money_code);
    lxw_chart_options o = {.x_scale = 2.0, .y_scale = y_scale, .description = (char *)desc};
    return worksheet_insert_chart_opt(ws, (lxw_row_t)at, 0, c, &o);
}
