//! `moved` blocks from hashicorp/aws: its objects of the same association become ours.
//!
//! Terraform asks the target provider to translate the stored object (MoveResourceState) on a
//! process it has not configured, so the translation is a pure function of the stored JSON: no
//! AWS call, nothing from the provider configuration. The plan that follows reads the
//! association from AWS as usual, so anything the translation cannot know (a status word) is
//! filled in then, and an association AWS no longer has leaves the state as after any read.
//!
//! What hashicorp/aws stores, and what becomes of it:
//! - every attribute our schema shares by name (`client_vpn_endpoint_id`, `subnet_id`,
//!   `association_id`, `vpc_id`, `route_server_id`, and 4.x's `status`) is carried over;
//! - `timeouts` keeps the operations our block has (`create`, `delete`);
//! - `id` is ours, built from the association's key: hashicorp/aws's route server association has
//!   none, and our `id` is whatever [`Association::id`] makes of the key for every kind;
//! - [`SOURCE_REGION`] (6.x's per-resource region) is carried over exactly when our schema has an
//!   attribute of that name, and otherwise set aside (dropped, and logged);
//! - anything else (4.x's `security_groups`) and the private data (SDKv2's timeouts entry) are
//!   dropped: nothing here uses them.

use std::sync::Arc;

use serde_json::{Map, Value as Json};
use tf_provider_framework::diag::Diagnostic;
use tf_provider_framework::resource::{MoveSource, Moved, StateMover};
use tf_provider_framework::schema::Block;
use tf_provider_framework::timeouts;

use super::key::AssociationKey;
use super::kind::{Association, AssociationSpec};

/// The registry namespace and type of the provider we take objects from: its full address is
/// `HOST/hashicorp/aws` (`registry.terraform.io` for Terraform, `registry.opentofu.org` for
/// OpenTofu), and OpenTofu 1.10.0–1.11.11 and 1.12.0–1.12.3 send the bare type `aws`.
const SOURCE_NAMESPACE: &str = "hashicorp";
const SOURCE_TYPE: &str = "aws";

/// The only schema version hashicorp/aws has stored these resources with (4.x to 6.x).
const SOURCE_SCHEMA_VERSION: i64 = 0;

/// The attribute in which hashicorp/aws 6.x stores a resource's own region. Per-resource region
/// in this provider is an attribute of the same name: once our schema has it, the region is
/// carried over like any shared attribute; until then it is the one value this module sets aside.
pub const SOURCE_REGION: &str = "region";

/// Whether `address` names hashicorp/aws: `HOST/hashicorp/aws` for any registry host, or a bare
/// `aws` as some OpenTofu releases send it.
pub fn is_hashicorp_aws(address: &str) -> bool {
    let parts: Vec<&str> = address.split('/').collect();
    match parts.as_slice() {
        [provider] => provider.eq_ignore_ascii_case(SOURCE_TYPE),
        [host, namespace, provider] => {
            !host.is_empty()
                && namespace.eq_ignore_ascii_case(SOURCE_NAMESPACE)
                && provider.eq_ignore_ascii_case(SOURCE_TYPE)
        }
        _ => false,
    }
}

/// The mover from hashicorp/aws's resource for `A`, if it has one; `target` is `A`'s schema.
pub fn hashicorp_aws_mover<A: Association>(
    association: Arc<A>,
    target: &Block,
) -> Option<StateMover> {
    let source_type = A::SPEC.moved_from?;
    let target = Target::of(target);
    Some(StateMover {
        accepts: format!(
            "`{source_type}` of `{SOURCE_NAMESPACE}/{SOURCE_TYPE}` (schema version \
             {SOURCE_SCHEMA_VERSION}, as every release from 4.x to 6.x stores it)"
        ),
        apply: Box::new(move |source: &MoveSource<'_>| {
            translate(source, source_type, &A::SPEC, &target, &|key| {
                association.id(key)
            })
        }),
    })
}

