/*
 * virtio-balloon (virtio 1.2, 5.5): inflate and deflate queues, memory
 * statistics, and free page reporting, where every range the guest
 * reports free is given back to the host at once.
 */
#include "kite/virtio-balloon.h"
#include "kite/ramblock.h"
#include "kite/machine.h"
#include "kite/qmp.h"
#include <stdio.h>

#define BALLOON_QUEUE_SIZE 128
#define BALLOON_PAGE_SIZE (1ULL << VIRTIO_BALLOON_PFN_SHIFT)
/* Ranges are read in chunks; PFN arrays larger than this are split. */
#define PFN_CHUNK 256

static VirtIOBalloon *the_balloon;

VirtIOBalloon *virtio_balloon_get(void)
{
    return the_balloon;
}

static VirtIOBalloon *to_balloon(VirtIODevice *vdev)
{
    return container_of_kite(vdev, VirtIOBalloon, vdev);
}

DiscardResult balloon_discard_guest_range(AddressSpace *as, hwaddr gpa,
                                          uint64_t len, uint64_t *discarded)
{
    uint64_t offset, avail, start, end, ps;
    RAMBlock *rb;

    *discarded = 0;
    if (gpa + len < gpa) {
        return DISCARD_OUTSIDE_RAM;
    }
    rb = address_space_ram_block(as, gpa, &offset, &avail);
    if (!rb || avail < len) {
        return DISCARD_OUTSIDE_RAM;
    }
    /* Only whole pages of the backing memory can go back to the host:
     * a 2 MiB report inside a 1 GiB huge page frees nothing. */
    ps = rb->page_size ? rb->page_size : BALLOON_PAGE_SIZE;
    start = (offset + ps - 1) & ~(ps - 1);
    end = (offset + len) & ~(ps - 1);
    if (end <= start) {
        return DISCARD_UNALIGNED;
    }
    if (!ram_block_discard_range(rb, start, end - start, NULL)) {
        return DISCARD_FAILED;
    }
    *discarded = end - start;
    return DISCARD_OK;
}

/* ---- inflate / deflate ---- */

static void warn_outside_ram(VirtIOBalloon *b, uint64_t pfn)
{
    /* Counted always, printed once so a guest cannot flood the log. */
    if (b->count.pfns_outside_ram++ == 0) {
        fprintf(stderr, "kite: virtio-balloon: ignoring PFN 0x%" PRIx64
                " outside guest RAM (further ones are only counted)\n", pfn);
    }
}

/* Discard a run of contiguous guest pages collected from PFNs. */
static void flush_run(VirtIOBalloon *b, hwaddr start, uint64_t len)
{
    uint64_t done;

    if (len && balloon_discard_guest_range(b->vdev.dma_as, start, len, &done)
               == DISCARD_OK) {
        b->count.inflate_discarded_bytes += done;
    }
}

static void handle_inflate_deflate(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBalloon *b = to_balloon(vdev);
    bool inflate = b->role[vq->index] == BALLOON_VQ_INFLATE;
    VirtQueueElement *elem = b->scratch;
    int r;

    while ((r = virtqueue_pop(vq, elem)) > 0) {
        size_t size = virtqueue_out_size(elem), off = 0;
        hwaddr run_start = 0;
        uint64_t run_len = 0;

        if (elem->in_num) {
            virtio_error(vdev, "queue %u: %s buffer must be device-readable only",
                         vq->index, inflate ? "inflate" : "deflate");
            return;
        }
        while (off + 4 <= size) {
            uint32_t pfns[PFN_CHUNK];
            size_t n = MIN((size - off) / 4, (size_t)PFN_CHUNK);

            if (!virtqueue_read_out(vq, elem, off, pfns, n * 4)) {
                virtio_error(vdev, "queue %u: PFN buffer is outside RAM",
                             vq->index);
                return;
            }
            off += n * 4;
            for (size_t i = 0; i < n; i++) {
                uint64_t pfn = GUINT32_FROM_LE(pfns[i]);
                hwaddr gpa = pfn << VIRTIO_BALLOON_PFN_SHIFT;
                uint64_t o, avail;

                if (!address_space_ram_block(vdev->dma_as, gpa, &o, &avail) ||
                    avail < BALLOON_PAGE_SIZE) {
                    warn_outside_ram(b, pfn);
                    continue;
                }
                if (!inflate) {
                    b->count.deflated_pages++;
                    continue;  /* the page faults back in when touched */
                }
                b->count.inflated_pages++;
                if (run_len && run_start + run_len == gpa) {
                    run_len += BALLOON_PAGE_SIZE;
                } else {
                    flush_run(b, run_start, run_len);
                    run_start = gpa;
                    run_len = BALLOON_PAGE_SIZE;
                }
            }
        }
        flush_run(b, run_start, run_len);
        if (!virtqueue_push(vq, elem, 0)) {
            return;
        }
        virtqueue_notify(vq);
    }
}

