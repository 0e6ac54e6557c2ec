/* eval.c: idx_eval_run (eval.h): reads the queries file line by line,
 * finds each query's relevant exchanges through their source ids, runs the
 * search of every mode asked for and accumulates R@1, R@5, R@10 and MRR. */
#include "common.h"
#include "eval.h"

#include <cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

struct equery {
	char *text, *project;
	char *relevant;         /* JSON array of ids */
};

static void equery_release(struct equery *q)
{
	free(q->text);
	free(q->project);
	free(q->relevant);
}

static int bad_line(struct buf *err, size_t line, const char *what)
{
	buf_addf(err, "line %zu: %s", line, what);
	return -EINVAL;
}

static int parse_line(const char *s, size_t len, size_t line,
		      struct equery *q, struct buf *err)
{
	cJSON *o = cJSON_ParseWithLength(s, len), *t, *p, *r, *it;

	memset(q, 0, sizeof(*q));
	if (!o || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return bad_line(err, line, "not a JSON object");
	}
	t = cJSON_GetObjectItemCaseSensitive(o, "query");
	p = cJSON_GetObjectItemCaseSensitive(o, "project");
	r = cJSON_GetObjectItemCaseSensitive(o, "relevant");
	if (!cJSON_IsString(t) || !t->valuestring[0]) {
		cJSON_Delete(o);
		return bad_line(err, line, "no \"query\" string");
	}
	if (!cJSON_IsArray(r)) {
		cJSON_Delete(o);
		return bad_line(err, line, "no \"relevant\" list of ids");
	}
	cJSON_ArrayForEach(it, r)
		if (!cJSON_IsString(it)) {
			cJSON_Delete(o);
			return bad_line(err, line, "\"relevant\" holds a "
					"value that is not a string");
		}
	q->text = xstrdup(t->valuestring);
	q->project = cJSON_IsString(p) && p->valuestring[0] ?
		xstrdup(p->valuestring) : NULL;
	q->relevant = cJSON_PrintUnformatted(r);
	cJSON_Delete(o);
	if (!q->relevant) {
		equery_release(q);
		return -ENOMEM;
	}
	return 0;
}

struct idset {
	int64_t *v;
	size_t n, cap;
};

static int idset_has(const struct idset *s, int64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return 1;
	return 0;
}

/* The exchanges (of project_id, 0 = any) holding any id of q->relevant. */
static int relevant_ids(struct store *st, const struct equery *q,
			int64_t project_id, struct idset *out)
{
	static const char sql[] =
		"SELECT DISTINCT e.id FROM exchanges e, json_each(e.source_ids) j"
		" WHERE (?1 = 0 OR e.project_id = ?1)"
		" AND j.value IN (SELECT value FROM json_each(?2))";
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	out->n = 0;
	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, project_id);
	sqlite3_bind_text(s, 2, q->relevant, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		XGROW(out->v, out->cap, out->n + 1);
		out->v[out->n++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

static void score_one(struct idx_eval_score *m, const struct idx_results *r,
		      const struct idset *rel)
{
	for (size_t i = 0; i < r->n && i < IDX_EVAL_DEPTH; i++) {
		if (!idset_has(rel, r->v[i].id))
			continue;
		m->r1 += i < 1;
		m->r5 += i < 5;
		m->r10 += i < 10;
		m->mrr += 1.0 / (double)(i + 1);
		return;
	}
}

static int eval_query(struct store *st, const struct equery *eq,
		      const struct idx_opts *o, struct idx_eval *res,
		      struct idset *rel, size_t line, struct buf *err)
{
	struct idx_query q;
	struct idx_results r = IDX_RESULTS_INIT;
	int64_t pid = 0;
	int rc = idx_query_parse(eq->text, IDX_QPLAIN, &q, err);

	if (rc) {
		struct buf why = BUF_INIT(BUF_MAX_SMALL);

		buf_addf(&why, "query: %s", buf_str(err));
		buf_reset(err);
		rc = bad_line(err, line, buf_str(&why));
		buf_release(&why);
		idx_query_release(&q);
		return rc;
	}
	q.limit = IDX_EVAL_DEPTH;
	q.project = eq->project ? xstrdup(eq->project) : NULL;
	rel->n = 0;
	if (eq->project && store_project(st, eq->project, 0, &pid))
		pid = -1;       /* no such project: nothing is relevant */
	if (pid >= 0)
		rc = relevant_ids(st, eq, pid, rel);
	res->unresolved += !rc && !rel->n;
	for (size_t i = 0; !rc && rel->n && i < res->nm; i++) {
		q.mode = res->m[i].mode;
		rc = idx_search(st, &q, o, &r, err);
		if (!rc)
			score_one(&res->m[i], &r, rel);
	}
	idx_results_release(&r);
	idx_query_release(&q);
	return rc;
}

int idx_eval_run(struct store *st, const char *data, size_t len,
		 const int *modes, size_t nmodes, const struct idx_opts *o,
		 struct idx_eval *res, struct buf *err)
{
	struct idset rel = { NULL, 0, 0 };
	const char *p = data, *end = data + len;
	size_t line = 0;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < nmodes && i < IDX_NMODES; i++)
		res->m[res->nm++].mode = modes[i];
	while (!rc && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct equery eq;
		size_t k = 0;

		line++;
		while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r'))
			k++;
		if (k < n) {
			rc = parse_line(p, n, line, &eq, err);
			if (!rc) {
				res->queries++;
				rc = eval_query(st, &eq, o, res, &rel, line,
						err);
				equery_release(&eq);
			}
		}
		p += n + 1;
	}
	free(rel.v);
	for (size_t i = 0; res->queries && i < res->nm; i++) {
		struct idx_eval_score *m = &res->m[i];
		double q = (double)res->queries;

		m->r1 /= q;
		m->r5 /= q;
		m->r10 /= q;
		m->mrr /= q;
	}
	if (!rc && !res->queries) {
		buf_adds(err, "no queries in the file");
		rc = -EINVAL;
	}
	return rc;
}
