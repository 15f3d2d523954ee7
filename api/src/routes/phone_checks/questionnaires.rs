//! Questionnaires: a draft is edited until published; a published version is never edited again —
//! a change starts the next version, and every call keeps the version it was taken with.

use crate::routes::common::Json;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use domain::org::Act;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::{QuestionJson, VersionView, to_domain};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::Problem;
use crate::state::State;
use crate::store::entity::questionnaire;
use crate::store::{audit, phone_checks};

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CreateQuestionnaire {
    pub town_id: Option<Uuid>,
    #[validate(length(min = 1, max = 100, message = "问卷名称应为1至100字"))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[schema(min_items = 1, max_items = 100)]
    pub questions: Vec<QuestionJson>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SaveDraft {
    pub questions: Vec<QuestionJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireView {
    pub id: Uuid,
    pub town_id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// Oldest first.
    pub versions: Vec<VersionView>,
}

async fn view(state: &State, q: questionnaire::Model) -> ApiResult<QuestionnaireView> {
    let versions = phone_checks::versions_of(&state.db, &[q.id]).await?;
    Ok(QuestionnaireView {
        id: q.id,
        town_id: q.town_id,
        name: q.name,
        created_at: q.created_at,
        versions: versions.iter().map(VersionView::from).collect(),
    })
}

async fn find(state: &State, user: &AuthUser, id: Uuid, act: Act) -> ApiResult<questionnaire::Model> {
    let towns: Vec<Uuid> = user.access.towns_for(act).into_iter().collect();
    phone_checks::questionnaire(&state.db, &towns, id).await?.ok_or_else(ApiError::not_found)
}

/// Creates a questionnaire with its first version as a draft.
#[utoipa::path(tag = "phone_checks", operation_id = "create_questionnaire", security(("bearer" = [])), request_body = CreateQuestionnaire,
    responses((status = 201, body = QuestionnaireView), (status = 400, response = Problem), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[post("/phone-checks/questionnaires")]
pub async fn create_questionnaire(
    state: State,
    user: AuthUser,
    body: Json<CreateQuestionnaire>,
) -> ApiResult<HttpResponse> {
    let town = user.town_for(Act::ManagePhoneChecks, body.town_id)?;
    validate(&*body)?;
    to_domain(&body.questions)?;
    let now = state.clock.now();
    let stored = serde_json::to_string(&body.questions).map_err(|e| ApiError::Internal(e.into()))?;
    let (q, _) = phone_checks::create_questionnaire(&state.db, town, body.name.trim(), &stored, user.id, now).await?;
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: Some(town),
            action: "questionnaire.create",
            object_type: "questionnaire",
            object_id: Some(q.id),
            detail: json!({ "name": q.name }),
        },
        now,
    )
    .await?;
    Ok(HttpResponse::Created().json(view(&state, q).await?))
}

/// The questionnaires of the caller's towns, with every version.
#[utoipa::path(tag = "phone_checks", operation_id = "list_questionnaires", security(("bearer" = [])),
    responses((status = 200, body = Vec<QuestionnaireView>), (status = 401, response = Problem), (status = 403, response = Problem)))]
#[get("/phone-checks/questionnaires")]
pub async fn list_questionnaires(state: State, user: AuthUser) -> ApiResult<web::Json<Vec<QuestionnaireView>>> {
    user.require(Act::ReadPhoneChecks)?;
    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let mut out = vec![];
    for q in phone_checks::questionnaires(&state.db, &towns).await? {
        out.push(view(&state, q).await?);
    }
    Ok(web::Json(out))
}

/// One questionnaire with every version (the current and past ones stay readable).
#[utoipa::path(tag = "phone_checks", operation_id = "get_questionnaire", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = QuestionnaireView), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/phone-checks/questionnaires/{id}")]
pub async fn get_questionnaire(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<QuestionnaireView>> {
    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let q = phone_checks::questionnaire(&state.db, &towns, *id).await?.ok_or_else(ApiError::not_found)?;
    Ok(web::Json(view(&state, q).await?))
}

/// Saves the draft's questions; after a publication this starts the next version.
#[utoipa::path(tag = "phone_checks", operation_id = "save_questionnaire_draft", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = SaveDraft,
    responses((status = 200, body = QuestionnaireView), (status = 400, response = Problem), (status = 401, response = Problem), (status = 404, response = Problem), (status = 422, response = Problem)))]
#[put("/phone-checks/questionnaires/{id}/draft")]
pub async fn save_questionnaire_draft(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<SaveDraft>,
) -> ApiResult<web::Json<QuestionnaireView>> {
    let q = find(&state, &user, *id, Act::ManagePhoneChecks).await?;
    to_domain(&body.questions)?;
    let stored = serde_json::to_string(&body.questions).map_err(|e| ApiError::Internal(e.into()))?;
    phone_checks::save_draft(&state.db, q.id, &stored, state.clock.now()).await?;
    Ok(web::Json(view(&state, q).await?))
}

/// Publishes the draft. From then on it is never edited.
#[utoipa::path(tag = "phone_checks", operation_id = "publish_questionnaire", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = QuestionnaireView), (status = 401, response = Problem), (status = 404, response = Problem), (status = 409, response = Problem)))]
#[post("/phone-checks/questionnaires/{id}/publish")]
pub async fn publish_questionnaire(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<QuestionnaireView>> {
    let q = find(&state, &user, *id, Act::ManagePhoneChecks).await?;
    let now = state.clock.now();
    let Some(v) = phone_checks::publish(&state.db, q.id, now).await? else {
        return Err(ApiError::problem(
            StatusCode::CONFLICT,
            "no_draft",
            "没有待发布的草稿",
            "the questionnaire has no draft to publish",
        ));
    };
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: Some(q.town_id),
            action: "questionnaire.publish",
            object_type: "questionnaire",
            object_id: Some(q.id),
            detail: json!({ "version": v.version }),
        },
        now,
    )
    .await?;
    Ok(web::Json(view(&state, q).await?))
}
