/*
 * opt_toy.h - the toy "question -> answer" task of the optimizer tests
 * (test_optimize.c, test_gepa.c): a client for the test server, the
 * signature, examples whose gold answer is "blue" and the exact-match
 * metric. Include after fake_server.h.
 */
#ifndef METAGEN_TEST_OPT_TOY_H
#define METAGEN_TEST_OPT_TOY_H

static mgen_lm *new_lm(const srv *s)
{
	mgen_lm_options o = MGEN_LM_OPTIONS_INIT;
	mgen_err err = MGEN_ERR_INIT;
	mgen_lm *lm = NULL;

	o.model = "test-model";
	o.api_base = s->base;
	o.api_key = "k";
	o.max_retries = 0;
	assert_int_equal(mgen_lm_new(&o, &lm, &err), 0);
	return lm;
}

static mgen_signature *toy_sig(void)
{
	mgen_signature *sig = NULL;

	assert_int_equal(mgen_signature_parse("question -> answer", NULL,
					      &sig, NULL),
			 0);
	return sig;
}

/* n examples {"question": "<prefix><i>", "answer": "blue"}. */
static mgen_example **toy_set(const char *prefix, size_t n, long marker)
{
	mgen_example **v = calloc(n, sizeof(*v));
	char q[64];
	size_t i;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		snprintf(q, sizeof(q), "%s%zu%s", prefix, i,
			 (long)i == marker ? " MARKER" : "");
		assert_int_equal(mgen_example_new(&v[i]), 0);
		assert_int_equal(mgen_example_set_str(v[i], "question", q), 0);
		assert_int_equal(mgen_example_set_str(v[i], "answer", "blue"),
				 0);
	}
	return v;
}

static void free_set(mgen_example **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mgen_example_free(v[i]);
	free(v);
}

/* 1 when the predicted answer equals the gold one. */
static double exact(void *ud, const mgen_example *ex, const mgen_example *pred,
		    int has_trace)
{
	const char *g = mgen_example_get_str(ex, "answer");
	const char *p = mgen_example_get_str(pred, "answer");

	(void)ud;
	(void)has_trace;
	return g && p && strcmp(g, p) == 0 ? 1.0 : 0.0;
}

#endif
