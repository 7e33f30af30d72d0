/*
 * lm_resolve.c - turns a LiteLLM-style model string ("databricks/X",
 * "openai/X", "ollama_chat/X", "hosted_vllm/X" or a bare model name), the
 * options and the environment into a base URL, a model name and a key
 * (docs/reference/llm-endpoints.md).
 *
 * Base URL: opts->api_base wins; else by provider: databricks ->
 * $DATABRICKS_HOST + "/serving-endpoints" (https:// added when the host
 * has no scheme), openai -> $OPENAI_BASE_URL or https://api.openai.com/v1,
 * ollama -> http://localhost:11434/v1; anything else needs api_base.
 * Key: opts->api_key, else $METAGEN_API_KEY, else the provider's variable
 * ($DATABRICKS_TOKEN, $OPENAI_API_KEY), else none. Empty variables count
 * as unset. Trailing slashes of the base are dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "lm/lm_internal.h"
#include "metagen/buf.h"
#include "util/secret.h"
#include "util/util.h"

typedef struct provider {
	const char *prefix;    /* "databricks/" */
	const char *base_env;  /* variable holding the base or host */
	const char *base_dflt; /* default base, or NULL */
	const char *key_env;   /* provider's key variable, or NULL */
	int is_host;	       /* base_env holds a host: add /serving-... */
} provider;

static const provider providers[] = {
    {"databricks/", "DATABRICKS_HOST", NULL, "DATABRICKS_TOKEN", 1},
    {"openai/", "OPENAI_BASE_URL", "https://api.openai.com/v1",
     "OPENAI_API_KEY", 0},
    {"ollama_chat/", NULL, "http://localhost:11434/v1", NULL, 0},
    {"ollama/", NULL, "http://localhost:11434/v1", NULL, 0},
    {"hosted_vllm/", NULL, NULL, NULL, 0},
};

/* getenv that treats an empty value as unset. */
static const char *env(const char *name)
{
	const char *v = name ? getenv(name) : NULL;

	return (v && *v) ? v : NULL;
}

static const provider *find_provider(const char *model)
{
	size_t i;

	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (mgen__startswith(model, providers[i].prefix))
			return &providers[i];
	return NULL;
}

/* Builds the base URL into `b`: `url` without trailing slashes, or for a
 * host "https://" (when it names no scheme) + host, joined with
 * "/serving-endpoints" by libcurl's URL API (a query stays last).
 * Returns 0, MGEN_ENOMEM, or MGEN_ECONFIG with the reason in `err`. */
static int build_base(mgen_buf *b, const char *url, int is_host, mgen_err *err)
{
	size_t n = strlen(url);
	char *joined = NULL, why[160] = "";
	int rc;

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (is_host && strstr(url, "://") == NULL)
		mgen_buf_puts(b, "https://");
	mgen_buf_append(b, url, n);
	if (!is_host || mgen_buf_error(b))
		return mgen_buf_error(b);
	rc = mgen__url_join(mgen_buf_str(b), "/serving-endpoints", &joined, why,
			    sizeof(why));
	mgen_buf_reset(b);
	if (rc == MGEN_ECONFIG)
		return mgen_err_set(err, rc,
				    "DATABRICKS_HOST is not a usable "
				    "host or url: %s",
				    why);
	if (rc == 0)
		mgen_buf_puts(b, joined);
	free(joined);
	return rc ? rc : mgen_buf_error(b);
}

static int missing_base(const char *model, const provider *p, mgen_err *err)
{
	if (p && p->base_env)
		return mgen_err_set(err, MGEN_ECONFIG,
				    "no api base for model '%s': set %s "
				    "(or api_base)",
				    model, p->base_env);
	return mgen_err_set(err, MGEN_ECONFIG,
			    "no api base for model '%s': set api_base, or use "
			    "a databricks/ or openai/ model with "
			    "DATABRICKS_HOST or OPENAI_BASE_URL",
			    model);
}

