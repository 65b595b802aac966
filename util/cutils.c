/*
 * Number and size parsers shared by the option parser, properties and
 * QMP.  They follow QEMU's rules: whole string, no sign for unsigned,
 * overflow is an error, sizes take binary suffixes.
 */
#include "kite/option.h"

#include <errno.h>
#include <stdlib.h>
#include <ctype.h>

bool kite_parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = { "on", "yes", "true", "y" };
    static const char *const no[] = { "off", "no", "false", "n" };

    if (!s) {
        return false;
    }
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (!strcmp(s, yes[i])) {
            *out = true;
            return true;
        }
        if (!strcmp(s, no[i])) {
            *out = false;
            return true;
        }
    }
    return false;
}

bool kite_parse_uint64(const char *s, uint64_t *out)
{
    const char *p = s;
    char *end;
    unsigned long long v;

    if (!s || !*s) {
        return false;
    }
    while (isspace((unsigned char)*p)) {
        p++;
    }
    /* strtoull accepts "-1" and wraps it; QEMU's parsers refuse signs. */
    if (*p == '-' || *p == '+' || !*p) {
        return false;
    }
    errno = 0;
    v = strtoull(p, &end, 0);
    if (errno || end == p || *end) {
        return false;
    }
    *out = v;
    return true;
}

bool kite_parse_int64(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (!s || !*s || isspace((unsigned char)*s)) {
        return false;
    }
    errno = 0;
    v = strtoll(s, &end, 0);
    if (errno || end == s || *end) {
        return false;
    }
    *out = v;
    return true;
}

static int size_suffix_shift(char c)
{
    switch (g_ascii_toupper(c)) {
    case 'B': return 0;
    case 'K': return 10;
    case 'M': return 20;
    case 'G': return 30;
    case 'T': return 40;
    case 'P': return 50;
    case 'E': return 60;
    default: return -1;
    }
}

/*
 * "1.5G", "128", "0x1000", "2k".  A fraction needs an explicit suffix
 * other than B (QEMU refuses "-m 1.5").  Hex takes no fraction.
 */
KiteParseResult kite_parse_size_full(const char *s, char default_suffix,
                                     uint64_t *out)
{
    const char *p;
    char *end;
    uint64_t whole;
    double frac = 0;
    int shift;
    bool hex;

    if (!s) {
        return KITE_PARSE_INVALID;
    }
    p = s;
    while (isspace((unsigned char)*p)) {
        p++;
    }
    if (!isdigit((unsigned char)*p)) {
        /* Covers signs, empty strings and ".5". */
        return KITE_PARSE_INVALID;
    }
    hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
    errno = 0;
    whole = strtoull(p, &end, hex ? 16 : 10);
    if (end == p || (hex && end == p + 2)) {
        return KITE_PARSE_INVALID;
    }
    bool range_err = errno == ERANGE;
    bool has_frac = false;
    if (!hex && *end == '.') {
        const char *f = end;
        char *fend;
        if (!isdigit((unsigned char)f[1])) {
            return KITE_PARSE_INVALID;
        }
        frac = strtod(f, &fend);
        end = fend;
        has_frac = true;
    }
    if (*end) {
        shift = size_suffix_shift(*end);
        if (shift < 0 || end[1]) {
            return KITE_PARSE_INVALID;
        }
        if (has_frac && shift == 0) {
            return KITE_PARSE_INVALID;
        }
    } else {
        if (has_frac) {
            return KITE_PARSE_INVALID;
        }
        shift = default_suffix ? size_suffix_shift(default_suffix) : 0;
        if (shift < 0) {
            shift = 0;
        }
    }
    if (range_err) {
        return KITE_PARSE_RANGE;
    }
    if (shift && whole > (UINT64_MAX >> shift)) {
        return KITE_PARSE_RANGE;
    }
    uint64_t v = whole << shift;
    if (has_frac) {
        double extra = frac * (double)(1ULL << shift);
        /* 2^64 as a double; anything at or past it overflows. */
        if ((double)v + extra >= 18446744073709551616.0) {
            return KITE_PARSE_RANGE;
        }
        uint64_t add = (uint64_t)extra;
        if (v + add < v) {
            return KITE_PARSE_RANGE;
        }
        v += add;
    }
    *out = v;
    return KITE_PARSE_OK;
}

bool kite_parse_size(const char *s, char default_suffix, uint64_t *out)
{
    return kite_parse_size_full(s, default_suffix, out) == KITE_PARSE_OK;
}
