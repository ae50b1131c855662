# Thin wrapper over CMake. `make run` and `make test` are the README's Quick start.
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
ROI_MPI ?= AUTO
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release -DROI_MPI=$(ROI_MPI)

.PHONY: all deps build run test bench clean test-sanitize fuzz valgrind install

all: build

deps:
	@ROI_MPI=$(ROI_MPI) sh tools/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@mkdir -p out
	./$(BUILD)/roisim run --json out/roisim-summary.json --xlsx out/roisim-report.xlsx

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# bin/roisim, share/roisim/scenarios, share/doc/roisim and the man page under PREFIX
# (DESTDIR stages them, for packaging). The tree may be moved afterwards: roisim
# finds its data from its own path.
PREFIX ?= /usr/local
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

# The whole suite again under AddressSanitizer + UBSan, in its own build folder so
# the Release build above is untouched (docs/safety.md).
ASAN_BUILD ?= build-asan
test-sanitize: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DROI_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j $(JOBS)

# libFuzzer harnesses (clang), FUZZ_SECONDS each.
FUZZ_SECONDS ?= 60
fuzz:
	@sh fuzz/deps.sh
	sh fuzz/run.sh $(FUZZ_SECONDS)

# A small run under valgrind: no leaks, no errors. ("Possibly lost" is not counted:
# libgomp never joins its worker threads, whose TLS valgrind reports that way.)
# OMP_WAIT_POLICY is set so that roisim does not restart itself (cli/omp_env.h):
# valgrind does not follow an exec.
valgrind: build
	@sh fuzz/deps.sh
	OMP_WAIT_POLICY=passive \
	valgrind --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=3 -q \
		./$(BUILD)/roisim run -n 2000 --threads 2 --quiet scenarios/base.lua scenarios/bull.lua
	OMP_WAIT_POLICY=passive valgrind --leak-check=full --error-exitcode=3 -q \
		./$(BUILD)/roisim check --quiet --time-limit 1 tests/sandbox/infinite_loop.lua; \
		test $$? -eq 1

bench: build
	sh bench/run.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz out
