#!/usr/bin/env bash
# debug-kernel.sh [config|build]: the debug kernel of the robustness rig.
# Debian's 7.3 fleet kernel (the fleet reference's package version) built
# from Debian's own linux-source-7.3 with Debian's config of that build
# (the headers package's .config), every =m turned off, then trimmed (the
# kernel's arch/arm64/configs/virt.config and ours) and given KASAN,
# lockdep, kmemleak, debug objects and fault injection by
# tests/vm/debug-kernel.config. uname -r: Debian's with the flavour
# "kasdebug" (7.3.4+deb13-kasdebug). Cross-built with the compiler Debian
# built the kernel with (its CONFIG_GCC_VERSION: gcc-14, in the trixie
# build root of buildroot.sh), so that the module built
# against it uses that compiler too.
#
#   config  stop after make olddefconfig and the option checks
#   build   (default) also Image, modules_prepare and modules (Module.symvers)
#
# Idempotent. Cached in $KAS_CACHE/debug-kernel/VERSION-HASH (HASH: the
# base config, the fragments, the release and the trim below); prints that
# directory: out/ is the kernel tree (make -C out M=...; out/.kas-buildroot
# names the build root that built it), out/arch/arm64/boot/Image the
# kernel, root/ the same laid out as fetch-kernel.sh lays out Debian's,
# kernelrelease its uname -r, check.txt the option check, build.log and
# build-seconds the build. The source is unpacked once per version
# (debug-kernel/src/).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

what=${1:-build}
case $what in config | build) ;; *) kas_die "usage: debug-kernel.sh [config|build]" ;; esac
series=7.3
frag=$KAS_TOP/tests/vm/debug-kernel.config
# The trim applied before the fragments (trim_config below); a change
# here is a new cache key.
trim="v3 =m, SoC platforms, crypto algorithms off; merge; olddefconfig"

krel=$(kas_series_ref "$series")
[ -n "$krel" ] || kas_die "no reference kernel of series $series in the fleet"
ver=$(kas_fleet_field "$krel" version)
top=$KAS_CACHE/debug-kernel
mkdir -p "$top"
exec {lk}> "$top/.lock"
flock "$lk"

# Debian's config of the build: the one its headers package ships (the
# image's own /usr/lib/modules/KREL/config lacks the signing lines).
# The whole build (not headers only): a fleet run fetches the image anyway,
# and a headers-only tree is replaced when someone fetches the whole.
hdr=$(bash "$KAS_TOP/tests/vm/fetch-kernel.sh" "$krel" | tail -n1)
base=$hdr/.config
[ -r "$base" ] || kas_die "no .config in $hdr"

# The source, as Debian ships it for this version.
src=$top/src/$(echo "$ver" | tr ':~' '__')
if [ ! -e "$src/.done" ]; then
	rm -rf "$src"
	kas_unpack_linux_source "$series" "$ver" "$src" || { rm -rf "$src"; exit 1; }
	# Complete: the version and the last files of the tarball are there.
	kv=$(make -s -C "$src" kernelversion)
	if [ "$kv" != "${ver%%-*}" ] || [ ! -e "$src/virt/kvm/kvm_main.c" ] ||
		[ ! -e "$src/scripts/kconfig/merge_config.sh" ]; then
		kas_die "linux-source-$series=$ver unpacked incompletely in $src (version '$kv')"
	fi
	touch "$src/.done"
fi

