#!/usr/bin/env bash
# fetch-kernel.sh KREL [headers]: download (apt-get download, the exact
# build the fleet lock names) and unpack one kernel's arm64 image, headers
# and the amd64 kbuild tools its headers accept into the cache, and make
# the headers tree relocatable. With "headers", no image (make sweep).
# Idempotent; prints the headers tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

krel=${1:?usage: fetch-kernel.sh KREL [headers]} what=${2:-all}
ver=$(kas_fleet_field "$krel" version)
kd=$(kas_kdir "$krel")
root=$kd/root
hdr=$root/usr/src/linux-headers-$krel
stamp=$kd/.unpacked
# One fetch of a kernel at a time (the fleet's lanes, a background build).
mkdir -p "${kd%/*}"
exec {lk}> "$kd.lock"
flock "$lk"
[ "$what" = headers ] && stamp=$kd/.unpacked-headers
[ -e "$kd/.unpacked" ] && stamp=$kd/.unpacked

# The debug kernel is built, not downloaded: its tree (cached by its
# config, laid out as an unpacked Debian 7.x kernel) is linked here.
if [ "$(kas_fleet_field "$krel" flavour)" = debug ]; then
	d=$(bash "$KAS_TOP/tests/vm/debug-kernel.sh" build | tail -n1)
	[ -d "$d/root/usr/src/linux-headers-$krel" ] ||
		kas_die "no debug kernel $krel (tests/vm/debug-kernel.sh build; tree '$d')"
	mkdir -p "$kd"
	ln -sfn "$d/root" "$root"
	touch "$kd/.unpacked"
	echo "$hdr"
	exit 0
fi

if [ ! -e "$stamp" ]; then
	bash "$KAS_TOP/tests/vm/setup-host.sh"
	want=("linux-headers-$krel:arm64=$ver" "$(kas_fleet_field "$krel" common)=$ver"
	      "$(kas_fleet_field "$krel" kbuild):amd64=$(kas_fleet_field "$krel" kbuild-version)")
	# Headers unpacked already (make sweep): only the image is added, and
	# the tree a build may be using meanwhile stays as it is.
	had=
	if [ -e "$kd/.unpacked-headers" ]; then
		want=() had=1
	else
		rm -rf "$kd"
	fi
	[ "$what" = headers ] || want+=("$(kas_fleet_field "$krel" image):arm64=$ver")
	# Debian's 7.x split packages: System.map and config are in linux-base.
	case $(kas_fleet_field "$krel" image) in
	linux-binary-*) [ "$what" = headers ] || want+=("linux-base-$krel:arm64=$ver" "linux-modules-$krel:arm64=$ver") ;;
	esac
	rm -rf "$kd/debs"
	mkdir -p "$kd/debs"
	cd "$kd/debs"
	# A leftover partial download is deleted by apt itself; retry once on
	# transient network errors. The lock was resolved from the metadata
	# that apt downloads from, so a failure here is the network's.
	apt-get -q download "${want[@]}" 2>/dev/null || apt-get -q download "${want[@]}" ||
		kas_die "apt-get download failed for ${want[*]} (run make fleet-update if the archive changed)"
	mkdir -p "$root"
	for d in ./*.deb; do dpkg -x "$d" "$root"; done
	[ -n "$had" ] || kas_relocate_headers "$root" "$krel"
	if [ "$what" != headers ]; then
		[ -e "$(kas_vmlinuz "$krel")" ] || kas_die "no kernel image in $(kas_fleet_field "$krel" image)"
	fi
	rm -rf "$kd/debs"
	touch "$stamp"
fi
echo "$hdr"
