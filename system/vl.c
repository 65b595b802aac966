/*
 * Start-up: parse the command line (QEMU's options and messages), build
 * the machine in QEMU's order, then run the main loop.
 *
 * Every problem with the command line is reported as one line
 * "PROG: -opt arg: message" and exit status 1, like QEMU.
 */
#include "kite/vl.h"
#include "vl-internal.h"
#include "kite/accel.h"
#include "kite/chardev.h"
#include "kite/cpu.h"
#include "kite/hostmem.h"
#include "kite/machine.h"
#include "kite/option.h"
#include "kite/qdev.h"
#include "kite/qmp.h"
#include "kite/qtest.h"
#include "kite/runstate.h"
#include "kite/target.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

VlConfig vl_config;

const char *kite_prog_name(void)
{
    return vl_config.prog ? vl_config.prog : "kite";
}

Chardev *serial_hd(int index)
{
    if (index < 0 || index >= (int)ARRAY_SIZE(vl_config.serial_hds)) {
        return NULL;
    }
    return vl_config.serial_hds[index];
}

/*
 * Leave without running atexit handlers: on a fatal command-line error or
 * after printing help nothing has been freed, and LeakSanitizer must not
 * turn the status into its own.  Chardevs are closed so that socket files
 * are removed.
 */
void vl_exit(int status)
{
    fflush(stdout);
    fflush(stderr);
    chardev_cleanup_all();
    _exit(status);
}

static void G_GNUC_PRINTF(2, 0) vl_vreport(const char *loc, const char *fmt,
                                           va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "%s: ", kite_prog_name());
    if (loc) {
        fprintf(stderr, "%s: ", loc);
    }
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void vl_fail(const char *loc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vl_vreport(loc, fmt, ap);
    va_end(ap);
    vl_exit(1);
}

static void G_GNUC_PRINTF(2, 3) vl_report(const char *loc, const char *fmt,
                                          ...)
{
    va_list ap;

    va_start(ap, fmt);
    vl_vreport(loc, fmt, ap);
    va_end(ap);
}

/* The first line of @err's message (or "failed"); frees @err. */
static char *vl_take_message(GError *err)
{
    /* A caller that failed without an error still gets one line. */
    char *msg = g_strdup(err ? err->message : "failed");

    if (err) {
        g_error_free(err);
    }
    /* One line: a multi-line message keeps only its first line. */
    msg[strcspn(msg, "\n")] = '\0';
    return msg;
}

void vl_fail_err(const char *loc, GError *err)
{
    char *msg = vl_take_message(err);

    vl_fail(loc, "%s", msg);
}

/* Parse an option string, failing with the option's location. */
KiteOpts *vl_parse_opts(const VlOpt *o, const char *implied_key)
{
    GError *err = NULL;
    KiteOpts *opts = kite_opts_parse(o->arg, implied_key, &err);

    if (!opts) {
        vl_fail_err(o->loc, err);
    }
    return opts;
}

/* Refuse keys outside @allowed ("Invalid parameter 'x'", as QEMU). */
void vl_check_keys(const VlOpt *o, KiteOpts *opts,
                   const char *const *allowed)
{
    GPtrArray *keys = kite_opts_keys(opts);

    for (guint i = 0; i < keys->len; i++) {
        const char *k = g_ptr_array_index(keys, i);
        bool ok = false;
        for (const char *const *a = allowed; *a; a++) {
            ok = ok || !strcmp(k, *a);
        }
        if (!ok) {
            vl_fail(o->loc, "Invalid parameter '%s'", k);
        }
    }
    g_ptr_array_free(keys, true);
}

/* ---- The option table ---- */

typedef enum {
    OPT_HELP, OPT_VERSION, OPT_MACHINE, OPT_ACCEL, OPT_ENABLE_KVM, OPT_CPU,
    OPT_M, OPT_SMP, OPT_DEVICE, OPT_OBJECT, OPT_CHARDEV, OPT_SERIAL, OPT_MON,
    OPT_QMP, OPT_MONITOR, OPT_QTEST, OPT_QTEST_LOG, OPT_DISPLAY, OPT_VGA,
    OPT_NOGRAPHIC, OPT_NODEFAULTS, OPT_NO_USER_CONFIG, OPT_S, OPT_NAME,
    OPT_KERNEL, OPT_APPEND, OPT_INITRD, OPT_NO_REBOOT, OPT_NO_SHUTDOWN,
} OptId;

