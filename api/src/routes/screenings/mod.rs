//! Department data screening (SPEC §5): a department uploads what its systems flagged this month;
//! rows are matched to households by the keyed hash of the ID number (nothing is decrypted), and
//! each hit becomes a joint household verification task, due in working days.

use std::collections::HashSet;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use domain::IdNumber;
use domain::calendar::{Month, local_date};
use domain::org::{Act, Role};
use domain::reminders::{Kind, Reminder};
use domain::screening::Finding;
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::crypto::sha256_hex;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::roster::{Limits, RosterError, read_table_off_thread, too_large};
use crate::routes::common::{Problem, count_upload, read_file_field};
use crate::state::State;
use crate::store::entity::{screening, screening_task};
use crate::store::{audit, households, notifications, org, screenings};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload_screening).service(list_screenings).service(list_screening_tasks);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The month screened, `YYYY-MM`.
    pub month: String,
    /// Needed only when the caller belongs to several departments.
    pub department_id: Option<Uuid>,
}

/// The screening file: xlsx or csv with columns 身份证号 (id_number), 类别 (finding: 大额医疗自费 /
/// 农村危房 / 失学辍学 / 饮水安全) and optionally 说明 (detail); or JSON `[{id_number, finding, detail}]`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ScreeningUpload {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningReport {
    pub id: Uuid,
    pub month: String,
    pub department_id: Uuid,
    pub rows: usize,
    pub matched: usize,
    /// Verification tasks created by this upload.
    pub tasks_created: usize,
    /// Hits that already had a task this month (the same finding uploaded again).
    pub already_tasked: usize,
    /// How many rows name nobody of the town's households. Which rows they are is told to the town's
    /// Rural Revitalization Office (in its inbox and on `GET /screenings`, the ID numbers masked), not answered
    /// here: an answer row by row would tell anyone who uploads which ID numbers are households.
    pub unmatched: usize,
    /// True when this exact file was uploaded before: nothing new was created.
    pub repeated: bool,
}

#[derive(Deserialize)]
struct JsonRow {
    id_number: String,
    finding: String,
    #[serde(default)]
    detail: String,
}

async fn rows_of(bytes: &[u8]) -> ApiResult<Vec<(usize, String, String, String)>> {
    let trimmed = bytes.iter().position(|b| !b.is_ascii_whitespace()).map(|i| &bytes[i..]).unwrap_or_default();
    if trimmed.starts_with(b"[") {
        let rows: Vec<JsonRow> = serde_json::from_slice(trimmed)
            .map_err(|e| ApiError::field("file", "invalid_json", &format!("JSON 格式不正确：{e}")))?;
        if rows.len() > Limits::SCREENING.rows {
            return Err(too_large(crate::roster::Bound::Rows(Limits::SCREENING.rows)));
        }
        return Ok(rows.into_iter().enumerate().map(|(i, r)| (i + 1, r.id_number, r.finding, r.detail)).collect());
    }
    let table = read_table_off_thread(bytes.to_vec(), Limits::SCREENING).await?.map_err(|e| match e {
        RosterError::MissingColumns(_) | RosterError::UnknownColumns(_) | RosterError::Empty => {
            ApiError::field("file", "empty", "文件中没有表头或数据")
        }
        RosterError::Unreadable => ApiError::field("file", "unreadable", "无法读取文件，请上传 xlsx、csv 或 JSON"),
        RosterError::TooLarge(bound) => too_large(bound),
    })?;
    let mut lines = table.into_iter();
    let header: Vec<String> = lines.next().unwrap_or_default().into_iter().map(|h| h.trim().to_lowercase()).collect();
    let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let (Some(id), Some(finding)) =
        (col(&["身份证号", "身份证号码", "id_number"]), col(&["类别", "筛查类别", "问题类别", "finding"]))
    else {
        return Err(ApiError::Rejected {
            code: "screening_missing_columns",
            message: "筛查文件需包含“身份证号”和“类别”两列".into(),
            errors: vec![FieldError::new("columns", "required", "缺少“身份证号”或“类别”列")],
        });
    };
    let detail = col(&["说明", "情况说明", "detail"]);
    Ok(lines
        .enumerate()
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, r)| {
            let get = |c: Option<usize>| c.and_then(|c| r.get(c)).map(|s| s.trim().to_owned()).unwrap_or_default();
            (i + 2, get(Some(id)), get(Some(finding)), get(detail))
        })
        .collect())
}

/// Uploads a month's screening. Every row is checked first; a bad row means nothing is written.
/// The same file twice creates nothing new, and a finding already tasked this month is not doubled.
#[utoipa::path(tag = "screenings", operation_id = "create_screening", security(("bearer" = [])), params(UploadQuery),
    request_body(content = ScreeningUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = ScreeningReport), (status = 200, body = ScreeningReport, description = "The same file again"),
        (status = 401, response = Problem), (status = 403, response = Problem), (status = 413, response = Problem), (status = 422, response = Problem),
        (status = 429, response = Problem)))]
