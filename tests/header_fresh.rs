//! The checked-in header must be exactly what cbindgen generates from the current sources.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn checked_in_header_is_not_stale() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/otlp_ffi.h"));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/otlp_ffi.h");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        generated == checked_in,
        "include/otlp_ffi.h is stale: run ./build_all.sh (or OTLP_FFI_WRITE_HEADER=1 cargo build) and commit it"
    );
}
