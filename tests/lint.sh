#!/usr/bin/env bash
# lint.sh: style and static checks of the kernel code, as TAP.
#  - checkpatch.pl --strict (from Debian's linux-source package, cached)
#  - sparse (C=2) against each series' reference and Debian 13's 6.12 (gcc-14)
#  - kernel-doc on every interface (scripts/kernel-doc -none)
#  - shellcheck (POSIX sh) of the shell that runs on hosts: the CLI and the
#    maintainer scripts
set -uo pipefail
. "$(dirname "$0")/vm/lib.sh"

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n $*"; }

cd "$KAS_TOP"

# checkpatch.pl is not in the kbuild packages; take it from linux-source
# (the archive's newest 6.12, cached by version).
bash tests/vm/setup-host.sh
read -r lsv _ < <(python3 tests/vm/fleet.py newest linux-source-6.12 all) ||
	kas_die "no linux-source-6.12 in the archive"
cp_dir=$KAS_CACHE/checkpatch/$lsv
if [ ! -x "$cp_dir/scripts/checkpatch.pl" ]; then
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get -q download "linux-source-6.12=$lsv" >/dev/null 2>&1) ||
		kas_die "cannot download linux-source-6.12=$lsv"
	mkdir -p "$cp_dir"
	dpkg --fsys-tarfile "$tmp"/linux-source-6.12_*.deb |
		tar -xO ./usr/src/linux-source-6.12.tar.xz |
		tar -xJ -C "$cp_dir" --strip-components=1 linux-source-6.12/scripts/checkpatch.pl \
			linux-source-6.12/scripts/spelling.txt \
			linux-source-6.12/scripts/const_structs.checkpatch
	rm -rf "$tmp"
fi
cpl() { perl "$cp_dir/scripts/checkpatch.pl" --strict --no-tree --terse --show-types "$@" 2>&1 |
	grep -E ': (ERROR|WARNING|CHECK):'; }
# The compat layer is the one place where kernel-version tests belong.
out=$(cpl -f module/*.c module/*.h module/*.S uapi/linux/*.h
      cpl --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON -f module/compat/*.h)
if [ -z "$out" ]; then ok "checkpatch --strict clean (module/, uapi/)"; else
	notok "checkpatch --strict clean"; echo "$out" | sed 's/^/# /'; fi

# sparse, once per series, on a clean build so every file is checked.
for krel in $(kas_series_ref 5.10) $(kas_series_ref 6.1) $(kas_series_ref 6.12) $(kas_fleet_kernel 6.12-deb13) $(kas_series_ref 7.3); do
	rm -rf "$(kas_build_dir "$krel")"
	log=$(bash tests/vm/build-module.sh "$krel" C=2 CHECK=sparse 2>&1 >/dev/null)
	warn=$(echo "$log" | grep -E '(^|/)(module|uapi)/[^:]+:[0-9]+:([0-9]+:)? (warning|error):')
	if [ -n "$warn" ] || ! [ -e "$(kas_build_dir "$krel")/kvm_abi_shim.ko" ]; then
		notok "sparse clean on $krel"; echo "$warn" | head -20 | sed 's/^/# /'
	else ok "sparse clean on $krel"; fi
done

# kernel-doc: comment syntax of every documented interface.
k612=$(kas_series_ref 6.12)
kd=$(kas_kdir "$k612")/root/usr/lib/$(kas_fleet_field "$k612" kbuild)/scripts/kernel-doc
if [ -x "$kd" ] || [ -e "$kd" ]; then
	out=$(perl "$kd" -none module/*.[ch] module/compat/*.h uapi/linux/*.h 2>&1)
	if [ -z "$out" ]; then ok "kernel-doc clean"; else
		notok "kernel-doc clean"; echo "$out" | head -20 | sed 's/^/# /'; fi
else
	notok "kernel-doc script found ($kd)"
fi
# The CLI and the maintainer scripts run under dash (and busybox sh).
out=$(shellcheck -s sh tools/kvm-abi-shim debian/*.postinst 2>&1)
if [ -z "$out" ]; then ok "shellcheck -s sh clean (tools/kvm-abi-shim, debian/*.postinst)"; else
	notok "shellcheck -s sh clean"; echo "$out" | head -30 | sed 's/^/# /'; fi
echo "1..$n"
exit $failed
