//! `AuthUser`: the bearer token decoded once, the user loaded, and their reach computed from their
//! grants. Handlers state what they need on their first line (`user.require(Act::..)`).
//!
//! The session (account active, token family not revoked) and the access are kept a few seconds
//! (`AppState::sessions`, `AppState::access_cache`); whatever changes them through this instance
//! forgets them at once (`AppState::user_changed`).

use std::sync::Arc;
use std::time::Instant;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use std::collections::BTreeSet;

use domain::authority::{self, Relation};
use domain::org::{Access, Act};
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use crate::auth::tokens::TokenUse;
use crate::error::{ApiError, ApiResult};
use crate::state::State;
use crate::store;

#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub town_id: Option<Uuid>,
    pub access: Arc<Access>,
    /// Where the request came from, for the audit trail.
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl AuthUser {
    /// Refuses with 403 unless one of the caller's roles may perform `act` somewhere. Whether the
    /// object itself is within reach is decided by the store query (404 when it is not).
    pub fn require(&self, act: Act) -> ApiResult<()> {
        if self.access.may(act) { Ok(()) } else { Err(ApiError::refused(&authority::Refusal::NotPermitted { act })) }
    }
}

impl AuthUser {
    /// Asks the authority table whether the caller, standing to the record in `relations`, may take
    /// `act` on it (the record already found within their scope).
    pub fn authorize(&self, act: Act, relations: &[Relation]) -> ApiResult<()> {
        let relations: BTreeSet<Relation> = relations.iter().copied().collect();
        authority::decide(act, &self.access.roles(), &relations).map_err(|r| ApiError::refused(&r))
    }

    /// The town in which the caller performs a town-level `act`: the one asked for, or their only
    /// one. A town not theirs and a missing choice among several are field errors.
    pub fn town_for(&self, act: Act, requested: Option<Uuid>) -> ApiResult<Uuid> {
        self.require(act)?;
        Self::choose(self.access.towns_for(act), requested)
    }

    /// The town the caller asks about, among those they hold any role in (for what the whole town
    /// may read: meetings, must-know, circulars).
    pub fn any_town(&self, requested: Option<Uuid>) -> ApiResult<Uuid> {
        Self::choose(self.access.towns(), requested)
    }

    fn choose(towns: std::collections::BTreeSet<Uuid>, requested: Option<Uuid>) -> ApiResult<Uuid> {
        match requested {
            Some(t) if towns.contains(&t) => Ok(t),
            Some(_) => Err(ApiError::field("town_id", "not_found", "镇不存在或不在您的管辖范围内")),
            None => match towns.len() {
                1 => towns.into_iter().next().ok_or_else(ApiError::not_found),
                _ => Err(ApiError::field("town_id", "required", "您负责多个镇，请指定镇")),
            },
        }
    }
}

/// What a session found active says of its user.
#[derive(Debug)]
pub struct SessionUser {
    pub username: String,
    pub display_name: String,
    pub town_id: Option<Uuid>,
}

fn missing() -> ApiError {
    ApiError::unauthorized("unauthenticated", "请先登录", "a bearer access token is required")
}

/// The client address: the peer, or the first `X-Forwarded-For` hop when configured behind a proxy.
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> Option<String> {
    if trust_forwarded_for
        && let Some(first) =
            req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next())
    {
        return Some(first.trim().to_owned());
    }
    req.peer_addr().map(|a| a.ip().to_string())
}

pub fn request_id(req: &HttpRequest) -> Option<String> {
    use actix_web::HttpMessage;
    req.extensions().get::<tracing_actix_web::RequestId>().map(ToString::to_string)
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // The authority gate found the caller already.
        if let Some(user) = actix_web::HttpMessage::extensions(req).get::<AuthUser>().cloned() {
            return Box::pin(async move { Ok(user) });
        }
        let state = req.app_data::<State>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(|t| t.trim().to_owned());
        let ip = state.as_ref().and_then(|s| client_ip(req, s.settings.trust_forwarded_for));
        let request_id = request_id(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("app state missing")))?;
            let token = token.filter(|t| !t.is_empty()).ok_or_else(missing)?;
            let claims = state.tokens.verify(&token, TokenUse::Access, state.clock.now())?;
            let user_id: Uuid = claims.sub.parse().map_err(|_| missing())?;
            let session = (user_id, claims.fam);
            let user = match state.sessions.get(&session, Instant::now()) {
                Some(user) => user,
                None => {
                    let generation = state.sessions.generation();
                    let user = store::users::active_session_user(&state.db, user_id, claims.fam)
                        .await?
                        .map(|u| {
                            Arc::new(SessionUser {
                                username: u.username,
                                display_name: u.display_name,
                                town_id: u.town_id,
                            })
                        })
                        .ok_or_else(|| {
                            ApiError::unauthorized(
                                "session_revoked",
                                "登录已失效，请重新登录",
                                "the session was ended or the account disabled",
                            )
                        })?;
                    state.sessions.put(session, user.clone(), generation, Instant::now());
                    user
                }
            };
            let access = match state.access_cache.get(&user_id, Instant::now()) {
                Some(access) => access,
                None => {
                    let generation = state.access_cache.generation();
                    let access = Arc::new(store::users::load_access(&state.db, user_id, state.clock.now()).await?);
                    state.access_cache.put(user_id, access.clone(), generation, Instant::now());
                    access
                }
            };
            Ok(AuthUser {
                id: user_id,
                username: user.username.clone(),
                display_name: user.display_name.clone(),
                town_id: user.town_id,
                access,
                ip,
                request_id,
            })
        })
    }
}
