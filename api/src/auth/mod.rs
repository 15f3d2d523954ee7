//! Sign-in: password hashing, tokens, the `AuthUser` extractor, login rate limiting, WeChat.

pub mod extractor;
pub mod password;
pub mod rate_limit;
pub mod tokens;
pub mod wechat;

pub use extractor::AuthUser;
