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

/// Every operation of a path (`head`, `options` and `trace` are never declared here).
fn operations_mut(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten()
}

/// Each operation of a path with its method.
pub fn operations(
    item: &utoipa::openapi::PathItem,
) -> impl Iterator<Item = (actix_web::http::Method, &utoipa::openapi::path::Operation)> {
    use actix_web::http::Method;
    [
        (Method::GET, &item.get),
        (Method::PUT, &item.put),
        (Method::POST, &item.post),
        (Method::DELETE, &item.delete),
        (Method::PATCH, &item.patch),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.as_ref().map(|op| (m, op)))
}

/// Who may call each operation, from the authority table (`x-authority`), and `security: []` on the
/// public ones, so that the contract says it rather than leaving it to the global default.
fn declare_authority(api: &mut utoipa::openapi::OpenApi) {
    for item in api.paths.paths.values_mut() {
        for op in operations_mut(item) {
            let gate = op.operation_id.as_deref().and_then(crate::authority::gate_of);
            let Some(gate) = gate else { continue };
            if gate == crate::authority::Gate::Public {
                op.security = Some(vec![]);
            }
            let ext = op.extensions.get_or_insert_with(Default::default);
            ext.insert("x-authority".to_owned(), crate::authority::describe(gate));
        }
    }
}

/// The contract, exactly as the server serves it.
pub fn spec() -> utoipa::openapi::OpenApi {
    let (_, mut api) =
        App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(routes::configure).split_for_parts();
    describe_responses(&mut api);
    declare_errors(&mut api);
    declare_formats(&mut api);
    declare_string_shapes(&mut api);
    close_upload_forms(&mut api);
    declare_enums(&mut api);
    declare_authority(&mut api);
    api
}

