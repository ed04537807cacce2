#!/bin/sh
# kas-qdrill: PID 1 of the QEMU drill's root filesystem (tests/qemu/run.sh):
# Debian's qemu-system-aarch64 runs the L2 guest under KVM (-cpu host), as a
# fleet VMM would, and saves or restores it. The steps come from the kernel
# command line, kas.qdrill=STEP[,STEP...], run in order:
#   save:NAME:LEVEL            start the guest, let it tick, save it to NAME
#   restore:NAME:LEVEL:EXPECT  restore NAME; EXPECT ok (the guest goes on
#                              from its tick and reads the same registers)
#                              or fail (QEMU refuses the state)
#   lboot:NAME:LEVEL           boot the Linux guest (tests/qemu/l2init.sh),
#                              let it tick, save it (and its disk) to NAME
#   lrestore:NAME:LEVEL:EXPECT[:CARRY]
#                              restore the Linux guest NAME; EXPECT ok (it
#                              goes on, its devices answer, its kernel logs
#                              no warning) or fail; CARRY: save it again
#                              as CARRY for a later boot
# LEVEL "none" runs without the module; any other is the module's
# default_level, which is what a VM created by an unmodified QEMU gets.
# States and the guest's console stay in /var/lib/kas-qdrill on the root
# disk, across boots. TAP goes to the kas.results port.
. /usr/local/lib/kas-rootfs.sh

krel=$(uname -r)
dir=/var/lib/kas-qdrill
mkdir -p "$dir"
ko=/opt/kas/ko/$krel/kvm_abi_shim.ko
echo "# run qdrill"
echo "# kernel $krel, $(qemu-system-aarch64 --version | head -n1)"

setlevel() { # setlevel LEVEL
	if [ "$1" = none ]; then
		[ ! -e /sys/module/kvm_abi_shim ] || rmmod kvm_abi_shim
	else
		[ -e /sys/module/kvm_abi_shim ] || insmod "$ko" || return 1
		echo "$1" > /sys/module/kvm_abi_shim/parameters/default_level
	fi
}

# The guest's complete tick lines in a console file, without CRs.
ticks() { [ -e "$1" ] || return 0; tr -d '\r' < "$1" | grep -E '^tick [0-9]+ .* ccsidr\.l2=0x[0-9a-f]+ end$'; }

# qemu_run CONSOLE ARGS...: QEMU/KVM with ARGS, its serial port to
# CONSOLE and its monitor on fd 7 (replies in /tmp/mon.out).
qemu_run() {
	cons=$1
	shift
	rm -f /tmp/mon.in "$cons"
	: > /tmp/mon.out
	mkfifo /tmp/mon.in
	qemu-system-aarch64 -accel kvm -nodefaults -display none -monitor stdio \
		-serial file:"$cons" "$@" < /tmp/mon.in > /tmp/mon.out 2>&1 &
	qpid=$!
	exec 7> /tmp/mon.in
}

qemu_start() { # qemu_start CONSOLE EXTRA-ARGS...: the bare guest
	c=$1
	shift
	qemu_run "$c" -cpu host -machine virt,gic-version=3 -smp 1 -m 64 \
		-kernel /opt/kas/l2guest.elf "$@"
}

# lqemu_start CONSOLE DISK EXTRA-ARGS...: the Linux guest as QEMU's virt
# machine runs one by default: two vCPUs, steal time, an ITS, a virtio-pci
# disk with one queue (and MSI-X vector) per vCPU. kvm-steal-time=on makes
# a host without it an error at start rather than a missing state section.
lqemu_start() {
	c=$1 d=$2
	shift 2
	qemu_run "$c" -cpu host,kvm-steal-time=on -machine virt,gic-version=3,its=on \
		-smp 2 -m 192 -no-reboot -kernel /opt/kas/l2linux/Image \
		-initrd /opt/kas/l2linux/initrd.gz \
		-append "console=ttyAMA0 loglevel=4 panic=-1 rcupdate.rcu_cpu_stall_timeout=60 watchdog_thresh=30" \
		-drive if=none,id=l2d,file="$d",format=raw \
		-device virtio-blk-pci,drive=l2d,num-queues=2 "$@"
}

