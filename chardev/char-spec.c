/*
 * The short chardev forms of -serial, -qmp, -monitor and -qtest, turned
 * into the equivalent -chardev option string:
 *   unix:PATH[,opts]       socket,path=PATH[,opts]
 *   tcp:HOST:PORT[,opts]   socket,host=HOST,port=PORT[,opts]
 *   file:PATH              file,path=PATH
 *   stdio, null            themselves
 *   chardev:ID             an existing chardev
 *   none                   no chardev (NULL, no error)
 */
#include "char-internal.h"

/* Append ",key=value" with commas in @value doubled. */
static void append_opt(GString *out, const char *key, const char *value)
{
    g_string_append_printf(out, ",%s=", key);
    for (const char *p = value; *p; p++) {
        if (*p == ',') {
            g_string_append_c(out, ',');
        }
        g_string_append_c(out, *p);
    }
}

/* Append every key of @opts except @skip (already handled). */
static bool append_rest(GString *out, KiteOpts *opts, const char *skip,
                        GError **errp)
{
    g_autoptr(GPtrArray) keys = kite_opts_keys(opts);

    for (guint i = 0; i < keys->len; i++) {
        const char *key = g_ptr_array_index(keys, i);

        if (skip && !strcmp(key, skip)) {
            continue;
        }
        if (!strcmp(key, "id") || !strcmp(key, "backend")) {
            kite_error_set(errp, "Invalid parameter '%s'", key);
            return false;
        }
        append_opt(out, key, kite_opts_get(opts, key));
    }
    return true;
}

/* "HOST:PORT" (HOST may be empty or a [bracketed] IPv6 address). */
static bool split_host_port(const char *addr, char **host, char **port,
                            GError **errp)
{
    const char *colon = strrchr(addr, ':');
    const char *h = addr;
    size_t hlen;

    if (!colon || !colon[1]) {
        kite_error_set(errp, "chardev: tcp: '%s' is not HOST:PORT", addr);
        return false;
    }
    hlen = colon - addr;
    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    *host = g_strndup(h, hlen);
    *port = g_strdup(colon + 1);
    return true;
}

/* Build the -chardev equivalent of @spec into @out. */
static bool spec_to_opts(const char *spec, GString *out, GError **errp)
{
    g_autoptr(GError) err = NULL;
    const char *rest;
    KiteOpts *opts;
    bool ok = true;

    if ((rest = g_str_has_prefix(spec, "unix:") ? spec + 5 : NULL)) {
        opts = kite_opts_parse(rest, "path", errp);
        if (!opts) {
            return false;
        }
        g_string_append(out, "socket");
        if (!kite_opts_get(opts, "path") || !*kite_opts_get(opts, "path")) {
            kite_error_set(errp, "chardev: unix: no path given");
            ok = false;
        } else {
            ok = append_rest(out, opts, NULL, errp);
        }
    } else if ((rest = g_str_has_prefix(spec, "tcp:") ? spec + 4 : NULL)) {
        g_autofree char *host = NULL, *port = NULL;
        const char *addr;

        opts = kite_opts_parse(rest, "addr", errp);
        if (!opts) {
            return false;
        }
        addr = kite_opts_get(opts, "addr");
        ok = split_host_port(addr ? addr : "", &host, &port, errp);
        if (ok) {
            g_string_append(out, "socket");
            append_opt(out, "host", host);
            append_opt(out, "port", port);
            ok = append_rest(out, opts, "addr", errp);
        }
    } else if ((rest = g_str_has_prefix(spec, "file:") ? spec + 5 : NULL)) {
        opts = kite_opts_parse(rest, "path", errp);
        if (!opts) {
            return false;
        }
        g_string_append(out, "file");
        ok = append_rest(out, opts, NULL, errp);
    } else {
        /* "stdio", "null", optionally with options. */
        opts = kite_opts_parse(spec, "backend", &err);
        if (!opts) {
            g_propagate_error(errp, g_steal_pointer(&err));
            return false;
        }
        const char *name = kite_opts_get(opts, "backend");
        if (!name || (strcmp(name, "stdio") && strcmp(name, "null"))) {
            kite_error_set(errp, "'%s' is not a valid char driver",
                           name ? name : spec);
            ok = false;
        } else {
            g_string_append(out, name);
            ok = append_rest(out, opts, "backend", errp);
        }
    }
    kite_opts_free(opts);
    return ok;
}

Chardev *chardev_new_from_spec(const char *id, const char *spec,
                               GError **errp)
{
    static unsigned generated;
    g_autofree char *gen_id = NULL;
    g_autoptr(GString) str = NULL;
    KiteOpts *opts;
    Chardev *chr;

    if (!spec || !*spec) {
        kite_error_set(errp, "chardev: empty specification");
        return NULL;
    }
    if (!strcmp(spec, "none")) {
        return NULL;
    }
    if (g_str_has_prefix(spec, "chardev:")) {
        chr = chardev_find(spec + 8);
        if (!chr) {
            kite_error_set(errp, "chardev \"%s\" not found", spec + 8);
        }
        return chr;
    }
    if (!id) {
        do {
            g_free(gen_id);
            gen_id = g_strdup_printf("compat_chardev%u", generated++);
        } while (chardev_find(gen_id));
        id = gen_id;
    }
    str = g_string_new(NULL);
    if (!spec_to_opts(spec, str, errp)) {
        return NULL;
    }
    append_opt(str, "id", id);
    opts = kite_opts_parse(str->str, "backend", errp);
    if (!opts) {
        return NULL;
    }
    chr = chardev_new_from_opts(opts, errp);
    kite_opts_free(opts);
    return chr;
}
