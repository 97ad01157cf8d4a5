; SPDX-License-Identifier: MIT
;
; boot.asm - entry of the x86_64 kernel from QEMU's -kernel loader, up to the first C code.
;
; Boot protocol: PVH (the Xen x86/HVM direct boot ABI), announced by the ELF note below.
; QEMU's -kernel accepts an ELF64 with this note directly (since QEMU 4.0): it loads the
; PT_LOAD segments at their physical addresses (p_paddr) and enters pvh_start32 in 32-bit
; protected mode, paging off, flat CS/DS/ES, interrupts off, EBX = physical address of a
; struct hvm_start_info (command line, RSDP, e820 memory map). Multiboot 1 would need the
; a.out-kludge address fields for an ELF64 (QEMU refuses ELF64 multiboot images otherwise);
; PVH needs no file-offset bookkeeping and hands over the RSDP and memory map as well.
;
; Memory layout set up here (see also platform.h and mem.c):
;
;   physical 0x100000..        the image: .note.pvh and .boot linked at their physical
;                              addresses (VMA = LMA), everything else at KERNEL_VMA + phys
;   virtual  0xffffffff80000000 + p   p in [0, 1 GiB): kernel image, 2 MiB pages
;   virtual  0xffff800000000000 + p   p in [0, 4 GiB): direct map, 2 MiB pages; the top GiB
;                                     (LAPIC 0xfee00000, IOAPIC, PCI holes) uncached
;   virtual  p                        p in [0, 1 GiB): identity map, only while booting;
;                                     mem.c removes it (APs use a copy, see smp.c)
;
; The three ranges share one set of four page directories (2048 x 2 MiB entries), so the
; whole map costs 8 pages of .bss: PML4, three PDPTs, four PDs. Nothing is global (no
; CR4.PGE): user address spaces copy PML4 entries 256..511 and a CR3 load flushes all.
;
; Path: pvh_start32 (32-bit, physical addresses) zeroes .bss, checks for long mode, builds
; the tables, enables PAE, loads CR3, sets EFER.LME (and NXE when the CPU has NX), enables
; paging with CR0.WP, loads a minimal GDT and far-jumps to long_entry (64-bit, still at a
; low address through the identity map), which moves to the higher-half stack of CPU 0 and
; calls platform_boot(start_info) in C. The per-CPU GDT, TSS and IDT come from cpu.c.

%define KERNEL_VMA 0xffffffff80000000
%define PHYS(x) ((x) - KERNEL_VMA)
%define CPU_STACK_SIZE 16384

%define PTE_P   (1 << 0)
%define PTE_W   (1 << 1)
%define PTE_PWT (1 << 3)
%define PTE_PCD (1 << 4)
%define PTE_PS  (1 << 7)

extern cpu_stacks               ; cpu.c: uint8_t cpu_stacks[MAX_CPUS][CPU_STACK_SIZE]
extern platform_boot            ; platform.c
extern __bss_start_phys, __bss_end_phys ; linker.ld

global pvh_start32
global boot_pml4, boot_pdpt_low

; --- the PVH ELF note -------------------------------------------------------------------
; Same layout as Linux's: 4-byte aligned, namesz 4, a 64-bit desc. QEMU 7.2 reads the desc
; of an ELF64 note as 8 bytes, so it must be a quad (the upper half is zero).
section .note.pvh note alloc noexec nowrite align=4
	dd 4                    ; namesz ("Xen\0")
	dd 8                    ; descsz
	dd 18                   ; XEN_ELFNOTE_PHYS32_ENTRY
	db "Xen", 0
	dq pvh_start32

; --- 32-bit entry, linked at its physical address ----------------------------------------
section .boot progbits alloc exec nowrite align=16
bits 32

