//! The query parameters each operation of the contract declares, checked in front of the handler
//! from the contract itself: a name the operation does not declare is a 400 that names it (a
//! parameter that does nothing must never look accepted — a `dry_run` ignored would write), a value
//! outside the declared schema a 422 on that parameter, with a Chinese message.

use regex::Regex;
use serde_json::Value;

use crate::error::{ApiError, FieldError};

/// What a parameter's schema accepts.
#[derive(Debug, Default)]
struct Check {
    kind: Kind,
    one_of: Option<Vec<String>>,
    pattern: Option<Regex>,
    minimum: Option<f64>,
    maximum: Option<f64>,
    max_length: Option<usize>,
}

#[derive(Debug, Default, PartialEq, Eq)]
enum Kind {
    #[default]
    Text,
    Integer,
    Number,
    Boolean,
    Uuid,
    Date,
    DateTime,
}

#[derive(Debug)]
struct Param {
    name: String,
    required: bool,
    description: String,
    check: Check,
}

/// The query parameters of one operation.
#[derive(Debug, Default)]
pub struct Declared(Vec<Param>);

impl Declared {
    /// The operation's query parameters, read from its contract entry (`$ref`s resolved against the
    /// contract's components).
    pub fn of(op: &Value, contract: &Value) -> Self {
        let params = op["parameters"].as_array().map(Vec::as_slice).unwrap_or_default();
        Self(
            params
                .iter()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| {
                    Some(Param {
                        name: p["name"].as_str()?.to_owned(),
                        required: p["required"].as_bool().unwrap_or(false),
                        description: p["description"].as_str().unwrap_or_default().trim().to_owned(),
                        check: check_of(&p["schema"], contract),
                    })
                })
                .collect(),
        )
    }

    /// Checks a request's query string against the declared parameters.
    pub fn admit(&self, query: &str) -> Result<(), ApiError> {
        let given: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let unknown: Vec<&str> = given
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| !self.0.iter().any(|p| p.name == *name))
            .collect();
        if !unknown.is_empty() {
            let accepted: Vec<&str> = self.0.iter().map(|p| p.name.as_str()).collect();
            let accepted = if accepted.is_empty() {
                "（本接口不接受查询参数）".to_owned()
            } else {
                accepted.join("、")
            };
            let errors = unknown
                .iter()
                .map(|name| {
                    let name: String = name.chars().take(40).collect();
                    FieldError::new(
                        &name,
                        "unknown_parameter",
                        format!("不接受查询参数“{name}”，可用的参数：{accepted}"),
                    )
                })
                .collect();
            return Err(ApiError::BadRequest {
                code: "unknown_parameter",
                message: format!("查询参数有误：不接受 {}", unknown.join("、")),
                errors,
            });
        }
        let mut errors = vec![];
        for p in &self.0 {
            let values: Vec<&str> = given.iter().filter(|(n, _)| *n == p.name).map(|(_, v)| v.as_str()).collect();
            if values.is_empty() && p.required {
                errors.push(FieldError::new(&p.name, "required", "缺少必填的查询参数"));
            }
            if values.len() > 1 {
                errors.push(FieldError::new(&p.name, "repeated", "该查询参数只能给一次"));
            }
            if let Some(Err((code, message))) = values.first().map(|v| p.check.admit(v, &p.description)) {
                errors.push(FieldError::new(&p.name, code, message));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
    }
}

/// The schema, with `$ref` followed and a nullable `oneOf` reduced to its value.
fn resolved<'a>(schema: &'a Value, contract: &'a Value) -> &'a Value {
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        return resolved(&contract["components"]["schemas"][name], contract);
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(variants) = schema[combinator].as_array()
            && let Some(value) = variants.iter().find(|v| v["type"] != "null")
        {
            return resolved(value, contract);
        }
    }
    schema
}

fn check_of(schema: &Value, contract: &Value) -> Check {
    let s = resolved(schema, contract);
    let types: Vec<&str> = match &s["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let kind = match (types.iter().find(|t| **t != "null").copied(), s["format"].as_str()) {
        (Some("integer"), _) => Kind::Integer,
        (Some("number"), _) => Kind::Number,
        (Some("boolean"), _) => Kind::Boolean,
        (_, Some("uuid")) => Kind::Uuid,
        (_, Some("date")) => Kind::Date,
        (_, Some("date-time")) => Kind::DateTime,
        _ => Kind::Text,
    };
    Check {
        kind,
        one_of: s["enum"].as_array().map(|values| values.iter().filter_map(Value::as_str).map(str::to_owned).collect()),
        pattern: s["pattern"].as_str().and_then(|p| Regex::new(p).ok()),
        minimum: s["minimum"].as_f64(),
        maximum: s["maximum"].as_f64(),
        max_length: s["maxLength"].as_u64().and_then(|n| usize::try_from(n).ok()),
    }
}

