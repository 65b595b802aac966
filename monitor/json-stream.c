/*
 * The JSON stream splitter used by QMP.
 *
 * A byte-at-a-time scanner finds where each top-level JSON value ends
 * (tracking strings, escapes and {} / [] nesting) and hands the value's
 * text to jansson.  The scanner never parses values itself; it only needs
 * to know enough to (a) find the end of a value and (b) resynchronise
 * after bad input so that each malformed message costs exactly one error
 * reply and the next message is answered normally.
 *
 * Resynchronisation rules (QEMU's, tightened so that one bad message
 * gives one error rather than a cascade):
 *  - garbage between values (a byte that cannot start a token, a stray
 *    closing bracket, an unknown keyword) is one error; scanning resumes
 *    at the next byte;
 *  - an error inside a value (a control character or 0xfe/0xff in a
 *    string, a bad byte outside strings, a mismatched bracket, the depth
 *    or size limit) is one error; the rest of that value is skipped by
 *    following its nesting, and a newline always ends the skip, so an
 *    unterminated message cannot swallow the next line;
 *  - a raw newline inside a string is an error and the next line starts
 *    afresh (QEMU does the same).
 * Single-quoted strings (a QEMU extension used by test clients) are
 * rewritten to double-quoted ones before jansson sees them.
 */
#include "kite/qmp.h"

#define JSON_MAX_DEPTH 1024
#define JSON_MAX_SIZE (64 * MiB)

typedef enum {
    JS_START,       /* between top-level values */
    JS_VALUE,       /* inside an object or array, outside strings */
    JS_STRING,      /* inside a string */
    JS_STRING_ESC,  /* after a backslash inside a string */
    JS_SCALAR,      /* a top-level number or keyword */
    JS_SKIP,        /* skipping the rest of a malformed value */
} JsonScanState;

struct JsonStreamParser {
    JsonEmitFn *emit;
    void *opaque;
    JsonScanState state;
    GString *text;          /* normalised text of the current value */
    char stack[JSON_MAX_DEPTH];
    int depth;
    char quote;             /* '"' or '\'' while in a string */
    size_t string_start;    /* offset of the current string in @text */
    /* JS_SKIP bookkeeping */
    int skip_depth;
    bool skip_in_string;
    bool skip_escape;
    char skip_quote;
};

JsonStreamParser *json_stream_parser_new(JsonEmitFn *emit, void *opaque)
{
    JsonStreamParser *p = g_new0(JsonStreamParser, 1);
    p->emit = emit;
    p->opaque = opaque;
    p->text = g_string_new(NULL);
    p->state = JS_START;
    return p;
}

void json_stream_parser_free(JsonStreamParser *p)
{
    if (!p) {
        return;
    }
    g_string_free(p->text, TRUE);
    g_free(p);
}

static void js_reset(JsonStreamParser *p)
{
    if (p->text->allocated_len > MiB) {
        /* don't keep a huge buffer after a huge message */
        g_string_free(p->text, TRUE);
        p->text = g_string_new(NULL);
    }
    g_string_truncate(p->text, 0);
    p->depth = 0;
    p->state = JS_START;
}

