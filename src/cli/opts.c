/*
 * opts.c - command-line options into a config. Every config key is a flag
 * (--sample-size 5, --apply); the order of strength is flag > METAGEN_*
 * environment > config file > default (config.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/util.h"

extern char **environ;

/* A flag waiting to be applied after the file and the environment. */
typedef struct pending_flag {
	const char *key; /* without the leading dashes */
	char *value;	 /* owned */
	char where[160];
} pending_flag;

static void print_err(const mgen_err *e)
{
	cli_say("%s", e->msg[0] ? e->msg : mgen_strerror(e->code));
}

/* 1 when `s` is a boolean word, so "--flag false" reads naturally. */
static int is_bool_word(const char *s)
{
	static const char *const words[] = {"true", "false", "yes", "no",
					    "on",   "off",   "1",   "0"};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (mgen__strcasecmp(s, words[i]) == 0)
			return 1;
	return 0;
}

/* Splits "--key=value" / "--key value"; returns the number of argv
 * entries used, or 0 on a usage error (already printed). */
static int take_flag(int argc, char **argv, int i, pending_flag *pf,
		     const char **config_path)
{
	const char *arg = argv[i] + 2, *eq = strchr(arg, '=');
	size_t klen = eq ? (size_t)(eq - arg) : strlen(arg);
	char key[128];
	int kind, used = 1;

	if (klen >= sizeof(key)) {
		fprintf(stderr, "metagen: option '%s' is too long\n", argv[i]);
		return 0;
	}
	memcpy(key, arg, klen);
	key[klen] = '\0';
	if (strcmp(key, "config") == 0) {
		if (!eq && i + 1 >= argc) {
			fprintf(stderr, "metagen: --config needs a file\n");
			return 0;
		}
		*config_path = eq ? eq + 1 : argv[i + 1];
		return eq ? 1 : 2;
	}
	kind = mgen_config_key_kind(key);
	if (kind < 0 && mgen__startswith(key, "no-") &&
	    mgen_config_key_kind(key + 3) == 1) {
		pf->key = argv[i] + 5;
		pf->value = mgen__strdup("false");
		snprintf(pf->where, sizeof(pf->where), "--%s", key);
		return pf->value ? 1 : 0;
	}
	if (kind < 0) {
		fprintf(stderr,
			"metagen: unknown option '--%s' (see metagen --help)\n",
			key);
		return 0;
	}
	pf->key = arg;
	if (eq)
		pf->value = mgen__strdup(eq + 1);
	else if (kind == 1 && i + 1 < argc && is_bool_word(argv[i + 1])) {
		pf->value = mgen__strdup(argv[i + 1]); /* --allow-data false */
		used = 2;
	} else if (kind == 1)
		pf->value = mgen__strdup("true");
	else if (i + 1 < argc) {
		pf->value = mgen__strdup(argv[i + 1]);
		used = 2;
	} else {
		fprintf(stderr, "metagen: option '--%s' needs a value\n", key);
		return 0;
	}
	snprintf(pf->where, sizeof(pf->where), "--%s", key);
	return pf->value ? used : 0;
}

/* Applies the collected flags; the first flag for a list key replaces
 * the list from file/env, later ones append. */
static int apply_flags(cli_args *args, pending_flag *flags, size_t n)
{
	size_t i, j;
	mgen_err e = MGEN_ERR_INIT;

	for (i = 0; i < n; i++) {
		char key[128];
		const char *eq = strchr(flags[i].key, '=');
		size_t klen =
		    eq ? (size_t)(eq - flags[i].key) : strlen(flags[i].key);
		int first = 1;

		snprintf(key, sizeof(key), "%.*s", (int)klen, flags[i].key);
		for (j = 0; j < i; j++)
			if (strncmp(flags[j].key, key, klen) == 0 &&
			    (flags[j].key[klen] == '\0' ||
			     flags[j].key[klen] == '='))
				first = 0;
		if (mgen_config_set(&args->cfg, key, flags[i].value, first,
				    flags[i].where, &e) != 0) {
			print_err(&e);
			return EXIT_USAGE;
		}
	}
	return 0;
}

/* Loads the file and the environment under the flags. */
static int load_sources(cli_args *args, const char *config_path)
{
	mgen_err e = MGEN_ERR_INIT;

	if (config_path == NULL)
		config_path = getenv("METAGEN_CONFIG");
	if (config_path && config_path[0] &&
	    mgen_config_load_file(&args->cfg, config_path, &e) != 0) {
		print_err(&e);
		return EXIT_USAGE;
	}
	if (mgen_config_load_env(&args->cfg, environ, &e) != 0) {
		print_err(&e);
		return EXIT_USAGE;
	}
	return 0;
}

int cli_parse(int argc, char **argv, int first, cli_args *args)
{
	pending_flag *flags = calloc((size_t)argc + 1, sizeof(*flags));
	const char *config_path = NULL;
	size_t nflags = 0, i;
	int rc = 0, k;

	memset(args, 0, sizeof(*args));
	args->positional = calloc((size_t)argc + 1, sizeof(char *));
	if (flags == NULL || args->positional == NULL ||
	    mgen_config_init(&args->cfg) != 0) {
		fprintf(stderr, "metagen: out of memory\n");
		rc = EXIT_USAGE;
		goto done;
	}
	for (k = first; k < argc && rc == 0;) {
		int used;
		if (strcmp(argv[k], "--help") == 0 ||
		    strcmp(argv[k], "-h") == 0) {
			args->help = 1;
			k++;
		} else if (strcmp(argv[k], "--quiet") == 0 ||
			   strcmp(argv[k], "-q") == 0) {
			args->quiet = 1;
			k++;
		} else if (strncmp(argv[k], "--", 2) == 0 && argv[k][2]) {
			used = take_flag(argc, argv, k, &flags[nflags],
					 &config_path);
			if (used == 0)
				rc = EXIT_USAGE;
			else if (flags[nflags].value)
				nflags++;
			k += used;
		} else {
			args->positional[args->npositional++] = argv[k++];
		}
	}
	if (rc == 0 && !args->help)
		rc = load_sources(args, config_path);
	if (rc == 0 && !args->help)
		rc = apply_flags(args, flags, nflags);
done:
	for (i = 0; flags && i < nflags; i++)
		free(flags[i].value);
	free(flags);
	return rc;
}

void cli_args_release(cli_args *args)
{
	mgen_config_release(&args->cfg);
	free(args->positional);
	args->positional = NULL;
}

void cli_print_flags(void)
{
	const mgen_config_keyinfo *k;

	for (k = mgen_config_keys(); k->key; k++) {
		char flag[128];
		size_t i;
		snprintf(flag, sizeof(flag), "%s", k->key);
		for (i = 0; flag[i]; i++)
			if (flag[i] == '.' || flag[i] == '_')
				flag[i] = '-';
		fprintf(stdout, "  --%-28s %s (%s; default %s)\n", flag,
			k->help, k->type,
			k->dflt && k->dflt[0] ? k->dflt : "none");
	}
}
