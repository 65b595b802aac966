/*
 * Signal quiesce (event type 0x1d): system_powerdown asks the guest to
 * shut down; the guest reads the event with Read Event Data.
 */
#include "kite/s390x/event-facility.h"
#include "kite/runstate.h"

static size_t sclp_quiesce_read_event(SCLPEvent *ev, uint8_t *buf,
                                      size_t avail)
{
    if (avail < sizeof(SignalQuiesce)) {
        return 0;
    }
    memset(buf, 0, sizeof(SignalQuiesce));
    sclp_st16(buf + offsetof(SignalQuiesce, ebh.length), sizeof(SignalQuiesce));
    buf[offsetof(SignalQuiesce, ebh.type)] = SCLP_EVENT_SIGNAL_QUIESCE;
    /* timeout 0 and unit 0: no deadline is given. */
    ev->event_pending = false;
    return sizeof(SignalQuiesce);
}

static void sclp_quiesce_powerdown(void *opaque)
{
    sclp_event_raise(SCLP_EVENT(opaque));
}

static bool sclp_quiesce_realize(DeviceState *dev, GError **errp)
{
    DeviceClass *parent = DEVICE_CLASS(object_class_by_name(TYPE_SCLP_EVENT));
    if (!parent->realize(dev, errp)) {
        return false;
    }
    qemu_register_powerdown_notifier(sclp_quiesce_powerdown, dev);
    return true;
}

static void sclp_quiesce_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    SCLPEventClass *ec = (SCLPEventClass *)klass;
    dc->desc = "SCLP event to signal quiesce";
    dc->user_creatable = false;       /* always part of the facility */
    dc->realize = sclp_quiesce_realize;
    ec->send_mask = SCLP_EVENT_MASK(SCLP_EVENT_SIGNAL_QUIESCE);
    ec->read_event_data = sclp_quiesce_read_event;
}

static const TypeInfo sclp_quiesce_type = {
    .name = TYPE_SCLP_QUIESCE,
    .parent = TYPE_SCLP_EVENT,
    .instance_size = sizeof(SCLPEvent),
    .class_size = sizeof(SCLPEventClass),
    .class_init = sclp_quiesce_class_init,
};

static void sclp_quiesce_register_types(void)
{
    type_register(&sclp_quiesce_type);
}

type_init(sclp_quiesce_register_types)
