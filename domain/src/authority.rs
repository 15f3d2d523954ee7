//! Who may do what: one table of act × role × the caller's relation to the record.
//!
//! Scope (which records a caller reaches at all, [`crate::org::Access::reach`]) is the first rule and
//! answers 404. Authority is the second: whether a role may take an act on a record it reaches, given
//! how the caller stands to that record (its finder, a member of the unit answering for it, the one
//! who claimed it done, its drafter…). Separations of duty are rows too: a relation that bars an act
//! bars it whatever the role. The service asks [`decide`] and nothing else; the contract states each
//! operation's rule from the same table.

use std::collections::BTreeSet;
use std::fmt;

use crate::org::Role;

/// An act the table decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Act {
    ReadHousehold,
    WriteHousehold,
    /// See a household's full ID number and phones (audited, limited per hour).
    RevealHousehold,
    ImportHouseholds,
    /// Read the dashboard of the caller's scope: coverage, problems, lateness, satisfaction.
    ReadDashboard,
    /// Villages, groups, work teams, departments.
    ManageOrganisation,
    /// Set the day the town started using the platform (its go-live day).
    SetGoLive,
    /// See the town's accounts.
    ReadAccounts,
    /// Create accounts, rename, disable, reset passwords, set groups (包社).
    ManageAccounts,
    /// Grant and withdraw roles.
    GrantRoles,
    ReadAudit,
    /// Record a visit to a household within reach.
    RecordVisit,
    /// Accept or reject a flagged visit.
    ReviewVisit,
    /// See the original of a photo (kept as proof, with its EXIF).
    ViewOriginalPhoto,
    /// Open a town cross spot-check round.
    ManageCrossCheck,
    /// Record a problem found outside a visit (supervision, meeting, screening…).
    RecordProblem,
    /// Assign a problem: units, person, class, deadline.
    AssignProblem,
    /// Report progress on a problem or claim it done.
    ReportOnProblem,
    /// Verify a problem claimed done, send it back, or reopen it.
    VerifyProblem,
    /// Record the Party committee's decision on a leftover problem (议定).
    DecideProblem,
    /// Review a drafted circular before the leader issues it.
    ReviewCircular,
    /// Accept or decline a village meeting's proposal on a problem.
    AnswerProposal,
    /// Hand a problem over to the Discipline Commission.
    HandOverProblem,
    /// Export the ledger.
    ExportLedger,
    /// Read one's own monthly assessment sheet (a cadre's).
    ReadOwnAssessment,
    /// Read one's own village's monthly sheet (its secretary, work team leader, information officer).
    ReadOwnVillageSheet,
    /// Edit and submit a village's feedback list.
    SubmitList,
    /// Comment beside a village's feedback list (the town office; never over the village's text).
    CommentOnList,
    /// Upload a department's monthly screening.
    UploadScreening,
    /// See screening uploads: a department its own, with their counts; the town office all of them.
    ReadScreenings,
    /// See which rows of a screening name nobody of the town (possibly people at risk not yet
    /// monitored) and follow them up: the town office, never the uploader — an answer row by row
    /// would tell a department which ID numbers are households.
    FollowUpScreening,
    /// See the reminder queue and its dead letters, and replay them.
    ManageReminders,
    /// Write questionnaires, draw call lists, review contradictions.
    ManagePhoneChecks,
    /// See call lists, cases and their figures.
    ReadPhoneChecks,
    /// Call households and record attempts and answers.
    CallHouseholds,
    /// Visit households unannounced (暗访) and assign what is found on the spot.
    Inspect,
    /// See unannounced visits, suggestions and admonishment proposals — never village roles.
    ReadInspections,
    /// Record an admonishment talk (约谈): the main leader.
    Admonish,
    /// Hold the monthly interviews (访谈组).
    Interview,
    /// Update must-know knowledge (应知应会).
    UpdateMustKnow,
    /// Draft and review circulars (通报).
    DraftCircular,
    /// Issue a circular.
    IssueCircular,
    /// Record the town's meetings and their decisions.
    ManageMeetings,
    /// Submit a department's archive materials.
    SubmitArchives,
    /// Review archive submissions.
    ReviewArchives,
    /// See the town's archive submissions, assessments and summaries.
    ReadTownFigures,
    /// Run a supervision look-back (回头看) and record its findings.
    Supervise,
    /// See supervisions, their report and the Discipline Commission's queue.
    ReadSupervision,
}

