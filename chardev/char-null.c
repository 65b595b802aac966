/* The null chardev: output is dropped, input never comes, never opens. */
#include "char-internal.h"

static bool null_open(Chardev *chr, KiteOpts *opts, GError **errp)
{
    return true;
}

const ChardevBackend chardev_null_backend = {
    .name = "null",
    .open = null_open,
};
