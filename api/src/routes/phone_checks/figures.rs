//! Contradictions to review, and the month's figures per village and per caller (xlsx too).

use crate::routes::common::Json;
use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, web};
use domain::Month;
use domain::org::Act;
use domain::phone_check::{self as pc, CaseFacts};
use domain::problem::{Category, Source, State as ProblemState};
use rust_xlsxwriter::{Format, Workbook};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, TransactionTrait};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::FlagView;
use crate::auth::AuthUser;
use crate::error::{ApiError, ApiResult, validate};
use crate::routes::common::{Page, PageQuery, Problem};
use crate::state::State;
use crate::store::entity::call_flag;
use crate::store::{audit, households, org, phone_checks, problems, users};

/// What becomes of a flag: open until reviewed, then dismissed or raised as a problem.
pub const FLAG_STATUSES: [&str; 3] = ["open", "dismissed", "raised"];

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlagQuery {
    /// `open`, `dismissed` or `raised`.
    pub status: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FlagDecision {
    /// The records are right (or the household misremembered): nothing to rectify.
    Dismiss,
    /// Make a problem of it, on the ledger.
    RaiseProblem,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ReviewFlag {
    pub decision: FlagDecision,
    /// The problem's category; by default `cadre_work_style` for a denied visit and
    /// `policy_not_enjoyed` for an unknown policy.
    pub category: Option<String>,
    #[validate(length(max = 500, message = "说明不超过500字"))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Answers that contradict the records, newest first.
#[utoipa::path(tag = "phone_checks", operation_id = "list_call_flags", security(("bearer" = [])), params(FlagQuery, PageQuery),
    responses((status = 200, body = Page<FlagView>), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/phone-checks/flags")]
pub async fn list_call_flags(
    state: State,
    user: AuthUser,
    q: web::Query<FlagQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<FlagView>>> {
    user.require(Act::ReadPhoneChecks)?;
    validate(&*page)?;
    if q.status.as_deref().is_some_and(|s| !FLAG_STATUSES.contains(&s)) {
        return Err(ApiError::field("status", "invalid", "状态应为 open、dismissed 或 raised"));
    }
    let (rows, total) =
        phone_checks::flags(&state.db, &user.access, q.status.as_deref(), page.page(), page.per_page()).await?;
    Ok(web::Json(Page::new(rows.iter().map(FlagView::from).collect(), total, &page)))
}

/// Settles a contradiction: dismissed, or made a problem on the ledger (source `phone_check`).
#[utoipa::path(tag = "phone_checks", operation_id = "review_call_flag", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = ReviewFlag,
    responses((status = 200, body = FlagView), (status = 401, response = Problem), (status = 403, response = Problem), (status = 404, response = Problem), (status = 409, response = Problem), (status = 422, response = Problem)))]
#[post("/phone-checks/flags/{id}/review")]
pub async fn review_call_flag(
    state: State,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<ReviewFlag>,
) -> ApiResult<web::Json<FlagView>> {
    user.require(Act::ManagePhoneChecks)?;
    validate(&*body)?;
    let towns: Vec<Uuid> = user.access.towns_for(Act::ManagePhoneChecks).into_iter().collect();
    let txn = state.db.begin().await?;
    let f = phone_checks::flag_in_towns(&txn, &towns, *id).await?.ok_or_else(ApiError::not_found)?;
    if f.status != "open" {
        return Err(ApiError::conflict("flag_reviewed", "该条已处理", "the flag was reviewed before"));
    }
    let now = state.clock.now();
    let mut am: call_flag::ActiveModel = f.clone().into();
    am.reviewed_by = Set(Some(user.id));
    am.reviewed_at = Set(Some(now));
    match body.decision {
        FlagDecision::Dismiss => am.status = Set("dismissed".into()),
        FlagDecision::RaiseProblem => {
            let default = if f.kind == "visit_denied" { Category::CadreWorkStyle } else { Category::PolicyNotEnjoyed };
            let category = match &body.category {
                Some(c) => {
                    Category::parse(c).ok_or_else(|| ApiError::field("category", "invalid", "问题类型不正确"))?
                }
                None => default,
            };
            let h = households::by_ids(&txn, &[f.household_id])
                .await?
                .into_iter()
                .next()
                .ok_or_else(ApiError::not_found)?;
            let note = body.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
            let p = crate::routes::problems::record_found(
                &txn,
                &user,
                problems::NewProblem {
                    town_id: f.town_id,
                    village_id: f.village_id,
                    group_id: h.group_id,
                    household_id: Some(h.id),
                    source: Source::PhoneCheck,
                    category,
                    description: match note {
                        Some(n) => format!("电话抽查核对：{}。{n}", f.message),
                        None => format!("电话抽查核对：{}", f.message),
                    },
                    status: ProblemState::Open,
                    found_by: user.id,
                    found_at: now,
                    visit_id: None,
                    evidence_photo_ids: vec![],
                    call_attempt_id: Some(f.attempt_id),
                    unannounced_visit_id: None,
                },
                json!({ "source": "phone_check", "call_flag_id": f.id }),
                now,
            )
            .await?;
            am.status = Set("raised".into());
            am.problem_id = Set(Some(p.id));
        }
    }
    let f = am.update(&txn).await?;
    txn.commit().await?;
    Ok(web::Json(FlagView::from(&f)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FiguresQuery {
    pub town_id: Option<Uuid>,
    /// `YYYY-MM`.
    pub month: String,
}

/// Counts and rates; see `definitions` for how each rate is computed.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateFigures {
    pub cases: u32,
    /// Households without a usable number (never dialled; outside the rates).
    pub no_phone: u32,
    pub complete: u32,
    pub partial: u32,
    pub refusal: u32,
    pub non_contact: u32,
    pub unknown: u32,
    pub not_eligible: u32,
    pub not_attempted: u32,
    pub satisfied: u32,
    pub unsatisfied: u32,
    pub problems: u32,
    /// Reached rate: AAPOR CON1.
    pub contact_rate: Option<f64>,
    /// Completion rate: AAPOR RR1.
    pub response_rate: Option<f64>,
    pub cooperation_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
}

impl RateFigures {
    fn new(f: pc::Figures, no_phone: u32) -> Self {
        Self {
            cases: f.cases,
            no_phone,
            complete: f.complete,
            partial: f.partial,
            refusal: f.refusal,
            non_contact: f.non_contact,
            unknown: f.unknown,
            not_eligible: f.not_eligible,
            not_attempted: f.not_attempted,
            satisfied: f.satisfied,
            unsatisfied: f.unsatisfied,
            problems: f.problems,
            contact_rate: f.contact_rate,
            response_rate: f.response_rate,
            cooperation_rate: f.cooperation_rate,
            satisfaction_rate: f.satisfaction_rate,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VillageFigures {
    pub village_id: Uuid,
    pub village_name: String,
    /// The list the figures count (absent: no list this month).
    pub list_id: Option<Uuid>,
    #[serde(flatten)]
    pub figures: RateFigures,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallerFigures {
    pub user_id: Uuid,
    pub name: String,
    /// Attempts made this month on the town's lists.
    pub calls: u32,
    /// Of which answered and completed.
    pub completed: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhoneCheckFigures {
    pub town_id: Uuid,
    pub month: String,
    pub villages: Vec<VillageFigures>,
    pub town: RateFigures,
    pub callers: Vec<CallerFigures>,
    /// How each rate is computed.
    pub definitions: String,
}

const DEFINITIONS: &str = "按AAPOR标准定义：接通率(CON1)=(完成+部分完成+拒访)/(完成+部分完成+拒访+未联系上+资格未知)；\
完成率(RR1)=完成/(完成+部分完成+拒访+未联系上+资格未知)；合作率(COOP1)=完成/(完成+部分完成+拒访)；\
空号错号不计入分母，无可用电话的户单列、不计入分母；未拨打的户计为资格未知。\
满意率=满意/(满意+不满意)，只计完成或部分完成的访问：任一答案为问卷标明的“不满意”即为不满意，\
至少一个“满意”且无“不满意”为满意。";

type CaseModel = crate::store::entity::call_case::Model;

/// The figures of some cases: households without a usable number are counted apart.
fn rates(cases: &[&CaseModel]) -> RateFigures {
    let facts: Vec<CaseFacts> = cases
        .iter()
        .filter(|c| c.status != "no_phone")
        .map(|c| CaseFacts {
            last_outcome: c.last_outcome.as_deref().and_then(pc::Outcome::parse),
            satisfied: c.satisfied,
            problems: u32::try_from(c.problems).unwrap_or(0),
        })
        .collect();
    let no_phone = u32::try_from(cases.iter().filter(|c| c.status == "no_phone").count()).unwrap_or(0);
    RateFigures::new(pc::figures(&facts), no_phone)
}

async fn compute(state: &State, user: &AuthUser, q: &FiguresQuery) -> ApiResult<PhoneCheckFigures> {
    user.require(Act::ReadPhoneChecks)?;
    let month: Month = crate::routes::common::month_param(&q.month)?;
    // The town figures are for those who see the whole town.
    let town = user.town_for(Act::ManagePhoneChecks, q.town_id).or_else(|_| {
        let towns = user.access.towns_for(Act::ReadTownFigures);
        match q.town_id {
            Some(t) if towns.contains(&t) => Ok(t),
            None if towns.len() == 1 => towns.into_iter().next().ok_or_else(ApiError::not_found),
            _ => Err(ApiError::forbidden("town figures need a town-wide role")),
        }
    })?;
    let villages = org::villages(&state.db, &[town]).await?;
    let lists = phone_checks::lists_of_towns(&state.db, &[town], &month.to_string()).await?;
    let list_ids: Vec<Uuid> = lists.iter().map(|l| l.id).collect();
    let cases = phone_checks::cases_of(&state.db, &list_ids).await?;
    let mut out = vec![];
    for v in &villages {
        let list = lists.iter().find(|l| l.village_id == v.id);
        let mine: Vec<&CaseModel> = cases.iter().filter(|c| list.is_some_and(|l| l.id == c.list_id)).collect();
        out.push(VillageFigures {
            village_id: v.id,
            village_name: v.name.clone(),
            list_id: list.map(|l| l.id),
            figures: rates(&mine),
        });
    }
    let town_figures = rates(&cases.iter().collect::<Vec<_>>());
    let attempts = phone_checks::attempts_in(&state.db, &list_ids).await?;
    let mut per: BTreeMap<Uuid, (u32, u32)> = BTreeMap::new();
    for a in &attempts {
        let e = per.entry(a.caller_id).or_default();
        e.0 += 1;
        e.1 += u32::from(a.outcome == "completed");
    }
    let caller_ids: Vec<Uuid> = per.keys().copied().collect();
    let mut names = users::names(&state.db, &caller_ids).await?;
    let callers = per
        .into_iter()
        .map(|(id, (calls, completed))| CallerFigures {
            user_id: id,
            name: names.remove(&id).unwrap_or_default(),
            calls,
            completed,
        })
        .collect();
    Ok(PhoneCheckFigures {
        town_id: town,
        month: month.to_string(),
        villages: out,
        town: town_figures,
        callers,
        definitions: DEFINITIONS.into(),
    })
}

/// The month's figures per village and per caller, for the town.
#[utoipa::path(tag = "phone_checks", operation_id = "get_phone_check_figures", security(("bearer" = [])), params(FiguresQuery),
    responses((status = 200, body = PhoneCheckFigures), (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/phone-checks/figures")]
pub async fn get_phone_check_figures(
    state: State,
    user: AuthUser,
    q: web::Query<FiguresQuery>,
) -> ApiResult<web::Json<PhoneCheckFigures>> {
    Ok(web::Json(compute(&state, &user, &q).await?))
}

/// The same figures as an xlsx workbook.
#[utoipa::path(tag = "phone_checks", operation_id = "export_phone_check_figures", security(("bearer" = [])), params(FiguresQuery),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>, description = "The workbook"),
        (status = 401, response = Problem), (status = 403, response = Problem), (status = 422, response = Problem)))]
#[get("/phone-checks/figures.xlsx")]
pub async fn export_phone_check_figures(
    state: State,
    user: AuthUser,
    q: web::Query<FiguresQuery>,
) -> ApiResult<HttpResponse> {
    let f = compute(&state, &user, &q).await?;
    audit::record(
        &state.db,
        Some(&user),
        audit::Event {
            town_id: Some(f.town_id),
            action: "phone_check.figures_export",
            object_type: "call_list",
            object_id: None,
            detail: serde_json::json!({ "month": f.month }),
        },
        state.clock.now(),
    )
    .await?;
    let bytes = figures_xlsx(&f).map_err(|e| ApiError::Internal(anyhow::anyhow!("xlsx: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header(("content-disposition", format!("attachment; filename=\"phone-checks-{}.xlsx\"", f.month)))
        .body(bytes))
}

fn pct(r: Option<f64>) -> String {
    r.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_else(|| "—".into())
}

fn figures_xlsx(f: &PhoneCheckFigures) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("分村统计")?;
    let headers = [
        "村",
        "名单户数",
        "无可用电话",
        "完成",
        "部分完成",
        "拒访",
        "未联系上",
        "资格未知",
        "空号错号",
        "未拨打",
        "满意",
        "不满意",
        "发现问题",
        "接通率",
        "完成率",
        "合作率",
        "满意率",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let rows = f.villages.iter().map(|v| (v.village_name.as_str(), &v.figures)).chain([("全镇", &f.town)]);
    for (i, (name, x)) in rows.enumerate() {
        let r = (i + 1) as u32;
        ws.write_string(r, 0, name)?;
        let nums = [
            x.cases,
            x.no_phone,
            x.complete,
            x.partial,
            x.refusal,
            x.non_contact,
            x.unknown,
            x.not_eligible,
            x.not_attempted,
            x.satisfied,
            x.unsatisfied,
            x.problems,
        ];
        for (c, n) in nums.iter().enumerate() {
            ws.write_number(r, (c + 1) as u16, f64::from(*n))?;
        }
        for (c, rate) in [x.contact_rate, x.response_rate, x.cooperation_rate, x.satisfaction_rate].iter().enumerate() {
            ws.write_string(r, (c + 13) as u16, pct(*rate))?;
        }
    }
    ws.write_string((f.villages.len() + 3) as u32, 0, &f.definitions)?;
    let ws = wb.add_worksheet();
    ws.set_name("拨打人员")?;
    for (c, h) in ["拨打人员", "拨打次数", "完成访问"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, c) in f.callers.iter().enumerate() {
        let r = (i + 1) as u32;
        ws.write_string(r, 0, &c.name)?;
        ws.write_number(r, 1, f64::from(c.calls))?;
        ws.write_number(r, 2, f64::from(c.completed))?;
    }
    wb.save_to_buffer()
}