pvh_start32:
	cli
	cld
	mov esi, ebx                    ; hvm_start_info, kept for platform_boot
	mov esp, PHYS(cpu_stacks) + CPU_STACK_SIZE

	; .bss is not in the file; QEMU zero-fills it, but do not rely on the loader
	mov edi, __bss_start_phys
	mov ecx, __bss_end_phys
	sub ecx, edi
	xor eax, eax
	rep stosb

	call check_long_mode
	call build_page_tables

	mov eax, cr4
	or eax, 1 << 5                  ; PAE
	mov cr4, eax
	mov eax, PHYS(boot_pml4)
	mov cr3, eax

	mov ecx, 0xc0000080             ; EFER
	rdmsr
	or eax, 1 << 8                  ; LME
	or eax, ebp                     ; NXE when supported (check_long_mode)
	wrmsr

	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | 1 ; PG, WP (ring 0 honours read-only pages), PE
	mov cr0, eax                    ; now in compatibility mode

	lgdt [boot_gdt_ptr]
	jmp 0x08:long_entry

; Long mode (CPUID 0x80000001 EDX bit 29) or a message and a failing QEMU exit.
; Returns EBP = EFER.NXE if the CPU has NX (EDX bit 20), else 0.
check_long_mode:
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no
	xor ebp, ebp
	test edx, 1 << 20
	jz .done
	mov ebp, 1 << 11
.done:
	ret
.no:
	mov esi, no_lm_msg
	mov dx, 0x3f8
.put:
	lodsb
	test al, al
	jz .exit
	out dx, al
	jmp .put
.exit:
	mov dx, 0xf4                    ; isa-debug-exit: status (1 << 1) | 1 = 3
	mov eax, 1
	out dx, eax
.halt:
	hlt
	jmp .halt

; PD entries for [0, 4 GiB) in 2 MiB pages; PML4 slots 0 (identity), 256 (direct map) and
; 511 (kernel, PDPT slot 510 = -2 GiB) all lead to them.
build_page_tables:
	mov edi, PHYS(boot_pd)
	xor ecx, ecx
.pde:
	mov eax, ecx
	shl eax, 21
	or eax, PTE_P | PTE_W | PTE_PS
	cmp ecx, 3 * 512                ; >= 3 GiB: the MMIO hole, uncached
	jb .wb
	or eax, PTE_PCD | PTE_PWT
.wb:
	mov [edi + ecx * 8], eax
	mov dword [edi + ecx * 8 + 4], 0
	inc ecx
	cmp ecx, 4 * 512
	jb .pde

	mov edi, PHYS(boot_pdpt_dmap)
	mov eax, PHYS(boot_pd) + (PTE_P | PTE_W)
	xor ecx, ecx
.pdpte:
	mov [edi + ecx * 8], eax
	add eax, 4096
	inc ecx
	cmp ecx, 4
	jb .pdpte

	mov eax, PHYS(boot_pd) + (PTE_P | PTE_W)
	mov [PHYS(boot_pdpt_low)], eax
	mov [PHYS(boot_pdpt_high) + 510 * 8], eax

	mov dword [PHYS(boot_pml4)], PHYS(boot_pdpt_low) + (PTE_P | PTE_W)
	mov dword [PHYS(boot_pml4) + 256 * 8], PHYS(boot_pdpt_dmap) + (PTE_P | PTE_W)
	mov dword [PHYS(boot_pml4) + 511 * 8], PHYS(boot_pdpt_high) + (PTE_P | PTE_W)
	ret

; --- 64-bit, still at the low address ------------------------------------------------------
bits 64
long_entry:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, cpu_stacks + CPU_STACK_SIZE ; the same stack, through the higher half
	xor ebp, ebp
	mov edi, esi                    ; platform_boot(start_info_pa)
	mov rax, platform_boot
	call rax
.halt:
	cli
	hlt
	jmp .halt

align 8
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff           ; 0x08: 64-bit code, DPL 0
	dq 0x00cf92000000ffff           ; 0x10: data
boot_gdt_ptr:
	dw boot_gdt_ptr - boot_gdt - 1
	dd boot_gdt

no_lm_msg:
	db "boot: this CPU has no long mode (x86_64); use -cpu max or qemu64", 10, 0

; --- boot page tables (higher-half .bss; PHYS() above reaches them before paging) --------
section .bss
alignb 4096
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_dmap: resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4 * 4096

section .note.GNU-stack noalloc noexec nowrite progbits
