# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xdpstream: build, test, bench, demo. Everything generated goes to $(OUT).

OUT       ?= build
CLANG     ?= clang
BPFTOOL   ?= bpftool
CC        ?= gcc
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

# SANITIZE=1 builds userspace with AddressSanitizer and UBSan.
ifeq ($(SANITIZE),1)
OUT       := build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif

CFLAGS    ?= -O2 -g
CFLAGS    += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-format-truncation \
	     -std=gnu11 -D_GNU_SOURCE $(SAN_FLAGS)
CPPFLAGS  += -I$(OUT) -Imaps -Iloader -Iuser
LDFLAGS   += $(SAN_FLAGS)
LDLIBS    += -lpthread -lxdp -lbpf -lelf -lz -lpcap -lyaml -ljansson -lrdkafka -lmicrohttpd -lm

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function \
	      -I$(OUT) -Imaps -Ibpf

BPF_PROGS := xdpstream xdp_pass xdp_gen xdp_bench
BPF_OBJS  := $(patsubst %,$(OUT)/%.bpf.o,$(BPF_PROGS))
SKELS     := $(patsubst %,$(OUT)/%.skel.h,$(BPF_PROGS))

# Userspace sources: everything under loader/ and user/ except main.c goes
# into a static library that the binary and the tests link.
LIB_SRCS  := $(wildcard loader/*.c) $(filter-out user/main.c,$(wildcard user/*.c user/*/*.c))
LIB_OBJS  := $(patsubst %.c,$(OUT)/obj/%.o,$(LIB_SRCS))
LIB       := $(OUT)/libxdpstream.a
BIN       := $(OUT)/xdpstream

# libFuzzer targets (clang, ASan+UBSan): `make fuzz` runs each for
# FUZZ_SECONDS; the test suite runs a short smoke of each.
FUZZ_OUT     := $(OUT)/fuzz
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		-Imaps -Iuser -Iloader -I$(OUT)
FUZZ_SECONDS ?= 120
FUZZ_TARGETS := $(FUZZ_OUT)/fuzz_config $(FUZZ_OUT)/fuzz_capture

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(BENCH_SRCS))
BENCH     := $(OUT)/xdpstream-bench

TEST_LIB_SRCS := $(wildcard tests/lib/*.c)
TEST_LIB_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(TEST_LIB_SRCS))
TEST_SRCS := $(wildcard tests/unit/*.c tests/bpf/*.c tests/integ/*.c)
TEST_BINS := $(patsubst tests/%.c,$(OUT)/tests/%,$(TEST_SRCS))

.SECONDARY: $(BPF_OBJS) $(SKELS) $(TEST_LIB_OBJS)
.PHONY: fleet fleet-test install-systemd fuzz fuzz-build all deps test test-unit test-bpf test-integ bench demo install clean format lint
all: $(BIN) $(BENCH) $(TEST_BINS) $(OUT)/xdpstream_reject.bpf.o $(FUZZ_TARGETS)

deps:
	@scripts/deps.sh --check || scripts/deps.sh

$(OUT)/vmlinux.h:
	@mkdir -p $(OUT)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(OUT)/%.bpf.o: bpf/%.bpf.c $(OUT)/vmlinux.h $(wildcard bpf/*.h maps/*.h)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# A build the verifier must refuse, for the rejection test.
$(OUT)/xdpstream_reject.bpf.o: bpf/xdpstream.bpf.c $(OUT)/vmlinux.h $(wildcard bpf/*.h maps/*.h)
	$(CLANG) $(BPF_CFLAGS) -DXS_TEST_VERIFIER_REJECT -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(OUT)/obj/%.o: %.c $(SKELS) $(wildcard maps/*.h loader/*.h user/*.h user/*/*.h tests/lib/*.h bench/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BIN): $(OUT)/obj/user/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BENCH): $(BENCH_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/tests/%: tests/%.c $(TEST_LIB_OBJS) $(LIB) $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_LIB_OBJS) $(LIB) $(LDLIBS) -lcunit

$(FUZZ_OUT)/fuzz_config: fuzz/fuzz_config.c user/config.c user/config.h
	@mkdir -p $(FUZZ_OUT)
	$(CLANG) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_config.c user/config.c -lyaml

# The capture reader lives in the library: build all of it with clang.
$(FUZZ_OUT)/fuzz_capture: fuzz/fuzz_capture.c $(LIB_SRCS) $(SKELS) $(wildcard maps/*.h user/*.h user/*/*.h loader/*.h)
	@mkdir -p $(FUZZ_OUT)
	$(CLANG) $(FUZZ_FLAGS) -Wno-unused-command-line-argument -o $@ fuzz/fuzz_capture.c \
		$(LIB_SRCS) $(LDLIBS)

fuzz-build: $(FUZZ_TARGETS)

fuzz: deps fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		n=$$(basename $$t); mkdir -p $(FUZZ_OUT)/corpus-$$n; \
		echo "== $$n for $(FUZZ_SECONDS) s"; \
		$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			$(FUZZ_OUT)/corpus-$$n fuzz/corpus/$${n#fuzz_} || exit 1; \
	done
	@XS_FUZZ_N=5000000 $(OUT)/tests/bpf/test_fuzz_frames

# The fleet application (fleet/, Java 17, Maven): jar and runtime jars in
# $(OUT)/fleet. Maven's repository (~/.m2) is filled on the first build and
# used offline after that. fleet-test runs its unit and topology tests.
MVN ?= mvn -B -q -Dstyle.color=never
fleet:
	@rm -rf $(OUT)/fleet/lib
	@cd fleet && $(MVN) -Dfleet.out=$(abspath $(OUT))/fleet -DskipTests package

fleet-test:
	@cd fleet && $(MVN) -Dfleet.out=$(abspath $(OUT))/fleet test

# The test suite needs root and the kernel's BPF; it installs what it needs.
test: deps
	@$(MAKE) --no-print-directory all fleet
	@scripts/run-tests.sh $(OUT)

bench: deps all
	@scripts/bench.sh $(OUT)

demo: deps all
	@scripts/demo.sh $(OUT)

install: all
	install -D -m 0755 $(BIN) $(DESTDIR)/usr/local/sbin/xdpstream
	install -D -m 0644 README.md $(DESTDIR)/usr/local/share/doc/xdpstream/README.md

# The unit, and the sample configuration if none is there yet.
install-systemd: install
	install -D -m 0644 packaging/xdpstream.service $(DESTDIR)/etc/systemd/system/xdpstream.service
	test -e $(DESTDIR)/etc/xdpstream/xdpstream.yaml || \
		install -D -m 0600 config/xdpstream.yaml $(DESTDIR)/etc/xdpstream/xdpstream.yaml

format:
	clang-format -i $(shell git ls-files '*.c' '*.h')

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--suppress=missingIncludeSystem --include=scripts/cppcheck-macros.h \
		-Imaps -Iloader -Iuser -I$(OUT) loader user bench

clean:
	rm -rf build build-san
