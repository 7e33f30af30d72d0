/*
 * measure.c - `measure CMD [ARGS...]`: runs CMD, then prints one JSON line
 * on stderr with its wall time (s), user and system CPU time (s) and peak
 * resident set size (KiB), from wait4()'s rusage. Exit status is CMD's.
 *
 * A small C program on purpose: Linux keeps a process's peak RSS across
 * exec (ru_maxrss is the high-water mark of the process, not of the
 * program), so a command forked from a Python interpreter starts with the
 * interpreter's ~14 MB already counted; forked from this program it starts
 * under 1 MB.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status = 0;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: measure CMD [ARGS...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("measure: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror("measure: exec");
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("measure: wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr,
		"{\"wall\": %.6f, \"user\": %.6f, \"sys\": %.6f, "
		"\"maxrss_kib\": %ld}\n",
		(double)(t1.tv_sec - t0.tv_sec) +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
		seconds(&ru.ru_utime), seconds(&ru.ru_stime), ru.ru_maxrss);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
