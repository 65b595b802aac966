/*
 * The built-in qtest commands: port and memory accesses, the virtual
 * clock and interrupt interception.  Replies match QEMU's byte for byte
 * (docs/qtest.md); bad arguments get "FAIL <reason>" instead of QEMU's
 * assertion failures.
 */
#include "kite/qtest.h"
#include "kite/memory.h"
#include "kite/target.h"
#include "kite/timer.h"
#include "kite/qdev.h"
#include "qtest-internal.h"

#include <errno.h>
#include <stdlib.h>

uint64_t qtest_max_data = QTEST_MAX_DATA;
uint64_t qtest_max_memset = QTEST_MAX_MEMSET;

void qtest_set_size_limits(uint64_t max_data, uint64_t max_memset)
{
    qtest_max_data = MIN(max_data, QTEST_MAX_DATA);
    qtest_max_memset = MIN(max_memset, QTEST_MAX_MEMSET);
}

/* ---- argument parsing ---- */

static bool arg_present(gchar **words, int idx, GString *reply,
                        const char *what)
{
    for (int i = 0; i <= idx; i++) {
        if (!words[i]) {
            g_string_printf(reply, "FAIL %s: missing argument %s", words[0],
                            what);
            return false;
        }
    }
    return true;
}

/* An unsigned number as C writes it (strtoull base 0), the whole word. */
static bool arg_u64(gchar **words, int idx, GString *reply, const char *what,
                    uint64_t *out)
{
    const char *s;
    char *end;

    if (!arg_present(words, idx, reply, what)) {
        return false;
    }
    s = words[idx];
    errno = 0;
    *out = strtoull(s, &end, 0);
    if (s[0] == '\0' || g_ascii_isspace(s[0]) || *end != '\0' ||
        errno == ERANGE) {
        g_string_printf(reply, "FAIL %s: invalid %s '%s'", words[0], what, s);
        return false;
    }
    return true;
}

static bool arg_i64(gchar **words, int idx, GString *reply, const char *what,
                    int64_t *out)
{
    const char *s;
    char *end;

    if (!arg_present(words, idx, reply, what)) {
        return false;
    }
    s = words[idx];
    errno = 0;
    *out = strtoll(s, &end, 0);
    if (s[0] == '\0' || g_ascii_isspace(s[0]) || *end != '\0' ||
        errno == ERANGE) {
        g_string_printf(reply, "FAIL %s: invalid %s '%s'", words[0], what, s);
        return false;
    }
    return true;
}

static bool arg_int(gchar **words, int idx, GString *reply, const char *what,
                    int *out)
{
    int64_t v;

    if (!arg_i64(words, idx, reply, what, &v)) {
        return false;
    }
    if (v < INT_MIN || v > INT_MAX) {
        g_string_printf(reply, "FAIL %s: invalid %s '%s'", words[0], what,
                        words[idx]);
        return false;
    }
    *out = (int)v;
    return true;
}

/* A data size for read/write/b64*: bounded so a client cannot make us
 * allocate without limit. */
static bool arg_size(gchar **words, int idx, GString *reply, uint64_t max,
                     uint64_t *out)
{
    if (!arg_u64(words, idx, reply, "SIZE", out)) {
        return false;
    }
    if (*out > max) {
        g_string_printf(reply, "FAIL %s: SIZE %" PRIu64
                        " is larger than the limit of %" PRIu64 " bytes",
                        words[0], *out, max);
        return false;
    }
    return true;
}

/* The access size a command name ends with (outb -> 1, readq -> 8). */
static unsigned size_suffix(const char *cmd)
{
    switch (cmd[strlen(cmd) - 1]) {
    case 'b': return 1;
    case 'w': return 2;
    case 'l': return 4;
    default: return 8;
    }
}

static uint64_t size_mask(unsigned size)
{
    return size == 8 ? UINT64_MAX : (1ULL << (size * 8)) - 1;
}

/* ---- ports ---- */