alive() { kill -0 "$qpid" 2>/dev/null; }

qemu_stop() {
	if alive; then
		echo quit >&7
		i=0
		while alive && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
		alive && kill -9 "$qpid"
	fi
	exec 7>&-
	wait "$qpid" 2>/dev/null
	qrc=$?
}

# wait_ticks CONSOLE N SECONDS: until the guest printed N tick lines.
wait_ticks() {
	i=0
	while [ "$(ticks "$1" | wc -l)" -lt "$2" ]; do
		alive || return 1
		[ $i -lt "$3" ] || return 1
		sleep 1
		i=$((i + 1))
	done
}

# migrate_to FILE: stop the guest and save it to FILE; done_ok yes if
# QEMU says the migration completed.
migrate_to() {
	echo stop >&7
	echo "migrate \"exec:cat > $1\"" >&7
	i=0
	while [ $i -lt 300 ] && alive; do
		echo "info migrate" >&7
		sleep 1
		grep -q 'Migration status: \(completed\|failed\)' /tmp/mon.out && break
		i=$((i + 1))
	done
	done_ok=no
	grep -q 'Migration status: completed' /tmp/mon.out && done_ok=yes
}

# incoming_cont: wait until QEMU loaded the state (or gave up and exited),
# then continue the guest. A state saved stopped loads paused.
incoming_cont() {
	i=0
	while alive && [ $i -lt 300 ]; do
		echo "info status" >&7
		sleep 1
		tr -d '\r' < /tmp/mon.out | grep -a 'VM status: ' | grep -qv inmigrate && break
		i=$((i + 1))
	done
	if alive; then echo cont >&7; fi
}

# The register part of a tick line.
regs() { sed -E 's/^tick [0-9]+ //'; }
tickno() { sed -E 's/^tick ([0-9]+) .*/\1/'; }

save() { # save NAME LEVEL
	name=$1 level=$2
	echo "# step save $name at level $level"
	if ! setlevel "$level"; then
		nok "save $name: set level $level on $krel"
		return
	fi
	rm -f "$dir/$name.state" "$dir/$name.last"
	qemu_start "$dir/$name.console.save"
	t0=$(date +%s)
	if ! wait_ticks "$dir/$name.console.save" 3 300; then
		qemu_stop
		out=$(cat /tmp/mon.out "$dir/$name.console.save")
		check "save $name: the guest runs under QEMU/KVM on $krel at level $level" false
		return
	fi
	migrate_to "$dir/$name.state"
	ticks "$dir/$name.console.save" | tail -n 1 > "$dir/$name.last"
	qemu_stop
	sync
	out=$(cat /tmp/mon.out)
	echo "# guest on $krel at $level: $(cat "$dir/$name.last")"
	check "save $name: QEMU saved the running guest on $krel at level $level ($(($(date +%s) - t0)) s, $(wc -c 2>/dev/null < "$dir/$name.state") bytes)" \
		'[ $done_ok = yes ] && [ -s "$dir/$name.state" ] && [ -s "$dir/$name.last" ]'
}

