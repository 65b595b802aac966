/*
 * Start-up: parse the command line (QEMU's options and messages), build
 * the machine in QEMU's order, then run the main loop.
 *
 * Every problem with the command line is reported as one line
 * "PROG: -opt arg: message" and exit status 1, like QEMU.
 */
#include "kite/vl.h"
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* One occurrence of an option that is processed after parsing. */
typedef struct VlOpt {
    char *loc;      /* "-device foo,bar=1" as typed, for messages */
    char *arg;
} VlOpt;

typedef enum {
    MON_MODE_READLINE,
    MON_MODE_CONTROL,
} MonitorMode;

typedef struct VlMonitor {
    char *loc;
    char *chardev_id;     /* the chardev to serve on */
    char *spec;           /* -qmp / -monitor: create chardev_id from it */
    MonitorMode mode;
} VlMonitor;

/* Everything the command line asked for; kept static so that nothing is
 * lost (or reported as leaked) when we exit on an error. */
static struct {
    char *prog;
    GPtrArray *machine;     /* VlOpt * */
    GPtrArray *accel;       /* VlOpt * */
    GPtrArray *device;
    GPtrArray *object;
    GPtrArray *chardev;
    GPtrArray *serial;
    GPtrArray *monitors;    /* VlMonitor * */
    VlOpt *cpu, *mem, *smp;
    char *qtest_spec, *qtest_log;
    char *kernel, *append, *initrd;
    bool start_stopped;
    bool nographic;
    bool nodefaults;
    Chardev *serial_hds[4];
} vl;

const char *kite_prog_name(void)
{
    return vl.prog ? vl.prog : "kite";
}

Chardev *serial_hd(int index)
{
    if (index < 0 || index >= (int)ARRAY_SIZE(vl.serial_hds)) {
        return NULL;
    }
    return vl.serial_hds[index];
}

/*
 * Leave without running atexit handlers: on a fatal command-line error or
 * after printing help nothing has been freed, and LeakSanitizer must not
 * turn the status into its own.  Chardevs are closed so that socket files
 * are removed.
 */
static void G_GNUC_NORETURN vl_exit(int status)
{
    fflush(stdout);
    fflush(stderr);
    chardev_cleanup_all();
    _exit(status);
}

static void G_GNUC_NORETURN G_GNUC_PRINTF(2, 3)
vl_fail(const char *loc, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "%s: ", kite_prog_name());
    if (loc) {
        fprintf(stderr, "%s: ", loc);
    }
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    vl_exit(1);
}

static void G_GNUC_NORETURN vl_fail_err(const char *loc, GError *err)
{
    char *msg = g_strdup(err->message);

    g_error_free(err);
    /* One line: a multi-line message keeps only its first line. */
    msg[strcspn(msg, "\n")] = '\0';
    vl_fail(loc, "%s", msg);
}

/* Parse an option string, failing with the option's location. */
static KiteOpts *vl_parse_opts(const VlOpt *o, const char *implied_key)
{
    GError *err = NULL;
    KiteOpts *opts = kite_opts_parse(o->arg, implied_key, &err);

    if (!opts) {
        vl_fail_err(o->loc, err);
    }
    return opts;
}

