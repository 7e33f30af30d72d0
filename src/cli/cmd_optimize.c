/*
 * cmd_optimize.c - `metagen optimize` and `metagen evaluate`: compile the
 * comment program from gold examples (JSONL written by `metagen
 * harvest`), and compare the legacy and optimized paths on a devset.
 * Both print the LM calls they will make at most before starting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metagen/comment_program.h"
#include "metagen/optimize.h"
#include "metagen/train.h"

/* Options of these two commands that are not config keys. */
typedef struct train_args {
	const char *trainset, *devset, *optimizer, *out;
	mgen_optimize_options opts; /* optimizer settings from the flags */
	int cot;		    /* --chain-of-thought */
	cli_ask_args ask; /* --program ask (program = --ask-program) */
	int is_ask;
	int argc;
	char **argv; /* argv without them, for cli_parse (owned array) */
} train_args;

/* The ask program's flags: "--program ask" (the word, not a file; a
 * comment program file named so is given as ./ask), --judge and
 * --ask-program FILE. 1 when argv[*i] was one of them. */
static int take_ask(int argc, char **argv, int *i, train_args *ta)
{
	if (strcmp(argv[*i], "--program") == 0 && *i + 1 < argc &&
	    strcmp(argv[*i + 1], "ask") == 0) {
		ta->is_ask = 1;
		++*i;
		return 1;
	}
	if (strcmp(argv[*i], "--judge") == 0) {
		ta->ask.judge = 1;
		return 1;
	}
	if (strcmp(argv[*i], "--ask-program") == 0 && *i + 1 < argc) {
		ta->ask.program = argv[++*i];
		return 1;
	}
	return 0;
}

static int take_args(int argc, char **argv, train_args *ta)
{
	static const char *const names[] = {"--trainset", "--devset",
					    "--optimizer", "--out"};
	const char **slots[4];
	int i, k;

	memset(ta, 0, sizeof(*ta));
	ta->opts = (mgen_optimize_options)MGEN_OPTIMIZE_OPTIONS_INIT;
	slots[0] = &ta->trainset;
	slots[1] = &ta->devset;
	slots[2] = &ta->optimizer;
	slots[3] = &ta->out;
	ta->argv = calloc((size_t)argc + 1, sizeof(char *));
	if (ta->argv == NULL)
		return EXIT_USAGE;
	for (i = 0; i < argc; i++) {
		for (k = 0; k < 4; k++)
			if (strcmp(argv[i], names[k]) == 0)
				break;
		if (strcmp(argv[i], "--chain-of-thought") == 0) {
			ta->cot = 1;
			continue;
		}
		if (take_ask(argc, argv, &i, ta))
			continue;
		if (k == 4) {
			ta->argv[ta->argc++] = argv[i];
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "metagen: %s needs a value\n",
				names[k]);
			return EXIT_USAGE;
		}
		*slots[k] = argv[++i];
	}
	return optimize_settings_take(&ta->argc, ta->argv, &ta->opts);
}

/* --judge and --ask-program belong to --program ask, --chain-of-thought
 * to the comment program: a flag that would be ignored is refused. */
static int ask_flags_fit(const train_args *ta)
{
	const char *bad = NULL;

	if (!ta->is_ask && ta->ask.judge)
		bad = "--judge";
	else if (!ta->is_ask && ta->ask.program)
		bad = "--ask-program";
	else if (ta->is_ask && ta->cot)
		bad = "--chain-of-thought";
	if (bad == NULL)
		return 0;
	fprintf(stderr, "metagen: %s %s --program ask\n", bad,
		ta->is_ask ? "does not apply to" : "needs");
	return EXIT_USAGE;
}

/* The ask program's arguments from the parsed ones. */
static const cli_ask_args *ask_args(train_args *ta)
{
	ta->ask.trainset = ta->trainset;
	ta->ask.devset = ta->devset;
	ta->ask.out = ta->out;
	ta->ask.opts = &ta->opts;
	return &ta->ask;
}

static int parse_kind(const char *s, mgen_optimizer *k)
{
	static const struct {
		const char *name;
		mgen_optimizer kind;
	} kinds[] = {{"labeled", MGEN_OPT_LABELED},
		     {"bootstrap", MGEN_OPT_BOOTSTRAP},
		     {"random-search", MGEN_OPT_RANDOM_SEARCH},
		     {"mipro", MGEN_OPT_MIPRO},
		     {"gepa", MGEN_OPT_GEPA},
		     {"knn", MGEN_OPT_KNN}};
	size_t i;

	for (i = 0; s && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(s, kinds[i].name) == 0) {
			*k = kinds[i].kind;
			return 0;
		}
	fprintf(stderr,
		"metagen: --optimizer: expected labeled|bootstrap|"
		"random-search|mipro|gepa|knn, got '%s'\n",
		s ? s : "");
	return EXIT_USAGE;
}