static AddressSpace *io_space(GString *reply, const char *cmd)
{
    AddressSpace *as = target_info.has_io_space ? address_space_io() : NULL;

    if (!as) {
        g_string_printf(reply, "FAIL %s: this target has no I/O ports", cmd);
    }
    return as;
}

static bool arg_port(gchar **words, GString *reply, uint64_t *port)
{
    if (!arg_u64(words, 1, reply, "ADDR", port)) {
        return false;
    }
    if (*port > 0xffff) {
        g_string_printf(reply, "FAIL %s: port 0x%" PRIx64
                        " is above 0xffff", words[0], *port);
        return false;
    }
    return true;
}

/*
 * An access running past the 64 KiB port space (inw 0xffff) is split in
 * bytes as QEMU does: bytes past 0xffff read as 0 and are not written.
 * Port I/O is little-endian.
 */
static bool port_access_split(AddressSpace *as, uint64_t port, unsigned size,
                              uint64_t *value, bool is_write)
{
    uint64_t v = 0;

    if (port + size <= 0x10000) {
        return false;
    }
    for (unsigned i = 0; i < size && port + i <= 0xffff; i++) {
        uint64_t b = is_write ? (*value >> (8 * i)) & 0xff : 0;
        if (is_write) {
            address_space_write_sized(as, port + i, b, 1);
        } else {
            address_space_read_sized(as, port + i, &b, 1);
            v |= (b & 0xff) << (8 * i);
        }
    }
    if (!is_write) {
        *value = v;
    }
    return true;
}

static void cmd_out(gchar **words, GString *reply)
{
    unsigned size = size_suffix(words[0]);
    uint64_t port, value;
    AddressSpace *as;

    if (!arg_port(words, reply, &port) ||
        !arg_u64(words, 2, reply, "VALUE", &value)) {
        return;
    }
    as = io_space(reply, words[0]);
    if (!as) {
        return;
    }
    value &= size_mask(size);
    if (!port_access_split(as, port, size, &value, true)) {
        address_space_write_sized(as, port, value, size);
    }
    g_string_assign(reply, "OK");
}

static void cmd_in(gchar **words, GString *reply)
{
    unsigned size = size_suffix(words[0]);
    uint64_t port, value = 0;
    AddressSpace *as;

    if (!arg_port(words, reply, &port)) {
        return;
    }
    as = io_space(reply, words[0]);
    if (!as) {
        return;
    }
    if (!port_access_split(as, port, size, &value, false)) {
        address_space_read_sized(as, port, &value, size);
    }
    g_string_printf(reply, "OK 0x%04" PRIx64, value & size_mask(size));
}

/* ---- memory ---- */

static void cmd_write_sized(gchar **words, GString *reply)
{
    unsigned size = size_suffix(words[0]);
    uint64_t addr, value;

    if (!arg_u64(words, 1, reply, "ADDR", &addr) ||
        !arg_u64(words, 2, reply, "VALUE", &value)) {
        return;
    }
    address_space_write_sized(address_space_memory(), addr,
                              value & size_mask(size), size);
    g_string_assign(reply, "OK");
}

static void cmd_read_sized(gchar **words, GString *reply)
{
    unsigned size = size_suffix(words[0]);
    uint64_t addr, value = 0;

    if (!arg_u64(words, 1, reply, "ADDR", &addr)) {
        return;
    }
    address_space_read_sized(address_space_memory(), addr, &value, size);
    g_string_printf(reply, "OK 0x%016" PRIx64, value & size_mask(size));
}

static void cmd_read(gchar **words, GString *reply)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t addr, len;
    g_autofree uint8_t *buf = NULL;

    if (!arg_u64(words, 1, reply, "ADDR", &addr) ||
        !arg_size(words, 2, reply, qtest_max_data, &len)) {
        return;
    }
    if (len == 0) {
        g_string_printf(reply, "FAIL %s: SIZE must not be 0", words[0]);
        return;
    }
    buf = g_malloc(len);
    address_space_read(address_space_memory(), addr, buf, len);
    g_string_set_size(reply, 0);
    g_string_append(reply, "OK 0x");
    for (uint64_t i = 0; i < len; i++) {
        g_string_append_c(reply, hex[buf[i] >> 4]);
        g_string_append_c(reply, hex[buf[i] & 0xf]);
    }
}

