# The workbench: build, boot and test the series on Debian's Linux 6.12 in
# QEMU.  See README.md; settings are in config.mk.

include config.mk

BUILD    := $(CURDIR)/build
TREE     := $(BUILD)/linux
PATCHES  := $(CURDIR)/patches
# The mainline series: patches/mainline/ on Linux 7.3 (UPSTREAM_* in config.mk).
MAINLINE_TREE := $(BUILD)/mainline
MAINLINE_ENV  := PATCHES=$(PATCHES)/mainline SERIES=mainline \
		 BASE_PACKAGE=$(UPSTREAM_PACKAGE) BASE_VERSION=$(UPSTREAM_VERSION) \
		 BASE_SUITE=$(UPSTREAM_SUITE) BASE_TARBALL=$(UPSTREAM_TARBALL)
KCONFIG  := $(CURDIR)/kconfig
GUEST    := $(CURDIR)/guest

export BUILD TREE MAINLINE_TREE PATCHES KCONFIG GUEST CHECK_VARIANTS CHECK_JOBS
export BASE_PACKAGE BASE_VERSION BASE_TARBALL SELFTEST_TARGETS VARIANTS
export UPSTREAM_PACKAGE UPSTREAM_VERSION UPSTREAM_SUITE UPSTREAM_TARBALL
export KNOWN_FAILURES := $(CURDIR)/tests/known-failures
export KNOWN_KCSAN := $(CURDIR)/tests/known-kcsan
export QEMU_SMP QEMU_MEMORY QEMU_ACCEL QEMU_CPU KERNEL_CMDLINE VM_TIMEOUT
export $(foreach v,$(VARIANTS),$(v)_FRAGMENTS $(v)_TREE $(v)_REF $(v)_SMP $(v)_ARCH)
ARCH_SETTINGS := KARCH CROSS IMAGE DEB QEMU CPU PORTS CMDLINE
export ARCHES $(foreach a,$(ARCHES),$(foreach n,$(ARCH_SETTINGS),ARCH_$(a)_$(n)))
export BENCH BENCH_KERNELS BENCH_VMAS
export BENCH_REPS = $(BENCH_REPS_$(BENCH))
export BENCH_SECS = $(BENCH_SECS_$(BENCH))
export BENCH_COST = $(BENCH_COST_$(BENCH))

