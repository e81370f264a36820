//! The end-to-end tests: the real Terraform-compatible CLI (OpenTofu by default, Terraform with
//! `AWSASSOC_TF_CLI=terraform`; `scripts/test` runs this binary under OpenTofu 1.6.2, the
//! Terraform on `PATH` and the pinned Terraform 1.15.5 of `tools/terraform/`) drives the provider
//! binary cargo built for the run, against the in-process emulator on loopback. One binary, so
//! the harness and the AWS SDKs it links are compiled and linked once.
//!
//! Where a test goes:
//! - [`provider`]: the provider as a user meets it: installation, schema, provider configuration
//!   and its diagnostics, logging; no AWS call.
//! - [`resources`]: one behaviour of every association kind (a `fn(&'static Kind)` in its
//!   `scenarios!`): create, read, import, drift, delete, timeouts, validation, preflight.
//! - [`reliability`]: a fault injected through the emulator (lost answers, hangs, lagging or
//!   reordered lists, existing associations, broken credentials, panics, hostile input) and the
//!   proof that it fired where it matters.
//! - [`cli`]: CLI workflows (`import`/`removed` blocks, `-refresh-only`, `test`, Ctrl-C, debug
//!   mode) and what a CLI run's logs show; a workflow a CLI lacks is gated through
//!   `support::skip` and listed in `tests/expected-skips.txt`.
//! - [`identity`]: resource identity (Terraform and OpenTofu 1.12): what `show -json` holds
//!   after apply and import, and `import { identity = … }`, for every kind.
//! - [`client_vpn`]: what only Client VPN has: the warning before the last target network goes,
//!   shared status reads of one endpoint.
//! - [`region`]: per-resource `region`: objects in two regions side by side, the `@region`
//!   import suffix, replacements when a region changes.
//! - [`moved`]: `moved` blocks from hashicorp/aws's resources to ours (a stand-in for
//!   hashicorp/aws writes the state they move).
//! - [`release`]: `scripts/release`'s artifacts installed the ways a platform team publishes
//!   them (mirrors, a signed registry).
//!
//! The harness (CLI, mirror, working directories, emulator, kinds) is the crate
//! `awsassoc-test-harness` (`crates/test-harness`), named `support` here.

use awsassoc_test_harness as support;

mod cli;
mod client_vpn;
mod identity;
mod moved;
mod provider;
mod region;
mod release;
mod reliability;
mod resources;
