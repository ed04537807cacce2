/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kas.h - module-wide state shared between main.c and the feature files.
 */
#ifndef KAS_KAS_H
#define KAS_KAS_H

#include <linux/fs.h>
#include <linux/types.h>

#include "hooks.h"

/* Levels disabled because a hook they need is missing on this kernel. */
extern u64 kas_disabled_levels;

u64 kas_default_level(void);
unsigned int kas_default_rev(void);
void kas_default_get_pair(u64 *level, unsigned int *rev);

/* Features: groups of hooks that attach together (0 = core). */
enum {
	KAS_FEAT_CORE, KAS_FEAT_VGIC, KAS_FEAT_GICR_510, KAS_FEAT_FW, KAS_FEAT_SMC,
	KAS_FEAT_REGLIST, KAS_FEAT_IDREGS, KAS_FEAT_CAPS
};

/* Indices into kas_hook_table[] (main.c). */
enum {
	KAS_HOOK_VM_IOCTL,
	KAS_HOOK_INIT_VM,
	KAS_HOOK_DESTROY_VM,
	KAS_HOOK_VCPU_RUN,
	KAS_HOOK_VCPU_PRECREATE,
	KAS_HOOK_VGIC_INIT,
	KAS_HOOK_V2_MISC,
	KAS_HOOK_V3_MISC,
	KAS_HOOK_READ_GROUP,
	KAS_HOOK_WRITE_GROUP,
	KAS_HOOK_V3_SET_ATTR,
	KAS_HOOK_V3_GET_ATTR,
	KAS_HOOK_GICR_INVLPI,
	KAS_HOOK_GICR_INVALL,
	KAS_HOOK_GICR_SYNC,
	KAS_HOOK_GICR_CTLR,
	KAS_HOOK_GICR_UACCESS,
	KAS_HOOK_FW_NUM_REGS,
	KAS_HOOK_FW_COPY_IDS,
	KAS_HOOK_FW_SET,
	KAS_HOOK_PSCI_CALL,
	KAS_HOOK_HANDLE_SMC,
	KAS_HOOK_NUM_REGS,
	KAS_HOOK_COPY_REGS,
	KAS_HOOK_GET_REG,
	KAS_HOOK_SET_REG,
	KAS_HOOK_RESET_VCPU,
	KAS_HOOK_SYS_REG_SET,
	KAS_HOOK_READ_ID_REG,
	KAS_HOOK_ACCESS_ID_REG,
	KAS_HOOK_ACCESS_CCSIDR,
	KAS_HOOK_ACCESS_PMCR,
	KAS_HOOK_CHECK_EXT,
	KAS_HOOK_ENABLE_CAP,
	KAS_HOOK_TIMER_HAS_ATTR,
	KAS_HOOK_TIMER_GET_ATTR,
	KAS_HOOK_TIMER_SET_ATTR,
	KAS_NR_HOOKS
};

extern struct kas_hook kas_hook_table[KAS_NR_HOOKS];

struct kvm_one_reg;
struct kvm_vcpu;
/* kvm_arm_{get,set}_reg() and the firmware and sys_reg variants. */
typedef int (*kas_one_reg_fn)(struct kvm_vcpu *, const struct kvm_one_reg *);

long kas_vm_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg);
int kas_vm_ioctl_pre(struct kprobe *p, struct pt_regs *regs);

/* vgic.c */
struct kas_vm;
struct kvm;
bool kas_vgic_attached(void);
void kas_vgic_reapply(struct kvm *kvm, struct kas_vm *v);
int kas_vgic_init_pre(struct kprobe *p, struct pt_regs *regs);
int kas_vgic_misc_pre(struct kprobe *p, struct pt_regs *regs);
int kas_vgic_read_group_pre(struct kprobe *p, struct pt_regs *regs);
int kas_vgic_write_group_pre(struct kprobe *p, struct pt_regs *regs);
int kas_vgic_v3_attr_pre(struct kprobe *p, struct pt_regs *regs);
int kas_gicr510_ignore_pre(struct kprobe *p, struct pt_regs *regs);
int kas_gicr510_ctlr_pre(struct kprobe *p, struct pt_regs *regs);
int kas_gicr510_uaccess_pre(struct kprobe *p, struct pt_regs *regs);

/* fwregs.c, smccc.c */
bool kas_fw_acts(u64 level);
bool kas_fw_decides(struct kvm_vcpu *vcpu, u64 id, int *ret);
void kas_fw_apply(struct kvm *kvm, struct kas_vm *v);
int kas_fw_num_regs_pre(struct kprobe *p, struct pt_regs *regs);
int kas_fw_copy_ids_pre(struct kprobe *p, struct pt_regs *regs);
int kas_fw_set_pre(struct kprobe *p, struct pt_regs *regs);
int kas_psci_call_pre(struct kprobe *p, struct pt_regs *regs);
int kas_handle_smc_pre(struct kprobe *p, struct pt_regs *regs);

/* reglist.c */
u64 kas_older_level(struct kvm *kvm);
bool kas_older_below(struct kvm *kvm, u64 below);
struct kas_vcpu;
struct kas_vcpu *kas_regs_of(struct kvm_vcpu *vcpu);
int kas_redirect_older(struct pt_regs *regs, void *fn);
int kas_redirect_below(struct pt_regs *regs, void *fn, u64 below);
int kas_reglist_init(void);
int kas_num_regs_pre(struct kprobe *p, struct pt_regs *regs);
int kas_copy_regs_pre(struct kprobe *p, struct pt_regs *regs);
int kas_one_reg_pre(struct kprobe *p, struct pt_regs *regs);

/* vcpu.c */
struct kas_vcpu;
struct kas_vcpu *kas_vcpu_of(struct kas_vm *v, struct kvm_vcpu *vcpu);
void kas_vcpu_reset(struct kas_vcpu *c);
void kas_vcpu_free(struct kas_vcpu *c);
int kas_vcpu_precreate_pre(struct kprobe *p, struct pt_regs *regs);

/* caps.c */
void kas_caps_init(void);
int kas_check_ext_pre(struct kprobe *p, struct pt_regs *regs);
int kas_enable_cap_pre(struct kprobe *p, struct pt_regs *regs);
int kas_timer_attr_pre(struct kprobe *p, struct pt_regs *regs);
int kas_timer_set_attr_pre(struct kprobe *p, struct pt_regs *regs);

/* idregs.c */
void kas_idregs_init(void);
int kas_idregs_prepare(u64 level, u32 **ccsidr);
u64 kas_host_clidr(void);
u64 kas_host_pmcr_el0(void);
bool kas_host_aarch32_el0(void);
int kas_reset_vcpu_pre(struct kprobe *p, struct pt_regs *regs);
int kas_sys_reg_set_pre(struct kprobe *p, struct pt_regs *regs);
int kas_read_id_reg_pre(struct kprobe *p, struct pt_regs *regs);
int kas_access_id_reg_pre(struct kprobe *p, struct pt_regs *regs);
int kas_access_ccsidr_pre(struct kprobe *p, struct pt_regs *regs);
int kas_access_pmcr_pre(struct kprobe *p, struct pt_regs *regs);
#endif /* KAS_KAS_H */
