#!/bin/sh
# kas-pkgtest: runs as PID 1 of a Debian arm64 root filesystem where the
# kvm-abi-shim packages were installed (tests/pkg/run.sh). Checks what an
# operator would: the DKMS-built module loads, the control plane answers,
# the CLI works; with kas.upgrade, that installing version N+1 under a
# pinned VM leaves version N running, and that N+1 loads afterwards.
# TAP goes to the kas.results virtio port.
DEBIAN_FRONTEND=noninteractive
export DEBIAN_FRONTEND
. /usr/local/lib/kas-rootfs.sh

krel=$(uname -r)
ver=$(cat /etc/kas-test/version)
next=$(cat /etc/kas-test/next-version)
echo "# run pkg"
echo "# kernel $krel, package $(dpkg-query -W -f '${Version}' kvm-abi-shim-dkms)"
run modprobe kvm_abi_shim
check "modprobe kvm_abi_shim on $krel" '[ "$rc" = 0 ]'
check "the loaded module is the DKMS build of $ver" \
	'[ "$(cat /sys/module/kvm_abi_shim/version 2>/dev/null)" = "$ver" ] &&
	 modinfo -n kvm_abi_shim | grep -qx "\(/usr\)\?/lib/modules/$krel/updates/dkms/kvm_abi_shim.ko\(.xz\)\?"'
check "the packaged module has no fault-injection parameter (fail_hook, fail_alloc: test builds only)" \
	'[ -e /sys/module/kvm_abi_shim/parameters/default_level ] && ! ls /sys/module/kvm_abi_shim/parameters | grep -q "^fail_" &&
	 ! modinfo -p kvm_abi_shim | grep -q "^fail_"'
echo "# dmesg: $(dmesg | grep -m1 'kvm_abi_shim: version')"
run kvm-abi-shim status
check "kvm-abi-shim status answers (version $ver, kernel $krel)" \
	'[ "$rc" = 0 ] && has "kvm_abi_shim $ver" && has "host kernel:      $krel"'
echo "$out" | sed 's/^/# /'
run kvm-abi-shim status --json
js=$(printf '%s' "$out" | jq -e --arg v "$ver" --arg k "$krel" --arg l "$(cat /sys/module/kvm_abi_shim/parameters/supported_levels)" \
	--arg d "$(cat /sys/module/kvm_abi_shim/parameters/default_level)" \
	'.schema == 1 and .module.loaded and .module.version == $v and .host_kernel == $k and
	 (.supported_levels | join(" ")) == $l and .defaults.running.level == $d and
	 (.defaults.differ | not) and .vm_count == 0' 2>&1)
check "kvm-abi-shim status --json parses (jq) and says version $ver, kernel $krel, the supported levels, the running default, no VM" \
	'[ "$rc" = 0 ] && [ "$js" = true ]'
# Before rebooting into any installed kernel: what preflight says of each
# (the unsupported ones are tested where DKMS declines them, run.sh).
for d in /lib/modules/*; do
	k=${d##*/}
	run kvm-abi-shim preflight "$k"
	s=$(echo "$k" | sed 's/^\([0-9]*\.[0-9]*\).*/\1/') lv=native
	for l in 5.10 6.1 6.12 7.3; do
		[ "$(printf '%s\n' "$l" "$s" | sort -V | tail -n 1)" = "$s" ] && lv="$lv $l"
	done
	check "preflight $k: ready, version $ver, levels $lv" \
		'[ "$rc" = 0 ] && has "version $ver" && has "levels:           $lv " && has "ready:            yes"'
	if [ "$k" = "$krel" ]; then
		check "... the levels preflight announced for $k are the loaded module's supported_levels" \
			'[ "$lv" = "$(cat /sys/module/kvm_abi_shim/parameters/supported_levels)" ]'
	fi
	echo "$out" | sed 's/^/# /'
done
run kvm-abi-shim preflight 6.12.999+deb13-arm64
check "preflight of a kernel that is not installed: exit 1" '[ "$rc" = 1 ] && has "is not installed"'
# vmm-level: the -dev package's example, built on the host against the
# header as the package installs it (tests/pkg/run.sh).
run vmm-level 5.10
check "the control plane answers: a VM pinned to 5.10" '[ "$rc" = 0 ] && [ "$out" = "VM pinned to level 5.10" ]'

