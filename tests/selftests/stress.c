// SPDX-License-Identifier: GPL-2.0
/*
 * stress - many threads against the module at once: VMs created and
 * destroyed with random levels and revisions, the control plane hammered
 * on one VM while another thread adds its vCPUs and initialises its vGIC,
 * the operator defaults flipping meanwhile, and then all of it again while
 * the module is unloaded and loaded in a loop: refused while a VM needs it,
 * and now and then with every VM thread held at its gate, when the unload
 * must succeed. Every result is checked against the documented one;
 * nothing may leak.
 *
 *   stress MODULE.ko [SECONDS [SEED [MANY]]]   (module loaded; left loaded)
 *
 * With MANY, also that many live VMs at once (or as many as fit).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../lib/kcheck.h"
#include "../lib/tap.h"
#include "../../tools/lib/vmm.h"

#define NR_CREATORS	8
#define NR_HAMMERS	3	/* plus the thread that owns the hammered VM */
#define GICD_IIDR	0x8
#define L510		KVM_ABI_SHIM_LEVEL(5, 10)

static const uint64_t levels[] = {
	KVM_ABI_SHIM_LEVEL_NATIVE, KVM_ABI_SHIM_LEVEL(5, 10), KVM_ABI_SHIM_LEVEL(6, 1),
	KVM_ABI_SHIM_LEVEL(6, 12), KVM_ABI_SHIM_LEVEL(7, 3),
	KVM_ABI_SHIM_LEVEL(6, 6),	/* no level: -EINVAL */
};

static uint64_t host, supported;
static int gic;
static const char *ko;
static atomic_int stop, reloading;
static atomic_long cycles, calls, dflt_writes, unloads, busy_unloads, loads, drained_unloads;
/* Draining: VM threads wait at their gate; active: VM lives under way. */
static atomic_int drain, active;
/* Module references held before the stress (by VMs outside it). */
static long ref_base;
static atomic_long failures;
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static char fail_msgs[8][200];

/* Threads cannot print TAP; the first failures are kept for main. */
static void fail(const char *fmt, ...)
{
	long n = atomic_fetch_add(&failures, 1);
	va_list ap;

	if (n >= 8)
		return;
	pthread_mutex_lock(&fail_lock);
	va_start(ap, fmt);
	vsnprintf(fail_msgs[n], sizeof(fail_msgs[n]), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&fail_lock);
}

