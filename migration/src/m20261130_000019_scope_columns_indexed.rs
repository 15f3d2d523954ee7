//! Every column a caller's scope can name is indexed, so the scope's OR is a union of index
//! lookups on SQLite and PostgreSQL alike instead of a read of the whole table:
//! - a problem is also within reach of whoever found it or answers for it
//!   (`store::problems::scope`): with neither indexed, every problem list and dashboard read all
//!   the district's problems (12.8 ms of a town dashboard's 18 ms on SQLite);
//! - visits had no index on their group: a cadre answering for groups had all 960k of the
//!   district's visits read to list theirs (2.2 s);
//! - problems had none on group or household either.
//!
//! Measured in `bench/RESULTS.md`, session 9.

use sea_orm_migration::prelude::*;

use crate::util::{Indexes, create_indexes, drop_indexes};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: Indexes<'static> = &[
    ("problems", &["found_by"]),
    ("problems", &["responsible_user_id"]),
    ("problems", &["group_id"]),
    ("problems", &["household_id"]),
    ("visits", &["group_id", "visited_at"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_indexes(manager, INDEXES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_indexes(manager, INDEXES).await
    }
}
