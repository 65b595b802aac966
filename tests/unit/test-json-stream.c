/*
 * The QMP JSON stream splitter: complete values, values split across
 * feeds, and one error (then normal service) per malformed message.
 */
#include "kite/qmp.h"

typedef struct Collected {
    GPtrArray *items;   /* json_t * for values, GError * for errors */
    GArray *is_error;   /* gboolean per item */
} Collected;

static void collect(void *opaque, json_t *value, GError *err)
{
    Collected *c = opaque;
    gboolean e = value == NULL;
    g_assert_true((value == NULL) != (err == NULL));
    g_ptr_array_add(c->items, value ? (gpointer)value : (gpointer)err);
    g_array_append_val(c->is_error, e);
}

static Collected *collected_new(void)
{
    Collected *c = g_new0(Collected, 1);
    c->items = g_ptr_array_new();
    c->is_error = g_array_new(FALSE, FALSE, sizeof(gboolean));
    return c;
}

static void collected_free(Collected *c)
{
    for (guint i = 0; i < c->items->len; i++) {
        if (g_array_index(c->is_error, gboolean, i)) {
            g_error_free(c->items->pdata[i]);
        } else {
            json_decref(c->items->pdata[i]);
        }
    }
    g_ptr_array_free(c->items, TRUE);
    g_array_free(c->is_error, TRUE);
    g_free(c);
}

static bool item_is_error(Collected *c, guint i)
{
    return g_array_index(c->is_error, gboolean, i);
}

static const char *item_error(Collected *c, guint i)
{
    g_assert_true(item_is_error(c, i));
    return ((GError *)c->items->pdata[i])->message;
}

static json_t *item_value(Collected *c, guint i)
{
    g_assert_false(item_is_error(c, i));
    return c->items->pdata[i];
}

/* Feed @len bytes at once, or byte by byte when @split. */
static Collected *run(const char *buf, size_t len, bool split)
{
    Collected *c = collected_new();
    JsonStreamParser *p = json_stream_parser_new(collect, c);
    if (split) {
        for (size_t i = 0; i < len; i++) {
            json_stream_parser_feed(p, buf + i, 1);
        }
    } else {
        json_stream_parser_feed(p, buf, len);
    }
    json_stream_parser_free(p);
    return c;
}

#define GOOD "{\"execute\": \"query-name\", \"id\": 42}"

/* The message after a malformed one is parsed normally. */
static void assert_good_last(Collected *c)
{
    g_assert_cmpuint(c->items->len, >=, 1);
    json_t *v = item_value(c, c->items->len - 1);
    g_assert_true(json_is_object(v));
    g_assert_cmpstr(json_string_value(json_object_get(v, "execute")), ==,
                    "query-name");
    g_assert_cmpint(json_integer_value(json_object_get(v, "id")), ==, 42);
}

static void test_simple_values(void)
{
    for (int split = 0; split < 2; split++) {
        const char *in = "{\"a\": [1, 2, {\"b\": \"x}]\\\"\"}]}  [true]\n"
                         "\"str\" 12 -3.5e2 null true false {}";
        Collected *c = run(in, strlen(in), split);
        g_assert_cmpuint(c->items->len, ==, 9);
        json_t *v = item_value(c, 0);
        json_t *b = json_object_get(json_array_get(json_object_get(v, "a"), 2),
                                    "b");
        g_assert_cmpstr(json_string_value(b), ==, "x}]\"");
        g_assert_true(json_is_array(item_value(c, 1)));
        g_assert_cmpstr(json_string_value(item_value(c, 2)), ==, "str");
        g_assert_cmpint(json_integer_value(item_value(c, 3)), ==, 12);
        g_assert_cmpfloat(json_real_value(item_value(c, 4)), ==, -350.0);
        g_assert_true(json_is_null(item_value(c, 5)));
        g_assert_true(json_is_true(item_value(c, 6)));
        g_assert_true(json_is_false(item_value(c, 7)));
        /* "{}" at the very end is complete without a following byte */
        g_assert_true(json_is_object(item_value(c, 8)));
        collected_free(c);
    }
}

