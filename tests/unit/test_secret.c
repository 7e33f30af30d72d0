/*
 * test_secret.c - the one masking function (util/secret.c) on hostile and
 * unusual connection strings and URLs, the secret values it collects for
 * scrubbing free text, URL joining with libcurl's URL API, and the
 * config's use of it (manifest JSON, api_key_file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "metagen/config.h"
#include "util/secret.h"
#include "util/util.h"

/* mask(s) must not contain any of the NULL-terminated `gone`, and must
 * contain every one of `kept`. */
static void check_mask(const char *s, const char *const *gone,
		       const char *const *kept)
{
	char *m = mgen__mask_secrets(s);
	size_t i;

	assert_non_null(m);
	for (i = 0; gone && gone[i]; i++)
		if (strstr(m, gone[i]) != NULL)
			fail_msg("'%s' left in '%s'", gone[i], m);
	for (i = 0; kept && kept[i]; i++)
		if (strstr(m, kept[i]) == NULL)
			fail_msg("'%s' lost from '%s'", kept[i], m);
	free(m);
}

static int has_value(const mgen__secrets *s, const char *v)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], v) == 0)
			return 1;
	return 0;
}

static void test_secret__names_any_case_and_spelling(void **state)
{
	static const char *const secret[] = {"PWD",
					     "pwd",
					     "Password",
					     "PASSWORD",
					     "password1",
					     "Token",
					     "AuthToken",
					     "Auth_AccessToken",
					     "AccessToken",
					     "PrivateKey",
					     "PRIV_KEY_FILE_PWD",
					     "priv_key_file",
					     "PRIV_KEY_BASE64",
					     "Auth_Client_Secret",
					     "client_secret",
					     "KeyStoreSecret",
					     "ProxyPWD",
					     "TrustStorePwd",
					     "api-key",
					     "api_key",
					     "APIKEY",
					     "apiKey",
					     "passcode",
					     "X-Amz-Signature",
					     "X-Amz-Credential",
					     "sig",
					     "code",
					     "access_token",
					     " pwd ",
					     "api%2Dkey",
					     "auth",
					     "Auth_RefreshToken",
					     "sslpassword",
					     NULL};
	static const char *const plain[] = {"Driver",
					    "Server",
					    "Host",
					    "Port",
					    "Database",
					    "UID",
					    "User",
					    "HTTPPath",
					    "SSL",
					    "AuthMech",
					    "ThriftTransport",
					    "Schema",
					    "Warehouse",
					    "Role",
					    "api-version",
					    "sslmode",
					    "DSN",
					    NULL};
	char longname[200];
	size_t i;

	(void)state;
	for (i = 0; secret[i]; i++)
		if (!mgen__secret_name(secret[i], strlen(secret[i])))
			fail_msg("'%s' not taken as secret", secret[i]);
	for (i = 0; plain[i]; i++)
		if (mgen__secret_name(plain[i], strlen(plain[i])))
			fail_msg("'%s' taken as secret", plain[i]);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_true(mgen__secret_name(longname, strlen(longname)));
}

static void test_secret__odbc_attributes(void **state)
{
	(void)state;
	check_mask("Driver=PostgreSQL Unicode;Server=h;Uid=u;PWD=pw1;"
		   "PrivateKey=pk2;PRIV_KEY_FILE_PWD=pkp3;Database=db",
		   (const char *const[]){"pw1", "pk2", "pkp3", NULL},
		   (const char *const[]){"Driver=PostgreSQL Unicode",
					 "Server=h", "Uid=u", "Database=db",
					 "PWD=***", "PrivateKey=***", NULL});
	/* mixed case and duplicates: every one masked */
	check_mask("pWd=aa1;PassWord=bb2;PWD=cc3;Auth_Client_Secret=dd4;"
		   "AuthToken=ee5;Token=ff6",
		   (const char *const[]){"aa1", "bb2", "cc3", "dd4", "ee5",
					 "ff6", NULL},
		   NULL);
	/* braced values hold ';' and "}}" */
	check_mask("Driver={My Driver};PWD={a;b}}c;d};Server=s",
		   (const char *const[]){"a;b", "c;d", "b}", NULL},
		   (const char *const[]){"Driver={My Driver}", "PWD=***",
					 "Server=s", NULL});
	/* an unterminated brace runs to the end: nothing after it shows */
	check_mask("Server=s;PWD={abc;Database=xyz",
		   (const char *const[]){"abc", "xyz", NULL},
		   (const char *const[]){"Server=s", NULL});
	/* blanks around the name, empty values, stray separators */
	check_mask(" pwd = spaced ;;=;PWD=;Server=s;novalue;",
		   (const char *const[]){"spaced", NULL},
		   (const char *const[]){"Server=s", "novalue", NULL});
	/* a proxy URL and libpq words inside plain attributes */
	check_mask("Driver=SnowflakeDSIIDriver;proxy=http://pu:ppw9@px:8080;"
		   "pqopt={sslpassword=zz7 sslmode=require};"
		   "ClientKey=file:k.pem,password=kk8",
		   (const char *const[]){"ppw9", "pu:", "zz7", "kk8", NULL},
		   (const char *const[]){"px:8080", "sslmode=require", NULL});
}

