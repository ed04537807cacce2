#!/usr/bin/env bash
# mkdeb.sh [OUTDIR]: build the Debian packages (kvm-abi-shim-dkms and
# kvm-abi-shim-dev, all; kvm-abi-shim, arm64) from this checkout's tracked
# files, in a scratch copy so the checkout stays clean. The version is
# debian/changelog's (VERSION must agree; KAS_PKG_VERSION overrides it, for
# upgrade tests). Prints the
# directory holding the .deb files (default $KAS_CACHE/deb/<version>).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
KAS_CACHE=${KAS_CACHE:-/var/cache/kvm-abi-shim}
ver=${KAS_PKG_VERSION:-$(cat "$top/VERSION")}
case $ver in
[0-9]*) ;;
*) echo "mkdeb: version '$ver' must start with a digit" >&2; exit 1 ;;
esac
out=${1:-$KAS_CACHE/deb/$ver}

for t in dpkg-buildpackage dh dh_dkms aarch64-linux-gnu-gcc; do
	command -v "$t" >/dev/null ||
		{ echo "mkdeb: $t missing: run tests/pkg/setup-pkg-host.sh (as root)" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/kvm-abi-shim-$ver
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z | tar --null -T - -cf -) | tar -C "$src" -xf -
else
	(cd "$top" && tar --exclude=./.git -cf - .) | tar -C "$src" -xf -
fi
# debian/changelog is the package version's source; VERSION must agree.
clv=$(cd "$top" && dpkg-parsechangelog -S Version)
[ "$clv" = "$(cat "$top/VERSION")" ] ||
	{ echo "mkdeb: VERSION ($(cat "$top/VERSION")) and debian/changelog ($clv) disagree" >&2; exit 1; }
if [ "$ver" != "$clv" ]; then
	# Another version (the upgrade tests' N+1): an entry on top.
	echo "$ver" > "$src/VERSION"
	{
		printf 'kvm-abi-shim (%s) unstable; urgency=medium\n\n  * Test build of %s.\n\n' "$ver" "$ver"
		printf ' -- %s  %s\n\n' "$(cd "$top" && dpkg-parsechangelog -S Maintainer)" \
			"$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)}")"
		cat "$top/debian/changelog"
	} > "$src/debian/changelog"
fi
# Cross-build: arm64 for the CLI package, all for the other two. Build
# dependencies are checked for the build machine only (-d): the tools
# above are what it needs; the arm64 C library comes from the cross
# toolchain.
# The unit tests (dh_auto_test) ran in make check already: nocheck here.
(cd "$src" && DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -aarm64 -b -us -uc -d) > "$work/build.log" 2>&1 ||
	{ grep -v "^ *$" "$work/build.log" | tail -n 40 >&2; echo "mkdeb: dpkg-buildpackage failed" >&2; exit 1; }
mkdir -p "$out"
rm -f "$out"/*.deb "$out"/*.ddeb
mv "$work"/*.deb "$out"/
mv "$work"/*.ddeb "$out"/ 2>/dev/null || true
echo "$out"