#[post("/screenings")]
pub async fn upload_screening(
    state: State,
    user: AuthUser,
    q: web::Query<UploadQuery>,
    payload: Multipart,
) -> ApiResult<HttpResponse> {
    let mine = user.access.departments_for(Act::UploadScreening);
    let (town, department) = match (q.department_id, mine.as_slice()) {
        (_, []) => return Err(ApiError::forbidden("only a department uploads its screening")),
        (Some(d), list) => *list.iter().find(|(_, x)| *x == d).ok_or_else(ApiError::not_found)?,
        (None, [one]) => *one,
        (None, _) => return Err(ApiError::field("department_id", "required", "您属于多个部门，请指定部门")),
    };
    let month: Month = crate::routes::common::month_param(&q.month)?;
    if month.first_day() > local_date(state.clock.now()) {
        return Err(ApiError::field("month", "future", "不能上传将来月份的筛查数据"));
    }
    let dept = org::departments(&state.db, &[town])
        .await?
        .into_iter()
        .find(|d| d.id == department)
        .ok_or_else(ApiError::not_found)?;
    let duties = domain::screening::DepartmentDuties {
        owes_archives: dept.owes_archives,
        findings: domain::screening::DepartmentDuties::parse_findings(&dept.findings).map_err(|bad| {
            ApiError::Internal(anyhow::anyhow!("department {} has an unknown finding {bad:?}", dept.id))
        })?,
    };
    let bytes = read_file_field(payload, state.settings.max_upload_bytes).await?;
    count_upload(&state, &user, bytes.len() as u64).await?;
    let sha = sha256_hex(&bytes);
    if let Some(s) = screenings::by_file(&state.db, department, &sha).await? {
        let unmatched = usize::try_from(s.rows - s.matched).unwrap_or(0);
        return Ok(HttpResponse::Ok().json(ScreeningReport {
            id: s.id,
            month: s.month,
            department_id: department,
            rows: usize::try_from(s.rows).unwrap_or(0),
            matched: usize::try_from(s.matched).unwrap_or(0),
            tasks_created: 0,
            already_tasked: 0,
            unmatched,
            repeated: true,
        }));
    }
    let rows = rows_of(&bytes).await?;
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    for (row, id, finding, detail) in &rows {
        let id_number = IdNumber::parse_as_of(id, local_date(state.clock.now()))
            .map_err(|e| {
                errors.push(FieldError::new(format!("rows[{row}].id_number"), "invalid_id_number", e.message_zh()))
            })
            .ok();
        let finding = Finding::parse(finding);
        match finding {
            None => errors.push(FieldError::new(
                format!("rows[{row}].finding"),
                "invalid",
                "类别应为 大额医疗自费、农村危房、失学辍学 或 饮水安全",
            )),
            Some(f) if !duties.reports(f) => {
                let own: Vec<&str> = duties.findings.iter().map(|f| f.label_zh()).collect();
                errors.push(FieldError::new(
                    format!("rows[{row}].finding"),
                    "not_own_finding",
                    format!("“{}”不是{}的筛查类别（本部门：{}）", f.label_zh(), dept.name, own.join("、")),
                ));
            }
            Some(_) => {}
        }
        if let (Some(id), Some(f)) = (id_number, finding) {
            parsed.push((*row, id, f, detail.clone()));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Rejected {
            code: "screening_invalid",
            message: "筛查文件有错误，未导入任何数据，请修改后重新上传".into(),
            errors,
        });
    }
    let now = state.clock.now();
    let due_on: NaiveDate =
        state.settings.work_calendar.add_workdays(local_date(now), state.settings.joint_verification_workdays);
    // Every look-up before the write: the rows' households in batches, outside the transaction (a
    // long transaction would hold SQLite's one writer); the month's tasks in one read inside it.
    let hashes: Vec<String> = parsed.iter().map(|(_, id, _, _)| state.cipher.keyed_hash(id.as_str())).collect();
    let found = households::by_id_hashes(&state.db, town, &hashes).await?;
    let txn = state.db.begin().await?;
    let tasked = screenings::tasked(&txn, department, &month.to_string()).await?;
    let screening_id = Uuid::now_v7();
    let mut report = ScreeningReport {
        id: screening_id,
        month: month.to_string(),
        department_id: department,
        rows: rows.len(),
        matched: 0,
        tasks_created: 0,
        already_tasked: 0,
        unmatched: 0,
        repeated: false,
    };
    let mut tasks = Vec::new();
    let mut unmatched: Vec<(usize, String, Finding, String)> = Vec::new();
    let mut seen = HashSet::new();
    for ((row, id, finding, detail), hash) in parsed.into_iter().zip(&hashes) {
        match found.get(hash) {
            None => unmatched.push((row, id.masked(), finding, detail)),
            Some(h) => {
                report.matched += 1;
                if !seen.insert((h.id, finding)) || tasked.contains(&(h.id, finding.as_str().to_owned())) {
                    report.already_tasked += 1;
                    continue;
                }
                tasks.push(screening_task::Model {
                    id: Uuid::now_v7(),
                    town_id: town,
                    village_id: h.village_id,
                    group_id: h.group_id,
                    household_id: h.id,
                    department_id: department,
                    screening_id,
                    month: month.to_string(),
                    finding: finding.as_str().into(),
                    detail,
                    due_on,
                    status: "open".into(),
                    visit_id: None,
                    done_at: None,
                    created_at: now,
                });
            }
        }
    }
    report.unmatched = unmatched.len();
    screenings::insert(
        &txn,
        screening::Model {
            id: screening_id,
            town_id: town,
            department_id: department,
            month: month.to_string(),
            uploaded_by: user.id,
            file_sha256: sha,
            rows: i32::try_from(report.rows).unwrap_or(i32::MAX),
            matched: i32::try_from(report.matched).unwrap_or(i32::MAX),
            unmatched_rows: serde_json::to_string(&unmatched).map_err(anyhow::Error::from)?,
            created_at: now,
        },
    )
    .await?;
    report.tasks_created = tasks.len();
    for t in tasks {
        screenings::insert_task(&txn, t).await?;
    }
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(town),
            action: "screening.upload",
            object_type: "screening",
            object_id: Some(screening_id),
            detail: json!({ "rows": report.rows, "matched": report.matched, "tasks": report.tasks_created }),
        },
        now,
    )
    .await?;
    if report.unmatched > 0 {
        let department_name = org::departments(&txn, &[town])
            .await?
            .into_iter()
            .find(|d| d.id == department)
            .map(|d| d.name)
            .unwrap_or_default();
        let (count, month) = (report.unmatched, month.to_string());
        let listed: String = unmatched
            .iter()
            .take(10)
            .map(|(row, masked, finding, detail)| format!("\n第{row}行 {masked} {} {detail}", finding.label_zh()))
            .collect();
        notifications::tell_roles(&txn, &[(Role::RroStaff, &[town])], now, |rro| Reminder {
            user: rro,
            kind: Kind::ScreeningUnmatched,
            key: format!("screening_unmatched:{screening_id}:{rro}"),
            title: "部门筛查有未匹配人员".into(),
            body: format!(
                "{department_name}{month}筛查中有{count}人不是本镇登记农户，可能存在未纳入监测的风险，请核实。{listed}"
            ),
        })
        .await?;
    }
    txn.commit().await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(report))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScreeningsQuery {
    /// The month screened, `YYYY-MM`.
    pub month: Option<String>,
}

