//! Phone spot-checks (SPEC §8.1), run as a small telephone survey (CATI): questionnaires with typed
//! questions and skip logic, cases called under attempt rules, outcomes mapped to AAPOR final
//! dispositions, answers checked against the questionnaire and against the records.
//!
//! Rates follow AAPOR's *Standard Definitions*:
//! - response rate RR1 = I / (I + P + R + NC + O + UH)
//! - contact rate CON1 = (I + P + R + O) / (I + P + R + O + NC + UH)
//! - cooperation rate COOP1 = I / (I + P + R + O)
//!
//! where I complete, P partial, R refusal, NC non-contact, O other, UH unknown eligibility (no answer,
//! busy, not yet attempted); wrong or empty numbers are not eligible (NE) and are left out of every
//! denominator. Households without a usable phone number are counted apart and never dialled.
//!
//! Satisfaction rate = satisfied / (satisfied + unsatisfied), over interviews (complete or partial)
//! whose answers carry a satisfaction judgement: an interview is unsatisfied when any answer is one
//! the questionnaire marks unsatisfied, satisfied when at least one answer is marked satisfied and
//! none unsatisfied.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::household::Tag;
use crate::problem::Category;

// ---------------------------------------------------------------------------------------------
// Questionnaires

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    SingleChoice,
    MultipleChoice,
    YesNo,
    Scale,
    Number,
    Text,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    /// For a policy question: households with any of these tags are entitled to this policy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entitled_tags: Vec<Tag>,
}

/// Shown only when an earlier question's answer is one of `any_of`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShowIf {
    pub question: String,
    pub any_of: Vec<String>,
}

/// Answers that raise a problem of a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Raise {
    pub any_of: Vec<String>,
    pub category: Category,
}

/// Compares an answer with the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// A yes/no "did a cadre visit you this month?": "no" while a visit is recorded contradicts.
    CadreVisitedThisMonth,
    /// A multiple choice of policies: a policy the household's tags entitle it to, not chosen, contradicts.
    PoliciesByTag,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Stable within the questionnaire, e.g. `q1`.
    pub id: String,
    pub text: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// Scale and number bounds (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<ShowIf>,
    /// Answers that count as satisfied / unsatisfied (`yes`, `no`, an option value, a scale point).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub satisfied: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsatisfied: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raises: Option<Raise>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<Check>,
}

/// One thing wrong with a questionnaire or an answer sheet, at a path such as `questions[2].options`
/// or `answers.q3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub path: String,
    pub code: &'static str,
    pub message: String,
}

fn issue(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Issue {
    Issue { path: path.into(), code, message: message.into() }
}

impl Question {
    /// The answer tokens this question can produce (for matching conditions); `None` for free text
    /// and unbounded numbers.
    fn tokens(&self) -> Option<BTreeSet<String>> {
        match self.kind {
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                Some(self.options.iter().map(|o| o.value.clone()).collect())
            }
            QuestionKind::YesNo => Some(["yes".to_owned(), "no".to_owned()].into()),
            QuestionKind::Scale => {
                let (lo, hi) = (self.min? as i64, self.max? as i64);
                Some((lo..=hi).map(|n| n.to_string()).collect())
            }
            QuestionKind::Number | QuestionKind::Text => None,
        }
    }

    fn label_of(&self, token: &str) -> String {
        match self.kind {
            QuestionKind::YesNo => if token == "yes" { "是" } else { "否" }.to_owned(),
            _ => self.options.iter().find(|o| o.value == token).map_or_else(|| token.to_owned(), |o| o.label.clone()),
        }
    }
}

