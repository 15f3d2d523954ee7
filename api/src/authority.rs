//! Every operation of the contract and the act of the authority table it takes
//! (`domain::authority`): the gate in front of every handler, and the `x-authority` the contract
//! states for each operation, come from this one list.
//!
//! The gate answers 403 `not_permitted` when none of the caller's roles is admitted to the act
//! under any relation, before the request's body is read. Whether the record is within reach (404)
//! and how the caller stands to it (finder, claimant, responsible unit…) is decided by the handler
//! through `AuthUser::authorize`, from the same table.

use std::collections::HashMap;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, ResponseError, web};
use domain::authority::{Act, Refusal, Relation, Rule};
use serde_json::{Value, json};

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::query::Declared;

/// What an operation asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Anyone: health, metrics, sign-in.
    Public,
    /// Any signed-in user; what they see is their own, or what their scope reaches.
    SignedIn,
    /// The act of the authority table.
    Act(Act),
}

use Gate::{Public, SignedIn};

const fn act(a: Act) -> Gate {
    Gate::Act(a)
}

/// Every operation, by its `operation_id`. An operation missing here is refused at the gate, and
/// fails the contract test.
pub const OPERATIONS: &[(&str, Gate)] = &[
    // Health, sign-in.
    ("get_healthz", Public),
    ("get_readyz", Public),
    ("get_metrics", Public),
    ("create_session", Public),
    ("refresh_session", Public),
    ("create_wechat_session", Public),
    ("create_wechat_binding", Public),
    ("delete_session", SignedIn),
    ("get_me", SignedIn),
    ("change_my_password", SignedIn),
    ("list_my_wechat_bindings", SignedIn),
    ("delete_my_wechat_binding", SignedIn),
    // Notifications: the caller's own.
    ("list_notifications", SignedIn),
    ("get_unread_count", SignedIn),
    ("mark_notification_read", SignedIn),
    ("mark_all_notifications_read", SignedIn),
    ("list_subscriptions", SignedIn),
    ("report_subscriptions", SignedIn),
    // Organisation and accounts.
    ("list_towns", SignedIn),
    ("update_town", act(Act::SetGoLive)),
    ("list_villages", SignedIn),
    ("list_work_teams", SignedIn),
    ("list_departments", SignedIn),
    ("list_groups", act(Act::ManageOrganisation)),
    ("create_village", act(Act::ManageOrganisation)),
    ("create_group", act(Act::ManageOrganisation)),
    ("create_work_team", act(Act::ManageOrganisation)),
    ("create_department", act(Act::ManageOrganisation)),
    ("list_users", act(Act::ReadAccounts)),
    ("get_user", act(Act::ReadAccounts)),
    ("create_user", act(Act::ManageAccounts)),
    ("update_user", act(Act::ManageAccounts)),
    ("set_user_groups", act(Act::ManageAccounts)),
    ("create_grant", act(Act::GrantRoles)),
    ("delete_grant", act(Act::GrantRoles)),
    ("list_audit", act(Act::ReadAudit)),
    // Households.
    ("list_households", act(Act::ReadHousehold)),
    ("get_household", act(Act::ReadHousehold)),
    ("list_household_history", act(Act::ReadHousehold)),
    ("create_household", act(Act::WriteHousehold)),
    ("update_household", act(Act::WriteHousehold)),
    ("reveal_household", act(Act::RevealHousehold)),
    ("import_households", act(Act::ImportHouseholds)),
    // Visits and photos.
    ("list_visits", SignedIn),
    ("get_visit", act(Act::ReadHousehold)),
    ("list_monthly_visit_counts", act(Act::ReadHousehold)),
    ("get_coverage", act(Act::ReadHousehold)),
    ("create_visit", act(Act::RecordVisit)),
    ("review_visit", act(Act::ReviewVisit)),
    ("create_photo", act(Act::RecordVisit)),
    ("get_photo", act(Act::ReadHousehold)),
    ("get_photo_thumbnail", act(Act::ReadHousehold)),
    ("get_photo_display", act(Act::ReadHousehold)),
    ("get_photo_original", act(Act::ViewOriginalPhoto)),
    ("list_cross_check_rounds", SignedIn),
    ("get_cross_check_round", SignedIn),
    ("create_cross_check_round", act(Act::ManageCrossCheck)),
    ("cancel_cross_check_round", act(Act::ManageCrossCheck)),
    // The ledger.
    ("list_problems", SignedIn),
    ("get_problem", SignedIn),
    ("list_problem_events", SignedIn),
    ("create_problem", act(Act::RecordProblem)),
    ("assign_problem", act(Act::AssignProblem)),
    ("report_problem_progress", act(Act::ReportOnProblem)),
    ("claim_problem_completion", act(Act::ReportOnProblem)),
    ("verify_problem", act(Act::VerifyProblem)),
    ("reopen_problem", act(Act::VerifyProblem)),
    ("decide_problem", act(Act::DecideProblem)),
    ("answer_meeting_proposal", act(Act::AnswerProposal)),
    ("hand_over_problem", act(Act::HandOverProblem)),
    ("export_problems", act(Act::ExportLedger)),
    ("list_screening_tasks", SignedIn),
    ("create_screening", act(Act::UploadScreening)),
    ("list_screenings", act(Act::ReadScreenings)),
    // The Discipline Commission.
    ("list_discipline_queue", act(Act::ReadSupervision)),
    ("get_supervision", act(Act::ReadSupervision)),
    ("get_supervision_report", act(Act::ReadSupervision)),
    ("list_look_back_candidates", act(Act::Supervise)),
    ("create_supervision", act(Act::Supervise)),
    // Lists, meetings, archives.
    ("list_feedback_lists", act(Act::ReadHousehold)),
    ("get_feedback_list", act(Act::ReadHousehold)),
    ("export_feedback_list", act(Act::ReadHousehold)),
    ("update_feedback_list", act(Act::SubmitList)),
    ("submit_feedback_list", act(Act::SubmitList)),
    ("comment_on_feedback_list", act(Act::CommentOnList)),
    ("list_meetings", SignedIn),
    ("get_meeting", SignedIn),
    ("list_missed_meetings", SignedIn),
    ("get_meeting_agenda", act(Act::ManageMeetings)),
    ("create_meeting", act(Act::ManageMeetings)),
    ("list_archive_submissions", SignedIn),
    ("download_archive_file", SignedIn),
    ("get_archive_summary", SignedIn),
    ("export_archive_summary", SignedIn),
    ("submit_archives", act(Act::SubmitArchives)),
    ("review_archive_submission", act(Act::ReviewArchives)),
    // Inspections, interviews, circulars.
    ("suggest_unannounced_visits", act(Act::Inspect)),
    ("create_unannounced_visit", act(Act::Inspect)),
    ("list_unannounced_visits", act(Act::ReadInspections)),
    ("get_unannounced_visit", act(Act::ReadInspections)),
    ("list_admonishment_proposals", act(Act::ReadInspections)),
    ("list_admonishments", act(Act::ReadInspections)),
    ("create_admonishment", act(Act::Admonish)),
    ("list_interviews", SignedIn),
    ("get_interview", SignedIn),
    ("list_villages_not_interviewed", SignedIn),
    ("create_interview", act(Act::Interview)),
    ("record_interview_results", act(Act::Interview)),
    ("list_must_know_status", SignedIn),
    ("get_must_know", SignedIn),
    ("update_must_know", act(Act::UpdateMustKnow)),
    ("list_circulars", SignedIn),
    ("get_circular", SignedIn),
    ("export_circular", SignedIn),
    ("draft_circular", act(Act::DraftCircular)),
    ("edit_circular", act(Act::DraftCircular)),
    ("review_circular", act(Act::ReviewCircular)),
    ("issue_circular", act(Act::IssueCircular)),
    // Phone checks.
    ("list_questionnaires", act(Act::ReadPhoneChecks)),
    ("get_questionnaire", SignedIn),
    ("create_questionnaire", act(Act::ManagePhoneChecks)),
    ("save_questionnaire_draft", act(Act::ManagePhoneChecks)),
    ("publish_questionnaire", act(Act::ManagePhoneChecks)),
    ("list_call_lists", act(Act::ReadPhoneChecks)),
    ("get_call_list", SignedIn),
    ("create_call_list", act(Act::ManagePhoneChecks)),
    ("get_call_queue", act(Act::CallHouseholds)),
    ("hold_call_case", act(Act::CallHouseholds)),
    ("record_call_attempt", act(Act::CallHouseholds)),
    ("list_call_flags", act(Act::ReadPhoneChecks)),
    ("review_call_flag", act(Act::ReadPhoneChecks)),
    ("get_phone_check_figures", SignedIn),
    ("export_phone_check_figures", SignedIn),
    // Figures, reminders.
    ("get_dashboard", act(Act::ReadDashboard)),
    ("get_mobile_dashboard", act(Act::ReadDashboard)),
    ("list_cadre_assessments", SignedIn),
    ("list_village_assessments", SignedIn),
    ("get_reminder_queue", act(Act::ManageReminders)),
    ("replay_dead_letter", act(Act::ManageReminders)),
];

