/*
 * Synthetic timers on KVM's SynIC (TLFS "Synthetic Timers"): SynIC
 * enable, stimer0/1 periodic in message mode with elapsed time checked
 * against TIME_REF_COUNT, one-shot, auto-enable one-shot and periodic,
 * direct mode (a plain APIC vector, never a message), and the busy
 * message slot (no delivery until EOM).  "nodirect" on the command line:
 * the direct-mode bit must be absent and those cases are reported skipped.
 * "smp": vCPU 1 is started and runs periodic message and direct timers
 * of its own at the same time.  (Latency figures: hv-timer-bench.c.)
 */
#include "hv-lib.h"

#define SINT        2               /* stimer0 and the one-shots */
#define SINT_B      3               /* stimer1 in the periodic case */
#define VEC_SINT    0x41
#define VEC_SINT_B  0x42
#define VEC_DIRECT  0x40
#define PERIOD      10000u          /* 1 ms in 100 ns units */
#define TICKS       200u
#define SECOND      10000000ull

static volatile uint32_t sint_irqs, direct_irqs, leave_busy;
static volatile uint32_t timer_msgs[4];
static volatile uint64_t last_exp[4], last_seen[4], first_exp[4];

static void take_message(HvMessage *m)
{
    sint_irqs++;
    if (m->type == HVMSG_TIMER_EXPIRED) {
        uint64_t exp = (uint64_t)m->expiration_hi << 32 | m->expiration_lo;
        uint64_t now = ref_time();

        if (!timer_msgs[m->timer_index & 3]) {
            first_exp[m->timer_index & 3] = exp;
        }
        timer_msgs[m->timer_index & 3]++;
        last_exp[m->timer_index & 3] = exp;
        last_seen[m->timer_index & 3] = now;
        if (!leave_busy) {
            m->type = 0;
            __asm__ volatile("mfence" ::: "memory");
            if (m->flags & MSG_FLAG_PENDING) {
                wrmsr(MSR_EOM, 0);
            }
        }
    }
    apic_eoi();
}

static void on_sint(void)
{
    take_message(&hv_simp[SINT]);
}

static void on_sint_b(void)
{
    take_message(&hv_simp[SINT_B]);
}

/* Let expiries still queued after a stop arrive, then forget them. */
static void drain(void)
{
    volatile uint32_t never = 0;

    wait_count(&never, 1, 100 * PERIOD);
    for (int i = 0; i < 4; i++) {
        timer_msgs[i] = 0;
    }
}

static void on_direct(void)
{
    uint64_t now = ref_time();

    direct_irqs++;
    last_seen[3] = now;
    apic_eoi();
}

static int slots_clean(void)
{
    for (int i = 0; i < 16; i++) {
        if (hv_simp[i].type != 0) {
            return 0;
        }
    }
    return 1;
}

static void stop_timers(void)
{
    for (uint32_t t = 0; t < 4; t++) {
        wrmsr(MSR_STIMER_CONFIG(t), 0);
        wrmsr(MSR_STIMER_COUNT(t), 0);
    }
}

/* Elapsed reference time for @ticks periods: not early, and not absurdly
 * late.  The bound is loose because the test host may itself be emulated
 * (kvm-run's L1 under TCG runs a 1 ms timer several times slower); the
 * exact period is checked on the expiration times in the messages. */
static void check_elapsed(const char *what, uint64_t elapsed, uint32_t ticks)
{
    uint64_t want = (uint64_t)ticks * PERIOD;

    guest_printf("%s: %d ticks in %d us (nominal %d us)\n", what, (int)ticks,
                 (int)(uint32_t)div64(elapsed, 10), (int)(uint32_t)div64(want, 10));
    guest_check(elapsed + PERIOD >= want, "not faster than the period",
                (uint32_t)elapsed, (uint32_t)want);
    guest_check(elapsed <= want * 20, "within 20x of nominal",
                (uint32_t)elapsed, (uint32_t)want);
}


