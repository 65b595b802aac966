/*
 * s390x CPUs: the per-CPU state the SCLP model and the qtest commands need
 * (prefix register, PSW problem-state bit, pending external interrupts).
 */
#ifndef KITE_S390X_CPU_H
#define KITE_S390X_CPU_H

#include "kite/cpu.h"

#define TYPE_S390_CPU "s390x-cpu"
#define S390_CPU_TYPE_SUFFIX "-s390x-cpu"

/* Program-interruption codes (Principles of Operation, chapter 6). */
#define S390_PGM_PRIVILEGED    0x0002
#define S390_PGM_ADDRESSING    0x0005
#define S390_PGM_SPECIFICATION 0x0006

/* External-interruption codes. */
#define S390_EXT_SERVICE       0x2401

/* The prefix area is 8 KiB, aligned to 8 KiB. */
#define S390_PREFIX_SIZE       0x2000ULL
#define S390_PREFIX_MASK       0x7fffe000ULL

typedef struct S390ExtInt {
    uint16_t code;
    uint32_t param;
} S390ExtInt;

typedef struct S390CPU {
    CPUState parent_obj;
    uint64_t prefix;          /* prefix register: 8 KiB aligned, < 2 GiB */
    bool problem_state;       /* PSW bit 15 */
    bool extended_length_sccb;/* "els" facility: large Read SCP/CPU Info */
    GMutex lock;              /* guards ext_queue (vCPU threads vs main loop) */
    GQueue ext_queue;         /* S390ExtInt *, oldest first */
} S390CPU;

#define S390_CPU(o) OBJECT_CHECK(S390CPU, (o), TYPE_S390_CPU)

/* CPU @index as an S390CPU, or NULL when there is none. */
S390CPU *s390_cpu_get(int index);

/* Set the prefix register; false with *errp set unless 8 KiB aligned and
 * below 2 GiB. */
bool s390_cpu_set_prefix(S390CPU *cpu, uint64_t prefix, GError **errp);

/*
 * Make an external interrupt pending.  A service signal already pending
 * absorbs a new one, its parameter ORed in, as the architecture keeps one
 * service-signal condition per configuration.
 */
void s390_cpu_inject_ext(S390CPU *cpu, uint16_t code, uint32_t param);
/* Pop the oldest pending external interrupt; false when none. */
bool s390_cpu_pop_ext(S390CPU *cpu, S390ExtInt *out);
/* Drop every pending interrupt (reset). */
void s390_cpu_clear_ext(S390CPU *cpu);

/*
 * Raise the service-signal external interrupt for the configuration.
 * Under qtest it is queued on CPU 0; under KVM the accelerator hook set
 * with s390_set_service_injector() injects it into the VM.
 */
void s390_sclp_extint(uint32_t param);
typedef void S390ServiceInjectFn(uint32_t param);
void s390_set_service_injector(S390ServiceInjectFn *fn);

#endif
