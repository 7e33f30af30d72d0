/*
 * memory.c - the conversation memory's front (include/metagen/memory.h):
 * chooses the store from the connection (an ODBC string: PostgreSQL,
 * mem_pg.c; else a SQLite file, mem_sqlite.c), checks every argument
 * once for both stores (session ids, roles, UTF-8, metadata, sizes) and
 * applies the retention (a prune at start, then at most hourly after a
 * stored message).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "memory/memory_internal.h"
#include "util/json.h"
#include "util/util.h"

/* How often a retention prune runs again, at the most (ms). */
#define MEMORY_PRUNE_EVERY_MS (3600LL * 1000)

struct mgen_memory {
	const mgen__memory_ops *ops;
	void *store;
	pthread_mutex_t lock; /* guards the two fields below */
	int retention_days;   /* 0 = keep */
	long long next_prune_ms;
};

int mgen_memory_open(const char *connection, mgen_memory **out, mgen_err *err)
{
	mgen_memory *m;
	int rc;

	*out = NULL;
	if (connection == NULL || connection[0] == '\0')
		return mgen_err_set(
		    err, MGEN_EINVAL,
		    "memory: no connection (memory.connection)");
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return mgen_err_set(err, MGEN_ENOMEM, "out of memory");
	if (strchr(connection, '=') != NULL)
		rc = mgen__memory_pg_open(connection, &m->ops, &m->store, err);
	else
		rc = mgen__memory_sqlite_open(connection, &m->ops, &m->store,
					      err);
	if (rc != 0) {
		free(m);
		return rc;
	}
	pthread_mutex_init(&m->lock, NULL);
	*out = m;
	return 0;
}

void mgen_memory_close(mgen_memory *m)
{
	if (m == NULL)
		return;
	m->ops->close(m->store);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

const char *mgen_memory_kind(const mgen_memory *m)
{
	return m->ops->kind;
}

int mgen_memory_session_valid(const char *id)
{
	size_t i;

	if (id == NULL || id[0] == '\0')
		return 0;
	for (i = 0; id[i] != '\0'; i++) {
		unsigned char c = (unsigned char)id[i];
		if (i >= MGEN_MEMORY_SESSION_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == ':' || c == '-'))
			return 0;
	}
	return 1;
}

static int check_session(const char *id, mgen_err *err)
{
	if (mgen_memory_session_valid(id))
		return 0;
	return mgen_err_set(err, MGEN_EINVAL,
			    "memory: bad session id (1-%d characters of "
			    "A-Z a-z 0-9 . _ : -)",
			    MGEN_MEMORY_SESSION_MAX);
}

