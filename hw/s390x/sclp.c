/*
 * The SCLP device and the service call (SERVC).  The guest's SCCB is read
 * once into a local buffer after the architecture's checks, the command
 * runs on that copy, and the copy is written back: the guest cannot change
 * what was validated while the command runs.
 */
#include "kite/s390x/event-facility.h"
#include "kite/memory.h"

static SCLPDevice *the_sclp;

SCLPDevice *sclp_get(void)
{
    return the_sclp;
}

unsigned sclp_increment_shift(uint64_t ram_size)
{
    unsigned shift = 20;
    while ((ram_size >> shift) > SCLP_MAX_STORAGE_INCREMENTS) {
        shift++;
    }
    return shift;
}

static bool sclp_command_known(uint32_t code)
{
    switch (code & SCLP_CMD_CODE_MASK) {
    case SCLP_CMDW_READ_SCP_INFO:
    case SCLP_CMDW_READ_SCP_INFO_FORCED:
    case SCLP_CMDW_READ_CPU_INFO:
    case SCLP_CMD_WRITE_EVENT_DATA:
    case SCLP_CMD_READ_EVENT_DATA:
    case SCLP_CMD_WRITE_EVENT_MASK:
        return true;
    }
    return false;
}

static bool sclp_command_is_read_info(uint32_t code)
{
    switch (code & SCLP_CMD_CODE_MASK) {
    case SCLP_CMDW_READ_SCP_INFO:
    case SCLP_CMDW_READ_SCP_INFO_FORCED:
    case SCLP_CMDW_READ_CPU_INFO:
        return true;
    }
    return false;
}

void sclp_execute(SCLPDevice *sclp, S390CPU *cpu, uint8_t *sccb, size_t len,
                  uint32_t code)
{
    switch (code & SCLP_CMD_CODE_MASK) {
    case SCLP_CMDW_READ_SCP_INFO:
    case SCLP_CMDW_READ_SCP_INFO_FORCED:
        sclp_read_scp_info(sclp, cpu, sccb, len);
        break;
    case SCLP_CMDW_READ_CPU_INFO:
        sclp_read_cpu_info(sclp, cpu, sccb, len);
        break;
    case SCLP_CMD_WRITE_EVENT_DATA:
    case SCLP_CMD_READ_EVENT_DATA:
    case SCLP_CMD_WRITE_EVENT_MASK:
        if (sclp->ef) {
            sclp_event_facility_command(sclp->ef, sccb, len, code);
        } else {
            sclp_set_rc(sccb, SCLP_RC_INVALID_SCLP_COMMAND);
        }
        break;
    default:
        sclp_set_rc(sccb, SCLP_RC_INVALID_SCLP_COMMAND);
        break;
    }
}

void sclp_service_interrupt(SCLPDevice *sclp, uint32_t sccb)
{
    uint32_t param = sccb & ~3u;
    if (sclp && sclp->ef && sclp_event_facility_pending(sclp->ef)) {
        param |= 1;
    }
    if (param) {
        s390_sclp_extint(param);
    }
}

/* Is [addr, addr+len) guest RAM? */
static bool sclp_is_ram(uint64_t addr, uint64_t len)
{
    uint64_t offset, avail;
    return address_space_ram_block(address_space_memory(), addr, &offset,
                                   &avail) && avail >= len;
}