/// A row of a screening that names nobody of the town's households: possibly someone at risk who is
/// not monitored yet, for the town office to follow up.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnmatchedRow {
    /// The row of the uploaded file.
    pub row: usize,
    /// The ID number, masked.
    pub id_number: String,
    #[schema(value_type = String)]
    pub finding: Finding,
    pub finding_label: String,
    pub detail: String,
}

/// One screening upload.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningView {
    pub id: Uuid,
    pub month: String,
    pub department_id: Uuid,
    pub department_name: String,
    pub uploaded_by: Uuid,
    pub uploaded_by_name: String,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
    pub rows: usize,
    pub matched: usize,
    pub unmatched: usize,
    /// Which rows named nobody: only for the town office (`FollowUpScreening`); absent for the
    /// department that uploaded them.
    pub unmatched_rows: Option<Vec<UnmatchedRow>>,
}

/// Screening uploads, newest first: the town office sees every department's with the rows that
/// named nobody of the town; a department its own, with their counts.
#[utoipa::path(tag = "screenings", operation_id = "list_screenings", security(("bearer" = [])), params(ScreeningsQuery),
    responses((status = 200, body = Vec<ScreeningView>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/screenings")]
pub async fn list_screenings(
    state: State,
    user: AuthUser,
    q: web::Query<ScreeningsQuery>,
) -> ApiResult<web::Json<Vec<ScreeningView>>> {
    let month = q.month.as_deref().map(crate::routes::common::month_param).transpose()?.map(|m| m.to_string());
    let office: Vec<Uuid> = user.access.towns_for(Act::FollowUpScreening).into_iter().collect();
    let departments: Vec<Uuid> = user.access.departments_for(Act::ReadScreenings).into_iter().map(|(_, d)| d).collect();
    let rows = screenings::uploads(&state.db, &office, &departments, month.as_deref()).await?;
    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let depts: std::collections::HashMap<Uuid, String> =
        org::departments(&state.db, &towns).await?.into_iter().map(|d| (d.id, d.name)).collect();
    let uploaders: Vec<Uuid> = rows.iter().map(|s| s.uploaded_by).collect();
    let names = crate::store::users::names(&state.db, &uploaders).await?;
    let mut out = Vec::with_capacity(rows.len());
    for s in rows {
        let unmatched_rows = if office.contains(&s.town_id) {
            let stored: Vec<(usize, String, Finding, String)> =
                serde_json::from_str(&s.unmatched_rows).map_err(|e| {
                    ApiError::Internal(anyhow::anyhow!("screening {} has unreadable unmatched rows: {e}", s.id))
                })?;
            Some(
                stored
                    .into_iter()
                    .map(|(row, id_number, finding, detail)| UnmatchedRow {
                        row,
                        id_number,
                        finding,
                        finding_label: finding.label_zh().into(),
                        detail,
                    })
                    .collect(),
            )
        } else {
            None
        };
        out.push(ScreeningView {
            department_name: depts.get(&s.department_id).cloned().unwrap_or_default(),
            uploaded_by_name: names.get(&s.uploaded_by).cloned().unwrap_or_default(),
            unmatched: usize::try_from(s.rows - s.matched).unwrap_or(0),
            rows: usize::try_from(s.rows).unwrap_or(0),
            matched: usize::try_from(s.matched).unwrap_or(0),
            id: s.id,
            month: s.month,
            department_id: s.department_id,
            uploaded_by: s.uploaded_by,
            uploaded_at: s.created_at,
            unmatched_rows,
        });
    }
    Ok(web::Json(out))
}

/// A joint-verification task is open until its households are all verified.
pub const TASK_STATUSES: [&str; 2] = ["open", "done"];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// `open` or `done`.
    pub status: Option<String>,
    pub village_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScreeningTask {
    pub id: Uuid,
    pub household_id: Uuid,
    pub head_name: String,
    pub village_id: Uuid,
    pub village_name: String,
    pub department_id: Uuid,
    pub department_name: String,
    pub month: String,
    /// large_medical_expense, dangerous_housing, dropout or drinking_water.
    pub finding: String,
    pub detail: String,
    /// Due by the end of this working day.
    pub due_on: NaiveDate,
    pub overdue: bool,
    /// `open` until a joint verification visit settles it, then `done`.
    pub status: String,
    /// The outcome fed back to the department: the verification visit.
    pub visit_id: Option<Uuid>,
}

/// Joint household verification tasks: the village's, the work team's, and the department's own.
#[utoipa::path(tag = "screenings", operation_id = "list_screening_tasks", security(("bearer" = [])), params(TaskQuery),
    responses((status = 200, body = Vec<ScreeningTask>), (status = 401, response = Problem), (status = 422, response = Problem)))]
