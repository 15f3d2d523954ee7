//! The OpenAPI contract: built from the same route registration as the served app.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::{FieldError, ProblemDetails};
use crate::routes;
use crate::routes::common::Problem;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Changxiao (长效) API",
        description = "Backend of the township long-term mechanism for consolidating poverty-alleviation results. \
Errors are `application/problem+json` with a stable `code`, a Chinese `message` and per-field `errors`. \
Times are RFC 3339 with offset; dates `YYYY-MM-DD`; months `YYYY-MM`; quarters `YYYY-Qn`; rules use Asia/Shanghai.",
        license(name = "MIT OR Apache-2.0")
    ),
    modifiers(&BearerAuth),
    components(schemas(ProblemDetails, FieldError), responses(Problem)),
    tags(
        (name = "health", description = "Liveness, readiness, metrics"),
        (name = "auth", description = "Sign-in: password, WeChat, tokens"),
        (name = "organisation", description = "Towns, villages, groups, work teams, departments, users and roles"),
        (name = "households", description = "Households (监测对象与重点人群)"),
        (name = "photos", description = "Photos: the proof of a visit"),
        (name = "visits", description = "Household visits, their review, and quarterly coverage"),
        (name = "problems", description = "Problems found in the work"),
        (name = "cross_checks", description = "The town cross spot-check"),
        (name = "screenings", description = "Department data screening and joint household verification"),
        (name = "supervisions", description = "The Discipline Commission's supervision look-back"),
        (name = "lists", description = "The information officers' monthly and quarterly feedback lists"),
        (name = "phone_checks", description = "Phone spot-checks (电话抽查): questionnaires, call lists, calls, figures"),
        (name = "inspections", description = "Leaders' unannounced visits (暗访) and admonishment talks (约谈)"),
        (name = "interviews", description = "Must-know knowledge (应知应会), the interview group (访谈组) and circulars (通报)"),
        (name = "meetings", description = "Meetings (联席会, 党委专题会): agenda packs, minutes and decisions"),
        (name = "archives", description = "The \"1+N\" archive materials: submissions, review, month-end summary"),
        (name = "assessments", description = "Cadre and village assessment sheets, and the dashboard"),
        (name = "notifications", description = "The in-app inbox of reminders, WeChat subscriptions, the reminder queue"),
        (name = "audit", description = "The audit trail"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
            );
        }
    }
}

/// The contract, exactly as the server serves it.
pub fn spec() -> utoipa::openapi::OpenApi {
    let (_, mut api) =
        App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(routes::configure).split_for_parts();
    describe_responses(&mut api);
    api
}

/// OpenAPI requires a description on every response: the status's reason phrase where a handler
/// gave none.
fn describe_responses(api: &mut utoipa::openapi::OpenApi) {
    for item in api.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for op in ops.into_iter().flatten() {
            for (status, response) in &mut op.responses.responses {
                if let utoipa::openapi::RefOr::T(r) = response
                    && r.description.is_empty()
                {
                    r.description = status
                        .parse::<u16>()
                        .ok()
                        .and_then(|s| actix_web::http::StatusCode::from_u16(s).ok())
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or("Response")
                        .to_owned();
                }
            }
        }
    }
}

/// The contract as committed in `openapi/openapi.json`.
pub fn spec_json() -> anyhow::Result<String> {
    let mut text = spec().to_pretty_json()?;
    text.push('\n');
    Ok(text)
}
