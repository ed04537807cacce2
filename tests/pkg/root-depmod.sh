#!/usr/bin/env bash
# root-depmod.sh ROOT: index the modules of every kernel of the arm64 root
# filesystem ROOT with the host's depmod, as the root's own would, without
# emulating it (tests/pkg/depmod stands in for it while the root is
# prepared under qemu-user).
set -euo pipefail
root=${1:?usage: root-depmod.sh ROOT}
for d in "$root"/lib/modules/*/modules.order; do
	[ -e "$d" ] || continue
	d=${d%/modules.order}
	depmod -b "$root" -a "${d##*/}"
done