/// How the caller stands to the record an act is taken on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Relation {
    /// The record is the caller's own account.
    OwnAccount,
    /// The caller found (recorded) the problem.
    Finder,
    /// The caller claimed the problem's completion.
    Claimant,
    /// The caller is the problem's responsible person or a member of one of its responsible units.
    ResponsibleUnit,
    /// The caller made the visit (or is named among its visitors).
    Visitor,
    /// The caller drafted the circular.
    Drafter,
    /// The record is of the village the caller holds a village role in.
    OwnVillage,
}

impl Relation {
    pub const ALL: [Relation; 7] = [
        Relation::OwnAccount,
        Relation::Finder,
        Relation::Claimant,
        Relation::ResponsibleUnit,
        Relation::Visitor,
        Relation::Drafter,
        Relation::OwnVillage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::OwnAccount => "own_account",
            Relation::Finder => "finder",
            Relation::Claimant => "claimant",
            Relation::ResponsibleUnit => "responsible_unit",
            Relation::Visitor => "visitor",
            Relation::Drafter => "drafter",
            Relation::OwnVillage => "own_village",
        }
    }

    fn label_zh(self) -> &'static str {
        match self {
            Relation::OwnAccount => "本人账号",
            Relation::Finder => "问题发现人",
            Relation::Claimant => "申报完成人",
            Relation::ResponsibleUnit => "责任单位（人）",
            Relation::Visitor => "走访人",
            Relation::Drafter => "起草人",
            Relation::OwnVillage => "本村",
        }
    }
}

/// Who a rule lets act: a role within its scope, or anyone who stands to the record so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The role, on any record within its reach.
    Role(Role),
    /// The role, only on records to which the caller stands in the relation.
    RoleWhen(Role, Relation),
    /// Any signed-in user who stands to the record in the relation.
    AnyoneWhen(Relation),
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub allow: &'static [Rule],
    /// Relations that bar the act whatever the role (separations of duty).
    pub bar: &'static [Relation],
    /// The act in words, for refusals.
    pub what_zh: &'static str,
}

impl Act {
    pub const ALL: [Act; 48] = [
        Act::ReadHousehold,
        Act::WriteHousehold,
        Act::RevealHousehold,
        Act::ImportHouseholds,
        Act::ReadDashboard,
        Act::ManageOrganisation,
        Act::SetGoLive,
        Act::ReadAccounts,
        Act::ManageAccounts,
        Act::GrantRoles,
        Act::ReadAudit,
        Act::RecordVisit,
        Act::ReviewVisit,
        Act::ViewOriginalPhoto,
        Act::ManageCrossCheck,
        Act::RecordProblem,
        Act::AssignProblem,
        Act::ReportOnProblem,
        Act::VerifyProblem,
        Act::DecideProblem,
        Act::ReviewCircular,
        Act::AnswerProposal,
        Act::HandOverProblem,
        Act::ExportLedger,
        Act::ReadOwnAssessment,
        Act::ReadOwnVillageSheet,
        Act::SubmitList,
        Act::CommentOnList,
        Act::UploadScreening,
        Act::ReadScreenings,
        Act::FollowUpScreening,
        Act::ManageReminders,
        Act::ManagePhoneChecks,
        Act::ReadPhoneChecks,
        Act::CallHouseholds,
        Act::Inspect,
        Act::ReadInspections,
        Act::Admonish,
        Act::Interview,
        Act::UpdateMustKnow,
        Act::DraftCircular,
        Act::IssueCircular,
        Act::ManageMeetings,
        Act::SubmitArchives,
        Act::ReviewArchives,
        Act::ReadTownFigures,
        Act::Supervise,
        Act::ReadSupervision,
    ];