static int hex_nibble(char c)
{
    return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

static void cmd_write(gchar **words, GString *reply)
{
    uint64_t addr, len;
    const char *data;
    size_t ndigits;
    g_autofree uint8_t *buf = NULL;

    if (!arg_u64(words, 1, reply, "ADDR", &addr) ||
        !arg_size(words, 2, reply, qtest_max_data, &len) ||
        !arg_present(words, 3, reply, "DATA")) {
        return;
    }
    if (len == 0) {
        /* QEMU's own words for this case. */
        g_string_assign(reply, "ERR invalid argument size");
        return;
    }
    data = words[3];
    if (data[0] != '0' || (data[1] != 'x' && data[1] != 'X')) {
        g_string_printf(reply, "FAIL %s: DATA must start with 0x", words[0]);
        return;
    }
    data += 2;
    ndigits = strlen(data);
    for (size_t i = 0; i < ndigits; i++) {
        if (hex_nibble(data[i]) < 0) {
            g_string_printf(reply, "FAIL %s: DATA has a non-hex digit '%c'",
                            words[0], data[i]);
            return;
        }
    }
    if (ndigits % 2) {
        g_string_printf(reply, "FAIL %s: DATA has an odd number of hex "
                        "digits", words[0]);
        return;
    }
    /* Shorter data is zero-filled up to SIZE, longer data is cut. */
    buf = g_malloc0(len);
    for (uint64_t i = 0; i < len && 2 * i < ndigits; i++) {
        buf[i] = hex_nibble(data[2 * i]) << 4 | hex_nibble(data[2 * i + 1]);
    }
    address_space_write(address_space_memory(), addr, buf, len);
    g_string_assign(reply, "OK");
}

static void cmd_b64read(gchar **words, GString *reply)
{
    uint64_t addr, len;
    g_autofree uint8_t *buf = NULL;
    g_autofree char *b64 = NULL;

    if (!arg_u64(words, 1, reply, "ADDR", &addr) ||
        !arg_size(words, 2, reply, qtest_max_data, &len)) {
        return;
    }
    buf = g_malloc0(len ? len : 1);
    if (len) {
        address_space_read(address_space_memory(), addr, buf, len);
    }
    b64 = g_base64_encode(buf, len);
    /* SIZE 0 gives "OK " with nothing after the space, as in QEMU. */
    g_string_printf(reply, "OK %s", b64);
}

static bool base64_valid(const char *s)
{
    size_t len = strlen(s), pad = 0;

    if (len % 4) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '=') {
            pad++;
        } else if (pad || !(g_ascii_isalnum(c) || c == '+' || c == '/')) {
            return false;
        }
    }
    return pad <= 2;
}

static void cmd_b64write(gchar **words, GString *reply)
{
    uint64_t addr, len;
    gsize data_len = 0;
    g_autofree uint8_t *data = NULL;
    g_autofree uint8_t *buf = NULL;

    if (!arg_u64(words, 1, reply, "ADDR", &addr) ||
        !arg_size(words, 2, reply, qtest_max_data, &len) ||
        !arg_present(words, 3, reply, "DATA")) {
        return;
    }
    if (!base64_valid(words[3])) {
        g_string_printf(reply, "FAIL %s: DATA is not valid base64", words[0]);
        return;
    }
    data = g_base64_decode(words[3], &data_len);
    if (len) {
        /* Shorter data is zero-filled up to SIZE, longer data is cut. */
        buf = g_malloc0(len);
        memcpy(buf, data, MIN(len, data_len));
        address_space_write(address_space_memory(), addr, buf, len);
    }
    g_string_assign(reply, "OK");
}

