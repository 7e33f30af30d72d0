/*
 * test_data.h - where unit tests find the shared datasets: the folder
 * $METAGEN_TEST_DATASETS (the mimic3_demo folder, as for the integration
 * tests), else ../shared/datasets/mimic3_demo beside the source tree
 * ($METAGEN_SRCDIR, else the current folder). A test that needs a file
 * FAILS when it is missing: a clone without the datasets must not pass.
 */
#ifndef METAGEN_TEST_DATA_H
#define METAGEN_TEST_DATA_H

#include <stdio.h>
#include <stdlib.h>

/* Writes the path of `file` in the MIMIC-III demo folder into out[n]. */
static inline const char *mimic_path(char *out, size_t n, const char *file)
{
	const char *d = getenv("METAGEN_TEST_DATASETS");
	const char *src = getenv("METAGEN_SRCDIR");

	if (d != NULL && d[0] != '\0')
		snprintf(out, n, "%s/%s", d, file);
	else
		snprintf(out, n, "%s/../shared/datasets/mimic3_demo/%s",
			 src && src[0] ? src : ".", file);
	return out;
}

#endif
