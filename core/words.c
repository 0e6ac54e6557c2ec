/* words.c: stop words, weak words, secret detection and the word counter
 * (see words.h). */
#include "common.h"
#include "words.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* English stop words (lower case).  Negators (no, not, nor, isn't, don't,
 * cannot ...) are not stop words: a distillate that drops them says the
 * opposite ("Credo: no issues" is not "Credo issues"). */
static const char *const stop[] = {
	"a", "about", "above", "after", "again", "against", "all", "am", "an",
	"and", "any", "are", "as", "at", "be", "because", "been", "before",
	"being", "below", "between", "both", "but", "by", "can", "could", "did",
	"do", "does", "doing", "down", "during", "e.g", "each", "eg", "either",
	"else", "etc", "ever", "few", "for", "from", "further", "had", "has",
	"have", "having", "he", "he'd", "he'll", "he's", "her", "here",
	"here's", "hers", "herself", "him", "himself", "his", "how", "how's",
	"however", "i", "i'd", "i'll", "i'm", "i've", "i.e", "ie", "if", "in",
	"into", "is", "it", "it's", "its", "itself", "just", "let's", "me",
	"might", "more", "most", "much", "must", "my", "myself", "of", "off",
	"on", "once", "only", "or", "other", "ought", "our", "ours",
	"ourselves", "out", "over", "own", "same", "shall", "she", "she'd",
	"she'll", "she's", "should", "so", "some", "such", "than", "that",
	"that's", "the", "their", "theirs", "them", "themselves", "then",
	"there", "there's", "these", "they", "they'd", "they'll", "they're",
	"they've", "this", "those", "through", "to", "too", "under", "until",
	"up", "upon", "us", "very", "vs", "was", "we", "we'd", "we'll", "we're",
	"we've", "were", "what", "what's", "when", "when's", "where", "where's",
	"whether", "which", "while", "who", "who's", "whom", "whose", "why",
	"why's", "will", "with", "would", "yes", "yet", "you", "you'd",
	"you'll", "you're", "you've", "your", "yours", "yourself", "yourselves",
};

/* Sorted.  Generic verbs, fillers and chat noise: kept only when nothing
 * better is there. */
static const char *const weak[] = {
	"actually", "add", "added", "again", "ah", "all", "already", "alright",
	"also", "always", "amazing", "anything", "anyway", "around", "ask",
	"asked", "away", "awesome", "back", "basically", "best", "better",
	"big", "bit", "called", "can", "change", "changed", "changes", "check",
	"checked", "checking", "code", "come", "completely", "cool", "correct",
	"correctly", "currently", "definitely", "did", "different", "do",
	"does", "done", "else", "enough", "even", "every", "everything",
	"exactly", "fine", "first", "following", "found", "get", "gets",
	"getting", "give", "glad", "go", "goes", "going", "gonna", "good",
	"got", "gotta", "great", "guess", "haha", "happy", "hear", "heard",
	"hello", "help", "hey", "hi", "hmm", "hope", "i", "idea", "incredible",
	"instead", "issue", "keep", "kind", "kinda", "know", "last", "lately",
	"let", "like", "likely", "little", "lol", "look", "looking", "looks",
	"lot", "lots", "make", "makes", "making", "many", "may", "maybe",
	"mean", "means", "might", "need", "needed", "needs", "new", "next",
	"nice", "now", "often", "oh", "ok", "okay", "omg", "one", "perfect",
	"please", "pretty", "probably", "problem", "put", "quite", "rather",
	"read", "ready", "real", "really", "recently", "right", "run", "said",
	"say", "says", "see", "seems", "set", "several", "show", "shows",
	"since", "somebody", "somehow", "someone", "something", "sometimes",
	"somewhere", "sorry", "sound", "sounds", "start", "still", "stuff",
	"super", "sure", "take", "tell", "thank", "thanks", "thing", "things",
	"think", "though", "thought", "time", "totally", "try", "trying", "two",
	"update", "updated", "use", "used", "uses", "using", "usually", "wanna",
	"want", "wanted", "wants", "way", "well", "whole", "without",
	"wonderful", "wow", "yeah", "yep", "yes",
};

/* Topics too broad to gather related exchanges: a language, a framework,
 * a kind of work. */
