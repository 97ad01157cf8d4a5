; SPDX-License-Identifier: MIT
; user_progs.asm - the ring-3 programs of the example kernel. Position independent: the
; kernel copies each one to a user page at 0x400000. Entry: rdi = argument.
; System calls: int 0x80, rax = number, rdi/rsi = arguments, result in rax (user.c).

bits 64
section .rodata

SYS_WRITE        equ 0
SYS_YIELD        equ 1
SYS_SLEEP        equ 2
SYS_EXIT         equ 3
SYS_CALL         equ 4
SYS_REPLY_RECV   equ 5
SYS_RECV         equ 6
SYS_REPORT       equ 7
SYS_SPIN         equ 8

; hello: write a line, exit with status 7
global user_hello, user_hello_end
user_hello:
	lea rdi, [rel .msg]
	mov rsi, .end - .msg
	mov eax, SYS_WRITE
	int 0x80
	mov edi, 7
	mov eax, SYS_EXIT
	int 0x80
	jmp $
.msg:	db "hello from ring 3", 10
.end:
user_hello_end:

; ping client: rdi = N round trips of SYS_CALL(i) expecting i + 1 back; reports the TSC
; cycles of the whole loop (SYS_REPORT), exits 0, or 1 on a wrong reply.
global user_ping_client, user_ping_client_end
user_ping_client:
	mov r12, rdi
	xor r13, r13
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov r14, rax
.loop:
	cmp r13, r12
	je .done
	mov rdi, r13
	mov eax, SYS_CALL
	int 0x80
	inc r13
	cmp rax, r13
	jne .bad
	jmp .loop
.done:
	rdtsc
	shl rdx, 32
	or rax, rdx
	sub rax, r14
	mov rdi, rax
	mov eax, SYS_REPORT
	int 0x80
	xor edi, edi
	mov eax, SYS_EXIT
	int 0x80
	jmp $
.bad:
	mov edi, 1
	mov eax, SYS_EXIT
	int 0x80
	jmp $
user_ping_client_end:

; ping server: answer every call with its argument + 1, forever.
global user_ping_server, user_ping_server_end
user_ping_server:
	mov eax, SYS_RECV
	int 0x80
.loop:
	lea rdi, [rax + 1]
	mov eax, SYS_REPLY_RECV
	int 0x80
	jmp .loop
user_ping_server_end:

; sleeper: rdi = N sleeps of 1 ms, then exit 0.
global user_sleeper, user_sleeper_end
user_sleeper:
	mov r12, rdi
.loop:
	test r12, r12
	jz .done
	mov edi, 1000000
	mov eax, SYS_SLEEP
	int 0x80
	dec r12
	jmp .loop
.done:
	xor edi, edi
	mov eax, SYS_EXIT
	int 0x80
	jmp $
user_sleeper_end:

; spinner: ring-3 CPU hog. Rounds of rdi loop iterations (no pause: under TCG a pause costs
; about a microsecond), each followed by SYS_SPIN (a kernel entry), until SYS_SPIN answers
; nonzero; then exit 0.
global user_spinner, user_spinner_end
user_spinner:
	mov r12, rdi
.round:
	mov rcx, r12
.spin:
	dec rcx
	jnz .spin
	mov eax, SYS_SPIN
	int 0x80
	test rax, rax
	jz .round
	xor edi, edi
	mov eax, SYS_EXIT
	int 0x80
	jmp $
user_spinner_end:
