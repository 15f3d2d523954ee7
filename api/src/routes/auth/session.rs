//! Issuing a token pair for a user, in a new or an existing refresh family.

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::json::{Me, RoleGrantView, TokenResponse};
use crate::auth::tokens::new_refresh_token;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::entity::user;
use crate::store::{sessions, users};

pub async fn me_of<C: ConnectionTrait>(db: &C, u: &user::Model) -> ApiResult<Me> {
    let grants = users::grants_of(db, &[u.id]).await?;
    let groups = users::groups_of(db, &[u.id]).await?;
    Ok(Me {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        town_id: u.town_id,
        grants: grants
            .into_iter()
            .map(|g| RoleGrantView { id: g.id, role: g.role, scope_kind: g.scope_kind, scope_id: g.scope_id })
            .collect(),
        group_ids: groups.into_iter().map(|g| g.group_id).collect(),
    })
}

pub async fn issue<C: ConnectionTrait>(
    db: &C,
    state: &AppState,
    u: &user::Model,
    family: Option<Uuid>,
) -> ApiResult<TokenResponse> {
    let now = state.clock.now();
    let family = family.unwrap_or_else(Uuid::now_v7);
    let (refresh_token, hash) = new_refresh_token();
    sessions::issue(db, u.id, family, hash, state.settings.refresh_ttl_days, now).await?;
    Ok(TokenResponse {
        access_token: state.tokens.access(u.id, family, now)?,
        refresh_token,
        token_type: "Bearer".into(),
        expires_in: state.tokens.access_ttl_seconds,
        user: me_of(db, u).await?,
    })
}
