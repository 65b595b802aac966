/*
 * libFuzzer harness for fw_cfg (hw/i386/fw_cfg.c): the input is a list
 * of port accesses a guest could make at 0x50e-0x51d (any width, any
 * value), FWCfgDmaAccess descriptors it could place in RAM and point the
 * DMA register at, and resets.  Nothing a guest does may crash the model
 * or make it touch memory outside RAM.
 *
 * Input records: one op byte, then its operands:
 *   0: u16 key, selected with a word write at 0x510
 *   1: u8 port offset, u8 size: a read
 *   2: u8 port offset, u8 size, u32 value: a write
 *   3: 16 descriptor bytes placed at 0x1000, then run through 0x514/0x518
 *   4: u32 high, u32 low: written to 0x514 and 0x518 as they come
 *   5: reset
 */
#include "kite/memory.h"
#include "kite/qdev.h"
#include "../../hw/i386/fw_cfg.h"

#define FUZZ_RAM (1 * MiB)
#define FUZZ_DESC 0x1000

static DeviceState *fuzz_fw_cfg;

static void fuzz_init(void)
{
    GError *err = NULL;
    MemoryRegion *ram = g_new0(MemoryRegion, 1);
    uint8_t big[10000];

    memory_system_init();
    if (!memory_region_init_ram(ram, NULL, "fuzz.ram", FUZZ_RAM, &err)) {
        g_error("RAM: %s", err->message);
    }
    memory_region_add_subregion(get_system_memory(), 0, ram);
    fuzz_fw_cfg = qdev_new(TYPE_FW_CFG_IO);
    if (!qdev_realize(fuzz_fw_cfg, &err)) {
        g_error("fw_cfg: %s", err->message);
    }
    /* Items of several sizes, one larger than a DMA chunk. */
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = i * 7;
    }
    fw_cfg_set_i16(fuzz_fw_cfg, FW_CFG_NB_CPUS, 2);
    fw_cfg_set_i64(fuzz_fw_cfg, FW_CFG_RAM_SIZE, FUZZ_RAM);
    fw_cfg_set_bytes(fuzz_fw_cfg, FW_CFG_CMDLINE_DATA, big, sizeof(big));
    fw_cfg_set_bytes(fuzz_fw_cfg, FW_CFG_IRQ0_OVERRIDE, big, 1);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | p[2] << 8 | p[3];
}

static unsigned fuzz_size(uint8_t b)
{
    static const unsigned sizes[] = { 1, 2, 4, 8, 3 };   /* 3: refused */

    return sizes[b % G_N_ELEMENTS(sizes)];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    AddressSpace *io;
    const uint8_t *p = data, *end = data + size;

    if (!fuzz_fw_cfg) {
        fuzz_init();
    }
    io = address_space_io();
    qdev_reset_all();
    while (p < end) {
        uint8_t op = *p++ % 6;
        uint64_t v;

        switch (op) {
        case 0:
            if (end - p < 2) {
                return 0;
            }
            address_space_write_sized(io, FW_CFG_IO_BASE, p[0] | p[1] << 8,
                                      2);
            p += 2;
            break;
        case 1:
            if (end - p < 2) {
                return 0;
            }
            address_space_read_sized(io, 0x50e + p[0] % 16, &v,
                                     fuzz_size(p[1]));
            p += 2;
            break;
        case 2:
            if (end - p < 6) {
                return 0;
            }
            address_space_write_sized(io, 0x50e + p[0] % 16, rd32(p + 2),
                                      fuzz_size(p[1]));
            p += 6;
            break;
        case 3:
            if (end - p < 16) {
                return 0;
            }
            dma_memory_write(address_space_memory(), FUZZ_DESC, p, 16, NULL);
            address_space_write_sized(io, FW_CFG_DMA_IO_BASE, 0, 4);
            address_space_write_sized(io, FW_CFG_DMA_IO_BASE + 4,
                                      GUINT32_TO_BE(FUZZ_DESC), 4);
            p += 16;
            break;
        case 4:
            if (end - p < 8) {
                return 0;
            }
            address_space_write_sized(io, FW_CFG_DMA_IO_BASE, rd32(p), 4);
            address_space_write_sized(io, FW_CFG_DMA_IO_BASE + 4,
                                      rd32(p + 4), 4);
            p += 8;
            break;
        default:
            qdev_reset_all();
            break;
        }
    }
    return 0;
}
