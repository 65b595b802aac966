/*
 * The s390x KVM arch hooks against the recording fake of the KVM ioctl
 * layer: VM set-up (FLIC), vCPU reset state, and SIE instruction
 * intercepts of SERVC going through the SCLP model into guest memory,
 * with the service signal and program interrupts checked as the ioctls
 * the kernel would get.  Built only where target/s390x/kvm.c is (s390x
 * hosts; the cross build runs it under qemu-s390x-static).  No real SIE
 * runs here.
 */
#include "kite/kvm/kvm.h"
#include "kite/kvm/kvm-ioctl-fake.h"
#include "kite/bql.h"
#include "kite/memory.h"
#include "kite/s390x/sclp.h"

#define RAM_SIZE   (16 * MiB)
#define SCCB_ADDR  0x10000ULL
#define PSW_64BIT  0x0000000180000000ULL
#define PSW_PSTATE 0x0001000000000000ULL
#define PSW_CC3    0x0000300000000000ULL
#define ICPT_INST  0x04
#define ICPT_PROG  0x08

static MemoryRegion ram;

/* One CPU, guest RAM at 0 and the SCLP, made once for the program. */
static void machine_setup(void)
{
    GError *err = NULL;
    DeviceState *dev;

    g_assert_nonnull(cpu_create("qemu", 0, &err));
    g_assert_no_error(err);
    g_assert_true(memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE, &err));
    g_assert_no_error(err);
    memory_region_add_subregion(get_system_memory(), 0, &ram);
    dev = qdev_new(TYPE_SCLP);
    g_assert_true(qdev_realize(dev, &err));
    g_assert_no_error(err);
    SCLP(dev)->ram_size = RAM_SIZE;
}

static void fake_setup(bool sync_regs, bool flic)
{
    kvm_fake_install();
    kvm_fake_set_cap(KVM_CAP_MAX_VCPUS, 248);
    kvm_fake_set_cap(KVM_CAP_NR_MEMSLOTS, 32);
    kvm_fake_set_cap(KVM_CAP_IMMEDIATE_EXIT, 1);
    kvm_fake_set_cap(KVM_CAP_SYNC_REGS, sync_regs);
    kvm_fake_set_cap(KVM_CAP_S390_IRQCHIP, flic);
}

/* The @n-th recorded KVM_S390_INTERRUPT on @fd (0-based), or NULL. */
static const struct kvm_s390_interrupt *interrupt_on(int fd, unsigned n)
{
    for (unsigned i = 0; i < kvm_fake_ncalls(); i++) {
        const KvmFakeCall *c = kvm_fake_call(i);

        if (c->op == KVM_FAKE_IOCTL && c->req == KVM_S390_INTERRUPT &&
            c->fd == fd && c->arg && n-- == 0) {
            return c->arg;
        }
    }
    return NULL;
}

static unsigned interrupts_on(int fd)
{
    unsigned n = 0;

    while (interrupt_on(fd, n)) {
        n++;
    }
    return n;
}

static const KvmFakeCall *last_call(unsigned long req)
{
    for (unsigned i = kvm_fake_ncalls(); i-- > 0;) {
        const KvmFakeCall *c = kvm_fake_call(i);
        if (c->op == KVM_FAKE_IOCTL && c->req == req) {
            return c;
        }
    }
    return NULL;
}

static KVMState *vm_with_vcpu(KvmVcpu **vp, bool start_thread)
{
    GError *err = NULL;
    KVMState *s = kvm_vm_create(1, &err);

    g_assert_no_error(err);
    g_assert_nonnull(s);
    *vp = kvm_vcpu_create(s, qemu_get_cpu(0), 0, start_thread, &err);
    g_assert_no_error(err);
    g_assert_nonnull(*vp);
    return s;
}

static void vm_teardown(KVMState *s)
{
    kvm_vm_destroy(s);
    g_assert_cmpuint(kvm_fake_open_fds(), ==, 0);
    g_assert_cmpuint(kvm_fake_mappings(), ==, 0);
    kvm_fake_uninstall();
}

