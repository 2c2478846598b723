// SPDX-License-Identifier: GPL-2.0
/*
 * maps-stress - randomized stress of the readers of /proc/PID/maps.
 *
 * Usage: maps-stress [-d SECONDS] [-s SEED] [-m MUTATORS] [-f FORKERS]
 *                    [-b BRKERS] [-r READERS] [-p PROCESSES]
 *   -d SECONDS    how long to run (default 10)
 *   -s SEED       seed of every random choice (default: from the clock);
 *                 the choices repeat with the seed, the thread interleaving
 *                 does not
 *   -m MUTATORS   mutator threads in the target (default 3, at most 16)
 *   -f FORKERS    threads of the target that fork children that exit at
 *                 once (default 1)
 *   -b BRKERS     threads of the target that move its program break with
 *                 brk() (default 0), up and down between where it was and
 *                 OP_PAGES pages above, never touching the new pages: the
 *                 heap grows and shrinks, and mm->brk, which a reader reads
 *                 for every anonymous VMA (is it [heap]?), changes under it
 *   -r READERS    reader threads (default 5), given these roles in turn:
 *                 maps reader, PROCMAP_QUERY querier, a maps reader and a
 *                 querier sharing one fd, smaps/smaps_rollup/numa_maps
 *   -p PROCESSES  reader processes (default 2), which do all of the above
 *                 and are killed with SIGKILL at random moments, reaped and
 *                 replaced
 *
 * A target process lays out sentinel VMAs, each of its own kind (file,
 * shmem, named anonymous, PROT_NONE ...), with an unmapped page on both
 * sides, every page of them faulted in (but PROT_NONE's: none), and
 * between them the arenas in which its mutator threads mmap,
 * munmap, mprotect, mremap (moving, growing, MREMAP_DONTUNMAP, duplicating
 * a MAP_SHARED mapping with old_size 0), madvise, rename (anon names) and
 * touch at random, while other threads of it fork children that exit at
 * once, and (with -b) others move its program break.  The mutators never
 * touch a sentinel or a gap: they map only with MAP_FIXED inside their own
 * arenas, and the target makes no other mapping once the layout is made
 * (the heap, which only the break movers change, is outside the region).
 *
 * Readers in this process and in reader processes check that
 *   - every line of a whole maps or smaps read (with odd read() sizes)
 *     parses, line end addresses strictly increase, every sentinel's line
 *     is there exactly once and byte for byte as before the run, no VMA
 *     overlaps a gap, and the gate VMA ([vsyscall]) comes last;
 *   - in smaps, every entry's fields agree with its line and each other:
 *     Size is end - start, Rss <= Size, Pss <= Rss, and a sentinel's Rss
 *     is its size (0 for PROT_NONE): what the layout faulted in, which
 *     nothing unmaps or reclaims during the run;
 *   - smaps_rollup's first line parses and its range covers every
 *     sentinel, and its Rss is at least the sum of the sentinels' (each
 *     is counted whole) and at most what the address space can hold.
 *     That bound: the rollup walks each address at most once, and each
 *     VMA it walks counts at most its size; inside the region only the
 *     sentinels and the arenas are ever mapped, so they count at most
 *     their sizes; outside it the target maps and unmaps nothing after
 *     the layout, so only a stack can change, by growing, which VmStk
 *     (read after the rollup) shows, and the heap, whose pages above the
 *     break of the start nobody touches.  Hence Rss <= the sentinels + the
 *     arenas + the VMAs outside the region before the run (less the gate
 *     VMA, which the rollup skips) + VmStk's growth since;
 *   - numa_maps (if the kernel has it) has every sentinel's start once,
 *     and no other VMA starts in a sentinel or a gap;
 *   - a PROCMAP_QUERY (every combination of flags, with and without name
 *     and build ID buffers, some too small) at or around a sentinel gives
 *     exactly that sentinel when it matches the flags, and otherwise what
 *     the flags ask for; walks with PROCMAP_QUERY_COVERING_OR_NEXT_VMA
 *     meet every matching sentinel once; any result is self-consistent.
 *
 * With -l LAYOUT (and -r 0 -p 0, no readers of its own), it is a target
 * for other programs: the target's pid and its sentinels are written to
 * LAYOUT, a FIFO say, when the mutators start (write_layout()); SIGTERM
 * ends the run early, with the same report.
 *
 * Output: each violation on stderr as it is seen (the first 30), then
 *   maps-stress: seed=S duration=D elapsed=SECONDS reads=N queries=N
 *     smaps=N mutations=N forks=N brks=N kills=N violations=N errors=N
 * on one line: whole maps reads checked, PROCMAP_QUERY calls, smaps,
 * smaps_rollup and numa_maps reads checked, changes the kernel made (failed
 * calls are not counted), forks, moves of the break (-b), reader processes
 * killed, violations of the contract, and errors: failures of the test
 * itself (the target died, a reader process crashed).  Exit status: 0 if
 * both are 0, 1 if not, 2 on usage or setup errors, 3 if the run had to be
 * killed by its watchdog.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "procmaps.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif
#ifndef MADV_COLD
#define MADV_COLD		20
#define MADV_PAGEOUT		21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22
#define MADV_POPULATE_WRITE	23
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA		0x53564d41
#define PR_SET_VMA_ANON_NAME	0
#endif

#define MAX_MUTATORS		16
#define MAX_FORKERS		4
#define MAX_BRKERS		4
#define ARENAS_PER_MUTATOR	4
#define MAX_ARENAS		(MAX_MUTATORS * ARENAS_PER_MUTATOR)
#define MAX_SENTINELS		(MAX_ARENAS + 1)
#define ARENA_PAGES		128	/* pages per arena */
#define OP_PAGES		16	/* most pages one mutation covers */
#define DATA_PAGES		64	/* pages of the file the mutators map */
#define MAX_READERS		64
#define MAX_PROCESSES		32
#define MAX_LINE		256	/* longest sentinel line */
#define MAX_REPORTS		30	/* violations printed in full */
#define BUILD_ID_MAX		20	/* BUILD_ID_SIZE_MAX */
#define QUERY_PERMS		(PROCMAP_QUERY_VMA_READABLE |		\
				 PROCMAP_QUERY_VMA_WRITABLE |		\
				 PROCMAP_QUERY_VMA_EXECUTABLE |		\
				 PROCMAP_QUERY_VMA_SHARED)
#define QUERY_ALL_FLAGS		64	/* query_flags are the bits below this */

/* The kinds of sentinel, in turn; each has its own protection and name. */
static const struct kind {
	const char *perms;
	int prot;
	int flags;
	bool file;	/* maps the sentinel file */
	bool named;	/* gets an anon name */
} kinds[] = {
	{ "r--p", PROT_READ, MAP_PRIVATE, true, false },
	{ "rw-s", PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, false, false },
	{ "rw-p", PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, false, true },
	{ "r-xp", PROT_READ | PROT_EXEC, MAP_PRIVATE, true, false },
	{ "---p", PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, false, true },
	{ "rw-s", PROT_READ | PROT_WRITE, MAP_SHARED, true, false },
};
#define NR_KINDS	ARRAY_SIZE(kinds)

struct sentinel {
	unsigned long start, end;
	unsigned long resident;		/* bytes: all of it, or 0 if PROT_NONE */
	char line[MAX_LINE];		/* its maps line, before the run */
	struct procmap_query q;		/* its PROCMAP_QUERY result, same */
	char name[PATH_MAX];		/* the name that query gave */
};

