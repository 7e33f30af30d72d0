/*
 * cmd_optimize_ask.c - `metagen optimize --program ask` and `metagen
 * evaluate --program ask` (include/metagen/ask_optimize.h): the ask
 * program compiled from, or scored on, a QA set ({"question", "answer"}
 * JSONL) over the config's retrieval index. Both print the LM calls they
 * will make at most before starting, as the comment program's do.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metagen/ask_optimize.h"
#include "metagen/rag.h"

/* Reads a QA file, the problem printed. 0 or EXIT_USAGE. */
static int read_qa(const char *path, mgen_example ***ex, size_t *n)
{
	mgen_err err = MGEN_ERR_INIT;

	if (mgen_qa_read(path, ex, n, &err) == 0)
		return 0;
	cli_say("%s", err.msg);
	return EXIT_USAGE;
}

/* Without --devset: 3 examples of every 10 (positions 3, 6, 9 mod 10)
 * are held out as the devset, at least one when there are two or more;
 * the rest is the trainset. Moves the pointers of all[0..n). */
static int split(mgen_example **all, size_t n, mgen_example ***tr, size_t *ntr,
		 mgen_example ***dv, size_t *ndv)
{
	size_t i;

	*tr = calloc(n + 1, sizeof(**tr));
	*dv = calloc(n + 1, sizeof(**dv));
	*ntr = *ndv = 0;
	if (*tr == NULL || *dv == NULL)
		return EXIT_USAGE;
	for (i = 0; i < n; i++) {
		size_t m = i % 10;
		int hold = m == 3 || m == 6 || m == 9 ||
			   (n >= 2 && n <= 3 && i == n - 1);

		if (hold)
			(*dv)[(*ndv)++] = all[i];
		else
			(*tr)[(*ntr)++] = all[i];
	}
	return 0;
}

/* Trainset and devset of `optimize --program ask`. */
static int load_sets(const char *trainset, const char *devset,
		     mgen_example ***tr, size_t *ntr, mgen_example ***dv,
		     size_t *ndv)
{
	mgen_example **all = NULL;
	size_t n = 0;
	int rc;

	if (devset != NULL) {
		rc = read_qa(trainset, tr, ntr);
		return rc ? rc : read_qa(devset, dv, ndv);
	}
	rc = read_qa(trainset, &all, &n);
	if (rc == 0)
		rc = split(all, n, tr, ntr, dv, ndv);
	free(all); /* the examples moved into the two sets */
	return rc;
}

/* The options from the config and the flags; opens the index. */
static int ask_options(cli_args *a, const mgen_optimize_options *opts,
		       int judge, mgen_ask_options *o, mgen_rag **rag)
{
	mgen_err err = MGEN_ERR_INIT;

	*o = (mgen_ask_options)MGEN_ASK_OPTIONS_INIT;
	o->opt = *opts;
	o->opt.threads = a->cfg.concurrency;
	o->opt.log = cli_log;
	o->opt.log_userdata = &a->quiet;
	o->top_k = a->cfg.rag_top_k;
	o->max_context_tokens = a->cfg.rag_max_context_tokens;
	o->judge = judge;
	if (mgen_rag_open_config(&a->cfg, 0, rag, &err) != 0) {
		cli_say("%s", err.msg);
		return EXIT_USAGE;
	}
	if (*rag == NULL) {
		fprintf(stderr, "metagen: the ask program needs a retrieval "
				"index: set --rag-index (built with `metagen "
				"index add`)\n");
		return EXIT_USAGE;
	}
	o->rag = *rag;
	return 0;
}

static void print_calls(const char *what, const mgen_ask_calls *c)
{
	printf("%s %lld, prepare %lld, respond %lld, judge %lld", what,
	       c->rewrite, c->prepare, c->respond, c->judge);
}