/// Fields and parameters the handlers check against a fixed set of words (read from `domain`, so
/// the contract lists exactly what the rules accept).
fn declare_enums(api: &mut utoipa::openapi::OpenApi) {
    use domain::meetings::MeetingKind;
    use domain::org::{Role, ScopeKind};
    use domain::problem::{Category, Class, LookBack, Source, State};
    use domain::screening::Finding;
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::Schema;
    fn words<T: Copy, const N: usize>(all: [T; N], name: fn(T) -> &'static str) -> Vec<&'static str> {
        all.into_iter().map(name).collect()
    }
    let categories = words(Category::ALL, Category::as_str);
    let classes = words(Class::ALL, Class::as_str);
    let meeting_kinds = words(MeetingKind::ALL, MeetingKind::as_str);
    let units = vec!["village", "work_team", "department"];
    // (path prefix, parameter) → words.
    let params: Vec<(&str, &str, Vec<&'static str>)> = vec![
        ("/api/v1/problems", "source", words(Source::ALL, Source::as_str)),
        ("/api/v1/problems", "category", categories.clone()),
        ("/api/v1/problems", "status", words(State::ALL, State::as_str)),
        ("/api/v1/problems", "class", classes.clone()),
        ("/api/v1/feedback-lists", "kind", words(domain::lists::ListKind::ALL, domain::lists::ListKind::as_str)),
        ("/api/v1/villages/", "kind", words(domain::lists::ListKind::ALL, domain::lists::ListKind::as_str)),
        ("/api/v1/meetings", "kind", meeting_kinds.clone()),
        ("/api/v1/must-know/", "owner_kind", vec!["department", "village"]),
        ("/api/v1/screening-tasks", "status", crate::routes::screenings::TASK_STATUSES.to_vec()),
        ("/api/v1/phone-checks/flags", "status", crate::routes::phone_checks::figures::FLAG_STATUSES.to_vec()),
        ("/api/v1/visits", "review", words(domain::visit::Review::ALL, domain::visit::Review::as_str)),
    ];
    // (schema, property) → words; arrays get the words on their items.
    let properties: Vec<(&str, &str, Vec<&'static str>)> = vec![
        ("AssignRequest", "class", classes.clone()),
        ("Unit", "kind", units),
        ("CreateGrant", "role", words(Role::ALL, Role::as_str)),
        ("CreateGrant", "scope_kind", words(ScopeKind::ALL, ScopeKind::as_str)),
        ("CreateMeeting", "kind", meeting_kinds),
        ("CreateProblem", "source", Source::by_hand().map(Source::as_str).collect()),
        ("CreateProblem", "category", categories.clone()),
        ("UnmatchedRow", "finding", words(Finding::ALL, Finding::as_str)),
        ("FoundProblem", "category", categories.clone()),
        ("UnannouncedProblem", "category", categories.clone()),
        ("UnannouncedProblem", "class", vec!["small", "large"]),
        ("RaiseJson", "category", categories.clone()),
        ("ReviewFlag", "category", categories),
        ("IntervieweeResult", "role", vec!["secretary", "work_team"]),
        ("IntervieweeResult", "verdicts", vec!["correct", "partial", "wrong"]),
        ("CircularEntry", "source", crate::routes::interviews::CIRCULAR_SOURCES.to_vec()),
        ("FindingInput", "finding", words(LookBack::ALL, LookBack::as_str)),
    ];
    fn set(schema: &mut RefOr<Schema>, values: &[&'static str]) {
        let target = match schema {
            RefOr::T(Schema::Array(a)) => match &mut a.items {
                utoipa::openapi::schema::ArrayItems::RefOrSchema(item) => item.as_mut(),
                utoipa::openapi::schema::ArrayItems::False => return,
            },
            other => other,
        };
        if let RefOr::T(Schema::Object(o)) = target {
            let mut words: Vec<serde_json::Value> = values.iter().map(|v| serde_json::Value::from(*v)).collect();
            let nullable = matches!(&o.schema_type, utoipa::openapi::schema::SchemaType::Array(t)
                if t.contains(&utoipa::openapi::schema::Type::Null));
            if nullable {
                words.push(serde_json::Value::Null);
            }
            o.enum_values = Some(words);
        }
    }
    for (path, item) in api.paths.paths.iter_mut() {
        for op in operations_mut(item) {
            for p in op.parameters.iter_mut().flatten() {
                if let RefOr::T(p) = p
                    && let Some((_, _, values)) =
                        params.iter().find(|(prefix, name, _)| path.starts_with(prefix) && p.name == *name)
                    && let Some(schema) = p.schema.as_mut()
                {
                    set(schema, values);
                }
            }
        }
    }
    if let Some(components) = api.components.as_mut() {
        for (schema, property, values) in &properties {
            if let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut(*schema)
                && let Some(p) = o.properties.get_mut(*property)
            {
                set(p, values);
            }
        }
    }
}

/// Every operation declares the problems any request may meet: a malformed query or body (400), no or a
/// bad token (401), a role without the right (403), an id outside the caller's scope (404), an oversized
/// body (413) or another media type (415), invalid fields (422), and the database away (503).
fn declare_errors(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{Ref, RefOr};
    for item in api.paths.paths.values_mut() {
        let shared_params = item.parameters.as_ref().is_some_and(|p| !p.is_empty());
        for op in operations_mut(item) {
            let has_params = shared_params || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let has_body = op.request_body.is_some();
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            // Any request may carry a query the operation does not take: 400 names it.
            let mut statuses = vec!["400", "404", "503"];
            if has_params || has_body {
                statuses.push("422");
            }
            if has_body {
                statuses.extend(["413", "415"]);
            }
            if secured {
                statuses.extend(["401", "403"]);
            }
            for status in statuses {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name("Problem")));
            }
        }
    }
}

