/*
 * The x86_64 target: its TargetInfo and the CPU types "<model>-x86_64-cpu"
 * with -cpu feature parsing.
 */
#include "target/i386/cpu.h"
#include "target/i386/cpuid-flags.h"
#include "kite/target.h"
#include "kite/option.h"
#include "kite/i386/hyperv.h"

#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

static void x86_cpu_list(void);

const TargetInfo target_info = {
    .name = "x86_64",
    .big_endian = false,
    .default_machine = "microvm",
    .default_cpu = "qemu64",
    .has_io_space = true,
    .cpu_list = x86_cpu_list,
};

static bool name_in(const char *const *list, const char *name)
{
    for (; *list; list++) {
        if (!strcmp(*list, name)) {
            return true;
        }
    }
    return false;
}

static bool is_flag(const char *name)
{
    return name_in(x86_cpu_flag_names, name) ||
           name_in(x86_cpu_hv_flag_names, name) ||
           name_in(x86_cpu_bool_prop_names, name);
}

/* Identification values: QEMU's ranges and messages. */
static bool x86_cpu_check_value(const char *name, const char *value,
                                GError **errp)
{
    static const struct { const char *name; int64_t max; } ranges[] = {
        { "family", 0xff + 0xf }, { "model", 0xff }, { "stepping", 0xf },
    };
    int64_t n;
    uint64_t u;

    for (size_t i = 0; i < G_N_ELEMENTS(ranges); i++) {
        if (strcmp(name, ranges[i].name)) {
            continue;
        }
        if (!kite_parse_int64(value, &n)) {
            kite_error_set(errp, "Parameter '%s' expects int64", name);
            return false;
        }
        if (n < 0 || n > ranges[i].max) {
            kite_error_set(errp, "Property .%s doesn't take value %" PRId64
                           " (minimum: 0, maximum: %" PRId64 ")", name, n,
                           ranges[i].max);
            return false;
        }
        return true;
    }
    if (!strcmp(name, "vendor") && strlen(value) != 12) {
        kite_error_set(errp, "Property '.vendor' doesn't take value '%s'",
                       value);
        return false;
    }
    if (!strcmp(name, "level") || !strcmp(name, "xlevel")) {
        if (!kite_parse_uint64(value, &u)) {
            kite_error_set(errp, "Parameter '%s' expects uint64", name);
            return false;
        }
        if (u > UINT32_MAX) {
            kite_error_set(errp, "Parameter '%s' expects uint32_t", name);
            return false;
        }
    }
    return true;
}

static bool x86_cpu_set_feature(X86CPU *cpu, const char *type,
                                const char *name, const char *value,
                                GError **errp)
{
    g_autofree char *canon = x86_cpuid_flag_canonical(name);
    bool b;

    if (hyperv_is_option(canon)) {
        /* Hyper-V options: checked by hyperv.c, stored like the rest. */
        HypervConfig scratch;

        hyperv_config_init(&scratch);
        if (!hyperv_parse_option(&scratch, name, value, errp)) {
            return false;
        }
        g_hash_table_replace(cpu->features, g_strdup(canon), g_strdup(value));
        return true;
    }
    if (is_flag(canon)) {
        if (!kite_parse_bool(value, &b)) {
            kite_error_set(errp, "Parameter '%s' expects 'on' or 'off'",
                           name);
            return false;
        }
        g_hash_table_replace(cpu->features, g_strdup(canon),
                             g_strdup(b ? "on" : "off"));
        return true;
    }
    if (name_in(x86_cpu_value_names, canon)) {
        if (!x86_cpu_check_value(canon, value, errp)) {
            return false;
        }
        if (!strcmp(canon, "hv-spinlocks")) {
            uint64_t n;
            if (!kite_parse_uint64(value, &n) || n > UINT32_MAX) {
                kite_error_set(errp, "Parameter '%s' expects uint32_t",
                               name);
                return false;
            }
        }
        g_hash_table_replace(cpu->features, g_strdup(canon),
                             g_strdup(value));
        return true;
    }
    kite_error_set(errp, "Property '%s.%s' not found", type, name);
    return false;
}

/* -cpu MODEL,help: the flags and the Hyper-V options, then leave. */
static void G_GNUC_NORETURN x86_cpu_print_feature_help(void)
{
    GString *out = g_string_new("");

    x86_cpu_list();
    g_string_append(out, "\nHyper-V options:\n");
    hyperv_print_help(out);
    fputs(out->str, stdout);
    g_string_free(out, true);
    fflush(stdout);
    _exit(0);   /* as vl's help paths: nothing freed, no LSan report */
}

/* The rules between hv flags hold whatever the accelerator; with
 * hv-passthrough the kernel decides, so they are checked at vCPU creation. */
static bool x86_cpu_check_hyperv(X86CPU *cpu, GError **errp)
{
    HypervConfig cfg;

    if (!hyperv_config_from_features(&cfg, cpu->features, errp)) {
        return false;
    }
    return cfg.passthrough || hyperv_check_dependencies(&cfg, errp);
}

