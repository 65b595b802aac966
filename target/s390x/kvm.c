/*
 * s390x arch hooks of the KVM accelerator (built on s390x hosts only).
 * SERVC is intercepted by SIE and handed to the same SCLP model qtest
 * drives; the service signal goes back with KVM_S390_INT_SERVICE, and
 * the model's program exceptions go back as program interrupts.
 */
#include "kite/kvm/kvm.h"
#include "kite/kvm/kvm-ioctl.h"
#include "kite/s390x/sclp.h"
#include <errno.h>

/* SIE intercept code: an instruction the kernel leaves to user space. */
#define ICPT_INSTRUCTION 0x04
/* SERVC is opcode 0xB220, format RRE: B220 //// R1 R2.  The IPB holds
 * instruction bits 16-47, so R1 is IPB bits 8-11 and R2 bits 12-15. */
#define IPA_SERVC 0xb220
#define IPB_RRE_R1(ipb) (((ipb) >> 20) & 0xf)
#define IPB_RRE_R2(ipb) (((ipb) >> 16) & 0xf)
/* Program-interruption code for an instruction nobody implements. */
#define PGM_OPERATION 0x0001
/* PSW bit 15: problem state; bits 18-19: the condition code. */
#define PSW_MASK_PSTATE 0x0001000000000000ULL
#define PSW_MASK_CC     0x0000300000000000ULL
#define PSW_CC_SHIFT    44
/* Control registers after an initial CPU reset (Principles of Operation). */
#define CR0_RESET  0x00000000000000e0ULL
#define CR14_RESET 0x00000000c2000000ULL

typedef struct S390KvmVm {
    bool flic;               /* KVM_CREATE_IRQCHIP made the in-kernel FLIC */
} S390KvmVm;

/* The VM the service signal goes to (the injector has no context). */
static KVMState *service_vm;

/* The service signal is a floating interrupt: it goes to the VM fd. */
static void kvm_s390_inject_service(uint32_t param)
{
    struct kvm_s390_interrupt irq = {
        .type = KVM_S390_INT_SERVICE,
        .parm = param,
    };

    if (service_vm &&
        kvm_ioctl_call(service_vm->vm_fd, KVM_S390_INTERRUPT, &irq) < 0) {
        /* No caller to report to, and a lost signal hangs the guest. */
        fprintf(stderr, "kite: KVM_S390_INTERRUPT (service signal) failed: %s\n",
                g_strerror(errno));
    }
}

static int check_extension(int fd, long cap)
{
    int r = kvm_ioctl_int(fd, KVM_CHECK_EXTENSION, cap);
    return r < 0 ? 0 : r;
}

bool kvm_arch_vm_init(KVMState *s, GError **errp)
{
    S390KvmVm *vm;

    /* The intercept handler reads the prefix and GPRs from kvm_run. */
    if (!check_extension(s->vm_fd, KVM_CAP_SYNC_REGS)) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: the kernel lacks KVM_CAP_SYNC_REGS");
        return false;
    }
    vm = kvm_alloc0(sizeof(*vm));
    if (!vm) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: out of memory creating the VM");
        return false;
    }
    /* The in-kernel floating interrupt controller must be enabled as a VM
     * capability before KVM_CREATE_IRQCHIP creates it. */
    if (check_extension(s->vm_fd, KVM_CAP_S390_IRQCHIP) > 0) {
        struct kvm_enable_cap cap = { .cap = KVM_CAP_S390_IRQCHIP };

        if (kvm_ioctl_call(s->vm_fd, KVM_ENABLE_CAP, &cap) < 0 ||
            kvm_ioctl_int(s->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                        "kvm: creating the in-kernel interrupt controller "
                        "failed: %s", g_strerror(errno));
            g_free(vm);
            return false;
        }
        vm->flic = true;
    }
    s->arch = vm;
    service_vm = s;
    s390_set_service_injector(kvm_s390_inject_service);
    return true;
}

void kvm_arch_vm_destroy(KVMState *s)
{
    if (service_vm == s) {
        s390_set_service_injector(NULL);
        service_vm = NULL;
    }
    g_free(s->arch);
    s->arch = NULL;
}

bool kvm_arch_vcpu_create(KvmVcpu *v, GError **errp)
{
    /* GPRs and access registers are zero after reset; the PSW and the
     * prefix are cleared by KVM_S390_INITIAL_RESET (kvm_arch_vcpu_reset). */
    memset(&v->reset_regs, 0, sizeof(v->reset_regs));
    memset(&v->reset_sregs, 0, sizeof(v->reset_sregs));
    v->reset_sregs.crs[0] = CR0_RESET;
    v->reset_sregs.crs[14] = CR14_RESET;
    v->arch = NULL;
    return true;
}

void kvm_arch_vcpu_destroy(KvmVcpu *v)
{
}