static void test_single_quotes(void)
{
    const char *in = "{'execute': 'qom-get', 'arguments': {'s': 'say \"hi\" \\'x\\''}}";
    for (int split = 0; split < 2; split++) {
        Collected *c = run(in, strlen(in), split);
        g_assert_cmpuint(c->items->len, ==, 1);
        json_t *v = item_value(c, 0);
        g_assert_cmpstr(json_string_value(json_object_get(v, "execute")), ==,
                        "qom-get");
        g_assert_cmpstr(json_string_value(json_object_get(
                            json_object_get(v, "arguments"), "s")), ==,
                        "say \"hi\" 'x'");
        collected_free(c);
    }
}

/* Each case: one malformed message, then GOOD.  Exactly one error. */
typedef struct BadCase {
    const char *name;
    const char *bytes;
    size_t len;          /* 0 = strlen */
    const char *error_contains;
} BadCase;

static const BadCase bad_cases[] = {
    { "syntax-missing-colon", "{\"execute\" \"x\"}\n", 0, "JSON parse error" },
    { "syntax-trailing-comma", "{\"a\": 1,}\n", 0, "JSON parse error" },
    { "stray-0xff-top", "\xff\n", 2, "stray" },
    { "stray-0xff-same-line", "\xff", 1, "stray" },
    { "stray-at-sign", "@\n", 0, "stray '@'" },
    { "stray-nul", "\0\n", 2, "stray" },
    { "stray-close-brace", "}\n", 0, "expecting value" },
    { "stray-close-bracket", "]", 0, "expecting value" },
    { "bad-keyword", "abc\n", 0, "invalid keyword 'abc'" },
    { "bad-keyword-in-value", "{\"a\": nul}\n", 0, "JSON parse error" },
    { "0xff-in-string", "{\"execute\": \"query-name\xff\"}\n", 0, "stray" },
    { "0xff-in-string-no-newline", "{\"execute\": \"q\xff\"}", 0, "stray" },
    { "control-char-in-string", "{\"execute\": \"qu\x01ery\"}\n", 0, "stray" },
    { "tab-in-string", "{\"execute\": \"a\tb\", \"x\": [1]}\n", 0, "stray" },
    { "invalid-utf8-in-string", "{\"execute\": \"\xc3\"}\n", 0, "JSON parse error" },
    { "surrogate-utf8", "{\"execute\": \"\xed\xa0\x80\"}\n", 0, "JSON parse error" },
    { "bad-escape", "{\"execute\": \"\\x\"}\n", 0, "JSON parse error" },
    { "lone-surrogate-escape", "{\"execute\": \"\\ud800\"}\n", 0, "JSON parse error" },
    { "unterminated-string-newline", "{\"execute\": \"query-name\n", 0, "stray" },
    { "unterminated-top-string-newline", "\"abc\n", 0, "stray" },
    { "mismatched-bracket", "{\"a\": [}\n", 0, "expecting ']'" },
    { "mismatched-nested", "{\"a\": {\"b\": [1, 2}, \"c\": 3}\n", 0, "expecting ']'" },
    { "unterminated-object-newline-wins",
      "{\"a\": [1, \"\xff\", {\"b\": 2\n", 0, "stray" },
    { "bad-byte-outside-string", "{\"a\": \x80}\n", 0, "stray" },
    { "control-outside-string", "{\"a\": \x01 1}\n", 0, "stray" },
    { "leading-zero", "{\"a\": 01}\n", 0, "JSON parse error" },
};

static void test_bad_case(gconstpointer data)
{
    const BadCase *bc = data;
    size_t blen = bc->len ? bc->len : strlen(bc->bytes);
    GString *in = g_string_new_len(bc->bytes, blen);
    g_string_append(in, GOOD "\n");

    for (int split = 0; split < 2; split++) {
        Collected *c = run(in->str, in->len, split);
        g_assert_cmpuint(c->items->len, ==, 2);
        g_assert_nonnull(strstr(item_error(c, 0), bc->error_contains));
        g_assert_true(g_utf8_validate(item_error(c, 0), -1, NULL));
        assert_good_last(c);
        collected_free(c);
    }
    g_string_free(in, TRUE);
}

static void test_unterminated_then_newline_string(void)
{
    /* QEMU: a newline does not end a string that was closed before it;
     * "abc" continued by the next feed is one string value. */
    const char *in = "\"abc";
    Collected *c = collected_new();
    JsonStreamParser *p = json_stream_parser_new(collect, c);
    json_stream_parser_feed(p, in, strlen(in));
    g_assert_cmpuint(c->items->len, ==, 0);
    json_stream_parser_feed(p, "\"\n", 2);
    g_assert_cmpuint(c->items->len, ==, 1);
    g_assert_cmpstr(json_string_value(item_value(c, 0)), ==, "abc");
    json_stream_parser_free(p);
    collected_free(c);
}

static void test_flush(void)
{
    Collected *c = collected_new();
    JsonStreamParser *p = json_stream_parser_new(collect, c);
    json_stream_parser_feed(p, "{\"a\": [1", 8);
    g_assert_cmpuint(c->items->len, ==, 0);
    json_stream_parser_flush(p);
    g_assert_cmpuint(c->items->len, ==, 1);
    g_assert_nonnull(strstr(item_error(c, 0), "premature end"));
    /* A top-level number needs the end of input to be complete. */
    json_stream_parser_feed(p, "17", 2);
    g_assert_cmpuint(c->items->len, ==, 1);
    json_stream_parser_flush(p);
    g_assert_cmpuint(c->items->len, ==, 2);
    g_assert_cmpint(json_integer_value(item_value(c, 1)), ==, 17);
    /* Nothing pending: nothing reported. */
    json_stream_parser_flush(p);
    g_assert_cmpuint(c->items->len, ==, 2);
    json_stream_parser_free(p);
    collected_free(c);
}

static void test_errors_without_newlines(void)
{
    /* No newline anywhere: the bad message is skipped by its nesting. */
    const char *in = "{\"execute\": \"x\xff\", \"arguments\": {\"a\": \"}\"}}" GOOD;
    for (int split = 0; split < 2; split++) {
        Collected *c = run(in, strlen(in), split);
        g_assert_cmpuint(c->items->len, ==, 2);
        item_error(c, 0);
        assert_good_last(c);
        collected_free(c);
    }
}

static void test_several_garbage_bytes(void)
{
    /* As QEMU: each byte that cannot start a token is its own error. */
    const char *in = "\xff\xfe@" GOOD;
    Collected *c = run(in, strlen(in), false);
    g_assert_cmpuint(c->items->len, ==, 4);
    for (int i = 0; i < 3; i++) {
        item_error(c, i);
    }
    assert_good_last(c);
    collected_free(c);
}

static GString *nested(int depth)
{
    GString *s = g_string_new(NULL);
    for (int i = 0; i < depth; i++) {
        g_string_append_c(s, i % 2 ? '{' : '[');
        if (i % 2) {
            g_string_append(s, "\"k\":");
        }
    }
    g_string_append_c(s, '1');
    for (int i = depth - 1; i >= 0; i--) {
        g_string_append_c(s, i % 2 ? '}' : ']');
    }
    return s;
}

static void test_depth_limit(void)
{
    /* 1024 levels are fine ... */
    GString *ok = nested(1024);
    g_string_append(ok, "\n" GOOD);
    Collected *c = run(ok->str, ok->len, false);
    g_assert_cmpuint(c->items->len, ==, 2);
    g_assert_true(json_is_array(item_value(c, 0)));
    assert_good_last(c);
    collected_free(c);
    g_string_free(ok, TRUE);

    /* ... 1025 is one error, even without a newline after it */
    for (int split = 0; split < 2; split++) {
        GString *bad = nested(1025);
        g_string_append(bad, GOOD);
        c = run(bad->str, bad->len, split);
        g_assert_cmpuint(c->items->len, ==, 2);
        g_assert_cmpstr(item_error(c, 0), ==, "JSON nesting depth limit exceeded");
        assert_good_last(c);
        collected_free(c);
        g_string_free(bad, TRUE);
    }

    /* Unbalanced and too deep: the newline resynchronises. */
    GString *open = g_string_new(NULL);
    for (int i = 0; i < 1100; i++) {
        g_string_append_c(open, '[');
    }
    g_string_append(open, "\n" GOOD "\n");
    c = run(open->str, open->len, false);
    g_assert_cmpuint(c->items->len, ==, 2);
    g_assert_cmpstr(item_error(c, 0), ==, "JSON nesting depth limit exceeded");
    assert_good_last(c);
    collected_free(c);
    g_string_free(open, TRUE);
}

