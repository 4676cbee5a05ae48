//go:build ignore

/*
 * driver.c - differential-test driver for the real Debian libwrap.
 *
 * The line above keeps the Go tool from treating this file as cgo source;
 * the Go package embeds it and builds it with cc at test time:
 *
 *     cc -O2 -DINET6 -U_FORTIFY_SOURCE -rdynamic -o driver driver.c -lwrap
 *
 * Usage (run with the case directory as the current directory, normally
 * inside the seal built by sealer.c):
 *
 *     driver [-f] [-a ALLOW_TABLE] [-d DENY_TABLE] [-x TEMPLATE] < requests
 *
 * (-n, for tests only: reset mode WITHOUT restoring libwrap's data, to show
 * that the restore matters; -z: zygote mode, see zygote() below.)
 *
 * Tables default to "hosts.allow" and "hosts.deny" relative to the current
 * directory, so libwrap's messages name them the way tcpdmatch -d does.
 *
 * Each input line is one request, fields separated by blanks:
 *
 *     DAEMON CLIENT_ADDR CLIENT_PORT SERVER_ADDR SERVER_PORT USER [TEMPLATE]
 *
 * A field that is exactly "-" means "not given": DAEMON not set (libwrap
 * then uses "unknown"), CLIENT_ADDR/SERVER_ADDR: no socket address for that
 * endpoint (its port field is ignored), USER: preset to "unknown" (so no
 * IDENT query is ever made), TEMPLATE: use the -x template, if any.  Fields
 * may escape bytes as \xHH (two hex digits) and a backslash as \\; this is
 * how blanks, non-ASCII bytes or a literal "-" are passed.  Addresses are
 * numeric IPv4 or IPv6 (::ffff:a.b.c.d included; an optional %zone is an
 * interface index or name).  Empty lines are ignored.
 *
 * A line "=ctl DAEMON NAME ADDR USER [TEMPLATE]" calls hosts_ctl() with
 * the four strings instead (escaped the same way; "-" is the empty
 * string, a TEMPLATE of "-" none): no descriptor, no socket address, no
 * lookup methods, exactly as a daemon that calls hosts_ctl() has it.
 *
 * For every request one JSON object is printed on its own line, see
 * README.md.  Strings in that JSON are byte strings: every byte >= 0x80 is
 * written as \u00XX (a Latin-1 view of the bytes).
 *
 * Isolation between requests.  libwrap keeps process-wide state: the
 * "resident" counter (twist is refused from the second decision of a
 * process on), the aclexec-failed flag (set by a failing aclexec, cleared
 * only by a succeeding one), rfc931_timeout, the severities, dry_run,
 * tcpd_context, and so on.  Two modes keep requests independent:
 *
 *   -f  fork mode: every request runs in a fresh fork()ed child of the
 *       driver, which never ran a request itself.  Simple and obviously
 *       right, but fork() is expensive on some machines (page faults in
 *       the child cost ~3 ms per request on the 2-core CI VM).
 *
 *   default, reset mode: requests run in the driver process itself.  At
 *       start the driver copies libwrap's whole writable, non-RELRO data
 *       (.data and .bss, found with dl_iterate_phdr and PT_GNU_RELRO; every
 *       static and global variable of the library, exported or not) and
 *       copies it back before each request, so libwrap starts every request
 *       in exactly the state of a fresh process.  Process state that options
 *       could change is never changed (umask, setenv, nice, set*id are
 *       recorded, not performed); descriptors 0, 1 and 2 (which twist closes
 *       and re-dups onto the client descriptor) are restored after each
 *       request; results go to a private descriptor.  libwrap's variables
 *       are reached only through dlsym (see "libwrap's global variables"),
 *       so none is copy-relocated out of the restored region.  The Go tests
 *       run the vectors and two batches in both modes and require identical
 *       results.
 *
 * The harness runs the driver in zygote mode (-z, see zygote()): each case
 * gets a fresh process forked from a driver that never decided anything,
 * and the requests of that case run in reset mode (or fork mode with -f).
 *
 * Commands never run: this executable defines fork, the wait family, the
 * exec family, exit/_exit/_Exit, sleep, nice, the set*id/setgroups/
 * initgroups family, setsockopt, umask and setenv.  Linked with -rdynamic,
 * these definitions are found before libc's when libwrap calls them.  As a
 * backstop a seccomp filter makes execve, execveat, fork, vfork, clone and
 * clone3 fail with EPERM (installed in the driver before the first request
 * in reset mode, in each request child in fork mode).
 *
 * Built with -DTCPWRAP_UPSTREAM76 (and -I naming a tcp_wrappers 7.6 source
 * tree, whose tcpd.h is then included) it drives an upstream 7.6 libwrap
 * built by the harness (NewUpstream) instead: no IPv6 socket addresses,
 * the severities defined here as tcpd defines them, the third field's
 * shell command recorded (kind "shell") when libwrap's shell_cmd() forks,
 * and tcpd's PARANOID step taken before hosts_access() (see
 * paranoid_refused).
 *
 * Built with -DTCPWRAP_FREEBSD (and -I naming FreeBSD's contrib/tcp_wrappers,
 * -D_STDFILE_DECLARED for its tcpd.h) it drives FreeBSD's libwrap built by
 * the harness (NewFreeBSD): the severities, which FreeBSD's library defines
 * as zero (lib/libwrap/libvars.c), are set before each request to the
 * values tcpd and tcpdmatch give them, and a request whose table reader
 * never returns (an over-long line: FreeBSD's xgets asks fgets for one
 * byte forever) is stopped after FREEBSD_HANG_SECONDS and reported with
 * access "hang".
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <tcpd.h>

#include "scoped.h"	/* getaddrinfo: scoped numeric IPv6 addresses as glibc reads them */

/* Fake process id handed to libwrap by fork(); no such process exists. */
#define FAKE_PID_BASE 424200

/* Descriptor the JSON results are written to. */
#define RESULT_FD 250
/* Private descriptor of the banner capture file (libwrap may close its own). */
#define CAPTURE_FD 251
/* Copies of the driver's descriptors 0, 1 and 2 (reset mode). */
#define SAVED_FD_BASE 245

/* ------------------------------------------------------------------ */
/* Small growable string buffer.                                        */

struct buf {
	char *p;
	size_t n, cap;
};