/* Refuse keys outside @allowed ("Invalid parameter 'x'", as QEMU). */
static void vl_check_keys(const VlOpt *o, KiteOpts *opts,
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
    g_ptr_array_add(vl.monitors, m);
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
            g_ptr_array_add(vl.machine, o);
            o = NULL;
            break;
        case OPT_ACCEL:
            g_ptr_array_add(vl.accel, o);
            o = NULL;
            break;
        case OPT_ENABLE_KVM:
            g_ptr_array_add(vl.accel, vl_opt_new("-accel", "kvm"));
            break;
        case OPT_CPU:
            vl.cpu = o;
            o = NULL;
            break;
        case OPT_M:
            vl.mem = o;
            o = NULL;
            break;
        case OPT_SMP:
            vl.smp = o;
            o = NULL;
            break;
        case OPT_DEVICE:
            g_ptr_array_add(vl.device, o);
            o = NULL;
            break;
        case OPT_OBJECT:
            g_ptr_array_add(vl.object, o);
            o = NULL;
            break;
        case OPT_CHARDEV:
            g_ptr_array_add(vl.chardev, o);
            o = NULL;
            break;
        case OPT_SERIAL:
            g_ptr_array_add(vl.serial, o);
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
            g_free(vl.qtest_spec);
            vl.qtest_spec = g_strdup(arg);
            break;
        case OPT_QTEST_LOG:
            g_free(vl.qtest_log);
            vl.qtest_log = g_strdup(arg);
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
            vl.nographic = true;
            break;
        case OPT_NODEFAULTS:
            vl.nodefaults = true;
            break;
        case OPT_NO_USER_CONFIG:
            break;      /* Kite reads no configuration files anyway */
        case OPT_S:
            vl.start_stopped = true;
            break;
        case OPT_NAME:
            parse_name(o);
            break;
        case OPT_KERNEL:
            g_free(vl.kernel);
            vl.kernel = g_strdup(arg);
            break;
        case OPT_APPEND:
            g_free(vl.append);
            vl.append = g_strdup(arg);
            break;
        case OPT_INITRD:
            g_free(vl.initrd);
            vl.initrd = g_strdup(arg);
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

/* ---- Machine, memory and CPU topology ---- */

/* The -machine options merged in order: type and accel are taken out,
 * the rest are machine properties. */
typedef struct MachineOpts {
    char *type;
    char *accel;
    const VlOpt *accel_loc;
    GPtrArray *props;     /* "key", "value", "loc" triples */
} MachineOpts;

static MachineOpts mopts;

static void collect_machine_opts(void)
{
    mopts.props = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < vl.machine->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl.machine, i);
        KiteOpts *opts = vl_parse_opts(o, "type");
        GPtrArray *keys;

        const char *type = kite_opts_get(opts, "type");

        if (kite_opts_wants_help(opts) ||
            (type && (!strcmp(type, "help") || !strcmp(type, "?")))) {
            vl_print_machine_list();
            vl_exit(0);
        }
        keys = kite_opts_keys(opts);
        for (guint k = 0; k < keys->len; k++) {
            const char *key = g_ptr_array_index(keys, k);
            const char *val = kite_opts_get(opts, key);
            if (!strcmp(key, "type")) {
                g_free(mopts.type);
                mopts.type = g_strdup(val);
            } else if (!strcmp(key, "accel")) {
                g_free(mopts.accel);
                mopts.accel = g_strdup(val);
                mopts.accel_loc = o;
            } else {
                g_ptr_array_add(mopts.props, g_strdup(key));
                g_ptr_array_add(mopts.props, g_strdup(val));
                g_ptr_array_add(mopts.props, g_strdup(o->loc));
            }
        }
        g_ptr_array_free(keys, true);
        kite_opts_free(opts);
    }
}

static MachineClass *select_machine(void)
{
    const char *name = mopts.type ? mopts.type : target_info.default_machine;
    MachineClass *mc = machine_find_class(name);

    if (!mc) {
        /* QEMU adds a hint line ("Use -machine help ..."); we keep one
         * line that names the machine. */
        vl_fail(NULL, "unsupported machine type '%s' "
                "(use -machine help to list supported machines)", name);
    }
    return mc;
}

/* -m and -smp results, worked out before the machine exists. */
static struct {
    uint64_t ram_size, maxram_size, slots;
    unsigned smp_cpus, max_cpus;
    unsigned sockets, dies, cores, threads;
} sizes;

