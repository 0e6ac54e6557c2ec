/* render.c: fs_render_query, a search rendered as text or JSON (render.h):
 * parse, apply the scope and overrides, search, then look up each hit's
 * exchange for its name, project and distilled fields. */
#include "common.h"
#include "render.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "search.h"

static double round4(double x)
{
	return round(x * 10000.0) / 10000.0;
}

static int render_error(const char *input, const char *msg, int json,
			struct buf *out)
{
	cJSON *o;
	char *s;
	int rc;

	if (!json) {
		size_t at = out->len;

		rc = buf_addf(out, "# error: %s", msg);
		for (size_t i = at; !rc && i < out->len; i++)
			if ((unsigned char)out->p[i] < 0x20)
				out->p[i] = ' ';
		return rc ? rc : buf_addc(out, '\n');
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", msg);
	cJSON_AddStringToObject(o, "query", input);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	rc = s ? buf_addf(out, "%s\n", s) : -ENOMEM;
	free(s);
	return rc;
}

/* Each line of s, tab-indented. */
static void add_indented(struct buf *out, const char *s)
{
	while (*s) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		buf_addc(out, '\t');
		buf_add(out, s, n);
		buf_addc(out, '\n');
		s += n + (e ? 1 : 0);
	}
}

static void text_hit(struct buf *out, size_t rank, const struct idx_hit *h,
		     const struct store_exchange *x)
{
	if (rank > 1)
		buf_addc(out, '\n');
	buf_addf(out, "%zu\t%.4f\tprojects/%s/exchanges/%06lld-%s\n", rank,
		 h->score, x->project, (long long)x->id, x->slug);
	add_indented(out, x->d.core);
	add_indented(out, x->d.context);
}

static cJSON *json_scores(const struct idx_hit *h, int mode)
{
	cJSON *s = cJSON_CreateObject();
	unsigned mask = idx_mode_signals(mode);
	int fused = 0;

	for (int i = 0; i < IDX_NSIG; i++)
		fused += !!(mask & (1u << i));
	for (int i = 0; i < IDX_NSIG; i++)
		if (h->has & (1u << i))
			cJSON_AddNumberToObject(s, idx_sig_name(i),
						round4(h->sig[i]));
	if (fused > 1)
		cJSON_AddNumberToObject(s, idx_mode_name(mode),
					round4(h->score));
	return s;
}

static cJSON *json_hit(size_t rank, const struct idx_hit *h, int mode,
		       const struct store_exchange *x)
{
	cJSON *o = cJSON_CreateObject(), *rooms, *files;
	struct buf name = BUF_INIT(BUF_MAX_SMALL), path = BUF_INIT(BUF_MAX_SMALL);

	store_exchange_name(x->id, x->slug, &name);
	buf_addf(&path, "projects/%s/exchanges/%s", x->project, buf_str(&name));
	cJSON_AddNumberToObject(o, "rank", (double)rank);
	cJSON_AddNumberToObject(o, "score", round4(h->score));
	cJSON_AddStringToObject(o, "id", buf_str(&name));
	cJSON_AddStringToObject(o, "project", x->project);
	cJSON_AddStringToObject(o, "path", buf_str(&path));
	cJSON_AddStringToObject(o, "core", x->d.core);
	cJSON_AddStringToObject(o, "context", x->d.context);
	rooms = cJSON_AddArrayToObject(o, "rooms");
	for (int i = 0; i < x->d.nrooms; i++) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "type",
					room_type_name(x->d.rooms[i].type));
		cJSON_AddStringToObject(r, "key", x->d.rooms[i].key);
		cJSON_AddStringToObject(r, "label", x->d.rooms[i].label);
		cJSON_AddNumberToObject(r, "relevance",
					round4(x->d.rooms[i].relevance));
		cJSON_AddItemToArray(rooms, r);
	}
	files = cJSON_AddArrayToObject(o, "files");
	for (size_t i = 0; i < x->d.files.n; i++)
		cJSON_AddItemToArray(files,
				     cJSON_CreateString(x->d.files.v[i]));
	cJSON_AddItemToObject(o, "scores", json_scores(h, mode));
	buf_release(&name);
	buf_release(&path);
	return o;
}

static int render_results(struct store *st, const struct idx_query *q,
			  const struct idx_results *res, int json,
			  struct buf *out)
{
	cJSON *root = NULL, *arr = NULL;
	int rc = 0;

	if (json) {
		root = cJSON_CreateObject();
		cJSON_AddStringToObject(root, "query", q->input);
		cJSON_AddStringToObject(root, "mode", idx_mode_name(res->mode));
		arr = cJSON_AddArrayToObject(root, "results");
	} else {
		buf_addf(out, "# query: %s  mode: %s  results: %zu\n", q->input,
			 idx_mode_name(res->mode), res->n);
	}
	for (size_t i = 0; !rc && i < res->n; i++) {
		struct store_exchange x;

		rc = store_get_exchange(st, res->v[i].id, &x);
		if (rc)
			break;
		if (json)
			cJSON_AddItemToArray(arr, json_hit(i + 1, &res->v[i],
							   res->mode, &x));
		else
			text_hit(out, i + 1, &res->v[i], &x);
		store_exchange_release(&x);
	}
	if (json && !rc) {
		char *s = cJSON_PrintUnformatted(root);

		rc = s ? buf_addf(out, "%s\n", s) : -ENOMEM;
		free(s);
	}
	cJSON_Delete(root);
	return rc;
}

/* Applies overrides and the scope; 0, or -EINVAL with a message. */
static int apply_opts(struct idx_query *q, const struct fs_query_opts *o,
		      struct buf *err)
{
	if (o->mode >= 0)
		q->mode = o->mode;
	if (o->limit)
		q->limit = o->limit;
	if (o->project) {
		free(q->project);
		q->project = xstrdup(o->project);
	}
	if (!o->scope)
		return 0;
	if (q->project && strcmp(q->project, o->scope)) {
		buf_addf(err, "project:%s is outside this view (only %s is "
			 "visible)", q->project, o->scope);
		return -EINVAL;
	}
	free(q->project);
	q->project = xstrdup(o->scope);
	return 0;
}

int fs_render_query_opts(struct store *st, const char *terms,
			 const struct fs_query_opts *o, struct buf *out)
{
	struct idx_query q;
	struct idx_results res = IDX_RESULTS_INIT;
	struct buf err = BUF_INIT(BUF_MAX_SMALL);
	int rc = idx_query_parse(terms, 0, &q, &err), failed = 1;

	if (!rc)
		rc = apply_opts(&q, o, &err);
	if (rc) {
		rc = render_error(q.input ? q.input : "", buf_str(&err),
				  o->json, out);
	} else {
		rc = idx_search(st, &q, NULL, &res, &err);
		if (rc) {
			if (!err.len)
				buf_addf(&err, "search failed: %s", err_str(rc));
			rc = render_error(q.input, buf_str(&err), o->json, out);
		} else {
			rc = render_results(st, &q, &res, o->json, out);
			failed = 0;
		}
	}
	idx_results_release(&res);
	idx_query_release(&q);
	buf_release(&err);
	return rc ? rc : failed;
}

int fs_render_query(struct store *st, const char *terms, const char *scope,
		    int json, struct buf *out)
{
	struct fs_query_opts o = { scope, json, -1, NULL, 0 };
	int rc = fs_render_query_opts(st, terms, &o, out);

	return rc < 0 ? rc : 0;
}
