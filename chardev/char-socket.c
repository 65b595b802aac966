/*
 * The socket chardev: unix (path=) or tcp (host=,port=), as a server that
 * serves one client at a time and listens again when it leaves, or as a
 * client that connects at creation (and again every reconnect= seconds
 * after losing the server, when set).
 */
#include "char-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib-unix.h>

typedef struct {
    bool is_unix;
    bool server;
    bool nodelay;
    uint64_t reconnect;     /* seconds, 0 = never */
    char *path;
    char *host;
    char *port;

    int listen_fd;
    guint listen_watch;
    bool created_path;      /* unlink the unix path at close */

    int fd;                 /* the connection, -1 when none */
    guint reconnect_timer;
} SocketState;

static const char *const socket_keys[] = {
    "path", "host", "port", "server", "wait", "nowait", "reconnect",
    "nodelay", NULL,
};

static char *socket_addr_str(SocketState *s)
{
    return s->is_unix ? g_strdup(s->path)
                      : g_strdup_printf("%s:%s", s->host, s->port);
}

static void set_nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void socket_take_connection(Chardev *chr, int fd)
{
    SocketState *s = chr->state;

    set_nonblock(fd);
    if (!s->is_unix && s->nodelay) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    s->fd = fd;
    chr->out_fd = fd;
    chardev_set_input_fd(chr, fd);
    chardev_set_connected(chr, true);
}

/* ---- server ---- */

static gboolean socket_accept_ready(int lfd, GIOCondition cond,
                                    gpointer data);

static void socket_listen_again(Chardev *chr)
{
    SocketState *s = chr->state;

    if (!s->listen_watch && s->listen_fd >= 0) {
        s->listen_watch = g_unix_fd_add(s->listen_fd, G_IO_IN,
                                        socket_accept_ready, chr);
    }
}

static gboolean socket_accept_ready(int lfd, GIOCondition cond,
                                    gpointer data)
{
    Chardev *chr = data;
    SocketState *s = chr->state;
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0) {
        return G_SOURCE_CONTINUE; /* the client left again, or EINTR */
    }
    /* One client at a time: stop accepting until it leaves. */
    s->listen_watch = 0;
    socket_take_connection(chr, fd);
    return G_SOURCE_REMOVE;
}

static int unix_listen(SocketState *s, GError **errp)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct stat st;
    int fd;

    if (strlen(s->path) >= sizeof(sun.sun_path)) {
        kite_error_set(errp, "UNIX socket path '%s' is too long", s->path);
        return -1;
    }
    strcpy(sun.sun_path, s->path);
    /* A stale socket from an earlier run would make bind fail. */
    if (lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(s->path);
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        kite_error_set(errp, "Failed to create socket: %s", g_strerror(errno));
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        kite_error_set(errp, "Failed to bind socket to %s: %s", s->path,
                       g_strerror(errno));
        close(fd);
        return -1;
    }
    s->created_path = true;
    if (listen(fd, 1) < 0) {
        kite_error_set(errp, "Failed to listen on socket: %s",
                       g_strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static struct addrinfo *tcp_resolve(SocketState *s, bool passive,
                                    GError **errp)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = passive ? AI_PASSIVE : 0,
    };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(*s->host ? s->host : NULL, s->port, &hints, &res);

    if (rc != 0) {
        kite_error_set(errp, "address resolution failed for %s:%s: %s",
                       s->host, s->port, gai_strerror(rc));
        return NULL;
    }
    return res;
}

static int tcp_listen(SocketState *s, GError **errp)
{
    struct addrinfo *res = tcp_resolve(s, true, errp);
    int err = 0;

    if (!res) {
        return -1;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        int one = 1;
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                        ai->ai_protocol);

        if (fd < 0) {
            err = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, 1) == 0) {
            freeaddrinfo(res);
            return fd;
        }
        err = errno;
        close(fd);
    }
    freeaddrinfo(res);
    kite_error_set(errp, "Failed to bind socket to %s:%s: %s", s->host,
                   s->port, g_strerror(err));
    return -1;
}

/* wait=on: block until the first client connects, as QEMU does. */
static bool socket_wait_for_client(Chardev *chr, GError **errp)
{
    SocketState *s = chr->state;
    g_autofree char *addr = socket_addr_str(s);
    int fd;

    g_printerr("info: Kite waiting for connection on: disconnected:%s:%s,"
               "server=on\n", s->is_unix ? "unix" : "tcp", addr);
    do {
        fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    } while (fd < 0 && (errno == EINTR || errno == ECONNABORTED));
    if (fd < 0) {
        kite_error_set(errp, "Failed to accept a connection on '%s': %s",
                       addr, g_strerror(errno));
        return false;
    }
    socket_take_connection(chr, fd);
    return true;
}

/* ---- client ---- */

/* Connect (blocking); the new fd, or -1 with *errp set. */
static int socket_connect(SocketState *s, GError **errp)
{
    g_autofree char *addr = socket_addr_str(s);
    int err = 0;

    if (s->is_unix) {
        struct sockaddr_un sun = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(s->path) >= sizeof(sun.sun_path)) {
            kite_error_set(errp, "UNIX socket path '%s' is too long",
                           s->path);
            return -1;
        }
        strcpy(sun.sun_path, s->path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0) {
            if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
                return fd;
            }
            err = errno;
            close(fd);
        } else {
            err = errno;
        }
    } else {
        struct addrinfo *res = tcp_resolve(s, false, errp);

        if (!res) {
            return -1;
        }
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
            int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                            ai->ai_protocol);
            if (fd < 0) {
                err = errno;
                continue;
            }
            if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
                freeaddrinfo(res);
                return fd;
            }
            err = errno;
            close(fd);
        }
        freeaddrinfo(res);
    }
    kite_error_set(errp, "Failed to connect to '%s': %s", addr,
                   g_strerror(err));
    return -1;
}

