//! The inbox: delivery keyed by the reminder's key, so a reminder is delivered once.

use chrono::{DateTime, Utc};
use domain::org::Role;
use domain::reminders::Reminder;
use sea_orm::prelude::*;
use sea_orm::sea_query::ExprTrait;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::ByKey;
use super::entity::{notification, wechat_binding, wechat_consent};

/// Delivers a reminder unless its key was delivered before. `true` when it was new.
pub async fn deliver<C: ConnectionTrait>(db: &C, r: &Reminder, now: DateTime<Utc>) -> Result<bool, DbErr> {
    let row = notification::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(r.user),
        kind: Set(r.kind.as_str().to_owned()),
        dedup_key: Set(r.key.clone()),
        title: Set(r.title.clone()),
        body: Set(r.body.clone()),
        created_at: Set(now),
        read_at: Set(None),
        wechat_state: Set(None),
    };
    let inserted = notification::Entity::insert(row)
        .on_conflict(OnConflict::column(notification::Column::DedupKey).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

/// Delivers one reminder to every active holder of the roles in their scopes, once a person even
/// when they hold several of them; `make` writes the reminder for each person (its key names them).
pub async fn tell_roles<C: ConnectionTrait>(
    db: &C,
    holders: &[(Role, &[Uuid])],
    now: DateTime<Utc>,
    make: impl Fn(Uuid) -> Reminder,
) -> Result<(), DbErr> {
    let mut people = std::collections::BTreeSet::new();
    for (role, scopes) in holders {
        people.extend(super::users::with_role(db, *role, scopes).await?.into_iter().map(|(u, _)| u));
    }
    for person in people {
        deliver(db, &make(person), now).await?;
    }
    Ok(())
}

/// Marks read every unread notification of a kind that clears itself whose key is not in `still`
/// (the work it asked for is done). Returns how many were cleared.
pub async fn clear_unless<C: ConnectionTrait>(
    db: &C,
    still: &std::collections::HashSet<&str>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let kinds: Vec<&str> =
        domain::reminders::Kind::ALL.into_iter().filter(|k| k.clears_itself()).map(|k| k.as_str()).collect();
    let unread: Vec<(Uuid, String)> = notification::Entity::find()
        .select_only()
        .column(notification::Column::Id)
        .column(notification::Column::DedupKey)
        .filter(notification::Column::ReadAt.is_null())
        .filter(notification::Column::Kind.is_in(kinds))
        .into_tuple()
        .all(db)
        .await?;
    let done: Vec<Uuid> =
        unread.into_iter().filter(|(_, key)| !still.contains(key.as_str())).map(|(id, _)| id).collect();
    let mut cleared = 0;
    for chunk in done.chunks(500) {
        cleared += notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, sea_orm::sea_query::Expr::value(now))
            .filter(notification::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(cleared)
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    unread_only: bool,
    page: u64,
    per_page: u64,
) -> Result<(Vec<notification::Model>, u64), DbErr> {
    let mut q = notification::Entity::find().filter(notification::Column::UserId.eq(user));
    if unread_only {
        q = q.filter(notification::Column::ReadAt.is_null());
    }
    super::paged(
        db,
        q.order_by_desc(notification::Column::CreatedAt).order_by_desc(notification::Column::Id),
        page,
        per_page,
    )
    .await
}

pub async fn unread<C: ConnectionTrait>(db: &C, user: Uuid) -> Result<u64, DbErr> {
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await
}

/// Marks one (or, with `None`, all) of the user's notifications read. Returns how many changed.
pub async fn mark_read<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut q = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::ReadAt.is_null());
    if let Some(id) = id {
        q = q.filter(notification::Column::Id.eq(id));
    }
    Ok(q.exec(db).await?.rows_affected)
}

pub async fn exists<C: ConnectionTrait>(db: &C, user: Uuid, id: Uuid) -> Result<bool, DbErr> {
    Ok(notification::Entity::find_by_id(id).filter(notification::Column::UserId.eq(user)).by_key(db).await?.is_some())
}

/// Of `keys`, those already delivered.
pub async fn delivered<C: ConnectionTrait>(
    db: &C,
    keys: &[String],
) -> Result<std::collections::HashSet<String>, DbErr> {
    let mut out = std::collections::HashSet::new();
    for chunk in keys.chunks(500) {
        let rows = notification::Entity::find()
            .select_only()
            .column(notification::Column::DedupKey)
            .filter(notification::Column::DedupKey.is_in(chunk.iter().cloned()))
            .into_tuple::<String>()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// Takes the right to push the reminder through WeChat: `true` for exactly one caller, ever —
/// unless it gives the right back with `wechat_release` after a failure.
pub async fn wechat_claim<C: ConnectionTrait>(db: &C, key: &str) -> Result<bool, DbErr> {
    let res = notification::Entity::update_many()
        .col_expr(notification::Column::WechatState, Expr::value("sending"))
        .filter(notification::Column::DedupKey.eq(key))
        .filter(notification::Column::WechatState.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Records how the WeChat push ended (`sent`, `refused`, `no_consent`, `unbound`), or with `None`
/// releases the claim so a retry can push.
pub async fn wechat_settle<C: ConnectionTrait>(db: &C, key: &str, state: Option<&str>) -> Result<(), DbErr> {
    notification::Entity::update_many()
        .col_expr(notification::Column::WechatState, Expr::value(state.map(str::to_owned)))
        .filter(notification::Column::DedupKey.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn openid<C: ConnectionTrait>(db: &C, user: Uuid) -> Result<Option<String>, DbErr> {
    Ok(wechat_binding::Entity::find().filter(wechat_binding::Column::UserId.eq(user)).one(db).await?.map(|b| b.openid))
}

/// Uses one of the user's consents for the template; `false` when none is left.
pub async fn take_consent<C: ConnectionTrait>(db: &C, user: Uuid, template: &str) -> Result<bool, DbErr> {
    let res = wechat_consent::Entity::update_many()
        .col_expr(wechat_consent::Column::Remaining, Expr::col(wechat_consent::Column::Remaining).sub(1))
        .filter(wechat_consent::Column::UserId.eq(user))
        .filter(wechat_consent::Column::TemplateId.eq(template))
        .filter(wechat_consent::Column::Remaining.gt(0))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Adds `n` consents (negative: gives them back), or with `None` sets none left (WeChat refused).
pub async fn add_consents<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    template: &str,
    n: Option<i32>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = wechat_consent::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        template_id: Set(template.to_owned()),
        remaining: Set(Ord::max(n.unwrap_or(0), 0)),
        updated_at: Set(now),
    };
    let remaining = match n {
        Some(n) => Expr::col((wechat_consent::Entity, wechat_consent::Column::Remaining)).add(n),
        None => Expr::value(0),
    };
    wechat_consent::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([wechat_consent::Column::UserId, wechat_consent::Column::TemplateId])
                .value(wechat_consent::Column::Remaining, remaining)
                .update_column(wechat_consent::Column::UpdatedAt)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The user's consents left, by template id.
pub async fn consents<C: ConnectionTrait>(db: &C, user: Uuid) -> Result<std::collections::HashMap<String, i32>, DbErr> {
    Ok(wechat_consent::Entity::find()
        .filter(wechat_consent::Column::UserId.eq(user))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.template_id, c.remaining))
        .collect())
}
