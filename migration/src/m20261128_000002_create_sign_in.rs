//! Rotating refresh tokens (stored hashed, in families) and WeChat account bindings.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{created_at, drop_tables, fk, id, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("refresh_tokens")
                    .col(id())
                    .col(uuid("user_id"))
                    .col(uuid("family_id"))
                    .col(string_uniq("token_hash"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(created_at())
                    .foreign_key(&mut fk("refresh_tokens", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("refresh_tokens", &["family_id"])).await?;
        manager.create_index(index("refresh_tokens", &["user_id"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("wechat_bindings")
                    .col(id())
                    .col(uuid("user_id"))
                    .col(string_uniq("openid"))
                    .col(string_null("unionid"))
                    .col(created_at())
                    .foreign_key(&mut fk("wechat_bindings", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(index("wechat_bindings", &["user_id"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["wechat_bindings", "refresh_tokens"]).await
    }
}
