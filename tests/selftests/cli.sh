#!/bin/sh
# cli.sh [unloaded]: TAP test of the operator CLI (tools/kvm-abi-shim) on
# the running kernel, with the module loaded (or, with "unloaded", not).
# Leaves the host's defaults as it found them.
# Expects kvm-abi-shim, kvm-abi-fingerprint and holdvm beside it.
d=$(dirname "$0")
cli=$d/kvm-abi-shim
p=/sys/module/kvm_abi_shim/parameters
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
check() { # check DESCRIPTION 'CONDITION' (a shell expression)
	if eval "$2"; then ok "$1"; else nok "$1"; echo "# output: $out" | head -n 20; fi
}
run() { # run CMD...: output in $out, status in $rc
	out=$("$@" 2>&1)
	rc=$?
}
has() { case $out in *"$1"*) return 0 ;; esac; return 1; }

echo "TAP version 13"
if [ "${1:-}" = unloaded ]; then
	run "$cli" status
	check "status without the module exits 3 and says to modprobe" '[ "$rc" = 3 ] && has "modprobe kvm_abi_shim"'
	run "$cli" set-default 5.10
	check "set-default without the module exits 3" '[ "$rc" = 3 ]'
	echo "1..$n"
	exit $((failed > 0))
fi

# kselftest: SKIP (exit 4) without /dev/kvm or the module; the host's
# defaults are native for the test and restored at exit.
if [ ! -w /dev/kvm ] || [ ! -r $p/defaults ]; then
	echo "ok 1 # SKIP no /dev/kvm or kvm_abi_shim not loaded"
	echo "1..1"
	exit 4
fi
saved=$(cat $p/defaults)
trap 'echo "$saved" > $p/defaults' EXIT
trap 'exit 1' INT TERM HUP
echo "native 0" > $p/defaults
series=$(uname -r | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')
run "$cli" --help
check "--help exits 0 and lists the commands" '[ "$rc" = 0 ] && has set-default && has fingerprint'
run "$cli" frobnicate
check "an unknown command exits 2" '[ "$rc" = 2 ]'

run "$cli" status
check "status exits 0" '[ "$rc" = 0 ]'
check "status shows the module version" 'has "kvm_abi_shim $(cat /sys/module/kvm_abi_shim/version)"'
check "status shows the host kernel" 'has "host kernel:      $(uname -r)"'
check "status shows the supported levels ($(cat $p/supported_levels))" 'has "supported levels: $(cat $p/supported_levels)"'
check "supported levels run from native up to this kernel's series" 'has "supported levels: native 5.10" && has " $series"'
check "status shows the default level" 'has "default level:    native"'
check "status shows no VM" 'has "VMs:              0"'
case " 5.10 6.1 6.12 7.3 " in
*" $series "*) check "status shows the host level $series" 'has "host level:       $series"' ;;
esac
run "$cli" status --json
check "status --json: the module's version, the kernel, the levels, no VM" \
	'[ "$rc" = 0 ] && has "\"module\": {\"loaded\": true, \"version\": \"$(cat /sys/module/kvm_abi_shim/version)\"}" &&
	 has "\"host_kernel\": \"$(uname -r)\"" && has "\"vm_count\": 0," && has "\"vms\": [],"'
run "$cli" --version
check "--version names the module version loaded" '[ "$rc" = 0 ] && has "module kvm_abi_shim $(cat /sys/module/kvm_abi_shim/version) (loaded)"'
run "$cli" help set-default
check "help set-default: its own usage" '[ "$rc" = 0 ] && has "usage: kvm-abi-shim set-default" && has "--check"'
run "$cli" can-rollback "$series"
check "can-rollback $series (the host's own series) with no VM: yes" '[ "$rc" = 0 ] && has "yes"'

run "$cli" set-default 5.9
check "set-default of a non-level exits 2" '[ "$rc" = 2 ] && has "not a level"'
check "... and leaves the default alone" '[ "$(cat $p/default_level)" = native ]'
run "$cli" set-default
check "set-default without a level exits 2" '[ "$rc" = 2 ]'
if [ "$series" != 7.3 ]; then
	run "$cli" set-default 7.3
	check "set-default above the host's kernel exits 1 and names the supported levels" '[ "$rc" = 1 ] && has "not supported on this host" && has "supported: native"'
else
	echo "ok $((n += 1)) # SKIP every level is supported on 7.3"
fi
run "$cli" set-default 5.10 --check
check "set-default 5.10 --check says what would change and changes nothing" \
	'[ "$rc" = 0 ] && has "would change: native -> 5.10" && [ "$(cat $p/default_level)" = native ]'
run "$cli" set-default 5.10
check "set-default 5.10 exits 0" '[ "$rc" = 0 ] && has "native -> 5.10"'
check "... and the module's default_level is 5.10" '[ "$(cat $p/default_level)" = 5.10 ]'
before=$(dmesg | grep -c "defaults for new VMs")
run "$cli" set-default 5.10
check "set-default 5.10 again: exit 0, unchanged, and the module logs no change" \
	'[ "$rc" = 0 ] && has "unchanged" && [ "$(dmesg | grep -c "defaults for new VMs")" = "$before" ]'
# The module rate-limits these lines (10 per 5 s): ctrl's flips just before
# may have used the window up, so once more in a new one if needed.
logged_change() { dmesg | grep -q "defaults for new VMs: level $1 revision 0 -> level $2 revision 0 (by kvm-abi-shim\\["; }
if ! logged_change native 5.10; then
	sleep 6
	"$cli" set-default native > /dev/null && "$cli" set-default 5.10 > /dev/null
