/* store_view.h: the read queries a browsable view of the memory needs
 * (fs/ builds the mounted tree and the export from them): projects, the
 * exchanges of a project, rooms by type and key, conversations with their
 * exchanges in ply order, the files touched, the MEMORY.md material and the
 * status counts.  Every list is returned in a stable order.  Nothing here
 * knows a path of the mounted tree; names are raw store values (a file path
 * may hold '/', a room key too), the caller maps them to names. */
#ifndef STORE_VIEW_H
#define STORE_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "strv.h"

/* One exchange as a listing sees it.  Strings owned by the row; core,
 * context and rooms are filled only by store_view_memory (else NULL). */
struct store_xrow {
	int64_t id;
	char *slug;
	int64_t t_start, t_end;
	int64_t project_id;
	char *core, *context;
	char *rooms;            /* "type/key, type/key" or "" */
	int sidechain;          /* store_view_memory: a subagent's exchange */
	char *path;             /* store_view_files only: the raw path */
	char *project;          /* store_view_pending only: project name */
	char *room_type, *room_key;  /* store_view_rooms_all only */
	char *conv_key;         /* store_view_convs_all only */
};

struct store_xrows {
	struct store_xrow *v;
	size_t n, cap;
};

#define STORE_XROWS_INIT { NULL, 0, 0 }
void store_xrows_release(struct store_xrows *r);

/* Project names, sorted. */
int store_view_projects(struct store *st, struct strv *out);
/* Id of project name; -ENOENT when absent (never creates). */
int store_view_project_id(struct store *st, const char *name, int64_t *id);
/* Latest exchange time of a project, of all when project_id is 0 (0 when
 * there is none). */
int store_view_project_time(struct store *st, int64_t project_id,
			    int64_t *t);

/* The exchanges of a project, by id (which is time order of ingest). */
int store_view_exchanges(struct store *st, int64_t project_id,
			 struct store_xrows *out);
/* One exchange by id, only when it belongs to project_id (0 = any) and,
 * when slug is not NULL, has that slug.  -ENOENT otherwise. */
int store_view_exchange(struct store *st, int64_t project_id, int64_t id,
			const char *slug, struct store_xrow *out);
void store_xrow_release(struct store_xrow *r);

/* The exchanges of project_id with from <= id <= to, complete (as
 * store_get_exchange reads one), by id, in three queries: *out (owned by
 * the caller; release each with store_exchange_release, then free) gets
 * *n of them. */
int store_view_exchange_range(struct store *st, int64_t project_id,
			      int64_t from, int64_t to,
			      struct store_exchange **out, size_t *n);

/* Room types used by the project ("concept", "file", "workflow" order). */
int store_view_room_types(struct store *st, int64_t project_id,
			  struct strv *out);
/* Room keys of one type, sorted. */
int store_view_room_keys(struct store *st, int64_t project_id,
			 const char *type, struct strv *out);
/* Exchanges in a room, by id. */
int store_view_room_exchanges(struct store *st, int64_t project_id,
			      const char *type, const char *key,
			      struct store_xrows *out);

/* Every (room, exchange) pair of a project in one query, sorted by type,
 * key, then exchange id (rows carry room_type and room_key). */
int store_view_rooms_all(struct store *st, int64_t project_id,
			 struct store_xrows *out);
/* Every (conversation, exchange) pair of a project, sorted by key, then
 * ply order (rows carry conv_key). */
int store_view_convs_all(struct store *st, int64_t project_id,
			 struct store_xrows *out);

/* Conversation keys of the project that have exchanges, sorted. */
int store_view_convs(struct store *st, int64_t project_id, struct strv *out);
/* Exchanges of one conversation, in ply order. */
int store_view_conv_exchanges(struct store *st, int64_t project_id,
			      const char *key, struct store_xrows *out);

/* Every (raw path, exchange) pair of the project, sorted by path then id;
 * row.path holds the path. */
int store_view_files(struct store *st, int64_t project_id,
		     struct store_xrows *out);

/* The MEMORY.md material: every exchange of the project, oldest first
 * (by t_start, then id), with core, context, rooms and whether it is a
 * subagent's. */
int store_view_memory(struct store *st, int64_t project_id,
		      struct store_xrows *out);

/* Exchanges waiting for the LLM distiller (state PENDING), with their
 * project names, by id. */
int store_view_pending(struct store *st, struct store_xrows *out);

/* Totals for a status page. */
struct store_view_counts {
	long projects, conversations, exchanges;
	long pending, failed;        /* distillation state */
	long vectors;
};
int store_view_counts(struct store *st, struct store_view_counts *c);

/* Per project: how many exchanges and the largest id (an index-only
 * query: cheap enough to run after every commit), by project id. */
struct store_psum {
	int64_t pid, count, maxid;
};
int store_view_summary(struct store *st, struct store_psum **out,
		       size_t *n);
/* Every exchange's id with a fingerprint of its distilled fields, by id
 * (reads every row: for telling a redistill apart from nothing). */
struct store_xfp {
	int64_t id, pid, fp;
};
int store_view_fingerprints(struct store *st, struct store_xfp **out,
			    size_t *n);

/* (exchange id, project id) pairs, by exchange id (2 * *n values). */
int store_view_owners(struct store *st, int64_t **out, size_t *n);

/* SQLite's PRAGMA data_version: changes when another connection commits. */
int store_view_data_version(struct store *st, int64_t *v);

#endif
