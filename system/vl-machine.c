/*
 * Start-up, the machine part: -machine options, -m, -smp (with QEMU
 * 7.2's topology rules and messages), -cpu checks, and creating /machine.
 */
#include "vl-internal.h"
#include "kite/cpu.h"
#include "kite/hostmem.h"
#include "kite/target.h"
#include "kite/vl.h"

#include <stdio.h>

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

void vl_collect_machine_opts(void)
{
    mopts.props = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < vl_config.machine->len; i++) {
        const VlOpt *o = g_ptr_array_index(vl_config.machine, i);
        KiteOpts *opts = vl_parse_opts(o, "type");
        GPtrArray *keys;

        const char *type = kite_opts_get(opts, "type");
        bool type_is_help = type && (!strcmp(type, "help") ||
                                     !strcmp(type, "?"));

        if (type_is_help || kite_opts_wants_help(opts)) {
            /* "-M microvm,help" (or "-M microvm -M help") lists the
             * machine's properties; "-M help" alone lists the machines. */
            const char *named = type && !type_is_help ? type : mopts.type;
            if (named) {
                vl_print_machine_help(named);
            } else {
                vl_print_machine_list();
            }
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

MachineClass *vl_select_machine(void)
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
void vl_parse_memory(MachineClass *mc)
{
    static const char *const keys[] = { "size", "slots", "maxmem", NULL };
    uint64_t size = mc->default_ram_size, maxmem, slots;
    GError *err = NULL;
    KiteOpts *opts;
    const char *sz;

    sizes.ram_size = size;
    sizes.maxram_size = size;
    if (!vl_config.mem) {
        return;
    }
    opts = vl_parse_opts(vl_config.mem, "size");
    vl_check_keys(vl_config.mem, opts, keys);
    sz = kite_opts_get(opts, "size");
    if (sz) {
        switch (kite_parse_size_full(sz, 'M', &size)) {
        case KITE_PARSE_OK:
            break;
        case KITE_PARSE_RANGE:
            vl_fail(vl_config.mem->loc,
                    "Value '%s' is out of range for parameter 'size'", sz);
        case KITE_PARSE_INVALID:
            vl_fail(vl_config.mem->loc, "Parameter 'size' expects a non-negative "
                    "number below 2^64");
        }
        if (size == 0) {
            /* As in QEMU, "-m 0" means the machine's default. */
            size = mc->default_ram_size;
        }
        /* QEMU rounds RAM up to 8 KiB. */
        if (size > UINT64_MAX - 8191) {
            vl_fail(vl_config.mem->loc, "ram size too large");
        }
        size = (size + 8191) & ~(uint64_t)8191;
    }
    if (!kite_opts_get_number(opts, "slots", 0, &slots, &err) ||
        !kite_opts_get_size(opts, "maxmem", size, &maxmem, &err)) {
        vl_fail_err(vl_config.mem->loc, err);
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
void vl_parse_smp(MachineClass *mc)
{
    static const char *const keys[] = { "cpus", "maxcpus", "sockets", "dies",
                                        "clusters", "cores", "threads",
                                        NULL };
    uint64_t v[7] = { 0 };
    bool given[7] = { false };
    uint64_t cpus, maxcpus, sockets, dies, clusters, cores, threads, product;
    KiteOpts *opts;
    bool warned_zero = false;

    sizes.smp_cpus = mc->has_cpus ? 1 : 0;
    sizes.max_cpus = sizes.smp_cpus;
    sizes.sockets = sizes.dies = sizes.cores = sizes.threads = 1;
    if (!vl_config.smp) {
        return;
    }
    opts = vl_parse_opts(vl_config.smp, "cpus");
    vl_check_keys(vl_config.smp, opts, keys);
    for (int i = 0; keys[i]; i++) {
        const char *s = kite_opts_get(opts, keys[i]);
        if (!s) {
            continue;
        }
        if (!kite_parse_uint64(s, &v[i]) || v[i] > INT32_MAX) {
            vl_fail(vl_config.smp->loc, "Parameter 'smp.%s' expects integer",
                    keys[i]);
        }
        if (v[i] == 0) {
            /* QEMU 7.2 warns (once) and treats zero as "not given". */
            given[i] = false;
            if (warned_zero) {
                continue;
            }
            warned_zero = true;
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
    /* Each value is below 2^31, so only the product can overflow; an
     * overflowed product can never match maxcpus. */
    if (__builtin_mul_overflow(sockets, dies, &product) ||
        __builtin_mul_overflow(product, clusters, &product) ||
        __builtin_mul_overflow(product, cores, &product) ||
        __builtin_mul_overflow(product, threads, &product)) {
        product = UINT64_MAX;
    }
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
void vl_check_cpu_model(void)
{
    const char *arg = vl_config.cpu ? vl_config.cpu->arg : NULL;
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
        vl_fail(vl_config.cpu->loc, "unable to find CPU model '%s'", model);
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
                vl_fail(vl_config.cpu->loc, "CPU model '%s' takes no features",
                        model);
            }
            vl_fail_err(vl_config.cpu->loc, err);
        }
    }
}

MachineState *vl_create_machine(MachineClass *mc)
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
    if (vl_config.kernel) {
        g_free(ms->kernel_filename);
        ms->kernel_filename = g_strdup(vl_config.kernel);
    }
    if (vl_config.append) {
        g_free(ms->kernel_cmdline);
        ms->kernel_cmdline = g_strdup(vl_config.append);
    }
    if (vl_config.initrd) {
        g_free(ms->initrd_filename);
        ms->initrd_filename = g_strdup(vl_config.initrd);
    }
    ms->cpu_model = g_strdup(vl_config.cpu ? vl_config.cpu->arg
                             : (mc->default_cpu_type ? mc->default_cpu_type
                                : target_info.default_cpu));
    ms->ram_size = sizes.ram_size;
    ms->maxram_size = sizes.maxram_size;
    ms->ram_slots = sizes.slots;
    if (mc->no_ram && !vl_config.mem) {
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

/*
 * Without -machine memory-backend=, QEMU makes the machine's RAM a
 * memory-backend-ram object named after the machine's RAM id
 * (/objects/microvm.ram), visible to qom-list and qom-get; so does Kite.
 * The id is then reserved.
 */
static void create_default_memory_backend(MachineState *ms)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    const char *id = mc->default_ram_id;
    GHashTable *props;
    GError *err = NULL;
    Object *be;

    if (object_resolve_path_component(object_get_objects_root(), id)) {
        vl_fail(NULL, "object name '%s' is reserved for the default RAM "
                "backend, it can't be used for any other purposes. Change "
                "the object's 'id' to something else", id);
    }
    props = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_insert(props, g_strdup("size"),
                        g_strdup_printf("%" PRIu64, ms->ram_size));
    g_hash_table_insert(props, g_strdup("merge"),
                        g_strdup(ms->mem_merge ? "on" : "off"));
    g_hash_table_insert(props, g_strdup("dump"),
                        g_strdup(ms->dump_guest_core ? "on" : "off"));
    be = user_creatable_add(TYPE_MEMORY_BACKEND_RAM, id, props, &err);
    g_hash_table_destroy(props);
    if (!be) {
        vl_fail_err(NULL, err);
    }
    ms->memory_backend_id = g_strdup(id);
    ms->memory_backend = be;
}

/* -machine memory-backend=ID: the backend must exist (after -object) and
 * match -m when both are given. */
void vl_resolve_memory_backend(MachineState *ms)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);

    /* /objects exists even when empty, as in QEMU */
    object_get_objects_root();
    if (!ms->memory_backend_id && mc->default_ram_id && ms->ram_size) {
        create_default_memory_backend(ms);
        return;
    }
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
        if (vl_config.mem && be_size != ms->ram_size) {
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

const char *vl_machine_accel(const char **loc)
{
    *loc = mopts.accel_loc ? mopts.accel_loc->loc : NULL;
    return mopts.accel;
}
