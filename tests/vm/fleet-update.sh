#!/usr/bin/env bash
# fleet-update.sh [--force]: bring apt's metadata up to date (when older
# than KAS_APT_MAX_AGE seconds, default 6 hours, or with --force), resolve
# the fleet (tests/vm/fleet) against it and print the exact builds, with a
# notice for every pinned build the archive no longer carries
# (make fleet-update; the first step of make check).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bash "$KAS_TOP/tests/vm/setup-host.sh" >&2
age=${KAS_APT_MAX_AGE:-21600}
if [ "${1:-}" = --force ] || [ ! -e "$KAS_APT_STAMP" ] ||
	[ $(($(date +%s) - $(stat -c %Y "$KAS_APT_STAMP"))) -gt "$age" ]; then
	apt-get -o DPkg::Lock::Timeout=900 -q update >&2 || kas_die "apt-get update failed"
	touch "$KAS_APT_STAMP"
fi
lock=$(kas_fleet_lock)
echo "# fleet resolved from the archive ($lock):"
grep '^#' "$lock" || true
awk -F'\t' '!/^#/ { printf "#   %-18s %-24s %-20s %-28s kbuild %-22s %-7s %s%s\n", $1, $2, $3, $4, $8, $9,
	$11, ($10 == "ref" ? " (reference)" : "") }' "$lock"
