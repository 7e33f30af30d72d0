/*
 * rag_words.c - the words of a query for a store that has no tokenizer
 * of its own here (the PostgreSQL store: its words are bound one by one
 * to plainto_tsquery), and Lucene's English stop set that both stores
 * leave out of a query.
 */
#include <string.h>

#include "rag/rag_internal.h"

int mgen__rag_is_stop(const char *w, size_t n)
{
	static const char *const stop[] = {
	    "a",    "an",  "and",   "are",  "as",    "at",    "be",
	    "but",  "by",  "for",   "if",   "in",    "into",  "is",
	    "it",   "no",  "not",   "of",   "on",    "or",    "such",
	    "that", "the", "their", "then", "there", "these", "they",
	    "this", "to",  "was",   "will", "with"};
	char low[8];
	size_t i;

	if (n >= sizeof(low))
		return 0;
	for (i = 0; i < n; i++)
		low[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
	low[n] = '\0';
	for (i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		if (strcmp(low, stop[i]) == 0)
			return 1;
	return 0;
}

static int is_word_byte(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c >= 0x80;
}

size_t mgen__rag_query_words(const char *q, mgen__rag_word *w, size_t max)
{
	const unsigned char *u = (const unsigned char *)(q ? q : "");
	size_t i, start, n;
	int stops;

	for (stops = 0, n = 0; stops < 2 && n == 0; stops++) {
		for (i = 0; u[i] && n < max;) {
			while (u[i] && !is_word_byte(u[i]))
				i++;
			start = i;
			while (u[i] && is_word_byte(u[i]))
				i++;
			if (i == start)
				break;
			if (!stops && mgen__rag_is_stop(q + start, i - start))
				continue;
			w[n].start = start;
			w[n++].len = i - start;
		}
	}
	return n;
}
