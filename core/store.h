/* store.h: the SQLite store: projects, conversations, exchanges with their
 * four fields and verbatim text, rooms, files touched, and the FTS5 tables
 * kept in step by triggers (so an exchange and its index rows are always
 * written, changed and removed in one transaction).
 *
 * Schema (see SCHEMA in store.c; versioned by PRAGMA user_version, migrated
 * forward on open):
 *   projects(id, name)
 *   conversations(id, project_id, key, parent_key, title, source, nplies,
 *                 t_start, t_end, cwd)
 *   exchanges(id AUTOINCREMENT, project_id, conversation_id, ply_start,
 *             ply_end, slug, t_start, t_end, verbatim, core, context,
 *             distilled, source_ids (JSON array), tokens_verbatim,
 *             tokens_distilled, distiller, state, hash)
 *   rooms(id, project_id, type, key, label), exchange_rooms(exchange_id,
 *             room_id, relevance), exchange_files(exchange_id, ord, path)
 *   fts_verbatim, fts_distilled: FTS5 external-content over exchanges
 *   vectors(exchange_id, layer, model, dim, v): owned by index/
 *   llm_cache(hash, reply): owned by the LLM distiller
 *   forgotten(exchange_id, project, conv_key, ply_start, source_id,
 *             forgotten_at): tombstones of forgotten exchanges, no text
 *             (store_forget.c)
 *
 * An exchange's public name is "%06lld-slug" of its id; ids are never
 * reused (AUTOINCREMENT), so names are stable and sort in ingest order.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "distill.h"

struct sqlite3;
struct sqlite3_stmt;

#define STORE_MAX_STMT 64

enum store_state {
	STORE_DONE = 0,         /* distilled by its distiller */
	STORE_PENDING = 1,      /* heuristic fields, waiting for the LLM */
	STORE_FAILED = 2,       /* the LLM request failed; redistill retries */
};

struct store {
	struct sqlite3 *db;
	char *path;
	int readonly;
	/* Prepared statements, keyed by their SQL text's address (a static
	 * string of the caller), prepared on first use, finalized together
	 * by store_close. */
	const char *stmt_sql[STORE_MAX_STMT];
	struct sqlite3_stmt *stmt[STORE_MAX_STMT];
	int nstmt;
	/* First exchange id whose FTS rows are not written yet (0: none);
	 * store_commit writes them in one statement per table. */
	int64_t fts_from;
};

struct store_exchange {
	int64_t id;
	int64_t project_id, conv_id;
	char *project;          /* project name */
	char *conv_key;         /* conversation key (session id) */
	char *slug;
	size_t ply_start, ply_end;
	int64_t t_start, t_end;
	char *verbatim;
	struct distill d;       /* core, context, rooms, files, distiller */
	char *source_ids;       /* JSON array of source message ids */
	long tokens_verbatim, tokens_distilled;
	int state;              /* enum store_state */
	char *hash;             /* hex hash of the verbatim text */
	/* Filled when read (store_links.c): the name ("000008-slug") of the
	 * exchange whose agent launched this sidechain's conversation, or
	 * NULL; the names of the first exchanges of the sidechains this one
	 * launched. */
	char *launched_by;
	struct strv launched;
};

/* store_open flags.  0: read-write, created (with its folders) if absent,
 * migrated forward.  STORE_NOCREATE: read-write, but the file must exist.
 * STORE_RDONLY: SQLITE_OPEN_READONLY, never created nor migrated; works in
 * a read-only directory (see open_readonly in store.c). */
#define STORE_RDONLY 1
#define STORE_NOCREATE 2

/* Opens the database at path (as flags say).  On error returns -errno and
 * writes one line into err; -ENOENT ("PATH: no memory there yet") when a
 * flag forbids creating it and it does not exist. */
int store_open(const char *path, int flags, struct store *st, struct buf *err);
void store_close(struct store *st);
/* Default database path: $RECALLFS_DB, $XDG_DATA_HOME/recallfs/memory.db,
 * ~/.local/share/recallfs/memory.db, made absolute (store_abs_path).
 * Owned by the caller. */
char *store_default_path(void);
/* path made absolute against the current directory, so that it names the
 * same file after a daemon changes to "/".  Owned by the caller. */
char *store_abs_path(const char *path);

/* The cached statement for sql (a string with static storage: its address
 * is the key), reset and with bindings cleared; the caller steps it and
 * calls sqlite3_reset when done (never finalize).  SQLite result code. */
int store_prep(struct store *st, const char *sql, struct sqlite3_stmt **s);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  -errno.  store_commit first
 * writes the FTS rows of exchanges put in this transaction. */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);