/* ---- the second vCPU (started with INIT/SIPI through hv-ap.S) ---- */

#define VEC_AP_SINT   0x43
#define VEC_AP_DIRECT 0x44

static HvMessage ap_simp[16] __attribute__((aligned(4096)));
static uint8_t ap_siefp[4096] __attribute__((aligned(4096)));
static volatile uint32_t ap_msgs, ap_direct, ap_done, ap_vp_index, ap_scontrol;
static volatile uint32_t ap_use_direct;
static volatile uint64_t ap_msg_elapsed, ap_direct_elapsed;
void hv_ap_main(void);
extern char hv_ap_tramp_start[], hv_ap_tramp_end[];

static void delay(uint64_t units)
{
    uint64_t end = ref_time() + units;

    while (ref_time() < end) {
        __asm__ volatile("pause");
    }
}

static void hv_start_ap(uint8_t apic_id)
{
    volatile uint8_t *dst = (volatile uint8_t *)0x8000;

    for (char *p = hv_ap_tramp_start; p < hv_ap_tramp_end; p++) {
        *dst++ = *p;
    }
    /* INIT, then STARTUP twice with vector 8 (0x8000), SDM 8.4.4. */
    apic_write(0x310, (uint32_t)apic_id << 24);
    apic_write(0x300, 0x4500);
    delay(100000);
    for (int i = 0; i < 2; i++) {
        apic_write(0x310, (uint32_t)apic_id << 24);
        apic_write(0x300, 0x4608);
        delay(2000);
    }
}

static void on_ap_sint(void)
{
    HvMessage *m = &ap_simp[SINT];

    if (m->type == HVMSG_TIMER_EXPIRED) {
        ap_msgs++;
        m->type = 0;
        __asm__ volatile("mfence" ::: "memory");
        if (m->flags & MSG_FLAG_PENDING) {
            wrmsr(MSR_EOM, 0);
        }
    }
    apic_eoi();
}

static void on_ap_direct(void)
{
    ap_direct++;
    apic_eoi();
}

/* The same periodic cases on the second vCPU, at the same time as the
 * boot CPU's; results are left for the boot CPU to check and print. */
