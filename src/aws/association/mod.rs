//! What every association resource shares: the [`Association`] trait a resource file implements,
//! the vocabulary it answers in ([`Phase`], [`Observation`], [`Listing`]), and
//! [`AssociationResource`], which turns any association into a Terraform resource with the same
//! create, read, delete, import and validation behaviour.
//!
//! A resource file says how to talk to AWS (associate, observe, disassociate) and what AWS's
//! states and codes mean; [`AssociationResource`] decides what a Terraform user sees, and the
//! waiter engine decides how long to wait and when to try again.
//!
//! This module is a facade: the vocabulary lives in `observation`, `key` and `kind` at the
//! bottom, the resource's parts above them, and each part names the siblings it uses, never
//! this module.

mod create;
mod delete;
mod description;
mod identity;
mod import;
mod key;
mod kind;
mod list;
pub mod messages;
pub mod moved;
mod mutations;
mod observation;
mod parent_listing;
mod private_state;
mod removal;
mod resource;

pub use identity::region_of;
pub use key::{AssociationKey, PlannedRemovals};
pub use kind::{
    ApiQuirks, Association, AssociationSpec, AttributeSpec, Call, Operations, Role, Scope, Service,
    declared,
};
pub use list::AssociationList;
pub use observation::{Disassociation, Listing, Observation, Phase, StateWords};
pub use parent_listing::{Records, listing_of_one_page, listing_of_parent, records_of_parent};
pub use resource::AssociationResource;
