/*
 * The MP table (Intel MultiProcessor Specification 1.4) microvm writes
 * with -kernel (hw/i386/mptable.c), read back from guest memory as a
 * guest finds it: scan the BIOS area for the floating pointer, check
 * both checksums, then every entry against -smp and against the MADT.
 */
#include "libqtest.h"
#include "libqos/fw_cfg.h"

#define BIOS_BASE 0xe0000
#define BIOS_SIZE 0x20000

typedef struct Bios {
    uint8_t mem[BIOS_SIZE];
} Bios;

static uint32_t le16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }

static const uint8_t *at(const Bios *b, uint64_t addr, size_t len)
{
    g_assert_cmphex(addr, >=, BIOS_BASE);
    g_assert_cmphex(addr + len, <=, BIOS_BASE + BIOS_SIZE);
    return b->mem + (addr - BIOS_BASE);
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    while (len--) {
        s += *p++;
    }
    return s;
}

/* The floating pointer: "_MP_" on a 16-byte boundary in 0xf0000-0xfffff
 * whose 16 bytes sum to 0 (4.1); NULL if there is none. */
static const uint8_t *find_floating(const Bios *b)
{
    const uint8_t *found = NULL;

    for (uint64_t a = 0xf0000; a < 0x100000; a += 16) {
        const uint8_t *p = at(b, a, 16);
        if (!memcmp(p, "_MP_", 4) && sum(p, 16) == 0) {
            g_assert_null(found);       /* exactly one */
            found = p;
        }
    }
    return found;
}

/* Local APIC ids of the MADT's enabled processors, via RSDP -> XSDT. */
static GArray *madt_apic_ids(const Bios *b)
{
    GArray *ids = g_array_new(false, false, sizeof(uint32_t));
    const uint8_t *rsdp = NULL, *xsdt, *madt = NULL;

    for (uint64_t a = BIOS_BASE; a < BIOS_BASE + BIOS_SIZE; a += 16) {
        if (!memcmp(at(b, a, 8), "RSD PTR ", 8)) {
            rsdp = at(b, a, 36);
            break;
        }
    }
    g_assert_nonnull(rsdp);
    xsdt = at(b, le32(rsdp + 24), 36);
    xsdt = at(b, le32(rsdp + 24), le32(xsdt + 4));
    for (uint32_t off = 36; off + 8 <= le32(xsdt + 4); off += 8) {
        const uint8_t *t = at(b, le32(xsdt + off), 36);
        if (!memcmp(t, "APIC", 4)) {
            madt = at(b, le32(xsdt + off), le32(t + 4));
        }
    }
    g_assert_nonnull(madt);
    for (uint32_t off = 44; off + 2 <= le32(madt + 4); off += madt[off + 1]) {
        g_assert_cmpuint(madt[off + 1], >=, 2);
        if (madt[off] == 0 && (le32(madt + off + 4) & 1)) {
            uint32_t id = madt[off + 3];
            g_array_append_val(ids, id);
        }
    }
    return ids;
}

static void read_bios(QTestState *qts, Bios *b)
{
    qtest_memread(qts, BIOS_BASE, b->mem, BIOS_SIZE);
}

