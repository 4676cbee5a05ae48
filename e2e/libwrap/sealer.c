//go:build ignore

/*
 * sealer.c - long-lived helper that runs the driver and tcpdmatch sealed.
 *
 * The line above keeps the Go tool from treating this file as cgo source;
 * the Go package embeds it and builds it with cc at test time.  It is
 * started as
 *
 *     unshare --mount --net --propagation private -- \
 *         sealer SCRATCH DRIVER SHIM NSS_WRAPPER TCPDMATCH [TCPDCHK]
 *
 * i.e. already inside a new mount namespace and a new network namespace
 * (no interface but a down loopback: no network at all).  It then
 *
 *   1. mounts a tmpfs on SCRATCH (an empty directory) and an overlayfs on
 *      /etc with lowerdir=/etc and upper/work directories in that tmpfs, so
 *      every write below lands in memory of this namespace only; the real
 *      /etc is never written;
 *   2. writes an EMPTY /etc/hosts, an /etc/nsswitch.conf that uses "files"
 *      only (hosts, passwd, group, netgroup, ...) and an empty /etc/netgroup;
 *   3. prints "ready" and serves commands from stdin, one per line, fields
 *      separated by one space, each field escaped like the driver's request
 *      fields (\xHH for a byte, \\ for a backslash; a field that is just
 *      \e is the empty string):
 *
 *      run CTL CASE [DRIVER_ARG...]
 *          /etc/netgroup, /etc/passwd and /etc/group := CTL/netgroup,
 *          CTL/passwd, CTL/group; then has the driver decide the requests
 *          in CTL/requests, as "DRIVER [DRIVER_ARG...]" run in directory
 *          CASE with stdout CTL/out, stderr CTL/err and the environment
 *          below would.  To avoid loading libwrap and its dozen shared
 *          libraries for every case, the sealer starts ONE driver in zygote
 *          mode (driver -z) after the mounts and forwards the case to it;
 *          the zygote forks a child per case (see driver.c).
 *      run-exec CTL CASE [DRIVER_ARG...]
 *          the same, but fork+exec a fresh driver for this case (slower;
 *          kept for comparison and for reproducing a case by hand).
 *      tcpdmatch CTL CASE ARG...
 *          same tables; runs TCPDMATCH -d -i /dev/null ARG... in CASE with
 *          stdin /dev/null and stdout+stderr on CTL/out.
 *      tcpdchk CTL CASE ARG...
 *          the same for TCPDCHK (default /usr/sbin/tcpdchk), run as
 *          TCPDCHK ARG... (no flags added: the case's ARGs are all of
 *          them) with the same environment as tcpdmatch.
 *      tcpdchk-nobody CTL CASE ARG...
 *          the same, but tcpdchk runs as uid 65534 / gid 65534 with no
 *          supplementary groups (ids dropped after entering CASE and
 *          opening the output), so file modes apply to it.
 *      probe
 *          reports "probe hosts=<size of /etc/hosts> net=<errno name of a
 *          TCP connect to 127.0.0.1:9 and to 192.0.2.1:9>".
 *
 *      Each command is answered with one line: "done N" (N = exit status,
 *      or 128+signal) or "error TEXT".
 *
 * Environment of the programs run (nothing else is inherited):
 *     PATH=/usr/sbin:/usr/bin:/sbin:/bin  LC_ALL=C
 *     NSS_WRAPPER_MAX_HOSTENTS=100000 (nss_wrapper's default name hash
 *     table holds only 100 names)
 *     LD_PRELOAD=NSS_WRAPPER (driver) or "SHIM NSS_WRAPPER" (tcpdmatch, tcpdchk)
 *     NSS_WRAPPER_HOSTS=CTL/hosts  NSS_WRAPPER_PASSWD=CTL/passwd
 *     NSS_WRAPPER_GROUP=CTL/group
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

static const char nsswitch[] =
	"# written by the libwrap differential-test seal\n"
	"passwd:         files\n"
	"group:          files\n"
	"shadow:         files\n"
	"gshadow:        files\n"
	"hosts:          files\n"
	"networks:       files\n"
	"protocols:      files\n"
	"services:       files\n"
	"ethers:         files\n"
	"rpc:            files\n"
	"netgroup:       files\n";

static const char *driver, *shim, *nss_wrapper, *tcpdmatch, *tcpdchk = "/usr/sbin/tcpdchk";

/* What run_child runs. */
enum { RUN_DRIVER, RUN_TCPDMATCH, RUN_TCPDCHK, RUN_TCPDCHK_NOBODY };

/* The ids tcpdchk-nobody runs with (Debian's nobody and nogroup). */
#define NOBODY_UID 65534
#define NOBODY_GID 65534
static FILE *zygote_in, *zygote_out;	/* pipes to and from the driver zygote */

