/*
 * generate.c - the run driver: connect, list the scope, profile and
 * comment each table, write the outputs, apply when asked, and count
 * everything for the summary (include/metagen/generate.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <sys/stat.h>

#include "generate/checkpoint.h"
#include "generate/generate_internal.h"
#include "metagen/output.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/util.h"

void mgen__log(const mgen__run *run, mgen_log_level lvl, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (run->opts->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	run->opts->log(run->opts->log_userdata, lvl, msg);
}

int mgen_sha256_hex(const void *data, size_t len, char hex[65])
{
	return mgen__sha256_hex(data, len, hex);
}

static void add_message(int *err, cJSON *arr, const mgen_message *m)
{
	cJSON *o = mgen__json_add_object(err, arr, NULL);

	mgen__json_add_str(err, o, "role", m->role);
	mgen__json_add_str(err, o, "content", m->content);
}

static void add_answer(int *err, cJSON *o, const mgen_lm_response *r)
{
	mgen__json_add_str(err, o, "answer", r->content ? r->content : "");
	mgen__json_add_str(err, o, "finish_reason",
			   r->finish_reason ? r->finish_reason : "");
	mgen__json_add_num(err, o, "latency_ms", r->latency_ms);
	mgen__json_add_num(err, o, "prompt_tokens", (double)r->prompt_tokens);
	mgen__json_add_num(err, o, "completion_tokens",
			   (double)r->completion_tokens);
	mgen__json_add_num(err, o, "http_status", r->http_status);
	mgen__json_add_num(err, o, "attempts", r->attempts);
	mgen__json_add(err, o, "error", cJSON_CreateNull());
}

/* The trace line of one call; NULL on out of memory (checked adds,
 * util/json.h: never a line missing a member). */
