/* SPDX-License-Identifier: Apache-2.0 */
/* Start-up code of the MPS2 board (AN386 Cortex-M4 / AN385 Cortex-M3) as QEMU emulates it: the
 * vector table, the reset handler that lays out .data and .bss and calls main() with the command
 * line QEMU passes through semihosting, fault handlers that report and exit with a failure
 * status, and stack painting for the footprint measurement. Test and measurement programs only;
 * a real board has its vendor's start-up code. */
#include "mps2.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];
extern uint32_t __stack_bottom[], __stack_top[];
extern void __libc_init_array(void);
extern int main(int argc, char **argv);

void fcc_board_reset(void);
void fcc_board_fault(void);
int fcc_mps2_args(char ***argv); /* semihost.c */

#define STACK_PAINT 0xC5C5C5C5u

void fcc_board_reset(void)
{
    uint32_t *p;
    char **argv;
    int argc;

    for (p = __data_start; p < __data_end; p++)
        *p = __data_load[p - __data_start];
    for (p = __bss_start; p < __bss_end; p++)
        *p = 0;
    __libc_init_array();
    argc = fcc_mps2_args(&argv);
    exit(main(argc, argv));
}

/* Reports the faulting PC and the fault status registers, then exits with status 70. */
void fcc_board_fault_report(const uint32_t *frame);
void fcc_board_fault_report(const uint32_t *frame)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    fprintf(stderr, "board: fault (exception %lu) at pc 0x%08lx lr 0x%08lx cfsr 0x%08lx bfar 0x%08lx\n",
            (unsigned long)(ipsr & 0x1FFu), (unsigned long)frame[6], (unsigned long)frame[5],
            (unsigned long)*(volatile uint32_t *)0xE000ED28u,
            (unsigned long)*(volatile uint32_t *)0xE000ED38u);
    exit(70);
}

__attribute__((naked)) void fcc_board_fault(void)
{
    __asm volatile("mrs r0, msp\n\tb fcc_board_fault_report");
}

typedef void (*vector_t)(void);

/* Initial stack pointer, reset, then NMI, HardFault, MemManage, BusFault, UsageFault: every
 * exception a test can raise ends the run with a failure. */
__attribute__((section(".vectors"), used)) static const vector_t vectors[16] = {
    (vector_t)(uintptr_t)__stack_top, fcc_board_reset, fcc_board_fault, fcc_board_fault,
    fcc_board_fault,                  fcc_board_fault, fcc_board_fault, 0,
    0,                                0,               0,               fcc_board_fault,
    fcc_board_fault,                  0,               fcc_board_fault, fcc_board_fault,
};

static uint32_t *paint_top;
static uintptr_t paint_base;

__attribute__((noinline)) void fcc_mps2_stack_paint_below(uintptr_t sp)
{
    uint32_t here;
    uint32_t *p;
    /* Leave 64 bytes below this frame untouched (this function's own spill area). */
    paint_top = (uint32_t *)((uintptr_t)&here & ~(uintptr_t)3) - 16;
    paint_base = sp;
    for (p = __stack_bottom; p < paint_top; p++)
        *p = STACK_PAINT;
}

size_t fcc_mps2_stack_used(void)
{
    uint32_t *p = __stack_bottom;
    while (p < paint_top && *p == STACK_PAINT)
        p++;
    return (size_t)(paint_base - (uintptr_t)p);
}

/* newlib's __libc_init_array calls these; with -nostartfiles nothing else defines them. */
void _init(void);
void _fini(void);
void _init(void)
{
}
void _fini(void)
{
}
