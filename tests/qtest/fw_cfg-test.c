/*
 * fw_cfg on microvm (hw/i386/fw_cfg.c) through its ports: the legacy
 * keys for -m, -smp and -append, keys nobody set, accesses of other
 * widths, the DMA interface and reset.  Values QEMU's microvm gives are
 * compared reply for reply in qemu-compare-test.c.
 */
#include "libqtest.h"
#include "libqos/fw_cfg.h"

#define MACHINE "-M microvm -nodefaults "

static void test_signature_and_id(void)
{
    QTestState *qts = qtest_init(MACHINE "-m 128M");
    char sig[5] = { 0 };

    /* Power-on state: the signature is selected at offset 0. */
    fw_cfg_read(qts, sig, 4);
    g_assert_cmpstr(sig, ==, "QEMU");
    fw_cfg_read_entry(qts, FW_CFG_SIGNATURE, sig, 4);
    g_assert_cmpstr(sig, ==, "QEMU");
    /* bit 0: the port interface, bit 1: DMA */
    g_assert_cmphex(fw_cfg_get_le(qts, FW_CFG_ID, 4), ==, 3);
    g_assert_cmphex(fw_cfg_get_le(qts, FW_CFG_IRQ0_OVERRIDE, 4), ==, 1);
    qtest_quit(qts);
}

static void check_ram(const char *m, uint64_t bytes)
{
    QTestState *qts = qtest_initf(MACHINE "-m %s", m);

    g_assert_cmphex(fw_cfg_get_le(qts, FW_CFG_RAM_SIZE, 8), ==, bytes);
    qtest_quit(qts);
}

static void test_ram_size(void)
{
    check_ram("128M", 128 * 1024 * 1024ULL);
    check_ram("3G", 3ULL << 30);
    check_ram("5G", 5ULL << 30);         /* 64-bit, split around 4 GiB */
}

static void check_cpus(const char *smp, unsigned cpus, unsigned max)
{
    QTestState *qts = qtest_initf(MACHINE "-smp %s", smp);

    g_assert_cmpuint(fw_cfg_get_le(qts, FW_CFG_NB_CPUS, 2), ==, cpus);
    g_assert_cmpuint(fw_cfg_get_le(qts, FW_CFG_MAX_CPUS, 2), ==, max);
    qtest_quit(qts);
}

static void test_cpus(void)
{
    check_cpus("1", 1, 1);
    check_cpus("4", 4, 4);
    check_cpus("2,maxcpus=4", 2, 4);
    check_cpus("6,sockets=2,cores=3", 6, 6);
}

/* The command line keys against what the loader wrote in guest memory. */
static void check_cmdline(QTestState *qts, const char *want)
{
    uint32_t addr = fw_cfg_get_le(qts, FW_CFG_CMDLINE_ADDR, 4);
    uint32_t size = fw_cfg_get_le(qts, FW_CFG_CMDLINE_SIZE, 4);
    g_autofree char *data = g_malloc0(size + 8);
    g_autofree char *mem = g_malloc0(size + 1);

    g_assert_cmphex(addr, ==, 0x20000);
    g_assert_cmpuint(size, ==, strlen(want) + 1);
    fw_cfg_read_entry(qts, FW_CFG_CMDLINE_DATA, data, size + 8);
    g_assert_cmpstr(data, ==, want);
    for (int i = 0; i < 8; i++) {
        g_assert_cmpint(data[size + i], ==, 0);    /* zeros past the end */
    }
    qtest_memread(qts, addr, mem, size);
    g_assert_cmpmem(mem, size, data, size);
}

static void test_cmdline_linux(void)
{
    g_autofree char *kernel = test_kernel_bzimage();
    QTestState *qts;

    /* Kite's loader adds reboot=k unless a reboot= method is named
     * (docs/kvm.md); the keys show what the guest really gets. */
    qts = qtest_initf(MACHINE "-kernel %s -append 'console=ttyS0 quiet'",
                      kernel);
    check_cmdline(qts, "console=ttyS0 quiet reboot=k");
    qtest_quit(qts);
    qts = qtest_initf(MACHINE "-kernel %s -append 'reboot=t panic=1'", kernel);
    check_cmdline(qts, "reboot=t panic=1");
    qtest_quit(qts);
    qts = qtest_initf(MACHINE "-kernel %s", kernel);
    check_cmdline(qts, "reboot=k");
    qtest_quit(qts);
    unlink(kernel);
}

/* QEMU leaves the command line keys empty for multiboot kernels (the
 * command line is in the multiboot information), and so does Kite. */
