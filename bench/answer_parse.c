/*
 * answer_parse.c - time to parse an LM answer with N column entries
 * (issue 8 item 6: the array walk was quadratic; it is linear now).
 * Usage: answer_parse N [cap]  (cap 0 = no entry cap: every pair kept).
 * Prints "entries=N cap=C rc=R pairs=P ms=T". Not a test: a figure.
 * Built by `make bench-answer`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metagen/answer.h"
#include "metagen/buf.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000, i;
	size_t cap = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
	mgen_buf b = MGEN_BUF_INIT;
	mgen_answer a;
	mgen_err err = MGEN_ERR_INIT;
	double t0;
	int rc;

	mgen_buf_puts(&b, "{\"table\": \"T.\", \"columns\": [");
	for (i = 0; i < n; i++)
		mgen_buf_printf(&b, "%s\"c%zu\"", i ? "," : "", i);
	mgen_buf_puts(&b, "], \"column_contents\": [");
	for (i = 0; i < n; i++)
		mgen_buf_printf(&b, "%s\"x\"", i ? "," : "");
	mgen_buf_puts(&b, "]}");
	if (mgen_buf_error(&b))
		return 1;
	t0 = now_ms();
	rc = mgen_answer_parse_capped(mgen_buf_str(&b), 0, cap, &a, &err);
	printf("entries=%zu cap=%zu rc=%d pairs=%zu ms=%.1f\n", n, cap, rc,
	       a.n, now_ms() - t0);
	mgen_answer_release(&a);
	mgen_buf_release(&b);
	return 0;
}
