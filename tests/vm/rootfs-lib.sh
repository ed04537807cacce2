#!/bin/sh
# Sourced by the programs that run as PID 1 of a Debian root filesystem
# booted by the test harness (kas-pkgtest, kas-qdrill): find the results
# port, print TAP on it, power off. Installed as /usr/local/lib/kas-rootfs.sh.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
# The initramfs mounted /proc, /sys, /dev, debugfs, /tmp and /run.

port=
for p in /sys/class/virtio-ports/*; do
	[ "$(cat "$p/name" 2>/dev/null)" = kas.results ] && port=/dev/${p##*/}
done
[ -n "$port" ] || { echo "kas: no results port" > /dev/console; poweroff -f; }
exec 3> "$port"
exec 1>&3 2>&3
n=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
nok() { n=$((n + 1)); echo "not ok $n $*"; }
check() { # check DESCRIPTION 'CONDITION'
	if eval "$2"; then ok "$1"; else nok "$1"; printf '%s\n' "$out" | tail -n 15 | sed 's/^/# /'; fi
}
run() { out=$("$@" 2>&1); rc=$?; }
has() { case $out in *"$1"*) return 0 ;; esac; return 1; }
finish() {
	echo "# END"
	exec 3>&-
	sync
	# No init system here: sysrq syncs, remounts read-only, powers off.
	echo 1 > /proc/sys/kernel/sysrq
	for c in s u; do echo $c > /proc/sysrq-trigger; sleep 1; done
	# Nothing may read the disk once the power-off has reset it (an
	# exec would, and ext4 would then log errors): the sleep to wait in
	# starts before, and the shell waits for it with a builtin.
	sleep 30 &
	echo o > /proc/sysrq-trigger
	wait
	exit 0
}
