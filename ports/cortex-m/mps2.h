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

/* Fills the unused part of the main stack with a pattern; `sp` is the caller's stack pointer,
 * from which fcc_mps2_stack_used() counts. Use fcc_mps2_stack_paint(). */
void fcc_mps2_stack_paint_below(uintptr_t sp);
static inline void fcc_mps2_stack_paint(void)
{
    uintptr_t sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    fcc_mps2_stack_paint_below(sp);
}
/* Bytes of stack between the caller's stack pointer at fcc_mps2_stack_paint() and the deepest
 * point any call reached since (the first unpainted word). An upper bound: the ~100 bytes the
 * painting function itself occupies count as used. */
size_t fcc_mps2_stack_used(void);

/* Semihosting: raw call (op, parameter block); returns r0. */
intptr_t fcc_mps2_semihost(int op, void *arg);

#ifdef __cplusplus
}
#endif
#endif /* FCC_MPS2_H */