static void test_secret__urls(void **state)
{
	(void)state;
	check_mask("https://user1:pa%3Ass2@host.example/v1?api-key=qk3&"
		   "api-version=2024-06-01#access_token=ft4",
		   (const char *const[]){"user1", "pa%3Ass2", "pa:ss2", "qk3",
					 "ft4", NULL},
		   (const char *const[]){"host.example/v1", "api-key=***",
					 "api-version=2024-06-01", NULL});
	/* IPv6 host with a port, a token-only userinfo */
	check_mask("http://tok5@[::1]:8080/v1?key=k6",
		   (const char *const[]){"tok5", "k6", NULL},
		   (const char *const[]){"[::1]:8080", "key=***", NULL});
	check_mask("http://u:p7@[fe80::1%25eth0]/x",
		   (const char *const[]){"p7", NULL}, NULL);
	/* a percent-encoded parameter name is still a secret name */
	check_mask("https://h/v1?api%2Dkey=q8&a=1",
		   (const char *const[]){"q8", NULL},
		   (const char *const[]){"a=1", NULL});
	/* an URL libcurl cannot parse is hidden whole */
	check_mask("http://[::1/x?key=s9", (const char *const[]){"s9", NULL},
		   (const char *const[]){"unparsable", NULL});
	check_mask("", NULL, NULL);
	assert_null(mgen__mask_secrets(NULL));
}

static void test_secret__collects_every_form(void **state)
{
	mgen__secrets s = MGEN__SECRETS_INIT;
	char b64text[] = "us@er:p:ss";
	char *b64 = mgen__base64((unsigned char *)b64text, strlen(b64text));

	(void)state;
	assert_int_equal(mgen__secrets_add_from(
			     &s, "https://us%40er:p%3Ass@h/v1?api-key=K%2B12"),
			 0);
	assert_true(has_value(&s, "p%3Ass"));
	assert_true(has_value(&s, "p:ss"));
	assert_false(has_value(&s, "us@er")); /* a user with a password */
	assert_true(has_value(&s, "K%2B12"));
	assert_true(has_value(&s, "K+12"));
	assert_true(has_value(&s, b64)); /* what HTTP Basic would send */
	assert_int_equal(
	    mgen__secrets_add_from(&s, "PWD={x;y}}z};Token=tok1;Server=srv"),
	    0);
	assert_true(has_value(&s, "x;y}z"));
	assert_true(has_value(&s, "tok1"));
	assert_false(has_value(&s, "srv"));
	free(b64);
	mgen__secrets_release(&s);
	assert_int_equal(s.n, 0);
}

