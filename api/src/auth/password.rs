//! Password hashing with argon2id. Hashing is slow on purpose, so it runs off the actix workers.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{ApiError, ApiResult};

fn hasher() -> Argon2<'static> {
    // OWASP's second recommended argon2id setting: 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

/// A hash of a random password, verified against when the user does not exist, so that a missing
/// account costs the same time as a wrong password.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_blocking(&crate::settings::random_key()).unwrap_or_default());

pub fn verify_blocking(password: &str, stored: Option<&str>) -> bool {
    let hash = stored.unwrap_or(DUMMY_HASH.as_str());
    let ok = hasher().verify_password(password.as_bytes(), hash).is_ok();
    ok && stored.is_some()
}

pub async fn hash(password: String) -> ApiResult<String> {
    actix_web::web::block(move || hash_blocking(&password))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("blocking pool: {e}")))?
        .map_err(ApiError::Internal)
}

pub async fn verify(password: String, stored: Option<String>) -> ApiResult<bool> {
    actix_web::web::block(move || verify_blocking(&password, stored.as_deref()))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("blocking pool: {e}")))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash_blocking("changxiao-demo").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_blocking("changxiao-demo", Some(&h)));
        assert!(!verify_blocking("changxiao-dem0", Some(&h)));
        assert!(!verify_blocking("changxiao-demo", None));
    }
}
