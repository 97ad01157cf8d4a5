# Thin wrapper over meson: the two commands the README starts with.
#   make demo        install what is missing, build, run the demo on the simulator
#   make test        install what is missing, build, run every test, then the host tests
#                    built with clang (make test-clang)
#   make test-host   the host tests alone: no QEMU boots, no libFuzzer runs
#   make bench-compare A=<rev> B=<rev>
#                    figures of two commits side by side (bench/compare.sh)
# Packages come from Debian (apt-get); nothing is installed when all are present.

PKGS  := meson ninja-build gcc pkg-config libcmocka-dev uthash-dev nasm qemu-system-x86 \
         clang libclang-rt-dev gcc-riscv64-linux-gnu qemu-system-misc rt-app
BUILD := build
BUILD_CLANG := build-clang
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# meson.build leaves warnings to whoever builds it (a project using libsched as a subproject
# must not get -Werror from it); this tree's own builds, CI's included, are strict.
SETUP := -Dwarning_level=3 -Dwerror=true

.PHONY: all deps build demo test test-host test-clang bench bench-compare clean qemu qemu-gdb

all: build

deps:
	@missing=""; for p in $(PKGS); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BUILD)/build.ninja:
	meson setup $(SETUP) $(BUILD)

# The second compiler: the library, the simulator and the host tests only (no kernel,
# benchmarks, sanitizer copies or fuzzers: the gcc build has those), to keep CI short.
$(BUILD_CLANG)/build.ninja:
	CC=clang meson setup $(SETUP) -Dkernel=disabled -Dbenchmarks=disabled \
		-Dsanitizers=disabled $(BUILD_CLANG)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

QEMU_SMP ?= 4,sockets=1,cores=2,threads=2
KERNEL   := $(BUILD)/arch/x86_64/kernel

demo: build
	@echo "== schedsim: examples/demo.json on 4 simulated CPUs (2 cores x 2 SMT), checker on =="
	@echo "   look for: compile_nice (nice 10) with less cpu% than the two compiles, audio's 0 misses"
	@echo "   (periodic_thread table), pinned's 0 migrations; --check stops the run at a broken invariant"
	./$(BUILD)/arch/sim/schedsim --cpus 4 --smt 2 --check examples/demo.json
	@echo
	@echo "== SMT core scheduling: three VMs' cookies never share a core (examples/coresched.json) =="
	@echo "   look for: the cookie table's forced_idle_ms, sibling time left idle rather than run two"
	@echo "   cookies on one core (the checker verifies that at every event), and forced_ms per CPU"
	./$(BUILD)/arch/sim/schedsim --cpus 4 --smt 2 --check --duration 2 examples/coresched.json
	@echo
	@echo "== a CPU isolation lease: CPU 1 for one spinner from 200 to 700 ms, its tick stopped (examples/lease.json) =="
	@echo "   look for: the lease table (granted at 200 ms, revoked at 700 ms, ret_lat_us: how long CPU 1"
	@echo "   took to return), and lease_window: nohz_ms, the spinner alone on CPU 1 with no tick"
	./$(BUILD)/arch/sim/schedsim --cpus 4 --check --ipi-latency 2000 examples/lease.json
	@echo
	@echo "== a realtime island: a 1 kHz control loop with its sensor IRQ on a leased CPU, beside hogs and an IRQ storm (examples/control_loop.json) =="
	@echo "   look for: ctrl's 0 misses and resp_p99_us of 210 (periodic_thread table) while CPUs 0-2"
	@echo "   are full; irq_route moving the nic IRQ off CPU 3; the island table's verdict 'admitted'"
	./$(BUILD)/arch/sim/schedsim --cpus 4 --check --duration 2 examples/control_loop.json
	@echo
	@echo "== the policy service stalls, dies and restarts: reservations keep their deadlines, requests get their defaults (examples/policy_service.json) =="
	@echo "   look for: the request table's 'by' column (service, or default during the stall and"
	@echo "   after the death), control's and mixer's 0 misses, and one decision record per default"
	./$(BUILD)/arch/sim/schedsim --cpus 2 --check --explain examples/policy_service.json
	@echo
	@echo "== the same library in the x86_64 kernel under QEMU (-smp $(QEMU_SMP)) =="
	@echo "   look for: every CPU busy in each 250 ms report, then per thread the CPU time its nice"
	@echo "   value gave it, and 'demo done'"
	arch/x86_64/run_qemu.sh $(KERNEL)/kernel-demo.elf $(QEMU_SMP) 120

# Interactive runs of the test kernel (Ctrl-A X quits QEMU); qemu-gdb waits for gdb on :1234.
qemu: build
	qemu-system-x86_64 -kernel $(KERNEL)/kernel-tests.elf -smp $(QEMU_SMP) -m 256M \
		-nographic -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04

qemu-gdb: build
	@echo "in another terminal: gdb $(KERNEL)/kernel-tests.elf -ex 'target remote :1234'"
	qemu-system-x86_64 -kernel $(KERNEL)/kernel-tests.elf -smp $(QEMU_SMP) -m 256M \
		-nographic -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -s -S

test: build
	meson test -C $(BUILD) --print-errorlogs
	@$(MAKE) --no-print-directory test-clang

test-host: build
	meson test -C $(BUILD) --print-errorlogs --no-suite qemu --no-suite fuzz

# (the consumer test is the gcc build's: it builds libsched twice more; xv6 is built by the
# riscv64 cross compiler whichever compiler this build uses)
test-clang: deps $(BUILD_CLANG)/build.ninja
	ninja -C $(BUILD_CLANG)
	meson test -C $(BUILD_CLANG) --print-errorlogs --no-suite fuzz --no-suite consumer --no-suite xv6

bench: build
	@dpkg -s valgrind >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq valgrind >/dev/null; }
	bench/x86_bench_boot.sh $(BUILD) 2 600
	./$(BUILD)/bench/bench_rq
	./$(BUILD)/bench/bench_sim
	valgrind --tool=callgrind --callgrind-out-file=/dev/null ./$(BUILD)/bench/bench_class_cycle
	./$(BUILD)/bench/bench_sc
	bench/bench_sc_count.sh ./$(BUILD)/bench/bench_sc
	./$(BUILD)/bench/bench_core
	bench/bench_core_count.sh ./$(BUILD)/bench/bench_core
	./$(BUILD)/bench/bench_balance
	bench/bench_balance_count.sh ./$(BUILD)/bench/bench_balance
	./$(BUILD)/bench/bench_core_idle
	./$(BUILD)/bench/bench_mutex
	bench/bench_mutex_count.sh ./$(BUILD)/bench/bench_mutex
	./$(BUILD)/bench/bench_lease
	bench/bench_lease_count.sh ./$(BUILD)/bench/bench_lease
	./$(BUILD)/bench/bench_ring
	./$(BUILD)/bench/bench_island
	bench/bench_island_count.sh ./$(BUILD)/bench/bench_island
	bench/rtapp_vs_schedsim.sh
	BUILD=$(BUILD) bench/rtapp_inversion.sh

# Each commit is built in its own temporary worktree (kept under /tmp/libsched-compare/<sha>
# for the next comparison); nothing here needs this tree's build. A and B are required
# up front, before deps installs anything.
ifneq ($(filter bench-compare,$(MAKECMDGOALS)),)
ifeq ($(and $(A),$(B)),)
$(error usage: make bench-compare A=<rev> B=<rev>)
endif
endif
bench-compare: deps
	@dpkg -s valgrind >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq valgrind >/dev/null; }
	bench/compare.sh $(A) $(B)

clean:
	rm -rf $(BUILD) $(BUILD_CLANG)
