/*
 * sclpconsole: the ASCII (VT220) console, event type 0x1a, on a chardev.
 * Guest output goes straight to the chardev; input is buffered until the
 * guest reads it with Read Event Data.
 */
#include "kite/s390x/event-facility.h"
#include "kite/chardev.h"

/* One Read Event Data SCCB holds at most this much console data. */
#define SCLP_CONSOLE_BUF_SIZE (SCCB_SIZE - sizeof(SCCBHeader) - \
                               sizeof(EventBufferHeader))

typedef struct SCLPConsole {
    SCLPEvent parent_obj;
    char *chardev;                /* property */
    Chardev *chr;
    uint8_t in[SCLP_CONSOLE_BUF_SIZE];
    size_t in_len;
} SCLPConsole;

#define SCLP_CONSOLE(o) OBJECT_CHECK(SCLPConsole, (o), TYPE_SCLP_CONSOLE)

static size_t sclp_console_can_read(void *opaque)
{
    SCLPConsole *con = opaque;
    return sizeof(con->in) - con->in_len;
}

static void sclp_console_read(void *opaque, const uint8_t *buf, size_t len)
{
    SCLPConsole *con = opaque;
    size_t n = MIN(len, sizeof(con->in) - con->in_len);
    if (!n) {
        return;
    }
    memcpy(con->in + con->in_len, buf, n);
    con->in_len += n;
    sclp_event_raise(SCLP_EVENT(con));
}

static uint16_t sclp_console_write(SCLPEvent *ev, uint8_t *buf, size_t len)
{
    SCLPConsole *con = SCLP_CONSOLE(ev);
    if (con->chr) {
        chardev_write_all(con->chr, buf + sizeof(EventBufferHeader),
                          len - sizeof(EventBufferHeader));
    }
    buf[offsetof(EventBufferHeader, flags)] |= SCLP_EVENT_BUFFER_ACCEPTED;
    return SCLP_RC_NORMAL_COMPLETION;
}

static size_t sclp_console_read_event(SCLPEvent *ev, uint8_t *buf,
                                      size_t avail)
{
    SCLPConsole *con = SCLP_CONSOLE(ev);
    if (avail <= sizeof(EventBufferHeader) || !con->in_len) {
        return 0;
    }
    size_t n = MIN(con->in_len, avail - sizeof(EventBufferHeader));
    size_t total = sizeof(EventBufferHeader) + n;
    memset(buf, 0, sizeof(EventBufferHeader));
    sclp_st16(buf + offsetof(EventBufferHeader, length), (uint16_t)total);
    buf[offsetof(EventBufferHeader, type)] = SCLP_EVENT_ASCII_CONSOLE_DATA;
    memcpy(buf + sizeof(EventBufferHeader), con->in, n);
    memmove(con->in, con->in + n, con->in_len - n);
    con->in_len -= n;
    ev->event_pending = con->in_len > 0;
    return total;
}

static bool sclp_console_realize(DeviceState *dev, GError **errp)
{
    SCLPConsole *con = SCLP_CONSOLE(dev);
    DeviceClass *parent = DEVICE_CLASS(object_class_by_name(TYPE_SCLP_EVENT));

    if (!con->chardev) {
        kite_error_set(errp, "Property 'chardev' is required");
        return false;
    }
    Chardev *chr = chardev_find(con->chardev);
    if (!chr) {
        kite_error_set(errp, "Property '%s.chardev' can't find value '%s'",
                       object_get_typename(OBJECT(dev)), con->chardev);
        return false;
    }
    if (!parent->realize(dev, errp)) {
        return false;
    }
    if (!chardev_attach(chr, sclp_console_can_read, sclp_console_read, NULL,
                        con, errp)) {
        parent->unrealize(dev);
        return false;
    }
    con->chr = chr;
    return true;
}

static void sclp_console_unrealize(DeviceState *dev)
{
    SCLPConsole *con = SCLP_CONSOLE(dev);
    if (con->chr) {
        chardev_detach(con->chr);
        con->chr = NULL;
    }
    DEVICE_CLASS(object_class_by_name(TYPE_SCLP_EVENT))->unrealize(dev);
}

static void sclp_console_reset(DeviceState *dev)
{
    SCLPConsole *con = SCLP_CONSOLE(dev);
    con->in_len = 0;
    SCLP_EVENT(dev)->event_pending = false;
}

static const Property sclp_console_props[] = {
    DEFINE_PROP_STRING("chardev", SCLPConsole, chardev),
    DEFINE_PROP_END_OF_LIST(),
};

static void sclp_console_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    SCLPEventClass *ec = (SCLPEventClass *)klass;
    dc->desc = "SCLP VT220 Console";
    dc->category = "input";
    dc->user_creatable = true;
    dc->realize = sclp_console_realize;
    dc->unrealize = sclp_console_unrealize;
    dc->reset = sclp_console_reset;
    ec->send_mask = SCLP_EVENT_MASK(SCLP_EVENT_ASCII_CONSOLE_DATA);
    ec->receive_mask = SCLP_EVENT_MASK(SCLP_EVENT_ASCII_CONSOLE_DATA);
    ec->write_event_data = sclp_console_write;
    ec->read_event_data = sclp_console_read_event;
}

static const TypeInfo sclp_console_type = {
    .name = TYPE_SCLP_CONSOLE,
    .parent = TYPE_SCLP_EVENT,
    .instance_size = sizeof(SCLPConsole),
    .class_size = sizeof(SCLPEventClass),
    .class_init = sclp_console_class_init,
    .props = sclp_console_props,
};

static void sclp_console_register_types(void)
{
    type_register(&sclp_console_type);
}

type_init(sclp_console_register_types)
