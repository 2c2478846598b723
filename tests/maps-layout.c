// SPDX-License-Identifier: GPL-2.0
/*
 * maps-layout - print a fixed, quiet address space through /proc/self/maps,
 * smaps, smaps_rollup and numa_maps, for a byte-for-byte comparison of the
 * output of two kernels (host/outputs-compare).
 *
 * Usage: maps-layout [--hold]
 *
 * With --hold it prints nothing but "ready" once the layout is made, then
 * holds it until its standard input ends: a quiet process for other
 * programs to examine (the host's pmap, ps and gdb: guest/jobs/clients).
 *
 * Each file is printed between "==== NAME ====" and "==== end NAME ====";
 * numa_maps only if the kernel has it.  The last line is
 *   maps-layout: result=pass sections=N
 * (result=fail and exit status 1 if something could not be set up or read).
 *
 * The layout: a file in /tmp mapped private r-- and shared rw-, private and
 * shared anonymous mappings, a named anonymous VMA, a PROT_NONE guard region
 * and one splitting an rw- mapping, all at fixed addresses; the heap grown
 * with sbrk(); some pages of each touched; every size in pages of the
 * kernel's size.  Plus what every process has, including x86_64's
 * [vsyscall] gate VMA (vsyscall=xonly on the command line).
 *
 * What would differ from one run or boot to the next, and how it is kept
 * fixed:
 *   - addresses: user ASLR is turned off (personality ADDR_NO_RANDOMIZE) and
 *     the program re-executes itself with a fixed argv and environment;
 *   - inodes and devices of files: /tmp is a private tmpfs, mounted in a
 *     mount namespace of its own (falls back to the shared /tmp, with a
 *     warning, if that is not allowed);
 *   - the state of the program's page cache (numa_maps shows which pages
 *     are on the active LRU list, which earlier runs change): the program
 *     copies itself to that tmpfs and runs the copy;
 *   - the inode of the shared anonymous mapping, which shmem takes from a
 *     per-CPU batch: the program runs on CPU 0 only.  It still counts the
 *     shmem objects made since boot: compare runs made first thing in
 *     fresh boots (as make vm-run does);
 *   - Rss of the buffers and the stack: touched in full before the reads;
 *   - Pss of the vDSO counts the processes mapping it: run the program the
 *     same way (same shells around it) on both kernels.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "procmaps.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA		0x53564d41
#define PR_SET_VMA_ANON_NAME	0
#endif

#define REEXEC_ENV	"MAPS_LAYOUT_REEXEC=1"
#define PROGRAM		"/tmp/maps-layout"
#define DATA_FILE	"/tmp/maps-layout.dat"
#define FILE_PAGES	4

/* The page size: every size of the layout is in pages. */
static unsigned long page_size;
#define PAGE		page_size

/*
 * The fixed addresses: well above the program and its heap, a slot of 16
 * pages each, so that unmapped pages part them at every page size.
 */
#define SLOT(n)		(0x10000000UL + (n) * 16 * PAGE)
#define FILE_PRIVATE	SLOT(0)		/* 2 pages of the file, r--p */
#define FILE_SHARED	SLOT(1)		/* 2 pages of the file, rw-s */
#define ANON_PRIVATE	SLOT(2)		/* 4 pages, rw-p */
#define ANON_SHARED	SLOT(3)		/* 2 pages, rw-s */
#define ANON_NAMED	SLOT(4)		/* 2 pages, rw-p, named */
#define GUARD		SLOT(5)		/* 4 pages, ---p */
#define SPLIT		SLOT(6)		/* 3 pages: rw-p, ---p, rw-p */
#define OUT		0x20000000UL	/* the output buffers */
#define OUT_SIZE	(4UL << 20)

static const char *const files[] = { "maps", "smaps", "smaps_rollup", "numa_maps" };
#define NR_FILES	ARRAY_SIZE(files)

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "maps-layout: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (%s)\n", strerror(errno));
	printf("maps-layout: result=fail\n");
	exit(1);
}

/* A tmpfs of our own on /tmp, so that its inodes are always the same. */
static void private_tmp(void)
{
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tmpfs", "/tmp", "tmpfs", 0, "size=4m"))
		fprintf(stderr, "maps-layout: warning: no private /tmp (%s): inodes and devices may differ between runs\n",
			strerror(errno));
}

