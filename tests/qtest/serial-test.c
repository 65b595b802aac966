/*
 * The 16550 at 0x3f8: what qemu-compare-test cannot compare because it
 * needs the virtual clock to move (Debian's QEMU runs its qtest server
 * under tcg, where the clock stands still): the receive FIFO's character
 * timeout, and its interrupt on the ioapic input 4.
 */
#include "libqtest.h"

#define COM1 0x3f8
#define RBR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5

static QTestState *start(void)
{
    QTestState *qts = qtest_init("-M microvm -m 16M");

    qtest_irq_intercept_in(qts, "/machine/ioapic");
    qtest_outb(qts, COM1 + MCR, 0x10);       /* loopback */
    qtest_outb(qts, COM1 + IER, 0x01);       /* received data interrupt */
    return qts;
}

/* Below the trigger level nothing happens until four character times
 * pass without the FIFO changing; then IIR says "timeout" (0x0c). */
static void test_char_timeout(void)
{
    QTestState *qts = start();
    /* 9600 baud (divisor 12), 8N1: 10 bits per character */
    const int64_t four_chars = 4 * 10 * 1000000000LL * 12 / 115200;

    qtest_outb(qts, COM1 + LCR, 0x03);
    qtest_outb(qts, COM1 + FCR, 0x81);       /* FIFO on, trigger 8 bytes */
    qtest_outb(qts, COM1 + RBR, 'a');
    qtest_outb(qts, COM1 + RBR, 'b');
    g_assert_cmphex(qtest_inb(qts, COM1 + IIR), ==, 0xc1);
    g_assert_false(qtest_get_irq(qts, 4));

    qtest_clock_step(qts, four_chars - 1000);
    g_assert_cmphex(qtest_inb(qts, COM1 + IIR), ==, 0xc1);
    qtest_clock_step(qts, 2000);
    g_assert_cmphex(qtest_inb(qts, COM1 + IIR), ==, 0xcc);
    g_assert_true(qtest_get_irq(qts, 4));

    /* reading a byte restarts the wait */
    g_assert_cmphex(qtest_inb(qts, COM1 + RBR), ==, 'a');
    g_assert_cmphex(qtest_inb(qts, COM1 + IIR), ==, 0xc1);
    g_assert_false(qtest_get_irq(qts, 4));
    qtest_clock_step(qts, four_chars + 1000);
    g_assert_cmphex(qtest_inb(qts, COM1 + IIR), ==, 0xcc);
    g_assert_cmphex(qtest_inb(qts, COM1 + RBR), ==, 'b');
    g_assert_cmphex(qtest_inb(qts, COM1 + LSR), ==, 0x60);
    g_assert_cmphex(qtest_inb(qts, COM1 + IIR), ==, 0xc1);
    g_assert_false(qtest_get_irq(qts, 4));
    qtest_quit(qts);
}

/* The timeout follows the programmed speed: at divisor 1 (115200 baud)
 * it is twelve times shorter than at 9600. */
static void test_timeout_follows_divisor(void)
{
    QTestState *qts = start();
    const int64_t four_chars = 4 * 10 * 1000000000LL / 115200;

    qtest_outb(qts, COM1 + LCR, 0x83);
    qtest_outw(qts, COM1, 0x0001);           /* DLL = 1, DLM = 0 */
    qtest_outb(qts, COM1 + LCR, 0x03);
    qtest_outb(qts, COM1 + FCR, 0xc1);       /* trigger 14 bytes */
    qtest_outb(qts, COM1 + RBR, 'x');
    qtest_clock_step(qts, four_chars + 1000);
    g_assert_cmphex(qtest_inb(qts, COM1 + IIR), ==, 0xcc);
    qtest_quit(qts);
}

/* At the trigger level the interrupt is immediate, and it drops when
 * the FIFO is read below it. */
static void test_trigger_level(void)
{
    QTestState *qts = start();

    qtest_outb(qts, COM1 + FCR, 0x41);       /* trigger 4 bytes */
    for (int i = 0; i < 4; i++) {
        g_assert_false(qtest_get_irq(qts, 4));
        qtest_outb(qts, COM1 + RBR, '0' + i);
    }
    g_assert_true(qtest_get_irq(qts, 4));
    g_assert_cmphex(qtest_inb(qts, COM1 + IIR), ==, 0xc4);
    g_assert_cmphex(qtest_inb(qts, COM1 + RBR), ==, '0');
    g_assert_false(qtest_get_irq(qts, 4));
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/serial/fifo/char-timeout", test_char_timeout);
    qtest_add_func("/serial/fifo/timeout-follows-divisor",
                   test_timeout_follows_divisor);
    qtest_add_func("/serial/fifo/trigger-level", test_trigger_level);
    return g_test_run();
}