static void die(const char *what)
{
	fprintf(stderr, "sealer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void close_fds_from(int lowfd)
{
	if (close_range((unsigned)lowfd, ~0U, 0) == 0)
		return;
	for (int fd = lowfd; fd < 1024; fd++)
		close(fd);
}

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return close(fd);
}

/* Copy SRC over DST; a missing SRC gives an empty DST. */
static int copy_file(const char *src, const char *dst)
{
	char *data = NULL;
	size_t len = 0, cap = 0;
	int fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		for (;;) {
			if (len + 4096 > cap) {
				cap = cap ? 2 * cap : 8192;
				data = realloc(data, cap);
				if (data == NULL) {
					close(fd);
					return -1;
				}
			}
			ssize_t r = read(fd, data + len, cap - len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				close(fd);
				free(data);
				return -1;
			}
			if (r == 0)
				break;
			len += (size_t)r;
		}
		close(fd);
	} else if (errno != ENOENT) {
		return -1;
	}
	int rc = write_file(dst, data ? data : "", len);
	free(data);
	return rc;
}

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

/* Unescape a command field in place; "\\e" alone is the empty string. */
static int unescape(char *s)
{
	if (strcmp(s, "\\e") == 0) {
		*s = 0;
		return 1;
	}
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

static void reply(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		die("asprintf");
	return p;
}

static int install_tables(const char *ctl)
{
	static const char *names[] = { "netgroup", "passwd", "group" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *src = path_in(ctl, names[i]);
		char *dst = path_in("/etc", names[i]);
		int rc = copy_file(src, dst);
		free(src);
		free(dst);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static void run_child(int is_tcpdmatch, const char *ctl, const char *casedir, char **args, int nargs)
{
	char *argv[nargs + 6];
	int n = 0;
	int nobody = is_tcpdmatch == RUN_TCPDCHK_NOBODY;
	if (nobody)
		is_tcpdmatch = RUN_TCPDCHK;
	if (is_tcpdmatch == RUN_TCPDCHK) {
		argv[n++] = (char *)tcpdchk;
	} else if (is_tcpdmatch) {
		argv[n++] = (char *)tcpdmatch;
		argv[n++] = "-d";
		argv[n++] = "-i";
		argv[n++] = "/dev/null";
	} else {
		argv[n++] = (char *)driver;
	}
	for (int i = 0; i < nargs; i++)
		argv[n++] = args[i];
	argv[n] = NULL;

	char *preload = NULL, *hosts = NULL, *passwd = NULL, *group = NULL;
	if (is_tcpdmatch) {
		/* The shim first: its getaddrinfo (scoped.h) goes on to nss_wrapper's. */
		if (asprintf(&preload, "LD_PRELOAD=%s %s", shim, nss_wrapper) < 0)
			_exit(120);
	} else if (asprintf(&preload, "LD_PRELOAD=%s", nss_wrapper) < 0) {
		_exit(120);
	}
	if (asprintf(&hosts, "NSS_WRAPPER_HOSTS=%s/hosts", ctl) < 0 ||
	    asprintf(&passwd, "NSS_WRAPPER_PASSWD=%s/passwd", ctl) < 0 ||
	    asprintf(&group, "NSS_WRAPPER_GROUP=%s/group", ctl) < 0)
		_exit(120);
	char *envp[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		"LC_ALL=C",
		"NSS_WRAPPER_MAX_HOSTENTS=100000",
		preload,
		hosts,
		passwd,
		group,
		NULL,
	};

	if (chdir(casedir) != 0)
		_exit(121);
	char *in = is_tcpdmatch ? strdup("/dev/null") : path_in(ctl, "requests");
	char *out = path_in(ctl, "out");
	char *err = path_in(ctl, "err");
	int fd0 = open(in, O_RDONLY);
	int fd1 = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int fd2 = is_tcpdmatch ? fd1 : open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd0 < 0 || fd1 < 0 || fd2 < 0)
		_exit(122);
	if (dup2(fd0, 0) < 0 || dup2(fd1, 1) < 0 || dup2(fd2, 2) < 0)
		_exit(123);
	close_fds_from(3);
	signal(SIGPIPE, SIG_DFL);
	/* After the case directory was entered and the output opened: drop
	 * every id (as setpriv --reuid=nobody --regid=nogroup --clear-groups
	 * would), so that file permissions apply to tcpdchk. */
	if (nobody && (setgroups(0, NULL) != 0 || setresgid(NOBODY_GID, NOBODY_GID, NOBODY_GID) != 0 ||
		       setresuid(NOBODY_UID, NOBODY_UID, NOBODY_UID) != 0))
		_exit(125);
	execve(argv[0], argv, envp);
	_exit(124);
}

/* Start the driver in zygote mode, connected to two pipes. */
static void start_zygote(void)
{
	int to[2], from[2];
	if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0)
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char *preload = NULL;
		if (asprintf(&preload, "LD_PRELOAD=%s", nss_wrapper) < 0)
			_exit(120);
		char *envp[] = {
			"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			"LC_ALL=C",
			"NSS_WRAPPER_MAX_HOSTENTS=100000",
			preload,
			NULL,
		};
		char *argv[] = { (char *)driver, "-z", NULL };
		if (dup2(to[0], 0) < 0 || dup2(from[1], 1) < 0)
			_exit(123);
		close_fds_from(3);
		execve(driver, argv, envp);
		_exit(124);
	}
	close(to[0]);
	close(from[1]);
	zygote_in = fdopen(to[1], "w");
	zygote_out = fdopen(from[0], "r");
	if (zygote_in == NULL || zygote_out == NULL)
		die("fdopen");
}