pub fn gate_of(operation_id: &str) -> Option<Gate> {
    OPERATIONS.iter().find(|(op, _)| *op == operation_id).map(|(_, g)| *g)
}

/// The rule an operation states in the contract (`x-authority`).
pub fn describe(gate: Gate) -> Value {
    match gate {
        Public => json!({ "public": true }),
        SignedIn => {
            json!({ "signed_in": true, "note": "any signed-in user; the answer holds only what the caller's scope reaches" })
        }
        Gate::Act(a) => {
            let row = a.row();
            let allow: Vec<Value> = row
                .allow
                .iter()
                .map(|r| match r {
                    Rule::Role(role) => json!({ "role": role.as_str() }),
                    Rule::RoleWhen(role, rel) => json!({ "role": role.as_str(), "relation": rel.as_str() }),
                    Rule::AnyoneWhen(rel) => json!({ "relation": rel.as_str() }),
                })
                .collect();
            let barred: Vec<&str> = row.bar.iter().map(|r: &Relation| r.as_str()).collect();
            json!({ "act": a.to_string(), "what": row.what_zh, "allow": allow, "barred": barred })
        }
    }
}

/// (method, route template) → gate, built from the contract the app serves.
#[derive(Debug, Default)]
pub struct Gates(HashMap<(Method, String), (Option<Gate>, Declared)>);

