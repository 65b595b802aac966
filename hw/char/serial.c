/*
 * A 16550A UART on the I/O space, after the 16550 datasheet: divisor
 * latch, line and modem control, line status with overrun, the receive
 * FIFO with its trigger levels and character timeout, loopback, and the
 * interrupt priorities of the IIR.  Transmission is instant; received
 * bytes pause the chardev while there is no room for them.
 *
 * Reset values and the answers to port reads are those Debian's QEMU 7.2
 * gives (tests/qtest/qemu-compare-test.c checks them); accesses wider
 * than a byte are split into byte accesses, low address first.
 */
#include "kite/qdev.h"
#include "kite/memory.h"
#include "kite/chardev.h"
#include "kite/timer.h"

#define TYPE_ISA_SERIAL "isa-serial"
#define FIFO_SIZE 16
#define BAUD_BASE 115200            /* 1.8432 MHz clock / 16 */
#define DIVISOR_RESET 0x0c          /* 9600 baud, as QEMU resets it */

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IER_RDI 0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IIR_NO_INT 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_CTI 0x0c                /* character timeout (FIFO mode) */
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MSR_IDLE 0xb0               /* DCD, DSR, CTS: a connected peer */

typedef struct SerialState {
    DeviceState parent_obj;
    uint32_t iobase, irq_num;
    char *chardev_id;
    Chardev *chr;
    MemoryRegion io;
    qemu_irq irq;
    KiteTimer *timeout_timer;
    uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
    uint8_t rbr;                 /* last byte received without the FIFO */
    bool rbr_full;               /* LSR.DR without the FIFO */
    uint8_t lsr_errors;          /* OE, cleared by reading the LSR */
    bool thr_int_pending;
    bool timeout_pending;
    uint8_t rx[FIFO_SIZE];
    unsigned rx_head, rx_count;
} SerialState;

#define ISA_SERIAL(o) OBJECT_CHECK(SerialState, (o), TYPE_ISA_SERIAL)

static bool fifo_mode(SerialState *s)
{
    return s->fcr & FCR_ENABLE;
}

static bool data_ready(SerialState *s)
{
    return fifo_mode(s) ? s->rx_count > 0 : s->rbr_full;
}

/* FCR bits 7:6 select 1, 4, 8 or 14 bytes. */
static unsigned trigger_level(SerialState *s)
{
    static const unsigned levels[] = { 1, 4, 8, 14 };
    return levels[s->fcr >> 6];
}

/* Highest-priority pending interrupt (datasheet table: line status,
 * received data or timeout, THR empty). */
