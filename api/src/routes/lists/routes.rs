//! Reading, editing, submitting and exporting a village's feedback list.

use crate::routes::common::Json;
use std::collections::HashMap;

use actix_web::{HttpResponse, get, post, put, web};
use domain::calendar::{LiveFrom, mechanism_start};
use domain::lists::{ListKind, Period, timeliness};
use domain::org::Act;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use super::json::{FeedbackList, ListComment, ListItem, ListQuery, ListStatus, UpdateList};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::Problem;
use crate::routes::problems::{LedgerNames, ProblemView, label, views};
use crate::state::State;
use crate::store::entity::{feedback_list, village};
use crate::store::{audit, lists, org, problems, users};

pub(super) fn parse(kind: &str, period: &str) -> ApiResult<(ListKind, Period)> {
    let kind = ListKind::parse(kind)
        .ok_or_else(|| ApiError::field("kind", "invalid", "清单类型应为 routine 或 cross_check"))?;
    let period = Period::parse(kind, period).map_err(|_| {
        ApiError::field("period", "invalid", "常态化清单按月（2026-11），交叉检查清单按季度（2026-Q4）")
    })?;
    Ok((kind, period))
}

/// The village, if within the caller's reach for `act`.
pub(super) async fn village_in_reach(state: &State, user: &AuthUser, id: Uuid, act: Act) -> ApiResult<village::Model> {
    let reach = user.access.reach(act);
    org::village(&state.db, id).await?.filter(|v| reach.covers(v.town_id, v.id, None)).ok_or_else(ApiError::not_found)
}

pub(super) async fn assemble(
    state: &State,
    v: &village::Model,
    kind: ListKind,
    period: Period,
    list: Option<feedback_list::Model>,
) -> ApiResult<FeedbackList> {
    let now = state.clock.now();
    let live = org::live_from(&state.db, v.town_id).await?;
    let (items, remarks, submitted_at, submitted_by) = match &list {
        Some(l) if l.submitted_at.is_some() => {
            let frozen = lists::items(&state.db, l.id).await?;
            let ids: Vec<Uuid> = frozen.iter().map(|i| i.problem_id).collect();
            let mut by_id: HashMap<Uuid, ProblemView> =
                views(state, problems::by_ids(&state.db, &ids).await?).await?.into_iter().map(|p| (p.id, p)).collect();
            let items = frozen
                .into_iter()
                .filter_map(|i| Some(ListItem { problem: by_id.remove(&i.problem_id)?, remark: i.remark }))
                .collect();
            (items, l.remarks.clone(), l.submitted_at, l.submitted_by)
        }
        _ => {
            let remarks: HashMap<Uuid, String> =
                list.as_ref().and_then(|l| serde_json::from_str(&l.item_remarks).ok()).unwrap_or_default();
            let current = views(state, lists::problems_for(&state.db, v.id, kind, period).await?).await?;
            let items = current
                .into_iter()
                .map(|p| ListItem { remark: remarks.get(&p.id).cloned().unwrap_or_default(), problem: p })
                .collect();
            (items, list.as_ref().map(|l| l.remarks.clone()).unwrap_or_default(), None, None)
        }
    };
    let comments = match &list {
        Some(l) => lists::comments(&state.db, l.id).await?,
        None => vec![],
    };
    let authors: Vec<Uuid> = comments.iter().map(|c| c.author_id).collect();
    let names = users::names(&state.db, &authors).await?;
    let comments = comments
        .into_iter()
        .map(|c| ListComment {
            author_name: names.get(&c.author_id).cloned().unwrap_or_default(),
            id: c.id,
            author_id: c.author_id,
            body: c.body,
            created_at: c.created_at,
        })
        .collect();
    Ok(FeedbackList {
        village_id: v.id,
        village_name: v.name.clone(),
        kind: kind.as_str().to_owned(),
        period: period.label(),
        title: kind.title_zh().to_owned(),
        due_on: period.due_on(),
        timeliness: timeliness(period.due_on(), submitted_at, now, live).as_str().to_owned(),
        remarks,
        submitted_at,
        submitted_by,
        items,
        comments,
        allowed_actions: None,
    })
}

