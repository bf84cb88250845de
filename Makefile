# mpigo — build, test, demo and benchmarks. Every target installs what it
# needs from Debian's packages first (CI starts from a clean machine).

SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
BIN := bin
NP ?= 4

# OpenMPI settings for these machines (root, oversubscription, pml): one list
# of `export` lines, shared with the Go test runner (internal/mpitest embeds
# it) and with users' shells (. ./openmpi.env).
include internal/mpitest/ompi.env
# More ranks than cores: busy-polling ranks must yield to each other.
OVERSUB := --mca mpi_yield_when_idle 1
MPIEXEC := timeout -k 5 120 mpiexec

.PHONY: bench-versions demo-resilient test-root13 bench-heat-persistent test-fuzz fuzz test-readme test-chat-tmux all deps deps-mpich deps-slurm build chat chat-join test test-slurm test-demos bench-heat bench-idle bench-rma bench-io test-race test-cgocheck test-mpich test-multihost bench-multihost demo bench bench-cluster bench-pingpong bench-floor bench-deps test-bench bench-collectives bench-chat clean

all: build

deps:
	@if ! pkg-config --exists ompi-c 2>/dev/null || ! command -v mpiexec >/dev/null; then \
		echo "installing OpenMPI from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			openmpi-bin libopenmpi-dev pkg-config >/dev/null; \
	fi
	@if ! command -v ip >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null; \
	fi

build: deps
	$(GO) build -o $(BIN)/mpigo ./cmd/mpigo

# All tests: every package (multi-rank tests launch themselves under mpiexec),
# then the binding again with cgocheck2 and with the race detector (-short),
# then mpi/ and collectives/ built against MPICH (-short) and its demos, then
# everything across 3 network-namespace hosts × 2 ranks with faults.
# `make test MPI=mpich` runs the MPICH part alone.
MPI ?= openmpi
test:
ifeq ($(MPI),mpich)
	$(MAKE) test-mpich
else
	$(MAKE) deps
	$(GO) vet ./...
	$(GO) test -p 1 -timeout 20m ./...
	$(MAKE) test-fuzz test-demos test-readme test-chat-tmux test-cgocheck test-race test-mpich test-root13 test-bench test-slurm test-multihost
endif

# Fuzz targets of the binding's checks and decoders (each with an oracle
# written apart from the check; corpora in mpi/testdata/fuzz): 30,000 inputs
# each in make test (a few seconds; a count, not a time: a short -fuzztime
# can end with "context deadline exceeded" while a worker starts), longer
# with make fuzz (FUZZTIME=10m make fuzz).
FUZZ_TARGETS := FuzzTypedReach FuzzCheckedArithmetic FuzzPartList FuzzChunkedValue FuzzValueDecode FuzzAgreement FuzzGraphCheck FuzzDarrayCheck
FUZZTIME ?= 30000x
test-fuzz: deps
	@mkdir -p $(BIN); for f in $(FUZZ_TARGETS); do \
		echo "fuzzing $$f for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./mpi/ >$(BIN)/fuzz.log 2>&1 || { cat $(BIN)/fuzz.log; exit 1; }; \
	done

fuzz:
	$(MAKE) test-fuzz FUZZTIME=$(if $(filter 30000x,$(FUZZTIME)),2m,$(FUZZTIME))

# MPICH side by side with OpenMPI: its own pkg-config name (build tag mpich)
# and launcher (mpiexec.mpich, never the alternatives link).
deps-mpich:
	@if ! pkg-config --exists mpich 2>/dev/null || ! command -v mpiexec.mpich >/dev/null; then \
		echo "installing MPICH from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			libmpich-dev mpich pkg-config >/dev/null; \
	fi

# Slurm from Debian's packages: a one-node cluster on this machine, a batch
# job (scripts/slurm-job.sh) running mpigo with mpiexec in the allocation and
# with srun --mpi=pmix, its output checked (scripts/test-slurm.sh).
deps-slurm:
	@if ! command -v slurmctld >/dev/null || ! command -v sbatch >/dev/null; then \
		echo "installing Slurm from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurmctld slurmd slurm-client >/dev/null; \
	fi

test-slurm: build deps-slurm
	scripts/test-slurm.sh

# 3 hosts × 2 ranks as network namespaces this target creates and removes:
# the tests, the demos and three faults across hosts (scripts/test-multihost.sh).
test-multihost: build
	GO=$(GO) BIN=$(BIN) scripts/test-multihost.sh

