#!/usr/bin/env bash
# mkl2initrd.sh KREL OUT: the initramfs of the drill's Linux guest (a
# Debian kernel KREL of the fleet): BusyBox, l2init.sh as /init, and the
# kernel's own modules for a virtio-pci disk (and SMCCC TRNG where it is
# a module), each after its dependencies.
set -euo pipefail
. "$(dirname "$0")/../vm/lib.sh"

krel=$1 out=$2
bash "$KAS_TOP/tests/vm/fetch-kernel.sh" "$krel" > /dev/null
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 755 "$stage"
mkdir -p "$stage"/{bin,dev,proc,sys,run,tmp,sbin,usr/bin,usr/sbin}
cp "$(kas_busybox)" "$stage/bin/busybox"
install -m 755 "$KAS_TOP/tests/qemu/l2init.sh" "$stage/init"
kas_stage_mods "$krel" "$stage/modules" virtio_pci virtio_blk '?arm_smccc_trng'
(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -9) > "$out"
