/*
 * Hyper-V helpers for the freestanding test kernels: MSRs, a GDT and IDT
 * of our own (interrupts need valid selectors to return to), the local
 * APIC, SynIC pages and the reference counter.  Facts from the Hyper-V
 * TLFS (MSR numbers, message layout) and the Intel SDM (APIC registers).
 */
#ifndef HV_LIB_H
#define HV_LIB_H

#include "guest.h"

#define MSR_GUEST_OS_ID      0x40000000u
#define MSR_VP_INDEX         0x40000002u
#define MSR_TIME_REF_COUNT   0x40000020u
#define MSR_SCONTROL         0x40000080u
#define MSR_SVERSION         0x40000081u
#define MSR_SIEFP            0x40000082u
#define MSR_SIMP             0x40000083u
#define MSR_EOM              0x40000084u
#define MSR_SINT(n)          (0x40000090u + (n))
#define MSR_STIMER_CONFIG(n) (0x400000B0u + 2 * (n))
#define MSR_STIMER_COUNT(n)  (0x400000B1u + 2 * (n))

#define STIMER_ENABLE        (1u << 0)
#define STIMER_PERIODIC      (1u << 1)
#define STIMER_AUTO_ENABLE   (1u << 3)
#define STIMER_VECTOR(v)     ((uint32_t)(v) << 4)
#define STIMER_DIRECT        (1u << 12)
#define STIMER_SINT(s)       ((uint32_t)(s) << 16)
#define SINT_MASKED          (1u << 16)

#define HVMSG_TIMER_EXPIRED  0x80000010u
#define MSG_FLAG_PENDING     0x01

/* One 256-byte SynIC message slot (TLFS "SynIC message format"). */
typedef struct HvMessage {
    volatile uint32_t type;
    volatile uint8_t payload_size;
    volatile uint8_t flags;
    volatile uint16_t reserved;
    volatile uint32_t origin[2];
    /* Timer payload: index, reserved, expiration, delivery. */
    volatile uint32_t timer_index;
    volatile uint32_t timer_reserved;
    volatile uint32_t expiration_lo, expiration_hi;
    volatile uint32_t delivery_lo, delivery_hi;
    uint8_t rest[256 - 40];
} HvMessage;

uint64_t rdmsr(uint32_t msr);
void wrmsr(uint32_t msr, uint64_t v);
/* 100 ns units since the partition started. */
static inline uint64_t ref_time(void) { return rdmsr(MSR_TIME_REF_COUNT); }

/* GDT, IDT, 8259 PICs masked, APIC enabled (spurious vector 0xff). */
void hv_setup_cpu(void);
void hv_set_handler(uint8_t vector, void (*fn)(void));
void apic_eoi(void);
uint32_t apic_read(uint32_t reg);
void apic_write(uint32_t reg, uint32_t v);
static inline void irq_enable(void) { __asm__ volatile("sti"); }
static inline void irq_disable(void) { __asm__ volatile("cli"); }
/* Take interrupts until *@counter >= @want or @timeout
 * (100 ns units) passes; returns the final count. */
uint32_t wait_count(volatile uint32_t *counter, uint32_t want,
                    uint64_t timeout);
/* The SynIC message page (4 KiB aligned), 16 slots. */
extern HvMessage hv_simp[16];
extern uint8_t hv_siefp[4096];
/* @n / @d without libgcc (32-bit kernels have no 64-bit divide). */
uint64_t div64(uint64_t n, uint32_t d);
/* The multiboot command line, or "". */
const char *mb_cmdline(uint32_t magic, uint32_t info);
/* Does @cmdline contain the word @word? */
int has_word(const char *cmdline, const char *word);

#endif