impl Check {
    fn admit(&self, value: &str, description: &str) -> Result<(), (&'static str, String)> {
        let shape = |what: &str| {
            let hint = description.trim_end_matches(['.', '。']);
            if hint.is_empty() { what.to_owned() } else { format!("{what}（{hint}）") }
        };
        match self.kind {
            Kind::Integer => {
                let n: i64 = value.parse().map_err(|_| ("invalid_type", "应为整数".to_owned()))?;
                self.in_range(n as f64)?;
            }
            Kind::Number => {
                let n: f64 = value.parse().map_err(|_| ("invalid_type", "应为数字".to_owned()))?;
                self.in_range(n)?;
            }
            Kind::Boolean if !matches!(value, "true" | "false") => {
                return Err(("invalid_type", "应为 true 或 false".to_owned()));
            }
            Kind::Uuid if uuid::Uuid::parse_str(value).is_err() => {
                return Err(("invalid_format", "编号格式不正确（应为 UUID）".to_owned()));
            }
            Kind::Date if chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_err() => {
                return Err(("invalid_format", "日期格式应为 2026-11-28".to_owned()));
            }
            Kind::DateTime if chrono::DateTime::parse_from_rfc3339(value).is_err() => {
                return Err(("invalid_format", "时间须带时区，如 2026-11-28T10:00:00+08:00".to_owned()));
            }
            _ => {}
        }
        if let Some(allowed) = &self.one_of
            && !allowed.iter().any(|a| a == value)
        {
            return Err(("one_of", format!("取值不在允许范围内，可选：{}", allowed.join("、"))));
        }
        if self.max_length.is_some_and(|max| value.chars().count() > max) {
            return Err(("length", format!("过长，最多{}个字符", self.max_length.unwrap_or_default())));
        }
        if self.kind == Kind::Text && self.pattern.as_ref().is_some_and(|p| !p.is_match(value)) {
            return Err(("invalid_format", shape("格式不正确")));
        }
        Ok(())
    }

    fn in_range(&self, n: f64) -> Result<(), (&'static str, String)> {
        let below = self.minimum.is_some_and(|min| n < min);
        let above = self.maximum.is_some_and(|max| n > max);
        if !(below || above) {
            return Ok(());
        }
        let bound = |b: Option<f64>| b.map_or_else(String::new, |b| format!("{b}"));
        Err(("range", format!("应在{}至{}之间", bound(self.minimum), bound(self.maximum))))
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use serde_json::json;

    use super::*;

    fn declared() -> Declared {
        let contract = json!({ "components": { "schemas": { "Kind": { "type": "string", "enum": ["routine", "cross_check"] } } } });
        let op = json!({ "parameters": [
            { "in": "query", "name": "month", "required": true, "description": "`YYYY-MM`.",
              "schema": { "type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$" } },
            { "in": "query", "name": "kind", "schema": { "oneOf": [{ "type": "null" }, { "$ref": "#/components/schemas/Kind" }] } },
            { "in": "query", "name": "page", "schema": { "type": "integer", "minimum": 1, "maximum": 1000 } },
            { "in": "query", "name": "town_id", "schema": { "type": "string", "format": "uuid" } },
            { "in": "query", "name": "mine", "schema": { "type": "boolean" } },
            { "in": "path", "name": "id", "required": true, "schema": { "type": "string" } }
        ] });
        Declared::of(&op, &contract)
    }

    fn fields(e: ApiError) -> Vec<(String, String)> {
        let body = e.body();
        body.errors.into_iter().map(|f| (f.field, f.code)).collect()
    }

    #[test]
    fn what_the_contract_declares_passes() {
        let d = declared();
        assert!(d.admit("month=2026-11").is_ok());
        assert!(
            d.admit("month=2026-11&kind=cross_check&page=3&mine=true&town_id=0193e0a2-7b1c-7d3e-8f00-000000000001")
                .is_ok()
        );
    }

    #[test]
    fn a_name_not_declared_is_refused_by_name_with_the_accepted_ones() {
        let e = declared().admit("month=2026-11&dry_run=true&id=1").unwrap_err();
        let body = e.body();
        assert_eq!(body.status, 400);
        assert_eq!(body.code, "unknown_parameter");
        let names: Vec<&str> = body.errors.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["dry_run", "id"], "a path parameter is not a query parameter");
        assert!(body.errors[0].message.contains("month、kind、page"), "{}", body.errors[0].message);
    }

    #[test]
    fn each_bad_value_is_a_field_error_in_chinese() {
        let e = declared().admit("kind=monthly&page=0&mine=yes&town_id=7&month=2026-13").unwrap_err();
        let mut got = fields(e);
        got.sort();
        assert_eq!(
            got,
            [
                ("kind".to_owned(), "one_of".to_owned()),
                ("mine".to_owned(), "invalid_type".to_owned()),
                ("month".to_owned(), "invalid_format".to_owned()),
                ("page".to_owned(), "range".to_owned()),
                ("town_id".to_owned(), "invalid_format".to_owned()),
            ]
        );
        let e = declared().admit("month=11月").unwrap_err();
        assert!(e.body().errors[0].message.contains("YYYY-MM"), "the description says the shape");
    }

    #[test]
    fn a_required_parameter_missing_or_a_repeated_one_is_named() {
        assert_eq!(fields(declared().admit("").unwrap_err()), [("month".to_owned(), "required".to_owned())]);
        assert_eq!(
            fields(declared().admit("month=2026-11&page=1&page=2").unwrap_err()),
            [("page".to_owned(), "repeated".to_owned())]
        );
    }
}
