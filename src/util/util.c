/*
 * util.c - internal string, glob, UTF-8, time and file helpers.
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "metagen/metagen.h"
#include "metagen/buf.h"
#include "util/util.h"

char *mgen__strdup(const char *s)
{
	return s ? mgen__strndup(s, strlen(s)) : NULL;
}

char *mgen__strndup(const char *s, size_t n)
{
	char *p;

	if (s == NULL)
		return NULL;
	p = malloc(n + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int mgen__strcasecmp(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b ? 0 : (a == NULL ? -1 : 1);
	for (; *a && *b; a++, b++) {
		int d = tolower((unsigned char)*a) - tolower((unsigned char)*b);
		if (d)
			return d;
	}
	return tolower((unsigned char)*a) - tolower((unsigned char)*b);
}

int mgen__startswith(const char *s, const char *prefix)
{
	return s && prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Matches one [set] at *p against c; advances *p past the set. */
static int glob_set(const char **pp, int c)
{
	const char *p = *pp + 1;
	int neg = 0, hit = 0;

	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	while (*p && *p != ']') {
		int lo = tolower((unsigned char)*p), hi = lo;
		if (p[1] == '-' && p[2] && p[2] != ']') {
			hi = tolower((unsigned char)p[2]);
			p += 2;
		}
		if (c >= lo && c <= hi)
			hit = 1;
		p++;
	}
	*pp = *p ? p + 1 : p;
	return hit != neg;
}

int mgen__glob_match(const char *pat, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	while (*s) {
		int c = tolower((unsigned char)*s);
		if (*pat == '*') {
			star_p = ++pat;
			star_s = s;
			continue;
		}
		if (*pat == '?') {
			pat++;
			s++;
			continue;
		}
		if (*pat == '[') {
			const char *p = pat;
			if (glob_set(&p, c)) {
				pat = p;
				s++;
				continue;
			}
		} else if (*pat && tolower((unsigned char)*pat) == c) {
			pat++;
			s++;
			continue;
		}
		if (star_p == NULL)
			return 0;
		pat = star_p;
		s = ++star_s;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

int mgen__scope_match(const char *pattern, const char *catalog,
		      const char *schema, const char *table)
{
	mgen_buf b = MGEN_BUF_INIT;
	const char *parts[3] = {catalog, schema, table};
	int i, hit = 0;

	for (i = 0; i < 3 && !hit; i++) {
		int j, first = 1;
		mgen_buf_reset(&b);
		for (j = i; j < 3; j++) {
			if (parts[j] == NULL || parts[j][0] == '\0')
				continue;
			if (!first)
				mgen_buf_putc(&b, '.');
			mgen_buf_puts(&b, parts[j]);
			first = 0;
		}
		if (!first && !mgen_buf_error(&b))
			hit = mgen__glob_match(pattern, mgen_buf_str(&b));
	}
	mgen_buf_release(&b);
	return hit;
}

size_t mgen__utf8_prefix(const char *s, size_t len, size_t max_bytes)
{
	size_t n;

	if (len <= max_bytes)
		return len;
	n = max_bytes;
	/* step back over continuation bytes to a sequence start */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

size_t mgen__utf8_seq(const unsigned char *s, size_t avail)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2;
		cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3;
		cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

size_t mgen__utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

double mgen__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void mgen__sleep_ms(long ms)
{
	struct timespec ts, rem;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

char *mgen__base64(const unsigned char *d, size_t n)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v =
		    (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
		*o++ = tbl[v >> 18 & 63];
		*o++ = tbl[v >> 12 & 63];
		*o++ = tbl[v >> 6 & 63];
		*o++ = tbl[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)d[i] << 16 |
			     (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0);
		*o++ = tbl[v >> 18 & 63];
		*o++ = tbl[v >> 12 & 63];
		*o++ = i + 1 < n ? tbl[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

FILE *mgen__fopen_private(const char *path, const char *mode)
{
	int fd, flags = O_WRONLY | O_CREAT | O_CLOEXEC;
	FILE *f;

	flags |= mode[0] == 'a' ? O_APPEND : O_TRUNC;
	fd = open(path, flags, 0600);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, mode);
	if (f == NULL)
		close(fd);
	return f;
}

int mgen__write_file_atomic(const char *path, const char *data, size_t len)
{
	mgen_buf tmp = MGEN_BUF_INIT;
	FILE *f;
	int rc = MGEN_EIO;

	if (mgen_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid()))
		return MGEN_ENOMEM;
	f = mgen__fopen_private(mgen_buf_str(&tmp), "wb");
	if (f == NULL)
		goto done;
	if (len && fwrite(data, 1, len, f) != len) {
		fclose(f);
		goto unlink;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		goto unlink;
	}
	if (fclose(f) != 0)
		goto unlink;
	if (rename(mgen_buf_str(&tmp), path) == 0) {
		rc = 0;
		goto done;
	}
unlink:
	remove(mgen_buf_str(&tmp));
done:
	mgen_buf_release(&tmp);
	return rc;
}

int mgen__read_file(const char *path, char **out, size_t *len)
{
	int rc = mgen__read_file_max(path, (size_t)-1 - 1, out, len);

	return rc == MGEN_ELIMIT ? MGEN_EIO : rc;
}

int mgen__read_file_max(const char *path, size_t max, char **out, size_t *len)
{
	mgen_buf b = MGEN_BUF_INIT;
	char chunk[65536];
	struct stat st;
	size_t n;
	FILE *f;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return MGEN_EIO;
	if (fstat(fileno(f), &st) != 0 || S_ISDIR(st.st_mode)) {
		fclose(f);
		return MGEN_EIO;
	}
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
		fclose(f);
		return MGEN_ELIMIT;
	}
	/* a file that grows (or a pipe) stops at max + 1 bytes */
	while (b.len <= max && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (mgen_buf_append(&b, chunk, n))
			break;
	n = b.len;
	if (ferror(f) || mgen_buf_error(&b) || n > max) {
		fclose(f);
		mgen_buf_release(&b);
		return n > max ? MGEN_ELIMIT : MGEN_EIO;
	}
	fclose(f);
	if (len)
		*len = b.len;
	*out = mgen_buf_detach(&b);
	return *out ? 0 : MGEN_ENOMEM;
}

int mgen__mkdirs(const char *path)
{
	char *p = mgen__strdup(path), *q;
	int rc = 0;

	if (p == NULL)
		return MGEN_ENOMEM;
	for (q = p + 1;; q++) {
		if (*q == '/' || *q == '\0') {
			char c = *q;
			*q = '\0';
			if (mkdir(p, 0700) != 0 && errno != EEXIST) {
				rc = MGEN_EIO;
				break;
			}
			*q = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return rc;
}

int mgen__prepare_private_db(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int rc, fd;

	if (path[0] == ':' || strncmp(path, "file:", 5) == 0)
		return 0;
	if (slash != NULL && slash != path) {
		dir = mgen__strndup(path, (size_t)(slash - path));
		if (dir == NULL)
			return MGEN_ENOMEM;
		rc = mgen__mkdirs(dir);
		free(dir);
		if (rc != 0)
			return rc;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	return 0;
}
