/*
 * resume.c - what makes a run folder metagen's and a resume the same run
 * (checkpoint.h): the checkpoint's header line (format, run id, the
 * run's identity), the manifest written when the run starts, the
 * comparison of the identity on --resume, and the lock that keeps two
 * processes from writing one run.
 *
 * The lock is flock(2) (LOCK_EX | LOCK_NB) on checkpoint.jsonl, taken by
 * the run that creates it and by every resume, held until the process
 * ends. The kernel drops it when the process ends however it ends (kill
 * -9 included), so a lock is never stale and there is nothing to clean
 * up; a second process finds it held and refuses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "generate/checkpoint.h"
#include "util/json.h"
#include "util/secret.h"
#include "util/util.h"

#define HEADER_MAX (1 << 20)	  /* longest header line read */
#define MANIFEST_MAX (256L << 20) /* largest manifest.json read */

/* Adds the non-secret warehouse attributes that name the target. */
static void add_target(int *err, cJSON *o, const char *conn)
{
	static const char *const keys[][5] = {
	    {"warehouse.driver", "driver", NULL},
	    {"warehouse.dsn", "dsn", NULL},
	    {"warehouse.server", "server", "servername", "host", NULL},
	    {"warehouse.port", "port", NULL},
	    {"warehouse.database", "database", "db", "dbname", NULL},
	    {"warehouse.httppath", "httppath", NULL}};
	size_t i, j;
	char *v = NULL;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && *err == 0; i++) {
		for (j = 1; keys[i][j] && v == NULL; j++)
			if (mgen__conn_attr(conn, keys[i][j], &v) != 0)
				*err = MGEN_ENOMEM;
		mgen__json_add_str(err, o, keys[i][0], v);
		free(v);
		v = NULL;
	}
}

static void add_strlist(int *err, cJSON *o, const char *k,
			const mgen_strlist *l)
{
	cJSON *a = mgen__json_add_array(err, o, k);
	size_t i;

	for (i = 0; a && i < l->n; i++)
		mgen__json_add_str(err, a, NULL, l->items[i]);
}

/* Checked adds (util/json.h): any failure discards the whole object. */
cJSON *mgen__run_identity(const mgen_config *cfg)
{
	cJSON *o = cJSON_CreateObject();
	int rc = o ? 0 : MGEN_ENOMEM;

	add_target(&rc, o, cfg->connection ? cfg->connection : "");
	mgen__json_add_str(&rc, o, "dialect", cfg->dialect);
	add_strlist(&rc, o, "scope", &cfg->scope);
	add_strlist(&rc, o, "exclude", &cfg->exclude);
	mgen__json_add_str(&rc, o, "shard", cfg->shard);
	mgen__json_add_str(&rc, o, "model", cfg->model);
	mgen__json_add_str(&rc, o, "prompts.dir", cfg->prompts_dir);
	mgen__json_add_str(&rc, o, "prompts.optimized", cfg->prompts_optimized);
	if (rc != 0) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The header object: {"metagen": "checkpoint", "format_version",
 * "run_id", "identity"}; or the manifest's first form with `status`.
 * NULL on out of memory (never a header missing a member). */
static char *header_text(const char *run_id, const mgen_config *cfg,
			 const char *status)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;
	int rc = o ? 0 : MGEN_ENOMEM;

	mgen__json_add_str(&rc, o, "metagen", status ? "run" : "checkpoint");
	mgen__json_add_num(&rc, o, "format_version", MGEN_RUN_FORMAT_VERSION);
	mgen__json_add_str(&rc, o, "run_id", run_id);
	if (status != NULL)
		mgen__json_add_str(&rc, o, "status", status);
	mgen__json_add(&rc, o, "identity",
		       rc == 0 ? mgen__run_identity(cfg) : NULL);
	if (rc == 0)
		text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* flock(LOCK_EX | LOCK_NB) on `fd`: 0, or MGEN_ECONFIG naming the run. */
static int take_lock(int fd, const char *dir, mgen_err *err)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		return mgen_err_set(err, MGEN_ECONFIG,
				    "resume: the run in '%s' is in use by "
				    "another metagen process (its "
				    "checkpoint.jsonl is locked); let it "
				    "finish, or stop it first",
				    dir);
	return mgen_err_set(err, MGEN_EIO,
			    "cannot lock '%s/checkpoint.jsonl':"
			    " %s",
			    dir, strerror(errno));
}

int mgen__checkpoint_create(const char *dir, const char *run_id,
			    const mgen_config *cfg, FILE **out, mgen_err *err)
{
	mgen_buf path = MGEN_BUF_INIT;
	char *head = header_text(run_id, cfg, NULL);
	char *man = header_text(run_id, cfg, "running");
	int fd = -1, rc = 0;

	*out = NULL;
	mgen_buf_printf(&path, "%s/manifest.json", dir);
	if (head == NULL || man == NULL || mgen_buf_error(&path)) {
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		goto done;
	}
	if (mgen__write_file_atomic(mgen_buf_str(&path), man, strlen(man))) {
		rc = mgen_err_set(err, MGEN_EIO, "cannot write '%s'",
				  mgen_buf_str(&path));
		goto done;
	}
	mgen_buf_reset(&path);
	mgen_buf_printf(&path, "%s/checkpoint.jsonl", dir);
	fd = mgen_buf_error(&path)
		 ? -1
		 : open(mgen_buf_str(&path),
			O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
			0600);
	if (fd < 0 || (rc = take_lock(fd, dir, err)) != 0 ||
	    dprintf(fd, "%s\n", head) < 0 || (*out = fdopen(fd, "a")) == NULL)
		rc = rc ? rc
			: mgen_err_set(err, MGEN_EIO,
				       "cannot write '%s/checkpoint.jsonl'",
				       dir);
done:
	if (rc != 0 && fd >= 0)
		close(fd);
	free(head);
	free(man);
	mgen_buf_release(&path);
	return rc;
}