static const char *const generic[] = {
	"testing", "tests", "test", "typescript", "javascript", "python",
	"elixir", "rust", "golang", "java", "ruby", "react", "phoenix", "node",
	"html", "css", "json", "yaml", "code", "file", "files", "error",
	"errors", "bug", "bugs", "issue", "issues", "project", "server",
	"function", "functions", "data", "config", "configuration", "setup",
	"documentation", "docs", "changes", "change", "update", "version",
	"build", "debugging", "refactoring", "implementation", "task",
	"tasks", "feature", "features", "support", "system", "tool", "tools",
	"command", "commands", "output", "input", "value", "values",
};

/* Words that say a result was reached. */
static const char *const result[] = {
	"pass", "passes", "passed", "passing", "fail", "fails", "failed",
	"failing", "fixed", "added", "created", "removed", "deleted",
	"renamed", "rewrote", "rewritten", "replaced", "committed", "pushed",
	"merged", "closed", "implemented", "installed", "updated", "works",
	"green", "clean", "done", "complete", "completed", "succeeded",
	"resolved", "shipped", "released", "found", "caused", "because",
	"now", "returns", "raised", "cut", "moved", "wrote", "built",
};

/* The lists in one open-addressing table, built once: a word costs one
 * hash and one compare instead of two binary searches. */
#define WORD_SLOTS 1024         /* power of two, > 2 x the entries */

struct wslot { const char *w; unsigned char cls; };

static struct wslot table[WORD_SLOTS];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

/* ASCII lower case, as tolower() in the C locale the program runs in,
 * without a call per byte. */
static inline unsigned char lc(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* !strncasecmp(a, b, n), inline. */
static inline int eq_ci(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[i];

		if (ca != cb && lc(ca) != lc(cb))
			return 0;
		if (!ca)
			return 1;
	}
	return 1;
}

/* Hashes fold case by setting bit 5: letters that differ in case only
 * hash alike (other bytes may collide, which eq_ci settles). */
static size_t whash(const char *w, size_t n)
{
	size_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ ((unsigned char)w[i] | 0x20)) * 16777619u;
	return h & (WORD_SLOTS - 1);
}

static void table_add(const char *w, unsigned char cls)
{
	size_t i = whash(w, strlen(w));

	while (table[i].w && strcmp(table[i].w, w))
		i = (i + 1) & (WORD_SLOTS - 1);
	table[i].w = w;
	table[i].cls |= cls;
}

static void table_build(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(stop); i++)
		table_add(stop[i], 1);
	for (size_t i = 0; i < ARRAY_SIZE(weak); i++)
		table_add(weak[i], 2);
	for (size_t i = 0; i < ARRAY_SIZE(generic); i++)
		table_add(generic[i], 4);
	for (size_t i = 0; i < ARRAY_SIZE(result); i++)
		table_add(result[i], 8);
}

/* The class bits of w (0: in no list). */
static unsigned char classes(const char *w, size_t n)
{
	size_t i;

	if (!n || n > 16)
		return 0;
	pthread_once(&table_once, table_build);
	for (i = whash(w, n); table[i].w; i = (i + 1) & (WORD_SLOTS - 1))
		if (eq_ci(table[i].w, w, n) && !table[i].w[n])
			return table[i].cls;
	return 0;
}

static int lookup(unsigned char cls, const char *w, size_t n)
{
	return !!(classes(w, n) & cls);
}

int words_is_result(const char *w, size_t n)
{
	return lookup(8, w, n);
}

int words_is_generic(const char *w, size_t n)
{
	return lookup(4, w, n);
}

unsigned words_classes(const char *w, size_t n)
{
	return classes(w, n);
}

int words_is_stop(const char *w, size_t n)
{
	return lookup(1, w, n);
}

int words_is_weak(const char *w, size_t n)
{
	return lookup(2, w, n);
}

static int has_prefix(const char *w, size_t n, const char *pre)
{
	size_t k = strlen(pre);

	return n >= k && lc((unsigned char)*w) == lc((unsigned char)*pre) &&
		eq_ci(w, pre, k);
}