typedef struct OptDef {
    const char *name;
    bool has_arg;
    OptId id;
} OptDef;

static const OptDef opt_defs[] = {
    { "h", false, OPT_HELP },
    { "help", false, OPT_HELP },
    { "version", false, OPT_VERSION },
    { "machine", true, OPT_MACHINE },
    { "M", true, OPT_MACHINE },
    { "accel", true, OPT_ACCEL },
    { "enable-kvm", false, OPT_ENABLE_KVM },
    { "cpu", true, OPT_CPU },
    { "m", true, OPT_M },
    { "smp", true, OPT_SMP },
    { "device", true, OPT_DEVICE },
    { "object", true, OPT_OBJECT },
    { "chardev", true, OPT_CHARDEV },
    { "serial", true, OPT_SERIAL },
    { "mon", true, OPT_MON },
    { "qmp", true, OPT_QMP },
    { "monitor", true, OPT_MONITOR },
    { "qtest", true, OPT_QTEST },
    { "qtest-log", true, OPT_QTEST_LOG },
    { "display", true, OPT_DISPLAY },
    { "vga", true, OPT_VGA },
    { "nographic", false, OPT_NOGRAPHIC },
    { "nodefaults", false, OPT_NODEFAULTS },
    { "no-user-config", false, OPT_NO_USER_CONFIG },
    { "S", false, OPT_S },
    { "name", true, OPT_NAME },
    { "kernel", true, OPT_KERNEL },
    { "append", true, OPT_APPEND },
    { "initrd", true, OPT_INITRD },
    { "no-reboot", false, OPT_NO_REBOOT },
    { "no-shutdown", false, OPT_NO_SHUTDOWN },
};

static const OptDef *opt_lookup(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(opt_defs); i++) {
        if (!strcmp(opt_defs[i].name, name)) {
            return &opt_defs[i];
        }
    }
    return NULL;
}

static VlOpt *vl_opt_new(const char *spelled, const char *arg)
{
    VlOpt *o = g_new0(VlOpt, 1);

    o->loc = g_strdup_printf("%s %s", spelled, arg);
    o->arg = g_strdup(arg);
    return o;
}

static void add_monitor(const char *loc, const char *chardev_id,
                        const char *spec, MonitorMode mode)
{
    VlMonitor *m = g_new0(VlMonitor, 1);

    m->loc = g_strdup(loc);
    m->chardev_id = g_strdup(chardev_id);
    m->spec = g_strdup(spec);
    m->mode = mode;
    g_ptr_array_add(vl_config.monitors, m);
}

/* -mon [chardev=]ID[,mode=readline|control][,pretty=on|off] */
static void parse_mon(const VlOpt *o)
{
    static const char *const keys[] = { "chardev", "mode", "pretty", NULL };
    KiteOpts *opts = vl_parse_opts(o, "chardev");
    const char *mode = kite_opts_get(opts, "mode");
    GError *err = NULL;
    bool pretty;
    MonitorMode m = MON_MODE_READLINE;

    vl_check_keys(o, opts, keys);
    if (!kite_opts_get(opts, "chardev")) {
        vl_fail(o->loc, "Parameter 'chardev' is missing");
    }
    if (mode && !strcmp(mode, "control")) {
        m = MON_MODE_CONTROL;
    } else if (mode && strcmp(mode, "readline")) {
        vl_fail(o->loc, "Parameter 'mode' does not accept value '%s'", mode);
    }
    if (!kite_opts_get_bool(opts, "pretty", false, &pretty, &err)) {
        vl_fail_err(o->loc, err);
    }
    add_monitor(o->loc, kite_opts_get(opts, "chardev"), NULL, m);
    kite_opts_free(opts);
}

/* -display none[,...]: Kite has no display, so "none" is the only type. */
static void parse_display(const VlOpt *o)
{
    KiteOpts *opts = vl_parse_opts(o, "type");
    const char *type = kite_opts_get(opts, "type");
    GPtrArray *keys;

    if (!type) {
        vl_fail(o->loc, "Parameter 'type' is missing");
    }
    if (strcmp(type, "none")) {
        vl_fail(o->loc, "Parameter 'type' does not accept value '%s'", type);
    }
    keys = kite_opts_keys(opts);
    for (guint i = 0; i < keys->len; i++) {
        const char *k = g_ptr_array_index(keys, i);
        if (strcmp(k, "type")) {
            vl_fail(o->loc, "Parameter '%s' is unexpected", k);
        }
    }
    g_ptr_array_free(keys, true);
    kite_opts_free(opts);
}

