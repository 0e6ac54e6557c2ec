/* distill.c: the heuristic distiller's entry (distill.h): cuts the
 * exchange into words and sentences (distill_text.c), then builds
 * exchange_core (distill_core.c), specific_context (distill_context.c),
 * files_touched (here) and rooms (distill_rooms.c).  Also room type names
 * and distill_release. */
#include "common.h"
#include "distill_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "files.h"

/* Appends p to out, relative to the project root when under it. */
static void add_file(const char *cwd, const char *p, struct strv *out)
{
	size_t n = cwd ? strlen(cwd) : 0;

	while (n > 1 && cwd[n - 1] == '/')
		n--;
	if (n && !strncmp(p, cwd, n) && (p[n] == '/' || !p[n])) {
		if (!p[n] || !p[n + 1])
			return;
		p += n + 1;
	}
	files_add_exact(p, out);
}

/* A bare name ("app.js") says less than the path it abbreviates
 * ("assets/js/app.js"): dropped when that path is listed too. */
static void drop_bare_names(struct strv *files)
{
	size_t k = 0;

	for (size_t i = 0; i < files->n; i++) {
		int dup = 0;

		for (size_t j = 0; j < files->n && !strchr(files->v[i], '/') &&
		     !dup; j++) {
			const char *s = strrchr(files->v[j], '/');

			dup = s && !strcmp(s + 1, files->v[i]);
		}
		if (dup)
			free(files->v[i]);
		else
			files->v[k++] = files->v[i];
	}
	files->n = k;
	if (files->v)
		files->v[k] = NULL;
}

static int make_files(const struct distill_input *in, struct strv *out)
{
	const struct tx_conv *c = in->conv;
	struct strv found = STRV_INIT;
	int rc;

	for (size_t i = in->ply_start; i <= in->ply_end; i++)
		for (size_t k = 0; k < c->msg[i].paths.n; k++)
			add_file(c->cwd, c->msg[i].paths.v[k], out);
	rc = files_extract(in->verbatim, &found);
	for (size_t k = 0; k < found.n; k++)
		add_file(c->cwd, found.v[k], out);
	strv_clear(&found);
	drop_bare_names(out);
	return rc;
}

int distill_heuristic(const struct distill_input *in, struct distill *d)
{
	struct dtext t;
	int rc;

	memset(d, 0, sizeof(*d));
	d->distiller = "heuristic";
	if (!in->conv || in->ply_start > in->ply_end ||
	    in->ply_end >= in->conv->nmsg)
		return -EINVAL;
	rc = make_files(in, &d->files);
	if (rc) {
		distill_release(d);
		return rc;
	}
	distill_text_build(in, &t);
	d->core = distill_make_core(&t, in);
	d->context = distill_pick_context(&t, in);
	distill_pick_rooms(&t, in, d);
	distill_text_release(&t);
	return 0;
}

void distill_release(struct distill *d)
{
	free(d->core);
	free(d->context);
	for (int i = 0; i < d->nrooms && i < DISTILL_MAX_ROOMS; i++) {
		free(d->rooms[i].key);
		free(d->rooms[i].label);
	}
	strv_clear(&d->files);
	d->core = d->context = NULL;
	d->nrooms = 0;
}

static const char *const room_names[] = { "file", "concept", "workflow" };

const char *room_type_name(enum room_type t)
{
	return (unsigned)t < ARRAY_SIZE(room_names) ? room_names[t] : "concept";
}

int room_type_parse(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(room_names); i++)
		if (!strcmp(s, room_names[i]))
			return (int)i;
	return -1;
}
