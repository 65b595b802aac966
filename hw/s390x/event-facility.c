/*
 * The SCLP event facility: Write Event Mask, Write Event Data and Read
 * Event Data on a local SCCB copy, and the base type of event sources.
 */
#include "kite/s390x/event-facility.h"

SCLPEventFacility *sclp_event_facility_get(void)
{
    SCLPDevice *sclp = sclp_get();
    return sclp ? sclp->ef : NULL;
}

/* The first four bytes of a @mask_len-byte mask (shorter masks are
 * padded with zeroes). */
static uint32_t sclp_mask_load(const uint8_t *p, size_t mask_len)
{
    uint8_t b[4] = { 0 };
    memcpy(b, p, mask_len < 4 ? mask_len : 4);
    return sclp_be32(b);
}

/* Store @mask as @mask_len bytes (truncated or zero-padded). */
static void sclp_mask_store(uint8_t *p, size_t mask_len, uint32_t mask)
{
    uint8_t b[4];
    sclp_st32(b, mask);
    memset(p, 0, mask_len);
    memcpy(p, b, mask_len < 4 ? mask_len : 4);
}

static uint32_t sclp_host_mask(SCLPEventFacility *ef, bool send)
{
    uint32_t m = 0;
    for (guint i = 0; i < ef->events->len; i++) {
        SCLPEventClass *ec = SCLP_EVENT_GET_CLASS(ef->events->pdata[i]);
        m |= send ? ec->send_mask : ec->receive_mask;
    }
    return m;
}

bool sclp_event_facility_pending(SCLPEventFacility *ef)
{
    for (guint i = 0; i < ef->events->len; i++) {
        SCLPEvent *ev = ef->events->pdata[i];
        if (ev->event_pending &&
            (SCLP_EVENT_GET_CLASS(ev)->send_mask & ef->receive_mask)) {
            return true;
        }
    }
    return false;
}

void sclp_event_raise(SCLPEvent *ev)
{
    ev->event_pending = true;
    sclp_service_interrupt(sclp_get(), 0);
}

static void write_event_mask(SCLPEventFacility *ef, uint8_t *sccb, size_t len)
{
    if (len < sizeof(WriteEventMask)) {
        sclp_set_rc(sccb, SCLP_RC_INSUFFICIENT_SCCB_LENGTH);
        return;
    }
    uint16_t ml = sclp_be16(sccb + offsetof(WriteEventMask, mask_length));
    if (ml < SCLP_EVENT_MASK_LEN_MIN || ml > SCLP_EVENT_MASK_LEN_MAX) {
        sclp_set_rc(sccb, SCLP_RC_INVALID_MASK_LENGTH);
        return;
    }
    /* Four masks must fit in the SCCB. */
    if (sizeof(WriteEventMask) + 4u * ml > len) {
        sclp_set_rc(sccb, SCLP_RC_INSUFFICIENT_SCCB_LENGTH);
        return;
    }
    uint8_t *masks = sccb + sizeof(WriteEventMask);
    ef->receive_mask = sclp_mask_load(masks, ml);
    ef->send_mask = sclp_mask_load(masks + ml, ml);
    sclp_mask_store(masks + 2 * ml, ml, sclp_host_mask(ef, false));
    sclp_mask_store(masks + 3 * ml, ml, sclp_host_mask(ef, true));
    ef->mask_length = ml;
    sclp_set_rc(sccb, SCLP_RC_NORMAL_COMPLETION);
}

/* Walk the event buffers after the header: each at least 6 bytes and
 * inside the SCCB, and together exactly filling it. */
static uint16_t write_event_length_check(const uint8_t *sccb, size_t len)
{
    size_t off = sizeof(SCCBHeader);
    while (off < len) {
        size_t rest = len - off;
        if (rest < sizeof(EventBufferHeader)) {
            return SCLP_RC_INCONSISTENT_LENGTHS;
        }
        uint16_t elen = sclp_be16(sccb + off);
        if (elen < sizeof(EventBufferHeader) || elen > rest) {
            return SCLP_RC_EVENT_BUFFER_SYNTAX_ERROR;
        }
        off += elen;
    }
    return SCLP_RC_NORMAL_COMPLETION;
}

