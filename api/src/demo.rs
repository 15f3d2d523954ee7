//! The demo town seeded by `serve --demo`: Caijia town (蔡家镇) of Jiangjin district with its real
//! departments, five villages with groups and work teams, households around Jiangjin, and the demo
//! logins SPEC §13 lists (password `changxiao-demo`). Deterministic: the same data every time.

use chrono::{DateTime, NaiveDate, Utc};
use domain::id_number::check_digit;
use domain::org::{Role, ScopeKind};
use domain::{IdNumber, PhoneNumber, RiskStatus, Tag};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, TransactionTrait};
use uuid::Uuid;

use crate::crypto::FieldCipher;
use crate::store::households::{self, Draft};
use crate::store::{entity, org, users};

pub const DEMO_PASSWORD: &str = "changxiao-demo";
pub const DEFAULT_HOUSEHOLDS_PER_VILLAGE: usize = 60;

/// The departments of the notice (member units of the leading group).
pub const DEPARTMENTS: [&str; 14] = [
    "党政办",
    "镇纪委",
    "党群办",
    "财政办",
    "民政办",
    "卫健办",
    "乡村振兴办",
    "城管大队",
    "规建环保办",
    "社保所",
    "农业服务中心",
    "江津六中",
    "蔡家中山学区管理中心",
    "蔡家中心卫生院",
];

/// Villages A and B are the first two.
pub const VILLAGES: [(&str, &str); 5] = [
    ("红光村", "village"),
    ("双桥村", "village"),
    ("凉风村", "village"),
    ("石龙村", "village"),
    ("蔡家社区", "community"),
];

/// (username, display name, role, where): where is `town`, `village:N`, `team:N`, or `dept:NAME`.
pub const LOGINS: [(&str, &str, Role, &str); 15] = [
    ("demo-rro", "乡村振兴办 周敏", Role::RroStaff, "town"),
    ("demo-leader", "镇党委书记 徐达", Role::Leader, "town"),
    ("demo-deputy", "分管副镇长 阳斌", Role::DeputyMayor, "town"),
    ("demo-discipline", "镇纪委 钟明", Role::Discipline, "town"),
    ("demo-dept", "卫健办 杨虎", Role::DeptStaff, "dept:卫健办"),
    ("demo-dept", "卫健办 杨虎", Role::InfoOfficer, "dept:卫健办"),
    ("demo-clerk", "民政办资料专员 王学梅", Role::ArchiveClerk, "dept:民政办"),
    ("demo-calltaker", "电话访问员 袁泉", Role::CallTaker, "town"),
    ("demo-secretary-a", "红光村书记 彭波", Role::VillageSecretary, "village:0"),
    ("demo-teamlead-a", "驻红光村组长 赵彦龙", Role::WorkTeamLeader, "team:0"),
    ("demo-cadre-a", "驻红光村干部 徐刚", Role::Cadre, "team:0"),
    ("demo-cadre-b", "双桥村干部 周治游", Role::Cadre, "village:1"),
    ("demo-officer-a", "红光村信息员 李娟", Role::InfoOfficer, "village:0"),
    ("demo-admin", "系统管理员", Role::Admin, "town"),
    ("demo-rro", "乡村振兴办 周敏", Role::RroStaff, "town"),
];

pub fn logins_text() -> String {
    let mut out = String::from("\nDemo logins (password: changxiao-demo):\n");
    let mut seen = std::collections::BTreeSet::new();
    for (u, name, role, _) in LOGINS {
        if seen.insert((u, role)) {
            out.push_str(&format!("  {u:<18} {:<18} {name}\n", role.as_str()));
        }
    }
    out
}

pub(crate) const SURNAMES: [&str; 20] = [
    "张", "王", "李", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "罗", "谢",
    "邓",
];
pub(crate) const GIVEN: [&str; 24] = [
    "德明", "光荣", "秀英", "桂兰", "国华", "建国", "玉兰", "志强", "永福", "淑芬", "开明", "明清", "文华", "春梅",
    "家富", "大勇", "世平", "成林", "泽民", "凤英", "先贵", "正兴", "少华", "兴旺",
];

