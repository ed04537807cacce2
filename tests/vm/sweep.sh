#!/usr/bin/env bash
# sweep.sh [--newest]: build the module against every arm64 kernel build the
# archive carries (linux-headers-*-{arm64,cloud-arm64,rt-arm64,arm64-16k}
# in every suite the host has: bullseye, bookworm, -security, -backports,
# trixie, -security, -updates, -backports), each with its own compiler, and
# print one table: build | flavour | suite | compiler | result, where the
# result is "built", "refused: REASON" (the module's own refusal at build
# time) or "failed: FIRST ERROR". With --newest, only the newest build of
# each series, flavour and Debian release (the stage of make check).
# Prints TAP ("failed" is not ok) and "N passed, N failed, N skipped".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

newest=
[ "${1:-}" = --newest ] && newest=1
bash "$KAS_TOP/tests/vm/setup-host.sh"
lock=$(kas_builds_lock)
logs=$KAS_CACHE/logs/sweep-$(date +%Y%m%d-%H%M%S)
mkdir -p "$logs"

# krel version suite image common kbuild kbuild-version compiler flavour
mapfile -t rows < <(awk -F'\t' '!/^#/ { print $2, $3, $4, $5, $6, $7, $8, $9, $12 }' "$lock" |
	sort -t' ' -k1,1V)
if [ -n "$newest" ]; then
	mapfile -t keep < <(python3 "$KAS_TOP/tests/vm/fleet.py" builds --newest | cut -f2)
	mapfile -t rows < <(printf '%s\n' "${rows[@]}" | grep -F -f <(printf '%s \n' "${keep[@]}"))
fi
# The fleet's own kernels last: make check sweeps beside the fleet's boots,
# which build for them first (one build of a tree at a time); the table
# stays in version order.
mapfile -t fleet < <(kas_fleet_kernels)
mapfile -t rows < <(printf '%s\n' "${rows[@]}" | grep -v -F -f <(printf '%s \n' "${fleet[@]}")
		    printf '%s\n' "${rows[@]}" | grep -F -f <(printf '%s \n' "${fleet[@]}"))
echo "TAP version 13"
echo "# $(printf '%s\n' "${rows[@]}" | wc -l) builds (archive metadata of $(date -r "$KAS_APT_STAMP" +%F 2>/dev/null || echo today))"

# One apt-get download for every build not yet unpacked: apt's own overhead
# is paid once.
dl=$KAS_CACHE/sweep-debs
mkdir -p "$dl"
want=()
for r in "${rows[@]}"; do
	read -r krel ver _ _ common kb kbv _ _ <<<"$r"
	[ "$kbv" != - ] || continue
	kd=$(kas_kdir "$krel")
	[ -e "$kd/.unpacked" ] || [ -e "$kd/.unpacked-headers" ] ||
		want+=("linux-headers-$krel:arm64=$ver" "$common=$ver" "$kb:amd64=$kbv")
done
if [ ${#want[@]} -gt 0 ]; then
	mapfile -t want < <(printf '%s\n' "${want[@]}" | sort -u)
	t0=$SECONDS
	(cd "$dl" && { apt-get -q download "${want[@]}" >/dev/null 2>&1 ||
		apt-get -q download "${want[@]}" >/dev/null; }) ||
		kas_die "apt-get download of the sweep's headers failed"
	echo "# downloaded ${#want[@]} packages in $((SECONDS - t0)) s"
fi
for r in "${rows[@]}"; do
	read -r krel ver _ _ common kb kbv _ _ <<<"$r"
	kd=$(kas_kdir "$krel")
	# The fleet's own fetch of a kernel (tests/vm/fetch-kernel.sh) may be
	# unpacking it now: make check sweeps beside the fleet's boots.
	mkdir -p "${kd%/*}"
	exec {lk}> "$kd.lock"
	flock "$lk"
	if [ -e "$kd/.unpacked" ] || [ -e "$kd/.unpacked-headers" ]; then
		exec {lk}>&-
		continue
	fi
	rm -rf "$kd"
	mkdir -p "$kd/root"
	ev=$(echo "$ver" | sed 's/:/%3a/') ekbv=$(echo "$kbv" | sed 's/:/%3a/')
	for f in "$dl/linux-headers-${krel}_${ev}_arm64.deb" "$dl/${common}_${ev}_all.deb" \
		"$dl/${kb}_${ekbv}_amd64.deb"; do
		[ -e "$f" ] && dpkg -x "$f" "$kd/root"
	done
	hdr=$kd/root/usr/src/linux-headers-$krel
	[ -e "$hdr/Makefile" ] && kas_relocate_headers "$kd/root" "$krel" && touch "$kd/.unpacked-headers"
	exec {lk}>&-
done
rm -rf "$dl"

pass=0 fail=0 n=0 table=()
for r in "${rows[@]}"; do
	read -r krel ver suite _ _ _ _ cc flavour <<<"$r"
	n=$((n + 1))
	log=$logs/$krel.build
	rc=0
	if [ "$(kas_fleet_field "$krel" kbuild-version)" = - ]; then
		fail=$((fail + 1))
		res="failed: the archive has no amd64 $(kas_fleet_field "$krel" kbuild) its headers accept"
		table+=("$(printf '| %s (%s) | %s | %s | %s | %s |' "$krel" "$ver" "$flavour" "$suite" "$cc" "$res")")
		echo "not ok $n $krel ($ver, $suite): $res"
		continue
	fi
	# A build of these sources made earlier in the run (the fleet's) is
	# up to date; kbuild rebuilds whatever changed.
	KAS_FETCH=headers bash "$KAS_TOP/tests/vm/build-module.sh" "$krel" > "$log.out" 2> "$log" || rc=$?
	ko=$(tail -n1 "$log.out" 2>/dev/null || true)
	first=$(grep -m1 -E '(error|Error)[: ]' "$log" | sed -E 's#^.*/([^/]+:[0-9]+:[0-9]+: )#\1#' | cut -c1-160 || true)
	if [ "$rc" = 0 ] && [ -e "$ko" ] && modinfo -F vermagic "$ko" | grep -q "^$krel "; then
		res=built
	elif refusal=$(grep -m1 -o 'static assertion failed: "kvm-abi-shim: [^"]*"' "$log"); then
		res="refused: $(echo "$refusal" | sed -E 's/^static assertion failed: "kvm-abi-shim: kernel [^ ]+: //; s/"$//')"
		# The refusal must be the build's only error: nothing else of
		# the module is compiled for a kernel it refuses.
		errs=$(grep -c 'error:' "$log" || true)
		[ "$errs" = 1 ] || res="failed: the refusal is followed by $((errs - 1)) more errors ($res)"
	else
		res="failed: ${first:-exit $rc, see $log}"
	fi
	ccv=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' \
		"$(kas_kdir "$krel")/root/usr/src/linux-headers-$krel/.config" 2>/dev/null | sed 's/^aarch64-linux-gnu-//')
	table+=("$(printf '| %s (%s) | %s | %s | %s | %s |' "$krel" "$ver" "$flavour" "$suite" "${ccv:-$cc}" "$res")")
	case $res in
	failed*) fail=$((fail + 1)); echo "not ok $n $krel ($ver, $suite): $res" ;;
	*) pass=$((pass + 1)); echo "ok $n $krel ($ver, $suite): $res" ;;
	esac
done
echo "#"
echo "# | build | flavour | suite | compiler | result |"
echo "# |---|---|---|---|---|"
printf '%s\n' "${table[@]}" | sort -t'|' -k2,2V | sed 's/^/# /'
echo "1..$n"
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