static unsigned int rnd(unsigned int *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int level_bit(uint64_t l)
{
	switch (l) {
	case KVM_ABI_SHIM_LEVEL(5, 10): return 0;
	case KVM_ABI_SHIM_LEVEL(6, 1): return 1;
	case KVM_ABI_SHIM_LEVEL(6, 12): return 2;
	case KVM_ABI_SHIM_LEVEL(7, 3): return 3;
	default: return -1;
	}
}

/* docs/uapi.rst: the result of setting the level. */
static int want_set_level(uint64_t l, unsigned int rev, bool vcpus)
{
	if (l != KVM_ABI_SHIM_LEVEL_NATIVE && level_bit(l) < 0)
		return -EINVAL;
	if (l != KVM_ABI_SHIM_LEVEL_NATIVE && !(supported & (1ULL << level_bit(l))))
		return -EOPNOTSUPP;
	if (rev == 3 && (l == L510 || host == L510))
		return -EINVAL;
	return vcpus ? -EBUSY : 0;
}

/* docs/uapi.rst: the result of setting the IIDR revision. */
static int want_set_rev(uint64_t rev, uint64_t l, bool vcpus)
{
	if (rev > 3 || (rev == 3 && l == L510))
		return -EINVAL;
	if (rev == 3 && host == L510)
		return -EOPNOTSUPP;
	return vcpus ? -EBUSY : 0;
}

/* The IIDR revision a VM runs with once its vGIC is initialised. */
static unsigned int want_iidr(uint64_t l, unsigned int rev)
{
	if (rev)
		return rev;
	if (l == L510 || (l == KVM_ABI_SHIM_LEVEL_NATIVE && host == L510))
		return 2;
	return 3;
}

static bool pair_valid(uint64_t l, uint64_t rev)
{
	return rev <= 3 && !(rev == 3 && (l == L510 || host == L510)) &&
	       (l == KVM_ABI_SHIM_LEVEL_NATIVE ||
		(level_bit(l) >= 0 && (supported & (1ULL << level_bit(l)))));
}

/* What the kernel answers for our group when the module is not there. */
static bool absent_errno(int ret)
{
	return ret == -ENXIO || ret == -EINVAL || ret == -ENODEV || ret == -EOPNOTSUPP;
}

static int read_iidr(struct vmm_vm *vm, unsigned int *rev)
{
	uint32_t v = 0;
	int ret = vmm_attr(vm->gic_fd, KVM_GET_DEVICE_ATTR, KVM_DEV_ARM_VGIC_GRP_DIST_REGS,
			   GICD_IIDR, &v);

	*rev = (v >> 12) & 0xf;
	return ret;
}

/*
 * One VM's life: its default pair, random SETs checked exactly, maybe a
 * vCPU (then SETs are -EBUSY) and a vGIC whose IIDR must follow the pair.
 * With the module coming and going, a VM the module does not know may
 * answer with the kernel's own errors; a pinned one never changes.
 */
static void vm_cycle(unsigned int *s)
{
	uint64_t lvl, rev, l, r;
	bool known, vcpus = false, pinned;
	struct vmm_vm vm;
	int i, ret, want;
	unsigned int iidr;

	if (vmm_vm_create(&vm)) {
		fail("KVM_CREATE_VM failed: %s", strerror(errno));
		return;
	}
	known = !vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_LEVEL, &lvl) &&
		!vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, &rev);
	atomic_fetch_add(&calls, 2);
	if (!known && !atomic_load(&reloading))
		fail("GET of a new VM's level failed with the module loaded");
	if (known && !pair_valid(lvl, rev))
		fail("new VM got the default pair (0x%llx, %llu), which is no valid pair",
		     (unsigned long long)lvl, (unsigned long long)rev);
	for (i = rnd(s) % 4; known && i >= 0; i--) {
		if (!vcpus && rnd(s) % 5 == 0) {
			ret = vmm_vcpu_add(&vm, 0);
			if (ret)
				fail("KVM_ARM_VCPU_INIT at level 0x%llx: %d", (unsigned long long)lvl, ret);
			vcpus = !ret;
		}
		if (rnd(s) & 1) {
			l = levels[rnd(s) % 6];
			want = want_set_level(l, rev, vcpus);
			ret = vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_LEVEL, l);
			if (!ret)
				lvl = l;
		} else {
			r = rnd(s) % 5;
			want = want_set_rev(r, lvl, vcpus);
			ret = vmm_shim_set(&vm, KVM_ABI_SHIM_ATTR_IIDR_REV, r);
			if (!ret)
				rev = r;
		}
		atomic_fetch_add(&calls, 1);
		pinned = lvl != KVM_ABI_SHIM_LEVEL_NATIVE || rev;
		if (ret != want && !(atomic_load(&reloading) && !pinned && absent_errno(ret))) {
			fail("SET gave %d, documented %d (level 0x%llx rev %llu vcpus %d)", ret, want,
			     (unsigned long long)lvl, (unsigned long long)rev, vcpus);
			known = false;
		}
	}
	/* A level or a revision not yet applied keeps the module loaded. */
	pinned = lvl != KVM_ABI_SHIM_LEVEL_NATIVE || rev;
	if (known && gic && rnd(s) % 3 == 0) {
		if (!vcpus && vmm_vcpu_add(&vm, 0) == 0)
			vcpus = true;
		ret = vmm_gic_create(&vm, gic);
		if (!ret)
			ret = vmm_gic_init(&vm);
		if (!ret)
			ret = read_iidr(&vm, &iidr);
		if (ret)
			fail("vGIC v%d create/init/read at level 0x%llx: %d", gic,
			     (unsigned long long)lvl, ret);
		else if ((pinned || !atomic_load(&reloading)) && iidr != want_iidr(lvl, rev))
			fail("IIDR revision %u at level 0x%llx rev %llu, expected %u", iidr,
			     (unsigned long long)lvl, (unsigned long long)rev, want_iidr(lvl, rev));
	}
	if (known && lvl != KVM_ABI_SHIM_LEVEL_NATIVE) {
		/* The module cannot have gone while this VM needed it. */
		ret = vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_LEVEL, &l);
		atomic_fetch_add(&calls, 1);
		if (ret || l != lvl)
			fail("pinned VM at 0x%llx reads %d/0x%llx", (unsigned long long)lvl, ret,
			     (unsigned long long)l);
	}
	vmm_vm_destroy(&vm);
	atomic_fetch_add(&cycles, 1);
}

