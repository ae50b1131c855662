/* roi_embedded.h - the Lua library files compiled into the binary (cmake/embed.cmake). */
#ifndef ROI_EMBEDDED_H
#define ROI_EMBEDDED_H
#include <stddef.h>
typedef struct roi_embedded {
    const char *name;   /* file name without .lua */
    const char *text;   /* NUL-terminated source */
    size_t size;        /* bytes, without the NUL */
} roi_embedded;
extern const roi_embedded roi_embedded_files[]; /* ends with a NULL name */
#endif