    /// The act's row. Written from the notice: need to know, independence of the Discipline
    /// Commission, separation of duties, and authority carried by a record's kind.
    pub fn row(self) -> Row {
        use Relation::*;
        use Role::*;
        use Rule::Role as R;
        use Rule::{AnyoneWhen, RoleWhen};
        const fn row(allow: &'static [Rule], bar: &'static [Relation], what_zh: &'static str) -> Row {
            Row { allow, bar, what_zh }
        }
        match self {
            // Department roles reach households only through the tasks assigned to them.
            Act::ReadHousehold => row(
                &[
                    R(RroStaff),
                    R(Leader),
                    R(DeputyMayor),
                    R(Discipline),
                    R(Admin),
                    R(CallTaker),
                    R(VillageSecretary),
                    R(InfoOfficer),
                    R(WorkTeamLeader),
                    R(Cadre),
                ],
                &[],
                "查看农户",
            ),
            Act::WriteHousehold => {
                row(&[R(RroStaff), R(Admin), R(VillageSecretary), R(WorkTeamLeader)], &[], "修改农户信息")
            }
            // Need to know: those who work with the household. A call taker sees the phone of the
            // case she holds (through the case), the admin runs accounts and sees no personal data.
            Act::RevealHousehold => {
                row(&[R(RroStaff), R(VillageSecretary), R(WorkTeamLeader), R(Cadre)], &[], "查看完整身份证号和电话")
            }
            Act::ImportHouseholds => row(&[R(RroStaff), R(Admin)], &[], "导入农户花名册"),
            Act::ManageOrganisation => row(&[R(RroStaff), R(Admin)], &[], "维护村、社、工作队和部门"),
            Act::SetGoLive => row(&[R(Admin)], &[], "设定本镇上线日期"),
            // The figures of the households one reaches: department roles and archive clerks, who
            // reach none, have their own screens.
            Act::ReadDashboard => row(
                &[
                    R(RroStaff),
                    R(Leader),
                    R(DeputyMayor),
                    R(Discipline),
                    R(Admin),
                    R(VillageSecretary),
                    R(InfoOfficer),
                    R(WorkTeamLeader),
                    R(Cadre),
                ],
                &[],
                "查看工作概况统计",
            ),
            // Independence: only the admin runs accounts, so no office can take over another's.
            Act::ReadAccounts => row(&[R(Admin)], &[], "查看账号"),
            Act::ManageAccounts => row(&[R(Admin)], &[OwnAccount], "修改或停用账号"),
            Act::GrantRoles => row(&[R(Admin)], &[OwnAccount], "授予或收回角色"),
            Act::ReadAudit => row(&[R(RroStaff), R(Admin)], &[], "查看审计记录"),
            Act::RecordVisit => row(
                &[
                    R(RroStaff),
                    R(Leader),
                    R(DeputyMayor),
                    R(Discipline),
                    R(DeptStaff),
                    R(VillageSecretary),
                    R(WorkTeamLeader),
                    R(Cadre),
                ],
                &[],
                "记录走访",
            ),
            // Nobody reviews their own visit.
            Act::ReviewVisit => row(&[R(RroStaff), R(WorkTeamLeader)], &[Visitor], "审核走访"),
            Act::ViewOriginalPhoto => row(&[R(RroStaff), R(WorkTeamLeader), R(Discipline)], &[], "查看照片原件"),
            Act::ManageCrossCheck => row(&[R(RroStaff)], &[], "组织交叉抽查"),
            Act::RecordProblem => row(
                &[
                    R(RroStaff),
                    R(Leader),
                    R(DeputyMayor),
                    R(Discipline),
                    R(VillageSecretary),
                    R(WorkTeamLeader),
                    R(Cadre),
                    R(InfoOfficer),
                ],
                &[],
                "登记问题",
            ),
            Act::AssignProblem => row(&[R(RroStaff), R(Leader), R(DeputyMayor)], &[], "交办问题"),
            Act::ReportOnProblem => row(&[R(RroStaff), AnyoneWhen(ResponsibleUnit)], &[], "报告整改进展"),
            // Nobody verifies their own work or their own unit's.
            Act::VerifyProblem => row(&[R(RroStaff), AnyoneWhen(Finder)], &[Claimant, ResponsibleUnit], "核验整改结果"),
            Act::DecideProblem => row(&[R(RroStaff), R(Leader), R(DeputyMayor)], &[], "记录党委会议定"),
            // A village meeting proposes; the town office, which assigns problems, decides.
            Act::AnswerProposal => row(&[R(RroStaff), R(Leader), R(DeputyMayor)], &[], "采纳或不采纳村级会议提议"),
            Act::HandOverProblem => row(&[R(RroStaff), R(Discipline)], &[], "移交镇纪委"),
            Act::ExportLedger => row(
                &[
                    R(RroStaff),
                    R(Leader),
                    R(DeputyMayor),
                    R(Discipline),
                    R(Admin),
                    R(VillageSecretary),
                    R(WorkTeamLeader),
                    R(InfoOfficer),
                ],
                &[],
                "导出整改台账",
            ),
            Act::ReadOwnAssessment => row(&[R(Cadre)], &[], "查看本人考核"),
            // A village sees its own score and the records behind it, so it can act before the
            // month is over; not other villages'.
            Act::ReadOwnVillageSheet => {
                row(&[R(VillageSecretary), R(WorkTeamLeader), R(InfoOfficer)], &[], "查看本村考核")
            }
            // A village's list is written by its officer and secretary; the RRO comments beside it.
            Act::SubmitList => row(&[R(InfoOfficer), R(VillageSecretary)], &[], "编辑和报送问题反馈清单"),
            // The office writes beside a village's list, never in it.
            Act::CommentOnList => row(&[R(RroStaff), R(Leader), R(DeputyMayor)], &[], "对村问题反馈清单提出意见"),
            Act::UploadScreening => row(&[R(DeptStaff), R(InfoOfficer)], &[], "上传部门筛查数据"),
            Act::ReadScreenings => row(&[R(RroStaff), R(DeptStaff), R(InfoOfficer)], &[], "查看部门筛查"),
            Act::FollowUpScreening => row(&[R(RroStaff)], &[], "核实筛查中未匹配的人员"),
            Act::ManageReminders => row(&[R(RroStaff), R(Admin)], &[], "管理提醒队列"),
            Act::ManagePhoneChecks => row(&[R(RroStaff)], &[], "管理电话抽查"),
            Act::ReadPhoneChecks => row(
                &[
                    R(RroStaff),
                    R(Leader),
                    R(DeputyMayor),
                    R(Discipline),
                    R(Admin),
                    R(VillageSecretary),
                    R(WorkTeamLeader),
                    R(InfoOfficer),
                    R(Cadre),
                    R(CallTaker),
                ],
                &[],
                "查看电话抽查",
            ),
            Act::CallHouseholds => {
                row(&[R(RroStaff), R(CallTaker), R(VillageSecretary), R(WorkTeamLeader), R(Cadre)], &[], "拨打电话抽查")
            }
            Act::Inspect => row(&[R(Leader), R(DeputyMayor), R(Discipline)], &[], "开展暗访"),
            Act::ReadInspections => {
                row(&[R(Leader), R(DeputyMayor), R(Discipline), R(RroStaff)], &[], "查看暗访和约谈")
            }
            Act::Admonish => row(&[R(Leader)], &[], "约谈"),
            Act::Interview => row(&[R(DeputyMayor), R(RroStaff)], &[], "开展访谈"),
            Act::UpdateMustKnow => row(&[R(InfoOfficer)], &[], "更新应知应会"),
            // Nobody reviews their own draft.
            Act::DraftCircular => row(&[R(RroStaff), R(DeputyMayor), R(Leader)], &[], "起草通报"),
            Act::ReviewCircular => row(&[R(RroStaff), R(DeputyMayor), R(Leader)], &[Drafter], "审核通报"),
            Act::IssueCircular => row(&[R(Leader)], &[], "印发通报"),
            // A village secretary records the village's own quarterly meeting, and only that.
            Act::ManageMeetings => {
                row(&[R(RroStaff), R(Leader), R(DeputyMayor), RoleWhen(VillageSecretary, OwnVillage)], &[], "记录会议")
            }
            Act::SubmitArchives => row(&[R(ArchiveClerk)], &[], "报送档案资料"),
            Act::ReviewArchives => row(&[R(RroStaff)], &[], "审核档案资料"),
            Act::ReadTownFigures => {
                row(&[R(RroStaff), R(Leader), R(DeputyMayor), R(Discipline), R(Admin)], &[], "查看全镇统计")
            }
            // Independence: the Commission's records and queue are beyond the RRO's reach.
            Act::Supervise => row(&[R(Discipline)], &[], "开展督查回头看"),
            Act::ReadSupervision => row(&[R(Discipline), R(Leader)], &[], "查看督查记录和纪委移交件"),
        }
    }