fi
check "... and the module logs the change, old and new, and who made it" 'logged_change native 5.10'
run "$cli" set-default 5.10 --iidr-rev 3
check "set-default 5.10 --iidr-rev 3 exits 1 (revision 3 is not 5.10's)" '[ "$rc" = 1 ]'
check "... and changes nothing" '[ "$(cat $p/default_level) $(cat $p/default_iidr_rev)" = "5.10 0" ]'
run "$cli" set-default 5.10 --iidr-rev 1
check "set-default 5.10 --iidr-rev 1 exits 0" '[ "$rc" = 0 ] && [ "$(cat $p/default_iidr_rev)" = 1 ]'
run "$cli" set-default 5.10 --iidr-rev 9
check "--iidr-rev 9 exits 2" '[ "$rc" = 2 ] && [ "$(cat $p/default_iidr_rev)" = 1 ]'
# What the next load gets, as modprobe reads /etc/modprobe.d: here a copy,
# with the package's file and its option uncommented (5.10), and what an
# earlier version persisted (kvm-abi-shim-default.conf, read before it).
mp=/tmp/kas-modprobe
mkdir -p $mp/lib $mp/etc
echo "options kvm_abi_shim default_level=5.10" > $mp/etc/kvm-abi-shim.conf
printf "# Written by 'kvm-abi-shim set-default --persist'.\noptions kvm_abi_shim default_level=native\n" \
	> $mp/etc/kvm-abi-shim-default.conf
export KAS_MODPROBE_DIRS="$mp/lib $mp/etc"
run "$cli" status
check "status shows what the next load gets (5.10: the package's file is read last) and that it differs" \
	'has "next load:        default_level 5.10, default_iidr_rev 0 ($mp/etc/kvm-abi-shim-default.conf $mp/etc/kvm-abi-shim.conf)" && has differs'
run "$cli" set-default native --iidr-rev 0 --persist
check "set-default native --persist exits 0: the next load gets native, not the package file's 5.10" \
	'[ "$rc" = 0 ] && has "the next load gets default_level native"'
check "... and writes the modprobe options, replacing the earlier version's file" \
	'grep -qx "options kvm_abi_shim default_level=native default_iidr_rev=0" $mp/etc/kvm-abi-shim.persist.conf &&
	 [ ! -e $mp/etc/kvm-abi-shim-default.conf ]'
run "$cli" status
check "status no longer flags a difference" 'has "next load:        default_level native" && ! has differs'
echo "options kvm_abi_shim default_level=5.10" > $mp/etc/zz-local.conf
run "$cli" set-default native --persist
check "an option in a file read after the persisted one: --persist exits 1 and names the file" \
	'[ "$rc" = 1 ] && has "$mp/etc/zz-local.conf"'
unset KAS_MODPROBE_DIRS
rm -rf $mp

# A live VM, held until release_vm: its pid in $hold.
hold_vm() {
	mkfifo /tmp/kas-hold
	"$d/holdvm" "$1" < /tmp/kas-hold > /tmp/kas-hold.out 2>&1 &
	hold=$!
	exec 7> /tmp/kas-hold
	i=0
	while ! grep -q holding /tmp/kas-hold.out && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
release_vm() {
	exec 7>&-
	wait $hold
	rm -f /tmp/kas-hold /tmp/kas-hold.out
}

# A live pinned VM shows up with its level and owner.
hold_vm 5.10
run "$cli" status
check "status counts the live VM" 'has "VMs:              1"'
check "status lists it with its pid and level 5.10" 'echo "$out" | grep -Eq "^ +[0-9]+ +$hold +5\.10 +2 +no\$"'
run "$cli" status --json
check "status --json lists it: pid, level 5.10, revision 2, not run" \
	'has "\"pid\": $hold, \"level\": \"5.10\", \"effective_level\": \"5.10\", \"iidr_rev\": 2, \"has_run\": false}" && has "\"vm_count\": 1,"'
run "$cli" can-rollback 5.10
check "can-rollback 5.10 with a VM at 5.10: yes" '[ "$rc" = 0 ]'
release_vm
run "$cli" status
check "the VM is gone from status once it ended" 'has "VMs:              0"'

# A native VM is at the host's level: it blocks a rollback below it.
hold_vm native
run "$cli" can-rollback 5.10
if [ "$series" = 5.10 ]; then
	check "can-rollback 5.10 with a native VM on 5.10: yes" '[ "$rc" = 0 ]'
else
	check "can-rollback 5.10 with a native VM on $series: no (exit 1), naming its pid" \
		'[ "$rc" = 1 ] && has "1 of the 1 live VMs" && echo "$out" | grep -Eq "^ +[0-9]+ +$hold +native\$"'
	run "$cli" status --json
	check "status --json counts it among the VMs that cannot roll back to 5.10" \
		'has "\"effective_level\": \"$series\"" && has "\"cannot_roll_back\": {\"5.10\": 1"'
fi
release_vm

run "$cli" fingerprint --level 5.10
check "fingerprint runs the fingerprint tool at level 5.10" '[ "$rc" = 0 ] && [ "$(echo "$out" | grep -c '\''^[a-z]'\'')" -gt 100 ]'
echo "1..$n"
exit $((failed > 0))

