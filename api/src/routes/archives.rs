//! The "1+N" archive materials (SPEC §7): each department's archive clerk submits the month's files
//! before the 25th; the RRO accepts or returns each submission with reasons; the month-end summary
//! per department is viewable and exportable.

use crate::routes::common::Json;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::Month;
use domain::meetings::{Review, archive_standing};
use domain::org::Act;
use rust_xlsxwriter::{Format, Workbook};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, FieldError, validate};
use crate::routes::common::{Problem, Spooled, count_upload, spool, unreadable_form};
use crate::state::State;
use crate::store::entity::{archive_file, archive_submission};
use crate::store::{ByKey, audit, notifications, org};
use domain::reminders::{Kind, Reminder};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(submit_archives)
        .service(list_archive_submissions)
        .service(review_archive_submission)
        .service(download_archive_file)
        .service(get_archive_summary)
        .service(export_archive_summary);
}

/// The kinds of file accepted, judged by content (never by name): PDF, JPEG, PNG, and office
/// documents (Word, Excel, PowerPoint, old and new).
const ACCEPTED: [&str; 9] = [
    "application/pdf",
    "image/jpeg",
    "image/png",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
];

/// The content type of an accepted file, from its bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let kind = infer::get(bytes)?;
    ACCEPTED.iter().find(|m| **m == kind.mime_type()).copied()
}

#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ArchiveUpload {
    /// One or more files (repeat the field), each at most the upload limit.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
    /// What the submission holds.
    note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArchiveFile {
    pub id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Submission {
    pub id: Uuid,
    pub department_id: Uuid,
    pub month: String,
    pub submitted_by: Uuid,
    pub submitted_at: DateTime<Utc>,
    /// Submitted after the 25th of its month.
    pub late: bool,
    pub note: String,
    /// `pending`, `accepted`, `returned`.
    pub review: String,
    pub review_reason: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub files: Vec<ArchiveFile>,
}

async fn view(state: &State, s: archive_submission::Model) -> ApiResult<Submission> {
    let files = archive_file::Entity::find()
        .filter(archive_file::Column::SubmissionId.eq(s.id))
        .order_by_asc(archive_file::Column::Name)
        .all(&state.db)
        .await?;
    let month: Option<Month> = s.month.parse().ok();
    Ok(Submission {
        id: s.id,
        department_id: s.department_id,
        late: month.is_some_and(|m| domain::calendar::local_date(s.submitted_at) > m.list_deadline()),
        month: s.month,
        submitted_by: s.submitted_by,
        submitted_at: s.submitted_at,
        note: s.note,
        review: s.review,
        review_reason: s.review_reason,
        reviewed_at: s.reviewed_at,
        files: files
            .into_iter()
            .map(|f| ArchiveFile {
                id: f.id,
                name: f.name,
                content_type: f.content_type,
                size: f.size,
                sha256: f.sha256,
            })
            .collect(),
    })
}

fn clerk_of(user: &AuthUser, department: Uuid) -> bool {
    user.access.departments_for(Act::SubmitArchives).iter().any(|(_, d)| *d == department)
}

/// A received file, on disk until it is stored: twenty files of the upload limit are never held
/// in memory at once.
struct Upload {
    name: String,
    spooled: Spooled,
}

/// Most files one submission carries.
const MAX_FILES: usize = 20;

async fn read_uploads(
    mut payload: actix_multipart::Multipart,
    state: &State,
    user: &AuthUser,
) -> ApiResult<(Vec<Upload>, String)> {
    use futures_util::StreamExt;
    let bad = |d: String| ApiError::unprocessable("invalid_multipart", "上传内容格式不正确，请重新选择文件上传", d);
    let mut files = vec![];
    let mut note = String::new();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| unreadable_form(&e, files.is_empty() && note.is_empty()))?;
        let name = field.name().map(str::to_owned);
        match name.as_deref() {
            Some("file") => {
                if files.len() >= MAX_FILES {
                    return Err(ApiError::field("file", "too_many", &format!("一次最多上传{MAX_FILES}个文件")));
                }
                let filename = field.content_disposition().and_then(|cd| cd.get_filename().map(str::to_owned));
                let dir = state.settings.data_dir.join("tmp");
                let spooled = spool(&mut field, &dir, state.settings.max_upload_bytes, "文件").await?;
                count_upload(state, user, spooled.size).await?;
                let name: String =
                    filename.unwrap_or_else(|| format!("文件{}", files.len() + 1)).chars().take(200).collect();
                files.push(Upload { name, spooled });
            }
            Some("note") => {
                let mut bytes = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(|e| bad(e.to_string()))?;
                    if bytes.len() + chunk.len() > 4000 {
                        return Err(ApiError::field("note", "length", "说明过长，最多4000字节"));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                note = String::from_utf8_lossy(&bytes).trim().to_owned();
            }
            other => return Err(crate::routes::common::unknown_part(other)),
        }
    }
    if files.is_empty() {
        return Err(ApiError::field("file", "required", "请选择要上传的文件（字段名 file）"));
    }
    Ok((files, note))
}

