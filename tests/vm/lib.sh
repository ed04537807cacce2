# Shared helpers for the build and VM harness scripts (sourced, not run).
# shellcheck shell=bash

KAS_CACHE=${KAS_CACHE:-/var/cache/kvm-abi-shim}
# Every step writes below it (a cache of its own, KAS_CACHE=..., may be new).
mkdir -p "$KAS_CACHE" 2>/dev/null || true
KAS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KAS_FLEET=$KAS_TOP/tests/vm/fleet
KAS_FLEET_LOCK=${KAS_FLEET_LOCK:-$KAS_CACHE/fleet.lock}
KAS_BUILDS_LOCK=${KAS_BUILDS_LOCK:-$KAS_CACHE/builds.lock}
# The CPU qemu-user emulates for arm64 programs run on this host (the
# packaging test's root filesystems: mmdebstrap, dpkg, DKMS builds). Its
# default, "max", authenticates pointers with QARMA5, and Debian 13's
# arm64 programs sign the return address of nearly every function
# (trixie's dpkg: 558 PACIASP; bookworm's: none): our module's build for a
# trixie kernel took 86-87 CPU-seconds so, 52-61 with QEMU's own cheap
# algorithm. The programs see the same features.
export QEMU_CPU=${QEMU_CPU:-max,pauth-impdef=on}

kas_die() { echo "kvm-abi-shim: $*" >&2; exit 1; }

# kas_kill_tree PID: end PID and every process below it (an interrupted
# run's boots and builds).
kas_kill_tree() {
	local c
	for c in $(pgrep -P "$1"); do kas_kill_tree "$c"; done
	kill "$1" 2> /dev/null || true
}
# kas_kill_jobs: end the calling shell's running background jobs, each
# with its process tree.
kas_kill_jobs() {
	local p
	for p in $(jobs -pr); do kas_kill_tree "$p"; done
}

# kas_wait_one PID...: wait until one of these background jobs ends; its
# PID in kas_done_pid (empty if none could be waited for), its exit status
# in kas_done_rc.
kas_wait_one() {
	local p
	kas_done_pid= kas_done_rc=0
	wait -n -p kas_done_pid "$@" || kas_done_rc=$?
	[ -z "$kas_done_pid" ] || return 0
	# A job bash already reaped (one that ended beside another): wait
	# PID still has its status.
	for p in "$@"; do
		kill -0 "$p" 2> /dev/null && continue
		kas_done_pid=$p kas_done_rc=0
		wait "$p" || kas_done_rc=$?
		return 0
	done
}

# kas_fleet_lock: the fleet resolved against the archive (tests/vm/fleet.py),
# made again when the spec or the apt metadata is newer than the lock.
# Notices (a pinned build gone) are printed once, when the lock is made.
# (apt sets an index file's time to the server's, so the stamp of the last
# apt-get update, not the files, says when the metadata changed.)
KAS_APT_STAMP=$KAS_CACHE/apt-updated
kas_fleet_lock() {
	if [ ! -s "$KAS_FLEET_LOCK" ] || [ "$KAS_FLEET" -nt "$KAS_FLEET_LOCK" ] ||
		[ "$KAS_APT_STAMP" -nt "$KAS_FLEET_LOCK" ]; then
		# The suites must be in apt's sources first (a fresh host).
		bash "$KAS_TOP/tests/vm/setup-host.sh" >&2
		mkdir -p "$(dirname "$KAS_FLEET_LOCK")"
		python3 "$KAS_TOP/tests/vm/fleet.py" resolve "$KAS_FLEET" > "$KAS_FLEET_LOCK.tmp.$$" ||
			kas_die "the fleet cannot be resolved from the archive (see above)"
		mv "$KAS_FLEET_LOCK.tmp.$$" "$KAS_FLEET_LOCK"
	fi
	echo "$KAS_FLEET_LOCK"
}

# kas_builds_lock: every arm64 kernel build of the archive (make sweep).
kas_builds_lock() {
	if [ ! -s "$KAS_BUILDS_LOCK" ] || [ "$KAS_APT_STAMP" -nt "$KAS_BUILDS_LOCK" ]; then
		bash "$KAS_TOP/tests/vm/setup-host.sh" >&2
		mkdir -p "$(dirname "$KAS_BUILDS_LOCK")"
		python3 "$KAS_TOP/tests/vm/fleet.py" builds > "$KAS_BUILDS_LOCK.tmp.$$" ||
			kas_die "cannot list the archive's kernel builds"
		mv "$KAS_BUILDS_LOCK.tmp.$$" "$KAS_BUILDS_LOCK"
	fi
	echo "$KAS_BUILDS_LOCK"
}

