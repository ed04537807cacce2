# Shared helpers for the build and VM harness scripts (sourced, not run).
# shellcheck shell=bash

KAS_CACHE=${KAS_CACHE:-/var/cache/kvm-abi-shim}
KAS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KAS_FLEET=$KAS_TOP/tests/vm/fleet

kas_die() { echo "kvm-abi-shim: $*" >&2; exit 1; }

# kas_fleet_field KREL FIELD -> prints one column of the fleet entry
# (1 krel, 2 version, 3 suite, 4 kbuild pkg, 5 kbuild version, 6.. boots).
kas_fleet_field() {
	awk -v k="$1" -v f="$2" '!/^#/ && $1 == k {
		if (f == "boots") { s = ""; for (i = 6; i <= NF; i++) s = s " " $i; print substr(s, 2) }
		else print $f; found = 1 } END { exit !found }' "$KAS_FLEET" ||
		kas_die "kernel '$1' is not in $KAS_FLEET"
}

kas_fleet_kernels() { awk '!/^#/ && NF { print $1 }' "$KAS_FLEET"; }

# Series of a Debian kernel release: 6.12.95+deb12-arm64 -> 6.12
kas_series() { echo "$1" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/'; }

kas_kdir() { echo "$KAS_CACHE/kernels/$1"; }

# Per-kernel build directory of this source tree (two checkouts never share).
kas_build_dir() { echo "$KAS_CACHE/build/$(echo "$KAS_TOP" | md5sum | cut -c1-8)/$1"; }

# The reference build of a series: the newest fleet kernel of that series.
kas_series_ref() { kas_fleet_kernels | awk -v s="$1" 'index($0, s ".") == 1 { k = $0 } END { print k }'; }

# Base URIs of the host's Debian archive and security archive, from its apt
# configuration (no mirror name lives in this repository).
kas_mirror_of() { # $1 = regex matching the URI path
	{ cat /etc/apt/sources.list.d/*.sources | awk '/^URIs:/ {print $2}'
	  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '/^deb / {print $2}'
	} 2>/dev/null | grep -E "$1" | head -n1 || true
}
kas_mirror() { kas_mirror_of '/debian/?$'; }
kas_mirror_security() {
	local s
	s=$(kas_mirror_of '/debian-security/?$')
	[ -n "$s" ] || s=$(kas_mirror | sed -E 's#/debian/?$#/debian-security#')
	echo "$s"
}

# TAP for the harness scripts: tap ok|notok|skip DESCRIPTION numbers and
# counts; kas_tap_summary prints the plan and "N passed, N failed, N skipped".
pass=0 fail=0 skip=0 n=0
tap() {
	n=$((n + 1))
	case $1 in
	ok) pass=$((pass + 1)); echo "ok $n $2" ;;
	notok) fail=$((fail + 1)); echo "not ok $n $2" ;;
	skip) skip=$((skip + 1)); echo "ok $n $2 # SKIP" ;;
	esac
}
kas_tap_summary() {
	echo "1..$n"
	echo "$pass passed, $fail failed, $skip skipped"
}

# kas_boot_disk KREL IMG CMDLINE LOG RESULTS TESTDIR INITRD: boot KREL (TCG,
# virtualization=on, GICv3) with the raw ext4 image IMG as its virtio disk;
# the initramfs (built in INITRD) mounts it and switches to it (init.sh,
# kas.mode=...). Console to LOG, the kas.results port to RESULTS. The
# emulated CPU is KAS_BOOT_CPU (default max), the emulator KAS_QEMU (default
# the host's qemu-system-aarch64).
kas_boot_disk() {
	local krel=$1 img=$2 cmdline=$3 log=$4 res=$5 tests=$6 initrd=$7
	bash "$KAS_TOP/tests/vm/fetch-kernel.sh" "$krel" >/dev/null
	KAS_INITRD_MODS="virtio_blk ext4 ?crc32c_generic" \
		bash "$KAS_TOP/tests/vm/mkinitrd.sh" "$krel" /dev/null "$tests" "$initrd"
	timeout "${KAS_BOOT_TIMEOUT:-900}" "${KAS_QEMU:-qemu-system-aarch64}" \
		-machine virt,virtualization=on,gic-version=3 -cpu "${KAS_BOOT_CPU:-max,pauth-impdef=on}" \
		-smp 2 -m 2G -nographic -no-reboot -nic none \
		-kernel "$(kas_kdir "$krel")/root/boot/vmlinuz-$krel" -initrd "$initrd" \
		-append "console=ttyAMA0 panic=-1 oops=panic panic_on_warn=1 loglevel=4 $cmdline" \
		-drive if=none,id=root,file="$img",format=raw \
		-device virtio-blk-device,drive=root \
		-device virtio-serial-device \
		-chardev file,id=res,path="$res" \
		-device virtserialport,chardev=res,name=kas.results \
		< /dev/null > "$log" 2>&1
}
