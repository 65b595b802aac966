/*
 * SCLP structure layouts: size and offset of every guest-visible field,
 * the memory-increment rules, and commands run on local SCCB copies
 * (no guest memory involved), checking the big-endian encoding byte by
 * byte so that a host-order slip shows up on either host.
 */
#include "kite/s390x/event-facility.h"
#include "kite/target.h"

#define CHECK_FIELD(type, field, off, size) do {                      \
        g_assert_cmpuint(offsetof(type, field), ==, (off));            \
        g_assert_cmpuint(sizeof(((type *)0)->field), ==, (size));      \
    } while (0)

static void test_sccb_header(void)
{
    g_assert_cmpuint(sizeof(SCCBHeader), ==, 8);
    CHECK_FIELD(SCCBHeader, length, 0, 2);
    CHECK_FIELD(SCCBHeader, function_code, 2, 1);
    CHECK_FIELD(SCCBHeader, control_mask, 3, 3);
    CHECK_FIELD(SCCBHeader, response_code, 6, 2);
}

static void test_read_info(void)
{
    g_assert_cmpuint(sizeof(ReadInfo), ==, 128);
    CHECK_FIELD(ReadInfo, h, 0, 8);
    CHECK_FIELD(ReadInfo, rnmax, 8, 2);
    CHECK_FIELD(ReadInfo, rnsize, 10, 1);
    CHECK_FIELD(ReadInfo, entries_cpu, 16, 2);
    CHECK_FIELD(ReadInfo, offset_cpu, 18, 2);
    CHECK_FIELD(ReadInfo, loadparm, 24, 8);
    CHECK_FIELD(ReadInfo, facilities, 48, 8);
    CHECK_FIELD(ReadInfo, rnsize2, 100, 4);
    CHECK_FIELD(ReadInfo, rnmax2, 104, 8);
    CHECK_FIELD(ReadInfo, highest_cpu, 120, 2);
    CHECK_FIELD(ReadInfo, hmfai, 124, 4);
    g_assert_cmpuint(SCLP_READ_SCP_INFO_FIXED_CPU_OFFSET, ==, 128);
}

static void test_cpu_entry(void)
{
    g_assert_cmpuint(sizeof(CPUEntry), ==, 16);
    CHECK_FIELD(CPUEntry, address, 0, 1);
    CHECK_FIELD(CPUEntry, features, 2, 6);
    CHECK_FIELD(CPUEntry, type, 14, 1);
    g_assert_cmpuint(sizeof(ReadCpuInfo), ==, 24);
    CHECK_FIELD(ReadCpuInfo, nr_configured, 8, 2);
    CHECK_FIELD(ReadCpuInfo, offset_configured, 10, 2);
    CHECK_FIELD(ReadCpuInfo, nr_standby, 12, 2);
    CHECK_FIELD(ReadCpuInfo, offset_standby, 14, 2);
}

static void test_event_layouts(void)
{
    g_assert_cmpuint(sizeof(EventBufferHeader), ==, 6);
    CHECK_FIELD(EventBufferHeader, length, 0, 2);
    CHECK_FIELD(EventBufferHeader, type, 2, 1);
    CHECK_FIELD(EventBufferHeader, flags, 3, 1);
    g_assert_cmpuint(sizeof(WriteEventMask), ==, 12);
    CHECK_FIELD(WriteEventMask, mask_length, 10, 2);
    g_assert_cmpuint(sizeof(SignalQuiesce), ==, 9);
    CHECK_FIELD(SignalQuiesce, timeout, 6, 2);
    CHECK_FIELD(SignalQuiesce, unit, 8, 1);
    g_assert_cmpuint(sizeof(MDBHeader), ==, 12);
    CHECK_FIELD(MDBHeader, length, 0, 2);
    CHECK_FIELD(MDBHeader, type, 2, 2);
    CHECK_FIELD(MDBHeader, tag, 4, 4);
    CHECK_FIELD(MDBHeader, revision_code, 8, 4);
    g_assert_cmpuint(sizeof(MDBObjectHeader), ==, 4);
    g_assert_cmpuint(sizeof(MTOHeader), ==, 10);
    CHECK_FIELD(MTOHeader, line_type_flags, 4, 2);
    CHECK_FIELD(MTOHeader, alarm_control, 6, 1);
    g_assert_cmpuint(sizeof(GdsVector), ==, 4);
    CHECK_FIELD(GdsVector, gds_id, 2, 2);
    g_assert_cmpuint(sizeof(GdsSubvector), ==, 2);
    CHECK_FIELD(GdsSubvector, key, 1, 1);
}

static void test_mask_bits(void)
{
    /* Type T is bit 1 << (32 - T): type 1 is the top bit of byte 0. */
    g_assert_cmphex(SCLP_EVENT_MASK(1), ==, 0x80000000u);
    g_assert_cmphex(SCLP_EVENT_MASK(2), ==, 0x40000000u);
    g_assert_cmphex(SCLP_EVENT_MASK(0x1a), ==, 0x00000040u);
    g_assert_cmphex(SCLP_EVENT_MASK(0x1d), ==, 0x00000008u);
}

