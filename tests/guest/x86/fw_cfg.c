/*
 * fw_cfg and the MP table as a guest sees them on real KVM: the legacy
 * keys through ports 0x510/0x511 (QEMU's docs/specs/fw_cfg.rst), one
 * item again through the DMA interface, and the MP table found by
 * scanning the BIOS area (MultiProcessor Specification 1.4, 4.1).  The
 * host passes what to expect on the command line: "cpus=N mem=MiB".
 */
#include "guest.h"

#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_DMA_HI 0x514
#define FW_CFG_DMA_LO 0x518

/* Find "@key=" in the multiboot command line; its decimal value or @def. */
static uint32_t cmdline_num(uint32_t info, const char *key, uint32_t def)
{
    const char *c;

    if (!info || !(*(volatile uint32_t *)info & (1u << 2))) {
        return def;
    }
    for (c = (const char *)*(volatile uint32_t *)(info + 16); *c; c++) {
        const char *a = c, *b = key;
        uint32_t v = 0;

        while (*b && *a == *b) {
            a++, b++;
        }
        if (*b || *a != '=') {
            continue;
        }
        for (a++; *a >= '0' && *a <= '9'; a++) {
            v = v * 10 + (*a - '0');
        }
        return v;
    }
    return def;
}

static void fw_cfg_read(uint16_t key, void *buf, uint32_t len)
{
    outw(FW_CFG_SEL, key);
    for (uint32_t i = 0; i < len; i++) {
        ((uint8_t *)buf)[i] = inb(FW_CFG_DATA);
    }
}

static uint32_t fw_cfg_u32(uint16_t key, uint32_t len)
{
    uint8_t b[4] = { 0 };

    fw_cfg_read(key, b, len);
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint32_t bswap32(uint32_t v)
{
    return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

/* FWCfgDmaAccess, big-endian fields. */
static volatile struct {
    uint32_t control, length, addr_hi, addr_lo;
} dma __attribute__((aligned(16)));
static char dma_buf[8];

static uint8_t sum(const uint8_t *p, uint32_t len)
{
    uint8_t s = 0;

    while (len--) {
        s += *p++;
    }
    return s;
}

/* Processor entries of the MP table, or -1 if there is no valid one. */
static int mptable_cpus(uint32_t *bsp_apic_id)
{
    for (uint32_t a = 0xf0000; a < 0x100000; a += 16) {
        const uint8_t *fp = (const uint8_t *)a, *cfg, *p, *end;
        int cpus = 0;

        if (memcmp(fp, "_MP_", 4) || sum(fp, 16)) {
            continue;
        }
        cfg = (const uint8_t *)(fp[4] | fp[5] << 8 | fp[6] << 16 |
                                (uint32_t)fp[7] << 24);
        if (memcmp(cfg, "PCMP", 4) || sum(cfg, cfg[4] | cfg[5] << 8)) {
            return -1;
        }
        end = cfg + (cfg[4] | cfg[5] << 8);
        for (p = cfg + 44; p < end; p += p[0] == 0 ? 20 : 8) {
            if (p[0] == 0) {
                if (p[3] & 2) {
                    *bsp_apic_id = p[1];
                }
                cpus++;
            }
        }
        return cpus;
    }
    return -1;
}

int guest_main(uint32_t magic, uint32_t info)
{
    uint32_t want_cpus = cmdline_num(info, "cpus", 1);
    uint32_t want_mib = cmdline_num(info, "mem", 64);
    uint32_t ram_lo, ram_hi, cpus, id, r[4], bsp = 0xff;
    uint8_t ram[8];
    char sig[5] = { 0 };
    int mp_cpus;

    fw_cfg_read(0x0000, sig, 4);
    guest_check(!memcmp(sig, "QEMU", 4), "signature QEMU",
                sig[0] | sig[1] << 8 | sig[2] << 16 | (uint32_t)sig[3] << 24,
                0x554d4551);
    id = fw_cfg_u32(0x0001, 4);
    CHECK_EQ(id, 3u);                           /* ports + DMA */
    fw_cfg_read(0x0003, ram, 8);
    ram_lo = ram[0] | ram[1] << 8 | ram[2] << 16 | (uint32_t)ram[3] << 24;
    ram_hi = ram[4] | ram[5] << 8 | ram[6] << 16 | (uint32_t)ram[7] << 24;
    CHECK_EQ(ram_hi, 0u);
    CHECK_EQ(ram_lo, want_mib << 20);
    cpus = fw_cfg_u32(0x0005, 2);
    CHECK_EQ(cpus, want_cpus);
    CHECK_EQ(fw_cfg_u32(0x000f, 2), want_cpus);
    CHECK_EQ(fw_cfg_u32(0x1234, 4), 0u);        /* nobody's key */
    CHECK_EQ(fw_cfg_u32(0x0014, 4), 0u);        /* multiboot: no cmdline key */

    /* DMA: select the signature and read it into dma_buf. */
    dma.control = bswap32(0x0000u << 16 | 0x08 | 0x02);
    dma.length = bswap32(4);
    dma.addr_hi = 0;
    dma.addr_lo = bswap32((uint32_t)dma_buf);
    outl(FW_CFG_DMA_HI, 0);
    outl(FW_CFG_DMA_LO, bswap32((uint32_t)&dma));
    CHECK_EQ(dma.control, 0u);
    guest_check(!memcmp(dma_buf, "QEMU", 4), "DMA signature", dma_buf[0], 'Q');

    mp_cpus = mptable_cpus(&bsp);
    CHECK_EQ(mp_cpus, (int)want_cpus);
    cpuid(1, 0, r);
    CHECK_EQ(bsp, r[1] >> 24);                  /* the BSP is us */
    guest_printf("fw_cfg: %s id %x, %u CPUs, %u MiB, MP table %d CPUs, "
                 "%d failures\n", sig, id, cpus, ram_lo >> 20, mp_cpus,
                 guest_failures());
    return guest_failures();
}