static void test_secret__scrub_longest_first_and_bounded(void **state)
{
	mgen__secrets s = MGEN__SECRETS_INIT;
	char text[64], tiny[8];

	(void)state;
	assert_int_equal(mgen__secrets_add(&s, "abcd"), 0);
	assert_int_equal(mgen__secrets_add(&s, "abcdefgh"), 0);
	assert_int_equal(mgen__secrets_add(&s, "abcdefgh"), 0); /* dup */
	assert_int_equal(mgen__secrets_add(&s, ""), 0);
	assert_int_equal(mgen__secrets_add(&s, "k"), 0); /* too short */
	assert_int_equal(s.n, 2);
	snprintf(text, sizeof(text), "x abcdefgh y abcd z abcdefghabcd k");
	mgen__secrets_scrub(&s, text, sizeof(text));
	assert_string_equal(text, "x *** y *** z ****** k");
	/* a result that would not fit hides the whole text */
	mgen__secrets_release(&s);
	assert_int_equal(mgen__secrets_add(&s, "abcd"), 0);
	assert_int_equal(mgen__secrets_add(&s, "*"), 0);
	snprintf(tiny, sizeof(tiny), "abcd");
	mgen__secrets_scrub(&s, tiny, sizeof(tiny)); /* "***" fits */
	assert_string_equal(tiny, "***");
	mgen__secrets_release(&s);
}

static void test_secret__scrub_str(void **state)
{
	mgen__secrets s = MGEN__SECRETS_INIT;
	char *t = mgen__strdup("Authorization: Bearer sk-1 and sk-1");

	(void)state;
	assert_int_equal(mgen__secrets_add(&s, "sk-1"), 0);
	assert_int_equal(mgen__secrets_scrub_str(&s, &t), 0);
	assert_string_equal(t, "Authorization: Bearer *** and ***");
	free(t);
	mgen__secrets_release(&s);
}

static void test_secret__hostile_sizes(void **state)
{
	size_t n = 200000, i;
	char *s = malloc(n + 1), *m;

	(void)state;
	for (i = 0; i < n; i++) /* "a=a=a=...": nesting stays bounded */
		s[i] = i % 2 ? '=' : 'a';
	s[n] = '\0';
	m = mgen__mask_secrets(s);
	assert_non_null(m);
	free(m);
	for (i = 0; i < n; i++)
		s[i] = i % 2 ? ';' : '{';
	m = mgen__mask_secrets(s);
	assert_non_null(m);
	free(m);
	free(s);
}

static void test_secret__url_join_keeps_the_query(void **state)
{
	char *u = NULL, why[128];

	(void)state;
	assert_int_equal(mgen__url_join("https://h/openai/v1?api-version=2024"
					"-06-01",
					"/chat/completions", &u, why,
					sizeof(why)),
			 0);
	assert_string_equal(
	    u, "https://h/openai/v1/chat/completions?api-version=2024-06-01");
	free(u);
	assert_int_equal(mgen__url_join("http://127.0.0.1:9/v1/",
					"/chat/completions", &u, why,
					sizeof(why)),
			 0);
	assert_string_equal(u, "http://127.0.0.1:9/v1/chat/completions");
	free(u);
	assert_int_equal(mgen__url_join("http://u:p@[::1]:8/v1?k=1#f",
					"/chat/completions", &u, why,
					sizeof(why)),
			 0);
	assert_string_equal(u, "http://u:p@[::1]:8/v1/chat/completions?k=1#f");
	free(u);
	assert_int_equal(
	    mgen__url_join("ftp://h/x", "/y", &u, why, sizeof(why)),
	    MGEN_ECONFIG);
	assert_null(u);
	assert_int_equal(
	    mgen__url_join("not a url", "/y", &u, why, sizeof(why)),
	    MGEN_ECONFIG);
	assert_int_equal(mgen__url_join("http://h/v1\r\nX-Evil: 1", "/y", &u,
					why, sizeof(why)),
			 MGEN_ECONFIG);
	assert_true(mgen__has_line_break("a\nb"));
	assert_true(mgen__has_line_break("a\rb"));
	assert_false(mgen__has_line_break("ab"));
	assert_false(mgen__has_line_break(NULL));
}