/* Reads a JSONL file of gold examples into comment-program examples. */
static int read_examples(const char *path, mgen_example ***ex, size_t *n)
{
	mgen_dataset ds = MGEN_DATASET_INIT;
	mgen_err err = MGEN_ERR_INIT;
	int rc = mgen_dataset_read(path, &ds, &err);

	if (rc == 0)
		rc = mgen_train_examples(&ds, path, ex, n, &err);
	mgen_dataset_release(&ds);
	if (rc)
		cli_say("%s", err.msg);
	return rc ? EXIT_USAGE : 0;
}

/* Trainset and devset: --devset, or a split of the trainset by table. */
static int load_sets(const train_args *ta, mgen_example ***train,
		     size_t *ntrain, mgen_example ***dev, size_t *ndev)
{
	mgen_dataset all = MGEN_DATASET_INIT, tr = MGEN_DATASET_INIT,
		     dv = MGEN_DATASET_INIT;
	mgen_err err = MGEN_ERR_INIT;
	int rc;

	if (ta->devset) {
		rc = read_examples(ta->trainset, train, ntrain);
		return rc ? rc : read_examples(ta->devset, dev, ndev);
	}
	rc = mgen_dataset_read(ta->trainset, &all, &err);
	if (rc == 0) /* no devset: 30% of the tables, never shared */
		rc = mgen_dataset_split(&all, 0, 0.3, &tr, &dv, &err);
	if (rc == 0)
		rc =
		    mgen_train_examples(&tr, ta->trainset, train, ntrain, &err);
	if (rc == 0)
		rc = mgen_train_examples(&dv, ta->trainset, dev, ndev, &err);
	if (rc)
		cli_say("%s", err.msg);
	mgen_dataset_release(&all);
	mgen_dataset_release(&tr);
	mgen_dataset_release(&dv);
	return rc ? EXIT_USAGE : 0;
}

/* Replaces *sig with its dspy.ChainOfThought form (a reasoning output). */
static int chain_of_thought(mgen_signature **sig)
{
	mgen_signature *cot = NULL;
	int rc = mgen_signature_chain_of_thought(*sig, &cot, NULL);

	if (rc == 0) {
		mgen_signature_free(*sig);
		*sig = cot;
	}
	return rc;
}

/* GEPA's budget must score the devset once: else a usage error. */
static int gepa_budget(const mgen_optimize_options *o, size_t ntrain,
		       size_t ndev)
{
	mgen_gepa_plan pl;

	mgen_gepa_plan_for(ntrain, ndev, o, &pl);
	if (pl.metric_calls >= (long long)ndev)
		return 0;
	fprintf(stderr,
		"metagen: --max-metric-calls %lld cannot score the "
		"%zu dev tables once\n",
		pl.metric_calls, ndev);
	return EXIT_USAGE;
}

