/*
 * commenter.h - generate's per-table comment path for one table at a
 * time, outside a run: what `metagen serve` answers a comment record of
 * POST /invocations with. The table is profiled by the caller (from rows
 * a client sent: mgen_profile_rows, warehouse.h); the comments come from
 * the very code `metagen generate` runs for a profiled table (the
 * optimized program when the route takes it, the legacy templates for
 * what it leaves, answer parsing, alignment by column name, re-asks, the
 * offline describer, privacy and comment-limit rules), with the same
 * configuration keys.
 */
#ifndef METAGEN_COMMENTER_H
#define METAGEN_COMMENTER_H

#include "config.h"
#include "metagen.h"
#include "table.h"
#include "warehouse.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mgen_commenter mgen_commenter;

/*
 * Opens what the comment path needs from `cfg` (borrowed; must outlive
 * the commenter): the LM client, templates, the comment program (path,
 * program, rollout) and the RAG index, unless the model is "offline" (or
 * none: then every table gets the offline describer's comments). The
 * target dialect is cfg->dialect (AUTO: no comment limits and no DDL).
 * With `preflight`, the endpoint is checked first as generate does
 * (mgen_lm_preflight). `log` (optional) receives warnings. Budget keys
 * (budget.max_tokens, budget.max_cost) count for the commenter's whole
 * life. Returns 0 or the first error (MGEN_ECONFIG, MGEN_EINVAL a
 * program the route must use does not load, MGEN_EHTTP, MGEN_EAUTH,
 * MGEN_ETEMPLATE, MGEN_ENOMEM) in `err`; *out NULL then.
 */
int mgen_commenter_open(const mgen_config *cfg, int preflight, mgen_log_fn log,
			void *log_userdata, mgen_commenter **out,
			mgen_err *err);

/*
 * Comments profiled table `t` (names, columns, existing comments,
 * statistics and sample filled; t->profiled set): its text mended where
 * it is not UTF-8, then generate's per-table path fills t->proposal and
 * each column's proposal (statuses PROPOSED, KEPT, FAILED, FALLBACK with
 * their reasons, exactly as in generate's outputs), fitted to the
 * dialect's limits. The sample is freed afterwards. Thread-safe: several
 * tables may be commented at once. Returns 0 (the proposals say what
 * failed), MGEN_EAUTH (the endpoint refused the key), MGEN_ELIMIT (the
 * budget is spent) or MGEN_ENOMEM.
 */
int mgen_commenter_table(mgen_commenter *c, mgen_table *t);

/* The profile options of the commenter's config (sample_size,
 * allow_data, word_limit_per_cell): how a table handed over is profiled
 * (mgen_profile_rows) so that it gets what generate would show. */
mgen_profile_options mgen_commenter_profile_options(const mgen_commenter *c);

/* The target dialect (cfg->dialect; MGEN_DIALECT_AUTO when none). */
mgen_dialect mgen_commenter_dialect(const mgen_commenter *c);

/* 1 when tables are commented by the offline describer (no LM). */
int mgen_commenter_offline(const mgen_commenter *c);

/* Frees everything; NULL is harmless. */
void mgen_commenter_close(mgen_commenter *c);

#ifdef __cplusplus
}
#endif

#endif
