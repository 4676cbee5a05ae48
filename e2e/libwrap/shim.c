//go:build ignore

/*
 * shim.c - LD_PRELOAD library for running the real Debian tcpdmatch.
 *
 * The line above keeps the Go tool from treating this file as cgo source;
 * the Go package embeds it and builds it with cc at test time:
 *
 *     cc -O2 -shared -fPIC -U_FORTIFY_SOURCE -o shim.so shim.c
 *
 * Debian builds libwrap with _FORTIFY_SOURCE, so the library logs through
 * __syslog_chk/__vsyslog_chk, which tcpdmatch's own stdout logger (it
 * defines plain syslog/vsyslog) never sees.  This shim defines the fortified
 * entry points (and the plain ones, which lose against tcpdmatch's own
 * definitions anyway) and prints every message as one line on stdout, in
 * order with tcpdmatch's output: stdout is made line buffered before main
 * runs, so every line reaches the pipe as soon as it is complete and
 * interleaves exactly with stderr and with raw write(2)s (banners).
 *
 * Like the driver it makes sure no command runs and no id changes:
 * fork/vfork return a fake pid, the wait family reaps that fake pid, the
 * exec family and system() fail with EPERM, sleep, nice, the set*id family,
 * setgroups, initgroups and setsockopt succeed without doing anything.  A
 * seccomp filter installed before main additionally makes execve, execveat,
 * fork, vfork, clone and clone3 fail with EPERM.  exit() is NOT intercepted:
 * tcpdmatch ends through it.
 *
 * Consequence (documented in README.md): the Debian "user"/"group" bug of
 * dry-run mode (spec 7.4) no longer shows, because setgid/setuid succeed.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "scoped.h"	/* getaddrinfo: scoped numeric IPv6 addresses as glibc reads them */

#define FAKE_PID 424242

static int pending;

/* ------------------------------------------------------------------ */
/* syslog to stdout                                                     */

struct fmtbuf {
	char *p;
	size_t n, cap;
};

static int fb_add(struct fmtbuf *b, const char *s, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + len + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (p == NULL)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = 0;
	return 1;
}

/* Print one message line; "%m" becomes strerror(errno) as in syslog(3). */
static void emit(const char *fmt, va_list ap)
{
	int saved_errno = errno;
	struct fmtbuf f = { 0 };
	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] == '%') {
			fb_add(&f, "%%", 2);
			p++;
		} else if (p[0] == '%' && p[1] == 'm') {
			for (const char *e = strerror(saved_errno); *e; e++) {
				if (*e == '%')
					fb_add(&f, "%%", 2);
				else
					fb_add(&f, e, 1);
			}
			p++;
		} else {
			fb_add(&f, p, 1);
		}
	}
	if (f.p != NULL) {
		vfprintf(stdout, f.p, ap);
		fputc('\n', stdout);
		fflush(stdout);
		free(f.p);
	}
	errno = saved_errno;
}

void syslog(int prio, const char *fmt, ...)
{
	(void)prio;
	va_list ap;
	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
}

void vsyslog(int prio, const char *fmt, va_list ap)
{
	(void)prio;
	emit(fmt, ap);
}

void __syslog_chk(int prio, int flag, const char *fmt, ...)
{
	(void)prio;
	(void)flag;
	va_list ap;
	va_start(ap, fmt);
	emit(fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
{
	(void)prio;
	(void)flag;
	emit(fmt, ap);
}

/* ------------------------------------------------------------------ */
/* No processes, no exec, no id changes.                                */

pid_t fork(void)
{
	pending = 1;
	return FAKE_PID;
}

pid_t vfork(void)
{
	return fork();
}

static pid_t reap(int *status)
{
	if (!pending) {
		errno = ECHILD;
		return -1;
	}
	pending = 0;
	if (status != NULL)
		*status = 0;
	return FAKE_PID;
}

pid_t wait(int *status)
{
	return reap(status);
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	(void)pid;
	(void)options;
	return reap(status);
}

pid_t wait3(int *status, int options, struct rusage *ru)
{
	(void)options;
	if (ru != NULL)
		memset(ru, 0, sizeof(*ru));
	return reap(status);
}

pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	(void)pid;
	(void)options;
	if (ru != NULL)
		memset(ru, 0, sizeof(*ru));
	return reap(status);
}

#define REFUSE_EXEC     \
	do {            \
		errno = EPERM; \
		return -1;     \
	} while (0)

int execl(const char *path, const char *arg, ...)
{
	(void)path;
	(void)arg;
	REFUSE_EXEC;
}

int execlp(const char *file, const char *arg, ...)
{
	(void)file;
	(void)arg;
	REFUSE_EXEC;
}

int execle(const char *path, const char *arg, ...)
{
	(void)path;
	(void)arg;
	REFUSE_EXEC;
}

int execv(const char *path, char *const argv[])
{
	(void)path;
	(void)argv;
	REFUSE_EXEC;
}

int execvp(const char *file, char *const argv[])
{
	(void)file;
	(void)argv;
	REFUSE_EXEC;
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	(void)file;
	(void)argv;
	(void)envp;
	REFUSE_EXEC;
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	(void)path;
	(void)argv;
	(void)envp;
	REFUSE_EXEC;
}

int fexecve(int fd, char *const argv[], char *const envp[])
{
	(void)fd;
	(void)argv;
	(void)envp;
	REFUSE_EXEC;
}

int system(const char *cmd)
{
	(void)cmd;
	return -1;
}

unsigned int sleep(unsigned int seconds)
{
	(void)seconds;
	return 0;
}

int nice(int inc)
{
	(void)inc;
	return 0;
}

int setuid(uid_t uid)
{
	(void)uid;
	return 0;
}

int setgid(gid_t gid)
{
	(void)gid;
	return 0;
}

int seteuid(uid_t uid)
{
	(void)uid;
	return 0;
}

int setegid(gid_t gid)
{
	(void)gid;
	return 0;
}

int setreuid(uid_t r, uid_t e)
{
	(void)r;
	(void)e;
	return 0;
}

int setregid(gid_t r, gid_t e)
{
	(void)r;
	(void)e;
	return 0;
}

int setresuid(uid_t r, uid_t e, uid_t s)
{
	(void)r;
	(void)e;
	(void)s;
	return 0;
}

int setresgid(gid_t r, gid_t e, gid_t s)
{
	(void)r;
	(void)e;
	(void)s;
	return 0;
}

int setgroups(size_t n, const gid_t *list)
{
	(void)n;
	(void)list;
	return 0;
}

int initgroups(const char *user, gid_t group)
{
	(void)user;
	(void)group;
	return 0;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	(void)fd;
	(void)level;
	(void)name;
	(void)val;
	(void)len;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Set-up before tcpdmatch's main.                                      */

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif

#define DENY_NR(nr)                                              \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),         \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

static void __attribute__((constructor)) shim_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
#ifdef SECCOMP_ARCH
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
#endif
		DENY_NR(__NR_execve),
		DENY_NR(__NR_execveat),
#ifdef __NR_fork
		DENY_NR(__NR_fork),
#endif
#ifdef __NR_vfork
		DENY_NR(__NR_vfork),
#endif
		DENY_NR(__NR_clone),
#ifdef __NR_clone3
		DENY_NR(__NR_clone3),
#endif
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
		.filter = filter,
	};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		(void)prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
#endif
}
