/* The file chardev: output goes to a file (truncated unless append=on). */
#include "char-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

static const char *const file_keys[] = { "path", "append", NULL };

static bool file_open(Chardev *chr, KiteOpts *opts, GError **errp)
{
    const char *path = kite_opts_get(opts, "path");
    bool append;
    int fd;

    if (!chardev_opt_bool(opts, "append", false, &append, errp)) {
        return false;
    }
    if (!path) {
        kite_error_set(errp, "chardev: file: no filename given");
        return false;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
              (append ? O_APPEND : O_TRUNC), 0666);
    if (fd < 0) {
        kite_error_set(errp, "Could not open '%s': %s", path,
                       g_strerror(errno));
        return false;
    }
    chr->out_fd = fd;
    chr->connected = true;
    return true;
}

static void file_close(Chardev *chr)
{
    if (chr->out_fd >= 0) {
        close(chr->out_fd);
        chr->out_fd = -1;
    }
}

const ChardevBackend chardev_file_backend = {
    .name = "file",
    .keys = file_keys,
    .open = file_open,
    .write = chardev_fd_write,
    .close = file_close,
};
