/*
 * Unit tests for devices: realize and its failures, -device placement and
 * errors, reset order, GPIO wiring and interception, and the help and
 * device-list-properties views.  Types used here are defined here.
 */
#include "kite/qdev.h"

#include <stdio.h>

#define TYPE_TEST_DEV "test-dev"
#define TYPE_TEST_DEV_SUB "test-dev-sub"
#define TYPE_TEST_DEV_NOUSER "test-dev-nouser"
#define TYPE_TEST_DEV_ABSTRACT "test-dev-abstract"
#define TYPE_TEST_NOT_DEV "test-not-dev"

typedef struct TestDev {
    DeviceState parent_obj;
    uint32_t level;
    bool fail;
    char *label;
    qemu_irq out[2];
    qemu_irq alarm;
    int realize_count;
    int unrealize_count;
    int last_in_n, last_in_level, in_calls;
} TestDev;

#define TEST_DEV(o) OBJECT_CHECK(TestDev, (o), TYPE_TEST_DEV)

static GString *event_log;       /* "reset:<label>;" ... */
static int finalized;

static void test_dev_in(void *opaque, int n, int level)
{
    TestDev *t = opaque;

    t->last_in_n = n;
    t->last_in_level = level;
    t->in_calls++;
}

static void test_dev_init(Object *obj)
{
    TestDev *t = TEST_DEV(obj);

    qdev_init_gpio_in(DEVICE(obj), test_dev_in, 2);
    qdev_init_gpio_out(DEVICE(obj), t->out, 2);
    qdev_init_gpio_out_named(DEVICE(obj), &t->alarm, "alarm", 1);
}

static void test_dev_finalize(Object *obj)
{
    finalized++;
}

static bool test_dev_realize(DeviceState *dev, GError **errp)
{
    TestDev *t = TEST_DEV(dev);

    if (t->fail) {
        kite_error_set(errp, "realize failed on request");
        return false;
    }
    t->realize_count++;
    return true;
}

static void test_dev_unrealize(DeviceState *dev)
{
    TEST_DEV(dev)->unrealize_count++;
}

static void test_dev_reset(DeviceState *dev)
{
    g_string_append_printf(event_log, "reset:%s;", TEST_DEV(dev)->label ?: "?");
}

static void test_dev_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->desc = "a device for tests";
    dc->category = "misc";
    dc->realize = test_dev_realize;
    dc->unrealize = test_dev_unrealize;
    dc->reset = test_dev_reset;
}

static void test_dev_nouser_class_init(ObjectClass *klass, const void *data)
{
    DEVICE_CLASS(klass)->user_creatable = false;
}

static void test_dev_sub_class_init(ObjectClass *klass, const void *data)
{
    DEVICE_CLASS(klass)->category = NULL;
    DEVICE_CLASS(klass)->desc = NULL;
}

static const Property test_dev_props[] = {
    DEFINE_PROP_UINT32("level", TestDev, level, 3),
    DEFINE_PROP_BOOL("fail", TestDev, fail, false),
    { .name = "label", .kind = PROP_KIND_STRING,
      .offset = offsetof(TestDev, label), .description = "a name for logs",
      .settable_after_realize = true },
    DEFINE_PROP_END_OF_LIST(),
};

static const TypeInfo test_types[] = {
    {
        .name = TYPE_TEST_DEV_ABSTRACT,
        .parent = TYPE_DEVICE,
        .abstract = true,
    }, {
        .name = TYPE_TEST_DEV,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(TestDev),
        .class_init = test_dev_class_init,
        .instance_init = test_dev_init,
        .instance_finalize = test_dev_finalize,
        .props = test_dev_props,
    }, {
        .name = TYPE_TEST_DEV_SUB,
        .parent = TYPE_TEST_DEV,
        .class_init = test_dev_sub_class_init,
    }, {
        .name = TYPE_TEST_DEV_NOUSER,
        .parent = TYPE_TEST_DEV,
        .class_init = test_dev_nouser_class_init,
    }, {
        .name = TYPE_TEST_NOT_DEV,
        .parent = TYPE_OBJECT,
    },
};

