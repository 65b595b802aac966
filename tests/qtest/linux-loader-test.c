/*
 * The x86 kernel loaders (hw/i386/linux-boot.c, multiboot.c), which map
 * -kernel and -initrd files instead of reading them: a bzImage's kernel
 * lands at 1 MiB and its initrd below initrd_addr_max; a reset loads a
 * fresh copy over what the guest wrote; empty initrd or module files
 * load as empty.  Kernels are built here (Documentation/x86/boot.rst
 * setup header, protocol 2.15).
 */
#include "libqtest.h"

#include <string.h>
#include <unistd.h>

#define MACHINE "-M microvm -m 128M "
#define KERNEL_OFF 1024         /* setup_sects = 1 */
#define KERNEL_LEN 0x2000

static uint8_t pattern(uint64_t off)
{
    return (uint8_t)(off * 13 + 5);
}

static char *write_tmp(const void *data, size_t len)
{
    GError *err = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("kite-loader-XXXXXX", &path, &err);

    g_assert_no_error(err);
    close(fd);
    g_assert_true(g_file_set_contents(path, data, len, &err));
    g_assert_no_error(err);
    return path;
}

static char *make_bzimage(void)
{
    uint8_t img[KERNEL_OFF + KERNEL_LEN] = { 0 };

    img[0x1f1] = 1;                             /* setup_sects */
    img[0x1fe] = 0x55, img[0x1ff] = 0xaa;       /* boot_flag */
    img[0x201] = 0x66;                          /* end of the header */
    memcpy(img + 0x202, "HdrS", 4);
    img[0x206] = 0x0f, img[0x207] = 0x02;       /* version 2.15 */
    img[0x211] = 1;                             /* LOADED_HIGH */
    img[0x22c] = 0xff, img[0x22d] = 0xff;       /* initrd_addr_max */
    img[0x22e] = 0xff, img[0x22f] = 0x37;
    img[0x236] = 1;                             /* xloadflags: 64-bit */
    img[0x238] = 0xff, img[0x239] = 0x07;       /* cmdline_size */
    for (size_t i = 0; i < KERNEL_LEN; i++) {
        img[KERNEL_OFF + i] = pattern(i);
    }
    return write_tmp(img, sizeof(img));
}

static void check_kernel(QTestState *qts)
{
    uint8_t buf[KERNEL_LEN];

    qtest_memread(qts, 0x100000, buf, sizeof(buf));
    for (size_t i = 0; i < KERNEL_LEN; i++) {
        g_assert_cmphex(buf[i], ==, pattern(i));
    }
}

static uint32_t zero_page_le32(QTestState *qts, unsigned off)
{
    return qtest_readl(qts, 0x7000 + off);      /* x86 is little endian */
}

static void test_bzimage_and_reset(void)
{
    g_autofree char *kernel = make_bzimage();
    static const char rd_data[] = "initrd-contents";
    g_autofree char *initrd = write_tmp(rd_data, sizeof(rd_data));
    QTestState *qts = qtest_initf(MACHINE "-kernel %s -initrd %s", kernel,
                                  initrd);
    uint32_t rd_addr, rd_size;
    char got[sizeof(rd_data)];

    check_kernel(qts);
    rd_addr = zero_page_le32(qts, 0x218);
    rd_size = zero_page_le32(qts, 0x21c);
    g_assert_cmpuint(rd_size, ==, sizeof(rd_data));
    g_assert_cmphex(rd_addr & 0xfff, ==, 0);
    g_assert_cmphex(rd_addr + rd_size, <=, 128u << 20);
    qtest_memread(qts, rd_addr, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), rd_data, sizeof(rd_data));

    /* What a running guest leaves behind is replaced at reset. */
    qtest_writeq(qts, 0x100000, 0x1122334455667788ULL);
    qtest_writeq(qts, 0x100000 + KERNEL_LEN - 8, 0);
    qtest_writeq(qts, rd_addr, 0);
    json_decref(qtest_qmp(qts, "{'execute': 'system_reset'}"));
    check_kernel(qts);
    qtest_memread(qts, rd_addr, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), rd_data, sizeof(rd_data));
    qtest_quit(qts);
    unlink(kernel);
    unlink(initrd);
}

/* An empty initrd maps to no memory at all; it loads as 0 bytes. */
static void test_empty_initrd(void)
{
    g_autofree char *kernel = make_bzimage();
    g_autofree char *initrd = write_tmp("", 0);
    QTestState *qts = qtest_initf(MACHINE "-kernel %s -initrd %s", kernel,
                                  initrd);

    check_kernel(qts);
    g_assert_cmpuint(zero_page_le32(qts, 0x21c), ==, 0);
    qtest_quit(qts);
    unlink(kernel);
    unlink(initrd);
}

/* Multiboot 0.6.96, a.out kludge: `cli; hlt` at 1 MiB, one module that
 * is an empty file and one that is not; the module list in the
 * multiboot information (at the address in EBX, 0x9000 for Kite) gives
 * start == end for the empty one. */
static void test_multiboot_modules(void)
{
    static const uint32_t load = 0x100000;
    uint32_t h[8] = { 0x1BADB002u, 1u << 16 };
    uint8_t img[64] = { 0 };
    g_autofree char *empty = write_tmp("", 0);
    g_autofree char *full = write_tmp("module", 6);
    g_autofree char *kernel = NULL;
    QTestState *qts;
    uint32_t mbi, mods, m0s, m0e, m1s, m1e;
    char got[6];

    h[2] = -(h[0] + h[1]);
    h[3] = h[4] = load;
    h[5] = h[6] = load + sizeof(img);
    h[7] = load + sizeof(h);
    for (int i = 0; i < 8; i++) {
        uint32_t le = GUINT32_TO_LE(h[i]);
        memcpy(img + 4 * i, &le, 4);
    }
    img[sizeof(h)] = 0xfa;
    img[sizeof(h) + 1] = 0xf4;
    kernel = write_tmp(img, sizeof(img));

    qts = qtest_initf(MACHINE "-kernel %s -initrd '%s,%s'", kernel, empty,
                      full);
    /* Kite's information block (EBX at entry) is at 0x9000; flags bit 3
     * says the module fields are valid (Multiboot 0.6.96, 3.3). */
    mbi = 0x9000;
    g_assert_true(qtest_readl(qts, mbi) & (1u << 3));
    g_assert_cmpuint(qtest_readl(qts, mbi + 20), ==, 2);    /* mods_count */
    mods = qtest_readl(qts, mbi + 24);
    m0s = qtest_readl(qts, mods);
    m0e = qtest_readl(qts, mods + 4);
    m1s = qtest_readl(qts, mods + 16);
    m1e = qtest_readl(qts, mods + 20);
    g_assert_cmphex(m0s, ==, m0e);
    g_assert_cmphex(m1e - m1s, ==, 6);
    qtest_memread(qts, m1s, got, sizeof(got));
    g_assert_cmpmem(got, sizeof(got), "module", 6);
    qtest_quit(qts);
    unlink(kernel);
    unlink(empty);
    unlink(full);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/linux-loader/bzimage-and-reset", test_bzimage_and_reset);
    qtest_add_func("/linux-loader/empty-initrd", test_empty_initrd);
    qtest_add_func("/linux-loader/multiboot-modules", test_multiboot_modules);
    return g_test_run();
}
