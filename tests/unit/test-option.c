/* The option parser (util/option.c) and number/size parsers (cutils.c). */
#include "kite/option.h"

static KiteOpts *parse_ok(const char *s, const char *implied)
{
    GError *err = NULL;
    KiteOpts *opts = kite_opts_parse(s, implied, &err);

    g_assert_no_error(err);
    g_assert_nonnull(opts);
    return opts;
}

static void test_implied_key(void)
{
    KiteOpts *opts = parse_ok("microvm,accel=qtest,x=1", "type");

    g_assert_cmpstr(kite_opts_get(opts, "type"), ==, "microvm");
    g_assert_cmpstr(kite_opts_get(opts, "accel"), ==, "qtest");
    g_assert_cmpstr(kite_opts_get(opts, "x"), ==, "1");
    g_assert_false(kite_opts_wants_help(opts));
    kite_opts_free(opts);

    /* A leading key=value is not an implied value. */
    opts = parse_ok("type=none,foo=bar", "type");
    g_assert_cmpstr(kite_opts_get(opts, "type"), ==, "none");
    kite_opts_free(opts);

    /* Without an implied key a bare first item is a flag. */
    opts = parse_ok("server,wait=off", NULL);
    g_assert_cmpstr(kite_opts_get(opts, "server"), ==, "on");
    g_assert_cmpstr(kite_opts_get(opts, "wait"), ==, "off");
    kite_opts_free(opts);
}

static void test_escape(void)
{
    KiteOpts *opts = parse_ok("file,,name,path=/tmp/a,,b,,,x", "driver");

    g_assert_cmpstr(kite_opts_get(opts, "driver"), ==, "file,name");
    g_assert_cmpstr(kite_opts_get(opts, "path"), ==, "/tmp/a,b,");
    g_assert_cmpstr(kite_opts_get(opts, "x"), ==, "on");
    kite_opts_free(opts);

    /* '=' inside a value is kept. */
    opts = parse_ok("append=console=ttyS0 root=/dev/vda", NULL);
    g_assert_cmpstr(kite_opts_get(opts, "append"), ==,
                    "console=ttyS0 root=/dev/vda");
    kite_opts_free(opts);
}

static void test_bare_key_and_duplicates(void)
{
    KiteOpts *opts = parse_ok("a=1,b,a=2,c=3", NULL);
    GPtrArray *keys = kite_opts_keys(opts);

    g_assert_cmpstr(kite_opts_get(opts, "a"), ==, "2");
    g_assert_cmpstr(kite_opts_get(opts, "b"), ==, "on");
    g_assert_cmpstr(kite_opts_get(opts, "c"), ==, "3");
    g_assert_cmpuint(keys->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(keys, 0), ==, "a");
    g_assert_cmpstr(g_ptr_array_index(keys, 1), ==, "b");
    g_assert_cmpstr(g_ptr_array_index(keys, 2), ==, "c");
    g_ptr_array_free(keys, true);
    g_assert_true(kite_opts_has(opts, "b"));
    kite_opts_del(opts, "b");
    g_assert_false(kite_opts_has(opts, "b"));
    g_assert_null(kite_opts_get(opts, "b"));
    keys = kite_opts_keys(opts);
    g_assert_cmpuint(keys->len, ==, 2);
    g_ptr_array_free(keys, true);
    kite_opts_free(opts);
}

static void test_help(void)
{
    KiteOpts *opts = parse_ok("help", "driver");

    g_assert_true(kite_opts_wants_help(opts));
    g_assert_false(kite_opts_has(opts, "driver"));
    kite_opts_free(opts);

    opts = parse_ok("virtio-balloon-pci,help", "driver");
    g_assert_true(kite_opts_wants_help(opts));
    g_assert_cmpstr(kite_opts_get(opts, "driver"), ==, "virtio-balloon-pci");
    kite_opts_free(opts);

    opts = parse_ok("?", "type");
    g_assert_true(kite_opts_wants_help(opts));
    kite_opts_free(opts);

    /* help=on is an ordinary key, not a request for help. */
    opts = parse_ok("x,help=on", "driver");
    g_assert_false(kite_opts_wants_help(opts));
    kite_opts_free(opts);
}

