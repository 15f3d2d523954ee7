//! Reading the ledger: the list with its filters, one problem and its history, the Discipline
//! Commission's queue, and the xlsx export in the columns an office files.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, web};
use domain::calendar::{Month, local_date};
use domain::org::Act;
use domain::{Quarter, problem};
use rust_xlsxwriter::{Format, FormatAlign, Workbook};
use uuid::Uuid;

use super::json::{ProblemEvent, ProblemFilter, ProblemView};
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::{Page, PageQuery, Problem};
use crate::state::State;
use crate::store::entity::problem as entity;
use crate::store::{audit, households, org, problems, users};

fn filter(q: &ProblemFilter, user: &AuthUser, today: chrono::NaiveDate) -> ApiResult<problems::ListFilter> {
    if let Some(s) = q.status.as_deref()
        && problem::State::parse(s).is_none()
    {
        return Err(ApiError::field("status", "invalid", "状态不正确"));
    }
    if let Some(c) = q.class.as_deref()
        && problem::Class::parse(c).is_none()
    {
        return Err(ApiError::field("class", "invalid", "问题类别应为 small、large 或 special"));
    }
    if let Some(s) = q.source.as_deref()
        && !problem::Source::ALL.iter().any(|x| x.as_str() == s)
    {
        return Err(ApiError::field("source", "invalid", "问题来源不正确"));
    }
    if let Some(c) = q.category.as_deref()
        && problem::Category::parse(c).is_none()
    {
        return Err(ApiError::field("category", "invalid", "问题类型不正确"));
    }
    let found_between = match (q.month.as_deref(), q.quarter.as_deref()) {
        (Some(m), _) => {
            Some(m.parse::<Month>().map_err(|_| ApiError::field("month", "invalid", "月份格式应为 2026-11"))?.bounds())
        }
        (None, Some(qq)) => Some(
            qq.parse::<Quarter>().map_err(|_| ApiError::field("quarter", "invalid", "季度格式应为 2026-Q4"))?.bounds(),
        ),
        (None, None) => None,
    };
    Ok(problems::ListFilter {
        village_id: q.village_id,
        household_id: q.household_id,
        source: q.source.clone(),
        category: q.category.clone(),
        status: q.status.clone(),
        visit_id: q.visit_id,
        class: q.class.clone(),
        unit_id: q.unit_id,
        answered_by: (q.mine == Some(true)).then(|| (user.id, user.access.units_answered_for())),
        overdue_on: (q.overdue == Some(true)).then_some(today),
        active: q.active,
        handed_over: q.handed_over,
        found_between,
    })
}

pub async fn views(state: &State, rows: Vec<entity::Model>) -> ApiResult<Vec<ProblemView>> {
    views_on(&state.db, rows, local_date(state.clock.now())).await
}

/// Problems as the API shows them, with their units and the names of their village and group,
/// read on `db` (a transaction's own connection, when the rows are not committed yet).
pub async fn views_on<C: sea_orm::ConnectionTrait>(
    db: &C,
    rows: Vec<entity::Model>,
    today: chrono::NaiveDate,
) -> ApiResult<Vec<ProblemView>> {
    let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
    let units = problems::units_of(db, &ids).await?;
    let mut villages: Vec<Uuid> = rows.iter().map(|p| p.village_id).collect();
    villages.sort();
    villages.dedup();
    let names = crate::store::org::place_names(db, &villages).await?;
    Ok(rows
        .into_iter()
        .map(|m| {
            let mut view = ProblemView::new(m, &units, today);
            view.village_name = names.get(&view.village_id).cloned().unwrap_or_default();
            view.group_name = view.group_id.and_then(|g| names.get(&g).cloned());
            view
        })
        .collect())
}

/// The ledger (整改台账) within the caller's scope, newest first.
#[utoipa::path(tag = "problems", operation_id = "list_problems", security(("bearer" = [])), params(ProblemFilter, PageQuery),
    responses((status = 200, body = Page<ProblemView>), (status = 401, response = Problem), (status = 422, response = Problem)))]
