/*
 * What chardev backends share with the generic code in char.c: the
 * Chardev structure, the backend table entry and the fd input machinery.
 */
#ifndef KITE_CHAR_INTERNAL_H
#define KITE_CHAR_INTERNAL_H

#include "kite/chardev.h"

#include <sys/types.h>

typedef struct ChardevBackend {
    const char *name;
    /* Option keys accepted besides "backend" and "id" (NULL-terminated). */
    const char *const *keys;
    /* Writes need a connected peer (sockets); others always write. */
    bool needs_peer;
    bool (*open)(Chardev *chr, KiteOpts *opts, GError **errp);
    /* Write up to @len bytes: count written, or -1 with errno (EAGAIN
     * when it would block; EPIPE and friends when the peer is gone).
     * NULL: writes are accepted and dropped. */
    ssize_t (*write)(Chardev *chr, const uint8_t *buf, size_t len);
    /* The input fd reached end of file or failed. */
    void (*hangup)(Chardev *chr);
    /* chardev_disconnect(). */
    void (*disconnect)(Chardev *chr);
    /* Release backend state (fds are closed by the backend). */
    void (*close)(Chardev *chr);
} ChardevBackend;

struct Chardev {
    char *id;
    const ChardevBackend *backend;
    void *state;            /* backend private */

    /* The frontend. */
    bool fe_attached;
    ChardevCanReadFn *fe_can_read;
    ChardevReadFn *fe_read;
    ChardevEventFn *fe_event;
    void *fe_opaque;

    /* Set by the backend: a peer is there (or the backend is open). */
    bool connected;
    /* Input: the fd char.c watches for the frontend, -1 for none. */
    int in_fd;
    guint in_watch;
    /* Output fd for write_fd backends, -1 for none. */
    int out_fd;
    /* A write found the peer gone; a deferred hangup is queued. */
    bool write_failed;
    gint hangup_pending;
    /* chardev_accept_input() from another thread queued a resume. */
    gint resume_pending;
};

extern const ChardevBackend chardev_socket_backend;
extern const ChardevBackend chardev_stdio_backend;
extern const ChardevBackend chardev_file_backend;
extern const ChardevBackend chardev_null_backend;
extern const ChardevBackend chardev_ringbuf_backend;

/* Start / stop reading @fd for the frontend (fd stays owned by the
 * backend).  chardev_set_input_fd(chr, -1) stops. */
void chardev_set_input_fd(Chardev *chr, int fd);
/* The backend's connection state changed: tell the frontend. */
void chardev_set_connected(Chardev *chr, bool connected);
/* write() to out_fd, for backends writing to an ordinary fd. */
ssize_t chardev_fd_write(Chardev *chr, const uint8_t *buf, size_t len);
/* Send a deferred hangup (from a write that found the peer gone). */
void chardev_schedule_hangup(Chardev *chr);

/* Option helpers: QEMU's messages for bad booleans and numbers. */
bool chardev_opt_bool(KiteOpts *opts, const char *key, bool def, bool *out,
                      GError **errp);
bool chardev_opt_number(KiteOpts *opts, const char *key, uint64_t def,
                        uint64_t *out, GError **errp);

#endif
