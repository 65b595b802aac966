/*
 * A minimal SMBIOS 2.8 table (DMTF DSP0134): the 2.1-style entry point at
 * 0xf0000, where guests scan for "_SM_", and one BIOS Information
 * structure (type 0) plus the end-of-table structure.  Linux reads the
 * BIOS release year from it: with a year of 2001 or later it trusts PCI
 * configuration mechanism #1 without looking for a host bridge on bus 0.
 */
#include "kite/i386/x86-boot.h"
#include "kite/memory.h"

#define SMBIOS_ENTRY 0xf0000
#define SMBIOS_TABLE 0xf0020

uint8_t x86_table_checksum(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++) {
        sum += p[i];
    }
    return -sum;
}

bool x86_smbios_build(GError **errp)
{
    static const uint8_t table[] = {
        /* Type 0, BIOS Information: length 0x12, handle 0 */
        0, 0x12, 0x00, 0x00,
        1,                      /* vendor: string 1 */
        2,                      /* version: string 2 */
        0x00, 0xe8,             /* starting segment 0xe800 */
        3,                      /* release date: string 3 */
        0,                      /* ROM size */
        0x08, 0, 0, 0, 0, 0, 0, 0, /* characteristics: bit 3, "not supported" */
        'K', 'i', 't', 'e', 0,
        '1', '.', '0', 0,
        '0', '1', '/', '0', '1', '/', '2', '0', '2', '6', 0,
        0,
        /* Type 127, end of table: handle 1 */
        127, 4, 0x01, 0x00, 0, 0,
    };
    uint8_t ep[31] = { '_', 'S', 'M', '_' };

    ep[5] = sizeof(ep);
    ep[6] = 2;                  /* SMBIOS 2.8 */
    ep[7] = 8;
    ep[8] = 0x12 + 21;          /* largest structure, strings included */
    memcpy(ep + 16, "_DMI_", 5);
    ep[22] = sizeof(table) & 0xff;
    ep[23] = sizeof(table) >> 8;
    ep[24] = SMBIOS_TABLE & 0xff;
    ep[25] = (SMBIOS_TABLE >> 8) & 0xff;
    ep[26] = (SMBIOS_TABLE >> 16) & 0xff;
    ep[27] = 0;
    ep[28] = 2;                 /* number of structures */
    ep[30] = 0x28;              /* BCD revision 2.8 */
    ep[21] = x86_table_checksum(ep + 16, 15);
    ep[4] = x86_table_checksum(ep, sizeof(ep));
    return dma_memory_write(address_space_memory(), SMBIOS_ENTRY, ep,
                            sizeof(ep), errp) &&
           dma_memory_write(address_space_memory(), SMBIOS_TABLE, table,
                            sizeof(table), errp);
}
