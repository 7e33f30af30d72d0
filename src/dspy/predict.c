/*
 * predict.c - one DSPy Predict call (optimize.h mgen_predict): render
 * with the ChatAdapter, ask the LM, parse; on a parse error only, the
 * whole call again with the JSONAdapter and its response_format
 * (dspy/adapters/chat_adapter.py __call__).
 */
#include <stdlib.h>
#include <string.h>

#include "metagen/optimize.h"
#include "util/util.h"

typedef int (*parse_fn)(const mgen_signature *, const char *, mgen_example **,
			mgen_err *);

/* One render + LM call + parse with one adapter. */
static int predict_once(mgen_lm *lm, const mgen_signature *sig,
			const mgen_example *const *demos, size_t ndemos,
			const mgen_example *inputs,
			const mgen_predict_options *o, int json,
			mgen_example **outputs, mgen_predict_info *info,
			int *parse_failed, mgen_err *err)
{
	parse_fn parse =
	    json ? mgen_json_adapter_parse : mgen_chat_adapter_parse;
	mgen_sig_messages m = MGEN_SIG_MESSAGES_INIT;
	mgen_lm_call_options call = MGEN_LM_CALL_OPTIONS_INIT;
	mgen_lm_response r;
	char *rf = NULL;
	double t0;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = mgen_adapter_request(sig, demos, ndemos, inputs, json, &m, &rf,
				  err);
	if (rc != 0)
		goto done;
	call.temperature = o->temperature;
	call.rollout_id = o->rollout_id;
	t0 = mgen__now_ms();
	rc = mgen_lm_chat_ex(lm, m.msgs, m.n, rf, &call, &r, err);
	if (o->version >= 2 && o->on_call != NULL) {
		mgen_predict_call pc = {json ? MGEN_ADAPTER_JSON
					     : MGEN_ADAPTER_CHAT,
					t0, mgen__now_ms() - t0, rc, &r};

		o->on_call(o->on_call_ud, &pc);
	}
	info->lm_calls++;
	info->prompt_tokens += r.prompt_tokens;
	info->completion_tokens += r.completion_tokens;
	info->cache_hits += r.cache_hit;
	if (rc == 0) {
		rc = parse(sig, r.content, outputs, err);
		*parse_failed = rc == MGEN_EPARSE;
	}
	if (rc == 0)
		info->adapter = json ? MGEN_ADAPTER_JSON : MGEN_ADAPTER_CHAT;
done:
	mgen_lm_response_release(&r);
	mgen_sig_messages_release(&m);
	free(rf);
	return rc;
}

int mgen_predict(mgen_lm *lm, const mgen_signature *sig,
		 const mgen_example *const *demos, size_t ndemos,
		 const mgen_example *inputs, const mgen_predict_options *opts,
		 mgen_example **outputs, mgen_predict_info *info, mgen_err *err)
{
	mgen_predict_options def = MGEN_PREDICT_OPTIONS_INIT;
	mgen_predict_info local;
	mgen_err chat_err = MGEN_ERR_INIT;
	int rc, parse_failed = 0;

	*outputs = NULL;
	if (info == NULL)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (opts == NULL)
		opts = &def;
	if (opts->version != MGEN_PREDICT_OPTIONS_VERSION && opts->version != 1)
		return mgen_err_set(err, MGEN_EINVAL,
				    "predict: unsupported options version %d",
				    opts->version);
	rc = predict_once(lm, sig, demos, ndemos, inputs, opts, 0, outputs,
			  info, &parse_failed, &chat_err);
	if (rc == MGEN_EPARSE && parse_failed && !opts->no_json_fallback)
		return predict_once(lm, sig, demos, ndemos, inputs, opts, 1,
				    outputs, info, &parse_failed, err);
	if (rc != 0)
		mgen_err_set(err, rc, "%s", chat_err.msg);
	return rc;
}
