// SPDX-License-Identifier: GPL-2.0
/*
 * mmap-lock-count - how often a reader of /proc/PID/maps and its relatives
 * takes PID's mmap_lock, counted with the mmap_lock trace events.
 *
 * Usage: mmap-lock-count [--expect-zero[=READERS]] [-n VMAS] [-r ROUNDS]
 *   --expect-zero[=READERS]
 *                  fail if an uncontended read by one of READERS (a comma-
 *                  separated list of maps, query, smaps, numa_maps,
 *                  smaps_rollup; all of them if none is given) takes the
 *                  target's mmap_lock at all (for kernels whose readers of
 *                  those files use per-VMA locks); repeated, the lists add up
 *   -n VMAS        VMAs the target lays out (default 64)
 *   -r ROUNDS      reads (walks) in each contended case (default 100)
 *
 * The readers:
 *   maps           read the target's whole /proc/PID/maps
 *   query          PROCMAP_QUERY with PROCMAP_QUERY_COVERING_OR_NEXT_VMA
 *                  from 0 until ENOENT (every VMA)
 *   smaps          read the whole /proc/PID/smaps
 *   numa_maps      read the whole /proc/PID/numa_maps (CONFIG_NUMA only:
 *                  without the file its cases are skipped, and expecting
 *                  zero of it fails)
 *   smaps_rollup   read the whole /proc/PID/smaps_rollup
 * Cases, each run by this process (the reader) against a forked target:
 *   READER-uncontended  one read (walk) by each reader, then
 *   READER-contended    ROUNDS reads (walks) by each reader, while a thread
 *                       of the target mprotects, munmaps and mmaps the pages
 *                       being read in a tight loop, so that per-VMA locks
 *                       can fail and the reader falls back to mmap_lock
 * One line per case,
 *   mmap-lock-count: case=NAME reader_locks=N vmas=M rounds=K attempts=A
 * or, for a reader whose file the kernel lacks,
 *   mmap-lock-count: case=NAME skipped (no /proc/PID/FILE)
 * reader_locks: acquisitions of the target's mmap_lock by the reader
 * (mmap_lock_acquire_returned, success=true), attempts: mmap_lock_start_locking
 * events (also trylocks), vmas: VMA lines read (smaps_rollup: its one
 * [rollup] line) or VMAs returned, over all rounds.  Then
 * "mmap-lock-count: result=pass|fail|error expect_zero=READERS|none".
 * Exit status: 0, 1 if --expect-zero failed, 2 (result=error) if it could
 * not measure.
 *
 * Attribution.  A private tracefs instance records the mmap_lock events of
 * one task at a time (a common_pid filter).  The events name the lock by
 * its mm_struct pointer, hashed but stable within a boot, so the program
 * first learns the target's mm from events the target's main thread makes
 * itself (an mmap and munmap on command), and its own mm the same way.  Then,
 * filtered to the reader's pid, every event of a case is on the target's mm
 * (counted), on the reader's own mm (its page faults: ignored) or on another
 * mm (an error: the measurement cannot be trusted).  The contending thread
 * is another task and is filtered out.  A buffer that lost events is an
 * error too.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procmaps.h"

#define MM_LEN		40	/* longest mm= value kept */

static unsigned long page;
static int nvmas = 64, rounds = 100;
static char instance[128];
static pid_t target;
static int ctl_out = -1, ctl_in = -1;

static void cleanup(void);

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mmap-lock-count: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	cleanup();
	printf("mmap-lock-count: result=error\n");
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- The target ---- */

static unsigned long region;	/* nvmas pages, alternately rw- and r-- */
static atomic_int contend, quit;
static atomic_ulong contender_ops;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool contender_busy;

static int page_prot(int i)
{
	return i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
}

