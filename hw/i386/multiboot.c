/*
 * Multiboot v1 loading (Multiboot Specification 0.6.96): find the header
 * in the first 8 KiB, load the ELF32 segments or the a.out-kludge image,
 * pass the command line, modules (-initrd, comma separated) and a memory
 * map in the information structure, and start in 32-bit protected mode.
 */
#include "kite/i386/x86-boot.h"
#include "kite/memory.h"
#include <elf.h>

#define MB_HEADER_MAGIC 0x1BADB002u
#define MB_BOOT_MAGIC 0x2BADB002u
#define MB_SEARCH 8192
#define MB_FLAG_AOUT_KLUDGE (1u << 16)
/* Where the information structure and its strings go (below 640 KiB). */
#define MBI_ADDR 0x9000u
#define MBI_LIMIT 0x9f000u

/* Information structure flags (3.3). */
#define MBI_MEM (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)

static bool put(hwaddr addr, const void *buf, uint64_t len, GError **errp)
{
    return dma_memory_write(address_space_memory(), addr, buf, len, errp);
}

static bool put32(hwaddr addr, uint32_t v, GError **errp)
{
    uint32_t le = GUINT32_TO_LE(v);
    return put(addr, &le, 4, errp);
}

static bool load_elf32(const char *path, const uint8_t *img, size_t size,
                       uint32_t *entry, uint32_t *end, GError **errp)
{
    const Elf32_Ehdr *eh = (const void *)img;

    if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_machine != EM_386) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "%s: multiboot kernel is not a 32-bit x86 ELF file "
                    "(and its header does not give load addresses)", path);
        return false;
    }
    if (eh->e_phoff > size || eh->e_phnum > (size - eh->e_phoff) / sizeof(Elf32_Phdr)) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "%s: program headers outside the file", path);
        return false;
    }
    *end = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf32_Phdr *ph = (const void *)(img + eh->e_phoff + i * sizeof(*ph));
        g_autofree uint8_t *zero = NULL;

        if (ph->p_type != PT_LOAD || !ph->p_memsz) {
            continue;
        }
        if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset ||
            ph->p_filesz > ph->p_memsz) {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                        "%s: segment %u lies outside the file", path, i);
            return false;
        }
        if (!put(ph->p_paddr, img + ph->p_offset, ph->p_filesz, errp)) {
            g_prefix_error(errp, "%s: segment %u: ", path, i);
            return false;
        }
        zero = g_malloc0(ph->p_memsz - ph->p_filesz + 1);
        if (!put(ph->p_paddr + ph->p_filesz, zero, ph->p_memsz - ph->p_filesz, errp)) {
            g_prefix_error(errp, "%s: segment %u: ", path, i);
            return false;
        }
        *end = MAX(*end, ph->p_paddr + ph->p_memsz);
    }
    *entry = eh->e_entry;
    return true;
}

static bool load_aout_kludge(const char *path, const uint8_t *img, size_t size,
                             size_t hdr_off, const uint32_t *h,
                             uint32_t *entry, uint32_t *end, GError **errp)
{
    uint32_t header_addr = h[3], load_addr = h[4], load_end = h[5];
    uint32_t bss_end = h[6];
    uint64_t file_off, len;
    g_autofree uint8_t *zero = NULL;

    if (header_addr < load_addr || header_addr - load_addr > hdr_off) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "%s: multiboot header addresses are inconsistent", path);
        return false;
    }
    file_off = hdr_off - (header_addr - load_addr);
    len = load_end ? (uint64_t)load_end - load_addr : size - file_off;
    if (load_end && load_end < load_addr) {
        len = 0;
    }
    if (file_off > size || len > size - file_off) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "%s: multiboot load range is larger than the file", path);
        return false;
    }
    if (!put(load_addr, img + file_off, len, errp)) {
        g_prefix_error(errp, "%s: ", path);
        return false;
    }
    *end = load_addr + len;
    if (bss_end > *end) {
        zero = g_malloc0(bss_end - *end);
        if (!put(*end, zero, bss_end - *end, errp)) {
            g_prefix_error(errp, "%s: bss: ", path);
            return false;
        }
        *end = bss_end;
    }
    *entry = h[7];
    return true;
}

/* Strings and tables after the information structure. */
typedef struct MbiWriter {
    hwaddr next;
} MbiWriter;

static bool mbi_alloc(MbiWriter *w, uint64_t len, hwaddr *addr, GError **errp)
{
    hwaddr a = (w->next + 7) & ~7ULL;

    if (a + len > MBI_LIMIT) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "multiboot: command line and module list are too long");
        return false;
    }
    *addr = a;
    w->next = a + len;
    return true;
}

