/*
 * hash.h - the hashes and the PRNG every module shares (internal):
 * SHA-256 through libcrypto, FNV-1a 64 and splitmix64. One definition of
 * each, so that a shard, a data-set split or a cache key is computed the
 * same way wherever it is needed.
 */
#ifndef METAGEN_UTIL_HASH_H
#define METAGEN_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 (FIPS 180-4, libcrypto's EVP_Digest) of `len` bytes as 64
 * lowercase hex digits and a NUL in `hex`. Returns 0 or MGEN_ENOMEM. */
int mgen__sha256_hex(const void *data, size_t len, char hex[65]);

/* FNV-1a 64-bit offset basis (Fowler, Noll, Vo; IETF draft
 * draft-eastlake-fnv, section 2). */
#define MGEN_FNV1A64_BASIS 0xcbf29ce484222325ULL

/* Continues FNV-1a 64 from state `h` over the bytes of `s` (NULL as ""),
 * ASCII letters folded to lower case. Start with MGEN_FNV1A64_BASIS. */
uint64_t mgen__fnv1a64_lower(uint64_t h, const char *s);

/* Continues FNV-1a 64 from state `h` over one byte. */
uint64_t mgen__fnv1a64_byte(uint64_t h, unsigned char c);

/* splitmix64's output function (Steele, Lea, Flood 2014, "Fast
 * splittable pseudorandom number generators", OOPSLA). */
uint64_t mgen__splitmix64_mix(uint64_t z);

/* splitmix64: advances `*state` by the golden gamma and returns the mixed
 * value. Not thread-safe: each user owns its state. */
uint64_t mgen__splitmix64_next(uint64_t *state);

/* 64 random bits from the kernel (getrandom(2)); falls back to time and
 * pid mixed by splitmix64 when the call fails. Never touches rand(). */
uint64_t mgen__random_seed(void);

#endif
