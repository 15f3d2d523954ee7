//! Households: scoped reads, writes with personal data sealed, tags, cadre links and history.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use domain::org::{Access, Act};
use domain::{IdNumber, PhoneNumber, RiskStatus, Tag};
use sea_orm::prelude::*;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, Condition, ConnectionTrait, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use super::ByKey;
use super::entity::{household, household_cadre, household_change, household_tag};
use super::scope::{Located, condition};
use crate::crypto::FieldCipher;

fn located() -> Located<household::Column> {
    Located {
        id: household::Column::Id,
        town: household::Column::TownId,
        village: household::Column::VillageId,
        group: Some(household::Column::GroupId),
        household: Some(household::Column::Id),
    }
}

/// The filter of households the caller may `act` on.
pub fn scope(access: &Access, act: Act) -> Condition {
    condition(access, act, &located())
}

/// A household within the caller's reach for `act`, or `None` (answered as 404).
pub async fn find_scoped<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    act: Act,
    id: Uuid,
) -> Result<Option<household::Model>, DbErr> {
    household::Entity::find_by_id(id).filter(scope(access, act)).by_key(db).await
}

/// A household whoever asks: for a caller whose reach is checked in memory
/// (`Access::reaches_household`).
pub async fn by_id<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<household::Model>, DbErr> {
    household::Entity::find_by_id(id).by_key(db).await
}

#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub village_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub tag: Option<Tag>,
    pub cadre_id: Option<Uuid>,
    pub risk_status: Option<RiskStatus>,
    pub q: Option<String>,
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    access: &Access,
    f: &ListFilter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<household::Model>, u64), DbErr> {
    let mut q = household::Entity::find().filter(scope(access, Act::ReadHousehold));
    if let Some(v) = f.village_id {
        q = q.filter(household::Column::VillageId.eq(v));
    }
    if let Some(g) = f.group_id {
        q = q.filter(household::Column::GroupId.eq(g));
    }
    if let Some(t) = f.tag {
        q = q.filter(
            household::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(household_tag::Column::HouseholdId)
                    .from(household_tag::Entity)
                    .and_where(household_tag::Column::Tag.eq(t.as_str()))
                    .take(),
            ),
        );
    }
    if let Some(c) = f.cadre_id {
        q = q.filter(
            household::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(household_cadre::Column::HouseholdId)
                    .from(household_cadre::Entity)
                    .and_where(household_cadre::Column::UserId.eq(c))
                    .take(),
            ),
        );
    }
    if let Some(r) = f.risk_status {
        q = q.filter(household::Column::RiskStatus.eq(r.as_str()));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        // Name search by prefix or substring; the (town, head_name) index serves prefixes.
        let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        q = q.filter(
            Expr::col(household::Column::HeadName)
                .like(sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    super::paged(
        db,
        q.order_by_asc(household::Column::VillageId)
            .order_by_asc(household::Column::HeadName)
            .order_by_asc(household::Column::Id),
        page,
        per_page,
    )
    .await
}

pub async fn tags_of<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<Tag>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<Tag>> = HashMap::new();
    for row in household_tag::Entity::find()
        .filter(household_tag::Column::HouseholdId.is_in(ids.iter().copied()))
        .all(db)
        .await?
    {
        if let Some(t) = Tag::parse_any(&row.tag) {
            out.entry(row.household_id).or_default().push(t);
        }
    }
    for tags in out.values_mut() {
        tags.sort();
    }
    Ok(out)
}

pub async fn cadres_of<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<Uuid>>, DbErr> {
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in household_cadre::Entity::find()
        .filter(household_cadre::Column::HouseholdId.is_in(ids.iter().copied()))
        .all(db)
        .await?
    {
        out.entry(row.household_id).or_default().push(row.user_id);
    }
    for c in out.values_mut() {
        c.sort();
    }
    Ok(out)
}

pub async fn by_id_hash<C: ConnectionTrait>(
    db: &C,
    town_id: Uuid,
    hash: &str,
) -> Result<Option<household::Model>, DbErr> {
    household::Entity::find()
        .filter(household::Column::TownId.eq(town_id))
        .filter(household::Column::IdNumberHash.eq(hash))
        .one(db)
        .await
}

/// The town's households of these keyed ID-number hashes, by hash: looked up a few hundred at a
/// time, so a screening of thousands of rows is a handful of reads, none inside a write.
pub async fn by_id_hashes<C: ConnectionTrait>(
    db: &C,
    town_id: Uuid,
    hashes: &[String],
) -> Result<std::collections::HashMap<String, household::Model>, DbErr> {
    let mut out = std::collections::HashMap::new();
    for chunk in hashes.chunks(500) {
        let rows = household::Entity::find()
            .filter(household::Column::TownId.eq(town_id))
            .filter(household::Column::IdNumberHash.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(|h| (h.id_number_hash.clone(), h)));
    }
    Ok(out)
}

/// A household's fields, validated, before sealing.
#[derive(Debug, Clone)]
pub struct Draft {
    pub village_id: Uuid,
    pub group_id: Option<Uuid>,
    pub head_name: String,
    pub id_number: IdNumber,
    pub phones: Vec<PhoneNumber>,
    pub address: String,
    pub location: Option<(f64, f64, String)>,
    pub member_count: i32,
    pub tags: Vec<Tag>,
    pub risk_status: Option<RiskStatus>,
    pub risk_eliminated_on: Option<NaiveDate>,
    pub notes: String,
    pub cadre_ids: Vec<Uuid>,
}

impl Draft {
    /// A view of the fields as the history records them: personal data masked.
    pub fn snapshot(&self) -> BTreeMap<&'static str, Value> {
        BTreeMap::from([
            ("village_id", json!(self.village_id)),
            ("group_id", json!(self.group_id)),
            ("head_name", json!(self.head_name)),
            ("id_number", json!(self.id_number.masked())),
            ("phones", json!(self.phones.iter().map(PhoneNumber::masked).collect::<Vec<_>>())),
            ("address", json!(self.address)),
            ("location", json!(self.location)),
            ("member_count", json!(self.member_count)),
            ("tags", json!(self.tags)),
            ("risk_status", json!(self.risk_status)),
            ("risk_eliminated_on", json!(self.risk_eliminated_on)),
            ("notes", json!(self.notes)),
            ("cadre_ids", json!(self.cadre_ids)),
        ])
    }
}

