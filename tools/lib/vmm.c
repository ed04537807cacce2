// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "vmm.h"

/* Turn an ioctl-style result into 0 / -errno, evaluating it once. */
static int ERR(int ret)
{
	return ret < 0 ? -errno : ret;
}

/* A stuck guest must not hang the test: KVM_RUN returns -EINTR instead. */
static void vmm_alarm(int sig)
{
	(void)sig;
}

int vmm_vm_create(struct vmm_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->gic_fd = -1;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return -errno;
	vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		int e = -errno;

		close(vm->kvm_fd);
		return e;
	}
	return 0;
}

void vmm_vm_destroy(struct vmm_vm *vm)
{
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		munmap(vm->vcpu[i].run, vm->vcpu[i].run_size);
		close(vm->vcpu[i].fd);
	}
	if (vm->gic_fd >= 0)
		close(vm->gic_fd);
	if (vm->mem)
		munmap(vm->mem, VMM_MEM_SIZE);
	close(vm->fd);
	close(vm->kvm_fd);
	vm->nr_vcpus = 0;
	vm->fd = -1;
}

int vmm_add_memory(struct vmm_vm *vm)
{
	struct kvm_userspace_memory_region r = {
		.slot = 0, .guest_phys_addr = VMM_MEM_GPA,
		.memory_size = VMM_MEM_SIZE,
	};

	vm->mem = mmap(NULL, VMM_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return -errno;
	}
	r.userspace_addr = (uintptr_t)vm->mem;
	return ERR(ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &r));
}

int vmm_attr_flags(int fd, unsigned long req, uint32_t group, uint64_t attr,
		   uint64_t addr, uint32_t flags)
{
	struct kvm_device_attr a = {
		.flags = flags, .group = group, .attr = attr, .addr = addr,
	};

	return ERR(ioctl(fd, req, &a));
}

int vmm_attr(int fd, unsigned long req, uint32_t group, uint64_t attr, void *addr)
{
	return vmm_attr_flags(fd, req, group, attr, (uintptr_t)addr, 0);
}

int vmm_gic_create(struct vmm_vm *vm, int version)
{
	struct kvm_create_device cd = {
		.type = version == 2 ? KVM_DEV_TYPE_ARM_VGIC_V2 : KVM_DEV_TYPE_ARM_VGIC_V3,
	};
	uint64_t dist = VMM_GICD_GPA, other;
	int ret;

	if (ioctl(vm->fd, KVM_CREATE_DEVICE, &cd) < 0)
		return -errno;
	vm->gic_fd = cd.fd;
	vm->gic_version = version;
	if (version == 2) {
		other = VMM_GICC_GPA;
		ret = vmm_attr(vm->gic_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR,
			       KVM_VGIC_V2_ADDR_TYPE_DIST, &dist);
		if (!ret)
			ret = vmm_attr(vm->gic_fd, KVM_SET_DEVICE_ATTR,
				       KVM_DEV_ARM_VGIC_GRP_ADDR,
				       KVM_VGIC_V2_ADDR_TYPE_CPU, &other);
	} else {
		other = VMM_GICR_GPA;
		ret = vmm_attr(vm->gic_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_ADDR,
			       KVM_VGIC_V3_ADDR_TYPE_DIST, &dist);
		if (!ret)
			ret = vmm_attr(vm->gic_fd, KVM_SET_DEVICE_ATTR,
				       KVM_DEV_ARM_VGIC_GRP_ADDR,
				       KVM_VGIC_V3_ADDR_TYPE_REDIST, &other);
	}
	return ret;
}

int vmm_gic_init(struct vmm_vm *vm)
{
	return vmm_attr(vm->gic_fd, KVM_SET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_CTRL,
			KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
}

int vmm_pmu_init(int vcpu_fd, int irq)
{
	return vmm_attr(vcpu_fd, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_CTRL,
			KVM_ARM_VCPU_PMU_V3_IRQ, &irq) ?:
	       vmm_attr(vcpu_fd, KVM_SET_DEVICE_ATTR, KVM_ARM_VCPU_PMU_V3_CTRL,
			KVM_ARM_VCPU_PMU_V3_INIT, NULL);
}

/* The vGIC model the host can emulate: 3, else 2 (GICv2 hosts), else 0. */
int vmm_host_gic_version(void)
{
	static const int order[] = { 3, 2 };
	struct vmm_vm vm;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct kvm_create_device cd = {
			.type = order[i] == 2 ? KVM_DEV_TYPE_ARM_VGIC_V2 :
						KVM_DEV_TYPE_ARM_VGIC_V3,
			.flags = KVM_CREATE_DEVICE_TEST,
		};
		int ok;

		if (vmm_vm_create(&vm))
			return 0;
		ok = ioctl(vm.fd, KVM_CREATE_DEVICE, &cd) == 0;
		vmm_vm_destroy(&vm);
		if (ok)
			return order[i];
	}
	return 0;
}

