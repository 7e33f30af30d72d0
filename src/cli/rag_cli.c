/*
 * rag_cli.c - what `metagen index` and `metagen search` share: their own
 * flags taken out of argv before cli_parse sees the config flags, and
 * the index path a document is known by.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "metagen/buf.h"
#include "metagen/lm.h"
#include "metagen/rag.h"

int cli_take_local(int argc, char **argv, const cli_local *flags, int *nargc,
		   char ***nargv)
{
	char **out = calloc((size_t)argc + 1, sizeof(char *));
	const cli_local *f;
	int i, n = 0;

	*nargv = NULL;
	if (out == NULL) {
		fprintf(stderr, "metagen: out of memory\n");
		return EXIT_USAGE;
	}
	for (i = 0; i < argc; i++) {
		for (f = flags; f->name; f++)
			if (strcmp(argv[i], f->name) == 0)
				break;
		if (f->name == NULL) {
			out[n++] = argv[i];
		} else if (f->value == NULL) {
			*f->on = 1;
		} else if (i + 1 >= argc) {
			fprintf(stderr, "metagen: %s needs a value\n", f->name);
			free(out);
			return EXIT_USAGE;
		} else {
			*f->value = argv[++i];
		}
	}
	*nargc = n;
	*nargv = out;
	return 0;
}

int cli_parse_local(int argc, char **argv, const cli_local *flags,
		    cli_args *args)
{
	char **nargv = NULL;
	int nargc = 0, rc;

	memset(args, 0, sizeof(*args));
	rc = cli_take_local(argc, argv, flags, &nargc, &nargv);
	if (rc == 0) /* args keeps argv's strings, not nargv itself */
		rc = cli_parse(nargc, nargv, 2, args);
	free(nargv);
	return rc;
}

char *cli_doc_path(const char *path)
{
	char real[PATH_MAX], cwd[PATH_MAX];
	mgen_buf b = MGEN_BUF_INIT;

	if (realpath(path, real) != NULL)
		return strdup(real);
	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return strdup(path);
	mgen_buf_printf(&b, "%s/%s", cwd, path);
	return mgen_buf_detach(&b);
}

int cli_rag_embedder(cli_args *a, mgen_rag *rag, mgen_lm **lm)
{
	mgen_err err = MGEN_ERR_INIT;

	if (mgen_rag_embedder_from_config(&a->cfg, rag, cli_log, &a->quiet, lm,
					  &err) != 0) {
		fprintf(stderr, "metagen: %s\n", err.msg);
		return EXIT_USAGE;
	}
	return 0;
}
