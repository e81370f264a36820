//! The listing of one parent: the status call every kind makes to learn what a parent has. One
//! helper walks every page, takes "the parent does not exist" for "nothing is listed" and keeps
//! only the records of the parent asked about, so that every kind treats AWS's answer alike
//! (a record naming another parent is never taken for one of ours).

use std::future::Future;

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::kind::AssociationSpec;
use super::observation::{Listing, Observation};
use crate::aws::error::{AwsContext, AwsError, absent_is_empty};
use crate::aws::pages::all_pages;

/// How a kind reads the records its status call ([`Operations::status`]) returns.
///
/// [`Operations::status`]: super::kind::Operations::status
pub struct Records<R: 'static> {
    /// The parent a record names, where the record names one.
    pub parent_of: fn(&R) -> Option<&str>,
    /// The member a record is about; `None` leaves the record out.
    pub member_of: fn(&R) -> Option<&str>,
    /// What the record says about its association.
    pub observe: fn(&R) -> Observation,
}

impl<R> Records<R> {
    /// The listing of records already kept to one parent ([`records_of_parent`]), by member.
    pub fn listing(&self, records: Vec<R>) -> Listing {
        Listing::of(records, self.member_of, self.observe)
    }
}

/// Every record `spec`'s status call lists for `parent`: `fetch(token)` makes one call and
/// returns its records and the next token (none on the last page, or for a call without
/// pages). A parent that does not exist lists nothing; a record of another parent is dropped.
pub async fn records_of_parent<R, F, Fut>(
    spec: &AssociationSpec,
    parent: &str,
    records: &Records<R>,
    fetch: F,
) -> Result<Vec<R>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<R>, Option<String>), AwsError>>,
{
    let listed = all_pages(spec.operations.status, fetch).await;
    kept_to_parent(spec, parent, records, listed)
}

/// The records of `parent` among those listed; a parent that does not exist lists nothing.
fn kept_to_parent<R>(
    spec: &AssociationSpec,
    parent: &str,
    records: &Records<R>,
    listed: Result<Vec<R>, AwsError>,
) -> Result<Vec<R>, AwsError> {
    Ok(absent_is_empty(listed, spec.not_found)?
        .into_iter()
        .filter(|record| (records.parent_of)(record).is_none_or(|named| named == parent))
        .collect())
}

/// The [`Listing`] of `parent`: its records ([`records_of_parent`]) by member.
pub async fn listing_of_parent<R, F, Fut>(
    spec: &AssociationSpec,
    parent: &str,
    records: &Records<R>,
    fetch: F,
) -> Result<Listing, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<R>, Option<String>), AwsError>>,
{
    let listed = records_of_parent(spec, parent, records, fetch).await?;
    Ok(records.listing(listed))
}

/// The [`Listing`] of `parent` from a status call that answers in one page: `answer` is the
/// SDK call sent, `items` the records in its answer. The same rules as
/// [`listing_of_parent`]'s, for an API without pages.
pub async fn listing_of_one_page<R, T, E>(
    spec: &AssociationSpec,
    parent: &str,
    records: &Records<R>,
    answer: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    items: fn(&T) -> &[R],
) -> Result<Listing, AwsError>
where
    R: Clone,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let answer = answer.await.aws_context(spec.operations.status);
    let listed = answer.map(|answer| items(&answer).to_vec());
    Ok(records.listing(kept_to_parent(spec, parent, records, listed)?))
}
