/*
 * The MP table (Intel MultiProcessor Specification 1.4, chapter 4) for
 * guests that find their CPUs and interrupt routing without ACPI (Linux
 * with acpi=off, older kernels, small test kernels):
 *   - the floating pointer "_MP_" at 0xf0100, in the BIOS area
 *     0xf0000-0xfffff that guests scan; SMBIOS has 0xf0000-0xf004d and
 *     ACPI 0xe0000-0xeffff, so 0xf0100 is the first free 256-byte
 *     boundary after them;
 *   - the configuration table "PCMP" right after it at 0xf0110: one
 *     processor entry per vCPU (APIC id = vCPU index, as in the MADT and
 *     CPUID), buses PCI (id 0) and ISA (id 1), the I/O APIC, ISA IRQs to
 *     their I/O APIC pins (IRQ 0 on pin 2, as the MADT's override says),
 *     pin A of each PCI slot to its GSI, ExtINT on LINT0 and NMI on LINT1.
 * Built with the ACPI tables whenever -kernel is loaded.
 */
#include "kite/i386/x86-boot.h"
#include "kite/memory.h"

#define MP_FLOATING_ADDR  0xf0100
#define MP_CONFIG_ADDR    (MP_FLOATING_ADDR + MP_FLOATING_LEN)
#define MP_FLOATING_LEN   16
#define MP_HEADER_LEN     44
#define MP_SPEC_REV       4             /* 1.4 */
#define MP_MAX_APIC_ID    0xfe          /* 0xff means "all" in entries */

#define MP_LAPIC_BASE     0xfee00000u
#define MP_IOAPIC_BASE    0xfec00000u
#define MP_LAPIC_VERSION  0x14          /* what KVM's local APIC reports */
#define MP_IOAPIC_VERSION 0x11          /* what KVM's I/O APIC reports */
#define MP_PCI_SLOTS      32

/* Entry types and lengths (4.3, table 4-3). */
enum {
    MP_PROCESSOR = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_IOINTR = 3, MP_LINTR = 4,
};
#define MP_PROCESSOR_LEN  20
#define MP_ENTRY_LEN      8

#define MP_CPU_ENABLED    0x01
#define MP_CPU_BSP        0x02
#define MP_BUS_PCI        0
#define MP_BUS_ISA        1
#define MP_INT            0             /* vectored interrupt */
#define MP_NMI            1
#define MP_EXTINT         3
/* Interrupt flags: polarity bits 1:0, trigger mode bits 3:2. */
#define MP_IRQ_CONFORMS   0x0
#define MP_IRQ_PCI        0xf           /* active low, level triggered */

/* The processor entries' CPU signature and feature flags are only
 * printed by guests: family 6, with FPU and an on-chip APIC. */
#define MP_CPU_SIGNATURE  0x600
#define MP_CPU_FEATURES   ((1u << 0) | (1u << 9))

static uint8_t *add_intr(uint8_t *p, uint8_t entry, uint8_t type,
                         uint16_t flags, uint8_t bus, uint8_t irq,
                         uint8_t dest, uint8_t pin)
{
    p[0] = entry;
    p[1] = type;
    x86_table_put16(p + 2, flags);
    p[4] = bus;
    p[5] = irq;
    p[6] = dest;
    p[7] = pin;
    return p + MP_ENTRY_LEN;
}

