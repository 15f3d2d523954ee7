//! WeChat subscribe messages: each user's one-time consents per template, and whether a reminder
//! went out through WeChat (so a retried delivery never pushes it twice).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{drop_tables, fk, id, unique};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table("notifications").add_column(string_null("wechat_state")).take())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("wechat_consents")
                    .col(id())
                    .col(uuid("user_id"))
                    .col(string("template_id"))
                    .col(integer("remaining"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("wechat_consents", "user_id", "users"))
                    .take(),
            )
            .await?;
        manager.create_index(unique("wechat_consents", &["user_id", "template_id"])).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, &["wechat_consents"]).await?;
        manager.alter_table(Table::alter().table("notifications").drop_column("wechat_state").take()).await
    }
}
