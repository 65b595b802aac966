/*
 * The tables microvm gives a direct-boot guest, read back from guest
 * memory under qtest: the RSDP where guests scan for it, every table's
 * checksum, the MADT's CPUs, and a DSDT that describes the PCI host
 * bridge (PNP0A03 with _CRS and _PRT) and whose memory window holds every
 * BAR the machine assigned, so a guest OS enumerates bus 0, and the PM
 * timer the FADT names.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include "libqtest.h"

#define BIOS_AREA      0xe0000
#define BIOS_AREA_END  0x100000

static char *kernel_path;

/*
 * A multiboot a.out-kludge image: header at offset 0, loaded at 1 MiB,
 * entry a hlt loop.  Tables are built only when a kernel is loaded.
 */
static void write_kernel(const char *path)
{
    uint32_t img[16] = {
        0x1badb002, 0x00010000, (uint32_t)-(0x1badb002 + 0x00010000),
        0x100000, 0x100000, 0, 0, 0x100020,
        0xfdebf4f4, 0xfdebf4f4,   /* hlt; hlt; jmp . */
    };

    g_assert_true(g_file_set_contents(path, (const char *)img, sizeof(img),
                                      NULL));
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;

    for (size_t i = 0; i < len; i++) {
        s += p[i];
    }
    return s;
}

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* A whole table, its length from its header, checksum checked. */
static uint8_t *read_table(QTestState *qts, uint64_t addr, const char *sig)
{
    uint8_t hdr[36], *t;
    uint32_t len;

    qtest_memread(qts, addr, hdr, sizeof(hdr));
    g_assert_cmpmem(hdr, 4, sig, 4);
    len = le32(hdr + 4);
    g_assert_cmpuint(len, >=, 36);
    g_assert_cmpuint(addr + len, <=, BIOS_AREA_END);
    t = g_malloc(len);
    qtest_memread(qts, addr, t, len);
    g_assert_cmpuint(sum(t, len), ==, 0);
    return t;
}

static uint64_t find_rsdp(QTestState *qts)
{
    g_autofree uint8_t *area = g_malloc(BIOS_AREA_END - BIOS_AREA);

    qtest_memread(qts, BIOS_AREA, area, BIOS_AREA_END - BIOS_AREA);
    for (size_t off = 0; off < BIOS_AREA_END - BIOS_AREA; off += 16) {
        if (!memcmp(area + off, "RSD PTR ", 8)) {
            g_assert_cmpuint(sum(area + off, 20), ==, 0);
            g_assert_cmpuint(area[off + 15], >=, 2);
            g_assert_cmpuint(sum(area + off, 36), ==, 0);
            return le64(area + off + 24);
        }
    }
    g_assert_not_reached();
}

/* The table the XSDT points at with this signature. */
static uint8_t *xsdt_table(QTestState *qts, const char *sig)
{
    g_autofree uint8_t *xsdt = read_table(qts, find_rsdp(qts), "XSDT");
    uint32_t len = le32(xsdt + 4);

    for (uint32_t off = 36; off + 8 <= len; off += 8) {
        uint8_t s[4];

        qtest_memread(qts, le64(xsdt + off), s, 4);
        if (!memcmp(s, sig, 4)) {
            return read_table(qts, le64(xsdt + off), sig);
        }
    }
    return NULL;
}

static const uint8_t *memmem_or_fail(const uint8_t *hay, size_t len,
                                     const void *needle, size_t nlen)
{
    const uint8_t *p = memmem(hay, len, needle, nlen);

    g_assert_nonnull(p);
    return p;
}

static void test_madt_cpus(gconstpointer data)
{
    unsigned ncpus = GPOINTER_TO_UINT(data);
    QTestState *qts = qtest_initf("-M microvm -smp %u -kernel %s", ncpus,
                                  kernel_path);
    g_autofree uint8_t *madt = xsdt_table(qts, "APIC");
    uint32_t len = le32(madt + 4);
    unsigned lapics = 0;

    for (uint32_t off = 44; off + 2 <= len; off += madt[off + 1]) {
        g_assert_cmpuint(madt[off + 1], >=, 2);
        if (madt[off] == 0) {
            g_assert_cmpuint(madt[off + 3], ==, lapics);  /* APIC id */
            g_assert_cmpuint(le32(madt + off + 4) & 1, ==, 1);
            lapics++;
        }
    }
    g_assert_cmpuint(lapics, ==, ncpus);
    qtest_quit(qts);
}

