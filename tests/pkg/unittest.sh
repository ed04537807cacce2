#!/bin/sh
# kas-unittest: run by systemd (kas-unittest.service) in the package test's
# root filesystem booted with kas.init=systemd (tests/pkg/run.sh). Checks
# the package's kvm-abi-shim.service as a VM host uses it: a VM service
# with Requires=/After= on it (kas-vm.service) starts once the module is
# loaded, with the host's default level (kernel command line here: 5.10);
# the unit cannot be stopped under that service. Then removes the module
# build for this kernel, and in the next boot (phase 2) checks that the
# unit failed and the VM service never started; restores the build.
. /usr/local/lib/kas-rootfs.sh

krel=$(uname -r)
state=/var/lib/kas-test
mkdir -p $state
st() { systemctl show -P "$2" "$1" 2>/dev/null; }

if [ ! -e $state/unit-phase2 ]; then
	echo "# run systemd-unit"
	check "kvm-abi-shim.service is active (ActiveState $(st kvm-abi-shim.service ActiveState))" \
		'systemctl is-active --quiet kvm-abi-shim.service'
	check "the unit loaded the module with the host's default (default_level 5.10)" \
		'[ "$(cat /sys/module/kvm_abi_shim/parameters/default_level 2>/dev/null)" = 5.10 ]'
	out=$(cat /run/kas-vm.out 2>/dev/null)
	check "the VM service (Requires=, After= the unit) ran after the module loaded: its VM is at 5.10" \
		'systemctl is-active --quiet kas-vm.service && [ "${out%% pid*}" = "holding 5.10" ]'
	run systemctl stop kvm-abi-shim.service
	check "systemctl stop kvm-abi-shim.service is refused (it would stop the VM services)" \
		'[ "$rc" != 0 ] && systemctl is-active --quiet kvm-abi-shim.service && systemctl is-active --quiet kas-vm.service'
	check "the module is still loaded" '[ -e /sys/module/kvm_abi_shim ]'
	# For the next boot: no module for this kernel (as when DKMS could
	# not build for a new kernel).
	mkdir -p $state/ko
	mv /lib/modules/"$krel"/updates/dkms/kvm_abi_shim.ko* $state/ko/ && depmod "$krel"
	check "the module build for $krel is set aside for the next boot" \
		'! modinfo -n kvm_abi_shim >/dev/null 2>&1'
	touch $state/unit-phase2
	finish
fi

echo "# run systemd-unit-without-module"
check "with no module for $krel, kvm-abi-shim.service failed (Result $(st kvm-abi-shim.service Result))" \
	'systemctl is-failed --quiet kvm-abi-shim.service && [ ! -e /sys/module/kvm_abi_shim ]'
check "the VM service did not start (ActiveState $(st kas-vm.service ActiveState))" \
	'! systemctl is-active --quiet kas-vm.service && [ ! -e /run/kas-vm.out ]'
run journalctl -b -u kvm-abi-shim.service --no-pager
check "the journal says why (modprobe: module not found)" 'has "kvm_abi_shim"'
echo "$out" | tail -n 5 | sed 's/^/# /'
mv $state/ko/* /lib/modules/"$krel"/updates/dkms/ && depmod "$krel"
rm -rf $state/ko $state/unit-phase2
finish