static uint16_t write_one_event(SCLPEventFacility *ef, uint8_t *buf,
                                size_t elen)
{
    uint8_t type = buf[offsetof(EventBufferHeader, type)];
    for (guint i = 0; i < ef->events->len; i++) {
        SCLPEvent *ev = ef->events->pdata[i];
        SCLPEventClass *ec = SCLP_EVENT_GET_CLASS(ev);
        if (type >= 1 && type <= 32 &&
            (ec->receive_mask & SCLP_EVENT_MASK(type)) &&
            ec->write_event_data) {
            return ec->write_event_data(ev, buf, elen);
        }
    }
    return SCLP_RC_INVALID_FUNCTION;
}

static void write_event_data(SCLPEventFacility *ef, uint8_t *sccb, size_t len)
{
    if (sccb[offsetof(SCCBHeader, function_code)] != SCLP_FC_NORMAL_WRITE) {
        sclp_set_rc(sccb, SCLP_RC_INVALID_FUNCTION);
        return;
    }
    uint16_t rc = write_event_length_check(sccb, len);
    if (rc != SCLP_RC_NORMAL_COMPLETION) {
        sclp_set_rc(sccb, rc);
        return;
    }
    /* After a failing buffer, the rest are marked not accepted. */
    for (size_t off = sizeof(SCCBHeader); off < len;) {
        uint16_t elen = sclp_be16(sccb + off);
        if (rc == SCLP_RC_NORMAL_COMPLETION) {
            rc = write_one_event(ef, sccb + off, elen);
        } else {
            sccb[off + offsetof(EventBufferHeader, flags)] &=
                ~SCLP_EVENT_BUFFER_ACCEPTED;
        }
        off += elen;
    }
    sclp_set_rc(sccb, rc);
}

static void read_event_data(SCLPEventFacility *ef, uint8_t *sccb, size_t len)
{
    uint32_t mask;

    /* Read Event Data needs a whole 4 KiB SCCB. */
    if (len != SCCB_SIZE) {
        sclp_set_rc(sccb, SCLP_RC_INSUFFICIENT_SCCB_LENGTH);
        return;
    }
    switch (sccb[offsetof(SCCBHeader, function_code)]) {
    case SCLP_FC_UNCONDITIONAL_READ:
        mask = ef->receive_mask;
        break;
    case SCLP_FC_SELECTIVE_READ:
        /* The selection mask follows the header, mask_length bytes. */
        mask = ef->mask_length ?
               sclp_mask_load(sccb + sizeof(SCCBHeader), ef->mask_length) : 0;
        if (!mask || (mask & ~ef->receive_mask)) {
            sclp_set_rc(sccb, SCLP_RC_INVALID_SELECTION_MASK);
            return;
        }
        break;
    default:
        sclp_set_rc(sccb, SCLP_RC_INVALID_FUNCTION);
        return;
    }

    size_t off = sizeof(SCCBHeader);
    uint16_t rc = SCLP_RC_NO_EVENT_BUFFERS_STORED;
    for (guint i = 0; i < ef->events->len; i++) {
        SCLPEvent *ev = ef->events->pdata[i];
        SCLPEventClass *ec = SCLP_EVENT_GET_CLASS(ev);
        if (!ev->event_pending || !(ec->send_mask & mask) ||
            !ec->read_event_data) {
            continue;
        }
        size_t n = ec->read_event_data(ev, sccb + off, len - off);
        g_assert(n <= len - off);
        if (n) {
            off += n;
            rc = SCLP_RC_NORMAL_COMPLETION;
        }
    }
    if (sccb[offsetof(SCCBHeader, control_mask) + 2] &
        SCLP_VARIABLE_LENGTH_RESPONSE) {
        /* The reply says how much was stored. */
        sccb[offsetof(SCCBHeader, control_mask) + 2] &=
            ~SCLP_VARIABLE_LENGTH_RESPONSE;
        sclp_st16(sccb + offsetof(SCCBHeader, length), (uint16_t)off);
    }
    sclp_set_rc(sccb, rc);
}

