//! Compiles go-plugin's service definitions (`proto/`) with a pure-Rust protobuf compiler, so a
//! fresh machine needs no system `protoc`. Clients are generated too: tests play the host.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files = ["proto/grpc_controller.proto", "proto/grpc_stdio.proto"];
    for file in files {
        println!("cargo:rerun-if-changed={file}");
    }
    tonic_prost_build::configure()
        // GRPCStdio's stream type comes from the default stub; this crate serves the stream.
        .generate_default_stubs(true)
        .compile_fds(protox::compile(files, ["proto"])?)?;
    Ok(())
}
