; SPDX-License-Identifier: MIT
; switch.asm - kernel stack switch and the first entry of a new thread.
;
; Each thread has its own kernel stack; interrupts arrive on it (from ring 0 on the same
; stack, from ring 3 on TSS.rsp0 = its stack top), so switching stacks inside an interrupt
; handler is fine: the switched-out thread returns from that interrupt when it runs again.

bits 64
section .text

; void switch_stack(uint64_t *save_rsp, uint64_t new_rsp)
; Saves the System V callee-saved registers on the current stack, stores rsp, loads the
; other thread's rsp and restores its registers. Caller-saved registers are the caller's
; business, as for any call.
global switch_stack
switch_stack:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; A new thread's prepared stack "returns" here with r12 = its struct kthread *.
; The stack is 16-byte aligned at this point (see thread.c).
extern thread_start
global thread_entry
thread_entry:
	mov rdi, r12
	call thread_start
	ud2

; void user_enter(uint64_t rip, uint64_t rsp, uint64_t arg, uint64_t cs, uint64_t ss)
; Drop to ring 3 at rip with rsp, rdi = arg, interrupts on.
global user_enter
user_enter:
	push r8           ; ss
	push rsi          ; rsp
	push 0x202        ; rflags: IF
	push rcx          ; cs
	push rdi          ; rip
	mov rdi, rdx
	xor esi, esi
	xor edx, edx
	xor ecx, ecx
	xor r8d, r8d
	xor r9d, r9d
	xor r10d, r10d
	xor r11d, r11d
	xor eax, eax
	xor ebx, ebx
	xor ebp, ebp
	xor r12d, r12d
	xor r13d, r13d
	xor r14d, r14d
	xor r15d, r15d
	iretq
