/* llm.h: the LLM distiller for any OpenAI-compatible POST
 * {url}/chat/completions: configuration (llm_config.c), the prompt, schema
 * and reply validation (distill_llm.c), and the batch that fills exchanges
 * marked STORE_PENDING / STORE_FAILED through core/http.c (redistill.c).
 *
 * Never losing an exchange: the exchange is stored, indexed and searchable
 * with heuristic fields before the LLM is asked; a good reply replaces the
 * fields in one transaction; a failed request only marks the exchange
 * STORE_FAILED for a later `recallfs redistill`.  Validated replies are kept
 * in llm_cache, keyed by a hash of prompt version, model and exchange text,
 * so the same exchange is never paid for twice.
 *
 * The API key lives only in struct llm_config (from the environment or a
 * config file that only its owner can read): it goes out in an
 * Authorization header and is scrubbed from every error text
 * (http_scrub). */
#ifndef LLM_H
#define LLM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "distill.h"
#include "hash.h"
#include "ingest.h"
#include "store.h"

/* Bump when the prompt or schema changes: it is part of the cache key. */
#define LLM_PROMPT_VERSION "recallfs-distill-1"

#define LLM_MAX_CORE 600        /* bytes of exchange_core */
#define LLM_MAX_CONTEXT 300     /* bytes of specific_context */
#define LLM_MAX_KEY 64          /* bytes of a room key */
#define LLM_MAX_LABEL 80        /* bytes of a room label */

/* --- Configuration (llm_config.c) -------------------------------------- */

struct llm_config {
	char *url;              /* base URL, e.g. http://127.0.0.1:8080/v1,
	                           no trailing '/' (owned) */
	char *model;            /* "" when unset (owned) */
	char *key;              /* bearer key or NULL (owned; never printed) */
	long connect_timeout_ms;  /* RECALLFS_LLM_CONNECT_TIMEOUT_MS, 10 s */
	long timeout_ms;        /* whole request, RECALLFS_LLM_TIMEOUT_MS, 300 s */
	int parallel;           /* requests in flight, RECALLFS_LLM_PARALLEL, 4 */
	int attempts;           /* tries per request (http.h says which
	                           failures are retried),
	                           RECALLFS_LLM_ATTEMPTS, 4 */
	long backoff_ms;        /* first backoff, doubled per retry, jittered,
	                           RECALLFS_LLM_BACKOFF_MS, 1000 */
	long max_wait_ms;       /* longest Retry-After honoured, 120 s */
	size_t max_reply;       /* reply body cap, 4 MB */
	size_t max_chars;       /* exchange bytes sent, RECALLFS_LLM_MAX_CHARS,
	                           24000 (longer ones: head and tail) */
	int schema;             /* send response_format, RECALLFS_LLM_SCHEMA, 1;
	                           a server that answers 400 naming
	                           response_format is asked again without */
};

/* Sets the defaults above (no URL). */
void llm_config_init(struct llm_config *cfg);
/* llm_config_init, then the config file (llm_config_path(): lines
 * "llm_url=", "llm_model=", "llm_key=", "llm_parallel=", "llm_timeout_ms=",
 * "llm_connect_timeout_ms=", "llm_attempts=", "llm_schema=0|1", "#"
 * comments; other
 * settings not starting with "llm_" are left to other modules), then the
 * RECALLFS_LLM_* environment, which wins.  0; -ENOENT when no URL is
 * configured; -EACCES when the file is not the user's own or others can
 * read or write it; -EINVAL for a bad value.  One line in err. */
int llm_config_load(struct llm_config *cfg, struct buf *err);
void llm_config_release(struct llm_config *cfg);
/* $RECALLFS_CONFIG, $XDG_CONFIG_HOME/recallfs/config or
 * ~/.config/recallfs/config.  Owned by the caller. */
char *llm_config_path(void);

/* Which distiller: opt (a --distiller value, may be NULL), else
 * $RECALLFS_DISTILLER, else heuristic.  Sets *use_llm; -EINVAL with one
 * line in err for anything but "heuristic" or "llm". */