# Benchmarks across the namespace hosts with rate-limited links (not in make
# test), ending with the whole suite across them (bin/bench-multihost.*).
bench-multihost: bench-deps
	BIN=$(BIN) scripts/bench-multihost.sh

test-mpich: deps-mpich
	$(GO) vet -tags mpich ./mpi/... ./collectives/... ./internal/... ./pool/...
	$(GO) test -tags mpich -short -p 1 -count=1 -timeout 15m ./mpi/... ./collectives/... ./pool/...
	$(GO) build -tags mpich -o $(BIN)/mpigo-mpich ./cmd/mpigo
	timeout -k 5 60 mpiexec.mpich -n 1 $(BIN)/mpigo-mpich version
	timeout -k 5 60 mpiexec.mpich -n 4 $(BIN)/mpigo-mpich hello
	timeout -k 5 60 mpiexec.mpich -n 2 $(BIN)/mpigo-mpich pingpong --sizes 1,1024,65536 --iters 2000
	timeout -k 5 60 mpiexec.mpich -n 4 $(BIN)/mpigo-mpich broadcast --size 65536 --reps 5
	timeout -k 5 60 mpiexec.mpich -n 4 $(BIN)/mpigo-mpich chat --script demo/chat-%r.txt
	timeout -k 5 60 mpiexec.mpich -n 3 $(BIN)/mpigo-mpich heat --n 48 --steps 40 --no-scaling
	timeout -k 5 60 mpiexec.mpich -n 3 $(BIN)/mpigo-mpich counter --tasks 300 --work 100

test-cgocheck: deps
	GOEXPERIMENT=cgocheck2 $(GO) test -p 1 -short -count=1 -timeout 20m ./mpi/...

test-race: deps
	$(GO) test -race -p 1 -short -count=1 -timeout 20m ./mpi/...

# The demos as a user runs them, small: the heat solver checks its fields
# against a serial run (exit 1 if one differs) and draws one.
test-demos: build
	$(MPIEXEC) -n 3 $(OVERSUB) $(BIN)/mpigo heat --n 48 --steps 40 --png $(BIN)/heat-test.png --checkpoint $(BIN)/heat-test.field
	@test -s $(BIN)/heat-test.png
	$(MPIEXEC) -n 3 $(OVERSUB) $(BIN)/mpigo heat --n 48 --steps 40 --no-scaling --exchange neighbor --restart $(BIN)/heat-test.field
	$(MPIEXEC) -n 3 $(OVERSUB) $(BIN)/mpigo counter --tasks 600 --work 200
	$(MPIEXEC) -n 3 $(OVERSUB) $(BIN)/mpigo mandel --width 300 --height 200 --iters 300

# The demos: who is where, ping-pong between rank pairs, every broadcast
# algorithm (the first run on 2 simulated hosts, for its overlay metrics and
# bin/broadcast.png), the chat, the heat solver, the work queue.
demo: build
	$(MPIEXEC) -n $(NP) $(OVERSUB) $(BIN)/mpigo hello
	$(MPIEXEC) -n $(NP) $(OVERSUB) $(BIN)/mpigo pingpong --sizes 1,1024,65536 --iters 2000
	$(MPIEXEC) -n $(NP) $(OVERSUB) $(BIN)/mpigo broadcast --reps 10 --hosts 0,0,1,1 --png $(BIN)/broadcast.png
	$(MPIEXEC) -n $(NP) $(OVERSUB) $(BIN)/mpigo broadcast --size 1048576 --reps 10
	$(MPIEXEC) -n $(NP) $(OVERSUB) $(BIN)/mpigo chat --script demo/chat-%r.txt
	$(MPIEXEC) -n $(NP) $(OVERSUB) $(BIN)/mpigo heat --n 128 --steps 300 --png $(BIN)/heat.png
	$(MPIEXEC) -n $(NP) $(OVERSUB) $(BIN)/mpigo counter --tasks 2000
	$(MPIEXEC) -n $(NP) $(OVERSUB) $(BIN)/mpigo mandel --png $(BIN)/mandel.png

# ---- benchmarks (not part of make test) ----

