/*
 * error.c - mgen_strerror and the first-error-wins mgen_err helpers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "metagen/metagen.h"

const char *mgen_strerror(int code)
{
	switch (code) {
	case MGEN_OK:
		return "no error";
	case MGEN_ENOMEM:
		return "out of memory";
	case MGEN_EINVAL:
		return "invalid argument";
	case MGEN_ECONFIG:
		return "configuration error";
	case MGEN_EDB:
		return "warehouse error";
	case MGEN_EHTTP:
		return "LM endpoint error";
	case MGEN_EPARSE:
		return "parse error";
	case MGEN_EIO:
		return "input/output error";
	case MGEN_EAUTH:
		return "authentication refused";
	case MGEN_ETEMPLATE:
		return "template error";
	case MGEN_EVALIDATE:
		return "answer failed validation";
	case MGEN_ELIMIT:
		return "size limit exceeded";
	case MGEN_ENOTFOUND:
		return "not found";
	case MGEN_EUNSUPPORTED:
		return "not supported";
	case MGEN_ETRUNCATED:
		return "answer truncated";
	default:
		return "unknown error";
	}
}

int mgen_err_set(mgen_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->code != 0)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

void mgen_err_clear(mgen_err *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
