/*
 * The stdio chardev: reads standard input, writes standard output.  The
 * terminal is left as it is (no raw mode); at most one may exist, since
 * two readers of one stdin would steal each other's bytes.
 */
#include "char-internal.h"

#include <unistd.h>

static bool stdio_in_use;

static const char *const stdio_keys[] = { "signal", NULL };

static bool stdio_open(Chardev *chr, KiteOpts *opts, GError **errp)
{
    bool signal_on;

    if (!chardev_opt_bool(opts, "signal", true, &signal_on, errp)) {
        return false;
    }
    if (stdio_in_use) {
        kite_error_set(errp,
                       "cannot use stdio by multiple character devices");
        return false;
    }
    stdio_in_use = true;
    chr->state = &stdio_in_use;
    /* stdin stays blocking: O_NONBLOCK would leak to the shell sharing the
     * terminal, and reads happen only after poll says data is there. */
    chr->out_fd = STDOUT_FILENO;
    chr->connected = true;
    chardev_set_input_fd(chr, STDIN_FILENO);
    return true;
}

/* End of input: stop reading; output keeps working. */
static void stdio_hangup(Chardev *chr)
{
    chardev_set_input_fd(chr, -1);
    chardev_set_connected(chr, false);
}

static void stdio_close(Chardev *chr)
{
    if (chr->state) {
        stdio_in_use = false;
        chr->state = NULL;
    }
}

const ChardevBackend chardev_stdio_backend = {
    .name = "stdio",
    .keys = stdio_keys,
    .open = stdio_open,
    .write = chardev_fd_write,
    .hangup = stdio_hangup,
    .close = stdio_close,
};