/* Forward "run CTL CASE ARGS" (still escaped, in RAW) to the zygote. */
static void do_zygote_run(const char *raw, char **f, int nf)
{
	if (nf < 3) {
		reply("error missing CTL or CASE");
		return;
	}
	if (install_tables(f[1]) != 0) {
		reply("error cannot install tables: %s", strerror(errno));
		return;
	}
	if (fprintf(zygote_in, "case%s\n", raw + 3) < 0 || fflush(zygote_in) != 0) {
		reply("error driver zygote gone: %s", strerror(errno));
		return;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len = getline(&line, &cap, zygote_out);
	if (len <= 0) {
		reply("error driver zygote gone");
		free(line);
		return;
	}
	if (line[len - 1] == '\n')
		line[len - 1] = 0;
	reply("%s", line);
	free(line);
}

static void do_run(int is_tcpdmatch, char **f, int nf)
{
	if (nf < 3) {
		reply("error missing CTL or CASE");
		return;
	}
	const char *ctl = f[1], *casedir = f[2];
	if (install_tables(ctl) != 0) {
		reply("error cannot install tables: %s", strerror(errno));
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		reply("error fork: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		run_child(is_tcpdmatch, ctl, casedir, f + 3, nf - 3);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			reply("error waitpid: %s", strerror(errno));
			return;
		}
	}
	if (WIFEXITED(status))
		reply("done %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		reply("done %d", 128 + WTERMSIG(status));
	else
		reply("error unexpected wait status %d", status);
}

static const char *connect_result(const char *addr)
{
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);
	inet_pton(AF_INET, addr, &sin.sin_addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return "socket-failed";
	int rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	int e = errno;
	close(fd);
	if (rc == 0)
		return "connected";
	switch (e) {
	case ENETUNREACH:
		return "ENETUNREACH";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case EINPROGRESS:
		return "EINPROGRESS";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	default:
		return "other";
	}
}

static void do_probe(void)
{
	struct stat st;
	long long size = stat("/etc/hosts", &st) == 0 ? (long long)st.st_size : -1;
	reply("probe hosts=%lld loopback=%s remote=%s", size, connect_result("127.0.0.1"),
	      connect_result("192.0.2.1"));
}

int main(int argc, char **argv)
{
	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: sealer SCRATCH DRIVER SHIM NSS_WRAPPER TCPDMATCH [TCPDCHK]\n");
		return 2;
	}
	const char *scratch = argv[1];
	driver = argv[2];
	shim = argv[3];
	nss_wrapper = argv[4];
	tcpdmatch = argv[5];
	if (argc == 7)
		tcpdchk = argv[6];
	signal(SIGPIPE, SIG_IGN);

	/* Nothing mounted here may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		die("make / private");
	if (mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700,size=64m") != 0)
		die("mount tmpfs");
	char *upper = path_in(scratch, "upper");
	char *work = path_in(scratch, "work");
	if (mkdir(upper, 0755) != 0 || mkdir(work, 0755) != 0)
		die("mkdir upper/work");
	char *opts = NULL;
	if (asprintf(&opts, "lowerdir=/etc,upperdir=%s,workdir=%s", upper, work) < 0)
		die("asprintf");
	if (mount("overlay", "/etc", "overlay", 0, opts) != 0)
		die("mount overlay on /etc");
	if (write_file("/etc/hosts", "", 0) != 0)
		die("write /etc/hosts");
	if (write_file("/etc/nsswitch.conf", nsswitch, sizeof(nsswitch) - 1) != 0)
		die("write /etc/nsswitch.conf");
	if (write_file("/etc/netgroup", "", 0) != 0)
		die("write /etc/netgroup");
	struct stat st;
	if (stat("/etc/hosts", &st) != 0 || st.st_size != 0)
		die("/etc/hosts is not empty inside the seal");

	start_zygote();
	reply("ready");

	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, stdin)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = 0;
		char *raw = strdup(line);
		char *f[256];
		int nf = 0, bad = 0;
		for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " ")) {
			if (nf == 256 || !unescape(tok)) {
				bad = 1;
				break;
			}
			f[nf++] = tok;
		}
		if (bad || nf == 0) {
			reply("error malformed command");
			free(raw);
			continue;
		}
		if (strcmp(f[0], "run") == 0)
			do_zygote_run(raw, f, nf);
		else if (strcmp(f[0], "run-exec") == 0)
			do_run(RUN_DRIVER, f, nf);
		else if (strcmp(f[0], "tcpdmatch") == 0)
			do_run(RUN_TCPDMATCH, f, nf);
		else if (strcmp(f[0], "tcpdchk") == 0)
			do_run(RUN_TCPDCHK, f, nf);
		else if (strcmp(f[0], "tcpdchk-nobody") == 0)
			do_run(RUN_TCPDCHK_NOBODY, f, nf);
		else if (strcmp(f[0], "probe") == 0)
			do_probe();
		else
			reply("error unknown command");
		free(raw);
	}
	return 0;
}
