//! Paginated AWS calls: every page of a listing, with a bound on how many there can be.

use std::future::Future;

use super::error::AwsError;

/// More pages than any listing of one parent can have; a service that keeps handing out tokens
/// beyond this is misbehaving, and the provider stops instead of looping forever.
const MAX_PAGES: usize = 1_000;

/// Collects every page: `fetch(token)` makes one call and returns its items and the next
/// token (none, or an empty one, on the last page).
pub async fn all_pages<T, F, Fut>(operation: &'static str, mut fetch: F) -> Result<Vec<T>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), AwsError>>,
{
    let mut items = Vec::new();
    let mut token = None;
    for _ in 0..MAX_PAGES {
        let (page, next) = fetch(token.take()).await?;
        items.extend(page);
        match next.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => return Ok(items),
        }
    }
    Err(AwsError::answered(
        operation,
        None,
        format!("more than {MAX_PAGES} pages; the listing never ended"),
        None,
    ))
}

/// The `fetch` of [`all_pages`] for a paginated SDK call: `$request` (the call's fluent builder
/// without its token), each page's items by the answer's method `$items`, and an SDK error
/// converted by `$error`. Written once here so that every paginated call a kind makes says only
/// which call and which items.
macro_rules! sdk_pages {
    ($request:expr, $items:ident, $error:expr) => {
        |token: Option<String>| {
            let request = $request.set_next_token(token);
            async move {
                request
                    .send()
                    .await
                    .map(|answer| $crate::aws::pages::page(answer.$items(), answer.next_token()))
                    .map_err($error)
            }
        }
    };
}
pub(crate) use sdk_pages;

/// One page of an SDK answer as [`all_pages`] takes it: its items and the next token.
pub fn page<T: Clone>(items: &[T], next: Option<&str>) -> (Vec<T>, Option<String>) {
    (items.to_vec(), next.map(str::to_owned))
}

/// Every ID of a paginated listing of parents: the items of every page ([`all_pages`]), each by
/// `id_of` (an item without one is left out).
pub async fn every_id<T, F, Fut>(
    operation: &'static str,
    fetch: F,
    id_of: fn(&T) -> Option<&str>,
) -> Result<Vec<String>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), AwsError>>,
{
    let items = all_pages(operation, fetch).await?;
    Ok(items
        .iter()
        .filter_map(|item| id_of(item).map(str::to_owned))
        .collect())
}
