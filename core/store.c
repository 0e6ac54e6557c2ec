/* store.c: opening the database, the schema and its forward migrations,
 * transactions, integrity checks, projects and conversations.  Exchange rows
 * are written in store_exchange.c, read in store_read.c. */
#include "common.h"
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

/* Each entry migrates from version i to i+1; append, never edit. */
static const char *const migrations[] = {
	/* 0 -> 1: the first schema */
	"CREATE TABLE projects("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE conversations("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  key TEXT NOT NULL UNIQUE, parent_key TEXT, title TEXT, source TEXT,"
	"  nplies INTEGER NOT NULL DEFAULT 0, t_start INTEGER, t_end INTEGER);"
	"CREATE INDEX conversations_project ON conversations(project_id);"
	"CREATE TABLE exchanges("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  conversation_id INTEGER NOT NULL"
	"    REFERENCES conversations(id) ON DELETE CASCADE,"
	"  ply_start INTEGER NOT NULL, ply_end INTEGER NOT NULL,"
	"  slug TEXT NOT NULL, t_start INTEGER, t_end INTEGER,"
	"  verbatim TEXT NOT NULL, core TEXT NOT NULL, context TEXT NOT NULL,"
	"  distilled TEXT NOT NULL, source_ids TEXT NOT NULL DEFAULT '[]',"
	"  tokens_verbatim INTEGER NOT NULL DEFAULT 0,"
	"  tokens_distilled INTEGER NOT NULL DEFAULT 0,"
	"  distiller TEXT NOT NULL, state INTEGER NOT NULL DEFAULT 0,"
	"  hash TEXT NOT NULL,"
	"  UNIQUE(conversation_id, ply_start, ply_end));"
	"CREATE INDEX exchanges_project ON exchanges(project_id, id);"
	"CREATE INDEX exchanges_state ON exchanges(state) WHERE state <> 0;"
	"CREATE TABLE rooms("
	"  id INTEGER PRIMARY KEY,"
	"  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
	"  type TEXT NOT NULL CHECK(type IN ('file','concept','workflow')),"
	"  key TEXT NOT NULL, label TEXT NOT NULL,"
	"  UNIQUE(project_id, type, key));"
	"CREATE TABLE exchange_rooms("
	"  exchange_id INTEGER NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,"
	"  room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,"
	"  relevance REAL NOT NULL, PRIMARY KEY(exchange_id, room_id));"
	"CREATE INDEX exchange_rooms_room ON exchange_rooms(room_id);"
	"CREATE TABLE exchange_files("
	"  exchange_id INTEGER NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,"
	"  ord INTEGER NOT NULL, path TEXT NOT NULL,"
	"  PRIMARY KEY(exchange_id, ord));"
	"CREATE INDEX exchange_files_path ON exchange_files(path);"
	"CREATE TABLE vectors("
	"  exchange_id INTEGER NOT NULL REFERENCES exchanges(id) ON DELETE CASCADE,"
	"  layer INTEGER NOT NULL, model TEXT NOT NULL, dim INTEGER NOT NULL,"
	"  v BLOB NOT NULL, PRIMARY KEY(exchange_id, layer));"
	"CREATE TABLE llm_cache(hash TEXT PRIMARY KEY, reply TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE VIRTUAL TABLE fts_verbatim USING fts5(verbatim,"
	"  content='exchanges', content_rowid='id',"
	"  tokenize='porter unicode61 remove_diacritics 2');"
	"CREATE VIRTUAL TABLE fts_distilled USING fts5(distilled,"
	"  content='exchanges', content_rowid='id',"
	"  tokenize='porter unicode61 remove_diacritics 2');"
	"CREATE TRIGGER exchanges_ai AFTER INSERT ON exchanges BEGIN"
	"  INSERT INTO fts_verbatim(rowid, verbatim) VALUES (new.id, new.verbatim);"
	"  INSERT INTO fts_distilled(rowid, distilled)"
	"    VALUES (new.id, new.distilled);"
	"END;"
	"CREATE TRIGGER exchanges_ad AFTER DELETE ON exchanges BEGIN"
	"  INSERT INTO fts_verbatim(fts_verbatim, rowid, verbatim)"
	"    VALUES ('delete', old.id, old.verbatim);"
	"  INSERT INTO fts_distilled(fts_distilled, rowid, distilled)"
	"    VALUES ('delete', old.id, old.distilled);"
	"END;"
	"CREATE TRIGGER exchanges_au AFTER UPDATE OF distilled ON exchanges BEGIN"
	"  INSERT INTO fts_distilled(fts_distilled, rowid, distilled)"
	"    VALUES ('delete', old.id, old.distilled);"
	"  INSERT INTO fts_distilled(rowid, distilled)"
	"    VALUES (new.id, new.distilled);"
	"END;",
	/* 1 -> 2: FTS rows of new exchanges are written by store_commit in one
	 * INSERT ... SELECT per table: a per-row trigger made FTS5 flush its
	 * pending terms at every later statement of the transaction. */
	"DROP TRIGGER exchanges_ai;",
	/* 2 -> 3: the working directory a conversation was recorded in, so
	 * `recallfs context` finds the project of the current directory */
	"ALTER TABLE conversations ADD COLUMN cwd TEXT;",
	/* 3 -> 4: tombstones of forgotten exchanges (store_forget.c): their
	 * identity only, never their text */
	"CREATE TABLE forgotten("
	"  exchange_id INTEGER PRIMARY KEY, project TEXT NOT NULL,"
	"  conv_key TEXT NOT NULL, ply_start INTEGER NOT NULL, source_id TEXT,"
	"  forgotten_at INTEGER NOT NULL);"
	"CREATE INDEX forgotten_conv ON forgotten(conv_key);",
};

static int set_err(struct buf *err, int rc, sqlite3 *db, const char *what)
{
	if (err)
		buf_addf(err, "%s: %s", what, db ? sqlite3_errmsg(db) :
			 sqlite3_errstr(rc));
	return -err_from_sqlite(rc);
}

static int user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);

	if (rc)
		return rc;
	rc = sqlite3_step(s);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int migrate(sqlite3 *db, struct buf *err)
{
	int v, rc;
	char sql[64];

	rc = user_version(db, &v);
	if (rc)
		return set_err(err, rc, db, "reading schema version");
	if (v > (int)ARRAY_SIZE(migrations)) {
		buf_addf(err, "schema version %d is newer than this recallfs "
			 "(%zu)", v, ARRAY_SIZE(migrations));
		return -EPROTO;
	}
	for (; v < (int)ARRAY_SIZE(migrations); v++) {
		rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (!rc)
			rc = sqlite3_exec(db, migrations[v], NULL, NULL, NULL);
		snprintf(sql, sizeof(sql), "PRAGMA user_version=%d", v + 1);
		if (!rc)
			rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if (!rc)
			rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		if (rc) {
			int e = set_err(err, rc, db, "migrating schema");

			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return e;
		}
	}
	return 0;
}