/* Reads the JSON object of file `path`: its first line when `line`,
 * else the whole file (at most `max` bytes). NULL when absent, too big
 * or not a JSON object. */
static cJSON *read_object(const char *path, int line, long max)
{
	struct stat st;
	char *text = NULL, *nl;
	size_t len = 0;
	cJSON *o = NULL;

	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (!line && st.st_size > max))
		return NULL;
	if (line) {
		FILE *f = fopen(path, "r");
		text = f ? calloc(1, (size_t)max + 1) : NULL;
		if (text && fgets(text, (int)max, f) == NULL)
			text[0] = '\0';
		if (f)
			fclose(f);
		if (text && (nl = strchr(text, '\n')) != NULL)
			*nl = '\0';
	} else if (mgen__read_file(path, &text, &len) != 0) {
		text = NULL;
	}
	if (text)
		o = cJSON_Parse(text);
	free(text);
	if (o && !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		o = NULL;
	}
	return o;
}

/* 1 when `o` is metagen's (member "metagen" is `what`, format_version
 * is ours) and names run `run_id` (NULL: any well-formed id). */
static int ours(const cJSON *o, const char *what, const char *run_id)
{
	const char *id = mgen__json_str(o, "run_id"), *m;
	size_t i;

	m = mgen__json_str(o, "metagen");
	if (id == NULL || id[0] == '\0' || strlen(id) > 63 ||
	    mgen__json_num(o, "format_version", -1) !=
		MGEN_RUN_FORMAT_VERSION ||
	    (what && (m == NULL || strcmp(m, what) != 0)))
		return 0;
	for (i = 0; id[i]; i++)
		if (!strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789-_.",
			id[i]))
			return 0;
	return run_id == NULL || strcmp(id, run_id) == 0;
}

/* 0 when identity `now` equals the run's `was`, else MGEN_ECONFIG
 * naming the first key that differs. */
static int same_run(const cJSON *was, const cJSON *now, mgen_err *err)
{
	const cJSON *a, *b;
	char *sa, *sb;
	int rc = 0;

	cJSON_ArrayForEach(b, now)
	{
		a = cJSON_GetObjectItemCaseSensitive(was, b->string);
		if (a && cJSON_Compare(a, b, 1))
			continue;
		sa = a ? cJSON_PrintUnformatted(a) : NULL;
		sb = cJSON_PrintUnformatted(b);
		rc = mgen_err_set(err, MGEN_ECONFIG,
				  "resume: %s differs from the run's (run: "
				  "%.200s, now: %.200s); a resume must use the "
				  "run's warehouse, scope, model and paths",
				  b->string, sa ? sa : "absent", sb ? sb : "?");
		free(sa);
		free(sb);
		break;
	}
	return rc;
}

/* Checks that `dir` holds a metagen run that `cfg` continues; sets
 * `run_id` (`cap` bytes). */
static int check_run(const char *dir, const mgen_config *cfg, char *run_id,
		     size_t cap, mgen_err *err)
{
	mgen_buf path = MGEN_BUF_INIT;
	cJSON *head = NULL, *man = NULL, *now = NULL;
	int rc = 0;

	mgen_buf_printf(&path, "%s/checkpoint.jsonl", dir);
	if (!mgen_buf_error(&path))
		head = read_object(mgen_buf_str(&path), 1, HEADER_MAX);
	mgen_buf_reset(&path);
	mgen_buf_printf(&path, "%s/manifest.json", dir);
	if (head && ours(head, "checkpoint", NULL) && !mgen_buf_error(&path))
		man = read_object(mgen_buf_str(&path), 0, MANIFEST_MAX);
	if (man == NULL || !ours(man, NULL, mgen__json_str(head, "run_id"))) {
		rc = mgen_err_set(err, MGEN_ECONFIG,
				  "resume: '%s' is not a metagen run folder "
				  "(it needs the checkpoint.jsonl and "
				  "manifest.json of one run, format %d); "
				  "nothing was written",
				  dir, MGEN_RUN_FORMAT_VERSION);
		goto done;
	}
	now = mgen__run_identity(cfg);
	if (now == NULL)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	else
		rc =
		    same_run(cJSON_GetObjectItemCaseSensitive(head, "identity"),
			     now, err);
	if (rc == 0)
		snprintf(run_id, cap, "%s", mgen__json_str(head, "run_id"));
done:
	cJSON_Delete(head);
	cJSON_Delete(man);
	cJSON_Delete(now);
	mgen_buf_release(&path);
	return rc;
}

int mgen__checkpoint_claim(const char *dir, const mgen_config *cfg,
			   char *run_id, size_t cap, FILE **out, mgen_err *err)
{
	mgen_buf path = MGEN_BUF_INIT;
	int fd = -1, rc;

	*out = NULL;
	rc = check_run(dir, cfg, run_id, cap, err);
	mgen_buf_printf(&path, "%s/checkpoint.jsonl", dir);
	if (rc == 0 && mgen_buf_error(&path))
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (rc == 0) {
		fd = open(mgen_buf_str(&path),
			  O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			rc = mgen_err_set(err, MGEN_EIO, "cannot open '%s'",
					  mgen_buf_str(&path));
	}
	if (rc == 0)
		rc = take_lock(fd, dir, err);
	if (rc == 0 && (*out = fdopen(fd, "a")) == NULL)
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (rc != 0 && fd >= 0)
		close(fd);
	mgen_buf_release(&path);
	return rc;
}
