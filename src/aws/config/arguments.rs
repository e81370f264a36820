//! Every argument of the provider block, described once: its name, type, description, default,
//! whether it is secret, and the environment variables that stand in for it. The schema, the
//! registry docs, the defaults and the environment fallbacks are all derived from this table, so
//! adding an argument is one entry here, one field of
//! [`ProviderSettings`](super::ProviderSettings) and one line that reads it.

use tf_provider_framework::schema::{Attribute, Block, NestedBlock, Nesting};
use tf_provider_framework::value::Type;

/// The shape of an argument's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgumentType {
    Text,
    TextList,
    /// A whole number in `min..=max`.
    WholeNumber {
        min: u32,
        max: u32,
    },
    Flag,
}

/// One argument of the provider block or of one of its nested blocks.
#[derive(Debug)]
pub struct Argument {
    pub name: &'static str,
    pub ty: ArgumentType,
    /// Markdown; the default and the environment variables are appended from the fields below.
    pub description: &'static str,
    pub required: bool,
    /// What an unset argument means, written as a user would write the value.
    pub default: Option<&'static str>,
    pub sensitive: bool,
    /// Environment variables that stand in for an unset argument, first one set wins.
    pub env: &'static [&'static str],
}

/// A nested block (`assume_role`, `endpoints`): at most one, holding its own arguments.
#[derive(Debug)]
pub struct BlockSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub arguments: &'static [&'static Argument],
}

/// The fields every optional argument shares, for the table below.
const OPTIONAL_TEXT: Argument = Argument {
    name: "",
    ty: ArgumentType::Text,
    description: "",
    required: false,
    default: None,
    sensitive: false,
    env: &[],
};

pub const REGION: Argument = Argument {
    name: "region",
    description: "AWS region to manage associations in, e.g. `us-east-1`. Required from this \
        argument, the environment or the `region` of the selected profile in the shared config \
        files; the provider never asks the EC2 instance metadata service for it.",
    env: &["AWS_REGION", "AWS_DEFAULT_REGION"],
    ..OPTIONAL_TEXT
};

pub const PROFILE: Argument = Argument {
    name: "profile",
    description: "Name of the profile in the shared config and credentials files to take \
        credentials (and, if `region` is unset, the region) from. When set here, it wins over \
        credentials in the `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` environment variables. \
        Conflicts with `access_key` and `secret_key`.",
    env: &["AWS_PROFILE"],
    ..OPTIONAL_TEXT
};

pub const ACCESS_KEY: Argument = Argument {
    name: "access_key",
    description: "AWS access key ID for static credentials; requires `secret_key`. Prefer a \
        profile or environment variables over keys in configuration files.",
    env: &["AWS_ACCESS_KEY_ID"],
    ..OPTIONAL_TEXT
};

pub const SECRET_KEY: Argument = Argument {
    name: "secret_key",
    description: "AWS secret access key belonging to `access_key`.",
    sensitive: true,
    env: &["AWS_SECRET_ACCESS_KEY"],
    ..OPTIONAL_TEXT
};

pub const TOKEN: Argument = Argument {
    name: "token",
    description: "Session token for temporary static credentials; only valid together with \
        `access_key` and `secret_key`.",
    sensitive: true,
    env: &["AWS_SESSION_TOKEN"],
    ..OPTIONAL_TEXT
};

pub const SHARED_CONFIG_FILES: Argument = Argument {
    name: "shared_config_files",
    ty: ArgumentType::TextList,
    description: "Paths of shared config files to read instead of the default `~/.aws/config`. \
        A leading `~/` is expanded to the home directory; each file must exist.",
    env: &["AWS_CONFIG_FILE"],
    ..OPTIONAL_TEXT
};

pub const SHARED_CREDENTIALS_FILES: Argument = Argument {
    name: "shared_credentials_files",
    ty: ArgumentType::TextList,
    description: "Paths of shared credentials files to read instead of the default \
        `~/.aws/credentials`. A leading `~/` is expanded to the home directory; each file must \
        exist.",
    env: &["AWS_SHARED_CREDENTIALS_FILE"],
    ..OPTIONAL_TEXT
};

pub const MAX_RETRIES: Argument = Argument {
    name: "max_retries",
    ty: ArgumentType::WholeNumber { min: 0, max: 100 },
    description: "Maximum number of times an AWS API call is retried when AWS throttles it or \
        fails transiently; `0` means no retries. `AWS_MAX_ATTEMPTS` counts attempts, so it \
        stands for one more than `max_retries`.",
    default: Some("25"),
    env: &["AWS_MAX_ATTEMPTS"],
    ..OPTIONAL_TEXT
};

