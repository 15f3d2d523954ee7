//! Pieces every area uses: pagination, the problem response, the `Idempotency-Key` header.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToResponse, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::crypto::sha256_hex;
use crate::error::{ApiError, ApiResult, FieldError, ProblemDetails};
use crate::store::idempotency::{self, Begin};

/// An error: `application/problem+json` with a stable `code`, a Chinese `message` and, on
/// validation failures, per-field `errors`.
#[derive(ToResponse)]
#[response(description = "An error (RFC 9457 problem details)", content_type = "application/problem+json")]
pub struct Problem(#[allow(dead_code)] ProblemDetails);

/// A JSON body, read under the app's `JsonConfig` (size limit, media type, problem errors) like
/// `web::Json`, but read as JSON Schema reads numbers: `3.0` is the integer 3, so a field declared
/// `integer` takes every value the contract calls an integer.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// The body as a JSON value with integral numbers made integers, then `T`.
#[derive(Debug)]
struct Integral<T>(T);

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Integral<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut value = serde_json::Value::deserialize(d)?;
        integral_numbers(&mut value);
        // Well-formed JSON whose field has the wrong type or value: the error carries the field's
        // path, so the answer is a 422 on that field (`FieldFault::of`), not "invalid JSON".
        serde_path_to_error::deserialize(value).map(Integral).map_err(|e| {
            serde::de::Error::custom(FieldFault { path: e.path().to_string(), cause: e.inner().to_string() })
        })
    }
}

/// A body field that failed to deserialize, carried through serde's error as text.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldFault {
    pub path: String,
    pub cause: String,
}

const FAULT_MARK: char = '\u{1f}';

impl std::fmt::Display for FieldFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{FAULT_MARK}{}{FAULT_MARK}{}", self.path, self.cause)
    }
}

impl FieldFault {
    /// The fault in a deserialization error's text, if it is one.
    pub fn of(message: &str) -> Option<Self> {
        let rest = message.strip_prefix(FAULT_MARK)?;
        let (path, cause) = rest.split_once(FAULT_MARK)?;
        // serde_json appends " at line 1 column 42" to a custom error.
        let cause = cause.rsplit_once(" at line ").map_or(cause, |(c, _)| c);
        Some(Self { path: path.to_owned(), cause: cause.to_owned() })
    }

    /// The field error a cadre reads: which field, and what is wrong with it.
    pub fn into_field_error(self) -> FieldError {
        let c = self.cause.as_str();
        let (field, code, message) =
            if let Some(name) = c.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
                let field = if self.path == "." { name.to_owned() } else { format!("{}.{name}", self.path) };
                (field, "required", "缺少必填内容".to_owned())
            } else if let Some(name) = c.strip_prefix("unknown field `").and_then(|r| r.split('`').next()) {
                let field = if self.path == "." { name.to_owned() } else { format!("{}.{name}", self.path) };
                (field, "unknown_field", "不接受这个字段".to_owned())
            } else if c.starts_with("unknown variant") {
                // serde: "expected one of `a`, `b`, `c`" or "expected `a` or `b`": the codes alone.
                let expected = c.split_once("expected ").map_or("", |(_, e)| e);
                let allowed: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
                (self.path, "one_of", format!("取值不在允许范围内，可选：{}", allowed.join("、")))
            } else if c.starts_with("invalid type") || c.starts_with("invalid value") {
                (self.path, "invalid_type", "类型不正确".to_owned())
            } else if c.contains("premature end of input")
                || c.contains("invalid characters")
                || c.contains("out of range")
                || c.contains("trailing input")
                || c.contains("input is not enough")
            {
                (
                    self.path,
                    "invalid_format",
                    "格式不正确：时间须带时区，如 2026-11-28T10:00:00+08:00；日期如 2026-11-28".to_owned(),
                )
            } else {
                (self.path, "invalid", "格式不正确".to_owned())
            };
        FieldError::new(field, code, &message)
    }
}

