//! The one scope mechanism: turns what a caller may reach into the filter every scoped query of a
//! located object (households now; visits, problems and calls later) goes through.

use domain::org::{Access, Act, Reach};
use sea_orm::prelude::*;
use sea_orm::sea_query::SimpleExpr;
use sea_orm::{Condition, IdenStatic};

/// The columns that locate an object in the organisation.
pub struct Located<C> {
    pub id: C,
    pub town: C,
    pub village: C,
    pub group: Option<C>,
    /// Column holding the household id, for objects reached through household links (联户).
    pub household: Option<C>,
}

/// The filter for objects the caller may `act` on. An empty reach matches nothing.
pub fn condition<C: ColumnTrait + IdenStatic + Copy>(access: &Access, act: Act, cols: &Located<C>) -> Condition {
    let c = reach_condition(&access.reach(act), access, cols);
    match (cols.household, act.opened_by_sample(), access.sample_households.is_empty()) {
        // The checker's sample households, beside what their grants reach.
        (Some(household), true, false) => {
            Condition::any().add(c).add(household.is_in(access.sample_households.iter().copied()))
        }
        _ => c,
    }
}

/// The filter for objects within `reach`; the caller's linked households (联户) come from `access`
/// as a list of ids — with a subquery in the OR, PostgreSQL could not combine the index scans and
/// filtered every row of the table.
pub fn reach_condition<C: ColumnTrait + IdenStatic + Copy>(
    reach: &Reach,
    access: &Access,
    cols: &Located<C>,
) -> Condition {
    let mut c = Condition::any();
    if !reach.towns.is_empty() {
        c = c.add(cols.town.is_in(reach.towns.iter().copied()));
    }
    if !reach.villages.is_empty() {
        c = c.add(cols.village.is_in(reach.villages.iter().copied()));
    }
    if let (Some(group), false) = (cols.group, reach.groups.is_empty()) {
        c = c.add(group.is_in(reach.groups.iter().copied()));
    }
    if let (Some(household), true, false) = (cols.household, reach.linked, access.linked_households.is_empty()) {
        c = c.add(household.is_in(access.linked_households.iter().copied()));
    }
    if c.is_empty() {
        // Nothing reachable: a condition no row meets.
        c = c.add(SimpleExpr::from(cols.id.is_null()));
    }
    c
}
