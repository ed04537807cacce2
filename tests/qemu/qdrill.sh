#!/bin/sh
# kas-qdrill: PID 1 of the QEMU drill's root filesystem (tests/qemu/run.sh):
# Debian's qemu-system-aarch64 runs the L2 guest under KVM (-cpu host), as a
# fleet VMM would, and saves or restores it. The steps come from the kernel
# command line, kas.qdrill=STEP[,STEP...], run in order:
#   save:NAME:LEVEL            start the guest, let it tick, save it to NAME
#   restore:NAME:LEVEL:EXPECT  restore NAME; EXPECT ok (the guest goes on
#                              from its tick and reads the same registers)
#                              or fail (QEMU refuses the state)
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

qemu_start() { # qemu_start CONSOLE EXTRA-ARGS...
	cons=$1
	shift
	rm -f /tmp/mon.in "$cons"
	: > /tmp/mon.out
	mkfifo /tmp/mon.in
	qemu-system-aarch64 -accel kvm -cpu host -machine virt,gic-version=3 \
		-smp 1 -m 64 -nodefaults -display none -monitor stdio \
		-serial file:"$cons" -kernel /opt/kas/l2guest.elf "$@" \
		< /tmp/mon.in > /tmp/mon.out 2>&1 &
	qpid=$!
	exec 7> /tmp/mon.in
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
	echo stop >&7
	echo "migrate \"exec:cat > $dir/$name.state\"" >&7
	i=0
	while [ $i -lt 300 ] && alive; do
		echo "info migrate" >&7
		sleep 1
		grep -q 'Migration status: \(completed\|failed\)' /tmp/mon.out && break
		i=$((i + 1))
	done
	done_ok=no
	grep -q 'Migration status: completed' /tmp/mon.out && done_ok=yes
	ticks "$dir/$name.console.save" | tail -n 1 > "$dir/$name.last"
	qemu_stop
	sync
	out=$(cat /tmp/mon.out)
	echo "# guest on $krel at $level: $(cat "$dir/$name.last")"
	check "save $name: QEMU saved the running guest on $krel at level $level ($(($(date +%s) - t0)) s, $(wc -c < "$dir/$name.state" 2>/dev/null) bytes)" \
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
	i=0
	while alive && [ $i -lt 300 ]; do
		echo "info status" >&7
		sleep 1
		tr -d '\r' < /tmp/mon.out | grep -a 'VM status: ' | grep -qv inmigrate && break
		i=$((i + 1))
	done
	alive && echo cont >&7
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

steps=$(sed -n 's/.*kas\.qdrill=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
for s in $steps; do
	IFS=: read -r op name level expect <<EOS
$s
EOS
	case $op in
	save) save "$name" "$level" ;;
	restore) restore "$name" "$level" "$expect" ;;
	*) nok "unknown drill step $s" ;;
	esac
done
setlevel none
finish