/// What of our schema a translation fills: its attribute names and the operations of its
/// `timeouts` block.
#[derive(Debug, Clone)]
struct Target {
    attributes: Vec<String>,
    timeouts: Vec<String>,
}

impl Target {
    fn of(block: &Block) -> Target {
        Target {
            attributes: block.attributes.iter().map(|a| a.name.clone()).collect(),
            timeouts: block
                .nested_block(timeouts::BLOCK_NAME)
                .map(|nested| {
                    nested
                        .block
                        .attributes
                        .iter()
                        .map(|a| a.name.clone())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn has(&self, attribute: &str) -> bool {
        self.attributes.iter().any(|a| a == attribute)
    }
}

/// hashicorp/aws's stored `source` of type `source_type`, as our kind `spec` stores it.
fn translate(
    source: &MoveSource<'_>,
    source_type: &str,
    spec: &AssociationSpec,
    target: &Target,
    id: &dyn Fn(&AssociationKey) -> String,
) -> Moved {
    if source.type_name != source_type || !is_hashicorp_aws(source.provider_address) {
        return Moved::NotMine;
    }
    let refuse =
        |detail: String| Moved::Failed(Diagnostic::error("Cannot move this object", detail).into());
    if source.schema_version != SOURCE_SCHEMA_VERSION {
        return refuse(format!(
            "The {source_type} was stored by hashicorp/aws with schema version {}, but {} can \
             only be moved from schema version {SOURCE_SCHEMA_VERSION}. Apply the configuration \
             with the hashicorp/aws release that wrote it (or one that stores version \
             {SOURCE_SCHEMA_VERSION}) and try the move again.",
            source.schema_version, spec.type_name
        ));
    }
    let Some(stored) = source.state.as_object() else {
        return refuse(format!(
            "The stored {source_type} is not an object, so it cannot become a {}.",
            spec.type_name
        ));
    };
    let mut fields = Map::new();
    for (name, value) in stored {
        if name == "id" || value.is_null() {
            continue;
        }
        if name == timeouts::BLOCK_NAME {
            if let Some(operations) = value.as_object() {
                let kept: Map<String, Json> = operations
                    .iter()
                    .filter(|(operation, _)| target.timeouts.contains(operation))
                    .map(|(operation, value)| (operation.clone(), value.clone()))
                    .collect();
                fields.insert(name.clone(), Json::Object(kept));
            }
        } else if target.has(name) {
            fields.insert(name.clone(), value.clone());
        } else if name == SOURCE_REGION {
            tracing::info!(
                source = source_type,
                target = spec.type_name,
                region = %value,
                "the moved object's region is set aside: this resource has no region attribute"
            );
        }
    }
    let (parent, member) = spec.key;
    let Some(key) = AssociationKey::of(
        fields.get(parent).and_then(Json::as_str),
        fields.get(member).and_then(Json::as_str),
    ) else {
        return refuse(format!(
            "The stored {source_type} lacks `{parent}` or `{member}`, which identify the \
             association, so it cannot become a {}. Refresh it with hashicorp/aws first, or \
             import the association into {} instead.",
            spec.type_name, spec.type_name
        ));
    };
    fields.insert("id".to_owned(), Json::String(id(&key)));
    Moved::State(fields)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::aws::resources::{ClientVpnNetworkAssociation, RouteServerVpcAssociation};

    /// hashicorp/aws's Client VPN association as each major release stores it.
    const CLIENT_VPN_4X: &str = r#"{"id":"cvpn-assoc-0a1b2c3d4e5f60001","association_id":"cvpn-assoc-0a1b2c3d4e5f60001","client_vpn_endpoint_id":"cvpn-endpoint-0a1b2c3d4e5f60001","security_groups":["sg-0a1b2c3d4e5f60001"],"status":"associated","subnet_id":"subnet-0a1b2c3d4e5f60000","timeouts":null,"vpc_id":"vpc-0a1b2c3d4e5f60001"}"#;
    const CLIENT_VPN_6X: &str = r#"{"id":"cvpn-assoc-0a1b2c3d4e5f60001","association_id":"cvpn-assoc-0a1b2c3d4e5f60001","client_vpn_endpoint_id":"cvpn-endpoint-0a1b2c3d4e5f60001","region":"eu-west-1","subnet_id":"subnet-0a1b2c3d4e5f60000","timeouts":{"create":"20m","delete":null},"vpc_id":"vpc-0a1b2c3d4e5f60001"}"#;
    /// hashicorp/aws's route server association (6.x): no `id`.
    const ROUTE_SERVER_6X: &str = r#"{"region":"us-east-1","route_server_id":"rs-0a1b2c3d4e5f60001","timeouts":{"create":null,"delete":"45m"},"vpc_id":"vpc-0a1b2c3d4e5f60002"}"#;

    /// The kinds' own specs, so the tests follow what the resources declare.
    const CLIENT_VPN: &AssociationSpec = &ClientVpnNetworkAssociation::SPEC;
    const ROUTE_SERVER: &AssociationSpec = &RouteServerVpcAssociation::SPEC;

    /// Our schema's names for `spec`: `id`, its attributes, `extra` ones, and timeouts
    /// {create, delete}.
    fn target(spec: &AssociationSpec, extra: &[&str]) -> Target {
        let mut attributes = vec!["id".to_owned()];
        attributes.extend(spec.attributes.iter().map(|a| a.name.to_owned()));
        attributes.extend(extra.iter().map(|a| (*a).to_owned()));
        Target {
            attributes,
            timeouts: vec!["create".to_owned(), "delete".to_owned()],
        }
    }

    /// The Client VPN resource's `id`: the association ID.
    fn member_id(key: &AssociationKey) -> String {
        ClientVpnNetworkAssociation.id(key)
    }

    /// The route server resource's `id`: the import ID.
    fn import_id(key: &AssociationKey) -> String {
        RouteServerVpcAssociation.id(key)
    }

    fn moved(
        address: &str,
        version: i64,
        source_type: &str,
        stored: &str,
        spec: &AssociationSpec,
        target: &Target,
        id: &dyn Fn(&AssociationKey) -> String,
    ) -> Moved {
        let state: Json = serde_json::from_str(stored).expect("test JSON");
        let source = MoveSource {
            provider_address: address,
            type_name: source_type,
            schema_version: version,
            state: &state,
        };
        translate(
            &source,
            spec.moved_from.expect("a source type"),
            spec,
            target,
            id,
        )
    }

    fn state(moved: Moved) -> Json {
        match moved {
            Moved::State(fields) => Json::Object(fields),
            other => panic!("expected a moved state, got {other:?}"),
        }
    }

    #[test]
    fn hashicorp_aws_is_recognised_under_any_host_and_as_a_bare_type() {
        for address in [
            "registry.terraform.io/hashicorp/aws",
            "registry.opentofu.org/hashicorp/aws",
            "terraform.example.com/hashicorp/aws",
            "aws",
        ] {
            assert!(is_hashicorp_aws(address), "{address}");
        }
        for address in [
            "registry.terraform.io/example/aws",
            "registry.terraform.io/hashicorp/awscc",
            "hashicorp/aws/extra/part",
            "/hashicorp/aws",
            "awsassoc",
            "",
        ] {
            assert!(!is_hashicorp_aws(address), "{address}");
        }
    }

    /// 4.x stored `security_groups` and `status`: the first is dropped, the second is ours too.
    #[test]
    fn a_client_vpn_association_from_4x_keeps_what_we_share_and_drops_security_groups() {
        let moved = moved(
            "registry.terraform.io/hashicorp/aws",
            0,
            "aws_ec2_client_vpn_network_association",
            CLIENT_VPN_4X,
            CLIENT_VPN,
            &target(CLIENT_VPN, &[]),
            &member_id,
        );
        assert_eq!(
            state(moved),
            json!({
                "id": "cvpn-assoc-0a1b2c3d4e5f60001",
                "association_id": "cvpn-assoc-0a1b2c3d4e5f60001",
                "client_vpn_endpoint_id": "cvpn-endpoint-0a1b2c3d4e5f60001",
                "status": "associated",
                "subnet_id": "subnet-0a1b2c3d4e5f60000",
                "vpc_id": "vpc-0a1b2c3d4e5f60001",
            })
        );
    }

    /// 6.x stores `region`: set aside while our schema lacks it, carried once it has it.
    #[test]
    fn the_6x_region_is_carried_exactly_when_our_schema_has_it() {
        let without = state(moved(
            "aws",
            0,
            "aws_ec2_client_vpn_network_association",
            CLIENT_VPN_6X,
            CLIENT_VPN,
            &target(CLIENT_VPN, &[]),
            &member_id,
        ));
        assert_eq!(without.get(SOURCE_REGION), None);
        assert_eq!(
            without["timeouts"],
            json!({"create": "20m", "delete": null})
        );
        let with = state(moved(
            "aws",
            0,
            "aws_ec2_client_vpn_network_association",
            CLIENT_VPN_6X,
            CLIENT_VPN,
            &target(CLIENT_VPN, &[SOURCE_REGION]),
            &member_id,
        ));
        assert_eq!(with[SOURCE_REGION], json!("eu-west-1"));
    }

    /// hashicorp/aws's route server association has no `id`: ours is built from the key.
    #[test]
    fn a_route_server_association_gets_our_id_and_its_timeouts() {
        let moved = moved(
            "registry.opentofu.org/hashicorp/aws",
            0,
            "aws_vpc_route_server_vpc_association",
            ROUTE_SERVER_6X,
            ROUTE_SERVER,
            &target(ROUTE_SERVER, &[]),
            &import_id,
        );
        assert_eq!(
            state(moved),
            json!({
                "id": "rs-0a1b2c3d4e5f60001,vpc-0a1b2c3d4e5f60002",
                "route_server_id": "rs-0a1b2c3d4e5f60001",
                "vpc_id": "vpc-0a1b2c3d4e5f60002",
                "timeouts": {"create": null, "delete": "45m"},
            })
        );
    }

    #[test]
    fn another_provider_or_type_is_not_ours() {
        for (address, source_type) in [
            (
                "registry.terraform.io/example/aws",
                "aws_vpc_route_server_vpc_association",
            ),
            (
                "registry.terraform.io/hashicorp/aws",
                "aws_ec2_client_vpn_network_association",
            ),
        ] {
            let moved = moved(
                address,
                0,
                source_type,
                ROUTE_SERVER_6X,
                ROUTE_SERVER,
                &target(ROUTE_SERVER, &[]),
                &import_id,
            );
            assert!(matches!(moved, Moved::NotMine), "{address} {source_type}");
        }
    }

    #[test]
    fn another_schema_version_is_refused_with_what_to_do() {
        let moved = moved(
            "aws",
            1,
            "aws_vpc_route_server_vpc_association",
            ROUTE_SERVER_6X,
            ROUTE_SERVER,
            &target(ROUTE_SERVER, &[]),
            &import_id,
        );
        let Moved::Failed(diags) = moved else {
            panic!("expected a refusal");
        };
        let detail = &diags.0[0].detail;
        assert!(detail.contains("schema version 1"), "{detail}");
    }

    #[test]
    fn a_state_without_the_key_is_refused() {
        let moved = moved(
            "aws",
            0,
            "aws_vpc_route_server_vpc_association",
            r#"{"route_server_id":"rs-0a1b2c3d4e5f60001","vpc_id":null}"#,
            ROUTE_SERVER,
            &target(ROUTE_SERVER, &[]),
            &import_id,
        );
        let Moved::Failed(diags) = moved else {
            panic!("expected a refusal");
        };
        assert!(diags.0[0].detail.contains("`vpc_id`"), "{diags:?}");
    }
}
