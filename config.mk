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

# The arm64 kernels: the series on arm64 with 16K pages (as Android's
# 16K-page kernels) and with 64K pages (as arm64 servers), cross-built and
# booted under qemu-system-aarch64.  A variant's ARCH is x86_64 unless
# given; its architecture's fragment (kconfig/ARCH.config) comes first.
VARIANTS += arm64
arm64_FRAGMENTS     := guest pages-16k
arm64_TREE          := linux
arm64_ARCH          := arm64

# Variants that make check does not boot: each has a target of its own.
# kcsan, the data-race detector (make kcsan), and arm64_64k, the series on
# 64K pages (make check-arm64-64k), would take a warm make check over its
# 15 minutes.
ON_DEMAND_VARIANTS := kcsan
ON_DEMAND_VARIANTS += arm64_64k
VARIANTS           += $(ON_DEMAND_VARIANTS)
kcsan_FRAGMENTS    := guest kcsan
kcsan_TREE         := linux
arm64_64k_FRAGMENTS := guest pages-64k
arm64_64k_TREE      := linux
arm64_64k_ARCH      := arm64
# make kcsan: seconds of maps-stress, after proc-maps-race.
export KCSAN_SECS  := 180

# The kernels make check boots (every variant but the on-demand ones), the
# slowest first, and how many at a time: each guest's tests mostly run for
# fixed times (proc-maps-race 1 s a test, maps-stress 10 s), so two guests
# side by side on 2 cores take little more time than one, each doing about
# half the work in that time.
CHECK_VARIANTS := debug arm64 patched mainline upstream rt base up
CHECK_JOBS     := 2

# Architectures: what builds a kernel, the guest's programs and its
# busybox for each, and what boots it.  KARCH is the kernel's ARCH=,
# CROSS_COMPILE its prefix (empty: the host's own gcc), IMAGE what the
# kernel build makes and QEMU boots, DEB the Debian architecture of its
# busybox-static (the host's own package on the host's architecture, else
# downloaded), QEMU the emulator and its machine, CPU its -cpu, CONSOLE the
# kernel's console, PORTS how the job's output and capture leave the guest
# (serial: the second and third serial ports; virtio: two virtio consoles,
# as the arm64 virt machine has one UART), CMDLINE what the architecture
# adds to KERNEL_CMDLINE.  A guest of the host's own architecture (DEB)
# gets the host's busybox and runs the host's programs: QEMU shares the
# host's root filesystem read-only (make vm-run HOST=1, the client checks).
ARCHES := x86_64 arm64
ARCH_x86_64_KARCH   := x86_64
ARCH_x86_64_CROSS   :=
ARCH_x86_64_IMAGE   := arch/x86/boot/bzImage
ARCH_x86_64_DEB     := amd64
ARCH_x86_64_QEMU    := qemu-system-x86_64
ARCH_x86_64_CPU     := max
ARCH_x86_64_PORTS   := serial
# vsyscall=xonly maps the gate VMA ([vsyscall]) so tests can check it.
ARCH_x86_64_CMDLINE := console=ttyS0 vsyscall=xonly
ARCH_arm64_KARCH    := arm64
ARCH_arm64_CROSS    := aarch64-linux-gnu-
ARCH_arm64_IMAGE    := arch/arm64/boot/Image
ARCH_arm64_DEB      := arm64
ARCH_arm64_QEMU     := qemu-system-aarch64 -M virt
# Pointer authentication with QEMU's own hash rather than the
# architected QARMA, which TCG emulates several times slower.
ARCH_arm64_CPU      := max,pauth-impdef=on
ARCH_arm64_PORTS    := virtio
ARCH_arm64_CMDLINE  := console=ttyAMA0

# The guest: QEMU under TCG (no KVM here), multi-threaded.
QEMU_SMP     := 2
QEMU_MEMORY  := 2G
QEMU_ACCEL   := tcg,thread=multi
# QEMU_CPU, if set, overrides the architecture's CPU (ARCH_*_CPU).
QEMU_CPU     :=
KERNEL_CMDLINE := panic=-1 oops=panic softlockup_panic=0 nokaslr
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
