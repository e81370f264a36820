//! The listing of one parent: the status call every kind makes to learn what a parent has. One
//! helper walks every page, takes "the parent does not exist" for "nothing is listed" and keeps
//! only the records of the parent asked about, so that every kind treats AWS's answer alike
//! (a record naming another parent is never taken for one of ours).

use std::future::Future;

use super::kind::AssociationSpec;
use super::observation::{Listing, Observation};
use crate::aws::error::{AwsError, absent_is_empty};
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
