// SPDX-License-Identifier: GPL-2.0
/*
 * hog: a CPU hog that also sleeps, so a low-priority task sharing its CPU
 * runs in its gaps and is preempted when it wakes up: spin for SPIN_US,
 * sleep for SLEEP_US, until killed.
 */
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>

#include "bench.h"

static void usage(void)
{
	fprintf(stderr, "usage: hog [-s SPIN_US] [-p SLEEP_US]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t spin_ns = 2000000, sleep_ns_each = 1000000, until;
	int opt;

	while ((opt = getopt(argc, argv, "s:p:")) != -1) {
		switch (opt) {
		case 's':
			spin_ns = strtoull(optarg, NULL, 0) * 1000;
			break;
		case 'p':
			sleep_ns_each = strtoull(optarg, NULL, 0) * 1000;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	for (;;) {
		until = now_ns() + spin_ns;
		while (now_ns() < until)
			;
		sleep_ns(sleep_ns_each);
	}
}
