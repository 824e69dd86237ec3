# labs: the MIT 6.5840 labs in Rust. `make help` lists the targets.
#
# The lab suites (raft, kvraft, shardkv) mostly wait on timers, so their targets run several
# tests at once even on 2 cores; each suite stays well inside the course's limits that way.

CARGO ?= cargo
# Test threads for the suites that mostly sleep.
RAFT_THREADS ?= 16
# Test threads for simulated suites: they compute rather than sleep, so one per core.
SIM_THREADS ?= 2
# `make test-sim PART=4a`: one part (2, 3a-3d, 4a, 4b, 5a, 5b) or one lab (PART=3) in
# simulation, so a student in 4A does not meet 4B's stubs; every suite when empty.
PART ?=
KV_THREADS ?= 6
# `make stress` parameters.
CRATE ?= raft
TEST ?= 3a
RUNS ?= 50
JOBS ?= 4
TIMEOUT ?= 240
# `make grade`: how long the simulated sweep of every graded test may start new runs, in
# seconds (every test runs at least once even past it).
# Kept at 600 since simulated threads became coroutines, for 11 to 14 times the seeds: per
# minute of `lab sweep` on the two-core machine (sweep seed 7), Raft 3,797 runs against 278,
# kvraft 229 against 18, shardkv 1,390 against 120. `make grade`'s ten minutes swept 6,218 runs
# of the 80 graded tests (an earlier stop's: 528 of 83).
SWEEP_SECONDS ?= 600
# `make skeleton`: where, and which tier.
OUT ?=
TIER ?= guided
# Extra arguments for `make demo`, e.g. ARGS="--seconds 20 --seed 7".
ARGS ?=
# mdBook for `make book`: this version, installed by `cargo install` under MDBOOK_ROOT when
# missing (cargo's own install root by default, so one install serves every checkout).
MDBOOK_VERSION = 0.5.4
MDBOOK_ROOT ?= $(or $(CARGO_INSTALL_ROOT),$(CARGO_HOME),$(HOME)/.cargo)
MDBOOK = $(MDBOOK_ROOT)/bin/mdbook

LAB_TEST = $(CARGO) test --locked

.PHONY: help test test-foundation test-labsim test-labcodec test-labrpc test-kvsrv test-raft test-3a test-3b test-3c \
	test-3d test-sim test-linearizability conformance test-kvraft test-4a test-4b test-shardkv test-5a \
	test-5b test-mapreduce test-labtool demo echo stress results grade bench doc lint fmt book \
	book-check skeleton skeleton-check

help: ## List the targets.
	@grep -E '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  make %-22s %s\n", $$1, $$2}'

# ---- the whole workspace -------------------------------------------------------------------

test: ## Run every test of the workspace (what CI runs).
	$(MAKE) test-foundation test-linearizability test-labtool test-mapreduce
	$(MAKE) test-kvsrv test-raft test-kvraft test-shardkv

test-foundation: test-labsim test-labcodec test-labrpc ## labsim, labcodec and labrpc.

test-labsim: ## labsim: real and simulated threads, locks, channels, time; replay; deadlock reports.
	$(LAB_TEST) -p labsim

test-labcodec: ## labcodec's unit and property tests.
	$(LAB_TEST) -p labcodec

test-labrpc: ## labrpc: the Go labrpc suite, seed replay, clean shutdown, socket transport.
	$(LAB_TEST) -p labrpc

# ---- lab 2: kvsrv --------------------------------------------------------------------------

test-kvsrv: ## Lab 2: the key/value server with versioned puts, and the lock.
	$(LAB_TEST) -p kvsrv

# ---- lab 3: Raft ---------------------------------------------------------------------------

test-raft: ## The whole Raft suite (3A-3D) and its unit tests.
	$(LAB_TEST) -p raft -- --test-threads=$(RAFT_THREADS)

test-3a: ## Raft 3A: leader election.
	$(LAB_TEST) -p raft 3a -- --test-threads=$(RAFT_THREADS)

test-3b: ## Raft 3B: log replication.
	$(LAB_TEST) -p raft 3b -- --test-threads=$(RAFT_THREADS)

test-3c: ## Raft 3C: persistence.
	$(LAB_TEST) -p raft 3c -- --test-threads=$(RAFT_THREADS)

test-3d: ## Raft 3D: log compaction.
	$(LAB_TEST) -p raft 3d -- --test-threads=$(RAFT_THREADS)

# The crate of a part: 2 is kvsrv's, 3x raft's, 4x kvraft's, 5x shardkv's.
lab_crate = $(or $(if $(filter 2,$(1)),kvsrv),$(if $(filter 3 3a 3b 3c 3d 3A 3B 3C 3D,$(1)),raft),\
	$(if $(filter 4 4a 4b 4A 4B,$(1)),kvraft),$(if $(filter 5 5a 5b 5A 5B,$(1)),shardkv),\
	$(error PART=$(1) is not a part: give 2, 3a-3d, 4a, 4b, 5a or 5b, or a lab: 3, 4 or 5))
SIM_CRATES = $(if $(PART),$(call lab_crate,$(PART)),kvsrv raft kvraft shardkv)
# A graded test's name ends in `_<part>`, so `_4a` picks part 4A as `cargo test` filters.
SIM_FILTER = $(if $(PART),_$(shell echo '$(PART)' | tr A-Z a-z))

test-sim: $(addprefix test-sim-,$(SIM_CRATES)) ## Every graded suite on labsim (kvsrv, Raft, kvraft, shardkv) in simulation, or one part: make test-sim PART=4a. Virtual time; LAB_SEED=<seed> replays a run exactly; real-time-only tests say they were left out.

