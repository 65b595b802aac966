/*
 * Kite against QEMU, reply for reply: the same list of RAM, unassigned
 * memory and port accesses goes to
 *   Kite:  -M microvm -m 128M -accel qtest            (via libqtest)
 *   QEMU:  $QEMU_PEER_BINARY -M microvm -m 128M -accel tcg -S -display none
 * (Debian's QEMU has no qtest accelerator, but its qtest server runs under
 * tcg with the CPU stopped).  Every reply must be byte-identical; the first
 * difference fails the test and is printed.  The ports and addresses were
 * chosen with nothing behind them on either machine (QEMU's microvm has
 * devices at 0x20, 0x40, 0x70, 0x3f8, 0x510, its BIOS near 0xe0000 and
 * 4 GiB, and MMIO devices from 0xfeb00000): see docs/qtest.md.
 */
#include "libqtest.h"

#include <stdio.h>
#include <string.h>

#define MACHINE_ARGS "-M microvm -m 128M"

static GPtrArray *build_requests(void)
{
    GPtrArray *r = g_ptr_array_new_with_free_func(g_free);
    static const unsigned ports[] = { 0x1000, 0x2000, 0x4000, 0x8000,
                                      0xc000, 0xe000, 0xfff0 };
    /* RAM: low, 1 MiB, middle, the last page and the last 8 bytes. */
    static const uint64_t ram[] = { 0x1000, 0x100000, 0x500008,
                                    0x7fff000, 0x7fffff8 };
    /* Nothing mapped: above RAM, below and above 4 GiB. */
    static const uint64_t holes[] = { 0x8000000, 0x10000000, 0x80000000,
                                      0x100000000ULL, 0x4000000000ULL };
    static const char *const sizes = "bwlq";

#define ADD(...) g_ptr_array_add(r, g_strdup_printf(__VA_ARGS__))
    ADD("endianness");
    for (size_t i = 0; i < G_N_ELEMENTS(ports); i++) {
        unsigned p = ports[i];
        ADD("inb 0x%x", p);
        ADD("inw 0x%x", p);
        ADD("inl 0x%x", p);
        ADD("outb 0x%x 0x5a", p);
        ADD("outw 0x%x 0x1234", p);
        ADD("outl 0x%x 0xdeadbeef", p);
        ADD("inb 0x%x", p + 1);
        ADD("inw 0x%x", p + 1);
        ADD("inl %u", p);
    }
    /* The default first serial port (no -nodefaults): a 16550 at 0x3f8
     * on both, byte accesses.  Left out until hw/char/serial.c matches:
     * MCR (0x3fc) and the divisor latch (QEMU resets them to OUT2 and
     * 0x000c, Kite to 0) and wider accesses (QEMU splits them in bytes,
     * Kite refuses them). */
    static const unsigned uart_regs[] = { 0x3f8, 0x3f9, 0x3fa, 0x3fb,
                                          0x3fd, 0x3fe, 0x3ff };
    for (size_t i = 0; i < G_N_ELEMENTS(uart_regs); i++) {
        ADD("inb 0x%x", uart_regs[i]);
    }
    ADD("outb 0x3ff 0xa5");
    ADD("inb 0x3ff");
    /* Accesses running past the end of the port space. */
    ADD("inw 0xffff");
    ADD("inl 0xfffd");
    ADD("inl 0xfffe");
    ADD("outl 0xfffe 0x12345678");
    ADD("inb 0xffff");
    for (size_t i = 0; i < G_N_ELEMENTS(ram); i++) {
        uint64_t a = ram[i];
        for (int s = 0; s < 4; s++) {
            ADD("read%c 0x%" PRIx64, sizes[s], a);
        }
        ADD("writeq 0x%" PRIx64 " 0x0123456789abcdef", a);
        for (int s = 0; s < 4; s++) {
            ADD("read%c 0x%" PRIx64, sizes[s], a);
        }
        ADD("readw 0x%" PRIx64, a + 2);
        ADD("readl 0x%" PRIx64, a + 4);
        ADD("writeb 0x%" PRIx64 " 0x1ff", a + 1);
        ADD("writew 0x%" PRIx64 " 0xbeef", a + 2);
        ADD("writel 0x%" PRIx64 " 0xcafef00d", a + 4);
        ADD("readq 0x%" PRIx64, a);
        ADD("read 0x%" PRIx64 " 1", a);
        ADD("read 0x%" PRIx64 " 3", a + 1);
        ADD("read 0x%" PRIx64 " 8", a);
        ADD("b64read 0x%" PRIx64 " 8", a);
        ADD("b64read 0x%" PRIx64 " 5", a + 1);
        ADD("b64read 0x%" PRIx64 " 0", a);
        ADD("write 0x%" PRIx64 " 8 0x0011223344556677", a);
        ADD("read 0x%" PRIx64 " 8", a);
        ADD("write 0x%" PRIx64 " 4 0xaa", a);      /* zero-filled */
        ADD("read 0x%" PRIx64 " 8", a);
        ADD("write 0x%" PRIx64 " 2 0xa1b2c3d4", a); /* cut at SIZE */
        ADD("read 0x%" PRIx64 " 8", a);
        ADD("write 0x%" PRIx64 " 0 0x", a);
        ADD("b64write 0x%" PRIx64 " 4 AQIDBA==", a + 4);
        ADD("b64write 0x%" PRIx64 " 0 AA==", a);
        ADD("read 0x%" PRIx64 " 8", a);
        ADD("memset 0x%" PRIx64 " 0 0x11", a);
        ADD("memset 0x%" PRIx64 " 3 0x77", a + 2);
        ADD("readq 0x%" PRIx64, a);
        ADD("b64read 0x%" PRIx64 " 8", a);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(holes); i++) {
        uint64_t a = holes[i];
        for (int s = 0; s < 4; s++) {
            ADD("read%c 0x%" PRIx64, sizes[s], a);
        }
        ADD("writel 0x%" PRIx64 " 0x12345678", a);
        ADD("readl 0x%" PRIx64, a);
        ADD("read 0x%" PRIx64 " 16", a);
        ADD("write 0x%" PRIx64 " 4 0x01020304", a);
        ADD("b64read 0x%" PRIx64 " 4", a);
        ADD("memset 0x%" PRIx64 " 8 0xff", a);
        ADD("readq 0x%" PRIx64, a);
    }
    /* Accesses straddling the end of RAM: the RAM part only. */
    ADD("writel 0x7fffffe 0x55667788");
    ADD("readl 0x7fffffe");
    ADD("readq 0x7fffffc");
    ADD("readw 0x7ffffff");
    ADD("read 0x7fffffc 8");
    ADD("write 0x7fffffe 4 0xaabbccdd");
    ADD("b64read 0x7fffffc 8");
    ADD("memset 0x7ffffff 4 0x66");
    ADD("writeq 0x7fffffd 0x1122334455667788");
    ADD("readq 0x7fffff8");
    /* Numbers as C writes them; extra words ignored. */
    ADD("writeb 4096 255");
    ADD("readb 010000");
    ADD("readw 0x1000 extra words");
    /* Errors QEMU answers without aborting. */
    ADD("nosuchcommand 1");
    ADD("READB 0x0");
    ADD("irq_intercept_in /machine/nothing");
    ADD("set_irq_in /machine/nothing unnamed 0 1");
    ADD("endianness");
#undef ADD
    return r;
}