/* ---- free page reporting ---- */

static void handle_reporting(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBalloon *b = to_balloon(vdev);
    VirtQueueElement *elem = b->scratch;
    bool poisoned = virtio_has_feature(vdev, VIRTIO_BALLOON_F_PAGE_POISON) &&
                    b->poison_val != 0;
    int r;

    while ((r = virtqueue_pop(vq, elem)) > 0) {
        if (elem->out_num) {
            virtio_error(vdev, "queue %u: reported ranges must be "
                         "device-writable buffers", vq->index);
            return;
        }
        for (unsigned i = 0; i < elem->in_num; i++) {
            hwaddr gpa = elem->in[i].addr;
            uint64_t len = elem->in[i].len, done = 0;

            b->count.reported_ranges++;
            b->count.reported_bytes += len;
            if (poisoned) {
                /* The guest expects its poison pattern back, not zeroes. */
                b->count.skipped_poison++;
                continue;
            }
            if ((gpa | len) & (BALLOON_PAGE_SIZE - 1) || len == 0) {
                b->count.skipped_unaligned++;
                continue;
            }
            switch (balloon_discard_guest_range(vdev->dma_as, gpa, len, &done)) {
            case DISCARD_OK:
                b->count.discarded_bytes += done;
                b->count.undiscarded_bytes += len - done;
                break;
            case DISCARD_OUTSIDE_RAM:
                b->count.skipped_outside_ram++;
                break;
            case DISCARD_UNALIGNED:
                /* Smaller than a huge page of the backend: kept. */
                b->count.undiscarded_bytes += len;
                break;
            case DISCARD_FAILED:
                b->count.skipped_discard_failed++;
                b->count.undiscarded_bytes += len;
                break;
            }
        }
        if (!virtqueue_push(vq, elem, 0)) {
            return;
        }
        virtqueue_notify(vq);
    }
}

/* ---- statistics ---- */

static void stats_return_buffer(VirtIOBalloon *b)
{
    if (b->stats_elem && b->stats_vq) {
        VirtQueueElement *e = b->stats_elem;
        b->stats_elem = NULL;
        if (virtqueue_push(b->stats_vq, e, 0)) {
            virtqueue_notify(b->stats_vq);
        }
        g_free(e);
    }
}

static void stats_arm(VirtIOBalloon *b)
{
    if (b->stats_interval > 0) {
        timer_mod_ns(b->stats_timer, clock_get_ns(KITE_CLOCK_VIRTUAL) +
                     b->stats_interval * 1000000000LL);
    } else {
        timer_del(b->stats_timer);
    }
}

static void stats_poll(void *opaque)
{
    VirtIOBalloon *b = opaque;

    /* Giving the buffer back asks the driver for fresh numbers (5.5.6.3). */
    stats_return_buffer(b);
    stats_arm(b);
}

static void handle_stats(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBalloon *b = to_balloon(vdev);
    VirtQueueElement *elem = g_new(VirtQueueElement, 1);
    size_t size, off;
    int r;

    r = virtqueue_pop(vq, elem);
    if (r <= 0) {
        g_free(elem);
        return;
    }
    if (b->stats_elem) {
        /* The driver had only one buffer out; a second is a driver bug but
         * harmless: return the older one. */
        stats_return_buffer(b);
    }
    size = virtqueue_out_size(elem);
    for (off = 0; off + 10 <= size; off += 10) {
        uint8_t raw[10];
        uint16_t tag;
        uint64_t val;

        if (!virtqueue_read_out(vq, elem, off, raw, sizeof(raw))) {
            virtio_error(vdev, "queue %u: statistics buffer is outside RAM",
                         vq->index);
            g_free(elem);
            return;
        }
        memcpy(&tag, raw, 2);
        memcpy(&val, raw + 2, 8);
        tag = GUINT16_FROM_LE(tag);
        if (tag < VIRTIO_BALLOON_NR_STATS) {
            b->stats[tag] = GUINT64_FROM_LE(val);
        }
    }
    b->stats_last_update = clock_get_ns(KITE_CLOCK_HOST) / 1000000000LL;
    b->stats_elem = elem;
    b->stats_vq = vq;
    stats_arm(b);
}