/* Copy this program to PROGRAM. */
static void copy_self(void)
{
	char data[65536];
	int in = open("/proc/self/exe", O_RDONLY);
	int out = open(PROGRAM, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n;

	if (in < 0 || out < 0)
		fail("cannot copy /proc/self/exe to %s", PROGRAM);
	while ((n = read(in, data, sizeof(data))) > 0) {
		if (write(out, data, n) != n)
			fail("cannot write %s", PROGRAM);
	}
	if (n < 0 || close(out))
		fail("cannot copy /proc/self/exe to %s", PROGRAM);
	close(in);
}

/*
 * Run a fresh copy of this program in a private /tmp, without address space
 * randomization, with argv and environment fixed.
 */
static bool hold;

static void reexec(char **argv)
{
	char *const args[] = { "maps-layout", hold ? "--hold" : NULL, NULL };
	char *const env[] = { REEXEC_ENV, NULL };
	int pers = personality(0xffffffff);

	if (getenv("MAPS_LAYOUT_REEXEC")) {
		if (pers == -1 || !(pers & ADDR_NO_RANDOMIZE))
			fail("ASLR is still on after re-executing");
		return;
	}
	if (argv[1] && (!hold || argv[2])) {
		errno = EINVAL;
		fail("usage: maps-layout [--hold]");
	}
	if (pers == -1 || personality(pers | ADDR_NO_RANDOMIZE) == -1)
		fail("personality(ADDR_NO_RANDOMIZE)");
	private_tmp();
	copy_self();
	execve(PROGRAM, args, env);
	fail("execve %s", PROGRAM);
}

static void *map(unsigned long addr, unsigned long pages, int prot, int flags,
		 int fd, unsigned long offset)
{
	void *p = mmap((void *)addr, pages * PAGE, prot,
		       flags | MAP_FIXED_NOREPLACE, fd, offset);

	if (p != (void *)addr)
		fail("mmap at %#lx", addr);
	return p;
}

static void touch(unsigned long addr, unsigned long page, char value)
{
	*(volatile char *)(addr + page * PAGE) = value;
}

static void layout(void)
{
	size_t size = FILE_PAGES * PAGE;
	char *data = malloc(size);
	unsigned long i;
	char *heap;
	int fd;

	if (!data)
		fail("malloc");
	for (i = 0; i < size; i++)
		data[i] = 'a' + i / PAGE;
	fd = open(DATA_FILE, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		fail("cannot write %s", DATA_FILE);
	free(data);

	map(FILE_PRIVATE, 2, PROT_READ, MAP_PRIVATE, fd, 0);
	(void)*(volatile char *)FILE_PRIVATE;
	map(FILE_SHARED, 2, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * PAGE);
	touch(FILE_SHARED, 0, 'X');
	close(fd);

	map(ANON_PRIVATE, 4, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	touch(ANON_PRIVATE, 0, 1);
	touch(ANON_PRIVATE, 2, 1);
	map(ANON_SHARED, 2, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	touch(ANON_SHARED, 0, 1);
	map(ANON_NAMED, 2, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	touch(ANON_NAMED, 1, 1);
	if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, ANON_NAMED, 2 * PAGE,
		  "maps-layout-named"))
		fprintf(stderr, "maps-layout: warning: no anon VMA names (%s)\n",
			strerror(errno));
	map(GUARD, 4, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	map(SPLIT, 3, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mprotect((void *)(SPLIT + PAGE), PAGE, PROT_NONE))
		fail("mprotect");
	touch(SPLIT, 0, 1);
	touch(SPLIT, 2, 1);

	heap = sbrk(16 * PAGE);
	if (heap == (void *)-1)
		fail("sbrk");
	memset(heap, 1, 4 * PAGE);

	/* The buffers the files are read into, all of it resident. */
	map(OUT, OUT_SIZE / PAGE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset((void *)OUT, 0, OUT_SIZE);
}

/* Touch the stack deeper than the reads will go. */
static void __attribute__((noinline)) touch_stack(void)
{
	volatile char stack[64 * 1024];
	unsigned long i;

	for (i = 0; i < sizeof(stack); i += PAGE)
		stack[i] = 0;
}

int main(int argc, char **argv)
{
	struct buf out[NR_FILES];
	char path[64];
	cpu_set_t cpus;
	unsigned int i, sections = 0;

	page_size = sysconf(_SC_PAGESIZE);
	hold = argc > 1 && !strcmp(argv[1], "--hold");
	reexec(argv);
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		fail("sched_setaffinity CPU 0");
	layout();
	touch_stack();
	if (hold) {
		char c;

		printf("ready\n");
		fflush(stdout);
		while (read(STDIN_FILENO, &c, 1) > 0)
			;
		unlink(DATA_FILE);
		unlink(PROGRAM);
		return 0;
	}

	/* Read them all first: printing must not change what is read. */
	for (i = 0; i < NR_FILES; i++) {
		int fd;

		out[i].data = (char *)OUT + i * (OUT_SIZE / NR_FILES);
		out[i].cap = OUT_SIZE / NR_FILES;
		out[i].len = 0;
		out[i].fixed = 1;
		snprintf(path, sizeof(path), "/proc/self/%s", files[i]);
		fd = open(path, O_RDONLY);
		if (fd < 0 && errno == ENOENT && !strcmp(files[i], "numa_maps")) {
			out[i].data = NULL;
			continue;
		}
		if (fd < 0 || buf_read_fd(fd, &out[i], NULL, NULL) < 0)
			fail("cannot read %s", path);
		close(fd);
	}
	for (i = 0; i < NR_FILES; i++) {
		if (!out[i].data) {
			printf("maps-layout: no %s on this kernel\n", files[i]);
			continue;
		}
		printf("==== %s ====\n%s==== end %s ====\n", files[i],
		       out[i].data, files[i]);
		sections++;
	}
	unlink(DATA_FILE);
	unlink(PROGRAM);
	printf("maps-layout: result=pass sections=%u\n", sections);
	return 0;
}
