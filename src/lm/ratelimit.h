/*
 * ratelimit.h - request and token budgets per minute for the LM client
 * (internal). Two token buckets refilled continuously: requests (capacity
 * one request, so calls are spaced 60/rpm seconds apart rather than sent
 * in bursts) and tokens (capacity ten seconds' worth, but never less than
 * one call's estimate can wait for). A caller reserves before each HTTP
 * attempt and settles with the real usage afterwards. Waiting threads
 * sleep without holding the lock, so a thread that sleeps on Retry-After
 * or on the limiter stalls no other thread's bookkeeping.
 */
#ifndef METAGEN_RATELIMIT_H
#define METAGEN_RATELIMIT_H

#include <pthread.h>

typedef struct mgen__ratelimit {
	pthread_mutex_t mu;
	double rpm, tpm;  /* per minute; 0 = unlimited */
	double req_level; /* requests available now (<= 1) */
	double tok_level; /* tokens available now (may go below 0) */
	double tok_cap;	  /* token bucket capacity */
	double last_ms;	  /* time of the last refill (mgen__now_ms) */
} mgen__ratelimit;

/* Sets up a limiter; rpm/tpm <= 0 mean unlimited. Buckets start full.
 * Returns 0 or MGEN_ENOMEM. */
int mgen__ratelimit_init(mgen__ratelimit *rl, double rpm, double tpm);

/* Frees the mutex. */
void mgen__ratelimit_destroy(mgen__ratelimit *rl);

/*
 * Blocks until one request and `est_tokens` tokens are available, then
 * takes them. A request larger than the token bucket waits for a full
 * bucket and then drives it below zero (later callers wait it off).
 * Returns the milliseconds waited.
 */
double mgen__ratelimit_acquire(mgen__ratelimit *rl, long est_tokens);

/* Corrects the token bucket once the real usage is known: gives back
 * (est - actual) tokens, or takes more when actual > est. */
void mgen__ratelimit_settle(mgen__ratelimit *rl, long est_tokens,
			    long actual_tokens);

#endif