/// Checks a questionnaire before it is saved: every reference resolves, every value is possible.
pub fn validate_template(questions: &[Question]) -> Vec<Issue> {
    let mut out = vec![];
    if questions.is_empty() || questions.len() > 100 {
        out.push(issue("questions", "length", "问卷应有1至100道题"));
    }
    let mut seen: BTreeMap<&str, &Question> = BTreeMap::new();
    for (i, q) in questions.iter().enumerate() {
        let at = |f: &str| format!("questions[{i}].{f}");
        let id_ok = !q.id.is_empty()
            && q.id.len() <= 32
            && q.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !id_ok {
            out.push(issue(at("id"), "invalid", "题号应为1至32位字母、数字、下划线或连字符"));
        } else if seen.contains_key(q.id.as_str()) {
            out.push(issue(at("id"), "duplicate", format!("题号“{}”重复", q.id)));
        }
        if q.text.trim().is_empty() || q.text.chars().count() > 500 {
            out.push(issue(at("text"), "length", "题目内容应为1至500字"));
        }
        match q.kind {
            QuestionKind::SingleChoice | QuestionKind::MultipleChoice => {
                let values: BTreeSet<&str> = q.options.iter().map(|o| o.value.as_str()).collect();
                if q.options.len() < 2 || values.len() != q.options.len() {
                    out.push(issue(at("options"), "options", "选择题至少两个选项，且选项值不重复"));
                }
                if q.options.iter().any(|o| o.value.is_empty() || o.label.trim().is_empty()) {
                    out.push(issue(at("options"), "options", "选项的值和文字不能为空"));
                }
            }
            _ if !q.options.is_empty() => out.push(issue(at("options"), "not_allowed", "只有选择题有选项")),
            _ => {}
        }
        match q.kind {
            QuestionKind::Scale => match (q.min, q.max) {
                (Some(lo), Some(hi)) if lo.fract() == 0.0 && hi.fract() == 0.0 && lo < hi && hi - lo <= 10.0 => {}
                _ => out.push(issue(at("max"), "range", "量表题需整数的最小值和最大值，且最多11个刻度")),
            },
            QuestionKind::Number => {
                if let (Some(lo), Some(hi)) = (q.min, q.max)
                    && lo > hi
                {
                    out.push(issue(at("max"), "range", "最大值不能小于最小值"));
                }
            }
            _ => {}
        }
        let tokens = q.tokens();
        let check_values = |field: &str, values: &[String], out: &mut Vec<Issue>| {
            for v in values {
                if !tokens.as_ref().is_some_and(|t| t.contains(v)) {
                    out.push(issue(at(field), "unknown_value", format!("“{v}”不是本题可能的答案")));
                }
            }
        };
        check_values("satisfied", &q.satisfied, &mut out);
        check_values("unsatisfied", &q.unsatisfied, &mut out);
        if q.satisfied.iter().any(|v| q.unsatisfied.contains(v)) {
            out.push(issue(at("unsatisfied"), "conflict", "同一答案不能既算满意又算不满意"));
        }
        if let Some(r) = &q.raises {
            check_values("raises.any_of", &r.any_of, &mut out);
        }
        if let Some(s) = &q.show_if {
            match seen.get(s.question.as_str()) {
                None => out.push(issue(at("show_if.question"), "unknown_question", "跳转条件只能引用前面的题")),
                Some(earlier) => {
                    let t = earlier.tokens().unwrap_or_default();
                    if s.any_of.is_empty() || s.any_of.iter().any(|v| !t.contains(v)) {
                        out.push(issue(
                            at("show_if.any_of"),
                            "unknown_value",
                            "跳转条件的答案不是所引用题目的可能答案",
                        ));
                    }
                }
            }
        }
        match q.check {
            Some(Check::CadreVisitedThisMonth) if q.kind != QuestionKind::YesNo => {
                out.push(issue(at("check"), "kind", "“本月是否有干部走访”的核对只适用于是非题"));
            }
            Some(Check::PoliciesByTag)
                if q.kind != QuestionKind::MultipleChoice || q.options.iter().all(|o| o.entitled_tags.is_empty()) =>
            {
                out.push(issue(at("check"), "kind", "政策知晓核对需多选题，且选项标明享受该政策的户类型"));
            }
            _ => {}
        }
        if id_ok {
            seen.entry(q.id.as_str()).or_insert(q);
        }
    }
    out
}

/// An answer as the call taker's form sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    Bool(bool),
    Number(f64),
    Text(String),
    Many(Vec<String>),
}

/// A problem the answers raise.
#[derive(Debug, Clone, PartialEq)]
pub struct Raised {
    pub question: String,
    pub category: Category,
    /// 题目：答案, for the problem's description.
    pub description: String,
}

/// What a valid answer sheet says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evaluation {
    /// `Some(true)` satisfied, `Some(false)` unsatisfied, `None` no judgement (see the module doc).
    pub satisfied: Option<bool>,
    pub raised: Vec<Raised>,
}

fn tokens_of(q: &Question, a: &Answer) -> Result<Vec<String>, &'static str> {
    match (q.kind, a) {
        (QuestionKind::SingleChoice, Answer::Text(v)) if q.options.iter().any(|o| &o.value == v) => Ok(vec![v.clone()]),
        (QuestionKind::SingleChoice, _) => Err("请从选项中选择一项"),
        (QuestionKind::MultipleChoice, Answer::Many(vs)) => {
            let unique: BTreeSet<&String> = vs.iter().collect();
            if unique.len() != vs.len() || vs.iter().any(|v| !q.options.iter().any(|o| &o.value == v)) {
                Err("请从选项中选择，且不重复")
            } else {
                Ok(vs.clone())
            }
        }
        (QuestionKind::MultipleChoice, _) => Err("多选题的答案应为选项列表"),
        (QuestionKind::YesNo, Answer::Bool(b)) => Ok(vec![if *b { "yes" } else { "no" }.to_owned()]),
        (QuestionKind::YesNo, _) => Err("是非题的答案应为“是”或“否”"),
        (QuestionKind::Scale, Answer::Number(n)) => {
            let (lo, hi) = (q.min.unwrap_or(1.0), q.max.unwrap_or(5.0));
            if n.fract() == 0.0 && *n >= lo && *n <= hi {
                Ok(vec![(*n as i64).to_string()])
            } else {
                Err("量表题的答案应为范围内的整数")
            }
        }
        (QuestionKind::Number, Answer::Number(n)) => {
            if n.is_finite() && q.min.is_none_or(|lo| *n >= lo) && q.max.is_none_or(|hi| *n <= hi) {
                Ok(vec![])
            } else {
                Err("数值超出范围")
            }
        }
        (QuestionKind::Scale | QuestionKind::Number, _) => Err("答案应为数字"),
        (QuestionKind::Text, Answer::Text(t)) if t.chars().count() <= 500 => Ok(vec![]),
        (QuestionKind::Text, _) => Err("答案应为不超过500字的文字"),
    }
}

