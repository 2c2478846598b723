# Helpers shared by the host scripts (sourced, not run).

prog=${0##*/}

die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}

note() {
	printf '%s: %s\n' "$prog" "$*" >&2
}

# record pass|fail|skip NAME: record one check result for host/check's tally
# (in $CHECK_RESULTS when set).
record() {
	if [ -n "${CHECK_RESULTS:-}" ]; then
		printf '%s %s\n' "$1" "$2" >>"$CHECK_RESULTS"
	fi
}

# result pass|fail|skip NAME: record one check result and print it.
result() {
	record "$1" "$2"
	printf '%-4s %s\n' "$1" "$2"
}

# tally START: the failures recorded in $CHECK_RESULTS, the counts and the
# time since START (date +%s), then "N passed, N failed"; false if any
# failed.
tally() {
	passed=$(grep -c '^pass ' "$CHECK_RESULTS")
	failed=$(grep -c '^fail ' "$CHECK_RESULTS")
	skipped=$(grep -c '^skip ' "$CHECK_RESULTS")
	known=$(grep -c '^known ' "$CHECK_RESULTS")
	grep '^fail ' "$CHECK_RESULTS" | sed 's/^fail /FAILED: /'
	echo "results: $CHECK_RESULTS; $skipped skipped; $known known failures" \
		"(tests/known-*, printed above); took $(($(date +%s) - $1))s"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

# variant_var VARIANT NAME: the value of VARIANT_NAME from config.mk.
variant_var() {
	eval "printf '%s' \"\${${1}_${2}:-}\""
}

# variant_arch VARIANT: the architecture VARIANT is built for (config.mk).
variant_arch() {
	set -- "$(variant_var "$1" ARCH)"
	printf '%s' "${1:-x86_64}"
}

# variant_fragments VARIANT: the kconfig fragments VARIANT is built from,
# its architecture's first (paths).
variant_fragments() (
	printf '%s' "$KCONFIG/$(variant_arch "$1").config"
	for f in $(variant_var "$1" FRAGMENTS); do
		printf ' %s' "$KCONFIG/$f.config"
	done
)

# kconfig_merge FRAGMENT...: the options the fragments set, one
# CONFIG_X=value a line (n: not set), the last assignment of each winning,
# in the order of their first assignment.
kconfig_merge() {
	for frag; do
		[ -f "$frag" ] || die "no kconfig fragment $frag"
	done
	sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*\)=\(.*\)/\1 \2/p' \
		-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set/\1 n/p' "$@" |
		awk '{ val[$1] = $2; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
		END { for (i = 1; i <= n; i++) print order[i] "=" val[order[i]] }'
}

# arch_var ARCH NAME: the value of ARCH_ARCH_NAME from config.mk.
arch_var() {
	eval "printf '%s' \"\${ARCH_${1}_${2}:-}\""
}

# arch_is_host ARCH: is ARCH the host's own architecture (its Debian one)?
# Then the guest runs the host's busybox and the host's programs.
arch_is_host() {
	[ "$(arch_var "$1" DEB)" = "$(dpkg --print-architecture)" ]
}

# need_variant VARIANT: fail unless VARIANT is one config.mk defines.
need_variant() {
	case " $VARIANTS " in
	*" $1 "*) ;;
	*) die "unknown kernel variant '$1' (one of: $VARIANTS)" ;;
	esac
}

# patch_ids: stable patch-ids of the patches on stdin, sorted.
patch_ids() {
	git patch-id --stable | cut -d' ' -f1 | sort
}

# series_files: the patch files listed in patches/series, in order.
series_files() {
	grep -v -e '^#' -e '^[[:space:]]*$' "$PATCHES/series" |
		sed "s|^|$PATCHES/|"
}

# cpio_pack DIR: DIR's tree as a reproducible newc cpio archive on stdout,
# owned by root (an initramfs or an extra archive appended to one).
cpio_pack() {
	(cd "$1" && find . -print0 | LC_ALL=C sort -z |
		cpio --quiet --null -o -H newc -R 0:0 --reproducible)
}
