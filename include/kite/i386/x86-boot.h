/* How the x86 boot CPU starts: set by the kernel loaders, read by the
 * KVM arch code when it builds the reset register state. */
#ifndef KITE_I386_X86_BOOT_H
#define KITE_I386_X86_BOOT_H

#include "kite/common.h"

typedef enum {
    X86_BOOT_RESET,          /* architectural reset state (no -kernel) */
    X86_BOOT_MULTIBOOT,      /* 32-bit protected mode, flat segments */
    X86_BOOT_LINUX64,        /* 64-bit boot protocol entry */
} X86BootMode;

typedef struct X86BootState {
    X86BootMode mode;
    uint64_t entry;          /* EIP / RIP */
    uint64_t eax, ebx, esi, esp;
    uint64_t cr3;            /* page tables for LINUX64 */
    uint64_t gdt_base;       /* GDT for LINUX64 */
    uint64_t rsdp;           /* ACPI RSDP, 0 = none */
    /* Where the Linux loader put the command line (what fw_cfg reports
     * for -append); size counts the NUL, 0 = none (multiboot). */
    uint64_t cmdline_addr;
    uint32_t cmdline_size;
} X86BootState;

extern X86BootState x86_boot_state;

/* Load -kernel/-append/-initrd into guest memory (multiboot v1 ELF or
 * a.out-kludge images); fills x86_boot_state.  @ram_below_4g bounds the
 * memory map it reports. */
bool x86_load_multiboot(const char *kernel, const char *cmdline,
                        const char *initrd, uint64_t ram_below_4g,
                        uint64_t ram_above_4g, bool *is_multiboot,
                        GError **errp);

/* Load a Linux bzImage with the 64-bit boot protocol; fills
 * x86_boot_state. */
bool x86_load_linux(const char *kernel, const char *cmdline, const char *initrd,
                    uint64_t ram_below_4g, uint64_t ram_above_4g, GError **errp);

/* Ports and values shared by the ACPI tables and the devices behind them. */
#define X86_KBD_CMD_PORT 0x64
#define X86_KBD_CMD_RESET 0xfe
#define X86_ACPI_SLEEP_CONTROL_PORT 0x600
#define X86_ACPI_SLEEP_STATUS_PORT 0x601
/* The ACPI PM timer (hw/i386/acpi-pm-timer.c), 4 ports. */
#define X86_ACPI_PM_TIMER_PORT 0x608
/* Its 24-bit count after @ns of virtual time. */
uint32_t acpi_pm_timer_ticks(int64_t ns);
#define X86_ACPI_SLP_TYP_S5 5
#define X86_IOAPIC_ID 0
/* PCI pin A of slot s raises I/O APIC input 16 + s % 4. */
#define X86_PCI_FIRST_GSI 16

/* The byte that makes the bytes of a firmware table (ACPI, SMBIOS, MP)
 * sum to zero. */
uint8_t x86_table_checksum(const uint8_t *p, size_t len);
/* Firmware tables are little-endian whatever the host is. */
static inline void x86_table_put16(uint8_t *p, uint16_t v)
{
    p[0] = v;
    p[1] = v >> 8;
}
static inline void x86_table_put32(uint8_t *p, uint32_t v)
{
    x86_table_put16(p, v);
    x86_table_put16(p + 2, v >> 16);
}
static inline void x86_table_put64(uint8_t *p, uint64_t v)
{
    x86_table_put32(p, v);
    x86_table_put32(p + 4, v >> 32);
}
/* Write RSDP, XSDT, FADT (hardware-reduced), DSDT (\_S5) and MADT for
 * @ncpus vCPUs into the BIOS area; *@rsdp_addr gets the RSDP's address. */
bool x86_acpi_build(unsigned ncpus, uint64_t *rsdp_addr, GError **errp);
/* Write a minimal SMBIOS table (BIOS information) at 0xf0000. */
bool x86_smbios_build(GError **errp);
/* Write the MP table (MultiProcessor Specification 1.4) for @ncpus vCPUs:
 * floating pointer at 0xf0100, configuration table after it. */
bool x86_mptable_build(unsigned ncpus, GError **errp);

#endif
