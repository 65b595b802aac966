/*
 * The AML encoder behind the microvm DSDT: PkgLength at its size
 * boundaries, integer constants, EisaId and resource descriptors, all
 * checked against the byte layouts of ACPI 6.4 (20.2, 6.4).
 */
#include "kite/i386/acpi-aml.h"

static void assert_bytes(GByteArray *a, const uint8_t *want, guint len)
{
    g_assert_cmpuint(a->len, ==, len);
    g_assert_cmpmem(a->data, a->len, want, len);
}

/* A package of n ZeroOps: body = count byte + n bytes. */
static GByteArray *package_of_zeros(unsigned n)
{
    GByteArray *a = g_byte_array_new();
    guint at = aml_package_open(a, n & 0xff);

    for (unsigned i = 0; i < n; i++) {
        aml_integer(a, 0);
    }
    aml_close(a, at);
    return a;
}

static void test_pkglen_one_byte(void)
{
    /* body 62 bytes (count + 61): PkgLength 63 fits one byte. */
    g_autoptr(GByteArray) a = package_of_zeros(61);

    g_assert_cmpuint(a->data[0], ==, 0x12);
    g_assert_cmpuint(a->data[1], ==, 63);
    g_assert_cmpuint(a->len, ==, 1 + 1 + 62);
}

static void test_pkglen_two_bytes(void)
{
    /* body 63 bytes: 63 + 1 > 0x3f, so two bytes encode 65. */
    g_autoptr(GByteArray) a = package_of_zeros(62);

    g_assert_cmpuint(a->data[1], ==, 0x40 | (65 & 0xf));
    g_assert_cmpuint(a->data[2], ==, 65 >> 4);
    g_assert_cmpuint(a->len, ==, 1 + 2 + 63);
    g_assert_cmpuint(a->data[3], ==, 62);          /* element count */
}

static void test_pkglen_three_bytes(void)
{
    /* body 4094 bytes: 4094 + 2 > 0xfff, so three bytes encode 4097. */
    g_autoptr(GByteArray) a = g_byte_array_new();
    guint at = aml_scope_open(a, "\\_SB");

    for (unsigned i = 0; i < 4094 - 5; i++) {
        aml_integer(a, 0);
    }
    aml_close(a, at);
    g_assert_cmpuint(a->data[1], ==, 0x80 | (4097 & 0xf));
    g_assert_cmpuint(a->data[2], ==, (4097 >> 4) & 0xff);
    g_assert_cmpuint(a->data[3], ==, 4097 >> 12);
    g_assert_cmpmem(a->data + 4, 5, "\\_SB_", 5);
    g_assert_cmpuint(a->len, ==, 1 + 3 + 4094);
}

static void test_integers(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    static const uint8_t want[] = {
        0x00, 0x01, 0x0a, 0x05, 0x0b, 0x00, 0x01, 0x0c, 0x00, 0x00, 0x01, 0x00,
        0x0e, 0, 0, 0, 0, 1, 0, 0, 0,
    };

    aml_integer(a, 0);
    aml_integer(a, 1);
    aml_integer(a, 5);
    aml_integer(a, 0x100);
    aml_integer(a, 0x10000);
    aml_integer(a, 0x100000000ULL);
    assert_bytes(a, want, sizeof(want));
}

static void test_eisaid(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    /* PNP0A03 compresses to 0x41d00a03, stored in that byte order. */
    static const uint8_t want[] = {
        0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03,
    };

    aml_name_eisaid(a, "_HID", "PNP0A03");
    assert_bytes(a, want, sizeof(want));
}

static void test_resources(void)
{
    g_autoptr(GByteArray) r = g_byte_array_new();
    static const uint8_t want[] = {
        /* IO (Decode16, 0x3f8, 0x3f8, 1, 8) */
        0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
        /* IRQNoFlags () { 4 } */
        0x22, 0x10, 0x00,
        /* WordBusNumber 0-0 */
        0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
        /* DWordMemory 0xc0000000-0xcfffffff */
        0x87, 0x17, 0x00, 0x00, 0x0c, 0x01, 0, 0, 0, 0,
        0x00, 0x00, 0x00, 0xc0, 0xff, 0xff, 0xff, 0xcf, 0, 0, 0, 0,
        0x00, 0x00, 0x00, 0x10,
        /* end tag */
        0x79, 0x00,
    };

    aml_res_io(r, 0x3f8, 8);
    aml_res_irq(r, 4);
    aml_res_word_bus(r, 0, 0);
    aml_res_dword_mem(r, 0xc0000000u, 0xcfffffffu);
    aml_res_end(r);
    assert_bytes(r, want, sizeof(want));
}

static void test_name_buffer(void)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    g_autoptr(GByteArray) crs = g_byte_array_new();
    static const uint8_t want[] = {
        0x08, '_', 'C', 'R', 'S', 0x11, 0x05, 0x0a, 0x02, 0x79, 0x00,
    };

    aml_res_end(crs);
    aml_name_buffer(a, "_CRS", crs);
    assert_bytes(a, want, sizeof(want));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi-aml/pkglen/one-byte", test_pkglen_one_byte);
    g_test_add_func("/acpi-aml/pkglen/two-bytes", test_pkglen_two_bytes);
    g_test_add_func("/acpi-aml/pkglen/three-bytes", test_pkglen_three_bytes);
    g_test_add_func("/acpi-aml/integers", test_integers);
    g_test_add_func("/acpi-aml/eisaid", test_eisaid);
    g_test_add_func("/acpi-aml/resources", test_resources);
    g_test_add_func("/acpi-aml/name-buffer", test_name_buffer);
    return g_test_run();
}