bool kvm_arch_vcpu_reset(KvmVcpu *v, GError **errp)
{
    if (kvm_ioctl_int(v->fd, KVM_S390_INITIAL_RESET, 0) < 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "kvm: vCPU %d: KVM_S390_INITIAL_RESET failed: %s",
                    v->index, g_strerror(errno));
        return false;
    }
    return true;
}

static bool kvm_s390_program_interrupt(KvmVcpu *v, uint16_t code)
{
    struct kvm_s390_interrupt irq = {
        .type = KVM_S390_PROGRAM_INT,
        .parm = code,
    };

    if (kvm_ioctl_call(v->fd, KVM_S390_INTERRUPT, &irq) < 0) {
        fprintf(stderr, "kite: vCPU %d: injecting program interrupt 0x%04x "
                "failed: %s\n", v->index, code, g_strerror(errno));
        return false;
    }
    return true;
}

static S390CPU *kvm_s390_cpu(KvmVcpu *v)
{
    return v->cpu ? S390_CPU(v->cpu) : s390_cpu_get(v->index);
}

/* SERVC R1,R2: R1 holds the command word, R2 the SCCB address.  Runs with
 * the big lock held (the generic loop takes it for every exit). */
static bool kvm_s390_handle_servc(KvmVcpu *v)
{
    struct kvm_run *run = v->run;
    uint32_t ipb = run->s390_sieic.ipb;
    SCLPDevice *sclp = sclp_get();
    S390CPU *cpu = kvm_s390_cpu(v);
    uint64_t r1, r2;
    int r;

    if (!sclp || !cpu) {
        return kvm_s390_program_interrupt(v, PGM_OPERATION);
    }
    if (run->kvm_valid_regs & KVM_SYNC_GPRS) {
        r1 = run->s.regs.gprs[IPB_RRE_R1(ipb)];
        r2 = run->s.regs.gprs[IPB_RRE_R2(ipb)];
    } else {
        struct kvm_regs regs;

        if (kvm_ioctl_call(v->fd, KVM_GET_REGS, &regs) < 0) {
            fprintf(stderr, "kite: vCPU %d: KVM_GET_REGS failed: %s\n",
                    v->index, g_strerror(errno));
            return false;
        }
        r1 = regs.gprs[IPB_RRE_R1(ipb)];
        r2 = regs.gprs[IPB_RRE_R2(ipb)];
    }
    /* The model checks the SCCB against this CPU's state. */
    cpu->problem_state = (run->psw_mask & PSW_MASK_PSTATE) != 0;
    if (run->kvm_valid_regs & KVM_SYNC_PREFIX) {
        cpu->prefix = run->s.regs.prefix;
    }
    r = sclp_service_call(sclp, cpu, (uint32_t)r1, r2);
    if (r < 0) {
        return kvm_s390_program_interrupt(v, (uint16_t)-r);
    }
    /* KVM loads the PSW from kvm_run on the next KVM_RUN. */
    run->psw_mask = (run->psw_mask & ~PSW_MASK_CC) |
                    ((uint64_t)(r & 3) << PSW_CC_SHIFT);
    return true;
}

bool kvm_arch_handle_exit(KvmVcpu *v)
{
    struct kvm_run *run = v->run;

    if (run->exit_reason != KVM_EXIT_S390_SIEIC ||
        run->s390_sieic.icptcode != ICPT_INSTRUCTION) {
        return false;
    }
    if (run->s390_sieic.ipa == IPA_SERVC) {
        return kvm_s390_handle_servc(v);
    }
    /* An instruction Kite does not implement: as on a machine without
     * the facility, the guest gets an operation exception. */
    return kvm_s390_program_interrupt(v, PGM_OPERATION);
}

void kvm_arch_dump_state(KvmVcpu *v, FILE *out)
{
    struct kvm_regs r;

    if (v->run) {
        fprintf(out, "  PSW=%016llx %016llx\n",
                (unsigned long long)v->run->psw_mask,
                (unsigned long long)v->run->psw_addr);
        if (v->run->exit_reason == KVM_EXIT_S390_SIEIC) {
            fprintf(out, "  SIE intercept %02x ipa %04x ipb %08x\n",
                    v->run->s390_sieic.icptcode, v->run->s390_sieic.ipa,
                    v->run->s390_sieic.ipb);
        }
        if (v->run->kvm_valid_regs & KVM_SYNC_PREFIX) {
            fprintf(out, "  prefix %08llx\n",
                    (unsigned long long)v->run->s.regs.prefix);
        }
    }
    if (kvm_ioctl_call(v->fd, KVM_GET_REGS, &r) < 0) {
        fprintf(out, "  (registers unavailable: %s)\n", g_strerror(errno));
        return;
    }
    for (int i = 0; i < 16; i += 4) {
        fprintf(out, "  R%02d=%016llx R%02d=%016llx R%02d=%016llx R%02d=%016llx\n",
                i, (unsigned long long)r.gprs[i],
                i + 1, (unsigned long long)r.gprs[i + 1],
                i + 2, (unsigned long long)r.gprs[i + 2],
                i + 3, (unsigned long long)r.gprs[i + 3]);
    }
}
