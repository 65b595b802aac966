/*
 * sclplmconsole: the line-mode console.  The guest writes messages (event
 * type 2, a message data block whose message text objects hold EBCDIC
 * lines); input lines become operator commands (event type 1) wrapped in
 * general-data-stream vectors, as Linux's sclp tty driver expects.
 */
#include "kite/s390x/event-facility.h"
#include "kite/chardev.h"

/* A text subvector's u8 length holds its 2-byte header, inside the u8
 * length of the self-defined-text-message subvector. */
#define SCLP_LM_MAX_LINE (255 - 2 * sizeof(GdsSubvector))

typedef struct SCLPLMConsole {
    SCLPEvent parent_obj;
    char *chardev;
    Chardev *chr;
    uint8_t line[SCLP_LM_MAX_LINE];   /* line being typed */
    size_t line_len;
    GQueue lines;                     /* GByteArray *, complete lines */
} SCLPLMConsole;

#define SCLP_LM_CONSOLE(o) OBJECT_CHECK(SCLPLMConsole, (o), TYPE_SCLP_LM_CONSOLE)

/* Keep a bounded number of complete lines; input pauses beyond it. */
#define SCLP_LM_MAX_LINES 64

static size_t sclp_lm_can_read(void *opaque)
{
    SCLPLMConsole *con = opaque;
    return g_queue_get_length(&con->lines) < SCLP_LM_MAX_LINES ? 1 : 0;
}

static void sclp_lm_finish_line(SCLPLMConsole *con)
{
    GByteArray *l = g_byte_array_sized_new(con->line_len);
    g_byte_array_append(l, con->line, con->line_len);
    g_queue_push_tail(&con->lines, l);
    con->line_len = 0;
}

static void sclp_lm_read(void *opaque, const uint8_t *buf, size_t len)
{
    SCLPLMConsole *con = opaque;
    bool done = false;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n' || buf[i] == '\r') {
            if (buf[i] == '\n' || con->line_len) {
                sclp_lm_finish_line(con);
                done = true;
            }
            continue;
        }
        con->line[con->line_len++] = buf[i];
        if (con->line_len == sizeof(con->line)) {
            sclp_lm_finish_line(con);
            done = true;
        }
    }
    if (done) {
        sclp_event_raise(SCLP_EVENT(con));
    }
}

/* Output each message text object as one line. */
static uint16_t sclp_lm_write(SCLPEvent *ev, uint8_t *buf, size_t len)
{
    SCLPLMConsole *con = SCLP_LM_CONSOLE(ev);
    const uint8_t *mdb = buf + sizeof(EventBufferHeader);
    size_t rest = len - sizeof(EventBufferHeader);

    if (rest < sizeof(MDBHeader)) {
        return SCLP_RC_EVENT_BUFFER_SYNTAX_ERROR;
    }
    uint16_t mdb_len = sclp_be16(mdb + offsetof(MDBHeader, length));
    if (mdb_len < sizeof(MDBHeader) || mdb_len > rest ||
        sclp_be16(mdb + offsetof(MDBHeader, type)) != SCLP_MDB_TYPE) {
        return SCLP_RC_EVENT_BUFFER_SYNTAX_ERROR;
    }
    /* Check every object first so that a bad one writes nothing. */
    for (size_t off = sizeof(MDBHeader); off < mdb_len;) {
        if (mdb_len - off < sizeof(MDBObjectHeader)) {
            return SCLP_RC_EVENT_BUFFER_SYNTAX_ERROR;
        }
        uint16_t olen = sclp_be16(mdb + off);
        if (olen < sizeof(MDBObjectHeader) || olen > mdb_len - off) {
            return SCLP_RC_EVENT_BUFFER_SYNTAX_ERROR;
        }
        off += olen;
    }
    GString *out = g_string_new(NULL);
    for (size_t off = sizeof(MDBHeader); off < mdb_len;) {
        uint16_t olen = sclp_be16(mdb + off);
        uint16_t type = sclp_be16(mdb + off + offsetof(MDBObjectHeader, type));
        if (type == SCLP_MDBO_TYPE_MTO && olen >= sizeof(MTOHeader)) {
            size_t n = olen - sizeof(MTOHeader);
            size_t start = out->len;
            g_string_append_len(out, (const char *)mdb + off + sizeof(MTOHeader),
                                n);
            sclp_ebcdic_to_ascii((uint8_t *)out->str + start, n);
            g_string_append_c(out, '\n');
        }
        off += olen;
    }
    if (con->chr && out->len) {
        chardev_write_all(con->chr, out->str, out->len);
    }
    g_string_free(out, true);
    buf[offsetof(EventBufferHeader, flags)] |= SCLP_EVENT_BUFFER_ACCEPTED;
    return SCLP_RC_NORMAL_COMPLETION;
}