bool x86_load_multiboot(const char *kernel, const char *cmdline,
                        const char *initrd, uint64_t ram_below_4g,
                        uint64_t ram_above_4g, bool *is_multiboot,
                        GError **errp)
{
    /* Mapped, not read into the heap: see x86_load_linux(). */
    g_autoptr(GMappedFile) map = NULL;
    const uint8_t *img;
    gsize size;
    const uint32_t *h = NULL;
    size_t hdr_off = 0;
    uint32_t entry, end, flags = MBI_MEM | MBI_CMDLINE | MBI_MMAP | MBI_LOADER_NAME;
    MbiWriter w = { MBI_ADDR + 120 };
    hwaddr a_cmd, a_name, a_mmap, a_mods = 0;
    g_autofree char *full_cmdline = NULL;
    g_auto(GStrv) mods = NULL;
    unsigned nmods = 0;
    uint32_t mmap_len;

    *is_multiboot = false;
    map = g_mapped_file_new(kernel, FALSE, errp);
    if (!map) {
        return false;
    }
    img = (const uint8_t *)g_mapped_file_get_contents(map);
    size = g_mapped_file_get_length(map);
    for (size_t off = 0; off + 12 <= MIN(size, (gsize)MB_SEARCH); off += 4) {
        const uint32_t *c = (const void *)(img + off);
        if (c[0] == MB_HEADER_MAGIC && c[0] + c[1] + c[2] == 0) {
            h = c;
            hdr_off = off;
            break;
        }
    }
    if (!h) {
        return true;    /* not a multiboot kernel: the caller tries others */
    }
    *is_multiboot = true;
    if ((h[1] & MB_FLAG_AOUT_KLUDGE) && hdr_off + 32 <= size) {
        if (!load_aout_kludge(kernel, img, size, hdr_off, h, &entry, &end, errp)) {
            return false;
        }
    } else if (!load_elf32(kernel, img, size, &entry, &end, errp)) {
        return false;
    }

    /* The command line starts with the kernel's name, as GRUB passes it. */
    full_cmdline = g_strdup_printf("%s%s%s", kernel, cmdline && *cmdline ? " " : "",
                                   cmdline ? cmdline : "");
    if (!mbi_alloc(&w, strlen(full_cmdline) + 1, &a_cmd, errp) ||
        !put(a_cmd, full_cmdline, strlen(full_cmdline) + 1, errp) ||
        !mbi_alloc(&w, 5, &a_name, errp) || !put(a_name, "kite", 5, errp)) {
        return false;
    }

    /* Modules: -initrd "file args,file args", loaded page-aligned after
     * the kernel. */
    if (initrd && *initrd) {
        hwaddr next = (end + 4095) & ~4095ULL;

        mods = g_strsplit(initrd, ",", 0);
        nmods = g_strv_length(mods);
        if (!mbi_alloc(&w, 16ULL * nmods, &a_mods, errp)) {
            return false;
        }
        for (unsigned i = 0; i < nmods; i++) {
            g_auto(GStrv) parts = g_strsplit(mods[i], " ", 2);
            g_autoptr(GMappedFile) mod = g_mapped_file_new(parts[0], FALSE, errp);
            const uint8_t *data;
            gsize dlen;
            hwaddr a_str;

            if (!mod) {
                return false;
            }
            data = (const uint8_t *)g_mapped_file_get_contents(mod);
            dlen = g_mapped_file_get_length(mod);
            /* An empty module maps to NULL: nothing to copy. */
            if (next + dlen > ram_below_4g ||
                (dlen && !put(next, data, dlen, errp))) {
                g_clear_error(errp);
                g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                            "multiboot: module %s does not fit in RAM", parts[0]);
                return false;
            }
            if (!mbi_alloc(&w, strlen(mods[i]) + 1, &a_str, errp) ||
                !put(a_str, mods[i], strlen(mods[i]) + 1, errp) ||
                !put32(a_mods + 16 * i, next, errp) ||
                !put32(a_mods + 16 * i + 4, next + dlen, errp) ||
                !put32(a_mods + 16 * i + 8, a_str, errp) ||
                !put32(a_mods + 16 * i + 12, 0, errp)) {
                return false;
            }
            next = (next + dlen + 4095) & ~4095ULL;
        }
        flags |= MBI_MODS;
    }

    /* Memory map: low RAM, the hole below 1 MiB, RAM above 1 MiB and
     * above 4 GiB; each entry is size(4) base(8) length(8) type(4). */
    {
        uint64_t ents[3][3] = {
            { 0, 0x9fc00, 1 },
            { 0x100000, ram_below_4g - 0x100000, 1 },
            { 4 * GiB, ram_above_4g, 1 },
        };
        unsigned n = ram_above_4g ? 3 : 2;

        mmap_len = 24 * n;
        if (!mbi_alloc(&w, mmap_len, &a_mmap, errp)) {
            return false;
        }
        for (unsigned i = 0; i < n; i++) {
            uint8_t e[24];
            uint32_t sz = GUINT32_TO_LE(20), type = GUINT32_TO_LE(ents[i][2]);
            uint64_t base = GUINT64_TO_LE(ents[i][0]), len = GUINT64_TO_LE(ents[i][1]);

            memcpy(e, &sz, 4);
            memcpy(e + 4, &base, 8);
            memcpy(e + 12, &len, 8);
            memcpy(e + 20, &type, 4);
            if (!put(a_mmap + 24 * i, e, 24, errp)) {
                return false;
            }
        }
    }

    {
        uint32_t mbi[30] = { 0 };

        mbi[0] = flags;
        mbi[1] = 640;                                   /* mem_lower, KiB */
        mbi[2] = (MIN(ram_below_4g, 4 * GiB - MiB) - MiB) / KiB; /* mem_upper */
        mbi[4] = a_cmd;
        mbi[5] = nmods;
        mbi[6] = a_mods;
        mbi[11] = mmap_len;
        mbi[12] = a_mmap;
        mbi[16] = a_name;
        for (unsigned i = 0; i < G_N_ELEMENTS(mbi); i++) {
            mbi[i] = GUINT32_TO_LE(mbi[i]);
        }
        if (!put(MBI_ADDR, mbi, sizeof(mbi), errp)) {
            return false;
        }
    }
    x86_boot_state.mode = X86_BOOT_MULTIBOOT;
    x86_boot_state.entry = entry;
    x86_boot_state.eax = MB_BOOT_MAGIC;
    x86_boot_state.ebx = MBI_ADDR;
    return true;
}
