/*
 * Linux bzImage loading with the 64-bit boot protocol (the kernel's
 * Documentation/x86/boot.rst: setup header fields and the zero page):
 * the protected-mode kernel at its preferred address, the zero page with
 * the e820 map and command line, the initrd high in low RAM, and
 * identity-mapped page tables so the CPU can enter at startup_64.
 */
#include "kite/i386/x86-boot.h"
#include "kite/memory.h"

/* Guest addresses of what the loader builds (all below 640 KiB). */
#define GDT_ADDR        0x500
#define ZERO_PAGE_ADDR  0x7000
#define PML4_ADDR       0x9000
#define PDPT_ADDR       0xa000
#define PD_ADDR         0xb000    /* 4 pages: 4 GiB of 2 MiB mappings */
#define CMDLINE_ADDR    0x20000
#define CMDLINE_MAX     0x10000
#define KERNEL_DEFAULT  0x100000

/* Setup header offsets in the image and the zero page. */
#define HDR_SETUP_SECTS   0x1f1
#define HDR_BOOT_FLAG     0x1fe
#define HDR_JUMP_END      0x201
#define HDR_MAGIC         0x202
#define HDR_VERSION       0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS     0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE  0x21c
#define HDR_CMD_LINE_PTR  0x228
#define HDR_INITRD_MAX    0x22c
#define HDR_XLOADFLAGS    0x236
#define HDR_CMDLINE_SIZE  0x238
#define HDR_PREF_ADDRESS  0x258
#define ZP_E820_ENTRIES   0x1e8
#define ZP_E820_TABLE     0x2d0
#define ZP_EXT_RAMDISK_IMAGE 0x0c0
#define ZP_EXT_RAMDISK_SIZE  0x0c4
#define ZP_EXT_CMD_LINE_PTR  0x0c8
#define ZP_ACPI_RSDP_ADDR    0x070
#define XLF_KERNEL_64 0x1
#define LOADED_HIGH 0x01
#define E820_RAM 1
#define E820_RESERVED 2

static uint32_t le32_at(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t le16_at(const uint8_t *p) { return p[0] | p[1] << 8; }
static void set32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = v >> (8 * i); }
static void set64(uint8_t *p, uint64_t v) { set32(p, v); set32(p + 4, v >> 32); }

static bool put(hwaddr addr, const void *buf, uint64_t len, GError **errp)
{
    return dma_memory_write(address_space_memory(), addr, buf, len, errp);
}

static bool build_page_tables(GError **errp)
{
    g_autofree uint64_t *pd = g_new0(uint64_t, 4 * 512);
    uint64_t pml4[512] = { 0 }, pdpt[512] = { 0 };

    /* Identity map the low 4 GiB with 2 MiB pages: present, writable, PS. */
    pml4[0] = GUINT64_TO_LE(PDPT_ADDR | 0x3);
    for (int i = 0; i < 4; i++) {
        pdpt[i] = GUINT64_TO_LE((PD_ADDR + 0x1000 * i) | 0x3);
    }
    for (int i = 0; i < 4 * 512; i++) {
        pd[i] = GUINT64_TO_LE(((uint64_t)i << 21) | 0x83);
    }
    return put(PML4_ADDR, pml4, sizeof(pml4), errp) &&
           put(PDPT_ADDR, pdpt, sizeof(pdpt), errp) &&
           put(PD_ADDR, pd, 4 * 512 * 8, errp);
}

static bool build_gdt(GError **errp)
{
    /* null, null, __BOOT_CS (64-bit code), __BOOT_DS (data). */
    uint64_t gdt[4] = {
        0, 0, GUINT64_TO_LE(0x00af9b000000ffffULL),
        GUINT64_TO_LE(0x00cf93000000ffffULL),
    };
    return put(GDT_ADDR, gdt, sizeof(gdt), errp);
}

