; SPDX-License-Identifier: MIT
; blob.asm - a ring-3 program's ELF image inside the kernel (kernel/meson.build assembles
; it once per program): BLOB_SYM .. BLOB_SYM_end are the file BLOB_FILE's bytes, which
; kprocess_create_elf (user.c) loads. nasm -DBLOB_SYM=name -DBLOB_FILE="path".

%define BLOB_END BLOB_SYM %+ _end

section .rodata align=16
global BLOB_SYM
global BLOB_END
BLOB_SYM:
	incbin BLOB_FILE
BLOB_END:

section .note.GNU-stack noalloc noexec nowrite progbits