pub(crate) fn fake_id(rng: &mut StdRng) -> Option<IdNumber> {
    let birth =
        NaiveDate::from_ymd_opt(rng.random_range(1938..1992), rng.random_range(1..=12), rng.random_range(1..=28))?;
    let first17 = format!("500116{}{:03}", birth.format("%Y%m%d"), rng.random_range(0..1000));
    IdNumber::parse(&format!("{first17}{}", check_digit(first17.as_bytes()))).ok()
}

pub(crate) fn fake_tags(rng: &mut StdRng) -> (Vec<Tag>, Option<(RiskStatus, Option<NaiveDate>)>) {
    let mut tags = vec![];
    match rng.random_range(0..100) {
        0..=54 => tags.push(Tag::Alleviated),
        55..=62 => tags.push(Tag::MonitoredUnstable),
        63..=70 => tags.push(Tag::MonitoredEdge),
        71..=73 => tags.push(Tag::MonitoredSudden),
        74..=83 => tags.push(Tag::Subsistence),
        84..=88 => tags.push(Tag::ExtremePoverty),
        89..=94 => tags.push(Tag::Disabled),
        _ => tags.push(Tag::General),
    }
    if tags[0] != Tag::General {
        if rng.random_bool(0.25) && tags[0] != Tag::Subsistence {
            tags.push(Tag::Subsistence);
        }
        if rng.random_bool(0.15) && tags[0] != Tag::Disabled {
            tags.push(Tag::Disabled);
        }
    }
    let risk = tags.iter().any(|t| t.is_monitored()).then(|| {
        if rng.random_bool(0.6) {
            (RiskStatus::AtRisk, None)
        } else {
            (RiskStatus::Eliminated, NaiveDate::from_ymd_opt(2025, 6, 30))
        }
    });
    tags.sort();
    tags.dedup();
    (tags, risk)
}

