//! Release artifacts: `scripts/release` packages the provider binary of this test run (no second,
//! release build) and the real CLI (`support::cli`: OpenTofu by default, Terraform with
//! `AWSASSOC_TF_CLI=terraform`) installs them the ways a platform team publishes them.
//!
//! What each CLI records in `.terraform.lock.hcl` depends on where the package came from (checked
//! with OpenTofu 1.6.2 and Terraform 1.11.4 and 1.15.5):
//! - from a filesystem mirror (`init`, and `providers lock -fs-mirror`): only the `h1:` hash it
//!   computes over the zip's contents; neither CLI records a `zh:` hash there, because nothing
//!   signed vouches for one;
//! - from a registry: `h1:` plus one `zh:` hash (the SHA-256 of a file) for every line of the
//!   release's SHA256SUMS, trusted because the SHA256SUMS signature verified with the registry's
//!   signing key. This is where the zip's `zh:` hash is checked.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use crate::support::mirror::{HOSTS, PROVIDER_VERSION, platform};
use crate::support::release::{
    self, GpgHome, PackedMirror, PinnedBinary, ReleaseServer, SigningKey, exe_name,
    h1_of_single_file, lock_hashes, manifest_name, parse_sums, run_release, sha256_file,
    signature_name, sums_name, zip_name,
};
use crate::support::{Cli, Workdir, repo_root};
use tempfile::TempDir;

/// A fresh output directory under cargo's per-target temp dir, removed on drop.
fn out_dir(prefix: &str) -> TempDir {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(base).expect("creating CARGO_TARGET_TMPDIR");
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(base)
        .expect("creating a temporary directory")
}