/// Every village's list of a kind and period, with its timeliness: the RRO sees late and missing lists.
#[utoipa::path(tag = "lists", operation_id = "list_feedback_lists", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = Vec<ListStatus>), (status = 401, response = Problem), (status = 422, response = Problem)))]
#[get("/feedback-lists")]
pub async fn list_feedback_lists(
    state: State,
    user: AuthUser,
    q: web::Query<ListQuery>,
) -> ApiResult<web::Json<Vec<ListStatus>>> {
    let (kind, period) = parse(&q.kind, &q.period)?;
    let reach = user.access.reach(Act::ReadHousehold);
    let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
    let villages: Vec<village::Model> =
        org::villages(&state.db, &towns).await?.into_iter().filter(|v| reach.covers(v.town_id, v.id, None)).collect();
    let stored: HashMap<Uuid, feedback_list::Model> = lists::of_towns(&state.db, &towns, kind, &period.label())
        .await?
        .into_iter()
        .map(|l| (l.village_id, l))
        .collect();
    let now = state.clock.now();
    let lives = org::lives(&state.db, &towns).await?;
    Ok(web::Json(
        villages
            .into_iter()
            .map(|v| {
                let submitted_at = stored.get(&v.id).and_then(|l| l.submitted_at);
                let live = lives.get(&v.town_id).copied().unwrap_or(LiveFrom(mechanism_start()));
                ListStatus {
                    village_id: v.id,
                    village_name: v.name,
                    kind: kind.as_str().to_owned(),
                    period: period.label(),
                    due_on: period.due_on(),
                    timeliness: timeliness(period.due_on(), submitted_at, now, live).as_str().to_owned(),
                    submitted_at,
                }
            })
            .collect(),
    ))
}

/// A village's list: the draft from the period's problems, or the list as submitted.
#[utoipa::path(tag = "lists", operation_id = "get_feedback_list", security(("bearer" = [])),
    params(("village_id" = Uuid, Path), ("kind" = String, Path, description = "routine or cross_check"), ("period" = String, Path, description = "YYYY-MM or YYYY-Qn")),
    responses((status = 200, body = FeedbackList), (status = 401, response = Problem), (status = 404, response = Problem), (status = 422, response = Problem)))]
#[get("/villages/{village_id}/feedback-lists/{kind}/{period}")]
pub async fn get_feedback_list(
    state: State,
    user: AuthUser,
    path: web::Path<(Uuid, String, String)>,
) -> ApiResult<web::Json<FeedbackList>> {
    let (village_id, kind, period) = path.into_inner();
    let v = village_in_reach(&state, &user, village_id, Act::ReadHousehold).await?;
    let (kind, period) = parse(&kind, &period)?;
    let list = lists::find(&state.db, v.id, kind, &period.label()).await?;
    let mut view = assemble(&state, &v, kind, period, list).await?;
    let at = |act: Act| user.access.reach(act).covers(v.town_id, v.id, None) && user.authorize(act, &[]).is_ok();
    let mut allowed = vec![];
    if view.submitted_at.is_none() && at(Act::SubmitList) {
        allowed.extend(["edit", "submit"].map(String::from));
    }
    if at(Act::CommentOnList) {
        allowed.push("comment".into());
    }
    view.allowed_actions = Some(allowed);
    Ok(web::Json(view))
}