static void mkdir_parents(const char *path)
{
	char *p = xstrdup(path);

	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		mkdir(p, 0700);
		*s = '/';
	}
	free(p);
}

/* "-wal" beside path holds commits not yet in the file. */
static int wal_has_data(const char *path)
{
	struct buf w = BUF_INIT(BUF_MAX_SMALL);
	struct stat sb;
	int yes;

	buf_addf(&w, "%s-wal", path);
	yes = stat(buf_str(&w), &sb) == 0 && sb.st_size > 0;
	buf_release(&w);
	return yes;
}

/* "file:PATH?immutable=1", PATH %-escaped as a URI path. */
static char *immutable_uri(const char *path)
{
	struct buf u = BUF_INIT(BUF_MAX_SMALL);

	buf_adds(&u, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/._-~", *p))
			buf_addc(&u, (char)*p);
		else
			buf_addf(&u, "%%%02X", *p);
	buf_adds(&u, "?immutable=1");
	return buf_detach(&u);
}

/* A read-only open.  A WAL database needs its -shm file even to read;
 * where it is absent and cannot be created (a read-only directory or
 * mount) and no -wal holds unmerged commits, the file alone is the whole
 * database, and it is opened immutable (no -shm, no locks).  A writer
 * that appears later is not seen by such a connection. */
static int open_readonly(const char *path, sqlite3 **db)
{
	int rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY |
				 SQLITE_OPEN_NOMUTEX, NULL);
	char *uri;

	if (!rc)
		rc = sqlite3_exec(*db, "SELECT count(*) FROM sqlite_schema",
				  NULL, NULL, NULL);
	if (((rc & 0xff) != SQLITE_CANTOPEN && (rc & 0xff) != SQLITE_READONLY)
	    || wal_has_data(path))
		return rc;
	sqlite3_close(*db);
	uri = immutable_uri(path);
	rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
			     SQLITE_OPEN_NOMUTEX, NULL);
	free(uri);
	return rc;
}

/* A read-write open that failed where the file or its folder cannot be
 * written (a read-only directory or mount) says so. */
static int cannot_write(struct buf *err, int rc, sqlite3 *db,
			const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (slash)
		slash[slash == dir] = 0;
	if (access(path, F_OK) == 0 &&
	    (access(path, W_OK) || access(slash ? dir : ".", W_OK))) {
		buf_addf(err, "%s: cannot write there (%s); only commands that "
			 "do not write (stats, query, show, export) work on it",
			 path, access(path, W_OK) ? strerror(errno) :
			 "its folder is read-only");
		rc = SQLITE_READONLY;
	} else {
		set_err(err, rc, db, path);
	}
	free(dir);
	return -err_from_sqlite(rc);
}

