/* SPDX-License-Identifier: Apache-2.0 */
/* Services of the emulated MPS2 board (startup_mps2.c, semihost.c) that test and measurement
 * programs use beyond the port itself: semihosting exit and output, and stack painting to measure
 * the peak stack of a call. Not part of the port a real board needs. */
#ifndef FCC_MPS2_H
#define FCC_MPS2_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fills the unused part of the main stack (below the caller's frame) with a pattern. */
void fcc_mps2_stack_paint(void);
/* Bytes of stack below the point where fcc_mps2_stack_paint was called that were touched since
 * (the deepest point any call reached, measured by the first unpainted word). */
size_t fcc_mps2_stack_used(void);

/* Semihosting: raw call (op, parameter block); returns r0. */
intptr_t fcc_mps2_semihost(int op, void *arg);

#ifdef __cplusplus
}
#endif
#endif /* FCC_MPS2_H */
