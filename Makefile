# The two commands the README opens with:
#   make demo   bootstrap, build, start two throwaway clusters, run every stage
#   make test   bootstrap, build (warnings as errors), unit + integration tests,
#               and the unit tests again under ASan/UBSan
.PHONY: all bootstrap build build-asan test unit integration demo soak fuzz fuzz-short build-fuzz clean format bench-clone bench-verify bench-follow bench-backup bench-cutover

BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHIKKOSHI_WERROR=ON

all: build

bootstrap:
	scripts/bootstrap

build: bootstrap
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) >/dev/null
	ninja -C $(BUILD) -j $(JOBS)

build-asan: bootstrap
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHIKKOSHI_WERROR=ON -DHIKKOSHI_SANITIZE=ON >/dev/null
	ninja -C $(ASAN_BUILD) -j $(JOBS) unit_tests

unit: build
	ctest --test-dir $(BUILD) -L unit --output-on-failure

integration: build
	ctest --test-dir $(BUILD) -L integration --output-on-failure -j 2

# Clusters are removed by each test's fixture; stop-all also catches those of
# a test binary that crashed, whatever the outcome.
# Each run gets its own cluster base so stop-all never touches other clusters.
test: build build-asan fuzz-short
	rc=0; export HIKKOSHI_CLUSTER_BASE=$${TMPDIR:-/tmp}/hikkoshi-test-$$$$; \
	ctest --test-dir $(BUILD) --output-on-failure -j 2 --timeout 1200 || rc=$$?; \
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(ASAN_BUILD)/unit_tests --gtest_brief=1 || rc=$$?; \
	scripts/pgcluster stop-all >/dev/null 2>&1 || true; \
	rm -rf "$$HIKKOSHI_CLUSTER_BASE"; \
	exit $$rc

demo: build
	scripts/demo

# libFuzzer targets (fuzz/fuzz_*.cc) with ASan/UBSan, built with clang.
# `make fuzz` runs each for FUZZ_SECONDS (default 60) from its committed seed
# corpus (fuzz/corpus/NAME); `make test` runs each for 5 seconds. New inputs
# go to build-fuzz/corpus/NAME, crashes to build-fuzz/artifacts/.
FUZZ_BUILD ?= build-fuzz
FUZZ_TARGETS = $(patsubst fuzz/fuzz_%.cc,%,$(wildcard fuzz/fuzz_*.cc))
build-fuzz: bootstrap
	CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHIKKOSHI_FUZZ=ON >/dev/null
	ninja -C $(FUZZ_BUILD) -j $(JOBS) $(addprefix fuzz_,$(FUZZ_TARGETS))
fuzz: build-fuzz
	scripts/run-fuzzers $(FUZZ_BUILD) $(or $(FUZZ_SECONDS),60) $(FUZZ_TARGETS)
fuzz-short: build-fuzz
	scripts/run-fuzzers $(FUZZ_BUILD) 5 $(FUZZ_TARGETS)

# Randomized differential soak (never part of `make test`, which runs the
# short fixed-seed version): CASES generated cases (default 500) or MINUTES,
# from SEED (default: the clock). Prints cases run, seeds, differences found.
soak: build
	rc=0; export HIKKOSHI_CLUSTER_BASE=$${TMPDIR:-/tmp}/hikkoshi-soak-$$$$; \
	HIKKOSHI_RANDOM_SEED=$${SEED:-$$(date +%s)} HIKKOSHI_RANDOM_CASES=$${CASES:-500} \
	HIKKOSHI_SOAK_MINUTES=$${MINUTES:-0} $(BUILD)/random_diff_test || rc=$$?; \
	scripts/pgcluster stop-all >/dev/null 2>&1 || true; \
	rm -rf "$$HIKKOSHI_CLUSTER_BASE"; \
	exit $$rc

# Benchmarks (never part of `make test`); SCALE=1 is the ~1.5 GB dataset.
bench-clone: build
	bench/clone --scale $(or $(SCALE),1)
bench-verify: build
	bench/verify --scale $(or $(SCALE),1)
bench-backup: build
	bench/backup --scale $(or $(SCALE),1) --record
bench-follow: build
	bench/follow/run.sh
bench-cutover: build
	bench/cutover/run.sh

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