static void buf_grow(struct buf *b, size_t more)
{
	if (b->n + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->n + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (p == NULL)
		abort();
	b->p = p;
	b->cap = cap;
}

static void buf_add(struct buf *b, const char *s, size_t len)
{
	buf_grow(b, len);
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = 0;
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	buf_add(b, tmp, (size_t)len < sizeof(tmp) ? (size_t)len : sizeof(tmp) - 1);
}

/* JSON string literal; bytes >= 0x80 become \u00XX (Latin-1 view). */
static void buf_json(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	buf_add(b, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		switch (c) {
		case '"':
			buf_add(b, "\\\"", 2);
			break;
		case '\\':
			buf_add(b, "\\\\", 2);
			break;
		case '\n':
			buf_add(b, "\\n", 2);
			break;
		case '\r':
			buf_add(b, "\\r", 2);
			break;
		case '\t':
			buf_add(b, "\\t", 2);
			break;
		default:
			if (c < 0x20 || c >= 0x7f) {
				esc[0] = '\\';
				esc[1] = 'u';
				esc[2] = '0';
				esc[3] = '0';
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				buf_add(b, esc, 6);
			} else {
				buf_add(b, (const char *)&c, 1);
			}
		}
	}
	buf_add(b, "\"", 1);
}

static void buf_jstr(struct buf *b, const char *s)
{
	buf_json(b, s, strlen(s));
}

/* ------------------------------------------------------------------ */
/* Access to the real libc functions that this executable overrides.   */

static void *real(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);
	if (f == NULL) {
		static const char msg[] = "driver: dlsym failed\n";
		(void)!write(2, msg, sizeof(msg) - 1);
		syscall(SYS_exit_group, 111);
	}
	return f;
}

/* Terminate this process without running atexit handlers or stdio. */
static void __attribute__((noreturn)) hard_exit(int status)
{
	for (;;)
		syscall(SYS_exit_group, status);
}

/* ------------------------------------------------------------------ */
/* Per-request record, reset before every request.                    */

static int in_request;		/* 1 while a request is being decided */
static sigjmp_buf jump_back;	/* where exec/exit interposers return to */
static int jump_armed;

#define JUMP_EXEC 2
#define JUMP_EXIT 3
#define JUMP_HANG 4

struct entry {
	int prio;
	char *msg;
};

static struct entry *logs;
static size_t nlogs, caplogs;

struct command {
	const char *kind;
	char *cmd;
};

static struct command *cmds;
static size_t ncmds, capcmds;

static char **calls;
static size_t ncalls, capcalls;

static char *last_opt_name;	/* from the last "option:" debug line */
static char *last_opt_value;

static int next_fake_pid = FAKE_PID_BASE;
static int pending_pid;		/* fake child not yet reaped, 0 = none */
static int pending_status;	/* its simulated wait status */

static int exit_recorded;
static int exit_status;

static void reset_request_state(void)
{
	for (size_t i = 0; i < nlogs; i++)
		free(logs[i].msg);
	nlogs = 0;
	for (size_t i = 0; i < ncmds; i++)
		free(cmds[i].cmd);
	ncmds = 0;
	for (size_t i = 0; i < ncalls; i++)
		free(calls[i]);
	ncalls = 0;
	free(last_opt_name);
	free(last_opt_value);
	last_opt_name = last_opt_value = NULL;
	next_fake_pid = FAKE_PID_BASE;
	pending_pid = 0;
	pending_status = 0;
	exit_recorded = 0;
	exit_status = 0;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL)
		abort();
	return p;
}

static void add_log(int prio, char *msg)
{
	if (nlogs == caplogs) {
		caplogs = caplogs ? 2 * caplogs : 16;
		logs = xrealloc(logs, caplogs * sizeof(*logs));
	}
	logs[nlogs].prio = prio;
	logs[nlogs].msg = msg;
	nlogs++;
}

static void add_command(const char *kind, const char *cmd)
{
	if (ncmds == capcmds) {
		capcmds = capcmds ? 2 * capcmds : 4;
		cmds = xrealloc(cmds, capcmds * sizeof(*cmds));
	}
	cmds[ncmds].kind = kind;
	cmds[ncmds].cmd = strdup(cmd ? cmd : "");
	ncmds++;
}

static void add_call(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = strdup("?");
	va_end(ap);
	if (ncalls == capcalls) {
		capcalls = capcalls ? 2 * capcalls : 8;
		calls = xrealloc(calls, capcalls * sizeof(*calls));
	}
	calls[ncalls++] = s;
}

/* ------------------------------------------------------------------ */
/* syslog capture                                                       */

/*
 * Format a syslog message the way syslog(3) would: "%m" is replaced by
 * strerror(errno) (errno as it was on entry), "%%" stays for vsnprintf.
 */
static char *format_message(int saved_errno, const char *fmt, va_list ap)
{
	struct buf f = { 0 };
	for (const char *p = fmt; *p; p++) {
		if (p[0] == '%' && p[1] == '%') {
			buf_add(&f, "%%", 2);
			p++;
		} else if (p[0] == '%' && p[1] == 'm') {
			for (const char *e = strerror(saved_errno); *e; e++) {
				if (*e == '%')
					buf_add(&f, "%%", 2);
				else
					buf_add(&f, e, 1);
			}
			p++;
		} else {
			buf_add(&f, p, 1);
		}
	}
	char *msg = NULL;
	if (vasprintf(&msg, f.p ? f.p : "", ap) < 0)
		msg = strdup("(vasprintf failed)");
	free(f.p);
	return msg;
}

static void note_option(const char *msg)
{
	static const char prefix[] = "option:   ";
	if (strncmp(msg, prefix, sizeof(prefix) - 1) != 0)
		return;
	const char *rest = msg + sizeof(prefix) - 1;
	size_t namelen = strcspn(rest, " ");
	free(last_opt_name);
	free(last_opt_value);
	last_opt_name = strndup(rest, namelen);
	last_opt_value = strdup(rest[namelen] ? rest + namelen + 1 : "");
}

static void capture(int prio, const char *fmt, va_list ap)
{
	int saved_errno = errno;
	char *msg = format_message(saved_errno, fmt, ap);
	note_option(msg);
	add_log(prio, msg);
	errno = saved_errno;
}

void syslog(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	capture(prio, fmt, ap);
	va_end(ap);
}

void vsyslog(int prio, const char *fmt, va_list ap)
{
	capture(prio, fmt, ap);
}

