; SPDX-License-Identifier: MIT
; user_progs.asm - the ring-3 programs of the example kernel. Position independent: the
; kernel copies each one to a user page at 0x400000. Entry: rdi = argument.
; System calls: int 0x80, rax = number, rdi/rsi/rdx = arguments, result in rax (kernel.h);
; every register but rax comes back unchanged.

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
SYS_MUTEX_CREATE equ 9
SYS_MUTEX_LOCK   equ 10
SYS_MUTEX_TRYLOCK equ 11
SYS_MUTEX_UNLOCK equ 12
SYS_COND_CREATE  equ 13
SYS_COND_WAIT    equ 14
SYS_COND_SIGNAL  equ 15
SYS_BARRIER_CREATE equ 16
SYS_BARRIER_WAIT equ 17
SYS_MARK         equ 18
SYS_LEASE_GRANT  equ 19
SYS_LEASE_REVOKE equ 20
SYS_RING_SUBMIT  equ 21
SYS_ISLAND_ADMIT equ 22
SYS_ISLAND_WAIT  equ 23
SYS_ISLAND_REVOKE equ 24

; The page a kprocess shares with the kernel (kernel.h, struct kshared)
USER_SHARED      equ 0x600000
CTL_CMD          equ 0      ; struct kctl: the kernel's command
CTL_HANDLE       equ 8
CTL_STATE        equ 16
CTL_PROGRESS     equ 24
CTL_RELEASE      equ 32
CTL_AGAIN        equ 40
CTL_ERROR        equ 48
CTL_EXTRA        equ 56     ; struct kctl's last word (pad)
SHARED_RESULTS   equ 0x200
SHARED_RING      equ 0x400
KRING_ENTRIES    equ 128
KCMD_RELEASE     equ 1      ; kernel.h, enum KCMD_*
KCMD_EXIT        equ 2
KCMD_VIOLATE     equ 3
KSTATE_RUNNING   equ 1      ; kernel.h, enum KSTATE_*
KSTATE_RELEASED  equ 2
KSTATE_JOBS_DONE equ 3
KSTATE_VIOLATED  equ 4

; SYS_MARK values of the mutex programs (tests.c, enum mx_mark)
MARK_LOW_WORK    equ 1
MARK_LOW_DONE    equ 2
MARK_MED_START   equ 3
MARK_MED_ROUND   equ 4
MARK_MED_DONE    equ 5
MARK_LOW_AFTER   equ 6

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

; The priority-inversion test (tests.c, test 21): three processes on one CPU, FIFO 10, 30
; and 20, each given an argument block (rdi points to it, at the top of its stack page).
; They only make the calls; the kernel logs each call and result (ksync.c), and the test
; checks that log.

; mutex low: [rdi] = mutex M, +8 = barrier shared with high, +16 = condition medium waits
; on, +24 = loop iterations of its work inside the critical section (> 0).
global user_mx_low, user_mx_low_end
user_mx_low:
	mov rbx, rdi
	mov rdi, [rbx]
	xor esi, esi
	mov eax, SYS_MUTEX_LOCK
	int 0x80                ; M is free: low owns it at once
	mov rdi, [rbx]
	xor esi, esi
	mov eax, SYS_MUTEX_LOCK
	int 0x80                ; again: -SCHED_EDEADLK (not recursive)
	mov rdi, [rbx + 8]
	mov eax, SYS_BARRIER_WAIT
	int 0x80                ; the second arrival: high goes, preempts, waits for M
	mov rdi, [rbx + 16]
	xor esi, esi
	mov eax, SYS_COND_SIGNAL
	int 0x80                ; medium goes: it preempts unless low runs on high's priority
	mov edi, MARK_LOW_WORK
	mov eax, SYS_MARK
	int 0x80
	mov rcx, [rbx + 24]
.work:
	dec rcx
	jnz .work
	mov edi, MARK_LOW_DONE
	mov eax, SYS_MARK
	int 0x80
	mov rdi, [rbx]
	mov eax, SYS_MUTEX_UNLOCK
	int 0x80                ; high owns M now, and preempts
	mov edi, MARK_LOW_AFTER
	mov eax, SYS_MARK
	int 0x80
	xor edi, edi
	mov eax, SYS_EXIT
	int 0x80
	jmp $
