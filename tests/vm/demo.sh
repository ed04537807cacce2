#!/usr/bin/env bash
# demo.sh: boot hosts of the fleet in QEMU with the module loaded and show
# what a VM at native and a VM at an older level read, side by side: a 6.12
# host (Debian 12's) with a VM at 5.10, and a 7.3 host (trixie-backports)
# with a VM at 6.12, the level of the rollback from 7.3. KREL=... LEVEL=...
# shows one host.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bash "$KAS_TOP/tests/vm/setup-host.sh"
if [ -n "${KREL:-}" ]; then
	hosts=("$KREL ${LEVEL:-5.10}")
else
	hosts=("$(kas_series_ref 6.12) 5.10" "$(kas_series_ref 7.3) 6.12")
fi
work=$KAS_CACHE/demo
mkdir -p "$work" "$KAS_CACHE/selftests"
make -s -C "$KAS_TOP/tests/selftests" OUT="$KAS_CACHE/selftests"
for h in "${hosts[@]}"; do
	read -r krel level <<<"$h"
	ko=$(bash "$KAS_TOP/tests/vm/build-module.sh" "$krel" | tail -n1)
	bash "$KAS_TOP/tests/vm/mkinitrd.sh" "$krel" "$ko" "$KAS_CACHE/selftests" "$work/initrd.gz"
	rm -f "$work/out"
	echo "Booting $(kas_fleet_describe "$krel") under qemu-system-aarch64 (TCG, GICv3, VHE)..."
	timeout 300 qemu-system-aarch64 -machine virt,virtualization=on,gic-version=3 \
		-cpu max,pauth-impdef=on -smp 2 -m 1G -nographic -no-reboot -nic none \
		-kernel "$(kas_vmlinuz "$krel")" -initrd "$work/initrd.gz" \
		-append "console=ttyAMA0 panic=-1 loglevel=3 kas.demo=$level" \
		-device virtio-serial-device -chardev file,id=res,path="$work/out" \
		-device virtserialport,chardev=res,name=kas.results < /dev/null > "$work/console" 2>&1
	grep -v '^# END' "$work/out"
	grep -qx '# END' "$work/out"
	echo
done
