/*
 * temp_text.h - for the unit suites that load files (program files in
 * DSPy's layouts): a buffer's text written to a new temporary file.
 * Include after <cmocka.h>, metagen/buf.h and util/util.h.
 */
#ifndef METAGEN_TEST_TEMP_TEXT_H
#define METAGEN_TEST_TEMP_TEXT_H

#include <stdio.h>
#include <stdlib.h>

/* Writes `b`'s text to a new file /tmp/mgen_test_XXXXXX and releases
 * `b`; returns the path (caller unlinks and frees). */
static char *temp_file(mgen_buf *b)
{
	char path[] = "/tmp/mgen_test_XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(mgen_buf_str(b), f);
	fclose(f);
	mgen_buf_release(b);
	return mgen__strdup(path);
}

#endif