static void test_be_helpers(void)
{
    uint8_t b[8];
    sclp_st16(b, 0x1234);
    g_assert_cmphex(b[0], ==, 0x12);
    g_assert_cmphex(b[1], ==, 0x34);
    g_assert_cmphex(sclp_be16(b), ==, 0x1234);
    sclp_st32(b, 0xdeadbeef);
    g_assert_cmphex(b[0], ==, 0xde);
    g_assert_cmphex(b[3], ==, 0xef);
    sclp_st64(b, 0x0102030405060708ULL);
    for (int i = 0; i < 8; i++) {
        g_assert_cmphex(b[i], ==, i + 1);
    }
    g_assert_cmphex(sclp_be64(b), ==, 0x0102030405060708ULL);
}

static void test_increment_shift(void)
{
    g_assert_cmpuint(sclp_increment_shift(128 * MiB), ==, 20);
    g_assert_cmpuint(sclp_increment_shift(1020 * MiB), ==, 20);
    g_assert_cmpuint(sclp_increment_shift(1021 * MiB), ==, 21);
    g_assert_cmpuint(sclp_increment_shift(1 * GiB), ==, 21);
    g_assert_cmpuint(sclp_increment_shift(3 * GiB), ==, 22);
    /* 255 GiB needs 256 MiB increments: above rnsize's 128 MiB. */
    g_assert_cmpuint(sclp_increment_shift(255 * GiB), ==, 28);
}

static SCLPDevice *make_sclp(uint64_t ram)
{
    static SCLPDevice *sclp;
    if (!sclp) {
        GError *err = NULL;
        g_assert_nonnull(cpu_create("qemu", 0, &err));
        g_assert_no_error(err);
        DeviceState *dev = qdev_new(TYPE_SCLP);
        g_assert_true(qdev_realize(dev, &err));
        g_assert_no_error(err);
        sclp = SCLP(dev);
    }
    sclp->ram_size = ram;
    return sclp;
}

static void run_read_scp_info(uint64_t ram, uint8_t *sccb, size_t len)
{
    SCLPDevice *sclp = make_sclp(ram);
    memset(sccb, 0, len);
    sclp_st16(sccb, (uint16_t)len);
    sclp_execute(sclp, s390_cpu_get(0), sccb, len, SCLP_CMDW_READ_SCP_INFO);
}

static void test_read_scp_info_encoding(void)
{
    uint8_t sccb[4096];

    run_read_scp_info(3 * GiB, sccb, sizeof(sccb));
    g_assert_cmphex(sclp_be16(sccb + 6), ==, SCLP_RC_NORMAL_READ_COMPLETION);
    g_assert_cmphex(sccb[6], ==, 0x00);
    g_assert_cmphex(sccb[7], ==, 0x10);
    /* 3 GiB = 768 increments of 4 MiB: 0x0300 at offset 8, 4 at 10. */
    g_assert_cmphex(sccb[8], ==, 0x03);
    g_assert_cmphex(sccb[9], ==, 0x00);
    g_assert_cmphex(sccb[10], ==, 4);
    g_assert_cmphex(sclp_be32(sccb + 100), ==, 0);
    g_assert_cmphex(sclp_be64(sccb + 104), ==, 0);
    /* One CPU, entries at 128. */
    g_assert_cmphex(sclp_be16(sccb + 16), ==, 1);
    g_assert_cmphex(sccb[18], ==, 0);
    g_assert_cmphex(sccb[19], ==, 128);
    g_assert_cmphex(sccb[48], ==, 0x0c);

    /* 255 GiB: 1020 increments of 256 MiB, size in rnsize2. */
    run_read_scp_info(255 * GiB, sccb, sizeof(sccb));
    g_assert_cmphex(sccb[10], ==, 0);
    g_assert_cmphex(sclp_be16(sccb + 8), ==, 1020);
    g_assert_cmphex(sclp_be32(sccb + 100), ==, 256);
    g_assert_cmphex(sccb[103], ==, 0x00);
    g_assert_cmphex(sccb[102], ==, 0x01);
}

static void test_read_scp_info_short(void)
{
    uint8_t sccb[4096];
    size_t need = sclp_read_scp_info_len();
    g_assert_cmpuint(need, ==, 128 + 16);
    for (size_t len = 8; len < need; len++) {
        run_read_scp_info(1 * GiB, sccb, len);
        g_assert_cmphex(sclp_be16(sccb + 6), ==,
                        SCLP_RC_INSUFFICIENT_SCCB_LENGTH);
        g_assert_cmpuint(sclp_be16(sccb), ==, len);
    }
    run_read_scp_info(1 * GiB, sccb, need);
    g_assert_cmphex(sclp_be16(sccb + 6), ==, SCLP_RC_NORMAL_READ_COMPLETION);
}

