/*
 * metagen.h - the umbrella header of libmetagen: error codes, error detail,
 * logging, version. Every other public header includes this one.
 *
 * Ownership rule for the whole library (stated once, after git/libgit2):
 * constructors return int and deliver through `**out`, which they set to
 * NULL first; destructors return void and accept NULL; a pointer returned
 * directly is borrowed and lives as long as the object it came from; a
 * function that takes ownership of an argument says so in its comment.
 */
#ifndef METAGEN_METAGEN_H
#define METAGEN_METAGEN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MGEN_VERSION "0.1.0"

/*
 * One error enum for the whole library (after CURLcode): 0 is success,
 * failures are negative. New codes are added at the end only and never
 * renumbered.
 */
typedef enum mgen_error_code {
	MGEN_OK = 0,
	MGEN_ENOMEM = -1,     /* out of memory */
	MGEN_EINVAL = -2,     /* bad argument or bad input value */
	MGEN_ECONFIG = -3,    /* bad configuration (file:line in detail) */
	MGEN_EDB = -4,	      /* warehouse / ODBC failure */
	MGEN_EHTTP = -5,      /* LM endpoint failure after retries */
	MGEN_EPARSE = -6,     /* answer, JSON, YAML or TSV does not parse */
	MGEN_EIO = -7,	      /* file system failure */
	MGEN_EAUTH = -8,      /* endpoint refused the credentials (401/403) */
	MGEN_ETEMPLATE = -9,  /* prompt template error (file:line in detail) */
	MGEN_EVALIDATE = -10, /* answer parsed but failed validation */
	MGEN_ELIMIT = -11,    /* a size limit was exceeded (prompt, buffer) */
	MGEN_ENOTFOUND = -12, /* named object does not exist */
	MGEN_EUNSUPPORTED = -13, /* the dialect or endpoint cannot do this */
	MGEN_ETRUNCATED = -14	 /* answer cut off (finish_reason=length) */
} mgen_error_code;

/* Fixed English text for a code; never NULL, never freed. */
const char *mgen_strerror(int code);

/*
 * Error detail for calls that have no handle of their own. The lowest
 * layer that sees a failure fills it; upper layers pass the code up and do
 * not write over it (first error wins). `msg` is one line, lowercase,
 * problem first, and never contains a secret.
 */
typedef struct mgen_err {
	int code;
	char msg[1024];
} mgen_err;

#define MGEN_ERR_INIT                                                          \
	{                                                                      \
		0,                                                             \
		{                                                              \
			0                                                      \
		}                                                              \
	}

/*
 * Records code and a printf-style message in `err` unless it already
 * holds an error (first error wins). `err` may be NULL. Returns `code`, so
 * callers can write `return mgen_err_set(err, MGEN_EINVAL, "...")`.
 */
int mgen_err_set(mgen_err *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Clears `err` (code 0, empty message). NULL is harmless. */
void mgen_err_clear(mgen_err *err);

/* Log levels for the library's log callback. */
typedef enum mgen_log_level {
	MGEN_LOG_DEBUG = 0,
	MGEN_LOG_INFO = 1,
	MGEN_LOG_WARN = 2,
	MGEN_LOG_ERROR = 3
} mgen_log_level;

/*
 * The library never prints; it reports through this callback. `msg` is
 * one line without a trailing newline, borrowed for the call only. The
 * callback may be called from worker threads.
 */
typedef void (*mgen_log_fn)(void *userdata, mgen_log_level level,
			    const char *msg);

#ifdef __cplusplus
}
#endif

#endif
