; SPDX-License-Identifier: MIT
;
; selftest_user.asm - a ring-3 round trip for platform_selftest.c.
;
; user_roundtrip(rip, rsp) saves the callee-saved registers and the kernel RSP, then
; iretq's to ring 3 at rip with IF set. Whatever brings the CPU back to ring 0 (int 0x80,
; a fault, an interrupt) lands on TSS.rsp0; the test's handler rewrites that frame to
; resume here in ring 0 (RIP = user_resume, CS/SS kernel, RSP = user_kernel_rsp, the
; result in RAX), so user_roundtrip returns it like a function.

%define USER_CS 0x23
%define USER_DS 0x1b

global user_roundtrip, user_resume, user_kernel_rsp

section .text
bits 64
user_roundtrip:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov [rel user_kernel_rsp], rsp
	push qword USER_DS          ; ss
	push rsi                        ; rsp
	push qword 0x202                ; rflags: IF
	push qword USER_CS          ; cs
	push rdi                        ; rip
	iretq
user_resume:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

section .bss
alignb 8
user_kernel_rsp: resq 1

section .note.GNU-stack noalloc noexec nowrite progbits
