/*
 * s390x arch hooks of the KVM accelerator (built on s390x hosts only).
 * SERVC is intercepted by SIE and handed to the same SCLP model qtest
 * drives; the service signal goes back with KVM_S390_INT_SERVICE.
 */
#include "kite/kvm/kvm.h"
#include "kite/kvm/kvm-ioctl.h"
#include "kite/bql.h"
#include "kite/s390x/sclp.h"
#include <errno.h>

/* SIE intercept code for an instruction the kernel leaves to us. */
#define ICPT_INSTRUCTION 0x04
/* SERVC is opcode 0xB220 (RRE format: R1 and R2 in the IPB). */
#define IPA_SERVC 0xb220
/* PSW bit 15: problem state; bits 18-19: the condition code. */
#define PSW_MASK_PSTATE 0x0001000000000000ULL
#define PSW_MASK_CC     0x0000300000000000ULL
#define PSW_CC_SHIFT    44

static int s390_vm_fd = -1;

/* Inject the service signal into the VM (floating interrupt). */
static void kvm_s390_inject_service(uint32_t param)
{
    struct kvm_s390_interrupt irq = {
        .type = KVM_S390_INT_SERVICE,
        .parm = param,
    };
    if (s390_vm_fd >= 0 &&
        kvm_ioctl_call(s390_vm_fd, KVM_S390_INTERRUPT, &irq) < 0) {
        fprintf(stderr, "kite: KVM_S390_INTERRUPT (service) failed: %s\n",
                g_strerror(errno));
    }
}

bool kvm_arch_vm_init(KVMState *s, GError **errp)
{
    s390_vm_fd = s->vm_fd;
    s390_set_service_injector(kvm_s390_inject_service);
    return true;
}

void kvm_arch_vm_destroy(KVMState *s)
{
    s390_set_service_injector(NULL);
    s390_vm_fd = -1;
}

bool kvm_arch_vcpu_create(KvmVcpu *v, GError **errp)
{
    memset(&v->reset_regs, 0, sizeof(v->reset_regs));
    memset(&v->reset_sregs, 0, sizeof(v->reset_sregs));
    v->arch = NULL;
    return true;
}

void kvm_arch_vcpu_destroy(KvmVcpu *v)
{
}

static bool kvm_s390_program_interrupt(KvmVcpu *v, uint16_t code)
{
    struct kvm_s390_interrupt irq = {
        .type = KVM_S390_PROGRAM_INT,
        .parm = code,
    };
    return kvm_ioctl_call(v->fd, KVM_S390_INTERRUPT, &irq) == 0;
}

static bool kvm_s390_handle_servc(KvmVcpu *v)
{
    struct kvm_run *run = v->run;
    struct kvm_regs regs;
    uint32_t ipb = run->s390_sieic.ipb;
    unsigned r1 = (ipb >> 28) & 0xf;
    unsigned r2 = (ipb >> 24) & 0xf;
    S390CPU *cpu = S390_CPU(v->cpu);

    if (kvm_ioctl_call(v->fd, KVM_GET_REGS, &regs) < 0) {
        return false;
    }
    bql_lock();
    cpu->problem_state = run->psw_mask & PSW_MASK_PSTATE;
    if (run->kvm_valid_regs & KVM_SYNC_PREFIX) {
        cpu->prefix = run->s.regs.prefix;
    }
    int r = sclp_service_call(sclp_get(), cpu, (uint32_t)regs.gprs[r1],
                              regs.gprs[r2]);
    bql_unlock();
    if (r < 0) {
        return kvm_s390_program_interrupt(v, (uint16_t)-r);
    }
    /* KVM reloads the PSW from kvm_run on the next KVM_RUN. */
    run->psw_mask = (run->psw_mask & ~PSW_MASK_CC) |
                    ((uint64_t)r << PSW_CC_SHIFT);
    return true;
}

bool kvm_arch_handle_exit(KvmVcpu *v)
{
    struct kvm_run *run = v->run;

    if (run->exit_reason != KVM_EXIT_S390_SIEIC) {
        return false;
    }
    if (run->s390_sieic.icptcode == ICPT_INSTRUCTION &&
        run->s390_sieic.ipa == IPA_SERVC) {
        return kvm_s390_handle_servc(v);
    }
    return false;
}

void kvm_arch_dump_state(KvmVcpu *v, FILE *out)
{
    if (!v->run) {
        return;
    }
    fprintf(out, "PSW=mask %016llx addr %016llx\n",
            (unsigned long long)v->run->psw_mask,
            (unsigned long long)v->run->psw_addr);
    if (v->run->exit_reason == KVM_EXIT_S390_SIEIC) {
        fprintf(out, "SIE intercept %02x ipa %04x ipb %08x\n",
                v->run->s390_sieic.icptcode, v->run->s390_sieic.ipa,
                v->run->s390_sieic.ipb);
    }
}
