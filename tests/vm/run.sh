#!/usr/bin/env bash
# run.sh [-k KREL]... [-b BOOT]...: boot each fleet kernel under
# qemu-system-aarch64 (TCG, virtualization=on) in each of its configurations,
# run the selftests inside, and print one TAP line per test plus the total
# "N passed, N failed, N skipped". Exit status 0 iff nothing failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kernels=() boots=()
while getopts k:b: o; do
	case $o in
	k) kernels+=("$OPTARG") ;;
	b) boots+=("$OPTARG") ;;
	*) exit 2 ;;
	esac
done
[ ${#kernels[@]} -gt 0 ] || mapfile -t kernels < <(kas_fleet_kernels)

bash "$KAS_TOP/tests/vm/setup-host.sh"
logs=$KAS_CACHE/logs/$(date +%Y%m%d-%H%M%S)
mkdir -p "$logs"
ln -sfn "$logs" "$KAS_CACHE/logs/latest"

st=$logs/selftests
mkdir -p "$st"
make -s -C "$KAS_TOP/tests/selftests" OUT="$st" >&2
make -s -C "$KAS_TOP/tools/fingerprint" OUT="$st" all >&2
rm -f "$st/kvm-abi-fingerprint-host"
cp "$KAS_TOP/tests/selftests/cli.sh" "$st/"
sed "s/@VERSION@/$(cat "$KAS_TOP/VERSION")/" "$KAS_TOP/tools/kvm-abi-shim" > "$st/kvm-abi-shim"
chmod 755 "$st/kvm-abi-shim"
# The selftests installed as kselftest does, with the kernel's runner
# (linux-source's run_kselftest.sh): one boot runs them as an operator would.
# The copies become links to the programs beside them (a smaller initramfs).
ksd=$st/kselftest
make -s -C "$KAS_TOP/tests/selftests" OUT="$st" install INSTALL_PATH="$ksd" >&2
lsrc=$(kas_linux_source)
cp "$lsrc/tools/testing/selftests/run_kselftest.sh" "$ksd/"
cp -r "$lsrc/tools/testing/selftests/kselftest" "$ksd/"
for f in "$ksd"/kvm_abi_shim/*; do
	if cmp -s "$f" "$st/${f##*/}"; then ln -sfn "../../${f##*/}" "$f"; fi
done


# The series whose reference's v3 boot also runs the kernel's own KVM
# selftests (tests/vm/kvm-selftests), with the module and, those that do
# not pass, without it: every series (each from its own linux-source).
kvmst_series="5.10 6.1 6.12 7.3"

boot() { # boot KREL BOOT INITRD [KVMST] -> parses results into TAP
	# KVMST: the directory of the KVM selftests the initramfs carries (v3 runs them).
	# One VM held for the whole boot (kas.holdvm), as on a host in service:
	# KVM's count of VMs never drops to zero between the tests' VMs. On 7.3
	# under TCG, with or without the module, a kernel KVM_BUG_ON ended some
	# loaded boots; boots with the VM held never showed it (docs/testing.md).
	# KAS_HOLDVM=0 leaves it out.
	local hold=kas.holdvm
	[ "${KAS_HOLDVM:-1}" = 0 ] && hold=
	local krel=$1 b=$2 initrd=$3 kvmst=${4:-} gic=3 cpu=max,pauth-impdef=on extra="kas.gic=v3 $hold"
	local qemu=${KAS_QEMU:-qemu-system-aarch64}
	local log=$logs/$krel-$b.console res=$logs/$krel-$b.results
	case $b in
	v2) gic=2 extra="kas.gic=v2 $hold" ;;
	v3) ;;
	rv2) gic=2 extra="kas.gic=v2 kas.mode=restore" ;;
	rv3) extra="kas.gic=v3 kas.mode=restore" ;;
	nvhe)
		# 5.10 ignores kvm-arm.mode=nvhe; a CPU without VHE forces nVHE.
		if [ "$(kas_series "$krel")" = 5.10 ]; then cpu=cortex-a57; else extra="$extra kvm-arm.mode=nvhe"; fi ;;
	*) kas_die "unknown boot configuration $b" ;;
	esac
	# The stress test's seconds per phase: longest on the references'
	# GICv3 boots, then nVHE (struct kvm from the slab: addresses reused).
	case $b in
	v3) [ "$(kas_fleet_field "$krel" role)" = ref ] && extra="$extra kas.stress=10"
	    # 10,000 live VMs (or as many as fit) on the newest series' reference.
	    [ "$krel" = "$(kas_series_ref "$(kas_series "$(kas_fleet_kernels | tail -n1)")")" ] &&
		extra="$extra kas.many=10000"
	    # The installed selftests under the kernel's kselftest runner.
	    [ "$krel" = "$(kas_series_ref 6.12)" ] && extra="$extra kas.kselftest" ;;
	nvhe) extra="$extra kas.stress=5" ;;
	esac
	[ "$b" = v3 ] && [ -n "$kvmst" ] && extra="$extra kas.kvmst"
	# Under other tracers, the VM's life and an on-demand hook only (not
	# every suite) on nVHE boots (the same hooks as VHE's) and on the debug
	# kernel (every suite several times slower; the command's suite not at
	# all: its calls into the module are the other suites').
	# The debug kernel runs the long stress: there KASAN, lockdep and
	# kmemleak see what the threads do.
	# So do the other builds of a series that boot once (the oldest, the
	# point release, backports'): their own code, symbols and structure
	# layout are what they add to their series' reference, which runs
	# every suite under every tracer.
	if [ "$(kas_fleet_field "$krel" flavour)" = debug ]; then
		extra="$extra kas.brief kas.nocli kas.stress=10"
	elif [ "$b" = nvhe ] || { [ "$(kas_fleet_field "$krel" role)" != ref ] &&
				 [ "$(kas_fleet_field "$krel" boots)" = v3 ]; }; then
		extra="$extra kas.brief kas.fuzz=20000"
	fi
	# The command (tools/kvm-abi-shim, a shell script, thousands of
	# processes) on each series reference's GICv3 boot: what differs
	# between the boots of a series (GIC version, hyp mode, the build) is
	# below the control plane it calls, which ctrl and fuzz, run by every
	# boot, call too.
	[ "$b" = v3 ] && [ "$(kas_fleet_field "$krel" role)" = ref ] || extra="$extra kas.nocli"
	rm -f "$res"
	local t0=$SECONDS rc=0
	# The hang timeout: about three times the longest boot of its kind
	# with two lanes and make check's background preparation beside it
	# (the 7.3 GICv3 boot: 145 s alone, 223 s so), longer for the boot
	# that also runs the kernel's own KVM selftests.
	local tmo=${KAS_BOOT_TIMEOUT:-600} mem=1G
	case $extra in *kas.kvmst*) tmo=${KAS_BOOT_TIMEOUT:-1800} ;; esac
	# The debug kernel: KASAN's shadow and quarantine, lockdep and
	# kmemleak need memory, and everything runs several times slower.
	if [ "$(kas_fleet_field "$krel" flavour)" = debug ]; then
		mem=2G tmo=${KAS_BOOT_TIMEOUT:-2400}
	fi
	local try
	for try in 1 2; do
		rc=0
		timeout "$tmo" "$qemu" \
			-machine virt,virtualization=on,gic-version=$gic -cpu $cpu \
			-smp 2 -m $mem -nographic -no-reboot -nic none \
			-kernel "$(kas_vmlinuz "$krel")" -initrd "$initrd" \
			-append "console=ttyAMA0 panic=-1 oops=panic panic_on_warn=1 softlockup_panic=1 nmi_watchdog=panic loglevel=5 $extra ${KAS_APPEND:-}" \
			-device virtio-serial-device \
			-chardev file,id=res,path="$res" \
			-device virtserialport,chardev=res,name=kas.results \
			< /dev/null > "$log" 2>&1 || rc=$?
		# The kernel's own failure: it panicked, and its report says it
		# was not tainted, which the module (out of tree) would have made
		# it. Stock 7.3 does so now and then under TCG (docs/testing.md,
		# "What each boot runs"): the boot runs once more, and the first
		# attempt is kept and reported.
		[ "$try" = 1 ] && ! grep -qx '# END' "$res" 2>/dev/null && grep -q 'Kernel panic' "$log" &&
			grep -m1 -E '^\[ *[0-9.]+\] CPU: [0-9]+ .*(Not tainted|Tainted:)' "$log" | grep -q 'Not tainted' ||
			break
		mv "$log" "$log.untainted-panic"
		mv "$res" "$res.untainted-panic"
		tap skip "$krel $b: first attempt ended in the kernel's own panic, untainted (module not loaded): $(grep -m1 -E 'WARNING:|BUG:|Oops|Kernel panic' "$log.untainted-panic" | sed -E 's/^\[ *[0-9.]+\] //' | tr -d '#' | cut -c1-120); booted again"
	done
	local dt=$((SECONDS - t0)) prog="?" line file=""
	echo "# $krel $b: qemu exit $rc after ${dt}s (console: $log)"
	[ -e "$res" ] || : > "$res"
	mkdir -p "$logs/fp" "$logs/restore"
	while IFS= read -r line; do
		case $line in
		"# file restore-"*) file=$logs/restore/$krel.$b.${line#\# file }; : > "$file" ;;
		"# file "*) file=$logs/fp/$krel.$b.${line#\# file }; : > "$file" ;;
		"# end-file") file="" ;;
		"@ "*) [ -n "$file" ] && echo "${line#@ }" >> "$file" ;;
		"# run "*) prog=${line#\# run } ;;
		"not ok "* | "ok "*) kas_tap_line "$krel $b $prog: " "$line" ;;
		"#"*) [ -n "${KAS_VERBOSE:-}" ] && echo "$line" ;;
		esac
	done < "$res"
	case $b in rv*)
		if grep -qx '# END' "$res"; then tap ok "$krel $b: restore boot completed (${dt}s)"
		else tap notok "$krel $b: restore boot completed (qemu rc $rc)"; fi
		return ;;
	esac
	# The boot ran KVM in the mode it asked for.
	local want="VHE mode initialized" mode
	# What a clean boot never prints; also the kernel telling the module
	# it uses an interface on its way out.
	local bad='WARNING:|BUG:|Oops|Kernel panic|Call trace:|deprecated.*kvm_abi_shim|kvm_abi_shim.*deprecated'
	[ "$b" = nvhe ] && want="(Hyp|Hyp nVHE) mode initialized"
	mode=$(sed -n 's/^# kvm: //p' "$res")
	if grep -qE "kvm \[1\]: $want" <<< "$mode"; then
		tap ok "$krel $b: KVM mode is as configured ($mode)"
	else
		tap notok "$krel $b: KVM mode is as configured (want '$want', got '$mode')"
	fi
	if ! grep -qx '# END' "$res"; then
		tap notok "$krel $b: boot completed (qemu rc $rc, ${dt}s; timeout or crash)"
		tail -n 30 "$log" | sed 's/^/#   /'
	elif grep -qE "$bad" "$log"; then
		tap notok "$krel $b: kernel log free of WARN/BUG/Oops"
		grep -m5 -E "$bad" "$log" | sed 's/^/#   /'
	else
		tap ok "$krel $b: boot completed, kernel log clean (${dt}s)"
	fi
}

