//go:build ignore

/*
 * freebsd_watchdog.c - linked into the tcpdmatch and tcpdchk NewFreeBSD
 * builds, never into the library: FreeBSD's table reader never returns on
 * an over-long line (see driver.c, FREEBSD_HANG_SECONDS), so a program that
 * reads such a table would hold its sealed session forever. SIGALRM's
 * default action ends the program after FREEBSD_TOOL_SECONDS instead; a
 * run takes milliseconds otherwise.
 */

#include <unistd.h>

#define FREEBSD_TOOL_SECONDS 5

__attribute__((constructor)) static void freebsd_watchdog(void)
{
	alarm(FREEBSD_TOOL_SECONDS);
}