/* An instruction intercept of SERVC R1,R2 (RRE: R1 and R2 in the IPB). */
static void set_servc_exit(struct kvm_run *run, unsigned r1, unsigned r2,
                           uint64_t psw_mask)
{
    run->exit_reason = KVM_EXIT_S390_SIEIC;
    run->s390_sieic.icptcode = ICPT_INST;
    run->s390_sieic.ipa = 0xb220;
    run->s390_sieic.ipb = (r1 << 20) | (r2 << 16);
    run->psw_mask = psw_mask;
    run->psw_addr = 0x20004;
    run->kvm_valid_regs = KVM_SYNC_PREFIX | KVM_SYNC_GPRS;
}

/* A Read SCP Info SCCB of @len bytes at @addr in guest memory. */
static void put_sccb(uint64_t addr, uint16_t len)
{
    uint8_t buf[4096] = { 0 };

    sclp_st16(buf, len);
    g_assert_cmpint(address_space_write(address_space_memory(), addr, buf,
                                        len), ==, MEMTX_OK);
}

static uint16_t sccb_u16(uint64_t addr)
{
    uint8_t b[2];

    g_assert_cmpint(address_space_read(address_space_memory(), addr, b, 2),
                    ==, MEMTX_OK);
    return (uint16_t)(b[0] << 8 | b[1]);
}

static bool handle_exit_locked(KvmVcpu *v)
{
    bool r;

    bql_lock();
    r = kvm_arch_handle_exit(v);
    bql_unlock();
    return r;
}

static void test_vm_init_flic(void)
{
    KvmVcpu *v;
    KVMState *s;
    const KvmFakeCall *c;

    fake_setup(true, true);
    s = vm_with_vcpu(&v, false);
    c = last_call(KVM_ENABLE_CAP);
    g_assert_nonnull(c);
    g_assert_cmpint(c->fd, ==, s->vm_fd);
    g_assert_cmpuint(((struct kvm_enable_cap *)c->arg)->cap, ==,
                     KVM_CAP_S390_IRQCHIP);
    c = last_call(KVM_CREATE_IRQCHIP);
    g_assert_nonnull(c);
    g_assert_cmpint(c->fd, ==, s->vm_fd);
    vm_teardown(s);

    /* Without the capability there is no FLIC to create. */
    fake_setup(true, false);
    s = vm_with_vcpu(&v, false);
    g_assert_cmpuint(kvm_fake_count(KVM_CREATE_IRQCHIP), ==, 0);
    g_assert_cmpuint(kvm_fake_count(KVM_ENABLE_CAP), ==, 0);
    vm_teardown(s);
}

static void test_vm_init_errors(void)
{
    GError *err = NULL;

    /* Without sync regs the intercept handler could not read the prefix. */
    fake_setup(false, true);
    g_assert_null(kvm_vm_create(1, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "KVM_CAP_SYNC_REGS"));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_fake_open_fds(), ==, 0);
    kvm_fake_uninstall();

    fake_setup(true, true);
    kvm_fake_fail_next(KVM_CREATE_IRQCHIP, ENOMEM);
    g_assert_null(kvm_vm_create(1, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "interrupt controller"));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_fake_open_fds(), ==, 0);
    kvm_fake_uninstall();

    /* A failed VM leaves the service signal to the qtest path. */
    s390_cpu_clear_ext(s390_cpu_get(0));
    s390_sclp_extint(0x77);
    S390ExtInt e;
    g_assert_true(s390_cpu_pop_ext(s390_cpu_get(0), &e));
    g_assert_cmphex(e.code, ==, S390_EXT_SERVICE);
    g_assert_cmphex(e.param, ==, 0x77);
}