#[get("/problems")]
pub async fn list_problems(
    state: State,
    user: AuthUser,
    q: web::Query<ProblemFilter>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ProblemView>>> {
    validate(&*q)?;
    validate(&*page)?;
    let f = filter(&q, &user, local_date(state.clock.now()))?;
    let (rows, total) = problems::list(&state.db, &user.access, &f, page.page(), page.per_page()).await?;
    Ok(web::Json(Page::new(views(&state, rows).await?, total, &page)))
}

/// One problem.
#[utoipa::path(tag = "problems", operation_id = "get_problem", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = ProblemView), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/problems/{id}")]
pub async fn get_problem(state: State, user: AuthUser, id: web::Path<Uuid>) -> ApiResult<web::Json<ProblemView>> {
    let p = problems::find_scoped(&state.db, &user.access, *id).await?.ok_or_else(ApiError::not_found)?;
    let relations = super::lifecycle::relations(&state.db, &user, &p).await?;
    let from = domain::problem::State::parse(&p.status)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("problem {} has an unknown status {:?}", p.id, p.status)))?;
    let today = local_date(state.clock.now());
    let allowed = domain::problem::steps_open(from, local_date(p.found_at), p.handed_over_at.is_some(), today)
        .filter(|a| user.authorize(a.act(), &relations).is_ok())
        .map(|a| a.as_str().to_owned())
        .collect();
    let mut view = views(&state, vec![p]).await?.remove(0);
    view.allowed_actions = Some(allowed);
    Ok(web::Json(view))
}

