/*
 * CPUID as Kite sets it up: a real vendor, APIC id 0 on the boot CPU, the
 * hypervisor bit and KVM's paravirtual signature at 0x40000000, plus what
 * the command line (-append) asks to check for a -cpu model or flag:
 *
 *   vendor=GenuineIntel   CPUID.0 vendor string
 *   fms=15.6.1            family.model.stepping (decimal) from CPUID.1:EAX
 *   bit=1.c.28.0          CPUID.(leaf hex).(register a-d).(bit) is 0 or 1
 *   logical=2             CPUID.1:EBX[23:16] and HTT; leaf 0xB levels
 *   no-kvm-sig            no "KVMKVMKVM" at 0x40000000 (-cpu ...,kvm=off)
 */
#include "guest.h"

/* The multiboot command line, or "" (Multiboot 3.3: flags bit 2). */
static const char *cmdline(uint32_t info)
{
    if (!info || !(*(volatile uint32_t *)info & (1u << 2))) {
        return "";
    }
    return (const char *)*(volatile uint32_t *)(info + 16);
}

/* The value of "key=" in @c (up to the next space), or NULL. */
static const char *arg(const char *c, const char *key, const char *from)
{
    for (const char *p = from ? from : c; *p; p++) {
        const char *a = p, *b = key;

        if (p != c && p[-1] != ' ') {
            continue;
        }
        while (*b && *a == *b) {
            a++, b++;
        }
        if (!*b) {
            return a;
        }
    }
    return NULL;
}

static uint32_t parse_num(const char **s, int base)
{
    uint32_t v = 0;

    for (;; (*s)++) {
        char ch = **s;
        int d = ch >= '0' && ch <= '9' ? ch - '0' :
                ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : 99;
        if (d >= base) {
            return v;
        }
        v = v * base + d;
    }
}

static void check_vendor(const char *want, const char *vendor)
{
    int n = 0;

    while (want[n] && want[n] != ' ') {
        n++;
    }
    if (n != 12 || memcmp(want, vendor, 12)) {
        guest_printf("FAIL: vendor %s, want %s\n", vendor, want);
        guest_check(0, "vendor", 0, 0);
    }
}

static void check_fms(const char *s)
{
    uint32_t r[4], fam, model, step, want_f, want_m, want_s;

    cpuid(1, 0, r);
    fam = (r[0] >> 8) & 0xf;
    if (fam == 0xf) {
        fam += (r[0] >> 20) & 0xff;
    }
    model = ((r[0] >> 4) & 0xf) | (((r[0] >> 16) & 0xf) << 4);
    step = r[0] & 0xf;
    want_f = parse_num(&s, 10);
    s++;
    want_m = parse_num(&s, 10);
    s++;
    want_s = parse_num(&s, 10);
    CHECK_EQ(fam, want_f);
    CHECK_EQ(model, want_m);
    CHECK_EQ(step, want_s);
}

/* "LEAF.R.BIT.VAL", e.g. 80000001.c.0.1 */
static void check_bit(const char *s)
{
    uint32_t r[4], leaf, bit, want;
    int reg;

    leaf = parse_num(&s, 16);
    s++;
    reg = *s - 'a';
    s += 2;
    bit = parse_num(&s, 10);
    s++;
    want = parse_num(&s, 10);
    cpuid(leaf, 0, r);
    if (reg < 0 || reg > 3 || ((r[reg] >> bit) & 1) != want) {
        guest_printf("FAIL: CPUID.%x:E%cX bit %d is %d, want %d\n", leaf,
                     'A' + reg, bit, (int)((r[reg & 3] >> bit) & 1),
                     (int)want);
        guest_check(0, "CPUID bit", r[reg & 3], want);
    }
}

static void check_logical(const char *s)
{
    uint32_t r[4], n = parse_num(&s, 10);

    cpuid(1, 0, r);
    CHECK_EQ((r[1] >> 16) & 0xff, n);
    CHECK_EQ((r[3] >> 28) & 1, n > 1 ? 1u : 0u);
    cpuid(0, 0, r);
    if (r[0] >= 0xb) {
        cpuid(0xb, 1, r);
        CHECK_EQ(r[1] & 0xffff, n);        /* logical processors, core level */
        CHECK_EQ((r[2] >> 8) & 0xff, 2u);  /* level type: core */
        CHECK_EQ(r[3], 0u);                /* x2APIC id of the boot CPU */
    }
}

int guest_main(uint32_t magic, uint32_t info)
{
    const char *c = cmdline(info), *v;
    uint32_t r[4];
    char vendor[13], sig[13];

    cpuid(0, 0, r);
    ((uint32_t *)vendor)[0] = r[1];
    ((uint32_t *)vendor)[1] = r[3];
    ((uint32_t *)vendor)[2] = r[2];
    vendor[12] = 0;
    guest_check(!memcmp(vendor, "AuthenticAMD", 12) ||
                !memcmp(vendor, "GenuineIntel", 12), "known vendor", r[1], 0);
    guest_check(r[0] >= 1, "basic leaves present", r[0], 1);
    cpuid(1, 0, r);
    CHECK_EQ(r[1] >> 24, 0u);            /* boot CPU's APIC id */
    guest_check((r[3] & (1u << 9)) != 0, "APIC present", r[3], 1u << 9);
    /* The hypervisor bit, without which guests ignore 0x40000000. */
    guest_check((r[2] & (1u << 31)) != 0, "hypervisor bit", r[2], 1u << 31);

    if ((v = arg(c, "vendor=", NULL))) {
        check_vendor(v, vendor);
    }
    if ((v = arg(c, "fms=", NULL))) {
        check_fms(v);
    }
    for (v = arg(c, "bit=", NULL); v; v = arg(c, "bit=", v)) {
        check_bit(v);
    }
    if ((v = arg(c, "logical=", NULL))) {
        check_logical(v);
    }

    cpuid(0x40000000, 0, r);
    ((uint32_t *)sig)[0] = r[1];
    ((uint32_t *)sig)[1] = r[2];
    ((uint32_t *)sig)[2] = r[3];
    sig[12] = 0;
    if (arg(c, "no-kvm-sig", NULL)) {
        guest_check(memcmp(sig, "KVMKVMKVM\0\0\0", 12) != 0,
                    "no KVM signature with kvm=off", r[1], 0);
        cpuid(0x40000100, 0, r);
        guest_check(r[1] != 0x4b4d564b, "no KVM signature at 0x40000100",
                    r[1], 0);
    } else {
        guest_check(!memcmp(sig, "KVMKVMKVM\0\0\0", 12), "KVM signature",
                    r[1], 0);
    }
    guest_printf("cpuid: vendor %s, %d failures\n", vendor, guest_failures());
    return guest_failures();
}
