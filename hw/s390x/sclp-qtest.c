/*
 * qtest commands standing in for the CPU, which qtest never runs:
 *   servc CMD ADDR [problem]  ->  OK cc <n> | OK pgm 0x<4 hex digits>
 *   set_prefix ADDR           ->  OK | FAIL <reason>
 *   ext_int                   ->  OK 0x<4 hex code> 0x<8 hex param> | OK none
 * (docs/qtest.md, "Target commands").
 */
#include "kite/qtest.h"
#include "kite/s390x/sclp.h"

#include <errno.h>

/* A whole word as an unsigned number (base 0, like strtoul) <= @max. */
static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-' || *s == '+' || g_ascii_isspace(*s)) {
        return false;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v > max) {
        return false;
    }
    *out = v;
    return true;
}

static S390CPU *qtest_cpu0(GString *reply)
{
    S390CPU *cpu = s390_cpu_get(0);
    if (!cpu) {
        g_string_append(reply, "FAIL no CPU 0");
    }
    return cpu;
}

static void qtest_servc(gchar **words, GString *reply)
{
    guint n = g_strv_length(words);
    uint64_t cmd, addr;
    bool problem = false;

    /* Words after the last argument are ignored, as for every request. */
    if (n < 3) {
        g_string_append(reply, "FAIL usage: servc CMD ADDR [problem]");
        return;
    }
    if (!parse_u64(words[1], UINT32_MAX, &cmd)) {
        g_string_append_printf(reply, "FAIL invalid command word '%s'",
                               words[1]);
        return;
    }
    if (!parse_u64(words[2], UINT64_MAX, &addr)) {
        g_string_append_printf(reply, "FAIL invalid address '%s'", words[2]);
        return;
    }
    if (n >= 4) {
        if (strcmp(words[3], "problem") != 0) {
            g_string_append_printf(reply, "FAIL unknown argument '%s' "
                                   "(expected 'problem')", words[3]);
            return;
        }
        problem = true;
    }
    S390CPU *cpu = qtest_cpu0(reply);
    SCLPDevice *sclp = sclp_get();
    if (!cpu) {
        return;
    }
    if (!sclp) {
        g_string_append(reply, "FAIL no SCLP");
        return;
    }
    bool saved = cpu->problem_state;
    cpu->problem_state = problem;
    int r = sclp_service_call(sclp, cpu, (uint32_t)cmd, addr);
    cpu->problem_state = saved;
    if (r < 0) {
        g_string_append_printf(reply, "OK pgm 0x%04x", -r);
    } else {
        g_string_append_printf(reply, "OK cc %d", r);
    }
}

static void qtest_set_prefix(gchar **words, GString *reply)
{
    uint64_t addr;
    if (g_strv_length(words) < 2) {
        g_string_append(reply, "FAIL usage: set_prefix ADDR");
        return;
    }
    if (!parse_u64(words[1], UINT64_MAX, &addr)) {
        g_string_append_printf(reply, "FAIL invalid address '%s'", words[1]);
        return;
    }
    S390CPU *cpu = qtest_cpu0(reply);
    if (!cpu) {
        return;
    }
    g_autoptr(GError) err = NULL;
    if (!s390_cpu_set_prefix(cpu, addr, &err)) {
        g_string_append_printf(reply, "FAIL %s", err->message);
        return;
    }
    g_string_append(reply, "OK");
}

static void qtest_ext_int(gchar **words, GString *reply)
{
    S390CPU *cpu = qtest_cpu0(reply);
    S390ExtInt e;
    if (!cpu) {
        return;
    }
    if (!s390_cpu_pop_ext(cpu, &e)) {
        g_string_append(reply, "OK none");
        return;
    }
    g_string_append_printf(reply, "OK 0x%04x 0x%08x", e.code, e.param);
}

void sclp_qtest_register(void)
{
    qtest_register_command("servc", qtest_servc);
    qtest_register_command("set_prefix", qtest_set_prefix);
    qtest_register_command("ext_int", qtest_ext_int);
}
