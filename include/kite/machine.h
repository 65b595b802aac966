/* Machines: the board that a binary builds from the command line. */
#ifndef KITE_MACHINE_H
#define KITE_MACHINE_H

#include "kite/qdev.h"
#include "kite/memory.h"

#define TYPE_MACHINE "machine"
#define MACHINE_TYPE_SUFFIX "-machine"

typedef struct MachineState {
    Object parent_obj;
    uint64_t ram_size;       /* -m */
    uint64_t maxram_size;    /* -m maxmem= (== ram_size when unset) */
    uint64_t ram_slots;      /* -m slots= */
    unsigned smp_cpus;       /* -smp */
    unsigned max_cpus;
    /* -smp topology as QEMU computes it (cores preferred over sockets);
     * CPU i is thread i % threads of core (i / threads) % cores of
     * socket i / (threads * cores * dies). */
    unsigned smp_sockets, smp_dies, smp_cores, smp_threads;
    char *cpu_model;         /* -cpu string, NULL = default */
    char *kernel_filename, *kernel_cmdline, *initrd_filename;
    char *memory_backend_id; /* -machine memory-backend= */
    Object *memory_backend;  /* resolved backend, or NULL */
    MemoryRegion *ram;       /* guest RAM (machine's main region) */
    char *accel_name;        /* "kvm" or "qtest" */
    /* Accepted for QEMU compatibility; no effect in Kite. */
    bool dump_guest_core, mem_merge, graphics, usb;
} MachineState;

typedef struct MachineClass {
    ObjectClass parent_class;
    const char *name;        /* -M name ("microvm") */
    const char *desc;
    bool is_default;
    uint64_t default_ram_size;
    unsigned max_cpus;
    bool no_ram;             /* "none": RAM only if -m is given */
    const char *default_ram_id; /* name of implicit RAM ("pc.ram") */
    const char *default_cpu_type; /* -cpu model when not given (NULL:
                                   * the target's default) */
    bool has_cpus;           /* false: no CPUs are created ("none") */
    /* Build the board: memory map, devices.  Called after -object and
     * before -device. */
    bool (*init)(MachineState *ms, GError **errp);
    /* After -device: e.g. assign PCI BARs, write boot tables. */
    bool (*done)(MachineState *ms, GError **errp);
    void (*reset)(MachineState *ms);
} MachineClass;

#define MACHINE(o) OBJECT_CHECK(MachineState, (o), TYPE_MACHINE)
#define MACHINE_GET_CLASS(o) OBJECT_GET_CLASS(MachineClass, (o), TYPE_MACHINE)

/* The running machine (NULL before creation). */
MachineState *current_machine_get(void);
/* Set by vl.c once the machine object exists. */
void current_machine_set(MachineState *ms);
/* -M name of @mc (its name, or the type name without "-machine"). */
const char *machine_class_name(MachineClass *mc);
/* Find a machine class by -M name; NULL if none. */
MachineClass *machine_find_class(const char *name);
/* List of MachineClass *, sorted by name. */
GSList *machine_class_list(void);

/*
 * Map the machine's RAM (from -machine memory-backend or a new anonymous
 * block of ram_size) and return it; used by machine init functions.
 */
MemoryRegion *machine_create_ram(MachineState *ms, GError **errp);

#endif
