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
# user/ is grouped by subsystem; header names are unique across the tree,
# so each folder is on the include path and an include names the file only.
USER_DIRS := user/util user/config user/cmd user/pipeline user/detection user/mitigation user/mitigation/bgp \
	     user/outputs user/gen
INCLUDES  := -I$(OUT) -Imaps -Iloader -Iuser $(addprefix -I,$(USER_DIRS))
CPPFLAGS  += $(INCLUDES)
# Each object writes the headers it includes to a .d file next to it
# (-MP: a deleted header is not an error), so a header change rebuilds
# exactly what uses it.
DEPFLAGS   = -MMD -MP -MF $@.d -MT $@
# A recipe that fails leaves no half-written target behind.
.DELETE_ON_ERROR:
LDFLAGS   += $(SAN_FLAGS)
LDLIBS    += -lpthread -lxdp -lbpf -lelf -lz -lpcap -lyaml -ljansson -lrdkafka -lmicrohttpd -lm

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Wno-unused-function \
	      -I$(OUT) -Imaps -Ibpf

BPF_PROGS := xdpstream xdp_pass xdp_gen xdp_bench
BPF_OBJS  := $(patsubst %,$(OUT)/%.bpf.o,$(BPF_PROGS))
SKELS     := $(patsubst %,$(OUT)/%.skel.h,$(BPF_PROGS))

