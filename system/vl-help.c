/* What the help options print: -h, -version, -M help, -accel help, ... */
#include "kite/vl.h"
#include "kite/accel.h"
#include "kite/machine.h"
#include "kite/target.h"

#include <stdio.h>

void vl_print_version(void)
{
    printf("Kite emulator version " KITE_VERSION_STRING " (" KITE_PACKAGE
           ")\n"
           "Copyright (c) 2026 The Kite developers\n");
}

/* One line per option, in QEMU's spelling; see docs/cmdline.md. */
static const char *const usage_lines[] = {
    "Standard options:",
    "-h or -help     display this help and exit",
    "-version        display version information and exit",
    "-machine [type=]name[,prop[=value][,...]]",
    "                selects emulated machine ('-machine help' for list)",
    "                property accel=kvm|qtest selects the accelerator",
    "                property memory-backend=id uses a -object memory backend as RAM",
    "-M              same as -machine",
    "-accel [accel=]name",
    "                select accelerator (kvm or qtest; '-accel help' for list)",
    "-cpu cpu        select CPU ('-cpu help' for list)",
    "-smp [[cpus=]n][,maxcpus=maxcpus][,sockets=sockets][,dies=dies][,cores=cores][,threads=threads]",
    "                set the number of initial and maximum CPUs",
    "-m [size=]megs[,slots=n,maxmem=size]",
    "                configure guest RAM (default unit MiB; suffixes K, M, G, T)",
    "-name string1[,debug-threads=on|off]",
    "                set the name of the guest",
    "",
    "Device options:",
    "-device driver[,prop[=value][,...]]",
    "                add device driver ('-device help', '-device driver,help')",
    "-object TYPE,id=ID[,PROP=VALUE,...]",
    "                create a new object of type TYPE ('-object help')",
    "",
    "Character devices and monitors:",
    "-chardev backend,id=id[,...]",
    "                backends: socket (path= or host=,port=), stdio, file, null, ringbuf",
    "-serial dev     redirect the serial port to char device 'dev'",
    "-mon [chardev=]name[,mode=readline|control][,pretty=on|off]",
    "-qmp dev        like -mon with mode=control on a new char device 'dev'",
    "-monitor dev    like -mon with mode=readline on a new char device 'dev'",
    "",
    "Display:",
    "-display none   no display (the only one Kite has)",
    "-nographic      no display; the serial port goes to stdio",
    "-nodefaults     don't create default devices",
    "",
    "Boot (used with -accel kvm):",
    "-kernel bzImage use 'bzImage' as kernel image",
    "-append cmdline use 'cmdline' as kernel command line",
    "-initrd file    use 'file' as initial ram disk",
    "",
    "Run control:",
    "-S              freeze CPU at startup (use 'c' to start execution)",
    "-no-reboot      exit instead of rebooting",
    "-no-shutdown    stop before shutdown",
    "-qtest dev      serve the qtest protocol on char device 'dev'",
    "-qtest-log file log qtest traffic to 'file'",
    "",
    "During emulation, QMP and the qtest protocol control the VM.",
};

void vl_print_usage(void)
{
    vl_print_version();
    printf("usage: %s [options]\n\n", kite_prog_name());
    for (size_t i = 0; i < ARRAY_SIZE(usage_lines); i++) {
        printf("%s\n", usage_lines[i]);
    }
}

void vl_print_machine_list(void)
{
    GSList *list = machine_class_list();

    printf("Supported machines are:\n");
    for (GSList *l = list; l; l = l->next) {
        MachineClass *mc = (MachineClass *)object_class_dynamic_cast(
            l->data, TYPE_MACHINE);
        if (!mc || !mc->name) {
            continue;
        }
        printf("%-20s %s%s\n", mc->name, mc->desc ? mc->desc : "",
               !strcmp(mc->name, target_info.default_machine)
                   ? " (default)" : "");
    }
    g_slist_free(list);
}

static gint property_name_cmp(gconstpointer a, gconstpointer b)
{
    const Property *pa = *(const Property *const *)a;
    const Property *pb = *(const Property *const *)b;

    return strcmp(pa->name, pb->name);
}

/* QEMU's help names the QOM types ("string", sizes as "int"), not the
 * qdev ones that device-list-properties shows. */
static const char *help_type_name(const Property *p)
{
    const char *t = property_type_name(p);

    if (!strcmp(t, "str")) {
        return "string";
    }
    if (!strcmp(t, "size")) {
        return "int";
    }
    return t;
}

/* "  name=<type>   - description", as QEMU prints object properties. */
static void print_property_help(const Property *p)
{
    g_autofree char *left = g_strdup_printf("%s=<%s>", p->name,
                                            help_type_name(p));

    if (p->description) {
        printf("  %-22s - %s\n", left, p->description);
    } else {
        printf("  %s\n", left);
    }
}

/* The class's own properties (not "type", which every object has),
 * sorted by name as QEMU lists them. */
static void print_class_properties(ObjectClass *oc)
{
    ObjectClass *base = object_class_by_name(TYPE_OBJECT);
    g_autoptr(GPtrArray) props = g_ptr_array_new();

    for (guint i = 0; oc->props && i < oc->props->len; i++) {
        const Property *p = g_ptr_array_index(oc->props, i);
        if (object_class_property_find(base, p->name) != p) {
            g_ptr_array_add(props, (gpointer)p);
        }
    }
    g_ptr_array_sort(props, property_name_cmp);
    for (guint i = 0; i < props->len; i++) {
        print_property_help(g_ptr_array_index(props, i));
    }
}

void vl_print_machine_help(const char *type)
{
    MachineClass *mc = machine_find_class(type);
    ObjectClass *oc = (ObjectClass *)mc;

    if (!mc) {
        /* QEMU lists the machines when the type is unknown */
        vl_print_machine_list();
        return;
    }
    printf("%s options:\n", object_class_get_name(oc));
    print_class_properties(oc);
}

void vl_print_accel_list(void)
{
    GPtrArray *names = accel_names();

    printf("Accelerators supported in Kite binary:\n");
    for (guint i = 0; i < names->len; i++) {
        printf("%s\n", (const char *)g_ptr_array_index(names, i));
    }
    g_ptr_array_free(names, true);
}

void vl_print_object_list(void)
{
    GSList *list = object_class_get_list(TYPE_OBJECT, false);

    printf("List of user creatable objects:\n");
    for (GSList *l = list; l; l = l->next) {
        ObjectClass *oc = l->data;
        if (oc->user_creatable) {
            printf("  %s\n", object_class_get_name(oc));
        }
    }
    g_slist_free(list);
}

bool vl_print_object_help(const char *type, GError **errp)
{
    ObjectClass *oc = object_class_by_name(type);

    if (!oc || !oc->user_creatable || object_class_is_abstract(oc)) {
        kite_error_set(errp,
                       "Parameter 'qom-type' does not accept value '%s'",
                       type);
        return false;
    }
    printf("%s options:\n", type);
    print_class_properties(oc);
    return true;
}

void vl_print_chardev_list(void)
{
    static const char *const backends[] = {
        "socket", "stdio", "file", "null", "ringbuf",
    };

    printf("Available chardev backend types: \n");
    for (size_t i = 0; i < ARRAY_SIZE(backends); i++) {
        printf("  %s\n", backends[i]);
    }
}