/* -name [guest=]NAME[,debug-threads=on|off][,process=NAME] */
static void parse_name(const VlOpt *o)
{
    static const char *const keys[] = { "guest", "debug-threads", "process",
                                        NULL };
    KiteOpts *opts = vl_parse_opts(o, "guest");
    GError *err = NULL;
    bool dt;

    vl_check_keys(o, opts, keys);
    if (!kite_opts_get_bool(opts, "debug-threads", false, &dt, &err)) {
        vl_fail_err(o->loc, err);
    }
    if (kite_opts_get(opts, "guest")) {
        kite_set_vm_name(kite_opts_get(opts, "guest"));
    }
    kite_opts_free(opts);
}

static void parse_command_line(int argc, char **argv)
{
    int monitor_count = 0;

    for (int i = 1; i < argc; i++) {
        const char *spelled = argv[i];
        const char *name = spelled;
        const OptDef *def;
        const char *arg = NULL;
        VlOpt *o = NULL;
        g_autofree char *loc = NULL;

        if (name[0] != '-' || !name[1]) {
            /* QEMU takes a bare argument as a disk image; Kite has no
             * block layer. */
            vl_fail(NULL, "%s: disk images are not supported", name);
        }
        name++;
        if (name[0] == '-') {
            name++;     /* --opt is the same as -opt */
        }
        def = opt_lookup(name);
        if (!def) {
            vl_fail(spelled, "invalid option");
        }
        if (def->has_arg) {
            if (i + 1 >= argc) {
                vl_fail(spelled, "requires an argument");
            }
            arg = argv[++i];
            o = vl_opt_new(spelled, arg);
        }
        loc = o ? g_strdup(o->loc) : g_strdup(spelled);

        switch (def->id) {
        case OPT_HELP:
            vl_print_usage();
            vl_exit(0);
        case OPT_VERSION:
            vl_print_version();
            vl_exit(0);
        case OPT_MACHINE:
            g_ptr_array_add(vl_config.machine, o);
            o = NULL;
            break;
        case OPT_ACCEL:
            g_ptr_array_add(vl_config.accel, o);
            o = NULL;
            break;
        case OPT_ENABLE_KVM:
            g_ptr_array_add(vl_config.accel, vl_opt_new("-accel", "kvm"));
            break;
        case OPT_CPU:
            vl_config.cpu = o;
            o = NULL;
            break;
        case OPT_M:
            vl_config.mem = o;
            o = NULL;
            break;
        case OPT_SMP:
            vl_config.smp = o;
            o = NULL;
            break;
        case OPT_DEVICE:
            g_ptr_array_add(vl_config.device, o);
            o = NULL;
            break;
        case OPT_OBJECT:
            g_ptr_array_add(vl_config.object, o);
            o = NULL;
            break;
        case OPT_CHARDEV:
            g_ptr_array_add(vl_config.chardev, o);
            o = NULL;
            break;
        case OPT_SERIAL:
            g_ptr_array_add(vl_config.serial, o);
            o = NULL;
            break;
        case OPT_MON:
            parse_mon(o);
            break;
        case OPT_QMP:
        case OPT_MONITOR: {
            /* QEMU names these chardevs compat_monitor0, 1, ... */
            g_autofree char *id = g_strdup_printf("compat_monitor%d",
                                                  monitor_count++);
            add_monitor(loc, id, arg,
                        def->id == OPT_QMP ? MON_MODE_CONTROL
                                           : MON_MODE_READLINE);
            break;
        }
        case OPT_QTEST:
            g_free(vl_config.qtest_spec);
            vl_config.qtest_spec = g_strdup(arg);
            break;
        case OPT_QTEST_LOG:
            g_free(vl_config.qtest_log);
            vl_config.qtest_log = g_strdup(arg);
            break;
        case OPT_DISPLAY:
            parse_display(o);
            break;
        case OPT_VGA:
            if (strcmp(arg, "none")) {
                vl_fail(loc, "'%s' is not a valid VGA type (Kite has none)",
                        arg);
            }
            break;
        case OPT_NOGRAPHIC:
            vl_config.nographic = true;
            break;
        case OPT_NODEFAULTS:
            vl_config.nodefaults = true;
            break;
        case OPT_NO_USER_CONFIG:
            break;      /* Kite reads no configuration files anyway */
        case OPT_S:
            vl_config.start_stopped = true;
            break;
        case OPT_NAME:
            parse_name(o);
            break;
        case OPT_KERNEL:
            g_free(vl_config.kernel);
            vl_config.kernel = g_strdup(arg);
            break;
        case OPT_APPEND:
            g_free(vl_config.append);
            vl_config.append = g_strdup(arg);
            break;
        case OPT_INITRD:
            g_free(vl_config.initrd);
            vl_config.initrd = g_strdup(arg);
            break;
        case OPT_NO_REBOOT:
            no_reboot = true;
            break;
        case OPT_NO_SHUTDOWN:
            no_shutdown = true;
            break;
        }
        if (o) {
            g_free(o->loc);
            g_free(o->arg);
            g_free(o);
        }
    }
}

