/* files.h: files_touched extraction (PAPER.md section 4) with PCRE2.
 *
 * A path: an optional directory prefix (word chars . / \ ~ -, ending in a
 * separator), a stem of word chars . -, a dot, and a known extension, ending
 * at a word boundary, case-insensitive; or, after a directory prefix, any
 * lower-case extension of 1-5 letters and digits (include/records.hrl).
 * Inline `backtick` spans first, then
 * bare text; backslashes become '/', a leading "./" is dropped, duplicates
 * removed keeping first appearance.  Prose like "files (TOML and Markdown)"
 * yields nothing. */
#ifndef FILES_H
#define FILES_H

#include "strv.h"

/* Appends the paths found in text to out (skipping ones already there). */
int files_extract(const char *text, struct strv *out);
/* Normalises one path from a tool input the same way and appends it. */
void files_add_exact(const char *path, struct strv *out);
/* Frees the compiled patterns (optional, for leak checkers). */
void files_cleanup(void);

#endif
