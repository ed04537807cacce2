# kvm-abi-shim top-level Makefile.
#
#   make                 build against the running kernel (arm64 host)
#   make KVER=<release>  cross-build for a Debian arm64 kernel, e.g.
#                        KVER=6.1.0-50-arm64 (fetches and caches headers)
#   make check           unit tests, lint, and the QEMU fleet run
#   make demo            boot a 6.12 host and show a VM at native and 5.10
#   make deb             build the Debian packages (prints where)
#   make qemu-drill      Debian's QEMU saves a guest on one kernel, restores
#                        it on another (in the test VM, -accel kvm)
#   make pkg-test [RELEASES="bullseye bookworm"]
#                        install them into Debian arm64 systems and boot them
#   make unit | lint | vm-test [KERNELS="..."] [BOOTS="..."]
#   make fleet-update    refresh apt's metadata and print the exact builds
#                        the fleet (tests/vm/fleet) resolves to today
#   make sweep           build against every arm64 kernel build the archive
#                        carries; one table: built / refused / failed
#
# Kbuild holds the module build itself (that is all DKMS needs).

KAS_CACHE ?= /var/cache/kvm-abi-shim
export KAS_CACHE

ifeq ($(KVER),)
KDIR ?= /lib/modules/$(shell uname -r)/build
modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tests/unit clean-out
else
modules:
	KAS_TEST= tests/vm/build-module.sh $(KVER)
clean:
	rm -rf $(KAS_CACHE)/build/*/$(KVER)
endif

unit:
	$(MAKE) -s -C tests/unit run

lint:
	tests/lint.sh

vm-test:
	tests/vm/run.sh $(foreach k,$(KERNELS),-k $(k)) $(foreach b,$(BOOTS),-b $(b))

check:
	tests/check.sh

demo:
	tests/vm/demo.sh

bench:
	tests/bench/run.sh $(KERNELS)

deb:
	tools/mkdeb.sh

pkg-test:
	tests/pkg/run.sh $(RELEASES)

qemu-drill:
	tests/qemu/run.sh

fleet-update:
	tests/vm/fleet-update.sh --force

sweep:
	tests/vm/sweep.sh

.PHONY: modules clean unit lint vm-test check demo bench deb pkg-test qemu-drill fleet-update sweep