void __syslog_chk(int prio, int flag, const char *fmt, ...)
{
	(void)flag;
	va_list ap;
	va_start(ap, fmt);
	capture(prio, fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int prio, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	capture(prio, fmt, ap);
}

void openlog(const char *ident, int option, int facility)
{
	(void)ident;
	(void)option;
	(void)facility;
}

void closelog(void)
{
}

/* ------------------------------------------------------------------ */
/* Process control interposers                                          */

/* Kind of the command libwrap is about to run, from the last option. */
static const char *command_kind(void)
{
	if (last_opt_name != NULL) {
		if (strcasecmp(last_opt_name, "spawn") == 0)
			return "spawn";
		if (strcasecmp(last_opt_name, "aclexec") == 0)
			return "aclexec";
		if (strcasecmp(last_opt_name, "twist") == 0)
			return "twist";
	}
	return "sh";
}

/*
 * Simulated exit status of a shell command: 1 when the first blank-separated
 * word has base name "false", 0 otherwise.
 */
static int simulated_status(const char *cmd)
{
	const char *ws = " \t\r\n\v\f";
	const char *p = cmd + strspn(cmd, ws);
	size_t len = strcspn(p, ws);
	const char *base = p;
	for (size_t i = 0; i < len; i++)
		if (p[i] == '/')
			base = p + i + 1;
	size_t blen = len - (size_t)(base - p);
	return (blen == 5 && strncmp(base, "false", 5) == 0) ? 1 : 0;
}

#ifdef TCPWRAP_UPSTREAM76
/*
 * Upstream 7.6 without options runs a rule's third field with shell_cmd(),
 * which forks and execs /bin/sh in the child. The fork below never makes
 * a child, so the command text is taken here: this definition is found
 * before libwrap's (-rdynamic), notes the command and calls libwrap's own,
 * which then forks (fake) and waits as usual.
 */
static const char *pending_shell;

void shell_cmd(char *command)
{
	static void (*real_shell_cmd)(char *);
	if (real_shell_cmd == NULL)
		real_shell_cmd = real("shell_cmd");
	pending_shell = command;
	real_shell_cmd(command);
	pending_shell = NULL;
}

/* The severities: upstream's library leaves them to the program (tcpd
 * defines them with these values). Options, which alone change them, are
 * not compiled in, so reset mode need not restore them. */
int allow_severity = LOG_INFO;
int deny_severity = LOG_WARNING;

/*
 * tcpd built with PARANOID (upstream's default) refuses a client whose host
 * name does not verify before it reads any table: this is that step, as a
 * daemon built the released way takes it for a socket request. The refusal
 * itself (a "refused connect" log line, a 5 second sleep, exit) belongs to
 * tcpd, not to the decision, and is left out as tcpd's other logging is.
 * The name is compared with the text of STRING_PARANOID, not with libwrap's
 * variable: naming that here would copy-relocate it out of libwrap.
 */
static int paranoid_refused(struct request_info *request)
{
	return strcasecmp(eval_hostname(request->client), STRING_PARANOID) == 0;
}
#endif

#ifdef TCPWRAP_FREEBSD
/*
 * FreeBSD's xgets() never returns on a line of 2,047 bytes or more
 * without a newline in them: once its buffer is full it asks fgets() for
 * one byte (room for the NUL only), gets an empty string, and asks again.
 * A request still deciding after FREEBSD_HANG_SECONDS is taken back here
 * and reported as a hang (the table file it had open stays open).
 */
#define FREEBSD_HANG_SECONDS 1

static void hang_jump(int sig)
{
	(void)sig;
	if (in_request && jump_armed)
		siglongjmp(jump_back, JUMP_HANG);
	_exit(5);
}

static void arm_hang_watchdog(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = hang_jump;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(FREEBSD_HANG_SECONDS);
}
#endif

pid_t fork(void)
{
	if (!in_request)
		return ((pid_t(*)(void))real("fork"))();
	const char *kind = command_kind();
	const char *cmd = last_opt_value ? last_opt_value : "";
#ifdef TCPWRAP_UPSTREAM76
	if (pending_shell != NULL) {
		kind = "shell";
		cmd = pending_shell;
	}
#endif
	add_command(kind, cmd);
	pending_pid = next_fake_pid++;
	pending_status = simulated_status(cmd) << 8;
	return pending_pid;
}

pid_t vfork(void)
{
	return fork();
}

static pid_t reap(pid_t want, int *status)
{
	if (pending_pid == 0 || (want > 0 && want != pending_pid)) {
		errno = ECHILD;
		return -1;
	}
	pid_t pid = pending_pid;
	if (status != NULL)
		*status = pending_status;
	pending_pid = 0;
	return pid;
}

pid_t wait(int *status)
{
	if (!in_request)
		return ((pid_t(*)(int *))real("wait"))(status);
	return reap(-1, status);
}

pid_t waitpid(pid_t pid, int *status, int options)
{
	if (!in_request)
		return ((pid_t(*)(pid_t, int *, int))real("waitpid"))(pid, status, options);
	return reap(pid, status);
}

pid_t wait3(int *status, int options, struct rusage *ru)
{
	if (!in_request)
		return ((pid_t(*)(int *, int, struct rusage *))real("wait3"))(status, options, ru);
	if (ru != NULL)
		memset(ru, 0, sizeof(*ru));
	return reap(-1, status);
}

pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
	if (!in_request)
		return ((pid_t(*)(pid_t, int *, int, struct rusage *))real("wait4"))(pid, status, options, ru);
	if (ru != NULL)
		memset(ru, 0, sizeof(*ru));
	return reap(pid, status);
}

/* Record an exec attempt and jump back into the driver. */
static void __attribute__((noreturn)) exec_attempt(const char *path, char *const argv[])
{
	const char *cmd = NULL;
	struct buf joined = { 0 };
	/* execl("/bin/sh", "sh", "-c", CMD, 0) is how libwrap runs commands. */
	if (argv != NULL && argv[0] && argv[1] && strcmp(argv[1], "-c") == 0 && argv[2])
		cmd = argv[2];
	if (cmd == NULL) {
		buf_str(&joined, path ? path : "");
		for (int i = 1; argv != NULL && argv[i] != NULL; i++) {
			buf_str(&joined, " ");
			buf_str(&joined, argv[i]);
		}
		cmd = joined.p ? joined.p : "";
	}
	const char *kind = command_kind();
	add_command(strcmp(kind, "twist") == 0 ? "twist" : "sh", cmd);
	if (jump_armed)
		siglongjmp(jump_back, JUMP_EXEC);
	/* Not reachable from libwrap; never exec anyway. */
	hard_exit(112);
}

