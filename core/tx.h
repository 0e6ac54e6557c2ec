/* tx.h: the transcript model every reader produces, and the reader entry.
 *
 * A reader turns the bytes of one transcript file into a tx_set: one or more
 * conversations, each an ordered list of kept messages (plies).  What counts
 * as a ply:
 *   - TX_USER: a human turn (injected markup, meta lines, tool results and
 *     compaction summaries are NOT human turns and never become TX_USER);
 *   - TX_ASSISTANT: one model response (Claude Code lines sharing message.id
 *     are grouped into one), with its visible text (may be "") and its tool
 *     calls in brief;
 *   - TX_SYSTEM: kept only where a format has real system text worth keeping
 *     (rare; segmentation treats it like an assistant message without text).
 * Tool results are not plies: a reader may append a brief of a failed tool
 * result ("error: ...") to the tools of the assistant message that called it.
 *
 * No reader produces TX_SYSTEM today (system prompts are setup, not
 * conversation).
 *
 * Formats (chosen by content, never by file name, see tx_detect):
 *   claude  Claude Code session JSONL (tx_claude.c).  Plies follow the
 *           parentUuid chain (a line comes after its parent, otherwise in
 *           file order; missing parents start a new root; cycles are broken
 *           after the rest), lines are de-duplicated by uuid.  Not human:
 *           isMeta, isCompactSummary, tool-result-only lines, and text that
 *           starts with injected markup (<command-*>, <local-command-*>,
 *           <bash-*>, <task-notification>, "[Request interrupted by user")
 *           except a slash command with arguments, kept as "/name args";
 *           <system-reminder> and <ide_*> blocks are cut out of real text.
 *           Thinking blocks and API-error / "<synthetic>" replies are
 *           dropped.  Tool briefs: Bash command, Read/Write/Edit/MultiEdit
 *           file_path, NotebookEdit notebook_path, Glob/Grep pattern,
 *           WebFetch url, WebSearch query, Task description, else the first
 *           string input; paths: file_path, notebook_path (not the
 *           directory a Glob, Grep or LS searches).
 *   codex   Codex CLI rollout JSONL (tx_codex.c): human turns from event
 *           user_message (response_item user messages only in a file with
 *           no such event), assistant text from response_item messages
 *           (agent_message events only in a file with none), so nothing is
 *           counted twice; injected AGENTS.md / environment text skipped;
 *           function_call, custom_tool_call, local_shell_call,
 *           web_search_call as briefs ("shell: <command>", "apply_patch:
 *           <files>") on the assistant ply they precede or follow.
 *   chat    generic chat JSON: object with messages, an array of such
 *           objects, a bare array of messages, JSONL of messages, or a
 *           ChatGPT export (the active thread of each "mapping"), or a
 *           SWE-agent .traj (task, then one ply per step) (tx_chat.c).
 *           Roles user/human and assistant/ai/bot/model; system, developer
 *           and tool messages are not plies.
 *   text    plain text / Markdown with speaker markers (tx_text.c), or an
 *           Aider .aider.chat.history.md (tx_aider.c).
 */
#ifndef TX_H
#define TX_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "strv.h"

enum tx_role { TX_USER, TX_ASSISTANT, TX_SYSTEM };

enum tx_format { TX_UNKNOWN, TX_CLAUDE, TX_CODEX, TX_CHAT, TX_TEXT };

struct tx_msg {
	enum tx_role role;
	char *text;          /* human-visible text, owned, never NULL */
	char *tools;         /* tool calls in brief, one per line, owned or
	                        NULL: "Bash: make test", "Edit: core/buf.c",
	                        "error: <first line of a failed result>" */
	char *source_id;     /* uuid / message id / dia_id, owned or NULL */
	int64_t time;        /* unix seconds, 0 when unknown */
	struct strv paths;   /* exact file paths from tool inputs */
	unsigned tool_use : 1;  /* it called at least one tool */
};

struct tx_conv {
	char *id;            /* session / conversation id, owned, never NULL */
	char *parent;        /* parent session id (subagent, sidechain), NULL */
	char *project;       /* project name the transcript suggests, or NULL */
	char *title;         /* session title if the format has one, or NULL */
	char *cwd;           /* working directory if known, or NULL */
	unsigned scripted : 1;  /* the transcript marks a non-interactive run
	                           (Claude Code entrypoint sdk-*: claude -p,
	                           the SDKs) */
	struct tx_msg *msg;
	size_t nmsg, cap;
};

