//! A stand-in for `registry.terraform.io/hashicorp/aws`, for the tests of `moved` blocks from it:
//! the two resources whose objects our provider takes over, with hashicorp/aws 6.x's schemas
//! (names, types, optional/computed, `timeouts` {create, delete}, schema version 0), creating
//! and deleting through the emulator's EC2 API so the moved objects exist there.
//!
//! Test-only (a binary of the test harness, installed into the end-to-end mirror as
//! `hashicorp/aws` [`HASHICORP_AWS_STANDIN_VERSION`]); it is no model of hashicorp/aws's
//! behaviour beyond what it stores: reads return the state as it is, creates do not wait, and
//! the provider block takes only the arguments the tests give (a subset of hashicorp/aws's).
//! EC2 requests carry a SigV4-shaped `Authorization` header naming the access key and region (the
//! emulator reads both and verifies no signature).
//!
//! Schemas as hashicorp/terraform-provider-aws declares them:
//! `internal/service/ec2/vpnclient_network_association.go` (SDKv2: an optional+computed `id`)
//! and `internal/service/ec2/vpc_route_server_vpc_association.go` (framework: no `id`), each
//! with 6.x's optional+computed `region`.

use std::process::ExitCode;
use std::sync::Arc;

use async_trait::async_trait;
use awsassoc_sim::admin_client::AdminClient;
use awsassoc_test_harness::mirror::HASHICORP_AWS_STANDIN_VERSION;
use tf_plugin_host::PluginIdentity;
use tf_plugin_host::logging::LogPolicy;
use tf_provider_framework::diag::{Diagnostic, Diagnostics};
use tf_provider_framework::resource::{Context, Outcome, Provider, Resource};
use tf_provider_framework::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use tf_provider_framework::timeouts;
use tf_provider_framework::value::{Type, Value};

const IDENTITY: PluginIdentity = PluginIdentity {
    provider_type: "aws",
    namespace: "hashicorp",
    version: HASHICORP_AWS_STANDIN_VERSION,
    logging: LogPolicy {
        own_crates: &["hashicorp_aws_standin", "tf_provider_framework"],
        groups: &[],
        caps: &[],
    },
};

/// EC2's API version, which tells the emulator's query endpoint the request is EC2's.
const EC2_API_VERSION: &str = "2016-11-15";

fn main() -> ExitCode {
    tf_plugin_host::main(IDENTITY, || {
        tf_provider_framework::server::routes(Arc::new(StandinAws))
    })
}

struct StandinAws;

/// Where EC2 calls go, and the credential scope they name.
struct Ec2 {
    /// None when the provider block names no EC2 endpoint (Terraform may configure a provider
    /// without a block): every call then fails.
    endpoint: Option<AdminClient>,
    access_key: String,
    region: String,
}

impl Ec2 {
    /// One EC2 Query API call; the response body, or the error AWS answered with.
    async fn call(&self, action: &str, params: &[(&str, &str)]) -> Result<String, Diagnostics> {
        let mut body = format!("Action={action}&Version={EC2_API_VERSION}");
        for (name, value) in params {
            body.push_str(&format!("&{name}={value}"));
        }
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={}/20260101/{}/ec2/aws4_request, SignedHeaders=host, \
             Signature=0",
            self.access_key, self.region
        );
        let endpoint = self.endpoint.as_ref().ok_or_else(|| {
            failed(
                action,
                "the stand-in talks only to an emulator: set `endpoints { ec2 = ... }`",
            )
        })?;
        let response = endpoint
            .raw(
                "POST",
                "/",
                &[
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    ("Authorization", &authorization),
                ],
                body.as_bytes(),
            )
            .await
            .map_err(|e| failed(action, &format!("{e:#}")))?;
        let text = response.text();
        if response.status >= 400 {
            return Err(failed(action, &text));
        }
        Ok(text)
    }
}

impl Ec2 {
    /// `action` with each parameter taken from an attribute of `value` (`(parameter, attribute)`).
    async fn call_with(
        &self,
        action: &str,
        value: &Value,
        params: &[(&str, &str)],
    ) -> Result<String, Diagnostics> {
        let values = params
            .iter()
            .map(|(param, attribute)| Ok((*param, string_of(value, attribute)?)))
            .collect::<Result<Vec<_>, Diagnostics>>()?;
        let params: Vec<(&str, &str)> = values
            .iter()
            .map(|(param, value)| (*param, value.as_str()))
            .collect();
        self.call(action, &params).await
    }
}

