/*
 * Devices created by the user: -device / device_add, and the help texts
 * of -device.  Messages are QEMU 7.2's.
 */
#include "kite/qdev.h"
#include "qdev-internal.h"

#include <stdio.h>

static bool qdev_set_props(DeviceState *dev, GHashTable *props, GError **errp)
{
    GList *keys;
    bool ok = true;

    if (!props) {
        return true;
    }
    /* Name order, so that the first error reported is reproducible. */
    keys = g_list_sort(g_hash_table_get_keys(props), (GCompareFunc)strcmp);
    for (GList *l = keys; l && ok; l = l->next) {
        const char *name = l->data;
        if (!strcmp(name, "driver") || !strcmp(name, "id")) {
            continue;
        }
        ok = object_property_parse(OBJECT(dev), name,
                                   g_hash_table_lookup(props, name), errp);
    }
    g_list_free(keys);
    return ok;
}

DeviceState *qdev_device_add(const char *driver, const char *id,
                             GHashTable *props, GError **errp)
{
    DeviceClass *dc;
    DeviceState *dev;
    Object *parent;

    if (!driver) {
        kite_error_set(errp, "Parameter 'driver' is missing");
        return NULL;
    }
    dc = qdev_lookup_device_class(driver, "driver", errp);
    if (!dc) {
        return NULL;
    }
    if (!dc->user_creatable) {
        kite_error_set(errp, "Parameter 'driver' expects a pluggable device type");
        return NULL;
    }
    if (!id && props) {
        id = g_hash_table_lookup(props, "id");
    }
    if (id) {
        if (!object_id_wellformed(id)) {
            kite_error_set(errp, "Parameter 'id' expects an identifier");
            return NULL;
        }
        parent = container_get("/machine/peripheral");
        if (object_resolve_path_component(parent, id)) {
            kite_error_set(errp, "Duplicate ID '%s' for device", id);
            return NULL;
        }
    } else {
        parent = container_get("/machine/peripheral-anon");
    }

    dev = qdev_new(driver);
    dev->id = g_strdup(id);
    if (!qdev_set_props(dev, props, errp)) {
        object_unref(OBJECT(dev));
        return NULL;
    }
    object_property_add_child(parent, id ? id : "device[*]", OBJECT(dev));
    object_unref(OBJECT(dev));
    if (!qdev_realize(dev, errp)) {
        object_unparent(OBJECT(dev));
        return NULL;
    }
    return dev;
}

/* Categories in the order QEMU prints them; NULL last. */
static const struct {
    const char *key;
    const char *title;
} qdev_categories[] = {
    { "bridge", "Controller/Bridge/Hub" },
    { "usb", "USB" },
    { "storage", "Storage" },
    { "network", "Network" },
    { "input", "Input" },
    { "display", "Display" },
    { "sound", "Sound" },
    { "misc", "Misc" },
    { "cpu", "CPU" },
    { "watchdog", "Watchdog" },
    { NULL, "Uncategorized" },
};

static bool category_known(const char *cat)
{
    for (size_t i = 0; qdev_categories[i].key; i++) {
        if (cat && !strcmp(cat, qdev_categories[i].key)) {
            return true;
        }
    }
    return false;
}

static gint class_name_casecmp(gconstpointer a, gconstpointer b)
{
    return g_ascii_strcasecmp(object_class_get_name((ObjectClass *)a),
                              object_class_get_name((ObjectClass *)b));
}

void qdev_print_device_list(void)
{
    GSList *list = object_class_get_list(TYPE_DEVICE, false);
    bool first = true;

    list = g_slist_sort(list, class_name_casecmp);
    for (size_t i = 0; i < G_N_ELEMENTS(qdev_categories); i++) {
        const char *key = qdev_categories[i].key;
        bool header = false;

        for (GSList *l = list; l; l = l->next) {
            DeviceClass *dc = DEVICE_CLASS(l->data);
            bool match = key ? (dc->category && !strcmp(dc->category, key))
                             : !category_known(dc->category);
            if (!match || !dc->user_creatable) {
                continue;
            }
            if (!header) {
                printf("%s%s devices:\n", first ? "" : "\n",
                       qdev_categories[i].title);
                header = true;
                first = false;
            }
            printf("name \"%s\"", object_class_get_name(l->data));
            if (dc->desc) {
                printf(", desc \"%s\"", dc->desc);
            }
            printf("\n");
        }
    }
    g_slist_free(list);
}

bool qdev_print_device_help(const char *driver, GError **errp)
{
    DeviceClass *dc = qdev_lookup_device_class(driver, "typename", errp);
    GPtrArray *props;

    if (!dc) {
        return false;
    }
    props = qdev_user_properties((ObjectClass *)dc, true);
    if (!props->len) {
        printf("There are no options for %s.\n", driver);
    } else {
        printf("%s options:\n", driver);
    }
    for (guint i = 0; i < props->len; i++) {
        char *line = qdev_property_help_line(g_ptr_array_index(props, i));
        printf("%s\n", line);
        g_free(line);
    }
    g_ptr_array_free(props, true);
    return true;
}
