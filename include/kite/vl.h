/* Start-up: the command line, machine creation and the main loop. */
#ifndef KITE_VL_H
#define KITE_VL_H

#include "kite/common.h"
#include "kite/chardev.h"

int kite_main(int argc, char **argv);

/* The program name used in messages ("kite-system-x86_64"). */
const char *kite_prog_name(void);

/* The chardev of serial port @index from -serial (or -nographic's
 * stdio), or NULL when that port has none. */
Chardev *serial_hd(int index);

/* vl-help.c: what -h, -version and the help options print. */
void vl_print_version(void);
void vl_print_usage(void);
void vl_print_machine_list(void);
/* -machine TYPE,help: the machine's properties, sorted by name. */
void vl_print_machine_help(const char *type);
void vl_print_accel_list(void);
void vl_print_object_list(void);
void vl_print_chardev_list(void);
/* -object TYPE,help: false (with *errp) for an unknown type. */
bool vl_print_object_help(const char *type, GError **errp);

#endif