bool x86_cpu_parse_features(CPUState *cs, const char *features,
                            GError **errp)
{
    X86CPU *cpu = X86_CPU(cs);
    const char *type = object_get_typename(OBJECT(cs));
    g_auto(GStrv) items = g_strsplit(features, ",", -1);

    for (char **it = items; *it; it++) {
        const char *item = *it;
        const char *eq = strchr(item, '=');
        bool ok;

        if (!*item) {
            continue;
        }
        if (!strcmp(item, "help") || !strcmp(item, "?")) {
            x86_cpu_print_feature_help();
        }
        if (item[0] == '+' || item[0] == '-') {
            ok = x86_cpu_set_feature(cpu, type, item + 1,
                                     item[0] == '+' ? "on" : "off", errp);
        } else if (eq) {
            g_autofree char *name = g_strndup(item, eq - item);
            GError *err = NULL;

            /* QEMU applies key=value as a global property and says so. */
            ok = x86_cpu_set_feature(cpu, type, name, eq + 1, &err);
            if (!ok) {
                g_propagate_prefixed_error(errp, err,
                                           "can't apply global %s.%s=%s: ",
                                           type, name, eq + 1);
            }
        } else {
            ok = x86_cpu_set_feature(cpu, type, item, "on", errp);
        }
        if (!ok) {
            return false;
        }
    }
    return x86_cpu_check_hyperv(cpu, errp);
}

const char *x86_cpu_feature_get(X86CPU *cpu, const char *name)
{
    return g_hash_table_lookup(cpu->features, name);
}

bool x86_cpu_feature_enabled(X86CPU *cpu, const char *name, bool def)
{
    const char *v = x86_cpu_feature_get(cpu, name);
    bool b;

    if (!v || !kite_parse_bool(v, &b)) {
        return def;
    }
    return b;
}

static void x86_cpu_list(void)
{
    printf("Available CPUs:\n");
    for (size_t i = 0; i < x86_cpu_models_count; i++) {
        printf("x86 %-20s  %s\n", x86_cpu_models[i].name,
               x86_cpu_models[i].desc);
    }
    printf("\nRecognized CPUID flags:\n");
    GString *line = g_string_new("  ");
    for (const char *const *f = x86_cpu_flag_names; *f; f++) {
        if (line->len > 2 && line->len + 1 + strlen(*f) > 75) {
            printf("%s\n", line->str);
            g_string_assign(line, "  ");
        }
        if (line->len > 2) {
            g_string_append_c(line, ' ');
        }
        g_string_append(line, *f);
    }
    if (line->len > 2) {
        printf("%s\n", line->str);
    }
    g_string_free(line, true);
}

static void x86_cpu_instance_init(Object *obj)
{
    X86CPU *cpu = X86_CPU(obj);
    X86CPUClass *xcc = X86_CPU_GET_CLASS(obj);

    cpu->model = xcc->model;
    cpu->features = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          g_free);
}

static void x86_cpu_instance_finalize(Object *obj)
{
    X86CPU *cpu = X86_CPU(obj);

    g_hash_table_destroy(cpu->features);
}

static void x86_cpu_class_init(ObjectClass *oc, const void *data)
{
    CPUClass *cc = (CPUClass *)oc;
    DeviceClass *dc = (DeviceClass *)oc;

    cc->parse_features = x86_cpu_parse_features;
    dc->user_creatable = false;
    dc->category = "cpu";
}

static void x86_cpu_model_class_init(ObjectClass *oc, const void *data)
{
    X86CPUClass *xcc = (X86CPUClass *)oc;
    DeviceClass *dc = (DeviceClass *)oc;

    xcc->model = data;
    dc->desc = xcc->model->desc;
}

static void x86_cpu_register_types(void)
{
    static const TypeInfo base = {
        .name = TYPE_X86_CPU,
        .parent = TYPE_CPU,
        .abstract = true,
        .instance_size = sizeof(X86CPU),
        .class_size = sizeof(X86CPUClass),
        .class_init = x86_cpu_class_init,
        .instance_init = x86_cpu_instance_init,
        .instance_finalize = x86_cpu_instance_finalize,
        .props = hyperv_cpu_properties,
    };
    /* The type table keeps these for the life of the process. */
    TypeInfo *models = g_new0(TypeInfo, x86_cpu_models_count);

    type_register(&base);
    for (size_t i = 0; i < x86_cpu_models_count; i++) {
        models[i] = (TypeInfo) {
            .name = g_strdup_printf("%s-" TYPE_X86_CPU,
                                    x86_cpu_models[i].name),
            .parent = TYPE_X86_CPU,
            .class_init = x86_cpu_model_class_init,
            .class_data = &x86_cpu_models[i],
        };
        type_register(&models[i]);
    }
}

type_init(x86_cpu_register_types)
