//! Generates the C header include/otlp_ffi.h from this crate's sources with cbindgen
//! (configured by cbindgen.toml) — only when asked: `cargo build --features header`, as
//! ./build_all.sh does. A plain build (and every crate that depends on this one) runs no
//! cbindgen. tests/header_fresh.rs calls `generate` too and fails when the checked-in header
//! differs from what the sources say.

#[cfg(any(feature = "header", test))]
pub fn generate(crate_dir: &std::path::Path) -> Result<cbindgen::Bindings, String> {
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).map_err(|e| format!("cbindgen.toml: {e}"))?;
    let builder = cbindgen::Builder::new().with_crate(crate_dir).with_config(config);
    builder.generate().map_err(|e| format!("cbindgen could not generate the header: {e}"))
}

#[allow(dead_code)]
fn main() {
    #[cfg(feature = "header")]
    {
        println!("cargo:rerun-if-changed=src");
        println!("cargo:rerun-if-changed=cbindgen.toml");
        let crate_dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
        match generate(&crate_dir) {
            Ok(bindings) => {
                bindings.write_to_file(crate_dir.join("include").join("otlp_ffi.h"));
            }
            Err(e) => panic!("{e}"),
        }
    }
    #[cfg(not(feature = "header"))]
    println!("cargo:rerun-if-changed=build.rs");
}
