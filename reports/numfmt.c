/* numfmt.c - the one rule for showing a number (numfmt.h). */
#include "numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P10 = 2, P50 = 4, P90 = 6 }; /* indices into roi_pct_levels */

roi_money_unit roi_numfmt_money_unit(double typical)
{
    double a = fabs(typical);
    roi_money_unit u = {1, 0, "", "$"};
    if (a >= 1e9)
        u = (roi_money_unit){1e9, 3, "B", "$"};
    else if (a >= 1e6)
        u = (roi_money_unit){1e6, 2, "M", "$"};
    else if (a >= 1e3)
        u = (roi_money_unit){1e3, 1, "K", "$"};
    return u;
}

roi_money_unit roi_numfmt_report_unit(const roi_results *res)
{
    double typical = 0;
    for (int k = 0; k < res->n; k++) {
        const roi_summary *npv = &res->sc[k].run->summary[ROI_OUT_NPV];
        const roi_summary *sp = &res->sc[k].run->summary[ROI_OUT_TOTAL_SPEND];
        if (npv->n_defined)
            typical = fmax(typical, fmax(fabs(npv->pct[P10]),
                                         fmax(fabs(npv->pct[P50]), fabs(npv->pct[P90]))));
        if (sp->n_defined)
            typical = fmax(typical, fabs(sp->pct[P50]));
    }
    roi_money_unit u = roi_numfmt_money_unit(typical);
    if (res->n > 0) {
        const char *code = roi_model_currency(res->sc[0].run->model);
        const char *sym = roi_currency_symbol(code);
        if (sym)
            snprintf(u.symbol, sizeof u.symbol, "%s", sym);
        else
            snprintf(u.symbol, sizeof u.symbol, "%.8s ", code);
    }
    return u;
}

/* Adds one to the decimal integer in d (digits only), growing it on the left. */
static void increment(char *d, size_t size)
{
    size_t n = strlen(d);
    for (size_t i = n; i-- > 0;) {
        if (d[i] != '9') {
            d[i]++;
            return;
        }
        d[i] = '0';
    }
    if (n + 2 <= size) {
        memmove(d + 1, d, n + 1);
        d[0] = '1';
    }
}

int roi_numfmt_digits(char *buf, size_t size, double v, int shift, int decimals, int group)
{
    /* |v| = m1.m2..m15 x 10^e; the shown integer N = round(|v| x 10^(shift + decimals)). */
    char e[40];
    snprintf(e, sizeof e, "%.14e", fabs(v));
    char mant[16];
    mant[0] = e[0];
    memcpy(mant + 1, e + 2, 14);
    mant[15] = '\0';
    int keep = atoi(e + 17) + shift + decimals + 1; /* digits of N before rounding */
    char n[64] = "0";
    if (keep >= 1 && keep <= 15) {
        memcpy(n, mant, (size_t)keep);
        n[keep] = '\0';
        if (keep < 15 && mant[keep] >= '5')
            increment(n, sizeof n);
    } else if (keep > 15 && keep < (int)sizeof n - 1) {
        memcpy(n, mant, 15);
        memset(n + 15, '0', (size_t)(keep - 15));
        n[keep] = '\0';
    } else if (keep == 0 && mant[0] >= '5') {
        n[0] = '1';
    }
    size_t lead = strspn(n, "0");
    int zero = lead == strlen(n);
    if (lead > 0) /* |v| == 0 spells its zero with the exponent's digits */
        memmove(n, n + lead - (zero ? 1 : 0), strlen(n + lead) + (zero ? 2 : 1));
    /* At least decimals + 1 digits, so there is a digit before the point. */
    size_t len = strlen(n);
    if ((int)len < decimals + 1) {
        size_t pad = (size_t)decimals + 1 - len;
        memmove(n + pad, n, len + 1);
        memset(n, '0', pad);
        len += pad;
    }
    size_t intlen = len - (size_t)decimals, j = 0;
    char out[96];
    for (size_t i = 0; i < intlen; i++) {
        if (group && i > 0 && (intlen - i) % 3 == 0)
            out[j++] = ',';
        out[j++] = n[i];
    }
    if (decimals > 0) {
        out[j++] = '.';
        memcpy(out + j, n + intlen, (size_t)decimals);
        j += (size_t)decimals;
    }
    out[j] = '\0';
    snprintf(buf, size, "%s", out);
    return zero;
}

