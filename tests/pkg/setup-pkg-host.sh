#!/usr/bin/env bash
# setup-pkg-host.sh: host tools for the packaging tests and `make deb`
# (Debian packaging, mmdebstrap, qemu-user through binfmt_misc). Idempotent.
set -euo pipefail
stamp=/var/cache/kvm-abi-shim/pkg-host-setup.v2
if [ ! -e "$stamp" ]; then
	bash "$(dirname "$0")/../vm/setup-host.sh"
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=900 -q install -y --no-install-recommends \
		debhelper dh-dkms dpkg-dev fakeroot mmdebstrap qemu-user-static \
		binfmt-support e2fsprogs openssl arch-test lintian pkgconf >&2
	touch "$stamp"
fi
# binfmt_misc is not persistent across boots of the host: check every time.
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
	[ -e /proc/sys/fs/binfmt_misc/register ] ||
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
	update-binfmts --enable qemu-aarch64 >&2 || true
fi
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] ||
	{ echo "setup-pkg-host: cannot run arm64 binaries (binfmt_misc qemu-aarch64)" >&2; exit 1; }