#define MAX_EXEC_ARGS 64

static void collect_args(char **argv, const char *arg, va_list ap)
{
	int n = 0;
	argv[n++] = (char *)arg;
	while (arg != NULL && n < MAX_EXEC_ARGS - 1) {
		arg = va_arg(ap, const char *);
		argv[n++] = (char *)arg;
	}
	argv[n] = NULL;
}

int execl(const char *path, const char *arg, ...)
{
	char *argv[MAX_EXEC_ARGS];
	va_list ap;
	va_start(ap, arg);
	collect_args(argv, arg, ap);
	va_end(ap);
	if (!in_request) {
		errno = EPERM;
		return -1;
	}
	exec_attempt(path, argv);
}

int execlp(const char *file, const char *arg, ...)
{
	char *argv[MAX_EXEC_ARGS];
	va_list ap;
	va_start(ap, arg);
	collect_args(argv, arg, ap);
	va_end(ap);
	if (!in_request) {
		errno = EPERM;
		return -1;
	}
	exec_attempt(file, argv);
}

int execle(const char *path, const char *arg, ...)
{
	char *argv[MAX_EXEC_ARGS];
	va_list ap;
	va_start(ap, arg);
	collect_args(argv, arg, ap);
	va_end(ap);
	if (!in_request) {
		errno = EPERM;
		return -1;
	}
	exec_attempt(path, argv);
}

int execv(const char *path, char *const argv[])
{
	if (!in_request) {
		errno = EPERM;
		return -1;
	}
	exec_attempt(path, argv);
}

int execvp(const char *file, char *const argv[])
{
	if (!in_request) {
		errno = EPERM;
		return -1;
	}
	exec_attempt(file, argv);
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
	(void)envp;
	if (!in_request) {
		errno = EPERM;
		return -1;
	}
	exec_attempt(file, argv);
}

int execve(const char *path, char *const argv[], char *const envp[])
{
	(void)envp;
	if (!in_request) {
		errno = EPERM;
		return -1;
	}
	exec_attempt(path, argv);
}

int fexecve(int fd, char *const argv[], char *const envp[])
{
	(void)fd;
	(void)envp;
	if (!in_request) {
		errno = EPERM;
		return -1;
	}
	exec_attempt("(fexecve)", argv);
}

int system(const char *cmd)
{
	if (in_request)
		add_command("sh", cmd ? cmd : "");
	return 0;
}

static void __attribute__((noreturn)) exit_attempt(int status)
{
	if (in_request && jump_armed) {
		if (!exit_recorded) {
			exit_recorded = 1;
			exit_status = status;
		}
		siglongjmp(jump_back, JUMP_EXIT);
	}
	hard_exit(status);
}

void exit(int status)
{
	exit_attempt(status);
}

void _exit(int status)
{
	exit_attempt(status);
}

void _Exit(int status)
{
	exit_attempt(status);
}

unsigned int sleep(unsigned int seconds)
{
	if (in_request)
		add_call("sleep(%u)", seconds);
	return 0;
}

int nice(int inc)
{
	if (in_request)
		add_call("nice(%d)", inc);
	return 0;
}

int setuid(uid_t uid)
{
	if (in_request)
		add_call("setuid(%u)", (unsigned)uid);
	return 0;
}

int setgid(gid_t gid)
{
	if (in_request)
		add_call("setgid(%u)", (unsigned)gid);
	return 0;
}

int seteuid(uid_t uid)
{
	if (in_request)
		add_call("seteuid(%u)", (unsigned)uid);
	return 0;
}

int setegid(gid_t gid)
{
	if (in_request)
		add_call("setegid(%u)", (unsigned)gid);
	return 0;
}

int setreuid(uid_t r, uid_t e)
{
	if (in_request)
		add_call("setreuid(%d,%d)", (int)r, (int)e);
	return 0;
}

int setregid(gid_t r, gid_t e)
{
	if (in_request)
		add_call("setregid(%d,%d)", (int)r, (int)e);
	return 0;
}

int setresuid(uid_t r, uid_t e, uid_t s)
{
	if (in_request)
		add_call("setresuid(%d,%d,%d)", (int)r, (int)e, (int)s);
	return 0;
}

int setresgid(gid_t r, gid_t e, gid_t s)
{
	if (in_request)
		add_call("setresgid(%d,%d,%d)", (int)r, (int)e, (int)s);
	return 0;
}

int setgroups(size_t n, const gid_t *list)
{
	if (in_request) {
		struct buf b = { 0 };
		buf_str(&b, "setgroups(");
		for (size_t i = 0; i < n && list != NULL; i++)
			buf_fmt(&b, i ? ",%u" : "%u", (unsigned)list[i]);
		buf_str(&b, ")");
		add_call("%s", b.p);
		free(b.p);
	}
	return 0;
}

int initgroups(const char *user, gid_t group)
{
	if (in_request)
		add_call("initgroups(%s,%u)", user ? user : "", (unsigned)group);
	return 0;
}

/* A request from hosts_ctl() has no descriptor (-1): there the call fails
 * with EBADF, as the real one does. */
int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	if (in_request) {
		if (level == SOL_SOCKET && name == SO_KEEPALIVE) {
			add_call("setsockopt(SO_KEEPALIVE)");
		} else if (level == SOL_SOCKET && name == SO_LINGER && val != NULL &&
			   len >= sizeof(struct linger)) {
			const struct linger *l = val;
			add_call("setsockopt(SO_LINGER,onoff=%d,linger=%d)", l->l_onoff, l->l_linger);
		} else {
			add_call("setsockopt(%d,%d)", level, name);
		}
	}
	if (fd < 0) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

/* umask and setenv are recorded, not performed: nothing here would see
 * their effect (no command runs), and reset mode must not carry them over. */
mode_t umask(mode_t mask)
{
	if (!in_request)
		return ((mode_t(*)(mode_t))real("umask"))(mask);
	add_call("umask(%03o)", (unsigned)mask);
	return 022;
}