static const roi_money_unit billions = {1e9, 3, "B", "$"};

roi_nf_variant roi_numfmt_variant(double v, const roi_nf *nf)
{
    char d[96];
    if (!isfinite(v))
        return ROI_NFV_NORMAL;
    const roi_money_unit *mu = nf->mu ? nf->mu : &billions;
    switch (nf->kind) {
    case ROI_NF_PCT:
        if (roi_numfmt_digits(d, sizeof d, v, 2, nf->decimals, 0))
            return v > 0 ? ROI_NFV_NEAR_ZERO : v < 0 ? ROI_NFV_ZERO : ROI_NFV_NORMAL;
        if (v < 1 && v > 0) {
            char one[96];
            roi_numfmt_digits(one, sizeof one, 1.0, 2, nf->decimals, 0);
            if (!strcmp(d, one))
                return ROI_NFV_NEAR_ONE;
        }
        return ROI_NFV_NORMAL;
    case ROI_NF_PCT_DELTA:
    case ROI_NF_PTS:
        return roi_numfmt_digits(d, sizeof d, v, 2, nf->decimals, 0) ? ROI_NFV_ZERO
                                                                     : ROI_NFV_NORMAL;
    case ROI_NF_SIGNED:
        return roi_numfmt_digits(d, sizeof d, v, 0, nf->decimals, 0) ? ROI_NFV_ZERO
                                                                     : ROI_NFV_NORMAL;
    case ROI_NF_MONEY:
    case ROI_NF_MONEY_DELTA:
        return roi_numfmt_digits(d, sizeof d, v, -3 * mu->commas, nf->decimals, 0) && v != 0
                   ? ROI_NFV_ZERO
                   : ROI_NFV_NORMAL;
    default:
        return v < 0 && roi_numfmt_digits(d, sizeof d, v, 0, nf->decimals, 0) ? ROI_NFV_ZERO
                                                                               : ROI_NFV_NORMAL;
    }
}

/* Decimals that show a (>= 0) to three significant digits from 1 up (12.5, 1.25) and
 * two below (0.67, 0.0021), at most 6. */
static int sig3(double a)
{
    if (!(a > 0) || a >= 1)
        return a >= 100 ? 0 : a >= 10 ? 1 : 2;
    int d = 1 - (int)floor(log10(a));
    return d > 6 ? 6 : d;
}

roi_nf roi_numfmt_input(roi_measure ms, double typical, const roi_money_unit *report,
                        roi_money_unit *own)
{
    double a = isfinite(typical) ? fabs(typical) : 0;
    switch (ms) {
    case ROI_MEASURE_MONEY: {
        const roi_money_unit *mu = report ? report : &billions;
        if (a > 0 && a < 0.01 * mu->scale) {
            *own = roi_numfmt_money_unit(a);
            snprintf(own->symbol, sizeof own->symbol, "%s", mu->symbol);
            mu = own;
        }
        int d = sig3(a / mu->scale);
        return (roi_nf){ROI_NF_MONEY, d < 1 && mu->scale > 1 ? 1 : d, mu};
    }
    case ROI_MEASURE_SHARE:
    case ROI_MEASURE_RATE: {
        /* Two significant digits of the percent, at least one decimal. */
        double p = a * 100;
        int d = p >= 1 || p == 0 ? 1 : 1 - (int)floor(log10(p));
        return (roi_nf){ROI_NF_PCT, d > 4 ? 4 : d, NULL};
    }
    case ROI_MEASURE_COUNT:
        if (a >= 1000)
            return (roi_nf){ROI_NF_USERS, 0, NULL};
        return (roi_nf){ROI_NF_NUMBER, a >= 100 ? 0 : a >= 10 ? 1 : 2, NULL};
    case ROI_MEASURE_QUARTERS:
    case ROI_MEASURE_SCORE:
        return (roi_nf){ROI_NF_NUMBER, 1, NULL};
    case ROI_MEASURE_MULTIPLIER:
        return (roi_nf){ROI_NF_RATIO, 2, NULL};
    case ROI_MEASURE_COEFFICIENT:
        return (roi_nf){ROI_NF_NUMBER, sig3(a), NULL};
    default:
        return (roi_nf){ROI_NF_NKIND, 0, NULL};
    }
}

