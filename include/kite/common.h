/* Common definitions shared by every Kite module. */
#ifndef KITE_COMMON_H
#define KITE_COMMON_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <string.h>

typedef uint64_t hwaddr;
#define HWADDR_PRIx PRIx64

#define KITE_VERSION_MAJOR 7
#define KITE_VERSION_MINOR 2
#define KITE_VERSION_MICRO 0
#define KITE_VERSION_STRING "7.2.0"
#define KITE_PACKAGE "kite-0.1"

/*
 * Errors travel as GError in this domain.  The code selects the QMP error
 * class a client sees, so the enum mirrors QEMU's QapiErrorClass.
 */
#define KITE_ERROR kite_error_quark()
GQuark kite_error_quark(void);

typedef enum {
    KITE_ERROR_GENERIC,          /* "GenericError" */
    KITE_ERROR_COMMAND_NOT_FOUND,/* "CommandNotFound" */
    KITE_ERROR_DEVICE_NOT_FOUND, /* "DeviceNotFound" */
    KITE_ERROR_DEVICE_NOT_ACTIVE,/* "DeviceNotActive" */
    KITE_ERROR_KVM_MISSING_CAP,  /* "KVMMissingCap" */
} KiteErrorCode;

/* QMP error class name for @err ("GenericError" for foreign domains). */
const char *kite_error_class(const GError *err);

/* Set *errp (if errp is not NULL) to a GenericError with a printf message. */
#define kite_error_set(errp, ...) \
    g_set_error((errp), KITE_ERROR, KITE_ERROR_GENERIC, __VA_ARGS__)

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))
#endif

#define container_of_kite(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))

#endif