/* Shared by this process, the target and the reader processes. */
struct shared {
	atomic_int stop;
	atomic_ulong reads, queries, smaps, mutations, forks, brks;
	atomic_ulong violations, errors, reported;
	unsigned long region_start, region_end;	/* sentinels, gaps, arenas */
	unsigned long resident;		/* bytes: the sentinels' sum */
	unsigned long rollup_max;	/* bytes: Rss bound before stack growth */
	unsigned long stack_kb;		/* the target's VmStk before the run */
	int nsentinels, narenas;
	unsigned long arena[MAX_ARENAS];	/* ARENA_PAGES from each */
	struct sentinel sentinel[MAX_SENTINELS];
	char gate[MAX_LINE];		/* the gate VMA's line, or "" */
};

static struct shared *sh;
static unsigned long page;
static int nmutators = 3, nforkers = 1, nbrkers, nreaders = 5, nprocesses = 2;
static unsigned long duration = 10;
static const char *layout_path;	/* -l */
static uint64_t seed;
static pid_t target;
static char maps_path[64], smaps_path[64], rollup_path[64], numa_path[64];
static char status_path[64];

/* The reader processes, for the watchdog. */
static volatile pid_t reader_pid[MAX_PROCESSES];

/* splitmix64, to derive the state of each random stream from the seed. */
static uint64_t stream(uint64_t n)
{
	uint64_t z = seed + (n + 1) * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return z ? z : 1;
}

/* xorshift64*: a number in [0, n). */
static unsigned long rnd(uint64_t *s, unsigned long n)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return ((x * 0x2545f4914f6cdd1dULL) >> 11) % n;
}

static bool stopping(void)
{
	return atomic_load_explicit(&sh->stop, memory_order_relaxed);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void count(atomic_ulong *counter)
{
	atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

/* Print a line to stderr in one write(), so that lines do not mix. */
static void say(const char *fmt, ...)
{
	char msg[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(msg) - 2)
		n = sizeof(msg) - 2;
	msg[n++] = '\n';
	if (write(STDERR_FILENO, msg, n) < 0)
		return;
}

static char sentinel_file[64], data_file[64];

static void setup_error(const char *what, const char *arg)
{
	say("maps-stress: error: %s: %s (%s)", what, arg, strerror(errno));
	unlink(sentinel_file);
	unlink(data_file);
	exit(2);
}

/* ---- The target: layout, mutators, forker ---- */

struct mutator {
	pthread_t thread;
	int id;
	uint64_t rng;
	int data_fd;
};

static pthread_barrier_t start_barrier;
static __thread sigjmp_buf touch_env;
static __thread volatile sig_atomic_t touching;

/* A fault while touching an arena is expected: go on with the next op. */
static void touch_fault(int sig)
{
	if (!touching) {
		signal(sig, SIG_DFL);
		return;
	}
	siglongjmp(touch_env, 1);
}

static void touch(unsigned long addr, unsigned long len, bool write)
{
	volatile unsigned long p = addr, end = addr + len;

	if (sigsetjmp(touch_env, 1)) {
		touching = 0;
		return;
	}
	touching = 1;
	for (; p < end; p += page) {
		if (write)
			*(volatile char *)p = 1;
		else
			(void)*(volatile char *)p;
	}
	touching = 0;
}

/* A random range of one of @mu's own arenas; returns the arena. */
static unsigned long pick_range(struct mutator *mu, unsigned long pages,
				unsigned long *addr)
{
	unsigned long arena = sh->arena[mu->id +
		nmutators * rnd(&mu->rng, ARENAS_PER_MUTATOR)];

	*addr = arena + rnd(&mu->rng, ARENA_PAGES - pages + 1) * page;
	return arena;
}

static int random_prot(struct mutator *mu)
{
	static const int prots[] = {
		PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE,
		PROT_READ | PROT_EXEC, PROT_READ | PROT_WRITE | PROT_EXEC,
	};

	return prots[rnd(&mu->rng, ARRAY_SIZE(prots))];
}

static bool do_madvise(struct mutator *mu, unsigned long addr, unsigned long len)
{
	static const int advice[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
		MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTFORK,
		MADV_DOFORK, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK,
		MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ,
		MADV_POPULATE_WRITE, MADV_HUGEPAGE, MADV_NOHUGEPAGE,
		MADV_MERGEABLE, MADV_UNMERGEABLE,
	};

	return !madvise((void *)addr, len,
			advice[rnd(&mu->rng, ARRAY_SIZE(advice))]);
}

static bool set_anon_name(struct mutator *mu, unsigned long addr, unsigned long len)
{
	static const char *const names[] = {
		"maps-stress-a", "maps-stress-mutated", "m", NULL,
	};

	return !prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len,
		      names[rnd(&mu->rng, ARRAY_SIZE(names))]);
}

enum op {
	OP_MMAP_ANON, OP_MMAP_SHARED, OP_MMAP_FILE, OP_MUNMAP, OP_MPROTECT,
	OP_MREMAP_MOVE, OP_MREMAP_DONTUNMAP, OP_MREMAP_RESIZE, OP_MREMAP_DUP,
	OP_MADVISE, OP_ANON_NAME, OP_TOUCH, NR_OPS
};

/*
 * One random change inside @mu's arenas; true if the kernel did it.  Every
 * range is inside an arena: mremap() always gets MREMAP_FIXED, and grows in
 * place only up to the end of the arena.
 */
static bool mutate(struct mutator *mu)
{
	unsigned long pages = 1 + rnd(&mu->rng, OP_PAGES);
	unsigned long len = pages * page, new_len, addr, dst, arena;
	int flags;
	void *p;

	enum op op = rnd(&mu->rng, NR_OPS);

	arena = pick_range(mu, pages, &addr);
	switch (op) {
	case OP_MMAP_ANON:
		flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
		if (!rnd(&mu->rng, 4))
			flags |= MAP_POPULATE;
		p = mmap((void *)addr, len, random_prot(mu), flags, -1, 0);
		return p != MAP_FAILED;
	case OP_MMAP_SHARED:
		p = mmap((void *)addr, len, random_prot(mu),
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		return p != MAP_FAILED;
	case OP_MMAP_FILE:
		flags = (rnd(&mu->rng, 2) ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED;
		p = mmap((void *)addr, len, random_prot(mu), flags, mu->data_fd,
			 rnd(&mu->rng, DATA_PAGES - pages + 1) * page);
		return p != MAP_FAILED;
	case OP_MUNMAP:
		return !munmap((void *)addr, len);
	case OP_MPROTECT:
		return !mprotect((void *)addr, len, random_prot(mu));
	case OP_MREMAP_MOVE:
	case OP_MREMAP_DONTUNMAP:
		flags = MREMAP_MAYMOVE | MREMAP_FIXED;
		new_len = len;
		if (op == OP_MREMAP_DONTUNMAP)
			flags |= MREMAP_DONTUNMAP;	/* same size only */
		else if (rnd(&mu->rng, 2))
			new_len = (1 + rnd(&mu->rng, OP_PAGES)) * page;
		pick_range(mu, new_len / page, &dst);
		p = mremap((void *)addr, len, new_len, flags, (void *)dst);
		return p != MAP_FAILED;
	case OP_MREMAP_RESIZE:
		new_len = (1 + rnd(&mu->rng, OP_PAGES)) * page;
		if (new_len > arena + ARENA_PAGES * page - addr)
			new_len = arena + ARENA_PAGES * page - addr;
		return mremap((void *)addr, len, new_len, 0) != MAP_FAILED;
	case OP_MREMAP_DUP:
		/* Only shared mappings can be duplicated: make one. */
		p = mmap((void *)addr, len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p == MAP_FAILED)
			return false;
		touch(addr, len, true);
		pick_range(mu, pages, &dst);
		p = mremap((void *)addr, 0, len, MREMAP_MAYMOVE | MREMAP_FIXED,
			   (void *)dst);
		return p != MAP_FAILED;
	case OP_MADVISE:
		return do_madvise(mu, addr, len);
	case OP_ANON_NAME:
		return set_anon_name(mu, addr, len);
	case OP_TOUCH:
		touch(addr, len, rnd(&mu->rng, 2));
		return true;
	case NR_OPS:
		break;
	}
	return false;
}

static void *mutator_main(void *arg)
{
	struct mutator *mu = arg;

	pthread_barrier_wait(&start_barrier);
	while (!stopping()) {
		if (mutate(mu))
			count(&sh->mutations);
	}
	return NULL;
}

/* Fork children that exit at once: fork write-locks every VMA. */
static void *forker_main(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start_barrier);
	while (!stopping()) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid > 0 && waitpid(pid, NULL, 0) == pid)
			count(&sh->forks);
	}
	return NULL;
}

/* The target's program break before its break movers started. */
static unsigned long brk0;

/*
 * Break mover @arg: move the program break to a random point between brk0
 * and OP_PAGES pages above; brk() changes mm->brk under mmap_lock, and the
 * heap VMA grows or shrinks.  The raw system call: the target allocates
 * nothing during the run, so libc's own idea of the break (sbrk()) does
 * not matter, and nothing uses the new pages.
 */
static void *brker_main(void *arg)
{
	uint64_t rng = stream(200 + (uintptr_t)arg);

	pthread_barrier_wait(&start_barrier);
	while (!stopping()) {
		unsigned long want = brk0 + rnd(&rng, OP_PAGES + 1) * page;

		if ((unsigned long)syscall(SYS_brk, want) == want)
			count(&sh->brks);
	}
	return NULL;
}

static void *map_sentinel(int i, int sentinel_fd)
{
	const struct kind *k = &kinds[i % NR_KINDS];
	struct sentinel *s = &sh->sentinel[i];
	unsigned long size = s->end - s->start, off;
	void *p;

	p = mmap((void *)s->start, size, k->prot, k->flags | MAP_FIXED,
		 k->file ? sentinel_fd : -1, k->file ? i * page : 0);
	if (p == MAP_FAILED)
		return p;
	/*
	 * Fault in every page that can be: the sentinel's Rss is then all of
	 * it (written anonymous pages, mapped file or shmem pages; no zero
	 * page), and nothing unmaps or reclaims them during the run.
	 */
	if (k->prot & PROT_WRITE) {
		memset(p, 0x5a, size);
	} else if (k->prot & PROT_READ) {
		for (off = 0; off < size; off += page)
			(void)((volatile char *)p)[off];
	}
	s->resident = k->prot == PROT_NONE ? 0 : size;
	if (k->named) {
		char name[64];

		snprintf(name, sizeof(name), "maps-stress-sentinel-%d", i);
		/* Without CONFIG_ANON_VMA_NAME the sentinel is unnamed. */
		if (prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, s->start,
			  s->end - s->start, name) && errno != EINVAL)
			return MAP_FAILED;
	}
	return p;
}

/*
 * The layout: an unmapped page, sentinel 0, an unmapped page, arena 0,
 * an unmapped page, sentinel 1, ... sentinel N, an unmapped page.  The
 * arenas start as PROT_NONE reservations.
 */
static int make_layout(int sentinel_fd)
{
	unsigned long pages = 0, pos;
	void *base;
	int i;

	sh->narenas = nmutators * ARENAS_PER_MUTATOR;
	sh->nsentinels = sh->narenas + 1;
	for (i = 0; i < sh->nsentinels; i++)
		pages += 2 + 1 + i % 3 + (i < sh->narenas ? ARENA_PAGES : 0);
	base = mmap(NULL, pages * page, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -1;
	pos = sh->region_start = (unsigned long)base;
	sh->region_end = pos + pages * page;
	for (i = 0; i < sh->nsentinels; i++) {
		struct sentinel *s = &sh->sentinel[i];

		if (munmap((void *)pos, page))
			return -1;
		s->start = pos + page;
		s->end = s->start + (1 + i % 3) * page;
		if (map_sentinel(i, sentinel_fd) == MAP_FAILED)
			return -1;
		if (munmap((void *)s->end, page))
			return -1;
		pos = s->end + page;
		if (i < sh->narenas) {
			sh->arena[i] = pos;
			pos += ARENA_PAGES * page;
		}
	}
	return 0;
}

/*
 * The target.  Its threads are made first, as they map their stacks
 * wherever the kernel likes: after the layout, the target maps nothing but
 * with MAP_FIXED in its arenas, so the gaps stay empty.  It waits for "g"
 * on @ctl, then runs until @ctl is closed.
 */
static void target_main(pid_t parent, int ready, int ctl)
{
	struct mutator mutators[MAX_MUTATORS];
	struct sigaction sa = { .sa_handler = touch_fault };
	pthread_t forkers[MAX_FORKERS], brkers[MAX_BRKERS];
	int sentinel_fd, data_fd, i;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(2);
	prctl(PR_SET_NAME, "maps-target");
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sentinel_fd = open(sentinel_file, O_RDWR);
	data_fd = open(data_file, O_RDWR);
	if (sentinel_fd < 0 || data_fd < 0)
		_exit(2);

	pthread_barrier_init(&start_barrier, NULL,
			     nmutators + nforkers + nbrkers + 1);
	for (i = 0; i < nmutators; i++) {
		mutators[i].id = i;
		mutators[i].rng = stream(100 + i);
		mutators[i].data_fd = data_fd;
		if (pthread_create(&mutators[i].thread, NULL, mutator_main,
				   &mutators[i]))
			_exit(2);
	}
	for (i = 0; i < nforkers; i++) {
		if (pthread_create(&forkers[i], NULL, forker_main, NULL))
			_exit(2);
	}
	brk0 = (unsigned long)sbrk(0);
	for (i = 0; i < nbrkers; i++) {
		if (pthread_create(&brkers[i], NULL, brker_main,
				   (void *)(uintptr_t)i))
			_exit(2);
	}
	if (make_layout(sentinel_fd)) {
		say("maps-stress: error: target layout: %s", strerror(errno));
		_exit(2);
	}
	if (write(ready, "r", 1) != 1 || read(ctl, &c, 1) != 1)
		_exit(2);
	pthread_barrier_wait(&start_barrier);
	while (read(ctl, &c, 1) > 0)
		;
	atomic_store(&sh->stop, 1);
	for (i = 0; i < nmutators; i++)
		pthread_join(mutators[i].thread, NULL);
	for (i = 0; i < nforkers; i++)
		pthread_join(forkers[i], NULL);
	for (i = 0; i < nbrkers; i++)
		pthread_join(brkers[i], NULL);
	_exit(0);
}

/* ---- The readers ---- */

enum role { ROLE_MAPS, ROLE_QUERY, ROLE_SHARED_READ, ROLE_SHARED_QUERY,
	    ROLE_SMAPS, NR_ROLES, ROLE_PROCESS = NR_ROLES };

static const char *const role_names[] = {
	"maps", "query", "shared-fd maps", "shared-fd query", "smaps",
};

struct reader {
	pthread_t thread;
	char who[48];
	enum role role;
	uint64_t rng;
	int fd;			/* its /proc/PID/maps */
	int min_size;		/* smallest read() size index */
	int read_size;		/* read() size index, -1: a random one each */
	bool no_numa;		/* numa_maps is not there */
	struct buf buf;
	char name[PATH_MAX];
	unsigned char build_id[64];
};

static void violation(struct reader *r, const char *fmt, ...)
{
	char msg[6144];
	va_list ap;

	count(&sh->violations);
	if (atomic_fetch_add(&sh->reported, 1) >= MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say("maps-stress: VIOLATION (%s, seed %llu): %s", r->who,
	    (unsigned long long)seed, msg);
}

static const size_t read_sizes[] = {
	1, 3, 7, 61, 127, 509, 1021, 4093, 4096, 4099, 8191, 65536,
};
#define NR_READ_SIZES	ARRAY_SIZE(read_sizes)

static size_t next_read_size(void *ctx)
{
	struct reader *r = ctx;
	int i = r->read_size;

	if (i < 0)
		i = r->min_size + rnd(&r->rng, NR_READ_SIZES - r->min_size);
	return read_sizes[i];
}

/* Read @fd from offset 0 to EOF into r->buf, with odd read() sizes. */
static int read_whole(struct reader *r, int fd, int min_size, const char *what)
{
	ssize_t n;

	r->min_size = min_size;
	r->read_size = -1;
	if (rnd(&r->rng, 2))
		r->read_size = min_size + rnd(&r->rng, NR_READ_SIZES - min_size);
	if (lseek(fd, 0, SEEK_SET)) {
		violation(r, "%s: lseek to 0: %s", what, strerror(errno));
		return -1;
	}
	n = buf_read_fd(fd, &r->buf, next_read_size, r);
	if (n < 0) {
		violation(r, "%s: read: %s", what, strerror(-n));
		return -1;
	}
	return 0;
}

/* Parse hex digits at @p into @v; returns the end, or NULL if none. */
static const char *parse_hex(const char *p, unsigned long *v)
{
	const char *start = p;

	*v = 0;
	if (!p)
		return NULL;
	for (; (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'); p++)
		*v = *v * 16 + (*p <= '9' ? *p - '0' : *p - 'a' + 10);
	return p > start && p - start <= 16 ? p : NULL;
}

/* @p past the character @c, or NULL if @c is not there (or @p is NULL). */
static const char *skip(const char *p, char c)
{
	return p && *p == c ? p + 1 : NULL;
}

/* Is @line a maps line, "start-end perms offset major:minor inode [name]"? */
static bool parse_maps_line(const char *line, unsigned long *start,
			    unsigned long *end)
{
	const char *p;
	unsigned long v;

	p = skip(parse_hex(line, start), '-');
	p = skip(parse_hex(p, end), ' ');
	if (!p || *start >= *end)
		return false;
	if ((p[0] != 'r' && p[0] != '-') || (p[1] != 'w' && p[1] != '-') ||
	    (p[2] != 'x' && p[2] != '-') || (p[3] != 'p' && p[3] != 's') ||
	    p[4] != ' ')
		return false;
	p = skip(parse_hex(p + 5, &v), ' ');	/* offset */
	p = skip(parse_hex(p, &v), ':');	/* major */
	p = skip(parse_hex(p, &v), ' ');	/* minor */
	if (!p || *p < '0' || *p > '9')		/* inode */
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0' || *p == ' ';
}

/* An smaps field: "Name: value". */
static bool is_smaps_field(const char *line)
{
	const char *p = line;

	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	       (*p >= '0' && *p <= '9') || *p == '_')
		p++;
	return p > line && *p == ':';
}

/* The sentinel whose gaps or pages overlap [start, end), or NULL. */
static struct sentinel *near_sentinel(unsigned long start, unsigned long end)
{
	int i;

	if (end <= sh->region_start || start >= sh->region_end)
		return NULL;
	for (i = 0; i < sh->nsentinels; i++) {
		struct sentinel *s = &sh->sentinel[i];

		if (start < s->end + page && end > s->start - page)
			return s;
	}
	return NULL;
}

/* Print into @out the lines of the NUL-separated @text around @addr. */
static void context(char *out, size_t size, const char *text, size_t len,
		    unsigned long addr)
{
	const char *line, *before = "(none)", *after = "(none)";
	unsigned long start, end;

	for (line = text; line < text + len; line += strlen(line) + 1) {
		if (!parse_maps_line(line, &start, &end))
			continue;
		if (end <= addr) {
			before = line;
		} else {
			after = line;
			break;
		}
	}
	snprintf(out, size, "\n  line before: %s\n  line after:  %s",
		 before, after);
}

/*
 * Check a header line of maps or smaps: a sentinel's own line exactly, or
 * clear of every sentinel and gap.  Returns the sentinel it is, or NULL.
 */
static struct sentinel *check_vma_line(struct reader *r, const char *what,
				       const char *line, unsigned long start,
				       unsigned long end, int *seen)
{
	struct sentinel *s = near_sentinel(start, end);

	if (!s)
		return NULL;
	if (start == s->start && end == s->end && !strcmp(line, s->line)) {
		seen[s - sh->sentinel]++;
		return s;
	}
	violation(r, "%s: a line overlaps sentinel %d or its gaps:\n  sentinel: %s\n  line:     %s",
		  what, (int)(s - sh->sentinel), s->line, line);
	return NULL;
}

/* One entry of smaps: its header line and the fields checked, in kB. */
struct smaps_entry {
	const char *line;		/* NULL: none yet */
	unsigned long start, end;
	const struct sentinel *s;	/* the sentinel it is, or NULL */
	long size, rss, pss;		/* -1: not seen */
};

/*
 * If @line is smaps field @name ("Rss:"), its value in kB into *@kb (-1 if
 * it does not parse: a violation); false if it is another field.
 */
static bool smaps_field(struct reader *r, const char *what, const char *line,
			const char *name, long *kb)
{
	size_t n = strlen(name);
	char *end;

	if (strncmp(line, name, n))
		return false;
	errno = 0;
	*kb = strtol(line + n, &end, 10);
	if (end == line + n || strcmp(end, " kB") || *kb < 0 || errno) {
		violation(r, "%s: unparsable field: '%s'", what, line);
		*kb = -1;
	}
	return true;
}

/*
 * The fields of one smaps entry agree with its header line and each other:
 * Size is end - start, Rss <= Size, Pss <= Rss; a sentinel is all resident
 * (or not at all, PROT_NONE): its Rss is what the layout faulted in.
 */
static void check_smaps_entry(struct reader *r, const char *what,
			      const struct smaps_entry *e)
{
	long size = (e->end - e->start) >> 10;

	if (!e->line)
		return;
	if (e->size < 0 || e->rss < 0 || e->pss < 0) {
		violation(r, "%s: an entry without Size, Rss or Pss:\n  line: %s",
			  what, e->line);
		return;
	}
	if (e->size != size || e->rss > e->size || e->pss > e->rss)
		violation(r, "%s: fields disagree: Size %ld kB (the line spans %ld kB), Rss %ld kB, Pss %ld kB:\n  line: %s",
			  what, e->size, size, e->rss, e->pss, e->line);
	if (e->s && e->rss != (long)(e->s->resident >> 10))
		violation(r, "%s: sentinel %d has Rss %ld kB, not its %lu kB resident:\n  line: %s",
			  what, (int)(e->s - sh->sentinel), e->rss,
			  e->s->resident >> 10, e->line);
}

enum format { FORMAT_MAPS, FORMAT_SMAPS, FORMAT_NUMA };

/* Check the snapshot in r->buf; see the top of the file. */
static void check_snapshot(struct reader *r, const char *what, enum format format)
{
	char *text = r->buf.data, *line, *next, ctx[1024];
	struct smaps_entry entry = { NULL };
	const char *last = NULL;
	unsigned long prev = 0, start, end;
	int seen[MAX_SENTINELS] = { 0 };
	unsigned long before = atomic_load(&sh->violations);
	int i;

	if (!r->buf.len) {
		violation(r, "%s: empty", what);
		return;
	}
	if (text[r->buf.len - 1] != '\n')
		violation(r, "%s: the last line has no newline", what);
	for (line = text; line < text + r->buf.len; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		else
			next = line + strlen(line) + 1;
		if (atomic_load(&sh->violations) - before > 5)
			continue;	/* enough said about this one */
		if (format == FORMAT_NUMA) {
			const char *p = parse_hex(line, &start);
			struct sentinel *s;

			/*
			 * Only the starts are shown, and they need not
			 * increase: a VMA that grew down between two read()s
			 * is shown again with a lower start.
			 */
			if (!p || *p != ' ') {
				violation(r, "%s: unparsable line: '%s'", what, line);
				continue;
			}
			s = near_sentinel(start, start + 1);
			if (s && start == s->start)
				seen[s - sh->sentinel]++;
			else if (s)
				violation(r, "%s: a VMA starts in sentinel %d or its gaps: %s",
					  what, (int)(s - sh->sentinel), line);
			continue;
		}
		if (parse_maps_line(line, &start, &end)) {
			const struct sentinel *s;

			if (last && end <= prev)
				violation(r, "%s: line ends at or before the previous line's end:\n  previous: %s\n  line:     %s",
					  what, last, line);
			s = check_vma_line(r, what, line, start, end, seen);
			prev = end;
			last = line;
			if (format != FORMAT_SMAPS)
				continue;
			check_smaps_entry(r, what, &entry);
			entry = (struct smaps_entry){
				.line = line, .start = start, .end = end,
				.s = s, .size = -1, .rss = -1, .pss = -1,
			};
		} else if (format != FORMAT_SMAPS || !last || !is_smaps_field(line)) {
			violation(r, "%s: unparsable line: '%s'", what, line);
		} else if (!smaps_field(r, what, line, "Size:", &entry.size) &&
			   !smaps_field(r, what, line, "Rss:", &entry.rss)) {
			smaps_field(r, what, line, "Pss:", &entry.pss);
		}
	}
	check_smaps_entry(r, what, &entry);
	for (i = 0; i < sh->nsentinels; i++) {
		struct sentinel *s = &sh->sentinel[i];

		if (seen[i] == 1)
			continue;
		ctx[0] = '\0';
		if (format != FORMAT_NUMA)
			context(ctx, sizeof(ctx), text, r->buf.len, s->start);
		violation(r, "%s: sentinel %d seen %d times, not once (%s):\n  sentinel: %s%s",
			  what, i, seen[i], seen[i] ? "repeated" : "a hole",
			  s->line, ctx);
	}
	if (format != FORMAT_NUMA && sh->gate[0] && (!last || strcmp(last, sh->gate)))
		violation(r, "%s: the last line is not the gate VMA:\n  expected: %s\n  got:      %s",
			  what, sh->gate, last ? last : "(none)");
}

static int open_proc(struct reader *r, const char *path, bool may_be_missing)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0 && !(may_be_missing && errno == ENOENT))
		violation(r, "open %s: %s", path, strerror(errno));
	return fd;
}

/* A whole read of the target's maps, from a new fd or from @fd. */
static void read_maps(struct reader *r, int fd)
{
	bool own = fd < 0;

	if (own) {
		fd = open_proc(r, maps_path, false);
		if (fd < 0)
			return;
	}
	if (!read_whole(r, fd, 0, "maps")) {
		check_snapshot(r, "maps", FORMAT_MAPS);
		count(&sh->reads);
	}
	if (own)
		close(fd);
}

/* The target's VmStk (kB) from its status, into *@kb; false if unreadable. */
static bool target_stack_kb(unsigned long *kb)
{
	char data[8192];
	struct buf b = { .data = data, .cap = sizeof(data), .fixed = 1 };
	const char *p;
	int fd = open(status_path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = buf_read_fd(fd, &b, NULL, NULL);
	close(fd);
	p = n > 0 ? strstr(b.data, "\nVmStk:") : NULL;
	return p && sscanf(p, "\nVmStk: %lu kB", kb) == 1;
}

/*
 * Check a read of smaps_rollup: its first line covers every sentinel, and
 * its Rss lies between the sentinels' resident size and what the address
 * space can hold (see the top of the file).  Its VmStk is read after it:
 * the stack only grows, so that bounds the stack the rollup saw.
 */
static void check_rollup(struct reader *r)
{
	char *text = r->buf.data, *nl = strchr(text, '\n');
	const struct sentinel *first = &sh->sentinel[0];
	const struct sentinel *last = &sh->sentinel[sh->nsentinels - 1];
	unsigned long start, end, rss, stack_kb, max;
	const char *p;

	if (!nl) {
		violation(r, "smaps_rollup: no complete line: '%s'", text);
		return;
	}
	*nl = '\0';
	if (!parse_maps_line(text, &start, &end) || !strstr(text, " [rollup]") ||
	    !strstr(text, " ---p 00000000 00:00 0 "))
		violation(r, "smaps_rollup: bad first line: '%s'", text);
	else if (start > first->start || end < last->end)
		violation(r, "smaps_rollup: the first line does not cover the sentinels %lx-%lx: '%s'",
			  first->start, last->end, text);
	*nl = '\n';
	p = strstr(nl, "\nRss:");
	if (!p || sscanf(p, "\nRss: %lu kB", &rss) != 1) {
		violation(r, "smaps_rollup: no Rss: '%s'", text);
		return;
	}
	if (rss << 10 < sh->resident)
		violation(r, "smaps_rollup: Rss %lu kB, less than the sentinels' %lu kB resident",
			  rss, sh->resident >> 10);
	if (!target_stack_kb(&stack_kb)) {
		violation(r, "smaps_rollup: cannot read VmStk from %s", status_path);
		return;
	}
	max = sh->rollup_max +
	      (stack_kb > sh->stack_kb ? (stack_kb - sh->stack_kb) << 10 : 0);
	if (rss << 10 > max)
		violation(r, "smaps_rollup: Rss %lu kB, more than the %lu kB the address space can hold (VmStk %lu kB, %lu kB at the start)",
			  rss, max >> 10, stack_kb, sh->stack_kb);
}

/* Read smaps, smaps_rollup or numa_maps (if there is one). */
static void read_smaps(struct reader *r)
{
	int fd, which = rnd(&r->rng, 3);
	const char *path = which == 0 ? smaps_path :
			   which == 1 ? rollup_path : numa_path;

	if (which == 2 && r->no_numa)
		return;
	fd = open_proc(r, path, which == 2);
	if (fd < 0) {
		r->no_numa = which == 2 && errno == ENOENT;
		return;
	}
	if (!read_whole(r, fd, 5, path)) {
		if (which == 0)
			check_snapshot(r, "smaps", FORMAT_SMAPS);
		else if (which == 1)
			check_rollup(r);
		else
			check_snapshot(r, "numa_maps", FORMAT_NUMA);
		count(&sh->smaps);
	}
	close(fd);
}

static bool same_vma(const struct procmap_query *a, const struct procmap_query *b)
{
	return a->vma_start == b->vma_start && a->vma_end == b->vma_end &&
	       a->vma_flags == b->vma_flags &&
	       a->vma_page_size == b->vma_page_size &&
	       a->vma_offset == b->vma_offset && a->inode == b->inode &&
	       a->dev_major == b->dev_major && a->dev_minor == b->dev_minor;
}

static bool sentinel_matches(const struct sentinel *s, uint64_t flags)
{
	uint64_t perms = flags & QUERY_PERMS;

	if ((flags & PROCMAP_QUERY_FILE_BACKED_VMA) && !s->q.inode)
		return false;
	return (s->q.vma_flags & perms) == perms;
}

static void describe(char *out, size_t size, const struct procmap_query *q,
		     const char *name)
{
	snprintf(out, size, "%llx-%llx flags %llx pgsz %llx off %llx dev %x:%x ino %llu name '%.200s'",
		 (unsigned long long)q->vma_start, (unsigned long long)q->vma_end,
		 (unsigned long long)q->vma_flags,
		 (unsigned long long)q->vma_page_size,
		 (unsigned long long)q->vma_offset, q->dev_major, q->dev_minor,
		 (unsigned long long)q->inode, name);
}

/*
 * Check a successful query at @addr with @flags: self-consistent, what the
 * flags asked for, and either a sentinel exactly or clear of them all.
 */
static void check_result(struct reader *r, uint64_t addr, uint64_t flags,
			 const struct procmap_query *q, uint32_t name_size,
			 uint32_t build_id_size)
{
	uint64_t perms = flags & QUERY_PERMS;
	const char *name = q->vma_name_size ? r->name : "";
	struct sentinel *s;
	char got[512], want[512];

	describe(got, sizeof(got), q, name);
	if (q->vma_start >= q->vma_end || q->vma_end <= addr ||
	    (!(flags & PROCMAP_QUERY_COVERING_OR_NEXT_VMA) && q->vma_start > addr) ||
	    (q->vma_flags & perms) != perms || q->vma_flags & ~QUERY_PERMS ||
	    ((flags & PROCMAP_QUERY_FILE_BACKED_VMA) && !q->inode) ||
	    (!q->inode && (q->vma_offset || q->dev_major || q->dev_minor)) ||
	    q->vma_page_size != page || q->vma_name_size > name_size ||
	    (q->vma_name_size && strlen(r->name) != q->vma_name_size - 1) ||
	    q->build_id_size > build_id_size) {
		violation(r, "query at %#llx flags %#llx: inconsistent result %s",
			  (unsigned long long)addr, (unsigned long long)flags, got);
		return;
	}
	s = near_sentinel(q->vma_start, q->vma_end);
	if (!s)
		return;
	describe(want, sizeof(want), &s->q, s->name);
	if (!same_vma(q, &s->q) || (name_size && strcmp(name, s->name)) ||
	    q->build_id_size != 0)
		violation(r, "query at %#llx flags %#llx: a VMA overlaps sentinel %d or its gaps:\n  sentinel: %s\n  got:      %s",
			  (unsigned long long)addr, (unsigned long long)flags,
			  (int)(s - sh->sentinel), want, got);
}

/* One random PROCMAP_QUERY; see the top of the file. */
static void query_once(struct reader *r, int fd)
{
	static const uint32_t name_sizes[] = { 0, 1, 8, 24, 64, PATH_MAX };
	static const uint32_t build_id_sizes[] = { 0, 1, 16, BUILD_ID_MAX, 64 };
	uint32_t name_size = name_sizes[rnd(&r->rng, ARRAY_SIZE(name_sizes))];
	uint32_t build_id_size =
		build_id_sizes[rnd(&r->rng, ARRAY_SIZE(build_id_sizes))];
	uint64_t flags = rnd(&r->rng, QUERY_ALL_FLAGS), addr;
	bool covering = flags & PROCMAP_QUERY_COVERING_OR_NEXT_VMA;
	struct sentinel *s = NULL;
	struct procmap_query q;
	int where = rnd(&r->rng, 5), err;
	bool matches = false, small;
	char want[512], got[512];
	uint64_t past = 0;	/* a result must start here or above */

	switch (where) {
	case 0:	/* in a sentinel */
	case 1:	/* in the gap below it */
	case 2:	/* in the gap above it */
		s = &sh->sentinel[rnd(&r->rng, sh->nsentinels)];
		addr = where == 0 ? s->start + rnd(&r->rng, s->end - s->start) :
		       where == 1 ? s->start - page + rnd(&r->rng, page) :
				    s->end + rnd(&r->rng, page);
		/* Nothing covers a gap: only the next VMA can be found. */
		matches = sentinel_matches(s, flags) &&
			  (where == 0 || (where == 1 && covering));
		past = where < 2 ? s->end : s->end + page;
		break;
	case 3:	/* anywhere in the region */
		addr = sh->region_start +
		       rnd(&r->rng, sh->region_end - sh->region_start);
		break;
	default: /* anywhere at all */
		addr = rnd(&r->rng, 4) ? rnd(&r->rng, 1UL << 47) : 0;
		break;
	}
	err = query_vma(fd, &q, addr, flags, r->name, name_size,
			r->build_id, build_id_size);
	count(&sh->queries);
	small = (name_size && name_size < PATH_MAX) ||
		(build_id_size && build_id_size < BUILD_ID_MAX);
	if (err == -ENAMETOOLONG && (matches ? name_size &&
				     name_size < s->q.vma_name_size : small))
		return;
	if (s)
		describe(want, sizeof(want), &s->q, s->name);
	if (err && matches) {
		violation(r, "query at %#llx flags %#llx name %u build ID %u: %s, not sentinel %d (a hole):\n  sentinel: %s",
			  (unsigned long long)addr, (unsigned long long)flags,
			  name_size, build_id_size, strerror(-err),
			  (int)(s - sh->sentinel), want);
		return;
	}
	if (err && err != -ENOENT)
		violation(r, "query at %#llx flags %#llx name %u build ID %u: %s",
			  (unsigned long long)addr, (unsigned long long)flags,
			  name_size, build_id_size, strerror(-err));
	if (err)
		return;
	check_result(r, addr, flags, &q, name_size, build_id_size);
	if (!s)
		return;
	describe(got, sizeof(got), &q, q.vma_name_size ? r->name : "");
	if (matches && !same_vma(&q, &s->q))
		violation(r, "query at %#llx flags %#llx: not sentinel %d (a hole):\n  sentinel: %s\n  got:      %s",
			  (unsigned long long)addr, (unsigned long long)flags,
			  (int)(s - sh->sentinel), want, got);
	else if (!matches && (!covering || q.vma_start < past))
		violation(r, "query at %#llx flags %#llx near sentinel %d: expected %s, got:\n  %s",
			  (unsigned long long)addr, (unsigned long long)flags,
			  (int)(s - sh->sentinel),
			  covering ? "ENOENT or a VMA above" : "ENOENT", got);
}

/*
 * Walk the address space with PROCMAP_QUERY_COVERING_OR_NEXT_VMA and
 * random filter flags: ends increase, and every sentinel that matches the
 * flags is met once.
 */
static void query_walk(struct reader *r, int fd)
{
	uint64_t flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA |
			 rnd(&r->rng, QUERY_ALL_FLAGS);
	int seen[MAX_SENTINELS] = { 0 }, steps, err, i;
	struct procmap_query q;
	uint64_t addr = 0;
	char want[512];

	for (steps = 0; steps < 1 << 20; steps++) {
		struct sentinel *s;

		err = query_vma(fd, &q, addr, flags, r->name, PATH_MAX,
				NULL, 0);
		count(&sh->queries);
		if (err == -ENOENT)
			break;
		if (err) {
			violation(r, "walk at %#llx flags %#llx: %s",
				  (unsigned long long)addr,
				  (unsigned long long)flags, strerror(-err));
			return;
		}
		check_result(r, addr, flags, &q, PATH_MAX, 0);
		s = near_sentinel(q.vma_start, q.vma_end);
		if (s && same_vma(&q, &s->q))
			seen[s - sh->sentinel]++;
		addr = q.vma_end;
	}
	for (i = 0; i < sh->nsentinels; i++) {
		struct sentinel *s = &sh->sentinel[i];
		int expect = sentinel_matches(s, flags);

		if (seen[i] == expect)
			continue;
		describe(want, sizeof(want), &s->q, s->name);
		violation(r, "walk with flags %#llx met sentinel %d %d times, not %d%s:\n  sentinel: %s",
			  (unsigned long long)flags, i, seen[i], expect,
			  seen[i] < expect ? " (a hole)" : "", want);
	}
}

static void query_burst(struct reader *r, int fd)
{
	bool own = fd < 0;
	int i;

	if (own) {
		fd = open_proc(r, maps_path, false);
		if (fd < 0)
			return;
	}
	if (!rnd(&r->rng, 8)) {
		query_walk(r, fd);
	} else {
		for (i = 0; i < 32 && !stopping(); i++)
			query_once(r, fd);
	}
	if (own)
		close(fd);
}

/* The fd a reader keeps, sometimes reopened. */
static int kept_fd(struct reader *r)
{
	if (r->fd >= 0 && !rnd(&r->rng, 8)) {
		close(r->fd);
		r->fd = -1;
	}
	if (r->fd < 0)
		r->fd = open_proc(r, maps_path, false);
	return r->fd;
}

static void reader_step(struct reader *r)
{
	switch (r->role) {
	case ROLE_MAPS:
		read_maps(r, rnd(&r->rng, 2) ? kept_fd(r) : -1);
		break;
	case ROLE_QUERY:
		query_burst(r, rnd(&r->rng, 2) ? kept_fd(r) : -1);
		break;
	case ROLE_SHARED_READ:
		if (r->fd >= 0)
			read_maps(r, r->fd);
		break;
	case ROLE_SHARED_QUERY:
		if (r->fd >= 0)
			query_burst(r, r->fd);
		break;
	case ROLE_SMAPS:
		read_smaps(r);
		break;
	case ROLE_PROCESS:
		switch (rnd(&r->rng, 5)) {
		case 0:
		case 1:
			read_maps(r, rnd(&r->rng, 2) ? kept_fd(r) : -1);
			break;
		case 2:
		case 3:
			query_burst(r, rnd(&r->rng, 2) ? kept_fd(r) : -1);
			break;
		default:
			read_smaps(r);
			break;
		}
		break;
	}
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	while (!stopping())
		reader_step(r);
	return NULL;
}

static void reader_init(struct reader *r, enum role role, int id, uint64_t rng)
{
	memset(r, 0, sizeof(*r));
	r->role = role;
	r->rng = rng;
	r->fd = -1;
	if (role == ROLE_PROCESS)
		snprintf(r->who, sizeof(r->who), "process %d", id);
	else
		snprintf(r->who, sizeof(r->who), "thread %d (%s)", id,
			 role_names[role]);
}

/* A reader process: runs until killed or told to stop. */
static pid_t spawn_reader(int id, unsigned int generation)
{
	pid_t parent = getpid(), pid = fork();
	struct reader r;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	signal(SIGALRM, SIG_DFL);
	reader_init(&r, ROLE_PROCESS, id, stream(1000 + 64 * generation + id));
	while (!stopping())
		reader_step(&r);
	_exit(0);
}

/* ---- The controller ---- */

/* SIGTERM: end the run now, as if its time were up. */
static volatile sig_atomic_t terminated;

static void terminate(int sig)
{
	(void)sig;
	terminated = 1;
}

static void watchdog(int sig)
{
	static const char msg[] = "maps-stress: error: the run did not end in time; killing it\n";
	int i;

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	if (target > 0)
		kill(target, SIGKILL);
	for (i = 0; i < nprocesses; i++)
		if (reader_pid[i] > 0)
			kill(reader_pid[i], SIGKILL);
	unlink(sentinel_file);
	unlink(data_file);
	_exit(3);
}

static void make_file(const char *path, unsigned long pages)
{
	char *data = malloc(pages * page);
	unsigned long i;
	int fd;

	if (!data)
		setup_error("malloc", path);
	for (i = 0; i < pages * page; i++)
		data[i] = i / page + 'A';
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, pages * page) != (ssize_t)(pages * page) ||
	    close(fd))
		setup_error("cannot write", path);
	free(data);
}

/*
 * Record each sentinel's maps line and query result while the target is
 * quiet, and check that they are what the layout made.  Record the bounds
 * of smaps_rollup's Rss: the sentinels' resident size, and what the
 * address space can hold (the sentinels, the arenas and the VMAs outside
 * the region but the gate VMA, as they are now) and the target's VmStk.
 */
static void record_sentinels(void)
{
	struct reader r;
	unsigned long start, end;
	char *line, *next, *last = NULL;
	int fd, i, found = 0;

	sh->rollup_max = sh->narenas * ARENA_PAGES * page;
	if (!target_stack_kb(&sh->stack_kb))
		setup_error("cannot read VmStk from", status_path);

	reader_init(&r, ROLE_MAPS, 0, stream(0));
	snprintf(r.who, sizeof(r.who), "setup");
	fd = open(maps_path, O_RDONLY);
	if (fd < 0 || buf_read_fd(fd, &r.buf, NULL, NULL) <= 0)
		setup_error("cannot read", maps_path);
	for (line = r.buf.data; *line; line = next) {
		next = strchr(line, '\n');
		if (!next)
			break;
		*next++ = '\0';
		last = line;
		if (!parse_maps_line(line, &start, &end))
			continue;
		if ((end <= sh->region_start || start >= sh->region_end) &&
		    !strstr(line, " [vsyscall]"))
			sh->rollup_max += end - start;
		for (i = 0; i < sh->nsentinels; i++) {
			struct sentinel *s = &sh->sentinel[i];

			if (start != s->start || end != s->end)
				continue;
			if (strlen(line) >= MAX_LINE ||
			    strncmp(line + strcspn(line, " ") + 1,
				    kinds[i % NR_KINDS].perms, 4)) {
				errno = EINVAL;
				setup_error("sentinel line not as made", line);
			}
			strcpy(s->line, line);
			sh->rollup_max += end - start;
			sh->resident += s->resident;
			found++;
		}
	}
	if (found != sh->nsentinels) {
		errno = ENOENT;
		setup_error("sentinels missing from", maps_path);
	}
	if (last && strstr(last, "[vsyscall]") && strlen(last) < MAX_LINE)
		strcpy(sh->gate, last);
	for (i = 0; i < sh->nsentinels; i++) {
		struct sentinel *s = &sh->sentinel[i];
		int err = query_vma(fd, &s->q, s->start, 0, s->name, PATH_MAX,
				    r.build_id, sizeof(r.build_id));

		if (err || s->q.vma_start != s->start || s->q.vma_end != s->end) {
			errno = err ? -err : EINVAL;
			setup_error("PROCMAP_QUERY of a sentinel", s->line);
		}
		if (!s->q.vma_name_size)
			s->name[0] = '\0';
	}
	close(fd);
	free(r.buf.data);
}