/* -m [size=]SIZE[,slots=N][,maxmem=SIZE] */
static void parse_memory(MachineClass *mc)
{
    static const char *const keys[] = { "size", "slots", "maxmem", NULL };
    uint64_t size = mc->default_ram_size, maxmem, slots;
    GError *err = NULL;
    KiteOpts *opts;
    const char *sz;

    sizes.ram_size = size;
    sizes.maxram_size = size;
    if (!vl.mem) {
        return;
    }
    opts = vl_parse_opts(vl.mem, "size");
    vl_check_keys(vl.mem, opts, keys);
    sz = kite_opts_get(opts, "size");
    if (sz) {
        switch (kite_parse_size_full(sz, 'M', &size)) {
        case KITE_PARSE_OK:
            break;
        case KITE_PARSE_RANGE:
            vl_fail(vl.mem->loc,
                    "Value '%s' is out of range for parameter 'size'", sz);
        case KITE_PARSE_INVALID:
            vl_fail(vl.mem->loc, "Parameter 'size' expects a non-negative "
                    "number below 2^64");
        }
        if (size == 0) {
            /* As in QEMU, "-m 0" means the machine's default. */
            size = mc->default_ram_size;
        }
        /* QEMU rounds RAM up to 8 KiB. */
        if (size > UINT64_MAX - 8191) {
            vl_fail(vl.mem->loc, "ram size too large");
        }
        size = (size + 8191) & ~(uint64_t)8191;
    }
    if (!kite_opts_get_number(opts, "slots", 0, &slots, &err) ||
        !kite_opts_get_size(opts, "maxmem", size, &maxmem, &err)) {
        vl_fail_err(vl.mem->loc, err);
    }
    if (maxmem < size) {
        vl_fail(NULL, "invalid value of maxmem: maximum memory size "
                "(0x%" PRIx64 ") must be at least the initial memory size "
                "(0x%" PRIx64 ")", maxmem, size);
    }
    if (slots && !kite_opts_has(opts, "maxmem")) {
        vl_fail(NULL, "slots specified but no max-size");
    }
    sizes.ram_size = size;
    sizes.maxram_size = maxmem;
    sizes.slots = slots;
    kite_opts_free(opts);
}

