/* QMP balloon / query-balloon and HMP info balloon (QEMU's names). */
#include "kite/virtio-balloon.h"
#include "kite/qmp.h"

static VirtIOBalloon *active_balloon(GError **errp)
{
    VirtIOBalloon *b = virtio_balloon_get();

    if (!b) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_DEVICE_NOT_ACTIVE,
                    "No balloon device has been activated");
    }
    return b;
}

static json_t *qmp_balloon(json_t *args, GError **errp)
{
    VirtIOBalloon *b = active_balloon(errp);
    json_int_t value;

    if (!b) {
        return NULL;
    }
    value = json_integer_value(json_object_get(args, "value"));
    if (value <= 0) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "Parameter 'target' expects a size");
        return NULL;
    }
    virtio_balloon_set_target(b, value);
    return json_object();
}

static json_t *qmp_query_balloon(json_t *args, GError **errp)
{
    VirtIOBalloon *b = active_balloon(errp);

    if (!b) {
        return NULL;
    }
    return json_pack("{s:I}", "actual",
                     (json_int_t)virtio_balloon_actual_bytes(b));
}

static void hmp_info_balloon(GString *out)
{
    VirtIOBalloon *b = virtio_balloon_get();

    if (!b) {
        g_string_append(out, "Error: No balloon device has been activated\n");
        return;
    }
    g_string_append_printf(out, "balloon: actual=%" PRIu64 "\n",
                           virtio_balloon_actual_bytes(b) >> 20);
}

static const QmpArg balloon_args[] = {
    { "value", QMP_ARG_INT, false },
    { NULL },
};

static const QmpCommandInfo balloon_cmds[] = {
    { .name = "balloon", .fn = qmp_balloon, .args = balloon_args },
    { .name = "query-balloon", .fn = qmp_query_balloon },
};

static void __attribute__((constructor)) balloon_qmp_register(void)
{
    qmp_register_commands(balloon_cmds);
    hmp_register_info("balloon", "show balloon information", hmp_info_balloon);
}
