/* Start-up of the C firmware on a Cortex-M3: the vector table, the reset
 * handler (copy .data, zero .bss, run main, exit with its status) and the
 * semihosting call QEMU answers (-semihosting-config enable=on). */
    .syntax unified
    .cpu cortex-m3
    .thumb

    .section .isr_vector, "a", %progbits
    .align 2
    .word _stack_top
    .word reset_handler
    .word fault_handler     /* NMI */
    .word fault_handler     /* HardFault */
    .word fault_handler     /* MemManage */
    .word fault_handler     /* BusFault */
    .word fault_handler     /* UsageFault */

    .text

    .thumb_func
    .global reset_handler
reset_handler:
    ldr r0, =_sidata
    ldr r1, =_sdata
    ldr r2, =_edata
1:  cmp r1, r2
    bhs 2f
    ldr r3, [r0], #4
    str r3, [r1], #4
    b 1b
2:  ldr r1, =_sbss
    ldr r2, =_ebss
    movs r3, #0
3:  cmp r1, r2
    bhs 4f
    str r3, [r1], #4
    b 3b
4:  bl main
    bl semihost_exit
    b .

/* A fault stops the test with a failure. */
    .thumb_func
fault_handler:
    movs r0, #1
    bl semihost_exit
    b .

/* int semihost_call(int op, const void *arg): one semihosting request. */
    .thumb_func
    .global semihost_call
semihost_call:
    bkpt 0xAB
    bx lr

/* void semihost_exit(int status): SYS_EXIT, ApplicationExit for 0 (QEMU
 * exits 0), RunTimeErrorUnknown otherwise (QEMU exits 1). */
    .thumb_func
    .global semihost_exit
semihost_exit:
    cmp r0, #0
    ite eq
    ldreq r1, =0x20026
    ldrne r1, =0x20023
    movs r0, #0x18
    bkpt 0xAB
    b .