/*
 * Before a VM's life: wait while the reloader drains. Counting first and
 * checking second (sequentially consistent) means the reloader either
 * sees this life or the life sees the drain. False once stopping.
 */
static bool gate_enter(void)
{
	for (;;) {
		if (atomic_load(&stop))
			return false;
		atomic_fetch_add(&active, 1);
		if (!atomic_load(&drain))
			return true;
		atomic_fetch_sub(&active, 1);
		while (atomic_load(&drain) && !atomic_load(&stop))
			usleep(1000);
	}
}

static void gate_exit(void)
{
	atomic_fetch_sub(&active, 1);
}

static void *creator(void *arg)
{
	unsigned int s = (unsigned int)(uintptr_t)arg;

	while (gate_enter()) {
		vm_cycle(&s);
		gate_exit();
	}
	return NULL;
}

/*
 * The operator changes the defaults: valid pairs, and now and then one the
 * host refuses (-EINVAL; each refusal is logged, so not too many).
 */
static void *defaults_flipper(void *arg)
{
	static const char * const lv[] = { "native", "5.10", "6.1", "6.12", "7.3", "4.19" };
	unsigned int s = (unsigned int)(uintptr_t)arg, r, i;
	char val[32];
	uint64_t l;
	int ret, want;

	while (!atomic_load(&stop)) {
		do {
			i = rnd(&s) % 6;
			r = rnd(&s) % 5;
			l = i == 0 ? KVM_ABI_SHIM_LEVEL_NATIVE : i == 5 ? 0x413 : levels[i];
		} while (!pair_valid(l, r) && rnd(&s) % 16);
		snprintf(val, sizeof(val), "%s %u", lv[i], r);
		want = pair_valid(l, r) ? 0 : -EINVAL;
		ret = vmm_param_write("defaults", val);
		atomic_fetch_add(&dflt_writes, 1);
		/* The module away (-ENOENT) or being unloaded (-ENODEV). */
		if (ret != want && !(atomic_load(&reloading) && (ret == -ENOENT || ret == -ENODEV)))
			fail("defaults=\"%s\" gave %d, expected %d", val, ret, want);
		usleep(5000 + rnd(&s) % 10000);
	}
	return NULL;
}

/* The hammered VM, its owner thread and the hammer threads. */
static struct vmm_vm hvm;
static atomic_int hvm_vcpus, hround_go;
static pthread_barrier_t hbar;