char *roi_numfmt_input_text(char *buf, size_t size, double v, double typical,
                            const roi_model *m, const char *input,
                            const roi_money_unit *report)
{
    roi_money_unit own;
    roi_nf nf = roi_numfmt_input(roi_model_input_measure(m, input), typical, report, &own);
    if (nf.kind == ROI_NF_NKIND) {
        if (isfinite(v))
            snprintf(buf, size, "%.4g", v);
        else
            snprintf(buf, size, "n/a");
        return buf;
    }
    return roi_numfmt(buf, size, v, &nf);
}

/* Users: billions with two decimals, millions with one, else whole people. */
static void users_text(char *buf, size_t size, double v)
{
    char d[96];
    double a = fabs(v);
    int zero;
    if (a >= 1e9)
        zero = roi_numfmt_digits(d, sizeof d, v / 1e9, 0, 2, 1);
    else if (a >= 1e6)
        zero = roi_numfmt_digits(d, sizeof d, v / 1e6, 0, 1, 1);
    else
        zero = roi_numfmt_digits(d, sizeof d, v, 0, 0, 1);
    snprintf(buf, size, "%s%s%s", v < 0 && !zero ? "-" : "", d,
             a >= 1e9 ? "B" : a >= 1e6 ? "M" : "");
}

char *roi_numfmt(char *buf, size_t size, double v, const roi_nf *nf)
{
    if (!isfinite(v)) {
        snprintf(buf, size, "n/a");
        return buf;
    }
    const roi_money_unit *mu = nf->mu ? nf->mu : &billions;
    char d[96];
    int zero, dec = nf->decimals;
    const char *minus = v < 0 ? "-" : "";
    switch (nf->kind) {
    case ROI_NF_MONEY:
    case ROI_NF_MONEY_DELTA:
        zero = roi_numfmt_digits(d, sizeof d, v, -3 * mu->commas, dec, 1);
        snprintf(buf, size, "%s%s%s%s",
                 zero ? "" : v < 0 ? "-" : nf->kind == ROI_NF_MONEY_DELTA ? "+" : "",
                 mu->symbol, d, mu->letter);
        break;
    case ROI_NF_PCT:
        switch (roi_numfmt_variant(v, nf)) {
        case ROI_NFV_NEAR_ZERO:
        case ROI_NFV_NEAR_ONE: {
            /* "< 0.1%" / "> 99.9%" at one decimal; "< 1%" / "> 99%" at none. */
            char digits[32];
            int k = dec < 30 ? dec : 30;
            memset(digits, roi_numfmt_variant(v, nf) == ROI_NFV_NEAR_ONE ? '9' : '0', (size_t)k);
            digits[k] = '\0';
            if (v > 0.5)
                snprintf(buf, size, "> 99%s%s%%", k ? "." : "", digits);
            else if (k)
                snprintf(buf, size, "< 0.%.*s1%%", k - 1, digits);
            else
                snprintf(buf, size, "< 1%%");
            return buf;
        }
        default:
            zero = roi_numfmt_digits(d, sizeof d, v, 2, dec, 0);
            snprintf(buf, size, "%s%s%%", zero ? "" : minus, d);
        }
        break;
    case ROI_NF_PCT_DELTA:
    case ROI_NF_PTS:
        zero = roi_numfmt_digits(d, sizeof d, v, 2, dec, 0);
        snprintf(buf, size, "%s%s%s", zero ? "" : v < 0 ? "-" : "+", d,
                 nf->kind == ROI_NF_PTS ? " pts" : "%");
        break;
    case ROI_NF_USERS:
        users_text(buf, size, v);
        break;
    case ROI_NF_SIGNED:
        zero = roi_numfmt_digits(d, sizeof d, v, 0, dec, 0);
        snprintf(buf, size, "%s%s", zero ? "" : v < 0 ? "-" : "+", d);
        break;
    case ROI_NF_RATIO:
    case ROI_NF_NUMBER:
    default:
        zero = roi_numfmt_digits(d, sizeof d, v, 0, dec, 0);
        snprintf(buf, size, "%s%s%s", zero ? "" : minus, d, nf->kind == ROI_NF_RATIO ? "x" : "");
    }
    return buf;
}

