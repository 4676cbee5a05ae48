//go:build ignore

/*
 * upstream_compat.c - what tcp_wrappers 7.6 (1997) takes from the C library
 * and glibc no longer lets a program link against: sys_errlist and
 * sys_nerr, which its percent_m() reads to expand %m (glibc >= 2.32 keeps
 * them only for old binaries). Linked into the library NewUpstream builds;
 * the texts are glibc's own (strerrordesc_np), the ones strerror gives.
 */

#define _GNU_SOURCE
#include <string.h>

#define NERR 134 /* EHWPOISON + 1 */

char *sys_errlist[NERR];
int sys_nerr = NERR;

__attribute__((constructor)) static void fill_errlist(void)
{
	for (int i = 0; i < NERR; i++) {
		const char *s = strerrordesc_np(i);
		sys_errlist[i] = (char *)(s != NULL ? s : "Unknown error");
	}
}
