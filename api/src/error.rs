//! One error type, one status mapping, one `application/problem+json` body (RFC 9457).
//!
//! Internal causes are logged once here, with their chain, and never sent to the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use utoipa::ToSchema;
use validator::{ValidationErrors, ValidationErrorsKind};

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field, e.g. `tags`, `phones[1]` or `rows[5].id_number`.
    pub field: String,
    /// Stable machine code of the failure, e.g. `required`, `length`, `check_digit`.
    pub code: String,
    /// What is wrong, in Chinese, for the phone screen.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into() }
    }
}

/// Most field errors one answer lists: a 50,000-row file with a bad column is a few hundred
/// kilobytes of answer, not megabytes; the last entry says how many more there are.
pub const MAX_FIELD_ERRORS: usize = 200;

fn bounded(errors: &[FieldError]) -> Vec<FieldError> {
    if errors.len() <= MAX_FIELD_ERRORS {
        return errors.to_vec();
    }
    let mut listed = errors[..MAX_FIELD_ERRORS].to_vec();
    listed.push(FieldError::new(
        "errors",
        "more_errors",
        format!("另有{}处错误未列出，请先修改以上错误后重新提交", errors.len() - MAX_FIELD_ERRORS),
    ));
    listed
}

/// The body of every error response (`application/problem+json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDetails {
    /// A URI reference naming the problem type: `/problems/<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short English summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// English explanation of this occurrence (never an internal cause).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable snake_case machine code.
    pub code: String,
    /// Chinese message a cadre understands.
    pub message: String,
    /// Per-field errors, on validation failures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The input failed validation; every bad field is listed.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// A whole submission refused (e.g. an import), with its own code and message and every bad field.
    #[error("{code}: rejected")]
    Rejected { code: &'static str, message: String, errors: Vec<FieldError> },
    /// A request refused as malformed (400) with its own code and message and the fields at fault
    /// (e.g. query parameters the operation does not take).
    #[error("{code}: bad request")]
    BadRequest { code: &'static str, message: String, errors: Vec<FieldError> },
    /// Any other expected failure with its status, stable code and Chinese message.
    #[error("{code}: {detail}")]
    Problem { status: StatusCode, code: &'static str, message: String, detail: String },
    /// Too many attempts; retry after the given number of seconds.
    #[error("rate limited")]
    RateLimited { retry_after_seconds: u64 },
    /// A limit of the user's own (reveals an hour, uploads a day), with its code and Chinese message.
    #[error("{code}: limit reached")]
    Exhausted { code: &'static str, message: String, retry_after_seconds: u64 },
    /// The database does not answer.
    #[error("database unavailable")]
    Unavailable(#[source] DbErr),
    /// A bug or an unexpected failure: logged, answered as a bare 500.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn problem(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self::Problem { status, code, message: message.into(), detail: detail.into() }
    }

    /// 404 without saying whether the object exists outside the caller's scope.
    pub fn not_found() -> Self {
        Self::problem(
            StatusCode::NOT_FOUND,
            "not_found",
            "未找到该记录，或您无权查看",
            "no such resource in your scope",
        )
    }

    pub fn unauthorized(code: &'static str, message: &str, detail: &str) -> Self {
        Self::problem(StatusCode::UNAUTHORIZED, code, message, detail)
    }

    /// The authority table's refusal, as the caller reads it.
    pub fn refused(refusal: &domain::authority::Refusal) -> Self {
        Self::problem(StatusCode::FORBIDDEN, refusal.code(), refusal.message_zh(), refusal.to_string())
    }

    pub fn forbidden(detail: &str) -> Self {
        Self::problem(StatusCode::FORBIDDEN, "forbidden", "您的角色无权进行此操作", detail)
    }

    pub fn conflict(code: &'static str, message: &str, detail: &str) -> Self {
        Self::problem(StatusCode::CONFLICT, code, message, detail)
    }

    pub fn bad_request(code: &'static str, message: &str, detail: impl Into<String>) -> Self {
        Self::problem(StatusCode::BAD_REQUEST, code, message, detail)
    }

    pub fn unprocessable(code: &'static str, message: &str, detail: impl Into<String>) -> Self {
        Self::problem(StatusCode::UNPROCESSABLE_ENTITY, code, message, detail)
    }

    pub fn field(field: &str, code: &str, message: &str) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    /// Every field names an object that does not exist or is outside the caller's scope: that is a
    /// 404 like any other out-of-scope id, with the fields listed.
    fn only_missing_references(&self) -> bool {
        matches!(self, Self::Validation(errors) if !errors.is_empty() && errors.iter().all(|e| e.code == "not_found"))
    }

    fn code(&self) -> &'static str {
        match self {
            _ if self.only_missing_references() => "not_found",
            Self::Validation(_) => "validation_failed",
            Self::Rejected { code, .. } | Self::BadRequest { code, .. } => code,
            Self::Problem { code, .. } => code,
            Self::RateLimited { .. } => "too_many_requests",
            Self::Exhausted { code, .. } => code,
            Self::Unavailable(_) => "service_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    pub fn body(&self) -> ProblemDetails {
        let status = self.status_code();
        let (message, detail, errors) = match self {
            Self::Validation(errors) if self.only_missing_references() => (
                "所填写的记录不存在，或您无权查看".to_owned(),
                Some("a referenced object does not exist in your scope".to_owned()),
                errors.clone(),
            ),
            Self::Validation(errors) => (
                "提交的内容有误，请按提示修改".to_owned(),
                Some("the request has invalid fields".to_owned()),
                bounded(errors),
            ),
            Self::Rejected { message, errors, .. } => {
                (message.clone(), Some("the submission was refused; nothing was written".to_owned()), bounded(errors))
            }
            Self::BadRequest { message, errors, .. } => {
                (message.clone(), Some("the request is malformed".to_owned()), bounded(errors))
            }
            Self::Problem { message, detail, .. } => (message.clone(), Some(detail.clone()), vec![]),
            Self::RateLimited { retry_after_seconds } => (
                format!("尝试次数过多，请{retry_after_seconds}秒后再试"),
                Some(format!("too many attempts; retry after {retry_after_seconds} s")),
                vec![],
            ),
            Self::Exhausted { message, retry_after_seconds, .. } => {
                (message.clone(), Some(format!("limit reached; retry after {retry_after_seconds} s")), vec![])
            }
            Self::Unavailable(_) => ("系统暂时无法访问数据库，请稍后再试".to_owned(), None, vec![]),
            Self::Internal(_) => ("系统内部错误，请稍后再试或联系管理员".to_owned(), None, vec![]),
        };
        ProblemDetails {
            kind: format!("/problems/{}", self.code()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: self.code().to_owned(),
            message,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            _ if self.only_missing_references() => StatusCode::NOT_FOUND,
            Self::Validation(_) | Self::Rejected { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Problem { status, .. } => *status,
            Self::RateLimited { .. } | Self::Exhausted { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(e) => {
                tracing::error!(error.cause_chain = ?e, error.message = %e, "internal error")
            }
            Self::Unavailable(e) => tracing::warn!(error.message = %e, "database unavailable"),
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json")));
        if let Self::RateLimited { retry_after_seconds } | Self::Exhausted { retry_after_seconds, .. } = self {
            res.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
        }
        if self.status_code() == StatusCode::UNAUTHORIZED {
            res.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        res.json(self.body())
    }
}

impl From<DbErr> for ApiError {
    /// Constraint violations map to 409/422 here, in one place; a lost connection to 503.
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                return Self::conflict(
                    "conflict",
                    "该记录已存在，请勿重复提交",
                    "a record with these values already exists",
                );
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                return Self::unprocessable(
                    "invalid_reference",
                    "引用的记录不存在",
                    "a referenced record does not exist",
                );
            }
            _ => {}
        }
        match &e {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => Self::Unavailable(e),
            DbErr::Exec(err) | DbErr::Query(err) if is_connection_error(&err.to_string()) => Self::Unavailable(e),
            _ => Self::Internal(anyhow::Error::new(e)),
        }
    }
}

fn is_connection_error(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["connection refused", "connection reset", "broken pipe", "pool timed out", "terminating connection", "closed"]
        .iter()
        .any(|m| t.contains(m))
}

/// Chinese text for the validator codes used in the DTOs (a DTO may also set its own message).
fn validator_message(code: &str) -> &'static str {
    match code {
        "length" => "长度不符合要求",
        "range" => "数值超出允许范围",
        "required" => "此项必填",
        "email" => "邮箱格式不正确",
        "url" => "网址格式不正确",
        _ => "填写不正确",
    }
}

fn flatten(prefix: &str, errors: &ValidationErrors, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let message =
                        e.message.as_deref().map_or_else(|| validator_message(&e.code).to_owned(), str::to_owned);
                    out.push(FieldError::new(path.clone(), e.code.to_string(), message));
                }
            }
            ValidationErrorsKind::Struct(inner) => flatten(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    flatten(&format!("{path}[{i}]"), inner, out);
                }
            }
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(e: ValidationErrors) -> Self {
        let mut out = Vec::new();
        flatten("", &e, &mut out);
        out.sort_by(|a, b| a.field.cmp(&b.field));
        Self::Validation(out)
    }
}

/// Validates a DTO with `validator`, turning failures into per-field errors.
pub fn validate<T: validator::Validate>(v: &T) -> ApiResult<()> {
    v.validate().map_err(ApiError::from)
}