static int has_sub(const char *w, size_t n, const char *sub)
{
	size_t k = strlen(sub);

	unsigned char c0 = lc((unsigned char)*sub);

	for (size_t i = 0; i + k <= n; i++)
		if (lc((unsigned char)w[i]) == c0 && eq_ci(w + i, sub, k))
			return 1;
	return 0;
}

/* A long run of letters and digits mixing classes like a random key. */
static int random_looking(const char *w, size_t n)
{
	size_t run = 0, best = 0, lo = 0, up = 0, dig = 0;
	size_t blo = 0, bup = 0, bdig = 0;

	for (size_t i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)w[i] : 0;

		if (isalnum(c)) {
			run++;
			lo += !!islower(c);
			up += !!isupper(c);
			dig += !!isdigit(c);
			continue;
		}
		if (run > best)
			best = run, blo = lo, bup = up, bdig = dig;
		run = lo = up = dig = 0;
	}
	if (best < 20)
		return 0;
	/* hex digests (git hashes) are ids, not secrets, below 40 chars */
	return (blo && bup && bdig) || (bdig && best >= 32 && (blo || bup) &&
					!(best == 40 || best == 64));
}

int words_secretish(const char *w, size_t n)
{
	static const char *const pre[] = {
		"sk-", "sk_live_", "sk_test_", "pk_live_", "ghp_", "gho_",
		"ghs_", "ghu_", "github_pat_", "glpat-", "xoxb-", "xoxp-",
		"AKIA", "ASIA", "AIza", "eyJ", "-----BEGIN", "hf_", "npm_",
	};
	static const char *const sub[] = {
		"password=", "passwd=", "secret=", "token=", "api_key=",
		"apikey=", "access_key=", "authorization:",
	};

	int sep = memchr(w, '=', n) || memchr(w, ':', n);

	if (n < 11 && !sep)
		return 0;       /* too short for a key, no "name=" or "scheme:" */
	for (size_t i = 0; i < ARRAY_SIZE(pre); i++)
		if (has_prefix(w, n, pre[i]) && n >= strlen(pre[i]) + 8)
			return 1;
	/* every sub[] ends in '=' or ':' */
	for (size_t i = 0; sep && i < ARRAY_SIZE(sub); i++)
		if (has_sub(w, n, sub[i]))
			return 1;
	/* scheme://user:pass@host */
	for (size_t i = 0; sep && i + 3 < n; i++)
		if (!memcmp(w + i, "://", 3)) {
			const char *at = memchr(w + i + 3, '@', n - i - 3);
			const char *colon = memchr(w + i + 3, ':', n - i - 3);

			if (at && colon && colon < at)
				return 1;
			break;
		}
	return random_looking(w, n);
}

static size_t hash_ci(const char *w, size_t n)
{
	size_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ ((unsigned char)w[i] | 0x20)) * 1099511628211ull;
	return h;
}

static struct words_slot *find(const struct words_count *wc, const char *w,
			       size_t n)
{
	size_t i = hash_ci(w, n) & (wc->cap - 1);

	while (wc->slot[i].p && !(wc->slot[i].n == n &&
				  eq_ci(wc->slot[i].p, w, n)))
		i = (i + 1) & (wc->cap - 1);
	return &wc->slot[i];
}

static void grow(struct words_count *wc)
{
	struct words_count old = *wc;

	wc->cap = old.cap ? old.cap * 2 : 64;
	wc->slot = xcalloc(wc->cap, sizeof(*wc->slot));
	for (size_t i = 0; i < old.cap; i++)
		if (old.slot[i].p)
			*find(wc, old.slot[i].p, old.slot[i].n) = old.slot[i];
	free(old.slot);
}

void words_count_add(struct words_count *wc, const char *w, size_t n)
{
	struct words_slot *s;

	if ((wc->used + 1) * 2 > wc->cap)
		grow(wc);
	s = find(wc, w, n);
	if (!s->p) {
		s->p = w;
		s->n = n;
		wc->used++;
	}
	s->count++;
}

unsigned words_count_get(const struct words_count *wc, const char *w,
			 size_t n)
{
	if (!wc->cap)
		return 0;
	return find(wc, w, n)->count;
}

void words_count_release(struct words_count *wc)
{
	free(wc->slot);
	wc->slot = NULL;
	wc->cap = wc->used = 0;
}