/// Everything that happened to a problem, oldest first.
#[utoipa::path(tag = "problems", operation_id = "list_problem_events", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ProblemEvent>), (status = 401, response = Problem), (status = 404, response = Problem)))]
#[get("/problems/{id}/events")]
pub async fn list_problem_events(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<ProblemEvent>>> {
    let p = problems::find_scoped(&state.db, &user.access, *id).await?.ok_or_else(ApiError::not_found)?;
    Ok(web::Json(problems::events(&state.db, p.id).await?.into_iter().map(ProblemEvent::from).collect()))
}

/// The Discipline Commission's queue (交由镇纪委处理): problems handed over, or overdue.
#[utoipa::path(tag = "problems", operation_id = "list_discipline_queue", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<ProblemView>), (status = 401, response = Problem), (status = 403, response = Problem)))]
#[get("/discipline/queue")]
pub async fn list_discipline_queue(
    state: State,
    user: AuthUser,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ProblemView>>> {
    user.require(Act::ReadSupervision)?;
    validate(&*page)?;
    let today = local_date(state.clock.now());
    let (rows, total) =
        problems::discipline_queue(&state.db, &user.access, today, page.page(), page.per_page()).await?;
    Ok(web::Json(Page::new(views(&state, rows).await?, total, &page)))
}

/// The ledger as an xlsx workbook, with the same filters as the list (at most 20,000 rows).
#[utoipa::path(tag = "problems", operation_id = "export_problems", security(("bearer" = [])), params(ProblemFilter),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
        (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/problems/export")]
pub async fn export_problems(state: State, user: AuthUser, q: web::Query<ProblemFilter>) -> ApiResult<HttpResponse> {
    user.require(Act::ExportLedger)?;
    validate(&*q)?;
    let f = filter(&q, &user, local_date(state.clock.now()))?;
    let (rows, _) = problems::list(&state.db, &user.access, &f, 1, 20_000).await?;
    let list = views(&state, rows).await?;
    let names = LedgerNames::load(&state, &user, &list).await?;
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: user.town_id,
            action: "ledger.export",
            object_type: "problem",
            object_id: None,
            detail: serde_json::json!({ "rows": list.len(), "query": req_query(&q) }),
        },
        state.clock.now(),
    )
    .await?;
    let bytes = ledger_xlsx(&list, &names).map_err(|e| ApiError::Internal(anyhow::anyhow!("xlsx: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            "content-disposition",
            "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''%E6%95%B4%E6%94%B9%E5%8F%B0%E8%B4%A6.xlsx",
        ))
        .body(bytes))
}

/// The Chinese label of a source, class or status, as the sheets show it.
pub fn label(kind: &str, s: &str) -> String {
    use domain::problem::{Category, Class, Source, State};
    let zh = match kind {
        "source" => Source::parse(s).map(Source::label_zh),
        "category" => Category::parse(s).map(Category::label_zh),
        "class" => Class::parse(s).map(Class::label_zh),
        "status" => State::parse(s).map(State::label_zh),
        _ => None,
    };
    zh.unwrap_or(s).to_owned()
}

/// The names an exported sheet shows instead of ids: villages, work teams, departments, household
/// heads, responsible people.
pub struct LedgerNames {
    villages: HashMap<Uuid, String>,
    teams: HashMap<Uuid, String>,
    depts: HashMap<Uuid, String>,
    heads: HashMap<Uuid, String>,
    people: HashMap<Uuid, String>,
}

impl LedgerNames {
    pub async fn load(state: &State, user: &AuthUser, list: &[ProblemView]) -> ApiResult<Self> {
        let towns: Vec<Uuid> = user.access.towns().into_iter().collect();
        let household_ids: Vec<Uuid> = list.iter().filter_map(|p| p.household_id).collect();
        let people: Vec<Uuid> = list.iter().filter_map(|p| p.responsible_user_id).collect();
        Ok(Self {
            villages: org::villages(&state.db, &towns).await?.into_iter().map(|v| (v.id, v.name)).collect(),
            teams: org::work_teams(&state.db, &towns).await?.into_iter().map(|t| (t.id, t.name)).collect(),
            depts: org::departments(&state.db, &towns).await?.into_iter().map(|d| (d.id, d.name)).collect(),
            heads: households::by_ids(&state.db, &household_ids)
                .await?
                .into_iter()
                .map(|h| (h.id, h.head_name))
                .collect(),
            people: users::names(&state.db, &people).await?,
        })
    }

    pub fn village(&self, id: Uuid) -> String {
        self.villages.get(&id).cloned().unwrap_or_default()
    }

    pub fn head(&self, p: &ProblemView) -> String {
        p.household_id.and_then(|h| self.heads.get(&h).cloned()).unwrap_or_default()
    }

    pub fn person(&self, p: &ProblemView) -> String {
        p.responsible_user_id.and_then(|u| self.people.get(&u).cloned()).unwrap_or_default()
    }

    /// The responsible units by name, as the office writes them: 红光村、民政办.
    pub fn units(&self, p: &ProblemView) -> String {
        let names: Vec<String> = p
            .units
            .iter()
            .map(|u| match u.kind.as_str() {
                "village" => self.villages.get(&u.id),
                "work_team" => self.teams.get(&u.id),
                _ => self.depts.get(&u.id),
            })
            .map(|n| n.cloned().unwrap_or_default())
            .collect();
        names.join("、")
    }
}

/// The filter an export was asked with, for its audit entry.
fn req_query(q: &ProblemFilter) -> String {
    format!("{q:?}").chars().take(500).collect()
}

fn ledger_xlsx(list: &[ProblemView], names: &LedgerNames) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("整改台账")?;
    let title = Format::new().set_bold().set_font_size(16).set_align(FormatAlign::Center);
    let head = Format::new().set_bold().set_border(rust_xlsxwriter::FormatBorder::Thin).set_background_color("#DDEBF7");
    let cell = Format::new().set_border(rust_xlsxwriter::FormatBorder::Thin).set_text_wrap();
    let headers = [
        "序号",
        "村（社区）",
        "户主",
        "问题来源",
        "问题类型",
        "问题描述",
        "发现日期",
        "问题分类",
        "整改措施",
        "责任单位",
        "责任人",
        "整改期限",
        "整改状态",
        "是否逾期",
        "交由纪委",
    ];
    ws.merge_range(0, 0, 0, (headers.len() - 1) as u16, "巩固拓展脱贫攻坚成果同乡村振兴有效衔接问题整改台账", &title)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(1, c as u16, *h, &head)?;
    }
    for (i, p) in list.iter().enumerate() {
        let r = (i + 2) as u32;
        let values = [
            (i + 1).to_string(),
            names.village(p.village_id),
            names.head(p),
            label("source", &p.source),
            label("category", &p.category),
            p.description.clone(),
            local_date(p.found_at).to_string(),
            p.class.as_deref().map(|c| label("class", c)).unwrap_or_default(),
            p.measure.clone().unwrap_or_default(),
            names.units(p),
            names.person(p),
            p.deadline.map(|d| d.to_string()).unwrap_or_default(),
            label("status", &p.status),
            if p.overdue { "是" } else { "否" }.to_owned(),
            if p.handed_over_at.is_some() { "是" } else { "否" }.to_owned(),
        ];
        for (c, v) in values.iter().enumerate() {
            ws.write_string_with_format(r, c as u16, v, &cell)?;
        }
    }
    for (c, w) in [6, 12, 10, 10, 12, 40, 12, 16, 30, 20, 10, 12, 10, 8, 8].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_freeze_panes(2, 0)?;
    wb.save_to_buffer()
}
