/*
 * x86 arch hooks of the KVM accelerator: the in-kernel irqchip and PIT,
 * CPUID (built by cpuid-build.c from KVM_GET_SUPPORTED_CPUID), and the
 * register state a vCPU starts from.
 */
#include "kite/kvm/kvm.h"
#include "kite/kvm/kvm-ioctl.h"
#include "kite/i386/x86-boot.h"
#include "kite/i386/hyperv.h"
#include "target/i386/cpu.h"
#include "target/i386/cpuid-build.h"
#include "kite/machine.h"
#include <errno.h>

#define TSS_ADDR 0xfffbd000
#define IDENTITY_MAP_ADDR 0xfffbc000ULL
#define CPUID_MAX_ENTRIES 256

X86BootState x86_boot_state;

typedef struct X86KvmVm {
    struct kvm_cpuid2 *supported;
} X86KvmVm;

typedef struct X86KvmVcpu {
    struct kvm_lapic_state reset_lapic;  /* as KVM created it */
    struct kvm_cpuid2 *cpuid;
    HypervVcpu *hv;          /* Hyper-V MSR reset state, or NULL */
} X86KvmVcpu;

static struct kvm_cpuid2 *get_supported_cpuid(int sys_fd, GError **errp)
{
    /* The kernel says E2BIG until the buffer is large enough. */
    for (unsigned n = 64; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = kvm_alloc0(sizeof(*c) + n * sizeof(c->entries[0]));

        if (!c) {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                        "kvm: out of memory reading CPUID");
            return NULL;
        }
        c->nent = n;
        if (kvm_ioctl_call(sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
            return c;
        }
        g_free(c);
        if (errno != E2BIG) {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                        "kvm: KVM_GET_SUPPORTED_CPUID failed: %s", g_strerror(errno));
            return NULL;
        }
    }
    g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                "kvm: KVM_GET_SUPPORTED_CPUID wants too many entries");
    return NULL;
}

bool kvm_arch_vm_init(KVMState *s, GError **errp)
{
    X86KvmVm *vm = kvm_alloc0(sizeof(*vm));
    uint64_t identity = IDENTITY_MAP_ADDR;
    struct kvm_pit_config pit = { .flags = 0 };

    if (!vm) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: out of memory creating the VM");
        return false;
    }
    /* Intel VMX needs these pages for real mode; AMD ignores them. */
    if (kvm_ioctl_call(s->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0 ||
        kvm_ioctl_int(s->vm_fd, KVM_SET_TSS_ADDR, TSS_ADDR) < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: setting the TSS and identity map failed: %s",
                    g_strerror(errno));
        goto fail;
    }
    if (kvm_ioctl_int(s->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: creating the in-kernel irqchip failed: %s",
                    g_strerror(errno));
        goto fail;
    }
    s->irqchip = true;
    if (kvm_ioctl_call(s->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: creating the in-kernel PIT failed: %s", g_strerror(errno));
        goto fail;
    }
    vm->supported = get_supported_cpuid(s->sys_fd, errp);
    if (!vm->supported) {
        goto fail;
    }
    s->arch = vm;
    return true;

fail:
    g_free(vm);
    return false;
}

void kvm_arch_vm_destroy(KVMState *s)
{
    X86KvmVm *vm = s->arch;

    if (vm) {
        g_free(vm->supported);
        g_free(vm);
        s->arch = NULL;
    }
}

/* The -smp topology within one package; without a machine (unit tests
 * of the lifecycle), @ncpus cores in one package. */
static X86CpuTopology vcpu_topology(unsigned ncpus)
{
    MachineState *ms = current_machine_get();
    X86CpuTopology t = { .threads = 1, .cores = ncpus, .dies = 1 };

    if (ms && ms->smp_threads && ms->smp_cores && ms->smp_dies) {
        t.threads = ms->smp_threads;
        t.cores = ms->smp_cores;
        t.dies = ms->smp_dies;
    }
    return t;
}