/* ---- Accelerators ---- */

typedef struct AccelChoice {
    const AccelOps *ops;
    const char *loc;
} AccelChoice;

static GArray *accel_choices;   /* AccelChoice, in the order to try */

static void check_accel_available(const char *name, const char *loc)
{
    if (!strcmp(name, "tcg")) {
        vl_fail(loc, "software emulation is not supported; use -accel kvm "
                "or -accel qtest");
    }
    if (!accel_find(name)) {
        if (!strcmp(name, "kvm")) {
            vl_fail(loc, "KVM support is not available in this build");
        }
        vl_fail(loc, "invalid accelerator %s", name);
    }
    if (!strcmp(name, "kvm")) {
        /* Say why KVM cannot work before building anything. */
        int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            vl_fail(loc, "Could not access KVM kernel module: %s",
                    g_strerror(errno));
        }
        close(fd);
    }
}

static void add_accel_choice(const char *name, const char *loc)
{
    AccelChoice c;

    check_accel_available(name, loc);
    c.ops = accel_find(name);
    c.loc = loc;
    g_array_append_val(accel_choices, c);
}

/* -accel NAME (tried in order), else -machine accel=A:B, else qtest when
 * -qtest is given (QEMU's rule), else kvm. */
static void select_accels(void)
{
    static char loc_kvm[] = "-accel kvm";
    static char loc_qtest[] = "-accel qtest";
    const char *machine_accel_loc;

    accel_choices = g_array_new(false, false, sizeof(AccelChoice));
    for (guint i = 0; i < vl_config.accel->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl_config.accel, i);
        KiteOpts *opts = vl_parse_opts(o, "accel");
        const char *name = kite_opts_get(opts, "accel");
        GPtrArray *keys;

        if (kite_opts_wants_help(opts)) {
            vl_print_accel_list();
            vl_exit(0);
        }
        if (!name) {
            vl_fail(o->loc, "Parameter 'accel' is missing");
        }
        keys = kite_opts_keys(opts);
        for (guint k = 0; k < keys->len; k++) {
            const char *key = g_ptr_array_index(keys, k);
            if (strcmp(key, "accel")) {
                /* Neither accelerator has properties yet. */
                vl_fail(o->loc, "Property '%s-accel.%s' not found", name,
                        key);
            }
        }
        g_ptr_array_free(keys, true);
        add_accel_choice(name, o->loc);
        kite_opts_free(opts);
    }
    if (accel_choices->len) {
        return;
    }
    if (vl_machine_accel(&machine_accel_loc)) {
        g_auto(GStrv) names = g_strsplit(vl_machine_accel(&machine_accel_loc),
                                         ":", -1);
        for (char **n = names; *n; n++) {
            if (!strcmp(*n, "tcg") || !accel_find(*n)) {
                if (!strcmp(*n, "tcg")) {
                    vl_fail(machine_accel_loc, "software emulation is "
                            "not supported; use accel=kvm or accel=qtest");
                }
                vl_fail(machine_accel_loc, "invalid accelerator %s", *n);
            }
        }
        for (char **n = names; *n; n++) {
            add_accel_choice(*n, machine_accel_loc);
        }
        return;
    }
    add_accel_choice(vl_config.qtest_spec ? "qtest" : "kvm",
                     vl_config.qtest_spec ? loc_qtest : loc_kvm);
}

