/*
 * The few ACPI tables microvm gives a direct-boot guest (ACPI 6.4):
 * RSDP -> XSDT -> FADT (hardware-reduced, with a sleep control register
 * so Linux can power off, the 8042 as reset register and the PM timer
 * that Linux calibrates the TSC against), the DSDT
 * (\_S5, the UART, the PCI host bridge),
 * and the MADT listing each vCPU's local APIC and the I/O APIC so Linux
 * brings up the other vCPUs.  Placed in the BIOS area at 0xe0000 that
 * e820 reports reserved, where guests also scan for the RSDP.
 */
#include "kite/i386/x86-boot.h"
#include "kite/memory.h"
#include "kite/pci.h"
#include "kite/i386/acpi-aml.h"

#define ACPI_BASE         0xe0000
#define ACPI_LIMIT        0xf0000
#define HDR_LEN           36
#define FADT_LEN          276
#define FADT_HW_REDUCED   (1u << 20)
#define FADT_RESET_REG_SUP (1u << 10)
#define BOOT_ARCH_NO_VGA  (1u << 2)
#define BOOT_ARCH_NO_CMOS_RTC (1u << 5)
#define GAS_SYSTEM_IO     1
#define GAS_ACCESS_BYTE   1
#define GAS_ACCESS_DWORD  3
#define LAPIC_BASE        0xfee00000u
#define IOAPIC_BASE       0xfec00000u

typedef struct AcpiBuf {
    uint8_t *data;
    size_t len;
} AcpiBuf;

static void put8(uint8_t *p, uint8_t v) { p[0] = v; }

/* Standard description header (5.2.6); checksum filled by finish(). */
static uint8_t *table_new(const char *sig, size_t len, uint8_t rev)
{
    uint8_t *t = g_malloc0(len);

    memcpy(t, sig, 4);
    x86_table_put32(t + 4, len);
    put8(t + 8, rev);
    memcpy(t + 10, "KITE  ", 6);
    memcpy(t + 16, "KITEMVM ", 8);
    x86_table_put32(t + 24, 1);
    memcpy(t + 28, "KITE", 4);
    x86_table_put32(t + 32, 1);
    return t;
}

static void finish(uint8_t *t, size_t len)
{
    t[9] = 0;
    t[9] = x86_table_checksum(t, len);
}

/* Generic Address Structure (5.2.3.2) for an I/O port register. */
static void put_gas_io_width(uint8_t *p, uint16_t port, unsigned bits)
{
    put8(p, GAS_SYSTEM_IO);
    put8(p + 1, bits);
    put8(p + 2, 0);
    put8(p + 3, bits == 32 ? GAS_ACCESS_DWORD : GAS_ACCESS_BYTE);
    x86_table_put64(p + 4, port);
}

static void put_gas_io(uint8_t *p, uint16_t port)
{
    put_gas_io_width(p, port, 8);
}

/*
 * The DSDT (ACPI 6.4, chapter 20 for AML):
 *   Name (_S5, Package () { 5, 0 })      the SLP_TYP that powers off
 *   Scope (\_SB) {
 *     Device (COM1)                      the 16550 and its ISA IRQ 4:
 *                                        hardware-reduced ACPI has no
 *                                        legacy PIC, so Linux only sets up
 *                                        ISA interrupts a _CRS names
 *     Device (PCI0)                      the host bridge, so the guest
 *                                        enumerates bus 0: its bus number,
 *                                        the config ports, the I/O and
 *                                        MMIO windows, and _PRT routing
 *                                        slot s pin p to GSI 16 + (s + p) % 4
 *   }
 */
#define PCI_FIRST_GSI 16
#define PCI_SLOTS     32

static void dsdt_add_com1(GByteArray *a)
{
    g_autoptr(GByteArray) crs = g_byte_array_new();
    guint dev = aml_device_open(a, "COM1");

    aml_name_eisaid(a, "_HID", "PNP0501");
    aml_name_integer(a, "_UID", 1);
    aml_res_io(crs, 0x3f8, 8);
    aml_res_irq(crs, 4);
    aml_res_end(crs);
    aml_name_buffer(a, "_CRS", crs);
    aml_close(a, dev);
}

static void dsdt_add_pci0(GByteArray *a, hwaddr mmio_base, uint64_t mmio_size)
{
    g_autoptr(GByteArray) crs = g_byte_array_new();
    guint dev = aml_device_open(a, "PCI0");
    guint prt;

    aml_name_eisaid(a, "_HID", "PNP0A03");
    aml_name_integer(a, "_UID", 0);
    aml_name_integer(a, "_SEG", 0);
    aml_name_integer(a, "_BBN", 0);
    aml_res_word_bus(crs, 0, 0);
    aml_res_io(crs, 0xcf8, 8);
    aml_res_word_io(crs, 0x0000, 0x0cf7);
    aml_res_word_io(crs, 0x0d00, 0xffff);
    aml_res_dword_mem(crs, mmio_base, mmio_base + mmio_size - 1);
    aml_res_end(crs);
    aml_name_buffer(a, "_CRS", crs);

    prt = aml_name_package_open(a, "_PRT", PCI_SLOTS * 4);
    for (unsigned slot = 0; slot < PCI_SLOTS; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            guint entry = aml_package_open(a, 4);

            aml_integer(a, (slot << 16) | 0xffff);   /* any function */
            aml_integer(a, pin);
            aml_integer(a, 0);                       /* GSI, not a link */
            aml_integer(a, PCI_FIRST_GSI + (slot + pin) % 4);
            aml_close(a, entry);
        }
    }
    aml_close(a, prt);
    aml_close(a, dev);
}