# The baselines of the benchmark suite: C (mpicc), gompi v0.1.0 (a module of
# its own under bench/gompi) and mpi4py (Debian's, run with /usr/bin/python3).
bench-deps: build
	@if [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -c 'import mpi4py, numpy' 2>/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-mpi4py python3-numpy >/dev/null; \
	fi
	mpicc -O2 -o $(BIN)/bench-c bench/c/osu.c -lm
	cd bench/gompi && $(GO) build -o ../../$(BIN)/bench-gompi .
	$(GO) build -o $(BIN)/floor ./bench/floor

# The whole suite (mpigo bench all): C, mpigo, gompi, mpi4py and mpi4py's
# object mode as alternating jobs, ROUNDS rounds; tables with ratios to C,
# and bin/bench.{json,csv,png}. BENCH_ARGS adds flags, e.g. "-b latency,bcast -x 0.2".
ROUNDS ?= 3
BENCH_NP ?= 2
BENCH_ARGS ?=
BENCH_OUT := --json $(BIN)/bench.json --csv $(BIN)/bench.csv --plot $(BIN)/bench.png
bench: bench-deps
	$(BIN)/mpigo bench all --np $(BENCH_NP) --rounds $(ROUNDS) $(BENCH_OUT) $(BENCH_ARGS)

# The same across the hosts of an OpenMPI hostfile (see hostfile.example):
#   make bench-cluster HOSTFILE=hosts NP=8 [BENCH_ARGS="--mpiexec-args '--map-by node'"]
# Every host needs OpenMPI, mpi4py and this directory at the same path.
# The result files record the host list, each rank's host and the libraries.
HOSTFILE ?=
bench-cluster: bench-deps
	@test -n "$(HOSTFILE)" || { echo "usage: make bench-cluster HOSTFILE=FILE NP=N"; exit 2; }
	$(BIN)/mpigo bench all --hostfile $(HOSTFILE) --np $(NP) --rounds $(ROUNDS) \
		--json $(BIN)/bench-cluster.json --csv $(BIN)/bench-cluster.csv --plot $(BIN)/bench-cluster.png $(BENCH_ARGS)

# The suite's C and mpigo on OpenMPI 4.1 (the host) and 5.0 (the Debian 13
# root of scripts/root13.sh), then each run's ratios to its own C compared
# (bench compare --ratios): is mpigo as close to C on the newer library?
bench-versions: bench-deps
	$(BIN)/mpigo bench all --impls c,mpigo --rounds $(ROUNDS) --json $(BIN)/bench-ompi4.json $(BENCH_ARGS)
	scripts/root13.sh run bash -c '. ./openmpi.env && mkdir -p bin/root13 && go build -o bin/root13/mpigo ./cmd/mpigo && \
		mpicc.openmpi -O2 -o bin/root13/bench-c bench/c/osu.c -lm && \
		bin/root13/mpigo bench all --bin bin/root13 --impls c,mpigo --rounds $(ROUNDS) --json bin/root13/bench-ompi5.json $(BENCH_ARGS)'
	scripts/root13.sh umount
	$(BIN)/mpigo bench compare --ratios $(BIN)/bench-ompi4.json bin/root13/bench-ompi5.json || [ $$? -eq 3 ]

# Ping-pong latency and bandwidth only (issue 3's table; and bandwidth with
# persistent requests), 9 rounds (the machine changes state between jobs),
# then the goroutine benchmark: 2 ranks, 1 KiB messages, blocking Send/Recv,
# 5 jobs each (a bad run shows as one), the 16 goroutines also with 2 Ps per
# rank (more Ps than the rank's core), and both at ThreadSingle. mpigo-single
# and gompi (MPI_THREAD_SINGLE) are compared with C at that level, c-single.
bench-pingpong: bench-deps
	$(BIN)/mpigo bench all --rounds 9 -b latency,bw,bibw,bw-persistent -s 1,64,1024,8192,65536,1048576,4194304 --impls c,c-single,mpigo,mpigo-single,gompi,mpi4py
	@echo "# goroutines: 2 ranks, 1 KiB messages, blocking Send/Recv, µs per message"
	@for g in 1 16; do for run in 1 2 3 4 5; do $(MPIEXEC) -n 2 $(BIN)/mpigo pingpong --goroutines $$g --sizes 1024; done; done
	@echo "# the same, 16 goroutines, GOMAXPROCS=2"
	@for run in 1 2 3 4 5; do GOMAXPROCS=2 $(MPIEXEC) -n 2 -x GOMAXPROCS $(BIN)/mpigo pingpong --goroutines 16 --sizes 1024; done
	@echo "# the same at ThreadSingle: 1 and 16 goroutines"
	@for g in 1 16; do for run in 1 2 3 4 5; do $(MPIEXEC) -n 2 $(BIN)/mpigo pingpong --goroutines $$g --sizes 1024 --thread single; done; done
	$(MAKE) --no-print-directory bench-floor

# The floor of a cgo binding on this machine: one job, alternating rounds of
# the same ping-pong in one C call, with one cgo call per MPI call, and
# through mpigo (bench/floor), ratios to the C loop; at ThreadMultiple, then
# at ThreadSingle; then osu_bw's windows of 64 the same ways (and mpigo's
# persistent requests).
bench-floor: bench-deps
	@for t in multiple single; do for s in 1 64 1024 8192; do $(MPIEXEC) -n 2 $(BIN)/floor -size $$s -thread $$t; done; done
	@for s in 1 64 1024 8192; do $(MPIEXEC) -n 2 $(BIN)/floor -window 64 -iters 2000 -rounds 9 -size $$s; done

# Smoke test of the suite in make test: every implementation, every
# benchmark, tiny iteration counts; the driver checks each program's sample
# counts against the method, then the result file is compared with itself.
test-bench: bench-deps
	$(BIN)/mpigo bench all --rounds 1 -x 0.01 -s 1,4096,65536 -c 8,65536 --impls c,c-single,mpigo,mpigo-single,gompi,mpi4py,mpi4py-obj --timeout 5m --json $(BIN)/smoke.json --plot $(BIN)/smoke.svg
	$(BIN)/mpigo bench compare $(BIN)/smoke.json $(BIN)/smoke.json
	$(MPIEXEC) -n 3 $(OVERSUB) $(BIN)/mpigo bench -v -x 0.01 -s 1,65536 -c 1,3,65536 -q >/dev/null
	$(MPIEXEC) -n 2 $(BIN)/floor -iters 1000 -rounds 3 -size 4096

# Collective algorithms of package collectives against the native OpenMPI ones,
# 4 ranks (oversubscribed on 2 cores, so yielding) and 2 ranks, 8 B … 16 MiB.
COLL_SIZES ?= 8 1024 65536 1048576 16777216
COLL_REPS ?= 30
bench-collectives: build
	@for np in 4 2; do for s in $(COLL_SIZES); do \
		echo "## bcast, $$np ranks, $$s bytes"; \
		$(MPIEXEC) -n $$np $(OVERSUB) $(BIN)/mpigo broadcast --size $$s --reps $(COLL_REPS) || exit 1; \
		echo "## allreduce, $$np ranks, $$s bytes"; \
		$(MPIEXEC) -n $$np $(OVERSUB) $(BIN)/mpigo allreduce --size $$s --reps $(COLL_REPS) || exit 1; \
	done; done

# The heat demo against the same loop in C (bench/c/heat.c), alternating
# jobs at 1, 2 and 4 ranks: steps/s, ratio, and the halo exchanges' cost
# with datatypes, packed by hand and as a neighbour alltoall.
HEAT_N ?= 512
HEAT_STEPS ?= 400
bench-heat: build
	mpicc -O2 -o $(BIN)/heat-c bench/c/heat.c -lm
	BIN=$(BIN) N=$(HEAT_N) STEPS=$(HEAT_STEPS) ROUNDS=$(ROUNDS) scripts/bench-heat.sh

# The heat solver's residual by Allreduce or by a persistent Allreduce
# (AllreduceInit), alternating jobs (issue 28; doc/performance.md).
bench-heat-persistent: build
	BIN=$(BIN) ROUNDS=$(ROUNDS) scripts/bench-heat-persistent.sh

# One-sided Put latency and Get bandwidth (OSU's method, Win.Flush) of
# mpigo against C, alternating jobs of 2 ranks (mpigo rma, bench/c/rma.c).
bench-rma: build
	mpicc -O2 -o $(BIN)/rma-c bench/c/rma.c
	BIN=$(BIN) ROUNDS=$(ROUNDS) scripts/bench-rma.sh

# Collective write bandwidth (MPI_File_write_at_all of each rank's block of
# one file in /tmp) of mpigo against C (bench/c/io.c), alternating jobs at
# 2 and 4 ranks, through the page cache and with MPI_File_sync.
bench-io: build
	mpicc -O2 -o $(BIN)/io-c bench/c/io.c
	BIN=$(BIN) ROUNDS=$(ROUNDS) scripts/bench-io.sh

# An idle receiver: rank 1 waits in one Recv for IDLE_SECONDS while rank 0
# sleeps; its CPU use (getrusage) and how late it wakes, in C (spinning, and
# with mpi_yield_when_idle) and in mpigo with each wait policy of
# IDLE_POLICIES (mpi.WaitPolicy; "default" is the binding's).
IDLE_SECONDS ?= 10
IDLE_POLICIES ?= default spin nap=250us nap=4ms
bench-idle: build
	mpicc -O2 -o $(BIN)/idle-c bench/c/idle.c
	$(MPIEXEC) -n 2 $(BIN)/idle-c $(IDLE_SECONDS)
	$(MPIEXEC) -n 2 --mca mpi_yield_when_idle 1 $(BIN)/idle-c $(IDLE_SECONDS)
	@for p in $(IDLE_POLICIES); do \
		w=; [ "$$p" = default ] || w="--wait $$p"; \
		$(MPIEXEC) -n 2 $(BIN)/mpigo idle --seconds $(IDLE_SECONDS) $$w || exit 1; \
	done

# The chat in tmux, a pane per person: the server, HUMANS clients (2) who
# type in their panes, BOTS bots (1); messages kept in bin/chat.log.
HUMANS ?= 2
BOTS ?= 1
chat: build
	@command -v tmux >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null; }
	BIN=$(BIN) HUMANS=$(HUMANS) BOTS=$(BOTS) scripts/chat-tmux.sh

