/*
 * The SCLP event facility: the guest's receive/send masks (Write Event
 * Mask), event buffers written by the guest (Write Event Data) and events
 * the SCLP offers (Read Event Data).  Event sources are devices deriving
 * from TYPE_SCLP_EVENT: sclpconsole, sclplmconsole, the quiesce event.
 */
#ifndef KITE_S390X_EVENT_FACILITY_H
#define KITE_S390X_EVENT_FACILITY_H

#include "kite/s390x/sclp.h"

#define TYPE_SCLP_EVENT_FACILITY "s390-sclp-event-facility"
#define TYPE_SCLP_EVENT          "s390-sclp-event-type"
#define TYPE_SCLP_CONSOLE        "sclpconsole"
#define TYPE_SCLP_LM_CONSOLE     "sclplmconsole"
#define TYPE_SCLP_QUIESCE        "sclpquiesce"

/* Event types. */
#define SCLP_EVENT_OPCMD             0x01  /* line-mode operator command */
#define SCLP_EVENT_MESSAGE           0x02  /* line-mode message */
#define SCLP_EVENT_ASCII_CONSOLE_DATA 0x1a /* VT220 console data */
#define SCLP_EVENT_SIGNAL_QUIESCE    0x1d

/* Event type T is bit 1 << (32 - T) of a 4-byte mask; masks are kept as
 * 32-bit values (the first four mask bytes; types above 32 are unused). */
#define SCLP_EVENT_MASK(t) (1u << (32 - (t)))

/* Event buffer flags. */
#define SCLP_EVENT_BUFFER_ACCEPTED 0x80

/* Write Event Data function code; Read Event Data function codes. */
#define SCLP_FC_NORMAL_WRITE      0x00
#define SCLP_FC_UNCONDITIONAL_READ 0x00
#define SCLP_FC_SELECTIVE_READ    0x01

/* Mask lengths Write Event Mask accepts (bytes per mask). */
#define SCLP_EVENT_MASK_LEN_MIN 1
#define SCLP_EVENT_MASK_LEN_MAX 1021

typedef struct SCLP_PACKED EventBufferHeader {
    uint16_t length;              /* 0-1: including this header */
    uint8_t type;                 /* 2 */
    uint8_t flags;                /* 3 */
    uint16_t _r4;                 /* 4-5 */
} EventBufferHeader;
_Static_assert(sizeof(EventBufferHeader) == 6, "event buffer header is 6 bytes");

/* Write Event Mask: four masks of mask_length bytes follow at 12: the
 * guest's receive and send masks, then the SCLP's receive and send masks
 * (written by the SCLP). */
typedef struct SCLP_PACKED WriteEventMask {
    SCCBHeader h;                 /* 0-7 */
    uint16_t _r8;                 /* 8-9 */
    uint16_t mask_length;         /* 10-11 */
} WriteEventMask;
_Static_assert(sizeof(WriteEventMask) == 12, "Write Event Mask header is 12 bytes");

/* Signal quiesce event buffer. */
typedef struct SCLP_PACKED SignalQuiesce {
    EventBufferHeader ebh;        /* 0-5 */
    uint16_t timeout;             /* 6-7: seconds */
    uint8_t unit;                 /* 8 */
} SignalQuiesce;
_Static_assert(sizeof(SignalQuiesce) == 9, "signal quiesce buffer is 9 bytes");

/* Line-mode message (event type 2): a message data block. */
typedef struct SCLP_PACKED MDBHeader {
    uint16_t length;              /* 0-1: the whole MDB */
    uint16_t type;                /* 2-3: 1 */
    uint32_t tag;                 /* 4-7: EBCDIC "MDB " */
    uint32_t revision_code;       /* 8-11: 1 */
} MDBHeader;
_Static_assert(sizeof(MDBHeader) == 12, "MDB header is 12 bytes");

typedef struct SCLP_PACKED MDBObjectHeader {
    uint16_t length;              /* 0-1: the whole object */
    uint16_t type;                /* 2-3 */
} MDBObjectHeader;
_Static_assert(sizeof(MDBObjectHeader) == 4, "MDB object header is 4 bytes");

