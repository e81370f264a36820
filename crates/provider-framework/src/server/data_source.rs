//! The provider has no data sources; both data source RPCs answer with this.

use crate::diag::Diagnostic;

pub(crate) fn unknown(type_name: &str) -> Diagnostic {
    Diagnostic::error(
        "Unknown data source",
        format!("The provider has no data source named {type_name:?}."),
    )
}
