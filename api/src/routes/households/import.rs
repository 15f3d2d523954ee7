//! `POST /households/import`: the town's roster as xlsx or csv. Every row is checked first; any bad
//! row means nothing is written and every bad row is reported. Re-importing updates, never doubles
//! (rows are matched by the keyed hash of the ID number).

use std::collections::{HashMap, HashSet};

use actix_multipart::Multipart;
use actix_web::{post, web};
use chrono::NaiveDate;
use domain::calendar::local_date;
use domain::org::Act;
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::json::Fields;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::roster::{self, Column, RosterError, split_list, too_large};
use crate::routes::common::{Problem, count_upload, read_file_field};
use crate::state::State;
use crate::store::households::{self, Draft};
use crate::store::org;

const MAX_ROWS: usize = 20_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The town to import into; needed only when the caller manages several.
    pub town_id: Option<Uuid>,
    /// Check every row and report, without writing anything.
    #[serde(default)]
    pub dry_run: bool,
}

/// The roster file: xlsx (first sheet) or csv (UTF-8 or GBK), header in row 1.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// Data rows read.
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// True when nothing was written (`dry_run`).
    pub dry_run: bool,
}

/// Imports the roster. Errors name rows by their spreadsheet row number: `rows[5].id_number`.
#[utoipa::path(
    tag = "households",
    operation_id = "import_households",
    security(("bearer" = [])),
    params(ImportQuery),
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = ImportReport),
        (status = 401, response = Problem),
        (status = 403, response = Problem),
        (status = 404, response = Problem),
        (status = 413, response = Problem),
        (status = 429, response = Problem),
        (status = 422, response = Problem),
    )
)]
#[post("/households/import")]
pub async fn import_households(
    state: State,
    user: AuthUser,
    query: web::Query<ImportQuery>,
    payload: Multipart,
) -> ApiResult<web::Json<ImportReport>> {
    let town_id = user.town_for(Act::ImportHouseholds, query.town_id)?;
    let bytes = read_file_field(payload, state.settings.max_upload_bytes).await?;
    count_upload(&state, &user, bytes.len() as u64).await?;
    let rows = roster::read_off_thread(bytes).await?.map_err(|e| match e {
        RosterError::MissingColumns(cols) => ApiError::Rejected {
            code: "import_missing_columns",
            message: format!("导入文件缺少必需的列：{}", cols.join("、")),
            errors: roster::Column::REQUIRED
                .into_iter()
                .filter(|c| cols.contains(&c.names()[0]))
                .map(|c| {
                    FieldError::new(
                        format!("columns.{}", c.names()[0]),
                        "required",
                        format!("缺少此列；表头可写作：{}", c.accepted_zh()),
                    )
                })
                .collect(),
        },
        RosterError::UnknownColumns(cols) => ApiError::Rejected {
            code: "import_unknown_columns",
            message: format!("导入文件有无法识别的列：{}。未导入任何数据", cols.join("、")),
            errors: cols
                .iter()
                .map(|c| {
                    FieldError::new(
                        format!("columns.{c}"),
                        "unknown_column",
                        format!("无法识别此列；可用的列：{}", roster::Column::all_headers_zh()),
                    )
                })
                .collect(),
        },
        RosterError::Empty => ApiError::field("file", "empty", "文件中没有表头或数据"),
        RosterError::Unreadable => {
            ApiError::field("file", "unreadable", "无法读取文件，请上传 xlsx 或 csv 格式的花名册")
        }
        RosterError::TooLarge(bound) => too_large(bound),
    })?;
    if rows.len() > MAX_ROWS {
        return Err(ApiError::field("file", "too_many_rows", "一次最多导入20000户，请分批导入"));
    }
    let now = state.clock.now();
    let villages = org::villages(&state.db, &[town_id]).await?;
    let groups = org::groups(&state.db, &villages.iter().map(|v| v.id).collect::<Vec<_>>()).await?;
    let village_by_name: HashMap<&str, Uuid> = villages.iter().map(|v| (v.name.as_str(), v.id)).collect();
    let group_by_name: HashMap<(Uuid, &str), Uuid> =
        groups.iter().map(|g| ((g.village_id, g.name.as_str()), g.id)).collect();
    let reach = user.access.reach(Act::ImportHouseholds);
    let today = local_date(now);

    let mut errors = Vec::new();
    let mut drafts = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &rows {
        let prefix = format!("rows[{}].", row.number);
        let mut f = Fields::new(&prefix);
        let mut more = Vec::new();
        let mut err =
            |field: &str, code: &str, msg: &str| more.push(FieldError::new(format!("{prefix}{field}"), code, msg));
        let village =
            village_by_name.get(row.get(Column::Village)).copied().filter(|v| reach.covers(town_id, *v, None));
        if village.is_none() {
            err("village", "not_found", "本镇没有这个村，请核对村名");
        }
        let group = match (village, row.get(Column::Group)) {
            (_, "") => None,
            (Some(v), name) => {
                let g = group_by_name.get(&(v, name)).copied();
                if g.is_none() {
                    err("group", "not_found", "该村没有这个社，请核对社名");
                }
                g
            }
            (None, _) => None,
        };
        let head_name = row.get(Column::HeadName).to_owned();
        if head_name.is_empty() || head_name.chars().count() > 50 {
            err("head_name", "length", "户主姓名应为1至50个字");
        }
        let member_count = row.get(Column::MemberCount).parse::<i32>().ok().filter(|n| (1..=30).contains(n));
        if member_count.is_none() {
            err("member_count", "range", "家庭人口应为1至30的整数");
        }
        let location = match (row.get(Column::Latitude), row.get(Column::Longitude)) {
            ("", "") => None,
            (lat, lng) => match (lat.parse::<f64>(), lng.parse::<f64>()) {
                (Ok(lat), Ok(lng)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) => {
                    let datum = match row.get(Column::Datum).to_lowercase().as_str() {
                        "" | "gcj02" | "gcj-02" | "火星坐标" => Some("gcj02"),
                        "wgs84" | "wgs-84" | "gps" => Some("wgs84"),
                        _ => None,
                    };
                    if datum.is_none() {
                        err("datum", "invalid", "坐标系应为 gcj02 或 wgs84");
                    }
                    datum.map(|d| (lat, lng, d.to_owned()))
                }
                _ => {
                    err("latitude", "invalid", "经纬度格式不正确");
                    None
                }
            },
        };
        let eliminated_on = match row.get(Column::RiskEliminatedOn) {
            "" => None,
            s => {
                let d =
                    NaiveDate::parse_from_str(s, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(s, "%Y/%m/%d")).ok();
                if d.is_none() {
                    err("risk_eliminated_on", "invalid", "日期格式应为 2024-05-01");
                }
                d
            }
        };
        let id_number = f.id_number(row.get(Column::IdNumber), today);
        let phones = f.phones(&split_list(row.get(Column::Phones)));
        let tags = f.tags(&split_list(row.get(Column::Tags)));
        let risk_status = match row.get(Column::RiskStatus) {
            "" => None,
            s => f.risk_status(Some(s)),
        };
        if let Some(t) = &tags {
            f.risk(t, risk_status, eliminated_on, today);
        }
        if let Some(id) = &id_number
            && let Some(first) = seen.insert(id.as_str().to_owned(), row.number)
        {
            err("id_number", "duplicate", &format!("与第{first}行的身份证号重复"));
        }
        errors.extend(f.errors);
        errors.extend(more);
        if let (Some(village_id), Some(id_number), Some(tags), Some(member_count)) =
            (village, id_number, tags, member_count)
        {
            drafts.push(Draft {
                village_id,
                group_id: group,
                head_name,
                id_number,
                phones,
                address: row.get(Column::Address).to_owned(),
                location,
                member_count,
                tags: tags.iter().collect(),
                risk_status,
                risk_eliminated_on: eliminated_on,
                notes: row.get(Column::Notes).to_owned(),
                cadre_ids: vec![],
            });
        }
    }
    if !errors.is_empty() {
        let bad_rows: HashSet<&str> = errors.iter().filter_map(|e| e.field.split('.').next()).collect();
        return Err(ApiError::Rejected {
            code: "import_invalid",
            message: format!("有{}行数据不正确，未导入任何数据，请修改后重新导入", bad_rows.len()),
            errors,
        });
    }
    let mut report = ImportReport { rows: rows.len(), created: 0, updated: 0, unchanged: 0, dry_run: query.dry_run };
    let txn = state.db.begin().await?;
    for d in drafts {
        let hash = state.cipher.keyed_hash(d.id_number.as_str());
        match households::by_id_hash(&txn, town_id, &hash).await? {
            Some(existing) => {
                let old = super::refs::draft_of(&txn, &existing, &state.cipher).await?;
                let new = Draft { cadre_ids: old.cadre_ids.clone(), ..d };
                let changed = if query.dry_run {
                    households::diff(&old.snapshot(), &new.snapshot()).as_object().is_some_and(|m| !m.is_empty())
                } else {
                    households::update(&txn, &existing, &old, &new, &state.cipher, Some(user.id), now).await?.is_some()
                };
                if changed { report.updated += 1 } else { report.unchanged += 1 }
            }
            None => {
                if !query.dry_run {
                    households::insert(&txn, town_id, &d, &state.cipher, Some(user.id), now).await?;
                }
                report.created += 1;
            }
        }
    }
    if query.dry_run {
        txn.rollback().await?;
        return Ok(web::Json(report));
    }
    crate::store::audit::record(
        &txn,
        Some(&user),
        crate::store::audit::Event {
            town_id: Some(town_id),
            action: "household.import",
            object_type: "town",
            object_id: Some(town_id),
            detail: json!({ "rows": report.rows, "created": report.created, "updated": report.updated, "unchanged": report.unchanged }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    state.households_changed(town_id);
    Ok(web::Json(report))
}