user_mx_low_end:

; mutex high: [rdi] = mutex M, +8 = barrier shared with low, +16 = an id no mutex has,
; +24 = a mutex the kernel holds all along, +32 = timeout (ns) of the lock attempt on it.
global user_mx_high, user_mx_high_end
user_mx_high:
	mov rbx, rdi
	mov edi, 2
	mov eax, SYS_MUTEX_CREATE
	int 0x80                ; bad flags: -SCHED_EINVAL
	mov edi, 1
	mov eax, SYS_MUTEX_CREATE
	int 0x80                ; a plain mutex of its own
	mov r12, rax
	mov rdi, r12
	mov eax, SYS_MUTEX_TRYLOCK
	int 0x80                ; free: 0
	mov rdi, r12
	mov eax, SYS_MUTEX_UNLOCK
	int 0x80                ; 0
	mov rdi, [rbx + 24]
	mov rsi, [rbx + 32]
	mov eax, SYS_MUTEX_LOCK
	int 0x80                ; the kernel's: -SCHED_ETIMEDOUT
	mov rdi, [rbx + 8]
	mov eax, SYS_BARRIER_WAIT
	int 0x80                ; until low owns M
	mov rdi, [rbx]
	mov eax, SYS_MUTEX_TRYLOCK
	int 0x80                ; -SCHED_ELOCKED: low owns it
	mov rdi, [rbx]
	mov eax, SYS_MUTEX_UNLOCK
	int 0x80                ; -SCHED_EPERM: not high's
	mov rdi, [rbx + 16]
	xor esi, esi
	mov eax, SYS_MUTEX_LOCK
	int 0x80                ; -SCHED_EINVAL: no such mutex
	mov rdi, [rbx]
	xor esi, esi
	mov eax, SYS_MUTEX_LOCK
	int 0x80                ; waits for low: 0 once it owns M
	mov rdi, [rbx]
	mov eax, SYS_MUTEX_UNLOCK
	int 0x80
	xor edi, edi
	mov eax, SYS_EXIT
	int 0x80
	jmp $
user_mx_high_end:

; mutex medium: [rdi] = its mutex G, +8 = condition it waits on for low's signal,
; +16 = rounds (> 0) of +24 loop iterations (> 0), a mark after each.
global user_mx_medium, user_mx_medium_end
user_mx_medium:
	mov rbx, rdi
	mov rdi, [rbx]
	xor esi, esi
	mov eax, SYS_MUTEX_LOCK
	int 0x80
	mov rdi, [rbx + 8]
	mov rsi, [rbx]
	xor edx, edx
	mov eax, SYS_COND_WAIT
	int 0x80                ; until low signals; owns G again
	mov rdi, [rbx]
	mov eax, SYS_MUTEX_UNLOCK
	int 0x80
	mov edi, MARK_MED_START
	mov eax, SYS_MARK
	int 0x80
	mov r12, [rbx + 16]
.round:
	mov rcx, [rbx + 24]
.spin:
	dec rcx
	jnz .spin
	mov edi, MARK_MED_ROUND
	mov eax, SYS_MARK
	int 0x80
	dec r12
	jnz .round
	mov edi, MARK_MED_DONE
	mov eax, SYS_MARK
	int 0x80
	xor edi, edi
	mov eax, SYS_EXIT
	int 0x80
	jmp $
user_mx_medium_end:

; Leases and the submission ring (tests.c, tests 22 to 26): programs of kprocesses, which
; talk with the kernel through their shared page (kernel.h, struct kshared).

