#!/usr/bin/env bash
# mkinitrd.sh KREL KO TESTDIR OUT: build the test VM's initramfs: busybox,
# /init, the module, the test programs, and the kernel's own modules for
# the virtio results channel (with their dependencies, in load order).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

krel=$1 ko=$2 tests=$3 out=$4 inject=${5:-}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,tests,modules,sbin,usr/bin,usr/sbin,inject}
# mktemp made the root 0700: users other than root (the unpriv test) need
# to walk it.
chmod 755 "$stage"
chmod 1777 "$stage/tmp"
# Files from earlier boots of the run (fingerprints to restore).
if [ -n "$inject" ] && [ -d "$inject" ]; then cp -r "$inject"/. "$stage/inject/"; fi
cp "$(kas_busybox)" "$stage/bin/busybox"
cp "$KAS_TOP/tests/vm/init.sh" "$stage/init"
chmod +x "$stage/init"
cp "$ko" "$stage/kvm_abi_shim.ko"
cp -r "$tests"/. "$stage/tests/"
# The test programs' shared objects (tests/selftests/Makefile) stay out.
rm -rf "$stage/tests/.obj"
# The kernel's own KVM selftests, for a boot that runs them (kas.kvmst),
# in /kvmst; the older series' (KAS_INITRD_KVMST_OLDER: "SERIES=DIR ...",
# run at their level) in /kvmst-SERIES.
kvmst_stage() { # kvmst_stage DIR FROM SERIES [older]
	mkdir -p "$stage/$1"
	if [ -n "${4:-}" ]; then
		grep -v -e '^#' -e '\[own\]' "$KAS_TOP/tests/vm/kvm-selftests"
	else
		grep -v '^#' "$KAS_TOP/tests/vm/kvm-selftests"
	fi | grep -vF "[not $3]" | sed -E 's/ *\[[^]]*\]//g' > "$stage/$1/list"
	while read -r t _; do
		[ ! -e "$2/$t" ] || cp "$2/$t" "$stage/$1/"
	done < "$stage/$1/list"
}
if [ -n "${KAS_INITRD_KVMST:-}" ]; then
	kvmst_stage kvmst "$KAS_INITRD_KVMST" "$(kas_series "$krel")"
	for e in ${KAS_INITRD_KVMST_OLDER:-}; do kvmst_stage "kvmst-${e%%=*}" "${e#*=}" "${e%%=*}" older; done
fi

# Kernel modules needed for virtio-mmio and the virtio console, and the
# extra ones a boot mode needs (the package test mounts an ext4 root).
# shellcheck disable=SC2086
kas_stage_mods "$krel" "$stage/modules" virtio_mmio virtio_console ${KAS_INITRD_MODS:-}

(cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