# Userspace sources: everything under loader/ and user/ except main.c goes
# into a static library that the binary and the tests link.
USER_SRCS := $(wildcard user/*.c user/*/*.c user/*/*/*.c)
USER_HDRS := $(wildcard user/*.h user/*/*.h user/*/*/*.h)
LIB_SRCS  := $(wildcard loader/*.c) $(filter-out user/cmd/main.c,$(USER_SRCS))
LIB_OBJS  := $(patsubst %.c,$(OUT)/obj/%.o,$(LIB_SRCS))
LIB       := $(OUT)/libxdpstream.a
BIN       := $(OUT)/xdpstream

# libFuzzer targets (clang, ASan+UBSan): `make fuzz` runs each for
# FUZZ_SECONDS; the test suite runs a short smoke of each.
FUZZ_OUT     := $(OUT)/fuzz
FUZZ_FLAGS   := -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 -D_GNU_SOURCE \
		$(INCLUDES)
FUZZ_SECONDS ?= 120
FUZZ_TARGETS := $(FUZZ_OUT)/fuzz_config $(FUZZ_OUT)/fuzz_capture $(FUZZ_OUT)/fuzz_headers

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(BENCH_SRCS))
BENCH     := $(OUT)/xdpstream-bench

TEST_LIB_SRCS := $(wildcard tests/lib/*.c)
TEST_LIB_OBJS := $(patsubst %.c,$(OUT)/obj/%.o,$(TEST_LIB_SRCS))
TEST_SRCS := $(wildcard tests/unit/*.c tests/bpf/*.c tests/integ/*.c)
TEST_BINS := $(patsubst tests/%.c,$(OUT)/tests/%,$(TEST_SRCS))

.SECONDARY: $(BPF_OBJS) $(SKELS) $(TEST_LIB_OBJS)
.PHONY: fleet fleet-test fleet-demo install-systemd fuzz fuzz-build all deps test test-unit test-bpf test-integ bench demo install clean format lint
all: $(BIN) $(BENCH) $(TEST_BINS) $(OUT)/xdpstream_reject.bpf.o $(FUZZ_TARGETS)

deps:
	@scripts/deps.sh --check || scripts/deps.sh

$(OUT)/vmlinux.h:
	@mkdir -p $(OUT)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(OUT)/%.bpf.o: bpf/%.bpf.c $(OUT)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@

# A build the verifier must refuse, for the rejection test.
$(OUT)/xdpstream_reject.bpf.o: bpf/xdpstream.bpf.c $(OUT)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -DXS_TEST_VERIFIER_REJECT -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

# The skeletons are generated before anything compiles (order-only); after
# the first build each object's .d file lists the headers it really uses.
$(OUT)/obj/%.o: %.c | $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

# Built afresh: a member whose source is gone must not linger in it.
$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(OUT)/obj/user/cmd/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BENCH): $(BENCH_OBJS) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/tests/%: tests/%.c $(TEST_LIB_OBJS) $(LIB) | $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(DEPFLAGS) $(LDFLAGS) -o $@ $< $(TEST_LIB_OBJS) \
		$(LIB) $(LDLIBS) -lcunit

$(FUZZ_OUT)/fuzz_config: fuzz/fuzz_config.c user/config/config.c user/config/config.h user/util/parse.h
	@mkdir -p $(FUZZ_OUT)
	$(CLANG) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_config.c user/config/config.c -lyaml

# The capture reader lives in the library: build all of it with clang.
$(FUZZ_OUT)/fuzz_capture: fuzz/fuzz_capture.c $(LIB_SRCS) $(SKELS) $(wildcard maps/*.h loader/*.h) $(USER_HDRS)
	@mkdir -p $(FUZZ_OUT)
	$(CLANG) $(FUZZ_FLAGS) -Wno-unused-command-line-argument -o $@ fuzz/fuzz_capture.c \
		$(LIB_SRCS) $(LDLIBS)

# Crafted header chains and fragments through the XDP program (root).
$(FUZZ_OUT)/fuzz_headers: fuzz/fuzz_headers.c $(LIB_SRCS) $(SKELS) $(wildcard maps/*.h loader/*.h) $(USER_HDRS)
	@mkdir -p $(FUZZ_OUT)
	$(CLANG) $(FUZZ_FLAGS) -Wno-unused-command-line-argument -o $@ fuzz/fuzz_headers.c \
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

# No JVM perf data (/tmp/hsperfdata_*): a test leaves nothing behind.
fleet-test:
	@cd fleet && MAVEN_OPTS="$$MAVEN_OPTS -XX:-UsePerfData" $(MVN) -Dfleet.out=$(abspath $(OUT))/fleet \
		-DargLine=-XX:-UsePerfData test

# The test suite needs root and the kernel's BPF; it installs what it needs.
test: deps
	@$(MAKE) --no-print-directory all fleet
	@scripts/run-tests.sh $(OUT)

bench: deps all
	@scripts/bench.sh $(OUT)

demo: deps all
	@scripts/demo.sh $(OUT)

# Three sensors, a Kafka broker and the fleet application: the alert no
# single sensor raises (scripts/fleet-demo.sh).
fleet-demo: deps all fleet
	@scripts/fleet-demo.sh $(OUT)

# The binary, the documentation and a man page per command (block's page
# also answers for the other mitigation commands).
PREFIX      ?= /usr/local
MANDIR      ?= $(PREFIX)/share/man/man8
DOCDIR      ?= $(PREFIX)/share/doc/xdpstream
MAN_PAGES   := $(wildcard docs/man/*.8)
MAN_ALIASES := unblock limit unlimit blocks

install: all
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/sbin/xdpstream
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -d $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(MANDIR)
	install -m 0644 docs/*.md $(DESTDIR)$(DOCDIR)/docs/
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/
	for a in $(MAN_ALIASES); do ln -sf xdpstream-block.8 $(DESTDIR)$(MANDIR)/xdpstream-$$a.8; done


# The unit, its user, and the sample configuration if none is there yet
# (root's, readable by the daemon's group only: it may hold secrets).
install-systemd: install
	install -D -m 0644 packaging/xdpstream.service $(DESTDIR)/etc/systemd/system/xdpstream.service
	id xdpstream >/dev/null 2>&1 || useradd --system --no-create-home \
		--shell /usr/sbin/nologin --home-dir /var/lib/xdpstream xdpstream
	test -e $(DESTDIR)/etc/xdpstream/xdpstream.yaml || \
		install -D -m 0640 -g xdpstream config/xdpstream.yaml \
		$(DESTDIR)/etc/xdpstream/xdpstream.yaml

format:
	clang-format -i $(shell git ls-files '*.c' '*.h')

# cppcheck, and the include graph: the layers of the flow, no back edge,
# no cycle, libxdp only where the program is attached.
lint:
	scripts/include-graph.py
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--suppress=missingIncludeSystem --include=scripts/cppcheck-macros.h \
		$(INCLUDES) loader user bench

clean:
	rm -rf build build-san

# Files only: scripts/corpus.sh keeps an apt tree (sources.list.d/) in $(OUT).
-include $(shell find $(OUT) -name '*.d' -type f 2>/dev/null)

# A target without its .d file (built before .d files existed, or the .d
# deleted) cannot say which headers it used, and would never be rebuilt when
# one changes: it is built again. (A bench/engine.o older than struct
# xs_settings' two new fields had the bench smash its own stack.)
DEP_TARGETS := $(LIB_OBJS) $(OUT)/obj/user/cmd/main.o $(BENCH_OBJS) $(TEST_LIB_OBJS) $(TEST_BINS) \
	       $(BPF_OBJS) $(OUT)/xdpstream_reject.bpf.o
NO_DEPS := $(foreach t,$(DEP_TARGETS),$(if $(wildcard $(t)),$(if $(wildcard $(t).d),,$(t))))
.PHONY: FORCE
$(NO_DEPS): FORCE