static void test_vcpu_reset_state(void)
{
    KvmVcpu *v;
    KVMState *s;
    const KvmFakeCall *c;
    const struct kvm_sregs *sr;
    GError *err = NULL;

    fake_setup(true, true);
    s = vm_with_vcpu(&v, false);
    g_assert_cmpuint(kvm_fake_count(KVM_S390_INITIAL_RESET), ==, 1);
    c = last_call(KVM_S390_INITIAL_RESET);
    g_assert_cmpint(c->fd, ==, v->fd);
    c = last_call(KVM_SET_SREGS);
    g_assert_nonnull(c);
    sr = c->arg;
    g_assert_cmphex(sr->crs[0], ==, 0xe0);
    g_assert_cmphex(sr->crs[14], ==, 0xc2000000);
    for (int i = 0; i < 16; i++) {
        if (i != 0 && i != 14) {
            g_assert_cmphex(sr->crs[i], ==, 0);
        }
        g_assert_cmphex(sr->acrs[i], ==, 0);
    }
    vm_teardown(s);

    /* A failing reset fails vCPU creation and releases its fd. */
    fake_setup(true, true);
    s = kvm_vm_create(1, &err);
    g_assert_no_error(err);
    kvm_fake_fail_next(KVM_S390_INITIAL_RESET, EIO);
    g_assert_null(kvm_vcpu_create(s, qemu_get_cpu(0), 0, false, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "KVM_S390_INITIAL_RESET"));
    g_clear_error(&err);
    g_assert_cmpuint(kvm_fake_open_fds(), ==, 2);
    vm_teardown(s);
}

static void test_servc_read_scp_info(void)
{
    KvmVcpu *v;
    KVMState *s;
    const struct kvm_s390_interrupt *irq;

    fake_setup(true, true);
    s = vm_with_vcpu(&v, false);
    put_sccb(SCCB_ADDR, 4096);
    set_servc_exit(v->run, 2, 3, PSW_64BIT | PSW_CC3);
    v->run->s.regs.prefix = 0x30000;
    v->run->s.regs.gprs[2] = 0xffffffff00000000ULL | SCLP_CMDW_READ_SCP_INFO;
    v->run->s.regs.gprs[3] = SCCB_ADDR;
    kvm_fake_clear_calls();

    g_assert_true(handle_exit_locked(v));
    /* Normal read completion written back to the guest's SCCB. */
    g_assert_cmphex(sccb_u16(SCCB_ADDR + 6), ==, 0x0010);
    g_assert_cmpuint(sccb_u16(SCCB_ADDR + 16), ==, 1);          /* CPUs */
    /* Condition code 0, the rest of the PSW untouched. */
    g_assert_cmphex(v->run->psw_mask, ==, PSW_64BIT);
    g_assert_cmphex(v->run->psw_addr, ==, 0x20004);
    /* The service signal: a floating interrupt on the VM fd. */
    g_assert_cmpuint(interrupts_on(v->fd), ==, 0);
    g_assert_cmpuint(interrupts_on(s->vm_fd), ==, 1);
    irq = interrupt_on(s->vm_fd, 0);
    g_assert_cmphex(irq->type, ==, KVM_S390_INT_SERVICE);
    g_assert_cmphex(irq->parm & ~3u, ==, SCCB_ADDR);
    /* The CPU state the model checked came from kvm_run. */
    g_assert_cmphex(s390_cpu_get(0)->prefix, ==, 0x30000);
    vm_teardown(s);
}

/* SERVC with R1/R2 chosen to catch a misdecoded IPB, registers read with
 * KVM_GET_REGS when kvm_run does not carry them. */
static int get_regs_handler(int fd, unsigned long req, void *arg, void *opaque)
{
    if (req == KVM_GET_REGS) {
        struct kvm_regs *r = arg;

        memset(r, 0, sizeof(*r));
        r->gprs[14] = SCLP_CMDW_READ_SCP_INFO;
        r->gprs[5] = SCCB_ADDR + 0x1000;
        return 0;
    }
    return KVM_FAKE_UNHANDLED;
}

