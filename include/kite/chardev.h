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
 * wait=on|off, reconnect=SECS, nodelay=on|off), stdio (signal=on|off),
 * file (path=, append=on|off), null, ringbuf (size=, a power of two).
 * Registered under its id.  @opts as from kite_opts_parse(str, "backend").
 * A socket server with wait=on (its default) blocks here until a client
 * connects; a client connects here and fails unless reconnect= is set.
 */
Chardev *chardev_new_from_opts(KiteOpts *opts, GError **errp);
/*
 * The short forms of -serial, -qmp, -qtest: "stdio", "null", "none",
 * "unix:PATH[,server=on,wait=off]", "tcp:HOST:PORT[,server=on,...]",
 * "file:PATH", "chardev:ID" (an existing one).  @id names a new chardev
 * (NULL: a generated one).  "none" returns NULL without setting *errp.
 * Without server=on, unix: and tcp: connect as clients (-qtest unix:PATH).
 */
Chardev *chardev_new_from_spec(const char *id, const char *spec, GError **errp);
Chardev *chardev_find(const char *id);
const char *chardev_get_id(Chardev *chr);

/* Attach a frontend.  Only one frontend per chardev: attaching a second
 * one fails ("Device 'x' is in use").  If the backend is already open,
 * @event gets CHR_EVENT_OPENED before this returns.  Callbacks run on the
 * main loop (default GMainContext). */
bool chardev_attach(Chardev *chr, ChardevCanReadFn *can_read,
                    ChardevReadFn *read, ChardevEventFn *event, void *opaque,
                    GError **errp);
void chardev_detach(Chardev *chr);
/* Write all of @buf (blocking briefly if the peer is slow); a write with
 * no peer connected is dropped.  Returns false if the peer is gone (or
 * not connected).  Never raises SIGPIPE. */
bool chardev_write_all(Chardev *chr, const void *buf, size_t len);
bool chardev_is_connected(Chardev *chr);
/* Close the current connection (socket servers listen again). */
void chardev_disconnect(Chardev *chr);
/* Close every chardev (at exit). */
void chardev_cleanup_all(void);

/* Reading pauses while the frontend's can_read returns 0; call this when
 * it can take data again (any thread). */
void chardev_accept_input(Chardev *chr);
/* Close one chardev and drop it from the registry. */
void chardev_remove(Chardev *chr);
/* "socket", "file", ... */
const char *chardev_get_backend_name(Chardev *chr);
/* Take up to @len of the oldest bytes a ringbuf chardev holds; returns
 * the count (0 for other backends). */
size_t chardev_ringbuf_read(Chardev *chr, uint8_t *buf, size_t len);

#endif
