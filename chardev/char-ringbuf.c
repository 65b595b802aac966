/*
 * The ringbuf chardev: keeps the last size= bytes written (a power of two,
 * 64 KiB by default) for chardev_ringbuf_read(); older bytes are dropped.
 */
#include "char-internal.h"

#define RINGBUF_DEFAULT_SIZE (64 * KiB)
#define RINGBUF_MAX_SIZE (1 * GiB)

typedef struct {
    uint8_t *buf;
    size_t size;
    uint64_t prod;  /* bytes ever written */
    uint64_t cons;  /* bytes ever read or dropped */
} RingbufState;

static const char *const ringbuf_keys[] = { "size", NULL };

static bool ringbuf_open(Chardev *chr, KiteOpts *opts, GError **errp)
{
    const char *v = kite_opts_get(opts, "size");
    uint64_t size = RINGBUF_DEFAULT_SIZE;
    RingbufState *r;

    if (v && !kite_parse_size(v, '\0', &size)) {
        kite_error_set(errp, "Parameter 'size' expects a non-negative number "
                       "below 2^64");
        return false;
    }
    if (size == 0) {
        size = RINGBUF_DEFAULT_SIZE; /* as QEMU: 0 means the default */
    }
    if (size & (size - 1)) {
        kite_error_set(errp, "size of ringbuf chardev must be power of two");
        return false;
    }
    if (size > RINGBUF_MAX_SIZE) {
        kite_error_set(errp, "size of ringbuf chardev must be at most 1G");
        return false;
    }
    r = g_new0(RingbufState, 1);
    r->size = size;
    r->buf = g_malloc(size);
    chr->state = r;
    chr->connected = true;
    return true;
}

static ssize_t ringbuf_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    RingbufState *r = chr->state;

    for (size_t i = 0; i < len; i++) {
        r->buf[r->prod++ & (r->size - 1)] = buf[i];
    }
    if (r->prod - r->cons > r->size) {
        r->cons = r->prod - r->size;
    }
    return len;
}

size_t chardev_ringbuf_read(Chardev *chr, uint8_t *buf, size_t len)
{
    RingbufState *r;
    size_t n = 0;

    if (chr->backend != &chardev_ringbuf_backend) {
        return 0;
    }
    r = chr->state;
    while (n < len && r->cons < r->prod) {
        buf[n++] = r->buf[r->cons++ & (r->size - 1)];
    }
    return n;
}

static void ringbuf_close(Chardev *chr)
{
    RingbufState *r = chr->state;

    if (r) {
        g_free(r->buf);
        g_free(r);
        chr->state = NULL;
    }
}

const ChardevBackend chardev_ringbuf_backend = {
    .name = "ringbuf",
    .keys = ringbuf_keys,
    .open = ringbuf_open,
    .write = ringbuf_write,
    .close = ringbuf_close,
};