/* ---- device ops ---- */

static uint64_t balloon_get_features(VirtIODevice *vdev)
{
    VirtIOBalloon *b = to_balloon(vdev);
    uint64_t f = 1ULL << VIRTIO_BALLOON_F_STATS_VQ;

    if (b->deflate_on_oom) {
        f |= 1ULL << VIRTIO_BALLOON_F_DEFLATE_ON_OOM;
    }
    if (b->page_poison) {
        f |= 1ULL << VIRTIO_BALLOON_F_PAGE_POISON;
    }
    if (b->free_page_reporting) {
        f |= 1ULL << VIRTIO_BALLOON_F_REPORTING;
    }
    return f;
}

static VirtIOHandleOutput *role_handler(BalloonQueueRole role)
{
    switch (role) {
    case BALLOON_VQ_INFLATE:
    case BALLOON_VQ_DEFLATE:
        return handle_inflate_deflate;
    case BALLOON_VQ_STATS:
        return handle_stats;
    case BALLOON_VQ_REPORTING:
        return handle_reporting;
    default:
        return NULL;
    }
}

/* Queues: inflate, deflate, then stats and reporting only when present in
 * @features, numbered without gaps as the Linux driver finds them. */
static void layout_queues(VirtIOBalloon *b, uint64_t features)
{
    unsigned n = 0;

    memset(b->role, 0, sizeof(b->role));
    b->role[n++] = BALLOON_VQ_INFLATE;
    b->role[n++] = BALLOON_VQ_DEFLATE;
    if (features & (1ULL << VIRTIO_BALLOON_F_STATS_VQ)) {
        b->role[n++] = BALLOON_VQ_STATS;
    }
    if (features & (1ULL << VIRTIO_BALLOON_F_REPORTING)) {
        b->role[n++] = BALLOON_VQ_REPORTING;
    }
    for (unsigned i = 0; i < n; i++) {
        virtio_add_queue(&b->vdev, i, BALLOON_QUEUE_SIZE, role_handler(b->role[i]));
    }
    for (unsigned i = n; i < G_N_ELEMENTS(b->role); i++) {
        b->role[i] = BALLOON_VQ_NONE;
    }
    virtio_set_num_queues(&b->vdev, n);
}

static bool balloon_set_features(VirtIODevice *vdev, uint64_t features)
{
    layout_queues(to_balloon(vdev), features);
    return true;
}

static void balloon_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOBalloon *b = to_balloon(vdev);
    uint32_t words[4] = {
        GUINT32_TO_LE(b->num_pages), GUINT32_TO_LE(b->actual), 0,
        GUINT32_TO_LE(b->poison_val),
    };

    memcpy(config, words, sizeof(words));
}

static void balloon_set_config(VirtIODevice *vdev, const uint8_t *config)
{
    VirtIOBalloon *b = to_balloon(vdev);
    uint32_t words[4];
    uint32_t old_actual = b->actual;

    memcpy(words, config, sizeof(words));
    /* num_pages belongs to the device; the driver owns actual and
     * poison_val (5.5.4). */
    b->actual = GUINT32_FROM_LE(words[1]);
    if (virtio_has_feature(vdev, VIRTIO_BALLOON_F_PAGE_POISON)) {
        b->poison_val = GUINT32_FROM_LE(words[3]);
    }
    if (b->actual != old_actual) {
        json_t *data = json_pack("{s:I}", "actual",
                                 (json_int_t)virtio_balloon_actual_bytes(b));
        qmp_event_emit("BALLOON_CHANGE", data);
    }
}

static void balloon_drop_held(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOBalloon *b = to_balloon(vdev);

    if (b->stats_vq == vq && b->stats_elem) {
        g_clear_pointer(&b->stats_elem, g_free);
    }
}

static void balloon_reset(VirtIODevice *vdev)
{
    VirtIOBalloon *b = to_balloon(vdev);

    g_clear_pointer(&b->stats_elem, g_free);
    b->stats_vq = NULL;
    b->actual = 0;
    b->poison_val = 0;
    /* Until features are negotiated, offer every queue we might use. */
    layout_queues(b, balloon_get_features(vdev));
}