/// Seeds the demo town when the database holds no town. Returns the town id when it seeded.
pub async fn seed_if_empty(
    db: &DatabaseConnection,
    cipher: &FieldCipher,
    now: DateTime<Utc>,
    households_per_village: usize,
) -> anyhow::Result<Option<Uuid>> {
    if entity::town::Entity::find().count(db).await? > 0 {
        return Ok(None);
    }
    let txn = db.begin().await?;
    let district = org::find_or_create_district(&txn, "江津区", now).await?;
    let town = org::create_town(&txn, Some(district.id), "蔡家镇", "500116-caijia", now).await?;
    // The demo town has run the mechanism since the quarter began: its history starts there.
    org::set_live_from(&txn, town.id, domain::Quarter::containing(now).m1().first_day()).await?;
    let mut departments = vec![];
    for d in DEPARTMENTS {
        let duties = domain::screening::DepartmentDuties::default_for(d);
        departments.push(org::create_department(&txn, town.id, d, &duties, now).await?);
    }
    let mut villages = vec![];
    let mut teams = vec![];
    let mut groups = vec![];
    for (name, kind) in VILLAGES {
        let v = org::create_village(&txn, town.id, name, kind, now).await?;
        teams.push(org::create_work_team(&txn, town.id, v.id, &format!("驻{name}工作组"), now).await?);
        let mut gs = vec![];
        for g in ["一社", "二社", "三社", "四社", "五社"] {
            gs.push(org::create_group(&txn, v.id, g, now).await?);
        }
        groups.push(gs);
        villages.push(v);
    }
    // One hash for the shared demo password: argon2 is slow on purpose, and the password is public.
    let hash = crate::auth::password::hash_blocking(DEMO_PASSWORD)?;
    let mut created: std::collections::HashMap<&str, Uuid> = std::collections::HashMap::new();
    for (username, display, role, place) in LOGINS {
        let id = match created.get(username) {
            Some(id) => *id,
            None => {
                let u = users::create(&txn, Some(town.id), username, display, Some(hash.clone()), now).await?;
                created.insert(username, u.id);
                u.id
            }
        };
        let (kind, scope) = match place.split_once(':') {
            None => (ScopeKind::Town, town.id),
            Some(("village", i)) => (ScopeKind::Village, villages[i.parse::<usize>()?].id),
            Some(("team", i)) => (ScopeKind::WorkTeam, teams[i.parse::<usize>()?].id),
            Some(("dept", d)) => {
                (ScopeKind::Department, departments.iter().find(|x| x.name == d).map(|x| x.id).unwrap_or(town.id))
            }
            Some(_) => (ScopeKind::Town, town.id),
        };
        let exists =
            users::grants_of(&txn, &[id]).await?.iter().any(|g| g.role == role.as_str() && g.scope_id == scope);
        if !exists {
            users::grant(&txn, id, role, kind, scope, now).await?;
        }
    }
    // Cadres answer for groups: cadre A for groups 1–2 of village A, cadre B for groups 1–3 of village B.
    let cadre_a = created.get("demo-cadre-a").copied();
    let cadre_b = created.get("demo-cadre-b").copied();
    if let (Some(a), Some(b)) = (cadre_a, cadre_b) {
        for g in &groups[0][..2] {
            users::assign_group(&txn, a, g.id, now).await?;
        }
        for g in &groups[1][..3] {
            users::assign_group(&txn, b, g.id, now).await?;
        }
    }
    let mut rng = StdRng::seed_from_u64(20220101);
    // Caijia town lies north-west of Jiangjin's centre; positions are GCJ-02 as WeChat's maps give them.
    let centres =
        [(29.3712, 106.3021), (29.3850, 106.2865), (29.3598, 106.3204), (29.3961, 106.3110), (29.3689, 106.2950)];
    for (vi, v) in villages.iter().enumerate() {
        for n in 0..households_per_village {
            let Some(id_number) = fake_id(&mut rng) else {
                continue;
            };
            let (mut tags, risk) = fake_tags(&mut rng);
            if n == 3 && !tags.iter().any(|t| t.is_target()) {
                tags = vec![Tag::Alleviated]; // the household without a phone is on the call list
            }
            let group = &groups[vi][n % groups[vi].len()];
            let cadre_ids = match (vi, n % 5) {
                (0, 0 | 1) => cadre_a.into_iter().collect(),
                (1, 0..=2) => cadre_b.into_iter().collect(),
                _ => vec![],
            };
            let phone = format!("1{}{:09}", rng.random_range(3..=9), rng.random_range(0..1_000_000_000u32));
            let name =
                format!("{}{}", SURNAMES[rng.random_range(0..SURNAMES.len())], GIVEN[rng.random_range(0..GIVEN.len())]);
            let (lat, lng) = centres[vi];
            let draft = Draft {
                village_id: v.id,
                group_id: Some(group.id),
                head_name: name,
                id_number,
                // Every village has a household without a phone (an old man living alone): the phone
                // spot-check reports it instead of skipping it.
                phones: if n == 3 { vec![] } else { PhoneNumber::parse(&phone).ok().into_iter().collect() },
                address: format!("重庆市江津区蔡家镇{}{}{}号", v.name, group.name, n + 1),
                location: Some((
                    lat + rng.random_range(-0.01..0.01),
                    lng + rng.random_range(-0.01..0.01),
                    "gcj02".into(),
                )),
                member_count: rng.random_range(1..=6),
                tags,
                risk_status: risk.map(|r| r.0),
                risk_eliminated_on: risk.and_then(|r| r.1),
                notes: String::new(),
                cadre_ids,
            };
            households::insert(&txn, town.id, &draft, cipher, None, now).await?;
        }
    }
    // The phone spot-check questionnaire, published.
    if let Some(rro) = created.get("demo-rro").copied() {
        let questions = demo_questionnaire().to_string();
        crate::store::phone_checks::create_questionnaire(
            &txn,
            town.id,
            "脱贫户监测户电话回访问卷",
            &questions,
            rro,
            now,
        )
        .await?;
        let q = crate::store::phone_checks::questionnaires(&txn, &[town.id]).await?;
        for x in q {
            crate::store::phone_checks::publish(&txn, x.id, now).await?;
        }
    }
    txn.commit().await?;
    Ok(Some(town.id))
}