restore() { # restore NAME LEVEL EXPECT
	name=$1 level=$2 expect=$3
	cons=$dir/$name.console.restore.$krel.$level
	echo "# step restore $name at level $level, expect $expect"
	if [ ! -s "$dir/$name.state" ]; then
		nok "restore $name on $krel at level $level: no saved state (its save failed)"
		return
	fi
	if ! setlevel "$level"; then
		nok "restore $name: set level $level on $krel"
		return
	fi
	t0=$(date +%s)
	qemu_start "$cons" -incoming "exec:cat $dir/$name.state"
	# The state was saved stopped, so it loads paused: wait for the load
	# (or QEMU giving up and exiting), then continue the guest.
	incoming_cont
	wait_ticks "$cons" 2 120
	qemu_stop
	dt=$(($(date +%s) - t0))
	out=$(cat /tmp/mon.out)
	last=$(cat "$dir/$name.last")
	first=$(ticks "$cons" | head -n 1)
	if [ -n "$first" ]; then
		echo "# guest after restore: $first"
		cont=no same=no
		! grep -q 'l2 start' "$cons" && [ "$(echo "$first" | tickno)" -gt "$(echo "$last" | tickno)" ] && cont=yes
		[ "$(ticks "$cons" | regs | sort -u)" = "$(echo "$last" | regs)" ] && same=yes
		echo "# restored: continued=$cont, registers as before the save=$same"
		if [ "$same" = no ]; then
			echo "$last" | regs | tr ' ' '\n' > /tmp/a
			ticks "$cons" | grep -vF "$(echo "$last" | regs)" | head -n 3 |
				sed 's/^/# differing: /'
			ticks "$cons" | grep -vF "$(echo "$last" | regs)" | head -n 1 | regs |
				tr ' ' '\n' > /tmp/b
			diff /tmp/a /tmp/b | grep '^[<>]' | sed 's/^/# saved|restored: /'
		fi
		result=ok
		[ $cont = yes ] && [ $same = yes ] || result=changed
	else
		result=fail
		printf '%s\n' "$out" | grep -v '^(qemu)\|^QEMU .*monitor' | grep . | tail -n 4 | sed 's/^/# qemu: /'
	fi
	if [ "$expect" = ok ]; then
		check "restore $name on $krel at level $level: QEMU restores it, the guest goes on from tick $(echo "$last" | tickno) and reads the same ID/cache registers (${dt} s)" \
			'[ $result = ok ]'
	else
		check "restore $name on $krel at level $level: QEMU refuses the state, as stock kernels do (${dt} s)" \
			'[ $result = fail ]'
	fi
}