/// Checks an answer sheet against the questionnaire: types, options, skip logic, and — when the
/// interview is `complete` — every shown required question answered. Returns what it says, or
/// every problem found, per question.
pub fn validate_answers(
    questions: &[Question],
    answers: &BTreeMap<String, Answer>,
    complete: bool,
) -> Result<Evaluation, Vec<Issue>> {
    let mut issues = vec![];
    for id in answers.keys() {
        if !questions.iter().any(|q| &q.id == id) {
            issues.push(issue(format!("answers.{id}"), "unknown_question", "问卷中没有这道题"));
        }
    }
    let mut given: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut eval = Evaluation::default();
    let (mut any_satisfied, mut any_unsatisfied) = (false, false);
    for q in questions {
        let path = format!("answers.{}", q.id);
        let shown = q.show_if.as_ref().is_none_or(|s| {
            given.get(s.question.as_str()).is_some_and(|toks| toks.iter().any(|t| s.any_of.contains(t)))
        });
        match (answers.get(&q.id), shown) {
            (Some(_), false) => issues.push(issue(path, "skipped", "按跳转规则此题不应作答")),
            (None, true) if complete && q.required => issues.push(issue(path, "required", "此题必答")),
            (None, _) => {}
            (Some(a), true) => match tokens_of(q, a) {
                Err(m) => issues.push(issue(path, "invalid_answer", m)),
                Ok(toks) => {
                    any_satisfied |= toks.iter().any(|t| q.satisfied.contains(t));
                    any_unsatisfied |= toks.iter().any(|t| q.unsatisfied.contains(t));
                    if let Some(r) = &q.raises
                        && let Some(hit) = toks.iter().find(|t| r.any_of.contains(t))
                    {
                        eval.raised.push(Raised {
                            question: q.id.clone(),
                            category: r.category,
                            description: format!("电话抽查：{}（答：{}）", q.text, q.label_of(hit)),
                        });
                    }
                    given.insert(q.id.as_str(), toks);
                }
            },
        }
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    eval.satisfied = if any_unsatisfied {
        Some(false)
    } else if any_satisfied {
        Some(true)
    } else {
        None
    };
    Ok(eval)
}

/// What the records say about the household called.
#[derive(Debug, Clone, Default)]
pub struct HouseholdFacts {
    pub visited_this_month: bool,
    pub tags: Vec<Tag>,
}

/// An answer that contradicts the records, for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contradiction {
    pub question: String,
    pub kind: &'static str,
    pub message: String,
}