/* 1 when `s` is valid UTF-8 of at most MGEN_MEMORY_CONTENT_MAX bytes. */
static int utf8_ok(const char *s)
{
	size_t len = strlen(s), i = 0, k;

	if (len > MGEN_MEMORY_CONTENT_MAX)
		return 0;
	while (i < len) {
		k = mgen__utf8_seq((const unsigned char *)s + i, len - i);
		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* The metadata: NULL, or a JSON object as text within the size limit
 * and without a \u0000 escape (text that no PostgreSQL jsonb or text
 * value can hold, refused in both stores alike). */
static int check_metadata(const char *metadata, mgen_err *err)
{
	cJSON *j;
	int ok;

	if (metadata == NULL)
		return 0;
	if (strlen(metadata) > MGEN_MEMORY_CONTENT_MAX)
		return mgen_err_set(err, MGEN_EINVAL,
				    "memory: metadata is too large");
	if (strstr(metadata, "\\u0000") != NULL)
		return mgen_err_set(err, MGEN_EINVAL,
				    "memory: metadata holds a \\u0000 "
				    "character");
	j = cJSON_Parse(metadata);
	ok = j != NULL && cJSON_IsObject(j);
	cJSON_Delete(j);
	return ok ? 0
		  : mgen_err_set(err, MGEN_EINVAL,
				 "memory: metadata is "
				 "not a JSON object");
}

static int check_message(const char *role, const char *content,
			 const char *metadata, mgen_err *err)
{
	if (role == NULL ||
	    (strcmp(role, "user") != 0 && strcmp(role, "assistant") != 0 &&
	     strcmp(role, "system") != 0))
		return mgen_err_set(err, MGEN_EINVAL,
				    "memory: role must be "
				    "user, assistant or system");
	if (content == NULL || !utf8_ok(content))
		return mgen_err_set(err, MGEN_EINVAL,
				    "memory: content is not "
				    "UTF-8 text of at most %d bytes",
				    MGEN_MEMORY_CONTENT_MAX);
	return check_metadata(metadata, err);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The retention prune when one is due (always when `force`). */
static int retention_prune(mgen_memory *m, int force, mgen_err *err)
{
	long long now = now_ms();
	int days;

	pthread_mutex_lock(&m->lock);
	days = m->retention_days;
	if (days <= 0 || (!force && now < m->next_prune_ms)) {
		pthread_mutex_unlock(&m->lock);
		return 0;
	}
	m->next_prune_ms = now + MEMORY_PRUNE_EVERY_MS;
	pthread_mutex_unlock(&m->lock);
	return m->ops->prune(m->store, now - days * 86400000LL, NULL, NULL,
			     err);
}

int mgen_memory_set_retention(mgen_memory *m, int days, mgen_err *err)
{
	if (days < 0)
		return mgen_err_set(err, MGEN_EINVAL,
				    "memory.retention_days: %d is negative",
				    days);
	pthread_mutex_lock(&m->lock);
	m->retention_days = days;
	pthread_mutex_unlock(&m->lock);
	return retention_prune(m, 1, err);
}

int mgen_memory_append(mgen_memory *m, const char *session_id, const char *role,
		       const char *content, const char *metadata,
		       long long time_ms, long long *id_out, mgen_err *err)
{
	int rc;

	rc = check_session(session_id, err);
	if (rc == 0)
		rc = check_message(role, content, metadata, err);
	if (rc == 0)
		rc = m->ops->append(m->store, session_id, role, content,
				    metadata ? metadata : "{}",
				    time_ms > 0 ? time_ms : now_ms(), id_out,
				    err);
	if (rc == 0)
		rc = retention_prune(m, 0, err);
	return rc;
}

int mgen_memory_history(mgen_memory *m, const char *session_id, size_t limit,
			mgen_memory_msg **out, size_t *n, mgen_err *err)
{
	int rc;

	*out = NULL;
	*n = 0;
	rc = check_session(session_id, err);
	if (rc != 0)
		return rc;
	return m->ops->history(m->store, session_id, limit, out, n, err);
}

void mgen_memory_msgs_free(mgen_memory_msg *msgs, size_t n)
{
	size_t i;

	for (i = 0; msgs != NULL && i < n; i++) {
		free(msgs[i].session_id);
		free(msgs[i].role);
		free(msgs[i].content);
		free(msgs[i].metadata);
	}
	free(msgs);
}

int mgen_memory_sessions(mgen_memory *m, mgen_memory_session **out, size_t *n,
			 mgen_err *err)
{
	*out = NULL;
	*n = 0;
	return m->ops->sessions(m->store, out, n, err);
}

void mgen_memory_sessions_free(mgen_memory_session *s, size_t n)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		free(s[i].session_id);
	free(s);
}

int mgen_memory_delete(mgen_memory *m, const char *session_id,
		       long long *removed, mgen_err *err)
{
	long long r = 0;
	int rc;

	if (removed != NULL)
		*removed = 0;
	rc = check_session(session_id, err);
	if (rc == 0)
		rc = m->ops->remove(m->store, session_id, &r, err);
	if (rc == 0 && removed != NULL)
		*removed = r;
	return rc;
}

int mgen_memory_prune(mgen_memory *m, long long before_ms, long long *sessions,
		      long long *messages, mgen_err *err)
{
	long long ns = 0, nm = 0;
	int rc = m->ops->prune(m->store, before_ms, &ns, &nm, err);

	if (sessions != NULL)
		*sessions = rc == 0 ? ns : 0;
	if (messages != NULL)
		*messages = rc == 0 ? nm : 0;
	return rc;
}

int mgen__memory_grow(void **v, size_t size, size_t *cap, size_t n)
{
	size_t ncap;
	void *grown;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	grown = realloc(*v, ncap * size);
	if (grown == NULL)
		return MGEN_ENOMEM;
	*v = grown;
	*cap = ncap;
	return 0;
}

void mgen__memory_reverse(mgen_memory_msg *v, size_t n)
{
	mgen_memory_msg tmp;
	size_t i;

	for (i = 0; i < n / 2; i++) {
		tmp = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = tmp;
	}
}