int setenv(const char *name, const char *value, int overwrite)
{
	if (!in_request)
		return ((int (*)(const char *, const char *, int))real("setenv"))(name, value, overwrite);
	add_call("setenv(%s=%s)", name, value);
	/* Keep glibc's validation: libwrap reports a failure as an error. */
	if (name == NULL || *name == '\0' || strchr(name, '=') != NULL) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* seccomp backstop: no process creation or exec in the request child.  */

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif

#define DENY_NR(nr)                                              \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),         \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

static int install_seccomp(void)
{
#ifdef SECCOMP_ARCH
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#if defined(__x86_64__)
		/* x32 system calls: refuse all of them. */
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
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return 0;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return 0;
	return 1;
#else
	return 0;
#endif
}

/* ------------------------------------------------------------------ */
/* libwrap's global variables.                                          */

/*
 * The driver never names libwrap's variables directly: a direct reference
 * from the executable makes the linker COPY the variable into the
 * executable (an R_*_COPY relocation), libwrap then uses that copy, and the
 * copy would escape the restore of libwrap's data in reset mode.  Going
 * through dlsym keeps every variable inside libwrap.
 */
static struct {
	int *allow_severity, *deny_severity, *dry_run, *hosts_access_verbose;
	char **hosts_allow_table, **hosts_deny_table;
} lw;

static void *libwrap_symbol(const char *name)
{
	void *p = dlsym(RTLD_DEFAULT, name);
	if (p == NULL) {
		static const char msg[] = "driver: libwrap symbol not found\n";
		(void)!write(2, msg, sizeof(msg) - 1);
		hard_exit(110);
	}
	return p;
}

static void bind_libwrap(void)
{
	lw.allow_severity = libwrap_symbol("allow_severity");
	lw.deny_severity = libwrap_symbol("deny_severity");
	lw.dry_run = libwrap_symbol("dry_run");
	lw.hosts_access_verbose = libwrap_symbol("hosts_access_verbose");
	lw.hosts_allow_table = libwrap_symbol("hosts_allow_table");
	lw.hosts_deny_table = libwrap_symbol("hosts_deny_table");
}

/* Every data object libwrap exports (Debian 7.6.q-32; upstream 7.6 leaves
 * the severities to the program). */
static const char *const libwrap_data_symbols[] = {
#ifndef TCPWRAP_UPSTREAM76
	"allow_severity", "deny_severity",
#endif
	"dry_run", "hosts_access_verbose",
	"hosts_allow_table", "hosts_deny_table", "paranoid", "unknown",
	"resident", "rfc931_timeout", "tcpd_buf", "tcpd_context",
};

/* ------------------------------------------------------------------ */
/* Request parsing                                                      */

static const char *allow_table = "hosts.allow";
static const char *deny_table = "hosts.deny";
static const char *global_template;

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unescape in place; returns 0 on a malformed escape. */
static int unescape(char *s)
{
	char *d = s;
	while (*s) {
		if (s[0] == '\\' && s[1] == '\\') {
			*d++ = '\\';
			s += 2;
		} else if (s[0] == '\\' && s[1] == 'x' && hexval(s[2]) >= 0 && hexval(s[3]) >= 0) {
			int v = hexval(s[2]) * 16 + hexval(s[3]);
			if (v == 0)
				return 0;
			*d++ = (char)v;
			s += 4;
		} else if (s[0] == '\\') {
			return 0;
		} else {
			*d++ = *s++;
		}
	}
	*d = 0;
	return 1;
}

static int parse_port(const char *s, unsigned *port)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *s == 0 || *end != 0 || v > 65535)
		return 0;
	*port = (unsigned)v;
	return 1;
}

/* Build a socket address; returns its length or 0 on error. */
static socklen_t parse_sockaddr(char *addr, const char *port_s, struct sockaddr_storage *ss)
{
	unsigned port;
	if (!parse_port(port_s, &port))
		return 0;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char *zone = strchr(addr, '%');
	if (zone != NULL)
		*zone++ = 0;
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
		return 0;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((unsigned short)port);
	if (zone != NULL) {
		char *end;
		unsigned long idx = strtoul(zone, &end, 10);
		if (*zone != 0 && *end == 0)
			sin6->sin6_scope_id = (uint32_t)idx;
		else if ((sin6->sin6_scope_id = if_nametoindex(zone)) == 0)
			return 0;
	}
	return sizeof(*sin6);
}

/* ------------------------------------------------------------------ */
/* One request (runs in the child).                                     */

static void emit_error(struct buf *out, const char *msg)
{
	buf_str(out, "{\"error\":");
	buf_jstr(out, msg);
	buf_str(out, "}\n");
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			hard_exit(113);
		}
		p += w;
		n -= (size_t)w;
	}
}

static void emit_result(struct buf *out, const char *access, const char *banner, size_t banner_len,
			const char *expand, int seccomp_on)
{
	buf_str(out, "{\"access\":");
	buf_jstr(out, access);

	buf_str(out, ",\"log\":[");
	for (size_t i = 0; i < nlogs; i++) {
		if (i)
			buf_str(out, ",");
		buf_jstr(out, logs[i].msg);
	}
	buf_str(out, "],\"prio\":[");
	for (size_t i = 0; i < nlogs; i++)
		buf_fmt(out, i ? ",%d" : "%d", logs[i].prio);

	buf_str(out, "],\"matched\":[");
	int first = 1;
	for (size_t i = 0; i < nlogs; i++) {
		static const char prefix[] = "matched:  ";
		const char *m = logs[i].msg;
		if (strncmp(m, prefix, sizeof(prefix) - 1) != 0)
			continue;
		m += sizeof(prefix) - 1;
		const char *line = NULL;
		for (const char *p = strstr(m, " line "); p; p = strstr(p + 1, " line "))
			line = p;
		if (line == NULL)
			continue;
		const char *base = m;
		for (const char *p = m; p < line; p++)
			if (*p == '/')
				base = p + 1;
		if (!first)
			buf_str(out, ",");
		first = 0;
		buf_str(out, "{\"file\":");
		buf_json(out, base, (size_t)(line - base));
		buf_fmt(out, ",\"line\":%d}", atoi(line + 6));
	}

	buf_str(out, "],\"options\":[");
	first = 1;
	for (size_t i = 0; i < nlogs; i++) {
		static const char prefix[] = "option:   ";
		const char *m = logs[i].msg;
		if (strncmp(m, prefix, sizeof(prefix) - 1) != 0)
			continue;
		m += sizeof(prefix) - 1;
		const char *sp = strchr(m, ' ');
		if (!first)
			buf_str(out, ",");
		first = 0;
		buf_str(out, "{\"name\":");
		if (sp == NULL) {
			buf_jstr(out, m);
			buf_str(out, ",\"value\":null}");
			continue;
		}
		buf_json(out, m, (size_t)(sp - m));
		buf_str(out, ",\"value\":");
		if (sp[1] == 0)
			buf_str(out, "null");
		else
			buf_jstr(out, sp + 1);
		buf_str(out, "}");
	}

	buf_str(out, "],\"commands\":[");
	for (size_t i = 0; i < ncmds; i++) {
		if (i)
			buf_str(out, ",");
		buf_str(out, "{\"kind\":");
		buf_jstr(out, cmds[i].kind);
		buf_str(out, ",\"command\":");
		buf_jstr(out, cmds[i].cmd);
		buf_str(out, "}");
	}
	buf_str(out, "],\"calls\":[");
	for (size_t i = 0; i < ncalls; i++) {
		if (i)
			buf_str(out, ",");
		buf_jstr(out, calls[i]);
	}
	buf_str(out, "],\"banner\":");
	buf_json(out, banner, banner_len);
	buf_str(out, ",\"expand\":");
	if (expand != NULL)
		buf_jstr(out, expand);
	else
		buf_str(out, "null");
	buf_str(out, ",\"exit\":");
	if (exit_recorded)
		buf_fmt(out, "%d", exit_status);
	else
		buf_str(out, "null");
	buf_fmt(out, ",\"allow_severity\":%d,\"deny_severity\":%d,\"seccomp\":%s,\"pid\":%ld}\n",
		*lw.allow_severity, *lw.deny_severity, seccomp_on ? "true" : "false", (long)getpid());
}

