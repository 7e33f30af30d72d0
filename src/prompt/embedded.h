/*
 * embedded.h - the prompt templates compiled into the binary from
 * the .txt files in prompts/ by tools/embed.c (see Makefile).
 */
#ifndef METAGEN_PROMPT_EMBEDDED_H
#define METAGEN_PROMPT_EMBEDDED_H

struct mgen__embedded {
	const char *name; /* base file name, e.g. "system.txt" */
	const char *text;
};

/* Terminated by {NULL, NULL}. */
extern const struct mgen__embedded mgen__embedded_prompts[];

#endif
