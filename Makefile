# Thin wrapper over meson: the two commands the README starts with.
#   make demo   install what is missing, build, run the demo on the simulator
#   make test   install what is missing, build, run every test
# Packages come from Debian (apt-get); nothing is installed when all are present.

PKGS  := meson ninja-build gcc pkg-config libcmocka-dev uthash-dev nasm qemu-system-x86
BUILD := build
SUDO  := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build demo test bench clean

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
	meson setup $(BUILD)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	@echo "== schedsim: examples/demo.json on 4 simulated CPUs (2 cores x 2 SMT), checker on =="
	./$(BUILD)/arch/sim/schedsim --cpus 4 --smt 2 --check examples/demo.json

test: build
	meson test -C $(BUILD) --print-errorlogs

bench: build
	./$(BUILD)/bench/bench_rq
	./$(BUILD)/bench/bench_sim
	valgrind --tool=callgrind --callgrind-out-file=/dev/null ./$(BUILD)/bench/bench_class_cycle
	bench/rtapp_vs_schedsim.sh

clean:
	rm -rf $(BUILD)
