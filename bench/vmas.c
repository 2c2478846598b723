// SPDX-License-Identifier: GPL-2.0
/*
 * vmas: an idle target with COUNT VMAs for timing the readers alone.  It
 * maps one anonymous region and makes every other page of it read-only,
 * so that no two neighbouring pages can merge, until its maps show COUNT
 * VMAs (or as near as its own layout allows); then it writes one byte to
 * FD and sleeps until killed.
 */
#include <err.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"

/* The page size (sysconf), set first thing in main(). */
static unsigned long page_size;
#define PAGE	page_size

static void usage(void)
{
	fprintf(stderr, "usage: vmas -n COUNT -r FD\n");
	exit(2);
}

/* The number of lines of /proc/self/maps: this process's VMAs. */
static long count_vmas(void)
{
	static char buf[64 * 1024];
	long lines = 0;
	ssize_t got;
	int fd;

	fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		err(1, "open /proc/self/maps");
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; (p = memchr(p, '\n', buf + got - p)); p++)
			lines++;
	if (got < 0)
		err(1, "read /proc/self/maps");
	close(fd);
	return lines;
}

int main(int argc, char **argv)
{
	long count = 0, extra, i;
	int ready_fd = -1, opt;
	char *region;

	page_size = sysconf(_SC_PAGESIZE);
	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		switch (opt) {
		case 'n':
			count = atol(optarg);
			break;
		case 'r':
			ready_fd = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || count <= 0 || ready_fd < 0)
		usage();

	/* The region is one VMA and each read-only page adds two. */
	extra = count - count_vmas();
	if (extra > 0) {
		region = mmap(NULL, extra * PAGE, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (region == MAP_FAILED)
			err(1, "mmap %ld pages", extra);
		for (i = 1; i < extra - 1; i += 2)
			if (mprotect(region + i * PAGE, PAGE, PROT_READ))
				err(1, "mprotect page %ld of %ld (vm.max_map_count?)",
				    i, extra);
	}

	if (write(ready_fd, "v", 1) != 1)
		err(1, "write ready fd");
	close(ready_fd);
	for (;;)
		pause();
}
