// SPDX-License-Identifier: GPL-2.0
/*
 * mapper: the writer whose latency the benchmark measures.  It populates an
 * anonymous region, then for the given time unmaps a random page of it and
 * maps it back, timing each munmap() and mmap() (each takes mmap_lock for
 * writing), with a pause between operations.  The page mapped back is
 * touched, untimed, so that every munmap() frees a populated page.
 *
 * With -s FD it writes one byte to FD once the region is populated, so that
 * readers start on this program's address space, not on its parent's before
 * exec.  With -r FD -n N it then reads N bytes from FD: one from each
 * reader once it has read this process's VMAs in full, so the timed phase
 * starts with every reader running.
 *
 * Output, one line: role=mapper ops=... munmaps=... mmaps=... and the
 * latency of all operations (mean, p50, p99, p99.9, min, max in us).
 */
#include <err.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

/* The page size (sysconf), set first thing in main(). */
static unsigned long page_size;
#define PAGE	page_size

static void usage(void)
{
	fprintf(stderr, "usage: mapper [-m MIB] [-t SECONDS] [-p PAUSE_US] [-s FD] [-r FD -n READERS]\n");
	exit(2);
}

/* Block until each of n readers has sent its byte on fd. */
static void wait_readers(int fd, int n)
{
	char buf[16];
	ssize_t got;

	while (n > 0) {
		got = read(fd, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf));
		if (got < 0)
			err(1, "read ready fd");
		if (got == 0)
			errx(1, "%d reader(s) exited before reading the maps", n);
		n -= got;
	}
	close(fd);
}

/* xorshift64: the page sequence is the same on every run and kernel. */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

int main(int argc, char **argv)
{
	unsigned long mib = 64, pages;
	uint64_t seconds = 5, pause_ns = 10000, seed = 88172645463325252ull;
	uint64_t end, t0, munmaps = 0, mmaps = 0;
	int setup_fd = -1, ready_fd = -1, readers = 0, opt;
	static struct hist h;
	char *region, *page;

	page_size = sysconf(_SC_PAGESIZE);
	while ((opt = getopt(argc, argv, "m:t:p:s:r:n:")) != -1) {
		switch (opt) {
		case 'm':
			mib = strtoul(optarg, NULL, 0);
			break;
		case 't':
			seconds = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			pause_ns = strtoull(optarg, NULL, 0) * 1000;
			break;
		case 's':
			setup_fd = atoi(optarg);
			break;
		case 'r':
			ready_fd = atoi(optarg);
			break;
		case 'n':
			readers = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !mib || !seconds || (readers && ready_fd < 0))
		usage();

	pages = mib * 1024 * 1024 / PAGE;
	region = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (region == MAP_FAILED)
		err(1, "mmap %lu MiB", mib);

	if (setup_fd >= 0) {
		if (write(setup_fd, "m", 1) != 1)
			err(1, "write setup fd");
		close(setup_fd);
	}
	if (readers)
		wait_readers(ready_fd, readers);

	hist_init(&h);
	end = now_ns() + seconds * 1000000000u;
	while (now_ns() < end) {
		page = region + next_random(&seed) % pages * PAGE;

		t0 = now_ns();
		if (munmap(page, PAGE))
			err(1, "munmap");
		hist_add(&h, now_ns() - t0);
		munmaps++;
		sleep_ns(pause_ns);

		t0 = now_ns();
		if (mmap(page, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != page)
			err(1, "mmap");
		hist_add(&h, now_ns() - t0);
		mmaps++;
		*(volatile char *)page = 1;
		sleep_ns(pause_ns);
	}

	printf("role=mapper region_mib=%lu pause_us=%llu ops=%llu munmaps=%llu mmaps=%llu",
	       mib, (unsigned long long)pause_ns / 1000,
	       (unsigned long long)h.n, (unsigned long long)munmaps,
	       (unsigned long long)mmaps);
	hist_print_us(&h, stdout);
	printf("\n");
	return 0;
}