; controlled thread: [rdi] = its control block (struct kctl), +8 = a CPU, +16 = scope: 0
; a lease for this thread, 1 for its process (SYS_LEASE_GRANT, result in handle), 2 none.
; Spins in ring 3 counting progress, with no system call, until the kernel's cmd says
; release (SYS_LEASE_REVOKE of its handle, twice: the second must fail, then spin on) or
; exit.
global user_ctl, user_ctl_end
user_ctl:
	mov rbx, [rdi]
	mov rsi, [rdi + 16]
	mov rdi, [rdi + 8]
	cmp rsi, 2
	jae .running
	mov eax, SYS_LEASE_GRANT
	int 0x80
	mov [rbx + CTL_HANDLE], rax
.running:
	mov qword [rbx + CTL_STATE], KSTATE_RUNNING
.spin:
	inc qword [rbx + CTL_PROGRESS]
	mov rax, [rbx + CTL_CMD]
	cmp rax, KCMD_RELEASE
	je .release
	cmp rax, KCMD_EXIT
	je .exit
	jmp .spin
.release:
	mov rdi, [rbx + CTL_HANDLE]
	mov eax, SYS_LEASE_REVOKE
	int 0x80
	mov [rbx + CTL_RELEASE], rax
	mov rdi, [rbx + CTL_HANDLE]
	mov eax, SYS_LEASE_REVOKE
	int 0x80                ; the same handle again: stale
	mov [rbx + CTL_AGAIN], rax
	mov qword [rbx + CTL_STATE], KSTATE_RELEASED
.after:
	inc qword [rbx + CTL_PROGRESS]
	cmp qword [rbx + CTL_CMD], KCMD_EXIT
	jne .after
.exit:
	xor edi, edi
	mov eax, SYS_EXIT
	int 0x80
	jmp $
user_ctl_end:

; calls: [rdi] = n (at most 7), then n calls of four words: number, rdi, rsi, rdx. Makes
; them in order, each result to the shared page's results[i]; exits 0.
global user_calls, user_calls_end
user_calls:
	mov r12, [rdi]
	lea r13, [rdi + 8]
	mov r14, USER_SHARED + SHARED_RESULTS
.next:
	test r12, r12
	jz .done
	mov rax, [r13]
	mov rdi, [r13 + 8]
	mov rsi, [r13 + 16]
	mov rdx, [r13 + 24]
	int 0x80
	mov [r14], rax
	add r13, 32
	add r14, 8
	dec r12
	jmp .next
.done:
	xor edi, edi
	mov eax, SYS_EXIT
	int 0x80
	jmp $
user_calls_end:

