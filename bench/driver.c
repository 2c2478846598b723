// SPDX-License-Identifier: GPL-2.0
/*
 * driver: run one benchmark scenario with its programs (mapper, scanner,
 * hog, vmas: the driver's neighbours in its directory) pinned and
 * prioritised, and pass on their result lines.
 *
 *   driver [-t SECONDS] [-m MIB] floor       mapper alone (the floor)
 *   driver [-t SECONDS] [-m MIB] maps2       mapper and 2 maps readers
 *   driver [-t SECONDS] [-m MIB] query2      mapper and 2 PROCMAP_QUERY readers
 *   driver [-t SECONDS] [-m MIB] smaps2      mapper and 2 smaps readers
 *   driver [-t SECONDS] [-m MIB] rollup2     mapper and 2 smaps_rollup readers
 *   driver [-t SECONDS] cost MODE N          one reader alone on an idle
 *                                            target with N VMAs; MODE is
 *                                            the scanner's: maps, smaps,
 *                                            smaps_rollup or query
 *
 * Placement on the 2 CPUs the guest has: the mapper alone on CPU 0; on
 * CPU 1 the readers at nice 15 and a nice-0 hog (spin 2 ms, sleep 1 ms), so
 * a reader is often preempted, also while it holds a lock on the mapper's
 * address space.  The floor keeps the hog, so only the readers differ.  A
 * reader timed alone runs on CPU 1 at nice 0, its idle target on CPU 0.
 */
#define _GNU_SOURCE
#include <err.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAPPER_CPU	0
#define READER_CPU	1
#define READER_NICE	15
#define CONTENDED_READERS	2
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The mapper scenarios: how many readers, reading the mapper how. */
static const struct scenario {
	const char *name;
	int readers;
	const char *mode;	/* the readers' scanner mode */
} scenarios[] = {
	{ "floor",	0,			NULL },
	{ "maps2",	CONTENDED_READERS,	"maps" },
	{ "query2",	CONTENDED_READERS,	"query" },
	{ "smaps2",	CONTENDED_READERS,	"smaps" },
	{ "rollup2",	CONTENDED_READERS,	"smaps_rollup" },
};

/* The scanner's modes, for cost. */
static const char *const cost_modes[] = {
	"maps", "smaps", "smaps_rollup", "query",
};

static char bindir[PATH_MAX];

static void usage(void)
{
	fprintf(stderr,
		"usage: driver [-t SECONDS] [-m MIB] floor|maps2|query2|smaps2|rollup2\n"
		"       driver [-t SECONDS] cost maps|smaps|smaps_rollup|query VMAS\n");
	exit(2);
}

/*
 * Start program argv[0] of bindir on cpu at nice, keeping fds fd and fd2
 * (if >= 0) open across exec; every other descriptor of the pipes is
 * close-on-exec.
 */
static pid_t spawn(char **argv, int cpu, int nice, int fd, int fd2)
{
	char path[PATH_MAX + 64];
	cpu_set_t set;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		err(1, "fork");
	if (pid)
		return pid;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		err(1, "%s: pin to CPU %d", argv[0], cpu);
	if (setpriority(PRIO_PROCESS, 0, nice))
		err(1, "%s: nice %d", argv[0], nice);
	if ((fd >= 0 && fcntl(fd, F_SETFD, 0)) ||
	    (fd2 >= 0 && fcntl(fd2, F_SETFD, 0)))
		err(1, "%s: keep fds", argv[0]);
	snprintf(path, sizeof(path), "%s/%s", bindir, argv[0]);
	execv(path, argv);
	err(127, "exec %s", path);
}

/* Wait for pid; true if it exited with status 0. */
static bool reap(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) < 0)
		err(1, "wait for %s", what);
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return true;
	if (WIFEXITED(status))
		warnx("%s exited with status %d", what, WEXITSTATUS(status));
	else
		warnx("%s killed by signal %d", what, WTERMSIG(status));
	return false;
}

static void stop(pid_t pid, const char *what)
{
	int status;

	if (kill(pid, SIGTERM))
		err(1, "kill %s", what);
	if (waitpid(pid, &status, 0) < 0)
		err(1, "wait for %s", what);
}

/*
 * Wait for the byte that program pid sends on fd once it is set up; false
 * (and pid reaped) if it exits first.
 */
static bool wait_setup(int fd, pid_t pid, const char *what)
{
	ssize_t got;
	char byte;

	got = read(fd, &byte, 1);
	close(fd);
	if (got == 1)
		return true;
	reap(pid, what);
	warnx("%s failed to set up", what);
	return false;
}