#define SCLP_MDB_TYPE        0x0001
#define SCLP_MDB_TAG         0xd4c4c240u   /* "MDB " in EBCDIC */
#define SCLP_MDBO_TYPE_GO    0x0001
#define SCLP_MDBO_TYPE_MTO   0x0004

/* Message text object: EBCDIC text follows the 10-byte header. */
typedef struct SCLP_PACKED MTOHeader {
    uint16_t length;              /* 0-1 */
    uint16_t type;                /* 2-3: 4 */
    uint16_t line_type_flags;     /* 4-5 */
    uint8_t alarm_control;        /* 6 */
    uint8_t _r7[3];               /* 7-9 */
} MTOHeader;
_Static_assert(sizeof(MTOHeader) == 10, "MTO header is 10 bytes");

/* Operator command (event type 1): nested general data stream vectors. */
typedef struct SCLP_PACKED GdsVector {
    uint16_t length;              /* including the header */
    uint16_t gds_id;
} GdsVector;
_Static_assert(sizeof(GdsVector) == 4, "GDS vector header is 4 bytes");

typedef struct SCLP_PACKED GdsSubvector {
    uint8_t length;               /* including the header */
    uint8_t key;
} GdsSubvector;
_Static_assert(sizeof(GdsSubvector) == 2, "GDS subvector header is 2 bytes");

#define SCLP_GDS_ID_MDSMU        0x1310
#define SCLP_GDS_ID_CPMSU        0x1212
#define SCLP_GDS_ID_TEXTCMD      0x1320
#define SCLP_GDS_KEY_SELFDEFTEXTMSG 0x31
#define SCLP_GDS_KEY_TEXT        0x30

typedef struct SCLPEvent {
    DeviceState parent_obj;
    bool event_pending;           /* has something for Read Event Data */
    SCLPEventFacility *ef;        /* set when realized */
} SCLPEvent;

typedef struct SCLPEventClass {
    DeviceClass parent_class;
    uint32_t send_mask;           /* types this source sends to the guest */
    uint32_t receive_mask;        /* types it accepts from the guest */
    /*
     * One event buffer the guest wrote (its type is in receive_mask),
     * @len bytes, already checked against the SCCB.  Sets the accepted
     * flag and returns a response code.
     */
    uint16_t (*write_event_data)(SCLPEvent *ev, uint8_t *buf, size_t len);
    /*
     * Store one pending event buffer of at most @avail bytes at @buf;
     * return its length, 0 if nothing fits.  Clears event_pending once
     * everything was delivered.
     */
    size_t (*read_event_data)(SCLPEvent *ev, uint8_t *buf, size_t avail);
} SCLPEventClass;

#define SCLP_EVENT(o) OBJECT_CHECK(SCLPEvent, (o), TYPE_SCLP_EVENT)
#define SCLP_EVENT_GET_CLASS(o) \
    OBJECT_GET_CLASS(SCLPEventClass, (o), TYPE_SCLP_EVENT)

struct SCLPEventFacility {
    DeviceState parent_obj;
    uint32_t receive_mask;        /* guest's receive mask (first 4 bytes) */
    uint32_t send_mask;           /* guest's send mask */
    uint16_t mask_length;         /* of the last valid Write Event Mask */
    GPtrArray *events;            /* SCLPEvent *, registration order */
};

#define SCLP_EVENT_FACILITY(o) \
    OBJECT_CHECK(SCLPEventFacility, (o), TYPE_SCLP_EVENT_FACILITY)

/* The facility of the machine's SCLP, or NULL without an s390 machine. */
SCLPEventFacility *sclp_event_facility_get(void);

/* Run Write Event Mask / Write Event Data / Read Event Data on a local
 * SCCB copy of @len bytes. */
void sclp_event_facility_command(SCLPEventFacility *ef, uint8_t *sccb,
                                 size_t len, uint32_t code);
/* Is an event pending whose type the guest enabled for receiving? */
bool sclp_event_facility_pending(SCLPEventFacility *ef);
/* Mark @ev pending and signal the guest (from a chardev or powerdown). */
void sclp_event_raise(SCLPEvent *ev);

/* EBCDIC (code page 037) <-> ASCII, in place. */
void sclp_ebcdic_to_ascii(uint8_t *buf, size_t len);
void sclp_ascii_to_ebcdic(uint8_t *buf, size_t len);

#endif