void hv_ap_main(void)
{
    uint64_t t0;

    hv_setup_cpu();
    ap_vp_index = (uint32_t)rdmsr(MSR_VP_INDEX);
    wrmsr(MSR_SIMP, (uint32_t)ap_simp | 1);
    wrmsr(MSR_SIEFP, (uint32_t)ap_siefp | 1);
    wrmsr(MSR_SINT(SINT), VEC_AP_SINT);
    wrmsr(MSR_SCONTROL, 1);
    ap_scontrol = (uint32_t)rdmsr(MSR_SCONTROL);
    wrmsr(MSR_STIMER_COUNT(0), PERIOD);
    t0 = ref_time();
    wrmsr(MSR_STIMER_CONFIG(0), STIMER_ENABLE | STIMER_PERIODIC |
          STIMER_SINT(SINT));
    wait_count(&ap_msgs, TICKS, 10 * SECOND);
    ap_msg_elapsed = ref_time() - t0;
    wrmsr(MSR_STIMER_CONFIG(0), 0);
    if (ap_use_direct) {
        wrmsr(MSR_STIMER_COUNT(1), PERIOD);
        t0 = ref_time();
        wrmsr(MSR_STIMER_CONFIG(1), STIMER_ENABLE | STIMER_PERIODIC |
              STIMER_DIRECT | STIMER_VECTOR(VEC_AP_DIRECT));
        wait_count(&ap_direct, TICKS, 10 * SECOND);
        ap_direct_elapsed = ref_time() - t0;
        wrmsr(MSR_STIMER_CONFIG(1), 0);
    }
    ap_done = 1;
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

static void check_ap(int direct)
{
    volatile uint32_t *done = &ap_done;

    wait_count(done, 1, 30 * SECOND);
    guest_check(ap_done, "second vCPU finished", ap_done, 1);
    if (!ap_done) {
        return;
    }
    CHECK_EQ(ap_vp_index, 1u);
    CHECK_EQ(ap_scontrol, 1u);
    guest_check(ap_msgs >= TICKS, "vCPU 1 stimer0 periodic ticks", ap_msgs,
                TICKS);
    check_elapsed("hv-stimer: vCPU 1 periodic message", ap_msg_elapsed,
                  ap_msgs);
    if (direct) {
        guest_check(ap_direct >= TICKS, "vCPU 1 direct ticks", ap_direct,
                    TICKS);
        check_elapsed("hv-stimer: vCPU 1 periodic direct", ap_direct_elapsed,
                      ap_direct);
    }
}

static void test_synic_enable(void)
{
    wrmsr(MSR_SIMP, (uint32_t)hv_simp | 1);
    wrmsr(MSR_SIEFP, (uint32_t)hv_siefp | 1);
    wrmsr(MSR_SINT(SINT), VEC_SINT);
    wrmsr(MSR_SINT(SINT_B), VEC_SINT_B);
    wrmsr(MSR_SCONTROL, 1);
    CHECK_EQ((uint32_t)rdmsr(MSR_SCONTROL), 1u);
    CHECK_EQ((uint32_t)rdmsr(MSR_SVERSION), 1u);
    CHECK_EQ((uint32_t)rdmsr(MSR_SIMP), (uint32_t)hv_simp | 1);
    CHECK_EQ((uint32_t)rdmsr(MSR_SIEFP), (uint32_t)hv_siefp | 1);
    CHECK_EQ((uint32_t)rdmsr(MSR_SINT(SINT)), (uint32_t)VEC_SINT);
    /* The other SINTs start masked. */
    CHECK_EQ((uint32_t)rdmsr(MSR_SINT(5)) & SINT_MASKED, SINT_MASKED);
    guest_printf("hv-stimer: synic enabled\n");
}

static void test_periodic_message(void)
{
    uint64_t t0, t1;
    uint32_t n0;

    timer_msgs[0] = timer_msgs[1] = 0;
    wrmsr(MSR_STIMER_COUNT(0), PERIOD);
    wrmsr(MSR_STIMER_COUNT(1), PERIOD);
    t0 = ref_time();
    wrmsr(MSR_STIMER_CONFIG(0), STIMER_ENABLE | STIMER_PERIODIC |
          STIMER_SINT(SINT));
    wrmsr(MSR_STIMER_CONFIG(1), STIMER_ENABLE | STIMER_PERIODIC |
          STIMER_SINT(SINT_B));
    wait_count(&timer_msgs[0], TICKS, 10 * SECOND);
    t1 = ref_time();
    n0 = timer_msgs[0];
    wait_count(&timer_msgs[1], TICKS, 10 * SECOND);
    stop_timers();
    guest_check(timer_msgs[0] >= TICKS, "stimer0 periodic ticks",
                timer_msgs[0], TICKS);
    guest_check(timer_msgs[1] >= TICKS, "stimer1 periodic ticks",
                timer_msgs[1], TICKS);
    check_elapsed("hv-stimer: periodic message", t1 - t0, n0);
    /* Expiration times step by whole periods, at least n0 - 1 of them. */
    {
        uint64_t span = last_exp[0] - first_exp[0];
        uint64_t periods = div64(span, PERIOD);

        guest_check(periods * PERIOD == span, "expirations a whole number "
                    "of periods apart", (uint32_t)span, (uint32_t)periods);
        guest_check(periods + 1 >= timer_msgs[0], "no expiry before its "
                    "period", (uint32_t)periods, timer_msgs[0]);
        guest_check(first_exp[0] >= t0 + PERIOD, "first expiry not "
                    "before one period", (uint32_t)(first_exp[0] - t0),
                    PERIOD);
    }
    guest_check(direct_irqs == 0, "no direct interrupts in message mode",
                direct_irqs, 0);
}

static void test_one_shot(int auto_enable)
{
    uint32_t before;
    uint64_t expiry, done;

    drain();
    before = timer_msgs[0];
    if (auto_enable) {
        /* Enabled by the count write (TLFS: AutoEnable). */
        wrmsr(MSR_STIMER_CONFIG(0), STIMER_AUTO_ENABLE | STIMER_SINT(SINT));
        expiry = ref_time() + 2 * PERIOD;
        wrmsr(MSR_STIMER_COUNT(0), expiry);
    } else {
        expiry = ref_time() + 2 * PERIOD;
        wrmsr(MSR_STIMER_COUNT(0), expiry);
        wrmsr(MSR_STIMER_CONFIG(0), STIMER_ENABLE | STIMER_SINT(SINT));
    }
    wait_count(&timer_msgs[0], before + 1, SECOND);
    done = ref_time();
    guest_check(timer_msgs[0] == before + 1, auto_enable ?
                "auto-enable one-shot fired once" : "one-shot fired once",
                timer_msgs[0] - before, 1);
    (void)done;
    CHECK_EQ((uint32_t)last_exp[0], (uint32_t)expiry);
    guest_check(last_seen[0] >= expiry, "one-shot not early",
                (uint32_t)last_seen[0], (uint32_t)expiry);
    /* Nothing more comes, and the timer disabled itself. */
    wait_count(&timer_msgs[0], before + 2, 10 * PERIOD);
    CHECK_EQ(timer_msgs[0] - before, 1u);
    CHECK_EQ((uint32_t)rdmsr(MSR_STIMER_CONFIG(0)) & STIMER_ENABLE, 0u);
    stop_timers();
}

static void test_auto_enable_periodic(void)
{
    uint32_t before;

    drain();
    before = timer_msgs[1];

    wrmsr(MSR_STIMER_CONFIG(1), STIMER_AUTO_ENABLE | STIMER_PERIODIC |
          STIMER_SINT(SINT));
    wrmsr(MSR_STIMER_COUNT(1), PERIOD);
    CHECK_EQ((uint32_t)rdmsr(MSR_STIMER_CONFIG(1)) & STIMER_ENABLE,
             STIMER_ENABLE);
    wait_count(&timer_msgs[1], before + 20, 5 * SECOND);
    stop_timers();
    guest_check(timer_msgs[1] - before >= 20, "auto-enable periodic ticks",
                timer_msgs[1] - before, 20);
}

static void test_direct(void)
{
    uint32_t msgs;
    uint64_t t0, t1;

    drain();
    msgs = sint_irqs;

    direct_irqs = 0;
    wrmsr(MSR_STIMER_COUNT(0), PERIOD);
    t0 = ref_time();
    wrmsr(MSR_STIMER_CONFIG(0), STIMER_ENABLE | STIMER_PERIODIC |
          STIMER_DIRECT | STIMER_VECTOR(VEC_DIRECT));
    wait_count(&direct_irqs, TICKS, 10 * SECOND);
    t1 = ref_time();
    stop_timers();
    guest_check(direct_irqs >= TICKS, "direct periodic ticks", direct_irqs,
                TICKS);
    check_elapsed("hv-stimer: periodic direct", t1 - t0, direct_irqs);
    guest_check(sint_irqs == msgs, "direct mode never sends a message",
                sint_irqs - msgs, 0);
    guest_check(slots_clean(), "message slots empty after direct mode", 0, 0);

    /* One-shot in direct mode. */
    direct_irqs = 0;
    wrmsr(MSR_STIMER_COUNT(1), ref_time() + 2 * PERIOD);
    wrmsr(MSR_STIMER_CONFIG(1), STIMER_ENABLE | STIMER_DIRECT |
          STIMER_VECTOR(VEC_DIRECT));
    wait_count(&direct_irqs, 1, SECOND);
    wait_count(&direct_irqs, 2, 20 * PERIOD);   /* and no second one */
    CHECK_EQ(direct_irqs, 1u);
    guest_check(sint_irqs == msgs, "direct one-shot sends no message",
                sint_irqs - msgs, 0);
    stop_timers();
}

static void test_slot_busy(void)
{
    HvMessage *m = &hv_simp[SINT];
    uint32_t t0msgs, t1msgs;

    drain();
    t0msgs = timer_msgs[0];
    t1msgs = timer_msgs[1];

    leave_busy = 1;
    wrmsr(MSR_STIMER_COUNT(0), ref_time() + PERIOD);
    wrmsr(MSR_STIMER_CONFIG(0), STIMER_ENABLE | STIMER_SINT(SINT));
    wait_count(&timer_msgs[0], t0msgs + 1, SECOND);
    CHECK_EQ(timer_msgs[0] - t0msgs, 1u);
    /* Slot still holds stimer0's message: stimer1's expiry must wait. */
    wrmsr(MSR_STIMER_COUNT(1), ref_time() + PERIOD);
    wrmsr(MSR_STIMER_CONFIG(1), STIMER_ENABLE | STIMER_SINT(SINT));
    wait_count(&timer_msgs[1], t1msgs + 1, 20 * PERIOD);
    guest_check(timer_msgs[1] == t1msgs, "no delivery while the slot is busy",
                timer_msgs[1] - t1msgs, 0);
    CHECK_EQ(m->timer_index, 0u);
    guest_check(m->flags & MSG_FLAG_PENDING, "message pending flag set",
                m->flags, MSG_FLAG_PENDING);
    /* Free the slot, say EOM: the waiting expiry arrives. */
    leave_busy = 0;
    m->type = 0;
    __asm__ volatile("mfence" ::: "memory");
    wrmsr(MSR_EOM, 0);
    wait_count(&timer_msgs[1], t1msgs + 1, SECOND);
    CHECK_EQ(timer_msgs[1] - t1msgs, 1u);
    stop_timers();
    guest_printf("hv-stimer: slot-busy done\n");
}

int guest_main(uint32_t magic, uint32_t info)
{
    const char *cmd = mb_cmdline(magic, info);
    uint32_t r[4];
    int direct;
    /* Read now: the second vCPU's start code goes to 0x8000. */
    int smp = has_word(cmd, "smp");
    int nodirect = has_word(cmd, "nodirect");

    hv_setup_cpu();
    hv_set_handler(VEC_SINT, on_sint);
    hv_set_handler(VEC_SINT_B, on_sint_b);
    hv_set_handler(VEC_DIRECT, on_direct);
    cpuid(0x40000003, 0, r);
    guest_check((r[0] & 0xc) == 0xc, "SynIC and timers offered", r[0], 0xc);
    if ((r[0] & 0xc) != 0xc) {
        return guest_failures();
    }
    direct = (r[3] >> 19) & 1;
    if (nodirect) {
        CHECK_EQ(direct, 0);
    } else {
        CHECK_EQ(direct, 1);
    }
    test_synic_enable();
    if (smp) {
        ap_use_direct = direct;
        hv_set_handler(VEC_AP_SINT, on_ap_sint);
        hv_set_handler(VEC_AP_DIRECT, on_ap_direct);
        hv_start_ap(1);
    }
    test_periodic_message();
    test_one_shot(0);
    test_one_shot(1);
    test_auto_enable_periodic();
    if (direct) {
        test_direct();
    } else {
        guest_printf("hv-stimer: direct mode not offered (CPUID "
                     "0x40000003 EDX bit 19 clear), direct cases skipped\n");
    }
    test_slot_busy();
    if (smp) {
        check_ap(direct);
    }
    guest_printf("hv-stimer: %d failures\n", guest_failures());
    return guest_failures();
}
