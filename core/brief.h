/* brief.h: what an agent should know at the start of a session in a
 * project (`recallfs context`): which exchanges to show within a token
 * budget.  Rendering is the caller's (it prices each item); this module
 * chooses, in this order of priority:
 *   1. the latest exchanges (the ANCHORS newest, by time, then id), up to
 *      half the budget;
 *   2. exchanges that share rooms or touched files with those latest ones,
 *      strongest first: the sum over shared keys of idf (ln(1 + N/df), N
 *      exchanges in the window, df those holding the key) times the
 *      exchange's room relevance (1 for a file); keys held by more than
 *      BRIEF_DF_MAX exchanges say nothing and are skipped;
 *   3. older exchanges, newest first, while the budget lasts.
 * An item that does not fit is skipped and smaller ones after it may still
 * fit.  Every tie is broken by time, then id: the same store gives the
 * same brief.  Reads only (the store may be opened read-only). */
#ifndef BRIEF_H
#define BRIEF_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "strv.h"

#define BRIEF_ANCHORS 5
#define BRIEF_DF_MAX 1000

struct brief_item {
	int64_t id;
	char *slug;
	int64_t time;           /* t_end, else t_start; 0 when unknown */
	char *core, *context;
	int related;            /* 0: recent; 1: shares keys with the latest */
	double score;           /* related: connection strength */
	struct strv shares;     /* related: room keys and file names it
	                           shares, strongest first, at most 3 */
};

struct brief {
	char *project;
	int64_t project_id;
	int64_t since;          /* 0, or the window's start (unix seconds) */
	long total;             /* exchanges of the project in the window */
	int64_t latest;         /* time of the newest of them (0: none) */
	struct brief_item *v;   /* recent (newest first), then related
	                           (strongest first) */
	size_t n, cap;
	size_t tokens;          /* what the chosen items cost together */
};

/* What it costs, in tokens, to show item it (as the caller renders it). */
typedef size_t (*brief_cost_fn)(const struct brief_item *it, void *ctx);

/* Fills project, total and latest of b for project name (exchanges with
 * time >= since; since 0: all).  -ENOENT when there is no such project. */
int brief_open(struct store *st, const char *project, int64_t since,
	       struct brief *b);
/* Chooses the items of b (opened) whose costs add up to at most budget. */
int brief_select(struct store *st, struct brief *b, size_t budget,
		 brief_cost_fn cost, void *ctx);
void brief_release(struct brief *b);

/* The project recorded for directory dir: the one whose conversations were
 * recorded in dir or the nearest folder above it (the latest active one
 * when several were), except folders too wide to stand for a project
 * ("/", one component deep like /tmp, $HOME and above); else the project
 * named as ingest names one from dir (its last component).  *name owned by
 * the caller.  -ENOENT when none. */
int brief_project_for_dir(struct store *st, const char *dir, char **name);

/* YYYY-MM-DD (UTC) -> unix seconds at its start.  -EINVAL. */
int brief_parse_date(const char *s, int64_t *t);

#endif