static void run_request(char *line, int result_fd, int seccomp_on)
{
	struct buf out = { 0 };
	char *field[8];
	int nf = 0;
	for (char *tok = strtok(line, " \t\r\n"); tok; tok = strtok(NULL, " \t\r\n")) {
		if (nf == 8) {
			nf++;
			break;
		}
		field[nf++] = tok;
	}
	/* "=ctl DAEMON NAME ADDR USER [TEMPLATE]": a hosts_ctl() call. */
	int ctl = nf > 0 && strcmp(field[0], "=ctl") == 0;
	char *ctl_arg[4];
	if (ctl) {
		if (nf < 5 || nf > 6) {
			emit_error(&out, "ctl request needs 4 or 5 fields: DAEMON NAME ADDR USER [TEMPLATE]");
			goto done;
		}
		for (int i = 1; i < nf; i++) {
			if (strcmp(field[i], "-") == 0) {
				*field[i] = 0; /* the empty string (TEMPLATE: none) */
			} else if (!unescape(field[i])) {
				emit_error(&out, "bad escape in ctl request field");
				goto done;
			}
		}
		for (int i = 0; i < 4; i++)
			ctl_arg[i] = field[i + 1];
	} else if (nf < 6 || nf > 7) {
		emit_error(&out, "request needs 6 or 7 fields: DAEMON CLIENT_ADDR CLIENT_PORT SERVER_ADDR SERVER_PORT USER [TEMPLATE]");
		goto done;
	}
	int given[7] = { 0 };
	for (int i = 0; i < nf && !ctl; i++) {
		given[i] = strcmp(field[i], "-") != 0;
		if (!unescape(field[i])) {
			emit_error(&out, "bad escape in request field");
			goto done;
		}
	}
	const char *volatile tmpl = global_template;
	if (!ctl && nf == 7 && given[6])
		tmpl = field[6];
	if (ctl && nf == 6 && *field[5])
		tmpl = field[5];

	static struct sockaddr_storage client_sa, server_sa;
	int have_client = 0, have_server = 0;
	if (given[1]) {
		if (parse_sockaddr(field[1], field[2], &client_sa) == 0) {
			emit_error(&out, "bad client address or port");
			goto done;
		}
		have_client = 1;
	}
	if (given[3]) {
		if (parse_sockaddr(field[3], field[4], &server_sa) == 0) {
			emit_error(&out, "bad server address or port");
			goto done;
		}
		have_server = 1;
	}
#ifdef TCPWRAP_UPSTREAM76
	if ((have_client && client_sa.ss_family != AF_INET) || (have_server && server_sa.ss_family != AF_INET)) {
		emit_error(&out, "upstream 7.6 has no IPv6: its socket addresses are sockaddr_in");
		goto done;
	}
#endif

	/* Banner capture: an anonymous memory file, plus a private duplicate. */
	int cap = memfd_create("banner", MFD_CLOEXEC);
	if (cap < 0 || dup2(cap, CAPTURE_FD) != CAPTURE_FD) {
		emit_error(&out, "cannot create capture file");
		goto done;
	}

	static struct request_info request;
	memset(&request, 0, sizeof(request));
	if (ctl) {
		/*
		 * hosts_ctl() builds its request on its own stack; the template
		 * is expanded on this twin, built from the same four strings
		 * (no descriptor, no socket, no lookup methods: nothing the
		 * decision could have looked up differs).
		 */
		request_init(&request, RQ_DAEMON, ctl_arg[0], RQ_CLIENT_NAME, ctl_arg[1], RQ_CLIENT_ADDR, ctl_arg[2],
			RQ_USER, ctl_arg[3], 0);
	} else {
		request_init(&request, RQ_FILE, cap, RQ_USER, given[5] ? field[5] : STRING_UNKNOWN, 0);
		if (given[0])
			request_set(&request, RQ_DAEMON, field[0], 0);
		if (have_client)
			request_set(&request, RQ_CLIENT_SIN, (struct sockaddr *)&client_sa, 0);
		if (have_server)
			request_set(&request, RQ_SERVER_SIN, (struct sockaddr *)&server_sa, 0);
		sock_methods(&request);
	}

	*lw.hosts_allow_table = (char *)allow_table;
	*lw.hosts_deny_table = (char *)deny_table;
	*lw.hosts_access_verbose = 2;
	*lw.dry_run = 0;
#ifdef TCPWRAP_FREEBSD
	/* FreeBSD's library defines the severities without a value
	 * (libvars.c); tcpd and tcpdmatch set them to these. */
	*lw.allow_severity = LOG_INFO;
	*lw.deny_severity = LOG_WARNING;
#endif

	const char *volatile access;
	in_request = 1;
	jump_armed = 1;
	int how = sigsetjmp(jump_back, 1);
	if (how == 0 && ctl) {
		access = hosts_ctl(ctl_arg[0], ctl_arg[1], ctl_arg[2], ctl_arg[3]) ? "granted" : "denied";
#ifdef TCPWRAP_UPSTREAM76
	} else if (how == 0 && paranoid_refused(&request)) {
		access = "denied";
#endif
	} else if (how == 0) {
#ifdef TCPWRAP_FREEBSD
		arm_hang_watchdog();
#endif
		access = hosts_access(&request) ? "granted" : "denied";
#ifdef TCPWRAP_FREEBSD
		alarm(0);
	} else if (how == JUMP_HANG) {
		access = "hang";
#endif
	} else if (how == JUMP_EXEC) {
		access = "delegated";
	} else {
		/* The library ended the process: the daemon would never run. */
		access = "denied";
	}

	static char expand_buf[8192];
	const char *volatile expand = NULL;
	if (tmpl != NULL && how != JUMP_HANG) {
		static char tcopy[8192];
		snprintf(tcopy, sizeof(tcopy), "%s", tmpl);
		int saved_exit = exit_recorded;
		exit_recorded = 1; /* keep the decision's exit status */
		if (sigsetjmp(jump_back, 1) == 0) {
			percent_x(expand_buf, sizeof(expand_buf), tcopy, &request);
			expand = expand_buf;
		}
		exit_recorded = saved_exit;
	}
	jump_armed = 0;
	in_request = 0;

	/* Read back the banner. */
	struct stat st, cst;
	size_t blen = 0;
	char *banner = NULL;
	memset(&st, 0, sizeof(st));
	int have_st = fstat(CAPTURE_FD, &st) == 0;
	if (have_st && st.st_size > 0) {
		banner = malloc((size_t)st.st_size);
		ssize_t r = banner ? pread(CAPTURE_FD, banner, (size_t)st.st_size, 0) : -1;
		blen = r > 0 ? (size_t)r : 0;
	}
	/* twist closes cap; only close the number if it is still the memfd. */
	if (have_st && cap > 2 && fstat(cap, &cst) == 0 && cst.st_ino == st.st_ino && cst.st_dev == st.st_dev)
		close(cap);
	close(CAPTURE_FD);

	emit_result(&out, access, banner ? banner : "", blen, expand, seccomp_on);
	free(banner);
done:
	write_all(result_fd, out.p, out.n);
	free(out.p);
}