/// Saves the officer's remarks on the draft.
#[utoipa::path(tag = "lists", operation_id = "update_feedback_list", security(("bearer" = [])),
    params(("village_id" = Uuid, Path), ("kind" = String, Path), ("period" = String, Path)), request_body = UpdateList,
    responses((status = 200, body = FeedbackList), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[put("/villages/{village_id}/feedback-lists/{kind}/{period}")]
pub async fn update_feedback_list(
    state: State,
    user: AuthUser,
    path: web::Path<(Uuid, String, String)>,
    body: Json<UpdateList>,
) -> ApiResult<web::Json<FeedbackList>> {
    user.require(Act::SubmitList)?;
    validate(&*body)?;
    let (village_id, kind, period) = path.into_inner();
    let v = village_in_reach(&state, &user, village_id, Act::SubmitList).await?;
    let (kind, period) = parse(&kind, &period)?;
    let now = state.clock.now();
    let list = lists::get_or_create(&state.db, v.town_id, v.id, kind, &period.label(), now).await?;
    if list.submitted_at.is_some() {
        return Err(ApiError::conflict("list_submitted", "该清单已报送，不能再修改", "the list was submitted"));
    }
    let mut item_remarks: HashMap<Uuid, String> = serde_json::from_str(&list.item_remarks)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("list {} has unreadable item remarks: {e}", list.id)))?;
    for i in body.items.iter().flatten() {
        match i.remark.trim() {
            "" => item_remarks.remove(&i.problem_id),
            r => item_remarks.insert(i.problem_id, r.to_owned()),
        };
    }
    let remarks = body.remarks.as_deref().map_or_else(|| list.remarks.clone(), |r| r.trim().to_owned());
    let txn = state.db.begin().await?;
    let saved =
        lists::save_draft(&txn, list, remarks, serde_json::to_string(&item_remarks).map_err(anyhow::Error::from)?, now)
            .await?;
    audit::record(
        &txn,
        Some(&user),
        audit::Event {
            town_id: Some(v.town_id),
            action: "list.edit",
            object_type: "feedback_list",
            object_id: Some(saved.id),
            detail: json!({ "kind": kind.as_str(), "period": period.label(),
                "remarks": body.remarks.is_some(), "items": body.items.as_ref().map_or(0, Vec::len) }),
        },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(assemble(&state, &v, kind, period, Some(saved)).await?))
}

/// Submits the list to the RRO: its items are frozen, and the time is judged against the 25th.
#[utoipa::path(tag = "lists", operation_id = "submit_feedback_list", security(("bearer" = [])),
    params(("village_id" = Uuid, Path), ("kind" = String, Path), ("period" = String, Path)),
    responses((status = 200, body = FeedbackList), (status = 401, response = Problem), (status = 403, response = Problem),
        (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/villages/{village_id}/feedback-lists/{kind}/{period}/submit")]
pub async fn submit_feedback_list(
    state: State,
    user: AuthUser,
    path: web::Path<(Uuid, String, String)>,
) -> ApiResult<web::Json<FeedbackList>> {
    user.require(Act::SubmitList)?;
    let (village_id, kind, period) = path.into_inner();
    let v = village_in_reach(&state, &user, village_id, Act::SubmitList).await?;
    let (kind, period) = parse(&kind, &period)?;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let list = lists::get_or_create(&txn, v.town_id, v.id, kind, &period.label(), now).await?;
    if list.submitted_at.is_some() {
        return Err(ApiError::conflict("list_submitted", "该清单已报送", "the list was already submitted"));
    }
    let remarks: HashMap<Uuid, String> = serde_json::from_str(&list.item_remarks).unwrap_or_default();
    let items: Vec<(Uuid, String)> = lists::problems_for(&txn, v.id, kind, period)
        .await?
        .into_iter()
        .map(|p| (p.id, remarks.get(&p.id).cloned().unwrap_or_default()))
        .collect();
    let saved = lists::submit(&txn, list, &items, user.id, now).await?;
    let on_time = timeliness(period.due_on(), Some(now), now, org::live_from(&txn, v.town_id).await?);
    audit::record(
        &txn,
        Some(&user),
        audit::Event { town_id: Some(v.town_id), action: "list.submit", object_type: "feedback_list", object_id: Some(saved.id), detail: json!({ "kind": kind.as_str(), "period": period.label(), "timeliness": on_time.as_str(), "items": items.len() }) },
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(assemble(&state, &v, kind, period, Some(saved)).await?))
}

/// The list as an xlsx workbook, titled and laid out as the office files it.
#[utoipa::path(tag = "lists", operation_id = "export_feedback_list", security(("bearer" = [])),
    params(("village_id" = Uuid, Path), ("kind" = String, Path), ("period" = String, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 401, response = Problem), (status = 404, response = Problem), (status = 422, response = Problem)))]
