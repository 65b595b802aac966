/*
 * AML encoding for the microvm DSDT (ACPI 6.4, 20.2 for the grammar and
 * 6.4 for resource descriptors).  Kept to what the machine describes:
 * names, devices, packages and resource templates.
 */
#include "kite/i386/acpi-aml.h"

#define AML_ZERO_OP       0x00
#define AML_ONE_OP        0x01
#define AML_NAME_OP       0x08
#define AML_BYTE_PREFIX   0x0a
#define AML_WORD_PREFIX   0x0b
#define AML_DWORD_PREFIX  0x0c
#define AML_QWORD_PREFIX  0x0e
#define AML_SCOPE_OP      0x10
#define AML_BUFFER_OP     0x11
#define AML_PACKAGE_OP    0x12
#define AML_EXT_PREFIX    0x5b
#define AML_DEVICE_OP     0x82
#define AML_ONES_OP       0xff

/* Largest PkgLength: 4 bytes hold 28 bits. */
#define PKGLEN_RESERVE    4

static void put_bytes(GByteArray *a, const void *p, guint len)
{
    g_byte_array_append(a, p, len);
}

static void put_u8(GByteArray *a, uint8_t v)
{
    put_bytes(a, &v, 1);
}

static void put_le(GByteArray *a, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        put_u8(a, v >> (8 * i));
    }
}

static void put_nameseg(GByteArray *a, const char *seg)
{
    char s[4] = { '_', '_', '_', '_' };

    g_assert(strlen(seg) <= 4);
    memcpy(s, seg, strlen(seg));
    put_bytes(a, s, 4);
}

/* A NameString: an optional root prefix, then one NameSeg. */
static void put_namestring(GByteArray *a, const char *path)
{
    if (path[0] == '\\') {
        put_u8(a, '\\');
        path++;
    }
    put_nameseg(a, path);
}

void aml_integer(GByteArray *a, uint64_t v)
{
    if (v == 0) {
        put_u8(a, AML_ZERO_OP);
    } else if (v == 1) {
        put_u8(a, AML_ONE_OP);
    } else if (v <= 0xff) {
        put_u8(a, AML_BYTE_PREFIX);
        put_u8(a, v);
    } else if (v <= 0xffff) {
        put_u8(a, AML_WORD_PREFIX);
        put_le(a, v, 2);
    } else if (v <= 0xffffffffu) {
        put_u8(a, AML_DWORD_PREFIX);
        put_le(a, v, 4);
    } else {
        put_u8(a, AML_QWORD_PREFIX);
        put_le(a, v, 8);
    }
}

void aml_name_integer(GByteArray *a, const char *seg, uint64_t v)
{
    put_u8(a, AML_NAME_OP);
    put_nameseg(a, seg);
    aml_integer(a, v);
}

/* EisaId: three 5-bit letters and four hex digits, stored big-endian. */
void aml_name_eisaid(GByteArray *a, const char *seg, const char *id)
{
    uint32_t v;

    g_assert(strlen(id) == 7);
    v = ((uint32_t)(id[0] - 0x40) << 26) | ((uint32_t)(id[1] - 0x40) << 21) |
        ((uint32_t)(id[2] - 0x40) << 16) |
        (uint32_t)strtoul(id + 3, NULL, 16);
    put_u8(a, AML_NAME_OP);
    put_nameseg(a, seg);
    put_u8(a, AML_DWORD_PREFIX);
    put_le(a, GUINT32_TO_BE(v), 4);
}

/*
 * Openings reserve the largest PkgLength; aml_close() encodes the real
 * length and moves the body down over the bytes it did not need.
 */
static guint open_pkg(GByteArray *a)
{
    static const uint8_t reserve[PKGLEN_RESERVE];
    guint at = a->len;

    put_bytes(a, reserve, PKGLEN_RESERVE);
    return at;
}

void aml_close(GByteArray *a, guint at)
{
    guint body = a->len - (at + PKGLEN_RESERVE);
    uint8_t enc[PKGLEN_RESERVE];
    unsigned n;
    uint32_t len;

    /* PkgLength counts its own bytes (20.2.4). */
    if (body + 1 <= 0x3f) {
        n = 1;
        len = body + 1;
        enc[0] = len;
    } else {
        n = body + 2 <= 0xfff ? 2 : body + 3 <= 0xfffff ? 3 : 4;
        len = body + n;
        g_assert(len <= 0xfffffff);
        enc[0] = ((n - 1) << 6) | (len & 0xf);
        for (unsigned i = 1; i < n; i++) {
            enc[i] = len >> (4 + 8 * (i - 1));
        }
    }
    memcpy(a->data + at, enc, n);
    g_byte_array_remove_range(a, at + n, PKGLEN_RESERVE - n);
}

