#!/usr/bin/env bash
# Prepare an x86_64 Debian 12 host for cross-building and booting the fleet.
# Idempotent: adds the Debian suites we need (derived from the host's own
# apt configuration, so no mirror name lives in this repository), keeps
# bookworm as the default release, enables arm64 for `apt-get download`,
# and installs the host tools.
set -euo pipefail

stamp=/var/cache/kvm-abi-shim/host-setup.v6
[ -e "$stamp" ] && exit 0
[ "$(id -u)" -eq 0 ] || { echo "setup-host: run as root" >&2; exit 1; }

# Base URIs of the configured Debian archive and security archive.
mirror_of() { # $1 = regex matching the URI path
	{ cat /etc/apt/sources.list.d/*.sources | awk '/^URIs:/ {print $2}'
	  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '/^deb / {print $2}'
	} 2>/dev/null | grep -E "$1" | head -n1 || true
}
main=$(mirror_of '/debian/?$')
sec=$(mirror_of '/debian-security/?$')
[ -n "$main" ] || { echo "setup-host: no Debian archive found in apt sources" >&2; exit 1; }
[ -n "$sec" ] || sec=${main%/debian*}/debian-security

cat > /etc/apt/sources.list.d/kvm-abi-shim.sources <<SRC
# Added by kvm-abi-shim tests/vm/setup-host.sh
Types: deb
URIs: $main
Suites: bookworm-backports bullseye trixie trixie-updates trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $sec
Suites: bookworm-security trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
# bookworm-security may already be configured; apt tolerates duplicates
# only with warnings, so keep only trixie-security in ours if the host has it.
if grep -hqs 'bookworm-security' /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; then
	sed -i 's/^Suites: bookworm-security trixie-security$/Suites: trixie-security/' \
		/etc/apt/sources.list.d/kvm-abi-shim.sources
fi
echo 'APT::Default-Release "bookworm";' > /etc/apt/apt.conf.d/90kvm-abi-shim-default-release
dpkg --add-architecture arm64

export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 -q update
# The fleet lock is resolved again after every update (tests/vm/lib.sh).
mkdir -p "${KAS_CACHE:-/var/cache/kvm-abi-shim}"
touch "${KAS_CACHE:-/var/cache/kvm-abi-shim}/apt-updated"
apt-get -o DPkg::Lock::Timeout=900 -q install -y --no-install-recommends \
	qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross make bc cpio \
	kmod pahole sparse flex bison libelf-dev libssl-dev xz-utils python3 \
	binutils-aarch64-linux-gnu shellcheck dash procps
# The 5.10 kernel was built with gcc-10: bullseye's cross compiler, installed
# on its own so that its runtime libraries come from bookworm.
apt-get -o DPkg::Lock::Timeout=900 -q install -y --no-install-recommends \
	gcc-10-aarch64-linux-gnu
mkdir -p "$(dirname "$stamp")"
touch "$stamp"