void sclp_event_facility_command(SCLPEventFacility *ef, uint8_t *sccb,
                                 size_t len, uint32_t code)
{
    switch (code & SCLP_CMD_CODE_MASK) {
    case SCLP_CMD_WRITE_EVENT_MASK:
        write_event_mask(ef, sccb, len);
        break;
    case SCLP_CMD_WRITE_EVENT_DATA:
        write_event_data(ef, sccb, len);
        break;
    case SCLP_CMD_READ_EVENT_DATA:
        read_event_data(ef, sccb, len);
        break;
    default:
        sclp_set_rc(sccb, SCLP_RC_INVALID_SCLP_COMMAND);
        break;
    }
}

static void sclp_event_facility_reset(DeviceState *dev)
{
    SCLPEventFacility *ef = SCLP_EVENT_FACILITY(dev);
    ef->receive_mask = 0;
    ef->send_mask = 0;
    ef->mask_length = 0;
}

static void sclp_event_facility_instance_init(Object *obj)
{
    SCLP_EVENT_FACILITY(obj)->events = g_ptr_array_new();
}

static void sclp_event_facility_instance_finalize(Object *obj)
{
    g_ptr_array_free(SCLP_EVENT_FACILITY(obj)->events, true);
}

/* The facility always has the signal-quiesce source. */
static bool sclp_event_facility_realize(DeviceState *dev, GError **errp)
{
    DeviceState *q = qdev_new(TYPE_SCLP_QUIESCE);
    object_property_add_child(OBJECT(dev), "sclpquiesce", OBJECT(q));
    object_unref(OBJECT(q));
    if (!qdev_realize(q, errp)) {
        object_unparent(OBJECT(q));
        return false;
    }
    return true;
}

static void sclp_event_facility_class_init(ObjectClass *klass,
                                           const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "SCLP event facility";
    dc->user_creatable = false;       /* part of the SCLP */
    dc->realize = sclp_event_facility_realize;
    dc->reset = sclp_event_facility_reset;
}

/* Event sources join the machine's facility when realized.  Two sources
 * may not send the same event type. */
static bool sclp_event_realize(DeviceState *dev, GError **errp)
{
    SCLPEvent *ev = SCLP_EVENT(dev);
    SCLPEventFacility *ef = sclp_event_facility_get();
    if (!ef) {
        kite_error_set(errp, "'%s' needs the SCLP event facility of machine "
                       "s390-ccw-virtio", object_get_typename(OBJECT(dev)));
        return false;
    }
    SCLPEventClass *ec = SCLP_EVENT_GET_CLASS(ev);
    if (sclp_host_mask(ef, true) & ec->send_mask) {
        kite_error_set(errp, "Multiple %s devices are not supported",
                       object_get_typename(OBJECT(dev)));
        return false;
    }
    ev->ef = ef;
    g_ptr_array_add(ef->events, ev);
    return true;
}

static void sclp_event_unrealize(DeviceState *dev)
{
    SCLPEvent *ev = SCLP_EVENT(dev);
    if (ev->ef) {
        g_ptr_array_remove(ev->ef->events, ev);
        ev->ef = NULL;
    }
}

static void sclp_event_reset(DeviceState *dev)
{
    SCLP_EVENT(dev)->event_pending = false;
}

static void sclp_event_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->user_creatable = false;
    dc->realize = sclp_event_realize;
    dc->unrealize = sclp_event_unrealize;
    dc->reset = sclp_event_reset;
}

static const TypeInfo sclp_event_facility_types[] = {
    {
        .name = TYPE_SCLP_EVENT_FACILITY,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(SCLPEventFacility),
        .class_size = sizeof(DeviceClass),
        .class_init = sclp_event_facility_class_init,
        .instance_init = sclp_event_facility_instance_init,
        .instance_finalize = sclp_event_facility_instance_finalize,
    },
    {
        .name = TYPE_SCLP_EVENT,
        .parent = TYPE_DEVICE,
        .abstract = true,
        .instance_size = sizeof(SCLPEvent),
        .class_size = sizeof(SCLPEventClass),
        .class_init = sclp_event_class_init,
    },
};

static void sclp_event_facility_register_types(void)
{
    type_register_static_array(sclp_event_facility_types,
                               ARRAY_SIZE(sclp_event_facility_types));
}

type_init(sclp_event_facility_register_types)