guint aml_scope_open(GByteArray *a, const char *path)
{
    guint at;

    put_u8(a, AML_SCOPE_OP);
    at = open_pkg(a);
    put_namestring(a, path);
    return at;
}

guint aml_device_open(GByteArray *a, const char *seg)
{
    guint at;

    put_u8(a, AML_EXT_PREFIX);
    put_u8(a, AML_DEVICE_OP);
    at = open_pkg(a);
    put_nameseg(a, seg);
    return at;
}

guint aml_package_open(GByteArray *a, uint8_t count)
{
    guint at;

    put_u8(a, AML_PACKAGE_OP);
    at = open_pkg(a);
    put_u8(a, count);
    return at;
}

guint aml_name_package_open(GByteArray *a, const char *seg, uint8_t count)
{
    put_u8(a, AML_NAME_OP);
    put_nameseg(a, seg);
    return aml_package_open(a, count);
}

void aml_name_buffer(GByteArray *a, const char *seg, const GByteArray *bytes)
{
    guint at;

    put_u8(a, AML_NAME_OP);
    put_nameseg(a, seg);
    put_u8(a, AML_BUFFER_OP);
    at = open_pkg(a);
    aml_integer(a, bytes->len);
    put_bytes(a, bytes->data, bytes->len);
    aml_close(a, at);
}

/* Small I/O port descriptor (6.4.2.5): 16-bit decode, fixed base. */
void aml_res_io(GByteArray *r, uint16_t base, uint8_t len)
{
    put_u8(r, 0x47);
    put_u8(r, 0x01);
    put_le(r, base, 2);
    put_le(r, base, 2);
    put_u8(r, 0x01);
    put_u8(r, len);
}

/* Small IRQ descriptor without flags (6.4.2.1): edge, active high. */
void aml_res_irq(GByteArray *r, unsigned irq)
{
    g_assert(irq < 16);
    put_u8(r, 0x22);
    put_le(r, 1u << irq, 2);
}

/*
 * Address space descriptors (6.4.3.5) of a producer (a bridge passing
 * ranges on to its children) with fixed minimum and maximum.
 */
#define ADDR_TYPE_MEMORY  0
#define ADDR_TYPE_IO      1
#define ADDR_TYPE_BUS     2
#define ADDR_FLAGS_FIXED  0x0c        /* MinFixed | MaxFixed, producer */

static void put_addr_space(GByteArray *r, uint8_t tag, unsigned width,
                           uint8_t type, uint8_t type_flags,
                           uint64_t min, uint64_t max)
{
    put_u8(r, tag);
    put_le(r, 3 + 5 * width, 2);      /* length after the 3-byte header */
    put_u8(r, type);
    put_u8(r, ADDR_FLAGS_FIXED);
    put_u8(r, type_flags);
    put_le(r, 0, width);              /* granularity */
    put_le(r, min, width);
    put_le(r, max, width);
    put_le(r, 0, width);              /* translation offset */
    put_le(r, max - min + 1, width);  /* length */
}

void aml_res_word_bus(GByteArray *r, uint16_t min, uint16_t max)
{
    put_addr_space(r, 0x88, 2, ADDR_TYPE_BUS, 0, min, max);
}

/* I/O ranges: ISA and non-ISA addresses both (EntireRange). */
void aml_res_word_io(GByteArray *r, uint16_t min, uint16_t max)
{
    put_addr_space(r, 0x88, 2, ADDR_TYPE_IO, 0x03, min, max);
}

/* Memory: read-write, not cacheable (device registers). */
void aml_res_dword_mem(GByteArray *r, uint32_t min, uint32_t max)
{
    put_addr_space(r, 0x87, 4, ADDR_TYPE_MEMORY, 0x01, min, max);
}

void aml_res_qword_mem(GByteArray *r, uint64_t min, uint64_t max)
{
    put_addr_space(r, 0x8a, 8, ADDR_TYPE_MEMORY, 0x01, min, max);
}

/* End tag (6.4.2.9) with a zero checksum, which means "not checked". */
void aml_res_end(GByteArray *r)
{
    put_u8(r, 0x79);
    put_u8(r, 0x00);
}
