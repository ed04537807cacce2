#!/bin/busybox sh
# shellcheck shell=dash
# l2init: PID 1 of the Linux guest of the QEMU drill (tests/qemu/qdrill.sh),
# a Debian kernel's own Image with this script and BusyBox as its initramfs.
# It keeps a counter and uses what a fleet VM uses: two vCPUs, a virtio-pci
# disk whose MSI-X vectors go through the GICv3 ITS (one queue per vCPU),
# steal time, PSCI, the timer. Each tick writes a block from one vCPU and
# reads it back, and prints one line the drill judges:
#   l2 tick N up=S st0=N st1=N q0=N q1=N cfg=N blk=ok|bad hp=N/ok|fail
#      gen=TEXT taint=N warn=N end
# (one line; stN: vCPU N's steal time, qN: the MSIs of request queue N
# taken on vCPU N, cfg: the config vector's on vCPU 0). Block 0 of the disk is the drill's command block: the host
# writes a new generation there before it restores the guest; the guest
# notices it on its next tick and then takes vCPU 1 offline and online
# again (PSCI CPU_OFF/CPU_ON, the ID registers and SMCCC workarounds read
# again, the redistributor and the LPIs set up again, the PMU reset, the
# steal-time hypercall) and moves its config interrupt between vCPUs (ITS
# MOVI), on the host it now runs on.
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs run /run
exec > /dev/console 2>&1 < /dev/null
echo "l2 init start $(uname -r)"
while read -r m; do insmod "/modules/$m"; done < /modules/order
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done

# What the kernel logs when something is wrong, whatever the console level.
bad='WARNING:|BUG:|Oops|Call trace:|detected stall|soft lockup|hung_task|SANITY CHECK|will not boot|not detected at boot|ITS queue timeout|Internal error|Kernel panic'
warns() { dmesg | grep -cE "$bad"; }

# irqs NAME CPU: the interrupts of the ITS-MSI line named NAME that vCPU
# CPU took (-1: no such line). A request queue's vector is bound to its
# vCPU, so its count there shows the ITS delivers it where it should.
irqs() {
	awk -v n="$1" -v c="CPU$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) col = i + 1 }
		/ITS-MSI/ && $NF == n && col { print $col; f = 1 }
		END { if (!f) print -1 }' /proc/interrupts
}
steal() { awk -v c="cpu$1" '$1 == c { print $9; f = 1 } END { if (!f) print -1 }' /proc/stat; }
cfgirq=$(awk '/ITS-MSI/ && $NF == "virtio0-config" { sub(":", "", $1); print $1 }' /proc/interrupts)

its=$(grep -c 'ITS-MSI.*virtio0-' /proc/interrupts)
pvtime=0 dlpi=0 ptp=0 trng=0
dmesg | grep -q 'using stolen time PV' && pvtime=1
dmesg | grep -q 'GICv3 features:.*DirectLPI' && dlpi=1
psci=$(dmesg | sed -n 's/.*psci: PSCIv\([0-9.]*\) detected.*/\1/p' | head -n 1)
[ -e /sys/class/ptp/ptp0 ] && ptp=1
grep -qsv '^none$' /sys/class/misc/hw_random/rng_current && trng=1
echo "l2 devices cpus=$(cat /sys/devices/system/cpu/online) its=$its pvtime=$pvtime dlpi=$dlpi psci=$psci ptp=$ptp trng=$trng"

# The actions after a move (and once at boot): hp counts them, and says
# fail from the first one that did not complete.
hpn=0 hpr=ok
moved() {
	hpn=$((hpn + 1))
	echo 0 > /sys/devices/system/cpu/cpu1/online &&
		echo 1 > /sys/devices/system/cpu/cpu1/online &&
		[ "$(cat /sys/devices/system/cpu/online)" = 0-1 ] || hpr=fail
	if [ -n "$cfgirq" ]; then
		echo 2 > "/proc/irq/$cfgirq/smp_affinity" &&
			echo 1 > "/proc/irq/$cfgirq/smp_affinity" || hpr=fail
	fi
	if [ $trng = 1 ]; then
		[ "$(dd if=/dev/hwrng bs=16 count=1 2>/dev/null | wc -c)" = 16 ] || hpr=fail
	fi
}

n=0 gen= w0=0
while :; do
	c=$((n % 2)) b=$((16 + n % 64))
	t=$(printf 'tick %08d' $n)
	blk=bad
	printf %s "$t" | taskset -c $c dd of=/dev/vda bs=4096 seek=$b count=1 \
		conv=sync,notrunc oflag=direct 2>/dev/null &&
		[ "$(taskset -c $c dd if=/dev/vda bs=4096 skip=$b count=1 iflag=direct 2>/dev/null |
			head -c 13)" = "$t" ] && blk=ok
	g=$(dd if=/dev/vda bs=4096 count=1 iflag=direct 2>/dev/null | tr -d '\000' | head -n 1 | tr ' ' _)
	if [ "$g" != "$gen" ]; then
		echo "l2 gen $g"
		gen=$g
		moved
	fi
	w=$(warns)
	if [ "$w" != "$w0" ]; then
		dmesg | grep -E "$bad" | tail -n 5 | sed 's/^/l2 klog: /'
		w0=$w
	fi
	echo "l2 tick $n up=$(cut -d' ' -f1 /proc/uptime) st0=$(steal 0) st1=$(steal 1)" \
		"q0=$(irqs virtio0-req.0 0) q1=$(irqs virtio0-req.1 1) cfg=$(irqs virtio0-config 0)" \
		"blk=$blk hp=$hpn/$hpr gen=$gen taint=$(cat /proc/sys/kernel/tainted) warn=$w end"
	n=$((n + 1))
	sleep 0.5
done
