/* test_segment.c: each segmentation rule of segment.h, and seg_verbatim. */
#include "tx_fixture.h"
#include "t.h"
#include "segment.h"

static const char *LONG_Q =
	"Please make the upload retry on timeouts, it fails every time.";
static const char *LONG_A =
	"I raised the upload retry cap to 5 and added jittered backoff.";

static void split(const struct tx_conv *c, struct seg_list *l)
{
	l->n = 0;
	seg_split(c, l);
}

static void test_basic_pairs(void)
{
	struct tx_conv c;
	struct seg_list l = SEG_LIST_INIT;

	fx_init(&c, "c1");
	FX_U(&c, LONG_Q);
	FX_A(&c, LONG_A);
	FX_U(&c, "And now make the download do the same thing please.");
	FX_A(&c, "Done: download now shares the retry helper with upload.");
	split(&c, &l);
	T_EQ(l.n, 2);
	T_EQ(l.x[0].ply_start, 0);
	T_EQ(l.x[0].ply_end, 1);
	T_EQ(l.x[1].ply_start, 2);
	T_EQ(l.x[1].ply_end, 3);
	seg_list_release(&l);
	fx_release(&c);
}

/* Rule 2: consecutive user plies merge into one exchange. */
static void test_users_merge(void)
{
	struct tx_conv c;
	struct seg_list l = SEG_LIST_INIT;

	fx_init(&c, "c2");
	FX_U(&c, "The upload keeps failing.");
	FX_U(&c, "It says ETIMEDOUT after 30s, can you look?");
	FX_A(&c, LONG_A);
	FX_U(&c, LONG_Q);
	FX_A(&c, LONG_A);
	split(&c, &l);
	T_EQ(l.n, 2);
	T_EQ(l.x[0].ply_start, 0);
	T_EQ(l.x[0].ply_end, 2);
	T_EQ(l.x[1].ply_start, 3);
	seg_list_release(&l);
	fx_release(&c);
}

/* Rule 2: an assistant ply without text (a tool round trip) never closes
 * the exchange; the next user ply joins it. */
static void test_textless_assistant_never_closes(void)
{
	struct tx_conv c;
	struct seg_list l = SEG_LIST_INIT;

	fx_init(&c, "c3");
	FX_U(&c, LONG_Q);
	FX_T(&c, "", "Bash: make test");
	FX_U(&c, "Also check the download path while you are at it.");
	FX_T(&c, "", "Read: src/download.c");
	FX_A(&c, LONG_A);
	split(&c, &l);
	T_EQ(l.n, 1);
	T_EQ(l.x[0].ply_start, 0);
	T_EQ(l.x[0].ply_end, 4);
	/* white space only counts as no text */
	c.msg[1].text[0] = 0;
	free(c.msg[1].text);
	c.msg[1].text = xstrdup("  \n ");
	split(&c, &l);
	T_EQ(l.n, 1);
	seg_list_release(&l);
	fx_release(&c);
}

/* Rule 3: a conversation opening with an assistant ply opens an exchange
 * with it, and the first user ply joins it (with or without text). */
static void test_opening_assistant(void)
{
	struct tx_conv c;
	struct seg_list l = SEG_LIST_INIT;

	fx_init(&c, "c4");
	FX_A(&c, "Hey Jon! Long time no see! I just launched an ad campaign.");
	FX_U(&c, LONG_Q);
	FX_A(&c, LONG_A);
	FX_U(&c, LONG_Q);
	FX_A(&c, LONG_A);
	split(&c, &l);
	T_EQ(l.n, 2);
	T_EQ(l.x[0].ply_start, 0);
	T_EQ(l.x[0].ply_end, 2);
	T_EQ(l.x[1].ply_start, 3);
	fx_release(&c);

	fx_init(&c, "c4b");
	FX_T(&c, "", "Read: README.md");
	FX_U(&c, LONG_Q);
	FX_A(&c, LONG_A);
	split(&c, &l);
	T_EQ(l.n, 1);
	T_EQ(l.x[0].ply_start, 0);
	T_EQ(l.x[0].ply_end, 2);
	seg_list_release(&l);
	fx_release(&c);
}

