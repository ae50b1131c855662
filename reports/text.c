/* text.c - valid UTF-8 and safe text for the reports (see text.h). */
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The well-formed sequence at p (Unicode, table 3-7): returns its length and the code
 * point in *cp, or 0 when p starts an ill-formed sequence, with the length of its
 * maximal subpart (at least 1) in *bad. The NUL that ends the string never continues
 * a sequence, so nothing past it is read.
 */
static size_t decode(const unsigned char *p, uint32_t *cp, size_t *bad)
{
    unsigned c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n;
    unsigned lo = 0x80, hi = 0xBF; /* the second byte's range depends on the first */
    uint32_t v;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0; /* no overlong forms */
        if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90; /* no overlong forms */
        if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        *bad = 1; /* a continuation byte, C0, C1 or F5..FF: never a first byte */
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        unsigned b = p[i];
        if (b < lo || b > hi) {
            *bad = i;
            return 0;
        }
        v = v << 6 | (b & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    *cp = v;
    return n;
}

static int xml_forbidden(uint32_t cp)
{
    return (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE ||
           cp == 0xFFFF;
}

int roi_text_valid(const char *s, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t bad, n = decode(p, &cp, &bad);
        if (n == 0 || ((flags & ROI_TEXT_XML) && xml_forbidden(cp)))
            return 0;
        p += n;
    }
    return 1;
}

const char *roi_text_clean(const char *s, unsigned flags, char **owned)
{
    *owned = NULL;
    if (!s)
        return NULL;
    if (roi_text_valid(s, flags))
        return s;
    /* Each replaced byte grows to at most the 3 bytes of U+FFFD. */
    size_t len = strlen(s);
    char *out = malloc(3 * len + 1);
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0;
    while (*p) {
        uint32_t cp;
        size_t bad = 0, n = decode(p, &cp, &bad);
        if (n > 0 && !((flags & ROI_TEXT_XML) && xml_forbidden(cp))) {
            memcpy(out + k, p, n);
            k += n;
            p += n;
            continue;
        }
        memcpy(out + k, "\xEF\xBF\xBD", 3);
        k += 3;
        p += n > 0 ? n : bad;
    }
    out[k] = '\0';
    *owned = out;
    return out;
}

size_t roi_text_utf16_len(const char *s)
{
    size_t units = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        uint32_t cp = 0;
        size_t bad = 0, n = decode(p, &cp, &bad);
        units += n > 0 && cp >= 0x10000 ? 2 : 1;
        p += n > 0 ? n : bad;
    }
    return units;
}

int roi_text_csv_needs_quote_mark(const char *s)
{
    return s && s[0] && strchr("=+-@\t\r'", s[0]) != NULL;
}