/// Answers (already validated) that the records contradict.
pub fn triangulate(
    questions: &[Question],
    answers: &BTreeMap<String, Answer>,
    facts: &HouseholdFacts,
) -> Vec<Contradiction> {
    let mut out = vec![];
    for q in questions {
        let Some(a) = answers.get(&q.id) else { continue };
        match (q.check, a) {
            (Some(Check::CadreVisitedThisMonth), Answer::Bool(false)) if facts.visited_this_month => {
                out.push(Contradiction {
                    question: q.id.clone(),
                    kind: "visit_denied",
                    message: "农户称本月没有干部走访，但系统中有本月的走访记录".into(),
                });
            }
            (Some(Check::PoliciesByTag), Answer::Many(chosen)) => {
                for o in &q.options {
                    if o.entitled_tags.iter().any(|t| facts.tags.contains(t)) && !chosen.contains(&o.value) {
                        out.push(Contradiction {
                            question: q.id.clone(),
                            kind: "policy_unknown",
                            message: format!("按户类型应享受“{}”，农户未提及", o.label),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Calls

/// A call attempt's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    Partial,
    NoAnswer,
    Busy,
    Refused,
    WrongNumber,
    Callback,
}

/// AAPOR's groups of final dispositions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    /// I: complete interview.
    Complete,
    /// P: partial interview.
    Partial,
    /// R: refusal and break-off.
    Refusal,
    /// NC: non-contact (the respondent was never available).
    NonContact,
    /// UH: unknown eligibility (no answer, busy, not attempted).
    Unknown,
    /// NE: not eligible (non-working or wrong number).
    NotEligible,
}

impl Outcome {
    pub const ALL: [Outcome; 7] = [
        Outcome::Completed,
        Outcome::Partial,
        Outcome::NoAnswer,
        Outcome::Busy,
        Outcome::Refused,
        Outcome::WrongNumber,
        Outcome::Callback,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Partial => "partial",
            Outcome::NoAnswer => "no_answer",
            Outcome::Busy => "busy",
            Outcome::Refused => "refused",
            Outcome::WrongNumber => "wrong_number",
            Outcome::Callback => "callback",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Completed => "接通并完成",
            Outcome::Partial => "接通部分完成",
            Outcome::NoAnswer => "无人接听",
            Outcome::Busy => "占线",
            Outcome::Refused => "拒访",
            Outcome::WrongNumber => "空号或错号",
            Outcome::Callback => "约定回访",
        }
    }

    /// The AAPOR disposition code (telephone surveys) and its group.
    pub fn aapor(self) -> (&'static str, Group) {
        match self {
            Outcome::Completed => ("1.1", Group::Complete),
            Outcome::Partial => ("1.2", Group::Partial),
            Outcome::Refused => ("2.11", Group::Refusal),
            Outcome::Callback => ("2.21", Group::NonContact),
            Outcome::Busy => ("3.12", Group::Unknown),
            Outcome::NoAnswer => ("3.13", Group::Unknown),
            Outcome::WrongNumber => ("4.31", Group::NotEligible),
        }
    }

    /// Closes the case.
    pub fn is_final(self) -> bool {
        matches!(self, Outcome::Completed | Outcome::Partial | Outcome::Refused | Outcome::WrongNumber)
    }

    /// Somebody in the household was reached.
    pub fn reached(self) -> bool {
        matches!(self, Outcome::Completed | Outcome::Partial | Outcome::Refused | Outcome::Callback)
    }

    /// The interview took place: answers come with it.
    pub fn interviewed(self) -> bool {
        matches!(self, Outcome::Completed | Outcome::Partial)
    }
}

/// AAPOR code of a case never attempted (3.11, unknown eligibility).
pub const NOT_ATTEMPTED: &str = "3.11";

/// The rules for calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallPolicy {
    /// Attempts that reach nobody (no answer, busy) before the case closes.
    pub max_unreached: u32,
    /// Attempts of any kind before the case closes (callbacks included).
    pub max_attempts: u32,
    /// Least time between two attempts, unless a callback was agreed for sooner.
    pub min_spacing: Duration,
    /// Local (Beijing time) windows in which households may be called.
    pub hours: Vec<(NaiveTime, NaiveTime)>,
}

impl Default for CallPolicy {
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        Self {
            max_unreached: 3,
            max_attempts: 6,
            min_spacing: Duration::minutes(60),
            hours: vec![(t(8, 30), t(12, 0)), (t(14, 0), t(20, 30))],
        }
    }
}

impl CallPolicy {
    pub fn allows(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&crate::TZ).time();
        self.hours.iter().any(|(from, to)| local >= *from && local < *to)
    }
}

/// Parses calling hours such as `08:30-12:00,14:00-20:30` (Beijing time).
pub fn parse_hours(s: &str) -> Result<Vec<(NaiveTime, NaiveTime)>, String> {
    let mut out = vec![];
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let parsed = part.split_once('-').and_then(|(a, b)| {
            Some((
                NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?,
                NaiveTime::parse_from_str(b.trim(), "%H:%M").ok()?,
            ))
        });
        match parsed {
            Some((from, to)) if from < to => out.push((from, to)),
            _ => return Err(format!("`{part}` is not a window like 08:30-12:00")),
        }
    }
    if out.is_empty() {
        return Err("no calling hours given".into());
    }
    Ok(out)
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub outcome: Outcome,
    pub callback_at: Option<DateTime<Utc>>,
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseState {
    /// May be called from `due`; `callback` when a callback was agreed for then.
    Open { due: Option<DateTime<Utc>>, callback: bool, attempts: u32 },
    /// Closed, with the outcome that closed it.
    Closed { outcome: Outcome },
}

impl CaseState {
    pub fn is_closed(self) -> bool {
        matches!(self, CaseState::Closed { .. })
    }
}

/// The case's state after its attempts (in time order).
pub fn case_state(policy: &CallPolicy, attempts: &[Attempt]) -> CaseState {
    let Some(last) = attempts.last() else { return CaseState::Open { due: None, callback: false, attempts: 0 } };
    let n = u32::try_from(attempts.len()).unwrap_or(u32::MAX);
    let unreached = attempts.iter().filter(|a| !a.outcome.reached() && !a.outcome.is_final()).count();
    if last.outcome.is_final()
        || u32::try_from(unreached).unwrap_or(u32::MAX) >= policy.max_unreached
        || n >= policy.max_attempts
    {
        return CaseState::Closed { outcome: last.outcome };
    }
    match (last.outcome, last.callback_at) {
        (Outcome::Callback, Some(at)) => CaseState::Open { due: Some(at), callback: true, attempts: n },
        _ => CaseState::Open { due: Some(last.at + policy.min_spacing), callback: false, attempts: n },
    }
}

/// Why an attempt cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Closed,
    MaxAttempts,
    TooSoon { due: DateTime<Utc> },
    OutsideHours,
    CallbackTimeRequired,
    CallbackNotAllowed,
    CallbackInPast,
    CallbackOutsideHours,
    NotInOrder,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Closed => "case_closed",
            Refusal::MaxAttempts => "max_attempts",
            Refusal::TooSoon { .. } => "too_soon",
            Refusal::OutsideHours => "outside_calling_hours",
            Refusal::CallbackTimeRequired => "callback_time_required",
            Refusal::CallbackNotAllowed => "callback_time_not_allowed",
            Refusal::CallbackInPast => "callback_in_past",
            Refusal::CallbackOutsideHours => "callback_outside_calling_hours",
            Refusal::NotInOrder => "attempt_out_of_order",
        }
    }

    pub fn message_zh(self) -> String {
        match self {
            Refusal::Closed => "该户的电话抽查已结束，不能再记录拨打".into(),
            Refusal::MaxAttempts => "已达到最多拨打次数".into(),
            Refusal::TooSoon { due } => {
                format!("两次拨打间隔不足，请于{}后再拨", due.with_timezone(&crate::TZ).format("%-m月%-d日%H:%M"))
            }
            Refusal::OutsideHours => "不在允许拨打的时段内".into(),
            Refusal::CallbackTimeRequired => "约定回访需填写回访时间".into(),
            Refusal::CallbackNotAllowed => "只有约定回访才填写回访时间".into(),
            Refusal::CallbackInPast => "回访时间应晚于本次拨打".into(),
            Refusal::CallbackOutsideHours => "回访时间不在允许拨打的时段内".into(),
            Refusal::NotInOrder => "拨打时间早于上一次拨打".into(),
        }
    }
}