/* "0.0" with `decimals` zeros, optionally grouped ("#,##0.0"). */
static void zeros(char *buf, size_t size, int decimals, int group)
{
    char z[32] = "";
    for (int i = 0; i < decimals && i < 30; i++)
        z[i] = '0';
    z[decimals < 30 ? decimals : 30] = '\0';
    snprintf(buf, size, "%s0%s%s", group ? "#,##" : "", decimals ? "." : "", z);
}

char *roi_numfmt_excel(char *buf, size_t size, const roi_nf *nf, roi_nf_variant var)
{
    const roi_money_unit *mu = nf->mu ? nf->mu : &billions;
    char z[48], body[96], text[32];
    int dec = nf->decimals;
    switch (nf->kind) {
    case ROI_NF_MONEY:
    case ROI_NF_MONEY_DELTA:
        zeros(z, sizeof z, dec, 1);
        /* "$" is literal in a format code; any other symbol or code goes in quotes. */
        char sym[24];
        snprintf(sym, sizeof sym, strcmp(mu->symbol, "$") ? "\"%s\"" : "%s", mu->symbol);
        snprintf(body, sizeof body, "%s%s%.*s%s%s%s", sym, z, mu->commas, ",,,",
                 mu->letter[0] ? "\"" : "", mu->letter, mu->letter[0] ? "\"" : "");
        if (var == ROI_NFV_ZERO)
            snprintf(buf, size, "%s;%s", body, body);
        else if (nf->kind == ROI_NF_MONEY_DELTA)
            snprintf(buf, size, "+%s;-%s;%s", body, body, body);
        else
            snprintf(buf, size, "%s;-%s", body, body);
        break;
    case ROI_NF_PCT:
        zeros(z, sizeof z, dec, 0);
        if (var == ROI_NFV_NEAR_ZERO || var == ROI_NFV_NEAR_ONE)
            snprintf(buf, size, "\"%s\"", roi_numfmt(text, sizeof text,
                                                     var == ROI_NFV_NEAR_ZERO ? 1e-300 : 1 - 1e-16,
                                                     nf));
        else if (var == ROI_NFV_ZERO)
            snprintf(buf, size, "%s%%;%s%%", z, z);
        else
            snprintf(buf, size, "%s%%", z);
        break;
    case ROI_NF_PCT_DELTA:
    case ROI_NF_PTS: {
        zeros(z, sizeof z, dec, 0);
        const char *tail = nf->kind == ROI_NF_PTS ? "\" pts\"" : "%";
        if (var == ROI_NFV_ZERO)
            snprintf(buf, size, "%s%s;%s%s", z, tail, z, tail);
        else
            snprintf(buf, size, "+%s%s;-%s%s;%s%s", z, tail, z, tail, z, tail);
        break;
    }
    case ROI_NF_USERS:
        snprintf(buf, size, "[>=1000000000]#,##0.00,,,\"B\";[>=1000000]#,##0.0,,\"M\";#,##0");
        break;
    case ROI_NF_SIGNED:
        zeros(z, sizeof z, dec, 0);
        if (var == ROI_NFV_ZERO)
            snprintf(buf, size, "%s;%s", z, z);
        else
            snprintf(buf, size, "+%s;-%s;%s", z, z, z);
        break;
    case ROI_NF_RATIO:
        zeros(z, sizeof z, dec, 0);
        snprintf(buf, size, var == ROI_NFV_ZERO ? "%s\"x\";%s\"x\"" : "%s\"x\"", z, z);
        break;
    default:
        zeros(z, sizeof z, dec, 0);
        snprintf(buf, size, var == ROI_NFV_ZERO ? "%s;%s" : "%s", z, z);
    }
    return buf;
}