static void init_accel(MachineState *ms)
{
    GError *err = NULL;

    for (guint i = 0; i < accel_choices->len; i++) {
        AccelChoice *c = &g_array_index(accel_choices, AccelChoice, i);

        if (!c->ops->init || c->ops->init(ms, &err)) {
            accel_set_current(c->ops);
            g_free(ms->accel_name);
            ms->accel_name = g_strdup(c->ops->name);
            return;
        }
        if (i + 1 == accel_choices->len) {
            vl_fail_err(c->loc, err);
        }
        g_clear_error(&err);
    }
}

/* ---- Chardevs, objects, devices, monitors ---- */

static void create_chardevs(void)
{
    for (guint i = 0; i < vl_config.chardev->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl_config.chardev, i);
        KiteOpts *opts = vl_parse_opts(o, "backend");
        GError *err = NULL;

        if (kite_opts_wants_help(opts)) {
            vl_print_chardev_list();
            vl_exit(0);
        }
        if (!chardev_new_from_opts(opts, &err)) {
            vl_fail_err(o->loc, err);
        }
        kite_opts_free(opts);
    }
}

static void create_serials(void)
{
    guint n = 0;

    for (guint i = 0; i < vl_config.serial->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl_config.serial, i);
        const char *spec = o->arg;
        g_autofree char *id = NULL;
        GError *err = NULL;

        if (n >= ARRAY_SIZE(vl_config.serial_hds)) {
            vl_fail(o->loc, "too many serial ports");
        }
        if (!strcmp(spec, "none")) {
            n++;
            continue;
        }
        /* "mon:" multiplexes a monitor in QEMU; Kite gives the port the
         * plain backend. */
        if (g_str_has_prefix(spec, "mon:")) {
            spec += 4;
        }
        id = g_strdup_printf("serial%u", n);
        vl_config.serial_hds[n] = chardev_new_from_spec(id, spec, &err);
        if (!vl_config.serial_hds[n]) {
            vl_fail_err(o->loc, err);
        }
        n++;
    }
    /* QEMU's default first serial port: stdio with -nographic, otherwise
     * a virtual console, which under "-display none" is a sink (null). */
    if (!vl_config.serial->len && !vl_config.nodefaults) {
        GError *err = NULL;
        const char *spec = vl_config.nographic ? "stdio" : "null";
        vl_config.serial_hds[0] = chardev_new_from_spec("serial0", spec, &err);
        if (!vl_config.serial_hds[0]) {
            vl_fail_err(vl_config.nographic ? "-nographic" : NULL, err);
        }
    }
}

static void create_objects(void)
{
    for (guint i = 0; i < vl_config.object->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl_config.object, i);
        KiteOpts *opts = vl_parse_opts(o, "qom-type");
        const char *type = kite_opts_get(opts, "qom-type");
        g_autofree char *type_copy = g_strdup(type);
        g_autofree char *id = g_strdup(kite_opts_get(opts, "id"));
        GError *err = NULL;
        ObjectClass *oc;
        GHashTable *props;

        if (kite_opts_wants_help(opts)) {
            if (!type) {
                vl_print_object_list();
                vl_exit(0);
            }
            if (!vl_print_object_help(type, &err)) {
                vl_fail_err(o->loc, err);
            }
            vl_exit(0);
        }
        if (!type) {
            vl_fail(o->loc, "Parameter 'qom-type' is missing");
        }
        oc = object_class_by_name(type);
        if (!oc || !oc->user_creatable || object_class_is_abstract(oc)) {
            vl_fail(o->loc, "Parameter 'qom-type' does not accept value '%s'",
                    type);
        }
        if (!id) {
            vl_fail(o->loc, "Parameter 'id' is missing");
        }
        if (object_resolve_path_component(object_get_objects_root(), id)) {
            vl_fail(o->loc, "Duplicate ID '%s' for object", id);
        }
        kite_opts_del(opts, "qom-type");
        kite_opts_del(opts, "id");
        props = kite_opts_to_hash(opts);
        if (!user_creatable_add(type_copy, id, props, &err)) {
            vl_fail_err(o->loc, err);
        }
        g_hash_table_destroy(props);
        kite_opts_free(opts);
    }
}