# The Linux guest (tests/qemu/l2init.sh): its tick lines in a console file,
# FIELD=VALUE of one of them, and its command block (block 0 of its disk).
lticks() { [ -e "$1" ] || return 0; tr -d '\r' < "$1" | grep -aE '^l2 tick [0-9]+ .* end$'; }
lf() { echo "$2" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
ltickno() { echo "$1" | sed -E 's/^l2 tick ([0-9]+) .*/\1/'; }
setgen() { printf '%s\n' "$2" | dd of="$1" bs=4096 count=1 conv=sync,notrunc 2>/dev/null; }

# lwait CONSOLE GEN N SECONDS: until the guest printed N ticks of
# generation GEN after its post-move actions (hp not 0); lt_init, lt_dev
# and lt_tick: the seconds until its init, its devices line, the first
# such tick.
lwait() {
	i=0 lt_init= lt_dev= lt_tick=
	while :; do
		[ -n "$lt_init" ] || ! grep -aq 'l2 init start' "$1" 2>/dev/null || lt_init=$i
		[ -n "$lt_dev" ] || ! grep -aq 'l2 devices' "$1" 2>/dev/null || lt_dev=$i
		k=$(lticks "$1" | grep -c " hp=[1-9][0-9]*/[a-z]* gen=$2 ")
		[ -n "$lt_tick" ] || [ "$k" -eq 0 ] || lt_tick=$i
		[ "$k" -ge "$3" ] && return 0
		alive || return 1
		[ $i -lt "$4" ] || return 1
		sleep 1
		i=$((i + 1))
	done
}

# lsave NAME CONSOLE DISK: save the running Linux guest to NAME (state,
# disk, last tick), QEMU then quits. The guest is stopped just after it
# printed a tick, while it sleeps: a disk request still in flight at stop
# would complete after QEMU saved the interrupt tables, and its interrupt
# be lost. A migration copies no disk: the disk is copied once QEMU has
# closed it. A failed save leaves nothing behind.
lsave() {
	rm -f "$dir/$1.state" "$dir/$1.last" "$dir/$1.disk"
	k=$(lticks "$2" | wc -l)
	i=0
	while [ "$(lticks "$2" | wc -l)" -le "$k" ] && [ $i -lt 100 ] && alive; do
		sleep 0.1
		i=$((i + 1))
	done
	migrate_to "$dir/$1.state"
	lticks "$2" | tail -n 1 > "$dir/$1.last"
	qemu_stop
	if [ $done_ok = yes ]; then
		cp "$3" "$dir/$1.disk"
	else
		rm -f "$dir/$1.state" "$dir/$1.last"
	fi
	sync
}

# ltail CONSOLE: the last lines of the Linux guest's console and of QEMU's
# monitor, and how QEMU ended if a signal ended it.
ltail() {
	tr -d '\r' < "$1" | tail -n 15 | sed 's/^/# l2: /'
	grep -v '^(qemu)\|^QEMU .*monitor' /tmp/mon.out | grep . | tail -n 4 | sed 's/^/# qemu: /'
	[ "$qrc" -lt 128 ] || echo "# qemu ended by signal $((qrc - 128))"
}

lboot() { # lboot NAME LEVEL: boot the Linux guest at LEVEL, save it to NAME
	name=$1 level=$2
	echo "# step lboot $name at level $level"
	if ! setlevel "$level"; then
		nok "lboot $name: set level $level on $krel"
		return
	fi
	cons=$dir/$name.console.lboot work=$dir/$name.disk.work
	rm -f "$work"
	truncate -s 4M "$work"
	setgen "$work" boot
	t0=$(date +%s)
	lqemu_start "$cons" "$work"
	ran=no
	lwait "$cons" boot 3 600 && ran=yes
	echo "# linux guest on $krel at $level: init after ${lt_init:-?} s, devices ${lt_dev:-?} s, first tick ${lt_tick:-?} s"
	dev=$(tr -d '\r' < "$cons" | grep -a '^l2 devices' | head -n 1)
	echo "# $dev"
	done_ok=no
	if [ $ran = yes ]; then lsave "$name" "$cons" "$work"; else qemu_stop; fi
	rm -f "$work"
	out=$(cat /tmp/mon.out)
	last=$(cat "$dir/$name.last" 2>/dev/null)
	echo "# saved: $last"
	[ $done_ok = yes ] || ltail "$cons"
	check "lboot $name: a Linux guest (2 vCPUs, virtio-pci disk with its MSIs through the ITS, steal time) boots on $krel at level $level, ticks, and QEMU saves it ($(($(date +%s) - t0)) s, $(wc -c 2>/dev/null < "$dir/$name.state") bytes)" \
		'[ $ran = yes ] && [ $done_ok = yes ] && [ -s "$dir/$name.state" ] && [ -n "$last" ] &&
		 echo "$dev" | grep -q " cpus=0-1 its=3 pvtime=1 " && [ "$(lf blk "$last")" = ok ] &&
		 [ "$(lf q0 "$last")" -gt 0 ] && [ "$(lf q1 "$last")" -gt 0 ] &&
		 [ "$(lf hp "$last")" = 1/ok ] && [ "$(lf warn "$last")" = 0 ] && [ "$(lf taint "$last")" = 0 ]'
}

# lrestore NAME LEVEL EXPECT [CARRY]: restore the Linux guest NAME at
# LEVEL. With EXPECT ok it must go on as if nothing happened: no new boot,
# its counter and clock go on, it reads the new generation from its disk
# (virtio-pci, MSIs through the restored ITS, on both queues), its vCPU 1
# goes offline and online, steal time does not go back, and its kernel
# logs no warning. CARRY: then save it again, as CARRY, for a later move.
lseq=0
lrestore() {
	name=$1 level=$2 expect=$3 carry=${4:-}
	lseq=$((lseq + 1))
	cons=$dir/$name.console.lrestore.$krel.$level work=$dir/$name.disk.r$lseq
	gen=r$lseq-$krel-$level
	echo "# step lrestore $name at level $level, expect $expect${carry:+, then save as $carry}"
	if [ ! -s "$dir/$name.state" ] || [ ! -s "$dir/$name.last" ] || [ ! -s "$dir/$name.disk" ]; then
		nok "lrestore $name on $krel at level $level: no saved state (its save failed)"
		return
	fi
	if ! setlevel "$level"; then
		nok "lrestore $name: set level $level on $krel"
		return
	fi
	cp "$dir/$name.disk" "$work"
	setgen "$work" "$gen"
	t0=$(date +%s)
	lqemu_start "$cons" "$work" -incoming "exec:cat $dir/$name.state"
	incoming_cont
	ran=no
	lwait "$cons" "$gen" 4 300 && ran=yes
	dt=$(($(date +%s) - t0))
	last=$(cat "$dir/$name.last")
	done_ok=no
	if [ $ran = yes ] && [ -n "$carry" ]; then
		lsave "$carry" "$cons" "$work"
	else
		qemu_stop
	fi
	rm -f "$work"
	out=$(cat /tmp/mon.out)
	first=$(lticks "$cons" | head -n 1)
	now=$(lticks "$cons" | tail -n 1)
	if [ -z "$first" ]; then
		result=fail
		ltail "$cons"
	else
		echo "# before: $last"
		echo "# after:  $now"
		bad=
		! grep -aq 'l2 init start' "$cons" || bad="$bad rebooted"
		[ "$(ltickno "$first")" -gt "$(ltickno "$last")" ] || bad="$bad counter"
		awk -v a="$(lf up "$last")" -v b="$(lf up "$first")" 'BEGIN { exit !(b >= a && b < a + 60) }' ||
			bad="$bad clock"
		[ $ran = yes ] || bad="$bad generation"
		! lticks "$cons" | grep -q ' blk=bad ' || bad="$bad disk"
		[ "$(lf q0 "$now")" -gt "$(lf q0 "$last")" ] && [ "$(lf q1 "$now")" -gt "$(lf q1 "$last")" ] ||
			bad="$bad msi"
		h0=$(lf hp "$last") h1=$(lf hp "$now")
		[ "${h1#*/}" = ok ] && [ "${h1%/*}" -gt "${h0%/*}" ] || bad="$bad hotplug"
		# Steal time only grows; a lost or zeroed steal-time structure
		# makes the guest count every tick as stolen (the kernel caps a
		# step at the time elapsed): less than half of it may be.
		awk -v s0="$(lf st0 "$first")" -v s1="$(lf st0 "$now")" -v u0="$(lf up "$first")" \
			-v u1="$(lf up "$now")" 'BEGIN { exit !(s1 - s0 <= 50 * (u1 - u0) + 5) }' || bad="$bad steal"
		[ "$(lf warn "$now")" = "$(lf warn "$last")" ] && [ "$(lf taint "$now")" = "$(lf taint "$last")" ] &&
			! grep -aq '^l2 klog:' "$cons" || bad="$bad warning"
		[ -z "$carry" ] || [ $done_ok = yes ] || bad="$bad carry-save"
		if [ -n "$bad" ]; then
			result=changed
			echo "# not as before:$bad"
			ltail "$cons"
		else
			result=ok
		fi
	fi
	if [ "$expect" = ok ]; then
		check "lrestore $name on $krel at level $level: the Linux guest goes on from tick $(ltickno "$last"): its clock, disk, MSIs on both queues, vCPU hotplug and steal time work, no warning${carry:+, saved again as $carry} (${dt} s)" \
			'[ $result = ok ]'
	else
		check "lrestore $name on $krel at level $level: QEMU refuses the state, as stock kernels do (${dt} s)" \
			'[ $result = fail ]'
	fi
}

steps=$(sed -n 's/.*kas\.qdrill=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
for s in $steps; do
	IFS=: read -r op name level expect carry <<EOS
$s
EOS
	case $op in
	save) save "$name" "$level" ;;
	restore) restore "$name" "$level" "$expect" ;;
	lboot) lboot "$name" "$level" ;;
	lrestore) lrestore "$name" "$level" "$expect" "$carry" ;;
	*) nok "unknown drill step $s" ;;
	esac
done
setlevel none
finish