bool kvm_arch_vcpu_create(KvmVcpu *v, GError **errp)
{
    X86KvmVm *vm = v->s->arch;
    X86KvmVcpu *a = kvm_alloc0(sizeof(*a));
    unsigned ncpus = MAX(1, cpu_count());
    X86CPU *cpu = NULL;
    X86CpuTopology topo = vcpu_topology(ncpus);

    if (!a) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: out of memory creating vCPU %d", v->index);
        goto fail;
    }
    if (v->cpu && object_dynamic_cast(OBJECT(v->cpu), TYPE_X86_CPU)) {
        cpu = X86_CPU(v->cpu);
    }
    /* Model, -cpu flags and topology, then the Hyper-V leaves and
     * kvm=off: all before the kernel sees CPUID.  The APIC id is the
     * vCPU index, as KVM_CREATE_VCPU and the MP table use it. */
    a->cpuid = x86_cpuid_build(cpu ? cpu->model : &x86_cpu_models[0],
                               cpu ? cpu->features : NULL, vm->supported,
                               &topo, v->index, kvm_alloc0, errp);
    if (!a->cpuid) {
        goto fail;
    }
    if (!hyperv_kvm_arch_vcpu_create(v, ncpus, &a->cpuid, &a->hv, errp)) {
        goto fail;
    }
    if (kvm_ioctl_call(v->fd, KVM_SET_CPUID2, a->cpuid) < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: vCPU %d: KVM_SET_CPUID2 failed: %s", v->index,
                    g_strerror(errno));
        goto fail;
    }
    /* The kernel's register state of a new vCPU is the architectural
     * reset state; the boot CPU then starts where the loader says. */
    if (kvm_ioctl_call(v->fd, KVM_GET_LAPIC, &a->reset_lapic) < 0 ||
        kvm_ioctl_call(v->fd, KVM_GET_SREGS, &v->reset_sregs) < 0 ||
        kvm_ioctl_call(v->fd, KVM_GET_REGS, &v->reset_regs) < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: vCPU %d: reading registers failed: %s", v->index,
                    g_strerror(errno));
        goto fail;
    }
    if (v->index == 0 && x86_boot_state.mode == X86_BOOT_MULTIBOOT) {
        struct kvm_segment code = {
            .base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 0xb,
            .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
        };
        struct kvm_segment data = code;

        data.selector = 0x18;
        data.type = 0x3;
        v->reset_sregs.cs = code;
        v->reset_sregs.ds = v->reset_sregs.es = v->reset_sregs.fs =
            v->reset_sregs.gs = v->reset_sregs.ss = data;
        v->reset_sregs.cr0 = 0x11;   /* PE | ET, paging off (Multiboot 3.2) */
        memset(&v->reset_regs, 0, sizeof(v->reset_regs));
        v->reset_regs.rflags = 0x2;
        v->reset_regs.rip = x86_boot_state.entry;
        v->reset_regs.rax = x86_boot_state.eax;
        v->reset_regs.rbx = x86_boot_state.ebx;
    }
    if (v->index == 0 && x86_boot_state.mode == X86_BOOT_LINUX64) {
        /* Long mode with the loader's identity map and GDT (boot.rst,
         * 64-bit boot protocol): __BOOT_CS 0x10, __BOOT_DS 0x18. */
        struct kvm_segment code = {
            .base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 0xb,
            .present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
        };
        struct kvm_segment data = {
            .base = 0, .limit = 0xffffffff, .selector = 0x18, .type = 0x3,
            .present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
        };

        v->reset_sregs.cs = code;
        v->reset_sregs.ds = v->reset_sregs.es = v->reset_sregs.fs =
            v->reset_sregs.gs = v->reset_sregs.ss = data;
        v->reset_sregs.gdt.base = x86_boot_state.gdt_base;
        v->reset_sregs.gdt.limit = 4 * 8 - 1;
        v->reset_sregs.cr3 = x86_boot_state.cr3;
        v->reset_sregs.cr4 = 0x20;                 /* PAE */
        v->reset_sregs.cr0 = 0x80000011;           /* PG | ET | PE */
        v->reset_sregs.efer = 0x500;               /* LME | LMA */
        memset(&v->reset_regs, 0, sizeof(v->reset_regs));
        v->reset_regs.rflags = 0x2;
        v->reset_regs.rip = x86_boot_state.entry;
        v->reset_regs.rsi = x86_boot_state.esi;
    }
    v->arch = a;
    return true;

fail:
    if (a) {
        hyperv_kvm_vcpu_teardown(a->hv);
        g_free(a->cpuid);
        g_free(a);
    }
    return false;
}

void kvm_arch_vcpu_destroy(KvmVcpu *v)
{
    X86KvmVcpu *a = v->arch;

    if (a) {
        hyperv_kvm_vcpu_teardown(a->hv);
        g_free(a->cpuid);
        g_free(a);
        v->arch = NULL;
    }
}

bool kvm_arch_vcpu_reset(KvmVcpu *v, GError **errp)
{
    X86KvmVcpu *a = v->arch;
    /* The boot CPU runs; the others wait for INIT/SIPI from it. */
    struct kvm_mp_state mp = {
        .mp_state = v->index == 0 ? KVM_MP_STATE_RUNNABLE
                                  : KVM_MP_STATE_UNINITIALIZED,
    };
    struct kvm_vcpu_events events = { 0 };

    if (!a) {
        return true;
    }
    if (kvm_ioctl_call(v->fd, KVM_SET_LAPIC, &a->reset_lapic) < 0 ||
        kvm_ioctl_call(v->fd, KVM_SET_VCPU_EVENTS, &events) < 0 ||
        kvm_ioctl_call(v->fd, KVM_SET_MP_STATE, &mp) < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: vCPU %d: resetting the local APIC and run state "
                    "failed: %s", v->index, g_strerror(errno));
        return false;
    }
    return true;
}

bool kvm_arch_handle_exit(KvmVcpu *v)
{
    if (v->run->exit_reason == KVM_EXIT_HYPERV) {
        return hyperv_handle_exit(v->run);
    }
    return false;
}

void kvm_arch_dump_state(KvmVcpu *v, FILE *out)
{
    struct kvm_regs r;
    struct kvm_sregs sr;

    if (kvm_ioctl_call(v->fd, KVM_GET_REGS, &r) < 0 ||
        kvm_ioctl_call(v->fd, KVM_GET_SREGS, &sr) < 0) {
        fprintf(out, "  (registers unavailable: %s)\n", g_strerror(errno));
        return;
    }
    fprintf(out, "  RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
            "  RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n"
            "  RIP=%016llx RFLAGS=%08llx\n"
            "  CS=%04x base %016llx  CR0=%08llx CR3=%016llx CR4=%08llx EFER=%08llx\n",
            r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp, r.rip,
            r.rflags, sr.cs.selector, sr.cs.base, sr.cr0, sr.cr3, sr.cr4,
            sr.efer);
}