/// A spooled file's bytes, read on the blocking pool.
async fn bytes_of(u: &Upload) -> ApiResult<Vec<u8>> {
    let path = u.spooled.file.path().to_owned();
    Ok(web::block(move || std::fs::read(path)).await.map_err(anyhow::Error::from)?.map_err(anyhow::Error::from)?)
}

/// The archive clerk submits the department's materials for a month (multipart: one or more `file`
/// fields and an optional `note`). Files are checked by content; after the 25th the submission is late.
/// A returned submission is answered by submitting again.
#[utoipa::path(tag = "archives", operation_id = "submit_archives", security(("bearer" = [])),
    params(("department_id" = Uuid, Path), ("month" = String, Path, description = "`YYYY-MM`")),
    request_body(content = ArchiveUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Submission), (status = 400, response = Problem), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 413, response = Problem), (status = 422, response = Problem),
        (status = 429, response = Problem)))]
#[post("/archives/{department_id}/{month}")]
pub async fn submit_archives(
    state: State,
    user: AuthUser,
    path: web::Path<(Uuid, String)>,
    payload: actix_multipart::Multipart,
) -> ApiResult<HttpResponse> {
    user.require(Act::SubmitArchives)?;
    let (department, month) = path.into_inner();
    if !clerk_of(&user, department) {
        return Err(ApiError::not_found());
    }
    let month: Month = crate::routes::common::month_param(&month)?;
    let now = state.clock.now();
    if month.first_day() > domain::calendar::local_date(now) {
        return Err(ApiError::field("month", "future", "不能提交将来月份的资料"));
    }
    let (uploads, note) = read_uploads(payload, &state, &user).await?;
    let mut errors = vec![];
    let mut typed = vec![];
    for (i, u) in uploads.iter().enumerate() {
        match sniff(&bytes_of(u).await?) {
            Some(t) => typed.push(t),
            None => errors.push(FieldError::new(
                format!("file[{i}]"),
                "unsupported_type",
                format!("“{}”不是PDF、图片或Office文档", u.name),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let dept = org::departments(&state.db, &towns)
        .await?
        .into_iter()
        .find(|d| d.id == department)
        .ok_or_else(ApiError::not_found)?;
    let submission_id = Uuid::now_v7();
    let mut rows = vec![];
    // Files first: a submission row never points at a file that is not stored.
    for (u, t) in uploads.into_iter().zip(typed) {
        let id = Uuid::now_v7();
        let key = format!("archives/{submission_id}/{id}");
        let size = i64::try_from(u.spooled.size).unwrap_or(i64::MAX);
        state.storage.put(&key, bytes_of(&u).await?).await.map_err(ApiError::Internal)?;
        rows.push(archive_file::ActiveModel {
            id: Set(id),
            submission_id: Set(submission_id),
            name: Set(u.name),
            content_type: Set(t.to_owned()),
            size: Set(size),
            sha256: Set(u.spooled.sha256),
            storage_key: Set(key),
        });
    }
    let txn = state.db.begin().await?;
    let s = archive_submission::ActiveModel {
        id: Set(submission_id),
        town_id: Set(dept.town_id),
        department_id: Set(dept.id),
        month: Set(month.to_string()),
        submitted_by: Set(user.id),
        submitted_at: Set(now),
        note: Set(note),
        review: Set("pending".into()),
        review_reason: Set(None),
        reviewed_by: Set(None),
        reviewed_at: Set(None),
    }
    .insert(&txn)
    .await?;
    for r in rows {
        r.insert(&txn).await?;
    }
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(dept.town_id),
            action: "archive.submit",
            object_type: "archive_submission",
            object_id: Some(s.id),
            detail: json!({ "department_id": dept.id, "month": s.month }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(view(&state, s).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArchiveQuery {
    /// `YYYY-MM`.
    pub month: Option<String>,
    pub department_id: Option<Uuid>,
    pub town_id: Option<Uuid>,
}

/// Submissions: a clerk sees their department's; the RRO and the leaders the town's.
#[utoipa::path(tag = "archives", operation_id = "list_archive_submissions", security(("bearer" = [])), params(ArchiveQuery),
    responses((status = 200, body = Vec<Submission>), (status = 401, response = Problem), (status = 403, response = Problem)))]
#[get("/archives")]
pub async fn list_archive_submissions(
    state: State,
    user: AuthUser,
    q: web::Query<ArchiveQuery>,
) -> ApiResult<web::Json<Vec<Submission>>> {
    let towns: Vec<Uuid> = user.access.towns_for(Act::ReadTownFigures).into_iter().collect();
    let own: Vec<Uuid> = user.access.departments_for(Act::SubmitArchives).into_iter().map(|(_, d)| d).collect();
    if towns.is_empty() && own.is_empty() {
        return Err(ApiError::forbidden("archives are for the clerks, the RRO and the leaders"));
    }
    let mut query = archive_submission::Entity::find().filter(
        sea_orm::Condition::any()
            .add(archive_submission::Column::TownId.is_in(towns))
            .add(archive_submission::Column::DepartmentId.is_in(own)),
    );
    if let Some(m) = &q.month {
        let m = crate::routes::common::month_param(m)?;
        query = query.filter(archive_submission::Column::Month.eq(m.to_string()));
    }
    if let Some(d) = q.department_id {
        query = query.filter(archive_submission::Column::DepartmentId.eq(d));
    }
    let rows = query.order_by_asc(archive_submission::Column::SubmittedAt).all(&state.db).await?;
    let mut out = vec![];
    for r in rows {
        out.push(view(&state, r).await?);
    }
    Ok(web::Json(out))
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveDecision {
    Accept,
    Return,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ReviewSubmission {
    pub decision: ArchiveDecision,
    /// Required when returning: what to fix.
    #[validate(length(min = 1, max = 2000, message = "退回原因应为1至2000字"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: Option<String>,
}

/// The RRO accepts a submission, or returns it with reasons (the clerk submits again).
#[utoipa::path(tag = "archives", operation_id = "review_archive_submission", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ReviewSubmission,
    responses((status = 200, body = Submission), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/archives/submissions/{id}/review")]
pub async fn review_archive_submission(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<ReviewSubmission>,
) -> ApiResult<web::Json<Submission>> {
    user.require(Act::ReviewArchives)?;
    validate(&*body)?;
    let towns: Vec<Uuid> = user.access.towns_for(Act::ReviewArchives).into_iter().collect();
    let s = archive_submission::Entity::find_by_id(*id)
        .filter(archive_submission::Column::TownId.is_in(towns))
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if s.review != "pending" {
        return Err(ApiError::conflict("already_reviewed", "该资料已审核", "the submission was reviewed before"));
    }
    if body.decision == ArchiveDecision::Return && body.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(ApiError::field("reason", "required", "退回须填写原因"));
    }
    let now = state.clock.now();
    let (clerk, town, month) = (s.submitted_by, s.town_id, s.month.clone());
    let mut am: archive_submission::ActiveModel = s.into();
    let decision = if body.decision == ArchiveDecision::Accept { "accepted" } else { "returned" };
    am.review = Set(decision.into());
    am.review_reason = Set(body.reason.as_deref().map(|r| r.trim().to_owned()));
    am.reviewed_by = Set(Some(user.id));
    am.reviewed_at = Set(Some(now));
    let txn = state.db.begin().await?;
    let s = am.update(&txn).await?;
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(town),
            action: "archive.review",
            object_type: "archive_submission",
            object_id: Some(s.id),
            detail: json!({ "decision": decision, "reason": s.review_reason }),
        },
        now,
    )
    .await?;
    if body.decision == ArchiveDecision::Return {
        // The clerk who sent it hears why, and that it is theirs to send again.
        let reason = s.review_reason.clone().unwrap_or_default();
        let reminder = Reminder {
            user: clerk,
            kind: Kind::ArchiveReturned,
            key: format!("archive_returned:{}", s.id),
            title: "档案资料被退回".into(),
            body: format!("{month}报送的档案资料被乡村振兴办退回，原因：{reason}。请修改后重新报送。"),
        };
        notifications::deliver(&txn, &reminder, now).await?;
    }
    txn.commit().await?;
    Ok(web::Json(view(&state, s).await?))
}

/// Downloads one file of a submission.
#[utoipa::path(tag = "archives", operation_id = "download_archive_file", security(("bearer" = [])), params(("id" = Uuid, Path), ("file_id" = Uuid, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>, description = "The file"), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/archives/submissions/{id}/files/{file_id}")]
pub async fn download_archive_file(
    state: State,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, file_id) = path.into_inner();
    let s = archive_submission::Entity::find_by_id(id).by_key(&state.db).await?.ok_or_else(ApiError::not_found)?;
    if !(user.access.towns_for(Act::ReadTownFigures).contains(&s.town_id) || clerk_of(&user, s.department_id)) {
        return Err(ApiError::not_found());
    }
    let f = archive_file::Entity::find_by_id(file_id)
        .filter(archive_file::Column::SubmissionId.eq(s.id))
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let bytes = state.storage.get(&f.storage_key).await.map_err(ApiError::Internal)?;
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: Some(s.town_id),
            action: "archive.download",
            object_type: "archive_file",
            object_id: Some(f.id),
            detail: json!({ "submission_id": s.id, "name": f.name }),
        },
        state.clock.now(),
    )
    .await?;
    Ok(HttpResponse::Ok().content_type(f.content_type).body(bytes))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// `YYYY-MM`.
    pub month: String,
    pub town_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentArchives {
    pub department_id: Uuid,
    pub department_name: String,
    /// Of the first submission against the 25th: `on_time`, `late`, `pending` or `missing`.
    pub timeliness: String,
    /// Of the latest submission: `pending`, `accepted` or `returned`; absent when nothing came in.
    pub review: Option<String>,
    pub submissions: usize,
    pub submission_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArchiveSummary {
    pub month: String,
    pub departments: Vec<DepartmentArchives>,
}

async fn summary(state: &State, user: &AuthUser, q: &SummaryQuery) -> ApiResult<ArchiveSummary> {
    let town = user.town_for(Act::ReadTownFigures, q.town_id)?;
    let month: Month = crate::routes::common::month_param(&q.month)?;
    let now = state.clock.now();
    let subs = archive_submission::Entity::find()
        .filter(archive_submission::Column::TownId.eq(town))
        .filter(archive_submission::Column::Month.eq(month.to_string()))
        .order_by_asc(archive_submission::Column::SubmittedAt)
        .all(&state.db)
        .await?;
    let departments = org::departments(&state.db, &[town]).await?;
    let live = org::live_from(&state.db, town).await?;
    let review = |s: &str| match s {
        "accepted" => Review::Accepted,
        "returned" => Review::Returned,
        _ => Review::Pending,
    };
    Ok(ArchiveSummary {
        month: month.to_string(),
        departments: departments
            .into_iter()
            .filter(|d| d.owes_archives)
            .map(|d| {
                let mine: Vec<&archive_submission::Model> = subs.iter().filter(|s| s.department_id == d.id).collect();
                let pairs: Vec<(DateTime<Utc>, Review)> =
                    mine.iter().map(|s| (s.submitted_at, review(&s.review))).collect();
                let standing = archive_standing(month, &pairs, now, live);
                DepartmentArchives {
                    department_id: d.id,
                    department_name: d.name,
                    timeliness: standing.timeliness.as_str().into(),
                    review: standing.review.map(|r| {
                        match r {
                            Review::Pending => "pending",
                            Review::Accepted => "accepted",
                            Review::Returned => "returned",
                        }
                        .into()
                    }),
                    submissions: standing.submissions,
                    submission_ids: mine.iter().map(|s| s.id).collect(),
                }
            })
            .collect(),
    })
}

/// The month's summary per department: submitted on time / late / missing, accepted / returned.
#[utoipa::path(tag = "archives", operation_id = "get_archive_summary", security(("bearer" = [])), params(SummaryQuery),
    responses((status = 200, body = ArchiveSummary), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/archives/summary")]
pub async fn get_archive_summary(
    state: State,
    user: AuthUser,
    q: web::Query<SummaryQuery>,
) -> ApiResult<web::Json<ArchiveSummary>> {
    Ok(web::Json(summary(&state, &user, &q).await?))
}

/// The same summary as an xlsx workbook.
#[utoipa::path(tag = "archives", operation_id = "export_archive_summary", security(("bearer" = [])), params(SummaryQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>, description = "The workbook"),
        (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/archives/summary.xlsx")]
pub async fn export_archive_summary(
    state: State,
    user: AuthUser,
    q: web::Query<SummaryQuery>,
) -> ApiResult<HttpResponse> {
    let s = summary(&state, &user, &q).await?;
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: user.town_id,
            action: "archive.summary_export",
            object_type: "archive_submission",
            object_id: None,
            detail: json!({ "month": s.month }),
        },
        state.clock.now(),
    )
    .await?;
    let bytes = summary_xlsx(&s).map_err(|e| ApiError::Internal(anyhow::anyhow!("xlsx: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header(("content-disposition", format!("attachment; filename=\"archives-{}.xlsx\"", s.month)))
        .body(bytes))
}

fn label(s: &str) -> &'static str {
    match s {
        "on_time" => "按时报送",
        "late" => "逾期报送",
        "pending" => "未到期",
        "missing" => "未报送",
        "accepted" => "审核通过",
        "returned" => "退回",
        _ => "待审核",
    }
}

fn summary_xlsx(s: &ArchiveSummary) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("档案资料收集情况")?;
    let bold = Format::new().set_bold();
    ws.write_string_with_format(0, 0, format!("{}档案资料收集及质量情况汇总", s.month), &bold)?;
    for (c, h) in ["部门", "报送情况", "审核情况", "报送次数"].iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &bold)?;
    }
    for (i, d) in s.departments.iter().enumerate() {
        let r = (i + 2) as u32;
        ws.write_string(r, 0, &d.department_name)?;
        ws.write_string(r, 1, label(&d.timeliness))?;
        ws.write_string(r, 2, d.review.as_deref().map(label).unwrap_or("—"))?;
        ws.write_number(r, 3, d.submissions as f64)?;
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn files_are_judged_by_content_not_name() {
        assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"<?php echo 1; ?>"), None);
        assert_eq!(sniff(b"MZ\x90\x00\x03\x00\x00\x00"), None, "an executable is refused");
        assert_eq!(sniff(b""), None);
    }
}
