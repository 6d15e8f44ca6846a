//! Generates the C header from the crate with cbindgen (configured by cbindgen.toml).
//!
//! The header always goes to $OUT_DIR/otlp_ffi.h (a test compares it with the checked-in
//! include/otlp_ffi.h). With OTLP_FFI_WRITE_HEADER=1 (as ./build_all.sh sets) it is also
//! written to include/otlp_ffi.h.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=OTLP_FFI_WRITE_HEADER");
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(c) => c,
        Err(e) => panic!("cbindgen.toml: {e}"),
    };
    let bindings = match cbindgen::Builder::new().with_crate(&crate_dir).with_config(config).generate() {
        Ok(b) => b,
        Err(e) => panic!("cbindgen could not generate the header: {e}"),
    };
    bindings.write_to_file(out_dir.join("otlp_ffi.h"));
    if std::env::var("OTLP_FFI_WRITE_HEADER").as_deref() == Ok("1") {
        bindings.write_to_file(crate_dir.join("include").join("otlp_ffi.h"));
    }
}
