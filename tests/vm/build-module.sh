#!/usr/bin/env bash
# build-module.sh KREL: cross-build kvm_abi_shim.ko for a Debian arm64
# kernel on x86_64. Fetches the kernel's headers (cached), picks the cross
# gcc whose major matches CONFIG_CC_VERSION_TEXT, builds in a per-kernel
# copy of the sources under the cache and prints the path of the .ko.
# Extra arguments are passed to kbuild (e.g. C=2 for sparse).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

krel=${1:?usage: build-module.sh KREL [kbuild args]}
shift
# KAS_FETCH=headers: the headers only (make sweep builds, boots nothing).
hdr=$(bash "$KAS_TOP/tests/vm/fetch-kernel.sh" "$krel" "${KAS_FETCH:-all}" | tail -n1)
cfg=$hdr/.config
[ -r "$cfg" ] || kas_die "no .config in $hdr"
gccmaj=$(sed -n 's/^CONFIG_GCC_VERSION=\([0-9]*\)[0-9]\{4\}$/\1/p' "$cfg")
[ -n "$gccmaj" ] || kas_die "cannot read the compiler version of $krel from $cfg"
cc=aarch64-linux-gnu-gcc-$gccmaj
run=()
command -v "$cc" >/dev/null || bash "$KAS_TOP/tests/vm/setup-host.sh"
if [ -r "$hdr/.kas-buildroot" ]; then
	# A kernel built here (the debug kernel): the very compiler that built it.
	run=(bash "$KAS_TOP/tests/vm/buildroot.sh" --run "$(cat "$hdr/.kas-buildroot")")
elif ! command -v "$cc" >/dev/null; then
	# A compiler bookworm does not have (gcc-14: Debian 13's kernels):
	# the build runs in a build root of the release that has it.
	broot=$(bash "$KAS_TOP/tests/vm/buildroot.sh" "$gccmaj") ||
		kas_die "$krel was built with gcc-$gccmaj ($(sed -n 's/^CONFIG_CC_VERSION_TEXT=//p' "$cfg")); no $cc and no build root for it"
	run=(bash "$KAS_TOP/tests/vm/buildroot.sh" --run "$broot")
fi

# KAS_TEST=y (the default here): with the fault-injection parameters the
# tests use (fail_hook, fail_alloc). KAS_TEST= builds the module as the
# package does, without them (make KVER=..., make bench), in its own tree.
test=${KAS_TEST-y}
out=$(kas_build_dir "$krel")
[ -n "$test" ] || out=$out-pkg
mkdir -p "$out"
# One build in a tree at a time (the fleet's lanes, a background build).
exec {lk}> "$out.lock"
flock "$lk"
# Mirror the module sources; cp -u keeps kbuild's incremental build.
(cd "$KAS_TOP" && cp -u --parents Kbuild VERSION module/*.[chS] module/compat/*.h \
	uapi/linux/*.h "$out/")
ver=$(cd "$KAS_TOP" && git describe --tags --always --dirty 2>/dev/null || cat VERSION)
echo "$ver" | cmp -s - "$out/VERSION" || echo "$ver" > "$out/VERSION"
"${run[@]}" make -s -C "$hdr" M="$out" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
	CC="$cc" -j"$(nproc)" KAS_TEST="$test" "$@" modules >&2
echo "$out/kvm_abi_shim.ko"
