/* ftree.c: projects/P/files/: every touched path of a project as
 * directories (fs_path_encode), with a symlink per exchange that touched
 * it.  Built from one query and scanned linearly; the view caches it per
 * generation. */
#include "common.h"
#include "view_int.h"
#include "name.h"
#include "store_view.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int cmp_entry(const void *a, const void *b)
{
	const struct fs_fentry *x = a, *y = b;
	int c = strcmp(x->norm, y->norm);

	return c ? c : strcmp(x->name, y->name);
}

int fs_ftree_build(struct store *st, int64_t pid, struct fs_ftree *t)
{
	struct store_xrows r = STORE_XROWS_INIT;
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	size_t k = 0;
	int rc = store_view_files(st, pid, &r);

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; !rc && i < r.n; i++) {
		struct fs_fentry *e;

		buf_reset(&b);
		if (fs_path_encode(r.v[i].path, &b) || !b.len)
			continue;       /* nothing left of the path: not shown */
		XGROW(t->e, t->cap, t->n + 1);
		e = &t->e[t->n++];
		e->norm = xstrdup(buf_str(&b));
		buf_reset(&b);
		store_exchange_name(r.v[i].id, r.v[i].slug, &b);
		e->name = xstrdup(buf_str(&b));
		e->id = r.v[i].id;
		e->mtime = r.v[i].t_end ? r.v[i].t_end : r.v[i].t_start;
	}
	if (t->n)
		qsort(t->e, t->n, sizeof(*t->e), cmp_entry);
	/* "/a/x.c" and "a/x.c" touched by one exchange: one link */
	for (size_t i = 0; i < t->n; i++) {
		if (k && !cmp_entry(&t->e[k - 1], &t->e[i])) {
			free(t->e[i].norm);
			free(t->e[i].name);
			continue;
		}
		t->e[k++] = t->e[i];
	}
	t->n = k;
	store_xrows_release(&r);
	buf_release(&b);
	if (rc)
		fs_ftree_release(t);
	return rc;
}

void fs_ftree_release(struct fs_ftree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].norm);
		free(t->e[i].name);
	}
	free(t->e);
	memset(t, 0, sizeof(*t));
}

/* The part of norm below prefix ("" when equal), or NULL when norm is not
 * under prefix. */
static const char *below(const char *norm, const char *prefix)
{
	size_t n = strlen(prefix);

	if (!n)
		return norm;
	if (strncmp(norm, prefix, n))
		return NULL;
	if (norm[n] == 0)
		return norm + n;
	return norm[n] == '/' ? norm + n + 1 : NULL;
}

int fs_ftree_is_dir(const struct fs_ftree *t, const char *prefix)
{
	if (!*prefix)
		return 1;
	for (size_t i = 0; i < t->n; i++)
		if (below(t->e[i].norm, prefix))
			return 1;
	return 0;
}

int fs_ftree_find(const struct fs_ftree *t, const char *prefix,
		  const char *name, int64_t *id, int64_t *mtime)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->e[i].norm, prefix) &&
		    !strcmp(t->e[i].name, name)) {
			*id = t->e[i].id;
			*mtime = t->e[i].mtime;
			return 0;
		}
	return -ENOENT;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int fs_ftree_list(const struct fs_ftree *t, const char *prefix,
		  fs_list_fn fn, void *ctx)
{
	struct strv dirs = STRV_INIT;
	int rc = 0;

	for (size_t i = 0; i < t->n; i++) {
		const char *rest = below(t->e[i].norm, prefix);

		if (rest && *rest)
			strv_push_owned(&dirs, xstrndup(rest,
							strcspn(rest, "/")));
	}
	if (dirs.n)
		qsort(dirs.v, dirs.n, sizeof(*dirs.v), cmp_str);
	for (size_t i = 0; !rc && i < dirs.n; i++)
		if (!i || strcmp(dirs.v[i - 1], dirs.v[i]))
			rc = fn(ctx, dirs.v[i], FS_DIR);
	for (size_t i = 0; !rc && i < t->n; i++) {
		const char *rest = below(t->e[i].norm, prefix);

		/* a link whose name is also a directory here stays hidden */
		if (rest && !*rest && (!dirs.n ||
				       !bsearch(&t->e[i].name, dirs.v, dirs.n,
						sizeof(*dirs.v), cmp_str)))
			rc = fn(ctx, t->e[i].name, FS_LNK);
	}
	strv_clear(&dirs);
	return rc;
}