/// `2629.0` → `2629` (within ±2^53, where a float holds every integer exactly); other numbers stay.
fn integral_numbers(value: &mut serde_json::Value) {
    use serde_json::Value;
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() <= EXACT
            {
                *n = serde_json::Number::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = actix_web::web::Json::<Integral<T>>::from_request(req, payload);
        Box::pin(async move { body.await.map(|b| Json(b.into_inner().0)) })
    }
}

/// `?page=&per_page=`: pages start at 1; 20 a page by default, 200 at most.
#[derive(Debug, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    #[validate(range(min = 1, max = 1000000, message = "页码应从1开始"))]
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u64>,
    /// Items a page, 1 to 200 (default 20).
    #[validate(range(min = 1, max = 200, message = "每页条数应为1至200"))]
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

impl PageQuery {
    pub fn page(&self) -> u64 {
        self.page.unwrap_or(1)
    }

    pub fn per_page(&self) -> u64 {
        self.per_page.unwrap_or(20)
    }
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T: ToSchema> Page<T> {
    pub fn new(items: Vec<T>, total: u64, q: &PageQuery) -> Self {
        Self { items, total, page: q.page(), per_page: q.per_page() }
    }
}

/// The optional `Idempotency-Key` header: 1–200 visible ASCII characters (a UUID is typical).
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let res = match req.headers().get("idempotency-key") {
            None => Ok(Self(None)),
            Some(v) => match v.to_str() {
                Ok(s) if (1..=200).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic()) => {
                    Ok(Self(Some(s.to_owned())))
                }
                _ => Err(ApiError::field("Idempotency-Key", "invalid", "Idempotency-Key 应为1至200个可见字符")),
            },
        };
        std::future::ready(res)
    }
}

/// Starts an idempotent write inside `txn`: `Some(response)` replays the first answer.
pub async fn idempotency_begin<C: ConnectionTrait>(
    txn: &C,
    user_id: Uuid,
    key: &IdempotencyKey,
    route: &str,
    body: &impl Serialize,
    now: DateTime<Utc>,
) -> ApiResult<Option<HttpResponse>> {
    match idempotency_claim(txn, user_id, key, route, body, now).await? {
        Claim::First => Ok(None),
        Claim::Answered(res) => Ok(Some(res)),
        // A write that stores its answer commits with it: without one, the first is still running.
        Claim::Repeat => Err(idempotency_in_progress()),
    }
}

/// How an idempotent write begins, for a write whose record is its own answer (a visit, found
/// again by its client id) as for one that stores its answer ([`idempotency_begin`]): the key is
/// claimed in the write's transaction.
pub enum Claim {
    /// The key is new (or none was sent): go on.
    First,
    /// The key was used before for this same request, and no answer is stored: for a write whose
    /// record is its answer, that record.
    Repeat,
    /// The answer stored for the key (for a visit, keys claimed before visits stopped storing it).
    Answered(HttpResponse),
}

pub async fn idempotency_claim<C: ConnectionTrait>(
    txn: &C,
    user_id: Uuid,
    key: &IdempotencyKey,
    route: &str,
    body: &impl Serialize,
    now: DateTime<Utc>,
) -> ApiResult<Claim> {
    let Some(k) = &key.0 else { return Ok(Claim::First) };
    let fingerprint =
        sha256_hex(format!("{route}\n{}", serde_json::to_string(body).map_err(anyhow::Error::from)?).as_bytes());
    Ok(match idempotency::begin(txn, user_id, k, &fingerprint, now).await? {
        Begin::Proceed => Claim::First,
        Begin::InProgress => Claim::Repeat,
        Begin::Replay { status, body } => Claim::Answered(
            HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK))
                .insert_header(("content-type", "application/json"))
                .insert_header(("idempotent-replayed", "true"))
                .body(body),
        ),
        Begin::Mismatch => {
            return Err(ApiError::unprocessable(
                "idempotency_key_reused",
                "该提交编号已用于另一份内容，请勿重复使用",
                "this Idempotency-Key was used with a different request",
            ));
        }
    })
}

