/* help.c: `recallfs COMMAND --help` (and `recallfs help COMMAND`): the
 * usage, one line on what the command does, and every option with one
 * line each.  tests/cli/messages.sh checks that each long option in a
 * command's getopt table is listed here. */
#include "common.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

struct help {
	const char *cmd, *usage, *what;
	const char *const *opts;        /* "FLAGS\tWHAT", NULL-terminated */
};

#define DB_OPT "    --db FILE\tthe database (default $RECALLFS_DB, else " \
	"$XDG_DATA_HOME/recallfs/memory.db, else " \
	"~/.local/share/recallfs/memory.db)"
#define HELP_OPT "-h, --help\tthis text"

static const char *const mount_opts[] = {
	"-f, --foreground\tstay in the foreground (do not daemonise)",
	"    --read-only\tevery write answers EROFS; no inbox/",
	"-p, --project P\tshow only project P",
	"    --redact\tmask secrets in every file served, verbatim too",
	"-o OPTS\tFUSE mount options, comma-separated (e.g. allow_other)",
	"    --distiller D\theuristic (default) or llm, for inbox ingests",
	"-d, --debug\tFUSE debug output (implies -f)",
	DB_OPT, HELP_OPT, NULL,
};
static const char *const umount_opts[] = { HELP_OPT, NULL };
static const char *const ingest_opts[] = {
	"-p, --project P\tput everything read into project P (default: the"
	" transcript's own cwd, else the folder it is in, else default)",
	"-F, --format F\tread every file as claude, codex, chat or text "
	"(default: detected from the content)",
	"    --distiller D\theuristic (default) or llm (an OpenAI-compatible "
	"endpoint, RECALLFS_LLM_URL)",
	DB_OPT, HELP_OPT, NULL,
};
static const char *const query_opts[] = {
	"-m, --mode M\tverbatim, distilled, vector, hybrid or cross",
	"-p, --project P\tonly exchanges of project P",
	"-n, --limit N\tat most N results (1 to 1000; default 10)",
	"-j, --json\tone JSON object instead of text",
	DB_OPT, HELP_OPT, NULL,
};
static const char *const show_opts[] = {
	"-v, --verbatim\talso print the exchange's verbatim text",
	DB_OPT, HELP_OPT, NULL,
};
static const char *const stats_opts[] = {
	"-j, --json\tone JSON object instead of a table",
	DB_OPT, HELP_OPT, NULL,
};
static const char *const export_opts[] = {
	"-p, --project P\tonly project P",
	"-r, --redact\tmask secrets in every file written, verbatim too",
	DB_OPT, HELP_OPT, NULL,
};
static const char *const eval_opts[] = {
	"-m, --mode M\tall (default) or one of verbatim, distilled, vector,"
	" hybrid, cross; repeatable",
	"-j, --json\tone JSON object instead of a table",
	"    --fusion F\tweighted (default) or rrf",
	"    --weights V,D,VEC,VECV\tweights of verbatim BM25, distilled BM25,"
	" distilled vector, verbatim vector",
	"    --dedup\tkeep the best exchange per conversation",
	"    --depth N\tcandidates per signal (1 to 10000)",
	"    --smooth A\tshare of session neighbours' scores (0 to 1)",
	"    --bm25 K1,B\tBM25 parameters",
	"    --global-idf\tIDF over all projects, even in a project search",
	"    --dates W\tweight of month names and years matching a date "
	"(0 to 10)",
	DB_OPT, HELP_OPT, NULL,
};
static const char *const redistill_opts[] = {
	"-p, --project P\tonly project P",
	"-d, --distiller D\theuristic or llm (default: llm when configured)",
	"-a, --all\talso the exchanges the heuristic distilled",
	DB_OPT, HELP_OPT, NULL,
};
static const char *const forget_opts[] = {
	"    --undo\ttake back the forgetting of ID: the next ingest of its "
	"transcript restores it",
	"    --list\tthe forgotten exchanges: id, project, conversation, when",
	DB_OPT, HELP_OPT, NULL,
};

static const char *const context_opts[] = {
	"-p, --project P\tthe project (default: the one recorded for this "
	"directory)",
	"-b, --budget TOKENS\tat most this many cl100k tokens (default 2000)",
	"-s, --since DATE\tonly exchanges from YYYY-MM-DD (UTC) on",
	"-j, --json\tone JSON object instead of text",
	"    --db FILE\tthe database (read only; default as every command's)",
	HELP_OPT, NULL,
};

static const struct help helps[] = {
	{ "mount", "MOUNTPOINT [OPTIONS]", "Serves the memory as a "
	  "filesystem at MOUNTPOINT (daemonises unless -f).", mount_opts },
	{ "umount", "MOUNTPOINT", "Unmounts it cleanly (fusermount3 -u works "
	  "too).", umount_opts },
	{ "ingest", "PATH... [OPTIONS]", "Reads transcripts into the memory: "
	  "files, folders (recursive) or - for stdin.", ingest_opts },
	{ "query", "TERMS... [OPTIONS]", "Searches the memory; terms may hold "
	  "project: room: file: since: until: mode: limit:.", query_opts },
	{ "show", "ID [OPTIONS]", "Prints one exchange (ID like 000042 or "
	  "000042-slug).", show_opts },
	{ "stats", "[OPTIONS]", "Counts, tokens and compression per project.",
	  stats_opts },
	{ "export", "DIR [OPTIONS]", "Writes the tree as plain files and "
	  "symlinks into DIR (absent or empty).", export_opts },
	{ "eval", "QUERIES.jsonl [OPTIONS]", "R@1, R@5, R@10 and MRR per "
	  "search mode.", eval_opts },
	{ "redistill", "[OPTIONS]", "Re-runs distillation of the marked "
	  "exchanges (--all: of every one).", redistill_opts },
	{ "context", "[OPTIONS]", "What an agent should know at the start of a "
	  "session: the latest exchanges and those sharing their files and "
	  "topics, each with its path.", context_opts },
	{ "forget", "ID | --undo ID | --list [OPTIONS]", "Removes an exchange "
	  "from every layer and index; it stays forgotten when its transcript"
	  " is ingested again, until --undo.", forget_opts },
};

int cli_help(const char *cmd)
{
	for (size_t i = 0; i < ARRAY_SIZE(helps); i++) {
		const struct help *h = &helps[i];

		if (strcmp(h->cmd, cmd))
			continue;
		printf("usage: recallfs %s %s\n%s\n\n", h->cmd, h->usage,
		       h->what);
		for (const char *const *o = h->opts; *o; o++) {
			const char *tab = strchr(*o, '\t');

			printf("  %-24.*s %s\n", (int)(tab - *o), *o, tab + 1);
		}
		return 0;
	}
	return -1;
}