static GByteArray *dsdt_build(void)
{
    GByteArray *a = g_byte_array_new();
    hwaddr mmio_base;
    uint64_t mmio_size;
    guint pkg, sb;

    pkg = aml_name_package_open(a, "_S5", 2);
    aml_integer(a, X86_ACPI_SLP_TYP_S5);
    aml_integer(a, 0);
    aml_close(a, pkg);

    sb = aml_scope_open(a, "\\_SB");
    dsdt_add_com1(a);
    if (pci_host_mmio_window(&mmio_base, &mmio_size)) {
        dsdt_add_pci0(a, mmio_base, mmio_size);
    }
    aml_close(a, sb);
    return a;
}

static bool write_table(hwaddr *next, uint8_t *t, size_t len, hwaddr *addr,
                        GError **errp)
{
    bool ok;

    *addr = (*next + 15) & ~15ULL;
    if (*addr + len > ACPI_LIMIT) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "ACPI tables do not fit below 0x%x", ACPI_LIMIT);
        g_free(t);
        return false;
    }
    finish(t, len);
    ok = dma_memory_write(address_space_memory(), *addr, t, len, errp);
    g_free(t);
    *next = *addr + len;
    return ok;
}

bool x86_acpi_build(unsigned ncpus, uint64_t *rsdp_addr, GError **errp)
{
    hwaddr next = ACPI_BASE + 64;    /* the RSDP goes first */
    hwaddr dsdt, fadt, madt, xsdt;
    size_t madt_len = HDR_LEN + 8 + 8 * ncpus + 12 + 10;
    uint8_t *t, *p, rsdp[36] = { 0 };
    g_autoptr(GByteArray) aml = NULL;

    /* DSDT */
    aml = dsdt_build();
    t = table_new("DSDT", HDR_LEN + aml->len, 2);
    memcpy(t + HDR_LEN, aml->data, aml->len);
    if (!write_table(&next, t, HDR_LEN + aml->len, &dsdt, errp)) {
        return false;
    }

    /* FADT (5.2.9), revision 6 */
    t = table_new("FACP", FADT_LEN, 6);
    x86_table_put32(t + 40, dsdt);
    x86_table_put16(t + 109, BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS_RTC); /* no 8042 bit */
    x86_table_put32(t + 76, X86_ACPI_PM_TIMER_PORT); /* PM_TMR_BLK */
    put8(t + 91, 4);                              /* PM_TMR_LEN */
    x86_table_put32(t + 112, FADT_HW_REDUCED | FADT_RESET_REG_SUP); /* 24-bit timer */
    put_gas_io(t + 116, X86_KBD_CMD_PORT);        /* reset register */
    put8(t + 128, X86_KBD_CMD_RESET);
    put8(t + 131, 4);                             /* FADT minor version */
    x86_table_put64(t + 140, dsdt);               /* X_DSDT */
    put_gas_io_width(t + 208, X86_ACPI_PM_TIMER_PORT, 32); /* X_PM_TMR_BLK */
    put_gas_io(t + 244, X86_ACPI_SLEEP_CONTROL_PORT);
    put_gas_io(t + 256, X86_ACPI_SLEEP_STATUS_PORT);
    memcpy(t + 268, "KITEKITE", 8);
    if (!write_table(&next, t, FADT_LEN, &fadt, errp)) {
        return false;
    }

    /* MADT (5.2.12): local APICs, the I/O APIC, ISA IRQ 0 on GSI 2. */
    t = table_new("APIC", madt_len, 5);
    x86_table_put32(t + 36, LAPIC_BASE);
    x86_table_put32(t + 40, 0);                   /* no 8259s to mask */
    p = t + 44;
    for (unsigned i = 0; i < ncpus; i++, p += 8) {
        put8(p, 0);                               /* processor local APIC */
        put8(p + 1, 8);
        put8(p + 2, i);                           /* ACPI processor uid */
        put8(p + 3, i);                           /* APIC id, as in CPUID */
        x86_table_put32(p + 4, 1);                /* enabled */
    }
    put8(p, 1);                                   /* I/O APIC */
    put8(p + 1, 12);
    put8(p + 2, X86_IOAPIC_ID);
    x86_table_put32(p + 4, IOAPIC_BASE);
    x86_table_put32(p + 8, 0);                    /* GSI base */
    p += 12;
    put8(p, 2);                                   /* interrupt source override */
    put8(p + 1, 10);
    put8(p + 2, 0);                               /* ISA */
    put8(p + 3, 0);                               /* IRQ 0 (PIT) */
    x86_table_put32(p + 4, 2);                    /* -> GSI 2 */
    x86_table_put16(p + 8, 0);                    /* bus default polarity */
    if (!write_table(&next, t, madt_len, &madt, errp)) {
        return false;
    }

    /* XSDT */
    t = table_new("XSDT", HDR_LEN + 16, 1);
    x86_table_put64(t + HDR_LEN, fadt);
    x86_table_put64(t + HDR_LEN + 8, madt);
    if (!write_table(&next, t, HDR_LEN + 16, &xsdt, errp)) {
        return false;
    }

    /* RSDP (5.2.5.3), ACPI 2.0+ form */
    memcpy(rsdp, "RSD PTR ", 8);
    memcpy(rsdp + 9, "KITE  ", 6);
    rsdp[15] = 2;
    x86_table_put32(rsdp + 20, sizeof(rsdp));
    x86_table_put64(rsdp + 24, xsdt);
    rsdp[8] = x86_table_checksum(rsdp, 20);
    rsdp[32] = x86_table_checksum(rsdp, 36);
    *rsdp_addr = ACPI_BASE;
    return dma_memory_write(address_space_memory(), ACPI_BASE, rsdp,
                            sizeof(rsdp), errp);
}
