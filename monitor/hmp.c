/*
 * The human monitor: a small command interpreter (QEMU's HMP words and
 * texts for the commands Kite has) used by human-monitor-command and by
 * "-mon mode=readline" consoles.  Output lines end in "\r\n" as QEMU's.
 */
#include "kite/qmp.h"
#include "kite/runstate.h"

typedef struct HmpInfo {
    char *name;
    char *help;
    HmpInfoFn *fn;
} HmpInfo;

static GPtrArray *hmp_infos;     /* HmpInfo *, sorted by name */

static gint hmp_info_cmp(gconstpointer a, gconstpointer b)
{
    const HmpInfo *x = *(HmpInfo *const *)a, *y = *(HmpInfo *const *)b;
    return strcmp(x->name, y->name);
}

void hmp_register_info(const char *name, const char *help, HmpInfoFn *fn)
{
    if (!hmp_infos) {
        hmp_infos = g_ptr_array_new();
    }
    for (guint i = 0; i < hmp_infos->len; i++) {
        HmpInfo *old = hmp_infos->pdata[i];
        if (!strcmp(old->name, name)) {
            old->fn = fn;
            g_free(old->help);
            old->help = g_strdup(help);
            return;
        }
    }
    HmpInfo *info = g_new0(HmpInfo, 1);
    info->name = g_strdup(name);
    info->help = g_strdup(help);
    info->fn = fn;
    g_ptr_array_add(hmp_infos, info);
    g_ptr_array_sort(hmp_infos, hmp_info_cmp);
}

static void hmp_info_list(GString *out)
{
    for (guint i = 0; hmp_infos && i < hmp_infos->len; i++) {
        HmpInfo *info = hmp_infos->pdata[i];
        g_string_append_printf(out, "info %s  -- %s\n", info->name, info->help);
    }
}

static void hmp_info(const char *arg, GString *out)
{
    if (!*arg) {
        hmp_info_list(out);
        return;
    }
    for (guint i = 0; hmp_infos && i < hmp_infos->len; i++) {
        HmpInfo *info = hmp_infos->pdata[i];
        if (!strcmp(info->name, arg)) {
            info->fn(out);
            return;
        }
    }
    g_string_append_printf(out, "unknown command: 'info %s'\n", arg);
}

typedef struct HmpCommand {
    const char *names;     /* "cont|c" */
    const char *params;    /* shown by help */
    const char *help;
    void (*fn)(const char *arg, GString *out);
} HmpCommand;

static void hmp_help(const char *arg, GString *out);

static void hmp_stop(const char *arg, GString *out)
{
    if (runstate_is_running()) {
        vm_stop();
    }
}

static void hmp_cont(const char *arg, GString *out)
{
    GError *err = NULL;
    if (!runstate_is_running() && !vm_start(&err)) {
        g_string_append_printf(out, "Error: %s\n", err->message);
        g_error_free(err);
    }
}

static void hmp_system_reset(const char *arg, GString *out)
{
    qemu_system_reset_request();
}

static void hmp_system_powerdown(const char *arg, GString *out)
{
    qemu_system_powerdown_request();
}

static void hmp_quit(const char *arg, GString *out)
{
    qemu_system_shutdown_request("host-qmp-quit");
}

static const HmpCommand hmp_commands[] = {
    { "cont|c", "", "resume emulation", hmp_cont },
    { "help|?", "[cmd]", "show the help", hmp_help },
    { "info", "[subcommand]", "show various information about the system state",
      hmp_info },
    { "quit|q", "", "quit the emulator", hmp_quit },
    { "stop", "", "stop emulation", hmp_stop },
    { "system_powerdown", "", "send system power down event",
      hmp_system_powerdown },
    { "system_reset", "", "reset the system", hmp_system_reset },
};

static bool hmp_name_matches(const char *names, const char *word)
{
    g_auto(GStrv) alts = g_strsplit(names, "|", -1);
    for (char **a = alts; *a; a++) {
        if (!strcmp(*a, word)) {
            return true;
        }
    }
    return false;
}

static void hmp_help(const char *arg, GString *out)
{
    for (size_t i = 0; i < ARRAY_SIZE(hmp_commands); i++) {
        const HmpCommand *c = &hmp_commands[i];
        if (*arg && !hmp_name_matches(c->names, arg)) {
            continue;
        }
        g_string_append_printf(out, "%s %s -- %s\n", c->names, c->params,
                               c->help);
        if (!strcmp(c->names, "info") && *arg) {
            hmp_info_list(out);
        }
    }
}