# Static programs the guest runs, from the repo's own C sources: tests/*.c
# and the benchmark's bench/*.c, built for each architecture (with its
# CROSS prefix) into $(BUILD)/guest/ARCH/bin; and the guest's own
# /usr/bin/timeout (guest/timeout.c) into $(BUILD)/guest/ARCH/sys.
GUEST_SOURCES  := $(wildcard tests/*.c) $(wildcard bench/*.c)
GUEST_PROGRAMS := $(foreach a,$(ARCHES),\
	$(patsubst %.c,$(BUILD)/guest/$(a)/bin/%,$(notdir $(GUEST_SOURCES))) \
	$(BUILD)/guest/$(a)/sys/timeout)
GUEST_CFLAGS   := -O2 -Wall -Wextra -static -pthread

.PHONY: help check vm-run bench deps tree tree-reset export apply kernel kernels bisect-build soak \
	guest-image guest-programs clean

help:
	@sed -n 's/^## //p' Makefile

## make check           the test command: hygiene, then selftests on every kernel
check: deps tree
	host/check

## make check-arm64-64k  make check's kernel tests on arm64 with 64K pages, beside base
.PHONY: check-arm64-64k
check-arm64-64k:
	@$(MAKE) --no-print-directory check CHECK_VARIANTS='arm64_64k base'

## make vm-run KERNEL=<variant> [HOST=1] RUN='<cmd>' [ADD='<files>']  run a command in a guest (HOST=1: with the host's programs)
vm-run: deps tree guest-image
	@host/kernel-build $(KERNEL) >/dev/null
	@VM_HOST='$(HOST)' host/vm-run "$(KERNEL)" '$(subst ','\'',$(value RUN))' $(ADD)

## make bench [BENCH=short]  mapper latency under maps, query, smaps, smaps_rollup readers: base, patched, upstream, mainline
bench: deps tree guest-image
	@for k in $(BENCH_KERNELS); do host/kernel-build $$k >/dev/null || exit; done
	@host/bench
	@host/bench-report $(BUILD)/bench

## make trace-inversion [TRACE_SECS=3] [TRACE_SCENARIO=maps2]  trace what the mapper waits for: base, patched, upstream
.PHONY: trace-inversion
trace-inversion: deps tree guest-image
	@for k in $(or $(TRACE_KERNELS),base patched upstream); do host/kernel-build $$k >/dev/null || exit; done
	@host/trace-inversion $(TRACE_KERNELS)
	@host/trace-preempted $(or $(TRACE_KERNELS),base patched upstream)

## make kcsan [KCSAN_SECS=180]  the data-race detector: proc-maps-race and maps-stress on the kcsan kernel
.PHONY: kcsan
kcsan: deps tree guest-image
	@host/kernel-build kcsan >/dev/null
	@host/kcsan

## make soak [SOAK_SECS=1800] [SOAK_KERNEL=debug] [SOAK_SEED=n]  long randomized stress
soak: deps tree guest-image
	@host/kernel-build $(or $(SOAK_KERNEL),debug) >/dev/null
	@host/soak

deps:
	@host/deps

## make tree            create the kernel work trees from patches/ and patches/mainline/
tree: deps
	@host/tree-create $(TREE)
	@$(MAINLINE_ENV) host/tree-create $(MAINLINE_TREE)

## make tree-reset      recreate the work trees from patches/ (FORCE=1 to drop unexported work)
tree-reset: deps
	@host/tree-reset $(TREE)
	@$(MAINLINE_ENV) host/tree-reset $(MAINLINE_TREE)

## make export          export the work trees' commits to patches/ and patches/mainline/
export:
	@host/tree-export $(TREE)
	@$(MAINLINE_ENV) host/tree-export $(MAINLINE_TREE)

## make apply KSRC=/path [SERIES=mainline]  git am a series onto your own kernel tree
apply:
	@$(if $(filter mainline,$(SERIES)),$(MAINLINE_ENV)) host/series-apply "$(KSRC)"

## make bisect-build     build every prefix of the series (BISECT_VARIANTS=base)
bisect-build: deps tree
	@host/series-bisect-build

## make kernel VARIANT=<variant>, make kernels  build kernels
kernel: deps tree
	host/kernel-build $(VARIANT)

kernels: deps tree
	@for v in $(VARIANTS); do host/kernel-build $$v || exit; done

# For each architecture, the kselftests of the series' tree and upstream's
# own (the mainline tree's: 7.3 and the mainline series), whose collections
# are named e.g. proc-7.3, the guest programs and the initramfs.
guest-image: deps tree
	@for a in $(ARCHES); do \
		host/selftests-build $$a $(TREE) $(BUILD)/guest/$$a/selftests && \
		host/selftests-build $$a $(MAINLINE_TREE) \
			$(BUILD)/guest/$$a/selftests-upstream \
			$(UPSTREAM_PACKAGE:linux-source-%=%) || exit; \
	done
	@$(MAKE) -s --no-print-directory guest-programs
	@for a in $(ARCHES); do host/initramfs-build $$a || exit; done

guest-programs: $(GUEST_PROGRAMS)

define guest_program_rules
$(BUILD)/guest/$(1)/bin/%: tests/%.c $(wildcard tests/*.h)
	@mkdir -p $$(@D)
	$(ARCH_$(1)_CROSS)gcc $(GUEST_CFLAGS) \
		-isystem $(BUILD)/guest/$(1)/selftests/usr/include -o $$@ $$< -lm

$(BUILD)/guest/$(1)/sys/timeout: guest/timeout.c
	@mkdir -p $$(@D)
	$(ARCH_$(1)_CROSS)gcc $(GUEST_CFLAGS) -o $$@ $$<

$(BUILD)/guest/$(1)/bin/%: bench/%.c $(wildcard bench/*.h)
	@mkdir -p $$(@D)
	$(ARCH_$(1)_CROSS)gcc $(GUEST_CFLAGS) \
		-isystem $(BUILD)/guest/$(1)/selftests/usr/include -o $$@ $$< -lm
endef
$(foreach a,$(ARCHES),$(eval $(call guest_program_rules,$(a))))

## make clean           remove build/ (the work tree too: export first)
clean:
	rm -rf $(BUILD)
