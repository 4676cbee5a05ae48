//go:build ignore

/*
 * loop: libwrap's own decision loop, for the speed comparison in
 * e2e/bench. Usage: loop ALLOW DENY DAEMON CLIENT_IPV4 SECONDS
 * Decides the same request over and over with hosts_access() (real mode,
 * socket lookups on) for SECONDS and prints "decisions N seconds S".
 * The tables hold no options, so no command can run.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <tcpd.h>

int allow_severity = LOG_INFO;
int deny_severity = LOG_WARNING;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: loop ALLOW DENY DAEMON CLIENT_IPV4 SECONDS\n");
		return 2;
	}
	hosts_allow_table = argv[1];
	hosts_deny_table = argv[2];
	struct sockaddr_in client, server;
	memset(&client, 0, sizeof client);
	client.sin_family = AF_INET;
	client.sin_port = htons(40000);
	if (inet_pton(AF_INET, argv[4], &client.sin_addr) != 1) {
		fprintf(stderr, "loop: bad address %s\n", argv[4]);
		return 2;
	}
	memset(&server, 0, sizeof server);
	server.sin_family = AF_INET;
	server.sin_port = htons(22);
	inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
	double limit = atof(argv[5]), start = now(), t;
	long n = 0;
	int verdict = 0;
	do {
		for (int i = 0; i < 16; i++) {
			struct request_info req;
			request_init(&req, RQ_DAEMON, argv[3], RQ_CLIENT_SIN, &client, RQ_SERVER_SIN, &server,
				     RQ_USER, "unknown", 0);
			sock_methods(&req);
			verdict = hosts_access(&req);
			n++;
		}
		t = now() - start;
	} while (t < limit);
	printf("decisions %ld seconds %.3f verdict %d\n", n, t, verdict);
	return 0;
}