static void usage(void)
{
	fprintf(stderr, "usage: maps-stress [-d SECONDS] [-s SEED] [-m MUTATORS] [-f FORKERS] [-b BRKERS] [-r READERS] [-p PROCESSES] [-l LAYOUT]\n");
	exit(2);
}

static unsigned long number(const char *arg, unsigned long max)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 0);

	if (!*arg || *end || v > max)
		usage();
	return v;
}

/*
 * -l: write the target's pid and its sentinels to @path (a FIFO, say, that
 * another program reads to examine the target while it runs):
 *   target PID
 *   START END PERMS KB		one line a sentinel: as in maps, and its size
 *   end
 */
static void write_layout(const char *path)
{
	FILE *f = fopen(path, "w");
	int i;

	if (!f)
		setup_error("cannot open", path);
	fprintf(f, "target %d\n", target);
	for (i = 0; i < sh->nsentinels; i++)
		fprintf(f, "%lx %lx %s %lu\n", sh->sentinel[i].start,
			sh->sentinel[i].end, kinds[i % NR_KINDS].perms,
			(sh->sentinel[i].end - sh->sentinel[i].start) >> 10);
	fprintf(f, "end\n");
	if (fclose(f))
		setup_error("cannot write", path);
}

/* Did reader process @i die by itself?  It should not: that is an error. */
static void check_reader(int i)
{
	int status;

	if (reader_pid[i] <= 0 ||
	    waitpid(reader_pid[i], &status, WNOHANG) != reader_pid[i])
		return;
	say("maps-stress: error: reader process %d (pid %d) %s %d", i,
	    reader_pid[i], WIFSIGNALED(status) ? "died of signal" : "exited with",
	    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	count(&sh->errors);
	reader_pid[i] = 0;
}

int main(int argc, char **argv)
{
	struct reader readers[MAX_READERS];
	unsigned long kills = 0;
	unsigned int generation = 0;
	int ready[2], ctl[2], opt, i, status;
	bool seeded = false;
	pid_t self;
	uint64_t rng;
	double start, end;
	char c;

	while ((opt = getopt(argc, argv, "d:s:m:f:b:r:p:l:")) != -1) {
		switch (opt) {
		case 'd':
			duration = number(optarg, 86400);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			seeded = true;
			break;
		case 'm':
			nmutators = number(optarg, MAX_MUTATORS);
			break;
		case 'f':
			nforkers = number(optarg, MAX_FORKERS);
			break;
		case 'b':
			nbrkers = number(optarg, MAX_BRKERS);
			break;
		case 'r':
			nreaders = number(optarg, MAX_READERS);
			break;
		case 'p':
			nprocesses = number(optarg, MAX_PROCESSES);
			break;
		case 'l':
			layout_path = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || nmutators < 1)
		usage();
	if (!seeded)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	rng = stream(1);
	page = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		setup_error("mmap", "shared state");
	snprintf(sentinel_file, sizeof(sentinel_file), "/tmp/maps-stress.%d.sentinel", getpid());
	snprintf(data_file, sizeof(data_file), "/tmp/maps-stress.%d.data", getpid());
	make_file(sentinel_file, MAX_SENTINELS + 4);
	make_file(data_file, DATA_PAGES);
	if (pipe(ready) || pipe(ctl))
		setup_error("pipe", "");

	self = getpid();
	target = fork();
	if (target < 0)
		setup_error("fork", "target");
	if (target == 0) {
		close(ready[0]);
		close(ctl[1]);
		target_main(self, ready[1], ctl[0]);
	}
	close(ready[1]);
	close(ctl[0]);
	signal(SIGALRM, watchdog);
	alarm(duration + (duration > 120 ? duration : 120));
	signal(SIGTERM, terminate);
	if (read(ready[0], &c, 1) != 1) {
		errno = ESRCH;
		setup_error("the target did not start", "");
	}
	snprintf(maps_path, sizeof(maps_path), "/proc/%d/maps", target);
	snprintf(smaps_path, sizeof(smaps_path), "/proc/%d/smaps", target);
	snprintf(rollup_path, sizeof(rollup_path), "/proc/%d/smaps_rollup", target);
	snprintf(numa_path, sizeof(numa_path), "/proc/%d/numa_maps", target);
	snprintf(status_path, sizeof(status_path), "/proc/%d/status", target);
	record_sentinels();
	printf("maps-stress: setup: seed=%llu duration=%lu mutators=%d forkers=%d brkers=%d readers=%d processes=%d target=%d sentinels=%d arenas=%d gate=%s\n",
	       (unsigned long long)seed, duration, nmutators, nforkers, nbrkers, nreaders,
	       nprocesses, target, sh->nsentinels, sh->narenas,
	       sh->gate[0] ? "yes" : "no");

	/* Go. */
	if (write(ctl[1], "g", 1) != 1)
		setup_error("write", "target control pipe");
	if (layout_path)
		write_layout(layout_path);
	start = now();
	for (i = 0; i < nreaders; i++) {
		struct reader *r = &readers[i];

		reader_init(r, i % NR_ROLES, i, stream(10 + i));
		/* The two shared-fd roles share the reading thread's fd. */
		if (r->role == ROLE_SHARED_READ)
			r->fd = open_proc(r, maps_path, false);
		if (r->role == ROLE_SHARED_QUERY)
			r->fd = readers[i - 1].fd;
		if (pthread_create(&r->thread, NULL, reader_main, r))
			setup_error("pthread_create", "reader");
	}
	for (i = 0; i < nprocesses; i++)
		reader_pid[i] = spawn_reader(i, generation++);

	/* Kill a reader process now and then, until the time is up. */
	end = start + duration;
	while (!terminated && now() < end) {
		double left = end - now();
		unsigned long ns = (5 + rnd(&rng, 245)) * 1000000UL;
		struct timespec ts;

		if (left < ns / 1e9)
			ns = left > 0 ? left * 1e9 : 0;
		ts.tv_sec = ns / 1000000000UL;
		ts.tv_nsec = ns % 1000000000UL;
		nanosleep(&ts, NULL);
		if (waitpid(target, &status, WNOHANG) == target) {
			say("maps-stress: error: the target died (status %#x)", status);
			count(&sh->errors);
			target = 0;
			break;
		}
		for (i = 0; i < nprocesses; i++)
			check_reader(i);
		if (!nprocesses || now() >= end)
			continue;
		i = rnd(&rng, nprocesses);
		if (reader_pid[i] > 0) {
			kill(reader_pid[i], SIGKILL);
			if (waitpid(reader_pid[i], &status, 0) == reader_pid[i] &&
			    WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
				kills++;
			} else {
				say("maps-stress: error: reader process %d ended with status %#x",
				    i, status);
				count(&sh->errors);
			}
		}
		reader_pid[i] = spawn_reader(i, generation++);
	}

	/* Stop the readers, then the target. */
	atomic_store(&sh->stop, 1);
	for (i = 0; i < nreaders; i++)
		pthread_join(readers[i].thread, NULL);
	for (i = 0; i < nprocesses; i++) {
		if (reader_pid[i] <= 0)
			continue;
		kill(reader_pid[i], SIGKILL);
		waitpid(reader_pid[i], NULL, 0);
		reader_pid[i] = 0;
	}
	close(ctl[1]);
	if (target > 0 && (waitpid(target, &status, 0) != target ||
			   !WIFEXITED(status) || WEXITSTATUS(status))) {
		say("maps-stress: error: the target ended with status %#x", status);
		count(&sh->errors);
	}
	alarm(0);
	unlink(sentinel_file);
	unlink(data_file);

	printf("maps-stress: seed=%llu duration=%lu elapsed=%.1f reads=%lu queries=%lu smaps=%lu mutations=%lu forks=%lu brks=%lu kills=%lu violations=%lu errors=%lu\n",
	       (unsigned long long)seed, duration, now() - start,
	       atomic_load(&sh->reads),
	       atomic_load(&sh->queries), atomic_load(&sh->smaps),
	       atomic_load(&sh->mutations), atomic_load(&sh->forks),
	       atomic_load(&sh->brks), kills,
	       atomic_load(&sh->violations), atomic_load(&sh->errors));
	return atomic_load(&sh->violations) || atomic_load(&sh->errors);
}
