/* PCI through configuration mechanism #1, as a driver with no firmware
 * help would see it (the machine has already assigned BARs). */
#ifndef LIBQOS_PCI_H
#define LIBQOS_PCI_H

#include "libqtest.h"

typedef struct QPCIDevice {
    QTestState *qts;
    int devfn;
} QPCIDevice;

uint32_t qpci_config_readl(QPCIDevice *d, uint8_t off);
uint16_t qpci_config_readw(QPCIDevice *d, uint8_t off);
uint8_t qpci_config_readb(QPCIDevice *d, uint8_t off);
void qpci_config_writel(QPCIDevice *d, uint8_t off, uint32_t v);
void qpci_config_writew(QPCIDevice *d, uint8_t off, uint16_t v);
void qpci_config_writeb(QPCIDevice *d, uint8_t off, uint8_t v);
/* First function on bus 0 with these ids; false if none. */
bool qpci_find_device(QTestState *qts, uint16_t vendor, uint16_t device,
                      QPCIDevice *out);
/* Guest address of memory BAR @n (64-bit BARs read both halves). */
uint64_t qpci_bar_address(QPCIDevice *d, int n);
/* Size of memory BAR @n, probed by writing all ones (restored after). */
uint64_t qpci_bar_size(QPCIDevice *d, int n);
/* Offset of the first capability with @id after @start (0: from the
 * list head), or 0. */
uint8_t qpci_find_capability(QPCIDevice *d, uint8_t id, uint8_t start);
void qpci_device_enable(QPCIDevice *d);   /* memory + bus master */

#endif