int vmm_vcpu_init(struct vmm_vm *vm, int vcpu_fd, uint32_t features)
{
	struct kvm_vcpu_init init;

	if (ioctl(vm->fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return -errno;
	init.features[0] = features;
	return ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0 ? -errno : 0;
}

int vmm_vcpu_create(struct vmm_vm *vm)
{
	struct vmm_vcpu *c;
	int mmap_size, e;

	if (vm->nr_vcpus == VMM_MAX_VCPUS)
		return -ENOSPC;
	c = &vm->vcpu[vm->nr_vcpus];
	c->fd = ioctl(vm->fd, KVM_CREATE_VCPU, vm->nr_vcpus);
	if (c->fd < 0)
		return -errno;
	mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < 0)
		goto err;
	c->run_size = mmap_size;
	c->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
	if (c->run == MAP_FAILED)
		goto err;
	vm->nr_vcpus++;
	return 0;
err:
	e = -errno;
	close(c->fd);
	return e;
}

int vmm_vcpu_add(struct vmm_vm *vm, uint32_t features)
{
	struct vmm_vcpu *c = &vm->vcpu[vm->nr_vcpus];
	int ret = vmm_vcpu_create(vm);

	if (ret)
		return ret;
	ret = vmm_vcpu_init(vm, c->fd, features);
	if (ret) {
		munmap(c->run, c->run_size);
		close(c->fd);
		vm->nr_vcpus--;
	}
	return ret;
}

int vmm_load_code(struct vmm_vm *vm, uint64_t off, const uint32_t *insn, size_t n)
{
	if (!vm->mem || off + n * 4 > VMM_MEM_SIZE)
		return -EINVAL;
	memcpy((char *)vm->mem + off, insn, n * 4);
	return 0;
}

int vmm_set_reg(struct vmm_vcpu *c, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&val };

	return ERR(ioctl(c->fd, KVM_SET_ONE_REG, &r));
}

int vmm_get_reg(struct vmm_vcpu *c, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };

	return ERR(ioctl(c->fd, KVM_GET_ONE_REG, &r));
}

#define CORE_REG(x) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
		     KVM_REG_ARM_CORE_REG(x))

int vmm_set_xreg(struct vmm_vcpu *c, int n, uint64_t val)
{
	return vmm_set_reg(c, CORE_REG(regs.regs[n]), val);
}

int vmm_set_pc(struct vmm_vcpu *c, uint64_t pc)
{
	return vmm_set_reg(c, CORE_REG(regs.pc), pc);
}

int vmm_run(struct vmm_vcpu *c)
{
	struct sigaction sa = { .sa_handler = vmm_alarm };
	int ret;

	sigaction(SIGALRM, &sa, NULL);
	alarm(20);
	ret = ERR(ioctl(c->fd, KVM_RUN, 0));
	alarm(0);
	return ret;
}

/*
 * Run vCPU @idx until the guest stores to unbacked memory; report the
 * address and value. Other exits are errors (-EIO).
 */
int vmm_run_to_mmio(struct vmm_vm *vm, int idx, uint64_t *addr, uint64_t *data)
{
	struct vmm_vcpu *c = &vm->vcpu[idx];
	int ret = vmm_run(c);

	if (ret)
		return ret;
	if (c->run->exit_reason != KVM_EXIT_MMIO || !c->run->mmio.is_write)
		return -EIO;
	*addr = c->run->mmio.phys_addr;
	*data = 0;
	memcpy(data, c->run->mmio.data, c->run->mmio.len);
	/*
	 * KVM completes an MMIO access (and steps the PC past the instruction)
	 * on the next KVM_RUN. Do that now without entering the guest, so that
	 * the caller may set a new PC.
	 */
	c->run->immediate_exit = 1;
	ret = vmm_run(c);
	c->run->immediate_exit = 0;
	return ret == -EINTR ? 0 : ret ? ret : -EIO;
}

int vmm_shim_get(struct vmm_vm *vm, uint64_t attr, uint64_t *val)
{
	return vmm_attr(vm->fd, KVM_GET_DEVICE_ATTR, KVM_ABI_SHIM_GRP, attr, val);
}

