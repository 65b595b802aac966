/*
 * The target a binary was built for.  Common code is compiled once; each
 * binary links one target module (target/<arch>) that defines target_info.
 */
#ifndef KITE_TARGET_H
#define KITE_TARGET_H

#include "kite/common.h"

typedef struct TargetInfo {
    const char *name;            /* "x86_64", "s390x" */
    bool big_endian;             /* byte order of guest memory and MMIO */
    const char *default_machine; /* machine used when -M is not given */
    const char *default_cpu;     /* CPU model used when -cpu is not given */
    bool has_io_space;           /* x86 has a port I/O address space */
    /* Print the CPU models for `-cpu help`. */
    void (*cpu_list)(void);
} TargetInfo;

extern const TargetInfo target_info;

static inline bool target_big_endian(void) { return target_info.big_endian; }

#endif
