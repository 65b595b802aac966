/* PCI configuration access for qtests (ports 0xcf8 / 0xcfc). */
#include "libqos/pci.h"

static void select_reg(QPCIDevice *d, uint8_t off)
{
    qtest_outl(d->qts, 0xcf8, 0x80000000u | (uint32_t)d->devfn << 8 | (off & 0xfc));
}

uint32_t qpci_config_readl(QPCIDevice *d, uint8_t off)
{
    select_reg(d, off);
    return qtest_inl(d->qts, 0xcfc);
}

uint16_t qpci_config_readw(QPCIDevice *d, uint8_t off)
{
    select_reg(d, off);
    return qtest_inw(d->qts, 0xcfc + (off & 2));
}

uint8_t qpci_config_readb(QPCIDevice *d, uint8_t off)
{
    select_reg(d, off);
    return qtest_inb(d->qts, 0xcfc + (off & 3));
}

void qpci_config_writel(QPCIDevice *d, uint8_t off, uint32_t v)
{
    select_reg(d, off);
    qtest_outl(d->qts, 0xcfc, v);
}

void qpci_config_writew(QPCIDevice *d, uint8_t off, uint16_t v)
{
    select_reg(d, off);
    qtest_outw(d->qts, 0xcfc + (off & 2), v);
}

void qpci_config_writeb(QPCIDevice *d, uint8_t off, uint8_t v)
{
    select_reg(d, off);
    qtest_outb(d->qts, 0xcfc + (off & 3), v);
}

bool qpci_find_device(QTestState *qts, uint16_t vendor, uint16_t device,
                      QPCIDevice *out)
{
    for (int devfn = 0; devfn < 256; devfn++) {
        QPCIDevice d = { qts, devfn };
        uint32_t id = qpci_config_readl(&d, 0);

        if (id == ((uint32_t)device << 16 | vendor)) {
            *out = d;
            return true;
        }
    }
    return false;
}

uint64_t qpci_bar_address(QPCIDevice *d, int n)
{
    uint32_t lo = qpci_config_readl(d, 0x10 + 4 * n);
    uint64_t addr = lo & ~0xfu;

    if (lo & 0x4) {
        addr |= (uint64_t)qpci_config_readl(d, 0x14 + 4 * n) << 32;
    }
    return addr;
}

uint64_t qpci_bar_size(QPCIDevice *d, int n)
{
    uint8_t off = 0x10 + 4 * n;
    uint32_t lo = qpci_config_readl(d, off), hi = 0, slo, shi = 0xffffffff;
    bool is64 = lo & 0x4;
    uint64_t mask;

    if (is64) {
        hi = qpci_config_readl(d, off + 4);
    }
    qpci_config_writel(d, off, 0xffffffff);
    slo = qpci_config_readl(d, off);
    if (is64) {
        qpci_config_writel(d, off + 4, 0xffffffff);
        shi = qpci_config_readl(d, off + 4);
        qpci_config_writel(d, off + 4, hi);
    }
    qpci_config_writel(d, off, lo);
    mask = ((uint64_t)shi << 32) | (slo & ~0xfu);
    return mask ? ~mask + 1 : 0;
}

uint8_t qpci_find_capability(QPCIDevice *d, uint8_t id, uint8_t start)
{
    uint8_t off = start ? qpci_config_readb(d, start + 1)
                        : qpci_config_readb(d, 0x34);
    int guard = 0;

    while (off && guard++ < 48) {
        if (qpci_config_readb(d, off) == id) {
            return off;
        }
        off = qpci_config_readb(d, off + 1);
    }
    return 0;
}

void qpci_device_enable(QPCIDevice *d)
{
    uint16_t cmd = qpci_config_readw(d, 0x04);

    qpci_config_writew(d, 0x04, cmd | 0x2 | 0x4);
}