# The README's "Using it" steps in a new module, as written (scripts/test-readme.sh).
test-readme: build
	scripts/test-readme.sh

# The chat's tmux wrapper as a user meets it: without a terminal, with a
# stale name-server file, inside a tmux that lacks openmpi.env, /shutdown
# (scripts/test-chat-tmux.sh; ~20 s).
test-chat-tmux: build
	@command -v tmux >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux >/dev/null; }
	BIN=$(BIN) scripts/test-chat-tmux.sh

# Join the running make chat from this terminal: a job of one rank that
# connects to the server through the name it published on ompi-server.
chat-join: build
	@scripts/chat-server.sh running $(BIN)/ompi-server.uri $(BIN)/ompi-server.pid || { \
		scripts/chat-server.sh stop $(BIN)/ompi-server.uri $(BIN)/ompi-server.pid; \
		echo "no chat is running (make chat starts one)"; exit 1; }
	timeout --foreground -k 5 8h mpiexec -n 1 --ompi-server file:$(BIN)/ompi-server.uri --mca btl_tcp_if_include lo $(BIN)/mpigo chat --join mpigo-chat

# The chat server's fan-out rate: 4 clients × 2000 posts as fast as possible.
bench-chat: build
	$(MPIEXEC) -n 5 $(OVERSUB) $(BIN)/mpigo chat --bots 2000 --queue 100000 --out $(BIN)/chat-%r.log
	@tail -1 $(BIN)/chat-0.log

# The suite and the demos' smoke runs against OpenMPI 5.0.7 and MPICH 4.2.1
# in a Debian 13 root (scripts/root13.sh makes it once, in
# /var/tmp/mpigo-root13, installing debootstrap if missing): the other half
# of the version matrix, whose first half (Debian 12's OpenMPI 4.1.4 and
# MPICH 4.0.2) is the host's. Logs in bin/root13-*.log.
test-root13:
	scripts/test-root13.sh

# The heat demo surviving dead ranks: 4 ranks on OpenMPI 5 with fault
# tolerance (in the Debian 13 root), ranks 1 and 2 killed mid-run; the
# survivors recover from the last checkpoint and check the field against a
# serial run. KILL overrides which ranks die, and when.
KILL ?= --kill 1@730 --kill 2@1420
demo-resilient:
	scripts/root13.sh run bash -c '. ./openmpi.env && go build -o bin/mpigo-openmpi ./cmd/mpigo && \
		timeout -k 5 300 mpiexec.openmpi --with-ft ulfm -n 4 bin/mpigo-openmpi heat --resilient --n 200 --steps 2000 $(KILL)'; \
	rc=$$?; scripts/root13.sh umount; exit $$rc

clean:
	rm -rf $(BIN)