/* ------------------------------------------------------------------ */
/* Reset mode: libwrap's writable data, saved at start, restored before  */
/* every request.                                                        */

struct region {
	char *addr;
	size_t len;
	char *saved;
};

static struct region libwrap_data[4];
static int nlibwrap_data;

static int find_libwrap_data(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (strncmp(base, "libwrap.so", 10) != 0)
		return 0;
	uintptr_t relro_end = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_GNU_RELRO)
			relro_end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	for (int i = 0; i < info->dlpi_phnum && nlibwrap_data < 4; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
			continue;
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		uintptr_t end = start + ph->p_memsz;
		if (relro_end > start)
			start = relro_end < end ? relro_end : end;
		if (start >= end)
			continue;
		struct region *r = &libwrap_data[nlibwrap_data++];
		r->addr = (char *)start;
		r->len = end - start;
		r->saved = malloc(r->len);
		if (r->saved == NULL)
			abort();
		memcpy(r->saved, r->addr, r->len);
	}
	return 1;
}

static void restore_libwrap_data(void)
{
	for (int i = 0; i < nlibwrap_data; i++)
		memcpy(libwrap_data[i].addr, libwrap_data[i].saved, libwrap_data[i].len);
}

/* ------------------------------------------------------------------ */
/* Main loop.                                                           */

static void usage(void)
{
	static const char msg[] = "usage: driver [-f|-n] [-a allow_table] [-d deny_table] [-x template] < requests\n";
	write_all(2, msg, sizeof(msg) - 1);
	hard_exit(2);
}

static void die(const char *msg)
{
	write_all(2, "driver: ", 8);
	write_all(2, msg, strlen(msg));
	write_all(2, "\n", 1);
	hard_exit(3);
}

/* Fork mode: one fresh child per request; the parent relays its output. */
static void fork_one(char *line)
{
	static pid_t (*real_fork)(void);
	static pid_t (*real_waitpid)(pid_t, int *, int);
	if (real_fork == NULL) {
		real_fork = real("fork");
		real_waitpid = real("waitpid");
	}
	int p[2];
	if (pipe(p) != 0)
		die("pipe failed");
	pid_t pid = real_fork();
	if (pid < 0)
		die("fork failed");
	if (pid == 0) {
		close(p[0]);
		if (dup2(p[1], RESULT_FD) != RESULT_FD)
			hard_exit(4);
		close(p[1]);
		alarm(30); /* watchdog: a stuck request dies, the parent reports it */
		run_request(line, RESULT_FD, install_seccomp());
		hard_exit(0);
	}
	close(p[1]);
	struct buf out = { 0 };
	char chunk[8192];
	ssize_t r;
	while ((r = read(p[0], chunk, sizeof(chunk))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		buf_add(&out, chunk, (size_t)r);
	}
	close(p[0]);
	int status = 0;
	while (real_waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out.n > 0 && out.p[out.n - 1] == '\n' && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		write_all(RESULT_FD, out.p, out.n);
	} else {
		char msg[128];
		if (WIFSIGNALED(status))
			snprintf(msg, sizeof(msg), "request child killed by signal %d", WTERMSIG(status));
		else
			snprintf(msg, sizeof(msg), "request child exited with status %d and %zu bytes of output",
				 WEXITSTATUS(status), out.n);
		struct buf e = { 0 };
		emit_error(&e, msg);
		write_all(RESULT_FD, e.p, e.n);
		free(e.p);
	}
	free(out.p);
}

struct options {
	int fork_mode;
	int no_restore;
	int zygote;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof(*o));
	allow_table = "hosts.allow";
	deny_table = "hosts.deny";
	global_template = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-f") == 0)
			o->fork_mode = 1;
		else if (strcmp(argv[i], "-n") == 0)
			o->no_restore = 1;
		else if (strcmp(argv[i], "-z") == 0)
			o->zygote = 1;
		else if (i + 1 < argc && strcmp(argv[i], "-a") == 0)
			allow_table = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "-d") == 0)
			deny_table = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "-x") == 0)
			global_template = argv[++i];
		else
			return 0;
	}
	return 1;
}

