#!/usr/bin/env bash
# differential.sh LOGDIR: the differential conformance test. For every fleet
# kernel Y and every older series X, compare the fingerprint of a VM at
# level X on Y (module loaded) with the fingerprint of the same VM on the
# reference kernel X booted in the same run (newest fleet build of X,
# module not loaded), for each GIC model. Differences must be listed in
# docs/levels.md (not achievable, or pending); any other is a failure.
# Prints TAP and, per pair, the count before (Y native) and after (Y at X).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

logs=${1:?usage: differential.sh LOGDIR}
fpdir=$logs/fp
tool=$KAS_CACHE/host-tools/kvm-abi-fingerprint-host
mkdir -p "$(dirname "$tool")"
make -s -C "$KAS_TOP/tools/fingerprint" OUT="$(dirname "$tool")" host >&2 &&
	[ -x "$tool" ] || { echo "not ok 1 build the host fingerprint tool"; exit 1; }

# Expected differences from docs/levels.md: table rows "| `glob` | `X@Y` |"
# inside the sections marked for the differential test.
expect=$(awk '/<!-- differential: begin -->/ { on = 1 } /<!-- differential: end -->/ { on = 0 }
	on && /^\| `/ { split($0, c, "|"); g = c[2]; p = c[3]; gsub(/[` ]/, "", g); gsub(/[` ]/, "", p);
	print g, p }' "$KAS_TOP/docs/levels.md")

# listed ITEM PAIR: does docs/levels.md accept ITEM for PAIR (X@Yseries)?
listed() {
	local glob pair
	while read -r glob pair; do
		[ -n "$glob" ] || continue
		# shellcheck disable=SC2053
		[[ $1 == $glob && $2 == $pair ]] && return 0
	done <<< "$expect"
	return 1
}

n=1 failed=0
# The matcher itself: listed items pass, anything else is caught.
if [ -n "$expect" ] && listed reg.0x6030000000140003 5.10@6.1 && ! listed reglist.count 5.10@6.1 &&
	! listed vgic.user.gicd.0x0008 6.1@6.12 && ! listed selftest.unlisted 5.10@6.1; then
	echo "ok 1 differential: docs/levels.md table parsed ($(echo "$expect" | wc -l) rows), unlisted items caught"
else
	echo "not ok 1 differential: docs/levels.md table parsed, unlisted items caught"; failed=1
fi
declare -A seen=()
for y in $(kas_fleet_kernels); do
	sy=$(kas_series "$y")
	for sx in 5.10 6.1 6.12; do
		[ "$(printf '%s\n%s\n' "$sx" "$sy" | sort -V | head -n1)" = "$sx" ] || continue
		[ "$sx" = "$sy" ] && continue
		x=$(kas_series_ref "$sx")
		# The minimal VM on both vGIC models, each VM shape on GICv3.
		for sg in :v3 :v2 qemu-virt-:v3 firecracker-:v3; do
			shape=${sg%:*} gic=${sg#*:}
			ref=$fpdir/$x.$gic.${shape}native after=$fpdir/$y.$gic.${shape}level-$sx
			before=$fpdir/$y.$gic.${shape}native
			n=$((n + 1))
			name="differential $sx@$y $gic${shape:+, ${shape%-} VM} (reference $x)"
			if [ ! -s "$ref" ] || [ ! -s "$after" ] || [ ! -s "$before" ]; then
				[ -n "${KAS_PARTIAL:-}" ] && { echo "ok $n $name # SKIP kernel not booted in this run"; continue; }
				# A fleet kernel boots only the configurations that add
				# coverage (tests/vm/fleet); the others are not expected.
				case " $(kas_fleet_field "$y" boots) " in *" $gic "*) ;; *) n=$((n - 1)); continue ;; esac
				echo "not ok $n $name: fingerprint missing"; failed=1; continue
			fi
			d=$logs/diff.$shape$sx@$y.$gic
			nb=$("$tool" diff "$ref" "$before" | wc -l)
			"$tool" diff "$ref" "$after" > "$d"
			na=$(wc -l < "$d")
			pend=0 unexp=0 list=""
			while read -r item _; do
				if listed "$item" "$sx@$sy"; then pend=$((pend + 1)); else
					unexp=$((unexp + 1)); list+="$item "; fi
			done < "$d"
			msg="$name: before $nb, after $na (listed in docs/levels.md $pend, unexpected $unexp)"
			if [ "$unexp" -eq 0 ]; then echo "ok $n $msg"; else
				echo "not ok $n $msg"; failed=1
				grep -F -f <(echo "$list" | tr ' ' '\n' | sed '/^$/d; s/$/ /') \
					"$d" | head -n 40 | sed 's/^/# /'
			fi
		done
	done
done
# One series, one ABI: every build of a series shows a native VM what the
# series' reference shows (a security build, an older point release, and
# Debian 13's 6.12 against Debian 12's). Differences must be listed in
# docs/levels.md for the pair "S@S".
for y in $(kas_fleet_kernels); do
	sy=$(kas_series "$y") x=$(kas_series_ref "$(kas_series "$y")")
	[ "$y" != "$x" ] || continue
	for sg in :v3 :v2 qemu-virt-:v3 firecracker-:v3; do
		shape=${sg%:*} gic=${sg#*:}
		case " $(kas_fleet_field "$y" boots) " in *" $gic "*) ;; *) continue ;; esac
		ref=$fpdir/$x.$gic.${shape}native cur=$fpdir/$y.$gic.${shape}native
		n=$((n + 1))
		name="same series: $y native vs $x native, $gic${shape:+, ${shape%-} VM}"
		if [ ! -s "$ref" ] || [ ! -s "$cur" ]; then
			[ -n "${KAS_PARTIAL:-}" ] && { echo "ok $n $name # SKIP kernel not booted in this run"; continue; }
			echo "not ok $n $name: fingerprint missing"; failed=1; continue
		fi
		d=$logs/diff.native.$shape$y.$gic
		"$tool" diff "$ref" "$cur" > "$d"
		unexp=$(while read -r item _; do listed "$item" "$sy@$sy" || echo "$item"; done < "$d")
		if [ -z "$unexp" ]; then
			nd=$(wc -l < "$d")
			if [ "$nd" = 0 ]; then echo "ok $n $name: identical"
			else echo "ok $n $name: $nd differences, all listed in docs/levels.md"; fi
		else
			echo "not ok $n $name: $(echo "$unexp" | wc -l) differences not listed"; failed=1
			grep -F -f <(echo "$unexp" | sed 's/$/ /') "$d" | head -n 20 | sed 's/^/# /'
		fi
	done
done
# Firmware registers saved on one kernel, restored on another (issue #6):
# forward (X native -> Y at level X) and reverse (Y at X -> X native).
# Every KVM_SET_ONE_REG must succeed, unless docs/levels.md lists the
# register as not achievable for that pair.
for f in "$logs"/restore/*.restore-*; do
	[ -e "$f" ] || continue
	base=${f##*/}
	dest=$(echo "$base" | sed -E 's/^(.*)\.(v3|v2|nvhe|rv3|rv2)\.restore-(.*)$/\1/')
	src=$(echo "$base" | sed -E 's/^(.*)\.(v3|v2|nvhe|rv3|rv2)\.restore-(.*)$/\3/')
	srck=$(echo "$src" | sed -E 's/^(.*)\.(v3|v2)\.(native|level-.*|drill-.*)$/\1/')
	gic=$(echo "$src" | sed -E 's/^(.*)\.(v3|v2)\.(native|level-.*|drill-.*)$/\2/')
	boot=$(echo "$base" | sed -E 's/^(.*)\.(v3|v2|nvhe|rv3|rv2)\.restore-(.*)$/\2/')
	[ "$boot" = nvhe ] && gic="$gic, nVHE"
	case $boot:$src in
	*:*.drill-*)
		# Rollback drill: a whole VM saved at a checkpoint, restored and
		# resumed. Every failure must be listed for the pair; a VM
		# saved natively on a newer kernel must fail (negative control).
		lvl=${src##*.drill-}
		n=$((n + 1))
		case $boot:$lvl in
		rv*:native) what="negative control, no module: $srck native -> $dest native" pair="" ;;
		rv*:*) what="reverse: $srck at $lvl -> $dest native" pair=$lvl@$(kas_series "$srck") ;;
		*) what="forward: $srck native -> $dest at $(kas_series "$srck")"
		   pair=$(kas_series "$srck")@$(kas_series "$dest") ;;
		esac
		ok=0 lst=0 bad="" fails=""
		while read -r key res; do
			item=${key#drill.}
			case $item in set.reg.*) item=${item#set.} ;; esac
			case $res in 0|same) ok=$((ok + 1)); continue ;; esac
			fails+="${key#drill.}=$res "
			if [ -n "$pair" ] && { listed "$item" "$pair" || listed "drill.$item" "$pair"; }; then
				lst=$((lst + 1))
			else
				bad+="${key#drill.}=$res "
			fi
		done < "$f"
		if [ -z "$pair" ]; then
			if [ -n "$fails" ]; then
				echo "ok $n rollback drill ($what, $gic): fails today as expected, $(echo "$fails" | wc -w) items: $(echo "$fails" | cut -c1-400)"
			else
				echo "not ok $n rollback drill ($what, $gic): expected to fail, it did not"; failed=1
			fi
		elif [ -z "$bad" ] && [ "$ok" -gt 0 ] && grep -q '^drill.resume 0$' "$f"; then
			echo "ok $n rollback drill ($what, $gic): $ok restored or unchanged, $lst failures listed in docs/levels.md"
		else
			echo "not ok $n rollback drill ($what, $gic): $ok ok, unexpected: $(echo "$bad" | cut -c1-600)"; failed=1
		fi
		continue ;;
	rv*:*.native)
		# Negative control: state saved natively on a newer kernel,
		# restored natively here. 6.x -> 5.10 fails today (bitmap
		# registers, PSCI 1.1); 6.12 -> 6.1 firmware registers match
		# (that rollback fails on system registers); 7.3 -> 6.x fails
		# (PSCI 1.3, VENDOR_HYP_BMAP_2).
		n=$((n + 1))
		refused=$(awk '$2 != 0' "$f" | wc -l)
		list=$(awk '$2 != 0 { printf "%s=%s ", substr($1, 11), $2 }' "$f")
		if [ "$(kas_series "$dest")" = 5.10 ] || [ "$(kas_series "$srck")" = 7.3 ]; then
			want="refused"
		else
			want="accepted"
		fi
		if { [ "$want" = refused ] && [ "$refused" -gt 0 ]; } ||
		   { [ "$want" = accepted ] && [ "$refused" -eq 0 ]; }; then
			echo "ok $n negative control, no module ($srck native -> $dest native, $gic): $refused of $(wc -l < "$f") firmware registers refused ${list}"
		else
			echo "not ok $n negative control, no module ($srck native -> $dest native, $gic): expected $want, $refused refused ${list}"
			failed=1
		fi
		continue ;;
	*:*.native) pair=$(kas_series "$srck")@$(kas_series "$dest")
		  what="forward: $srck native -> $dest at $(kas_series "$srck")" ;;
	*) sx=${src##*.level-}; pair=$sx@$(kas_series "$srck")
	   what="reverse: $srck at $sx -> $dest native" ;;
	esac
	n=$((n + 1)) ok=0 lst=0 bad=""
	while read -r key ret; do
		if [ "$ret" = 0 ]; then ok=$((ok + 1))
		elif listed "${key#fwrestore.}" "$pair"; then lst=$((lst + 1))
		else bad+="${key#fwrestore.}=$ret "; fi
	done < "$f"
	if [ -z "$bad" ] && [ "$ok" -gt 0 ]; then
		echo "ok $n firmware registers restored ($what, $gic): $ok accepted, $lst refused as listed"
	else
		echo "not ok $n firmware registers restored ($what, $gic): $ok accepted, unexpected: $bad"
		failed=1
	fi
done
echo "1..$n"
exit $failed
