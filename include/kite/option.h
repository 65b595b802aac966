/*
 * QEMU-style option strings: "value,key=value,key=value", where the first
 * item may omit its key (the implied key), ",," stands for a comma, and a
 * bare "key" means key=on (except "help" / "?").
 */
#ifndef KITE_OPTION_H
#define KITE_OPTION_H

#include "kite/common.h"

typedef struct KiteOpts KiteOpts;

/* Parse @str.  @implied_key names the key of a leading bare value, or is
 * NULL when every item must be key=value.  Duplicate keys: last wins. */
KiteOpts *kite_opts_parse(const char *str, const char *implied_key,
                          GError **errp);
void kite_opts_free(KiteOpts *opts);
const char *kite_opts_get(KiteOpts *opts, const char *key);
bool kite_opts_has(KiteOpts *opts, const char *key);
/* Typed getters: false + *errp naming the key on a bad value; *out is
 * left as @def when the key is absent. */
bool kite_opts_get_bool(KiteOpts *opts, const char *key, bool def, bool *out,
                        GError **errp);
bool kite_opts_get_number(KiteOpts *opts, const char *key, uint64_t def,
                          uint64_t *out, GError **errp);
bool kite_opts_get_size(KiteOpts *opts, const char *key, uint64_t def,
                        uint64_t *out, GError **errp);
/* Remove a key (so that the rest can be passed on as properties). */
void kite_opts_del(KiteOpts *opts, const char *key);
/* True when the string asked for help ("help" or "?" item). */
bool kite_opts_wants_help(KiteOpts *opts);
/* Keys in order of appearance: a new array of copies, freed with
 * g_ptr_array_free(keys, true). */
GPtrArray *kite_opts_keys(KiteOpts *opts);
/* The rest as a new name -> value table (strings copied). */
GHashTable *kite_opts_to_hash(KiteOpts *opts);

/* Parsers shared with properties and QMP. */
bool kite_parse_bool(const char *s, bool *out);
/* Sizes: decimal or hex with optional B/K/M/G/T/P/E suffix (powers of
 * 1024); @default_suffix applies to bare numbers ('\0' for bytes, 'M'
 * for -m). */
bool kite_parse_size(const char *s, char default_suffix, uint64_t *out);
/* The same, telling a malformed string from one that overflows (QEMU
 * words the two errors differently). */
typedef enum {
    KITE_PARSE_OK,
    KITE_PARSE_INVALID,
    KITE_PARSE_RANGE,
} KiteParseResult;
KiteParseResult kite_parse_size_full(const char *s, char default_suffix,
                                     uint64_t *out);
/* Numbers as strtoull base 0, the whole string, no overflow. */
bool kite_parse_uint64(const char *s, uint64_t *out);
bool kite_parse_int64(const char *s, int64_t *out);

#endif
