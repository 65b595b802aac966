/*
 * Timer interrupt latency and jitter for bench/hyperv-timer: a Hyper-V
 * synthetic timer (stimer0) in direct mode (a plain APIC vector), in
 * message mode (a SynIC message on SINT2), and the local APIC timer, all
 * timed against the reference counter (TIME_REF_COUNT, 100 ns units).
 *
 * For each timer: latency of one-shot expiries 1 ms ahead (handler entry
 * minus the programmed expiry), and the spread of the intervals between
 * handler entries of a 1 ms periodic timer (jitter).  The LAPIC timer's
 * rate is calibrated against the reference counter first; its one-shot
 * expiry is the arming time plus the calibrated 1 ms, so a calibration
 * error e adds at most e x 1 ms to its latency; with hv-frequencies the
 * rate comes from the APIC frequency MSR instead.
 *
 * Command line: "ticks=N" (default 1000).  "nodirect" when the VMM does
 * not offer direct mode.  Prints "bench: ..." lines and exits 0 when
 * every expiry arrived.
 */
#include "hv-lib.h"

#define SINT          2
#define VEC_LAPIC     0x30
#define VEC_DIRECT    0x40
#define VEC_SINT      0x41
#define PERIOD        10000u        /* 1 ms in 100 ns units */
#define SECOND        10000000ull
#define MAX_TICKS     2000u
#define MSR_APIC_FREQUENCY 0x40000023u

/* Local APIC registers (SDM vol. 3, 10.5.4 "APIC Timer"). */
#define APIC_LVT_TIMER      0x320
#define APIC_TIMER_INIT     0x380
#define APIC_TIMER_CUR      0x390
#define APIC_TIMER_DIV      0x3e0
#define LVT_MASKED          (1u << 16)
#define LVT_PERIODIC        (1u << 17)
#define APIC_DIV_1          0xb

enum { MODE_DIRECT, MODE_MESSAGE, MODE_LAPIC, MODE_COUNT };
static const char *const mode_name[MODE_COUNT] = { "direct", "message", "lapic" };

static volatile uint32_t irqs;
static volatile uint64_t seen[MAX_TICKS + 1];
static uint32_t lapic_per_ms;   /* APIC timer counts in 1 ms */

static void record(void)
{
    uint64_t now = ref_time();

    if (irqs <= MAX_TICKS) {
        seen[irqs] = now;
    }
    irqs++;
}

static void on_direct(void)
{
    record();
    apic_eoi();
}

static void on_lapic(void)
{
    record();
    apic_eoi();
}

static void on_sint(void)
{
    HvMessage *m = &hv_simp[SINT];

    if (m->type == HVMSG_TIMER_EXPIRED) {
        record();
        m->type = 0;
        __asm__ volatile("mfence" ::: "memory");
        if (m->flags & MSG_FLAG_PENDING) {
            wrmsr(MSR_EOM, 0);
        }
    }
    apic_eoi();
}

static void stop(int mode)
{
    if (mode == MODE_LAPIC) {
        apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC);
        apic_write(APIC_TIMER_INIT, 0);
    } else {
        wrmsr(MSR_STIMER_CONFIG(0), 0);
        wrmsr(MSR_STIMER_COUNT(0), 0);
    }
}

/* Arm a 1 ms timer of @mode; returns the reference time it expires at. */
static uint64_t arm(int mode, int periodic)
{
    uint64_t now;

    if (mode == MODE_LAPIC) {
        apic_write(APIC_TIMER_DIV, APIC_DIV_1);
        apic_write(APIC_LVT_TIMER, VEC_LAPIC | (periodic ? LVT_PERIODIC : 0));
        now = ref_time();
        apic_write(APIC_TIMER_INIT, lapic_per_ms);
        return now + PERIOD;
    }
    if (periodic) {
        /* Periodic: the count is the period, counted from the enable. */
        wrmsr(MSR_STIMER_COUNT(0), PERIOD);
        now = ref_time();
    } else {
        /* One-shot: the count is an absolute reference time. */
        now = ref_time();
        wrmsr(MSR_STIMER_COUNT(0), now + PERIOD);
    }
    wrmsr(MSR_STIMER_CONFIG(0), STIMER_ENABLE |
          (periodic ? STIMER_PERIODIC : 0) |
          (mode == MODE_DIRECT ? STIMER_DIRECT | STIMER_VECTOR(VEC_DIRECT)
                               : STIMER_SINT(SINT)));
    return now + PERIOD;
}

/* Let stray expiries of a stopped timer arrive before the next run. */
static void settle(void)
{
    volatile uint32_t never = 0;

    wait_count(&never, 1, 20 * PERIOD);
}

static uint32_t isqrt64(uint64_t v)
{
    uint64_t r = 0;

    for (int b = 31; b >= 0; b--) {
        uint64_t t = r | (1ull << b);

        if (t * t <= v) {
            r = t;
        }
    }
    return (uint32_t)r;
}

