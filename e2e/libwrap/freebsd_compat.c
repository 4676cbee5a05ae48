//go:build ignore

/*
 * freebsd_compat.c - what FreeBSD's libwrap takes from FreeBSD's libc and
 * glibc does not provide, written from the functions' documented
 * behaviour. Linked into the library NewFreeBSD builds (with
 * upstream_compat.c, which supplies sys_errlist and sys_nerr: FreeBSD's
 * stdio.h declares them, and the Makefile says so with
 * -DSYS_ERRLIST_DEFINED; their texts here are glibc's).
 *
 * yp_get_default_domain(): FreeBSD's libc (NIS client) gives the default
 * NIS domain, the machine's domain name, or fails with YPERR_NODOM, its
 * pointer then NULL, when none is set. hosts_access.c hands the result to
 * innetgr() as the domain a netgroup entry must name; NULL compares none.
 * Linux reports an unset domain name as "(none)".
 */

#include <string.h>
#include <unistd.h>

#define YPERR_NODOM 12 /* FreeBSD's rpcsvc/yp_prot.h: domain not bound */

int yp_get_default_domain(char **domp)
{
	static char domain[256];

	*domp = NULL;
	if (getdomainname(domain, sizeof(domain) - 1) != 0)
		return YPERR_NODOM;
	domain[sizeof(domain) - 1] = '\0';
	if (domain[0] == '\0' || strcmp(domain, "(none)") == 0)
		return YPERR_NODOM;
	*domp = domain;
	return 0;
}
