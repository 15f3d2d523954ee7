//! Pure rules of the Changxiao long-term mechanism.
//!
//! Nothing here performs IO or reads the clock: every rule that depends on time takes `now`
//! (or a local date) as a parameter, so month ends, quarter ends and the 25th are testable.

pub mod assessment;
pub mod authority;
pub mod calendar;
pub mod coverage;
pub mod cross_check;
pub mod geo;
pub mod household;
pub mod id_number;
pub mod leadership;
pub mod lists;
pub mod meetings;
pub mod org;
pub mod phash;
pub mod phone;
pub mod phone_check;
pub mod problem;
pub mod reminders;
pub mod rng;
pub mod screening;
pub mod uploads;
pub mod visit;
pub mod workdays;

pub use calendar::{Month, Quarter, TZ};
pub use household::{RiskStatus, Tag, TagSet};
pub use id_number::IdNumber;
pub use org::{Access, Grant, Role, ScopeKind};
pub use phone::PhoneNumber;