/* Event buffer header, three vectors, two subvectors, then the text. */
#define SCLP_LM_CMD_OVERHEAD (sizeof(EventBufferHeader) + 3 * sizeof(GdsVector) \
                              + 2 * sizeof(GdsSubvector))

static size_t sclp_lm_read_event(SCLPEvent *ev, uint8_t *buf, size_t avail)
{
    SCLPLMConsole *con = SCLP_LM_CONSOLE(ev);
    GByteArray *l = g_queue_peek_head(&con->lines);
    if (!l || avail < SCLP_LM_CMD_OVERHEAD + l->len) {
        return 0;
    }
    size_t n = l->len;
    size_t total = SCLP_LM_CMD_OVERHEAD + n;
    uint8_t *p = buf;

    memset(buf, 0, SCLP_LM_CMD_OVERHEAD);
    sclp_st16(p, (uint16_t)total);
    p[offsetof(EventBufferHeader, type)] = SCLP_EVENT_OPCMD;
    p += sizeof(EventBufferHeader);
    static const uint16_t ids[] = {
        SCLP_GDS_ID_MDSMU, SCLP_GDS_ID_CPMSU, SCLP_GDS_ID_TEXTCMD
    };
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        sclp_st16(p, (uint16_t)(buf + total - p));
        sclp_st16(p + 2, ids[i]);
        p += sizeof(GdsVector);
    }
    p[0] = (uint8_t)(2 * sizeof(GdsSubvector) + n);
    p[1] = SCLP_GDS_KEY_SELFDEFTEXTMSG;
    p += sizeof(GdsSubvector);
    p[0] = (uint8_t)(sizeof(GdsSubvector) + n);
    p[1] = SCLP_GDS_KEY_TEXT;
    p += sizeof(GdsSubvector);
    memcpy(p, l->data, n);
    sclp_ascii_to_ebcdic(p, n);

    g_queue_pop_head(&con->lines);
    g_byte_array_free(l, true);
    ev->event_pending = !g_queue_is_empty(&con->lines);
    return total;
}

static void sclp_lm_clear(SCLPLMConsole *con)
{
    GByteArray *l;
    while ((l = g_queue_pop_head(&con->lines))) {
        g_byte_array_free(l, true);
    }
    con->line_len = 0;
}

static bool sclp_lm_realize(DeviceState *dev, GError **errp)
{
    SCLPLMConsole *con = SCLP_LM_CONSOLE(dev);
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
    if (!chardev_attach(chr, sclp_lm_can_read, sclp_lm_read, NULL, con,
                        errp)) {
        parent->unrealize(dev);
        return false;
    }
    con->chr = chr;
    return true;
}

static void sclp_lm_unrealize(DeviceState *dev)
{
    SCLPLMConsole *con = SCLP_LM_CONSOLE(dev);
    if (con->chr) {
        chardev_detach(con->chr);
        con->chr = NULL;
    }
    DEVICE_CLASS(object_class_by_name(TYPE_SCLP_EVENT))->unrealize(dev);
}

static void sclp_lm_reset(DeviceState *dev)
{
    sclp_lm_clear(SCLP_LM_CONSOLE(dev));
    SCLP_EVENT(dev)->event_pending = false;
}

static void sclp_lm_instance_init(Object *obj)
{
    g_queue_init(&SCLP_LM_CONSOLE(obj)->lines);
}

static void sclp_lm_instance_finalize(Object *obj)
{
    sclp_lm_clear(SCLP_LM_CONSOLE(obj));
}

static const Property sclp_lm_props[] = {
    DEFINE_PROP_STRING("chardev", SCLPLMConsole, chardev),
    DEFINE_PROP_END_OF_LIST(),
};

static void sclp_lm_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    SCLPEventClass *ec = (SCLPEventClass *)klass;
    dc->desc = "SCLP Line-mode Console";
    dc->category = "input";
    dc->user_creatable = true;
    dc->realize = sclp_lm_realize;
    dc->unrealize = sclp_lm_unrealize;
    dc->reset = sclp_lm_reset;
    ec->send_mask = SCLP_EVENT_MASK(SCLP_EVENT_OPCMD);
    ec->receive_mask = SCLP_EVENT_MASK(SCLP_EVENT_MESSAGE);
    ec->write_event_data = sclp_lm_write;
    ec->read_event_data = sclp_lm_read_event;
}

static const TypeInfo sclp_lm_type = {
    .name = TYPE_SCLP_LM_CONSOLE,
    .parent = TYPE_SCLP_EVENT,
    .instance_size = sizeof(SCLPLMConsole),
    .class_size = sizeof(SCLPEventClass),
    .class_init = sclp_lm_class_init,
    .instance_init = sclp_lm_instance_init,
    .instance_finalize = sclp_lm_instance_finalize,
    .props = sclp_lm_props,
};

static void sclp_lm_register_types(void)
{
    type_register(&sclp_lm_type);
}

type_init(sclp_lm_register_types)