static int compile(mgen_lm *lm, const mgen_ask_options *o, mgen_optimizer kind,
		   mgen_example **tr, size_t ntr, mgen_example **dv, size_t ndv,
		   const char *out)
{
	mgen_ask_calls parts;
	mgen_ask_result res;
	mgen_program *prog = NULL;
	mgen_err err = MGEN_ERR_INIT;
	long long bound = mgen_ask_compile_estimate(
	    kind, (const mgen_example *const *)tr, ntr,
	    (const mgen_example *const *)dv, ndv, o, &parts);
	int rc;

	printf("metagen: %s on the ask program, %zu training and %zu dev "
	       "questions: at most %lld LM calls (",
	       mgen_optimizer_name(kind), ntr, ndv, bound);
	print_calls("rewrite", &parts);
	printf(")\n");
	fflush(stdout);
	rc = mgen_ask_compile(kind, lm, o, (const mgen_example *const *)tr, ntr,
			      (const mgen_example *const *)dv, ndv, &prog, &res,
			      &err);
	if (rc == 0)
		rc = mgen_program_save(prog, out, &err);
	if (rc != 0) {
		cli_say("%s", err.msg);
		mgen_program_free(prog);
		return rc == MGEN_EINVAL ? EXIT_USAGE : EXIT_SOME_FAILED;
	}
	printf("metagen: %s: %lld LM calls made (estimate %lld; ",
	       mgen_optimizer_name(kind),
	       res.made.rewrite + res.made.prepare + res.made.respond +
		   res.made.judge,
	       bound);
	print_calls("rewrite", &res.made);
	printf("); dev score %.2f (zero-shot %.2f); demos: rewrite %zu, "
	       "respond %zu; %zu judge failures; saved %s\n",
	       res.best_score, res.baseline_score,
	       mgen_program_demo_count(prog, 0),
	       mgen_program_demo_count(prog, 1), res.judge_failures, out);
	mgen_program_free(prog);
	return 0;
}

int cli_ask_optimize(cli_args *a, const cli_ask_args *x, mgen_optimizer kind,
		     mgen_lm *lm)
{
	mgen_example **tr = NULL, **dv = NULL;
	size_t ntr = 0, ndv = 0;
	mgen_ask_options o;
	mgen_rag *rag = NULL;
	int rc = ask_options(a, x->opts, x->judge, &o, &rag);

	if (rc == 0)
		rc = load_sets(x->trainset, x->devset, &tr, &ntr, &dv, &ndv);
	if (rc == 0)
		rc = compile(lm, &o, kind, tr, ntr, dv, ndv, x->out);
	mgen_qa_examples_free(tr, ntr);
	mgen_qa_examples_free(dv, ndv);
	mgen_rag_close(rag);
	return rc;
}

int cli_ask_evaluate(cli_args *a, const cli_ask_args *x, mgen_lm *lm)
{
	mgen_example **dv = NULL;
	size_t ndv = 0;
	mgen_ask_options o;
	mgen_ask_eval ev;
	mgen_rag *rag = NULL;
	mgen_err err = MGEN_ERR_INIT;
	int rc = ask_options(a, x->opts, x->judge, &o, &rag);

	if (rc == 0)
		rc = read_qa(x->devset, &dv, &ndv);
	if (rc == 0) {
		printf("metagen: evaluating the ask program on %zu questions: "
		       "at most %lld LM calls\n",
		       ndv,
		       mgen_ask_evaluate_estimate(
			   (const mgen_example *const *)dv, ndv, &o));
		fflush(stdout);
		rc = mgen_ask_evaluate(lm, x->program, &o,
				       (const mgen_example *const *)dv, ndv,
				       &ev, &err);
		if (rc != 0) {
			cli_say("%s", err.msg);
			rc = EXIT_USAGE;
		}
	}
	if (rc == 0) {
		printf("ask (%zu questions): score %.2f, F1 %.2f, citations "
		       "%.2f, cited %.2f%%, ",
		       ev.n, ev.score, ev.f1, ev.citations, ev.cited);
		if (ev.judge >= 0)
			printf("judge %.2f (%zu unreadable)", ev.judge,
			       ev.judge_failures);
		else
			printf("judge off");
		printf("; %zu failed; %lld LM calls (at most %lld)\n",
		       ev.failures, ev.lm_calls, ev.bound);
	}
	mgen_qa_examples_free(dv, ndv);
	mgen_rag_close(rag);
	return rc;
}
