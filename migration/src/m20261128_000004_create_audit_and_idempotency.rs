//! The append-only audit trail and the stored responses of idempotent writes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{created_at, drop_tables, id, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(id())
                    .col(uuid_null("town_id"))
                    .col(uuid_null("actor_id"))
                    .col(string("action"))
                    .col(string("object_type"))
                    .col(uuid_null("object_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(string_null("ip"))
                    .col(string_null("request_id"))
                    .col(text("detail"))
                    .take(),
            )
            .await?;
        manager.create_index(index("audit_log", &["town_id", "at"])).await?;
        manager.create_index(index("audit_log", &["object_id", "at"])).await?;
        manager.create_index(index("audit_log", &["actor_id", "at"])).await?;
        manager
            .create_table(
                Table::create()
                    .table("idempotency_keys")
                    .col(uuid("user_id"))
                    .col(string("key"))
                    .col(string("request_hash"))
                    .col(integer_null("status_code"))
                    .col(text_null("response_body"))
                    .col(created_at())
                    .primary_key(Index::create().col("user_id").col("key"))
                    .take(),
            )
            .await?;
        manager.create_index(index("idempotency_keys", &["created_at"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["idempotency_keys", "audit_log"]).await
    }
}
