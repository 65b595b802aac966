/*
 * Where each -cpu feature flag lives in CPUID: leaf, subleaf, register,
 * bit.  Used by the CPUID builder (cpuid-build.c) and its tests.
 */
#ifndef TARGET_I386_CPUID_FLAGS_H
#define TARGET_I386_CPUID_FLAGS_H

#include "kite/common.h"

enum { CPUID_EAX, CPUID_EBX, CPUID_ECX, CPUID_EDX };

typedef struct X86CpuidFlag {
    const char *name;          /* QEMU's canonical spelling */
    uint32_t leaf, subleaf;
    uint8_t reg, bit;
} X86CpuidFlag;

extern const X86CpuidFlag x86_cpuid_flags[];
extern const size_t x86_cpuid_flags_count;

/* The flag's first CPUID bit, or NULL when @name (canonical) sets no
 * CPUID bit (MSR-based flags such as vmx-* or mds-no). */
const X86CpuidFlag *x86_cpuid_flag_find(const char *name);

/* QEMU's other spellings: '_' for '-', "sse4-1" for "sse4.1", and the
 * old names "sse3", "pclmuldq", "xd", "i64", "ffxsr"...  Returns a new
 * string with the canonical name. */
char *x86_cpuid_flag_canonical(const char *name);

#endif
