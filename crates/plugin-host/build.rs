//! Compiles the project's own protocol definitions in `proto/` into Rust with a pure-Rust protobuf
//! compiler (protox), so a fresh machine needs no system `protoc`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_dir = PathBuf::from("proto");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&proto_dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "proto"))
        .collect();
    files.sort();
    println!("cargo:rerun-if-changed={}", proto_dir.display());
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
    }

    let descriptors = protox::compile(&files, [&proto_dir])?;
    tonic_prost_build::configure()
        .build_server(true)
        // Clients are used by the in-process protocol tests and by nothing in the provider itself.
        .build_client(true)
        // RPCs a provider does not serve answer Unimplemented, which Terraform handles per RPC.
        .generate_default_stubs(true)
        .compile_fds(descriptors)?;
    Ok(())
}