static void test_size_limit(void)
{
    /* A string of 64 MiB + 1 byte is refused; the next message is fine. */
    size_t n = 64 * MiB + 1;
    Collected *c = collected_new();
    JsonStreamParser *p = json_stream_parser_new(collect, c);
    char *chunk = g_malloc(MiB);
    memset(chunk, 'a', MiB);
    json_stream_parser_feed(p, "{\"id\": \"", 8);
    for (size_t done = 0; done < n; done += MiB) {
        json_stream_parser_feed(p, chunk, MIN(MiB, n - done));
    }
    json_stream_parser_feed(p, "\"}" GOOD, 2 + strlen(GOOD));
    g_assert_cmpuint(c->items->len, ==, 2);
    g_assert_cmpstr(item_error(c, 0), ==, "JSON token size limit exceeded");
    assert_good_last(c);
    g_free(chunk);
    json_stream_parser_free(p);
    collected_free(c);

    /* One MiB is well within the limit. */
    GString *big = g_string_new("{\"id\": \"");
    for (size_t i = 0; i < MiB; i++) {
        g_string_append_c(big, 'b');
    }
    g_string_append(big, "\"}");
    c = run(big->str, big->len, false);
    g_assert_cmpuint(c->items->len, ==, 1);
    g_assert_cmpuint(strlen(json_string_value(
        json_object_get(item_value(c, 0), "id"))), ==, MiB);
    collected_free(c);
    g_string_free(big, TRUE);
}

static void test_random_garbage_recovers(void)
{
    GRand *r = g_rand_new_with_seed(1234);
    for (int round = 0; round < 600; round++) {
        /* Without an opening bracket nothing can stay open across a
         * newline (strings end there), so the good message is answered.
         * With brackets a value may legitimately continue on the next
         * line; then we only ask for well-formed callbacks. */
        bool openers = round >= 300;
        static const char plain[] = "}]\"'\\:,ab1 \xff\x01\t\x80";
        static const char all[] = "{}[]\"'\\:,ab1 \xff\x01\t\x80";
        const char *alphabet = openers ? all : plain;
        size_t alen = openers ? sizeof(all) - 1 : sizeof(plain) - 1;
        GString *in = g_string_new(NULL);
        int n = g_rand_int_range(r, 1, 64);
        for (int i = 0; i < n; i++) {
            g_string_append_c(in, alphabet[g_rand_int_range(r, 0, alen)]);
        }
        g_string_append(in, "\n" GOOD "\n");
        Collected *c = run(in->str, in->len, round % 2);
        if (!openers) {
            assert_good_last(c);
        }
        for (guint i = 0; i < c->items->len; i++) {
            if (item_is_error(c, i)) {
                g_assert_true(g_utf8_validate(item_error(c, i), -1, NULL));
            }
        }
        collected_free(c);
        g_string_free(in, TRUE);
    }
    g_rand_free(r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json-stream/simple-values", test_simple_values);
    g_test_add_func("/json-stream/single-quotes", test_single_quotes);
    for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
        char *path = g_strdup_printf("/json-stream/bad/%s", bad_cases[i].name);
        g_test_add_data_func(path, &bad_cases[i], test_bad_case);
        g_free(path);
    }
    g_test_add_func("/json-stream/string-continues-across-feeds",
                    test_unterminated_then_newline_string);
    g_test_add_func("/json-stream/flush", test_flush);
    g_test_add_func("/json-stream/errors-without-newlines",
                    test_errors_without_newlines);
    g_test_add_func("/json-stream/several-garbage-bytes",
                    test_several_garbage_bytes);
    g_test_add_func("/json-stream/depth-limit", test_depth_limit);
    g_test_add_func("/json-stream/size-limit", test_size_limit);
    g_test_add_func("/json-stream/random-garbage-recovers",
                    test_random_garbage_recovers);
    return g_test_run();
}
