//! The append-only audit trail: writes (who, what, when, from where) and sensitive reads.

use chrono::{DateTime, Utc};
use sea_orm::prelude::*;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use super::entity::audit_entry;
use crate::auth::AuthUser;

/// One thing that happened, to be recorded.
pub struct Event<'a> {
    pub town_id: Option<Uuid>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: Option<Uuid>,
    pub detail: Value,
}

pub async fn record<C: ConnectionTrait>(
    db: &C,
    actor: Option<&AuthUser>,
    event: Event<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        town_id: Set(event.town_id.or(actor.and_then(|a| a.town_id))),
        actor_id: Set(actor.map(|a| a.id)),
        action: Set(event.action.to_owned()),
        object_type: Set(event.object_type.to_owned()),
        object_id: Set(event.object_id),
        at: Set(now),
        ip: Set(actor.and_then(|a| a.ip.clone())),
        request_id: Set(actor.and_then(|a| a.request_id.clone())),
        detail: Set(event.detail.to_string()),
    }
    .insert(db)
    .await?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct Filter {
    pub action: Option<String>,
    pub object_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    towns: &[Uuid],
    f: &Filter,
    page: u64,
    per_page: u64,
) -> Result<(Vec<audit_entry::Model>, u64), DbErr> {
    let mut q = audit_entry::Entity::find().filter(audit_entry::Column::TownId.is_in(towns.iter().copied()));
    if let Some(a) = &f.action {
        q = q.filter(audit_entry::Column::Action.eq(a.clone()));
    }
    if let Some(o) = f.object_id {
        q = q.filter(audit_entry::Column::ObjectId.eq(o));
    }
    if let Some(a) = f.actor_id {
        q = q.filter(audit_entry::Column::ActorId.eq(a));
    }
    if let Some(t) = f.from {
        q = q.filter(audit_entry::Column::At.gte(t));
    }
    if let Some(t) = f.to {
        q = q.filter(audit_entry::Column::At.lt(t));
    }
    super::paged(db, q.order_by_desc(audit_entry::Column::At).order_by_desc(audit_entry::Column::Id), page, per_page)
        .await
}