/// The demo town's phone questionnaire, in the manner of a third-party evaluation: 两不愁三保障,
/// safe drinking water, the policies the household enjoys (by its tags), awareness of the
/// assistance, knowing the cadre responsible, the month's visit, and overall satisfaction.
pub fn demo_questionnaire() -> serde_json::Value {
    let yes_no = |id: &str, text: &str, bad: &str, category: &str| {
        serde_json::json!({ "id": id, "text": text, "kind": "yes_no", "required": true,
            "unsatisfied": [bad], "raises": { "any_of": [bad], "category": category } })
    };
    serde_json::json!([
        yes_no("food", "您家现在吃穿不愁吗？", "no", "income"),
        yes_no("school", "家里有义务教育阶段的孩子失学辍学吗？", "yes", "education"),
        yes_no("medical", "家人看病就医有困难吗（参加医保、能报销）？", "yes", "medical"),
        yes_no("housing", "您家住房安全吗（不漏雨、墙体不开裂）？", "no", "housing"),
        yes_no("water", "您家饮水安全吗（水量够、水质好、取水方便）？", "no", "drinking_water"),
        { "id": "water_issue", "text": "饮水存在什么问题？", "kind": "text",
          "show_if": { "question": "water", "any_of": ["no"] } },
        { "id": "policies", "text": "您家享受了哪些帮扶政策？", "kind": "multiple_choice", "check": "policies_by_tag",
          "options": [
            { "value": "dibao", "label": "低保", "entitled_tags": ["subsistence"] },
            { "value": "tekun", "label": "特困供养", "entitled_tags": ["extreme_poverty"] },
            { "value": "medical_aid", "label": "医疗救助/资助参保",
              "entitled_tags": ["alleviated", "monitored_unstable", "monitored_edge", "monitored_sudden"] },
            { "value": "disability", "label": "残疾人两项补贴", "entitled_tags": ["disabled"] },
            { "value": "education_aid", "label": "教育资助" },
            { "value": "industry", "label": "产业帮扶/就业帮扶" },
            { "value": "none", "label": "都没有" } ] },
        { "id": "aware", "text": "您知道您家享受的帮扶措施吗？", "kind": "yes_no", "required": true,
          "satisfied": ["yes"], "unsatisfied": ["no"] },
        yes_no("cadre_known", "您知道村里联系您家的干部是谁吗？", "no", "cadre_work_style"),
        { "id": "visited", "text": "本月有干部到您家走访吗？", "kind": "yes_no", "required": true,
          "check": "cadre_visited_this_month" },
        { "id": "overall", "text": "您对帮扶工作总体满意吗？（1非常不满意—5非常满意）", "kind": "scale",
          "min": 1, "max": 5, "required": true, "satisfied": ["4", "5"], "unsatisfied": ["1", "2"],
          "raises": { "any_of": ["1", "2"], "category": "satisfaction" } },
        { "id": "suggestion", "text": "您还有什么意见和建议？", "kind": "text" }
    ])
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "tests")]
mod tests {
    #[test]
    fn the_demo_questionnaire_is_a_valid_questionnaire() {
        let questions: Vec<domain::phone_check::Question> =
            serde_json::from_value(super::demo_questionnaire()).expect("the demo questionnaire parses");
        assert_eq!(domain::phone_check::validate_template(&questions), vec![]);
        assert!(questions.iter().any(|q| q.check.is_some()));
    }
}