pub const RETRY_MODE: Argument = Argument {
    name: "retry_mode",
    description: "How throttled calls are retried: `standard` (exponential backoff with jitter) \
        or `adaptive` (additionally rate-limits the client after throttling).",
    default: Some("standard"),
    env: &["AWS_RETRY_MODE"],
    ..OPTIONAL_TEXT
};

pub const API_CALL_ATTEMPT_TIMEOUT: Argument = Argument {
    name: "api_call_attempt_timeout",
    description: "The longest one attempt of an AWS API call may take before it is abandoned, as \
        a duration such as `30s` or `2m`. An abandoned status poll is simply made again; an \
        abandoned associate or disassociate call is looked up in AWS before anything is sent \
        again.",
    default: Some("30s"),
    ..OPTIONAL_TEXT
};

pub const API_CALL_TIMEOUT: Argument = Argument {
    name: "api_call_timeout",
    description: "The longest an AWS API call may take with all its retries of throttling and \
        transient failures (refreshes and imports; creates and deletes are bounded by their \
        `timeouts` instead), as a duration such as `5m`. At least `api_call_attempt_timeout`.",
    default: Some("5m"),
    ..OPTIONAL_TEXT
};

pub const EVENTUAL_CONSISTENCY_TIMEOUT: Argument = Argument {
    name: "eventual_consistency_timeout",
    description: "How long AWS's lists may lag behind its changes (EC2 documents eventual \
        consistency of seconds to minutes), as a duration such as `2m`: a new association that \
        is not listed yet, or one AWS says exists but does not list, is given this long to show \
        up before the provider believes the list.",
    default: Some("2m"),
    ..OPTIONAL_TEXT
};

pub const PREFLIGHT_DRY_RUN: Argument = Argument {
    name: "preflight_dry_run",
    ty: ArgumentType::Flag,
    description: "When `true`, planning the destroy of an EC2 association sends the disassociate \
        call with `DryRun` and reports a refusal (missing permission, association in use) at \
        plan time instead of halfway through the apply.",
    default: Some("false"),
    ..OPTIONAL_TEXT
};

pub const ROLE_ARN: Argument = Argument {
    name: "role_arn",
    description: "ARN of the role to assume, e.g. `arn:aws:iam::123456789012:role/deploy`.",
    required: true,
    ..OPTIONAL_TEXT
};

pub const SESSION_NAME: Argument = Argument {
    name: "session_name",
    description: "Session name recorded in CloudTrail (2–64 characters of letters, digits and \
        `+=,.@_-`). Defaults to a generated name.",
    ..OPTIONAL_TEXT
};

pub const EXTERNAL_ID: Argument = Argument {
    name: "external_id",
    description: "External ID the role's trust policy requires, if any.",
    sensitive: true,
    ..OPTIONAL_TEXT
};

pub const DURATION: Argument = Argument {
    name: "duration",
    description: "Lifetime of the role session as a duration string such as `1h` or `45m`, from \
        `15m` to `12h` (and at most the role's maximum session duration). Defaults to STS's \
        default of one hour.",
    ..OPTIONAL_TEXT
};

/// An endpoint argument of the `endpoints` block.
const fn endpoint(
    name: &'static str,
    description: &'static str,
    env: &'static [&'static str],
) -> Argument {
    Argument {
        name,
        description,
        env,
        ..OPTIONAL_TEXT
    }
}

pub const EC2: Argument = endpoint(
    "ec2",
    "Endpoint URL for Amazon EC2: an absolute `http://` or `https://` URL, e.g. \
     `http://127.0.0.1:4566`.",
    &["AWS_ENDPOINT_URL_EC2"],
);
pub const NETWORKMANAGER: Argument = endpoint(
    "networkmanager",
    "Endpoint URL for AWS Network Manager: an absolute `http://` or `https://` URL, e.g. \
     `http://127.0.0.1:4566`.",
    &["AWS_ENDPOINT_URL_NETWORKMANAGER"],
);
pub const WORKSPACES: Argument = endpoint(
    "workspaces",
    "Endpoint URL for Amazon WorkSpaces: an absolute `http://` or `https://` URL, e.g. \
     `http://127.0.0.1:4566`.",
    &["AWS_ENDPOINT_URL_WORKSPACES"],
);
pub const STS: Argument = endpoint(
    "sts",
    "Endpoint URL for AWS STS, which `assume_role` calls: an absolute `http://` or `https://` \
     URL, e.g. `http://127.0.0.1:4566`.",
    &["AWS_ENDPOINT_URL_STS"],
);

