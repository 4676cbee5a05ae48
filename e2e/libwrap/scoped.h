/*
 * scoped.h - getaddrinfo for numeric IPv6 addresses with a scope, included
 * by driver.c and shim.c (each its own binary).
 *
 * nss_wrapper's getaddrinfo refuses a numeric address with a scope
 * ("fe80::1%1", "2001:db8::1%lo": "Name or service not known"), while
 * glibc's reads it without asking any name service. libwrap hands such
 * text to getaddrinfo for a [v6%scope] pattern and tcpdmatch for a scoped
 * operand, so under nss_wrapper alone those never match or resolve, unlike
 * on a real Debian system. This getaddrinfo, defined in the executable
 * (driver) or preloaded before nss_wrapper (shim), gives a node with a '%'
 * to glibc's own, numerically only; everything else, and a node glibc
 * cannot read as a number, goes on to the next definition, nss_wrapper's.
 */
#ifndef TCPWRAP_SCOPED_H
#define TCPWRAP_SCOPED_H

#include <dlfcn.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

typedef int (*getaddrinfo_fn)(const char *, const char *,
			      const struct addrinfo *, struct addrinfo **);

static getaddrinfo_fn scoped_lookup(void *handle)
{
	getaddrinfo_fn f = (getaddrinfo_fn)dlsym(handle, "getaddrinfo");
	if (f == NULL) {
		static const char msg[] = "scoped.h: dlsym getaddrinfo failed\n";
		(void)!write(2, msg, sizeof(msg) - 1);
		syscall(SYS_exit_group, 111);
	}
	return f;
}

int getaddrinfo(const char *node, const char *service,
		const struct addrinfo *hints, struct addrinfo **res)
{
	static getaddrinfo_fn next, libc;
	if (node != NULL && strchr(node, '%') != NULL) {
		if (libc == NULL) {
			void *h = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
			if (h == NULL) {
				static const char msg[] = "scoped.h: dlopen libc.so.6 failed\n";
				(void)!write(2, msg, sizeof(msg) - 1);
				syscall(SYS_exit_group, 111);
			}
			libc = scoped_lookup(h);
		}
		struct addrinfo h;
		memset(&h, 0, sizeof(h));
		if (hints != NULL)
			h = *hints;
		h.ai_flags |= AI_NUMERICHOST;
		if (libc(node, service, &h, res) == 0)
			return 0;
	}
	if (next == NULL)
		next = scoped_lookup(RTLD_NEXT);
	return next(node, service, hints, res);
}

#endif