/* Writes the FTS rows of exchanges put since the last flush (store_commit
 * and store_delete_exchange call it). */
int store_fts_flush(struct store *st);

/* Runs PRAGMA integrity_check and FTS5 integrity-check; 0 when all is well,
 * else -EUCLEAN with the first problem in err. */
int store_check(struct store *st, struct buf *err);

/* Project id by name, creating it when create is set.  -ENOENT. */
int store_project(struct store *st, const char *name, int create, int64_t *id);
/* 1 if name is usable as a project name (a single path component: not
 * empty, ".", "..", no '/', no control characters, <= 200 bytes). */
int store_project_name_ok(const char *name);

/* Conversation by key: fills *id, *nplies; -ENOENT when absent. */
int store_conv_find(struct store *st, const char *key, int64_t *id,
		    size_t *nplies);
/* Creates or updates a conversation row; *id gets its id. */
int store_conv_put(struct store *st, int64_t project_id, const char *key,
		   const char *parent_key, const char *title,
		   const char *source, size_t nplies, int64_t t_start,
		   int64_t t_end, int64_t *id);

/* Records the working directory of a conversation (NULL or "": nothing
 * is changed). */
int store_conv_set_cwd(struct store *st, int64_t conv_id, const char *cwd);

struct store_range {
	int64_t id;
	size_t ply_start, ply_end;
	char *hash;
};
/* The exchanges of a conversation, in ply order; caller frees with
 * store_ranges_free. */
int store_conv_ranges(struct store *st, int64_t conv_id,
		      struct store_range **out, size_t *n);
void store_ranges_free(struct store_range *r, size_t n);

/* Inserts x (id ignored; project_id, conv_id, plies, times, verbatim, d,
 * source_ids, tokens, state, hash used) with its rooms and files; *id gets
 * the new id.  Call inside store_begin/commit. */
int store_put_exchange(struct store *st, const struct store_exchange *x,
		       int64_t *id);
/* Replaces the distilled fields (core, context, rooms, files kept) and
 * state of exchange id; the FTS rows follow by trigger. */
int store_update_distilled(struct store *st, int64_t id,
			   const struct distill *d, int state);
/* Forgets an exchange (the user's wish: `recallfs forget`, rm in the
 * mount): removes it from every table and index and keeps a tombstone
 * without text, so ingest never stores it again (store_forget.c).
 * -ENOENT. */
int store_delete_exchange(struct store *st, int64_t id);
/* Removes an exchange from every table and index WITHOUT a tombstone: only
 * for ingest replacing an exchange whose plies changed.  -ENOENT. */
int store_drop_exchange(struct store *st, int64_t id);
/* 1 when the exchange of conversation conv_key that starts at ply_start
 * (whose first ply has message id source_id, or NULL) was forgotten; 0 when
 * not; -errno. */
int store_forgotten(struct store *st, const char *conv_key, size_t ply_start,
		    const char *source_id);
/* Removes the tombstone of exchange name ("42", "000042-slug", ...) and
 * marks its conversation to be read whole by the next ingest, which then
 * restores it; source (if not NULL) gets the transcript it came from.
 * -ENOENT when name was not forgotten, -EINVAL when it is not an id. */
int store_unforget(struct store *st, const char *name, struct buf *source);
typedef void (*store_tomb_fn)(void *ctx, int64_t id, const char *project,
			      const char *conv_key, size_t ply_start,
			      int64_t when);
/* Every tombstone, oldest id first. */
int store_forgotten_list(struct store *st, store_tomb_fn fn, void *ctx);

/* Fills x->launched_by and x->launched (x read with ids, conversation and
 * times).  -errno. */
int store_links_fill(struct store *st, struct store_exchange *x);

/* Reads one exchange.  -ENOENT. */
int store_get_exchange(struct store *st, int64_t id, struct store_exchange *x);
void store_exchange_release(struct store_exchange *x);
/* Resolves "42", "000042", "000042-slug" or "project/000042-slug". */
int store_resolve(struct store *st, const char *name, int64_t *id);
/* The number of such a name, and its slug ("" when none): no look-up.
 * -EINVAL when name is not of that form. */
int store_name_number(const char *name, int64_t *id, const char **slug);
/* Appends "%06lld-slug" to out. */
int store_exchange_name(int64_t id, const char *slug, struct buf *out);

/* Per-project statistics. */
struct store_pstats {
	char *name;
	long conversations, exchanges;
	long tokens_verbatim, tokens_distilled;
	long heuristic, llm, pending, failed;
};
int store_stats(struct store *st, struct store_pstats **out, size_t *n);
void store_stats_free(struct store_pstats *p, size_t n);

#endif
