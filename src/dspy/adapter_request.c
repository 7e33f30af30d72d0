/*
 * adapter_request.c - the one request builder of a Predict call: the
 * messages of the ChatAdapter or the JSONAdapter and the response_format
 * the JSONAdapter sends (include/metagen/signature.h). mgen_predict
 * (optimize, evaluate) and the optimized path of `generate` both build
 * their requests here, so a table sends the same request on either.
 */
#include <stdlib.h>

#include "metagen/signature.h"

int mgen_adapter_request(const mgen_signature *sig,
			 const mgen_example *const *demos, size_t ndemos,
			 const mgen_example *inputs, int json,
			 mgen_sig_messages *msgs, char **response_format,
			 mgen_err *err)
{
	int rc;

	*response_format = NULL;
	rc = json ? mgen_json_adapter_render(sig, demos, ndemos, inputs, msgs,
					     err)
		  : mgen_chat_adapter_render(sig, demos, ndemos, inputs, msgs,
					     err);
	if (rc == 0 && json)
		rc = mgen_json_adapter_response_format(sig, response_format,
						       err);
	if (rc != 0)
		mgen_sig_messages_release(msgs);
	return rc;
}