static int compile(cli_args *a, const train_args *ta, mgen_optimizer kind,
		   mgen_lm *lm)
{
	mgen_example **train = NULL, **dev = NULL;
	size_t ntrain = 0, ndev = 0;
	mgen_signature *sig = NULL;
	mgen_program *prog = NULL;
	mgen_optimize_options oo = ta->opts;
	mgen_optimize_result res;
	mgen_err err = MGEN_ERR_INIT;
	size_t per = (size_t)a->cfg.columns_per_call;
	long long bound;
	/* KNN scores nothing at compile: no table is held out for it */
	int rc = kind == MGEN_OPT_KNN && ta->devset == NULL
		     ? read_examples(ta->trainset, &train, &ntrain)
		     : load_sets(ta, &train, &ntrain, &dev, &ndev);
	merge_sets sets = {train, ntrain, dev, ndev};

	if (rc == 0 && (rc = mgen_comment_signature(&sig, &err)) != 0)
		cli_say("%s", err.msg);
	if (rc == 0 && ta->cot && (rc = chain_of_thought(&sig)) != 0)
		cli_say("optimize: out of memory");
	if (rc) {
		rc = EXIT_USAGE;
		goto done;
	}
	/* a ChainOfThought is saved as DSPy saves one: "<name>.predict" */
	oo.predictor_name = ta->cot ? MGEN_COMMENT_PREDICTOR ".predict"
				    : MGEN_COMMENT_PREDICTOR;
	oo.threads = a->cfg.concurrency;
	oo.log = cli_log;
	oo.log_userdata = &a->quiet;
	oo.feedback = mgen_train_feedback;
	if (kind == MGEN_OPT_GEPA && (rc = gepa_budget(&oo, ntrain, ndev)))
		goto done;
	bound = mgen_optimize_estimate(kind, ntrain, ndev, &oo) +
		optimize_merge_bound(kind, &oo, train, ntrain, dev, ndev, per);
	printf("metagen: %s on %zu training and %zu dev tables: at most "
	       "%lld LM calls\n",
	       mgen_optimizer_name(kind), ntrain, ndev, bound);
	fflush(stdout);
	memset(&res, 0, sizeof(res));
	rc = mgen_optimize(kind, lm, sig, (const mgen_example *const *)train,
			   ntrain, (const mgen_example *const *)dev, ndev,
			   mgen_train_metric, NULL, &oo, &prog, &res, &err);
	if (rc == 0) /* the second predictor: the merge of wide tables */
		rc =
		    optimize_merge(kind, lm, &oo, &sets, per, prog, &res, &err);
	res.lm_calls_estimate = bound;
	if (rc == 0 &&
	    (rc = mgen_program_set_meta(prog, mgen_optimizer_name(kind), bound,
					res.lm_calls_made)) != 0)
		mgen_err_set(&err, rc, "out of memory");
	if (rc == 0)
		rc = mgen_program_save(prog, ta->out, &err);
	if (rc) {
		cli_say("%s", err.msg);
		rc = EXIT_SOME_FAILED;
		goto done;
	}
	if (kind == MGEN_OPT_KNN) /* nothing scored: demos come per call */
		printf("metagen: %s: %lld LM calls made (estimate %lld); the "
		       "%lld nearest of %zu training tables are each call's "
		       "demos; saved %s\n",
		       mgen_optimizer_name(kind), res.lm_calls_made,
		       res.lm_calls_estimate, mgen_program_knn(prog),
		       mgen_program_train_count(prog, 0), ta->out);
	else
		printf("metagen: %s: %lld LM calls made (estimate %lld); dev "
		       "score %.2f (zero-shot %.2f); %zu demos; saved %s\n",
		       mgen_optimizer_name(kind), res.lm_calls_made,
		       res.lm_calls_estimate, res.best_score,
		       res.baseline_score, mgen_program_demo_count(prog, 0),
		       ta->out);
done:
	mgen_program_free(prog);
	mgen_signature_free(sig);
	mgen_train_examples_free(train, ntrain);
	mgen_train_examples_free(dev, ndev);
	return rc;
}

/* The ask agent does not choose demos per question: usage error. */
static int knn_not_for_ask(void)
{
	fprintf(stderr, "metagen: --optimizer knn compiles the comment "
			"program; the ask program does not take per-question "
			"demos\n");
	return EXIT_USAGE;
}

/* Parses the rest of the command line into a config and opens the LM. */
static int setup(int argc, char **argv, train_args *ta, cli_args *a,
		 mgen_lm **lm)
{
	mgen_err err = MGEN_ERR_INIT;
	int rc;

	memset(a, 0, sizeof(*a));
	*lm = NULL;
	rc = take_args(argc, argv, ta);
	if (rc == 0)
		rc = ask_flags_fit(ta);
	if (rc == 0)
		rc = cli_parse(ta->argc, ta->argv, 2, a);
	if (rc || a->help)
		return rc;
	/* KNNFewShot compiles without the LM: no client, no request */
	if (ta->optimizer && strcmp(ta->optimizer, "knn") == 0)
		return ta->is_ask ? knn_not_for_ask() : 0;
	if (a->cfg.model == NULL || strcmp(a->cfg.model, "offline") == 0) {
		fprintf(stderr,
			"metagen: this command needs an LM: set --model "
			"and --api-base (or a provider model string)\n");
		return EXIT_USAGE;
	}
	/* the endpoint checked as generate checks it: an unreachable LM is
	 * an error before any example is read, not a devset scored 0.00 */
	if (mgen_lm_new_from_config(&a->cfg, cli_log, &a->quiet, lm, &err) !=
		0 ||
	    mgen_lm_preflight(*lm, &err) != 0) {
		cli_say("%s", err.msg);
		return EXIT_USAGE;
	}
	return 0;
}

