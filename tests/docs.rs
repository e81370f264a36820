//! The registry documentation in `docs/` is generated from the provider's schema and the files in
//! `examples/`; this test fails when a committed page differs from what the code would generate.
//! Regenerate with `AWSASSOC_UPDATE_DOCS=1 cargo test --test docs`.

use std::fs;
use std::path::{Path, PathBuf};

use terraform_provider_awsassoc::provider::AwsAssocProvider;
use tf_provider_framework::docs::{IdentityDoc, Page, PageKind, render};
use tf_provider_framework::resource::Provider;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_optional(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok()
}

/// Every page the registry shows, with the path it lives at.
fn pages() -> Vec<(PathBuf, String)> {
    let provider = AwsAssocProvider;
    let root = repo();
    let mut pages = Vec::new();
    let provider_example = read_optional(&root.join("examples/provider/provider.tf"));
    let provider_schema = provider.schema();
    pages.push((
        root.join("docs/index.md"),
        render(&Page {
            name: provider.type_name(),
            provider_type: provider.type_name(),
            kind: PageKind::Provider,
            schema: &provider_schema,
            example: provider_example.as_deref(),
            import_id: None,
            identity: None,
        }),
    ));
    for resource in provider.resources() {
        let name = resource.type_name();
        let examples = root.join("examples/resources").join(name);
        let example = read_optional(&examples.join("resource.tf"));
        let import_id = resource.import_id();
        let schema = resource.schema();
        let identity = resource
            .identity()
            .map(|i| (i.identity_schema(), i.identity_example()));
        let short = name.trim_start_matches("awsassoc_");
        pages.push((
            root.join("docs/resources").join(format!("{short}.md")),
            render(&Page {
                name,
                provider_type: provider.type_name(),
                kind: PageKind::Resource,
                schema: &schema,
                example: example.as_deref(),
                import_id: import_id.as_ref(),
                identity: identity
                    .as_ref()
                    .map(|(schema, example)| IdentityDoc { schema, example }),
            }),
        ));
    }
    for list in provider.list_resources() {
        let name = list.type_name();
        let example = read_optional(
            &root
                .join("examples/list-resources")
                .join(name)
                .join("list-resource.tfquery.hcl"),
        );
        let schema = list.config_schema();
        let short = name.trim_start_matches("awsassoc_");
        pages.push((
            root.join("docs/list-resources").join(format!("{short}.md")),
            render(&Page {
                name,
                provider_type: provider.type_name(),
                kind: PageKind::ListResource,
                schema: &schema,
                example: example.as_deref(),
                import_id: None,
                identity: None,
            }),
        ));
    }
    pages
}

#[test]
fn every_list_resource_has_a_query_example() {
    let provider = AwsAssocProvider;
    for list in provider.list_resources() {
        let example = repo()
            .join("examples/list-resources")
            .join(list.type_name())
            .join("list-resource.tfquery.hcl");
        assert!(
            example.is_file(),
            "{} lacks {}",
            list.type_name(),
            example.display()
        );
    }
}

#[test]
fn committed_docs_match_the_schema() {
    let update = std::env::var_os("AWSASSOC_UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for (path, expected) in pages() {
        let expected = format!("{expected}\n");
        if read_optional(&path).as_deref() != Some(expected.as_str()) {
            stale.push(path.strip_prefix(repo()).unwrap().display().to_string());
            if update {
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(&path, &expected).unwrap();
            }
        }
    }
    // Regenerating is no pass: a run that rewrote a page fails, so the variable set in an
    // environment cannot hide stale committed docs. The next run (the pages now current) passes.
    assert!(
        stale.is_empty(),
        "stale docs: {stale:?}; {}",
        if update {
            "regenerated them: review and commit them, then run again"
        } else {
            "regenerate with `AWSASSOC_UPDATE_DOCS=1 cargo test --test docs`"
        }
    );
}

#[test]
fn every_resource_has_an_example_and_can_be_imported() {
    let provider = AwsAssocProvider;
    for resource in provider.resources() {
        let dir = repo().join("examples/resources").join(resource.type_name());
        assert!(
            dir.join("resource.tf").is_file(),
            "{} lacks resource.tf",
            resource.type_name()
        );
        let import_id = resource
            .import_id()
            .unwrap_or_else(|| panic!("{} has no import ID", resource.type_name()));
        assert!(
            resource.import(&import_id.example).is_ok(),
            "{}: the documented import ID {:?} is rejected",
            resource.type_name(),
            import_id.example
        );
    }
}

#[test]
fn every_attribute_is_documented() {
    let provider = AwsAssocProvider;
    let mut schemas = vec![("provider".to_owned(), provider.schema())];
    schemas.extend(
        provider
            .resources()
            .iter()
            .map(|r| (r.type_name().to_owned(), r.schema())),
    );
    schemas.extend(
        provider
            .list_resources()
            .iter()
            .map(|l| (format!("list {}", l.type_name()), l.config_schema())),
    );
    for (owner, schema) in schemas {
        let mut blocks = vec![&schema.block];
        while let Some(block) = blocks.pop() {
            for attribute in &block.attributes {
                assert!(
                    !attribute.description.trim().is_empty(),
                    "{owner}: `{}` has no description",
                    attribute.name
                );
            }
            blocks.extend(block.blocks.iter().map(|b| &b.block));
        }
    }
}

/// The guide to `moved` blocks shows the example under `examples/guides/`, which the format
/// check covers, verbatim.
#[test]
fn the_moving_guide_shows_its_checked_example() {
    let root = repo();
    let example =
        fs::read_to_string(root.join("examples/guides/moving-from-hashicorp-aws/main.tf"))
            .expect("the guide's example exists");
    let guide = fs::read_to_string(root.join("docs/guides/moving-from-hashicorp-aws.md"))
        .expect("the guide exists");
    assert!(
        guide.contains(&format!("```terraform\n{example}```")),
        "docs/guides/moving-from-hashicorp-aws.md must show examples/guides/moving-from-hashicorp-aws/main.tf verbatim"
    );
}

#[test]
fn the_readme_and_the_quickstart_show_every_resource() {
    let readme = fs::read_to_string(repo().join("README.md")).expect("README.md");
    let quickstart =
        fs::read_to_string(repo().join("examples/quickstart/main.tf")).expect("quickstart");
    for resource in AwsAssocProvider.resources() {
        let name = resource.type_name();
        let page = format!(
            "(docs/resources/{}.md)",
            name.trim_start_matches("awsassoc_")
        );
        assert!(
            readme.contains(&page),
            "README.md's opening list does not link {page} ({name})"
        );
        assert!(
            quickstart.contains(&format!("resource \"{name}\"")),
            "examples/quickstart/main.tf (the demo) has no {name}"
        );
    }
}