static void test_register_types(void)
{
    type_register_static_array(test_types, G_N_ELEMENTS(test_types));
}
type_init(test_register_types)

static void assert_error(GError **err, const char *msg)
{
    g_assert_nonnull(*err);
    g_assert_cmpstr((*err)->message, ==, msg);
    g_clear_error(err);
}

static GHashTable *props_of(const char *first, ...)
{
    GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal,
                                          g_free, g_free);
    va_list ap;

    va_start(ap, first);
    for (const char *k = first; k; k = va_arg(ap, const char *)) {
        g_hash_table_insert(h, g_strdup(k), g_strdup(va_arg(ap, const char *)));
    }
    va_end(ap);
    return h;
}

static void test_device_add(void)
{
    GHashTable *props = props_of("level", "9", "label", "d1", NULL);
    GError *err = NULL;
    DeviceState *dev, *anon1, *anon2;
    char *path;

    dev = qdev_device_add(TYPE_TEST_DEV, "d1", props, &err);
    g_hash_table_destroy(props);
    g_assert_no_error(err);
    g_assert_nonnull(dev);
    g_assert_true(dev->realized);
    g_assert_cmpstr(dev->id, ==, "d1");
    g_assert_cmpuint(TEST_DEV(dev)->level, ==, 9);
    g_assert_cmpint(TEST_DEV(dev)->realize_count, ==, 1);
    g_assert_true(object_resolve_path("/machine/peripheral/d1", NULL) ==
                  OBJECT(dev));
    g_assert_true(object_resolve_path("d1", NULL) == OBJECT(dev));
    g_assert_cmpint(OBJECT(dev)->ref, ==, 1);

    anon1 = qdev_device_add(TYPE_TEST_DEV, NULL, NULL, &err);
    anon2 = qdev_device_add(TYPE_TEST_DEV_SUB, NULL, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(TEST_DEV(anon1)->level, ==, 3);    /* the default */
    path = object_get_canonical_path(OBJECT(anon1));
    g_assert_cmpstr(path, ==, "/machine/peripheral-anon/device[0]");
    g_free(path);
    path = object_get_canonical_path(OBJECT(anon2));
    g_assert_cmpstr(path, ==, "/machine/peripheral-anon/device[1]");
    g_free(path);

    /* Unparenting unrealizes and finalizes. */
    finalized = 0;
    object_ref(OBJECT(dev));
    object_unparent(OBJECT(dev));
    g_assert_false(dev->realized);
    g_assert_cmpint(TEST_DEV(dev)->unrealize_count, ==, 1);
    object_unref(OBJECT(dev));
    object_unparent(OBJECT(anon1));
    object_unparent(OBJECT(anon2));
    g_assert_cmpint(finalized, ==, 3);
    g_assert_null(object_resolve_path("/machine/peripheral/d1", NULL));
}

static void test_device_add_errors(void)
{
    GError *err = NULL;
    GHashTable *props;
    DeviceState *dev;

    finalized = 0;
    g_assert_null(qdev_device_add("nosuch", NULL, NULL, &err));
    assert_error(&err, "'nosuch' is not a valid device model name");
    g_assert_null(qdev_device_add(TYPE_TEST_NOT_DEV, NULL, NULL, &err));
    assert_error(&err, "'test-not-dev' is not a valid device model name");
    g_assert_null(qdev_device_add(TYPE_TEST_DEV_ABSTRACT, NULL, NULL, &err));
    assert_error(&err, "Parameter 'driver' expects a non-abstract device type");
    g_assert_null(qdev_device_add(TYPE_DEVICE, NULL, NULL, &err));
    assert_error(&err, "Parameter 'driver' expects a non-abstract device type");
    g_assert_null(qdev_device_add(TYPE_TEST_DEV_NOUSER, NULL, NULL, &err));
    assert_error(&err, "Parameter 'driver' expects a pluggable device type");
    g_assert_null(qdev_device_add(TYPE_TEST_DEV, "1x", NULL, &err));
    assert_error(&err, "Parameter 'id' expects an identifier");
    g_assert_null(qdev_device_add(TYPE_TEST_DEV, "", NULL, &err));
    assert_error(&err, "Parameter 'id' expects an identifier");

    props = props_of("bogus", "1", NULL);
    g_assert_null(qdev_device_add(TYPE_TEST_DEV, "e1", props, &err));
    assert_error(&err, "Property 'test-dev.bogus' not found");
    g_hash_table_destroy(props);
    props = props_of("level", "zz", NULL);
    g_assert_null(qdev_device_add(TYPE_TEST_DEV, "e1", props, &err));
    assert_error(&err, "Parameter 'level' expects integer");
    g_hash_table_destroy(props);
    props = props_of("level", "0x100000000", NULL);
    g_assert_null(qdev_device_add(TYPE_TEST_DEV, "e1", props, &err));
    assert_error(&err, "Parameter 'level' expects uint32_t");
    g_hash_table_destroy(props);
    props = props_of("fail", "maybe", NULL);
    g_assert_null(qdev_device_add(TYPE_TEST_DEV, "e1", props, &err));
    assert_error(&err, "Parameter 'fail' expects 'on' or 'off'");
    g_hash_table_destroy(props);

    /* A realize failure leaves nothing in the tree. */
    props = props_of("fail", "on", NULL);
    g_assert_null(qdev_device_add(TYPE_TEST_DEV, "e1", props, &err));
    assert_error(&err, "realize failed on request");
    g_assert_null(qdev_device_add(TYPE_TEST_DEV, NULL, props, &err));
    assert_error(&err, "realize failed on request");
    g_hash_table_destroy(props);
    g_assert_null(object_resolve_path("/machine/peripheral/e1", NULL));
    g_assert_null(object_resolve_path("/machine/peripheral-anon/device[0]",
                                      NULL));
    g_assert_cmpint(finalized, ==, 6);

    /* Duplicate ids. */
    dev = qdev_device_add(TYPE_TEST_DEV, "dup", NULL, &err);
    g_assert_no_error(err);
    g_assert_null(qdev_device_add(TYPE_TEST_DEV_SUB, "dup", NULL, &err));
    assert_error(&err, "Duplicate ID 'dup' for device");
    object_unparent(OBJECT(dev));
    g_assert_cmpint(finalized, ==, 7);
}

static void test_realize_and_unref(void)
{
    Object *unattached = container_get("/machine/unattached");
    DeviceState *d[3];
    GError *err = NULL;
    char *path;
    guint start = unattached->child_order->len;
    unsigned first;

    for (int i = 0; i < 3; i++) {
        d[i] = qdev_new(TYPE_TEST_DEV);
        g_assert_false(d[i]->realized);
        g_assert_true(qdev_realize_and_unref(d[i], &err));
        g_assert_no_error(err);
        g_assert_true(d[i]->realized);
        g_assert_cmpint(OBJECT(d[i])->ref, ==, 1);
    }
    g_assert_cmpuint(unattached->child_order->len, ==, start + 3);
    /* N counts up from where it was. */
    g_assert_true(sscanf(OBJECT(d[0])->name, "device[%u]", &first) == 1);
    for (int i = 0; i < 3; i++) {
        char *want = g_strdup_printf("/machine/unattached/device[%u]", first + i);
        path = object_get_canonical_path(OBJECT(d[i]));
        g_assert_cmpstr(path, ==, want);
        g_free(path);
        g_free(want);
    }

    /* A device that already has a parent stays there. */
    {
        Object *holder = container_get("/machine/test-holder");
        DeviceState *dev = qdev_new(TYPE_TEST_DEV);
        object_property_add_child(holder, "mine", OBJECT(dev));
        g_assert_true(qdev_realize_and_unref(dev, &err));
        g_assert_true(dev->parent_obj.parent == holder);
        g_assert_cmpint(OBJECT(dev)->ref, ==, 1);
        object_unparent(holder);
    }

    /* Failure: the caller's reference is gone, the tree holds the device
     * unrealized, and object_unparent() leaves nothing behind. */
    finalized = 0;
    {
        DeviceState *dev = qdev_new(TYPE_TEST_DEV);
        TEST_DEV(dev)->fail = true;
        g_assert_false(qdev_realize_and_unref(dev, &err));
        assert_error(&err, "realize failed on request");
        g_assert_false(dev->realized);
        g_assert_true(OBJECT(dev)->parent == unattached);
        g_assert_cmpint(OBJECT(dev)->ref, ==, 1);
        g_assert_cmpint(finalized, ==, 0);
        object_unparent(OBJECT(dev));
        g_assert_cmpint(finalized, ==, 1);
        g_assert_cmpuint(unattached->child_order->len, ==, start + 3);
    }
    /* Removal does not make an index free for reuse. */
    object_unparent(OBJECT(d[2]));
    {
        DeviceState *dev = qdev_new(TYPE_TEST_DEV);
        char *want = g_strdup_printf("device[%u]", first + 4);
        g_assert_true(qdev_realize_and_unref(dev, &err));
        g_assert_cmpstr(OBJECT(dev)->name, ==, want);  /* +3 was the failure */
        g_free(want);
        object_unparent(OBJECT(dev));
    }
    for (int i = 0; i < 2; i++) {
        object_unparent(OBJECT(d[i]));
    }
}

static void test_realized_property(void)
{
    DeviceState *dev = qdev_device_add(TYPE_TEST_DEV, "rp", NULL, NULL);
    GError *err = NULL;
    json_t *v;

    g_assert_nonnull(dev);
    v = object_property_get_json(OBJECT(dev), "realized", &err);
    g_assert_true(json_is_true(v));
    json_decref(v);

    /* Properties are frozen once realized unless declared otherwise. */
    g_assert_false(object_property_parse(OBJECT(dev), "level", "5", &err));
    assert_error(&err, "Attempt to set property 'level' on device 'rp' "
                 "(type 'test-dev') after it was realized");
    g_assert_cmpuint(TEST_DEV(dev)->level, ==, 3);
    g_assert_true(object_property_parse(OBJECT(dev), "label", "lbl", &err));
    g_assert_cmpstr(TEST_DEV(dev)->label, ==, "lbl");

    g_assert_false(object_property_parse(OBJECT(dev), "realized", "maybe", &err));
    assert_error(&err, "Parameter 'realized' expects 'on' or 'off'");
    v = json_string("off");
    g_assert_false(object_property_set_json(OBJECT(dev), "realized", v, &err));
    assert_error(&err, "Invalid parameter type for 'realized', expected: boolean");
    json_decref(v);
    g_assert_true(dev->realized);
    g_assert_true(object_property_parse(OBJECT(dev), "realized", "off", &err));
    g_assert_no_error(err);
    g_assert_false(dev->realized);
    g_assert_cmpint(TEST_DEV(dev)->unrealize_count, ==, 1);
    g_assert_true(object_property_parse(OBJECT(dev), "level", "5", &err));
    g_assert_cmpuint(TEST_DEV(dev)->level, ==, 5);
    v = json_true();
    g_assert_true(object_property_set_json(OBJECT(dev), "realized", v, &err));
    json_decref(v);
    g_assert_true(dev->realized);
    g_assert_cmpint(TEST_DEV(dev)->realize_count, ==, 2);
    v = json_integer(1);
    g_assert_false(object_property_set_json(OBJECT(dev), "realized", v, &err));
    assert_error(&err, "Invalid parameter type for 'realized', expected: boolean");
    json_decref(v);
    object_unparent(OBJECT(dev));

    /* Anonymous devices are named so in the error. */
    dev = qdev_device_add(TYPE_TEST_DEV, NULL, NULL, NULL);
    g_assert_false(object_property_set_bool(OBJECT(dev), "fail", true, &err));
    assert_error(&err, "Attempt to set property 'fail' on anonymous device "
                 "(type 'test-dev') after it was realized");
    object_unparent(OBJECT(dev));
}

static DeviceState *labelled(const char *type, const char *label)
{
    DeviceState *dev = qdev_new(type);

    TEST_DEV(dev)->label = g_strdup(label);
    return dev;
}

static void test_reset_all(void)
{
    Object *top = container_get("/machine/test-reset");
    DeviceState *parent = labelled(TYPE_TEST_DEV, "parent");
    DeviceState *kid1 = labelled(TYPE_TEST_DEV, "kid1");
    DeviceState *kid2 = labelled(TYPE_TEST_DEV_SUB, "kid2");
    DeviceState *idle = labelled(TYPE_TEST_DEV, "idle");
    DeviceState *outside = labelled(TYPE_TEST_DEV, "outside");
    GError *err = NULL;

    object_property_add_child(top, "parent", OBJECT(parent));
    object_property_add_child(OBJECT(parent), "kid1", OBJECT(kid1));
    object_property_add_child(OBJECT(parent), "kid2", OBJECT(kid2));
    object_property_add_child(top, "idle", OBJECT(idle));   /* not realized */
    object_property_add_child(container_get("/test-outside"), "o",
                              OBJECT(outside));
    g_assert_true(qdev_realize_and_unref(parent, &err));
    g_assert_true(qdev_realize_and_unref(kid1, &err));
    g_assert_true(qdev_realize_and_unref(kid2, &err));
    g_assert_true(qdev_realize_and_unref(outside, &err));
    object_unref(OBJECT(idle));

    g_string_truncate(event_log, 0);
    qdev_reset_all();
    /* Other tests' devices are gone; below /machine only ours reset. */
    g_assert_cmpstr(event_log->str, ==, "reset:kid1;reset:kid2;reset:parent;");
    object_unparent(top);
    object_unparent(container_get("/test-outside"));
}

static int64_t intercepted_n = -1, intercepted_level = -1;

static void intercept_handler(void *opaque, int n, int level)
{
    g_assert_true(opaque == &intercepted_n);
    intercepted_n = n;
    intercepted_level = level;
}

static void test_gpio(void)
{
    DeviceState *src = qdev_new(TYPE_TEST_DEV);
    DeviceState *dst = qdev_new(TYPE_TEST_DEV);
    TestDev *s = TEST_DEV(src), *d = TEST_DEV(dst);
    NamedGPIOList *l;
    qemu_irq line;

    l = qdev_get_named_gpio_list(dst, NULL);
    g_assert_cmpint(l->num_in, ==, 2);
    g_assert_cmpint(l->num_out, ==, 2);
    l = qdev_get_named_gpio_list(src, "alarm");
    g_assert_cmpint(l->num_in, ==, 0);
    g_assert_cmpint(l->num_out, ==, 1);

    /* Unconnected outputs are NULL lines: setting them is harmless. */
    qemu_irq_raise(s->out[0]);
    g_assert_cmpint(d->in_calls, ==, 0);

    qdev_connect_gpio_out(src, 1, qdev_get_gpio_in(dst, 0));
    qdev_connect_gpio_out_named(src, "alarm", 0, qdev_get_gpio_in(dst, 1));
    qemu_irq_raise(s->out[1]);
    g_assert_cmpint(d->in_calls, ==, 1);
    g_assert_cmpint(d->last_in_n, ==, 0);
    g_assert_cmpint(d->last_in_level, ==, 1);
    qemu_set_irq(s->alarm, 0);
    g_assert_cmpint(d->last_in_n, ==, 1);
    g_assert_cmpint(d->last_in_level, ==, 0);
    qemu_irq_pulse(s->alarm);
    g_assert_cmpint(d->in_calls, ==, 4);

    /* Intercept: the line now goes to the new handler only. */
    line = qdev_get_gpio_in(dst, 1);
    qemu_irq_intercept(line, intercept_handler, &intercepted_n);
    qemu_irq_raise(s->alarm);
    g_assert_cmpint(d->in_calls, ==, 4);
    g_assert_cmpint(intercepted_n, ==, 1);
    g_assert_cmpint(intercepted_level, ==, 1);

    /* A standalone line. */
    line = qemu_allocate_irq(intercept_handler, &intercepted_n, 7);
    qemu_irq_lower(line);
    g_assert_cmpint(intercepted_n, ==, 7);
    g_assert_cmpint(intercepted_level, ==, 0);
    qemu_free_irq(line);
    qemu_set_irq(NULL, 1);

    object_unref(OBJECT(src));
    object_unref(OBJECT(dst));
}

static void test_gpio_bad_line_aborts(void)
{
    if (g_test_subprocess()) {
        DeviceState *dev = qdev_new(TYPE_TEST_DEV);
        qdev_get_gpio_in(dev, 2);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*no gpio in line*");
}

static void test_list_properties(void)
{
    GError *err = NULL;
    json_t *list, *e;
    size_t i;
    bool seen_level = false, seen_label = false;

    list = qdev_list_properties_json(TYPE_TEST_DEV_SUB, &err);
    g_assert_no_error(err);
    g_assert_cmpint(json_array_size(list), ==, 3);
    json_array_foreach(list, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        g_assert_cmpstr(name, !=, "type");
        g_assert_cmpstr(name, !=, "realized");
        if (!strcmp(name, "level")) {
            seen_level = true;
            g_assert_cmpstr(json_string_value(json_object_get(e, "type")), ==,
                            "uint32");
            g_assert_cmpint(json_integer_value(json_object_get(e, "default-value")),
                            ==, 3);
            g_assert_null(json_object_get(e, "description"));
        }
        if (!strcmp(name, "label")) {
            seen_label = true;
            g_assert_cmpstr(json_string_value(json_object_get(e, "description")),
                            ==, "a name for logs");
            g_assert_null(json_object_get(e, "default-value"));
        }
    }
    g_assert_true(seen_level && seen_label);
    json_decref(list);

    g_assert_null(qdev_list_properties_json("nosuch", &err));
    g_assert_true(g_error_matches(err, KITE_ERROR, KITE_ERROR_DEVICE_NOT_FOUND));
    assert_error(&err, "Device 'nosuch' not found");
    g_assert_null(qdev_list_properties_json(TYPE_TEST_DEV_ABSTRACT, &err));
    assert_error(&err, "Parameter 'typename' expects a non-abstract device type");
    g_assert_null(qdev_list_properties_json(TYPE_TEST_NOT_DEV, &err));
    assert_error(&err, "Parameter 'typename' expects a non-abstract device type");
}

static void test_print_help(void)
{
    if (g_test_subprocess()) {
        GError *err = NULL;
        g_assert_true(qdev_print_device_help(TYPE_TEST_DEV, &err));
        g_assert_false(qdev_print_device_help("nosuch", &err));
        g_assert_cmpstr(err->message, ==, "Device 'nosuch' not found");
        g_error_free(err);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout(
        "test-dev options:\n"
        "  fail=<bool>            - on/off (default: false)\n"
        "  label=<str>            - a name for logs\n"
        "  level=<uint32>         -  (default: 3)\n");
}

static void test_print_list(void)
{
    if (g_test_subprocess()) {
        qdev_print_device_list();
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout("*Misc devices:\n*"
                              "name \"test-dev\", desc \"a device for tests\"\n*"
                              "Uncategorized devices:\n*"
                              "name \"test-dev-sub\"\n*");
    g_test_trap_assert_stdout_unmatched("*test-dev-nouser*");
    g_test_trap_assert_stdout_unmatched("*test-dev-abstract*");
}

int main(int argc, char **argv)
{
    event_log = g_string_new(NULL);
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qdev/device-add/ok", test_device_add);
    g_test_add_func("/qdev/device-add/errors", test_device_add_errors);
    g_test_add_func("/qdev/realize-and-unref", test_realize_and_unref);
    g_test_add_func("/qdev/realized-property", test_realized_property);
    g_test_add_func("/qdev/reset-all", test_reset_all);
    g_test_add_func("/qdev/gpio/connect-intercept", test_gpio);
    g_test_add_func("/qdev/gpio/bad-line", test_gpio_bad_line_aborts);
    g_test_add_func("/qdev/list-properties", test_list_properties);
    g_test_add_func("/qdev/help/device", test_print_help);
    g_test_add_func("/qdev/help/list", test_print_list);
    {
        int ret = g_test_run();
        g_string_free(event_log, true);
        return ret;
    }
}
