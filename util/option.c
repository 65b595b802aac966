/*
 * QEMU-style option strings ("value,key=value,..."): the first item may
 * omit its key, ",," stands for a literal comma, a bare "key" means
 * key=on, and "help" / "?" ask for help instead of setting anything.
 */
#include "kite/option.h"

struct KiteOpts {
    GHashTable *values;   /* key -> value (owned) */
    GPtrArray *keys;      /* keys in order of first appearance (owned) */
    bool help;
};

static KiteOpts *kite_opts_new(void)
{
    KiteOpts *opts = g_new0(KiteOpts, 1);

    opts->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         g_free);
    opts->keys = g_ptr_array_new_with_free_func(g_free);
    return opts;
}

void kite_opts_free(KiteOpts *opts)
{
    if (!opts) {
        return;
    }
    g_hash_table_destroy(opts->values);
    g_ptr_array_free(opts->keys, true);
    g_free(opts);
}

static void kite_opts_set(KiteOpts *opts, const char *key, const char *value)
{
    if (!g_hash_table_contains(opts->values, key)) {
        g_ptr_array_add(opts->keys, g_strdup(key));
    }
    g_hash_table_replace(opts->values, g_strdup(key), g_strdup(value));
}

static bool is_help(const char *s)
{
    return !strcmp(s, "help") || !strcmp(s, "?");
}

/*
 * Read one item starting at *pp up to an unescaped comma.  Only the
 * value part may contain ",,"; a key stops at '=' or ','.
 */
static void read_item(const char **pp, char **key, char **value)
{
    const char *p = *pp;
    GString *k = g_string_new(NULL);
    GString *v = NULL;

    while (*p && *p != ',' && *p != '=') {
        g_string_append_c(k, *p++);
    }
    if (*p == '=') {
        p++;
        v = g_string_new(NULL);
        for (;;) {
            if (*p == ',' && p[1] == ',') {
                g_string_append_c(v, ',');
                p += 2;
            } else if (*p == ',' || !*p) {
                break;
            } else {
                g_string_append_c(v, *p++);
            }
        }
    }
    if (*p == ',') {
        p++;
    }
    *pp = p;
    *key = g_string_free(k, false);
    *value = v ? g_string_free(v, false) : NULL;
}

/* The implied value runs to the first single comma; ",," is a comma. */
static char *read_implied_value(const char **pp)
{
    const char *p = *pp;
    GString *v = g_string_new(NULL);

    for (;;) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(v, ',');
            p += 2;
        } else if (*p == ',' || !*p) {
            break;
        } else {
            g_string_append_c(v, *p++);
        }
    }
    if (*p == ',') {
        p++;
    }
    *pp = p;
    return g_string_free(v, false);
}

static bool first_item_is_bare(const char *p)
{
    /* Bare when no '=' comes before the first single comma. */
    for (; *p; p++) {
        if (*p == '=') {
            return false;
        }
        if (*p == ',') {
            if (p[1] == ',') {
                p++;
                continue;
            }
            return true;
        }
    }
    return true;
}

KiteOpts *kite_opts_parse(const char *str, const char *implied_key,
                          GError **errp)
{
    KiteOpts *opts = kite_opts_new();
    const char *p = str ? str : "";

    if (implied_key && *p && first_item_is_bare(p)) {
        char *value = read_implied_value(&p);
        if (is_help(value)) {
            opts->help = true;
        } else {
            kite_opts_set(opts, implied_key, value);
        }
        g_free(value);
    }
    while (*p) {
        char *key, *value;

        read_item(&p, &key, &value);
        if (!*key) {
            if (value) {
                g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                            "Invalid parameter ''");
                g_free(key);
                g_free(value);
                kite_opts_free(opts);
                return NULL;
            }
            g_free(key);    /* an empty item, e.g. a trailing comma */
            continue;
        }
        if (!value && is_help(key)) {
            opts->help = true;
        } else {
            kite_opts_set(opts, key, value ? value : "on");
        }
        g_free(key);
        g_free(value);
    }
    return opts;
}

const char *kite_opts_get(KiteOpts *opts, const char *key)
{
    return g_hash_table_lookup(opts->values, key);
}

bool kite_opts_has(KiteOpts *opts, const char *key)
{
    return g_hash_table_contains(opts->values, key);
}

bool kite_opts_get_bool(KiteOpts *opts, const char *key, bool def, bool *out,
                        GError **errp)
{
    const char *v = kite_opts_get(opts, key);

    if (!v) {
        *out = def;
        return true;
    }
    if (!kite_parse_bool(v, out)) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "Parameter '%s' expects 'on' or 'off'", key);
        return false;
    }
    return true;
}

bool kite_opts_get_number(KiteOpts *opts, const char *key, uint64_t def,
                          uint64_t *out, GError **errp)
{
    const char *v = kite_opts_get(opts, key);

    if (!v) {
        *out = def;
        return true;
    }
    if (!kite_parse_uint64(v, out)) {
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "Parameter '%s' expects a number", key);
        return false;
    }
    return true;
}

bool kite_opts_get_size(KiteOpts *opts, const char *key, uint64_t def,
                        uint64_t *out, GError **errp)
{
    const char *v = kite_opts_get(opts, key);

    if (!v) {
        *out = def;
        return true;
    }
    switch (kite_parse_size_full(v, '\0', out)) {
    case KITE_PARSE_OK:
        return true;
    case KITE_PARSE_RANGE:
        g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                    "Value '%s' is out of range for parameter '%s'", v, key);
        return false;
    case KITE_PARSE_INVALID:
        break;
    }
    g_set_error(errp, KITE_ERROR, KITE_ERROR_GENERIC,
                "Parameter '%s' expects a non-negative number below 2^64",
                key);
    return false;
}

void kite_opts_del(KiteOpts *opts, const char *key)
{
    if (!g_hash_table_remove(opts->values, key)) {
        return;
    }
    for (guint i = 0; i < opts->keys->len; i++) {
        if (!strcmp(g_ptr_array_index(opts->keys, i), key)) {
            g_ptr_array_remove_index(opts->keys, i);
            break;
        }
    }
}

bool kite_opts_wants_help(KiteOpts *opts)
{
    return opts->help;
}

GPtrArray *kite_opts_keys(KiteOpts *opts)
{
    GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < opts->keys->len; i++) {
        g_ptr_array_add(keys, g_strdup(g_ptr_array_index(opts->keys, i)));
    }
    return keys;
}

GHashTable *kite_opts_to_hash(KiteOpts *opts)
{
    GHashTable *h = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          g_free);
    GHashTableIter it;
    gpointer k, v;

    g_hash_table_iter_init(&it, opts->values);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        g_hash_table_insert(h, g_strdup(k), g_strdup(v));
    }
    return h;
}