/// Checks a new attempt against the case's history and the policy; on success returns the state after it.
pub fn record_attempt(policy: &CallPolicy, history: &[Attempt], next: &Attempt) -> Result<CaseState, Refusal> {
    let state = case_state(policy, history);
    match state {
        CaseState::Closed { outcome } => {
            let maxed = !outcome.is_final();
            return Err(if maxed { Refusal::MaxAttempts } else { Refusal::Closed });
        }
        CaseState::Open { due, callback, .. } => {
            if history.last().is_some_and(|l| next.at < l.at) {
                return Err(Refusal::NotInOrder);
            }
            // A callback may be made from its agreed time (a few minutes early is fine).
            let slack = if callback { Duration::minutes(5) } else { Duration::zero() };
            if let Some(due) = due
                && next.at + slack < due
            {
                return Err(Refusal::TooSoon { due });
            }
        }
    }
    if !policy.allows(next.at) {
        return Err(Refusal::OutsideHours);
    }
    match (next.outcome, next.callback_at) {
        (Outcome::Callback, None) => return Err(Refusal::CallbackTimeRequired),
        (Outcome::Callback, Some(cb)) if cb <= next.at => return Err(Refusal::CallbackInPast),
        (Outcome::Callback, Some(cb)) if !policy.allows(cb) => return Err(Refusal::CallbackOutsideHours),
        (o, Some(_)) if o != Outcome::Callback => return Err(Refusal::CallbackNotAllowed),
        _ => {}
    }
    let mut all = history.to_vec();
    all.push(next.clone());
    Ok(case_state(policy, &all))
}

/// A call taker's queue order: callbacks due first (earliest agreed time first), then cases never
/// called, then retries (earliest due first). Cases not yet due are left out.
pub fn queue_order(now: DateTime<Utc>, states: &[(usize, CaseState)]) -> Vec<usize> {
    let mut due: Vec<(u8, Option<DateTime<Utc>>, usize)> = states
        .iter()
        .filter_map(|(i, s)| match *s {
            CaseState::Open { due: None, .. } => Some((1, None, *i)),
            CaseState::Open { due: Some(d), callback, .. } if d <= now + Duration::minutes(5) && callback => {
                Some((0, Some(d), *i))
            }
            CaseState::Open { due: Some(d), callback: false, .. } if d <= now => Some((2, Some(d), *i)),
            _ => None,
        })
        .collect();
    due.sort();
    due.into_iter().map(|(_, _, i)| i).collect()
}