struct tx_set {
	enum tx_format format;
	struct tx_conv *conv;
	size_t n, cap;
	size_t bad_line;     /* 0, or the number of a truncated LAST line of
	                        a JSONL file, skipped (see tx_read) */
};

#define TX_SET_INIT { TX_UNKNOWN, NULL, 0, 0, 0 }

/* Limits a hostile transcript cannot pass (each answered with -E2BIG). */
#define TX_MAX_FILE (256u << 20)      /* bytes in one transcript */
#define TX_MAX_LINE (64u << 20)       /* bytes in one JSONL line */
#define TX_MAX_MSGS 200000            /* plies in one conversation */
#define TX_MAX_DEPTH 512              /* JSON nesting */

/* Detects the format of data (the whole file, or at least its first 64 KB).
 * Returns TX_UNKNOWN when it is none of them. */
enum tx_format tx_detect(const char *data, size_t len);
const char *tx_format_name(enum tx_format f);
enum tx_format tx_format_parse(const char *name);

/* Reads data (len bytes, need not be NUL-terminated) into out (which must be
 * empty, TX_SET_INIT).  name is the file's path or "-" (used to find a Claude
 * subagent's id and .meta.json; ids never depend on it otherwise).  format
 * TX_UNKNOWN means detect.  On error returns -errno (-EILSEQ: not a
 * transcript or malformed, -E2BIG: past a limit) and writes one line into err
 * ("line 7: invalid JSON", no file name, no newline); out is then left empty.
 * Unknown entry types and fields are skipped, never fatal.
 *
 * A JSONL file whose LAST non-blank line is not valid JSON (a write still in
 * progress, a copy cut short) while the lines before it are fine: returns 0
 * with everything before that line in out, sets out->bad_line to its number
 * and writes "line N: truncated JSON (the lines before it were read)" into
 * err.  The caller keeps what was read and still reports the file as failed
 * (ingest_data returns -EILSEQ after ingesting the rest).  A bad line that is
 * not the last, or a file with no good line, is an error as above.
 *
 * Conversations with no plies are not returned (a Claude file of summaries
 * only gives out->n == 0 and 0).  Every conversation id is globally unique
 * and stable across re-reads of the same or a grown file:
 *   claude  sessionId (the file's basename when it is one of the file's
 *           sessionIds, else the first seen); inline sidechain
 *           "<sessionId>/agent-<agentId>" or "<sessionId>/sidechain-<root
 *           uuid>"; subagent file "<parent sessionId>/agent-<agentId>"
 *   codex   session_meta id
 *   chat    "conversation" (or "conversation_id", or a conversation
 *           object's "id"), else "chat-<hash>"
 *   text    "text-<hash>"
 * where <hash> is 16 hex digits of the role and text of the first two plies
 * (and the first ply's time), so a grown transcript keeps its id. */
int tx_read(const char *name, const char *data, size_t len,
	    enum tx_format format, struct tx_set *out, struct buf *err);

/* Each reader, called by tx_read with the same contract. */
int tx_read_claude(const char *name, const char *data, size_t len,
		   struct tx_set *out, struct buf *err);
int tx_read_codex(const char *name, const char *data, size_t len,
		  struct tx_set *out, struct buf *err);
int tx_read_chat(const char *name, const char *data, size_t len,
		 struct tx_set *out, struct buf *err);
int tx_read_text(const char *name, const char *data, size_t len,
		 struct tx_set *out, struct buf *err);

/* Building and freeing.  tx_set_add appends a conversation with a copy of id
 * (other fields NULL) and returns it (valid until the next tx_set_add).
 * tx_conv_add appends a ply with a cleaned copy of text (NULL is "": invalid
 * UTF-8 becomes U+FFFD, control characters other than tab and newline are
 * dropped) and returns it, or NULL when c already holds TX_MAX_MSGS plies. */
struct tx_conv *tx_set_add(struct tx_set *set, const char *id);
struct tx_msg *tx_conv_add(struct tx_conv *c, enum tx_role role,
			   const char *text);
/* Frees every conversation and string of set and leaves it empty. */
void tx_set_release(struct tx_set *set);

/* Parses ISO 8601 ("2026-02-10T21:11:56.846Z", offsets allowed) to unix
 * seconds; 0 when it cannot. */
int64_t tx_parse_time(const char *s);

#endif
