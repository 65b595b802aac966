/* microvm's devices and kernel loading (see microvm-devices.c). */
#ifndef HW_I386_MICROVM_DEVICES_H
#define HW_I386_MICROVM_DEVICES_H

#include "kite/machine.h"

/* From machine init, after RAM and the IOAPIC exist. */
bool microvm_devices_init(MachineState *ms, bool isa_serial, GError **errp);
/* After -device: load -kernel/-append/-initrd (multiboot or bzImage). */
bool microvm_load_kernel(MachineState *ms, uint64_t ram_below_4g,
                         uint64_t ram_above_4g, GError **errp);

#endif
