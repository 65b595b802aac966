/*
 * The s390x Service Call Logical Processor: guest-visible SCCB layouts
 * (explicit big-endian, sizes asserted) and the service-call entry point
 * shared by the qtest commands and the KVM intercept handler.
 *
 * Layouts follow the s390x architecture and Linux's sclp driver headers
 * (facts only); see docs/s390x.md for offsets and the assumptions made.
 */
#ifndef KITE_S390X_SCLP_H
#define KITE_S390X_SCLP_H

#include "kite/qdev.h"
#include "kite/s390x/cpu.h"

#define TYPE_SCLP "sclp"

/* Command words; bits 8-15 (counting from the least significant bit) of
 * the command word are ignored. */
#define SCLP_CMD_CODE_MASK            0xffff00ffu
#define SCLP_CMDW_READ_CPU_INFO       0x00010001u
#define SCLP_CMDW_READ_SCP_INFO       0x00020001u
#define SCLP_CMDW_READ_SCP_INFO_FORCED 0x00120001u
#define SCLP_CMD_WRITE_EVENT_DATA     0x00760005u
#define SCLP_CMD_READ_EVENT_DATA      0x00770005u
#define SCLP_CMD_WRITE_EVENT_MASK     0x00780005u

/* Response codes. */
#define SCLP_RC_NORMAL_READ_COMPLETION     0x0010
#define SCLP_RC_NORMAL_COMPLETION          0x0020
#define SCLP_RC_SCCB_BOUNDARY_VIOLATION    0x0100
#define SCLP_RC_INVALID_SCLP_COMMAND       0x01f0
#define SCLP_RC_INSUFFICIENT_SCCB_LENGTH   0x0300
#define SCLP_RC_INVALID_FUNCTION           0x40f0
#define SCLP_RC_NO_EVENT_BUFFERS_STORED    0x60f0
#define SCLP_RC_INVALID_SELECTION_MASK     0x70f0
#define SCLP_RC_INCONSISTENT_LENGTHS       0x72f0
#define SCLP_RC_EVENT_BUFFER_SYNTAX_ERROR  0x73f0
#define SCLP_RC_INVALID_MASK_LENGTH        0x74f0

/* control_mask[2]: the guest accepts a changed length in the reply. */
#define SCLP_VARIABLE_LENGTH_RESPONSE 0x80

#define SCCB_SIZE          4096u   /* a normal SCCB: one 4 KiB page */
#define SCCB_MAX_EXTENDED  0xffffu /* the u16 length field's limit */

/* Largest memory increment count before the increment size doubles. */
#define SCLP_MAX_STORAGE_INCREMENTS 1020

#define SCLP_PACKED __attribute__((packed))

typedef struct SCLP_PACKED SCCBHeader {
    uint16_t length;              /* 0 */
    uint8_t function_code;        /* 2 */
    uint8_t control_mask[3];      /* 3-5 */
    uint16_t response_code;       /* 6 */
} SCCBHeader;
_Static_assert(sizeof(SCCBHeader) == 8, "SCCB header is 8 bytes");

/* Read SCP Info reply (fixed part; CPU entries follow at offset_cpu). */
typedef struct SCLP_PACKED ReadInfo {
    SCCBHeader h;                 /* 0-7 */
    uint16_t rnmax;               /* 8-9: memory increment count */
    uint8_t rnsize;               /* 10: increment size in MiB */
    uint8_t _r11[5];              /* 11-15 */
    uint16_t entries_cpu;         /* 16-17: number of CPU entries */
    uint16_t offset_cpu;          /* 18-19: offset of the first entry */
    uint8_t _r20[4];              /* 20-23 */
    uint8_t loadparm[8];          /* 24-31 */
    uint8_t _r32[16];             /* 32-47 */
    uint64_t facilities;          /* 48-55: SCLP facility bits */
    uint8_t _r56[44];             /* 56-99 */
    uint32_t rnsize2;             /* 100-103: increment size, when rnsize 0 */
    uint64_t rnmax2;              /* 104-111: increment count, when rnmax 0 */
    uint8_t _r112[8];             /* 112-119 */
    uint16_t highest_cpu;         /* 120-121: highest CPU address */
    uint8_t _r122[2];             /* 122-123 */
    uint32_t hmfai;               /* 124-127 */
} ReadInfo;
_Static_assert(sizeof(ReadInfo) == 128, "Read SCP Info fixed part is 128 bytes");

