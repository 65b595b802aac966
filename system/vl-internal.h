/* What vl.c shares with vl-machine.c; nothing else includes this. */
#ifndef KITE_VL_INTERNAL_H
#define KITE_VL_INTERNAL_H

#include "kite/chardev.h"
#include "kite/machine.h"
#include "kite/option.h"

/* One occurrence of an option that is processed after parsing. */
typedef struct VlOpt {
    char *loc;      /* "-device foo,bar=1" as typed, for messages */
    char *arg;
} VlOpt;

typedef enum {
    MON_MODE_READLINE,
    MON_MODE_CONTROL,
} MonitorMode;

typedef struct VlMonitor {
    char *loc;
    char *chardev_id;     /* the chardev to serve on */
    char *spec;           /* -qmp / -monitor: create chardev_id from it */
    MonitorMode mode;
} VlMonitor;

/* Everything the command line asked for; held by a global so that
 * nothing is lost (or reported as leaked) when we exit on an error. */
typedef struct VlConfig {
    char *prog;
    GPtrArray *machine;     /* VlOpt * */
    GPtrArray *accel;       /* VlOpt * */
    GPtrArray *device;
    GPtrArray *object;
    GPtrArray *chardev;
    GPtrArray *serial;
    GPtrArray *monitors;    /* VlMonitor * */
    VlOpt *cpu, *mem, *smp;
    char *qtest_spec, *qtest_log;
    char *kernel, *append, *initrd;
    bool start_stopped;
    bool nographic;
    bool nodefaults;
    Chardev *serial_hds[4];
} VlConfig;

extern VlConfig vl_config;

/* Leave at once (help printed, or a fatal error): see vl.c. */
void G_GNUC_NORETURN vl_exit(int status);
/* Print "PROG: LOC: message" (LOC may be NULL) and exit with status 1. */
void G_GNUC_NORETURN G_GNUC_PRINTF(2, 3) vl_fail(const char *loc,
                                                 const char *fmt, ...);
void G_GNUC_NORETURN vl_fail_err(const char *loc, GError *err);
KiteOpts *vl_parse_opts(const VlOpt *o, const char *implied_key);
/* Refuse keys outside @allowed (NULL-terminated). */
void vl_check_keys(const VlOpt *o, KiteOpts *opts,
                   const char *const *allowed);

/* vl-machine.c: -machine, -m, -smp, -cpu and the machine object. */
void vl_collect_machine_opts(void);
MachineClass *vl_select_machine(void);
void vl_parse_memory(MachineClass *mc);
void vl_parse_smp(MachineClass *mc);
void vl_check_cpu_model(void);
MachineState *vl_create_machine(MachineClass *mc);
void vl_resolve_memory_backend(MachineState *ms);
/* -machine accel=, or NULL; *loc is the -machine option that gave it. */
const char *vl_machine_accel(const char **loc);

#endif