/* A mapper scenario: the mapper's latency with its readers (or none). */
static bool contended(const char *seconds, const char *mib,
		      const struct scenario *sc)
{
	pid_t hog, mapper, reader[CONTENDED_READERS];
	char sfd[16], rfd[16], wfd[16], nreaders[16], target[16];
	int setup[2], ready[2], i;
	bool ok = true;

	/*
	 * The mapper sends a byte on setup once it runs with its region
	 * populated; each reader then sends one on ready once it has read the
	 * mapper's VMAs in full.
	 */
	if (pipe2(setup, O_CLOEXEC) || pipe2(ready, O_CLOEXEC))
		err(1, "pipe");
	snprintf(sfd, sizeof(sfd), "%d", setup[1]);
	snprintf(rfd, sizeof(rfd), "%d", ready[0]);
	snprintf(wfd, sizeof(wfd), "%d", ready[1]);
	snprintf(nreaders, sizeof(nreaders), "%d", sc->readers);

	hog = spawn((char *[]){ "hog", NULL }, READER_CPU, 0, -1, -1);
	mapper = spawn((char *[]){ "mapper", "-t", (char *)seconds,
				   "-m", (char *)mib, "-s", sfd, "-r", rfd,
				   "-n", nreaders, NULL },
		       MAPPER_CPU, 0, setup[1], ready[0]);
	close(setup[1]);
	if (!wait_setup(setup[0], mapper, "mapper")) {
		stop(hog, "hog");
		return false;
	}
	snprintf(target, sizeof(target), "%d", mapper);
	for (i = 0; i < sc->readers; i++)
		reader[i] = spawn((char *[]){ "scanner", "-m", (char *)sc->mode,
					      "-r", wfd, target, NULL },
				  READER_CPU, READER_NICE, ready[1], -1);
	/* Now only the readers hold the write end: EOF if they all fail. */
	close(ready[0]);
	close(ready[1]);

	ok &= reap(mapper, "mapper");
	/* The readers stop once the mapper is gone. */
	for (i = 0; i < sc->readers; i++)
		ok &= reap(reader[i], "reader");
	stop(hog, "hog");
	return ok;
}

/* cost: one reader's time per pass on an idle target with vmas VMAs. */
static bool cost(const char *seconds, const char *mode, const char *vmas)
{
	char wfd[16], target[16];
	pid_t owner, reader;
	int ready[2];
	size_t i;
	bool ok;

	for (i = 0; i < ARRAY_SIZE(cost_modes); i++)
		if (!strcmp(mode, cost_modes[i]))
			break;
	if (i == ARRAY_SIZE(cost_modes))
		usage();
	if (pipe2(ready, O_CLOEXEC))
		err(1, "pipe");
	snprintf(wfd, sizeof(wfd), "%d", ready[1]);
	owner = spawn((char *[]){ "vmas", "-n", (char *)vmas, "-r", wfd, NULL },
		      MAPPER_CPU, 0, ready[1], -1);
	close(ready[1]);
	if (!wait_setup(ready[0], owner, "vmas"))
		return false;

	snprintf(target, sizeof(target), "%d", owner);
	reader = spawn((char *[]){ "scanner", "-m", (char *)mode,
				   "-t", (char *)seconds, target, NULL },
		       READER_CPU, 0, -1, -1);
	ok = reap(reader, "reader");
	stop(owner, "vmas");
	return ok;
}

int main(int argc, char **argv)
{
	const char *seconds = "5", *mib = "64", *scenario;
	char self[PATH_MAX];
	ssize_t len;
	size_t i;
	int opt;

	while ((opt = getopt(argc, argv, "t:m:")) != -1) {
		switch (opt) {
		case 't':
			seconds = optarg;
			break;
		case 'm':
			mib = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	scenario = argv[optind];

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		errx(1, "needs 2 CPUs, has %ld", sysconf(_SC_NPROCESSORS_ONLN));
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0)
		err(1, "readlink /proc/self/exe");
	self[len] = '\0';
	strcpy(bindir, dirname(self));

	if (!strcmp(scenario, "cost") && optind == argc - 3)
		return cost(seconds, argv[optind + 1], argv[optind + 2]) ? 0 : 1;
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (!strcmp(scenario, scenarios[i].name) && optind == argc - 1)
			return contended(seconds, mib, &scenarios[i]) ? 0 : 1;
	usage();
}