static void test_secret__conn_attr_reads_like_the_driver_manager(void **state)
{
	char *v = NULL;

	(void)state;
	/* the first occurrence wins; names fold case; braces come off */
	assert_int_equal(
	    mgen__conn_attr(" server = h1 ;SERVER=h2;Database={a;b}}c}",
			    "Server", &v),
	    0);
	assert_string_equal(v, "h1");
	free(v);
	assert_int_equal(
	    mgen__conn_attr("Server=h;DATABASE={a;b}}c}", "database", &v), 0);
	assert_string_equal(v, "a;b}c");
	free(v);
	assert_int_equal(mgen__conn_attr("Server=h", "database", &v), 0);
	assert_null(v);
	/* a secret is never handed out, nor is anything of a URL */
	assert_int_equal(mgen__conn_attr("PWD=x;Server=h", "PWD", &v), 0);
	assert_null(v);
	assert_int_equal(mgen__conn_attr("https://h/?server=x", "server", &v),
			 0);
	assert_null(v);
	assert_int_equal(mgen__conn_attr(NULL, "server", &v), 0);
	assert_null(v);
}

static void test_secret__config_json_masks_connection_and_api_base(void **state)
{
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;
	char *j;

	(void)state;
	assert_int_equal(mgen_config_init(&cfg), 0);
	assert_int_equal(mgen_config_set(&cfg, "connection",
					 "Driver=x;PrivateKey=PK1;"
					 "priv_key_file_pwd=PK2",
					 0, "t", &err),
			 0);
	assert_int_equal(mgen_config_set(&cfg, "api_base",
					 "https://U3:P4@h/v1?api-key=Q5", 0,
					 "t", &err),
			 0);
	j = mgen_config_to_json(&cfg);
	assert_non_null(j);
	assert_null(strstr(j, "PK1"));
	assert_null(strstr(j, "PK2"));
	assert_null(strstr(j, "U3"));
	assert_null(strstr(j, "P4"));
	assert_null(strstr(j, "Q5"));
	assert_non_null(strstr(j, "Driver=x"));
	free(j);
	mgen_config_release(&cfg);
}

static void test_secret__api_key_file(void **state)
{
	char path[] = "/tmp/metagen-key-XXXXXX", *key = NULL;
	mgen_config cfg;
	mgen_err err = MGEN_ERR_INIT;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("sk-from-file\r\n", f);
	fclose(f);
	assert_int_equal(mgen_config_init(&cfg), 0);
	assert_int_equal(mgen_config_read_api_key(&cfg, &key, &err), 0);
	assert_null(key); /* nothing set: the LM client's variables */
	assert_int_equal(
	    mgen_config_set(&cfg, "api_key_file", path, 0, "t", &err), 0);
	assert_int_equal(mgen_config_read_api_key(&cfg, &key, &err), 0);
	assert_string_equal(key, "sk-from-file");
	free(key);
	/* a second line (header injection) is refused, naming the file */
	f = fopen(path, "w");
	fputs("sk-1\nX-Evil: 1\n", f);
	fclose(f);
	assert_int_equal(mgen_config_read_api_key(&cfg, &key, &err),
			 MGEN_ECONFIG);
	assert_non_null(strstr(err.msg, path));
	assert_null(strstr(err.msg, "sk-1"));
	/* api_key wins over the file */
	assert_int_equal(
	    mgen_config_set(&cfg, "api_key", "direct", 0, "t", &err), 0);
	assert_int_equal(mgen_config_read_api_key(&cfg, &key, &err), 0);
	assert_string_equal(key, "direct");
	free(key);
	unlink(path);
	err = (mgen_err)MGEN_ERR_INIT;
	assert_int_equal(mgen_config_set(&cfg, "api_key", NULL, 0, "t", &err),
			 0);
	assert_int_equal(mgen_config_read_api_key(&cfg, &key, &err),
			 MGEN_ECONFIG); /* missing file */
	mgen_config_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_secret__names_any_case_and_spelling),
	    cmocka_unit_test(test_secret__odbc_attributes),
	    cmocka_unit_test(test_secret__urls),
	    cmocka_unit_test(test_secret__collects_every_form),
	    cmocka_unit_test(test_secret__scrub_longest_first_and_bounded),
	    cmocka_unit_test(test_secret__scrub_str),
	    cmocka_unit_test(test_secret__hostile_sizes),
	    cmocka_unit_test(test_secret__url_join_keeps_the_query),
	    cmocka_unit_test(
		test_secret__conn_attr_reads_like_the_driver_manager),
	    cmocka_unit_test(
		test_secret__config_json_masks_connection_and_api_base),
	    cmocka_unit_test(test_secret__api_key_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
