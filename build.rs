//! Links the provider executable position-dependent (`-no-pie`) on GNU/Linux.
//!
//! The code is still compiled position-independent; only the final link changes. A PIE carries
//! a dynamic relocation for every pointer in its read-only data (vtables, the SDKs' tables of
//! operations and shapes), about 600 KB here, applied at every start. Linked at a fixed address,
//! the linker resolves them once, and the binary is smaller and starts with less work. Terraform
//! hashes the provider binary on every command and starts it on every run, so both count.
//!
//! The trade: the executable's own code and data load at a fixed address (libraries, the heap
//! and the stacks are still randomised). Go's linker makes the same choice by default for the
//! providers Terraform users run most, hashicorp/aws among them. Packing the relocations
//! instead (`-z pack-relative-relocs`) would keep the randomisation but need glibc 2.36 at run
//! time, which would shut out distributions still supported (Ubuntu 22.04 has 2.35).
//!
//! Other targets (musl's static PIE, macOS, Windows) keep their defaults.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
