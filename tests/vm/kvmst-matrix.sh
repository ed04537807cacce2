#!/usr/bin/env bash
# kvmst-matrix.sh LOGDIR: the older kernels' own test suites as the oracle.
# Each series' reference ran its kernel's KVM selftests (fp/XREF.v3.kvmst-own:
# what that kernel alone gives; init.sh); each newer series' reference Y ran series X's
# selftests with every VM at level X (fp/YREF.v3.kvmst-at-X). Each test must
# give on Y at X what it gave on X itself: pass, skip or fail alike. A
# difference passes only when docs/levels.md lists it for X@Y with its
# reason. Prints TAP, then the matrix (one line per pair).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

logs=${1:?usage: kvmst-matrix.sh LOGDIR}
fpdir=$logs/fp

# Listed differences: rows "| `test` | `X@Y` | ... |" between the markers.
expect=$(awk '/<!-- kvm-selftests: begin -->/ { on = 1 } /<!-- kvm-selftests: end -->/ { on = 0 }
	on && /^\| `/ { split($0, c, "|"); t = c[2]; p = c[3]; gsub(/[` ]/, "", t); gsub(/[` ]/, "", p);
	print t, p }' "$KAS_TOP/docs/levels.md")
listed() { # listed TEST X@Y
	grep -qxF "$1 $2" <<< "$expect"
}

what() { # what RC SITE: a selftest's exit status in words
	case $1 in
	0) echo pass ;;
	4) echo skip ;;
	*) echo "fail (exit $1${2:+ at $2})" ;;
	esac
}

n=0 pass=0 fail=0 skip=0
matrix=()
for at in "$fpdir"/*.v3.kvmst-at-*; do
	[ -e "$at" ] || continue
	f=${at##*/}
	y=${f%%.v3.*} x=${f##*kvmst-at-}
	xref=$(kas_series_ref "$x")
	own=$fpdir/$xref.v3.kvmst-own
	pair=$x@$(kas_series "$y")
	if [ ! -s "$own" ]; then
		tap skip "$x's KVM selftests on $y at level $x: $xref did not run them in this run"
		continue
	fi
	same=0 diff=0 lst=0 counts=""
	while read -r name rc _ site; do
		[ "$rc" = absent ] && continue
		read -r orc osite < <(awk -v t="$name" '$1 == t { print $2, $4 }' "$own")
		# Failures are alike only at the same assertion.
		w=$(what "$rc" "${site#-}") ow=$(what "${orc:-missing}" "${osite#-}")
		[ -n "$orc" ] && [ "$orc" != absent ] || ow="not run"
		counts="$counts ${name}:${ow%% *}/${w%% *}"
		if [ "$w" = "$ow" ]; then
			same=$((same + 1))
			tap ok "$x's KVM selftest $name: $ow on $xref, $w on $y at level $x"
		elif listed "$name" "$pair"; then
			lst=$((lst + 1))
			tap ok "$x's KVM selftest $name: $ow on $xref, $w on $y at level $x (listed in docs/levels.md)"
		else
			diff=$((diff + 1))
			tap notok "$x's KVM selftest $name: $ow on $xref, $w on $y at level $x"
		fi
	done < "$at"
	matrix+=("# $pair: $same alike, $lst listed differences, $diff unlisted;$counts")
done
[ ${#matrix[@]} -gt 0 ] && echo "# older suites on newer kernels (test:on X/on Y at X)"
for l in "${matrix[@]}"; do echo "$l"; done
[ "$fail" -eq 0 ]