test-sim-%:
	LAB_SIM=1 $(LAB_TEST) -p $* $(SIM_FILTER) -- --test-threads=$(SIM_THREADS)

# ---- the linearizability checker ----------------------------------------------------------

test-linearizability: ## The checker's unit, property, CLI and browser tests.
	$(LAB_TEST) -p linearizability

conformance: ## Check porcupine's test data (../shared/data/porcupine) with lincheck.
	bash linearizability/conformance.sh

# ---- lab 4: kvraft -------------------------------------------------------------------------

test-kvraft: ## The whole kvraft suite (4A-4B).
	$(LAB_TEST) -p kvraft -- --test-threads=$(KV_THREADS)

test-4a: ## kvraft 4A: without snapshots.
	$(LAB_TEST) -p kvraft 4a -- --test-threads=$(KV_THREADS)

test-4b: ## kvraft 4B: with snapshots.
	$(LAB_TEST) -p kvraft 4b -- --test-threads=$(KV_THREADS)

demo: ## The demo: 5 servers under chaos, then a linearizability verdict (ARGS="--help").
	$(CARGO) run --locked --release -q -p kvraft --example demo -- $(ARGS)

# ---- lab 5: shardkv ------------------------------------------------------------------------

test-shardkv: ## The shard controller and sharded key/value suites (5A-5B).
	$(LAB_TEST) -p shardkv -- --test-threads=$(KV_THREADS)

test-5a: ## shardkv 5A: the controller, static shards, rejection.
	$(LAB_TEST) -p shardkv 5a -- --test-threads=$(KV_THREADS)

test-5b: ## shardkv 5B: migration, snapshots, unreliable, challenges.
	$(LAB_TEST) -p shardkv 5b -- --test-threads=$(KV_THREADS)

# ---- lab 1: MapReduce ----------------------------------------------------------------------

test-mapreduce: ## MapReduce with real coordinator and worker processes.
	$(LAB_TEST) -p mapreduce

# ---- tools ---------------------------------------------------------------------------------

test-labtool: ## The `lab` command's tests.
	$(LAB_TEST) -p labtool

echo: ## Run the labrpc echo example.
	$(CARGO) run --locked -q -p labrpc --example echo

stress: ## Stress tests of a crate by part or name: make stress CRATE=raft TEST=figure8 RUNS=200 JOBS=8 (TEST="4a partition" is 4A's partition tests)
	$(CARGO) run --locked -q -p labtool -- stress $(CRATE) $(TEST) --runs $(RUNS) --jobs $(JOBS) --timeout $(TIMEOUT)

results: ## The results file as a table beside the MIT staff figures.
	$(CARGO) run --locked -q -p labtool -- results

grade: ## Every suite in real time, then a sweep of every graded test over many seeds in simulation (SWEEP_SECONDS=600), then the results table; fails on any failure.
	@status=0; $(MAKE) -k test-kvsrv test-raft test-kvraft test-shardkv || status=1; \
		$(CARGO) run --locked -q -p labtool -- sweep --budget $(SWEEP_SECONDS) || status=1; \
		$(MAKE) results; exit $$status

bench: ## Run every benchmark.
	$(CARGO) bench --locked -p labrpc --bench rpc
	$(CARGO) bench --locked -p linearizability
	$(CARGO) bench --locked -p kvraft --bench throughput
	$(CARGO) bench --locked -p mapreduce

doc: ## Build every crate's API docs; any rustdoc warning fails (CI holds it at zero).
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

lint: ## Check formatting and clippy (warnings are errors; clippy.toml keeps OS threads, clocks and randomness out of lab code).
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

fmt: ## Format the workspace.
	$(CARGO) fmt --all

# ---- the student skeletons ----------------------------------------------------------------

skeleton: ## Write the student skeleton of this workspace: make skeleton OUT=../student [TIER=guided|open].
	@if [ -z "$(OUT)" ]; then echo "give the directory: make skeleton OUT=../student [TIER=open]"; exit 2; fi
	$(CARGO) run --locked -q -p labtool -- skeleton $(OUT) --tier $(TIER)

skeleton-check: ## Both skeleton tiers: generated, built with warnings as errors, each part's first test failing on a stub (minutes).
	LAB_SKELETON_FULL=1 $(LAB_TEST) -p labtool --test skeleton -- --test-threads=1 --nocapture

# ---- the lab book --------------------------------------------------------------------------

book: ## Build the lab book into book/html (installs mdBook the first time); warnings and broken links fail.
	@if [ "$$($(MDBOOK) --version 2>/dev/null)" != "mdbook v$(MDBOOK_VERSION)" ]; then \
		echo "installing mdbook $(MDBOOK_VERSION) (once; a few minutes)"; \
		$(CARGO) install --locked mdbook --version $(MDBOOK_VERSION) --root $(MDBOOK_ROOT) \
			--no-default-features --features search || exit 1; \
	fi
	@# mdBook has no warnings-as-errors switch: any WARN or ERROR line it prints fails the build.
	@$(MDBOOK) build book > book/html.log 2>&1; status=$$?; cat book/html.log; \
		if [ $$status -ne 0 ] || grep -qE 'WARN|ERROR' book/html.log; then \
			echo "make book: mdBook failed or warned (book/html.log)"; exit 1; fi
	$(LAB_TEST) -q -p labtool --test book -- links rust_blocks

book-check: ## Check the book against the code: commands, flags, tests, skeleton tables, links, examples.
	LAB_BOOK_EXAMPLES=1 $(LAB_TEST) -q -p labtool --test book