/// Months, quarters and periods are strings of one shape wherever they appear.
fn declare_formats(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{Schema, Type};
    use utoipa::openapi::{RefOr, path::Parameter};
    const MONTH: &str = "^(19|[2-9][0-9])[0-9]{2}-(0[1-9]|1[0-2])$";
    const QUARTER: &str = "^(19|[2-9][0-9])[0-9]{2}-Q[1-4]$";
    // Months and quarters; a meeting held once (expanded) is filed under its date.
    const PERIOD: &str = "^(19|[2-9][0-9])[0-9]{2}-((0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?|Q[1-4])$";
    fn pattern_for(name: &str) -> Option<&'static str> {
        match name {
            "month" | "from_month" | "to_month" => Some(MONTH),
            "quarter" => Some(QUARTER),
            "period" => Some(PERIOD),
            // What `IdempotencyKey` accepts: 1–200 visible ASCII characters.
            "Idempotency-Key" => Some("^[!-~]{1,200}$"),
            _ => None,
        }
    }
    fn set(schema: &mut RefOr<Schema>, pattern: &'static str) {
        if let RefOr::T(Schema::Object(o)) = schema
            && (o.schema_type == Type::String.into()
                || matches!(&o.schema_type, utoipa::openapi::schema::SchemaType::Array(t) if t.contains(&Type::String)))
            && o.pattern.is_none()
        {
            o.pattern = Some(pattern.to_owned());
        }
    }
    let params = |list: &mut Option<Vec<RefOr<Parameter>>>| {
        for p in list.iter_mut().flatten() {
            if let RefOr::T(p) = p
                && let (Some(pattern), Some(schema)) = (pattern_for(&p.name), p.schema.as_mut())
            {
                set(schema, pattern);
            }
        }
    };
    for item in api.paths.paths.values_mut() {
        params(&mut item.parameters);
        for op in operations_mut(item) {
            params(&mut op.parameters);
        }
    }
    if let Some(components) = api.components.as_mut() {
        for schema in components.schemas.values_mut() {
            if let RefOr::T(Schema::Object(o)) = schema {
                for (name, property) in o.properties.iter_mut() {
                    if let Some(pattern) = pattern_for(name) {
                        set(property, pattern);
                    }
                }
            }
        }
    }
}

/// Dates, times and ids have one textual shape, which the server requires: JSON Schema treats `format`
/// as a note, so each carries the `pattern` that says it (an empty string is not a date).
fn declare_string_shapes(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, KnownFormat, Schema, SchemaFormat};
    use utoipa::openapi::{RefOr, path::Parameter};
    const DATE: &str = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])";
    const TIME: &str =
        "[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";
    const UUID: &str = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";
    fn walk(schema: &mut RefOr<Schema>) {
        let RefOr::T(schema) = schema else { return };
        match schema {
            Schema::Object(o) => {
                if o.pattern.is_none() {
                    o.pattern = match &o.format {
                        Some(SchemaFormat::KnownFormat(KnownFormat::Date)) => Some(format!("^{DATE}$")),
                        Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)) => Some(format!("^{DATE}{TIME}$")),
                        Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)) => Some(UUID.to_owned()),
                        _ => None,
                    };
                }
                o.properties.values_mut().for_each(walk);
                if let Some(extra) = o.additional_properties.as_deref_mut()
                    && let AdditionalProperties::RefOr(extra) = extra
                {
                    walk(extra);
                }
            }
            Schema::Array(a) => {
                if let ArrayItems::RefOrSchema(item) = &mut a.items {
                    walk(item);
                }
            }
            Schema::OneOf(o) => o.items.iter_mut().for_each(walk),
            Schema::AnyOf(o) => o.items.iter_mut().for_each(walk),
            Schema::AllOf(o) => o.items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let params = |list: &mut Option<Vec<RefOr<Parameter>>>| {
        for p in list.iter_mut().flatten() {
            if let RefOr::T(p) = p
                && let Some(schema) = p.schema.as_mut()
            {
                walk(schema);
            }
        }
    };
    for item in api.paths.paths.values_mut() {
        params(&mut item.parameters);
        for op in operations_mut(item) {
            params(&mut op.parameters);
            if let Some(RefOr::T(body)) = op.request_body.as_mut() {
                for content in body.content.values_mut() {
                    if let RefOr::T(content) = content
                        && let Some(schema) = content.schema.as_mut()
                    {
                        walk(schema);
                    }
                }
            }
        }
    }
    if let Some(components) = api.components.as_mut() {
        components.schemas.values_mut().for_each(walk);
    }
}

