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

# Clippy with warnings as errors
lint:
    cargo clippy --workspace --all-targets -- -D warnings

# Build the core for a target without std
nostd:
    rustup target add x86_64-unknown-none
    cargo build -p scorer-core --target x86_64-unknown-none

# Score the bundled demo CSV with the demo model
demo:
    cargo run --release -p serve -- score --model testdata/demo/pipeline.mojo --input testdata/demo/demo.csv --output -

# Regenerate the golden fixtures with H2O 3.46.0.9 and the JDK (needs pip and java)
testdata:
    pip install h2o==3.46.0.9 scikit-learn pandas
    python3 testdata/generate.py

# Everything CI checks
ci:
    bash .ci/run