echo "TAP version 13"
cp "$(kas_fleet_lock)" "$logs/fleet.lock"
for krel in "${kernels[@]}"; do
	echo "# $krel: $(kas_fleet_field "$krel" image) and headers $(kas_fleet_field "$krel" version) ($(kas_fleet_field "$krel" suite)), $(kas_fleet_field "$krel" kbuild) $(kas_fleet_field "$krel" kbuild-version), $(kas_fleet_field "$krel" compiler)"
done
# kvmst_dir SERIES: ksd=the KVM selftests of linux-source-SERIES (built
# and cached on first use); a TAP failure (and status 1) if they did not.
kvmst_dir() {
	ksd=$(kas_linux_source "$1")/kvm-selftests
	ls "$ksd"/get-reg-list > /dev/null 2>&1 && return 0
	tap notok "the KVM selftests of linux-source-$1 build"
	tail -n 20 "$ksd/build.log" | sed 's/^/#   /'
	return 1
}

# kernel_boots KREL: the boots this run makes of KREL (-b, else the fleet's).
kernel_boots() {
	if [ ${#boots[@]} -gt 0 ]; then echo "${boots[*]}"; else kas_fleet_field "$1" boots; fi
}

# kernel_job KREL: build the module, make the initramfs and run every boot
# of one kernel; TAP on stdout (numbered and counted again by the replay).
kernel_job() {
	local krel=$1 ko initrd inject x kvmst b kb older_st ksd
	if ! ko=$(bash "$KAS_TOP/tests/vm/build-module.sh" "$krel" 2> "$logs/$krel.build" | tail -n1) ||
		[ ! -e "$ko" ]; then
		tap notok "$(kas_fleet_describe "$krel"): module builds"
		tail -n 20 "$logs/$krel.build" | sed 's/^/#   /'
		return 0
	fi
	initrd=$logs/$krel.initrd.gz
	# Native fingerprints of the older series' reference kernels, booted
	# earlier in this run (kernel_deps), for the firmware-register restore test.
	inject=$logs/inject/$krel
	mkdir -p "$inject"
	for x in ${deps[$krel]}; do
		cp "$logs/fp/$x".v[23].native "$logs/fp/$x".v[23].drill-native "$inject/" 2>/dev/null || true
	done
	# The series' own KVM selftests, run by its reference's v3 boot, and
	# each older series' (at its level: tests/vm/kvmst-matrix.sh).
	kvmst='' older_st=''
	[ "$(kas_fleet_field "$krel" role)" = ref ] &&
	case " $kvmst_series " in *" $(kas_series "$krel") "*)
		kvmst_dir "$(kas_series "$krel")" && kvmst=$ksd
		for x in $kvmst_series; do
			if [ -n "$kvmst" ] && older "$x" "$krel" && kvmst_dir "$x"; then
				older_st="$older_st $x=$ksd"
			fi
		done ;;
	esac
	KAS_INITRD_KVMST=$kvmst KAS_INITRD_KVMST_OLDER=$older_st \
		bash "$KAS_TOP/tests/vm/mkinitrd.sh" "$krel" "$ko" "$st" "$initrd" "$inject"
	read -ra kb <<< "$(kernel_boots "$krel")"
	for b in "${kb[@]}"; do
		boot "$krel" "$b" "$initrd" "$kvmst"
	done
}

# older SERIES KREL: SERIES is an older series than KREL's.
older() {
	[ "$1" != "$(kas_series "$2")" ] &&
		[ "$(printf '%s\n%s\n' "$1" "$(kas_series "$2")" | sort -V | head -n1)" = "$1" ]
}
# kernel_deps KREL: the kernels of this run whose fingerprints KREL's
# initramfs carries (the older series' references). The debug kernel takes
# the oldest one's only: its boot, the longest of the fleet, then starts
# early instead of after the chain of references; the stock 7.3 boots
# restore from every older reference.
kernel_deps() {
	local sx x
	for sx in 5.10 6.1 6.12; do
		x=$(kas_series_ref "$sx")
		older "$sx" "$1" && [ -n "${state[$x]:-}" ] && echo "$x" &&
			[ "$(kas_fleet_field "$1" flavour)" = debug ] && break
	done
	return 0
}

# The kernels' jobs run in lanes (KAS_JOBS, default 2): one boot keeps
# about 1.2 of 2 cores busy (TCG's vCPU threads wait on each other), so a
# second boot beside it uses the rest. A job starts when the kernels it
# depends on are done. Of the ready ones: the references first (the others
# wait on them), then the newest series first (the longest boots, the debug
# kernel's above all, start early and do not end the run alone).
# The output is replayed in fleet order, each kernel's once it is done.
declare -A state=() deps=() pidk=()
order=()
for krel in "${kernels[@]}"; do
	[ "$(kas_fleet_field "$krel" role)" = ref ] && order+=("$krel")
	state[$krel]=pending
done
for krel in "${kernels[@]}"; do deps[$krel]=$(kernel_deps "$krel" | tr '\n' ' '); done
for ((i = ${#kernels[@]} - 1; i >= 0; i--)); do
	krel=${kernels[$i]}
	[ "$(kas_fleet_field "$krel" role)" = ref ] || order+=("$krel")
done
# A kernel built here (the debug kernel: most of an hour on 2 cores on an
# empty cache) starts building at once, beside the first boots (make check
# started it earlier still: this one then waits for that build). Its job
# is not ready before the build ends: a lane would only wait for it.
declare -A building=() bgk=()
for krel in "${kernels[@]}"; do
	if [ "$(kas_fleet_field "$krel" flavour)" = debug ]; then
		bash "$KAS_TOP/tests/vm/build-module.sh" "$krel" > /dev/null 2>&1 &
		bgk[$!]=$krel building[$krel]=1
	fi
done
lanes=${KAS_JOBS:-2}
[[ $lanes =~ ^[1-9][0-9]*$ ]] || kas_die "KAS_JOBS must be a number of lanes (1 or more), not '$lanes'"
# Interrupted (a CI timeout, ^C): the lanes' boots and builds go with it.
trap kas_kill_jobs EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
printed=0
replay_done() { # print the finished jobs' TAP, in fleet order
	local k line
	while [ "$printed" -lt ${#kernels[@]} ]; do
		k=${kernels[$printed]}
		[ "${state[$k]}" = finished ] || break
		while IFS= read -r line || [ -n "$line" ]; do
			kas_tap_line "" "$line" || printf '%s\n' "$line"
		done < "$logs/$k.tap"
		# What the job said on stderr (a build's or a tool's error).
		[ ! -s "$logs/$k.err" ] || cat "$logs/$k.err" >&2
		printed=$((printed + 1))
	done
}
while :; do
	running=${#pidk[@]}
	for krel in "${order[@]}"; do
		[ "$running" -lt "$lanes" ] || break
		[ "${state[$krel]}" = pending ] || continue
		[ -z "${building[$krel]:-}" ] || continue
		ready=1
		for d in ${deps[$krel]}; do [ "${state[$d]}" = finished ] || ready=; done
		[ -n "$ready" ] || continue
		state[$krel]=running
		( kernel_job "$krel" ) > "$logs/$krel.tap" 2> "$logs/$krel.err" &
		pidk[$!]=$krel
		running=$((running + 1))
	done
	[ ${#pidk[@]} -gt 0 ] || [ ${#bgk[@]} -gt 0 ] || break
	kas_wait_one "${!pidk[@]}" "${!bgk[@]}"
	pid=$kas_done_pid rc=$kas_done_rc
	[ -n "$pid" ] || continue
	if [ -n "${bgk[$pid]:-}" ]; then
		# A build ended (its job reports a failure when it builds again).
		unset "building[${bgk[$pid]}]" "bgk[$pid]"
		continue
	fi
	krel=${pidk[$pid]}
	unset "pidk[$pid]"
	[ "$rc" -eq 0 ] || printf '\nnot ok 0 %s: its job ended early (exit %s)\n' "$krel" "$rc" >> "$logs/$krel.tap"
	state[$krel]=finished
	replay_done
done
for krel in "${kernels[@]}"; do
	[ "${state[$krel]}" = finished ] || tap notok "$krel: never booted (its dependencies: ${deps[$krel]})"
done
# Reverse direction: each older series' reference kernel, natively, takes
# the firmware registers newer kernels saved at its level.
for sx in 5.10 6.1 6.12; do
	x=$(kas_series_ref "$sx")
	inject=$logs/inject/restore-$x
	mkdir -p "$inject"
	# ... and, as the negative control, what they saved natively.
	for f in "$logs"/fp/*.v[23].level-"$sx" "$logs"/fp/*.v[23].native \
		 "$logs"/fp/*.v[23].drill-"$sx" "$logs"/fp/*.v[23].drill-native; do
		if [ -e "$f" ] && older "$sx" "${f##*/}"; then cp "$f" "$inject/"; fi
	done
	ls "$inject"/* > /dev/null 2>&1 || continue
	ko=$(bash "$KAS_TOP/tests/vm/build-module.sh" "$x" 2>/dev/null | tail -n1) || continue
	bash "$KAS_TOP/tests/vm/mkinitrd.sh" "$x" "$ko" "$st" "$logs/restore-$x.initrd.gz" "$inject"
	for b in rv3 rv2; do boot "$x" "$b" "$logs/restore-$x.initrd.gz"; done
done

# Differential conformance across the kernels booted above.
[ ${#kernels[@]} -eq "$(kas_fleet_kernels | wc -l)" ] && [ ${#boots[@]} -eq 0 ] || export KAS_PARTIAL=1
while IFS= read -r line; do
	case $line in
	"not ok "* | "ok "*) kas_tap_line "" "$line" ": " ;;
	"#"*) echo "$line" ;;
	esac
done < <(bash "$KAS_TOP/tests/vm/differential.sh" "$logs" 2>&1; echo "# differential exit $?"
	  bash "$KAS_TOP/tests/vm/kvmst-matrix.sh" "$logs" 2>&1)

kas_tap_summary
[ "$fail" -eq 0 ]