    /// Whether a cross spot-check assignment opens the act on its household to the checker (who
    /// may be of any village): reading it, with its position and what to check, and revealing its
    /// phone to arrange the visit. Recording the visit has its own rule (`visit::kind_allowed`).
    pub fn opened_by_sample(self) -> bool {
        matches!(self, Act::ReadHousehold | Act::RevealHousehold)
    }

    /// Whether `role` may take the act on any record within its reach (what its reach is built from).
    pub fn in_scope(self, role: Role) -> bool {
        self.row().allow.contains(&Rule::Role(role))
    }

    /// Whether `role` may take the act on some record (in scope, or through a relation).
    pub fn admits(self, role: Role) -> bool {
        self.row().allow.iter().any(|r| match r {
            Rule::Role(x) | Rule::RoleWhen(x, _) => *x == role,
            Rule::AnyoneWhen(_) => true,
        })
    }

    /// The roles the act admits in scope, for the contract.
    pub fn roles(self) -> Vec<Role> {
        Role::ALL.into_iter().filter(|r| self.in_scope(*r)).collect()
    }

    pub fn what_zh(self) -> &'static str {
        self.row().what_zh
    }
}

impl fmt::Display for Act {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Why an act is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// None of the caller's roles, nor how they stand to the record, allows the act.
    NotPermitted { act: Act },
    /// The caller stands to the record in a way that bars the act (separation of duties).
    Barred { act: Act, relation: Relation },
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotPermitted { .. } => "not_permitted",
            Refusal::Barred { .. } => "separation_of_duties",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Refusal::NotPermitted { act } => format!("您的角色不能{}", act.what_zh()),
            Refusal::Barred { act, relation: Relation::OwnAccount } => {
                format!("这是您本人的账号，不能自己{}，请由其他管理员办理", act.what_zh())
            }
            Refusal::Barred { act, relation } => {
                format!("作为{}，您不能{}（不得审核自己或本单位的工作）", relation.label_zh(), act.what_zh())
            }
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotPermitted { act } => write!(f, "no role or relation of the caller allows {act}"),
            Refusal::Barred { act, relation } => write!(f, "{act} is barred to the record's {}", relation.as_str()),
        }
    }
}