static void test_compare(void)
{
    const char *peer = getenv("QEMU_PEER_BINARY");
    g_autofree char *peer_path = NULL;
    g_autoptr(GPtrArray) reqs = NULL;
    QTestState *kite, *qemu;
    g_autofree char *qemu_args = NULL;

    if (!peer || !*peer) {
        g_test_skip("QEMU_PEER_BINARY is not set");
        return;
    }
    peer_path = g_find_program_in_path(peer);
    if (!peer_path) {
        g_test_skip("QEMU_PEER_BINARY is not installed; "
                    "apt-get install qemu-system-x86");
        return;
    }
    reqs = build_requests();
    kite = qtest_init(MACHINE_ARGS);
    qemu_args = g_strdup(MACHINE_ARGS " -accel tcg -S -display none");
    qemu = qtest_init_qtest_only(peer_path, qemu_args);

    g_test_message("comparing %u requests with %s %s", reqs->len, peer_path,
                   qemu_args);
    for (guint i = 0; i < reqs->len; i++) {
        const char *req = g_ptr_array_index(reqs, i);
        g_autofree char *k = qtest_command(kite, "%s", req);
        g_autofree char *q = qtest_command(qemu, "%s", req);

        if (strcmp(k, q) != 0) {
            g_test_message("first difference at request %u: '%s'", i + 1,
                           req);
            g_test_message("  kite: '%s'", k);
            g_test_message("  qemu: '%s'", q);
            g_test_fail();
            break;
        }
        g_test_message("same: %-45s -> %s", req, k);
    }
    qtest_quit(qemu);
    qtest_quit(kite);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/qtest/qemu-compare/ram-and-ports", test_compare);
    return g_test_run();
}
