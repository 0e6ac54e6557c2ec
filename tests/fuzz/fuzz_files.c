/* fuzz_files.c: libFuzzer target for the files_touched extractor
 * (core/files.h): files_extract over the text and files_add_exact of it as
 * one tool path.  Checks: every path found is non-empty, unique, holds no
 * newline and no backslash, and does not start with "./". */
#include "common.h"
#include "files.h"
#include "fuzz.h"

static void files_check(const struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++) {
		const char *p = sv->v[i];

		FUZZ_ASSERT(p && p[0]);
		FUZZ_ASSERT(!strchr(p, '\n'));
		FUZZ_ASSERT(!strchr(p, '\\'));
		FUZZ_ASSERT(strncmp(p, "./", 2));
		for (size_t k = 0; k < i; k++)
			FUZZ_ASSERT(strcmp(p, sv->v[k]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	struct strv sv = STRV_INIT;

	files_extract(s, &sv);
	files_check(&sv);
	strv_clear(&sv);
	if (size < 4096 && !memchr(data, 0, size)) {
		files_add_exact(s, &sv);
		strv_clear(&sv);
	}
	free(s);
	return 0;
}
