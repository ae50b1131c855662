/*
 * xlsx_format.c - the workbook's cell formats and the cell writers every sheet uses:
 * one lxw_format per kind of number, text cleaned for XML before it reaches a cell.
 */
#include "xlsx_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static lxw_format *num_format(lxw_workbook *wb, const char *spec)
{
    lxw_format *fm = workbook_add_format(wb);
    format_set_num_format(fm, spec);
    return fm;
}

/* A number format following numfmt's rule nf, registered for xl_put_num. */
static lxw_format *rule_format(xctx *x, roi_nf nf)
{
    char code[128];
    lxw_format *fm = num_format(x->wb, roi_numfmt_excel(code, sizeof code, &nf, ROI_NFV_NORMAL));
    xfmt *f = &x->f;
    if (f->n_num < (int)(sizeof f->num / sizeof f->num[0]))
        f->num[f->n_num++] = (struct xnum){.base = fm, .nf = nf, .var = {fm}};
    return fm;
}

static void make_text_formats(xctx *x);

void xl_make_formats(xctx *x)
{
    lxw_workbook *wb = x->wb;
    xfmt *f = &x->f;
    const roi_money_unit *mu = &x->mu;
    f->title = workbook_add_format(wb);
    format_set_bold(f->title);
    format_set_font_size(f->title, 14);
    f->subtitle = workbook_add_format(wb);
    format_set_bold(f->subtitle);
    format_set_font_size(f->subtitle, 12);
    f->note = workbook_add_format(wb);
    format_set_italic(f->note);
    format_set_font_color(f->note, 0x595959);
    f->head = workbook_add_format(wb);
    format_set_bold(f->head);
    format_set_bottom(f->head, LXW_BORDER_THIN);
    format_set_align(f->head, LXW_ALIGN_RIGHT);
    format_set_align(f->head, LXW_ALIGN_VERTICAL_BOTTOM);
    format_set_text_wrap(f->head);
    format_set_bg_color(f->head, 0xDDEBF7);
    /* a header that is one word (a scenario's name): shrunk to its column, as a word
     * without spaces cannot wrap */
    f->head_fit = workbook_add_format(wb);
    format_set_bold(f->head_fit);
    format_set_bottom(f->head_fit, LXW_BORDER_THIN);
    format_set_align(f->head_fit, LXW_ALIGN_RIGHT);
    format_set_align(f->head_fit, LXW_ALIGN_VERTICAL_BOTTOM);
    format_set_shrink(f->head_fit);
    format_set_bg_color(f->head_fit, 0xDDEBF7);
    f->head_left = workbook_add_format(wb);
    format_set_bold(f->head_left);
    format_set_bottom(f->head_left, LXW_BORDER_THIN);
    format_set_align(f->head_left, LXW_ALIGN_VERTICAL_BOTTOM);
    format_set_text_wrap(f->head_left);
    format_set_bg_color(f->head_left, 0xDDEBF7);
    f->text = workbook_add_format(wb);
    f->right = workbook_add_format(wb);
    format_set_align(f->right, LXW_ALIGN_RIGHT);
    f->left_count = num_format(wb, "#,##0");
    format_set_align(f->left_count, LXW_ALIGN_LEFT);
    f->bold = workbook_add_format(wb);
    format_set_bold(f->bold);
    f->bold_top = workbook_add_format(wb); /* a label beside wrapped cells, on their first line */
    format_set_bold(f->bold_top);
    format_set_align(f->bold_top, LXW_ALIGN_VERTICAL_TOP);
    f->changed = workbook_add_format(wb);
    format_set_bold(f->changed);
    format_set_font_color(f->changed, 0xC00000);
    f->money = rule_format(x, (roi_nf){ROI_NF_MONEY, 1, mu});
    f->users = rule_format(x, (roi_nf){ROI_NF_USERS, 0, NULL});
    f->pct = rule_format(x, (roi_nf){ROI_NF_PCT, 1, NULL});
    f->pct_delta = rule_format(x, (roi_nf){ROI_NF_PCT_DELTA, 1, NULL});
    f->ratio = rule_format(x, (roi_nf){ROI_NF_RATIO, 2, NULL});
    f->quarters = rule_format(x, (roi_nf){ROI_NF_NUMBER, 1, NULL});
    f->score = rule_format(x, (roi_nf){ROI_NF_NUMBER, 1, NULL});
    f->plain = rule_format(x, (roi_nf){ROI_NF_NUMBER, 3, NULL});
    f->count = num_format(wb, "#,##0");
    f->billions = num_format(wb, "#,##0.00,,,\"B\"");
    f->small[0] = num_format(wb, "#,##0.0");
    f->small[1] = num_format(wb, "#,##0.00");
    f->small[2] = num_format(wb, "0.0000");
    f->small[3] = num_format(wb, "0.000000");
    f->millions = num_format(wb, "#,##0.00,,\"M\"");
    f->corr = rule_format(x, (roi_nf){ROI_NF_SIGNED, 2, NULL});
    f->corr_se = rule_format(x, (roi_nf){ROI_NF_NUMBER, 3, NULL});
    f->money_delta = rule_format(x, (roi_nf){ROI_NF_MONEY_DELTA, 1, mu});
    f->money_se = rule_format(x, (roi_nf){ROI_NF_MONEY, 2, mu});
    f->pct_se = rule_format(x, (roi_nf){ROI_NF_PCT, 2, NULL});
    f->pts = rule_format(x, (roi_nf){ROI_NF_PTS, 1, NULL});
    f->center = workbook_add_format(wb);
    format_set_align(f->center, LXW_ALIGN_CENTER);
    f->bad = workbook_add_format(wb);
    format_set_align(f->bad, LXW_ALIGN_CENTER);
    format_set_bold(f->bad);
    format_set_font_color(f->bad, 0xC00000);
    f->wrap_right = workbook_add_format(wb);
    format_set_text_wrap(f->wrap_right);
    format_set_align(f->wrap_right, LXW_ALIGN_RIGHT);
    format_set_align(f->wrap_right, LXW_ALIGN_VERTICAL_TOP);
    format_set_italic(f->wrap_right);
    make_text_formats(x);
}