static void *hammer(void *arg)
{
	unsigned int s = (unsigned int)(uintptr_t)arg;
	uint64_t val;
	int ret, op;

	for (;;) {
		pthread_barrier_wait(&hbar);
		if (!atomic_load(&hround_go))
			return NULL;
		while (atomic_load(&hround_go) == 1) {
			bool after = atomic_load(&hvm_vcpus);
			uint64_t attr = rnd(&s) % 2 ? KVM_ABI_SHIM_ATTR_LEVEL :
						      KVM_ABI_SHIM_ATTR_IIDR_REV;

			op = rnd(&s) % 3;
			if (op == 0) {
				ret = vmm_attr(hvm.fd, KVM_HAS_DEVICE_ATTR, KVM_ABI_SHIM_GRP, attr, NULL);
			} else if (op == 1) {
				ret = vmm_shim_get(&hvm, attr, &val);
			} else {
				val = attr == KVM_ABI_SHIM_ATTR_LEVEL ? levels[rnd(&s) % 6] : rnd(&s) % 5;
				ret = vmm_shim_set(&hvm, attr, val);
				if (!ret && after)
					fail("SET of attr %llu succeeded after the VM's first vCPU",
					     (unsigned long long)attr);
				/* Value errors and -EBUSY depend on the others' SETs. */
				if (ret == -EINVAL || ret == -EOPNOTSUPP || ret == -EBUSY)
					ret = 0;
			}
			atomic_fetch_add(&calls, 1);
			if (ret && !(atomic_load(&reloading) && absent_errno(ret)))
				fail("hammer: op %d attr %llu: %d", op, (unsigned long long)attr, ret);
		}
		pthread_barrier_wait(&hbar);
	}
}

/* Owner: a new VM per round; vCPUs and vGIC come while the hammers run. */
static void *hammer_owner(void *arg)
{
	unsigned int s = (unsigned int)(uintptr_t)arg, iidr;
	uint64_t l0, r0, l, r;
	int i, ret;

	for (;;) {
		atomic_store(&hvm_vcpus, 0);
		if (!gate_enter()) {
			atomic_store(&hround_go, 0);
			pthread_barrier_wait(&hbar);
			return NULL;
		}
		if (vmm_vm_create(&hvm)) {
			gate_exit();
			atomic_store(&hround_go, 0);
			pthread_barrier_wait(&hbar);
			return NULL;
		}
		atomic_store(&hround_go, 1);
		pthread_barrier_wait(&hbar);
		usleep(rnd(&s) % 3000);
		ret = 0;
		for (i = 0; i < 4 && !ret; i++) {
			ret = vmm_vcpu_add(&hvm, 0);
			atomic_store(&hvm_vcpus, 1);
		}
		if (ret)
			fail("hammered VM: vCPU %d: %d", i, ret);
		if (!ret && gic) {
			ret = vmm_gic_create(&hvm, gic);
			if (!ret)
				ret = vmm_gic_init(&hvm);
			if (ret)
				fail("hammered VM: vGIC v%d: %d", gic, ret);
		}
		usleep(rnd(&s) % 3000);
		atomic_store(&hround_go, 2);
		pthread_barrier_wait(&hbar);
		/*
		 * The pair is fixed now, valid, and what the vGIC runs with.
		 * While the module comes and goes, a native VM may be
		 * forgotten (a new module reads it as native, revision 0):
		 * only a pinned one is checked then.
		 */
		if (!vmm_shim_get(&hvm, KVM_ABI_SHIM_ATTR_LEVEL, &l0) &&
		    !vmm_shim_get(&hvm, KVM_ABI_SHIM_ATTR_IIDR_REV, &r0) &&
		    (!atomic_load(&reloading) || l0 != KVM_ABI_SHIM_LEVEL_NATIVE)) {
			if (!pair_valid(l0, r0))
				fail("hammered VM ended at the invalid pair (0x%llx, %llu)",
				     (unsigned long long)l0, (unsigned long long)r0);
			if (gic && !ret && !read_iidr(&hvm, &iidr) && iidr != want_iidr(l0, r0))
				fail("hammered VM at (0x%llx, %llu) runs IIDR revision %u",
				     (unsigned long long)l0, (unsigned long long)r0, iidr);
			if (vmm_shim_get(&hvm, KVM_ABI_SHIM_ATTR_LEVEL, &l) ||
			    vmm_shim_get(&hvm, KVM_ABI_SHIM_ATTR_IIDR_REV, &r) || l != l0 || r != r0)
				fail("hammered VM's pair changed after its vCPUs");
		} else if (!atomic_load(&reloading)) {
			fail("hammered VM: GET failed with the module loaded");
		}
		vmm_vm_destroy(&hvm);
		gate_exit();
		atomic_fetch_add(&cycles, 1);
	}
}

