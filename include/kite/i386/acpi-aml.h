/*
 * A small builder for the AML the microvm DSDT needs (ACPI 6.4, chapter
 * 20 for the encoding, 6.4 for the resource descriptors).  Each function
 * appends one encoded term to a GByteArray; the *_open/_close pairs wrap
 * a body in its PkgLength once the body's size is known.
 */
#ifndef KITE_I386_ACPI_AML_H
#define KITE_I386_ACPI_AML_H

#include "kite/common.h"

/* An integer as the shortest constant that holds it (ZeroOp, OneOp, ...). */
void aml_integer(GByteArray *a, uint64_t v);
/* Name (SEG, <integer>) */
void aml_name_integer(GByteArray *a, const char *seg, uint64_t v);
/* Name (SEG, EisaId ("PNPxxxx")) */
void aml_name_eisaid(GByteArray *a, const char *seg, const char *id);
/* Name (SEG, Buffer () { bytes }) */
void aml_name_buffer(GByteArray *a, const char *seg, const GByteArray *bytes);

/* Term openings whose PkgLength is filled in by aml_close(). */
guint aml_scope_open(GByteArray *a, const char *path);
guint aml_device_open(GByteArray *a, const char *seg);
guint aml_name_package_open(GByteArray *a, const char *seg, uint8_t count);
guint aml_package_open(GByteArray *a, uint8_t count);
void aml_close(GByteArray *a, guint open);

/* Resource descriptors for a ResourceTemplate; aml_res_end ends one. */
void aml_res_io(GByteArray *r, uint16_t base, uint8_t len);
void aml_res_irq(GByteArray *r, unsigned irq);
void aml_res_word_bus(GByteArray *r, uint16_t min, uint16_t max);
void aml_res_word_io(GByteArray *r, uint16_t min, uint16_t max);
void aml_res_dword_mem(GByteArray *r, uint32_t min, uint32_t max);
void aml_res_qword_mem(GByteArray *r, uint64_t min, uint64_t max);
void aml_res_end(GByteArray *r);

#endif