static void check_mptable(unsigned ncpus)
{
    g_autofree char *kernel = test_kernel_multiboot();
    QTestState *qts = qtest_initf("-M microvm -nodefaults -smp %u -kernel %s",
                                  ncpus, kernel);
    g_autofree Bios *b = g_new0(Bios, 1);
    const uint8_t *fp, *cfg, *p, *end;
    g_autoptr(GArray) madt_ids = NULL;
    unsigned cpus = 0, buses = 0, ioapics = 0, lints = 0, entries = 0;
    int pci_bus = -1, isa_bus = -1, ioapic_id = -1;
    int isa_pin[16];
    unsigned pci_slots = 0;

    read_bios(qts, b);
    qtest_quit(qts);
    unlink(kernel);

    fp = find_floating(b);
    g_assert_nonnull(fp);
    g_assert_cmpuint(fp[8], ==, 1);             /* length: 16 bytes */
    g_assert_cmpuint(fp[9], ==, 4);             /* revision 1.4 */
    g_assert_cmpuint(fp[11], ==, 0);            /* a table follows */
    /* The SMBIOS entry point at 0xf0000 is intact. */
    g_assert_cmpmem(at(b, 0xf0000, 4), 4, "_SM_", 4);
    g_assert_cmpuint(sum(at(b, 0xf0000, 31), 31), ==, 0);

    cfg = at(b, le32(fp + 4), 44);
    g_assert_cmpmem(cfg, 4, "PCMP", 4);
    cfg = at(b, le32(fp + 4), le16(cfg + 4));
    g_assert_cmpuint(sum(cfg, le16(cfg + 4)), ==, 0);
    g_assert_cmpuint(cfg[6], ==, 4);
    g_assert_cmphex(le32(cfg + 36), ==, 0xfee00000);
    g_assert_cmpuint(le16(cfg + 40), ==, 0);    /* no extended table */

    madt_ids = madt_apic_ids(b);
    g_assert_cmpuint(madt_ids->len, ==, ncpus);
    memset(isa_pin, -1, sizeof(isa_pin));
    p = cfg + 44;
    end = cfg + le16(cfg + 4);
    while (p < end) {
        unsigned len = p[0] == 0 ? 20 : 8;
        g_assert_cmpuint(p[0], <=, 4);
        g_assert_true(p + len <= end);
        entries++;
        switch (p[0]) {
        case 0:     /* processor: in vCPU order, the first is the BSP */
            g_assert_cmpuint(lints + ioapics + buses, ==, 0);
            g_assert_cmpuint(p[1], ==, g_array_index(madt_ids, uint32_t,
                                                     cpus));
            g_assert_cmphex(p[3], ==, cpus == 0 ? 3 : 1);
            cpus++;
            break;
        case 1:
            if (!memcmp(p + 2, "PCI   ", 6)) {
                pci_bus = p[1];
            } else if (!memcmp(p + 2, "ISA   ", 6)) {
                isa_bus = p[1];
            }
            buses++;
            break;
        case 2:
            ioapic_id = p[1];
            g_assert_cmphex(p[3], ==, 1);           /* enabled */
            g_assert_cmphex(le32(p + 4), ==, 0xfec00000);
            ioapics++;
            break;
        case 3:     /* I/O interrupt: to our I/O APIC, from a known bus */
            g_assert_cmpint(p[6], ==, ioapic_id);
            g_assert_cmpuint(p[1], ==, 0);          /* INT */
            if (p[4] == isa_bus) {
                g_assert_cmpuint(p[5], <, 16);
                g_assert_cmpint(isa_pin[p[5]], ==, -1);
                isa_pin[p[5]] = p[7];
            } else {
                g_assert_cmpint(p[4], ==, pci_bus);
                g_assert_cmpuint(p[5] & 3, ==, 0);  /* pin A */
                g_assert_cmpuint(p[7], ==, 16 + (p[5] >> 2) % 4);
                pci_slots++;
            }
            break;
        case 4:     /* local: ExtINT on LINT0, NMI on LINT1, all CPUs */
            g_assert_cmphex(p[6], ==, 0xff);
            g_assert_cmpuint(p[7], ==, lints);
            g_assert_cmpuint(p[1], ==, lints == 0 ? 3 : 1);
            lints++;
            break;
        }
        p += len;
    }
    g_assert_cmpuint(entries, ==, le16(cfg + 34));
    g_assert_cmpuint(cpus, ==, ncpus);
    g_assert_cmpuint(buses, ==, 2);
    g_assert_cmpint(pci_bus, >=, 0);
    g_assert_cmpint(isa_bus, >=, 0);
    g_assert_cmpuint(ioapics, ==, 1);
    g_assert_cmpint(ioapic_id, ==, 0);
    g_assert_cmpuint(lints, ==, 2);
    g_assert_cmpuint(pci_slots, ==, 32);
    /* ISA: IRQ 0 on pin 2 (the MADT's override), no IRQ 2 (cascade),
     * the others on their own pins. */
    for (int irq = 0; irq < 16; irq++) {
        g_assert_cmpint(isa_pin[irq], ==, irq == 0 ? 2 : irq == 2 ? -1 : irq);
    }
}

static void test_smp(const void *data)
{
    check_mptable(GPOINTER_TO_UINT(data));
}

/* Without -kernel nothing is loaded, and no tables are written. */
static void test_no_kernel(void)
{
    QTestState *qts = qtest_init("-M microvm -nodefaults -smp 2");
    g_autofree Bios *b = g_new0(Bios, 1);

    read_bios(qts, b);
    qtest_quit(qts);
    g_assert_null(find_floating(b));
}

/* After a reset the tables are written again with -kernel. */
static void test_reset(void)
{
    g_autofree char *kernel = test_kernel_multiboot();
    QTestState *qts = qtest_initf("-M microvm -nodefaults -smp 2 -kernel %s",
                                  kernel);
    g_autofree Bios *b = g_new0(Bios, 1);

    qtest_memset(qts, 0xf0000, 0, 0x10000);
    qtest_qmp_assert_success(qts, "{'execute': 'system_reset'}");
    qtest_qmp_eventwait(qts, "RESET");
    read_bios(qts, b);
    qtest_quit(qts);
    unlink(kernel);
    g_assert_nonnull(find_floating(b));
}

int main(int argc, char **argv)
{
    static const unsigned smp[] = { 1, 2, 4, 255 };

    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(smp); i++) {
        g_autofree char *name = g_strdup_printf("/mptable/smp-%u", smp[i]);
        qtest_add_data_func(name, GUINT_TO_POINTER(smp[i]), test_smp);
    }
    qtest_add_func("/mptable/no-kernel", test_no_kernel);
    qtest_add_func("/mptable/reset", test_reset);
    return g_test_run();
}
