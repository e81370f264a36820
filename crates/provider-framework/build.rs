//! Compiles tfplugin6 (`proto/tfplugin6.proto`) with a pure-Rust protobuf compiler, so a fresh
//! machine needs no system `protoc`.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    const PROTOCOL: &str = "proto/tfplugin6.proto";
    println!("cargo:rerun-if-changed={PROTOCOL}");
    tonic_prost_build::configure()
        // Clients serve the in-process protocol tests, as a host would call the provider.
        .build_client(true)
        // RPCs a provider does not implement answer Unimplemented, which hosts handle per RPC.
        .generate_default_stubs(true)
        .compile_fds(protox::compile([PROTOCOL], ["proto"])?)?;
    Ok(())
}