int mgen_lm__resolve(const mgen_lm_options *opts, mgen_lm_target *t,
		     mgen_err *err)
{
	const provider *p;
	const char *model = opts->model, *base, *key;
	mgen_buf b = MGEN_BUF_INIT;
	int rc;

	memset(t, 0, sizeof(*t));
	if (model == NULL || *model == '\0')
		return mgen_err_set(err, MGEN_ECONFIG,
				    "no model set: give a model such as "
				    "'databricks/<endpoint>' or "
				    "'openai/<model>'");
	p = find_provider(model);
	if (p && model[strlen(p->prefix)] == '\0')
		return mgen_err_set(err, MGEN_ECONFIG,
				    "model '%s' names no model after the "
				    "provider",
				    model);
	base = opts->api_base && *opts->api_base ? opts->api_base : NULL;
	if (base == NULL && p)
		base = env(p->base_env);
	if (base == NULL && p)
		base = p->base_dflt;
	if (base == NULL)
		return missing_base(model, p, err);
	rc = build_base(&b, base, p && p->is_host && base != opts->api_base,
			err);
	if (rc == MGEN_ECONFIG) {
		mgen_buf_release(&b);
		return rc;
	}
	if (rc != 0)
		goto done;
	key = opts->api_key ? opts->api_key : env("METAGEN_API_KEY");
	if (key == NULL && p)
		key = env(p->key_env);
	if (mgen__has_line_break(key)) {
		mgen_buf_release(&b);
		return mgen_err_set(
		    err, MGEN_ECONFIG,
		    "the api key holds a line break (CR or LF),"
		    " which would split its HTTP header: check "
		    "api_key, api_key_file, METAGEN_API_KEY%s%s",
		    p && p->key_env ? " and " : "",
		    p && p->key_env ? p->key_env : "");
	}
	t->base = mgen_buf_detach(&b);
	t->model = mgen__strdup(p ? model + strlen(p->prefix) : model);
	t->key = key && *key ? mgen__strdup(key) : NULL;
	t->key_env = p ? p->key_env : NULL;
	t->base_from_provider = base != opts->api_base;
	if (!t->base || !t->model || (key && *key && !t->key))
		rc = MGEN_ENOMEM;
done:
	mgen_buf_release(&b);
	if (rc != 0) {
		mgen_lm__target_release(t);
		return mgen_err_set(err, rc,
				    "out of memory resolving the "
				    "lm endpoint");
	}
	return 0;
}

void mgen_lm__target_release(mgen_lm_target *t)
{
	if (t == NULL)
		return;
	free(t->base);
	free(t->model);
	if (t->key) {
		memset(t->key, 0, strlen(t->key));
		free(t->key);
	}
	memset(t, 0, sizeof(*t));
}

int mgen_lm__endpoint(const mgen_lm_target *t, const char *suffix,
		      mgen_lm_endpoint *e, mgen_err *err)
{
	char why[160] = "";
	int rc;

	memset(e, 0, sizeof(*e));
	if (mgen__has_line_break(t->base))
		return mgen_err_set(err, MGEN_ECONFIG,
				    "api base holds a line break (CR or LF)");
	rc = mgen__url_join(t->base, suffix, &e->url, why, sizeof(why));
	if (rc == 0)
		rc = mgen__secrets_add_from(&e->secrets, t->base);
	if (rc == 0)
		rc = mgen__secrets_add(&e->secrets, t->key);
	if (rc == 0 && (e->shown = mgen__mask_secrets(e->url)) == NULL)
		rc = MGEN_ENOMEM;
	if (rc == 0)
		return 0;
	mgen_lm__endpoint_release(e);
	if (rc == MGEN_ECONFIG) {
		char *shown = mgen__mask_secrets(t->base);
		rc = mgen_err_set(err, rc,
				  "api base '%s' is not a usable url: "
				  "%s",
				  shown ? shown : "(hidden)", why);
		free(shown);
		return rc;
	}
	return mgen_err_set(err, rc, "out of memory");
}

void mgen_lm__endpoint_release(mgen_lm_endpoint *e)
{
	if (e == NULL)
		return;
	if (e->url)
		memset(e->url, 0, strlen(e->url));
	free(e->url);
	free(e->shown);
	mgen__secrets_release(&e->secrets);
	memset(e, 0, sizeof(*e));
}