# kas_fleet_field KREL FIELD -> one column of the kernel's lock line: name
# version suite image common kbuild kbuild-version compiler role boots
# flavour (boots space-separated). A build outside the fleet is looked up
# in the list of all builds (make sweep).
kas_fleet_field() {
	local col
	case $2 in
	name) col=1 ;; version) col=3 ;; suite) col=4 ;; image) col=5 ;; common) col=6 ;;
	kbuild) col=7 ;; kbuild-version) col=8 ;; compiler) col=9 ;; role) col=10 ;;
	boots) col=11 ;; flavour) col=12 ;; *) kas_die "kas_fleet_field: unknown field $2" ;;
	esac
	awk -F'\t' -v k="$1" -v c="$col" '!/^#/ && $2 == k { v = $c; if (c == 11) gsub(",", " ", v); print v; found = 1; exit }
		END { exit !found }' "$(kas_fleet_lock)" ||
	awk -F'\t' -v k="$1" -v c="$col" '$2 == k { print $c; found = 1; exit } END { exit !found }' \
		"$(kas_builds_lock)" ||
		kas_die "kernel '$1' is neither in the fleet ($KAS_FLEET) nor in the archive"
}

kas_fleet_kernels() { awk -F'\t' '!/^#/ { print $2 }' "$(kas_fleet_lock)"; }

# kas_fleet_kernel NAME -> the kernel release a fleet entry resolved to
kas_fleet_kernel() {
	awk -F'\t' -v n="$1" '!/^#/ { split($1, a, "+"); for (i in a) if (a[i] == n) { print $2; f = 1; exit } }
		END { exit !f }' "$(kas_fleet_lock)" || kas_die "no fleet entry '$1' in $KAS_FLEET"
}

# kas_fleet_describe KREL -> "KREL (VERSION, SUITE)": how results name a build
kas_fleet_describe() { echo "$1 ($(kas_fleet_field "$1" version), $(kas_fleet_field "$1" suite))"; }

# Series of a Debian kernel release: 6.12.95+deb12-arm64 -> 6.12
kas_series() { echo "$1" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/'; }

# Cached trees and builds are keyed by release and package version: a
# rebuilt package of the same release is a new tree.
kas_kdir() { echo "$KAS_CACHE/kernels/$1_$(kas_fleet_field "$1" version | tr ':~' '__')"; }

# Per-kernel build directory of this source tree (two checkouts never share).
kas_build_dir() {
	echo "$KAS_CACHE/build/$(echo "$KAS_TOP" | md5sum | cut -c1-8)/$1_$(kas_fleet_field "$1" version | tr ':~' '__')"
}

# The reference build of a series (role "ref" in the fleet).
kas_series_ref() {
	awk -F'\t' -v s="$1" '$10 == "ref" && index($2, s ".") == 1 { print $2; exit }' "$(kas_fleet_lock)"
}

# kas_relocate_headers ROOT KREL: the arch headers' Makefile names the
# -common tree (and, on 7.x, its own output directory) by absolute /usr/src
# path; point them into ROOT, where the packages were unpacked.
kas_relocate_headers() {
	sed -i -E "s#^(include |KBUILD_OUTPUT=)/usr/src/#\1$1/usr/src/#" "$1/usr/src/linux-headers-$2/Makefile"
}

# The kernel image inside an unpacked tree: /boot on 5.10-6.12, the
# linux-binary package's /usr/lib/modules/KREL/vmlinuz on Debian's 7.x.
kas_vmlinuz() {
	local r
	r=$(kas_kdir "$1")/root
	if [ -e "$r/boot/vmlinuz-$1" ]; then echo "$r/boot/vmlinuz-$1"; else echo "$r/usr/lib/modules/$1/vmlinuz"; fi
}

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
# kas_tap_line PREFIX LINE [SEP]: a test's TAP result line, numbered and
# counted here as PREFIX and its description; a skip's "# SKIP" becomes SEP
# (nothing by default). No subprocess: a boot sends thousands of lines, and
# two forks for each cost most of a minute per boot on a loaded host.
kas_tap_line() {
	local pre=$1 line=$2 sep=${3:-} st r re='^[0-9]+ (.*)$' a z
	case $line in
	"not ok "*) st=notok r=${line#not ok } ;;
	"ok "*"# SKIP"*) st=skip r=${line#ok } ;;
	"ok "*) st=ok r=${line#ok } ;;
	*) return 1 ;;
	esac
	if [[ $r =~ $re ]]; then r=${BASH_REMATCH[1]}; fi
	if [ $st = skip ]; then
		a=${r%%# SKIP*} z=${r#*# SKIP}
		r=${a% }$sep${z# }
	fi
	tap $st "$pre$r"
}
kas_tap_summary() {
	echo "1..$n"
	echo "$pass passed, $fail failed, $skip skipped"
}

# kas_replay RESULTS NAME: a disk boot's results file (kas-rootfs.sh) as TAP
# here, each check named "NAME PROG: ..." (PROG from its "# run PROG" line);
# its comments pass through; then whether the boot ran to its end.
kas_replay() {
	local res=$1 name=$2 prog= line
	[ -e "$res" ] || : > "$res"
	while IFS= read -r line; do
		case $line in
		"# run "*) prog=" ${line#\# run }" ;;
		"not ok "* | "ok "*) kas_tap_line "$name$prog: " "$line" ;;
		"#"*) echo "$line" ;;
		esac
	done < "$res"
	if grep -q "^# END" "$res"; then tap ok "$name: the test ran to its end"
	else tap notok "$name: the test ran to its end"; fi
}

