# Settings of the workbench: the pinned base, the kernel variants and the QEMU
# guest.  Everything here is data; the scripts in host/ read it from the
# environment Make exports.  Override any of it on the command line, e.g.
# `make check BASE_VERSION=6.12.115-2~deb12u1`.

# The base the series is developed against: Debian's kernel source package.
BASE_PACKAGE := linux-source-6.12
BASE_VERSION := 6.12.117-1~deb12u1
BASE_TARBALL := /usr/src/linux-source-6.12.tar.xz

# The upstream anchor: Debian's kernel source package of Linux 7.3, from
# trixie-backports.  host/source-fetch downloads it with a private apt
# configuration (nothing under /etc/apt changes) from the Debian mirror the
# system's own apt sources name, and extracts it with dpkg -x.  The mainline
# series (patches/mainline/) applies to it.
UPSTREAM_PACKAGE := linux-source-7.3
UPSTREAM_VERSION := 7.3.4-1~bpo13+1
UPSTREAM_SUITE   := trixie-backports
UPSTREAM_TARBALL := /usr/src/linux-source-7.3.tar.xz

# Kernel variants: the kconfig fragments (kconfig/NAME.config) each is built
# from, which work tree it builds (linux: 6.12 and the series; mainline: 7.3
# and the mainline series), at which ref (base: the unpatched base the tree
# was created from; empty: the work tree as it is) and how many vCPUs the
# guest gets.  rt is the series on a PREEMPT_RT kernel (per-VMA locks on),
# tested like patched.
VARIANTS := base patched debug up rt upstream mainline
base_FRAGMENTS     := guest
base_TREE          := linux
base_REF           := base
patched_FRAGMENTS  := guest
patched_TREE       := linux
debug_FRAGMENTS    := guest debug
debug_TREE         := linux
up_FRAGMENTS       := guest up
up_TREE            := linux
up_SMP             := 1
rt_FRAGMENTS       := guest rt
rt_TREE            := linux
upstream_FRAGMENTS := guest v7
upstream_TREE      := mainline
upstream_REF       := base
mainline_FRAGMENTS := guest v7
mainline_TREE      := mainline

# Variants that make check does not boot (CHECK_VARIANTS is the others):
# each has a target of its own.  kcsan, the data-race detector (make
# kcsan), would take a warm make check over its 15 minutes.
ON_DEMAND_VARIANTS := kcsan
VARIANTS           += $(ON_DEMAND_VARIANTS)
kcsan_FRAGMENTS    := guest kcsan
kcsan_TREE         := linux
# make kcsan: seconds of maps-stress, after proc-maps-race.
export KCSAN_SECS  := 180

# The guest: QEMU under TCG (no KVM here), multi-threaded.
QEMU_SMP     := 2
QEMU_MEMORY  := 2G
QEMU_ACCEL   := tcg,thread=multi
QEMU_CPU     := max
# vsyscall=xonly maps the gate VMA ([vsyscall]) so tests can check it.
KERNEL_CMDLINE := console=ttyS0 panic=-1 oops=panic vsyscall=xonly \
		  softlockup_panic=0 nokaslr
# Seconds before a guest that has not powered off is killed.
VM_TIMEOUT := 1200
SELFTEST_TARGETS := proc

# make bench [BENCH=short]: the kernels it compares, booted alternately in
# this order, one boot each per repetition (base: the comparison point;
# patched: the series; upstream: Linux 7.3, which has the feature upstream,
# the bar the series is measured against; mainline: 7.3 and our mainline
# fix series, booted like upstream); repetitions per kernel, seconds of each
# mapper scenario (floor, maps2, query2, smaps2, rollup2), seconds of each
# reader-cost point, and the VMA counts of the reader-cost points.  Cost
# points of 4 s, meant to be long enough for their min-max over the boots to
# stay within about +/-10% of the median (host/bench-report checks it; at
# 2 s none of 24 was); 6 repetitions of 4 kernels are 24 boots, as 8 of 3
# were.
# The smaps reader is timed only at the counts its target names (patched/
# base <= 1.05 at 1k and 10k VMAs): a pass over smaps costs 12-15 us per
# VMA under TCG, 10x maps, so at 65k VMAs 4 s are 4 passes of 0.9 s, and
# 10 VMAs say nothing about a per-VMA cost.  Exported here, as host/bench
# reads it from the environment.
# Time each boot adds, default mode: smaps2 and rollup2 12 s each plus
# ~0.7 s to set up, smaps cost 4 s at 1k and ~4.3 s at 10k: ~34 s on
# ~73 s, so 24 boots ~14 min more (29 -> ~43 min); short mode (3 s, 1 s)
# ~10 s a boot, 8 boots ~1.5 min more.
BENCH_KERNELS      := base patched upstream mainline
BENCH              := default
BENCH_REPS_default := 6
BENCH_SECS_default := 12
BENCH_COST_default := 4
BENCH_REPS_short   := 2
BENCH_SECS_short   := 3
BENCH_COST_short   := 1
BENCH_VMAS         := 10 1000 10000 65536
export BENCH_SMAPS_VMAS := 1000 10000