int vmm_shim_set(struct vmm_vm *vm, uint64_t attr, uint64_t val)
{
	return vmm_attr(vm->fd, KVM_SET_DEVICE_ATTR, KVM_ABI_SHIM_GRP, attr, &val);
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

int vmm_param_write(const char *param, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/kvm_abi_shim/parameters/%s", param);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

int vmm_param_read(const char *param, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/kvm_abi_shim/parameters/%s", param);
	return read_file(path, buf, len);
}

int vmm_debugfs_read(const char *file, char *buf, size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm_abi_shim/%s", file);
	return read_file(path, buf, len);
}

bool vmm_module_loaded(void)
{
	return access("/sys/module/kvm_abi_shim", F_OK) == 0;
}

/* The level of the running kernel, from uname (independent of the module). */
int vmm_host_level(uint64_t *level)
{
	struct utsname u;
	unsigned int maj, min;

	if (uname(&u) || sscanf(u.release, "%u.%u", &maj, &min) != 2)
		return -EINVAL;
	*level = KVM_ABI_SHIM_LEVEL(maj, min);
	return 0;
}

#define A64_LDR_W2_X3	0xb9400062u	/* ldr w2, [x3] */
#define A64_STR_W4_X3	0xb9000064u	/* str w4, [x3] */
#define A64_STR_X2_X5	0xf90000a2u	/* str x2, [x5] */
#define A64_SMC0	0xd4000003u
#define R_READ		(VMM_ROUTINES_OFF + 0x00)
#define R_WRITE		(VMM_ROUTINES_OFF + 0x40)
#define R_HVC		(VMM_ROUTINES_OFF + 0x80)
#define R_SMC		(VMM_ROUTINES_OFF + 0xc0)

int vmm_load_routines(struct vmm_vm *vm)
{
	static const uint32_t rd[] = { A64_LDR_W2_X3, A64_STR_X2_X5, A64_B_SELF };
	static const uint32_t wr[] = { A64_STR_W4_X3, A64_STR_X2_X5, A64_B_SELF };
	static const uint32_t hvc[] = { A64_HVC0, A64_STR_X0_X5, A64_B_SELF };
	static const uint32_t smc[] = { A64_SMC0, A64_STR_X0_X5, A64_B_SELF };

	return vmm_load_code(vm, R_READ, rd, 3) ?: vmm_load_code(vm, R_WRITE, wr, 3) ?:
	       vmm_load_code(vm, R_HVC, hvc, 3) ?: vmm_load_code(vm, R_SMC, smc, 3);
}

/* Run routine @off with x0..x4 = @x; SMCCC calls preserve x4 and up. */
static int vmm_routine(struct vmm_vm *vm, uint64_t off, const uint64_t x[5], uint64_t *out)
{
	struct vmm_vcpu *c = &vm->vcpu[0];
	uint64_t addr;
	int i, ret = 0;

	for (i = 0; i < 5 && !ret; i++)
		ret = vmm_set_xreg(c, i, x[i]);
	ret = ret ?: vmm_set_xreg(c, 5, VMM_MMIO_GPA) ?: vmm_set_pc(c, VMM_MEM_GPA + off);
	return ret ?: vmm_run_to_mmio(vm, 0, &addr, out);
}

int vmm_guest_read32(struct vmm_vm *vm, uint64_t gpa, uint32_t *val)
{
	uint64_t x[5] = { 0, 0, 0, gpa, 0 }, v = 0;
	int ret = vmm_routine(vm, R_READ, x, &v);

	*val = v;
	return ret;
}

int vmm_guest_write32(struct vmm_vm *vm, uint64_t gpa, uint32_t val)
{
	uint64_t x[5] = { 0, 0, 0, gpa, val }, v;

	return vmm_routine(vm, R_WRITE, x, &v);
}

/*
 * Guest MRS of a system register (op0 3): one routine per call, at its own
 * address, so no rewritten code is ever executed.
 */
#define R_MRS		(VMM_ROUTINES_OFF + 0x100)
#define R_MRS_SLOTS	64
#define R_MRS_SLOT	32

static int vmm_guest_once(struct vmm_vm *vm, const uint32_t *code, unsigned int n,
			  const uint64_t x[5], uint64_t *val)
{
	static unsigned int slot;
	uint64_t off = R_MRS + R_MRS_SLOT * (slot++ % R_MRS_SLOTS);
	int ret = vmm_load_code(vm, off, code, n);

	return ret ?: vmm_routine(vm, off, x, val);
}

int vmm_guest_mrs(struct vmm_vm *vm, unsigned int op1, unsigned int crn,
		  unsigned int crm, unsigned int op2, uint64_t *val)
{
	uint32_t code[3] = {
		0xd5380002u | (op1 << 16) | (crn << 12) | (crm << 8) | (op2 << 5), /* mrs x2 */
		A64_STR_X2_X5, A64_B_SELF,
	};
	uint64_t x[5] = { 0 };

	return vmm_guest_once(vm, code, 3, x, val);
}

int vmm_guest_ccsidr(struct vmm_vm *vm, uint64_t csselr, uint64_t *val)
{
	uint32_t code[5] = {
		0xd51a0000u,	/* msr csselr_el1, x0 */
		0xd5033fdfu,	/* isb */
		0xd5390002u,	/* mrs x2, ccsidr_el1 */
		A64_STR_X2_X5, A64_B_SELF,
	};
	uint64_t x[5] = { csselr };

	return vmm_guest_once(vm, code, 5, x, val);
}

int vmm_guest_call(struct vmm_vm *vm, bool smc, const uint64_t a[4], uint64_t *x0)
{
	uint64_t x[5] = { a[0], a[1], a[2], a[3], 0 };

	return vmm_routine(vm, smc ? R_SMC : R_HVC, x, x0);
}
