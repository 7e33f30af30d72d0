/*
 * main.c - the metagen command: dispatches to one cmd_<name>.c per
 * subcommand through a table (after git's and curl's tool layout).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} command;

static const command commands[] = {
    {"generate", cmd_generate,
     "profile the tables in scope and write comments for review"},
    {"apply", cmd_apply, "apply a reviewed comments.tsv to the warehouse"},
    {"harvest", cmd_harvest,
     "write the warehouse's human comments as a gold data set (JSONL)"},
    {"optimize", cmd_optimize,
     "compile the comment program from gold examples (DSPy layout)"},
    {"evaluate", cmd_evaluate,
     "score the legacy and optimized paths on gold examples"},
    {"index", cmd_index,
     "add documents to the retrieval index, remove them, or show stats"},
    {"search", cmd_search,
     "search the retrieval index (or --eval on a BEIR set)"},
    {"ask", cmd_ask,
     "answer a question from the retrieval index, in a conversation"},
    {"serve", cmd_serve,
     "serve health, version and metrics over HTTP (more to come)"},
    {"sessions", cmd_sessions,
     "list, show, delete or prune the conversation memory's sessions"},
    {"cache", cmd_cache, "show (stats) or empty (clear) the LM answer cache"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
	const command *c;

	fprintf(f, "usage: metagen <command> [options]\n\n"
		   "metagen writes table and column comments for SQL "
		   "warehouses with an LLM.\n\ncommands:\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fprintf(f, "\n'metagen <command> --help' lists the options of a "
		   "command.\n'metagen --version' prints the version.\n");
}

int main(int argc, char **argv)
{
	const command *c;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("metagen %s\n", MGEN_VERSION);
		return 0;
	}
	for (c = commands; c->name; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->run(argc, argv);
	fprintf(stderr, "metagen: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
