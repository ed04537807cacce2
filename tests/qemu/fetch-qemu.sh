#!/usr/bin/env bash
# fetch-qemu.sh: unpack (once, cached) bookworm-backports' qemu-system-arm,
# a newer QEMU than the host's 7.2 whose Neoverse N2 model has FEAT_CCIDX:
# the emulated host CPU of the drill's FEAT_CCIDX boots. Nothing is
# installed; its libraries are bookworm's. Prints the binary's path.
set -euo pipefail
. "$(dirname "$0")/../vm/lib.sh"

# The newest in bookworm-backports (built against bookworm's libraries),
# cached by version.
read -r ver _ < <(python3 "$KAS_TOP/tests/vm/fleet.py" newest qemu-system-arm amd64 '^bookworm-backports$') ||
	kas_die "no qemu-system-arm in bookworm-backports"
dir=$KAS_CACHE/qemu/$(echo "$ver" | tr ':~+' '___')
bin=$dir/root/usr/bin/qemu-system-aarch64
# Concurrent callers: one unpacks it.
mkdir -p "$KAS_CACHE/qemu"
exec {lk}> "$KAS_CACHE/qemu/.lock"
flock "$lk"
if [ ! -x "$bin" ]; then
	rm -rf "$dir"
	mkdir -p "$dir/deb"
	(cd "$dir/deb" && apt-get -q download "qemu-system-arm=$ver" >/dev/null 2>&1) ||
		kas_die "apt-get download qemu-system-arm=$ver failed (bookworm-backports)"
	dpkg -x "$dir"/deb/qemu-system-arm_*.deb "$dir/root"
	rm -rf "$dir/deb"
fi
"$bin" --version > /dev/null || kas_die "$bin does not run on this host"
echo "$bin"