/// Draws the households to call: all of them, or a share (`rate` in (0, 1], rounded up), reproducibly
/// from `seed`. Returns the chosen indices in their original order.
pub fn sample(n: usize, rate: Option<f64>, seed: u64) -> Result<Vec<usize>, &'static str> {
    let take = match rate {
        None => n,
        Some(r) if r > 0.0 && r <= 1.0 => ((r * n as f64).ceil() as usize).min(n),
        Some(_) => return Err("抽样比例应大于0且不超过1"),
    };
    let mut idx: Vec<usize> = (0..n).collect();
    crate::rng::SplitMix64::new(seed).shuffle(&mut idx);
    idx.truncate(take);
    idx.sort_unstable();
    Ok(idx)
}

// ---------------------------------------------------------------------------------------------
// Figures

/// A case as the figures see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    /// The last attempt's outcome; `None` when never attempted.
    pub last_outcome: Option<Outcome>,
    pub satisfied: Option<bool>,
    pub problems: u32,
}

/// Counts and rates for a set of cases (see the module doc for the definitions).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Figures {
    pub cases: u32,
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
    /// AAPOR RR1.
    pub response_rate: Option<f64>,
    /// AAPOR CON1: households reached.
    pub contact_rate: Option<f64>,
    /// AAPOR COOP1.
    pub cooperation_rate: Option<f64>,
    pub satisfaction_rate: Option<f64>,
}

fn ratio(num: u32, den: u32) -> Option<f64> {
    (den > 0).then(|| f64::from(num) / f64::from(den))
}

