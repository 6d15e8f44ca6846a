//! The checked-in header must be exactly what cbindgen generates from the current sources
//! (with the generator build.rs uses under `--features header`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../build.rs"]
#[allow(dead_code)]
mod build_script;

#[test]
fn checked_in_header_is_not_stale() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut generated = Vec::new();
    build_script::generate(dir).unwrap().write(&mut generated);
    let checked_in = std::fs::read(dir.join("include/otlp_ffi.h")).unwrap_or_default();
    assert!(
        generated == checked_in,
        "include/otlp_ffi.h is stale: run ./build_all.sh (or cargo build --features header) and commit it"
    );
}