static uint8_t serial_iir(SerialState *s)
{
    uint8_t fifo = fifo_mode(s) ? IIR_FIFO : 0;

    if ((s->ier & IER_RLSI) && s->lsr_errors) {
        return IIR_RLSI | fifo;
    }
    if ((s->ier & IER_RDI) && data_ready(s)) {
        if (!fifo_mode(s) || s->rx_count >= trigger_level(s)) {
            return IIR_RDI | fifo;
        }
        if (s->timeout_pending) {
            return IIR_CTI | fifo;
        }
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

/* Four character times at the programmed speed and frame (start bit,
 * 5-8 data bits, parity, 1 or 2 stop bits). */
static int64_t char_timeout_ns(SerialState *s)
{
    unsigned divisor = s->dll | (s->dlm << 8);
    unsigned bits = 1 + 5 + (s->lcr & 3) + ((s->lcr & 0x08) ? 1 : 0) +
                    ((s->lcr & 0x04) ? 2 : 1);

    if (!divisor) {
        divisor = 1;
    }
    return 4 * (int64_t)bits * 1000000000LL * divisor / BAUD_BASE;
}

/* The FIFO changed (byte in or out): restart the timeout. */
static void restart_timeout(SerialState *s)
{
    s->timeout_pending = false;
    if (fifo_mode(s) && s->rx_count && s->timeout_timer) {
        timer_mod_ns(s->timeout_timer,
                     clock_get_ns(KITE_CLOCK_VIRTUAL) + char_timeout_ns(s));
    } else {
        timer_del(s->timeout_timer);
    }
}

static void timeout_expired(void *opaque)
{
    SerialState *s = opaque;

    s->timeout_pending = fifo_mode(s) && s->rx_count;
    serial_update_irq(s);
}

static void clear_rx(SerialState *s)
{
    s->rx_count = 0;
    s->rx_head = 0;
    s->rbr_full = false;
    timer_del(s->timeout_timer);
    s->timeout_pending = false;
}

/* A byte arrives, from the chardev or from the transmitter in loopback. */
static void receive_byte(SerialState *s, uint8_t b)
{
    if (fifo_mode(s)) {
        if (s->rx_count == FIFO_SIZE) {
            s->lsr_errors |= LSR_OE;
        } else {
            s->rx[(s->rx_head + s->rx_count++) % FIFO_SIZE] = b;
        }
        restart_timeout(s);
    } else {
        if (s->rbr_full) {
            s->lsr_errors |= LSR_OE;
        }
        s->rbr = b;
        s->rbr_full = true;
    }
}

static uint8_t read_rbr(SerialState *s)
{
    uint8_t v;

    if (fifo_mode(s)) {
        if (!s->rx_count) {
            return 0;
        }
        v = s->rx[s->rx_head];
        s->rx_head = (s->rx_head + 1) % FIFO_SIZE;
        s->rx_count--;
        restart_timeout(s);
    } else {
        v = s->rbr;
        s->rbr_full = false;
    }
    serial_update_irq(s);
    if (s->chr) {
        chardev_accept_input(s->chr);
    }
    return v;
}

static uint8_t read_msr(SerialState *s)
{
    /* In loopback the modem outputs read back as inputs: RTS -> CTS,
     * DTR -> DSR, OUT1 -> RI, OUT2 -> DCD. */
    if (s->mcr & MCR_LOOP) {
        return ((s->mcr & 0x0c) << 4) | ((s->mcr & 0x01) << 5) |
               ((s->mcr & 0x02) << 3);
    }
    return MSR_IDLE;
}

static uint64_t serial_read(void *opaque, hwaddr addr, unsigned size)
{
    SerialState *s = opaque;
    uint8_t v;

    switch (addr) {
    case RBR_THR:
        return (s->lcr & LCR_DLAB) ? s->dll : read_rbr(s);
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
        v = LSR_THRE | LSR_TEMT | s->lsr_errors |
            (data_ready(s) ? LSR_DR : 0);
        if (s->lsr_errors) {
            s->lsr_errors = 0;
            serial_update_irq(s);
        }
        return v;
    case MSR:
        return read_msr(s);
    case SCR:
        return s->scr;
    }
    return 0xff;
}

static void write_thr(SerialState *s, uint8_t b)
{
    if (s->mcr & MCR_LOOP) {
        receive_byte(s, b);
    } else if (s->chr) {
        chardev_write_all(s->chr, &b, 1);
    }
    s->thr_int_pending = true;
    serial_update_irq(s);
}

/* FCR bits other than the enable bit are only written with it set;
 * changing the enable bit empties the receiver (datasheet, FCR). */
static void write_fcr(SerialState *s, uint8_t b)
{
    uint8_t fcr = (b & FCR_ENABLE) ? (b & 0xc9) : 0;

    if ((fcr ^ s->fcr) & FCR_ENABLE) {
        clear_rx(s);
    } else if (fcr && (b & FCR_CLEAR_RX)) {
        clear_rx(s);
    }
    s->fcr = fcr;
    restart_timeout(s);
    serial_update_irq(s);
    if (s->chr) {
        chardev_accept_input(s->chr);
    }
}

static void serial_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    SerialState *s = opaque;
    uint8_t b = val;

    switch (addr) {
    case RBR_THR:
        if (s->lcr & LCR_DLAB) {
            s->dll = b;
        } else {
            write_thr(s, b);
        }
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
        write_fcr(s, b);
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
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 1 },
};

static size_t serial_can_read(void *opaque)
{
    SerialState *s = opaque;

    if (fifo_mode(s)) {
        return FIFO_SIZE - s->rx_count;
    }
    return s->rbr_full ? 0 : 1;
}

static void serial_receive(void *opaque, const uint8_t *buf, size_t len)
{
    SerialState *s = opaque;

    for (size_t i = 0; i < len; i++) {
        receive_byte(s, buf[i]);
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
    s->timeout_timer = timer_new_ns(KITE_CLOCK_VIRTUAL, timeout_expired, s);
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
    if (s->timeout_timer) {
        timer_free(s->timeout_timer);
        s->timeout_timer = NULL;
    }
}

static void serial_reset(DeviceState *dev)
{
    SerialState *s = ISA_SERIAL(dev);

    s->ier = s->lcr = s->scr = s->fcr = 0;
    s->mcr = MCR_OUT2;
    s->dll = DIVISOR_RESET;
    s->dlm = 0;
    s->rbr = 0;
    s->lsr_errors = 0;
    s->thr_int_pending = false;
    clear_rx(s);
    serial_update_irq(s);
    if (s->chr) {
        chardev_accept_input(s->chr);
    }
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