static size_t mptable_config(uint8_t *t, unsigned ncpus)
{
    uint8_t *p = t + MP_HEADER_LEN;
    unsigned count = 0;

    for (unsigned i = 0; i < ncpus; i++, count++, p += MP_PROCESSOR_LEN) {
        p[0] = MP_PROCESSOR;
        p[1] = i;                               /* local APIC id */
        p[2] = MP_LAPIC_VERSION;
        p[3] = MP_CPU_ENABLED | (i == 0 ? MP_CPU_BSP : 0);
        x86_table_put32(p + 4, MP_CPU_SIGNATURE);
        x86_table_put32(p + 8, MP_CPU_FEATURES);
    }
    p[0] = MP_BUS;
    p[1] = MP_BUS_PCI;
    memcpy(p + 2, "PCI   ", 6);
    p += MP_ENTRY_LEN;
    p[0] = MP_BUS;
    p[1] = MP_BUS_ISA;
    memcpy(p + 2, "ISA   ", 6);
    p += MP_ENTRY_LEN;
    count += 2;

    p[0] = MP_IOAPIC;
    p[1] = X86_IOAPIC_ID;
    p[2] = MP_IOAPIC_VERSION;
    p[3] = 1;                                   /* enabled */
    x86_table_put32(p + 4, MP_IOAPIC_BASE);
    p += MP_ENTRY_LEN;
    count++;

    /* ISA IRQ n on pin n, but IRQ 0 (the PIT) on pin 2 and no IRQ 2: that
     * is the 8259 cascade, never raised, and its pin is IRQ 0's. */
    for (unsigned irq = 0; irq < 16; irq++) {
        if (irq == 2) {
            continue;
        }
        p = add_intr(p, MP_IOINTR, MP_INT, MP_IRQ_CONFORMS, MP_BUS_ISA, irq,
                     X86_IOAPIC_ID, irq == 0 ? 2 : irq);
        count++;
    }
    /* PCI: source irq is slot << 2 | pin (A = 0); pin A of slot s is on
     * GSI 16 + s % 4 (hw/pci/pci-host.c). */
    for (unsigned slot = 0; slot < MP_PCI_SLOTS; slot++) {
        p = add_intr(p, MP_IOINTR, MP_INT, MP_IRQ_PCI, MP_BUS_PCI, slot << 2,
                     X86_IOAPIC_ID, X86_PCI_FIRST_GSI + slot % 4);
        count++;
    }
    p = add_intr(p, MP_LINTR, MP_EXTINT, MP_IRQ_CONFORMS, MP_BUS_ISA, 0,
                 0xff, 0);
    p = add_intr(p, MP_LINTR, MP_NMI, MP_IRQ_CONFORMS, MP_BUS_ISA, 0,
                 0xff, 1);
    count += 2;

    memcpy(t, "PCMP", 4);
    x86_table_put16(t + 4, p - t);
    t[6] = MP_SPEC_REV;
    memcpy(t + 8, "KITE    ", 8);
    memcpy(t + 16, "MICROVM     ", 12);
    x86_table_put16(t + 34, count);
    x86_table_put32(t + 36, MP_LAPIC_BASE);
    t[7] = x86_table_checksum(t, p - t);
    return p - t;
}

bool x86_mptable_build(unsigned ncpus, GError **errp)
{
    size_t max_len;
    g_autofree uint8_t *t = NULL;
    uint8_t fp[MP_FLOATING_LEN] = { '_', 'M', 'P', '_' };
    size_t len;

    /* Entries name CPUs by 8-bit APIC id and 0xff means "all": beyond
     * 255 vCPUs only the first 255 are listed (the MADT lists them all). */
    ncpus = MIN(ncpus, MP_MAX_APIC_ID + 1u);
    max_len = MP_HEADER_LEN + ncpus * MP_PROCESSOR_LEN +
              (2 + 1 + 15 + MP_PCI_SLOTS + 2) * MP_ENTRY_LEN;
    t = g_malloc0(max_len);
    len = mptable_config(t, ncpus);
    g_assert(len <= max_len);

    x86_table_put32(fp + 4, MP_CONFIG_ADDR);
    fp[8] = 1;                                  /* length in 16 bytes */
    fp[9] = MP_SPEC_REV;
    /* Feature bytes 0: a configuration table follows; bit 7 of byte 2
     * clear: virtual wire mode, no IMCR. */
    fp[10] = x86_table_checksum(fp, sizeof(fp));
    return dma_memory_write(address_space_memory(), MP_FLOATING_ADDR, fp,
                            sizeof(fp), errp) &&
           dma_memory_write(address_space_memory(), MP_CONFIG_ADDR, t, len,
                            errp);
}