/* Change page @i and put it back: three mmap_lock write sections. */
static void churn(int i)
{
	void *p = (void *)(region + i * page);

	mprotect(p, page, PROT_NONE);
	munmap(p, page);
	mmap(p, page, page_prot(i), MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

static void *contender_main(void *arg)
{
	unsigned int i = 0;

	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (!atomic_load(&contend) && !atomic_load(&quit))
			pthread_cond_wait(&cond, &lock);
		if (atomic_load(&quit))
			break;
		contender_busy = true;
		pthread_mutex_unlock(&lock);
		while (atomic_load(&contend)) {
			churn(i++ % nvmas);
			atomic_fetch_add(&contender_ops, 1);
		}
		pthread_mutex_lock(&lock);
		contender_busy = false;
		pthread_cond_broadcast(&cond);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static bool set_contention(bool on)
{
	double deadline = now() + 60;
	unsigned long ops = atomic_load(&contender_ops);

	pthread_mutex_lock(&lock);
	atomic_store(&contend, on);
	pthread_cond_broadcast(&cond);
	if (!on) {
		while (contender_busy)
			pthread_cond_wait(&cond, &lock);
	}
	pthread_mutex_unlock(&lock);
	/* Answer once the contender runs, not when it was merely asked to. */
	while (on && atomic_load(&contender_ops) < ops + 100) {
		if (now() > deadline)
			return false;
		sched_yield();
	}
	return true;
}

/*
 * The target: lays out its VMAs, then obeys commands on @in, answering on
 * @out: 'a' an mmap and munmap by this thread (events on its own mm), 'c'
 * start contention, 's' stop it.  Exits at EOF.
 */
static void target_main(pid_t parent, int in, int out)
{
	pthread_t contender;
	char cmd, ok;
	void *p;
	int i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(2);
	prctl(PR_SET_NAME, "mlc-target");
	if (pthread_create(&contender, NULL, contender_main, NULL))
		_exit(2);
	p = mmap(NULL, nvmas * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(2);
	region = (unsigned long)p;
	for (i = 0; i < nvmas; i++) {
		memset((char *)region + i * page, 1, page);
		if (mprotect((char *)region + i * page, page, page_prot(i)))
			_exit(2);
	}
	while (read(in, &cmd, 1) == 1) {
		ok = 'k';
		switch (cmd) {
		case 'a':
			p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED || munmap(p, page))
				ok = 'e';
			break;
		case 'c':
		case 's':
			if (!set_contention(cmd == 'c'))
				ok = 'e';
			break;
		default:
			ok = 'e';
			break;
		}
		if (write(out, &ok, 1) != 1)
			break;
	}
	set_contention(false);
	atomic_store(&quit, 1);
	pthread_mutex_lock(&lock);
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	pthread_join(contender, NULL);
	_exit(0);
}

static void command(char cmd)
{
	char ok;

	if (write(ctl_out, &cmd, 1) != 1 || read(ctl_in, &ok, 1) != 1 || ok != 'k')
		die("the target failed command '%c'", cmd);
}

/* ---- Tracing ---- */

static int write_file(const char *name, const char *value)
{
	char path[256];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", instance, name);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static void set(const char *name, const char *value)
{
	int err = write_file(name, value);

	if (err)
		die("write '%s' to %s/%s: %s", value, instance, name, strerror(-err));
}

static void trace_setup(void)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	struct stat st;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(roots); i++) {
		snprintf(instance, sizeof(instance), "%s/instances", roots[i]);
		if (!stat(instance, &st))
			break;
	}
	if (i == ARRAY_SIZE(roots)) {
		instance[0] = '\0';
		die("no tracefs (is it mounted at /sys/kernel/tracing?)");
	}
	snprintf(instance, sizeof(instance), "%s/instances/mmap-lock-count.%d",
		 roots[i], getpid());
	if (mkdir(instance, 0700)) {
		int err = errno;

		instance[0] = '\0';
		die("mkdir %s/instances/mmap-lock-count.%d: %s", roots[i],
		    getpid(), strerror(err));
	}
	set("tracing_on", "0");
	set("buffer_size_kb", "1024");
	if (write_file("events/mmap_lock/mmap_lock_acquire_returned/enable", "1") ||
	    write_file("events/mmap_lock/mmap_lock_start_locking/enable", "1"))
		die("no mmap_lock trace events in %s (CONFIG_TRACING?)", instance);
}

/* One trace event of interest: which lock, and was it taken. */
struct event {
	char mm[MM_LEN];
	bool acquire;	/* mmap_lock_acquire_returned, else start_locking */
	bool success;
};

/* The value of "@key=" in @line, into @out. */
static bool field(const char *line, const char *key, char *out, size_t size)
{
	const char *p = strstr(line, key);
	size_t n;

	if (!p)
		return false;
	p += strlen(key);
	n = strcspn(p, " \n");
	if (n == 0 || n >= size)
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

/*
 * Record the mmap_lock events of task @pid while @action(@arg) runs; returns
 * them (*n of them) from a buffer that must not have lost any.
 */
static struct event *trace(pid_t pid, void (*action)(void *), void *arg, int *n)
{
	static struct buf b;
	struct event *ev = NULL;
	unsigned long in, written;
	char filter[64], path[256], *line, *next, success[8];
	const char *hdr;
	int fd, cap = 0;

	snprintf(filter, sizeof(filter), "common_pid == %d", pid);
	set("events/mmap_lock/filter", filter);
	set("trace", "");
	set("tracing_on", "1");
	action(arg);
	set("tracing_on", "0");

	snprintf(path, sizeof(path), "%s/trace", instance);
	fd = open(path, O_RDONLY);
	if (fd < 0 || buf_read_fd(fd, &b, NULL, NULL) < 0)
		die("cannot read %s", path);
	close(fd);
	hdr = strstr(b.data, "entries-in-buffer/entries-written: ");
	if (!hdr || sscanf(hdr, "entries-in-buffer/entries-written: %lu/%lu",
			   &in, &written) != 2)
		die("no entries-in-buffer/entries-written in %s", path);
	if (in != written)
		die("the trace buffer lost events (%lu of %lu kept)", in, written);

	*n = 0;
	for (line = b.data; *line; line = next) {
		struct event *e;
		bool acquire;

		next = line + strcspn(line, "\n");
		if (*next)
			*next++ = '\0';
		acquire = strstr(line, " mmap_lock_acquire_returned: ");
		if (line[0] == '#' || (!acquire && !strstr(line, " mmap_lock_start_locking: ")))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			ev = realloc(ev, cap * sizeof(*ev));
			if (!ev)
				die("out of memory");
		}
		e = &ev[(*n)++];
		e->acquire = acquire;
		e->success = false;
		if (!field(line, " mm=", e->mm, sizeof(e->mm)) ||
		    (acquire && !field(line, " success=", success, sizeof(success))))
			die("cannot parse trace line '%s'", line);
		e->success = acquire && !strcmp(success, "true");
	}
	return ev;
}

static char target_mm[MM_LEN], own_mm[MM_LEN];

/* The one mm that the events of @pid during @action name, into @mm. */
static void learn_mm(pid_t pid, void (*action)(void *), char *mm, const char *who)
{
	int n, i;
	struct event *ev = trace(pid, action, NULL, &n);

	if (!n)
		die("no mmap_lock events from the %s", who);
	for (i = 0; i < n; i++) {
		if (strcmp(ev[i].mm, ev[0].mm))
			die("events of the %s name two mms: %s and %s", who,
			    ev[0].mm, ev[i].mm);
	}
	strcpy(mm, ev[0].mm);
	free(ev);
}

static void anchor_target(void *arg)
{
	(void)arg;
	command('a');
}

static void anchor_self(void *arg)
{
	void *p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (p == MAP_FAILED || munmap(p, page))
		die("mmap: %s", strerror(errno));
}

/* ---- The cases ---- */

/* The readers measured, in the order of their cases. */
enum reader { MAPS, QUERY, SMAPS, NUMA_MAPS, SMAPS_ROLLUP, NR_READERS };

static const struct reader_kind {
	const char *name;	/* in case names and --expect-zero */
	const char *file;	/* /proc/PID/file read (query: opened) */
} readers[NR_READERS] = {
	[MAPS]		= { "maps",		"maps" },
	[QUERY]		= { "query",		"maps" },
	[SMAPS]		= { "smaps",		"smaps" },
	[NUMA_MAPS]	= { "numa_maps",	"numa_maps" },
	[SMAPS_ROLLUP]	= { "smaps_rollup",	"smaps_rollup" },
};

static struct buf text;		/* reused, so that it is faulted in */

struct run {
	enum reader reader;
	char path[64];
	int rounds;
	unsigned long vmas;
};

/*
 * VMA lines in @s: those that start with an address, "start-end " (maps,
 * smaps, smaps_rollup's one line) or "start " (numa_maps).  Field lines
 * of smaps start with a capital letter.
 */
static unsigned long count_vma_lines(const char *s)
{
	unsigned long n = 0;
	size_t len;

	while (*s) {
		len = strspn(s, "0123456789abcdef");
		if (len && (s[len] == '-' || s[len] == ' '))
			n++;
		s += strcspn(s, "\n");
		if (*s)
			s++;
	}
	return n;
}

static void read_file(struct run *run)
{
	int fd = open(run->path, O_RDONLY);

	if (fd < 0 || buf_read_fd(fd, &text, NULL, NULL) <= 0)
		die("cannot read %s", run->path);
	close(fd);
	run->vmas += count_vma_lines(text.data);
}

static void query_walk(struct run *run)
{
	int fd = open(run->path, O_RDONLY), err;
	struct procmap_query q;
	uint64_t addr = 0;

	if (fd < 0)
		die("cannot open %s", run->path);
	while (!(err = query_vma(fd, &q, addr,
				 PROCMAP_QUERY_COVERING_OR_NEXT_VMA,
				 NULL, 0, NULL, 0))) {
		run->vmas++;
		addr = q.vma_end;
	}
	if (err != -ENOENT)
		die("PROCMAP_QUERY at %#llx: %s", (unsigned long long)addr,
		    strerror(-err));
	close(fd);
}

static void run_case(void *arg)
{
	struct run *run = arg;
	int i;

	for (i = 0; i < run->rounds; i++) {
		if (run->reader == QUERY)
			query_walk(run);
		else
			read_file(run);
	}
}

/*
 * Run a case; returns the reader's acquisitions of the target's mmap_lock,
 * or -1 if the kernel lacks the file (numa_maps without CONFIG_NUMA).
 */
static long measure(enum reader reader, bool contended)
{
	struct run run = { .reader = reader, .rounds = contended ? rounds : 1 };
	unsigned long locks = 0, attempts = 0;
	char name[64];
	struct event *ev;
	int n, i;

	snprintf(name, sizeof(name), "%s-%s", readers[reader].name,
		 contended ? "contended" : "uncontended");
	snprintf(run.path, sizeof(run.path), "/proc/%d/%s", target,
		 readers[reader].file);
	if (access(run.path, F_OK)) {
		printf("mmap-lock-count: case=%s skipped (no /proc/PID/%s)\n",
		       name, readers[reader].file);
		return -1;
	}
	if (contended)
		command('c');
	ev = trace(getpid(), run_case, &run, &n);
	if (contended)
		command('s');
	for (i = 0; i < n; i++) {
		if (!strcmp(ev[i].mm, own_mm))
			continue;
		if (strcmp(ev[i].mm, target_mm))
			die("case %s: an event on mm %s, neither the target's (%s) nor ours (%s)",
			    name, ev[i].mm, target_mm, own_mm);
		if (!ev[i].acquire)
			attempts++;
		else if (ev[i].success)
			locks++;
	}
	free(ev);
	printf("mmap-lock-count: case=%s reader_locks=%lu vmas=%lu rounds=%d attempts=%lu\n",
	       name, locks, run.vmas, run.rounds, attempts);
	return locks;
}

static void cleanup(void)
{
	if (ctl_out >= 0) {
		close(ctl_out);
		ctl_out = -1;
	}
	if (target > 0) {
		/* It exits at EOF on its commands; its contender is bounded. */
		waitpid(target, NULL, 0);
		target = 0;
	}
	if (instance[0]) {
		write_file("tracing_on", "0");
		write_file("events/mmap_lock/enable", "0");
		write_file("events/mmap_lock/filter", "0");
		if (rmdir(instance))
			fprintf(stderr, "mmap-lock-count: warning: rmdir %s: %s\n",
				instance, strerror(errno));
		instance[0] = '\0';
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: mmap-lock-count [--expect-zero[=maps,query,smaps,numa_maps,smaps_rollup]] [-n VMAS] [-r ROUNDS]\n");
	exit(2);
}

/* The readers named in @list, comma-separated, as a mask; all if NULL. */
static unsigned int parse_readers(char *list)
{
	unsigned int mask = 0, i;
	char *name;

	if (!list)
		return (1U << NR_READERS) - 1;
	while ((name = strsep(&list, ","))) {
		for (i = 0; i < NR_READERS; i++) {
			if (!strcmp(name, readers[i].name))
				break;
		}
		if (i == NR_READERS) {
			fprintf(stderr, "mmap-lock-count: --expect-zero: no reader '%s'\n",
				name);
			usage();
		}
		mask |= 1U << i;
	}
	return mask;
}

/* The readers in @mask, comma-separated, into @out ("none" if none). */
static void format_readers(char *out, size_t size, unsigned int mask)
{
	size_t len = 0;
	int i;

	snprintf(out, size, "none");
	for (i = 0; i < NR_READERS; i++) {
		if (mask & (1U << i))
			len += snprintf(out + len, size - len, "%s%s",
					len ? "," : "", readers[i].name);
	}
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "expect-zero", optional_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int expect_zero = 0;
	int to_target[2], from_target[2], opt, i;
	long locks[NR_READERS];
	char expected[128];
	pid_t self = getpid();
	bool pass = true;

	while ((opt = getopt_long(argc, argv, "n:r:", options, NULL)) != -1) {
		switch (opt) {
		case 'z':
			expect_zero |= parse_readers(optarg);
			break;
		case 'n':
			nvmas = atoi(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || nvmas < 1 || nvmas > 65000 || rounds < 1)
		usage();
	page = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (pipe(to_target) || pipe(from_target))
		die("pipe: %s", strerror(errno));
	target = fork();
	if (target < 0)
		die("fork: %s", strerror(errno));
	if (target == 0) {
		close(to_target[1]);
		close(from_target[0]);
		target_main(self, to_target[0], from_target[1]);
	}
	close(to_target[0]);
	close(from_target[1]);
	ctl_out = to_target[1];
	ctl_in = from_target[0];

	trace_setup();
	learn_mm(target, anchor_target, target_mm, "target");
	learn_mm(self, anchor_self, own_mm, "reader");
	if (!strcmp(target_mm, own_mm))
		die("the target's mm and ours look the same (%s): hashed pointers not ready?",
		    own_mm);

	for (i = 0; i < NR_READERS; i++)
		locks[i] = measure(i, false);
	for (i = 0; i < NR_READERS; i++)
		measure(i, true);
	cleanup();

	for (i = 0; i < NR_READERS; i++) {
		if (!(expect_zero & (1U << i)))
			continue;
		if (locks[i] < 0) {
			fprintf(stderr, "mmap-lock-count: a %s reader was expected never to take the target's mmap_lock, but the kernel has no /proc/PID/%s\n",
				readers[i].name, readers[i].file);
			pass = false;
		} else if (locks[i]) {
			fprintf(stderr, "mmap-lock-count: an uncontended %s reader took the target's mmap_lock %ld times, expected never\n",
				readers[i].name, locks[i]);
			pass = false;
		}
	}
	format_readers(expected, sizeof(expected), expect_zero);
	printf("mmap-lock-count: result=%s expect_zero=%s\n",
	       pass ? "pass" : "fail", expected);
	return !pass;
}
