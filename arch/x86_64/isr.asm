; SPDX-License-Identifier: MIT
;
; isr.asm - entry stubs for all 256 vectors and the common path to isr_dispatch (cpu.c).
;
; Each stub makes the frame uniform: the CPU pushed SS, RSP, RFLAGS, CS, RIP and, for some
; exceptions, an error code; the stub pushes a zero error code when the CPU did not, then
; the vector number. The common code pushes the general registers so that the stack holds
; exactly struct regs (platform.h), calls isr_dispatch(struct regs *) and unwinds the same
; frame (the handler may have changed it, or switched to another thread's stack holding
; another such frame) with iretq.
;
; Stack: an interrupt from ring 0 stays on the current stack (except #DF, NMI and #MC,
; which run on the CPU's IST stacks 1..3, set in cpu.c); one from ring 3 switches to
; TSS.rsp0. The CPU aligns RSP to 16 before pushing, and the frame is 22 quadwords, so the
; C call sees an ABI-aligned stack.
;
; GS: user code runs with its own GS base, the kernel with GS base = this CPU's struct
; percpu. SWAPGS exchanges GS base and IA32_KERNEL_GS_BASE on entry from ring 3 and again
; on the way back to ring 3, decided by the CS in the frame. cpu.c sets both MSRs to the
; percpu block, so a first entry to ring 3 that skips SWAPGS cannot hand the kernel a
; wrong GS either.

extern isr_dispatch
global isr_stub_table, isr_exit

; Exceptions with a CPU-pushed error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX
%define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

section .text
bits 64

%assign v 0
%rep 256
align 16
isr_stub_ %+ v:
%if !HAS_ERROR(v)
	push qword 0
%endif
	push qword v
	jmp isr_common
%assign v v + 1
%endrep

align 16
isr_common:
	; frame so far: vector, error, rip, cs (+24), rflags, rsp, ss
	test byte [rsp + 24], 3
	jz .from_kernel
	swapgs
.from_kernel:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld                             ; the ABI wants DF clear; ring 3 may have set it
	mov rdi, rsp
	call isr_dispatch

; Unwind a struct regs at RSP and iretq. A new thread can start here too: point RSP at a
; struct regs (e.g. one for ring 3, CS = USER_CS) and jump to isr_exit.
isr_exit:
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	test byte [rsp + 24], 3
	jz .to_kernel
	swapgs
.to_kernel:
	add rsp, 16                     ; vector, error
	iretq

section .rodata
align 8
isr_stub_table:
%assign v 0
%rep 256
	dq isr_stub_ %+ v
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