static void test_servc_get_regs(void)
{
    KvmVcpu *v;
    KVMState *s;

    fake_setup(true, true);
    s = vm_with_vcpu(&v, false);
    put_sccb(SCCB_ADDR + 0x1000, 2048);
    set_servc_exit(v->run, 14, 5, PSW_64BIT);
    v->run->kvm_valid_regs = 0;
    kvm_fake_set_handler(get_regs_handler, NULL);
    kvm_fake_clear_calls();
    g_assert_true(handle_exit_locked(v));
    kvm_fake_set_handler(NULL, NULL);
    g_assert_cmpuint(kvm_fake_count(KVM_GET_REGS), ==, 1);
    g_assert_cmphex(sccb_u16(SCCB_ADDR + 0x1000 + 6), ==, 0x0010);
    g_assert_cmpuint(interrupts_on(s->vm_fd), ==, 1);

    /* KVM_GET_REGS failing is fatal for the vCPU, nothing injected. */
    kvm_fake_clear_calls();
    kvm_fake_fail_next(KVM_GET_REGS, EFAULT);
    g_assert_false(handle_exit_locked(v));
    g_assert_cmpuint(interrupts_on(s->vm_fd), ==, 0);
    g_assert_cmpuint(interrupts_on(v->fd), ==, 0);
    vm_teardown(s);
}

typedef struct PgmCase {
    const char *what;
    uint64_t psw_mask;
    uint64_t prefix;
    uint64_t sccb;
    uint16_t code;
} PgmCase;

static void test_servc_program_exceptions(void)
{
    static const PgmCase cases[] = {
        { "problem state", PSW_64BIT | PSW_PSTATE, 0x30000, SCCB_ADDR, 0x0002 },
        { "outside RAM", PSW_64BIT, 0x30000, RAM_SIZE + 0x1000, 0x0005 },
        { "unaligned", PSW_64BIT, 0x30000, SCCB_ADDR + 4, 0x0006 },
        { "low core", PSW_64BIT, 0x30000, 0x1000, 0x0006 },
        /* The prefix comes from kvm_run's sync regs. */
        { "prefix area", PSW_64BIT, 0x40000, 0x41000, 0x0006 },
    };
    KvmVcpu *v;
    KVMState *s;

    fake_setup(true, true);
    s = vm_with_vcpu(&v, false);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const struct kvm_s390_interrupt *irq;

        g_test_message("%s", cases[i].what);
        put_sccb(SCCB_ADDR, 4096);
        set_servc_exit(v->run, 0, 1, cases[i].psw_mask | PSW_CC3);
        v->run->s.regs.prefix = cases[i].prefix;
        v->run->s.regs.gprs[0] = SCLP_CMDW_READ_SCP_INFO;
        v->run->s.regs.gprs[1] = cases[i].sccb;
        kvm_fake_clear_calls();
        g_assert_true(handle_exit_locked(v));
        g_assert_cmpuint(interrupts_on(v->fd), ==, 1);
        irq = interrupt_on(v->fd, 0);
        g_assert_cmphex(irq->type, ==, KVM_S390_PROGRAM_INT);
        g_assert_cmphex(irq->parm, ==, cases[i].code);
        g_assert_cmpuint(interrupts_on(s->vm_fd), ==, 0);
        /* Nothing completed: PSW (cc) and SCCB untouched. */
        g_assert_cmphex(v->run->psw_mask, ==, cases[i].psw_mask | PSW_CC3);
        g_assert_cmphex(sccb_u16(SCCB_ADDR + 6), ==, 0);
    }

    /* Injection failing is fatal for the vCPU. */
    kvm_fake_fail_next(KVM_S390_INTERRUPT, EINVAL);
    g_assert_false(handle_exit_locked(v));
    vm_teardown(s);
}

static void test_other_exits(void)
{
    KvmVcpu *v;
    KVMState *s;
    const struct kvm_s390_interrupt *irq;

    fake_setup(true, true);
    s = vm_with_vcpu(&v, false);

    /* Another intercepted instruction: operation exception. */
    set_servc_exit(v->run, 0, 1, PSW_64BIT);
    v->run->s390_sieic.ipa = 0xb2ff;
    kvm_fake_clear_calls();
    g_assert_true(handle_exit_locked(v));
    irq = interrupt_on(v->fd, 0);
    g_assert_nonnull(irq);
    g_assert_cmphex(irq->type, ==, KVM_S390_PROGRAM_INT);
    g_assert_cmphex(irq->parm, ==, 0x0001);

    /* Other intercept codes and exit reasons are not ours: fatal. */
    set_servc_exit(v->run, 0, 1, PSW_64BIT);
    v->run->s390_sieic.icptcode = ICPT_PROG;
    kvm_fake_clear_calls();
    g_assert_false(handle_exit_locked(v));
    v->run->exit_reason = KVM_EXIT_S390_UCONTROL;
    g_assert_false(handle_exit_locked(v));
    g_assert_cmpuint(kvm_fake_count(KVM_S390_INTERRUPT), ==, 0);
    vm_teardown(s);
}