/// A create's result as the framework takes it.
fn outcome(result: Result<Value, Diagnostics>) -> Outcome {
    match result {
        Ok(state) => Outcome::ok(state),
        Err(diags) => Outcome::failed(diags),
    }
}

fn failed(action: &str, detail: &str) -> Diagnostics {
    Diagnostic::error(format!("{action} failed"), detail).into()
}

/// The text of the first `<tag>` in an EC2 XML answer.
fn xml_text(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(body[start..end].to_owned())
}

fn string_of(value: &Value, name: &str) -> Result<String, Diagnostics> {
    value.attr_str(name).map(str::to_owned).ok_or_else(|| {
        Diagnostic::error("Missing argument", format!("`{name}` must be set")).into()
    })
}

/// 6.x's per-resource region: optional, computed from the provider's region.
fn region_attribute() -> Attribute {
    Attribute {
        computed: true,
        ..Attribute::optional(
            "region",
            Type::String,
            "Region where this resource will be managed.",
        )
    }
}

fn timeouts_block() -> NestedBlock {
    timeouts::block(
        &["create", "delete"],
        std::time::Duration::from_secs(30 * 60),
        timeouts::Wording {
            object: "the association",
            remote: "AWS",
        },
    )
}

fn schema(attributes: Vec<Attribute>) -> Schema {
    Schema {
        version: 0,
        block: Block {
            attributes,
            blocks: vec![timeouts_block()],
            ..Block::default()
        },
    }
}

/// `planned` with its unknowns filled from `filled` (the computed attributes), the region
/// defaulting to the provider's.
fn created(planned: &Value, ec2: &Ec2, filled: &[(&str, Value)]) -> Value {
    let mut fields = planned.as_object().cloned().unwrap_or_default();
    for (name, value) in filled {
        fields.insert((*name).to_owned(), value.clone());
    }
    if fields.get("region").is_none_or(Value::is_unknown) {
        fields.insert("region".to_owned(), Value::string(&ec2.region));
    }
    for value in fields.values_mut() {
        if value.is_unknown() {
            *value = Value::Null;
        }
    }
    Value::Object(fields)
}

struct ClientVpnNetworkAssociation;

#[async_trait]
impl Resource<Ec2> for ClientVpnNetworkAssociation {
    fn type_name(&self) -> &'static str {
        "aws_ec2_client_vpn_network_association"
    }

    fn schema(&self) -> Schema {
        schema(vec![
            // SDKv2's implicit `id`.
            Attribute {
                computed: true,
                ..Attribute::optional("id", Type::String, "")
            },
            Attribute::computed("association_id", Type::String, ""),
            Attribute::required("client_vpn_endpoint_id", Type::String, "").requires_replace(),
            region_attribute(),
            Attribute::required("subnet_id", Type::String, "").requires_replace(),
            Attribute::computed("vpc_id", Type::String, ""),
        ])
    }

    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn create(&self, ctx: &Context<Ec2>, planned: &Value) -> Outcome {
        let ec2 = &ctx.client;
        let result = async {
            let answer = ec2
                .call_with(
                    "AssociateClientVpnTargetNetwork",
                    planned,
                    &[
                        ("ClientVpnEndpointId", "client_vpn_endpoint_id"),
                        ("SubnetId", "subnet_id"),
                    ],
                )
                .await?;
            let association = xml_text(&answer, "associationId")
                .ok_or_else(|| failed("AssociateClientVpnTargetNetwork", &answer))?;
            let endpoint = string_of(planned, "client_vpn_endpoint_id")?;
            let listed = ec2
                .call(
                    "DescribeClientVpnTargetNetworks",
                    &[
                        ("ClientVpnEndpointId", endpoint.as_str()),
                        ("AssociationIds.1", association.as_str()),
                    ],
                )
                .await?;
            Ok(created(
                planned,
                ec2,
                &[
                    ("id", Value::string(&association)),
                    ("association_id", Value::string(&association)),
                    ("vpc_id", Value::opt_string(xml_text(&listed, "vpcId"))),
                ],
            ))
        };
        outcome(result.await)
    }

    async fn read(&self, _ctx: &Context<Ec2>, current: &Value) -> Outcome {
        Outcome::ok(current.clone())
    }

    async fn delete(&self, ctx: &Context<Ec2>, prior: &Value) -> Diagnostics {
        let sent = ctx.client.call_with(
            "DisassociateClientVpnTargetNetwork",
            prior,
            &[
                ("ClientVpnEndpointId", "client_vpn_endpoint_id"),
                ("AssociationId", "association_id"),
            ],
        );
        sent.await.err().unwrap_or_default()
    }

    fn import(&self, _id: &str) -> Result<Value, Diagnostics> {
        Err(Diagnostic::error("Not supported", "the stand-in imports nothing").into())
    }
}