/// The fields that changed between two snapshots, as `{field: {from, to}}`.
pub fn diff(old: &BTreeMap<&'static str, Value>, new: &BTreeMap<&'static str, Value>) -> Value {
    let mut out = serde_json::Map::new();
    for (k, v) in new {
        let before = old.get(k).cloned().unwrap_or(Value::Null);
        if &before != v {
            out.insert((*k).to_owned(), json!({ "from": before, "to": v }));
        }
    }
    Value::Object(out)
}

/// Reads a stored household back into a draft (decrypting its personal data).
pub fn to_draft(
    m: &household::Model,
    tags: Vec<Tag>,
    cadre_ids: Vec<Uuid>,
    cipher: &FieldCipher,
) -> anyhow::Result<Draft> {
    let id_number =
        IdNumber::parse(&cipher.decrypt(&m.id_number_enc)?).map_err(|e| anyhow::anyhow!("stored ID number: {e}"))?;
    let phones: Vec<String> = serde_json::from_str(&cipher.decrypt(&m.phones_enc)?)?;
    let phones = phones.iter().filter_map(|p| PhoneNumber::parse(p).ok()).collect();
    Ok(Draft {
        village_id: m.village_id,
        group_id: m.group_id,
        head_name: m.head_name.clone(),
        id_number,
        phones,
        address: m.address.clone(),
        location: match (m.latitude, m.longitude, &m.datum) {
            (Some(lat), Some(lng), Some(d)) => Some((lat, lng, d.clone())),
            _ => None,
        },
        member_count: m.member_count,
        tags,
        risk_status: m.risk_status.as_deref().and_then(RiskStatus::parse),
        risk_eliminated_on: m.risk_eliminated_on,
        notes: m.notes.clone(),
        cadre_ids,
    })
}

fn sealed(d: &Draft, cipher: &FieldCipher) -> anyhow::Result<(String, String, String, String)> {
    let phones: Vec<&str> = d.phones.iter().map(PhoneNumber::as_str).collect();
    let masked: Vec<String> = d.phones.iter().map(PhoneNumber::masked).collect();
    Ok((
        cipher.encrypt(d.id_number.as_str())?,
        cipher.keyed_hash(d.id_number.as_str()),
        cipher.encrypt(&serde_json::to_string(&phones)?)?,
        serde_json::to_string(&masked)?,
    ))
}

fn fill(am: &mut household::ActiveModel, d: &Draft, cipher: &FieldCipher) -> anyhow::Result<()> {
    let (id_enc, id_hash, phones_enc, phones_masked) = sealed(d, cipher)?;
    am.village_id = Set(d.village_id);
    am.group_id = Set(d.group_id);
    am.head_name = Set(d.head_name.clone());
    am.id_number_enc = Set(id_enc);
    am.id_number_hash = Set(id_hash);
    am.id_number_masked = Set(d.id_number.masked());
    am.phones_enc = Set(phones_enc);
    am.phones_masked = Set(phones_masked);
    am.address = Set(d.address.clone());
    am.latitude = Set(d.location.as_ref().map(|l| l.0));
    am.longitude = Set(d.location.as_ref().map(|l| l.1));
    am.datum = Set(d.location.as_ref().map(|l| l.2.clone()));
    am.member_count = Set(d.member_count);
    am.risk_status = Set(d.risk_status.map(|r| r.as_str().to_owned()));
    am.risk_eliminated_on = Set(d.risk_eliminated_on);
    am.notes = Set(d.notes.clone());
    Ok(())
}

