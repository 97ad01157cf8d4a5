; SPDX-License-Identifier: MIT
;
; trampoline.asm - an AP's path from the real mode a SIPI starts it in to long mode.
;
; smp.c copies trampoline_start..trampoline_end to physical TRAMP_BASE (0x8000, SIPI vector
; 0x08: the AP starts at CS:IP = 0x0800:0000) and fills the parameter block before each
; SIPI. The code is position dependent on TRAMP_BASE: every absolute address below is
; TRAMP_BASE + (label - trampoline_start), a constant nasm resolves itself.
;
; real mode --(PE)--> 32-bit protected mode --(PAE, CR3, EFER.LME/NXE, PG)--> long mode,
; then a call to the 64-bit entry (ap_main in smp.c) on the AP's own stack. The CR3 given
; is the kernel's PML4 plus the boot identity map of low memory (this code keeps running at
; 0x8000 after paging is on); ap_main switches to the kernel's own PML4 first thing.

%define TRAMP_BASE 0x8000
%define T(x) (TRAMP_BASE + (x) - trampoline_start)

global trampoline_start, trampoline_end, trampoline_params

section .rodata
align 16
trampoline_start:
bits 16
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	o32 lgdt [T(tgdt_ptr)]
	mov eax, cr0
	and eax, 0x9fffffff             ; clear CD and NW (INIT leaves the caches disabled)
	or eax, 1                       ; PE
	mov cr0, eax
	jmp dword 0x18:T(pm32)

bits 32
pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, [T(p_cr4)]             ; the BSP's CR4 (PAE at least)
	mov cr4, eax
	mov eax, [T(p_cr3)]
	mov cr3, eax
	mov ecx, 0xc0000080             ; EFER: LME, plus NXE as on the BSP
	rdmsr
	or eax, 1 << 8                  ; LME
	or eax, [T(p_efer)]
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16)   ; PG, WP
	mov cr0, eax
	jmp 0x08:T(lm64)

bits 64
lm64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, [abs T(p_stack)]
	mov edi, [abs T(p_cpu)]
	mov rax, [abs T(p_entry)]
	xor ebp, ebp
	call rax                        ; ap_main(cpu), does not return
.halt:
	cli
	hlt
	jmp .halt

align 8
tgdt:
	dq 0
	dq 0x00af9a000000ffff           ; 0x08: 64-bit code
	dq 0x00cf92000000ffff           ; 0x10: flat data
	dq 0x00cf9a000000ffff           ; 0x18: 32-bit code
tgdt_ptr:
	dw tgdt_ptr - tgdt - 1
	dd T(tgdt)

; Filled by smp.c (struct tramp_params) before each AP's SIPI.
align 8
trampoline_params:
p_cr3:   dq 0
p_cr4:   dq 0
p_efer:  dq 0
p_stack: dq 0
p_entry: dq 0
p_cpu:   dq 0
trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits
