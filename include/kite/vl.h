/* Start-up: the command line, machine creation and the main loop. */
#ifndef KITE_VL_H
#define KITE_VL_H

#include "kite/common.h"

int kite_main(int argc, char **argv);

#endif