# A kernel upgrade (old kernel, then the new one on the same disk): the
# operator pins new VMs to the old kernel's level before the first new
# host, and the new kernel starts with that default.
pin=$(sed -n 's/.*kas\.pin=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ -n "$pin" ]; then
	echo "# run pin"
	param=/sys/module/kvm_abi_shim/parameters
	if grep -qw kas.upgrade /proc/cmdline; then
		check "after the kernel upgrade, $krel loads the module with the default persisted on the old kernel ($pin)" \
			'[ "$(cat $param/default_level)" = "$pin" ]'
	else
		run kvm-abi-shim set-default "$pin" --persist
		check "on $krel, kvm-abi-shim set-default $pin --persist" '[ "$rc" = 0 ] && [ "$(cat $param/default_level)" = "$pin" ]'
	fi
	run holdvm default < /dev/null
	check "on $krel, a VM of a VMM that knows nothing of the module is at level $pin" \
		'[ "$rc" = 0 ] && [ "${out%% pid*}" = "holding $pin" ]'
fi

if ! grep -qw kas.upgrade /proc/cmdline; then
	finish
fi

echo "# run upgrade"
mkfifo /tmp/hold
holdvm 5.10 < /tmp/hold > /tmp/hold.out 2>&1 &
hold=$!
exec 7> /tmp/hold
i=0
while ! grep -q holding /tmp/hold.out && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "a VM pinned to 5.10 runs under version $ver" 'grep -q "holding 5.10" /tmp/hold.out'
t0=$(date +%s)
run dpkg -i /var/tmp/kas-next/kvm-abi-shim-dkms_*.deb /var/tmp/kas-next/kvm-abi-shim_*.deb /var/tmp/kas-next/kvm-abi-shim-dev_*.deb
echo "# dpkg -i of $next took $(($(date +%s) - t0)) s"
check "installing $next with a pinned VM succeeds" '[ "$rc" = 0 ]'
check "the package says $ver stays loaded and how $next will load" \
	'has "version $ver stays loaded" && has "version $next loads once they have ended"'
printf '%s\n' "$out" | grep kvm-abi-shim: | sed 's/^/# /'
check "version $ver is still the loaded module" '[ "$(cat /sys/module/kvm_abi_shim/version)" = "$ver" ]'
run kvm-abi-shim preflight "$krel"
check "preflight $krel after the upgrade: ready with version $next (on disk; $ver stays loaded)" \
	'[ "$rc" = 0 ] && has "version $next" && has "ready:            yes"'
run kvm-abi-shim can-rollback 5.10
check "can-rollback 5.10 with the pinned 5.10 VM: yes" '[ "$rc" = 0 ]'
run dkms status -m kvm-abi-shim -v "$next" -k "$krel"
check "DKMS built and installed $next for $krel" 'has "installed"'
# Compressed as the kernel's own modules are (xz from 6.12 on): DKMS follows
# the modules it finds, of which the test's image keeps only a few.
kz=$(find "/lib/modules/$krel/kernel" -name '*.ko.*' | head -n 1)
kz=${kz##*.ko} ko=$(modinfo -n kvm_abi_shim 2>/dev/null || true)
check "DKMS compressed $next as $krel's own modules are (${kz:-uncompressed}): ${ko##*/}" \
	'[ -n "$ko" ] && [ "${ko##*.ko}" = "$kz" ]'
# The signer the test's root filesystem expects: an operator's key
# configured for DKMS, DKMS's own MOK key (3.x) or none (2.8 without one).
want=$(cat /etc/kas-test/signer)
signer=$(modinfo -F signer kvm_abi_shim 2>/dev/null || true)
case $want in
"(unsigned)") check "DKMS left $next unsigned (no sign_tool)" '[ -z "$signer" ]' ;;
"(DKMS MOK)") check "DKMS signed $next with its MOK key (signer: ${signer:-none})" \
	'[ -n "$signer" ] && [ -s /var/lib/dkms/mok.pub ]' ;;
*) check "DKMS signed $next with the operator's key (signer: ${signer:-none})" '[ "$signer" = "$want" ]' ;;
esac
run rmmod kvm_abi_shim
check "rmmod is refused while the pinned VM lives" '[ "$rc" != 0 ] && [ -e /sys/module/kvm_abi_shim ]'
exec 7>&-
wait $hold
run modprobe -r kvm_abi_shim
check "the VM ended: the module unloads" '[ "$rc" = 0 ] && [ ! -e /sys/module/kvm_abi_shim ]'
run modprobe kvm_abi_shim
check "modprobe loads $next" '[ "$rc" = 0 ] && [ "$(cat /sys/module/kvm_abi_shim/version)" = "$next" ]'
run vmm-level 5.10
check "the control plane of $next answers" '[ "$out" = "VM pinned to level 5.10" ]'

# With no VM depending on it, a package change reloads the module at once,
# keeping the running defaults.
if grep -qw kas.reload /proc/cmdline; then
	echo "# run reload"
	echo 5.10 > /sys/module/kvm_abi_shim/parameters/default_level
	run dpkg -i /var/tmp/kas/kvm-abi-shim-dkms_*.deb
	check "installing $ver again with no pinned VM succeeds" '[ "$rc" = 0 ]'
	check "the package reloaded the module: $ver runs" \
		'has "reloaded, version $next replaced by $ver" && [ "$(cat /sys/module/kvm_abi_shim/version)" = "$ver" ]'
	check "the running default_level (5.10) survived the reload" \
		'[ "$(cat /sys/module/kvm_abi_shim/parameters/default_level)" = 5.10 ]'
fi
finish