static void test_read_cpu_info_encoding(void)
{
    uint8_t sccb[4096] = { 0 };
    SCLPDevice *sclp = make_sclp(1 * GiB);
    sclp_st16(sccb, sizeof(sccb));
    sclp_execute(sclp, s390_cpu_get(0), sccb, sizeof(sccb),
                 SCLP_CMDW_READ_CPU_INFO);
    g_assert_cmphex(sclp_be16(sccb + 6), ==, SCLP_RC_NORMAL_READ_COMPLETION);
    g_assert_cmpuint(sclp_be16(sccb + 8), ==, 1);
    g_assert_cmpuint(sclp_be16(sccb + 10), ==, 24);
    g_assert_cmpuint(sclp_be16(sccb + 12), ==, 0);
    g_assert_cmpuint(sclp_be16(sccb + 14), ==, 40);
    g_assert_cmpuint(sccb[24], ==, 0);      /* CPU address 0 */
}

static void test_write_event_mask_encoding(void)
{
    uint8_t sccb[64] = { 0 };
    SCLPDevice *sclp = make_sclp(1 * GiB);

    sclp_st16(sccb, 12 + 4 * 4);
    sclp_st16(sccb + 10, 4);
    sclp_st32(sccb + 12, SCLP_EVENT_MASK(SCLP_EVENT_SIGNAL_QUIESCE));
    sclp_execute(sclp, s390_cpu_get(0), sccb, 12 + 16,
                 SCLP_CMD_WRITE_EVENT_MASK);
    g_assert_cmphex(sclp_be16(sccb + 6), ==, SCLP_RC_NORMAL_COMPLETION);
    /* The SCLP's send mask (4th mask) offers signal quiesce: 0x00000008. */
    g_assert_cmphex(sccb[12 + 12 + 3], ==, 0x08);
    g_assert_cmphex(sclp_be32(sccb + 24), ==, 0x00000008);
    g_assert_cmphex(sclp->ef->receive_mask, ==, 0x00000008);

    /* A 2-byte mask holds types 1-16 only; the masks shrink with it. */
    memset(sccb, 0, sizeof(sccb));
    sclp_st16(sccb, 12 + 8);
    sclp_st16(sccb + 10, 2);
    sclp_execute(sclp, s390_cpu_get(0), sccb, 12 + 8,
                 SCLP_CMD_WRITE_EVENT_MASK);
    g_assert_cmphex(sclp_be16(sccb + 6), ==, SCLP_RC_NORMAL_COMPLETION);
    g_assert_cmphex(sclp_be16(sccb + 18), ==, 0);
    g_assert_cmphex(sclp->ef->receive_mask, ==, 0);

    /* Mask length 0: invalid. */
    sclp_st16(sccb + 10, 0);
    sclp_execute(sclp, s390_cpu_get(0), sccb, 12 + 8,
                 SCLP_CMD_WRITE_EVENT_MASK);
    g_assert_cmphex(sclp_be16(sccb + 6), ==, SCLP_RC_INVALID_MASK_LENGTH);
}

static void test_ebcdic(void)
{
    uint8_t s[] = "Hello, s390!";
    sclp_ascii_to_ebcdic(s, 12);
    g_assert_cmphex(s[0], ==, 0xc8);     /* 'H' */
    g_assert_cmphex(s[1], ==, 0x85);     /* 'e' */
    g_assert_cmphex(s[5], ==, 0x6b);     /* ',' */
    g_assert_cmphex(s[6], ==, 0x40);     /* ' ' */
    g_assert_cmphex(s[8], ==, 0xf3);     /* '3' */
    sclp_ebcdic_to_ascii(s, 12);
    g_assert_cmpstr((char *)s, ==, "Hello, s390!");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_assert_true(target_info.big_endian);
    g_test_add_func("/sclp/layout/header", test_sccb_header);
    g_test_add_func("/sclp/layout/read-info", test_read_info);
    g_test_add_func("/sclp/layout/cpu-entry", test_cpu_entry);
    g_test_add_func("/sclp/layout/events", test_event_layouts);
    g_test_add_func("/sclp/layout/mask-bits", test_mask_bits);
    g_test_add_func("/sclp/layout/be-helpers", test_be_helpers);
    g_test_add_func("/sclp/increment-shift", test_increment_shift);
    g_test_add_func("/sclp/read-scp-info/encoding", test_read_scp_info_encoding);
    g_test_add_func("/sclp/read-scp-info/short", test_read_scp_info_short);
    g_test_add_func("/sclp/read-cpu-info/encoding", test_read_cpu_info_encoding);
    g_test_add_func("/sclp/write-event-mask/encoding",
                    test_write_event_mask_encoding);
    g_test_add_func("/sclp/ebcdic", test_ebcdic);
    return g_test_run();
}