/* The whole path through the vCPU thread: KVM_RUN exits once with the
 * SERVC intercept, then idles; the test waits for the second KVM_RUN. */
typedef struct RunScript {
    KvmVcpu *v;
    GMutex lock;
    GCond cond;
    unsigned runs;
} RunScript;

static int run_handler(int fd, unsigned long req, void *arg, void *opaque)
{
    RunScript *rs = opaque;
    unsigned n;

    if (req != KVM_RUN || fd != rs->v->fd) {
        return KVM_FAKE_UNHANDLED;
    }
    g_mutex_lock(&rs->lock);
    n = ++rs->runs;
    g_cond_broadcast(&rs->cond);
    g_mutex_unlock(&rs->lock);
    if (n == 1) {
        struct kvm_run *run = rs->v->run;

        set_servc_exit(run, 6, 7, PSW_64BIT | PSW_CC3);
        run->s.regs.prefix = 0x30000;
        run->s.regs.gprs[6] = SCLP_CMDW_READ_SCP_INFO;
        run->s.regs.gprs[7] = SCCB_ADDR;
        return 0;
    }
    return KVM_FAKE_UNHANDLED;
}

static void test_servc_through_run_loop(void)
{
    RunScript rs = { 0 };
    gint64 deadline = g_get_monotonic_time() + 10 * G_TIME_SPAN_SECOND;
    const struct kvm_s390_interrupt *irq;
    KVMState *s;

    g_mutex_init(&rs.lock);
    g_cond_init(&rs.cond);
    fake_setup(true, true);
    s = vm_with_vcpu(&rs.v, true);
    put_sccb(SCCB_ADDR, 4096);
    kvm_fake_set_handler(run_handler, &rs);
    kvm_fake_clear_calls();
    kvm_vcpus_resume(s);
    g_mutex_lock(&rs.lock);
    while (rs.runs < 2) {
        g_assert_true(g_cond_wait_until(&rs.cond, &rs.lock, deadline));
    }
    g_mutex_unlock(&rs.lock);
    kvm_vcpus_pause(s);
    kvm_fake_set_handler(NULL, NULL);

    g_assert_cmphex(sccb_u16(SCCB_ADDR + 6), ==, 0x0010);
    /* The PSW KVM loads on the next KVM_RUN carries condition code 0. */
    g_assert_cmphex(rs.v->run->psw_mask, ==, PSW_64BIT);
    irq = interrupt_on(s->vm_fd, 0);
    g_assert_nonnull(irq);
    g_assert_cmphex(irq->type, ==, KVM_S390_INT_SERVICE);
    g_assert_cmphex(irq->parm & ~3u, ==, SCCB_ADDR);
    vm_teardown(s);
    g_mutex_clear(&rs.lock);
    g_cond_clear(&rs.cond);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    machine_setup();
    g_test_add_func("/kvm-s390x/vm-init/flic", test_vm_init_flic);
    g_test_add_func("/kvm-s390x/vm-init/errors", test_vm_init_errors);
    g_test_add_func("/kvm-s390x/vcpu/reset-state", test_vcpu_reset_state);
    g_test_add_func("/kvm-s390x/servc/read-scp-info", test_servc_read_scp_info);
    g_test_add_func("/kvm-s390x/servc/get-regs", test_servc_get_regs);
    g_test_add_func("/kvm-s390x/servc/program-exceptions",
                    test_servc_program_exceptions);
    g_test_add_func("/kvm-s390x/other-exits", test_other_exits);
    g_test_add_func("/kvm-s390x/servc/run-loop", test_servc_through_run_loop);
    return g_test_run();
}
