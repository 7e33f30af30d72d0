/*
 * optimize_settings.c - `metagen optimize`'s optimizer settings as flags,
 * DSPy's names and defaults (dspy/teleprompt/bootstrap.py,
 * random_search.py, mipro_optimizer_v2.py, gepa/gepa.py): each recognised flag
 * and its value are taken out of argv; a bad value is a usage error naming it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	S_SEED,
	S_K,
	S_BOOT,
	S_LAB,
	S_ROUNDS,
	S_THRESH,
	S_CANDS,
	S_AUTO,
	S_MINIBATCH,
	S_FULL_EVERY,
	S_METRIC_CALLS,
	S_REFLECT_MB,
	S_N
};

static const struct {
	const char *flag;
	const char *help;
	unsigned long long max;
} settings[S_N] = {
    {"--seed", "random seed (0; DSPy's MIPROv2 uses 9: docs/dspy.md)",
     0xffffffffULL},
    {"--k", "LabeledFewShot demos, KNNFewShot neighbours (16)", 1000},
    {"--max-bootstrapped-demos", "bootstrapped demos (4)", 1000},
    {"--max-labeled-demos", "labeled demos (16)", 1000},
    {"--max-rounds", "bootstrap rounds per example (1)", 100},
    {"--metric-threshold",
     "score a bootstrapped trace must reach (0-1; "
     "default: any score above 0)",
     0},
    {"--num-candidate-programs", "random-search candidates (16)", 1000},
    {"--auto", "MIPROv2 and GEPA budget: light|medium|heavy (light)", 0},
    {"--minibatch-size", "MIPROv2 minibatch (35)", 100000},
    {"--full-eval-every", "MIPROv2 trials between full evaluations (5)", 1000},
    {"--max-metric-calls", "GEPA budget in predictions (instead of --auto)",
     1000000000ULL},
    {"--reflection-minibatch-size",
     "GEPA examples per reflection (3; at most 64)", 64},
};

void optimize_settings_help(void)
{
	size_t i;

	printf("\noptimizer settings (DSPy's defaults in parentheses):\n");
	for (i = 0; i < S_N; i++)
		printf("  %-28s %s\n", settings[i].flag, settings[i].help);
}

static int whole(const char *flag, const char *v, unsigned long long max,
		 unsigned long long *out)
{
	char *end = NULL;

	errno = 0;
	if (v[0] < '0' || v[0] > '9' ||
	    (*out = strtoull(v, &end, 10), errno != 0) || *end != '\0' ||
	    *out > max) {
		fprintf(stderr,
			"metagen: %s: expected a whole number 0..%llu, "
			"got '%s'\n",
			flag, max, v);
		return EXIT_USAGE;
	}
	return 0;
}

static int set_auto(const char *v, mgen_optimize_options *o)
{
	static const char *const names[] = {"light", "medium", "heavy"};
	static const mgen_mipro_auto levels[] = {
	    MGEN_MIPRO_LIGHT, MGEN_MIPRO_MEDIUM, MGEN_MIPRO_HEAVY};
	size_t i;

	for (i = 0; i < 3; i++)
		if (strcmp(v, names[i]) == 0) {
			o->mipro_auto = levels[i];
			return 0;
		}
	fprintf(stderr,
		"metagen: --auto: expected light|medium|heavy, got "
		"'%s'\n",
		v);
	return EXIT_USAGE;
}

static int set_threshold(const char *v, mgen_optimize_options *o)
{
	char *end = NULL;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !(d >= 0 && d <= 1)) {
		fprintf(stderr,
			"metagen: --metric-threshold: expected a number "
			"0..1, got '%s'\n",
			v);
		return EXIT_USAGE;
	}
	o->metric_threshold = d;
	return 0;
}

static int set_one(int s, const char *v, mgen_optimize_options *o)
{
	unsigned long long n = 0;
	int rc;

	if (s == S_AUTO)
		return set_auto(v, o);
	if (s == S_THRESH)
		return set_threshold(v, o);
	rc = whole(settings[s].flag, v, settings[s].max, &n);
	if (rc != 0)
		return rc;
	switch (s) {
	case S_SEED:
		o->seed = n;
		break;
	case S_K:
		o->k = (size_t)n;
		break;
	case S_BOOT:
		o->max_bootstrapped_demos = (size_t)n;
		break;
	case S_LAB:
		o->max_labeled_demos = (size_t)n;
		break;
	case S_ROUNDS:
		o->max_rounds = n < 1 ? 1 : (int)n;
		break;
	case S_CANDS:
		o->num_candidate_programs = (int)n;
		break;
	case S_MINIBATCH:
		o->minibatch_size = n < 1 ? 1 : (size_t)n;
		break;
	case S_FULL_EVERY:
		o->full_eval_every = n < 1 ? 1 : (int)n;
		break;
	case S_METRIC_CALLS:
		o->max_metric_calls = (long long)n;
		break;
	default:
		o->reflection_minibatch_size = n < 1 ? 1 : (size_t)n;
		break;
	}
	return 0;
}

int optimize_settings_take(int *argc, char **argv, mgen_optimize_options *o)
{
	int i, kept = 0, s;

	for (i = 0; i < *argc; i++) {
		for (s = 0; s < S_N && strcmp(argv[i], settings[s].flag); s++)
			;
		if (s == S_N) {
			argv[kept++] = argv[i];
			continue;
		}
		if (i + 1 >= *argc) {
			fprintf(stderr, "metagen: %s needs a value\n",
				settings[s].flag);
			return EXIT_USAGE;
		}
		if (set_one(s, argv[++i], o) != 0)
			return EXIT_USAGE;
	}
	*argc = kept;
	argv[kept] = NULL;
	return 0;
}