static int bench_one_shot(int mode, uint32_t n)
{
    uint64_t sum = 0, max = 0, min = ~0ull;
    uint32_t got = 0;

    settle();
    for (uint32_t i = 0; i < n; i++) {
        uint64_t expiry, lat;

        irqs = 0;
        expiry = arm(mode, 0);
        wait_count(&irqs, 1, 5 * SECOND);
        stop(mode);
        if (!irqs) {
            continue;
        }
        /* Not early: a handler before the expiry counts as zero. */
        lat = seen[0] > expiry ? seen[0] - expiry : 0;
        sum += lat;
        max = lat > max ? lat : max;
        min = lat < min ? lat : min;
        got++;
    }
    guest_printf("bench: %s one-shot latency n=%d mean=%d min=%d max=%d "
                 "(x100ns)\n", mode_name[mode], (int)got,
                 got ? (int)div64(sum, got) : 0, got ? (int)min : 0, (int)max);
    guest_check(got == n, "one-shot expiries delivered", got, n);
    return got == n;
}

static int bench_periodic(int mode, uint32_t n)
{
    uint64_t sum = 0, sq = 0, max = 0, min = ~0ull, mean, t0;
    uint32_t got;

    settle();
    irqs = 0;
    t0 = arm(mode, 1) - PERIOD;
    wait_count(&irqs, n, 20 * SECOND + n * 20ull * PERIOD);
    stop(mode);
    got = irqs < n ? irqs : n;
    if (got < 2) {
        guest_check(0, "periodic ticks delivered", got, n);
        return 0;
    }
    for (uint32_t i = 1; i < got; i++) {
        uint64_t d = seen[i] - seen[i - 1];

        sum += d;
        max = d > max ? d : max;
        min = d < min ? d : min;
    }
    mean = div64(sum, got - 1);
    for (uint32_t i = 1; i < got; i++) {
        uint64_t d = seen[i] - seen[i - 1];
        uint64_t dev = d > mean ? d - mean : mean - d;

        sq += dev * dev;
    }
    guest_printf("bench: %s periodic interval n=%d mean=%d sd=%d min=%d "
                 "max=%d total=%d (x100ns)\n", mode_name[mode], (int)got - 1,
                 (int)mean, (int)isqrt64(div64(sq, got - 1)), (int)min,
                 (int)max, (int)(uint32_t)(seen[got - 1] - t0));
    guest_check(got == n, "periodic ticks delivered", got, n);
    return got == n;
}

/* APIC timer counts per 1 ms: from the APIC frequency MSR when the
 * frequency MSRs are offered (TLFS: CPUID 0x40000003 EAX bit 11, EDX bit
 * 8), else measured against the reference counter over 50 ms. */
static void calibrate_lapic(const uint32_t feat[4])
{
    uint64_t t0, t1;
    uint32_t c1;

    if ((feat[0] & (1u << 11)) && (feat[3] & (1u << 8))) {
        lapic_per_ms = (uint32_t)div64(rdmsr(MSR_APIC_FREQUENCY), 1000);
        guest_printf("bench: lapic timer %d counts per ms (frequency MSR)\n",
                     (int)lapic_per_ms);
        return;
    }
    apic_write(APIC_TIMER_DIV, APIC_DIV_1);
    apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC);
    t0 = ref_time();
    apic_write(APIC_TIMER_INIT, 0xffffffffu);
    while ((t1 = ref_time()) < t0 + 50 * PERIOD) {
        __asm__ volatile("pause");
    }
    c1 = apic_read(APIC_TIMER_CUR);
    t1 = ref_time() / 2 + t1 / 2;   /* the count was read between the two */
    apic_write(APIC_TIMER_INIT, 0);
    lapic_per_ms = (uint32_t)div64((uint64_t)(0xffffffffu - c1) * PERIOD,
                                   (uint32_t)(t1 - t0));
    guest_printf("bench: lapic timer %d counts per ms (measured)\n",
                 (int)lapic_per_ms);
}

static uint32_t ticks_from(const char *cmd)
{
    uint32_t n = 0;

    for (const char *p = cmd; *p; p++) {
        if ((p == cmd || p[-1] == ' ') && !memcmp(p, "ticks=", 6)) {
            for (p += 6; *p >= '0' && *p <= '9'; p++) {
                n = n * 10 + (uint32_t)(*p - '0');
            }
            break;
        }
    }
    return n && n <= MAX_TICKS ? n : 1000;
}

int guest_main(uint32_t magic, uint32_t info)
{
    const char *cmd = mb_cmdline(magic, info);
    uint32_t n = ticks_from(cmd), r[4];

    hv_setup_cpu();
    hv_set_handler(VEC_DIRECT, on_direct);
    hv_set_handler(VEC_SINT, on_sint);
    hv_set_handler(VEC_LAPIC, on_lapic);
    cpuid(0x40000003, 0, r);
    guest_check((r[0] & 0xe) == 0xe, "reference counter, SynIC and timers "
                "offered", r[0], 0xe);
    if ((r[0] & 0xe) != 0xe) {
        return guest_failures();
    }
    wrmsr(MSR_SIMP, (uint32_t)hv_simp | 1);
    wrmsr(MSR_SIEFP, (uint32_t)hv_siefp | 1);
    wrmsr(MSR_SINT(SINT), VEC_SINT);
    wrmsr(MSR_SCONTROL, 1);
    calibrate_lapic(r);
    for (int mode = 0; mode < MODE_COUNT; mode++) {
        if (mode == MODE_DIRECT && !((r[3] >> 19) & 1)) {
            guest_printf("bench: direct not offered\n");
            continue;
        }
        bench_one_shot(mode, n);
        bench_periodic(mode, n);
    }
    guest_printf("bench: %d failures\n", guest_failures());
    return guest_failures();
}
