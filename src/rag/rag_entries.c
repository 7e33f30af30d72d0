/*
 * rag_entries.c - documents a caller builds entry by entry (a run's
 * comments, the warehouse's comments: include/metagen/rag.h,
 * mgen_rag_add_entries), hashed and stored like a file.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "metagen/buf.h"
#include "rag/rag_internal.h"
#include "rag/rag_store.h"
#include "util/hash.h"

/* Every title, ref and text, NUL-separated: what the hash covers. */
static int entries_bytes(const mgen_rag_entry *e, size_t n, mgen_buf *b)
{
	size_t i;

	for (i = 0; i < n; i++) {
		mgen_buf_puts(b, e[i].title ? e[i].title : "");
		mgen_buf_putc(b, '\0');
		mgen_buf_puts(b, e[i].ref ? e[i].ref : "");
		mgen_buf_putc(b, '\0');
		mgen_buf_puts(b, e[i].text ? e[i].text : "");
		mgen_buf_putc(b, '\0');
	}
	return mgen_buf_error(b) ? MGEN_ENOMEM : 0;
}

/* The entries cut into chunks (sanitized title and text). */
static int entries_chunks(const mgen_rag *r, const mgen_rag_entry *e, size_t n,
			  mgen__rag_chunks *c)
{
	size_t i, tl, xl;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		char *title, *text;
		if (e[i].text == NULL || e[i].text[0] == '\0')
			continue;
		title = mgen__rag_sanitize(e[i].title ? e[i].title : "",
					   e[i].title ? strlen(e[i].title) : 0,
					   &tl);
		text = mgen__rag_sanitize(e[i].text, strlen(e[i].text), &xl);
		rc = title && text ? mgen__rag_windows(c, title, e[i].ref, text,
						       xl, r->opt.chunk_tokens,
						       r->opt.chunk_overlap)
				   : MGEN_ENOMEM;
		free(title);
		free(text);
	}
	return rc;
}

int mgen_rag_add_entries(mgen_rag *r, const char *key, const mgen_rag_entry *e,
			 size_t n, mgen_rag_status *status, long long *chunks,
			 mgen_err *err)
{
	mgen__rag_chunks c = {0};
	mgen_buf all = MGEN_BUF_INIT;
	char hash[65], old_hash[65] = "";
	long long old = 0;
	int rc, found;

	if (status)
		*status = MGEN_RAG_REFUSED;
	if (chunks)
		*chunks = 0;
	if (entries_bytes(e, n, &all) != 0 ||
	    mgen__sha256_hex(all.data ? all.data : "", all.len, hash) != 0) {
		rc = mgen_err_set(err, MGEN_ENOMEM, "out of memory");
		goto done;
	}
	found = mgen__rag_find_doc(r, key, &old, old_hash, err);
	if ((rc = found < 0 ? found : 0) != 0)
		goto done;
	if (found && strcmp(hash, old_hash) == 0) {
		if (status)
			*status = MGEN_RAG_UNCHANGED;
		goto done;
	}
	if ((rc = entries_chunks(r, e, n, &c)) != 0) {
		rc = mgen_err_set(err, rc, "%s: cannot chunk: %s", key,
				  mgen_strerror(rc));
		goto done;
	}
	rc = mgen__rag_store_doc(r, key, found ? old : 0, hash, 0, all.len, &c,
				 err);
	if (rc >= 0 && status)
		*status = rc == 1 ? MGEN_RAG_UNCHANGED
			  : found ? MGEN_RAG_REPLACED
				  : MGEN_RAG_ADDED;
	if (rc == 0 && chunks)
		*chunks = (long long)c.n;
	if (rc == 1)
		rc = 0; /* another process stored the same content */
done:
	mgen__rag_chunks_release(&c);
	mgen_buf_release(&all);
	return rc;
}
