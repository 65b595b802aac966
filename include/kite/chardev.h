/*
 * Character devices: byte streams between Kite and the outside world
 * (stdio, unix/tcp sockets as server or client, files, null).
 */
#ifndef KITE_CHARDEV_H
#define KITE_CHARDEV_H

#include "kite/common.h"
#include "kite/option.h"

typedef struct Chardev Chardev;

typedef enum {
    CHR_EVENT_OPENED, /* a peer connected (or the backend opened) */
    CHR_EVENT_CLOSED, /* the peer went away */
} ChardevEvent;

/* How many bytes the frontend can take now (0 pauses reading). */
typedef size_t ChardevCanReadFn(void *opaque);
typedef void ChardevReadFn(void *opaque, const uint8_t *buf, size_t len);
typedef void ChardevEventFn(void *opaque, ChardevEvent event);

/*
 * -chardev BACKEND,id=ID,...: socket (path= | host=,port=; server=on|off,
 * wait=on|off), stdio, file (path=), null, ringbuf (size=).  Registered
 * under its id.
 */
Chardev *chardev_new_from_opts(KiteOpts *opts, GError **errp);
/*
 * The short forms of -serial, -qmp, -qtest: "stdio", "null", "none",
 * "unix:PATH[,server=on,wait=off]", "tcp:HOST:PORT[,server=on,...]",
 * "file:PATH", "chardev:ID" (an existing one).  @id names a new chardev.
 */
Chardev *chardev_new_from_spec(const char *id, const char *spec, GError **errp);
Chardev *chardev_find(const char *id);
const char *chardev_get_id(Chardev *chr);

/* Attach a frontend.  Only one frontend per chardev: attaching a second
 * one fails ("Device 'x' is in use"). */
bool chardev_attach(Chardev *chr, ChardevCanReadFn *can_read,
                    ChardevReadFn *read, ChardevEventFn *event, void *opaque,
                    GError **errp);
void chardev_detach(Chardev *chr);
/* Write all of @buf (blocking briefly if the peer is slow); a write with
 * no peer connected is dropped.  Returns false if the peer is gone. */
bool chardev_write_all(Chardev *chr, const void *buf, size_t len);
bool chardev_is_connected(Chardev *chr);
/* Close the current connection (socket servers listen again). */
void chardev_disconnect(Chardev *chr);
/* Close every chardev (at exit). */
void chardev_cleanup_all(void);

#endif