#[get("/villages/{village_id}/feedback-lists/{kind}/{period}/export")]
pub async fn export_feedback_list(
    state: State,
    user: AuthUser,
    path: web::Path<(Uuid, String, String)>,
) -> ApiResult<HttpResponse> {
    let (village_id, kind, period) = path.into_inner();
    let v = village_in_reach(&state, &user, village_id, Act::ReadHousehold).await?;
    let (kind, period) = parse(&kind, &period)?;
    let list = lists::find(&state.db, v.id, kind, &period.label()).await?;
    let doc = assemble(&state, &v, kind, period, list).await?;
    let problems: Vec<ProblemView> = doc.items.iter().map(|i| i.problem.clone()).collect();
    let names = LedgerNames::load(&state, &user, &problems).await?;
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: Some(v.town_id),
            action: "list.export",
            object_type: "feedback_list",
            object_id: None,
            detail: json!({ "village_id": v.id, "kind": kind.as_str(), "period": period.label(), "items": doc.items.len() }),
        },
        state.clock.now(),
    )
    .await?;
    let bytes = list_xlsx(&doc, &names).map_err(|e| ApiError::Internal(anyhow::anyhow!("xlsx: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "content-disposition",
            format!("attachment; filename=\"{}-{}.xlsx\"", kind.as_str(), period.label()),
        ))
        .body(bytes))
}

fn list_xlsx(doc: &FeedbackList, names: &LedgerNames) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("问题反馈清单")?;
    let title = Format::new().set_bold().set_font_size(14).set_align(FormatAlign::Center).set_text_wrap();
    let head = Format::new().set_bold().set_border(FormatBorder::Thin).set_background_color("#DDEBF7");
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let headers = [
        "序号",
        "村（社区）",
        "月份/季度",
        "户主",
        "问题描述",
        "问题来源",
        "问题类型",
        "发现日期",
        "问题分类",
        "整改措施",
        "责任单位",
        "责任人",
        "整改期限",
        "整改状态",
        "备注",
    ];
    ws.merge_range(0, 0, 0, (headers.len() - 1) as u16, &format!("蔡家镇{}", doc.title), &title)?;
    ws.set_row_height(0, 36)?;
    ws.merge_range(
        1,
        0,
        1,
        (headers.len() - 1) as u16,
        &format!("填报单位：{}　　报送期限：{}　　{}", doc.village_name, doc.due_on, doc.remarks),
        &Format::new(),
    )?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &head)?;
    }
    for (i, item) in doc.items.iter().enumerate() {
        let p = &item.problem;
        let values = [
            (i + 1).to_string(),
            doc.village_name.clone(),
            doc.period.clone(),
            names.head(p),
            p.description.clone(),
            label("source", &p.source),
            label("category", &p.category),
            domain::calendar::local_date(p.found_at).to_string(),
            p.class.as_deref().map(|c| label("class", c)).unwrap_or_default(),
            p.measure.clone().unwrap_or_default(),
            names.units(p),
            names.person(p),
            p.deadline.map(|d| d.to_string()).unwrap_or_default(),
            label("status", &p.status),
            item.remark.clone(),
        ];
        for (c, val) in values.iter().enumerate() {
            ws.write_string_with_format((i + 3) as u32, c as u16, val, &cell)?;
        }
    }
    for (c, w) in [6, 12, 10, 10, 40, 10, 10, 12, 10, 30, 16, 10, 12, 10, 20].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    wb.save_to_buffer()
}