static void test_errors_and_empty(void)
{
    GError *err = NULL;
    KiteOpts *opts = kite_opts_parse("a=1,=2", NULL, &err);

    g_assert_null(opts);
    g_assert_nonnull(err);
    g_clear_error(&err);

    opts = parse_ok("", "type");
    g_assert_false(kite_opts_has(opts, "type"));
    kite_opts_free(opts);

    opts = parse_ok("a=1,", NULL);     /* trailing comma ignored */
    g_assert_cmpstr(kite_opts_get(opts, "a"), ==, "1");
    kite_opts_free(opts);

    opts = parse_ok("a=", NULL);       /* empty value */
    g_assert_cmpstr(kite_opts_get(opts, "a"), ==, "");
    kite_opts_free(opts);
}

static void test_typed_getters(void)
{
    KiteOpts *opts = parse_ok("on=on,no=no,bad=maybe,n=0x10,sz=2M,neg=-1",
                              NULL);
    GError *err = NULL;
    bool b;
    uint64_t u;

    g_assert_true(kite_opts_get_bool(opts, "on", false, &b, &err));
    g_assert_true(b);
    g_assert_true(kite_opts_get_bool(opts, "no", true, &b, &err));
    g_assert_false(b);
    g_assert_true(kite_opts_get_bool(opts, "absent", true, &b, &err));
    g_assert_true(b);
    g_assert_false(kite_opts_get_bool(opts, "bad", false, &b, &err));
    g_assert_nonnull(strstr(err->message, "'bad'"));
    g_clear_error(&err);

    g_assert_true(kite_opts_get_number(opts, "n", 0, &u, &err));
    g_assert_cmpuint(u, ==, 16);
    g_assert_true(kite_opts_get_number(opts, "absent", 7, &u, &err));
    g_assert_cmpuint(u, ==, 7);
    g_assert_false(kite_opts_get_number(opts, "neg", 0, &u, &err));
    g_assert_nonnull(strstr(err->message, "'neg'"));
    g_clear_error(&err);

    g_assert_true(kite_opts_get_size(opts, "sz", 0, &u, &err));
    g_assert_cmpuint(u, ==, 2 * MiB);
    g_assert_false(kite_opts_get_size(opts, "bad", 0, &u, &err));
    g_assert_cmpstr(err->message, ==,
                    "Parameter 'bad' expects a non-negative number below 2^64");
    g_clear_error(&err);

    GHashTable *h = kite_opts_to_hash(opts);
    g_assert_cmpuint(g_hash_table_size(h), ==, 6);
    g_assert_cmpstr(g_hash_table_lookup(h, "sz"), ==, "2M");
    g_hash_table_destroy(h);
    kite_opts_free(opts);
}

static void test_parse_bool(void)
{
    static const char *const yes[] = { "on", "yes", "true", "y" };
    static const char *const no[] = { "off", "no", "false", "n" };
    bool b;

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        b = false;
        g_assert_true(kite_parse_bool(yes[i], &b));
        g_assert_true(b);
        g_assert_true(kite_parse_bool(no[i], &b));
        g_assert_false(b);
    }
    g_assert_false(kite_parse_bool("ON ", &b));
    g_assert_false(kite_parse_bool("1", &b));
    g_assert_false(kite_parse_bool("", &b));
    g_assert_false(kite_parse_bool(NULL, &b));
}

static void test_parse_size(void)
{
    static const struct {
        const char *s;
        char def;
        KiteParseResult r;
        uint64_t v;
    } cases[] = {
        { "0", 0, KITE_PARSE_OK, 0 },
        { "4096", 0, KITE_PARSE_OK, 4096 },
        { "128", 'M', KITE_PARSE_OK, 128 * MiB },
        { "128", 'm', KITE_PARSE_OK, 128 * MiB },
        { "1k", 0, KITE_PARSE_OK, 1024 },
        { "1K", 'M', KITE_PARSE_OK, 1024 },
        { "1b", 'M', KITE_PARSE_OK, 1 },
        { "1B", 0, KITE_PARSE_OK, 1 },
        { "2M", 0, KITE_PARSE_OK, 2 * MiB },
        { "1G", 0, KITE_PARSE_OK, GiB },
        { "1g", 0, KITE_PARSE_OK, GiB },
        { "1.5G", 'M', KITE_PARSE_OK, GiB + GiB / 2 },
        { "0.5k", 0, KITE_PARSE_OK, 512 },
        { "1T", 0, KITE_PARSE_OK, 1024 * GiB },
        { "1P", 0, KITE_PARSE_OK, 1ULL << 50 },
        { "1E", 0, KITE_PARSE_OK, 1ULL << 60 },
        { "15E", 0, KITE_PARSE_OK, 15ULL << 60 },
        { "0x1000", 0, KITE_PARSE_OK, 4096 },
        { "18446744073709551615", 0, KITE_PARSE_OK, UINT64_MAX },
        { "16E", 0, KITE_PARSE_RANGE, 0 },
        { "18446744073709551616", 0, KITE_PARSE_RANGE, 0 },
        { "99999999999999999999", 'M', KITE_PARSE_RANGE, 0 },
        { "17592186044416", 'M', KITE_PARSE_RANGE, 0 },   /* 2^44 MiB */
        { "15.99999E", 0, KITE_PARSE_OK, 0 },
        { "15.999999999999999999E", 0, KITE_PARSE_RANGE, 0 },
        { "1.5", 'M', KITE_PARSE_INVALID, 0 },
        { "1.5", 0, KITE_PARSE_INVALID, 0 },
        { "1.5B", 0, KITE_PARSE_INVALID, 0 },
        { "", 0, KITE_PARSE_INVALID, 0 },
        { "foo", 0, KITE_PARSE_INVALID, 0 },
        { "-5", 'M', KITE_PARSE_INVALID, 0 },
        { "+5", 0, KITE_PARSE_INVALID, 0 },
        { "1Q", 0, KITE_PARSE_INVALID, 0 },
        { "1MB", 0, KITE_PARSE_INVALID, 0 },
        { "1.G", 0, KITE_PARSE_INVALID, 0 },
        { ".5G", 0, KITE_PARSE_INVALID, 0 },
        { "0x", 0, KITE_PARSE_INVALID, 0 },
        { "12 ", 0, KITE_PARSE_INVALID, 0 },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t v = 0xabcd;
        KiteParseResult r = kite_parse_size_full(cases[i].s, cases[i].def, &v);

        if (r != cases[i].r) {
            g_error("size '%s': result %d, expected %d", cases[i].s, r,
                    cases[i].r);
        }
        g_assert_cmpint(kite_parse_size(cases[i].s, cases[i].def, &v), ==,
                        cases[i].r == KITE_PARSE_OK);
        if (r == KITE_PARSE_OK && cases[i].v) {
            g_assert_cmpuint(v, ==, cases[i].v);
        }
        if (r != KITE_PARSE_OK) {
            g_assert_cmpuint(v, ==, 0xabcd);   /* untouched on failure */
        }
    }
}

static void test_parse_numbers(void)
{
    uint64_t u;
    int64_t i;

    g_assert_true(kite_parse_uint64("0", &u));
    g_assert_cmpuint(u, ==, 0);
    g_assert_true(kite_parse_uint64("0x10", &u));
    g_assert_cmpuint(u, ==, 16);
    g_assert_true(kite_parse_uint64("010", &u));     /* octal, as C */
    g_assert_cmpuint(u, ==, 8);
    g_assert_true(kite_parse_uint64("18446744073709551615", &u));
    g_assert_cmpuint(u, ==, UINT64_MAX);
    g_assert_false(kite_parse_uint64("18446744073709551616", &u));
    g_assert_false(kite_parse_uint64("0x10000000000000000", &u));
    g_assert_false(kite_parse_uint64("-1", &u));
    g_assert_false(kite_parse_uint64("", &u));
    g_assert_false(kite_parse_uint64("12a", &u));
    g_assert_false(kite_parse_uint64("0x", &u));
    g_assert_false(kite_parse_uint64(" ", &u));
    g_assert_false(kite_parse_uint64("08", &u));

    g_assert_true(kite_parse_int64("-9223372036854775808", &i));
    g_assert_cmpint(i, ==, INT64_MIN);
    g_assert_true(kite_parse_int64("9223372036854775807", &i));
    g_assert_cmpint(i, ==, INT64_MAX);
    g_assert_true(kite_parse_int64("-0x10", &i));
    g_assert_cmpint(i, ==, -16);
    g_assert_false(kite_parse_int64("9223372036854775808", &i));
    g_assert_false(kite_parse_int64("-9223372036854775809", &i));
    g_assert_false(kite_parse_int64("1 ", &i));
    g_assert_false(kite_parse_int64("", &i));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/option/implied-key", test_implied_key);
    g_test_add_func("/option/escape", test_escape);
    g_test_add_func("/option/bare-key-duplicates", test_bare_key_and_duplicates);
    g_test_add_func("/option/help", test_help);
    g_test_add_func("/option/errors-empty", test_errors_and_empty);
    g_test_add_func("/option/typed-getters", test_typed_getters);
    g_test_add_func("/cutils/parse-bool", test_parse_bool);
    g_test_add_func("/cutils/parse-size", test_parse_size);
    g_test_add_func("/cutils/parse-numbers", test_parse_numbers);
    return g_test_run();
}