int sclp_service_call(SCLPDevice *sclp, S390CPU *cpu, uint32_t code,
                      uint64_t sccb)
{
    uint8_t hdr[sizeof(SCCBHeader)];

    /* The checks, in the architecture's order. */
    if (cpu->problem_state) {
        return -S390_PGM_PRIVILEGED;
    }
    if (!sclp_is_ram(sccb, 1)) {
        return -S390_PGM_ADDRESSING;
    }
    if ((sccb & ~(S390_PREFIX_SIZE - 1)) == 0 ||
        (sccb & ~(S390_PREFIX_SIZE - 1)) == cpu->prefix ||
        (sccb & ~0x7ffffff8ULL) != 0) {
        return -S390_PGM_SPECIFICATION;
    }
    /* An 8-byte aligned address in RAM has its whole header in RAM
     * (RAM is a multiple of 1 MiB); checked anyway. */
    if (!dma_memory_read(address_space_memory(), sccb, hdr, sizeof(hdr),
                         NULL)) {
        return -S390_PGM_ADDRESSING;
    }
    uint16_t len = sclp_be16(hdr + offsetof(SCCBHeader, length));
    if (len < sizeof(SCCBHeader)) {
        return -S390_PGM_SPECIFICATION;
    }

    uint16_t rc = 0;
    if (!sclp_command_known(code)) {
        rc = SCLP_RC_INVALID_SCLP_COMMAND;
    } else if (!(sclp_command_is_read_info(code) &&
                 cpu->extended_length_sccb) &&
               (sccb & (SCCB_SIZE - 1)) + len > SCCB_SIZE) {
        /* Crossing a 4 KiB boundary; an SCCB longer than 4 KiB always
         * does.  Only Read SCP/CPU Info with the extended-length SCCB
         * facility may. */
        rc = SCLP_RC_SCCB_BOUNDARY_VIOLATION;
    } else if (!sclp_is_ram(sccb, len)) {
        /* Only reachable with an extended-length SCCB running off the
         * end of RAM: an access exception on the operand. */
        return -S390_PGM_ADDRESSING;
    }

    if (rc) {
        /* Only the response code changes: write back the header. */
        sclp_st16(hdr + offsetof(SCCBHeader, response_code), rc);
        dma_memory_write(address_space_memory(), sccb, hdr, sizeof(hdr),
                         NULL);
    } else {
        /* len <= 4 KiB, or <= 64 KiB - 1 for an extended-length SCCB. */
        g_autofree uint8_t *buf = g_malloc(len);
        if (!dma_memory_read(address_space_memory(), sccb, buf, len, NULL)) {
            return -S390_PGM_ADDRESSING;
        }
        sclp_execute(sclp, cpu, buf, len, code);
        dma_memory_write(address_space_memory(), sccb, buf, len, NULL);
    }
    sclp_service_interrupt(sclp, (uint32_t)sccb);
    return 0;
}

static bool sclp_realize(DeviceState *dev, GError **errp)
{
    SCLPDevice *sclp = SCLP(dev);
    if (the_sclp) {
        kite_error_set(errp, "Only one SCLP device is supported");
        return false;
    }
    DeviceState *ef = qdev_new(TYPE_SCLP_EVENT_FACILITY);
    object_property_add_child(OBJECT(dev), "event-facility", OBJECT(ef));
    object_unref(OBJECT(ef));
    /* Set first: the facility's own event sources look it up. */
    the_sclp = sclp;
    sclp->ef = SCLP_EVENT_FACILITY(ef);
    if (!qdev_realize(ef, errp)) {
        the_sclp = NULL;
        sclp->ef = NULL;
        object_unparent(OBJECT(ef));
        return false;
    }
    return true;
}

static void sclp_unrealize(DeviceState *dev)
{
    if (the_sclp == SCLP(dev)) {
        the_sclp = NULL;
    }
}

static const Property sclp_props[] = {
    DEFINE_PROP_SIZE("ram-size", SCLPDevice, ram_size, 0),
    DEFINE_PROP_END_OF_LIST(),
};

static void sclp_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    dc->desc = "SCLP (Service-Call Logical Processor)";
    dc->realize = sclp_realize;
    dc->unrealize = sclp_unrealize;
    dc->user_creatable = false;
}

static const TypeInfo sclp_type = {
    .name = TYPE_SCLP,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(SCLPDevice),
    .class_size = sizeof(DeviceClass),
    .class_init = sclp_class_init,
    .props = sclp_props,
};

static void sclp_register_types(void)
{
    type_register(&sclp_type);
}

type_init(sclp_register_types)