async fn set_links<C: ConnectionTrait>(db: &C, id: Uuid, d: &Draft) -> Result<(), DbErr> {
    household_tag::Entity::delete_many().filter(household_tag::Column::HouseholdId.eq(id)).exec(db).await?;
    if !d.tags.is_empty() {
        household_tag::Entity::insert_many(
            d.tags
                .iter()
                .map(|t| household_tag::ActiveModel { household_id: Set(id), tag: Set(t.as_str().to_owned()) }),
        )
        .exec_without_returning(db)
        .await?;
    }
    household_cadre::Entity::delete_many().filter(household_cadre::Column::HouseholdId.eq(id)).exec(db).await?;
    if !d.cadre_ids.is_empty() {
        household_cadre::Entity::insert_many(
            d.cadre_ids.iter().map(|u| household_cadre::ActiveModel { household_id: Set(id), user_id: Set(*u) }),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

async fn record_change<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    actor: Option<Uuid>,
    changes: Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    household_change::ActiveModel {
        id: Set(Uuid::now_v7()),
        household_id: Set(id),
        actor_id: Set(actor),
        at: Set(now),
        changes: Set(changes.to_string()),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn insert<C: ConnectionTrait>(
    db: &C,
    town_id: Uuid,
    d: &Draft,
    cipher: &FieldCipher,
    actor: Option<Uuid>,
    now: DateTime<Utc>,
) -> anyhow::Result<household::Model> {
    let id = Uuid::now_v7();
    let mut am = household::ActiveModel {
        id: Set(id),
        town_id: Set(town_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    fill(&mut am, d, cipher)?;
    let model = am.insert(db).await?;
    set_links(db, id, d).await?;
    record_change(db, id, actor, diff(&BTreeMap::new(), &d.snapshot()), now).await?;
    Ok(model)
}

/// Outcome of an update: `None` when nothing changed (no new version, no history entry).
pub async fn update<C: ConnectionTrait>(
    db: &C,
    existing: &household::Model,
    old: &Draft,
    new: &Draft,
    cipher: &FieldCipher,
    actor: Option<Uuid>,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<household::Model>> {
    let changes = diff(&old.snapshot(), &new.snapshot());
    if changes.as_object().is_some_and(serde_json::Map::is_empty) {
        return Ok(None);
    }
    let mut am: household::ActiveModel = existing.clone().into();
    fill(&mut am, new, cipher)?;
    am.version = Set(existing.version + 1);
    am.updated_at = Set(now);
    let model = am.update(db).await?;
    set_links(db, existing.id, new).await?;
    record_change(db, existing.id, actor, changes, now).await?;
    Ok(Some(model))
}

pub async fn history<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Vec<household_change::Model>, DbErr> {
    household_change::Entity::find()
        .filter(household_change::Column::HouseholdId.eq(id))
        .order_by_asc(household_change::Column::At)
        .order_by_asc(household_change::Column::Id)
        .all(db)
        .await
}

/// Households by id (chunked, so a long list stays under the databases' parameter limits).
pub async fn by_ids<C: ConnectionTrait>(db: &C, ids: &[Uuid]) -> Result<Vec<household::Model>, DbErr> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        rows.extend(
            household::Entity::find().filter(household::Column::Id.is_in(chunk.iter().copied())).all(db).await?,
        );
    }
    Ok(rows)
}

/// The household's full phone numbers (decrypted; the caller audits the reveal).
pub fn phones(m: &household::Model, cipher: &FieldCipher) -> anyhow::Result<Vec<String>> {
    Ok(serde_json::from_str(&cipher.decrypt(&m.phones_enc)?)?)
}

/// Inserts many households at once, with their tags and cadre links (the data generator's path:
/// no history entries). Ids are the callers'.
pub async fn insert_bulk<C: ConnectionTrait>(
    db: &C,
    town_id: Uuid,
    rows: &[(Uuid, Draft)],
    cipher: &FieldCipher,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut households = Vec::with_capacity(rows.len());
    let mut tags = vec![];
    let mut cadres = vec![];
    for (id, d) in rows {
        let mut am = household::ActiveModel {
            id: Set(*id),
            town_id: Set(town_id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        fill(&mut am, d, cipher)?;
        households.push(am);
        tags.extend(
            d.tags
                .iter()
                .map(|t| household_tag::ActiveModel { household_id: Set(*id), tag: Set(t.as_str().to_owned()) }),
        );
        cadres.extend(
            d.cadre_ids.iter().map(|u| household_cadre::ActiveModel { household_id: Set(*id), user_id: Set(*u) }),
        );
    }
    for chunk in households.chunks(500) {
        household::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await?;
    }
    for chunk in tags.chunks(2000) {
        household_tag::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await?;
    }
    for chunk in cadres.chunks(2000) {
        household_cadre::Entity::insert_many(chunk.to_vec()).exec_without_returning(db).await?;
    }
    Ok(())
}