#[get("/screening-tasks")]
pub async fn list_screening_tasks(
    state: State,
    user: AuthUser,
    q: web::Query<TaskQuery>,
) -> ApiResult<web::Json<Vec<ScreeningTask>>> {
    if q.status.as_deref().is_some_and(|s| !TASK_STATUSES.contains(&s)) {
        return Err(ApiError::field("status", "invalid", "状态应为 open 或 done"));
    }
    let departments = user.access.departments();
    let rows =
        screenings::list(&state.db, screenings::scope(&user.access, &departments), q.status.as_deref(), q.village_id)
            .await?;
    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let villages: std::collections::HashMap<Uuid, String> =
        org::villages(&state.db, &towns).await?.into_iter().map(|v| (v.id, v.name)).collect();
    let depts: std::collections::HashMap<Uuid, String> =
        org::departments(&state.db, &towns).await?.into_iter().map(|d| (d.id, d.name)).collect();
    let ids: Vec<Uuid> = rows.iter().map(|t| t.household_id).collect();
    let heads: std::collections::HashMap<Uuid, String> =
        households::by_ids(&state.db, &ids).await?.into_iter().map(|h| (h.id, h.head_name)).collect();
    let today = local_date(state.clock.now());
    Ok(web::Json(
        rows.into_iter()
            .map(|t| ScreeningTask {
                overdue: screenings::overdue(&t, today),
                head_name: heads.get(&t.household_id).cloned().unwrap_or_default(),
                village_name: villages.get(&t.village_id).cloned().unwrap_or_default(),
                department_name: depts.get(&t.department_id).cloned().unwrap_or_default(),
                id: t.id,
                household_id: t.household_id,
                village_id: t.village_id,
                department_id: t.department_id,
                month: t.month,
                finding: t.finding,
                detail: t.detail,
                due_on: t.due_on,
                status: t.status,
                visit_id: t.visit_id,
            })
            .collect(),
    ))
}
