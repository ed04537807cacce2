#!/usr/bin/env bash
# run.sh: the QEMU save/restore drill (make qemu-drill; stage "qemu" of
# make check). Debian bookworm's qemu-system-aarch64 runs inside the test VM
# with -accel kvm -cpu host, as a fleet VMM would, and knows nothing of the
# module: the level comes from default_level. A guest is saved on one
# fleet kernel and restored after the test VM is rebooted on another:
#   6.1@6.12 -> 6.1, 6.1 -> 6.12@6.1, 6.1@5.10 -> 5.10, 5.10 -> 6.1@5.10,
#   the same 6.1 moves with Debian 13's 6.12, 6.12+deb12 <-> +deb13,
#   6.12 -> 7.3@6.12, 7.3@6.12 -> 6.12 (Debian 12's and 13's), 7.3@6.1 -> 6.1
# must restore, the guest going on and reading the registers it read before;
# at native (and without the module) the same moves fail, as they do on
# stock kernels. A Linux guest (a Debian 12 kernel, 2 vCPUs, a virtio-pci
# disk with MSIs through the ITS, steal time) makes every move that must
# restore, carried from host to host as a fleet VM is, and must go on with
# its counter, clock and devices, and no warning in its log.
# Prints TAP and "N passed, N failed, N skipped".
set -euo pipefail
. "$(dirname "$0")/../vm/lib.sh"

# Alone (make qemu-drill / pkg-test) on a fresh host: the suites and tools.
bash "$KAS_TOP/tests/vm/setup-host.sh"
bash "$KAS_TOP/tests/pkg/setup-pkg-host.sh"
k510=$(kas_series_ref 5.10) k61=$(kas_series_ref 6.1) k612=$(kas_series_ref 6.12)
# Debian 13's 6.12 (gcc-14, trixie): the fleet's stable-release host.
k613=$(kas_fleet_kernel 6.12-deb13)
# trixie-backports' 7.3: the next upgrade, and the rollback from it.
k73=$(kas_series_ref 7.3)
logs=$KAS_CACHE/logs/qemu-$(date +%Y%m%d-%H%M%S)
mkdir -p "$logs"
work=$(mktemp -d /var/tmp/kas-qemu.XXXXXX)
# Interrupted (a CI timeout, ^C): the other lane's boot goes too.
trap 'kas_kill_jobs; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

check() { # check DESCRIPTION 'CONDITION'
	if eval "$2"; then tap ok "$1"; else tap notok "$1"; fi
}