/// A repeat of a write that is not yet committed.
pub fn idempotency_in_progress() -> ApiError {
    ApiError::conflict(
        "idempotency_in_progress",
        "相同的提交正在处理中，请稍后刷新查看",
        "a request with this Idempotency-Key is still being processed",
    )
}

/// Stores the answer of an idempotent write (in the same transaction) and builds the response.
pub async fn idempotency_finish<C: ConnectionTrait>(
    txn: &C,
    user_id: Uuid,
    key: &IdempotencyKey,
    status: StatusCode,
    body: &impl Serialize,
) -> ApiResult<HttpResponse> {
    let text = serde_json::to_string(body).map_err(anyhow::Error::from)?;
    if let Some(k) = &key.0 {
        idempotency::finish(txn, user_id, k, status.as_u16(), &text).await?;
    }
    Ok(HttpResponse::build(status).insert_header(("content-type", "application/json")).body(text))
}

/// Deserialises a field that may be absent (leave unchanged), `null` (clear) or a value (set).
pub fn double_option<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Reads the one file of a `multipart/form-data` upload (field `file`), refusing it with 413 as
/// soon as it grows past `max_bytes`, without reading the rest.
pub async fn read_file_field(mut payload: actix_multipart::Multipart, max_bytes: usize) -> ApiResult<Vec<u8>> {
    use futures_util::StreamExt;
    let bad = |d: String| ApiError::unprocessable("invalid_multipart", "上传内容格式不正确，请重新选择文件上传", d);
    let mut file: Option<Vec<u8>> = None;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|e| unreadable_form(&e, file.is_none()))?;
        if field.name() != Some("file") {
            return Err(unknown_part(field.name()));
        }
        if file.is_some() {
            return Err(ApiError::field("file", "too_many", "一次只能上传一个文件"));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| bad(e.to_string()))?;
            if bytes.len() + chunk.len() > max_bytes {
                return Err(ApiError::problem(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("文件过大，最大允许{}MB", max_bytes / (1 << 20)),
                    format!("the file exceeds {max_bytes} bytes"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.is_empty() {
            return Err(ApiError::field("file", "empty", "上传的文件是空的"));
        }
        file = Some(bytes);
    }
    file.ok_or_else(|| ApiError::field("file", "required", "请选择要上传的文件（字段名 file）"))
}

/// A file part written to a temporary file as it arrives and hashed on the way, never held whole.
pub struct Spooled {
    pub file: tempfile::NamedTempFile,
    pub sha256: String,
    pub size: u64,
}

/// Writes one file part to a temporary file in `dir`, refusing it with 413 as soon as it grows past
/// `max_bytes` (`what` names it in the message: 照片, 文件) and with 422 when it is empty. A chunk is
/// written where it arrives: a copy into the page cache, no blocking thread per chunk.
pub async fn spool(
    field: &mut actix_multipart::Field,
    dir: &std::path::Path,
    max_bytes: usize,
    what: &str,
) -> ApiResult<Spooled> {
    use futures_util::StreamExt;
    use sha2::Digest;
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(anyhow::Error::from)?;
    let mut out = tmp.as_file();
    let mut hasher = sha2::Sha256::new();
    let mut size = 0u64;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::unprocessable("invalid_multipart", "上传内容格式不正确，请重新上传", e.to_string())
        })?;
        size += chunk.len() as u64;
        if size > max_bytes as u64 {
            return Err(ApiError::problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("{what}过大，最大允许{}MB", max_bytes / (1 << 20)),
                format!("the file exceeds {max_bytes} bytes"),
            ));
        }
        hasher.update(&chunk);
        std::io::Write::write_all(&mut out, &chunk).map_err(anyhow::Error::from)?;
    }
    if size == 0 {
        return Err(ApiError::field("file", "empty", &format!("上传的{what}是空的")));
    }
    Ok(Spooled { file: tmp, sha256: crate::crypto::hex(&hasher.finalize()), size })
}

