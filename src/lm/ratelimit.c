/*
 * ratelimit.c - token buckets for requests/min and tokens/min shared by
 * every thread of one LM client (src/lm/ratelimit.h). The wait is
 * computed under the lock and slept outside it; a woken thread checks
 * again, so several waiters take turns in whatever order they wake.
 */
#include <math.h>
#include <string.h>

#include "lm/ratelimit.h"
#include "metagen/metagen.h"
#include "util/util.h"

int mgen__ratelimit_init(mgen__ratelimit *rl, double rpm, double tpm)
{
	memset(rl, 0, sizeof(*rl));
	if (pthread_mutex_init(&rl->mu, NULL) != 0)
		return MGEN_ENOMEM;
	rl->rpm = rpm > 0 ? rpm : 0;
	rl->tpm = tpm > 0 ? tpm : 0;
	rl->req_level = 1.0;
	rl->tok_cap = rl->tpm / 6.0; /* ten seconds' worth */
	rl->tok_level = rl->tok_cap;
	rl->last_ms = mgen__now_ms();
	return 0;
}

void mgen__ratelimit_destroy(mgen__ratelimit *rl)
{
	pthread_mutex_destroy(&rl->mu);
}

/* Adds what has dripped in since the last refill (under the lock). */
static void refill(mgen__ratelimit *rl, double now)
{
	double dt = (now - rl->last_ms) / 60000.0; /* minutes */

	if (dt <= 0)
		return;
	rl->last_ms = now;
	if (rl->rpm > 0)
		rl->req_level = fmin(1.0, rl->req_level + dt * rl->rpm);
	if (rl->tpm > 0)
		rl->tok_level = fmin(rl->tok_cap, rl->tok_level + dt * rl->tpm);
}

/* Milliseconds until both buckets allow the call (0 = now). */
static double wait_needed(const mgen__ratelimit *rl, double need)
{
	double w = 0, t;

	if (rl->rpm > 0 && rl->req_level < 1.0)
		w = (1.0 - rl->req_level) * 60000.0 / rl->rpm;
	if (rl->tpm > 0) {
		need = fmin(need, rl->tok_cap);
		if (rl->tok_level < need) {
			t = (need - rl->tok_level) * 60000.0 / rl->tpm;
			w = fmax(w, t);
		}
	}
	return w;
}

double mgen__ratelimit_acquire(mgen__ratelimit *rl, long est_tokens)
{
	double t0 = mgen__now_ms(), w;
	double need = est_tokens > 0 ? (double)est_tokens : 0;

	if (rl->rpm <= 0 && rl->tpm <= 0)
		return 0;
	for (;;) {
		pthread_mutex_lock(&rl->mu);
		refill(rl, mgen__now_ms());
		w = wait_needed(rl, need);
		if (w <= 0) {
			if (rl->rpm > 0)
				rl->req_level -= 1.0;
			if (rl->tpm > 0)
				rl->tok_level -= need;
			pthread_mutex_unlock(&rl->mu);
			return mgen__now_ms() - t0;
		}
		pthread_mutex_unlock(&rl->mu);
		mgen__sleep_ms((long)ceil(w));
	}
}

void mgen__ratelimit_settle(mgen__ratelimit *rl, long est_tokens,
			    long actual_tokens)
{
	if (rl->tpm <= 0)
		return;
	pthread_mutex_lock(&rl->mu);
	rl->tok_level += (double)(est_tokens - actual_tokens);
	if (rl->tok_level > rl->tok_cap)
		rl->tok_level = rl->tok_cap;
	pthread_mutex_unlock(&rl->mu);
}