impl Gates {
    pub fn of(api: &utoipa::openapi::OpenApi) -> Self {
        let contract = serde_json::to_value(api).unwrap_or_default();
        let mut gates = HashMap::new();
        for (path, item) in &api.paths.paths {
            for (method, op) in crate::openapi::operations(item) {
                let gate = op.operation_id.as_deref().and_then(gate_of);
                let entry = &contract["paths"][path.as_str()][method.as_str().to_lowercase()];
                gates.insert((method, path.clone()), (gate, Declared::of(entry, &contract)));
            }
        }
        Self(gates)
    }
}

/// The gate in front of every handler: a caller none of whose roles the operation's act admits is
/// refused before the request is read further.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let (gate, declared) = match (req.app_data::<web::Data<Gates>>(), req.match_pattern()) {
        (Some(gates), Some(pattern)) => match gates.0.get(&(req.method().clone(), pattern.clone())) {
            Some((gate, declared)) => (*gate, Some(declared)),
            // A route of the API that the contract does not know: refused, never open.
            None => {
                ((pattern.starts_with("/api/v1/") && pattern != "/api/v1/openapi.json").then_some(Gate::SignedIn), None)
            }
        },
        _ => (None, None),
    };
    // Who calls first (a caller refused is told so whatever their query), then what they ask.
    let refusal = match gate {
        Some(Gate::Act(act)) => match AuthUser::from_request(req.request(), &mut Payload::None).await {
            Err(e) => Some(e),
            Ok(user) if !user.access.roles().into_iter().any(|r| act.admits(r)) => {
                Some(ApiError::refused(&Refusal::NotPermitted { act }))
            }
            Ok(user) => {
                req.extensions_mut().insert(user);
                None
            }
        },
        Some(Gate::SignedIn) => match AuthUser::from_request(req.request(), &mut Payload::None).await {
            Err(e) => Some(e),
            Ok(user) => {
                req.extensions_mut().insert(user);
                None
            }
        },
        _ => None,
    };
    // Only the query parameters the operation declares, each within its schema.
    let refusal = refusal.or_else(|| declared.and_then(|d| d.admit(req.query_string()).err()));
    if let Some(err) = refusal {
        let res = err.error_response();
        return Ok(req.into_response(res).map_into_right_body());
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}
