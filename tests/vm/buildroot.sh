#!/usr/bin/env bash
# buildroot.sh GCC-MAJOR: an amd64 Debian build root (mmdebstrap, cached)
# whose arm64 cross compiler is gcc-GCC-MAJOR, for kernels built with a
# compiler bookworm does not have. Debian 13's kernels are built with
# gcc-14, and their amd64 kbuild tools (fixdep, modpost) link against
# trixie's libc: neither installs on the bookworm host (gcc-14's cross
# compiler needs libc6 >= 2.38), so the whole build runs in a trixie root.
# Prints the root's path. Idempotent; keyed by release and package list.
#
# The same root also builds a whole kernel (host gcc, flex, bison, the
# OpenSSL and libelf headers): tests/vm/debug-kernel.sh. One root, not two:
# on an empty cache each costs minutes.
#
# buildroot.sh --run ROOT CMD...: run CMD inside ROOT, with the cache
# ($KAS_CACHE, where the headers and build trees are) bind-mounted at the
# same path, in a private mount namespace (nothing stays mounted).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = --run ]; then
	root=${2:?} && shift 2
	mkdir -p "$root$KAS_CACHE" "$root/proc"
	exec unshare --mount --propagation private /bin/sh -ec '
		root=$1 cache=$2; shift 2
		mount --bind "$cache" "$root$cache"
		mount -t proc proc "$root/proc"
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			LC_ALL=C.UTF-8 HOME=/root "$@"' sh "$root" "$KAS_CACHE" "$@"
fi

gcc=${1:?usage: buildroot.sh GCC-MAJOR | --run ROOT CMD...}
case $gcc in
14) rel=trixie ;;
*) kas_die "no build root is known for gcc-$gcc" ;;
esac
# What the kbuild tools and a module build need (the kbuild packages'
# own Depends: libelf, libssl, zlib, pahole), sparse for the lint, and what
# a kernel build adds.
pkgs=("gcc-$gcc-aarch64-linux-gnu" make pahole libelf1t64 libssl3t64 zlib1g kmod sparse bc
      xz-utils gcc libc6-dev flex bison libssl-dev libelf-dev openssl cpio perl python3)
name=$rel-gcc$gcc
key=$(echo "v1 $rel ${pkgs[*]}" | md5sum | cut -c1-10)
out=$KAS_CACHE/buildroot/$name-$key
if [ -x "$out/usr/bin/aarch64-linux-gnu-gcc-$gcc" ]; then echo "$out"; exit 0; fi
mkdir -p "$KAS_CACHE/buildroot"
# One mmdebstrap of a root at a time; a second caller takes the first's.
exec {lk}> "$KAS_CACHE/buildroot/$name.lock"
flock "$lk"
if [ -x "$out/usr/bin/aarch64-linux-gnu-gcc-$gcc" ]; then echo "$out"; exit 0; fi

bash "$KAS_TOP/tests/pkg/setup-pkg-host.sh" >&2
main=$(kas_mirror) sec=$(kas_mirror_security)
[ -n "$main" ] || kas_die "no Debian archive in the host's apt sources"
mkdir -p "$KAS_CACHE/buildroot"
tmp=$out.tmp.$$
trap 'rm -rf "$tmp"' EXIT
mmdebstrap --quiet --arch=amd64 --variant=apt --format=directory \
	--include="$(IFS=,; echo "${pkgs[*]}")" \
	--aptopt='APT::Install-Recommends "false"' \
	"$rel" "$tmp" "deb $main $rel main" "deb $main $rel-updates main" \
	"deb $sec $rel-security main" >&2 ||
	kas_die "mmdebstrap of the $rel build root failed (packages: ${pkgs[*]})"
mv "$tmp" "$out"
trap - EXIT
# Older keys of the same root are stale.
find "$KAS_CACHE/buildroot" -maxdepth 1 -name "$name-??????????" ! -name "${out##*/}" \
	-exec rm -rf {} +
echo "$out"