static void js_emit_error(JsonStreamParser *p, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void js_emit_error(JsonStreamParser *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    GError *err = g_error_new_literal(KITE_ERROR, KITE_ERROR_GENERIC, msg);
    g_free(msg);
    p->emit(p->opaque, NULL, err);
}

/*
 * Text of @len bytes made safe to show in an error message: valid UTF-8
 * (invalid bytes become U+FFFD, as QEMU shows them) without NULs.
 */
static char *js_printable(const char *s, size_t len)
{
    GString *out = g_string_new(NULL);
    const char *end = s + len;
    while (s < end) {
        guchar c = *s;
        if (c < 0x80) {
            if (c) {
                g_string_append_c(out, c);
            }
            s++;
            continue;
        }
        gunichar ch = g_utf8_get_char_validated(s, end - s);
        if (ch == (gunichar)-1 || ch == (gunichar)-2) {
            g_string_append(out, "\xEF\xBF\xBD");
            s++;
            continue;
        }
        const char *next = g_utf8_next_char(s);
        g_string_append_len(out, s, next - s);
        s = next;
    }
    return g_string_free(out, FALSE);
}

static void js_error_stray(JsonStreamParser *p, const char *s, size_t len)
{
    char *shown = js_printable(s, len);
    js_emit_error(p, "JSON parse error, stray '%s'", shown);
    g_free(shown);
}

/* Report an error inside a value and skip the rest of it. */
static void js_fail_in_value(JsonStreamParser *p, bool in_string, char quote)
{
    p->skip_depth = p->depth;
    p->skip_in_string = in_string;
    p->skip_escape = false;
    p->skip_quote = quote;
    js_reset(p);
    p->state = JS_SKIP;
}

static void js_complete(JsonStreamParser *p)
{
    json_error_t jerr;
    json_t *v = json_loadb(p->text->str, p->text->len,
                           JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    js_reset(p);
    if (v) {
        p->emit(p->opaque, v, NULL);
    } else {
        char *shown = js_printable(jerr.text, strlen(jerr.text));
        js_emit_error(p, "JSON parse error, %s", shown);
        g_free(shown);
    }
}

static bool js_is_space(guchar c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool js_is_scalar_char(guchar c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '+' || c == '.' || c == '_';
}

/* A top-level number or keyword ended (the byte after it is not eaten). */
static void js_finish_scalar(JsonStreamParser *p)
{
    json_error_t jerr;
    json_t *v = json_loadb(p->text->str, p->text->len, JSON_DECODE_ANY, &jerr);
    if (v) {
        js_reset(p);
        p->emit(p->opaque, v, NULL);
        return;
    }
    char *shown = js_printable(p->text->str, p->text->len);
    bool keyword = g_ascii_isalpha(p->text->str[0]);
    js_reset(p);
    if (keyword) {
        js_emit_error(p, "JSON parse error, invalid keyword '%s'", shown);
    } else {
        js_emit_error(p, "JSON parse error, invalid number '%s'", shown);
    }
    g_free(shown);
}

static void js_begin_string(JsonStreamParser *p, char quote)
{
    p->quote = quote;
    p->string_start = p->text->len;
    g_string_append_c(p->text, '"');
    p->state = JS_STRING;
}

static void js_open(JsonStreamParser *p, char c)
{
    if (p->depth >= JSON_MAX_DEPTH) {
        js_emit_error(p, "JSON nesting depth limit exceeded");
        js_fail_in_value(p, false, 0);
        p->skip_depth++;   /* the bracket just seen */
        return;
    }
    p->stack[p->depth++] = c;
    g_string_append_c(p->text, c);
    p->state = JS_VALUE;
}

static void js_byte_start(JsonStreamParser *p, guchar c)
{
    if (js_is_space(c)) {
        return;
    }
    switch (c) {
    case '{':
    case '[':
        js_open(p, c);
        return;
    case '"':
    case '\'':
        js_begin_string(p, c);
        return;
    case '}':
    case ']':
    case ',':
    case ':':
        js_emit_error(p, "JSON parse error, expecting value");
        return;
    }
    if (js_is_scalar_char(c)) {
        g_string_append_c(p->text, c);
        p->state = JS_SCALAR;
        return;
    }
    js_error_stray(p, (const char *)&c, 1);
}

static void js_byte_value(JsonStreamParser *p, guchar c)
{
    switch (c) {
    case '{':
    case '[':
        js_open(p, c);
        return;
    case '}':
    case ']': {
        char want = p->stack[p->depth - 1] == '{' ? '}' : ']';
        if (c != want) {
            js_emit_error(p, "JSON parse error, expecting '%c' but got '%c'",
                          want, c);
            p->depth--;
            js_fail_in_value(p, false, 0);
            if (p->skip_depth == 0) {
                p->state = JS_START;
            }
            return;
        }
        g_string_append_c(p->text, c);
        if (--p->depth == 0) {
            js_complete(p);
        }
        return;
    }
    case '"':
    case '\'':
        js_begin_string(p, c);
        return;
    }
    if (c < 0x20 && !js_is_space(c)) {
        js_error_stray(p, (const char *)&c, 1);
        js_fail_in_value(p, false, 0);
        return;
    }
    if (c >= 0x80) {
        js_error_stray(p, (const char *)&c, 1);
        js_fail_in_value(p, false, 0);
        return;
    }
    g_string_append_c(p->text, c);
}

static void js_string_error(JsonStreamParser *p, guchar c)
{
    GString *t = p->text;
    g_string_append_c(t, c);
    /* Show the string as the client wrote it so far, like QEMU. */
    js_error_stray(p, t->str + p->string_start, t->len - p->string_start);
}

static void js_byte_string(JsonStreamParser *p, guchar c)
{
    if (c == '\n') {
        /* An unterminated string: the next line is a new message. */
        js_string_error(p, c);
        js_reset(p);
        return;
    }
    if (c < 0x20 || c == 0xfe || c == 0xff) {
        js_string_error(p, c);
        js_fail_in_value(p, true, p->quote);
        return;
    }
    if (p->state == JS_STRING_ESC) {
        p->state = JS_STRING;
        if (c == '\'') {
            g_string_append_c(p->text, '\'');
        } else {
            /* jansson judges the escape (and \uXXXX) itself */
            g_string_append_c(p->text, '\\');
            g_string_append_c(p->text, c);
        }
        return;
    }
    if (c == '\\') {
        p->state = JS_STRING_ESC;
        return;
    }
    if (c == (guchar)p->quote) {
        g_string_append_c(p->text, '"');
        p->state = JS_VALUE;
        if (p->depth == 0) {
            js_complete(p);
        }
        return;
    }
    if (c == '"') {
        /* a double quote inside a single-quoted string */
        g_string_append(p->text, "\\\"");
        return;
    }
    g_string_append_c(p->text, c);
}

static void js_byte_skip(JsonStreamParser *p, guchar c)
{
    if (c == '\n') {
        js_reset(p);
        return;
    }
    if (p->skip_in_string) {
        if (p->skip_escape) {
            p->skip_escape = false;
        } else if (c == '\\') {
            p->skip_escape = true;
        } else if (c == (guchar)p->skip_quote) {
            p->skip_in_string = false;
        }
        return;
    }
    switch (c) {
    case '"':
    case '\'':
        p->skip_in_string = true;
        p->skip_quote = c;
        break;
    case '{':
    case '[':
        p->skip_depth++;
        break;
    case '}':
    case ']':
        if (--p->skip_depth <= 0) {
            js_reset(p);
        }
        break;
    }
}

static void js_byte(JsonStreamParser *p, guchar c)
{
    switch (p->state) {
    case JS_START:
        js_byte_start(p, c);
        break;
    case JS_VALUE:
        js_byte_value(p, c);
        break;
    case JS_STRING:
    case JS_STRING_ESC:
        js_byte_string(p, c);
        break;
    case JS_SCALAR:
        if (js_is_scalar_char(c)) {
            g_string_append_c(p->text, c);
        } else {
            js_finish_scalar(p);
            js_byte_start(p, c);
        }
        break;
    case JS_SKIP:
        js_byte_skip(p, c);
        return;
    }
    if (p->text->len > JSON_MAX_SIZE) {
        js_emit_error(p, "JSON token size limit exceeded");
        if (p->state == JS_SCALAR) {
            js_reset(p);   /* keep skipping the scalar as stray bytes */
            return;
        }
        bool in_string = p->state == JS_STRING || p->state == JS_STRING_ESC;
        bool escape = p->state == JS_STRING_ESC;
        js_fail_in_value(p, in_string, p->quote);
        p->skip_escape = escape;
    }
}

void json_stream_parser_feed(JsonStreamParser *p, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        js_byte(p, (guchar)buf[i]);
    }
}

void json_stream_parser_flush(JsonStreamParser *p)
{
    switch (p->state) {
    case JS_START:
        break;
    case JS_SCALAR:
        js_finish_scalar(p);
        break;
    case JS_SKIP:
        js_reset(p);
        break;
    default:
        js_reset(p);
        js_emit_error(p, "JSON parse error, premature end of input");
        break;
    }
}