static void test_dsdt_pci_host(void)
{
    QTestState *qts = qtest_initf("-M microvm -kernel %s "
                                  "-device virtio-balloon-pci,id=b0",
                                  kernel_path);
    g_autofree uint8_t *fadt = xsdt_table(qts, "FACP");
    g_autofree uint8_t *dsdt = read_table(qts, le64(fadt + 140), "DSDT");
    uint32_t len = le32(dsdt + 4);
    static const uint8_t pnp0a03[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x03 };
    static const uint8_t mem_window[] = { 0x87, 0x17, 0x00, 0x00 };
    const uint8_t *pci0, *win;
    uint32_t win_min, win_max, bar;

    g_assert_cmpuint(le32(fadt + 40), ==, le64(fadt + 140));
    pci0 = memmem_or_fail(dsdt, len, "PCI0", 4);
    memmem_or_fail(pci0, dsdt + len - pci0, pnp0a03, sizeof(pnp0a03));
    memmem_or_fail(pci0, dsdt + len - pci0, "_PRT", 4);
    win = memmem_or_fail(pci0, dsdt + len - pci0, mem_window,
                         sizeof(mem_window));
    win_min = le32(win + 10);
    win_max = le32(win + 14);
    g_assert_cmpuint(win_max, >, win_min);

    /* The balloon in slot 1: its BARs lie inside the window. */
    qtest_outl(qts, 0xcf8, 0x80000000u | (1 << 11));
    g_assert_cmphex(qtest_inl(qts, 0xcfc), ==, 0x10451af4);
    for (int n = 0; n < 6; n++) {
        qtest_outl(qts, 0xcf8, 0x80000000u | (1 << 11) | (0x10 + 4 * n));
        bar = qtest_inl(qts, 0xcfc);
        if (bar & 1 || !(bar & ~0xfu)) {
            continue;                 /* I/O or unused */
        }
        g_assert_cmphex(bar & ~0xfu, >=, win_min);
        g_assert_cmphex(bar & ~0xfu, <=, win_max);
        if ((bar & 6) == 4) {
            n++;                      /* 64-bit: the high half */
        }
    }
    /* _PRT says slot 1 pin A is GSI 17; the device reports the same. */
    qtest_outl(qts, 0xcf8, 0x80000000u | (1 << 11) | 0x3c);
    g_assert_cmpuint(qtest_inb(qts, 0xcfc), ==, 17);
    qtest_quit(qts);
}

/*
 * The PM timer: the FADT names port 0x608 (32-bit and extended fields),
 * and the 24-bit count follows the virtual clock at 3.579545 MHz.
 */
static void test_pm_timer(void)
{
    QTestState *qts = qtest_initf("-M microvm -kernel %s", kernel_path);
    g_autofree uint8_t *fadt = xsdt_table(qts, "FACP");
    uint32_t t0, t1, t2;

    g_assert_cmphex(le32(fadt + 76), ==, 0x608);      /* PM_TMR_BLK */
    g_assert_cmpuint(fadt[91], ==, 4);                /* PM_TMR_LEN */
    g_assert_cmpuint(fadt[208], ==, 1);               /* system I/O */
    g_assert_cmpuint(fadt[209], ==, 32);
    g_assert_cmphex(le64(fadt + 212), ==, 0x608);     /* X_PM_TMR_BLK */
    g_assert_cmpuint(le32(fadt + 112) & (1u << 8), ==, 0); /* 24-bit */

    t0 = qtest_inl(qts, 0x608);
    g_assert_cmphex(t0 & ~0xffffffu, ==, 0);
    g_assert_cmpuint(qtest_inl(qts, 0x608), ==, t0);  /* clock stopped */
    qtest_clock_step(qts, 1000000000);
    t1 = qtest_inl(qts, 0x608);
    g_assert_cmpuint((t1 - t0) & 0xffffff, ==, 3579545);
    qtest_clock_step(qts, 10 * 1000000);
    t2 = qtest_inl(qts, 0x608);
    g_assert_cmpuint((t2 - t1) & 0xffffff, >=, 35795);
    g_assert_cmpuint((t2 - t1) & 0xffffff, <=, 35796);
    /* Byte reads see the same count; writes change nothing. */
    g_assert_cmpuint(qtest_inb(qts, 0x608), ==, t2 & 0xff);
    g_assert_cmpuint(qtest_inb(qts, 0x60a), ==, (t2 >> 16) & 0xff);
    qtest_outl(qts, 0x608, 0);
    g_assert_cmpuint(qtest_inl(qts, 0x608), ==, t2);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_autofree char *dir = g_dir_make_tmp("kite-acpi-test-XXXXXX", NULL);
    int ret;

    g_test_init(&argc, &argv, NULL);
    kernel_path = g_build_filename(dir, "mb.bin", NULL);
    write_kernel(kernel_path);
    g_test_add_data_func("/acpi/madt/1-cpu", GUINT_TO_POINTER(1),
                         test_madt_cpus);
    g_test_add_data_func("/acpi/madt/4-cpus", GUINT_TO_POINTER(4),
                         test_madt_cpus);
    g_test_add_func("/acpi/dsdt/pci-host", test_dsdt_pci_host);
    g_test_add_func("/acpi/pm-timer", test_pm_timer);
    ret = g_test_run();
    g_unlink(kernel_path);
    g_rmdir(dir);
    g_free(kernel_path);
    return ret;
}