# The compiler Debian used; a cross gcc bookworm lacks runs in a build root.
gccmaj=$(sed -n 's/^CONFIG_GCC_VERSION=\([0-9]*\)[0-9]\{4\}$/\1/p' "$base")
[ -n "$gccmaj" ] || kas_die "cannot read the compiler version of $krel from $base"
cc=aarch64-linux-gnu-gcc-$gccmaj
run=()
# need_compiler: the build root (minutes on an empty cache) only when
# something is left to configure or build.
need_compiler() {
	[ ${#run[@]} -eq 0 ] && ! command -v "$cc" >/dev/null || return 0
	broot=$(bash "$KAS_TOP/tests/vm/buildroot.sh" "$gccmaj" | tail -n1)
	run=(bash "$KAS_TOP/tests/vm/buildroot.sh" --run "$broot")
	mk=("${run[@]}" "${mk[@]}")
}

# The kernel's own fragment for a virtual machine: no SoC platforms.
virt=$src/arch/arm64/configs/virt.config
# The release: Debian's, flavour "kasdebug" (7.3.4+deb13-arm64 ->
# 7.3.4+deb13-kasdebug), as Debian sets it: local version and build salt.
rel=${krel%-arm64}-kasdebug
[ "$rel" != "$krel-kasdebug" ] || kas_die "$krel is not an arm64 flavour build"
relcfg=$(printf 'CONFIG_LOCALVERSION="%s"\nCONFIG_BUILD_SALT="%s"\n' "${rel#"${ver%%-*}"}" "$rel")
hash=$({ cat "$base" "$virt" "$frag"; echo "$relcfg"; echo "$trim"; } | md5sum | cut -c1-10)
dir=$top/$(echo "$ver" | tr ':~' '__')-$hash
out=$dir/out
# LOCALVERSION= (set, empty): no "+" for a tree outside git; the release
# is VERSION + CONFIG_LOCALVERSION.
mk=("${run[@]}" make -C "$src" O="$out" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
    CC="$cc" LOCALVERSION=)

# check: every line of the fragment is in effect, the preemption model is
# Debian's, nothing is left as a module. One line per option.
check() {
	local c=$out/.config bad=0 line sym want got
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) sym=${line%%=*} want=${line#*=} ;;
		"# CONFIG_"*" is not set") sym=${line#\# } sym=${sym%% *} want=n ;;
		*) continue ;;
		esac
		got=$(sed -n "s/^$sym=//p" "$c")
		if [ "$want" = n ]; then
			[ -z "$got" ] && { echo "ok   $sym off"; continue; }
		elif [ "$got" = "$want" ]; then
			echo "ok   $sym=$want"; continue
		fi
		echo "FAIL $sym: want ${want}, got ${got:-n}"
		bad=$((bad + 1))
	done < <(cat "$frag" "$dir/release.config")
	for sym in PREEMPT_NONE PREEMPT_VOLUNTARY PREEMPT PREEMPT_LAZY PREEMPT_RT \
		PREEMPT_DYNAMIC PREEMPT_BUILD PREEMPTION PREEMPT_COUNT; do
		want=$(sed -n "s/^CONFIG_$sym=//p" "$base") got=$(sed -n "s/^CONFIG_$sym=//p" "$c")
		if [ "$want" = "$got" ]; then echo "ok   CONFIG_$sym=${got:-n} as Debian's"
		else echo "FAIL CONFIG_$sym: Debian ${want:-n}, here ${got:-n}"; bad=$((bad + 1)); fi
	done
	if grep -q '=m$' "$c"; then
		echo "FAIL modules left: $(grep '=m$' "$c" | tr '\n' ' ')"
		bad=$((bad + 1))
	else
		echo "ok   no =m left"
	fi
	echo "# =y: Debian $(grep -c '=y$' "$base") (and $(grep -c '=m$' "$base") =m), here $(grep -c '=y$' "$c")"
	return "$bad"
}

# trim_config CONFIG: Debian's config with every module off (the fragment
# turns the few the boots need back on, built in), every SoC platform off
# (virt.config misses the newest) and every crypto algorithm and crypto
# option off: what needs one selects it again.
trim_config() {
	local plat
	plat=$(sed -n 's/^config \(ARCH_[A-Z0-9_]*\)$/\1/p' "$src/arch/arm64/Kconfig.platforms" |
		paste -sd'|')
	[ -n "$plat" ] || kas_die "no SoC platforms in $src/arch/arm64/Kconfig.platforms"
	sed -E -e 's/^(CONFIG_[A-Za-z0-9_]+)=m$/# \1 is not set/' \
		-e "s/^CONFIG_($plat|CRYPTO_[A-Z0-9_]+)=y$/# CONFIG_\1 is not set/" "$1"
}

if [ ! -e "$dir/.configured" ]; then
	need_compiler
	rm -rf "$dir"
	mkdir -p "$out"
	trim_config "$base" > "$out/.config"
	echo "$relcfg" > "$dir/release.config"
	{
		# On the host: the build root sees the cache, not this checkout.
		(cd "$out" && bash "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
			"$out/.config" "$virt" "$frag" "$dir/release.config")
		"${mk[@]}" -s olddefconfig
		# Options the fragment enabled may offer new ones as modules.
		for _ in 1 2 3; do
			grep -q '=m$' "$out/.config" || break
			sed -i -E 's/^(CONFIG_[A-Za-z0-9_]+)=m$/# \1 is not set/' "$out/.config"
			"${mk[@]}" -s olddefconfig
		done
	} > "$dir/config.log" 2>&1 || {
		tail -n 20 "$dir/config.log" >&2
		kas_die "configuring the debug kernel failed (log: $dir/config.log)"
	}
	cp "$base" "$dir/debian.config"
	if ! check > "$dir/check.txt"; then
		grep FAIL "$dir/check.txt" >&2
		kas_die "the debug kernel's config is not as required (list: $dir/check.txt)"
	fi
	# include/config/auto.conf, which the release is read from.
	"${mk[@]}" -s syncconfig >> "$dir/config.log" 2>&1
	"${mk[@]}" -s kernelrelease > "$dir/kernelrelease"
	[ "$(cat "$dir/kernelrelease")" = "$rel" ] ||
		kas_die "the debug kernel's release is $(cat "$dir/kernelrelease"), not $rel"
	cat "$dir/check.txt" >&2
	echo "# uname -r: $(cat "$dir/kernelrelease")" >&2
	touch "$dir/.configured"
fi
# The layout of an unpacked Debian 7.x kernel (fetch-kernel.sh), so that
# kas_vmlinuz, mkinitrd.sh and build-module.sh find the image, the config
# and the headers tree: root/usr/lib/modules/REL/{vmlinuz,config,
# System.map} and root/usr/src/linux-headers-REL (the build tree).
mkdir -p "$dir/root/usr/lib/modules/$rel" "$dir/root/usr/src"
ln -sfn ../../../../../out/arch/arm64/boot/Image "$dir/root/usr/lib/modules/$rel/vmlinuz"
ln -sfn ../../../../../out/.config "$dir/root/usr/lib/modules/$rel/config"
ln -sfn ../../../../../out/System.map "$dir/root/usr/lib/modules/$rel/System.map"
ln -sfn ../../../out "$dir/root/usr/src/linux-headers-$rel"

if [ "$what" = build ] && [ ! -e "$dir/.done" ]; then
	need_compiler
	t0=$(date +%s)
	# modules: none of its own, but it writes Module.symvers, which
	# modpost reads for an out-of-tree module (make M=).
	if ! "${mk[@]}" -j"$(nproc)" Image modules_prepare modules > "$dir/build.log" 2>&1; then
		tail -n 30 "$dir/build.log" >&2
		kas_die "building the debug kernel failed (log: $dir/build.log)"
	fi
	echo "$(($(date +%s) - t0))" > "$dir/build-seconds"
	echo "# built in $(cat "$dir/build-seconds") s with $(nproc) jobs ($cc)" | tee -a "$dir/build.log" >&2
	# The build root, for a module build with this very compiler.
	[ ${#run[@]} -eq 0 ] || echo "$broot" > "$out/.kas-buildroot"
	touch "$dir/.done"
	# Older keys of the same version are stale.
	find "$top" -maxdepth 1 -type d -name "$(echo "$ver" | tr ':~' '__')-??????????" \
		! -name "${dir##*/}" -exec rm -rf {} +
fi
exec {lk}>&-
echo "$dir"
