/*
 * hash.c - SHA-256 (libcrypto), FNV-1a 64 and splitmix64: the one
 * definition of each (see hash.h).
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "metagen/metagen.h"
#include "util/hash.h"

int mgen__sha256_hex(const void *data, size_t len, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32)
		return MGEN_ENOMEM;
	for (i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	return 0;
}

uint64_t mgen__fnv1a64_byte(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ULL;
}

uint64_t mgen__fnv1a64_lower(uint64_t h, const char *s)
{
	for (; s != NULL && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		h = mgen__fnv1a64_byte(h, c);
	}
	return h;
}

uint64_t mgen__splitmix64_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t mgen__splitmix64_next(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ULL;
	return mgen__splitmix64_mix(*state);
}

uint64_t mgen__random_seed(void)
{
	uint64_t v = 0;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), 0) == (ssize_t)sizeof(v))
		return v;
	clock_gettime(CLOCK_REALTIME, &ts);
	return mgen__splitmix64_mix((uint64_t)ts.tv_nsec ^
				    ((uint64_t)ts.tv_sec << 20) ^
				    (uint64_t)getpid());
}