/* -smp [cpus=]N[,maxcpus=][,sockets=][,dies=][,clusters=][,cores=][,threads=] */
static void parse_smp(MachineClass *mc)
{
    static const char *const keys[] = { "cpus", "maxcpus", "sockets", "dies",
                                        "clusters", "cores", "threads",
                                        NULL };
    uint64_t v[7] = { 0 };
    bool given[7] = { false };
    uint64_t cpus, maxcpus, sockets, dies, clusters, cores, threads, product;
    KiteOpts *opts;

    sizes.smp_cpus = mc->has_cpus ? 1 : 0;
    sizes.max_cpus = sizes.smp_cpus;
    sizes.sockets = sizes.dies = sizes.cores = sizes.threads = 1;
    if (!vl.smp) {
        return;
    }
    opts = vl_parse_opts(vl.smp, "cpus");
    vl_check_keys(vl.smp, opts, keys);
    for (int i = 0; keys[i]; i++) {
        const char *s = kite_opts_get(opts, keys[i]);
        if (!s) {
            continue;
        }
        if (!kite_parse_uint64(s, &v[i]) || v[i] > INT32_MAX) {
            vl_fail(vl.smp->loc, "Parameter 'smp.%s' expects integer",
                    keys[i]);
        }
        if (v[i] == 0) {
            /* QEMU 7.2 warns and treats zero as "not given". */
            fprintf(stderr, "%s: warning: Deprecated CPU topology (considered "
                    "invalid): CPU topology parameters must be greater than "
                    "zero\n", kite_prog_name());
            continue;
        }
        given[i] = true;
    }
    kite_opts_free(opts);

    /* QEMU 7.2's rules for machines since 6.2: missing values are
     * computed from maxcpus, preferring cores over sockets. */
    cpus = given[0] ? v[0] : 0;
    maxcpus = given[1] ? v[1] : 0;
    sockets = given[2] ? v[2] : 0;
    dies = given[3] ? v[3] : 1;
    clusters = given[4] ? v[4] : 1;
    cores = given[5] ? v[5] : 0;
    threads = given[6] ? v[6] : 0;
    if (!cpus && !maxcpus) {
        sockets = sockets ? sockets : 1;
        cores = cores ? cores : 1;
        threads = threads ? threads : 1;
    } else {
        maxcpus = maxcpus ? maxcpus : cpus;
        if (!cores) {
            sockets = sockets ? sockets : 1;
            threads = threads ? threads : 1;
            cores = maxcpus / (sockets * dies * clusters * threads);
        } else if (!sockets) {
            threads = threads ? threads : 1;
            sockets = maxcpus / (dies * clusters * cores * threads);
        }
        if (!threads) {
            threads = maxcpus / (sockets * dies * clusters * cores);
        }
    }
    product = sockets * dies * clusters * cores * threads;
    maxcpus = maxcpus ? maxcpus : product;
    cpus = cpus ? cpus : maxcpus;
    if (product != maxcpus) {
        vl_fail(NULL, "Invalid CPU topology: product of the hierarchy must "
                "match maxcpus: sockets (%" PRIu64 ") * dies (%" PRIu64
                ") * cores (%" PRIu64 ") * threads (%" PRIu64 ") != maxcpus "
                "(%" PRIu64 ")", sockets, dies, cores, threads, maxcpus);
    }
    if (maxcpus < cpus) {
        vl_fail(NULL, "Invalid CPU topology: maxcpus must be equal to or "
                "greater than smp: sockets (%" PRIu64 ") * dies (%" PRIu64
                ") * cores (%" PRIu64 ") * threads (%" PRIu64 ") == maxcpus "
                "(%" PRIu64 ") < smp_cpus (%" PRIu64 ")", sockets, dies, cores,
                threads, maxcpus, cpus);
    }
    if (maxcpus > mc->max_cpus) {
        vl_fail(NULL, "Invalid SMP CPUs %" PRIu64 ". The max CPUs supported "
                "by machine '%s' is %u", maxcpus, mc->name, mc->max_cpus);
    }
    sizes.smp_cpus = mc->has_cpus ? cpus : 0;
    sizes.max_cpus = mc->has_cpus ? maxcpus : 0;
    sizes.sockets = sockets;
    sizes.dies = dies;
    sizes.cores = cores * clusters;
    sizes.threads = threads;
}

/* -cpu MODEL[,features]: `help`, or check that the model exists. */
static void check_cpu_model(void)
{
    const char *arg = vl.cpu ? vl.cpu->arg : NULL;
    g_autofree char *model = NULL;
    g_autofree char *type = NULL;
    ObjectClass *oc;

    if (!arg) {
        return;
    }
    model = g_strndup(arg, strcspn(arg, ","));
    if (!strcmp(model, "help") || !strcmp(model, "?")) {
        if (target_info.cpu_list) {
            target_info.cpu_list();
        }
        vl_exit(0);
    }
    type = cpu_model_to_type(model);
    oc = object_class_by_name(type);
    if (!oc || !object_class_dynamic_cast(oc, TYPE_CPU) ||
        object_class_is_abstract(oc)) {
        vl_fail(vl.cpu->loc, "unable to find CPU model '%s'", model);
    }
    if (arg[strlen(model)] == ',') {
        /* Check the features now, so that errors name -cpu. */
        Object *probe = object_new(type);
        CPUClass *cc = CPU_GET_CLASS(probe);
        GError *err = NULL;
        bool ok = cc->parse_features &&
                  cc->parse_features(CPU(probe), arg + strlen(model) + 1,
                                     &err);
        object_unref(probe);
        if (!ok) {
            if (!err) {
                vl_fail(vl.cpu->loc, "CPU model '%s' takes no features",
                        model);
            }
            vl_fail_err(vl.cpu->loc, err);
        }
    }
}