int store_open(const char *path, int flags, struct store *st, struct buf *err)
{
	int oflags = SQLITE_OPEN_NOMUTEX, rc;
	sqlite3 *db = NULL;
	struct stat sb;

	memset(st, 0, sizeof(*st));
	st->readonly = !!(flags & STORE_RDONLY);
	/* only a command that writes may create a database */
	if ((flags & (STORE_RDONLY | STORE_NOCREATE)) && stat(path, &sb) &&
	    errno == ENOENT) {
		buf_addf(err, "%s: no memory there yet", path);
		return -ENOENT;
	}
	if (st->readonly) {
		rc = open_readonly(path, &db);
	} else {
		oflags |= SQLITE_OPEN_READWRITE;
		if (!(flags & STORE_NOCREATE)) {
			oflags |= SQLITE_OPEN_CREATE;
			mkdir_parents(path);
		}
		rc = sqlite3_open_v2(path, &db, oflags, NULL);
	}
	if (rc) {
		int e = set_err(err, rc, db, path);

		sqlite3_close(db);
		return e;
	}
	sqlite3_busy_timeout(db, 10000);
	sqlite3_extended_result_codes(db, 1);
	rc = sqlite3_exec(db, "PRAGMA foreign_keys=ON;"
			  "PRAGMA synchronous=NORMAL;", NULL, NULL, NULL);
	if (!rc && !st->readonly)
		rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL,
				  NULL);
	if (rc) {
		int e = st->readonly ? set_err(err, rc, db, path) :
			cannot_write(err, rc, db, path);

		sqlite3_close(db);
		return e;
	}
	st->db = db;
	st->path = xstrdup(path);
	if (!st->readonly) {
		rc = migrate(db, err);
		if (rc) {
			store_close(st);
			return rc;
		}
	}
	return 0;
}

int store_prep(struct store *st, const char *sql, sqlite3_stmt **s)
{
	int i, rc;

	for (i = 0; i < st->nstmt; i++)
		if (st->stmt_sql[i] == sql) {
			sqlite3_reset(st->stmt[i]);
			sqlite3_clear_bindings(st->stmt[i]);
			*s = st->stmt[i];
			return SQLITE_OK;
		}
	if (st->nstmt == STORE_MAX_STMT)
		return SQLITE_FULL;
	rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s,
				NULL);
	if (rc)
		return rc;
	st->stmt_sql[st->nstmt] = sql;
	st->stmt[st->nstmt++] = *s;
	return SQLITE_OK;
}

void store_close(struct store *st)
{
	for (int i = 0; i < st->nstmt; i++)
		sqlite3_finalize(st->stmt[i]);
	if (st->db)
		sqlite3_close_v2(st->db);
	free(st->path);
	memset(st, 0, sizeof(*st));
}

char *store_abs_path(const char *path)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	const char *slash = strrchr(path, '/'), *base;
	char *dir, *real, cwd[4096];

	if (path[0] == '/')
		return xstrdup(path);
	/* the folder made real ("../m.db" from /tmp/x is /tmp/m.db); a
	 * folder that does not exist yet is joined to the cwd as written */
	dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	base = slash ? slash + 1 : path;
	real = *dir && *base && strcmp(base, ".") && strcmp(base, "..") ?
		realpath(dir, NULL) : NULL;
	if (real)
		buf_addf(&b, "%s/%s", strcmp(real, "/") ? real : "", base);
	else if (getcwd(cwd, sizeof(cwd)))
		buf_addf(&b, "%s/%s", strcmp(cwd, "/") ? cwd : "", path);
	else
		buf_adds(&b, path);
	free(real);
	free(dir);
	return buf_detach(&b);
}

char *store_default_path(void)
{
	struct buf b = BUF_INIT(BUF_MAX_SMALL);
	const char *e = getenv("RECALLFS_DB");
	char *abs;

	if (e && *e)
		return store_abs_path(e);
	e = getenv("XDG_DATA_HOME");
	if (e && *e == '/')
		buf_addf(&b, "%s/recallfs/memory.db", e);
	else
		buf_addf(&b, "%s/.local/share/recallfs/memory.db",
			 getenv("HOME") ? getenv("HOME") : ".");
	abs = store_abs_path(buf_str(&b));
	buf_release(&b);
	return abs;
}

static int exec(struct store *st, const char *sql)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return -err_from_sqlite(rc);
}

int store_begin(struct store *st)
{
	return exec(st, "BEGIN IMMEDIATE");
}

static int fts_insert(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	int rc = store_prep(st, sql, &s);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, st->fts_from);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}

