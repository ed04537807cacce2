#!/usr/bin/env bash
# fetch-kernel.sh KREL: download (apt-get download, pinned versions) and unpack
# one fleet kernel's arm64 image, headers and the amd64 kbuild tools into the
# cache, and make the headers tree relocatable. Idempotent; prints the tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

krel=${1:?usage: fetch-kernel.sh KREL}
ver=$(kas_fleet_field "$krel" 2)
kbpkg=$(kas_fleet_field "$krel" 4)
kbver=$(kas_fleet_field "$krel" 5)
kd=$(kas_kdir "$krel")
root=$kd/root
hdr=$root/usr/src/linux-headers-$krel

if [ ! -e "$kd/.unpacked" ]; then
	bash "$KAS_TOP/tests/vm/setup-host.sh"
	mkdir -p "$kd/debs"
	cd "$kd/debs"
	common=$(apt-cache show "linux-headers-$krel:arm64=$ver" | sed -n 's/^Depends:.*\(linux-headers-[^ ,]*-common\) .*/\1/p' | head -n1)
	[ -n "$common" ] || kas_die "cannot find the -common headers package of $krel ($ver)"
	want=("linux-image-$krel:arm64=$ver" "linux-headers-$krel:arm64=$ver"
	      "$common=$ver" "$kbpkg:amd64=$kbver")
	# A leftover partial download is deleted by apt itself; retry once on
	# transient network errors.
	apt-get -q download "${want[@]}" 2>/dev/null || apt-get -q download "${want[@]}" ||
		kas_die "apt-get download failed for ${want[*]} (has the archive dropped this pinned version?)"
	rm -rf "$root"; mkdir -p "$root"
	for d in ./*.deb; do dpkg -x "$d" "$root"; done
	# The arch headers' Makefile includes the -common tree by absolute path.
	sed -i "s#^include /usr/src/#include $root/usr/src/#" "$hdr/Makefile"
	[ -e "$root/boot/vmlinuz-$krel" ] || kas_die "no kernel image in linux-image-$krel"
	rm -f ./*.deb
	touch "$kd/.unpacked"
fi
echo "$hdr"