static const VirtIODeviceOps balloon_ops = {
    .get_features = balloon_get_features,
    .set_features = balloon_set_features,
    .get_config = balloon_get_config,
    .set_config = balloon_set_config,
    .reset = balloon_reset,
    .drop_held = balloon_drop_held,
};

/* ---- target and QMP helpers ---- */

static uint64_t guest_ram_bytes(void)
{
    MachineState *ms = current_machine_get();
    return ms ? ms->ram_size : 0;
}

void virtio_balloon_set_target(VirtIOBalloon *b, uint64_t target)
{
    uint64_t ram = guest_ram_bytes();

    if (target > ram) {
        target = ram;
    }
    b->num_pages = (ram - target) >> VIRTIO_BALLOON_PFN_SHIFT;
    virtio_notify_config(&b->vdev);
}

uint64_t virtio_balloon_actual_bytes(VirtIOBalloon *b)
{
    uint64_t ram = guest_ram_bytes();
    uint64_t ballooned = (uint64_t)b->actual << VIRTIO_BALLOON_PFN_SHIFT;

    return ballooned > ram ? 0 : ram - ballooned;
}

/* ---- the PCI device ---- */

static VirtIOBalloon *proxy_balloon(VirtIOPCIProxy *p)
{
    return &container_of_kite(p, VirtIOBalloonPCI, proxy)->balloon;
}

static VirtIODevice *balloon_realize(VirtIOPCIProxy *p, GError **errp)
{
    VirtIOBalloon *b = proxy_balloon(p);

    if (the_balloon) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "Only one balloon device is supported");
        return NULL;
    }
    virtio_init(&b->vdev, OBJECT(p), "virtio-balloon", VIRTIO_ID_BALLOON,
                VIRTIO_BALLOON_CONFIG_SIZE, &balloon_ops);
    b->scratch = g_new0(VirtQueueElement, 1);
    b->stats_timer = timer_new_ns(KITE_CLOCK_VIRTUAL, stats_poll, b);
    layout_queues(b, balloon_get_features(&b->vdev));
    the_balloon = b;
    if (b->stats_interval > 0) {
        stats_arm(b);
    }
    return &b->vdev;
}

static void balloon_unrealize(VirtIOPCIProxy *p)
{
    VirtIOBalloon *b = proxy_balloon(p);

    if (the_balloon == b) {
        the_balloon = NULL;
    }
    g_clear_pointer(&b->stats_elem, g_free);
    g_clear_pointer(&b->scratch, g_free);
    if (b->stats_timer) {
        timer_free(b->stats_timer);
        b->stats_timer = NULL;
    }
}

static VirtIOBalloon *obj_balloon(Object *obj)
{
    return &OBJECT_CHECK(VirtIOBalloonPCI, obj, TYPE_VIRTIO_BALLOON_PCI)->balloon;
}

/* guest-stats: QEMU's shape, -1 for numbers the guest has not sent. */
static json_t *get_guest_stats(Object *obj, const Property *prop, GError **errp)
{
    static const char *const names[] = {
        "stat-swap-in", "stat-swap-out", "stat-major-faults",
        "stat-minor-faults", "stat-free-memory", "stat-total-memory",
        "stat-available-memory", "stat-disk-caches", "stat-htlb-pgalloc",
        "stat-htlb-pgfail",
    };
    VirtIOBalloon *b = obj_balloon(obj);
    json_t *stats = json_object();

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        json_int_t v = b->stats_last_update ? (json_int_t)b->stats[i] : -1;
        json_object_set_new(stats, names[i], json_integer(v));
    }
    return json_pack("{s:o,s:I}", "stats", stats, "last-update",
                     (json_int_t)b->stats_last_update);
}

static json_t *get_interval(Object *obj, const Property *prop, GError **errp)
{
    return json_integer(obj_balloon(obj)->stats_interval);
}

static bool set_interval(Object *obj, const Property *prop, json_t *value,
                         GError **errp)
{
    VirtIOBalloon *b = obj_balloon(obj);
    json_int_t v;

    if (json_is_string(value)) {
        char *end;
        v = strtoll(json_string_value(value), &end, 0);
        if (*end || end == json_string_value(value)) {
            g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                        "Parameter 'guest-stats-polling-interval' expects int64");
            return false;
        }
    } else if (json_is_integer(value)) {
        v = json_integer_value(value);
    } else {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "Invalid parameter type for 'guest-stats-polling-interval', "
                    "expected: integer");
        return false;
    }
    if (v < 0 || v > UINT32_MAX) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "timer value must be between 0 and %u", UINT32_MAX);
        return false;
    }
    b->stats_interval = v;
    if (b->stats_timer) {
        stats_arm(b);
    }
    return true;
}