static MachineState *create_machine(MachineClass *mc)
{
    Object *obj = object_new(object_class_get_name((ObjectClass *)mc));
    MachineState *ms = MACHINE(obj);

    object_property_add_child(object_get_root(), "machine", obj);
    object_unref(obj);
    current_machine_set(ms);

    for (guint i = 0; i < mopts.props->len; i += 3) {
        const char *key = g_ptr_array_index(mopts.props, i);
        const char *val = g_ptr_array_index(mopts.props, i + 1);
        const char *loc = g_ptr_array_index(mopts.props, i + 2);
        GError *err = NULL;

        if (!object_property_find(obj, key)) {
            vl_fail(loc, "Property '%s.%s' not found",
                    object_get_typename(obj), key);
        }
        if (!object_property_parse(obj, key, val, &err)) {
            vl_fail_err(loc, err);
        }
    }
    if (vl.kernel) {
        g_free(ms->kernel_filename);
        ms->kernel_filename = g_strdup(vl.kernel);
    }
    if (vl.append) {
        g_free(ms->kernel_cmdline);
        ms->kernel_cmdline = g_strdup(vl.append);
    }
    if (vl.initrd) {
        g_free(ms->initrd_filename);
        ms->initrd_filename = g_strdup(vl.initrd);
    }
    ms->cpu_model = g_strdup(vl.cpu ? vl.cpu->arg
                             : (mc->default_cpu_type ? mc->default_cpu_type
                                : target_info.default_cpu));
    ms->ram_size = sizes.ram_size;
    ms->maxram_size = sizes.maxram_size;
    ms->ram_slots = sizes.slots;
    if (mc->no_ram && !vl.mem) {
        ms->ram_size = ms->maxram_size = 0;
    }
    ms->smp_cpus = sizes.smp_cpus;
    ms->max_cpus = sizes.max_cpus;
    ms->smp_sockets = sizes.sockets;
    ms->smp_dies = sizes.dies;
    ms->smp_cores = sizes.cores;
    ms->smp_threads = sizes.threads;
    return ms;
}

/* -machine memory-backend=ID: the backend must exist (after -object) and
 * match -m when both are given. */
static void resolve_memory_backend(MachineState *ms)
{
    if (ms->memory_backend_id) {
        g_autofree char *path = g_strdup_printf("/objects/%s",
                                                ms->memory_backend_id);
        Object *be = object_resolve_path(path, NULL);
        uint64_t be_size;

        if (!be || !object_dynamic_cast(be, TYPE_MEMORY_BACKEND)) {
            vl_fail(NULL, "Memory backend '%s' not found",
                    ms->memory_backend_id);
        }
        be_size = host_memory_backend_get_size(be);
        if (vl.mem && be_size != ms->ram_size) {
            vl_fail(NULL, "Machine memory size does not match the size of "
                    "the memory backend");
        }
        ms->ram_size = be_size;
        if (ms->maxram_size < be_size) {
            ms->maxram_size = be_size;
        }
        ms->memory_backend = be;
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

    accel_choices = g_array_new(false, false, sizeof(AccelChoice));
    for (guint i = 0; i < vl.accel->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl.accel, i);
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
    if (mopts.accel) {
        g_auto(GStrv) names = g_strsplit(mopts.accel, ":", -1);
        for (char **n = names; *n; n++) {
            if (!strcmp(*n, "tcg") || !accel_find(*n)) {
                if (!strcmp(*n, "tcg")) {
                    vl_fail(mopts.accel_loc->loc, "software emulation is "
                            "not supported; use accel=kvm or accel=qtest");
                }
                vl_fail(mopts.accel_loc->loc, "invalid accelerator %s", *n);
            }
        }
        for (char **n = names; *n; n++) {
            add_accel_choice(*n, mopts.accel_loc->loc);
        }
        return;
    }
    add_accel_choice(vl.qtest_spec ? "qtest" : "kvm",
                     vl.qtest_spec ? loc_qtest : loc_kvm);
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
    for (guint i = 0; i < vl.chardev->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl.chardev, i);
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

    for (guint i = 0; i < vl.serial->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl.serial, i);
        const char *spec = o->arg;
        g_autofree char *id = NULL;
        GError *err = NULL;

        if (n >= ARRAY_SIZE(vl.serial_hds)) {
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
        vl.serial_hds[n] = chardev_new_from_spec(id, spec, &err);
        if (!vl.serial_hds[n]) {
            vl_fail_err(o->loc, err);
        }
        n++;
    }
    if (!vl.serial->len && vl.nographic && !vl.nodefaults) {
        GError *err = NULL;
        vl.serial_hds[0] = chardev_new_from_spec("serial0", "stdio", &err);
        if (!vl.serial_hds[0]) {
            vl_fail_err("-nographic", err);
        }
    }
}

static void create_objects(void)
{
    for (guint i = 0; i < vl.object->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl.object, i);
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
    for (guint i = 0; i < vl.device->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl.device, i);
        KiteOpts *opts = vl_parse_opts(o, "driver");
        const char *driver = kite_opts_get(opts, "driver");
        GError *err = NULL;

        if (kite_opts_wants_help(opts)) {
            if (!driver) {
                qdev_print_device_list();
                vl_exit(0);
            }
            if (!qdev_print_device_help(driver, &err)) {
                vl_fail_err(o->loc, err);
            }
            vl_exit(0);
        }
        kite_opts_free(opts);
    }
}

