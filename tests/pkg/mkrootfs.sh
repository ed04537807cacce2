#!/usr/bin/env bash
# mkrootfs.sh RELEASE [qemu]: build (once, cached) an arm64 Debian root
# filesystem of RELEASE with DKMS and the headers and image of that
# release's fleet kernels (tests/pkg/releases), as an operator's host would
# have them; with "qemu", instead Debian's qemu-system-aarch64 (the QEMU
# save/restore drill, tests/qemu). mmdebstrap runs the arm64 maintainer
# scripts through qemu-user (binfmt). Prints the path of the tarball.
set -euo pipefail
. "$(dirname "$0")/../vm/lib.sh"

rel=${1:?usage: mkrootfs.sh RELEASE [qemu]} profile=${2:-pkg}
variant=apt later=() extra=()
case $profile in
pkg)
	line=$(awk -v r="$rel" '!/^#/ && $1 == r' "$KAS_TOP/tests/pkg/releases")
	[ -n "$line" ] || kas_die "release '$rel' is not in tests/pkg/releases"
	read -r _ _ _ systemd kernels <<<"$line"
	# No ca-certificates (nothing here fetches over TLS): its postinst
	# alone runs some 2,000 processes under qemu-user, a quarter of a
	# root filesystem's CPU time.
	pkgs=(dkms kmod openssl jq)
	[ "$systemd" = no ] || pkgs+=(systemd)
	for e in $kernels; do
		k=$(kas_fleet_kernel "${e#+}") v=$(kas_fleet_field "$k" version)
		case $e in
		# An upgrade kernel: downloaded (with what it needs from its
		# suite) into /var/tmp/kas-kernels, installed by the test.
		+*) later+=("linux-image-$k=$v" "linux-headers-$k=$v")
		    extra+=("$(kas_fleet_field "$k" suite)") ;;
		*) pkgs+=("linux-image-$k=$v" "linux-headers-$k=$v") ;;
		esac
	done ;;
# No recommends: the drill needs neither firmware nor the GUI.
qemu) pkgs=(qemu-system-arm kmod) variant=essential ;;
*) kas_die "unknown root filesystem profile $profile" ;;
esac
name=$rel
[ "$profile" = pkg ] || name=$rel-$profile
key=$(echo "v3 $rel ${pkgs[*]} ${later[*]}" | md5sum | cut -c1-10)
out=$KAS_CACHE/rootfs/$name-$key.tar
if [ -s "$out" ]; then echo "$out"; exit 0; fi
mkdir -p "$KAS_CACHE/rootfs"
# make check builds the tarballs ahead, in the background: whoever comes
# second waits for the first.
exec 9> "$out.lock"
flock 9
if [ -s "$out" ]; then echo "$out"; exit 0; fi

bash "$KAS_TOP/tests/pkg/setup-pkg-host.sh"
main=$(kas_mirror) sec=$(kas_mirror_security)
[ -n "$main" ] || kas_die "no Debian archive in the host's apt sources"
suites=("deb $main $rel main" "deb $main $rel-updates main")
case $rel in
# bullseye's LTS ended (2026-08): its security pool no longer serves
# packages here, so its root filesystem is main + updates only.
bullseye) ;;
bookworm) suites+=("deb $sec $rel-security main" "deb $main $rel-backports main") ;;
*) suites+=("deb $sec $rel-security main") ;;
esac
for s in "${extra[@]}"; do
	case " ${suites[*]} " in *" $s main"*) ;; *) suites+=("deb $main $s main") ;; esac
done
hooks=()
if [ ${#later[@]} -gt 0 ]; then
	# apt resolves the upgrade's dependencies against the new root (from
	# its suite, pinned at the version); its downloads are kept for the
	# test. The host's apt, on the root's state (mmdebstrap's apt
	# configuration): the root's own would run under qemu-user.
	hooks+=(--customize-hook='chroot "$1" apt-get clean'
		--customize-hook="APT_CONFIG=\$MMDEBSTRAP_APT_CONFIG apt-get -q -y --download-only -t ${extra[0]} install ${later[*]}"
		--customize-hook='mkdir -p "$1/var/tmp/kas-kernels" && mv "$1"/var/cache/apt/archives/*.deb "$1/var/tmp/kas-kernels/"')
fi

if [ "$profile" = pkg ]; then
	# depmod reads every module of a kernel (xz-compressed from 6.12 on):
	# about a CPU-minute per run under qemu-user, seconds natively. In
	# this root it does nothing (tests/pkg/depmod, first in PATH); the
	# host's depmod then indexes the root (root-depmod.sh). The image the
	# packaging test boots gets the root's own depmod back.
	hooks=(--essential-hook="install -D -m 755 '$KAS_TOP/tests/pkg/depmod' \"\$1/usr/local/sbin/depmod\""
		"${hooks[@]}"
		--customize-hook="bash '$KAS_TOP/tests/pkg/root-depmod.sh' \"\$1\"")
fi

tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
# The kernels' initramfs is not needed (the test boots its own) and would
# cost minutes under qemu-user: INITRD=No skips its generation.
# dpkg under qemu-user is the cost; eatmydata spares it every fsync.
# No udev hardware database (what udev names devices by; the test VMs
# have none to name): compiling it takes about a CPU-minute emulated.
INITRD=No PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	mmdebstrap --quiet --arch=arm64 --variant=$variant --format=tar \
	--hook-directory=/usr/share/mmdebstrap/hooks/eatmydata \
	--dpkgopt='path-exclude=/usr/lib/udev/hwdb.d/*' \
	--dpkgopt='path-exclude=/lib/udev/hwdb.d/*' \
	--include="$(IFS=,; echo "${pkgs[*]}")" \
	--aptopt='APT::Install-Recommends "false"' \
	--customize-hook='echo kas-test > "$1/etc/hostname"' "${hooks[@]}" \
	"$rel" "$tmp" "${suites[@]}" >&2 ||
	kas_die "mmdebstrap $rel failed (packages: ${pkgs[*]})"
mv "$tmp" "$out"
# Older keys of the same release are stale.
find "$KAS_CACHE/rootfs" -name "$name-??????????.tar*" ! -name "${out##*/}" ! -name "${out##*/}.lock" -delete
echo "$out"