/* Rule 4: fewer than 50 characters in total are dropped. */
static void test_short_dropped(void)
{
	struct tx_conv c;
	struct seg_list l = SEG_LIST_INIT;

	fx_init(&c, "c5");
	FX_U(&c, "hi");
	FX_A(&c, "Hello, how can I help?");
	FX_U(&c, LONG_Q);
	FX_A(&c, LONG_A);
	split(&c, &l);
	T_EQ(l.n, 1);
	T_EQ(l.x[0].ply_start, 2);
	fx_release(&c);

	/* exactly 50 characters is kept: 25 + 25 */
	fx_init(&c, "c5b");
	FX_U(&c, "aaaaaaaaaaaaaaaaaaaaaaaaa");
	FX_A(&c, "bbbbbbbbbbbbbbbbbbbbbbbbb");
	FX_U(&c, "aaaaaaaaaaaaaaaaaaaaaaaa");
	FX_A(&c, "bbbbbbbbbbbbbbbbbbbbbbbbb");
	split(&c, &l);
	T_EQ(l.n, 1);
	T_EQ(l.x[0].ply_start, 0);
	seg_list_release(&l);
	fx_release(&c);
}

/* Rule 4: an exchange without user text is dropped (only a conversation
 * with no user ply at all can have one, after rule 3). */
static void test_no_user_text_dropped(void)
{
	struct tx_conv c;
	struct seg_list l = SEG_LIST_INIT;

	fx_init(&c, "c6");
	FX_A(&c, "Resuming the work from before: running the full suite now.");
	FX_T(&c, "All 212 tests pass on the branch, nothing left to fix here.",
	     "Bash: make test");
	split(&c, &l);
	T_EQ(l.n, 0);
	/* a user ply whose text is empty is no user text either */
	FX_U(&c, "");
	FX_A(&c, LONG_A);
	split(&c, &l);
	T_EQ(l.n, 0);
	seg_list_release(&l);
	fx_release(&c);
}

/* Rule 5: more than 20 plies are cut into chunks of 20; a later chunk is
 * kept only with 50 characters of text. */
static void test_chunks(void)
{
	struct tx_conv c;
	struct seg_list l = SEG_LIST_INIT;

	fx_init(&c, "c7");
	FX_U(&c, LONG_Q);
	for (int i = 0; i < 44; i++)
		FX_T(&c, "", "Bash: make test");
	FX_A(&c, LONG_A);         /* ply 45: 46 plies in all */
	split(&c, &l);
	T_EQ(l.n, 2);             /* 0-19, 20-39 (no text: dropped), 40-45 */
	T_EQ(l.x[0].ply_start, 0);
	T_EQ(l.x[0].ply_end, 19);
	T_EQ(l.x[1].ply_start, 40);
	T_EQ(l.x[1].ply_end, 45);
	/* each chunk knows where its exchange opened and its place */
	T_EQ(l.x[0].part, 1);
	T_EQ(l.x[1].part, 3);
	T_EQ(l.x[1].nparts, 3);
	T_EQ(l.x[1].open, 0);
	fx_release(&c);

	fx_init(&c, "c7b");
	for (int i = 0; i < 40; i++)
		FX_U(&c, LONG_Q);
	FX_A(&c, LONG_A);
	split(&c, &l);
	T_EQ(l.n, 3);
	T_EQ(l.x[2].ply_start, 40);
	T_EQ(l.x[2].ply_end, 40);
	seg_list_release(&l);
	fx_release(&c);
}

static enum seg_skip last_reason;

static int automated(const char *first_user)
{
	struct tx_conv c;
	struct seg_list l = SEG_LIST_INIT;
	int r;

	fx_init(&c, "auto");
	FX_U(&c, first_user);
	FX_T(&c, LONG_A, "Bash: ls");
	FX_U(&c, LONG_Q);
	FX_A(&c, LONG_A);
	r = seg_is_automated(&c);
	last_reason = seg_skip_reason(&c);
	seg_split(&c, &l);
	if (r && l.n)
		r = -1;           /* automated but still split */
	seg_list_release(&l);
	fx_release(&c);
	return r;
}

/* Rule 6: distillation / grading prompts, compaction summaries. */
static void test_automated_prompts(void)
{
	T_EQ(automated("You are a memory distiller. Read the exchange below "
		       "and return JSON with exchange_core..."), 1);
	T_EQ(automated("You are an expert grader. Grade the following "
		       "answer on a scale of 1 to 10."), 1);
	T_EQ(automated("Summarize this conversation in three bullet points."),
	     1);
	T_EQ(automated("This session is being continued from a previous "
		       "conversation that ran out of context. Summary: ..."), 1);
	T_EQ(automated("Your task is to create a detailed summary of the "
		       "conversation so far."), 1);
	T_EQ(last_reason, SEG_SKIP_COMPACTION);
	T_EQ(automated("  Grade the following essay for clarity."), 1);
	T_EQ(last_reason, SEG_SKIP_PROMPT);
	/* a person saying similar words is not automated */
	T_EQ(automated("You are wrong about the retry loop, look again at "
		       "upload.c please."), 0);
	T_EQ(automated("Can you summarize what changed in the upload code?"),
	     0);
	T_EQ(automated(LONG_Q), 0);
}

