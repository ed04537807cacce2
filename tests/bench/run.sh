#!/usr/bin/env bash
# bench/run.sh [KREL...]: instructions per guest exit and per VMM ioctl on
# the paths the module probes, without the module and with it (VM native
# and at older levels). Deterministic: -smp 1 -icount shift=0,sleep=off, so
# one CNTVCT tick is 16 emulated instructions; minimum of 12 repetitions of
# 200 operations. Units: emulated instructions, not time.
set -euo pipefail
. "$(dirname "$0")/../vm/lib.sh"

# --check (make check): also TAP, each ratio against tests/bench/limits;
# by default on every series' reference.
check=
if [ "${1:-}" = --check ]; then
	check=y
	shift
	if [ $# -eq 0 ]; then
		mapfile -t refs < <(for s in 5.10 6.1 6.12 7.3; do kas_series_ref $s; done)
		set -- "${refs[@]}"
	fi
fi
# The kernels of the published figures; the series' references where the
# archive no longer has them.
[ $# -gt 0 ] || set -- "$(kas_fleet_kernel 6.1-point 2>/dev/null || kas_series_ref 6.1)" \
	"$(kas_fleet_kernel 6.12-bpo 2>/dev/null || kas_series_ref 6.12)"
n=0
bash "$KAS_TOP/tests/vm/setup-host.sh"
work=$KAS_CACHE/bench/$$
mkdir -p "$work/tests"
trap 'rm -rf "$work"' EXIT
make -s -C "$KAS_TOP/tests/selftests" OUT="$work/tests"
aarch64-linux-gnu-gcc -O2 -static -Wall -o "$work/tests/exitcost" \
	"$KAS_TOP/tests/bench/exitcost.c" "$KAS_TOP/tests/bench/guest.S" "$KAS_TOP/tools/lib/vmm.c"
aarch64-linux-gnu-gcc -O2 -static -Wall -o "$work/tests/modload" "$KAS_TOP/tests/bench/modload.c"
aarch64-linux-gnu-gcc -O2 -static -Wall -o "$work/tests/vmscale" \
	"$KAS_TOP/tests/bench/vmscale.c" "$KAS_TOP/tools/lib/vmm.c"
# VM creation with up to 10,000 VMs live: on the newest kernel only (a few
# minutes of emulation per run).
newest=${*: -1}
for krel in "$@"; do
	scale=
	[ "$krel" != "$newest" ] || scale=kas.scale
	ko=$(KAS_TEST='' bash "$KAS_TOP/tests/vm/build-module.sh" "$krel" | tail -n1)
	bash "$KAS_TOP/tests/vm/mkinitrd.sh" "$krel" "$ko" "$work/tests" "$work/initrd.gz"
	rm -f "$work/out"
	# The hang guard: make check runs it beside other boots and builds.
	timeout 1200 qemu-system-aarch64 -machine virt,virtualization=on,gic-version=3 \
		-cpu max,pauth-impdef=on -smp 1 -icount shift=0,sleep=off -m 1G -nographic \
		-no-reboot -nic none -kernel "$(kas_vmlinuz "$krel")" \
		-initrd "$work/initrd.gz" -append "console=ttyAMA0 panic=-1 loglevel=3 kas.mode=bench kas.gic=v3 $scale" \
		-device virtio-serial-device -chardev file,id=res,path="$work/out" \
		-device virtserialport,chardev=res,name=kas.results < /dev/null > "$work/console" 2>&1
	if ! grep -qx '# END' "$work/out"; then
		[ -n "$check" ] || kas_die "benchmark boot of $krel did not complete"
		n=$((n + 1))
		echo "not ok $n $krel: benchmark boot did not complete"
		tail -n 20 "$work/console" | sed 's/^/# /'
		continue
	fi
	echo "# $(kas_fleet_describe "$krel")"
	sed -n 's/^bench /'"$krel"' /p' "$work/out" | sed "${check:+s/^/# /}"
	# The least of three loads (each load's figure after "loads=").
	loads=$(sed -n 's/^bench-load instructions=//p' "$work/out")
	load=${loads%% *}
	echo "# $krel: loading the module took ${load:-?} instructions (${loads#* }," \
		"$(sed -n 's/^bench-load-kprobe instructions=//p' "$work/out" | cut -d" " -f1 | grep . || echo -) with hooks=kprobe, least of three)"
	echo "# $krel: seconds after boot: $(sed -n 's/^bench-load-early instructions=[0-9]* //p' "$work/out")"
	if [ -n "$check" ]; then
		max=$(awk '$1 == "load" && $2 == "finit_module" { print $3 }' "$KAS_TOP/tests/bench/limits")
		n=$((n + 1))
		if [ -n "$load" ] && [ "$load" -le "$max" ]; then
			echo "ok $n $krel: module load, $load instructions (limit $max)"
		else
			echo "not ok $n $krel: module load, ${load:-no} instructions (limit $max)"
		fi
	fi
	# The same, as ratios against the run without the module.
	awk '/^bench / {
		lbl = $2; sub(/^level=/, "", lbl); cols[++nc] = lbl
		for (i = 3; i <= NF; i++) if (split($i, kv, "=") == 2 && $i !~ /^module=/) {
			if (!(kv[1] in seen)) { seen[kv[1]] = 1; ops[++no] = kv[1] }
			val[lbl, kv[1]] = kv[2]
		}
	}
	END {
		printf "# %-20s %8s", "op (ratio)", "none"
		for (c = 2; c <= nc; c++) printf " %20s", cols[c]
		printf "\n"
		for (o = 1; o <= no; o++) {
			printf "# %-20s %8d", ops[o], val[cols[1], ops[o]]
			for (c = 2; c <= nc; c++)
				printf " %11d (%5.2f)", val[cols[c], ops[o]],
					val[cols[1], ops[o]] ? val[cols[c], ops[o]] / val[cols[1], ops[o]] : 0
			printf "\n"
		}
	}' "$work/out"
	# VM creation and destruction with N VMs live.
	awk '/^bench-scale / {
		lbl = $2; sub(/^level=/, "", lbl)
		if (!hdr++) {
			printf "# %-20s", "create+destroy"
			for (i = 3; i <= NF; i++) { split($i, kv, "="); printf " %16s", kv[1] }
			printf "\n"
		}
		printf "# %-20s", lbl
		for (i = 3; i <= NF; i++) {
			split($i, kv, "=")
			if (lbl == "none") { base[i] = kv[2]; printf " %16d", kv[2] }
			else printf " %9d (%4.2f)", kv[2], base[i] ? kv[2] / base[i] : 0
		}
		printf "\n"
	}' "$work/out"
	[ -n "$check" ] || continue
	# One TAP line per run and operation, against the first matching limit.
	awk -v krel="$krel" -v n="$n" '
	# A run pattern: exact, or a prefix ending in "*".
	function match_run(pat, run) {
		if (pat ~ /\*$/)
			return index(run, substr(pat, 1, length(pat) - 1)) == 1
		return pat == run
	}
	FNR == NR {
		if ($0 !~ /^#/ && NF == 3) { rr[++nr] = $1; ro[nr] = $2; rm[nr] = $3 }
		next
	}
	/^bench(-scale)? / {
		lbl = $2; sub(/^level=/, "", lbl)
		if ($1 == "bench-scale") lbl = "scale-" lbl
		for (i = 3; i <= NF; i++) if (split($i, kv, "=") == 2 && $i !~ /^module=/) {
			if (lbl == "scale-none") { sbase[kv[1]] = kv[2]; continue }
			if (lbl ~ /^scale-/) { b = sbase[kv[1]] } else { b = base[kv[1]] }
			if (lbl == "none") { base[kv[1]] = kv[2]; continue }
			for (r = 1; r <= nr; r++)
				if (match_run(rr[r], lbl) && (ro[r] == "*" || ro[r] == kv[1]))
					break
			ratio = b ? kv[2] / b : 0
			ok = b && r <= nr && ratio <= rm[r] + 0
			printf "%s %d %s %s %s: %d instructions, %.2f x without the module (limit %s)\n",
				ok ? "ok" : "not ok", ++n, krel, lbl, kv[1], kv[2], ratio, rm[r]
		}
	}
	END { print n > "/dev/stderr" }' "$KAS_TOP/tests/bench/limits" "$work/out" 2> "$work/n"
	n=$(cat "$work/n")
done
[ -z "$check" ] || echo "1..$n"