static int rmmod(void)
{
	return syscall(SYS_delete_module, "kvm_abi_shim", O_NONBLOCK) ? -errno : 0;
}

static int insmod(void)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* The module was just unloaded: count it, and load it again after a moment. */
static void load_again(unsigned int *s, const char *after)
{
	int ret;

	atomic_fetch_add(&unloads, 1);
	usleep(rnd(s) % 20000);
	ret = insmod();
	if (ret)
		fail("insmod after %s: %d", after, ret);
	else
		atomic_fetch_add(&loads, 1);
}

/*
 * Hold every VM thread at its gate until no VM of theirs lives: nothing
 * needs the module then, so its unload must succeed (after a wait for a
 * reference that is not a VM's, such as a defaults write under way: up
 * to 10 s); then load it again and let the threads go on.
 */
static void drained_reload(unsigned int *s)
{
	int i, ret = -EAGAIN;

	atomic_store(&drain, 1);
	for (i = 0; atomic_load(&active) && i < 10000; i++)
		usleep(1000);
	if (atomic_load(&active)) {
		fail("the VM threads did not come to their gates in 10 s");
		atomic_store(&drain, 0);
		return;
	}
	/* The holder may wait seconds for a CPU on a loaded TCG guest. */
	for (i = 0; i < 2000 && (ret = rmmod()) == -EAGAIN; i++)
		usleep(5000);
	if (ret) {
		fail("rmmod with no VM of the stress alive: %d", ret);
	} else {
		atomic_fetch_add(&drained_unloads, 1);
		load_again(s, "a drained unload");
	}
	atomic_store(&drain, 0);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Unload when nothing needs the module (refused otherwise), load again;
 * first and then every half second with the VM threads drained first (an
 * unload and load can take a second on a busy emulated host, so waiting
 * first could leave a short phase without one).
 */
static void *reloader(void *arg)
{
	unsigned int s = (unsigned int)(uintptr_t)arg;
	long last = now_ms() - 500;
	int ret;

	while (!atomic_load(&stop)) {
		if (ref_base == 0 && now_ms() - last >= 500) {
			drained_reload(&s);
			last = now_ms();
			continue;
		}
		ret = rmmod();
		if (!ret)
			load_again(&s, "an unload");
		else if (ret == -EAGAIN || ret == -EBUSY)
			atomic_fetch_add(&busy_unloads, 1);
		else
			fail("rmmod: %d", ret);
		usleep(rnd(&s) % 10000);
	}
	return NULL;
}

/*
 * Every end the destroy hook redirected came back through it once as the
 * module's own call-through, and none went unseen while the module stayed
 * loaded; at least @want ends since @removed0 were of VMs the module knew.
 */
static void check_destroys(const char *what, long removed0, long want)
{
	long rm = kas_stat("destroy_removed"), un = kas_stat("destroy_untracked");
	long pt = kas_stat("destroy_passthrough"), lost = kas_stat("destroy_unseen");

	tap_ok(pt == rm + un && lost == 0 && rm - removed0 >= want,
	       "%s: the destroy hook saw each end (%ld removed, %ld untracked, %ld call-throughs, %ld unseen; want %ld removed)",
	       what, rm - removed0, un, pt, lost, want);
}

static void report_failures(const char *what)
{
	long n = atomic_load(&failures), i;

	for (i = 0; i < n && i < 8; i++)
		tap_diag("%s: %s", what, fail_msgs[i]);
	tap_ok(n == 0, "%s: every result as documented (%ld failures)", what, n);
	atomic_store(&failures, 0);
}

static void run_phase(const char *what, int secs, unsigned int seed, bool reload)
{
	pthread_t th[NR_CREATORS + NR_HAMMERS + 3];
	int i, n = 0;

	atomic_store(&stop, 0);
	atomic_store(&reloading, reload);
	atomic_store(&cycles, 0);
	atomic_store(&calls, 0);
	atomic_store(&dflt_writes, 0);
	pthread_barrier_init(&hbar, NULL, NR_HAMMERS + 1);
	for (i = 0; i < NR_CREATORS; i++)
		pthread_create(&th[n++], NULL, creator, (void *)(uintptr_t)(seed * 131 + i + 1));
	pthread_create(&th[n++], NULL, hammer_owner, (void *)(uintptr_t)(seed * 131 + 50));
	for (i = 0; i < NR_HAMMERS; i++)
		pthread_create(&th[n++], NULL, hammer, (void *)(uintptr_t)(seed * 131 + 60 + i));
	pthread_create(&th[n++], NULL, defaults_flipper, (void *)(uintptr_t)(seed * 131 + 70));
	if (reload)
		pthread_create(&th[n++], NULL, reloader, (void *)(uintptr_t)(seed * 131 + 80));
	sleep(secs);
	atomic_store(&stop, 1);
	while (n)
		pthread_join(th[--n], NULL);
	pthread_barrier_destroy(&hbar);
	tap_diag("%s: %ld VM cycles by %d threads, %ld control-plane calls, %ld defaults writes in %d s",
		 what, atomic_load(&cycles), NR_CREATORS + NR_HAMMERS + 1, atomic_load(&calls),
		 atomic_load(&dflt_writes), secs);
	report_failures(what);
	tap_ok(atomic_load(&cycles) > 0, "%s: VMs were created and destroyed", what);
}

static long mem_available_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static int listed_vms(void)
{
	static char buf[1 << 20];
	int n = 0;
	char *p;

	if (vmm_debugfs_read("vms", buf, sizeof(buf)))
		return -1;
	for (p = buf; (p = strchr(p, '\n')); p++)
		n++;
	return n - 1;	/* the header line */
}

/*
 * Many live VMs at once (up to @want, or as many as memory and the
 * kernel allow): each keeps its own level, the listing shows them all, and
 * they all go away. The table grows and shrinks meanwhile.
 */
static void many_vms(int want)
{
	static const uint64_t lv[] = { KVM_ABI_SHIM_LEVEL_NATIVE, KVM_ABI_SHIM_LEVEL(5, 10),
				       KVM_ABI_SHIM_LEVEL(6, 1), KVM_ABI_SHIM_LEVEL(6, 12) };
	struct kvm_device_attr a = { .group = KVM_ABI_SHIM_GRP, .attr = KVM_ABI_SHIM_ATTR_LEVEL };
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), *fds, n, i, bad = 0, err = 0;
	long live0 = kas_stat("vm_live"), mem0 = mem_available_kb(), mem1;
	struct rlimit rl = { want + 64, want + 64 };
	uint64_t val, l;

	setrlimit(RLIMIT_NOFILE, &rl);
	fds = calloc(want, sizeof(*fds));
	for (n = 0; fds && kvm >= 0 && n < want; n++) {
		fds[n] = ioctl(kvm, KVM_CREATE_VM, 0);
		if (fds[n] < 0) {
			err = errno;
			break;
		}
		l = lv[n % 4];
		if (!(l == KVM_ABI_SHIM_LEVEL_NATIVE || (supported & (1ULL << level_bit(l)))))
			l = KVM_ABI_SHIM_LEVEL_NATIVE;
		a.addr = (uint64_t)(uintptr_t)&l;
		if (ioctl(fds[n], KVM_SET_DEVICE_ATTR, &a))
			bad++;
	}
	mem1 = mem_available_kb();
	for (i = 0; i < n; i++) {
		l = lv[i % 4];
		if (!(l == KVM_ABI_SHIM_LEVEL_NATIVE || (supported & (1ULL << level_bit(l)))))
			l = KVM_ABI_SHIM_LEVEL_NATIVE;
		a.addr = (uint64_t)(uintptr_t)&val;
		if (ioctl(fds[i], KVM_GET_DEVICE_ATTR, &a) || val != l)
			bad++;
	}
	tap_diag("many VMs: %d live at once (asked %d%s%s), about %ld KiB each in all (kernel and module)",
		 n, want, err ? ", then " : "", err ? strerror(err) : "",
		 n ? (mem0 - mem1) / n : 0);
	tap_ok(n >= want / 10 && !bad, "many VMs: %d VMs live, each reads back its own level (%d wrong)",
	       n, bad);
	tap_ok(listed_vms() == live0 + n, "many VMs: the listing shows all of them (%d lines)",
	       listed_vms());
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	if (kvm >= 0)
		close(kvm);
	tap_ok(kas_stat("vm_live") == live0, "many VMs: all gone again (live %ld)", kas_stat("vm_live"));
}

