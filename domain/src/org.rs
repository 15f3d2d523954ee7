//! Roles, the scopes they are granted on, and what each grant lets its holder reach (SPEC §2).
//!
//! Scope is the first security rule. The store resolves each grant to the places it names (a work
//! team to its village, a district to its towns); [`Access::build`] then decides, in one place,
//! how far every role reaches for each kind of act. The store turns an [`Reach`] into the one
//! query filter every scoped read and write goes through.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    RroStaff,
    Leader,
    DeputyMayor,
    Discipline,
    DeptStaff,
    InfoOfficer,
    ArchiveClerk,
    VillageSecretary,
    WorkTeamLeader,
    Cadre,
    CallTaker,
    Admin,
}

impl Role {
    pub const ALL: [Role; 12] = [
        Role::RroStaff,
        Role::Leader,
        Role::DeputyMayor,
        Role::Discipline,
        Role::DeptStaff,
        Role::InfoOfficer,
        Role::ArchiveClerk,
        Role::VillageSecretary,
        Role::WorkTeamLeader,
        Role::Cadre,
        Role::CallTaker,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::RroStaff => "rro_staff",
            Role::Leader => "leader",
            Role::DeputyMayor => "deputy_mayor",
            Role::Discipline => "discipline",
            Role::DeptStaff => "dept_staff",
            Role::InfoOfficer => "info_officer",
            Role::ArchiveClerk => "archive_clerk",
            Role::VillageSecretary => "village_secretary",
            Role::WorkTeamLeader => "work_team_leader",
            Role::Cadre => "cadre",
            Role::CallTaker => "call_taker",
            Role::Admin => "admin",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::RroStaff => "乡村振兴办",
            Role::Leader => "镇领导",
            Role::DeputyMayor => "分管副镇长",
            Role::Discipline => "镇纪委",
            Role::DeptStaff => "部门工作人员",
            Role::InfoOfficer => "信息员",
            Role::ArchiveClerk => "资料专员",
            Role::VillageSecretary => "村书记",
            Role::WorkTeamLeader => "驻村组长",
            Role::Cadre => "驻村/村社干部",
            Role::CallTaker => "电话访问员",
            Role::Admin => "系统管理员",
        }
    }

    /// The scope kinds this role may be granted on.
    pub fn allowed_scopes(self) -> &'static [ScopeKind] {
        use ScopeKind::*;
        match self {
            Role::RroStaff | Role::Leader | Role::DeputyMayor | Role::Discipline => &[District, Town],
            Role::Admin => &[Town],
            Role::CallTaker => &[Town, Village],
            Role::DeptStaff | Role::ArchiveClerk => &[Department],
            Role::InfoOfficer => &[Village, Department],
            Role::VillageSecretary => &[Village],
            Role::WorkTeamLeader => &[WorkTeam],
            Role::Cadre => &[Village, WorkTeam],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    District,
    Town,
    Village,
    WorkTeam,
    Department,
}

impl ScopeKind {
    pub const ALL: [ScopeKind; 5] =
        [ScopeKind::District, ScopeKind::Town, ScopeKind::Village, ScopeKind::WorkTeam, ScopeKind::Department];

    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::District => "district",
            ScopeKind::Town => "town",
            ScopeKind::Village => "village",
            ScopeKind::WorkTeam => "work_team",
            ScopeKind::Department => "department",
        }
    }
}

impl FromStr for ScopeKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        [Self::District, Self::Town, Self::Village, Self::WorkTeam, Self::Department]
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(())
    }
}

/// Where a grant applies, resolved by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A district: the towns in it.
    District {
        towns: Vec<Uuid>,
    },
    Town {
        town: Uuid,
    },
    Village {
        town: Uuid,
        village: Uuid,
    },
    /// A work team is stationed in one village.
    WorkTeam {
        town: Uuid,
        village: Uuid,
        team: Uuid,
    },
    Department {
        town: Uuid,
        department: Uuid,
    },
}