# kas_boot_disk KREL IMG CMDLINE LOG RESULTS TESTDIR INITRD: boot KREL (TCG,
# virtualization=on, GICv3) with the raw ext4 image IMG as its virtio disk;
# the initramfs (built in INITRD) mounts it and switches to it (init.sh,
# kas.mode=...). Console to LOG, the kas.results port to RESULTS. The
# emulated CPU is KAS_BOOT_CPU (default max), the emulator KAS_QEMU (default
# the host's qemu-system-aarch64), the console's loglevel KAS_BOOT_LOGLEVEL
# (default 4: errors and worse).
# The modules its initramfs adds to mkinitrd.sh's own (virtio_mmio,
# virtio_console) to mount the disk; "?": not in every series.
KAS_DISK_MODS="virtio_blk ext4 ?crc32c_generic"
kas_boot_disk() {
	local krel=$1 img=$2 cmdline=$3 log=$4 res=$5 tests=$6 initrd=$7
	bash "$KAS_TOP/tests/vm/fetch-kernel.sh" "$krel" >/dev/null
	KAS_INITRD_MODS=$KAS_DISK_MODS \
		bash "$KAS_TOP/tests/vm/mkinitrd.sh" "$krel" /dev/null "$tests" "$initrd"
	timeout "${KAS_BOOT_TIMEOUT:-900}" "${KAS_QEMU:-qemu-system-aarch64}" \
		-machine virt,virtualization=on,gic-version=3 -cpu "${KAS_BOOT_CPU:-max,pauth-impdef=on}" \
		-smp 2 -m 2G -nographic -no-reboot -nic none \
		-kernel "$(kas_vmlinuz "$krel")" -initrd "$initrd" \
		-append "console=ttyAMA0 panic=-1 oops=panic panic_on_warn=1 loglevel=${KAS_BOOT_LOGLEVEL:-4} $cmdline" \
		-drive if=none,id=root,file="$img",format=raw \
		-device virtio-blk-device,drive=root \
		-device virtio-serial-device \
		-chardev file,id=res,path="$res" \
		-device virtserialport,chardev=res,name=kas.results \
		< /dev/null > "$log" 2>&1
}

# kas_unpack_linux_source SERIES VERSION DIR: Debian's linux-source-SERIES
# package at VERSION, its kernel tree unpacked into DIR (created).
kas_unpack_linux_source() {
	local series=$1 ver=$2 dest=$3 dl
	dl=$(mktemp -d /var/tmp/kas-lsdl.XXXXXX)
	if ! (cd "$dl" && apt-get -q download "linux-source-$series=$ver" >/dev/null 2>&1); then
		rm -rf "$dl"
		echo "kvm-abi-shim: cannot download linux-source-$series=$ver" >&2
		return 1
	fi
	mkdir -p "$dest"
	if ! dpkg --fsys-tarfile "$dl"/linux-source-"$series"_*.deb |
		tar -xO "./usr/src/linux-source-$series.tar.xz" |
		tar -xJ -C "$dest" --strip-components=1; then
		rm -rf "$dl"
		echo "kvm-abi-shim: cannot unpack linux-source-$series=$ver" >&2
		return 1
	fi
	rm -rf "$dl"
}

