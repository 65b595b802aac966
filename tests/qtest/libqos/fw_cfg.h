/*
 * fw_cfg from a qtest: select an item at port 0x510, read it a byte at a
 * time at 0x511 (QEMU's docs/specs/fw_cfg.rst), and the tiny -kernel
 * files tests need to make the machine write its boot tables.
 */
#ifndef LIBQOS_FW_CFG_H
#define LIBQOS_FW_CFG_H

#include "libqtest.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FW_CFG_PORT_SEL   0x510
#define FW_CFG_PORT_DATA  0x511
#define FW_CFG_PORT_DMA   0x514

#define FW_CFG_SIGNATURE    0x0000
#define FW_CFG_ID           0x0001
#define FW_CFG_RAM_SIZE     0x0003
#define FW_CFG_NB_CPUS      0x0005
#define FW_CFG_MAX_CPUS     0x000f
#define FW_CFG_CMDLINE_ADDR 0x0013
#define FW_CFG_CMDLINE_SIZE 0x0014
#define FW_CFG_CMDLINE_DATA 0x0015
#define FW_CFG_FILE_DIR     0x0019
#define FW_CFG_IRQ0_OVERRIDE 0x8002

static inline void fw_cfg_select(QTestState *qts, uint16_t key)
{
    qtest_outw(qts, FW_CFG_PORT_SEL, key);
}

static inline void fw_cfg_read(QTestState *qts, void *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        ((uint8_t *)buf)[i] = qtest_inb(qts, FW_CFG_PORT_DATA);
    }
}

static inline void fw_cfg_read_entry(QTestState *qts, uint16_t key, void *buf,
                                     size_t len)
{
    fw_cfg_select(qts, key);
    fw_cfg_read(qts, buf, len);
}

/* Little-endian numbers of @len bytes (2, 4 or 8). */
static inline uint64_t fw_cfg_get_le(QTestState *qts, uint16_t key,
                                     size_t len)
{
    uint8_t b[8] = { 0 };
    uint64_t v = 0;

    fw_cfg_read_entry(qts, key, b, len);
    for (size_t i = len; i-- > 0;) {
        v = v << 8 | b[i];
    }
    return v;
}

static inline char *test_kernel_write(const uint8_t *img, size_t len)
{
    GError *err = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("kite-test-kernel-XXXXXX", &path, &err);

    g_assert_no_error(err);
    close(fd);
    g_assert_true(g_file_set_contents(path, (const char *)img, len, &err));
    g_assert_no_error(err);
    return path;
}

/*
 * A multiboot v1 kernel in the a.out-kludge form (Multiboot 0.6.96,
 * 3.1): the header gives the load addresses, the code is `cli; hlt`.
 * Loaded at 1 MiB; under qtest it never runs.  Caller unlinks and frees.
 */
static inline char *test_kernel_multiboot(void)
{
    static const uint32_t load = 0x100000;
    uint32_t h[8] = { 0x1BADB002u, 1u << 16 };
    uint8_t img[64] = { 0 };

    h[2] = -(h[0] + h[1]);
    h[3] = load;                        /* header_addr */
    h[4] = load;                        /* load_addr */
    h[5] = load + sizeof(img);          /* load_end_addr */
    h[6] = load + sizeof(img);          /* bss_end_addr */
    h[7] = load + sizeof(h);            /* entry_addr */
    for (int i = 0; i < 8; i++) {
        uint32_t le = GUINT32_TO_LE(h[i]);
        memcpy(img + 4 * i, &le, 4);
    }
    img[sizeof(h)] = 0xfa;              /* cli */
    img[sizeof(h) + 1] = 0xf4;          /* hlt */
    return test_kernel_write(img, sizeof(img));
}

/*
 * The smallest file both Kite and QEMU load as a Linux bzImage: a setup
 * header (Documentation/x86/boot.rst) for protocol 2.15 with a 64-bit
 * entry point, one setup sector and a kernel of zeros.
 */
static inline char *test_kernel_bzimage(void)
{
    uint8_t img[2048] = { 0 };

    img[0x1f1] = 1;                             /* setup_sects */
    img[0x1fe] = 0x55, img[0x1ff] = 0xaa;       /* boot_flag */
    img[0x201] = 0x66;                          /* end of the header */
    memcpy(img + 0x202, "HdrS", 4);
    img[0x206] = 0x0f, img[0x207] = 0x02;       /* version 2.15 */
    img[0x211] = 1;                             /* loadflags: LOADED_HIGH */
    img[0x22c] = 0xff, img[0x22d] = 0xff;       /* initrd_addr_max */
    img[0x22e] = 0xff, img[0x22f] = 0x37;
    img[0x236] = 1;                             /* xloadflags: 64-bit */
    img[0x238] = 0xff, img[0x239] = 0x07;       /* cmdline_size 2047 */
    return test_kernel_write(img, sizeof(img));
}

#endif