/* Rule 6: one question and one answer is a person's conversation, kept;
 * a one-shot run the transcript marks as scripted is skipped. */
static void test_one_shot(void)
{
	struct tx_conv c;
	struct seg_list l = SEG_LIST_INIT;

	fx_init(&c, "one");
	FX_U(&c, LONG_Q);
	FX_A(&c, LONG_A);
	T_EQ(seg_is_automated(&c), 0);
	T_EQ(seg_skip_reason(&c), SEG_KEEP);
	seg_split(&c, &l);
	T_EQ(l.n, 1);
	c.scripted = 1;         /* claude -p: entrypoint sdk-cli */
	T_EQ(seg_skip_reason(&c), SEG_SKIP_SCRIPTED);
	T_STREQ(seg_skip_name(SEG_SKIP_SCRIPTED), "scripted one-shot run");
	l.n = 0;
	seg_split(&c, &l);
	T_EQ(l.n, 0);
	/* a scripted session with a second human turn is someone's work */
	FX_U(&c, "And the download path too, the same way please.");
	FX_A(&c, LONG_A);
	T_EQ(seg_skip_reason(&c), SEG_KEEP);
	fx_release(&c);

	/* with a tool call it is real work */
	fx_init(&c, "one-tool");
	FX_U(&c, LONG_Q);
	FX_T(&c, LONG_A, "Edit: src/upload.c");
	T_EQ(seg_is_automated(&c), 0);
	seg_split(&c, &l);
	T_EQ(l.n, 1);
	fx_release(&c);

	/* two user plies: not one-shot */
	fx_init(&c, "two");
	FX_U(&c, LONG_Q);
	FX_U(&c, "and the download too");
	FX_A(&c, LONG_A);
	T_EQ(seg_is_automated(&c), 0);
	seg_list_release(&l);
	fx_release(&c);
}

/* Rule 7: the same conversation gives the same ranges. */
static void test_idempotent(void)
{
	struct tx_conv c;
	struct seg_list a = SEG_LIST_INIT, b = SEG_LIST_INIT;

	fx_init(&c, "idem");
	FX_U(&c, LONG_Q);
	FX_T(&c, "", "Bash: make");
	FX_A(&c, LONG_A);
	FX_U(&c, LONG_Q);
	FX_A(&c, LONG_A);
	seg_split(&c, &a);
	seg_split(&c, &b);
	T_EQ(a.n, b.n);
	for (size_t i = 0; i < a.n && i < b.n; i++) {
		T_EQ(a.x[i].ply_start, b.x[i].ply_start);
		T_EQ(a.x[i].ply_end, b.x[i].ply_end);
	}
	seg_list_release(&a);
	seg_list_release(&b);
	fx_release(&c);
}

static void test_verbatim(void)
{
	struct tx_conv c;
	struct buf b = BUF_INIT(BUF_MAX_TEXT);

	fx_init(&c, "v");
	FX_U(&c, "  fix the upload test\n");
	FX_T(&c, "Let me run it.", "Bash: make test\nRead: src/upload.c");
	FX_T(&c, "", "Edit: src/upload.c");
	FX_A(&c, "Fixed: the retry cap was 3.");
	T_EQ(seg_verbatim(&c, 0, 3, &b), 0);
	T_STREQ(b.p, "user: fix the upload test\n\n"
		"assistant: Let me run it.\n"
		"  > Bash: make test\n"
		"  > Read: src/upload.c\n"
		"  > Edit: src/upload.c\n\n"
		"assistant: Fixed: the retry cap was 3.");
	/* a tool-only ply after the user opens its own block */
	buf_reset(&b);
	T_EQ(seg_verbatim(&c, 0, 0, &b), 0);
	T_STREQ(b.p, "user: fix the upload test");
	buf_reset(&b);
	T_EQ(seg_verbatim(&c, 2, 3, &b), 0);
	T_STREQ(b.p, "assistant:\n  > Edit: src/upload.c\n\n"
		"assistant: Fixed: the retry cap was 3.");
	/* appends; a bad range is refused */
	T_EQ(seg_verbatim(&c, 3, 9, &b), -EINVAL);
	buf_release(&b);
	/* past the cap: -E2BIG and unchanged */
	buf_init(&b, 20);
	buf_adds(&b, "x");
	T_EQ(seg_verbatim(&c, 0, 3, &b), -E2BIG);
	T_STREQ(b.p, "x");
	buf_release(&b);
	fx_release(&c);
}

T_MAIN(test_basic_pairs, test_users_merge,
       test_textless_assistant_never_closes, test_opening_assistant,
       test_short_dropped, test_no_user_text_dropped, test_chunks,
       test_automated_prompts, test_one_shot, test_idempotent, test_verbatim)