/// The upload forms (every `multipart/form-data` body) take the parts they declare and no others: the
/// server answers another part with 422 `unknown_field` (`routes::common::unknown_part`). The photo
/// form is the exception: mini-program pages add parts of their own to `wx.uploadFile`, and the
/// server ignores them (bounded in count and size).
fn close_upload_forms(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{AdditionalProperties, Schema};
    let mut forms = vec![];
    for item in api.paths.paths.values_mut() {
        for op in operations_mut(item) {
            if let Some(RefOr::T(body)) = &op.request_body
                && let Some(RefOr::T(content)) = body.content.get("multipart/form-data")
                && let Some(RefOr::Ref(form)) = &content.schema
            {
                forms.push(form.ref_location.rsplit('/').next().unwrap_or_default().to_owned());
            }
        }
    }
    if let Some(components) = api.components.as_mut() {
        for name in forms.into_iter().filter(|f| f != "PhotoUpload") {
            if let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut(&name) {
                o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
    }
}

/// OpenAPI requires a description on every response: the status's reason phrase where a handler
/// gave none.
fn describe_responses(api: &mut utoipa::openapi::OpenApi) {
    for item in api.paths.paths.values_mut() {
        for op in operations_mut(item) {
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

/// The contract's paths and their methods, to tell a wrong method (405 with `Allow`) from a wrong path (404).
pub struct KnownRoutes(Vec<(Vec<String>, Vec<&'static str>)>);

impl KnownRoutes {
    pub fn of(api: &utoipa::openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_owned).collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, present)| present.then_some(m))
                .collect();
                (segments, methods)
            })
            .collect();
        Self(routes)
    }

    /// The methods the contract declares for this concrete path (`{x}` matches one segment). Where
    /// several templates match, the most literal wins: `/households/import` is not `/households/{id}`.
    pub fn methods_of(&self, path: &str) -> Vec<&'static str> {
        let segments: Vec<&str> = path.split('/').collect();
        let placeholders = |template: &[String]| template.iter().filter(|t| t.starts_with('{')).count();
        let matching: Vec<&(Vec<String>, Vec<&'static str>)> = self
            .0
            .iter()
            .filter(|(template, _)| {
                template.len() == segments.len()
                    && template.iter().zip(&segments).all(|(t, s)| (t.starts_with('{') && !s.is_empty()) || t == s)
            })
            .collect();
        let fewest = matching.iter().map(|(t, _)| placeholders(t)).min();
        let mut methods: Vec<&'static str> = matching
            .iter()
            .filter(|(t, _)| Some(placeholders(t)) == fewest)
            .flat_map(|(_, m)| m.iter().copied())
            .collect();
        methods.sort_unstable();
        methods.dedup();
        methods
    }
}

/// The contract as committed in `openapi/openapi.json`.
pub fn spec_json() -> anyhow::Result<String> {
    to_json(&spec())
}

/// A contract as the committed file spells it.
pub fn to_json(api: &utoipa::openapi::OpenApi) -> anyhow::Result<String> {
    let mut text = api.to_pretty_json()?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};

    fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// utoipa names a component by its type's name, and a second type of the same name silently
    /// replaces the first in the contract (the visit review's `decision` once read as a meeting's).
    #[test]
    fn every_schema_type_has_its_own_component_name() {
        let mut files = vec![];
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let mut seen: HashMap<String, PathBuf> = HashMap::new();
        let mut clashes = vec![];
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let mut deriving = false;
            let mut alias: Option<String> = None;
            for line in text.lines().map(str::trim) {
                if line.starts_with("#[derive(") && line.contains("ToSchema") {
                    deriving = true;
                } else if deriving && let Some(rest) = line.strip_prefix("#[schema(as = ") {
                    alias = rest.split(|c: char| !c.is_alphanumeric() && c != '_').next().map(str::to_owned);
                } else if deriving && (line.starts_with("pub struct ") || line.starts_with("pub enum ")) {
                    let name = line.split_whitespace().nth(2).unwrap_or_default();
                    let name = alias.take().unwrap_or_else(|| {
                        name.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or_default().to_owned()
                    });
                    if let Some(first) = seen.insert(name.clone(), file.clone()) {
                        clashes.push(format!("{name}: {} and {}", first.display(), file.display()));
                    }
                    deriving = false;
                }
            }
        }
        assert!(seen.len() > 100, "the scan found only {} schema types", seen.len());
        assert!(clashes.is_empty(), "schema names used twice (give one `#[schema(as = …)]`): {clashes:#?}");
    }
}
