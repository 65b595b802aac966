/* fw_cfg on I/O ports 0x510/0x511 and 0x514 (DMA); see fw_cfg.c. */
#ifndef HW_I386_FW_CFG_H
#define HW_I386_FW_CFG_H

#include "kite/qdev.h"

#define TYPE_FW_CFG_IO "fw_cfg_io"

#define FW_CFG_IO_BASE      0x510     /* selector; data at +1 */
#define FW_CFG_DMA_IO_BASE  0x514     /* 64-bit DMA address, big-endian */

/* Item keys (QEMU's docs/specs/fw_cfg.rst, "Selector Register"). */
#define FW_CFG_SIGNATURE    0x0000
#define FW_CFG_ID           0x0001
#define FW_CFG_RAM_SIZE     0x0003
#define FW_CFG_NB_CPUS      0x0005
#define FW_CFG_MAX_CPUS     0x000f
#define FW_CFG_CMDLINE_ADDR 0x0013
#define FW_CFG_CMDLINE_SIZE 0x0014
#define FW_CFG_CMDLINE_DATA 0x0015
#define FW_CFG_FILE_DIR     0x0019
#define FW_CFG_WRITE_CHANNEL 0x4000   /* ignored: no item is writable */
#define FW_CFG_ARCH_LOCAL   0x8000
#define FW_CFG_IRQ0_OVERRIDE (FW_CFG_ARCH_LOCAL | 0x0002)

/* ID feature bits. */
#define FW_CFG_VERSION      0x01      /* the port interface */
#define FW_CFG_VERSION_DMA  0x02

/* Create the device as /machine/fw_cfg below @machine and realize it. */
DeviceState *fw_cfg_io_create(Object *machine, GError **errp);
/* The machine's fw_cfg, or NULL if it has none. */
DeviceState *fw_cfg_find(void);

/* Set item @key to a copy of @len bytes (replacing what was there;
 * @len 0 removes the item, which then reads as zeros). */
void fw_cfg_set_bytes(DeviceState *dev, uint16_t key, const void *data,
                      size_t len);
/* Little-endian numbers, as the legacy keys hold them. */
void fw_cfg_set_i16(DeviceState *dev, uint16_t key, uint16_t value);
void fw_cfg_set_i32(DeviceState *dev, uint16_t key, uint32_t value);
void fw_cfg_set_i64(DeviceState *dev, uint16_t key, uint64_t value);

#endif