static void cmd_memset(gchar **words, GString *reply)
{
    uint64_t addr, len, byte;
    uint8_t chunk[4096];

    if (!arg_u64(words, 1, reply, "ADDR", &addr) ||
        !arg_size(words, 2, reply, qtest_max_memset, &len) ||
        !arg_u64(words, 3, reply, "VALUE", &byte)) {
        return;
    }
    memset(chunk, (uint8_t)byte, sizeof(chunk));
    for (uint64_t done = 0; done < len; done += sizeof(chunk)) {
        address_space_write(address_space_memory(), addr + done, chunk,
                            MIN(sizeof(chunk), len - done));
    }
    g_string_assign(reply, "OK");
}

static void cmd_endianness(gchar **words, GString *reply)
{
    g_string_assign(reply, target_big_endian() ? "OK big" : "OK little");
}

/* ---- the virtual clock (only under -accel qtest) ---- */

/* Move the clock forward to @target; never backwards, as QEMU. */
static void clock_warp(int64_t target)
{
    if (target > clock_get_ns(KITE_CLOCK_VIRTUAL)) {
        clock_virtual_advance_to(target);
    }
}

static void cmd_clock_step(gchar **words, GString *reply)
{
    int64_t now = clock_get_ns(KITE_CLOCK_VIRTUAL);
    int64_t ns;

    if (words[1]) {
        if (!arg_i64(words, 1, reply, "NS", &ns)) {
            return;
        }
        if (ns > 0 && now > INT64_MAX - ns) {
            g_string_printf(reply, "FAIL %s: NS %" PRId64 " overflows the "
                            "clock", words[0], ns);
            return;
        }
        clock_warp(now + ns);
    } else {
        /* To the next timer deadline; with none pending, the clock stays. */
        int64_t deadline = clock_virtual_next_deadline();
        if (deadline >= 0) {
            clock_warp(deadline);
        }
    }
    g_string_printf(reply, "OK %" PRId64, clock_get_ns(KITE_CLOCK_VIRTUAL));
}

static void cmd_clock_set(gchar **words, GString *reply)
{
    int64_t ns;

    if (!arg_i64(words, 1, reply, "NS", &ns)) {
        return;
    }
    clock_warp(ns);
    g_string_printf(reply, "OK %" PRId64, clock_get_ns(KITE_CLOCK_VIRTUAL));
}

/* ---- interrupt interception ---- */

static DeviceState *irq_intercept_dev;
static GArray *irq_levels; /* int per reported line index */

static void qtest_irq_handler(void *opaque, int n, int level)
{
    int idx = GPOINTER_TO_INT(opaque);
    int *old;
    char line[64];

    level = level != 0;
    if (idx >= (int)irq_levels->len) {
        g_array_set_size(irq_levels, idx + 1);
    }
    old = &g_array_index(irq_levels, int, idx);
    if (*old != level) {
        *old = level;
        snprintf(line, sizeof(line), "IRQ %s %d", level ? "raise" : "lower",
                 idx);
        qtest_send_async(line);
    }
}

/* The device's GPIO list @name (NULL: unnamed), or NULL.  Unlike
 * qdev_get_named_gpio_list this never creates one: names come from the
 * client. */
static NamedGPIOList *find_gpio_list(DeviceState *dev, const char *name)
{
    for (NamedGPIOList *l = dev->gpios; l; l = l->next) {
        if ((!l->name && !name) || (l->name && name &&
                                    strcmp(l->name, name) == 0)) {
            return l;
        }
    }
    return NULL;
}

static DeviceState *find_device(const char *path)
{
    Object *obj = object_resolve_path(path, NULL);

    if (!obj || !object_dynamic_cast(obj, TYPE_DEVICE)) {
        return NULL;
    }
    return (DeviceState *)obj;
}

/* irq_intercept_in PATH [NAME] / irq_intercept_out PATH [NAME]: without
 * NAME the unnamed GPIO list, as QEMU 7.2 does. */