/* The formats of text that wraps or is set off by an indent from a number before it. */
static void make_text_formats(xctx *x)
{
    lxw_workbook *wb = x->wb;
    xfmt *f = &x->f;
    f->wrap = workbook_add_format(wb);
    format_set_text_wrap(f->wrap);
    f->wrap_indent = workbook_add_format(wb);
    format_set_text_wrap(f->wrap_indent);
    format_set_indent(f->wrap_indent, 1); /* at the bottom, as the numbers beside it */
    f->text_indent = workbook_add_format(wb);
    format_set_indent(f->text_indent, 1);
    f->head_indent = workbook_add_format(wb);
    format_set_bold(f->head_indent);
    format_set_bottom(f->head_indent, LXW_BORDER_THIN);
    format_set_align(f->head_indent, LXW_ALIGN_VERTICAL_BOTTOM);
    format_set_text_wrap(f->head_indent);
    format_set_bg_color(f->head_indent, 0xDDEBF7);
    format_set_indent(f->head_indent, 1);
}

const char *xl_series_unit(const char *name)
{
    if (!strncmp(name, "unique_", 7) || !strncmp(name, "active.", 7))
        return "people";
    if (!strcmp(name, "score"))
        return "points";
    if (!strcmp(name, "quality_multiplier"))
        return "ratio";
    return "US$";
}

/* Writes v with fmt, or an empty cell when v is not finite (never NaN, never a
 * sentinel). */
lxw_format *xl_num_variant(xctx *x, lxw_format *fmt, double v)
{
    xfmt *f = &x->f;
    for (int i = 0; i < f->n_num; i++) {
        struct xnum *xn = &f->num[i];
        if (xn->base != fmt)
            continue;
        /* A points cell holds 100 x the difference of probabilities. */
        roi_nf_variant var = roi_numfmt_variant(xn->nf.kind == ROI_NF_PTS ? v / 100 : v, &xn->nf);
        if (!xn->var[var]) {
            char code[128];
            xn->var[var] = num_format(x->wb, roi_numfmt_excel(code, sizeof code, &xn->nf, var));
        }
        return xn->var[var];
    }
    return fmt;
}

lxw_error xl_put_num(xctx *x, lxw_worksheet *ws, int row, int col, double v, lxw_format *fmt)
{
    if (!isfinite(v))
        return worksheet_write_blank(ws, (lxw_row_t)row, (lxw_col_t)col, fmt);
    return worksheet_write_number(ws, (lxw_row_t)row, (lxw_col_t)col, v,
                                  xl_num_variant(x, fmt, v));
}

