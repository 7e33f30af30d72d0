/*
 * run_folder.c - where a run's files go: a new run's folder (0700) with
 * its first manifest and locked checkpoint, or for --resume the folder
 * of the run being finished, checked and locked before anything else is
 * done (resume.c holds the rules).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "generate/checkpoint.h"
#include "generate/generate_internal.h"
#include "util/util.h"

/* The run folder's path: out/<run-id>, or for --resume the folder named
 * (a path that exists, else out/<resume>). */
static int run_dir_path(mgen__run *run, mgen_run_result *res, mgen_err *err)
{
	const mgen_config *cfg = run->cfg;
	const char *out = cfg->out ? cfg->out : "out";
	mgen_buf path = MGEN_BUF_INIT;
	struct stat st;

	if (cfg->resume && stat(cfg->resume, &st) == 0 && S_ISDIR(st.st_mode))
		mgen_buf_puts(&path, cfg->resume);
	else if (cfg->resume)
		mgen_buf_printf(&path, "%s/%s", out, cfg->resume);
	else
		mgen_buf_printf(&path, "%s/%s", out, run->run_id);
	res->run_dir = mgen_buf_detach(&path);
	if (res->run_dir == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	while (strlen(res->run_dir) > 1 &&
	       res->run_dir[strlen(res->run_dir) - 1] == '/')
		res->run_dir[strlen(res->run_dir) - 1] = '\0';
	return 0;
}

/* --resume: the folder must hold a run metagen wrote and this must be
 * the same run (resume.c); checked and locked before anything else, so
 * a refusal writes nothing. The run id is the checkpoint's. */
int mgen__run_folder_claim(mgen__run *run, mgen_run_result *res, mgen_err *err)
{
	struct stat st;
	int rc = run_dir_path(run, res, err);

	if (rc == 0 && (stat(res->run_dir, &st) != 0 || !S_ISDIR(st.st_mode)))
		rc = mgen_err_set(err, MGEN_ECONFIG,
				  "resume: no run folder '%s'", res->run_dir);
	if (rc == 0)
		rc = mgen__checkpoint_claim(res->run_dir, run->cfg, run->run_id,
					    sizeof(run->run_id),
					    &run->checkpoint, err);
	if (rc == 0) {
		free(res->run_id);
		res->run_id = mgen__strdup(run->run_id);
		if (res->run_id == NULL)
			rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	}
	return rc;
}

/* A new run: its folder (0700), first manifest and locked checkpoint. */
int mgen__run_folder_create(mgen__run *run, mgen_run_result *res, mgen_err *err)
{
	int rc = run_dir_path(run, res, err);

	if (rc == 0 && mgen__mkdirs(res->run_dir) != 0)
		rc =
		    mgen_err_set(err, MGEN_EIO, "cannot create run folder '%s'",
				 res->run_dir);
	if (rc == 0)
		rc = mgen__checkpoint_create(res->run_dir, run->run_id,
					     run->cfg, &run->checkpoint, err);
	return rc;
}
