/* The Kite error domain and the QMP class names of its codes. */
#include "kite/common.h"

G_DEFINE_QUARK(kite-error-quark, kite_error)

const char *kite_error_class(const GError *err)
{
    if (!err || err->domain != KITE_ERROR) {
        return "GenericError";
    }
    switch ((KiteErrorCode)err->code) {
    case KITE_ERROR_COMMAND_NOT_FOUND:
        return "CommandNotFound";
    case KITE_ERROR_DEVICE_NOT_FOUND:
        return "DeviceNotFound";
    case KITE_ERROR_DEVICE_NOT_ACTIVE:
        return "DeviceNotActive";
    case KITE_ERROR_KVM_MISSING_CAP:
        return "KVMMissingCap";
    case KITE_ERROR_GENERIC:
        break;
    }
    return "GenericError";
}
