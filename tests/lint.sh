#!/usr/bin/env bash
# lint.sh: style and static checks of the kernel code, as TAP.
#  - checkpatch.pl --strict (from Debian's linux-source package, cached)
#  - sparse (C=2) against each series' reference and Debian 13's 6.12 (gcc-14)
#  - kernel-doc on every interface (scripts/kernel-doc -none)
#  - shellcheck (POSIX sh) of the shell that runs on hosts: the CLI and the
#    maintainer scripts
#  - no pipe from echo into grep -q in the test scripts that set pipefail
set -uo pipefail
. "$(dirname "$0")/vm/lib.sh"

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n $*"; }

cd "$KAS_TOP"

# checkpatch.pl is not in the kbuild packages: from linux-source (cached).
bash tests/vm/setup-host.sh
cp_dir=$(kas_linux_source)
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
# Under pipefail, "echo \"$x\" | grep -q" can fail a true match: grep exits
# at the first matching line and bash's line-buffered echo dies of SIGPIPE
# on the next. Checks match a here-string instead.
out=$(grep -nE '(echo|printf) [^|]*\|[[:space:]]*grep [^|]*-[a-zA-Z]*q' \
	$(grep -rlE 'set -[a-z]*o pipefail' .ci tests tools) tests/vm/lib.sh |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*#')
if [ -z "$out" ]; then ok "no pipe from echo into grep -q under pipefail"; else
	notok "no pipe from echo into grep -q under pipefail"; echo "$out" | sed 's/^/# /'; fi
echo "1..$n"
exit $failed
