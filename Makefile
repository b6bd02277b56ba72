# The developer's entry points. `make run` and `make test` install what is missing, build, and do
# their job; see README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

BUILD_DIR ?= build
ASAN_BUILD_DIR ?= build-asan
KAFKA_PROTOCOL_DIR ?= ../shared/kafka-protocol
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
CLANG_CXX ?= clang++-14

.PHONY: help deps build build-asan run test unit-test asan-test fuzz bench tidy format check-generated generate clean

help:
	@echo "make run              install deps, build, start a broker on 127.0.0.1:9092 (config/server.properties, data in ./data)"
	@echo "make test             install deps, build, check generated code, run every test"
	@echo "make build            configure and build build/strata and the tests (GCC)"
	@echo "make bench            build and print the benchmark table"
	@echo "make format           clang-format the hand-written sources"
	@echo "make tidy             clang-tidy (Clang 14) over the hand-written sources"
	@echo "make generate         regenerate src/protocol/generated from $(KAFKA_PROTOCOL_DIR)"
	@echo "make check-generated  fail if the committed generated code differs from the generator's"

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

$(ASAN_BUILD_DIR)/build.ninja:
	CXX=$(CLANG_CXX) cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DSTRATA_SANITIZE=ON -DSTRATA_FUZZ=ON -DSTRATA_BUILD_BENCH=OFF

build-asan: deps $(ASAN_BUILD_DIR)/build.ninja
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/strata broker --config config/server.properties

unit-test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600
	@# ctest hides output on success: show the protocol coverage figures.
	@$(BUILD_DIR)/src/protocol/protocol_tests --gtest_brief=1 \
	  --gtest_filter='ProtocolRoundTrip.EveryMessageAtEveryVersion:GoldenCaptures.*' | grep -E '^(protocol round trip|golden captures):'

asan-test: build-asan
	cd $(ASAN_BUILD_DIR) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) --timeout 900

fuzz: build-asan
	scripts/run-fuzz.sh $(ASAN_BUILD_DIR) $(FUZZ_SECONDS)

test: deps check-generated unit-test asan-test fuzz
	@echo "make test: all passed"

bench: build
	bench/run.sh $(BUILD_DIR)

tidy: build
	find src -name '*.cpp' | grep -v -e '/generated/' -e '/fuzz/' | xargs -P $(JOBS) -n 4 clang-tidy -p $(BUILD_DIR) --quiet

format:
	find src bench tools -name '*.h' -o -name '*.cpp' | grep -v '/generated/' | xargs clang-format -i

generate:
	python3 tools/gen_protocol.py --schemas $(KAFKA_PROTOCOL_DIR) --out src/protocol/generated

check-generated:
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	  python3 tools/gen_protocol.py --schemas $(KAFKA_PROTOCOL_DIR) --out $$tmp && \
	  if diff -r -q $$tmp src/protocol/generated >/dev/null; then \
	    echo "check-generated: src/protocol/generated matches the generator"; \
	  else \
	    diff -r $$tmp src/protocol/generated | head -40; \
	    echo "check-generated: committed generated code is stale; run 'make generate' and commit"; exit 1; \
	  fi

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR)
