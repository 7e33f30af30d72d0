/*
 * test_hash.c - the shared hashes and PRNG (src/util/hash.h) against
 * their published test vectors, and the properties callers rely on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/hash.h"

/* FIPS 180-4 examples (NIST CSRC "SHA256.pdf"): "abc", the empty string
 * and the two-block 448-bit message. */
static void test_hash__sha256_fips_vectors(void **state)
{
	char hex[65];

	(void)state;
	assert_int_equal(mgen__sha256_hex("abc", 3, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
				 "b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(mgen__sha256_hex("", 0, hex), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
				 "27ae41e4649b934ca495991b7852b855");
	assert_int_equal(
	    mgen__sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
			     56, hex),
	    0);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039"
				 "a33ce45964ff2167f6ecedd419db06c1");
}

/* FNV-1a 64 reference values (draft-eastlake-fnv test vectors): "" is
 * the offset basis, "a" = af63dc4c8601ec8c, "foobar" = 85944171f73967e8;
 * lower-casing makes "FooBar" hash as "foobar". */
static void test_hash__fnv1a64_vectors_and_case_folding(void **state)
{
	(void)state;
	assert_true(mgen__fnv1a64_lower(MGEN_FNV1A64_BASIS, "") ==
		    0xcbf29ce484222325ULL);
	assert_true(mgen__fnv1a64_lower(MGEN_FNV1A64_BASIS, NULL) ==
		    0xcbf29ce484222325ULL);
	assert_true(mgen__fnv1a64_lower(MGEN_FNV1A64_BASIS, "a") ==
		    0xaf63dc4c8601ec8cULL);
	assert_true(mgen__fnv1a64_lower(MGEN_FNV1A64_BASIS, "foobar") ==
		    0x85944171f73967e8ULL);
	assert_true(mgen__fnv1a64_lower(MGEN_FNV1A64_BASIS, "FooBar") ==
		    0x85944171f73967e8ULL);
	assert_true(mgen__fnv1a64_byte(MGEN_FNV1A64_BASIS, 'a') ==
		    0xaf63dc4c8601ec8cULL);
}

/* splitmix64 from state 0: the reference C implementation (Vigna,
 * prng.di.unimi.it/splitmix64.c) gives e220a8397b1dcdaf, 6e789e6aa1b965f4,
 * 06c45d188009454f as its first three outputs. */
static void test_hash__splitmix64_reference_sequence(void **state)
{
	uint64_t s = 0;

	(void)state;
	assert_true(mgen__splitmix64_next(&s) == 0xe220a8397b1dcdafULL);
	assert_true(mgen__splitmix64_next(&s) == 0x6e789e6aa1b965f4ULL);
	assert_true(mgen__splitmix64_next(&s) == 0x06c45d188009454fULL);
}

/* Two seeds from the kernel differ (a stuck or zero seed would give the
 * same run id and retry jitter to every process). */
static void test_hash__random_seeds_differ(void **state)
{
	(void)state;
	assert_true(mgen__random_seed() != mgen__random_seed());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash__sha256_fips_vectors),
		cmocka_unit_test(test_hash__fnv1a64_vectors_and_case_folding),
		cmocka_unit_test(test_hash__splitmix64_reference_sequence),
		cmocka_unit_test(test_hash__random_seeds_differ),
	};
	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
