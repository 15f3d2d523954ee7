//! Each visitor's visits in time order: a visit's "impossible travel" check reads the visitor's
//! previous visit, which through `visit_visitors (user_id)` alone meant every visit the cadre ever
//! made, fetched and sorted, inside the write transaction of every new visit. The visit time is
//! copied onto the link (it never changes) and indexed with the visitor.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone_null;

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("visit_visitors")
                    .add_column(timestamp_with_time_zone_null("visited_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE visit_visitors SET visited_at = \
                 (SELECT visits.visited_at FROM visits WHERE visits.id = visit_visitors.visit_id)",
            )
            .await?;
        manager.create_index(index("visit_visitors", &["user_id", "visited_at"])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_visit_visitors_user_id_visited_at").table("visit_visitors").to_owned())
            .await?;
        manager.alter_table(Table::alter().table("visit_visitors").drop_column("visited_at").to_owned()).await
    }
}
