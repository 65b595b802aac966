/*
 * The I/O APIC stand-in (hw/i386/ioapic.c): it passes on level changes
 * only (under KVM each one is a KVM_IRQ_LINE ioctl), and its reset lowers
 * the lines it had passed on high, so the reset devices that follow
 * cannot leave one asserted where the levels go.
 */
#include "../../hw/i386/ioapic.h"
#include "kite/qdev.h"

static GString *routed;

static void record_route(void *opaque, int n, int level)
{
    g_string_append_printf(routed, "%d=%d;", n, level);
}

static DeviceState *ioapic_new(void)
{
    DeviceState *dev = qdev_new(TYPE_IOAPIC);
    GError *err = NULL;

    object_property_add_child(container_get("/machine"), "ioapic",
                              OBJECT(dev));
    g_assert_true(qdev_realize_and_unref(dev, &err));
    g_assert_no_error(err);
    ioapic_set_route_handler(IOAPIC(dev), record_route, NULL);
    g_string_truncate(routed, 0);
    return dev;
}

static void set_line(DeviceState *dev, int n, int level)
{
    qemu_set_irq(qdev_get_gpio_in(dev, n), level);
}

static void test_changes_only(void)
{
    DeviceState *dev = ioapic_new();
    IOAPICState *s = IOAPIC(dev);

    /* A 16550 re-states its low line on every byte: nothing goes on. */
    for (int i = 0; i < 100; i++) {
        set_line(dev, 4, 0);
    }
    g_assert_cmpstr(routed->str, ==, "");
    set_line(dev, 4, 1);
    set_line(dev, 4, 1);
    set_line(dev, 4, 7);             /* any non-zero level is high */
    set_line(dev, 9, 1);
    set_line(dev, 4, 0);
    set_line(dev, 4, 0);
    g_assert_cmpstr(routed->str, ==, "4=1;9=1;4=0;");
    g_assert_false(s->level[4]);
    g_assert_true(s->level[9]);
    object_unparent(OBJECT(dev));
}

static void test_reset_lowers_high_lines(void)
{
    DeviceState *dev = ioapic_new();

    set_line(dev, 9, 1);
    set_line(dev, 23, 1);
    g_string_truncate(routed, 0);
    qdev_reset_all();
    g_assert_cmpstr(routed->str, ==, "9=0;23=0;");
    /* After reset the stand-in and the route agree: all low. */
    g_string_truncate(routed, 0);
    set_line(dev, 9, 0);
    g_assert_cmpstr(routed->str, ==, "");
    set_line(dev, 9, 1);
    g_assert_cmpstr(routed->str, ==, "9=1;");
    object_unparent(OBJECT(dev));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    routed = g_string_new(NULL);
    g_test_add_func("/ioapic/changes-only", test_changes_only);
    g_test_add_func("/ioapic/reset-lowers-high-lines", test_reset_lowers_high_lines);
    return g_test_run();
}