/* Decide every request read from IN; results go to descriptor 1. */
static void __attribute__((noreturn)) serve(FILE *in, const struct options *o)
{
	bind_libwrap();
	/* Read every request first: twist may close descriptor 0. */
	char **lines = NULL;
	size_t nlines = 0, caplines = 0;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, in) > 0) {
		if (line[strspn(line, " \t\r\n")] == 0)
			continue;
		if (nlines == caplines) {
			caplines = caplines ? 2 * caplines : 16;
			lines = xrealloc(lines, caplines * sizeof(*lines));
		}
		lines[nlines++] = strdup(line);
	}
	free(line);

	/* Results go to a private copy of stdout. */
	if (dup2(1, RESULT_FD) != RESULT_FD)
		die("dup2 failed");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(fd, SAVED_FD_BASE + fd) != SAVED_FD_BASE + fd)
			die("dup2 failed");

	if (o->fork_mode) {
		for (size_t i = 0; i < nlines; i++)
			fork_one(lines[i]);
		hard_exit(0);
	}

	dl_iterate_phdr(find_libwrap_data, NULL);
	if (nlibwrap_data == 0)
		die("cannot find libwrap's data segment");
	/* Self-check: every libwrap variable lives in the restored region. */
	for (size_t i = 0; i < sizeof(libwrap_data_symbols) / sizeof(libwrap_data_symbols[0]); i++) {
		char *p = libwrap_symbol(libwrap_data_symbols[i]);
		int inside = 0;
		for (int r = 0; r < nlibwrap_data; r++)
			if (p >= libwrap_data[r].addr && p < libwrap_data[r].addr + libwrap_data[r].len)
				inside = 1;
		if (!inside)
			die("a libwrap variable lies outside libwrap's restored data (copy relocation?)");
	}
	int seccomp_on = install_seccomp();
	for (size_t i = 0; i < nlines; i++) {
		if (!o->no_restore)
			restore_libwrap_data();
		reset_request_state();
		alarm(30); /* watchdog: a stuck request kills the driver */
		run_request(lines[i], RESULT_FD, seccomp_on);
		alarm(0);
		for (int fd = 0; fd < 3; fd++)
			dup2(SAVED_FD_BASE + fd, fd);
	}
	hard_exit(0);
}

/* Split a command line at single spaces and unescape ("\\e" = empty). */
static int split_command(char *line, char **f, int max)
{
	int n = 0;
	for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
		if (n == max)
			return -1;
		if (strcmp(tok, "\\e") == 0)
			*tok = 0;
		else if (!unescape(tok))
			return -1;
		f[n++] = tok;
	}
	return n;
}

/*
 * Zygote mode (-z), used by sealer.c: one driver process per sealed session
 * reads commands "case CTL CASE [ARG...]" (fields escaped like request
 * fields, "\e" = empty) and forks a child per case, which sets
 * NSS_WRAPPER_HOSTS/PASSWD/GROUP to CTL/hosts, CTL/passwd, CTL/group, enters
 * CASE, reads CTL/requests, writes CTL/out and CTL/err and decides the
 * requests as "driver ARG..." would.  The zygote itself never decides a
 * request, never calls the name service and never runs a fork handler, so
 * every child starts with libwrap and nss_wrapper as fresh as after exec,
 * minus the cost of loading a dozen shared libraries again.  Each command is answered "done N" (exit
 * status, 128+signal) or "error TEXT".
 */
static void __attribute__((noreturn)) zygote(void)
{
	/*
	 * _Fork (glibc >= 2.34), not fork: fork runs pthread_atfork handlers,
	 * and libnss_wrapper's handler initialises nss_wrapper in the zygote
	 * on the first fork, freezing the first case's NSS_WRAPPER_* paths
	 * for every later child.  _Fork runs no handlers, so each child
	 * initialises nss_wrapper itself, after setting its own paths.
	 */
	pid_t (*real_fork)(void) = real("_Fork");
	pid_t (*real_waitpid)(pid_t, int *, int) = real("waitpid");
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, stdin) > 0) {
		char *f[130];
		int nf = split_command(line, f, 128);
		if (nf < 3 || strcmp(f[0], "case") != 0) {
			printf("error malformed zygote command\n");
			fflush(stdout);
			continue;
		}
		fflush(stdout);
		pid_t pid = real_fork();
		if (pid < 0) {
			printf("error fork: %s\n", strerror(errno));
			fflush(stdout);
			continue;
		}
		if (pid == 0) {
			const char *ctl = f[1];
			char *hosts, *passwd, *group, *req, *out, *err;
			if (asprintf(&hosts, "%s/hosts", ctl) < 0 || asprintf(&passwd, "%s/passwd", ctl) < 0 ||
			    asprintf(&group, "%s/group", ctl) < 0 || asprintf(&req, "%s/requests", ctl) < 0 ||
			    asprintf(&out, "%s/out", ctl) < 0 || asprintf(&err, "%s/err", ctl) < 0)
				hard_exit(120);
			setenv("NSS_WRAPPER_HOSTS", hosts, 1);
			setenv("NSS_WRAPPER_PASSWD", passwd, 1);
			setenv("NSS_WRAPPER_GROUP", group, 1);
			if (chdir(f[2]) != 0)
				hard_exit(121);
			int fd0 = open(req, O_RDONLY);
			int fd1 = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			int fd2 = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd0 < 0 || fd1 < 0 || fd2 < 0)
				hard_exit(122);
			if (dup2(fd0, 0) < 0 || dup2(fd1, 1) < 0 || dup2(fd2, 2) < 0)
				hard_exit(123);
			close(fd0);
			close(fd1);
			close(fd2);
			FILE *in = fdopen(0, "r");
			if (in == NULL)
				hard_exit(124);
			/* f[2] is the case directory; ARGs follow, argv[0] style. */
			struct options o;
			if (!parse_options(nf - 2, f + 2, &o) || o.zygote)
				usage();
			serve(in, &o);
		}
		int status;
		while (real_waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status))
			printf("done %d\n", WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			printf("done %d\n", 128 + WTERMSIG(status));
		else
			printf("error unexpected wait status %d\n", status);
		fflush(stdout);
	}
	hard_exit(0);
}

int main(int argc, char **argv)
{
	struct options o;
	if (!parse_options(argc, argv, &o))
		usage();
	if (o.zygote)
		zygote();
	serve(stdin, &o);
}