pub const ASSUME_ROLE: BlockSpec = BlockSpec {
    name: "assume_role",
    description: "Assume an IAM role with the credentials resolved from the arguments above; \
        every AWS call is then made as that role. STS is contacted on the first AWS call, not \
        while configuring the provider.",
    arguments: &[&ROLE_ARN, &SESSION_NAME, &EXTERNAL_ID, &DURATION],
};

pub const ENDPOINTS: BlockSpec = BlockSpec {
    name: "endpoints",
    description: "Custom endpoint URLs, e.g. a local emulator such as `http://127.0.0.1:4566`. \
        An unset service uses `AWS_ENDPOINT_URL` when set, else the standard AWS endpoint for \
        the region.",
    arguments: &[&EC2, &NETWORKMANAGER, &WORKSPACES, &STS],
};

/// The provider block: its top-level arguments and its nested blocks, in documentation order.
pub const ARGUMENTS: &[&Argument] = &[
    &REGION,
    &PROFILE,
    &ACCESS_KEY,
    &SECRET_KEY,
    &TOKEN,
    &SHARED_CONFIG_FILES,
    &SHARED_CREDENTIALS_FILES,
    &MAX_RETRIES,
    &RETRY_MODE,
    &API_CALL_ATTEMPT_TIMEOUT,
    &API_CALL_TIMEOUT,
    &EVENTUAL_CONSISTENCY_TIMEOUT,
    &PREFLIGHT_DRY_RUN,
];
pub const BLOCKS: &[&BlockSpec] = &[&ASSUME_ROLE, &ENDPOINTS];

const PROVIDER_DESCRIPTION: &str = "The `awsassoc` provider manages AWS association resources \
    whose destroy waits until AWS reports the association gone. Credentials and region are \
    resolved like hashicorp/aws: arguments in this block first, then the standard `AWS_*` \
    environment variables, then the shared configuration and credentials files. Each regional \
    resource may name a `region` of its own, which defaults to the provider's (see the \
    \"Per-resource region\" guide).";

impl Argument {
    /// The schema attribute, its description completed with the default and the environment.
    pub fn attribute(&self) -> Attribute {
        let ty = match self.ty {
            ArgumentType::Text => Type::String,
            ArgumentType::TextList => Type::List(Box::new(Type::String)),
            ArgumentType::WholeNumber { .. } => Type::Number,
            ArgumentType::Flag => Type::Bool,
        };
        let mut description = self.description.to_owned();
        if let ArgumentType::WholeNumber { min, max } = self.ty {
            description.push_str(&format!(" A whole number from `{min}` to `{max}`."));
        }
        if let Some(default) = self.default {
            description.push_str(&format!(" Defaults to `{default}`."));
        }
        if let Some((first, rest)) = self.env.split_first() {
            description.push_str(&format!(
                " Falls back to the environment variable `{first}`"
            ));
            for name in rest {
                description.push_str(&format!(", then `{name}`"));
            }
            description.push('.');
        }
        let attribute = if self.required {
            Attribute::required(self.name, ty, &description)
        } else {
            Attribute::optional(self.name, ty, &description)
        };
        if self.sensitive {
            attribute.sensitive()
        } else {
            attribute
        }
    }

    /// The environment's value for an unset argument: the first of its variables that is set
    /// and not empty, with the variable's name. This is the one place where the environment's
    /// precedence is decided; the block always comes first.
    pub fn from_env(&self, env: &dyn Fn(&str) -> Option<String>) -> Option<(&'static str, String)> {
        self.env.iter().find_map(|name| {
            env(name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| (*name, v))
        })
    }
}

/// The provider block's schema, built from the table.
pub fn provider_block() -> Block {
    Block {
        description: PROVIDER_DESCRIPTION.to_owned(),
        attributes: ARGUMENTS.iter().map(|a| a.attribute()).collect(),
        blocks: BLOCKS
            .iter()
            .map(|spec| NestedBlock {
                type_name: spec.name.to_owned(),
                nesting: Nesting::Single,
                min_items: 0,
                max_items: 1,
                block: Block {
                    description: spec.description.to_owned(),
                    attributes: spec.arguments.iter().map(|a| a.attribute()).collect(),
                    ..Block::default()
                },
            })
            .collect(),
        ..Block::default()
    }
}