int cmd_optimize(int argc, char **argv)
{
	train_args ta;
	cli_args a;
	mgen_lm *lm = NULL;
	mgen_optimizer kind = MGEN_OPT_BOOTSTRAP;
	int rc = setup(argc, argv, &ta, &a, &lm);

	if (rc == 0 && a.help)
		printf("usage: metagen optimize --trainset F [--devset F] "
		       "--optimizer "
		       "labeled|bootstrap|random-search|mipro|gepa|knn "
		       "--out FILE [--chain-of-thought] [generate's LM "
		       "options]\n\nCompiles the comment program (instructions "
		       "+ demos) from gold examples (JSONL from `metagen "
		       "harvest`) and saves it in DSPy's saved-program layout. "
		       "Without --devset, 30%% of the tables are held out. "
		       "--chain-of-thought compiles dspy.ChainOfThought (a "
		       "`reasoning` output before `comments`), saved under "
		       "\"comment.predict\".\n\n--program ask compiles the ask "
		       "program (rewrite + respond) instead, from a QA file "
		       "(JSONL {\"question\", \"answer\"}, optional "
		       "\"history\") over --rag-index, with the QA metric "
		       "(token F1 x citations; --judge adds an LLM judge); "
		       "docs/dspy.md \"The ask program\".\n");
	if (rc == 0 && a.help)
		optimize_settings_help();
	else if (rc == 0 && (ta.trainset == NULL || ta.out == NULL)) {
		fprintf(stderr,
			"metagen: optimize needs --trainset and --out\n");
		rc = EXIT_USAGE;
	} else if (rc == 0 &&
		   (rc = parse_kind(ta.optimizer ? ta.optimizer : "bootstrap",
				    &kind)) == 0)
		rc = ta.is_ask ? cli_ask_optimize(&a, ask_args(&ta), kind, lm)
			       : compile(&a, &ta, kind, lm);
	mgen_lm_free(lm);
	if (ta.argv)
		cli_args_release(&a);
	free(ta.argv);
	return rc;
}

static int compare(cli_args *a, const train_args *ta, mgen_lm *lm)
{
	mgen_example **dev = NULL;
	size_t ndev = 0, i;
	mgen_comment_program *cp = NULL;
	mgen_train_score *sc = NULL;
	mgen_err err = MGEN_ERR_INIT;
	double lsum = 0, osum = 0;
	int rc = read_examples(ta->devset, &dev, &ndev);

	if (rc == 0 && a->cfg.prompts_optimized &&
	    mgen_comment_program_load(a->cfg.prompts_optimized, &cp, &err)) {
		cli_say("%s", err.msg);
		rc = EXIT_USAGE;
	}
	sc = rc ? NULL : calloc(ndev + 1, sizeof(*sc));
	if (rc == 0 && sc == NULL)
		rc = EXIT_USAGE;
	if (rc == 0) {
		printf("metagen: evaluating %zu dev tables: at most %zu LM "
		       "calls\n",
		       ndev, ndev * (cp ? 3 : 1));
		fflush(stdout);
	}
	if (rc == 0 &&
	    mgen_train_compare(lm, &a->cfg, cp, dev, ndev, sc, &err) != 0) {
		cli_say("%s", err.msg);
		rc = EXIT_USAGE;
	}
	for (i = 0; rc == 0 && i < ndev; i++) {
		printf("%-40s legacy %6.2f  optimized %s%6.2f\n",
		       sc[i].table ? sc[i].table : "?", 100 * sc[i].legacy,
		       cp ? "" : "(none) ", cp ? 100 * sc[i].optimized : 0);
		lsum += sc[i].legacy;
		osum += cp ? sc[i].optimized : 0;
	}
	if (rc == 0)
		printf("overall (%zu tables): legacy %.2f, optimized %s%.2f\n",
		       ndev, ndev ? 100 * lsum / (double)ndev : 0,
		       cp ? "" : "(no --program) ",
		       ndev ? 100 * osum / (double)ndev : 0);
	if (rc == 0)
		cli_evaluate_negatives(ta->devset, sc, ndev, cp != NULL);
	for (i = 0; sc && i < ndev; i++) {
		free(sc[i].legacy_answer);
		free(sc[i].optimized_answer);
	}
	free(sc);
	mgen_comment_program_free(cp);
	mgen_train_examples_free(dev, ndev);
	return rc;
}

int cmd_evaluate(int argc, char **argv)
{
	train_args ta;
	cli_args a;
	mgen_lm *lm = NULL;
	int rc = setup(argc, argv, &ta, &a, &lm);

	if (rc == 0 && a.help)
		printf(
		    "usage: metagen evaluate --devset F [--program FILE] "
		    "[generate's LM options]\n\nScores the legacy path and "
		    "(with --program) the optimized path on gold examples, "
		    "per table and overall (token F1 against the human "
		    "comments, 0 when an answer fails validation).\n\n"
		    "--program ask [--ask-program FILE] [--judge] scores the "
		    "ask program on a QA file instead: QA score, F1, "
		    "citations, cited share, judge.\n");
	else if (rc == 0 && ta.devset == NULL) {
		fprintf(stderr, "metagen: evaluate needs --devset\n");
		rc = EXIT_USAGE;
	} else if (rc == 0 && ta.cot) {
		fprintf(stderr, "metagen: evaluate: --chain-of-thought is a "
				"compile choice of optimize; a ChainOfThought "
				"--program is recognised by its reasoning "
				"field\n");
		rc = EXIT_USAGE;
	} else if (rc == 0)
		rc = ta.is_ask ? cli_ask_evaluate(&a, ask_args(&ta), lm)
			       : compare(&a, &ta, lm);
	mgen_lm_free(lm);
	if (ta.argv)
		cli_args_release(&a);
	free(ta.argv);
	return rc;
}
