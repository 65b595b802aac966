/*
 * A 16550A UART on the I/O space: enough of the register set (8250/16550
 * datasheets) for Linux's 8250 driver and for test kernels that poll the
 * line status.  Transmission is instant; received bytes wait in a 16-byte
 * FIFO that pauses the chardev when full.
 */
#include "kite/qdev.h"
#include "kite/memory.h"
#include "kite/chardev.h"

#define TYPE_ISA_SERIAL "isa-serial"
#define FIFO_SIZE 16

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IER_RDI 0x01
#define IER_THRI 0x02
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO 0xc0
#define MCR_LOOP 0x10

typedef struct SerialState {
    DeviceState parent_obj;
    uint32_t iobase, irq_num;
    char *chardev_id;
    Chardev *chr;
    MemoryRegion io;
    qemu_irq irq;
    uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
    bool thr_int_pending;
    uint8_t rx[FIFO_SIZE];
    unsigned rx_head, rx_count;
} SerialState;

#define ISA_SERIAL(o) OBJECT_CHECK(SerialState, (o), TYPE_ISA_SERIAL)

static uint8_t serial_iir(SerialState *s)
{
    uint8_t fifo = (s->fcr & 1) ? IIR_FIFO : 0;

    if ((s->ier & IER_RDI) && s->rx_count) {
        return IIR_RDI | fifo;
    }
    if ((s->ier & IER_THRI) && s->thr_int_pending) {
        return IIR_THRI | fifo;
    }
    return IIR_NO_INT | fifo;
}

static void serial_update_irq(SerialState *s)
{
    qemu_set_irq(s->irq, !(serial_iir(s) & IIR_NO_INT));
}

static uint64_t serial_read(void *opaque, hwaddr addr, unsigned size)
{
    SerialState *s = opaque;
    uint8_t v = 0;

    switch (addr) {
    case RBR_THR:
        if (s->lcr & LCR_DLAB) {
            return s->dll;
        }
        if (s->rx_count) {
            v = s->rx[s->rx_head];
            s->rx_head = (s->rx_head + 1) % FIFO_SIZE;
            s->rx_count--;
            serial_update_irq(s);
            if (s->chr) {
                chardev_accept_input(s->chr);
            }
        }
        return v;
    case IER:
        return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
    case IIR_FCR:
        v = serial_iir(s);
        /* Reading the IIR acknowledges a THR-empty interrupt. */
        if ((v & 0x0f) == IIR_THRI) {
            s->thr_int_pending = false;
            serial_update_irq(s);
        }
        return v;
    case LCR:
        return s->lcr;
    case MCR:
        return s->mcr;
    case LSR:
        return LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0);
    case MSR:
        /* In loopback the modem outputs read back as inputs; otherwise
         * report a connected peer (DCD, DSR, CTS). */
        if (s->mcr & MCR_LOOP) {
            return ((s->mcr & 0x0c) << 4) | ((s->mcr & 0x01) << 5) |
                   ((s->mcr & 0x02) << 3);
        }
        return 0xb0;
    case SCR:
        return s->scr;
    }
    return 0xff;
}

static void serial_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    SerialState *s = opaque;
    uint8_t b = val;

    switch (addr) {
    case RBR_THR:
        if (s->lcr & LCR_DLAB) {
            s->dll = b;
            return;
        }
        if (s->mcr & MCR_LOOP) {
            if (s->rx_count < FIFO_SIZE) {
                s->rx[(s->rx_head + s->rx_count++) % FIFO_SIZE] = b;
            }
        } else if (s->chr) {
            chardev_write_all(s->chr, &b, 1);
        }
        s->thr_int_pending = true;
        serial_update_irq(s);
        return;
    case IER:
        if (s->lcr & LCR_DLAB) {
            s->dlm = b;
            return;
        }
        /* Enabling the THR-empty interrupt while empty raises it. */
        if ((b & IER_THRI) && !(s->ier & IER_THRI)) {
            s->thr_int_pending = true;
        }
        s->ier = b & 0x0f;
        serial_update_irq(s);
        return;
    case IIR_FCR:
        s->fcr = b & 0xc9;
        if (b & 0x02) {          /* clear the receive FIFO */
            s->rx_count = 0;
            serial_update_irq(s);
        }
        return;
    case LCR:
        s->lcr = b;
        return;
    case MCR:
        s->mcr = b & 0x1f;
        return;
    case SCR:
        s->scr = b;
        return;
    }
}

static const MemoryRegionOps serial_ops = {
    .read = serial_read,
    .write = serial_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 1 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static size_t serial_can_read(void *opaque)
{
    SerialState *s = opaque;
    return FIFO_SIZE - s->rx_count;
}

static void serial_receive(void *opaque, const uint8_t *buf, size_t len)
{
    SerialState *s = opaque;

    for (size_t i = 0; i < len && s->rx_count < FIFO_SIZE; i++) {
        s->rx[(s->rx_head + s->rx_count++) % FIFO_SIZE] = buf[i];
    }
    serial_update_irq(s);
}

static bool serial_realize(DeviceState *dev, GError **errp)
{
    SerialState *s = ISA_SERIAL(dev);

    if (s->iobase > 0xfff8) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "isa-serial: iobase 0x%x is outside the I/O space", s->iobase);
        return false;
    }
    if (s->chardev_id) {
        s->chr = chardev_find(s->chardev_id);
        if (!s->chr) {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                        "Property 'isa-serial.chardev' can't find value '%s'",
                        s->chardev_id);
            return false;
        }
        if (!chardev_attach(s->chr, serial_can_read, serial_receive, NULL, s,
                            errp)) {
            return false;
        }
    }
    qdev_init_gpio_out(dev, &s->irq, 1);
    memory_region_init_io(&s->io, OBJECT(dev), &serial_ops, s, "serial", 8);
    memory_region_add_subregion(get_system_io(), s->iobase, &s->io);
    return true;
}

static void serial_unrealize(DeviceState *dev)
{
    SerialState *s = ISA_SERIAL(dev);

    memory_region_del_subregion(get_system_io(), &s->io);
    if (s->chr) {
        chardev_detach(s->chr);
    }
}

static void serial_reset(DeviceState *dev)
{
    SerialState *s = ISA_SERIAL(dev);

    s->ier = s->lcr = s->mcr = s->scr = s->fcr = 0;
    s->thr_int_pending = false;
    s->rx_count = 0;
    serial_update_irq(s);
}

static void serial_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = serial_realize;
    dc->unrealize = serial_unrealize;
    dc->reset = serial_reset;
    dc->user_creatable = true;
    dc->category = "input";
    dc->desc = "16550A UART";
}

static const Property serial_props[] = {
    DEFINE_PROP_UINT32("iobase", SerialState, iobase, 0x3f8),
    DEFINE_PROP_UINT32("irq", SerialState, irq_num, 4),
    DEFINE_PROP_STRING("chardev", SerialState, chardev_id),
    DEFINE_PROP_END_OF_LIST(),
};

static const TypeInfo serial_type = {
    .name = TYPE_ISA_SERIAL,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(SerialState),
    .class_size = sizeof(DeviceClass),
    .class_init = serial_class_init,
    .props = serial_props,
};

static void serial_register(void)
{
    type_register(&serial_type);
}
type_init(serial_register)