impl Place {
    fn towns(&self) -> Vec<Uuid> {
        match self {
            Place::District { towns } => towns.clone(),
            Place::Town { town }
            | Place::Village { town, .. }
            | Place::WorkTeam { town, .. }
            | Place::Department { town, .. } => vec![*town],
        }
    }
}

/// One role held on one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub place: Place,
}

/// A set of households (or of anything located in a town/village/group) a caller may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Reach {
    pub towns: BTreeSet<Uuid>,
    pub villages: BTreeSet<Uuid>,
    pub groups: BTreeSet<Uuid>,
    /// The households linked to the caller (联户).
    pub linked: bool,
}

impl Reach {
    pub fn is_empty(&self) -> bool {
        self.towns.is_empty() && self.villages.is_empty() && self.groups.is_empty() && !self.linked
    }

    /// Whether an object in this town/village/group lies within reach (linked households are
    /// checked by the store, which knows the links).
    pub fn covers(&self, town: Uuid, village: Uuid, group: Option<Uuid>) -> bool {
        self.towns.contains(&town)
            || self.villages.contains(&village)
            || group.is_some_and(|g| self.groups.contains(&g))
    }

    fn widen(&mut self, place: &Place, role: Role, assigned_groups: &[(Uuid, Uuid)]) {
        match (role, place) {
            // Cadres reach the groups they are responsible for (包社) within the grant's village,
            // and the households linked to them (联户) — not the whole village.
            (Role::Cadre, Place::Village { village, .. } | Place::WorkTeam { village, .. }) => {
                self.groups.extend(assigned_groups.iter().filter(|(_, v)| v == village).map(|(g, _)| *g));
                self.linked = true;
            }
            (_, Place::District { towns }) => self.towns.extend(towns.iter().copied()),
            (_, Place::Town { town }) => {
                self.towns.insert(*town);
            }
            (_, Place::Village { village, .. } | Place::WorkTeam { village, .. }) => {
                self.villages.insert(*village);
            }
            (_, Place::Department { .. }) => {}
        }
    }
}

pub use crate::authority::Act;

/// Everything the caller may reach, computed once per request from their grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    pub user_id: Uuid,
    pub grants: Vec<Grant>,
    /// (group, village) pairs the caller is responsible for (包社).
    pub assigned_groups: Vec<(Uuid, Uuid)>,
    /// The households linked to the caller (联户); reached when a grant gives [`Reach::linked`].
    pub linked_households: Vec<Uuid>,
    /// The households assigned to the caller in this quarter's cross spot-check: read and revealed
    /// for the check ([`Act::opened_by_sample`]), wherever they are; nothing else of their village.
    pub sample_households: Vec<Uuid>,
}

impl Access {
    pub fn build(user_id: Uuid, grants: Vec<Grant>, assigned_groups: Vec<(Uuid, Uuid)>) -> Self {
        Self { user_id, grants, assigned_groups, linked_households: vec![], sample_households: vec![] }
    }

    /// The same access, with the households the caller checks this quarter.
    #[must_use]
    pub fn with_sample(mut self, households: Vec<Uuid>) -> Self {
        self.sample_households = households;
        self
    }

    /// The same access, with the households linked to the caller.
    #[must_use]
    pub fn with_linked(mut self, households: Vec<Uuid>) -> Self {
        self.linked_households = households;
        self
    }

    /// A town-wide view (the RRO's), for work done on the town's behalf: reminders, reports.
    pub fn town_wide(town: Uuid) -> Self {
        Self::build(Uuid::nil(), vec![Grant { role: Role::RroStaff, place: Place::Town { town } }], vec![])
    }