; submitter: [rdi] = its control block, +8 = bursts, +16 = entries per burst (at most the
; ring's size). Burst b (from 1) waits, sleeping 1 ms at a time, until the kernel's cmd is
; at least b, then submits its entries one system call each: entry seq (0, 1, ...) goes to
; slot seq % KRING_ENTRIES as {seq, ~seq}; state = b once done. A failed submission ends
; the program with status 1, its result in error. Exits 0.
global user_submitter, user_submitter_end
user_submitter:
	mov rbx, [rdi]
	mov r12, [rdi + 8]
	mov r13, [rdi + 16]
	xor r14, r14            ; bursts done
	xor r15, r15            ; the next entry's seq
.burst:
	cmp r14, r12
	je .done
.wait:
	lea rax, [r14 + 1]
	cmp [rbx + CTL_CMD], rax
	jae .go
	mov edi, 1000000
	mov eax, SYS_SLEEP
	int 0x80
	jmp .wait
.go:
	mov rbp, r13
.entry:
	mov rcx, r15
	and rcx, KRING_ENTRIES - 1
	shl rcx, 4
	add rcx, USER_SHARED + SHARED_RING
	mov [rcx], r15
	mov rax, r15
	not rax
	mov [rcx + 8], rax
	mov edi, 1
	mov eax, SYS_RING_SUBMIT
	int 0x80
	test rax, rax
	js .fail
	inc r15
	dec rbp
	jnz .entry
	inc r14
	mov [rbx + CTL_STATE], r14
	jmp .burst
.done:
	xor edi, edi
	mov eax, SYS_EXIT
	int 0x80
	jmp $
.fail:
	mov [rbx + CTL_ERROR], rax
	mov edi, 1
	mov eax, SYS_EXIT
	int 0x80
	jmp $
user_submitter_end:

; Realtime islands (tests.c, tests 27 to 31; kisland.c): a periodic control loop.

; island control loop: [rdi] = its control block (struct kctl), +8 = its island request in
; the shared page (struct kisland_req, filled in by the kernel test), +16 = jobs (> 0),
; +24 = loop turns of work per job (> 0), +32 = a mutex the kernel holds.
; Asks for its island (SYS_ISLAND_ADMIT: handle, or the refusal and exit 2), then runs its
; jobs: the work, then SYS_ISLAND_WAIT to the next release (its result, releases skipped,
; summed in CTL_EXTRA). After the jobs it waits period after period for the kernel's cmd:
; VIOLATE makes four calls an island thread may not make freely, each result to results[]:
; an IPC call to endpoint 0 (a server off its paths), a lock of the kernel's mutex, a
; sleep, a console write; RELEASE revokes the island (twice: the second must fail), then
; one SYS_ISLAND_WAIT more (no island now: it must fail), and exits 0; EXIT exits 0 at
; once, leaving the island to the process's exit.
global user_island, user_island_end
user_island:
	mov rbx, [rdi]
	mov r12, [rdi + 16]
	mov r13, [rdi + 24]
	mov r14, [rdi + 32]
	mov r15, USER_SHARED + SHARED_RESULTS
	mov rdi, [rdi + 8]
	mov eax, SYS_ISLAND_ADMIT
	int 0x80
	mov [rbx + CTL_HANDLE], rax
	test rax, rax
	js .refused
	mov qword [rbx + CTL_STATE], KSTATE_RUNNING
.job:
	mov rcx, r13
.work:
	dec rcx
	jnz .work
	mov eax, SYS_ISLAND_WAIT
	int 0x80
	add [rbx + CTL_EXTRA], rax
	inc qword [rbx + CTL_PROGRESS]
	dec r12
	jnz .job
	mov qword [rbx + CTL_STATE], KSTATE_JOBS_DONE
.idle:
	mov eax, SYS_ISLAND_WAIT
	int 0x80
	mov rax, [rbx + CTL_CMD]
	cmp rax, KCMD_VIOLATE
	je .violate
	cmp rax, KCMD_RELEASE
	je .release
	cmp rax, KCMD_EXIT
	je .exit
	jmp .idle
.violate:
	mov edi, 42
	mov eax, SYS_CALL
	int 0x80
	mov [r15], rax
	mov rdi, r14
	xor esi, esi
	mov eax, SYS_MUTEX_LOCK
	int 0x80
	mov [r15 + 8], rax
	mov edi, 1000000
	mov eax, SYS_SLEEP
	int 0x80
	mov [r15 + 16], rax
	lea rdi, [rel .msg]
	mov rsi, .msgend - .msg
	mov eax, SYS_WRITE
	int 0x80
	mov [r15 + 24], rax
	mov qword [rbx + CTL_STATE], KSTATE_VIOLATED
.idle2:
	mov eax, SYS_ISLAND_WAIT
	int 0x80
	mov rax, [rbx + CTL_CMD]
	cmp rax, KCMD_RELEASE
	je .release
	cmp rax, KCMD_EXIT
	je .exit
	jmp .idle2
.release:
	mov rdi, [rbx + CTL_HANDLE]
	mov eax, SYS_ISLAND_REVOKE
	int 0x80
	mov [rbx + CTL_RELEASE], rax
	mov rdi, [rbx + CTL_HANDLE]
	mov eax, SYS_ISLAND_REVOKE
	int 0x80
	mov [rbx + CTL_AGAIN], rax
	mov eax, SYS_ISLAND_WAIT
	int 0x80
	mov [rbx + CTL_ERROR], rax
	mov qword [rbx + CTL_STATE], KSTATE_RELEASED
.exit:
	xor edi, edi
	mov eax, SYS_EXIT
	int 0x80
	jmp $
.refused:
	mov edi, 2
	mov eax, SYS_EXIT
	int 0x80
	jmp $
.msg:	db "# island: the control loop writes a line (logging on its realtime path)", 10
.msgend:
user_island_end:
