/*
 * cmd_cache.c - `metagen cache stats|clear`: looks into or empties the LM
 * answer cache (<cache_dir>/cache.sqlite, include/metagen/cache.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "metagen/buf.h"
#include "metagen/cache.h"

static void help(void)
{
	printf("usage: metagen cache stats|clear [options]\n\n"
	       "The LM answer cache holds the answers to earlier requests "
	       "(same model,\nmessages and parameters), so re-running an "
	       "unchanged scope makes no LM\ncalls. 'stats' shows its size; "
	       "'clear' removes every entry.\n"
	       "'metagen generate --no-cache' runs without it.\n\n"
	       "options:\n"
	       "  --cache-dir DIR    folder of cache.sqlite (default "
	       ".metagen)\n"
	       "  --config FILE      YAML config (cache_dir)\n");
}

void cli_iso_time(long long t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, n, "-");
		return;
	}
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int show_stats(mgen_cache *c, const char *path)
{
	mgen_cache_stats st;
	mgen_err err = MGEN_ERR_INIT;
	char oldest[32], newest[32];

	if (mgen_cache_stats_get(c, &st, &err) != 0) {
		cli_say("%s", err.msg);
		return EXIT_USAGE;
	}
	cli_iso_time(st.oldest, oldest, sizeof(oldest));
	cli_iso_time(st.newest, newest, sizeof(newest));
	printf("cache: %s\n"
	       "entries: %lld\n"
	       "size: %lld bytes of answers, %lld bytes on disk\n"
	       "hits: %lld\n"
	       "oldest: %s\n"
	       "newest: %s\n",
	       path, st.entries, st.bytes, st.file_bytes, st.hits, oldest,
	       newest);
	return EXIT_ALL_OK;
}

static int clear(mgen_cache *c, const char *path)
{
	mgen_err err = MGEN_ERR_INIT;
	long long removed = 0;

	if (mgen_cache_clear(c, &removed, &err) != 0) {
		cli_say("%s", err.msg);
		return EXIT_USAGE;
	}
	printf("metagen: removed %lld cache entr%s from %s\n", removed,
	       removed == 1 ? "y" : "ies", path);
	return EXIT_ALL_OK;
}

static int run(cli_args *args, const char *what)
{
	mgen_buf path = MGEN_BUF_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_cache *c = NULL;
	int rc;

	if (strcmp(what, "stats") != 0 && strcmp(what, "clear") != 0) {
		fprintf(stderr,
			"metagen: unknown cache action '%s' (stats or "
			"clear)\n",
			what);
		return EXIT_USAGE;
	}
	mgen_buf_printf(&path, "%s/cache.sqlite",
			args->cfg.cache_dir && args->cfg.cache_dir[0]
			    ? args->cfg.cache_dir
			    : ".metagen");
	if (mgen_buf_error(&path)) {
		fprintf(stderr, "metagen: out of memory\n");
		mgen_buf_release(&path);
		return EXIT_USAGE;
	}
	if (access(mgen_buf_str(&path), F_OK) != 0) {
		/* nothing cached yet: say so without creating the file */
		printf("cache: %s (no file yet)\nentries: 0\n",
		       mgen_buf_str(&path));
		rc = EXIT_ALL_OK;
	} else if (mgen_cache_open(mgen_buf_str(&path), &c, &err) != 0) {
		cli_say("%s", err.msg);
		rc = EXIT_USAGE;
	} else if (strcmp(what, "stats") == 0) {
		rc = show_stats(c, mgen_buf_str(&path));
	} else {
		rc = clear(c, mgen_buf_str(&path));
	}
	mgen_cache_close(c);
	mgen_buf_release(&path);
	return rc;
}

int cmd_cache(int argc, char **argv)
{
	cli_args args;
	int rc = cli_parse(argc, argv, 2, &args);

	if (rc == 0 && args.help) {
		help();
	} else if (rc == 0 && args.npositional != 1) {
		fprintf(stderr, "metagen: cache needs one action: stats or "
				"clear\n");
		rc = EXIT_USAGE;
	} else if (rc == 0) {
		rc = run(&args, args.positional[0]);
	}
	cli_args_release(&args);
	return rc;
}