/* "\n" -> "\r\n" (leaving existing "\r\n" alone). */
static void hmp_append_crlf(GString *out, const GString *text)
{
    for (gsize i = 0; i < text->len; i++) {
        char c = text->str[i];
        if (c == '\n' && (i == 0 || text->str[i - 1] != '\r')) {
            g_string_append_c(out, '\r');
        }
        g_string_append_c(out, c);
    }
}

void hmp_execute(const char *cmdline, GString *out)
{
    g_autofree char *line = g_strstrip(g_strdup(cmdline ? cmdline : ""));
    GString *text = g_string_new(NULL);

    if (*line) {
        char *arg = line + strcspn(line, " \t");
        if (*arg) {
            *arg++ = '\0';
            arg = g_strstrip(arg);
        }
        const HmpCommand *cmd = NULL;
        for (size_t i = 0; i < ARRAY_SIZE(hmp_commands); i++) {
            if (hmp_name_matches(hmp_commands[i].names, line)) {
                cmd = &hmp_commands[i];
                break;
            }
        }
        if (cmd) {
            cmd->fn(arg, text);
        } else {
            g_string_append_printf(text, "unknown command: '%s'\n", line);
        }
    }
    hmp_append_crlf(out, text);
    g_string_free(text, TRUE);
}

/* ---- -mon mode=readline: a line-based console ---- */

#define HMP_PROMPT "(qemu) "
#define HMP_MAX_LINE 4096

typedef struct MonitorHMP {
    Chardev *chr;
    GString *line;
    bool last_was_cr;
} MonitorHMP;

static void monitor_hmp_write(MonitorHMP *mon, const char *s, size_t len)
{
    chardev_write_all(mon->chr, s, len);
}

static void monitor_hmp_prompt(MonitorHMP *mon)
{
    monitor_hmp_write(mon, HMP_PROMPT, strlen(HMP_PROMPT));
}

static size_t monitor_hmp_can_read(void *opaque)
{
    return 1024;
}

static void monitor_hmp_read(void *opaque, const uint8_t *buf, size_t len)
{
    MonitorHMP *mon = opaque;

    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\n' && mon->last_was_cr) {
            mon->last_was_cr = false;
            continue;
        }
        mon->last_was_cr = c == '\r';
        if (c == '\r' || c == '\n') {
            GString *out = g_string_new(NULL);
            hmp_execute(mon->line->str, out);
            g_string_truncate(mon->line, 0);
            monitor_hmp_write(mon, out->str, out->len);
            g_string_free(out, TRUE);
            monitor_hmp_prompt(mon);
        } else if (c == 0x7f || c == '\b') {
            if (mon->line->len) {
                g_string_truncate(mon->line, mon->line->len - 1);
            }
        } else if ((guchar)c >= 0x20 || c == '\t') {
            if (mon->line->len < HMP_MAX_LINE) {
                g_string_append_c(mon->line, c);
            }
        }
    }
}

static void monitor_hmp_event(void *opaque, ChardevEvent event)
{
    MonitorHMP *mon = opaque;

    g_string_truncate(mon->line, 0);
    mon->last_was_cr = false;
    if (event == CHR_EVENT_OPENED) {
        char *banner = g_strdup_printf(
            "QEMU %s monitor - type 'help' for more information\r\n",
            KITE_VERSION_STRING);
        monitor_hmp_write(mon, banner, strlen(banner));
        g_free(banner);
        monitor_hmp_prompt(mon);
    }
}

static GPtrArray *hmp_monitors;   /* MonitorHMP *, live until exit */

bool monitor_hmp_new(Chardev *chr, GError **errp)
{
    MonitorHMP *mon = g_new0(MonitorHMP, 1);

    mon->chr = chr;
    mon->line = g_string_new(NULL);
    if (!chardev_attach(chr, monitor_hmp_can_read, monitor_hmp_read,
                        monitor_hmp_event, mon, errp)) {
        g_string_free(mon->line, TRUE);
        g_free(mon);
        return false;
    }
    if (!hmp_monitors) {
        hmp_monitors = g_ptr_array_new();
    }
    g_ptr_array_add(hmp_monitors, mon);
    return true;
}