struct RouteServerVpcAssociation;

/// The parameters of both route server calls and the attributes they come from.
const ROUTE_SERVER_PARAMS: &[(&str, &str)] =
    &[("RouteServerId", "route_server_id"), ("VpcId", "vpc_id")];

#[async_trait]
impl Resource<Ec2> for RouteServerVpcAssociation {
    fn type_name(&self) -> &'static str {
        "aws_vpc_route_server_vpc_association"
    }

    fn schema(&self) -> Schema {
        schema(vec![
            region_attribute(),
            Attribute::required("route_server_id", Type::String, "").requires_replace(),
            Attribute::required("vpc_id", Type::String, "").requires_replace(),
        ])
    }

    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn create(&self, ctx: &Context<Ec2>, planned: &Value) -> Outcome {
        let result = async {
            ctx.client
                .call_with("AssociateRouteServer", planned, ROUTE_SERVER_PARAMS)
                .await?;
            Ok(created(planned, &ctx.client, &[]))
        };
        outcome(result.await)
    }

    async fn read(&self, _ctx: &Context<Ec2>, current: &Value) -> Outcome {
        Outcome::ok(current.clone())
    }

    async fn delete(&self, ctx: &Context<Ec2>, prior: &Value) -> Diagnostics {
        let sent = ctx
            .client
            .call_with("DisassociateRouteServer", prior, ROUTE_SERVER_PARAMS);
        sent.await.err().unwrap_or_default()
    }

    fn import(&self, _id: &str) -> Result<Value, Diagnostics> {
        Err(Diagnostic::error("Not supported", "the stand-in imports nothing").into())
    }
}

#[async_trait]
impl Provider for StandinAws {
    type Client = Ec2;

    fn type_name(&self) -> &'static str {
        "aws"
    }

    /// The hashicorp/aws provider arguments the tests set, with its names and types.
    fn schema(&self) -> Schema {
        let optional = |name: &str, ty: Type| Attribute::optional(name, ty, "");
        Schema {
            version: 0,
            block: Block {
                attributes: vec![
                    optional("access_key", Type::String),
                    optional("region", Type::String),
                    optional("secret_key", Type::String).sensitive(),
                    optional("skip_credentials_validation", Type::Bool),
                    optional("skip_requesting_account_id", Type::Bool),
                ],
                blocks: vec![NestedBlock {
                    type_name: "endpoints".to_owned(),
                    block: Block {
                        attributes: vec![optional("ec2", Type::String)],
                        ..Block::default()
                    },
                    nesting: Nesting::List,
                    min_items: 0,
                    max_items: 0,
                }],
                ..Block::default()
            },
        }
    }

    fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn configure(&self, config: &Value) -> Result<Ec2, Diagnostics> {
        let endpoint = match config.attr("endpoints") {
            Some(Value::List(blocks)) => blocks.iter().find_map(|b| b.attr_str("ec2")),
            _ => None,
        };
        Ok(Ec2 {
            endpoint: endpoint.map(AdminClient::new),
            access_key: config.attr_str("access_key").unwrap_or("test").to_owned(),
            region: config.attr_str("region").unwrap_or("us-east-1").to_owned(),
        })
    }

    fn resources(&self) -> Vec<Arc<dyn Resource<Ec2>>> {
        vec![
            Arc::new(ClientVpnNetworkAssociation),
            Arc::new(RouteServerVpcAssociation),
        ]
    }
}