static void create_devices(void)
{
    for (guint i = 0; i < vl.device->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl.device, i);
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
    for (guint i = 0; i < vl.monitors->len; i++) {
        VlMonitor *m = g_ptr_array_index(vl.monitors, i);
        GError *err = NULL;
        Chardev *chr;
        bool ok;

        if (m->spec) {
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

    if (!vl.qtest_spec) {
        return;
    }
    loc = g_strdup_printf("-qtest %s", vl.qtest_spec);
    chr = chardev_new_from_spec("qtest", vl.qtest_spec, &err);
    if (!chr || !qtest_server_init(chr, vl.qtest_log, &err)) {
        vl_fail_err(loc, err);
    }
}

static void vl_state_init(char *argv0)
{
    g_autofree char *base = g_path_get_basename(argv0 ? argv0 : "kite");

    vl.prog = g_strdup(base);
    g_set_prgname(vl.prog);
    vl.machine = g_ptr_array_new();
    vl.accel = g_ptr_array_new();
    vl.device = g_ptr_array_new();
    vl.object = g_ptr_array_new();
    vl.chardev = g_ptr_array_new();
    vl.serial = g_ptr_array_new();
    vl.monitors = g_ptr_array_new();
}

int kite_main(int argc, char **argv)
{
    MachineClass *mc;
    MachineState *ms;
    GError *err = NULL;
    int status;

    vl_state_init(argc > 0 ? argv[0] : NULL);
    parse_command_line(argc, argv);

    /* Help requests first, as QEMU answers them before building. */
    collect_machine_opts();
    check_cpu_model();
    handle_device_help();
    for (guint i = 0; i < vl.accel->len; i++) {
        KiteOpts *opts = vl_parse_opts(g_ptr_array_index(vl.accel, i),
                                       "accel");
        if (kite_opts_wants_help(opts)) {
            vl_print_accel_list();
            vl_exit(0);
        }
        kite_opts_free(opts);
    }
    for (guint i = 0; i < vl.chardev->len; i++) {
        KiteOpts *opts = vl_parse_opts(g_ptr_array_index(vl.chardev, i),
                                       "backend");
        if (kite_opts_wants_help(opts)) {
            vl_print_chardev_list();
            vl_exit(0);
        }
        kite_opts_free(opts);
    }
    for (guint i = 0; i < vl.object->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl.object, i);
        KiteOpts *opts = vl_parse_opts(o, "qom-type");
        bool help = kite_opts_wants_help(opts);
        kite_opts_free(opts);
        if (help) {
            create_objects();   /* prints the help and exits */
        }
    }

    mc = select_machine();
    parse_memory(mc);
    parse_smp(mc);
    ms = create_machine(mc);
    select_accels();

    create_chardevs();
    create_serials();
    create_objects();
    resolve_memory_backend(ms);

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
    if (vl.start_stopped) {
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