static void test_cmdline_multiboot(void)
{
    g_autofree char *kernel = test_kernel_multiboot();
    QTestState *qts = qtest_initf(MACHINE "-kernel %s -append 'x=1'", kernel);

    g_assert_cmphex(fw_cfg_get_le(qts, FW_CFG_CMDLINE_ADDR, 4), ==, 0);
    g_assert_cmphex(fw_cfg_get_le(qts, FW_CFG_CMDLINE_SIZE, 4), ==, 0);
    g_assert_cmphex(fw_cfg_get_le(qts, FW_CFG_CMDLINE_DATA, 8), ==, 0);
    qtest_quit(qts);
    unlink(kernel);
}

static void test_no_kernel(void)
{
    QTestState *qts = qtest_init(MACHINE);

    g_assert_cmphex(fw_cfg_get_le(qts, FW_CFG_CMDLINE_SIZE, 4), ==, 0);
    g_assert_cmphex(fw_cfg_get_le(qts, FW_CFG_CMDLINE_DATA, 8), ==, 0);
    qtest_quit(qts);
}

static void test_unknown_keys(void)
{
    QTestState *qts = qtest_init(MACHINE);
    static const uint16_t keys[] = { 0x0002, 0x0004, 0x0010, 0x0020, 0x1234,
                                     0x3fff, 0x7fff, 0x8000, 0x8123, 0xbfff,
                                     0xffff };

    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_assert_cmphex(fw_cfg_get_le(qts, keys[i], 8), ==, 0);
    }
    /* No files: the directory's count (big-endian) is 0. */
    g_assert_cmphex(fw_cfg_get_le(qts, FW_CFG_FILE_DIR, 8), ==, 0);
    /* Bit 14 (write channel) is ignored: 0x4000 is the signature. */
    g_assert_cmphex(fw_cfg_get_le(qts, 0x4000, 4), ==, 0x554d4551);
    g_assert_cmphex(fw_cfg_get_le(qts, 0x4005, 2), ==, 1);
    qtest_quit(qts);
}

static void test_access_widths(void)
{
    QTestState *qts = qtest_init(MACHINE "-smp 4");

    fw_cfg_select(qts, FW_CFG_SIGNATURE);
    /* A byte read at 0x510 also reads data; wider reads give 0 and do
     * not move the offset. */
    g_assert_cmphex(qtest_inb(qts, 0x510), ==, 'Q');
    g_assert_cmphex(qtest_inw(qts, 0x510), ==, 0);
    g_assert_cmphex(qtest_inl(qts, 0x510), ==, 0);
    g_assert_cmphex(qtest_inb(qts, 0x511), ==, 'E');
    /* A word at 0x511: the data byte, then an unassigned port. */
    g_assert_cmphex(qtest_inw(qts, 0x511), ==, 0xff00 | 'M');
    g_assert_cmphex(qtest_inb(qts, 0x512), ==, 0xff);
    g_assert_cmphex(qtest_inb(qts, 0x511), ==, 'U');

    /* Only a 16-bit write at 0x510 selects. */
    fw_cfg_select(qts, FW_CFG_NB_CPUS);
    qtest_outb(qts, 0x510, FW_CFG_ID);
    qtest_outl(qts, 0x510, FW_CFG_ID);
    qtest_outw(qts, 0x511, FW_CFG_ID);
    qtest_outb(qts, 0x511, 0x55);       /* data writes are ignored */
    g_assert_cmphex(qtest_inb(qts, 0x511), ==, 4);
    g_assert_cmphex(qtest_inb(qts, 0x511), ==, 0);
    g_assert_cmphex(qtest_inb(qts, 0x511), ==, 0);    /* past the end */
    /* Selecting again starts at offset 0. */
    fw_cfg_select(qts, FW_CFG_NB_CPUS);
    g_assert_cmphex(qtest_inb(qts, 0x511), ==, 4);
    qtest_quit(qts);
}

/* Run one FWCfgDmaAccess at guest address 0x1000 and return its control
 * word afterwards. */
static uint32_t dma_run(QTestState *qts, uint32_t control, uint32_t len,
                        uint64_t addr)
{
    uint8_t d[16];

    for (int i = 0; i < 4; i++) {
        d[i] = control >> (24 - 8 * i);
        d[4 + i] = len >> (24 - 8 * i);
    }
    for (int i = 0; i < 8; i++) {
        d[8 + i] = addr >> (56 - 8 * i);
    }
    qtest_memwrite(qts, 0x1000, d, sizeof(d));
    qtest_outl(qts, FW_CFG_PORT_DMA, 0);                   /* high half */
    qtest_outl(qts, FW_CFG_PORT_DMA + 4, GUINT32_TO_BE(0x1000));
    qtest_memread(qts, 0x1000, d, 4);
    return (uint32_t)d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3];
}

