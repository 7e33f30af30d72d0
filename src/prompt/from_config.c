/*
 * from_config.c - the legacy prompt options a config asks for
 * (include/metagen/prompt.h).
 */
#include <string.h>

#include "metagen/config.h"
#include "metagen/prompt.h"

void mgen_prompt_options_from_config(const mgen_config *cfg,
				     mgen_prompt_options *p)
{
	memset(p, 0, sizeof(*p));
	p->version = MGEN_PROMPT_OPTIONS_VERSION;
	p->comment_style = (int)cfg->comment_style;
	p->allow_data = cfg->allow_data;
	p->allow_data_in_comments = cfg->allow_data_in_comments;
	p->add_metadata = cfg->add_metadata;
	p->include_existing_table_comment = cfg->include_existing_table_comment;
	p->include_minmax = cfg->include_possible_data_fields_in_metadata;
	p->abbreviations = &cfg->abbreviations;
	p->word_limit_per_cell = (size_t)cfg->word_limit_per_cell;
	p->max_prompt_words = (size_t)cfg->max_prompt_length;
}