static cJSON *trace_object(const mgen__run *run, const mgen__trace *tr)
{
	cJSON *o = cJSON_CreateObject(), *msgs;
	int err = o ? 0 : MGEN_ENOMEM;
	size_t i;

	mgen__json_add_str(&err, o, "run_id", run->run_id);
	mgen__json_add_str(&err, o, "table", tr->table);
	mgen__json_add_str(&err, o, "kind", tr->kind);
	mgen__json_add_str(&err, o, "path", tr->path);
	mgen__json_add_num(&err, o, "chunk", tr->chunk);
	mgen__json_add_num(&err, o, "attempt", tr->attempt);
	mgen__json_add_str(&err, o, "model", mgen_lm_model(run->lm));
	msgs = mgen__json_add_array(&err, o, "messages");
	for (i = 0; err == 0 && tr->chat && i < tr->chat->n; i++)
		add_message(&err, msgs, &tr->chat->msgs[i]);
	if (tr->resp) {
		add_answer(&err, o, tr->resp);
	} else {
		mgen__json_add(&err, o, "answer", cJSON_CreateNull());
		mgen__json_add_str(&err, o, "error",
				   tr->error ? tr->error : "");
	}
	mgen__json_add_bool(&err, o, "cache_hit",
			    tr->resp != NULL && tr->resp->cache_hit);
	if (tr->context) /* only with an index: traces stay as they were */
		mgen__json_add(&err, o, "context", cJSON_Parse(tr->context));
	if (err != 0) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int mgen__trace_write(mgen__run *run, const mgen__trace *tr)
{
	cJSON *o = trace_object(run, tr);
	char *line = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	if (line == NULL) {
		mgen__log(run, MGEN_LOG_WARN,
			  "traces.jsonl: out of memory; the trace of a call "
			  "for %s is not written",
			  tr->table ? tr->table : "a table");
		return MGEN_ENOMEM;
	}
	pthread_mutex_lock(&run->lock);
	if (run->traces) {
		fputs(line, run->traces);
		fputc('\n', run->traces);
		fflush(run->traces);
	}
	pthread_mutex_unlock(&run->lock);
	free(line);
	return 0;
}

/* The shard of a table: FNV-1a (64-bit) of the lower-cased
 * "catalog.schema.table" modulo n, the same on every machine. */
static unsigned shard_of(const char *catalog, const char *schema,
			 const char *table, unsigned n)
{
	const char *parts[3] = {catalog, schema, table};
	uint64_t h = MGEN_FNV1A64_BASIS;
	int i;

	for (i = 0; i < 3; i++)
		h = mgen__fnv1a64_byte(mgen__fnv1a64_lower(h, parts[i]), '.');
	return (unsigned)(h % n);
}

/* Parses --shard "K/N" (0 <= K < N). */
static int parse_shard(mgen__run *run, mgen_err *err)
{
	const char *s = run->cfg->shard;
	char *end = NULL;
	unsigned long k, n;

	if (s == NULL || s[0] == '\0')
		return 0;
	k = strtoul(s, &end, 10);
	if (end == s || *end != '/')
		goto bad;
	s = end + 1;
	n = strtoul(s, &end, 10);
	if (end == s || *end != '\0' || n == 0 || n > 100000 || k >= n)
		goto bad;
	run->shard_k = (unsigned)k;
	run->shard_n = (unsigned)n;
	return 0;
bad:
	return mgen_err_set(err, MGEN_ECONFIG,
			    "shard: expected K/N with 0 <= K < N, got '%s'",
			    run->cfg->shard);
}

/* Scope filter for mgen_wh_list_tables: in scope and in this shard. */
static int in_scope(void *ud, const char *catalog, const char *schema,
		    const char *table)
{
	const mgen__run *run = ud;
	int hit = mgen_config_in_scope(run->cfg, catalog, schema, table);

	if (hit && run->shard_n)
		hit = shard_of(catalog, schema, table, run->shard_n) ==
		      run->shard_k;
	return hit;
}

static void make_run_id(char *out, size_t n, char *stamp, size_t sn)
{
	time_t now = time(NULL);
	struct tm tm;
	unsigned r;

	gmtime_r(&now, &tm);
	r = (unsigned)(mgen__random_seed() & 0xffff);
	snprintf(out, n, "%04d%02d%02d-%02d%02d%02d-%04x", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 r);
	strftime(stamp, sn, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void iso_now(char *stamp, size_t sn)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sn, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void mgen__fail_unset(mgen_table *t, const char *reason)
{
	size_t i;

	if (t->proposal.status == MGEN_STATUS_NONE)
		mgen_proposal_set(&t->proposal, NULL, MGEN_PATH_NONE,
				  MGEN_STATUS_FAILED, reason);
	for (i = 0; i < t->column_count; i++)
		if (t->columns[i].proposal.status == MGEN_STATUS_NONE)
			mgen_proposal_set(&t->columns[i].proposal, NULL,
					  MGEN_PATH_NONE, MGEN_STATUS_FAILED,
					  reason);
}

int mgen__open_lm(mgen__run *run, int preflight, mgen_err *err)
{
	const mgen_config *cfg = run->cfg;
	int rc;

	if (cfg->model == NULL || strcmp(cfg->model, "offline") == 0)
		return 0;
	rc = mgen_lm_new_from_config(cfg, run->opts->log,
				     run->opts->log_userdata, &run->lm, err);
	if (rc == 0)
		rc = mgen_prompt_set_load(cfg->prompts_dir, &run->prompts, err);
	mgen_prompt_options_from_config(cfg, &run->popts);
	if (run->wh) /* tell the LM what the target keeps */
		run->popts.comment_limits =
		    mgen_dialect_limits_of(mgen_wh_dialect(run->wh))->prompt;
	if (rc == 0)
		rc = mgen__load_program(run, err);
	if (rc == 0) /* rag.index, when its file exists */
		rc = mgen__context_open(run, err);
	/* the endpoint last: a local configuration error (templates, a
	 * program the run must use, the index) costs no request */
	if (rc == 0 && preflight)
		rc = mgen_lm_preflight(run->lm, err);
	return rc;
}

/* Opens <dir>/<name> for appending (a resumed run keeps what it had);
 * a new file is created 0600. */
static int open_run_file(const char *dir, const char *name, FILE **f,
			 mgen_err *err)
{
	mgen_buf path = MGEN_BUF_INIT;

	mgen_buf_printf(&path, "%s/%s", dir, name);
	*f = mgen_buf_error(&path)
		 ? NULL
		 : mgen__fopen_private(mgen_buf_str(&path), "a");
	mgen_buf_release(&path);
	if (*f == NULL)
		return mgen_err_set(err, MGEN_EIO, "cannot write '%s/%s'", dir,
				    name);
	return 0;
}

/* --resume: finds the tables its checkpoint holds; they are skipped and
 * read back from it when their turn to be written comes. */
static int resume_from_checkpoint(mgen__run *run, mgen_run_result *res,
				  mgen_err *err)
{
	mgen_buf path = MGEN_BUF_INIT;
	struct stat st;
	int rc = 0;

	run->ckpt_off = calloc(res->results.n + 1, sizeof(*run->ckpt_off));
	if (run->ckpt_off == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	mgen_buf_printf(&path, "%s/checkpoint.jsonl", res->run_dir);
	if (stat(mgen_buf_str(&path), &st) == 0) {
		rc = mgen__checkpoint_index(
		    mgen_buf_str(&path), &res->results, run->tstate,
		    MGEN__T_DONE, run->ckpt_off, &res->tables_restored, err);
		if (rc == 0 && res->tables_restored &&
		    (run->ckpt_in = fopen(mgen_buf_str(&path), "r")) == NULL)
			rc = mgen_err_set(err, MGEN_EIO, "cannot read '%s'",
					  mgen_buf_str(&path));
	}
	mgen_buf_release(&path);
	if (rc == 0)
		mgen__log(run, MGEN_LOG_INFO,
			  "resuming run %s: %zu of %zu table(s) already done",
			  run->run_id, res->tables_restored, res->results.n);
	return rc;
}

/* Per-table and per-window state for the listed tables. */
static int alloc_state(mgen__run *run, size_t n, mgen_err *err)
{
	size_t nw = n / MGEN__WINDOW + 1;

	run->tstate = calloc(n + 1, 1);
	run->wstate = calloc(nw, 1);
	run->werr = calloc(nw, sizeof(*run->werr));
	if (run->tstate == NULL || run->wstate == NULL || run->werr == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	return 0;
}

/* Removes the temp files a killed run left in its folder (FILE.tmp.PID
 * of the run files): a resumed run writes them again. */
static void remove_stale_temps(const char *dir)
{
	static const char *const names[] = {
	    "comments.sql.tmp.", "comments.tsv.tmp.", "comments.json.tmp.",
	    "dictionary.md.tmp.", "manifest.json.tmp."};
	mgen_buf path = MGEN_BUF_INIT;
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t i;

	while (d && (e = readdir(d)) != NULL) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strncmp(e->d_name, names[i], strlen(names[i])))
				continue;
			mgen_buf_reset(&path);
			mgen_buf_printf(&path, "%s/%s", dir, e->d_name);
			if (!mgen_buf_error(&path))
				remove(mgen_buf_str(&path));
		}
	}
	if (d)
		closedir(d);
	mgen_buf_release(&path);
}

/* Opens the run files, written as tables finish. */
static int open_outputs(mgen__run *run, mgen_run_result *res, mgen_err *err)
{
	mgen_run_info info;

	memset(&info, 0, sizeof(info));
	info.version = MGEN_RUN_INFO_VERSION;
	info.run_id = run->run_id;
	info.dir = res->run_dir;
	info.dialect = mgen_dialect_name(mgen_wh_dialect(run->wh));
	if (run->cfg->resume)
		remove_stale_temps(res->run_dir);
	return mgen_output_stream_open(&info, mgen_wh_dialect(run->wh),
				       res->results.n, &run->out, err);
}

/* Connects, lists the scope, opens the LM and the run folder. */
static int setup(mgen__run *run, mgen_run_result *res, mgen_err *err)
{
	const mgen_config *cfg = run->cfg;
	int rc;

	rc = parse_shard(run, err);
	if (rc == 0 && cfg->resume && !run->estimate)
		rc = mgen__run_folder_claim(run, res, err);
	if (rc == 0)
		rc = mgen_wh_open_config(cfg, &run->wh, err);
	if (rc == 0)
		rc = mgen__open_lm(run, !run->estimate, err); /* --estimate
								 calls no LM */
	if (rc == 0) {
		mgen_wh_set_object_types(run->wh, mgen__object_types(cfg));
		mgen_wh_set_home_only(run->wh,
				      !mgen__scope_names_databases(cfg));
		rc = mgen__scope_databases(cfg, run->wh);
		if (rc)
			rc = mgen_err_set(err, rc, "out of memory");
		else if (mgen_wh_list_table_names(run->wh, in_scope, run,
						  &res->results, &run->listing))
			rc = mgen_err_set(err, MGEN_EDB,
					  "listing tables failed: %s",
					  mgen_wh_errmsg(run->wh));
	}
	if (rc == 0 && res->results.n == 0)
		rc = mgen__scope_nothing(run->wh, cfg, err);
	if (rc == 0)
		rc = alloc_state(run, res->results.n, err);
	if (rc)
		return rc;
	if (run->estimate)
		return 0; /* --estimate writes no run folder */
	rc = cfg->resume ? resume_from_checkpoint(run, res, err)
			 : mgen__run_folder_create(run, res, err);
	if (rc == 0)
		rc = open_run_file(res->run_dir, "traces.jsonl", &run->traces,
				   err);
	if (rc == 0)
		rc = open_outputs(run, res, err);
	return rc;
}

/* Counts statuses and usage into the result from zero (after apply
 * changed statuses; the tables are whole then). */
static void tally(mgen_run_result *res)
{
	size_t i, fallback = res->comments_fallback;
	size_t tfallback = res->tables_fallback;

	res->tables = res->tables_failed = res->columns = 0;
	res->comments_proposed = res->comments_kept = 0;
	res->comments_failed = res->comments_applied = 0;
	res->prompt_tokens = res->completion_tokens = res->lm_calls = 0;
	for (i = 0; i < res->results.n; i++)
		mgen__tally_table(res, &res->results.items[i]);
	res->comments_fallback = fallback; /* before apply moved them */
	res->tables_fallback = tfallback;
}

/* The manifest's run info; cfg_json and digest are the caller's. */
static int run_info(mgen__run *run, mgen_run_result *res, const char *started,
		    char *finished, size_t fn, mgen_run_info *info,
		    char **cfg_json, char digest[65], mgen_err *err)
{
	*cfg_json = mgen_config_to_json(run->cfg);
	if (*cfg_json == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	mgen_sha256_hex(*cfg_json, strlen(*cfg_json), digest);
	iso_now(finished, fn);
	memset(info, 0, sizeof(*info));
	info->version = MGEN_RUN_INFO_VERSION;
	info->run_id = run->run_id;
	info->dir = res->run_dir;
	info->started_at = started;
	info->finished_at = finished;
	info->dialect = mgen_dialect_name(mgen_wh_dialect(run->wh));
	info->model = run->lm ? mgen_lm_model(run->lm) : "offline";
	info->config_json = *cfg_json;
	info->config_digest = digest;
	info->elapsed_ms = res->elapsed_ms;
	info->prompt_tokens = res->prompt_tokens;
	info->completion_tokens = res->completion_tokens;
	info->lm_calls = res->lm_calls;
	info->warehouse_queries =
	    mgen_wh_query_count(run->wh) + run->worker_queries;
	return 0;
}

/* Writes every run file again from the (whole) tables. */
static int write_outputs(mgen__run *run, mgen_run_result *res,
			 const char *started, mgen_err *err)
{
	char *cfg_json = NULL, finished[32], digest[65] = "";
	mgen_run_info info;
	int rc;

	rc = run_info(run, res, started, finished, sizeof(finished), &info,
		      &cfg_json, digest, err);
	if (rc == 0)
		rc = mgen_output_write_all(&info, mgen_wh_dialect(run->wh),
					   res->results.items, res->results.n,
					   err);
	free(cfg_json);
	return rc;
}

/* Finishes the run files written during the run (manifest included). */
static int close_outputs(mgen__run *run, mgen_run_result *res,
			 const char *started, mgen_err *err)
{
	char *cfg_json = NULL, finished[32], digest[65] = "";
	mgen_output_stream *out = run->out;
	mgen_run_info info;
	int rc;

	run->out = NULL;
	rc = run_info(run, res, started, finished, sizeof(finished), &info,
		      &cfg_json, digest, err);
	if (rc == 0)
		rc = mgen_output_stream_close(out, &info, err);
	else
		mgen_output_stream_abort(out);
	free(cfg_json);
	return rc;
}

static void log_fn_bridge(void *ud, mgen_log_level l, const char *m)
{
	const mgen__run *run = ud;

	if (run->opts->log)
		run->opts->log(run->opts->log_userdata, l, m);
}

/* --apply or --dry-run: apply the proposals (or only print the DDL). */
static int apply_outputs(mgen__run *run, mgen_run_result *res, mgen_err *err)
{
	mgen_apply_options ao = MGEN_APPLY_OPTIONS_INIT;
	mgen_apply_summary sum;
	mgen_buf ddl = MGEN_BUF_INIT;
	int rc;

	if (!run->cfg->apply_ddl && !run->cfg->dry_run)
		return 0;
	if (run->opts->progress)
		run->opts->progress(run->opts->progress_userdata,
				    MGEN_PROGRESS_APPLYING, res->results.n,
				    res->results.n, NULL);
	ao.overwrite = run->cfg->overwrite;
	ao.dry_run = run->cfg->dry_run;
	ao.apply_offline = run->cfg->apply_offline;
	ao.log = log_fn_bridge;
	ao.log_userdata = run;
	memset(&sum, 0, sizeof(sum));
	rc = mgen_apply(run->wh, res->results.items, res->results.n, &ao, &ddl,
			&sum, err);
	if (run->cfg->dry_run)
		res->dry_run_ddl = mgen_buf_detach(&ddl);
	mgen_buf_release(&ddl);
	return rc;
}

static void teardown(mgen__run *run, size_t ntables)
{
	size_t i, nw = ntables / MGEN__WINDOW + 1;

	if (run->traces)
		fclose(run->traces);
	if (run->checkpoint)
		fclose(run->checkpoint);
	if (run->ckpt_in)
		fclose(run->ckpt_in);
	mgen_output_stream_abort(run->out); /* a run that stopped early */
	free(run->tstate);
	free(run->ckpt_off);
	free(run->wstate);
	for (i = 0; run->werr && i < nw; i++)
		free(run->werr[i]);
	free(run->werr);
	mgen_prompt_set_free(run->prompts);
	mgen_comment_program_free(run->program);
	mgen_lm_free(run->lm);
	mgen_wh_close(run->wh);
	pthread_cond_destroy(&run->wcond);
	pthread_mutex_destroy(&run->lock);
	pthread_mutex_destroy(&run->rag_lock);
	mgen__context_close(run);
}

/* Tables a budget stop never started: their columns are read (so the
 * run files list what is left) and they are FAILED with a reason that
 * says how to finish them; then everything is written. */
static int finish_tables(mgen__run *run, mgen_run_result *res, mgen_err *err)
{
	mgen_table_list *l = &res->results;
	size_t i, w;

	for (i = run->written; i < l->n; i++) {
		if (run->tstate[i] & (MGEN__T_DONE | MGEN__T_SETTLED))
			continue;
		w = i / MGEN__WINDOW;
		if (run->wstate[w] == MGEN__W_NONE)
			run->wstate[w] = mgen__load_window(run, run->wh, l, w)
					     ? MGEN__W_FAILED
					     : MGEN__W_LOADED;
		mgen__fail_unset(&l->items[i],
				 "not started: the budget was reached (finish "
				 "it with --resume and a larger budget)");
		run->tstate[i] |= MGEN__T_SETTLED;
	}
	return mgen__write_ready(run, l, err);
}

/* The run files, then --apply / --dry-run, then the files again with
 * the statuses apply set. */
static int finish_run(mgen__run *run, mgen_run_result *res, const char *started,
		      double t0, mgen_err *err)
{
	int rc, arc;

	res->elapsed_ms = mgen__now_ms() - t0;
	rc = close_outputs(run, res, started, err);
	if (rc != 0 || run->budget_hit)
		return rc; /* a budget stop applies nothing */
	arc = apply_outputs(run, res, err);
	if (arc != 0 && arc != MGEN_EDB)
		return arc;
	if (arc == MGEN_EDB || run->cfg->apply_ddl) {
		tally(res); /* apply moved statuses to APPLIED / KEPT */
		rc = write_outputs(run, res, started, err);
	}
	return rc;
}

static void take_estimate(const mgen__run *run, mgen_run_result *res)
{
	res->estimate_lm_calls = run->est_calls;
	res->estimate_prompt_tokens = run->est_prompt;
	res->estimate_completion_tokens = run->est_completion;
	res->estimate_cost = mgen__cost(run->cfg, (double)run->est_prompt,
					(double)run->est_completion);
}

int mgen_generate(const mgen_generate_options *opts, mgen_run_result *res,
		  mgen_err *err)
{
	mgen__run run;
	char started[32];
	double t0 = mgen__now_ms();
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&run, 0, sizeof(run));
	run.cfg = opts->cfg;
	run.opts = opts;
	run.estimate = opts->cfg->estimate;
	run.res = res;
	run.keep = opts->cfg->apply_ddl || opts->cfg->dry_run;
	pthread_mutex_init(&run.lock, NULL);
	pthread_mutex_init(&run.rag_lock, NULL);
	pthread_cond_init(&run.wcond, NULL);
	make_run_id(run.run_id, sizeof(run.run_id), started, sizeof(started));
	res->run_id = mgen__strdup(run.run_id);
	rc = setup(&run, res, err);
	if (rc == 0 && opts->progress)
		opts->progress(opts->progress_userdata, MGEN_PROGRESS_LISTED, 0,
			       res->results.n, NULL);
	if (rc == 0)
		rc = mgen__run_tables(&run, &res->results, &run.worker_queries,
				      err);
	if (run.fatal) {
		mgen_err_set(err, run.fatal_err.code, "%s", run.fatal_err.msg);
		rc = run.fatal_err.code;
	}
	if (rc == 0)
		rc = finish_tables(&run, res, err);
	if (rc == 0 && run.estimate)
		take_estimate(&run, res);
	else if (rc == 0)
		rc = finish_run(&run, res, started, t0, err);
	if (run.wh)
		res->warehouse_queries =
		    mgen_wh_query_count(run.wh) + run.worker_queries;
	res->budget_stopped = run.budget_hit;
	res->cache_hits = run.lm ? mgen_lm_cache_hits(run.lm) : 0;
	res->elapsed_ms = mgen__now_ms() - t0;
	teardown(&run, res->results.n);
	if (rc == 0 && run.budget_hit)
		rc =
		    mgen_err_set(err, MGEN_ELIMIT,
				 "budget reached after %lld tokens (cost %.4f):"
				 " the run stopped cleanly; finish it with "
				 "--resume %s and a larger budget",
				 run.spent_tokens, run.spent_cost, res->run_id);
	else if (rc == 0 && (res->tables_failed || res->comments_fallback))
		rc = MGEN_EVALIDATE;
	return rc;
}

void mgen_run_result_release(mgen_run_result *res)
{
	if (res == NULL)
		return;
	free(res->run_id);
	free(res->run_dir);
	free(res->dry_run_ddl);
	mgen_table_list_release(&res->results);
	memset(res, 0, sizeof(*res));
}