int main(int argc, char **argv)
{
	int secs = argc > 2 ? atoi(argv[2]) : 10, many = argc > 4 ? atoi(argv[4]) : 0;
	unsigned int seed = argc > 3 ? strtoul(argv[3], NULL, 0) : (unsigned int)time(NULL);
	char mark[256];
	long live0, ref0, removed0;
	struct vmm_vm vm;

	tap_header("stress: threads, random levels, defaults flipping, module reloads");
	if (argc < 2)
		tap_bail("usage: stress MODULE.ko [SECONDS [SEED]]");
	ko = argv[1];
	if (!vmm_module_loaded())
		tap_bail("kvm_abi_shim is not loaded");
	if (argc > 3 && !strcmp(argv[3], "-"))
		seed = (unsigned int)time(NULL);
	if (vmm_host_level(&host) || vmm_vm_create(&vm))
		tap_bail("no KVM");
	if (vmm_shim_get(&vm, KVM_ABI_SHIM_ATTR_SUPPORTED, &supported))
		tap_bail("no control plane");
	vmm_vm_destroy(&vm);
	gic = vmm_host_gic_version();
	tap_diag("seed %u (stress %s %d %u reproduces the threads' choices), GICv%d, %d s per phase",
		 seed, ko, secs, seed, gic, secs);
	kas_log_mark(mark, sizeof(mark));
	live0 = kas_stat("vm_live");
	ref0 = kas_refcnt();
	removed0 = kas_stat("destroy_removed");

	run_phase("module loaded", secs, seed, false);
	/* Each cycle's VM was created and destroyed with the module loaded. */
	check_destroys("module loaded", removed0, atomic_load(&cycles));
	vmm_param_write("defaults", "native 0");
	tap_ok(kas_stat("vm_live") == live0, "module loaded: live VMs back at %ld (now %ld)",
	       live0, kas_stat("vm_live"));
	tap_ok(kas_refcnt() == ref0, "module loaded: module references back at %ld (now %ld)",
	       ref0, kas_refcnt());

	ref_base = ref0;
	run_phase("module reloading", secs, seed + 1, true);
	tap_diag("module reloading: %ld unloads (%ld with the VM threads drained), %ld refused while VMs needed the module, %ld loads",
		 atomic_load(&unloads), atomic_load(&drained_unloads), atomic_load(&busy_unloads),
		 atomic_load(&loads));
	if (ref0 == 0)
		tap_ok(atomic_load(&drained_unloads) > 0 &&
		       atomic_load(&loads) == atomic_load(&unloads),
		       "module reloading: unloaded and loaded again %ld times, %ld of them with no VM alive",
		       atomic_load(&loads), atomic_load(&drained_unloads));
	else
		tap_skip("module reloading: unloads with no VM alive (%ld references held before the stress)",
			 ref0);
	if (!vmm_module_loaded())
		tap_ok(insmod() == 0, "the module loads again after the stress");
	vmm_param_write("defaults", "native 0");
	if (live0 == 0)
		tap_ok(kas_stat("vm_live") == 0, "module reloading: no live VM left (%ld)",
		       kas_stat("vm_live"));
	/* The module loaded last: its counts start at its load. */
	check_destroys("module reloading", 0, 0);
	tap_ok(kas_refcnt() == ref0, "module reloading: module references back at %ld (now %ld)",
	       ref0, kas_refcnt());
	kas_check_log("threads", mark);
	if (many > 0) {
		kas_log_mark(mark, sizeof(mark));
		many_vms(many);
		kas_check_log("many VMs", mark);
	}
	return tap_finish();
}
