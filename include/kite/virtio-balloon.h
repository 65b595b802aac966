/* virtio-balloon (virtio 1.2, 5.5) with free page reporting. */
#ifndef KITE_VIRTIO_BALLOON_H
#define KITE_VIRTIO_BALLOON_H

#include "kite/virtio-pci.h"
#include "kite/timer.h"

#define TYPE_VIRTIO_BALLOON_PCI "virtio-balloon-pci"
#define VIRTIO_ID_BALLOON 5

/* Feature bits (5.5.3). */
#define VIRTIO_BALLOON_F_MUST_TELL_HOST 0
#define VIRTIO_BALLOON_F_STATS_VQ       1
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM 2
#define VIRTIO_BALLOON_F_FREE_PAGE_HINT 3
#define VIRTIO_BALLOON_F_PAGE_POISON    4
#define VIRTIO_BALLOON_F_REPORTING      5

#define VIRTIO_BALLOON_PFN_SHIFT 12
#define VIRTIO_BALLOON_CONFIG_SIZE 16
#define VIRTIO_BALLOON_NR_STATS 16

typedef enum {
    BALLOON_VQ_INFLATE,
    BALLOON_VQ_DEFLATE,
    BALLOON_VQ_STATS,
    BALLOON_VQ_REPORTING,
    BALLOON_VQ_NONE,
} BalloonQueueRole;

typedef struct BalloonCounters {
    uint64_t inflated_pages, deflated_pages, inflate_discarded_bytes;
    uint64_t pfns_outside_ram;
    uint64_t reported_ranges, reported_bytes, discarded_bytes;
    uint64_t skipped_unaligned, skipped_outside_ram, skipped_poison;
    uint64_t skipped_discard_failed, undiscarded_bytes;
} BalloonCounters;

typedef struct VirtIOBalloon {
    VirtIODevice vdev;
    /* properties */
    bool free_page_reporting, deflate_on_oom, page_poison;
    int64_t stats_interval;          /* guest-stats-polling-interval, s */
    /* config */
    uint32_t num_pages, actual, poison_val;
    /* queue index -> role, laid out when features are negotiated */
    BalloonQueueRole role[8];
    /* statistics */
    uint64_t stats[VIRTIO_BALLOON_NR_STATS];
    int64_t stats_last_update;       /* seconds, 0 = never */
    VirtQueueElement *stats_elem;    /* held until the next poll */
    VirtQueue *stats_vq;
    KiteTimer *stats_timer;
    BalloonCounters count;
    VirtQueueElement *scratch;       /* one element, reused */
} VirtIOBalloon;

typedef struct VirtIOBalloonPCI {
    VirtIOPCIProxy proxy;
    VirtIOBalloon balloon;
} VirtIOBalloonPCI;

/* The one balloon of the VM (QMP balloon / query-balloon), or NULL. */
VirtIOBalloon *virtio_balloon_get(void);
/* Target of the guest's memory in bytes (balloon value=). */
void virtio_balloon_set_target(VirtIOBalloon *b, uint64_t target_bytes);
/* Guest memory in bytes as the driver reports it (query-balloon). */
uint64_t virtio_balloon_actual_bytes(VirtIOBalloon *b);

/* Discard guest-physical [gpa, gpa+len) on the host, whole host pages
 * only; returns bytes discarded, and why nothing was (for the counters). */
typedef enum {
    DISCARD_OK,
    DISCARD_OUTSIDE_RAM,
    DISCARD_UNALIGNED,
    DISCARD_FAILED,
} DiscardResult;
DiscardResult balloon_discard_guest_range(AddressSpace *as, hwaddr gpa,
                                          uint64_t len, uint64_t *discarded);

#endif
