#!/usr/bin/env bash
# run.sh [--prepare] [RELEASE...]: the packaging test (make pkg-test). For
# each Debian release of tests/pkg/releases: build the packages (make deb),
# install them into that release's arm64 root filesystem (qemu-user), check
# that DKMS built and signed the module for each of its kernels and refuses
# a kernel outside the supported series, then boot each kernel on that root
# filesystem and check that the module loads and answers; on the newest
# kernel of each release, upgrade to version N+1 under a pinned VM.
# Prints TAP and "N passed, N failed, N skipped"; exit 0 iff none failed.
#
# The work under qemu-user (package builds, installs, the kernel upgrade,
# the disk image) is one step per release, "prepared" into KAS_PKG_PREP
# with its results; the boots come after. make check prepares in the
# background while the fleet boots (run.sh --prepare, same KAS_PKG_PREP;
# one that finds a release being prepared by another skips it), and this
# stage then only boots; a release not prepared yet is waited for, one
# never prepared is prepared here.
set -euo pipefail
. "$(dirname "$0")/../vm/lib.sh"

prepare_only=
if [ "${1:-}" = --prepare ]; then prepare_only=1; shift; fi
rels=("$@")
# Newest release first: its preparation (root filesystem, installs, the
# kernel upgrade) takes longest. The stage boots the releases in the order
# they become ready (next_release).
[ ${#rels[@]} -gt 0 ] || mapfile -t rels < <(awk '!/^#/ && NF { print $1 }' "$KAS_TOP/tests/pkg/releases" | tac)

# Alone (make qemu-drill / pkg-test) on a fresh host: the suites and tools.
bash "$KAS_TOP/tests/vm/setup-host.sh"
bash "$KAS_TOP/tests/pkg/setup-pkg-host.sh"
logs=$KAS_CACHE/logs/pkg-$(date +%Y%m%d-%H%M%S)${prepare_only:+-prepare-$$}
mkdir -p "$logs"
work=$(mktemp -d /var/tmp/kas-pkg.XXXXXX)
prep=${KAS_PKG_PREP:-$work/prep}
mkdir -p "$prep"
mounted=()
cleanup() {
	local m
	for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

# Results of the preparation go to a file ($tapf) and are replayed as TAP
# when the release is booted. Conditions match here-strings ("grep <<<"),
# not "echo | grep -q": under pipefail that can fail a true match (lint.sh).
check() { # check DESCRIPTION 'CONDITION'
	if eval "$2"; then printf 'ok\t%s\n' "$1"; else printf 'notok\t%s\n' "$1"; fi >> "$tapf"
}
note() { echo "# $*" >> "$tapf"; }
replay() { # replay FILE: the recorded results as TAP
	local r d
	while IFS=$'\t' read -r r d; do
		case $r in ok|notok) tap "$r" "$d" ;; *) echo "$r" ;; esac
	done < "$1"
}
ts() { date +%s; }

# Version N (VERSION) and N+1 for the upgrade test, the selftests, the
# -dev example and a fleet key: once, for every release.
ver=$(cat "$KAS_TOP/VERSION")
next=$ver+pkgtest1
com=$prep/common
deb_n=$com/deb/$ver deb_next=$com/deb/$next
common() {
	exec 8> "$prep/common.lock"
	flock 8
	if [ ! -e "$com/done" ]; then
		rm -rf "$com"
		mkdir -p "$com"
		tapf=$com/tap
		local t0
		t0=$(ts)
		bash "$KAS_TOP/tools/mkdeb.sh" "$deb_n" > /dev/null
		KAS_PKG_VERSION=$next bash "$KAS_TOP/tools/mkdeb.sh" "$deb_next" > /dev/null
		note "make deb: $ver and $next built in $(($(ts) - t0)) s"
		check "make deb builds kvm-abi-shim-dkms, kvm-abi-shim-dev (all) and kvm-abi-shim (arm64) $ver" \
			'[ -e "$deb_n/kvm-abi-shim-dkms_${ver}_all.deb" ] && [ -e "$deb_n/kvm-abi-shim-dev_${ver}_all.deb" ] && [ -e "$deb_n/kvm-abi-shim_${ver}_arm64.deb" ]'
		# Every tag, pedantic ones included; overrides carry their reason.
		lint=$(lintian --pedantic --tag-display-limit 0 --fail-on error,warning,info,pedantic \
			"$deb_n"/*.deb 2>&1 | grep -v 'root privileges' || true)
		check "lintian --pedantic finds nothing in the $ver packages" '[ -z "$lint" ]'
		echo "$lint" | sed '/^$/d; s/^/# lintian: /' >> "$tapf"
		mkdir -p "$com/st"
		make -s -C "$KAS_TOP/tests/selftests" OUT="$com/st" >&2
		# The VMM example, built as a VMM builder would: against the
		# header and example source the -dev package installs.
		dpkg -x "$deb_n/kvm-abi-shim-dev_${ver}_all.deb" "$com/dev"
		pc=$com/dev/usr/share/pkgconfig/kvm-abi-shim.pc
		cflags=$(echo $(PKG_CONFIG_PATH=${pc%/*} PKG_CONFIG_SYSROOT_DIR=$com/dev pkg-config --cflags kvm-abi-shim))
		aarch64-linux-gnu-gcc -O2 -Wall -Werror -static $cflags -o "$com/vmm-level" \
			"$com/dev/usr/share/doc/kvm-abi-shim-dev/examples/vmm-level.c" || true
		check "the VMM example of kvm-abi-shim-dev builds with pkg-config --cflags kvm-abi-shim ($cflags)" \
			'[ -x "$com/vmm-level" ] && [ "$cflags" = "-I$com/dev/usr/include/kvm-abi-shim" ] &&
			 [ ! -e "$com/dev/usr/include/linux" ]'
		# A fleet signing key, as an operator would configure for DKMS.
		openssl req -new -x509 -newkey rsa:2048 -nodes -days 36500 -sha256 \
			-subj "/CN=kvm-abi-shim test fleet key/" -outform DER \
			-keyout "$com/fleet.key" -out "$com/fleet.der" 2>/dev/null
		touch "$com/done"
	fi
	flock -u 8
}

# in ROOT CMD...: run CMD in the arm64 root filesystem as if KREL were
# running (qemu-user reports QEMU_UNAME as the kernel release; QEMU_CPU:
# lib.sh). depmod is
# the no-op of tests/pkg/depmod (first in PATH): the host's indexes the
# root after each step (root-depmod.sh).
in_root() {
	local root=$1 krel=$2
	shift 2
	chroot "$root" /usr/bin/env -i QEMU_UNAME="$krel" QEMU_CPU="$QEMU_CPU" \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive HOME=/root LC_ALL=C.UTF-8 "$@"
}

# declined KREL WHY REASON: in $root, DKMS declines to build for KREL (a fake
# /lib/modules/KREL the caller made, removed here), and the kernel
# package's postinst hook, what installing such a kernel runs, succeeds;
# the CLI's preflight says no, with REASON.
declined() {
	local k=$1 why=$2 says=$3 rc=0 out
	out=$(in_root "$root" "$k" dkms install -m kvm-abi-shim -v "$ver" -k "$k" 2>&1) || rc=$?
	sed -n '1,5s/^/# dkms install -k '"$k"': /p' <<< "$out" >> "$tapf"
	check "$rel: dkms install for $k ($why) is declined (exit $rc), no build attempted" \
		'[ $rc != 0 ] && grep -q BUILD_EXCLUSIVE <<< "$out" && [ ! -e "$root/var/lib/dkms/kvm-abi-shim/$ver/$k" ] && [ ! -e "$root/var/lib/dkms/kvm-abi-shim/$ver/build/make.log" -o -z "$(grep -l "$k" "$root/var/lib/dkms/kvm-abi-shim/$ver/build/make.log" 2>/dev/null)" ]'
	rc=0
	out=$(in_root "$root" "$k" /etc/kernel/postinst.d/dkms "$k" 2>&1) || rc=$?
	sed -n '1,5s/^/# kernel hook '"$k"': /p' <<< "$out" >> "$tapf"
	check "$rel: the kernel postinst hook for $k succeeds and builds nothing (exit $rc)" \
		'[ $rc = 0 ] && ! ls "$root/lib/modules/$k/updates/dkms/"kvm_abi_shim.ko* >/dev/null 2>&1'
	rc=0
	out=$(in_root "$root" "$first" kvm-abi-shim preflight "$k" 2>&1) || rc=$?
	echo "$out" | sed 's/^/# preflight '"$k"': /' >> "$tapf"
	check "$rel: kvm-abi-shim preflight $k says no (exit $rc): $says" \
		'[ $rc = 1 ] && grep -q "$says" <<< "$out"'
	rm -rf "${root:?}/lib/modules/$k"
}

# fleet_key: in $root, configure an operator's signing key for DKMS
# (framework.conf.d on 3.x, sign_tool on 2.8). Every DKMS build after this
# (the kernel upgrade's hook, the package upgrade in the emulated host) must
# be signed with it: no rebuild of its own is needed to test it.
fleet_key() {
	install -D -m 600 "$com/fleet.key" "$root/etc/kas-test/fleet.key"
	install -D -m 644 "$com/fleet.der" "$root/etc/kas-test/fleet.der"
	if [ "$dkmsser" = 2.8 ]; then
		# As bullseye's /etc/dkms/sign_helper.sh, with the fleet key.
		cat > "$root/etc/kas-test/sign.sh" <<'SIGN'
#!/bin/sh
# sign_tool for DKMS 2.8: $1 kernel release, $2 module.
exec /lib/modules/"$1"/build/scripts/sign-file sha512 /etc/kas-test/fleet.key /etc/kas-test/fleet.der "$2"
SIGN
		chmod +x "$root/etc/kas-test/sign.sh"
		echo 'sign_tool="/etc/kas-test/sign.sh"' >> "$root/etc/dkms/framework.conf"
	else
		mkdir -p "$root/etc/dkms/framework.conf.d"
		printf 'mok_signing_key="/etc/kas-test/fleet.key"\nmok_certificate="/etc/kas-test/fleet.der"\n' \
			> "$root/etc/dkms/framework.conf.d/fleet-key.conf"
	fi
}
fleet_signer="kvm-abi-shim test fleet key"

# The upgrade boot builds the next version with DKMS in the emulated host:
# trixie's took 361 s with its modules trimmed (trim_modules; 588 s before
# in a warm make check, 870 s once on a cold run with root filesystems
# still being prepared beside it). The timeout is for hangs, far above.
boot() { # boot KREL IMG EXTRA-CMDLINE LOG RESULTS
	KAS_BOOT_TIMEOUT=${KAS_PKG_BOOT_TIMEOUT:-1800} \
		kas_boot_disk "$1" "$2" "kas.mode=pkg $3" "$4" "$5" "$com/st" "$work/initrd-$1"
}

# release_vars REL: the release's line of tests/pkg/releases and its kernels
# (exact builds from the fleet).
release_vars() {
	rel=$1
	read -r _ dkmsser fleetkey systemd kernels <<<"$(awk -v r="$rel" '!/^#/ && $1 == r' "$KAS_TOP/tests/pkg/releases")"
	[ -n "$kernels" ] || kas_die "release '$rel' is not in tests/pkg/releases"
	ks=() ups=()
	for e in $kernels; do
		ks+=("$(kas_fleet_kernel "${e#+}")")
		[ "${e#+}" = "$e" ] || ups+=("${ks[-1]}")
	done
	first=${ks[0]} newest=${ks[-1]}
	# With a kernel upgrade, VMs are pinned to the old kernel's series.
	pin=
	[ ${#ups[@]} -eq 0 ] || pin=$(kas_series "$first")
}

# trim_modules: in $root, keep of each kernel's own compressed modules only
# those its boots load (what the test's initramfs loads, and their
# dependencies).
# In the emulated host, depmod reads every module of the kernel, and DKMS
# runs it at each install and removal (trixie's upgrade: on both kernels),
# decompressing each of 4,351 (6.12) and 4,486 (7.3) xz-compressed modules. What the
# test exercises (DKMS, depmod, modprobe of our module) is the same with
# fewer of them. DKMS still compresses as the kernel does: it follows the
# compression of the modules it finds.
trim_modules() {
	local d k keep gone
	for d in "$root"/lib/modules/*/kernel; do
		# Uncompressed modules (5.10, 6.1) cost depmod little.
		[ -n "$(find "$d" -name '*.ko.?*' -type f | head -n 1)" ] || continue
		k=${d%/kernel} && k=${k##*/}
		keep=$(for m in virtio_mmio virtio_console $KAS_DISK_MODS; do
			modprobe -d "$root" -S "$k" --show-depends "${m#\?}" 2>/dev/null || true
		done | sed -n 's|^insmod \([^ ]*\).*|\1|p' | sort -u)
		# None (all built in): DKMS would not see the kernel's compression.
		[ -n "$keep" ] || continue
		gone=$(find "$d" -name '*.ko*' -type f | grep -vxF -e "$keep" || true)
		[ -z "$gone" ] || echo "$gone" | xargs rm -f
		note "$rel: $k keeps $(echo "$keep" | grep -c .) of its modules (the boot's), $(echo "$gone" | grep -c .) removed"
	done
}

# prepare REL: everything before the boots (under qemu-user), into
# $prep/REL: its results (tap) and the disk image (img). Once per run;
# whoever comes second waits for the first, except a second --prepare,
# which goes on to its next release instead.
prepare() {
	local pd=$prep/$1
	exec 9> "$prep/$1.lock"
	# --prepare: a release another process is preparing is left to it
	# (whoever boots it waits for it), so that two chains share the work.
	if [ -n "$prepare_only" ]; then flock -n 9 || return 0; else flock 9; fi
	if [ -e "$pd/done" ]; then
		flock -u 9
		return
	fi
	rm -rf "$pd"
	mkdir -p "$pd"
	echo $$ > "$prep/$1.pid"
	common
	tapf=$pd/tap
	release_vars "$1"
	prepare_release
	touch "$pd/done"
	flock -u 9
}

prepare_release() {
	local t0 rc m k by st ko signer kup fake e tar dkmsv pdir=$prep/$rel
	t0=$(ts)
	tar=$(bash "$KAS_TOP/tests/pkg/mkrootfs.sh" "$rel")
	note "$rel: root filesystem $(basename "$tar") ready in $(($(ts) - t0)) s"
	root=$work/$rel
	mkdir -p "$root"
	tar -C "$root" -xf "$tar"
	# What maintainer scripts expect of a running system.
	mount -t proc proc "$root/proc" && mounted+=("$root/proc")
	mount --bind /dev "$root/dev" && mounted+=("$root/dev")
	dkmsv=$(in_root "$root" "$first" dpkg-query -W -f '${Version}' dkms)
	note "$rel: dkms $dkmsv, kernels$(for k in "${ks[@]}"; do printf ' %s' "$(kas_fleet_describe "$k")"; done)"
	check "$rel ships DKMS $dkmsser.x" '[ "${dkmsv#"$dkmsser".}" != "$dkmsv" ]'

	# Install version N as an operator would, on a host running $first.
	mkdir -p "$root/var/tmp/kas" "$root/var/tmp/kas-next" "$root/etc/kas-test"
	cp "$deb_n"/*.deb "$root/var/tmp/kas/"
	cp "$deb_next"/*.deb "$root/var/tmp/kas-next/"
	t0=$(ts)
	rc=0
	in_root "$root" "$first" sh -c 'dpkg -i /var/tmp/kas/*.deb' > "$logs/$rel-install.log" 2>&1 || rc=$?
	bash "$KAS_TOP/tests/pkg/root-depmod.sh" "$root"
	note "$rel: dpkg -i (DKMS builds under qemu-user) took $(($(ts) - t0)) s, log $logs/$rel-install.log"
	check "$rel: dpkg -i of the $ver packages succeeds" '[ $rc = 0 ]'
	# From here on, every DKMS build signs with the operator's key.
	[ "$fleetkey" = yes ] && fleet_key
	# The kernel upgrade, as apt would install it with the package there
	# (no initramfs: the test boots its own).
	for k in "${ups[@]}"; do
		t0=$(ts)
		rc=0
		# What the kernel packages pre-depend on (a newer linux-base,
		# the compiler) is configured first, as apt would order it.
		in_root "$root" "$first" INITRD=No sh -c 'cd /var/tmp/kas-kernels &&
			dpkg -i $(ls *.deb | grep -Ev "^linux-(image|binary|modules|base|headers|kbuild)-[0-9]") &&
			dpkg -i $(ls *.deb | grep -E "^linux-(image|binary|modules|base|headers|kbuild)-[0-9]")' \
			> "$logs/$rel-kernel-$k.log" 2>&1 || rc=$?
		bash "$KAS_TOP/tests/pkg/root-depmod.sh" "$root"
		note "$rel: installing $(kas_fleet_describe "$k") ($(ls "$root/var/tmp/kas-kernels" | wc -l) packages) took $(($(ts) - t0)) s, log $logs/$rel-kernel-$k.log"
		check "$rel: installing kernel $k with kvm-abi-shim $ver installed succeeds" '[ $rc = 0 ]'
		rm -rf "$root/var/tmp/kas-kernels"
	done
	for k in "${ks[@]}"; do
		by="the package's postinst had DKMS"
		case " ${ups[*]} " in *" $k "*) by="the kernel's own DKMS hook had DKMS" ;; esac
		st=$(in_root "$root" "$first" dkms status -m kvm-abi-shim -v "$ver" -k "$k" 2>&1 || true)
		note "$rel: dkms status: $st"
		check "$rel: $by build and install $ver for $k" \
			'grep -q "installed" <<< "$st"'
		# 6.12's modules are xz-compressed; DKMS follows the kernel.
		ko=$(ls "$root/lib/modules/$k/updates/dkms/"kvm_abi_shim.ko* 2>/dev/null | head -n1)
		check "$rel: $k's module is at updates/dkms, version $ver, vermagic $k" \
			'[ "$(modinfo -F version "$ko" 2>/dev/null)" = "$ver" ] && grep -q "^$k " <<< "$(modinfo -F vermagic "$ko")"'
		signer=$(modinfo -F signer "$ko" 2>/dev/null || true)
		case " ${ups[*]} " in *" $k "*) kup=1 ;; *) kup= ;; esac
		if [ -n "$kup" ] && [ "$fleetkey" = yes ]; then
			check "$rel: with a fleet key configured, DKMS $dkmsser signs $k's module with it (signer: ${signer:-none})" \
				'[ "$signer" = "$fleet_signer" ]'
		elif [ "$dkmsser" = 2.8 ]; then
			check "$rel: DKMS 2.8 leaves the module unsigned without a sign_tool" '[ -z "$signer" ]'
		else
			check "$rel: DKMS $dkmsser signs $k's module with its MOK key (signer: $signer)" \
				'[ -n "$signer" ] && [ "$signer" != "$fleet_signer" ] && [ -s "$root/var/lib/dkms/mok.pub" ]'
		fi
	done
	check "$rel: /etc/modprobe.d/kvm-abi-shim.conf sets no option" \
		'! grep -q "^[^#]" "$root/etc/modprobe.d/kvm-abi-shim.conf"'
	check "$rel: nothing loads the module at boot unless the operator enables it" \
		'! grep -rqs kvm_abi_shim "$root/etc/modules-load.d" "$root/etc/modules" "$root/lib/modules-load.d" "$root/usr/lib/modules-load.d" &&
		 ! ls "$root"/etc/systemd/system/*.wants/kvm-abi-shim.service >/dev/null 2>&1'

	# A kernel outside the supported series, and a PREEMPT_RT kernel of a
	# supported one (the -rt flavour, where the module is not correct):
	# DKMS declines both and builds nothing.
	fake=6.6.0-99-arm64
	mkdir -p "$root/lib/modules/$fake"
	ln -s "/usr/src/linux-headers-$first" "$root/lib/modules/$fake/build"
	declined "$fake" "outside 5.10/6.1/6.12/7.3" "not one the module supports"
	fake=$(echo "$first" | sed -E 's/-arm64$/-rt-arm64/')
	# Headers as DKMS looks for them: $first's, with PREEMPT_RT in .config.
	mkdir -p "$root/lib/modules/$fake/build"
	for e in "$root/usr/src/linux-headers-$first"/* "$root/usr/src/linux-headers-$first"/.[!.]*; do
		[ "${e##*/}" = .config ] || ln -s "/usr/src/linux-headers-$first/${e##*/}" "$root/lib/modules/$fake/build/"
	done
	cp "$root/usr/src/linux-headers-$first/.config" "$root/lib/modules/$fake/build/.config"
	echo CONFIG_PREEMPT_RT=y >> "$root/lib/modules/$fake/build/.config"
	declined "$fake" "PREEMPT_RT" "is PREEMPT_RT"

	# A process the maintainer scripts left behind may hold /dev for a
	# moment (seen once on trixie): wait for it, then detach lazily.
	for m in "$root/proc" "$root/dev"; do
		for _ in 1 2 3 4 5; do umount "$m" 2>/dev/null && break; sleep 1; done
		if mountpoint -q "$m"; then
			note "$rel: $m still busy: $(fuser -vm "$m" 2>&1 | tr '\n' ' ' | cut -c1-300)"
			umount -l "$m"
		fi
	done
	mounted=()
	# Boot each kernel on this root filesystem.
	if [ "$systemd" = yes ]; then
		# Booted only with kas.init=systemd: enabling them changes
		# nothing for the other boots, which run kas-pkgtest as init.
		install -m 755 "$KAS_TOP/tests/pkg/unittest.sh" "$root/usr/local/sbin/kas-unittest"
		cat > "$root/etc/systemd/system/kas-vm.service" <<'UNIT'
[Unit]
Description=A VM service that must not start unpinned
Requires=kvm-abi-shim.service
After=kvm-abi-shim.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'holdvm default < /dev/null > /run/kas-vm.out 2>&1'

[Install]
WantedBy=multi-user.target
UNIT
		cat > "$root/etc/systemd/system/kas-unittest.service" <<'UNIT'
[Unit]
Description=kvm-abi-shim unit test
After=kas-vm.service kvm-abi-shim.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/kas-unittest

[Install]
WantedBy=multi-user.target
UNIT
		rc=0
		in_root "$root" "$first" systemctl enable kvm-abi-shim.service kas-vm.service kas-unittest.service \
			> "$logs/$rel-systemctl.log" 2>&1 || rc=$?
		check "$rel: systemctl enable kvm-abi-shim.service (shipped disabled) succeeds" \
			'[ $rc = 0 ] && [ -L "$root/etc/systemd/system/multi-user.target.wants/kvm-abi-shim.service" ]'
	fi
	# The booted host runs its own depmod (the upgrade's DKMS build).
	rm -f "$root/usr/local/sbin/depmod"
	trim_modules
	bash "$KAS_TOP/tests/pkg/root-depmod.sh" "$root"
	install -m 755 "$KAS_TOP/tests/pkg/pkgtest.sh" "$root/usr/local/sbin/kas-pkgtest"
	install -D -m 644 "$KAS_TOP/tests/vm/rootfs-lib.sh" "$root/usr/local/lib/kas-rootfs.sh"
	install -m 755 "$com/st/holdvm" "$com/vmm-level" "$root/usr/local/bin/"
	echo "$ver" > "$root/etc/kas-test/version"
	echo "$next" > "$root/etc/kas-test/next-version"
	# Who must have signed the upgrade's build in the emulated host.
	if [ "$fleetkey" = yes ]; then echo "$fleet_signer"
	elif [ "$dkmsser" = 2.8 ]; then echo "(unsigned)"
	else echo "(DKMS MOK)"; fi > "$root/etc/kas-test/signer"
	img=$pdir/img
	rm -f "$img"
	t0=$(ts)
	mke2fs -q -t ext4 -L kasroot -d "$root" "$img" "$(( $(du -sm "$root" | cut -f1) + 1536 ))M"
	note "$rel: ext4 image made in $(($(ts) - t0)) s"
	rm -rf "${root:?}"
}

# boot_replay KREL EXTRA NAME LOGNAME: boot KREL on $img with EXTRA on the
# command line, its results as TAP named NAME.
boot_replay() {
	local log=$logs/$4.console res=$logs/$4.results t0 rc=0
	t0=$(ts)
	boot "$1" "$img" "$2" "$log" "$res" || rc=$?
	echo "# $3: boot (${2:-no extra steps}) took $(($(ts) - t0)) s (qemu exit $rc, console $log)"
	kas_replay "$res" "$3"
}

if [ -n "$prepare_only" ]; then
	for rel in "${rels[@]}"; do prepare "$rel"; done
	exit 0
fi

# raise_prep REL: REL's preparation (its process and every descendant) runs at
# this stage's priority from now on. Under make check, one background
# chain prepares at a lower priority so as not to slow the fleet's boots;
# once this stage has nothing else to boot, the run waits for it.
raise_prep() {
	local pid my
	pid=$(cat "$prep/$1.pid" 2>/dev/null) || return 0
	my=$(ps -o ni= -p $$ | tr -d ' ')
	ps -e -o pid=,ppid=,ni= | awk -v top="$pid" -v my="$my" '
		{ kids[$2] = kids[$2] " " $1; ni[$1] = $3 }
		END {
			q[1] = top; n = 1
			for (i = 1; i <= n; i++) {
				if (ni[q[i]] > my) print q[i]
				m = split(kids[q[i]], c, " ")
				for (j = 1; j <= m; j++) q[++n] = c[j]
			}
		}' | xargs -r renice -n "$my" -p > /dev/null 2>&1 || true
}

# next_release: of the releases not booted yet, one already prepared (under
# make check, by either background chain), else one nobody is preparing
# (prepared here, in the foreground), else wait for the first to finish,
# raising the priority of what it waits for.
next_release() {
	local r raised=
	while :; do
		for r in "${pending[@]}"; do
			[ -e "$prep/$r/done" ] && { echo "$r"; return; }
		done
		for r in "${pending[@]}"; do
			flock -n "$prep/$r.lock" true && { echo "$r"; return; }
		done
		for r in "${pending[@]}"; do raise_prep "$r"; done
		[ -n "$raised" ] || echo "# waiting for the preparation of ${pending[*]}, now at this stage's priority" >&2
		raised=1
		sleep 5
	done
}

common
replay "$com/tap"
pending=("${rels[@]}")
while [ ${#pending[@]} -gt 0 ]; do
	rel=$(next_release)
	left=()
	for r in "${pending[@]}"; do [ "$r" = "$rel" ] || left+=("$r"); done
	pending=("${left[@]}")
	t0=$(ts)
	prepare "$rel"
	echo "# $rel: prepared ($(($(ts) - t0)) s here; in the background under make check)"
	replay "$prep/$rel/tap"
	release_vars "$rel"
	img=$prep/$rel/img
	tapf=$work/boot-tap
	for k in "${ks[@]}"; do
		extra=${pin:+kas.pin=$pin}
		[ "$k" = "$newest" ] && extra="$extra kas.upgrade"
		# The reload path once, on the oldest DKMS.
		[ "$k" = "$newest" ] && [ "$dkmsser" = 2.8 ] && extra="$extra kas.reload"
		boot_replay "$k" "$extra" "$rel $k" "$rel-$k"
	done
	if [ "$systemd" = yes ]; then
		# The unit under systemd: with the module, then without.
		for phase in 1 2; do
			boot_replay "$newest" "kas.init=systemd kvm_abi_shim.default_level=5.10" \
				"$rel $newest systemd boot $phase" "$rel-systemd-$phase"
		done
	fi
	rm -f "$img"
done

kas_tap_summary
[ "$fail" -eq 0 ]