static json_t *get_counters(Object *obj, const Property *prop, GError **errp)
{
    BalloonCounters *c = &obj_balloon(obj)->count;

    return json_pack("{s:I,s:I,s:I,s:I,s:{s:I,s:I,s:I,s:I}}",
                     "reported-ranges", (json_int_t)c->reported_ranges,
                     "reported-bytes", (json_int_t)c->reported_bytes,
                     "discarded-bytes", (json_int_t)c->discarded_bytes,
                     "undiscarded-bytes", (json_int_t)c->undiscarded_bytes,
                     "skipped-ranges",
                     "unaligned", (json_int_t)c->skipped_unaligned,
                     "outside-ram", (json_int_t)c->skipped_outside_ram,
                     "poison", (json_int_t)c->skipped_poison,
                     "discard-failed", (json_int_t)c->skipped_discard_failed);
}

static json_t *get_inflate_counters(Object *obj, const Property *prop,
                                    GError **errp)
{
    BalloonCounters *c = &obj_balloon(obj)->count;

    return json_pack("{s:I,s:I,s:I,s:I}",
                     "inflated-pages", (json_int_t)c->inflated_pages,
                     "deflated-pages", (json_int_t)c->deflated_pages,
                     "discarded-bytes", (json_int_t)c->inflate_discarded_bytes,
                     "pfns-outside-ram", (json_int_t)c->pfns_outside_ram);
}

static json_t *get_ring_errors(Object *obj, const Property *prop, GError **errp)
{
    return json_integer(obj_balloon(obj)->vdev.ring_errors);
}

static const Property balloon_props[] = {
    DEFINE_PROP_BOOL("free-page-reporting", VirtIOBalloonPCI,
                     balloon.free_page_reporting, false),
    DEFINE_PROP_BOOL("deflate-on-oom", VirtIOBalloonPCI,
                     balloon.deflate_on_oom, false),
    DEFINE_PROP_BOOL("page-poison", VirtIOBalloonPCI, balloon.page_poison, true),
    { .name = "guest-stats-polling-interval", .kind = PROP_KIND_CUSTOM,
      .type_name = "int", .get = get_interval, .set = set_interval,
      .settable_after_realize = true,
      .description = "seconds between statistics requests (0 = off)" },
    { .name = "guest-stats", .kind = PROP_KIND_CUSTOM, .type_name = "guest-stats",
      .get = get_guest_stats, .description = "the guest's last statistics" },
    { .name = "free-page-reporting-stats", .kind = PROP_KIND_CUSTOM,
      .type_name = "BalloonReportingStats", .get = get_counters,
      .description = "bytes reported and discarded, ranges skipped and why" },
    { .name = "inflate-stats", .kind = PROP_KIND_CUSTOM,
      .type_name = "BalloonInflateStats", .get = get_inflate_counters,
      .description = "pages inflated and deflated, bytes discarded" },
    { .name = "ring-errors", .kind = PROP_KIND_CUSTOM, .type_name = "uint64",
      .get = get_ring_errors,
      .description = "malformed rings seen (each stops the device until reset)" },
    DEFINE_PROP_END_OF_LIST(),
};

static void balloon_pci_class_init(ObjectClass *klass, const void *data)
{
    VirtIOPCIClass *vc = (VirtIOPCIClass *)klass;
    PCIDeviceClass *pc = (PCIDeviceClass *)klass;
    DeviceClass *dc = DEVICE_CLASS(klass);

    vc->vdev_realize = balloon_realize;
    vc->vdev_unrealize = balloon_unrealize;
    pc->class_id = 0x00ff;          /* "other" (PCI code and ID assignment) */
    pc->subsystem_id = 0x40 + VIRTIO_ID_BALLOON;
    dc->desc = "virtio memory balloon (modern virtio-pci)";
    dc->user_creatable = true;
    dc->category = "misc";
}

static const TypeInfo balloon_pci_type = {
    .name = TYPE_VIRTIO_BALLOON_PCI,
    .parent = TYPE_VIRTIO_PCI,
    .instance_size = sizeof(VirtIOBalloonPCI),
    .class_size = sizeof(VirtIOPCIClass),
    .class_init = balloon_pci_class_init,
    .props = balloon_props,
};

static void balloon_register_types(void)
{
    type_register(&balloon_pci_type);
}
type_init(balloon_register_types)