static gboolean socket_reconnect_tick(gpointer data)
{
    Chardev *chr = data;
    SocketState *s = chr->state;
    int fd = socket_connect(s, NULL);

    if (fd < 0) {
        return G_SOURCE_CONTINUE;
    }
    s->reconnect_timer = 0;
    socket_take_connection(chr, fd);
    return G_SOURCE_REMOVE;
}

static void socket_schedule_reconnect(Chardev *chr)
{
    SocketState *s = chr->state;

    if (s->reconnect && !s->reconnect_timer) {
        s->reconnect_timer = g_timeout_add_seconds(s->reconnect,
                                                   socket_reconnect_tick, chr);
    }
}

/* ---- backend operations ---- */

static void socket_drop_connection(Chardev *chr)
{
    SocketState *s = chr->state;

    if (s->fd < 0) {
        return;
    }
    chardev_set_input_fd(chr, -1);
    close(s->fd);
    s->fd = -1;
    chr->out_fd = -1;
    if (s->server) {
        socket_listen_again(chr);
    } else {
        socket_schedule_reconnect(chr);
    }
    /* Last: the frontend may even remove the chardev on CLOSED. */
    chardev_set_connected(chr, false);
}

static bool socket_open(Chardev *chr, KiteOpts *opts, GError **errp)
{
    const char *path = kite_opts_get(opts, "path");
    const char *host = kite_opts_get(opts, "host");
    const char *port = kite_opts_get(opts, "port");
    SocketState *s;
    bool wait, nowait = false;

    if (path && host) {
        kite_error_set(errp,
                       "None or one of 'path', 'fd' or 'host' option required.");
        return false;
    }
    if (!path && !host) {
        kite_error_set(errp, "chardev: socket: 'path' or 'host' option "
                       "required");
        return false;
    }
    if (host && !port) {
        kite_error_set(errp, "chardev: socket: no port given");
        return false;
    }
    if (path && !*path) {
        kite_error_set(errp, "chardev: socket: empty path given");
        return false;
    }

    s = g_new0(SocketState, 1);
    chr->state = s;
    s->listen_fd = -1;
    s->fd = -1;
    s->is_unix = path != NULL;
    s->path = g_strdup(path);
    s->host = g_strdup(host);
    s->port = g_strdup(port);
    if (!chardev_opt_bool(opts, "server", false, &s->server, errp) ||
        !chardev_opt_bool(opts, "wait", true, &wait, errp) ||
        !chardev_opt_bool(opts, "nowait", false, &nowait, errp) ||
        !chardev_opt_bool(opts, "nodelay", false, &s->nodelay, errp) ||
        !chardev_opt_number(opts, "reconnect", 0, &s->reconnect, errp)) {
        return false;
    }
    if (nowait) {
        wait = false;
    }
    if (s->reconnect > G_MAXUINT) {
        kite_error_set(errp, "Parameter 'reconnect' expects a number");
        return false;
    }

    if (!s->server) {
        int fd;

        if (kite_opts_has(opts, "wait") || kite_opts_has(opts, "nowait")) {
            kite_error_set(errp, "'wait' option is incompatible with socket "
                           "in client connect mode");
            return false;
        }
        if (s->reconnect) {
            /* With reconnect=, a missing server is not fatal. */
            fd = socket_connect(s, NULL);
            if (fd < 0) {
                socket_schedule_reconnect(chr);
                return true;
            }
        } else {
            fd = socket_connect(s, errp);
            if (fd < 0) {
                return false;
            }
        }
        socket_take_connection(chr, fd);
        return true;
    }

    if (s->reconnect) {
        kite_error_set(errp, "'reconnect' option is incompatible with socket "
                       "in server listen mode");
        return false;
    }
    s->listen_fd = s->is_unix ? unix_listen(s, errp) : tcp_listen(s, errp);
    if (s->listen_fd < 0) {
        return false;
    }
    if (wait && !socket_wait_for_client(chr, errp)) {
        return false;
    }
    set_nonblock(s->listen_fd);
    if (s->fd < 0) {
        socket_listen_again(chr);
    }
    return true;
}

static ssize_t socket_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    SocketState *s = chr->state;

    if (s->fd < 0) {
        errno = ENOTCONN;
        return -1;
    }
    return send(s->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void socket_close(Chardev *chr)
{
    SocketState *s = chr->state;

    if (!s) {
        return;
    }
    if (s->reconnect_timer) {
        g_source_remove(s->reconnect_timer);
    }
    if (s->listen_watch) {
        g_source_remove(s->listen_watch);
    }
    if (s->fd >= 0) {
        close(s->fd);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
    }
    if (s->created_path) {
        unlink(s->path);
    }
    g_free(s->path);
    g_free(s->host);
    g_free(s->port);
    g_free(s);
    chr->state = NULL;
    chr->out_fd = -1;
}

const ChardevBackend chardev_socket_backend = {
    .name = "socket",
    .keys = socket_keys,
    .needs_peer = true,
    .open = socket_open,
    .write = socket_write,
    .hangup = socket_drop_connection,
    .disconnect = socket_drop_connection,
    .close = socket_close,
};
