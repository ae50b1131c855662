/*
 * text.h - strings on their way out of roisim (private to reports/).
 *
 * Responsible for: what every report needs of a string that came from a scenario, the
 * command line or a file name: valid UTF-8 (each ill-formed sequence becomes U+FFFD,
 * one per maximal subpart, as Unicode recommends), optionally without the characters
 * XML 1.0 forbids, its length as Excel counts it, and whether a spreadsheet would run
 * it as a formula. Not responsible for a format's own escaping (cJSON escapes quotes
 * and control characters, libxlsxwriter XML markup, csv.c its quotes).
 */
#ifndef ROI_TEXT_H
#define ROI_TEXT_H

#include <stddef.h>

enum {
    /* Also replace by U+FFFD what XML 1.0 forbids: control characters other than tab,
     * line feed and carriage return, and U+FFFE, U+FFFF. */
    ROI_TEXT_XML = 1
};

/* What Excel holds at most in one cell, in UTF-16 code units. */
#define ROI_TEXT_EXCEL_CELL 32767

/*
 * Returns s itself when it needs no change, else a cleaned copy that *owned also
 * points to (caller frees *owned; it is set to NULL when s is returned). Returns NULL
 * (with *owned NULL) when s is NULL or memory runs out. flags: 0 or ROI_TEXT_XML.
 */
const char *roi_text_clean(const char *s, unsigned flags, char **owned);

/* Nonzero when s is valid UTF-8 (and, with ROI_TEXT_XML, has nothing XML forbids). */
int roi_text_valid(const char *s, unsigned flags);

/* The length of s in UTF-16 code units, as Excel counts a cell's text (an ill-formed
 * sequence counts as the one U+FFFD it becomes). */
size_t roi_text_utf16_len(const char *s);

/*
 * Nonzero when a spreadsheet opening a CSV field that holds s would read it as a
 * formula (OWASP, "CSV injection": s starts with = + - @, tab or carriage return), or
 * when s starts with the apostrophe that neutralises one (so that the rule "a text
 * field starting with an apostrophe had one added" can be undone exactly).
 */
int roi_text_csv_needs_quote_mark(const char *s);

#endif