fn file_names(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("listing {}: {e}", dir.display()))
        .map(|e| {
            e.expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

fn set(names: &[String]) -> BTreeSet<String> {
    names.iter().cloned().collect()
}

/// The checksums in `<dist>/SHA256SUMS`, checked against the files (both by recomputing them and
/// with `sha256sum --check --strict`, the way a downloader verifies them).
#[track_caller]
fn verified_sums(dist: &Path) -> std::collections::BTreeMap<String, String> {
    let sums = parse_sums(&fs::read_to_string(dist.join(sums_name())).expect("SHA256SUMS"))
        .unwrap_or_else(|e| panic!("{e:#}"));
    for (name, hash) in &sums {
        assert_eq!(
            &sha256_file(&dist.join(name)),
            hash,
            "SHA256SUMS line for {name}"
        );
    }
    let check = Command::new("sha256sum")
        .args(["--check", "--strict", &sums_name()])
        .current_dir(dist)
        .output()
        .expect("running sha256sum --check");
    assert!(check.status.success(), "sha256sum --check: {check:?}");
    sums
}

/// `dist` holds a well-formed package for `platform`: exactly one file, named for the version and
/// platform, a regular file with the executable bits set for the extractor to restore, and the
/// very bytes of the test binary (size and CRC-32).
#[track_caller]
fn assert_package(dist: &Path, platform: &str, binary: &Path) {
    let zip = dist.join(zip_name(platform));
    let data = fs::read(&zip).unwrap_or_else(|e| panic!("reading {}: {e}", zip.display()));
    let entries =
        release::zip_entries(&data).unwrap_or_else(|e| panic!("{}: {e:#}", zip.display()));
    assert_eq!(
        entries.len(),
        1,
        "exactly one file in {}: {entries:?}",
        zip.display()
    );
    let entry = &entries[0];
    assert_eq!(entry.name, exe_name(platform), "{entry:?}");
    assert_eq!(
        entry.made_by_host, 3,
        "made by Unix, so the mode is honoured: {entry:?}"
    );
    assert_eq!(
        entry.unix_mode & 0o170000,
        0o100000,
        "a regular file: {entry:?}"
    );
    assert_eq!(entry.unix_mode & 0o111, 0o111, "executable: {entry:?}");
    assert_eq!(entry.method, 8, "deflated: {entry:?}");
    let binary = fs::read(binary).expect("reading the test binary");
    assert_eq!(
        entry.size,
        binary.len() as u64,
        "holds the test binary: {entry:?}"
    );
    assert_eq!(
        entry.crc32,
        release::crc32(&binary),
        "holds the test binary: {entry:?}"
    );
}

/// The `h1:` hash the CLI must compute for a package holding `binary`.
fn expected_h1(platform: &str, binary: &Path) -> String {
    h1_of_single_file(&exe_name(platform), &sha256_file(binary))
}

/// The registry host the short source `awsassoc/awsassoc` means for the CLI under test.
fn default_host() -> &'static str {
    if Cli::get().is_opentofu() {
        "registry.opentofu.org"
    } else {
        "registry.terraform.io"
    }
}

/// `init` unpacked the provider from the zip as an executable regular file, where the CLI runs it
/// from: `.terraform/providers/<host>/awsassoc/awsassoc/<version>/<platform>/<exe>`.
#[track_caller]
fn assert_installed_executable(wd: &Workdir, host: &str, platform: &str) {
    let installed = wd
        .path()
        .join(".terraform/providers")
        .join(host)
        .join("awsassoc/awsassoc")
        .join(PROVIDER_VERSION)
        .join(platform)
        .join(exe_name(platform));
    let meta =
        fs::symlink_metadata(&installed).unwrap_or_else(|e| panic!("{}: {e}", installed.display()));
    assert!(meta.is_file(), "{} is a regular file", installed.display());
    assert_eq!(
        meta.permissions().mode() & 0o111,
        0o111,
        "{} is executable",
        installed.display()
    );
}

fn requiring(source: &str) -> String {
    format!(
        "terraform {{\n  required_providers {{\n    awsassoc = {{\n      source  = \"{source}\"\n      version = \"{PROVIDER_VERSION}\"\n    }}\n  }}\n}}\n"
    )
}

#[test]
fn release_writes_the_registry_layout_and_sums_every_target() {
    let out = out_dir("release-layout-");
    let dist = out.path();
    let host = platform();
    let bin = PinnedBinary::new();

    // A fixed timestamp, so the reproducibility check below cannot depend on the commit time.
    let epoch: &[(&str, &OsStr)] = &[("SOURCE_DATE_EPOCH", OsStr::new("1700000000"))];
    let run = run_release(&bin.path, dist, &[], epoch).assert_success();
    assert!(
        run.stdout.contains("Not signed")
            && run
                .stdout
                .contains(&format!("{} was not written", signature_name())),
        "an unsigned release says so: {run}"
    );
    assert_eq!(
        file_names(dist),
        set(&[zip_name(&host), sums_name(), manifest_name()]),
        "{run}"
    );
    assert_eq!(
        fs::read(dist.join(manifest_name())).expect("manifest"),
        fs::read(repo_root().join("terraform-registry-manifest.json")).expect("source manifest"),
        "the manifest is terraform-registry-manifest.json"
    );
    assert_package(dist, &host, &bin.path);
    let sums = verified_sums(dist);
    assert_eq!(
        sums.keys().cloned().collect::<BTreeSet<_>>(),
        set(&[zip_name(&host), manifest_name()]),
        "SHA256SUMS covers the zip and the manifest"
    );

    // The same binary packages to the same bytes, so checksums are reproducible.
    let again = out_dir("release-again-");
    run_release(&bin.path, again.path(), &[], epoch).assert_success();
    assert_eq!(
        sha256_file(&again.path().join(zip_name(&host))),
        sums[&zip_name(&host)],
        "repackaging the same binary changed the zip"
    );

    // A run for another target (CI packages each platform's binary; the test binary stands in)
    // adds its zip, and SHA256SUMS then covers both. Windows executables carry `.exe`.
    run_release(
        &bin.path,
        dist,
        &["--target", "x86_64-pc-windows-msvc"],
        &[],
    )
    .assert_success();
    assert_package(dist, "windows_amd64", &bin.path);
    let both = verified_sums(dist);
    assert_eq!(
        both.keys().cloned().collect::<BTreeSet<_>>(),
        set(&[zip_name(&host), zip_name("windows_amd64"), manifest_name()]),
    );
    assert_eq!(
        both[&zip_name(&host)],
        sums[&zip_name(&host)],
        "the first zip is untouched"
    );

    // Zips collected from several machines: --sums-only lists them without packaging anything.
    let collected = out_dir("release-collected-");
    for name in [zip_name(&host), zip_name("windows_amd64")] {
        fs::copy(dist.join(&name), collected.path().join(&name)).expect("collecting a zip");
    }
    run_release(&bin.path, collected.path(), &["--sums-only"], &[]).assert_success();
    assert_eq!(
        fs::read_to_string(collected.path().join(sums_name())).expect("SHA256SUMS"),
        fs::read_to_string(dist.join(sums_name())).expect("SHA256SUMS"),
        "--sums-only writes the same SHA256SUMS"
    );

    let unknown = run_release(
        &bin.path,
        dist,
        &["--target", "riscv64gc-unknown-linux-gnu"],
        &[],
    );
    assert!(
        !unknown.success() && unknown.stderr.contains("no registry platform known"),
        "an unmapped target is refused: {unknown}"
    );
}

#[test]
fn the_cli_installs_the_release_from_a_packed_filesystem_mirror() {
    let out = out_dir("release-mirror-");
    let dist = out.path().join("dist");
    let host = platform();
    let bin = PinnedBinary::new();
    run_release(&bin.path, &dist, &[], &[]).assert_success();
    let mirror = PackedMirror::build(out.path(), &dist).unwrap_or_else(|e| panic!("{e:#}"));
    let sums = verified_sums(&dist);
    let h1 = expected_h1(&host, &bin.path);

    // init installs from the packed mirror: the CLI unzips the package, and the lock records the
    // h1: hash of exactly the test binary under its release name.
    let mut wd = Workdir::new();
    wd.cli_config(&mirror.cli_config);
    wd.write("main.tf", &requiring("awsassoc/awsassoc"));
    let init = wd.init();
    assert!(
        init.stdout
            .contains(&format!("Installed awsassoc/awsassoc v{PROVIDER_VERSION}")),
        "{init}"
    );
    let lock = wd.read(".terraform.lock.hcl");
    let hashes = lock_hashes(&lock);
    assert!(hashes.contains(&h1), "lock records {h1}:\n{lock}");
    // Neither CLI records zh: hashes from a mirror today; should one start to, it must be the
    // release's own checksum.
    for zh in hashes.iter().filter_map(|h| h.strip_prefix("zh:")) {
        assert!(
            sums.values().any(|s| s == zh),
            "zh:{zh} is not in SHA256SUMS:\n{lock}"
        );
    }

    // The unpacked executable kept its mode from the zip, and the CLI can run it.
    assert_installed_executable(&wd, default_host(), &host);
    let schema = wd.providers_schema_json();
    let names: Vec<&String> = schema["provider_schemas"]
        .as_object()
        .map(|all| all.keys().collect())
        .unwrap_or_default();
    assert!(
        names.iter().any(|n| n.ends_with("/awsassoc/awsassoc")),
        "the installed provider answered GetProviderSchema: {names:?}"
    );

    // providers lock reads the same mirror directly and records the same hash.
    let mut locked = Workdir::new();
    locked.cli_config(&mirror.cli_config);
    locked.write("main.tf", &requiring("awsassoc/awsassoc"));
    let fs_mirror = format!("-fs-mirror={}", mirror.root.display());
    let platform_flag = format!("-platform={host}");
    let run = locked.run_ok(&["providers", "lock", &fs_mirror, &platform_flag]);
    let lock = locked.read(".terraform.lock.hcl");
    assert!(
        lock_hashes(&lock).contains(&h1),
        "providers lock records {h1}: {run}\n{lock}"
    );
}

#[test]
fn the_cli_installs_the_release_from_a_network_mirror() {
    let out = out_dir("release-netmirror-");
    let dist = out.path();
    let host = platform();
    let bin = PinnedBinary::new();
    run_release(&bin.path, dist, &[], &[]).assert_success();
    let sums = verified_sums(dist);

    // The release served as a static network mirror whose index lists the zip with its zh: hash
    // from SHA256SUMS; the CLI checks the download against it.
    let server = ReleaseServer::start(dist, None).unwrap_or_else(|e| panic!("{e:#}"));
    let config = out.path().join("network-mirror.tfrc");
    let sources = HOSTS
        .map(|h| format!("\"{h}/awsassoc/awsassoc\""))
        .join(", ");
    fs::write(
        &config,
        format!(
            "provider_installation {{\n  network_mirror {{\n    url     = \"{}\"\n    include = [{sources}]\n  }}\n  direct {{\n    exclude = [{sources}]\n  }}\n}}\n",
            server.network_mirror_url()
        ),
    )
    .expect("writing the CLI config");
    let mut wd = Workdir::new();
    wd.cli_config(&config)
        .env("SSL_CERT_FILE", server.ca_file());
    wd.write("main.tf", &requiring("awsassoc/awsassoc"));
    let init = wd.init();
    assert!(
        init.stdout.contains(&format!(
            "Installed awsassoc/awsassoc v{PROVIDER_VERSION} (verified checksum)"
        )),
        "installed and checked against the mirror's hash: {init}"
    );
    let zip_path = format!(
        "/mirror/{}/awsassoc/awsassoc/{}",
        default_host(),
        zip_name(&host)
    );
    assert!(
        server.requests().contains(&zip_path),
        "the CLI downloaded {zip_path}: {:?}",
        server.requests()
    );
    assert_installed_executable(&wd, default_host(), &host);
    let lock = wd.read(".terraform.lock.hcl");
    let h1 = expected_h1(&host, &bin.path);
    assert!(
        lock_hashes(&lock).contains(&h1),
        "lock records {h1}:\n{lock}"
    );
    for zh in lock_hashes(&lock)
        .iter()
        .filter_map(|h| h.strip_prefix("zh:"))
    {
        assert!(
            sums.values().any(|s| s == zh),
            "zh:{zh} is not in SHA256SUMS:\n{lock}"
        );
    }
}

#[test]
fn a_signed_release_verifies_with_gpg_and_installs_from_a_registry() {
    let gpg = release::gpg().unwrap_or_else(|why| panic!("this test needs gpg: {why}"));
    let home = GpgHome::new(gpg).unwrap_or_else(|e| panic!("{e:#}"));
    let fingerprint = home
        .generate_key("release")
        .unwrap_or_else(|e| panic!("{e:#}"));
    let out = out_dir("release-signed-");
    let dist = out.path();
    let host = platform();
    let bin = PinnedBinary::new();

    // The key comes from GPG_FINGERPRINT (goreleaser's name) in a GNUPGHOME of its own.
    let run = run_release(
        &bin.path,
        dist,
        &[],
        &[
            ("GNUPGHOME", home.path().as_os_str()),
            ("GPG_FINGERPRINT", OsStr::new(&fingerprint)),
        ],
    )
    .assert_success();
    assert_eq!(
        file_names(dist),
        set(&[
            zip_name(&host),
            sums_name(),
            manifest_name(),
            signature_name()
        ]),
        "{run}"
    );
    let signature = dist.join(signature_name());
    let sig_bytes = fs::read(&signature).expect("signature");
    assert!(
        !sig_bytes.starts_with(b"-----BEGIN"),
        "the signature is binary, not ASCII-armored"
    );
    let sums_path = dist.join(sums_name());
    let sig_arg = signature.to_string_lossy().into_owned();
    let verify = home.run(&["--verify", &sig_arg, &sums_path.to_string_lossy()]);
    assert!(
        verify.success() && verify.stderr.contains(&fingerprint),
        "gpg --verify accepts the signature by {fingerprint}: {verify}"
    );
    let tampered = out.path().join("tampered-SHA256SUMS");
    let mut text = fs::read(&sums_path).expect("SHA256SUMS");
    text.extend_from_slice(
        b"0000000000000000000000000000000000000000000000000000000000000000  extra.zip\n",
    );
    fs::write(&tampered, text).expect("writing the tampered copy");
    let verify = home.run(&["--verify", &sig_arg, &tampered.to_string_lossy()]);
    assert!(
        !verify.success(),
        "gpg --verify rejects a changed SHA256SUMS: {verify}"
    );
    let sums = verified_sums(dist);

    // Published on a registry, the release installs with its signature checked and every
    // SHA256SUMS line locked as a zh: hash, the zip's among them.
    let key_id = fingerprint[fingerprint.len() - 16..].to_owned();
    let key = SigningKey {
        key_id: key_id.clone(),
        ascii_armor: home
            .armored_public_key(&fingerprint)
            .unwrap_or_else(|e| panic!("{e:#}")),
    };
    let registry = ReleaseServer::start(dist, Some(key)).unwrap_or_else(|e| panic!("{e:#}"));
    let direct_only = out.path().join("direct.tfrc");
    fs::write(&direct_only, "provider_installation {\n  direct {}\n}\n").expect("CLI config");
    let mut wd = Workdir::new();
    wd.cli_config(&direct_only)
        .env("SSL_CERT_FILE", registry.ca_file());
    wd.write("main.tf", &requiring(&registry.registry_source()));
    let init = wd.init();
    assert!(
        init.stdout.contains(&format!(
            "Installed {} v{PROVIDER_VERSION}",
            registry.registry_source()
        )) && init.stdout.contains(&format!("key ID {key_id}")),
        "installed and signed by the release key: {init}"
    );
    assert!(
        registry
            .requests()
            .contains(&format!("/files/{}", signature_name())),
        "the CLI fetched the signature: {:?}",
        registry.requests()
    );
    assert_installed_executable(&wd, &registry.registry_host(), &host);
    let lock = wd.read(".terraform.lock.hcl");
    let hashes = lock_hashes(&lock);
    let zh = format!("zh:{}", sums[&zip_name(&host)]);
    assert!(hashes.contains(&zh), "lock records the zip's {zh}:\n{lock}");
    let h1 = expected_h1(&host, &bin.path);
    assert!(hashes.contains(&h1), "lock records {h1}:\n{lock}");
    drop(registry);

    // A registry advertising another key: the CLI refuses the package.
    let other = home
        .generate_key("impostor")
        .unwrap_or_else(|e| panic!("{e:#}"));
    let impostor = ReleaseServer::start(
        dist,
        Some(SigningKey {
            key_id: other[other.len() - 16..].to_owned(),
            ascii_armor: home
                .armored_public_key(&other)
                .unwrap_or_else(|e| panic!("{e:#}")),
        }),
    )
    .unwrap_or_else(|e| panic!("{e:#}"));
    let mut refused = Workdir::new();
    refused
        .cli_config(&direct_only)
        .env("SSL_CERT_FILE", impostor.ca_file());
    refused.write("main.tf", &requiring(&impostor.registry_source()));
    let init = refused.run_err(&["init"]);
    assert!(
        init.combined().to_lowercase().contains("signature"),
        "the failure is about the signature: {init}"
    );

    // Repackaging without a key drops the signature, which no longer matches SHA256SUMS.
    let run = run_release(&bin.path, dist, &[], &[]).assert_success();
    assert!(
        !signature.exists(),
        "a stale signature was left behind: {run}"
    );
}