int llm_distiller_choose(const char *opt, int *use_llm, struct buf *err);

/* --- Prompt, schema, reply (distill_llm.c) ------------------------------ */

/* The request body for one exchange: model, system prompt, the exchange
 * text (head and tail when longer than cfg->max_chars), temperature 0 and,
 * with schema set, a JSON schema in response_format.  Owned by the
 * caller. */
char *llm_request_body(const struct llm_config *cfg, const char *verbatim,
		       int schema);
/* The cache key of an exchange: hash of prompt version, model and text. */
void llm_cache_key(const struct llm_config *cfg, const char *verbatim,
		   char out[HASH_HEX_LEN + 1]);
/* The assistant content of a chat-completions reply body (a string, or an
 * object printed back to text).  *content owned by the caller.  -EBADMSG
 * with one line in why. */
int llm_reply_content(const char *body, size_t len, char **content,
		      struct buf *why);
/* Parses content (a JSON object, bare or inside ``` fences or prose) and
 * validates it against the schema: exchange_core 1..LLM_MAX_CORE bytes,
 * 1-3 rooms with a room_type of file/concept/workflow, a room_key, a
 * room_label and a numeric relevance (clamped to 0..1).  A
 * specific_context that does not occur in verbatim becomes
 * fallback_context.  Fills d (distiller "llm", files left empty: they
 * never come from the LLM).  0, or -EBADMSG with one line in why. */
int llm_parse_fields(const char *content, const char *verbatim,
		     const char *fallback_context, struct distill *d,
		     struct buf *why);

/* --- Filling marked exchanges (redistill.c) ----------------------------- */

/* Which exchanges a run takes (bits). */
#define LLM_SEL_PENDING 1       /* state STORE_PENDING */
#define LLM_SEL_FAILED 2        /* state STORE_FAILED */
#define LLM_SEL_HEURISTIC 4     /* state DONE with distiller heuristic
                                   (`redistill --all`) */

struct llm_report {
	size_t selected;        /* exchanges taken */
	size_t filled;          /* now distilled by the LLM */
	size_t cached;          /* of those, from llm_cache (no request) */
	size_t failed;          /* marked STORE_FAILED */
	size_t requests;        /* HTTP requests sent, retries included */
	size_t retries;
	size_t gone;            /* removed meanwhile (conversation grew) */
	struct buf first_error; /* "exchange 000012: why" of the first failure */
};

void llm_report_init(struct llm_report *rep);
void llm_report_release(struct llm_report *rep);

/* Distills the exchanges chosen by sel (LLM_SEL_* bits) of project_id (0:
 * every project) with cfg: cache first, then up to cfg->parallel requests
 * at a time, retries with backoff on 429/5xx.  Each filled exchange is
 * updated in its own transaction (cache row, fields, state DONE), then hook
 * (may be NULL) is called in it so index/ can re-embed.  A failed one is
 * marked STORE_FAILED and the rest go on.  Returns 0 when the run
 * completed (rep says how each exchange ended), -errno on a store error. */
int llm_redistill(struct store *st, const struct llm_config *cfg,
		  int64_t project_id, int sel, ingest_hook_fn hook, void *ctx,
		  struct llm_report *rep);
/* The call after an ingest with opts.pending = 1: llm_redistill of the
 * STORE_PENDING exchanges. */
int llm_process_pending(struct store *st, const struct llm_config *cfg,
			int64_t project_id, ingest_hook_fn hook, void *ctx,
			struct llm_report *rep);
/* `redistill --distiller heuristic` (redistill_heur.c; no LLM involved,
 * declared here because it fills the same report): recomputes the
 * heuristic fields of the marked exchanges (and, with all, of every
 * exchange) of project_id from their verbatim text, state DONE;
 * files_touched are kept.  hook as above.  0 or -errno. */
int redistill_recompute_heuristic(struct store *st, int64_t project_id,
				  int all, ingest_hook_fn hook, void *ctx,
				  struct llm_report *rep);

#endif
