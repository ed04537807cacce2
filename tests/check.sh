#!/usr/bin/env bash
# check.sh: the whole test suite (make check). Runs the host unit tests,
# the lint checks, the QEMU fleet run, the QEMU save/restore drill, the
# probes' cost per operation and the packaging test, and ends with the combined line
# "N passed, N failed, N skipped". Exit status 0 iff nothing failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
t0=$SECONDS
pass=0 fail=0 skip=0

# count STAGE: read TAP on stdin, echo it, add its results to the totals
count() {
	local line p=0 f=0 s=0
	while IFS= read -r line; do
		echo "$line"
		case $line in
		"not ok "*) f=$((f + 1)); echo "$1: $line" >> "$tmp/failures" ;;
		"ok "*"# SKIP"*) s=$((s + 1)) ;;
		"ok "*) p=$((p + 1)) ;;
		"# stage exit 0") ;;
		"# stage exit "*)
			# A stage that failed without saying which test did.
			[ "$f" -gt 0 ] || {
				f=1
				line="not ok - stage $1 failed (${line#\# })"
				echo "$line"
				echo "$1: $line" >> "$tmp/failures"
			} ;;
		esac
	done
	echo "$p $f $s" > "$tmp/$1"
}
tmp=$(mktemp -d)
# Interrupted (a CI timeout, ^C): the background work goes with it.
# shellcheck source=vm/lib.sh
. "$top/tests/vm/lib.sh"
finish() {
	kas_kill_jobs
	rm -rf "$tmp" "${KAS_PKG_PREP:-}"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

totals() { # totals NAME: add a counted stage's results
	local p f s
	read -r p f s < "$tmp/$1"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}
stage() { # stage NAME CMD...
	local name=$1
	shift
	echo "# === $name"
	{ "$@" 2>&1; echo "# stage exit $?"; } | count "$name"
	totals "$name"
}
# stage_bg NAME CMD...: a stage that runs in the background from now on;
# stage_join NAME prints and counts its output in the order of the stages.
declare -A bgstage=()
stage_bg() {
	local name=$1
	shift
	{ "$@" > "$tmp/$name.out" 2>&1; echo "# stage exit $?" >> "$tmp/$name.out"; } &
	bgstage[$name]=$!
}
stage_join() {
	wait "${bgstage[$1]}"
	echo "# === $1"
	count "$1" < "$tmp/$1.out"
	totals "$1"
}

bash "$top/tests/vm/setup-host.sh" || { echo "host setup failed"; exit 1; }
# The exact builds this run tests, resolved from the archive as it is today.
bash "$top/tests/vm/fleet-update.sh" || { echo "the fleet cannot be resolved"; exit 1; }

cache=${KAS_CACHE:-/var/cache/kvm-abi-shim}
mkdir -p "$cache/logs"
# On an empty cache the debug kernel's build and then its boot (the
# fleet's longest) are the run's longest chain: it starts now, before the
# lint and the unit tests, at full priority (the vm stage's own start of
# it then waits for this one). What the fleet downloads is fetched now too,
# with each series reference's KVM selftests (their linux-source), so that
# no lane waits on the network or on a build another job needs.
mapfile -t fleet < <(kas_fleet_kernels)
for k in "${fleet[@]}"; do
	[ "$(kas_fleet_field "$k" flavour)" = debug ] || continue
	bash "$top/tests/vm/build-module.sh" "$k" > "$cache/logs/debug-build.log" 2>&1 &
done
( for k in "${fleet[@]}"; do
	[ "$(kas_fleet_field "$k" flavour)" = debug ] ||
		bash "$top/tests/vm/fetch-kernel.sh" "$k" > /dev/null || true
  done
  for k in "${fleet[@]}"; do
	[ "$(kas_fleet_field "$k" role)" = ref ] &&
		kas_linux_source "$(kas_series "$k")" > /dev/null
  done ) > "$cache/logs/prefetch.log" 2>&1 &

# The root filesystems of the QEMU drill and the packaging test take minutes
# each to build under qemu-user on a cold cache, one CPU each: build them in
# the background while the earlier stages run (mkrootfs.sh serialises on
# each tarball, so a stage that needs one before it is ready waits). At a
# lower priority: the fleet's boots are what the run waits for meanwhile.
# The packaging test's work under qemu-user (package installs and DKMS
# builds in each root filesystem, the kernel upgrade, the disk images) is
# prepared the same way (tests/pkg/run.sh --prepare); its stage then boots.
KAS_PKG_PREP=$(mktemp -d /var/tmp/kas-pkgprep.XXXXXX)
export KAS_PKG_PREP
# Two chains: the machine is CPU-bound while the fleet boots, but the
# stages after it leave a core idle that one chain (mostly one process
# under qemu-user) cannot use. The packaging stage boots whichever release
# is ready first, and prepares one that neither chain has started.
# The first chain: the newest release, the longest preparation, whose
# boots (the upgrade's DKMS build in the emulated host the longest of them)
# otherwise end the run. It runs at the boots' priority: at a lower one,
# beside two boots that keep both cores busy, its root filesystem alone
# took over an hour on an empty cache, and the run waited for it. The
# second chain, at the lower priority: the drill's root filesystem (the
# drill starts after the fleet's boots), then the other releases, newest
# first. The first, once its release is prepared, goes on at the lower
# priority with the other releases from the oldest, and each chain skips
# a release the other has started: on an empty cache the second alone
# prepared the oldest release last, and its boot then ended the run.
mapfile -t rels < <(awk '!/^#/ && NF { print $1 }' "$top/tests/pkg/releases" | tac)
oldest=()
for ((i = ${#rels[@]} - 1; i > 0; i--)); do oldest+=("${rels[i]}"); done
( bash "$top/tests/pkg/run.sh" --prepare "${rels[0]}"
  renice -n 10 $BASHPID >/dev/null
  [ ${#oldest[@]} -eq 0 ] || bash "$top/tests/pkg/run.sh" --prepare "${oldest[@]}"
) > "$cache/logs/rootfs-prebuild.log" 2>&1 &
prebuild=$!
( renice -n 10 $BASHPID >/dev/null
  bash "$top/tests/pkg/mkrootfs.sh" bookworm qemu
  [ ${#rels[@]} -lt 2 ] || bash "$top/tests/pkg/run.sh" --prepare "${rels[@]:1}" ) > "$cache/logs/rootfs-prebuild-2.log" 2>&1 &
prebuild2=$!

run_unit() { make -s -C "$top/tests/unit" run; }
stage unit run_unit
stage lint bash "$top/tests/lint.sh"
stage vm bash "$top/tests/vm/run.sh"
# After the fleet's boots, a single TCG boot leaves part of the machine
# idle: the packaging test (which first waits for its releases' preparation)
# boots beside the sweep's builds and the QEMU drill's boots.
stage_bg pkg bash "$top/tests/pkg/run.sh"
# The probes' cost per operation, as ratios against no module (make bench),
# each under its limit in tests/bench/limits. Its boots count emulated
# instructions (-icount), not time: what runs beside them changes nothing
# in its figures, and its one emulated CPU leaves the rest to the others.
stage_bg bench bash "$top/tests/bench/run.sh" --check
# The newest build of every series, flavour and release in the archive
# (make sweep builds every one). (Beside the fleet's boots, at a lower
# priority, it made them 2.3 minutes longer.)
stage sweep bash "$top/tests/vm/sweep.sh" --newest
# One lane: the packaging test and the bench keep the other core busy.
stage qemu env KAS_DRILL_LANES=1 bash "$top/tests/qemu/run.sh"
stage_join bench
stage_join pkg

wait "$prebuild" ${prebuild2:+"$prebuild2"} 2>/dev/null || true
echo "# make check took $((SECONDS - t0))s"
# The log is long and CI shows its end: the failures again, by stage.
if [ -s "$tmp/failures" ]; then
	echo "# what failed:"
	sed 's/^/#   /' "$tmp/failures"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