pub fn figures(cases: &[CaseFacts]) -> Figures {
    let mut f = Figures { cases: u32::try_from(cases.len()).unwrap_or(u32::MAX), ..Figures::default() };
    for c in cases {
        match c.last_outcome.map(|o| o.aapor().1) {
            None => {
                f.not_attempted += 1;
                f.unknown += 1;
            }
            Some(Group::Complete) => f.complete += 1,
            Some(Group::Partial) => f.partial += 1,
            Some(Group::Refusal) => f.refusal += 1,
            Some(Group::NonContact) => f.non_contact += 1,
            Some(Group::Unknown) => f.unknown += 1,
            Some(Group::NotEligible) => f.not_eligible += 1,
        }
        if c.last_outcome.is_some_and(Outcome::interviewed) {
            match c.satisfied {
                Some(true) => f.satisfied += 1,
                Some(false) => f.unsatisfied += 1,
                None => {}
            }
        }
        f.problems += c.problems;
    }
    let (i, p, r, nc, uh) = (f.complete, f.partial, f.refusal, f.non_contact, f.unknown);
    f.response_rate = ratio(i, i + p + r + nc + uh);
    f.contact_rate = ratio(i + p + r, i + p + r + nc + uh);
    f.cooperation_rate = ratio(i, i + p + r);
    f.satisfaction_rate = ratio(f.satisfied, f.satisfied + f.unsatisfied);
    f
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn q(json: serde_json::Value) -> Question {
        serde_json::from_value(json).unwrap()
    }

    fn template() -> Vec<Question> {
        vec![
            q(serde_json::json!({ "id": "water", "text": "饮水安全吗", "kind": "yes_no", "required": true,
                "unsatisfied": ["no"], "raises": { "any_of": ["no"], "category": "drinking_water" } })),
            q(serde_json::json!({ "id": "water_why", "text": "饮水有什么问题", "kind": "text",
                "show_if": { "question": "water", "any_of": ["no"] } })),
            q(serde_json::json!({ "id": "visited", "text": "本月有干部来过吗", "kind": "yes_no", "required": true,
                "check": "cadre_visited_this_month" })),
            q(serde_json::json!({ "id": "policies", "text": "享受哪些政策", "kind": "multiple_choice",
                "check": "policies_by_tag", "options": [
                    { "value": "dibao", "label": "低保", "entitled_tags": ["subsistence"] },
                    { "value": "medical", "label": "医疗救助", "entitled_tags": ["alleviated"] },
                    { "value": "none", "label": "都没有" } ] })),
            q(serde_json::json!({ "id": "overall", "text": "总体满意度", "kind": "scale", "min": 1, "max": 5,
                "required": true, "satisfied": ["4", "5"], "unsatisfied": ["1", "2"] })),
        ]
    }

    fn answers(pairs: serde_json::Value) -> BTreeMap<String, Answer> {
        serde_json::from_value(pairs).unwrap()
    }

    #[test]
    fn a_sound_template_passes_and_broken_references_are_named() {
        assert!(validate_template(&template()).is_empty());
        let mut t = template();
        t[1].show_if = Some(ShowIf { question: "overall".into(), any_of: vec!["no".into()] });
        t[4].satisfied.push("9".into());
        t[3].options[1].value = "dibao".into();
        t.push(t[0].clone());
        let codes: Vec<(String, &str)> = validate_template(&t).into_iter().map(|i| (i.path, i.code)).collect();
        assert!(codes.contains(&("questions[1].show_if.question".into(), "unknown_question")), "{codes:?}");
        assert!(codes.contains(&("questions[4].satisfied".into(), "unknown_value")));
        assert!(codes.contains(&("questions[3].options".into(), "options")));
        assert!(codes.contains(&("questions[5].id".into(), "duplicate")));
        assert!(!validate_template(&[]).is_empty());
    }

    #[test]
    fn answers_are_checked_for_type_options_skip_logic_and_required() {
        let t = template();
        let good = answers(serde_json::json!({ "water": false, "water_why": "井水浑浊", "visited": true,
            "policies": ["medical"], "overall": 4 }));
        let e = validate_answers(&t, &good, true).unwrap();
        assert_eq!(e.satisfied, Some(false), "unsafe water counts unsatisfied despite a 4");
        assert_eq!(e.raised.len(), 1);
        assert_eq!(e.raised[0].category, Category::DrinkingWater);
        assert!(e.raised[0].description.contains("答：否"));

        let bad = answers(serde_json::json!({ "water": true, "water_why": "x", "policies": ["gold"],
            "overall": 6, "extra": 1 }));
        let issues = validate_answers(&t, &bad, true).unwrap_err();
        let by: BTreeMap<String, &str> = issues.iter().map(|i| (i.path.clone(), i.code)).collect();
        assert_eq!(by["answers.water_why"], "skipped");
        assert_eq!(by["answers.visited"], "required");
        assert_eq!(by["answers.policies"], "invalid_answer");
        assert_eq!(by["answers.overall"], "invalid_answer");
        assert_eq!(by["answers.extra"], "unknown_question");
        // A partial interview need not answer everything.
        let partial = answers(serde_json::json!({ "water": true }));
        assert_eq!(validate_answers(&t, &partial, false).unwrap().satisfied, None);
        assert!(validate_answers(&t, &partial, true).is_err());
        // Fractional scale points are refused; a satisfied answer with nothing unsatisfied is satisfied.
        let frac = answers(serde_json::json!({ "water": true, "visited": true, "overall": 4.5 }));
        assert!(validate_answers(&t, &frac, true).is_err());
        let happy = answers(serde_json::json!({ "water": true, "visited": true, "overall": 5 }));
        assert_eq!(validate_answers(&t, &happy, true).unwrap().satisfied, Some(true));
    }

    #[test]
    fn answers_that_contradict_the_records_are_flagged() {
        let t = template();
        let a = answers(serde_json::json!({ "water": true, "visited": false, "policies": ["none"], "overall": 5 }));
        let facts = HouseholdFacts { visited_this_month: true, tags: vec![Tag::Alleviated, Tag::Subsistence] };
        let c = triangulate(&t, &a, &facts);
        let kinds: Vec<&str> = c.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, ["visit_denied", "policy_unknown", "policy_unknown"]);
        let unvisited = HouseholdFacts { visited_this_month: false, tags: vec![Tag::General] };
        assert!(triangulate(&t, &a, &unvisited).is_empty());
    }

    fn attempt(s: &str, outcome: Outcome, cb: Option<&str>) -> Attempt {
        Attempt { at: at(s), outcome, callback_at: cb.map(at) }
    }

    #[test]
    fn attempts_respect_spacing_hours_callbacks_and_the_maximum() {
        let p = CallPolicy::default();
        let mut h = vec![];
        let first = attempt("2026-11-28T09:00:00+08:00", Outcome::NoAnswer, None);
        assert!(record_attempt(&p, &h, &first).is_ok());
        h.push(first);
        let soon = attempt("2026-11-28T09:30:00+08:00", Outcome::NoAnswer, None);
        assert!(matches!(record_attempt(&p, &h, &soon), Err(Refusal::TooSoon { .. })));
        let lunch = attempt("2026-11-28T12:30:00+08:00", Outcome::NoAnswer, None);
        assert_eq!(record_attempt(&p, &h, &lunch), Err(Refusal::OutsideHours));
        h.push(attempt("2026-11-28T14:00:00+08:00", Outcome::NoAnswer, None));
        // A callback needs a time, in calling hours, after now.
        let cb = |when| attempt("2026-11-28T15:00:00+08:00", Outcome::Callback, when);
        assert_eq!(record_attempt(&p, &h, &cb(None)), Err(Refusal::CallbackTimeRequired));
        assert_eq!(record_attempt(&p, &h, &cb(Some("2026-11-28T22:00:00+08:00"))), Err(Refusal::CallbackOutsideHours));
        assert_eq!(record_attempt(&p, &h, &cb(Some("2026-11-28T14:30:00+08:00"))), Err(Refusal::CallbackInPast));
        let agreed = cb(Some("2026-11-28T15:20:00+08:00"));
        let after = record_attempt(&p, &h, &agreed).unwrap();
        assert_eq!(after, CaseState::Open { due: Some(at("2026-11-28T15:20:00+08:00")), callback: true, attempts: 3 });
        h.push(agreed);
        // The callback is due at its time, though sooner than the usual spacing.
        let done = attempt("2026-11-28T15:18:00+08:00", Outcome::Completed, None);
        assert_eq!(record_attempt(&p, &h, &done), Ok(CaseState::Closed { outcome: Outcome::Completed }));
        h.push(done);
        let again = attempt("2026-11-28T17:00:00+08:00", Outcome::Completed, None);
        assert_eq!(record_attempt(&p, &h, &again), Err(Refusal::Closed));

        // Three attempts that reach nobody close the case; a fourth is refused.
        let h2 = vec![
            attempt("2026-11-28T09:00:00+08:00", Outcome::NoAnswer, None),
            attempt("2026-11-28T10:00:00+08:00", Outcome::Busy, None),
            attempt("2026-11-28T11:00:00+08:00", Outcome::NoAnswer, None),
        ];
        assert_eq!(case_state(&p, &h2), CaseState::Closed { outcome: Outcome::NoAnswer });
        let fourth = attempt("2026-11-28T15:00:00+08:00", Outcome::Completed, None);
        assert_eq!(record_attempt(&p, &h2, &fourth), Err(Refusal::MaxAttempts));
    }

    #[test]
    fn calling_hours_parse_from_config() {
        let h = parse_hours("08:30-12:00, 14:00-20:30").unwrap();
        assert_eq!(h, CallPolicy::default().hours);
        assert!(parse_hours("12:00-08:00").is_err());
        assert!(parse_hours("8h-9h").is_err());
        assert!(parse_hours("").is_err());
    }

    #[test]
    fn calling_hours_are_beijing_time() {
        let p = CallPolicy::default();
        assert!(p.allows(at("2026-11-28T00:30:00Z")), "08:30 in Beijing");
        assert!(!p.allows(at("2026-11-28T00:29:00Z")));
        assert!(!p.allows(at("2026-11-28T12:30:00Z")), "20:30 in Beijing: closed");
        assert!(p.allows(at("2026-11-28T12:29:00Z")));
    }

    #[test]
    fn the_queue_puts_due_callbacks_first_then_fresh_cases_then_retries() {
        let now = at("2026-11-28T10:00:00+08:00");
        let states = [
            (0, CaseState::Open { due: Some(at("2026-11-28T09:00:00+08:00")), callback: false, attempts: 1 }),
            (1, CaseState::Open { due: None, callback: false, attempts: 0 }),
            (2, CaseState::Open { due: Some(at("2026-11-28T09:59:00+08:00")), callback: true, attempts: 2 }),
            (3, CaseState::Open { due: Some(at("2026-11-28T11:00:00+08:00")), callback: true, attempts: 1 }),
            (4, CaseState::Closed { outcome: Outcome::Completed }),
            (5, CaseState::Open { due: Some(at("2026-11-28T10:30:00+08:00")), callback: false, attempts: 1 }),
        ];
        assert_eq!(queue_order(now, &states), [2, 1, 0]);
    }

    #[test]
    fn samples_are_reproducible_and_rounded_up() {
        assert_eq!(sample(10, None, 1).unwrap().len(), 10);
        let a = sample(10, Some(0.25), 42).unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(a, sample(10, Some(0.25), 42).unwrap());
        assert!(sample(10, Some(0.0), 1).is_err());
        assert!(sample(10, Some(1.5), 1).is_err());
        assert!(sample(0, Some(0.5), 1).unwrap().is_empty());
    }

    #[test]
    fn figures_follow_the_aapor_definitions() {
        let c = |o: Option<Outcome>, s: Option<bool>, p: u32| CaseFacts { last_outcome: o, satisfied: s, problems: p };
        let f = figures(&[
            c(Some(Outcome::Completed), Some(true), 0),
            c(Some(Outcome::Completed), Some(false), 2),
            c(Some(Outcome::Partial), None, 0),
            c(Some(Outcome::Refused), None, 0),
            c(Some(Outcome::Callback), None, 0),
            c(Some(Outcome::NoAnswer), None, 0),
            c(Some(Outcome::WrongNumber), None, 0),
            c(None, None, 0),
        ]);
        assert_eq!((f.complete, f.partial, f.refusal, f.non_contact, f.unknown, f.not_eligible), (2, 1, 1, 1, 2, 1));
        assert_eq!(f.response_rate, Some(2.0 / 7.0));
        assert_eq!(f.contact_rate, Some(4.0 / 7.0));
        assert_eq!(f.cooperation_rate, Some(2.0 / 4.0));
        assert_eq!(f.satisfaction_rate, Some(0.5));
        assert_eq!(f.problems, 2);
        assert_eq!(figures(&[]).response_rate, None);
        assert_eq!(Outcome::Callback.aapor().0, "2.21");
        assert_eq!(Outcome::parse("wrong_number"), Some(Outcome::WrongNumber));
    }
}
