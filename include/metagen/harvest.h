/*
 * harvest.h - `metagen harvest`: turns the human comments already in a
 * warehouse into a gold data set for the optimizers (dataset.h), one
 * JSON line per table that has any comment:
 *
 *   {"table": "schema.table", "table_comment": "..." | null,
 *    "columns": {"col": "comment", ...},
 *    "profile": {"table_name": "...", "table_data": {...},
 *                "column_metadata": {...}, "abbreviations": {...},
 *                "context": ""}}
 *
 * "table"/"table_comment"/"columns" follow the gold layout of
 * ../shared/datasets/mimic3_demo/gold_comments.jsonl (columns without a
 * comment are left out). "profile" holds the comment program's inputs
 * for ALL columns (comment_program.h, mgen_comment_inputs) built WITHOUT
 * the existing comments, so an example replays without the warehouse and
 * without leaking its own answer.
 */
#ifndef METAGEN_HARVEST_H
#define METAGEN_HARVEST_H

#include <stddef.h>

#include "config.h"
#include "metagen.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mgen_harvest_result {
	size_t tables;	 /* tables in scope */
	size_t written;	 /* lines written (tables with comments) */
	size_t comments; /* table + column comments written */
	size_t failed;	 /* tables whose profile failed (skipped) */
} mgen_harvest_result;

/*
 * Lists the tables of cfg->connection in cfg->scope (minus cfg->exclude),
 * profiles each one that has a comment (cfg sample_size, allow_data,
 * word_limit_per_cell, add_metadata, ...), and writes the lines to
 * `out_path` atomically, in listing order. `log` (optional) gets a
 * warning per table whose profile failed. Returns 0, MGEN_ECONFIG (no
 * connection, bad dialect), MGEN_EDB, MGEN_EIO ("cannot write PATH"),
 * MGEN_ENOMEM. `res` may be NULL.
 */
int mgen_harvest(const mgen_config *cfg, const char *out_path, mgen_log_fn log,
		 void *log_userdata, mgen_harvest_result *res, mgen_err *err);

/*
 * mgen_harvest writing the shape `dspy` asks for: 0 the layout above,
 * 1 the dspy.Example shape (the signature's field names as keys, the
 * profile's five inputs then "comments": {"table", "columns",
 * "column_contents"}), which mgen_dataset_read reads back and Python
 * DSPy loads with dspy.Example(**line).with_inputs(...).
 */
int mgen_harvest_format(const mgen_config *cfg, const char *out_path, int dspy,
			mgen_log_fn log, void *log_userdata,
			mgen_harvest_result *res, mgen_err *err);

#ifdef __cplusplus
}
#endif

#endif