static void cmd_irq_intercept(gchar **words, GString *reply)
{
    bool out = strcmp(words[0], "irq_intercept_out") == 0;
    const char *name = NULL;
    DeviceState *dev;
    NamedGPIOList *ngl;

    if (!arg_present(words, 1, reply, "PATH")) {
        return;
    }
    dev = find_device(words[1]);
    if (!dev) {
        g_string_assign(reply, "FAIL Unknown device");
        return;
    }
    if (irq_intercept_dev) {
        g_string_assign(reply, irq_intercept_dev == dev ? "OK"
                        : "FAIL IRQ intercept already enabled");
        return;
    }
    if (words[2] && strcmp(words[2], "unnamed") != 0) {
        name = words[2];
    }
    if (!irq_levels) {
        irq_levels = g_array_new(FALSE, TRUE, sizeof(int));
    }
    ngl = find_gpio_list(dev, name);
    if (ngl && out) {
        for (int i = 0; i < ngl->num_out; i++) {
            qemu_irq icpt = qemu_allocate_irq(qtest_irq_handler,
                                              GINT_TO_POINTER(i), i);
            qdev_connect_gpio_out_named(dev, name, i, icpt);
        }
    } else if (ngl) {
        for (int i = 0; i < ngl->num_in; i++) {
            qemu_irq_intercept(ngl->in[i], qtest_irq_handler,
                               GINT_TO_POINTER(i));
        }
    }
    irq_intercept_dev = dev;
    g_string_assign(reply, "OK");
}

static void cmd_set_irq_in(gchar **words, GString *reply)
{
    DeviceState *dev;
    const char *name;
    NamedGPIOList *ngl;
    int num, level;

    if (!arg_present(words, 4, reply, "PATH NAME NUM LEVEL")) {
        return;
    }
    dev = find_device(words[1]);
    if (!dev) {
        g_string_assign(reply, "FAIL Unknown device");
        return;
    }
    if (!arg_int(words, 3, reply, "NUM", &num) ||
        !arg_int(words, 4, reply, "LEVEL", &level)) {
        return;
    }
    name = strcmp(words[2], "unnamed") == 0 ? NULL : words[2];
    ngl = find_gpio_list(dev, name);
    if (!ngl || num < 0 || num >= ngl->num_in) {
        g_string_printf(reply, "FAIL %s: no GPIO input %s[%d]", words[0],
                        words[2], num);
        return;
    }
    qemu_set_irq(ngl->in[num], level);
    g_string_assign(reply, "OK");
}

/* ---- the table ---- */

static const struct {
    const char *name;
    QtestCommandFn *fn;
} builtin_commands[] = {
    { "outb", cmd_out }, { "outw", cmd_out }, { "outl", cmd_out },
    { "inb", cmd_in }, { "inw", cmd_in }, { "inl", cmd_in },
    { "writeb", cmd_write_sized }, { "writew", cmd_write_sized },
    { "writel", cmd_write_sized }, { "writeq", cmd_write_sized },
    { "readb", cmd_read_sized }, { "readw", cmd_read_sized },
    { "readl", cmd_read_sized }, { "readq", cmd_read_sized },
    { "read", cmd_read }, { "write", cmd_write },
    { "b64read", cmd_b64read }, { "b64write", cmd_b64write },
    { "memset", cmd_memset },
    { "endianness", cmd_endianness },
    { "clock_step", cmd_clock_step }, { "clock_set", cmd_clock_set },
    { "irq_intercept_in", cmd_irq_intercept },
    { "irq_intercept_out", cmd_irq_intercept },
    { "set_irq_in", cmd_set_irq_in },
};

void qtest_commands_init(void)
{
    static bool done;

    if (done) {
        return;
    }
    done = true;
    for (size_t i = 0; i < ARRAY_SIZE(builtin_commands); i++) {
        qtest_register_command(builtin_commands[i].name,
                               builtin_commands[i].fn);
    }
}

bool qtest_command_available(const char *name)
{
    if (strcmp(name, "clock_step") == 0 || strcmp(name, "clock_set") == 0) {
        return qtest_enabled();
    }
    return true;
}