# kas_linux_source [SERIES]: the directory (cached by version) holding what
# we take from the archive's newest linux-source-SERIES (default 6.12): the
# kernel's own KVM selftests, built static for arm64 (kvm-selftests/, with
# the build's log; run in the test VM with and without the module), and,
# from 6.12, checkpatch.pl and its data (lint) and the kselftest runner
# (run_kselftest.sh, kselftest/) for the installed selftests. None of it is
# in the kbuild packages. The whole tree is unpacked once, then removed.
kas_linux_source() {
	local series=${1:-6.12} lsv dir tmp lk f
	read -r lsv _ < <(python3 "$KAS_TOP/tests/vm/fleet.py" newest "linux-source-$series" all) ||
		kas_die "no linux-source-$series in the archive"
	dir=$KAS_CACHE/linux-source/$lsv
	# Made: no need to wait while another series' is being made.
	[ -e "$dir/.done-v2" ] && { echo "$dir"; return 0; }
	mkdir -p "$KAS_CACHE/linux-source"
	exec {lk}> "$KAS_CACHE/linux-source/.lock"
	flock "$lk"
	if [ ! -e "$dir/.done-v2" ]; then
		tmp=$(mktemp -d /var/tmp/kas-lsrc.XXXXXX)
		kas_unpack_linux_source "$series" "$lsv" "$tmp/src" || { rm -rf "$tmp"; exit 1; }
		rm -rf "$dir"
		mkdir -p "$dir/kvm-selftests"
		(cd "$tmp/src" && cp --parents scripts/checkpatch.pl scripts/spelling.txt \
			scripts/const_structs.checkpatch tools/testing/selftests/run_kselftest.sh "$dir/" &&
			cp -r --parents tools/testing/selftests/kselftest "$dir/") 2>/dev/null || true
		# Every test that builds (-k): a stable tree's backports can break
		# one (6.1's vgic_init wants a header its tools/include lacks). The
		# boots report a missing test as absent, with and without the module.
		# Static: the test VM has no arm64 C library. 5.10's Makefile
		# links without EXTRA_CFLAGS: its link flags are given whole.
		local static=(EXTRA_CFLAGS=-static)
		[ "$series" != 5.10 ] || static+=(LDFLAGS="-static -pthread -no-pie")
		if make -s -C "$tmp/src" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- headers \
				> "$dir/kvm-selftests/build.log" 2>&1; then
			make -s -k -j"$(nproc)" -C "$tmp/src/tools/testing/selftests/kvm" ARCH=arm64 \
				CROSS_COMPILE=aarch64-linux-gnu- "${static[@]}" OUTPUT="$tmp/kvm" \
				>> "$dir/kvm-selftests/build.log" 2>&1 || true
			while IFS= read -r f; do
				aarch64-linux-gnu-strip -o "$dir/kvm-selftests/${f##*/}" "$f"
			done < <(find "$tmp/kvm" -type f -perm -u+x ! -name '*.[do]' 2>/dev/null)
		fi
		rm -rf "$tmp"
		touch "$dir/.done-v2"
	fi
	exec {lk}>&-
	echo "$dir"
}

# kas_busybox: the path of Debian's static arm64 BusyBox (busybox-static),
# downloaded into the cache once.
kas_busybox() {
	local bbdir=$KAS_CACHE/busybox lk
	mkdir -p "$bbdir"
	exec {lk}> "$bbdir.lock"
	flock "$lk"
	if [ ! -x "$bbdir/bin/busybox" ]; then
		mkdir -p "$bbdir/deb"
		(cd "$bbdir/deb" && apt-get -q download "busybox-static:arm64" >/dev/null 2>&1)
		dpkg -x "$bbdir"/deb/busybox-static_*_arm64.deb "$bbdir"
		rm -rf "$bbdir/deb"
	fi
	exec {lk}>&-
	echo "$bbdir/bin/busybox"
}

# kas_stage_mods KREL DIR NAME...: KREL's modules NAME (?NAME: only if it
# is a module there) into DIR, decompressed, each after its dependencies,
# with their load order in DIR/order. A NAME neither a module nor built in
# is an error.
kas_stage_mods() {
	local krel=$1 dir=$2 kd moddir kcfg m
	shift 2
	kd=$(kas_kdir "$krel")
	moddir=$kd/root/lib/modules/$krel
	[ -d "$moddir" ] || moddir=$kd/root/usr/lib/modules/$krel
	kcfg=$kd/root/boot/config-$krel
	[ -e "$kcfg" ] || kcfg=$moddir/config
	mkdir -p "$dir"
	touch "$dir/order"
	for m in "$@"; do _kas_stage_mod "$m"; done
}
_kas_stage_mod() { # NAME, or ?NAME (kas_stage_mods' variables)
	local name=${1#\?} f dep
	! grep -qx "$name.ko" "$dir/order" || return 0
	f=$(find "$moddir" -name "$name.ko" -o -name "$name.ko.xz" | head -n1)
	if [ -z "$f" ]; then
		[ "${1:0:1}" = "?" ] && return 0
		grep -q "^CONFIG_${name^^}=y" "$kcfg" ||
			kas_die "module $name of $krel not found and not built in"
		return 0
	fi
	for dep in $(modinfo -F depends "$f" | tr , ' '); do _kas_stage_mod "$dep"; done
	case $f in
	*.xz) xz -dc "$f" > "$dir/$name.ko" ;;
	*) cp "$f" "$dir/$name.ko" ;;
	esac
	echo "$name.ko" >> "$dir/order"
}