int store_fts_flush(struct store *st)
{
	static const char vsql[] = "INSERT INTO fts_verbatim(rowid, verbatim)"
		" SELECT id, verbatim FROM exchanges WHERE id >= ?";
	static const char dsql[] = "INSERT INTO fts_distilled(rowid, distilled)"
		" SELECT id, distilled FROM exchanges WHERE id >= ?";
	int rc;

	if (!st->fts_from)
		return 0;
	rc = fts_insert(st, vsql);
	if (!rc)
		rc = fts_insert(st, dsql);
	if (!rc)
		st->fts_from = 0;
	return rc;
}

int store_commit(struct store *st)
{
	int rc = store_fts_flush(st);

	return rc ? rc : exec(st, "COMMIT");
}

void store_rollback(struct store *st)
{
	st->fts_from = 0;
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int check_one(struct store *st, const char *sql, int want_ok,
		     struct buf *err)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), bad = 0;

	if (rc)
		return set_err(err, rc, st->db, sql);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(s, 0);

		if (want_ok && t && strcmp(t, "ok")) {
			buf_addf(err, "integrity: %s", t);
			bad = 1;
			break;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE && !bad) {
		buf_addf(err, "%s: %s", sql, sqlite3_errmsg(st->db));
		bad = 1;
	}
	sqlite3_finalize(s);
	return bad ? -EUCLEAN : 0;
}

int store_check(struct store *st, struct buf *err)
{
	int rc = check_one(st, "PRAGMA integrity_check", 1, err);

	if (!rc)
		rc = check_one(st, "INSERT INTO fts_verbatim(fts_verbatim, rank)"
			       " VALUES ('integrity-check', 1)", 0, err);
	if (!rc)
		rc = check_one(st, "INSERT INTO fts_distilled(fts_distilled, "
			       "rank) VALUES ('integrity-check', 1)", 0, err);
	if (!rc)
		rc = check_one(st, "PRAGMA foreign_key_check", 0, err);
	return rc;
}

int store_project_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 200 || !strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int store_project(struct store *st, const char *name, int create, int64_t *id)
{
	static const char get[] = "SELECT id FROM projects WHERE name=?";
	static const char add[] = "INSERT INTO projects(name) VALUES (?)";
	sqlite3_stmt *s;
	int rc;

	if (!store_project_name_ok(name))
		return -EINVAL;
	rc = store_prep(st, get, &s);
	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		return 0;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return -err_from_sqlite(rc);
	if (!create)
		return -ENOENT;
	rc = store_prep(st, add, &s);
	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return -err_from_sqlite(rc);
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int store_conv_find(struct store *st, const char *key, int64_t *id,
		    size_t *nplies)
{
	static const char sql[] = "SELECT id, nplies FROM conversations"
		" WHERE key=?";
	sqlite3_stmt *s;
	int rc = store_prep(st, sql, &s);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		*nplies = (size_t)sqlite3_column_int64(s, 1);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : -err_from_sqlite(rc);
	}
	sqlite3_reset(s);
	return rc;
}

int store_conv_put(struct store *st, int64_t project_id, const char *key,
		   const char *parent_key, const char *title,
		   const char *source, size_t nplies, int64_t t_start,
		   int64_t t_end, int64_t *id)
{
	static const char sql[] =
		"INSERT INTO conversations(project_id, key, parent_key, title,"
		" source, nplies, t_start, t_end) VALUES (?,?,?,?,?,?,?,?)"
		" ON CONFLICT(key) DO UPDATE SET parent_key=excluded.parent_key,"
		" title=coalesce(excluded.title, title), source=excluded.source,"
		" nplies=excluded.nplies, t_start=excluded.t_start,"
		" t_end=excluded.t_end RETURNING id";
	sqlite3_stmt *s;
	int rc = store_prep(st, sql, &s);

	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_int64(s, 1, project_id);
	sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, parent_key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, (sqlite3_int64)nplies);
	sqlite3_bind_int64(s, 7, t_start);
	sqlite3_bind_int64(s, 8, t_end);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		rc = 0;
	} else {
		rc = -err_from_sqlite(rc);
	}
	sqlite3_reset(s);
	return rc;
}

int store_conv_set_cwd(struct store *st, int64_t conv_id, const char *cwd)
{
	static const char sql[] = "UPDATE conversations SET cwd=? WHERE id=?"
		" AND cwd IS NOT ?1";
	sqlite3_stmt *s;
	int rc;

	if (!cwd || !*cwd)
		return 0;
	rc = store_prep(st, sql, &s);
	if (rc)
		return -err_from_sqlite(rc);
	sqlite3_bind_text(s, 1, cwd, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, conv_id);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -err_from_sqlite(rc);
}