bool x86_load_linux(const char *kernel, const char *cmdline, const char *initrd,
                    uint64_t ram_below_4g, uint64_t ram_above_4g, GError **errp)
{
    /*
     * The kernel and initrd are mapped, not read: a read() copy of a
     * multi-MiB file goes through malloc, and once freed it raises
     * glibc's mmap threshold so that later allocations stay on a heap
     * that is never given back (9 MiB of RSS for the whole run, measured
     * with Debian's 8 MiB bzImage). A mapping is dropped at unref.
     */
    g_autoptr(GMappedFile) map = NULL;
    const uint8_t *img;
    g_autofree uint8_t *zp = g_malloc0(4096);
    gsize size;
    unsigned setup_sects, hdr_end, n = 0;
    uint64_t kernel_off, load_addr;
    uint16_t version;
    g_autofree char *cl_owned = NULL;
    const char *cl = cmdline ? cmdline : "";

    /*
     * Linux on hardware-reduced ACPI without EFI picks "reboot through
     * EFI" and hangs there (6.1, seen here); send it to the 8042 instead,
     * unless the user chose a reboot method.
     */
    if (!strstr(cl, "reboot=")) {
        cl = cl_owned = g_strdup_printf("%s%sreboot=k", cl, *cl ? " " : "");
    }
    map = g_mapped_file_new(kernel, FALSE, errp);
    if (!map) {
        return false;
    }
    img = (const uint8_t *)g_mapped_file_get_contents(map);
    size = g_mapped_file_get_length(map);
    if (size < 0x300 || le32_at(img + HDR_MAGIC) != 0x53726448 /* "HdrS" */ ||
        le16_at(img + HDR_BOOT_FLAG) != 0xaa55) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "%s: neither a multiboot kernel nor a Linux bzImage", kernel);
        return false;
    }
    version = le16_at(img + HDR_VERSION);
    if (version < 0x020c || !(le16_at(img + HDR_XLOADFLAGS) & XLF_KERNEL_64)) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "%s: boot protocol %x.%02x without a 64-bit entry point; "
                    "Kite needs protocol 2.12 or later", kernel, version >> 8,
                    version & 0xff);
        return false;
    }
    setup_sects = img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4;
    kernel_off = (uint64_t)(setup_sects + 1) * 512;
    if (kernel_off >= size) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "%s: truncated bzImage", kernel);
        return false;
    }
    load_addr = KERNEL_DEFAULT;
    if (load_addr + (size - kernel_off) > ram_below_4g) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "%s: kernel does not fit in guest RAM", kernel);
        return false;
    }
    if (!put(load_addr, img + kernel_off, size - kernel_off, errp)) {
        return false;
    }

    /* The zero page starts with the image's setup header (boot.rst:
     * "the 64-bit boot protocol"). */
    hdr_end = 0x202 + img[HDR_JUMP_END];
    memcpy(zp + HDR_SETUP_SECTS, img + HDR_SETUP_SECTS,
           MIN(MIN(hdr_end, 4096u), size) - HDR_SETUP_SECTS);
    zp[HDR_TYPE_OF_LOADER] = 0xff;
    zp[HDR_LOADFLAGS] |= LOADED_HIGH;
    if (strlen(cl) + 1 > MIN(le32_at(img + HDR_CMDLINE_SIZE) + 1u, (unsigned)CMDLINE_MAX)) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "-append: the command line is longer than the kernel accepts");
        return false;
    }
    if (!put(CMDLINE_ADDR, cl, strlen(cl) + 1, errp)) {
        return false;
    }
    set32(zp + HDR_CMD_LINE_PTR, CMDLINE_ADDR);
    x86_boot_state.cmdline_addr = CMDLINE_ADDR;
    x86_boot_state.cmdline_size = strlen(cl) + 1;

    if (initrd && *initrd) {
        g_autoptr(GMappedFile) rd_map = g_mapped_file_new(initrd, FALSE, errp);
        const uint8_t *rd;
        gsize rd_size;
        uint64_t max = le32_at(img + HDR_INITRD_MAX), addr;

        if (!rd_map) {
            return false;
        }
        rd = (const uint8_t *)g_mapped_file_get_contents(rd_map);
        rd_size = g_mapped_file_get_length(rd_map);
        max = MIN(max ? max : 0x37ffffff, ram_below_4g - 1);
        addr = (max + 1 - rd_size) & ~0xfffULL;
        if (rd_size > max || addr < load_addr + (size - kernel_off)) {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                        "%s: initrd of %" G_GSIZE_FORMAT " bytes does not fit "
                        "in guest RAM", initrd, rd_size);
            return false;
        }
        /* An empty file maps to NULL: nothing to copy. */
        if (rd_size && !put(addr, rd, rd_size, errp)) {
            return false;
        }
        set32(zp + HDR_RAMDISK_IMAGE, addr);
        set32(zp + HDR_RAMDISK_SIZE, rd_size);
    }

    /* e820: RAM below 640 KiB, the legacy hole, RAM from 1 MiB, RAM
     * above 4 GiB. */
    {
        uint64_t map[4][3] = {
            { 0, 0x9fc00, E820_RAM },
            { 0x9fc00, 0x100000 - 0x9fc00, E820_RESERVED },
            { 0x100000, ram_below_4g - 0x100000, E820_RAM },
            { 4 * GiB, ram_above_4g, E820_RAM },
        };
        for (int i = 0; i < 4; i++) {
            uint8_t *e = zp + ZP_E820_TABLE + 20 * n;
            if (!map[i][1]) {
                continue;
            }
            set64(e, map[i][0]);
            set64(e + 8, map[i][1]);
            set32(e + 16, map[i][2]);
            n++;
        }
        zp[ZP_E820_ENTRIES] = n;
    }
    set64(zp + ZP_ACPI_RSDP_ADDR, x86_boot_state.rsdp);
    if (!put(ZERO_PAGE_ADDR, zp, 4096, errp) || !build_page_tables(errp) ||
        !build_gdt(errp)) {
        return false;
    }
    x86_boot_state.mode = X86_BOOT_LINUX64;
    x86_boot_state.entry = load_addr + 0x200;   /* startup_64 */
    x86_boot_state.esi = ZERO_PAGE_ADDR;
    x86_boot_state.cr3 = PML4_ADDR;
    x86_boot_state.gdt_base = GDT_ADDR;
    return true;
}