# The boots, in order: KERNEL CPU STEPS (see qdrill.sh). Level "none" is a
# stock kernel (no module); a native VM is one the module leaves alone. A
# state moves between hosts of one CPU model (-cpu host). The 5.10 moves
# run on a Neoverse N1: QEMU's "max" CPU is one no kernel knows, and 5.10.223
# and 6.1.176 judge such a CPU differently for Spectre-BHB (unaffected /
# vulnerable: SMCCC_ARCH_WORKAROUND_3 2 / 0), a host security verdict that
# KVM rightly refuses to weaken on restore; fleet CPUs are known to both.
# Debian 12's and 13's 6.12 builds must be one ABI: a native VM moves
# between them both ways (a612: 6.12+deb12 -> +deb13, t613 back).
# 7.3: a 6.12 guest upgrades to 7.3 only at level 6.12 (stock 7.3 lists
# fewer registers than 6.12 saved); one saved on 7.3 at 6.12 or 6.1 goes
# back to 6.12 (both builds) or 6.1, one saved native does not (PSCI 1.3).
plan=(
	"$k612 max save:a612at61:6.1,save:a612:native,lboot:La61:6.1,lboot:Lan:native,lrestore:Lan:native:ok"
	"$k73 max restore:a612:6.12:ok,restore:a612:none:fail,save:u73at612:6.12,save:u73at61:6.1,save:u73:native,lboot:Lu61:6.1,lrestore:Lan:6.12:ok:Lu612"
	"$k613 max restore:a612:none:ok,restore:u73at612:none:ok,restore:u73:none:fail,save:t613at61:6.1,save:t613:native,lboot:Lt61:6.1,lrestore:Lan:none:ok:Ltn,lrestore:Lu612:none:ok"
	"$k61 max restore:a612at61:none:ok,restore:t613at61:none:ok,restore:a612:none:fail,restore:u73at61:none:ok,save:b61:none,lrestore:La61:none:ok:Lb61,lrestore:Lt61:none:ok,lrestore:Lu61:none:ok"
	"$k612 max restore:b61:6.1:ok,restore:b61:native:fail,restore:t613:none:ok,restore:u73at612:none:ok,restore:u73:none:fail,lrestore:Lb61:6.1:ok,lrestore:Ltn:none:ok,lrestore:Lu612:none:ok"
	"$k613 max restore:b61:6.1:ok,restore:b61:native:fail,lrestore:Lb61:6.1:ok"
	"$k61 neoverse-n1 save:d61at510:5.10,save:d61:none,lboot:Ld510:5.10"
	"$k510 neoverse-n1 restore:d61at510:none:ok,restore:d61:none:fail,save:c510:none,lrestore:Ld510:none:ok:Lc510"
	"$k61 neoverse-n1 restore:c510:5.10:ok,restore:c510:native:fail,lrestore:Lc510:5.10:ok"
	# The seed's case: a FEAT_CCIDX host (QEMU 10's Neoverse N2; 7.2 has no
	# CPU with it). 6.1 shows guests CCIDX and 64-bit CCSIDR, 6.12 masks it.
	"$k612 neoverse-n2 save:g612at61:6.1,save:g612:native,lboot:Lg61:6.1"
	"$k61 neoverse-n2 restore:g612at61:none:ok,save:e61:none,lrestore:Lg61:none:ok:Le61"
	"$k612 neoverse-n2 restore:e61:6.1:ok,restore:e61:none:fail,lrestore:Le61:6.1:ok"
)
# For a quick look: run.sh "KREL CPU STEPS"... replaces the plan. The boots
# of one CPU model run in plan order; the models' chains run in two lanes.
[ $# -eq 0 ] || plan=("$@")

t0=$SECONDS
tar=$(bash "$KAS_TOP/tests/pkg/mkrootfs.sh" bookworm qemu)
echo "# root filesystem $(basename "$tar") ready in $((SECONDS - t0)) s"
root=$work/root
mkdir -p "$root" "$work/st"
tar -C "$root" -xf "$tar"
make -s -C "$KAS_TOP/tests/qemu" OUT="$work" >&2
install -D -m 644 "$work/l2guest.elf" "$root/opt/kas/l2guest.elf"
# The Linux guest: a Debian kernel's own Image (a Debian 12 guest's) with
# a BusyBox initramfs (tests/qemu/l2init.sh).
l2k=${KAS_QDRILL_L2:-$k61}
install -D -m 644 "$(kas_vmlinuz "$l2k")" "$root/opt/kas/l2linux/Image"
bash "$KAS_TOP/tests/qemu/mkl2initrd.sh" "$l2k" "$root/opt/kas/l2linux/initrd.gz"
install -D -m 755 "$KAS_TOP/tests/qemu/qdrill.sh" "$root/usr/local/sbin/kas-qdrill"
install -D -m 644 "$KAS_TOP/tests/vm/rootfs-lib.sh" "$root/usr/local/lib/kas-rootfs.sh"
for k in "$k510" "$k61" "$k612" "$k613" "$k73"; do
	ko=
	ko=$(bash "$KAS_TOP/tests/vm/build-module.sh" "$k" 2> "$logs/$k.build" | tail -n1) || true
	check "$k: module builds" '[ -n "$ko" ] && [ -e "$ko" ]'
	[ -n "$ko" ] && install -D -m 644 "$ko" "$root/opt/kas/ko/$k/kvm_abi_shim.ko"
done
img=$work/root.img
# Room for the saved states (a Linux guest's are tens of MB) and disks.
mke2fs -q -t ext4 -L kasroot -d "$root" "$img" "$(($(du -sm "$root" | cut -f1) + 1536))M"
rm -rf "$root"

# A state moves only between hosts of one CPU model: the boots of each model
# are a chain, in plan order, on a disk of their own. One boot keeps about
# one core busy (the nested guest's vCPUs run in turn), so the chains run in
# two lanes: the longest alone, the others one after another beside it.
# (Alone on 2 cores: 464 s in two lanes, about 600 s in one.)
declare -A chain=() disk=()
models=()
i=0
for p in "${plan[@]}"; do
	read -r _ cpu _ <<<"$p"
	i=$((i + 1))
	[ -n "${chain[$cpu]:-}" ] || models+=("$cpu")
	chain[$cpu]="${chain[$cpu]:-} $i"
done
for cpu in "${models[@]}"; do
	disk[$cpu]=$img
	[ "$cpu" = "${models[0]}" ] || { disk[$cpu]=$work/$cpu.img; cp --sparse=always "$img" "${disk[$cpu]}"; }
done
# The QEMU with a FEAT_CCIDX Neoverse N2, fetched before the lanes start.
n2emu=
case " ${models[*]} " in *" neoverse-n2 "*) n2emu=$(bash "$KAS_TOP/tests/qemu/fetch-qemu.sh") ;; esac
drill_boot() { # drill_boot I: boot I of the plan; its exit and duration in $logs/I.rc
	local k cpu steps emu=qemu-system-aarch64 t0=$SECONDS rc=0
	read -r k cpu steps <<<"${plan[$1 - 1]}"
	local d=${disk[$cpu]}
	case $cpu in
	max) cpu=max,pauth-impdef=on ;;
	neoverse-n2) cpu=neoverse-n2,pauth-impdef=on emu=$n2emu ;;
	esac
	# A boot saves and restores Linux guests under nested emulation. Its
	# console keeps warnings too: loglevel 4 showed a WARN's panic and
	# trace but not its own line (file and line, level 4).
	KAS_BOOT_TIMEOUT=${KAS_BOOT_TIMEOUT:-1800} KAS_QEMU=$emu KAS_BOOT_CPU=$cpu KAS_BOOT_LOGLEVEL=5 \
		kas_boot_disk "$k" "$d" "kas.mode=qemu kas.qdrill=$steps" "$logs/$1-$k.console" \
		"$logs/$1-$k.results" "$work/st" "$work/initrd-$1" || rc=$?
	echo "$rc $((SECONDS - t0)) $cpu" > "$logs/$1.rc"
}
run_chains() { # run_chains MODEL...: their boots, one chain after another
	local cpu i
	for cpu in "$@"; do
		for i in ${chain[$cpu]}; do drill_boot "$i"; done
	done
}
# KAS_DRILL_LANES=1: one lane (make check, whose other stages keep the
# second core busy: there two drill boots side by side cost a quarter more
# CPU time than one after the other).
if [ "${KAS_DRILL_LANES:-2}" = 1 ]; then
	run_chains "${models[@]}"
else
	run_chains "${models[0]}" &
	lane1=$!
	[ ${#models[@]} -lt 2 ] || run_chains "${models[@]:1}"
	wait "$lane1" || true
fi

i=0
for p in "${plan[@]}"; do
	read -r k _ steps <<<"$p"
	i=$((i + 1))
	log=$logs/$i-$k.console res=$logs/$i-$k.results
	read -r rc dt cpu < "$logs/$i.rc" 2>/dev/null || rc="never booted" dt=0 cpu="?"
	echo "# boot $i $k (-cpu $cpu): $steps: $dt s (qemu exit $rc, console $log)"
	kas_replay "$res" "$k boot $i"
	check "$k boot $i: kernel log clean" \
		'[ -e "$log" ] && ! grep -qE "WARNING:|BUG:|Oops|Kernel panic|Call trace:" "$log"'
done

kas_tap_summary
[ "$fail" -eq 0 ]
