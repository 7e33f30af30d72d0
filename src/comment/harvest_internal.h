/*
 * harvest_internal.h - the harvest run with its choices as hooks: which
 * tables, whose comments are the gold, what else a line carries, and the
 * line's shape. `metagen harvest` (harvest.c) takes the warehouse's own
 * comments; `harvest --reviewed` (review_harvest.c) a review's. Internal.
 */
#ifndef METAGEN_COMMENT_HARVEST_INTERNAL_H
#define METAGEN_COMMENT_HARVEST_INTERNAL_H

#include "metagen/config.h"
#include "metagen/harvest.h"
#include "metagen/table.h"
#include "util/json.h"

typedef struct mgen__harvest_hooks {
	/* the listing filter (mgen_wh_list_tables) */
	int (*in_scope)(void *ud, const char *catalog, const char *schema,
			const char *table);
	/* optional, on each listed table before anything else: sets its
	 * existing comments to the gold (the line's answer). Returns 0, or
	 * an error code recorded by the hook (the run stops). */
	int (*gold)(void *ud, mgen_table *t);
	/* optional: adds members to a line's object after "profile".
	 * Returns 0 or MGEN_ENOMEM. */
	int (*decorate)(void *ud, const mgen_table *t, cJSON *line);
	void *ud;
	int dspy; /* write the dspy.Example shape (dspy/example_dspy.h) */
} mgen__harvest_hooks;

/* mgen_harvest with the hooks `h` (see harvest.h for the rest). */
int mgen__harvest_run(const mgen_config *cfg, const mgen__harvest_hooks *h,
		      const char *out_path, mgen_log_fn log, void *log_userdata,
		      mgen_harvest_result *res, mgen_err *err);

#endif