/// The one decision: may a caller holding `roles`, standing to the record in `relations`, take `act`?
pub fn decide(act: Act, roles: &BTreeSet<Role>, relations: &BTreeSet<Relation>) -> Result<(), Refusal> {
    let row = act.row();
    if let Some(relation) = row.bar.iter().find(|r| relations.contains(r)) {
        return Err(Refusal::Barred { act, relation: *relation });
    }
    let allowed = row.allow.iter().any(|rule| match rule {
        Rule::Role(r) => roles.contains(r),
        Rule::RoleWhen(r, rel) => roles.contains(r) && relations.contains(rel),
        Rule::AnyoneWhen(rel) => relations.contains(rel),
    });
    if allowed { Ok(()) } else { Err(Refusal::NotPermitted { act }) }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn roles(r: &[Role]) -> BTreeSet<Role> {
        r.iter().copied().collect()
    }

    fn rel(r: &[Relation]) -> BTreeSet<Relation> {
        r.iter().copied().collect()
    }

    fn may(act: Act, who: &[Role], how: &[Relation]) -> bool {
        decide(act, &roles(who), &rel(how)).is_ok()
    }

    #[test]
    fn a_department_sees_its_screenings_but_only_the_town_office_which_rows_named_nobody() {
        assert!(may(Act::ReadScreenings, &[Role::DeptStaff], &[]));
        assert!(may(Act::FollowUpScreening, &[Role::RroStaff], &[]));
        for role in [Role::DeptStaff, Role::InfoOfficer, Role::Cadre, Role::Leader] {
            assert!(!may(Act::FollowUpScreening, &[role], &[]), "{role}");
        }
        assert!(!may(Act::ReadScreenings, &[Role::Cadre], &[]));
    }

    #[test]
    fn only_the_admin_runs_accounts_and_grants_roles() {
        for act in [Act::ReadAccounts, Act::ManageAccounts, Act::GrantRoles, Act::SetGoLive] {
            assert!(may(act, &[Role::Admin], &[]), "{act}");
            for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
                assert!(!may(act, &[role], &[]), "{role} may not {act}");
            }
        }
    }

    #[test]
    fn nobody_grants_themselves_anything_nor_manages_their_own_account_as_admin() {
        assert_eq!(
            decide(Act::GrantRoles, &roles(&[Role::Admin]), &rel(&[Relation::OwnAccount])),
            Err(Refusal::Barred { act: Act::GrantRoles, relation: Relation::OwnAccount })
        );
        assert!(!may(Act::ManageAccounts, &[Role::Admin], &[Relation::OwnAccount]));
    }

    #[test]
    fn the_rro_cannot_reach_the_discipline_commissions_records() {
        assert!(!may(Act::Supervise, &[Role::RroStaff], &[]));
        assert!(!may(Act::ReadSupervision, &[Role::RroStaff], &[]));
        assert!(may(Act::ReadSupervision, &[Role::Discipline], &[]));
        assert!(may(Act::Supervise, &[Role::Discipline], &[]));
    }

    #[test]
    fn full_id_numbers_and_phones_are_for_those_who_work_with_the_household() {
        for role in [Role::RroStaff, Role::VillageSecretary, Role::WorkTeamLeader, Role::Cadre] {
            assert!(may(Act::RevealHousehold, &[role], &[]), "{role}");
        }
        for role in [Role::Admin, Role::CallTaker, Role::Leader, Role::Discipline, Role::DeptStaff] {
            assert!(!may(Act::RevealHousehold, &[role], &[]), "{role}");
        }
    }

    #[test]
    fn a_problem_is_verified_by_neither_its_claimant_nor_its_responsible_unit() {
        assert!(may(Act::VerifyProblem, &[Role::RroStaff], &[]));
        assert!(may(Act::VerifyProblem, &[Role::Cadre], &[Relation::Finder]), "the finder verifies");
        assert!(!may(Act::VerifyProblem, &[Role::Cadre], &[]), "a cadre who did not find it does not");
        assert!(!may(Act::VerifyProblem, &[Role::RroStaff], &[Relation::Claimant]));
        assert!(!may(Act::VerifyProblem, &[Role::RroStaff], &[Relation::ResponsibleUnit]));
        assert!(!may(Act::VerifyProblem, &[Role::Cadre], &[Relation::Finder, Relation::ResponsibleUnit]));
    }

    #[test]
    fn the_responsible_unit_reports_on_its_problem_and_others_do_not() {
        assert!(may(Act::ReportOnProblem, &[Role::DeptStaff], &[Relation::ResponsibleUnit]));
        assert!(!may(Act::ReportOnProblem, &[Role::DeptStaff], &[Relation::Finder]));
    }

    #[test]
    fn a_visit_is_not_reviewed_by_its_visitor() {
        assert!(may(Act::ReviewVisit, &[Role::WorkTeamLeader], &[]));
        assert!(!may(Act::ReviewVisit, &[Role::WorkTeamLeader], &[Relation::Visitor]));
    }

    #[test]
    fn a_village_list_is_written_by_the_village_not_the_rro() {
        assert!(may(Act::SubmitList, &[Role::InfoOfficer], &[]));
        assert!(may(Act::SubmitList, &[Role::VillageSecretary], &[]));
        assert!(!may(Act::SubmitList, &[Role::RroStaff], &[]));
    }

    #[test]
    fn an_act_admits_a_role_through_a_relation_without_putting_it_in_scope() {
        assert!(Act::VerifyProblem.admits(Role::Cadre));
        assert!(!Act::VerifyProblem.in_scope(Role::Cadre));
        assert!(!Act::GrantRoles.admits(Role::RroStaff));
    }

    #[test]
    fn every_act_allows_someone_and_says_what_it_is() {
        for act in Act::ALL {
            assert!(!act.row().allow.is_empty(), "{act}");
            assert!(!act.what_zh().is_empty(), "{act}");
        }
    }

    #[test]
    fn refusals_speak_chinese_and_name_the_act() {
        let r = decide(Act::GrantRoles, &roles(&[Role::RroStaff]), &rel(&[])).unwrap_err();
        assert_eq!(r.code(), "not_permitted");
        assert!(r.message_zh().contains("授予或收回角色"));
        let r = decide(Act::VerifyProblem, &roles(&[Role::RroStaff]), &rel(&[Relation::Claimant])).unwrap_err();
        assert_eq!(r.code(), "separation_of_duties");
        assert!(r.message_zh().contains("申报完成人"));
    }
}