    pub fn roles(&self) -> BTreeSet<Role> {
        self.grants.iter().map(|g| g.role).collect()
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Where the caller may perform `act`.
    pub fn reach(&self, act: Act) -> Reach {
        let mut reach = Reach::default();
        for g in self.grants.iter().filter(|g| act.in_scope(g.role)) {
            reach.widen(&g.place, g.role, &self.assigned_groups);
        }
        reach
    }

    /// Whether a household of this town, village and group lies within the caller's reach for
    /// `act`: its place, or its link to the caller (联户). The same rule as the stores' scoped
    /// queries, for a household already in memory.
    pub fn reaches_household(&self, act: Act, id: Uuid, town: Uuid, village: Uuid, group: Option<Uuid>) -> bool {
        let reach = self.reach(act);
        reach.covers(town, village, group)
            || (reach.linked && self.linked_households.contains(&id))
            || (act.opened_by_sample() && self.sample_households.contains(&id))
    }

    /// Where the caller may perform `act` through grants other than those of `roles` (a call taker's
    /// town grant lets them call, not read every list in the town).
    pub fn reach_except(&self, act: Act, roles: &[Role]) -> Reach {
        let mut reach = Reach::default();
        for g in self.grants.iter().filter(|g| act.in_scope(g.role) && !roles.contains(&g.role)) {
            reach.widen(&g.place, g.role, &self.assigned_groups);
        }
        reach
    }

    /// Towns in which the caller may perform a town-level act (managing the organisation, audit).
    pub fn towns_for(&self, act: Act) -> BTreeSet<Uuid> {
        self.grants
            .iter()
            .filter(|g| act.in_scope(g.role))
            .filter(|g| matches!(g.place, Place::Town { .. } | Place::District { .. }))
            .flat_map(|g| g.place.towns())
            .collect()
    }

    /// Every town the caller belongs to in any role.
    pub fn towns(&self) -> BTreeSet<Uuid> {
        self.grants.iter().flat_map(|g| g.place.towns()).collect()
    }

    /// (town, department) of every department in which the caller holds a grant that admits `act`.
    pub fn departments_for(&self, act: Act) -> Vec<(Uuid, Uuid)> {
        self.departments_where(|g| act.in_scope(g.role))
    }

    fn departments_where(&self, keep: impl Fn(&Grant) -> bool) -> Vec<(Uuid, Uuid)> {
        let mut out: Vec<(Uuid, Uuid)> = self
            .grants
            .iter()
            .filter(|g| keep(g))
            .filter_map(|g| match g.place {
                Place::Department { town, department } => Some((town, department)),
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Whether the caller holds, at a place that `at` accepts, a grant whose role the act admits
    /// (in scope, or on its own place, as `RoleWhen(role, OwnVillage)`): a department's information
    /// officer at that department, a village's secretary at that village.
    pub fn acts_at(&self, act: Act, at: impl Fn(&Place) -> bool) -> bool {
        self.grants.iter().any(|g| act.admits(g.role) && at(&g.place))
    }

    /// Whether the caller answers for a problem's responsible unit (of `kind`, `id`): a member of
    /// that department or work team, or of that village's own staff. A village's cadres answer for
    /// their households (as the responsible person, when named), not for the village as a unit, so
    /// they may still verify the village's work.
    pub fn answers_for_unit(&self, kind: ScopeKind, id: Uuid) -> bool {
        self.grants.iter().any(|g| match (&g.place, kind) {
            (Place::Village { village, .. }, ScopeKind::Village) => *village == id && g.role != Role::Cadre,
            (Place::WorkTeam { team, .. }, ScopeKind::WorkTeam) => *team == id,
            (Place::Department { department, .. }, ScopeKind::Department) => *department == id,
            _ => false,
        })
    }

    /// The units (village, work team, department) the caller answers for problems of: the same rule
    /// as [`Access::answers_for_unit`], as ids.
    pub fn units_answered_for(&self) -> Vec<Uuid> {
        self.grants
            .iter()
            .filter_map(|g| match &g.place {
                Place::Village { village, .. } if g.role != Role::Cadre => Some(*village),
                Place::WorkTeam { team, .. } => Some(*team),
                Place::Department { department, .. } => Some(*department),
                _ => None,
            })
            .collect()
    }

    /// Every department the caller belongs to, in any role.
    pub fn departments(&self) -> Vec<Uuid> {
        self.departments_where(|_| true).into_iter().map(|(_, d)| d).collect()
    }

    /// Whether the caller's reach for `act` touches this village at all: the whole village or town, a
    /// group of it they answer for, or a grant on it. A figure of a village beyond it is a 404.
    pub fn touches_village(&self, act: Act, town: Uuid, village: Uuid) -> bool {
        let reach = self.reach(act);
        reach.covers(town, village, None)
            || self.assigned_groups.iter().any(|(g, v)| *v == village && reach.groups.contains(g))
            || self.grants.iter().any(|g| {
                act.in_scope(g.role)
                    && matches!(g.place, Place::Village { village: v, .. } | Place::WorkTeam { village: v, .. } if v == village)
            })
    }

    /// Whether the caller may read a meeting of this town (and village, for a village's own
    /// meeting): town roles read every meeting of the town; a village's roles read its own
    /// meetings; department roles, who report to them, read the town's meetings.
    pub fn reads_meeting(&self, town: Uuid, village: Option<Uuid>) -> bool {
        self.grants.iter().any(|g| match (&g.place, village) {
            (Place::District { towns }, _) => towns.contains(&town),
            (Place::Town { town: t }, _) => *t == town,
            (Place::Village { village: v, .. } | Place::WorkTeam { village: v, .. }, Some(of)) => *v == of,
            (Place::Department { town: t, .. }, None) => *t == town,
            _ => false,
        })
    }

    /// Whether the caller works in this village: a grant on it (village or its work team), on its
    /// town or district, or in one of `departments` (those with a task there).
    pub fn works_in(&self, town: Uuid, village: Uuid, departments: &[Uuid]) -> bool {
        self.grants.iter().any(|g| match &g.place {
            Place::District { towns } => towns.contains(&town),
            Place::Town { town: t } => *t == town,
            Place::Village { village: v, .. } | Place::WorkTeam { village: v, .. } => *v == village,
            Place::Department { department, .. } => departments.contains(department),
        })
    }

    pub fn may(&self, act: Act) -> bool {
        self.grants.iter().any(|g| act.in_scope(g.role))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meeting_is_read_by_the_town_and_by_its_own_village_only() {
        let (town, a, b, dept) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let of = |role, place| Access::build(Uuid::new_v4(), vec![Grant { role, place }], vec![]);
        let rro = of(Role::RroStaff, Place::Town { town });
        let cadre_b = of(Role::Cadre, Place::Village { town, village: b });
        let dept = of(Role::DeptStaff, Place::Department { town, department: dept });
        assert!(rro.reads_meeting(town, None) && rro.reads_meeting(town, Some(a)));
        assert!(!cadre_b.reads_meeting(town, Some(a)), "another village's meeting");
        assert!(cadre_b.reads_meeting(town, Some(b)));
        assert!(!cadre_b.reads_meeting(town, None), "town meetings are for town roles");
        assert!(dept.reads_meeting(town, None) && !dept.reads_meeting(town, Some(a)));
        assert!(!rro.reads_meeting(Uuid::new_v4(), None), "another town");
    }

    #[test]
    fn a_co_visitor_works_in_the_village_its_town_or_a_department_with_a_task_there() {
        let (town, village, other, dept) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let of = |place| Access::build(Uuid::new_v4(), vec![Grant { role: Role::Cadre, place }], vec![]);
        assert!(of(Place::Village { town, village }).works_in(town, village, &[]));
        assert!(!of(Place::Village { town, village: other }).works_in(town, village, &[]));
        assert!(of(Place::WorkTeam { town, village, team: Uuid::new_v4() }).works_in(town, village, &[]));
        assert!(of(Place::Town { town }).works_in(town, village, &[]));
        let d = of(Place::Department { town, department: dept });
        assert!(!d.works_in(town, village, &[]));
        assert!(d.works_in(town, village, &[dept]));
    }

    fn ids() -> (Uuid, Uuid, Uuid, Uuid) {
        (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3), Uuid::from_u128(4))
    }

    #[test]
    fn town_roles_reach_the_whole_town() {
        let (user, town, _, _) = ids();
        let a = Access::build(user, vec![Grant { role: Role::RroStaff, place: Place::Town { town } }], vec![]);
        let r = a.reach(Act::ReadHousehold);
        assert!(r.towns.contains(&town));
        assert!(a.reach(Act::ImportHouseholds).towns.contains(&town));
    }

    #[test]
    fn a_call_taker_may_call_in_the_town_but_reads_lists_only_through_other_grants() {
        let (user, town, village, _) = ids();
        let a = Access::build(
            user,
            vec![
                Grant { role: Role::CallTaker, place: Place::Town { town } },
                Grant { role: Role::VillageSecretary, place: Place::Village { town, village } },
            ],
            vec![],
        );
        assert!(a.reach(Act::CallHouseholds).towns.contains(&town));
        let r = a.reach_except(Act::ReadPhoneChecks, &[Role::CallTaker]);
        assert!(r.towns.is_empty());
        assert!(r.villages.contains(&village));
    }

    #[test]
    fn a_cadre_reaches_only_assigned_groups_of_the_grant_village_and_linked_households() {
        let (user, town, village, group) = ids();
        let other_group_elsewhere = (Uuid::from_u128(9), Uuid::from_u128(8));
        let a = Access::build(
            user,
            vec![Grant { role: Role::Cadre, place: Place::Village { town, village } }],
            vec![(group, village), other_group_elsewhere],
        );
        let r = a.reach(Act::ReadHousehold);
        assert!(r.towns.is_empty() && r.villages.is_empty());
        assert_eq!(r.groups.iter().copied().collect::<Vec<_>>(), vec![group]);
        assert!(r.linked);
        assert!(a.reach(Act::WriteHousehold).is_empty());
    }

    #[test]
    fn a_household_in_memory_is_reached_by_its_place_or_its_link_and_only_for_the_act_granted() {
        let (user, town, village, group) = ids();
        let (linked, unlinked, other_group, other_village) =
            (Uuid::from_u128(20), Uuid::from_u128(21), Uuid::from_u128(22), Uuid::from_u128(23));
        let cadre = Access::build(
            user,
            vec![Grant { role: Role::Cadre, place: Place::Village { town, village } }],
            vec![(group, village)],
        )
        .with_linked(vec![linked]);
        let read = Act::ReadHousehold;
        assert!(cadre.reaches_household(read, unlinked, town, village, Some(group)), "the group answered for");
        assert!(cadre.reaches_household(read, linked, town, other_village, Some(other_group)), "a linked household");
        assert!(!cadre.reaches_household(read, unlinked, town, village, Some(other_group)), "another group");
        assert!(!cadre.reaches_household(read, unlinked, town, village, None), "no group, not linked");
        assert!(!cadre.reaches_household(Act::WriteHousehold, linked, town, village, Some(group)), "read, not write");
        let office = Access::town_wide(town);
        assert!(office.reaches_household(read, unlinked, town, other_village, None));
        assert!(!office.reaches_household(read, unlinked, Uuid::from_u128(99), other_village, None), "another town");
        let linked_elsewhere = Access::build(user, vec![], vec![]).with_linked(vec![linked]);
        assert!(!linked_elsewhere.reaches_household(read, linked, town, village, None), "a link without a cadre grant");
    }

    #[test]
    fn a_village_answers_as_a_unit_through_its_staff_not_its_cadres() {
        let (user, town, village, team) = ids();
        let secretary = Access::build(
            user,
            vec![Grant { role: Role::VillageSecretary, place: Place::Village { town, village } }],
            vec![],
        );
        let cadre =
            Access::build(user, vec![Grant { role: Role::Cadre, place: Place::Village { town, village } }], vec![]);
        let member = Access::build(
            user,
            vec![Grant { role: Role::WorkTeamLeader, place: Place::WorkTeam { town, village, team } }],
            vec![],
        );
        assert!(secretary.answers_for_unit(ScopeKind::Village, village));
        assert!(!cadre.answers_for_unit(ScopeKind::Village, village));
        assert!(member.answers_for_unit(ScopeKind::WorkTeam, team));
        assert!(!member.answers_for_unit(ScopeKind::Village, village), "the team is its own unit");
        assert!(!secretary.answers_for_unit(ScopeKind::Village, Uuid::from_u128(77)), "another village");
    }

    #[test]
    fn a_grant_acts_where_it_is_held_and_only_for_the_acts_of_its_role() {
        let (user, town, village, _) = ids();
        let department = Uuid::from_u128(55);
        let officer = Access::build(
            user,
            vec![
                Grant { role: Role::InfoOfficer, place: Place::Department { town, department } },
                Grant { role: Role::ArchiveClerk, place: Place::Village { town, village } },
            ],
            vec![],
        );
        assert_eq!(officer.departments_for(Act::UploadScreening), vec![(town, department)]);
        assert_eq!(officer.departments_for(Act::SubmitArchives), vec![], "the clerk's grant is not on a department");
        assert!(officer.acts_at(
            Act::UpdateMustKnow,
            |p| matches!(p, Place::Department { department: d, .. } if *d == department)
        ));
        assert!(
            !officer.acts_at(Act::UpdateMustKnow, |p| matches!(p, Place::Village { .. })),
            "a clerk does not update"
        );
    }

    #[test]
    fn a_work_team_leader_reaches_the_team_village() {
        let (user, town, village, team) = ids();
        let a = Access::build(
            user,
            vec![Grant { role: Role::WorkTeamLeader, place: Place::WorkTeam { town, village, team } }],
            vec![],
        );
        assert!(a.reach(Act::WriteHousehold).villages.contains(&village));
        assert!(a.reach(Act::ImportHouseholds).is_empty());
    }

    #[test]
    fn department_staff_reach_no_household() {
        let (user, town, department, _) = ids();
        let a = Access::build(
            user,
            vec![Grant { role: Role::DeptStaff, place: Place::Department { town, department } }],
            vec![],
        );
        assert!(a.reach(Act::ReadHousehold).is_empty());
        assert!(!a.may(Act::ReadHousehold));
        assert_eq!(a.departments(), vec![department]);
        assert_eq!(a.departments_for(Act::SubmitArchives), vec![]);
    }

    #[test]
    fn a_district_grant_reaches_every_town_of_the_district() {
        let (user, t1, t2, _) = ids();
        let a = Access::build(
            user,
            vec![Grant { role: Role::Leader, place: Place::District { towns: vec![t1, t2] } }],
            vec![],
        );
        assert_eq!(a.reach(Act::ReadHousehold).towns.len(), 2);
        assert!(a.reach(Act::RevealHousehold).is_empty());
    }

    #[test]
    fn leaders_see_but_do_not_reveal() {
        let (user, town, _, _) = ids();
        let a = Access::build(user, vec![Grant { role: Role::Leader, place: Place::Town { town } }], vec![]);
        assert!(!a.reach(Act::ReadHousehold).is_empty());
        assert!(a.reach(Act::RevealHousehold).is_empty());
    }

    #[test]
    fn every_role_may_be_granted_on_some_scope() {
        for r in Role::ALL {
            assert!(!r.allowed_scopes().is_empty(), "{r}");
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
    }
}