static void test_dma(void)
{
    QTestState *qts = qtest_init(MACHINE "-m 256M -smp 3");
    uint8_t buf[16];

    /* The address register reads "QEMU CFG". */
    g_assert_cmphex(qtest_inl(qts, FW_CFG_PORT_DMA), ==, 0x554d4551);
    g_assert_cmphex(qtest_inl(qts, FW_CFG_PORT_DMA + 4), ==, 0x47464320);
    /* select + read, past the end of the item: zeros after it */
    qtest_memset(qts, 0x2000, 0xaa, sizeof(buf));
    g_assert_cmphex(dma_run(qts, FW_CFG_RAM_SIZE << 16 | 0x0a, 12, 0x2000),
                    ==, 0);
    qtest_memread(qts, 0x2000, buf, sizeof(buf));
    g_assert_cmphex(buf[3], ==, 0x10);           /* 256 MiB, little-endian */
    for (int i = 0; i < 12; i++) {
        g_assert_cmphex(buf[i], ==, i == 3 ? 0x10 : 0);
    }
    g_assert_cmphex(buf[12], ==, 0xaa);          /* length respected */
    /* skip then read continue from the port offset */
    g_assert_cmphex(dma_run(qts, FW_CFG_SIGNATURE << 16 | 0x0c, 2, 0), ==, 0);
    g_assert_cmphex(dma_run(qts, 0x02, 2, 0x2000), ==, 0);
    qtest_memread(qts, 0x2000, buf, 2);
    g_assert_cmpmem(buf, 2, "MU", 2);
    /* and the port sees the same offset */
    fw_cfg_select(qts, FW_CFG_NB_CPUS);
    g_assert_cmphex(dma_run(qts, 0x04, 1, 0), ==, 0);
    g_assert_cmphex(qtest_inb(qts, 0x511), ==, 0);
    fw_cfg_select(qts, FW_CFG_NB_CPUS);
    g_assert_cmphex(qtest_inb(qts, 0x511), ==, 3);
    /* errors: a write (nothing is writable), a target outside RAM */
    g_assert_cmphex(dma_run(qts, FW_CFG_ID << 16 | 0x18, 4, 0x2000), ==, 1);
    g_assert_cmphex(dma_run(qts, FW_CFG_ID << 16 | 0x0a, 4, 0xfe000000ULL),
                    ==, 1);
    /* a huge length is zero-filled chunk by chunk, then fails at the
     * end of RAM */
    g_assert_cmphex(dma_run(qts, FW_CFG_ID << 16 | 0x0a, 0xffffffffu,
                            0x0ff00000), ==, 1);
    qtest_quit(qts);
}

static void test_reset(void)
{
    QTestState *qts = qtest_init(MACHINE);

    fw_cfg_select(qts, FW_CFG_NB_CPUS);
    g_assert_cmphex(qtest_inb(qts, 0x511), ==, 1);
    qtest_qmp_assert_success(qts, "{'execute': 'system_reset'}");
    qtest_qmp_eventwait(qts, "RESET");
    g_assert_cmphex(qtest_inb(qts, 0x511), ==, 'Q');
    g_assert_cmphex(qtest_inb(qts, 0x511), ==, 'E');
    qtest_quit(qts);
}

/* The device is part of the machine, where QEMU's is. */
static void test_qom(void)
{
    QTestState *qts = qtest_init(MACHINE);
    json_t *r = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                          "{'path': '/machine/fw_cfg', 'property': 'type'}}");

    g_assert_cmpstr(json_string_value(json_object_get(r, "return")), ==,
                    "fw_cfg_io");
    json_decref(r);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/fw_cfg/signature-and-id", test_signature_and_id);
    qtest_add_func("/fw_cfg/ram-size", test_ram_size);
    qtest_add_func("/fw_cfg/cpus", test_cpus);
    qtest_add_func("/fw_cfg/cmdline/linux", test_cmdline_linux);
    qtest_add_func("/fw_cfg/cmdline/multiboot", test_cmdline_multiboot);
    qtest_add_func("/fw_cfg/cmdline/no-kernel", test_no_kernel);
    qtest_add_func("/fw_cfg/unknown-keys", test_unknown_keys);
    qtest_add_func("/fw_cfg/access-widths", test_access_widths);
    qtest_add_func("/fw_cfg/dma", test_dma);
    qtest_add_func("/fw_cfg/reset", test_reset);
    qtest_add_func("/fw_cfg/qom-path", test_qom);
    return g_test_run();
}
