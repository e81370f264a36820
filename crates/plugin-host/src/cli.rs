//! Command-line flags. Terraform and OpenTofu start providers without arguments; the flags exist
//! for people (debugging, checking the version).

use std::ffi::OsString;

use super::PluginIdentity;

/// What the process was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// No arguments: serve Terraform/OpenTofu over go-plugin.
    Serve,
    /// `--debug`: serve for `TF_REATTACH_PROVIDERS`.
    Debug,
    Version,
    Help,
}

/// Parses the arguments after the program name. Go's flag package accepts one or two dashes, and
/// terraform-plugin-go documents `-debug`, so both spellings work.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut command = Command::Serve;
    for arg in args {
        let text = arg.to_string_lossy();
        let flag = text.strip_prefix("--").or_else(|| text.strip_prefix('-'));
        let next = match flag {
            Some("debug") | Some("debug=true") => Command::Debug,
            Some("version") | Some("v") => Command::Version,
            Some("help") | Some("h") => Command::Help,
            _ => return Err(format!("unknown argument {text:?}")),
        };
        // Help and version win over serving, whatever the order.
        command = match (command, next) {
            (Command::Help, _) | (_, Command::Help) => Command::Help,
            (Command::Version, _) | (_, Command::Version) => Command::Version,
            _ => next,
        };
    }
    Ok(command)
}

/// Usage text for `--help` and argument errors.
pub fn usage(identity: &PluginIdentity) -> String {
    let program = identity.program_name();
    format!(
        "{program} {version}\n\
         A Terraform/OpenTofu provider. Terraform and OpenTofu start it themselves when a\n\
         configuration uses it; it is not meant to be run by hand.\n\
         \n\
         Usage:\n\
         \x20 {program}            serve as a plugin (only when started by terraform or tofu)\n\
         \x20 {program} --debug    serve for TF_REATTACH_PROVIDERS, e.g. under a debugger\n\
         \x20 {program} --version  print the version\n\
         \x20 {program} --help     print this help\n\
         \n\
         Logging: TF_LOG_PROVIDER_{upper}, TF_LOG_PROVIDER or TF_LOG = trace|debug|info|warn|error|off\n",
        version = identity.version,
        upper = identity.provider_type.to_ascii_uppercase(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn flags() {
        assert_eq!(parse_strs(&[]), Ok(Command::Serve));
        assert_eq!(parse_strs(&["--debug"]), Ok(Command::Debug));
        assert_eq!(parse_strs(&["-debug"]), Ok(Command::Debug));
        assert_eq!(parse_strs(&["--version"]), Ok(Command::Version));
        assert_eq!(parse_strs(&["--debug", "--help"]), Ok(Command::Help));
        assert!(parse_strs(&["serve"]).is_err());
    }
}