/* One CPU in Read SCP Info and Read CPU Info. */
typedef struct SCLP_PACKED CPUEntry {
    uint8_t address;              /* 0: CPU address */
    uint8_t _r1;                  /* 1 */
    uint8_t features[6];          /* 2-7 */
    uint8_t _r8[6];               /* 8-13 */
    uint8_t type;                 /* 14: 0 = general-purpose CP */
    uint8_t _r15;                 /* 15 */
} CPUEntry;
_Static_assert(sizeof(CPUEntry) == 16, "CPU entry is 16 bytes");

typedef struct SCLP_PACKED ReadCpuInfo {
    SCCBHeader h;                 /* 0-7 */
    uint16_t nr_configured;       /* 8-9 */
    uint16_t offset_configured;   /* 10-11 */
    uint16_t nr_standby;          /* 12-13 */
    uint16_t offset_standby;      /* 14-15 */
    uint8_t _r16[8];              /* 16-23 */
} ReadCpuInfo;
_Static_assert(sizeof(ReadCpuInfo) == 24, "Read CPU Info fixed part is 24 bytes");

/* Read SCP Info puts the CPU entries here (no extended layout). */
#define SCLP_READ_SCP_INFO_FIXED_CPU_OFFSET 128
/* SCLP facilities: Read CPU Info and CPU reconfiguration are offered. */
#define SCLP_HAS_CPU_INFO 0x0c00000000000000ULL

typedef struct SCLPEventFacility SCLPEventFacility;

typedef struct SCLPDevice {
    DeviceState parent_obj;
    uint64_t ram_size;            /* bytes, a multiple of the increment */
    SCLPEventFacility *ef;
} SCLPDevice;

#define SCLP(o) OBJECT_CHECK(SCLPDevice, (o), TYPE_SCLP)

/* The machine's SCLP, or NULL. */
SCLPDevice *sclp_get(void);

/* Increment size for @ram_size: the smallest power of two of at least
 * 1 MiB giving at most SCLP_MAX_STORAGE_INCREMENTS increments. */
unsigned sclp_increment_shift(uint64_t ram_size);

/*
 * SERVC on @cpu: returns the condition code (0) or minus the program
 * interruption code.  On completion the SCCB is written back and the
 * service signal is made pending.
 */
int sclp_service_call(SCLPDevice *sclp, S390CPU *cpu, uint32_t code,
                      uint64_t sccb);

/*
 * Run a command on a validated local copy of the SCCB (@len bytes, at
 * least 8, equal to the header length); sets the response code.
 * Used by sclp_service_call and the layout unit test.
 */
void sclp_execute(SCLPDevice *sclp, S390CPU *cpu, uint8_t *sccb, size_t len,
                  uint32_t code);

/* Read SCP Info / Read CPU Info (hw/s390x/sclp-cmds.c). */
void sclp_read_scp_info(SCLPDevice *sclp, S390CPU *cpu, uint8_t *sccb,
                        size_t len);
void sclp_read_cpu_info(SCLPDevice *sclp, S390CPU *cpu, uint8_t *sccb,
                        size_t len);
/* Bytes Read SCP Info / Read CPU Info need for this configuration. */
size_t sclp_read_scp_info_len(void);
size_t sclp_read_cpu_info_len(void);

/*
 * Raise the service signal for an unsolicited event (parameter 0 plus the
 * event-pending bit); nothing happens if no enabled event is pending.
 */
void sclp_service_interrupt(SCLPDevice *sclp, uint32_t sccb);

/* Register servc, set_prefix and ext_int with the qtest server. */
void sclp_qtest_register(void);

/* Big-endian field access for packed structures. */
static inline uint16_t sclp_be16(const void *p)
{
    const uint8_t *b = p;
    return (uint16_t)(b[0] << 8 | b[1]);
}
static inline uint32_t sclp_be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
           (uint32_t)b[2] << 8 | b[3];
}
static inline uint64_t sclp_be64(const void *p)
{
    return (uint64_t)sclp_be32(p) << 32 | sclp_be32((const uint8_t *)p + 4);
}
static inline void sclp_st16(void *p, uint16_t v)
{
    uint8_t *b = p;
    b[0] = v >> 8;
    b[1] = v;
}
static inline void sclp_st32(void *p, uint32_t v)
{
    uint8_t *b = p;
    b[0] = v >> 24;
    b[1] = v >> 16;
    b[2] = v >> 8;
    b[3] = v;
}
static inline void sclp_st64(void *p, uint64_t v)
{
    sclp_st32(p, v >> 32);
    sclp_st32((uint8_t *)p + 4, (uint32_t)v);
}
/* Set the response code in a local SCCB copy. */
static inline void sclp_set_rc(uint8_t *sccb, uint16_t rc)
{
    sclp_st16(sccb + offsetof(SCCBHeader, response_code), rc);
}

#endif