static void handle_device_help(void)
{
    for (guint i = 0; i < vl_config.device->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl_config.device, i);
        KiteOpts *opts = vl_parse_opts(o, "driver");
        const char *driver = kite_opts_get(opts, "driver");
        GError *err = NULL;

        if (kite_opts_wants_help(opts)) {
            if (!driver) {
                qdev_print_device_list();
                vl_exit(0);
            }
            if (!qdev_print_device_help(driver, &err)) {
                /* QEMU names the unknown driver but, help having been
                 * asked for, exits with status 0. */
                g_autofree char *msg = vl_take_message(err);
                vl_report(o->loc, "%s", msg);
            }
            vl_exit(0);
        }
        kite_opts_free(opts);
    }
}

static void create_devices(void)
{
    for (guint i = 0; i < vl_config.device->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl_config.device, i);
        KiteOpts *opts = vl_parse_opts(o, "driver");
        g_autofree char *driver = g_strdup(kite_opts_get(opts, "driver"));
        g_autofree char *id = g_strdup(kite_opts_get(opts, "id"));
        GError *err = NULL;
        GHashTable *props;

        if (!driver) {
            vl_fail(o->loc, "Parameter 'driver' is missing");
        }
        kite_opts_del(opts, "driver");
        kite_opts_del(opts, "id");
        props = kite_opts_to_hash(opts);
        if (!qdev_device_add(driver, id, props, &err)) {
            vl_fail_err(o->loc, err);
        }
        g_hash_table_destroy(props);
        kite_opts_free(opts);
    }
}

static void create_monitors(void)
{
    for (guint i = 0; i < vl_config.monitors->len; i++) {
        VlMonitor *m = g_ptr_array_index(vl_config.monitors, i);
        GError *err = NULL;
        Chardev *chr;
        bool ok;

        if (m->spec) {
            /* QEMU: "-monitor none" asks for no monitor, while "-qmp none"
             * names no char driver. */
            if (!strcmp(m->spec, "none")) {
                if (m->mode == MON_MODE_CONTROL) {
                    vl_fail(m->loc, "'none' is not a valid char driver");
                }
                continue;
            }
            chr = chardev_new_from_spec(m->chardev_id, m->spec, &err);
            if (!chr) {
                vl_fail_err(m->loc, err);
            }
        } else {
            chr = chardev_find(m->chardev_id);
            if (!chr) {
                vl_fail(m->loc, "chardev \"%s\" not found", m->chardev_id);
            }
        }
        ok = m->mode == MON_MODE_CONTROL ? monitor_qmp_new(chr, &err)
                                         : monitor_hmp_new(chr, &err);
        if (!ok) {
            vl_fail_err(m->loc, err);
        }
    }
}

static void start_qtest(void)
{
    g_autofree char *loc = NULL;
    GError *err = NULL;
    Chardev *chr;

    if (!vl_config.qtest_spec) {
        return;
    }
    loc = g_strdup_printf("-qtest %s", vl_config.qtest_spec);
    if (!strcmp(vl_config.qtest_spec, "none")) {
        /* QEMU refuses it too (and adds a second line) */
        vl_fail(loc, "'none' is not a valid char driver");
    }
    chr = chardev_new_from_spec("qtest", vl_config.qtest_spec, &err);
    if (!chr || !qtest_server_init(chr, vl_config.qtest_log, &err)) {
        vl_fail_err(loc, err);
    }
}

/*
 * -kernel names a file we can read, said in QEMU's words ("could not open
 * kernel file 'F': <reason>", "could not load kernel 'F': Is a
 * directory") before anything is built.  What the file contains is the
 * machine's loader's business.
 */
static void check_kernel_file(MachineState *ms)
{
    const char *k = ms->kernel_filename;
    struct stat st;
    int fd;

    if (!k || !*k) {
        return;
    }
    fd = open(k, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        vl_fail(NULL, "could not open kernel file '%s': %s", k,
                g_strerror(errno));
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        vl_fail(NULL, "could not load kernel '%s': %s", k,
                g_strerror(EISDIR));
    }
    close(fd);
}

