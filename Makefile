# The two commands the README opens with:
#   make demo   bootstrap, build, start two throwaway clusters, run every stage
#   make test   bootstrap, build (warnings as errors), unit + integration tests,
#               and the unit tests again under ASan/UBSan
.PHONY: all bootstrap build build-asan test unit integration demo clean format

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

test: build build-asan
	ctest --test-dir $(BUILD) --output-on-failure -j 2 --timeout 1200
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $(ASAN_BUILD)/unit_tests --gtest_brief=1
	scripts/pgcluster stop-all >/dev/null 2>&1 || true

demo: build
	scripts/demo

format:
	clang-format -i $$(git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