/// Counts a received file against the caller's daily upload quota (files and bytes per local day,
/// shared by every instance); past either cap, 429 `upload_quota_reached` until the town's midnight.
pub async fn count_upload(state: &crate::state::State, user: &crate::auth::AuthUser, size: u64) -> ApiResult<()> {
    use domain::uploads::{quota_day, seconds_until_reset};
    let now = state.clock.now();
    let used = crate::store::uploads::count(&state.db, user.id, quota_day(now), size).await?;
    state.settings.upload_quota.admits(used).map_err(|exceeded| ApiError::Exhausted {
        code: "upload_quota_reached",
        message: exceeded.message_zh(),
        retry_after_seconds: u64::try_from(seconds_until_reset(now)).unwrap_or(1),
    })
}

/// A form that cannot be read. One that ends before its first part is a form without a file (the
/// multipart reader finds no part at all), and is told so on `file`.
pub fn unreadable_form(e: &actix_multipart::MultipartError, before_any_part: bool) -> ApiError {
    if before_any_part {
        ApiError::field("file", "required", "请选择要上传的文件（字段名 file）")
    } else {
        ApiError::unprocessable("invalid_multipart", "上传内容格式不正确，请重新上传", e.to_string())
    }
}

/// A form part the upload does not take (the contract declares each form's parts, and no others).
pub fn unknown_part(name: Option<&str>) -> ApiError {
    let name: String = name.unwrap_or_default().chars().take(40).collect();
    ApiError::field(&name, "unknown_field", &format!("上传表单中有多余的字段“{name}”"))
}

/// A `YYYY-MM` parameter, or a field error on `month`.
pub fn month_param(s: &str) -> ApiResult<domain::Month> {
    s.parse().map_err(|_| ApiError::field("month", "invalid", "月份格式应为 2026-11"))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Round {
        count: u32,
        rate: Option<f64>,
        months: Vec<i64>,
    }

    fn read(json: &str) -> Result<Round, serde_json::Error> {
        serde_json::from_str::<Integral<Round>>(json).map(|r| r.0)
    }

    #[test]
    fn an_integral_float_is_the_integer_json_schema_says_it_is() {
        let r = read(r#"{"count": 2629.0, "rate": 3.0, "months": [1.0, -2, 3]}"#).unwrap();
        assert_eq!(r, Round { count: 2629, rate: Some(3.0), months: vec![1, -2, 3] });
        // A fraction stays a fraction, and is refused where an integer is due.
        assert!(read(r#"{"count": 2629.5, "rate": null, "months": []}"#).is_err());
        assert_eq!(read(r#"{"count": 1, "rate": 0.25, "months": []}"#).unwrap().rate, Some(0.25));
        // Beyond 2^53 a float is not an exact integer: not made one.
        assert!(read(r#"{"count": 1, "rate": null, "months": [1e300]}"#).is_err());
        // Out of range for the field: refused, not wrapped.
        assert!(read(r#"{"count": -1.0, "rate": null, "months": []}"#).is_err());
    }

    #[test]
    fn a_wrong_choice_names_the_choices_without_serdes_english() {
        for (cause, allowed) in [
            (
                "unknown variant `x`, expected one of `department`, `work_team`, `village`",
                "department、work_team、village",
            ),
            ("unknown variant `x`, expected `yes` or `no` at line 1 column 9", "yes、no"),
        ] {
            let e = FieldFault::of(&FieldFault { path: "kind".into(), cause: cause.into() }.to_string())
                .unwrap()
                .into_field_error();
            let v = serde_json::to_value(&e).unwrap();
            assert_eq!(v["code"], "one_of");
            assert_eq!(v["message"], format!("取值不在允许范围内，可选：{allowed}"), "{cause}");
        }
    }
}