static void vl_state_init(char *argv0)
{
    g_autofree char *base = g_path_get_basename(argv0 ? argv0 : "kite");

    vl_config.prog = g_strdup(base);
    g_set_prgname(vl_config.prog);
    vl_config.machine = g_ptr_array_new();
    vl_config.accel = g_ptr_array_new();
    vl_config.device = g_ptr_array_new();
    vl_config.object = g_ptr_array_new();
    vl_config.chardev = g_ptr_array_new();
    vl_config.serial = g_ptr_array_new();
    vl_config.monitors = g_ptr_array_new();
}

int kite_main(int argc, char **argv)
{
    MachineClass *mc;
    MachineState *ms;
    GError *err = NULL;
    int status;

    /*
     * Pin glibc's mmap threshold (128 KiB, its default start): otherwise
     * freeing a large temporary buffer (a kernel image, liblzma's 32 MiB
     * dictionary) raises the threshold to that size, and later allocations
     * up to it stay on a heap that is never trimmed: 9 MiB of RSS for the
     * whole run, measured. Setting it also stops the dynamic adjustment.
     */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    /*
     * Threads (vCPUs, GLib's workers) get 1 MiB stacks, not RLIMIT_STACK's
     * 8 MiB: where transparent huge pages are "always" (Debian's kernel),
     * an 8 MiB stack that happens to end on a 2 MiB boundary (as it does
     * below the 2 MiB-aligned guest RAM) gets its top 2 MiB as one huge
     * page at the first touch: 2 MiB of RSS for a few KiB of stack,
     * measured. A stack smaller than 2 MiB can never hold a huge page.
     */
    {
        pthread_attr_t attr;

        if (!pthread_getattr_default_np(&attr)) {
            pthread_attr_setstacksize(&attr, 1 * MiB);
            pthread_setattr_default_np(&attr);
            pthread_attr_destroy(&attr);
        }
    }
    vl_state_init(argc > 0 ? argv[0] : NULL);
    parse_command_line(argc, argv);

    /* Help requests first, as QEMU answers them before building. */
    vl_collect_machine_opts();
    vl_check_cpu_model();
    handle_device_help();
    for (guint i = 0; i < vl_config.accel->len; i++) {
        KiteOpts *opts = vl_parse_opts(g_ptr_array_index(vl_config.accel, i),
                                       "accel");
        if (kite_opts_wants_help(opts)) {
            vl_print_accel_list();
            vl_exit(0);
        }
        kite_opts_free(opts);
    }
    for (guint i = 0; i < vl_config.chardev->len; i++) {
        KiteOpts *opts = vl_parse_opts(g_ptr_array_index(vl_config.chardev, i),
                                       "backend");
        if (kite_opts_wants_help(opts)) {
            vl_print_chardev_list();
            vl_exit(0);
        }
        kite_opts_free(opts);
    }
    for (guint i = 0; i < vl_config.object->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl_config.object, i);
        KiteOpts *opts = vl_parse_opts(o, "qom-type");
        bool help = kite_opts_wants_help(opts);
        kite_opts_free(opts);
        if (help) {
            create_objects();   /* prints the help and exits */
        }
    }

    mc = vl_select_machine();
    vl_parse_memory(mc);
    vl_parse_smp(mc);
    ms = vl_create_machine(mc);
    select_accels();

    create_chardevs();
    create_serials();
    create_objects();
    vl_resolve_memory_backend(ms);

    check_kernel_file(ms);
    init_accel(ms);
    memory_system_init();
    if (mc->init && !mc->init(ms, &err)) {
        vl_fail_err(NULL, err);
    }
    create_devices();
    if (mc->done && !mc->done(ms, &err)) {
        vl_fail_err(NULL, err);
    }
    if (current_accel()->start_vcpus &&
        !current_accel()->start_vcpus(ms, &err)) {
        vl_fail_err(NULL, err);
    }
    create_monitors();
    start_qtest();

    qemu_system_reset();
    if (vl_config.start_stopped) {
        runstate_set(RUN_STATE_PRELAUNCH);
    } else if (!vm_start(&err)) {
        vl_fail_err(NULL, err);
    }

    status = main_loop_run();

    if (current_accel()->shutdown) {
        current_accel()->shutdown();
    }
    chardev_cleanup_all();
    return status;
}