/* Every cell's text passes here: valid UTF-8 without what XML 1.0 forbids (text.h), so
 * the sheet parts stay well-formed XML, and no longer than a cell holds. */
lxw_error xl_put_str(lxw_worksheet *ws, int row, int col, const char *s, lxw_format *fmt)
{
    char *owned = NULL;
    const char *t = roi_text_clean(s ? s : "", ROI_TEXT_XML, &owned);
    if (!t)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_error e = roi_text_utf16_len(t) > ROI_TEXT_EXCEL_CELL
                      ? LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED
                      : worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col, t, fmt);
    free(owned);
    return e;
}

const char *xl_file_name(const char *path)
{
    if (!path)
        return "(none)";
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

double xl_col_px(double chars)
{
    return floor(chars * 7 + 0.5) + 5;
}

/* The print scale (percent) that fits width_px on one page wide: a fixed scale, not
 * "fit to width", because Excel ignores manual page breaks under "fit to". */
static int print_scale(double width_px)
{
    double page_w = (XL_PAGE_W - 2 * XL_MARGIN_LR) * 96;
    /* A fifth to spare: LibreOffice draws the same columns up to a fifth wider than
     * Excel does. */
    int scale = width_px > 0.8 * page_w ? (int)floor(80 * page_w / width_px) : 100;
    return scale < 10 ? 10 : scale;
}

int xl_page_setup(xctx *x, lxw_worksheet *ws, const char *sheet, int frozen_rows, int repeat,
                  double width_px)
{
    worksheet_set_paper(ws, XL_PAPER_LETTER);
    worksheet_set_landscape(ws);
    int scale = print_scale(width_px);
    worksheet_set_print_scale(ws, (uint16_t)scale);
    worksheet_set_margins(ws, XL_MARGIN_LR, XL_MARGIN_LR, XL_MARGIN_TOP, XL_MARGIN_BOTTOM);
    if (frozen_rows > 0) {
        worksheet_freeze_panes(ws, (lxw_row_t)frozen_rows, 0);
        if (repeat)
            worksheet_repeat_rows(ws, (lxw_row_t)(frozen_rows - 1), (lxw_row_t)(frozen_rows - 1));
    }
    /* '&' starts a code in a footer: a sheet name's own '&' is doubled. */
    char name[80], footer[256];
    size_t j = 0;
    for (const char *p = sheet; *p && j < sizeof name - 2; p++) {
        if (*p == '&')
            name[j++] = '&';
        name[j++] = *p;
    }
    name[j] = '\0';
    /* A space after each font size code, which would take following digits for its own. */
    snprintf(footer, sizeof footer, "&L&8 %s&C&8 Page &P of &N&R&8 %s", name, x->date);
    lxw_header_footer_options o = {.margin = XL_MARGIN_FOOTER};
    worksheet_set_footer_opt(ws, footer, &o);
    return scale;
}

void xl_print_columns(lxw_worksheet *ws, int last_col)
{
    worksheet_print_area(ws, 0, 0, LXW_ROW_MAX - 1, (lxw_col_t)last_col);
}

int xl_rows_per_page(int scale)
{
    double page_h = (XL_PAGE_H - XL_MARGIN_TOP - XL_MARGIN_BOTTOM) * 96;
    return (int)floor(page_h * 100 / scale / XL_ROW_PX);
}

int xl_page_top(const xl_breaks *b)
{
    return b->n > 0 ? (int)b->row[b->n - 1] : 0;
}

void xl_break_at(xl_breaks *b, int row)
{
    if (row > xl_page_top(b) && b->n < LXW_BREAKS_MAX) {
        b->row[b->n++] = (lxw_row_t)row;
        b->row[b->n] = 0;
    }
}

lxw_error xl_set_breaks(lxw_worksheet *ws, xl_breaks *b)
{
    return b->n > 0 ? worksheet_set_h_pagebreaks(ws, b->row) : LXW_NO_ERROR;
}

const char *xl_scen_name(const roi_run *run)
{
    return run->model->name ? run->model->name : "";
}

const char *xl_scen_title(const roi_run *run)
{
    return run->model->title && run->model->title[0] ? run->model->title : xl_scen_name(run);
}

/* A value as text in the report's units, for labels (never for table cells). */
void xl_human(char *buf, size_t size, double v, const char *unit)
{
    if (!strcmp(unit, "people"))
        snprintf(buf, size, fabs(v) >= 1e9 ? "%.2fB" : "%.1fM", fabs(v) >= 1e9 ? v / 1e9 : v / 1e6);
    else if (!strcmp(unit, "US$"))
        snprintf(buf, size, "%s$%.1fB", v < 0 ? "-" : "", fabs(v) / 1e9);
    else
        snprintf(buf, size, "%g", v);
}

lxw_format *xl_output_format(const xfmt *f, roi_output o)
{
    switch (o) {
    case ROI_OUT_ROI_MULTIPLE: return f->ratio;
    case ROI_OUT_IRR: return f->pct;
    case ROI_OUT_PAYBACK: return f->quarters;
    case ROI_OUT_PEAK_ACTIVE: return f->users;
    default: return f->money;
    }
}

lxw_format *xl_input_format(const xfmt *f, double typical)
{
    double a = fabs(typical);
    if (a >= 1e9)
        return f->billions;
    if (a >= 1e6)
        return f->millions;
    if (a >= 1000)
        return f->small[0];
    if (a >= 10)
        return f->small[1];
    if (a >= 0.01 || a == 0)
        return f->small[2];
    return f->small[3];
}

/* A money unit that lives as long as x: the report's, or one of x's input units. */
static const roi_money_unit *kept_unit(xctx *x, const roi_money_unit *mu)
{
    if (mu == NULL || mu->scale == x->mu.scale)
        return &x->mu;
    for (int i = 0; i < x->n_in_mu; i++)
        if (x->in_mu[i].scale == mu->scale)
            return &x->in_mu[i];
    if (x->n_in_mu == (int)(sizeof x->in_mu / sizeof x->in_mu[0]))
        return NULL;
    x->in_mu[x->n_in_mu] = *mu;
    return &x->in_mu[x->n_in_mu++];
}

lxw_format *xl_measure_fmt(xctx *x, roi_measure ms, double typical)
{
    roi_money_unit own;
    roi_nf nf = roi_numfmt_input(ms, typical, &x->mu, &own);
    if (nf.kind == ROI_NF_NKIND)
        return xl_input_format(&x->f, typical);
    if (nf.kind == ROI_NF_MONEY && !(nf.mu = kept_unit(x, nf.mu)))
        return xl_input_format(&x->f, typical);
    xfmt *f = &x->f;
    for (int i = 0; i < f->n_num; i++) {
        const roi_nf *o = &f->num[i].nf;
        if (o->kind == nf.kind && o->decimals == nf.decimals && o->mu == nf.mu)
            return f->num[i].base;
    }
    if (f->n_num == (int)(sizeof f->num / sizeof f->num[0]))
        return xl_input_format(f, typical);
    return rule_format(x, nf);
}

lxw_format *xl_input_fmt(xctx *x, const roi_model *m, const char *input, double typical)
{
    return xl_measure_fmt(x, roi_model_input_measure(m, input), typical);
}

lxw_error xl_heads(lxw_worksheet *ws, int row, const char *const *text, int n, int left,
                       const xfmt *f)
{
    for (int c = 0; c < n; c++)
        TRY(xl_put_str(ws, row, c, text[c], c < left ? f->head_left : f->head));
    return worksheet_set_row(ws, (lxw_row_t)row, 45, NULL);
}

/* Writes text in column col from row on, cut at spaces into lines of at most `width`
 * characters (so a note never runs past the printed width); returns the lines used. */
int xl_put_lines(lxw_worksheet *ws, int row, int col, const char *text, int width,
                     lxw_format *fmt, lxw_error *e)
{
    int lines = 0;
    const char *p = text;
    while (*p && *e == LXW_NO_ERROR) {
        int len = (int)strlen(p), cut = len;
        if (len > width) {
            cut = width;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = width;
        }
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s", cut < (int)sizeof buf - 1 ? cut : (int)sizeof buf - 1, p);
        *e = xl_put_str(ws, row + lines++, col, buf, fmt);
        p += cut;
        while (*p == ' ')
            p++;
    }
    return lines;
}
