// SPDX-License-Identifier: GPL-2.0
/*
 * scanner: read the VMAs of process PID in full, over and over, and time
 * each full pass.  The mode says how:
 *
 *   -m maps          open /proc/PID/maps, read() it to the end, close it:
 *                    cat (the default)
 *   -m smaps         the same with /proc/PID/smaps
 *   -m smaps_rollup  the same with /proc/PID/smaps_rollup
 *   -m query         one PROCMAP_QUERY ioctl per VMA with
 *                    PROCMAP_QUERY_COVERING_OR_NEXT_VMA, from address 0 to
 *                    the last VMA, asking for each VMA's name too
 *
 * It runs until the target is gone or, with -t, for that many seconds (and
 * at least MIN_PASSES passes).  With -r FD it writes one byte to FD after
 * its first full pass, to tell the mapper it is running.
 *
 * Output, one line: role=reader mode=... passes=... vmas=... and the time
 * per pass (mean, p50, p99, p99.9, min, max in us).  vmas is the number of
 * VMAs the last pass saw: the lines that start with an address (1 for
 * smaps_rollup, whose one such line sums them all).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench.h"

#define MIN_PASSES	3
/* As much as GNU cat reads at a time. */
#define READ_SIZE	(128 * 1024)

static char buf[READ_SIZE];

static void usage(void)
{
	fprintf(stderr, "usage: scanner [-m maps|smaps|smaps_rollup|query] [-t SECONDS] [-r FD] PID\n");
	exit(2);
}

/*
 * Whether a line that starts with c is a VMA's first line: its start
 * address, in lower-case hex.  The other lines of smaps ("Rss:", ...,
 * "VmFlags:") start with an upper-case letter.
 */
static bool vma_line(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/*
 * The VMA lines that start in [p, end); *line_start says whether p starts
 * a line, and on return whether end does.
 */
static long count_vmas(const char *p, const char *end, bool *line_start)
{
	long vmas = 0;

	while (p < end) {
		if (*line_start && vma_line(*p))
			vmas++;
		p = memchr(p, '\n', end - p);
		if (!p) {
			*line_start = false;
			break;
		}
		p++;
		*line_start = true;
	}
	return vmas;
}

/*
 * One pass over the file at path (maps, smaps, smaps_rollup); returns the
 * number of VMAs read, or -1 if the target is gone.
 */
static long file_pass(const char *path)
{
	long vmas = 0, total = 0;
	bool line_start = true;
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0) {
		if (errno == ENOENT || errno == ESRCH)
			return -1;
		err(1, "open %s", path);
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		total += got;
		vmas += count_vmas(buf, buf + got, &line_start);
	}
	if (got < 0 && errno != ESRCH)
		err(1, "read %s", path);
	close(fd);
	/* An exited but unreaped target has empty files. */
	return got < 0 || !total ? -1 : vmas;
}

/*
 * One walk over the VMAs with PROCMAP_QUERY on fd; returns the number of
 * VMAs found, or -1 if the target is gone.
 */
static long query_pass(int fd)
{
	struct procmap_query q;
	uint64_t addr = 0;
	long vmas = 0;

	for (;;) {
		memset(&q, 0, sizeof(q));
		q.size = sizeof(q);
		q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
		q.query_addr = addr;
		q.vma_name_addr = (uintptr_t)buf;
		q.vma_name_size = sizeof(buf);
		if (ioctl(fd, PROCMAP_QUERY, &q)) {
			if (errno == ENOENT)	/* no VMA at or after addr */
				return vmas;
			if (errno == ESRCH)
				return -1;
			err(1, "PROCMAP_QUERY at %#llx", (unsigned long long)addr);
		}
		vmas++;
		addr = q.vma_end;
	}
}

int main(int argc, char **argv)
{
	uint64_t seconds = 0, start, end, t0;
	int ready_fd = -1, query_fd = -1, opt;
	const char *mode = "maps";
	static struct hist h;
	long vmas = 0, n;
	bool query;
	char path[64];

	while ((opt = getopt(argc, argv, "m:t:r:")) != -1) {
		switch (opt) {
		case 'm':
			mode = optarg;
			break;
		case 't':
			seconds = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			ready_fd = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	query = !strcmp(mode, "query");
	if (!query && strcmp(mode, "maps") && strcmp(mode, "smaps") &&
	    strcmp(mode, "smaps_rollup"))
		usage();
	/* PROCMAP_QUERY is an ioctl on the maps file. */
	snprintf(path, sizeof(path), "/proc/%s/%s", argv[optind],
		 query ? "maps" : mode);
	if (query) {
		query_fd = open(path, O_RDONLY);
		if (query_fd < 0)
			err(1, "open %s", path);
	}

	hist_init(&h);
	start = now_ns();
	end = start + seconds * 1000000000u;
	for (;;) {
		t0 = now_ns();
		n = query ? query_pass(query_fd) : file_pass(path);
		if (n < 0)
			break;
		hist_add(&h, now_ns() - t0);
		vmas = n;
		if (ready_fd >= 0) {
			if (write(ready_fd, "r", 1) != 1)
				err(1, "write ready fd");
			close(ready_fd);
			ready_fd = -1;
		}
		if (seconds && now_ns() >= end && h.n >= MIN_PASSES)
			break;
	}
	if (!h.n)
		errx(1, "%s: target gone before a full pass", path);
	if (seconds && n < 0)
		errx(1, "%s: target gone during a timed run", path);

	printf("role=reader mode=%s passes=%llu vmas=%ld",
	       mode, (unsigned long long)h.n, vmas);
	hist_print_us(&h, stdout);
	printf("\n");
	return 0;
}
