//! sea-orm entities, one module per table. They never cross the HTTP boundary: routes map them to DTOs.

pub mod district {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "districts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod town {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "towns")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub district_id: Option<Uuid>,
        pub name: String,
        pub code: String,
        pub created_at: DateTimeUtc,
        /// The day the town started using Changxiao: nothing before it is owed.
        pub live_from: Option<Date>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod village {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "villages")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub name: String,
        pub kind: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod village_group {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "village_groups")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub village_id: Uuid,
        pub name: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod work_team {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "work_teams")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub village_id: Uuid,
        pub name: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod department {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "departments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub name: String,
        pub created_at: DateTimeUtc,
        /// Files monthly archive materials (the RRO and the Discipline Commission do not).
        pub owes_archives: bool,
        /// The screening findings that are the department's own, comma-separated; empty: any.
        pub findings: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Option<Uuid>,
        pub username: String,
        pub display_name: String,
        pub password_hash: Option<String>,
        pub active: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod role_grant {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "role_grants")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub role: String,
        pub scope_kind: String,
        pub scope_id: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod group_assignment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "group_assignments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub group_id: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod refresh_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "refresh_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub family_id: Uuid,
        pub token_hash: String,
        pub expires_at: DateTimeUtc,
        pub used_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod wechat_binding {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "wechat_bindings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub openid: String,
        pub unionid: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod household {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "households")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub village_id: Uuid,
        pub group_id: Option<Uuid>,
        pub head_name: String,
        #[sea_orm(column_type = "Text")]
        pub id_number_enc: String,
        pub id_number_hash: String,
        pub id_number_masked: String,
        #[sea_orm(column_type = "Text")]
        pub phones_enc: String,
        #[sea_orm(column_type = "Text")]
        pub phones_masked: String,
        pub address: String,
        pub latitude: Option<f64>,
        pub longitude: Option<f64>,
        pub datum: Option<String>,
        pub member_count: i32,
        pub risk_status: Option<String>,
        pub risk_eliminated_on: Option<Date>,
        #[sea_orm(column_type = "Text")]
        pub notes: String,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod household_tag {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "household_tags")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub household_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub tag: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod household_cadre {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "household_cadres")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub household_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod household_change {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "household_changes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub household_id: Uuid,
        pub actor_id: Option<Uuid>,
        pub at: DateTimeUtc,
        #[sea_orm(column_type = "Text")]
        pub changes: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit_entry {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Option<Uuid>,
        pub actor_id: Option<Uuid>,
        pub action: String,
        pub object_type: String,
        pub object_id: Option<Uuid>,
        pub at: DateTimeUtc,
        pub ip: Option<String>,
        pub request_id: Option<String>,
        #[sea_orm(column_type = "Text")]
        pub detail: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod idempotency_key {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "idempotency_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub request_hash: String,
        pub status_code: Option<i32>,
        #[sea_orm(column_type = "Text", nullable)]
        pub response_body: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod photo {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "photos")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub uploaded_by: Uuid,
        pub sha256: String,
        pub phash: i64,
        pub content_type: String,
        pub size_bytes: i64,
        pub width: i32,
        pub height: i32,
        pub original_key: String,
        pub thumbnail_key: String,
        pub display_key: String,
        pub exif_taken_at: Option<DateTimeUtc>,
        pub exif_latitude: Option<f64>,
        pub exif_longitude: Option<f64>,
        pub client_taken_at: Option<DateTimeUtc>,
        pub client_latitude: Option<f64>,
        pub client_longitude: Option<f64>,
        pub client_datum: Option<String>,
        pub client_accuracy_m: Option<f64>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod visit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "visits")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub village_id: Uuid,
        pub group_id: Option<Uuid>,
        pub household_id: Uuid,
        pub client_id: Uuid,
        pub created_by: Uuid,
        pub request_hash: String,
        pub kind: String,
        pub outcome: String,
        pub absent_reason: Option<String>,
        pub visited_at: DateTimeUtc,
        pub month: String,
        pub latitude: Option<f64>,
        pub longitude: Option<f64>,
        pub datum: Option<String>,
        pub accuracy_m: Option<f64>,
        pub checklist_version: i32,
        #[sea_orm(column_type = "Text")]
        pub checklist: String,
        #[sea_orm(column_type = "Text")]
        pub flags: String,
        pub review: String,
        pub reviewed_by: Option<Uuid>,
        pub reviewed_at: Option<DateTimeUtc>,
        pub review_reason: Option<String>,
        pub late_reason: Option<String>,
        pub round_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod visit_visitor {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "visit_visitors")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub visit_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        /// The visit's time, copied: the visitor's timeline is indexed (user_id, visited_at).
        pub visited_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod visit_photo {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "visit_photos")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub visit_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub photo_id: Uuid,
        pub position: i32,
        /// The visit's household, copied: the reused-photo check reads (photo_id, household_id).
        pub household_id: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod problem {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "problems")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub village_id: Uuid,
        pub group_id: Option<Uuid>,
        pub household_id: Option<Uuid>,
        pub source: String,
        pub category: String,
        #[sea_orm(column_type = "Text")]
        pub description: String,
        pub status: String,
        pub found_by: Uuid,
        pub found_at: DateTimeUtc,
        pub visit_id: Option<Uuid>,
        #[sea_orm(column_type = "Text")]
        pub evidence_photo_ids: String,
        pub class: Option<String>,
        pub deadline: Option<Date>,
        pub responsible_user_id: Option<Uuid>,
        #[sea_orm(column_type = "Text", nullable)]
        pub measure: Option<String>,
        #[sea_orm(column_type = "Text", nullable)]
        pub plan: Option<String>,
        pub claimed_by: Option<Uuid>,
        pub claimed_at: Option<DateTimeUtc>,
        pub claimed_on: Option<Date>,
        pub closed_at: Option<DateTimeUtc>,
        pub handed_over_at: Option<DateTimeUtc>,
        pub decided_at: Option<DateTimeUtc>,
        #[sea_orm(column_type = "Text", nullable)]
        pub decision: Option<String>,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        /// The phone-check attempt whose answers raised the problem.
        pub call_attempt_id: Option<Uuid>,
        /// The leader's unannounced visit that found it.
        pub unannounced_visit_id: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod cross_check_round {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cross_check_rounds")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub quarter: String,
        pub seed: i64,
        pub size: String,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
        /// Cancelled before it started (then the quarter may be drawn again); kept as history.
        pub cancelled_at: Option<DateTimeUtc>,
        pub cancelled_by: Option<Uuid>,
        #[sea_orm(column_type = "Text", nullable)]
        pub cancel_reason: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod cross_check_assignment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cross_check_assignments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub round_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub household_id: Uuid,
        pub village_id: Uuid,
        pub checker_id: Uuid,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod problem_unit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "problem_units")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub problem_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub unit_kind: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub unit_id: Uuid,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod problem_event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "problem_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub problem_id: Uuid,
        pub action: String,
        pub actor_id: Option<Uuid>,
        pub at: DateTimeUtc,
        #[sea_orm(column_type = "Text")]
        pub note: String,
        #[sea_orm(column_type = "Text")]
        pub photo_ids: String,
        #[sea_orm(column_type = "Text")]
        pub data: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod feedback_list {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "feedback_lists")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub village_id: Uuid,
        pub kind: String,
        pub period: String,
        #[sea_orm(column_type = "Text")]
        pub remarks: String,
        /// JSON object: problem id → remark, kept while the list is a draft.
        #[sea_orm(column_type = "Text")]
        pub item_remarks: String,
        pub submitted_by: Option<Uuid>,
        pub submitted_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod feedback_list_comment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "feedback_list_comments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub list_id: Uuid,
        pub author_id: Uuid,
        #[sea_orm(column_type = "Text")]
        pub body: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod feedback_list_item {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "feedback_list_items")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub list_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub problem_id: Uuid,
        pub position: i32,
        #[sea_orm(column_type = "Text")]
        pub remark: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod screening {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "screenings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub department_id: Uuid,
        pub month: String,
        pub uploaded_by: Uuid,
        pub file_sha256: String,
        pub rows: i32,
        pub matched: i32,
        #[sea_orm(column_type = "Text")]
        pub unmatched_rows: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod screening_task {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "screening_tasks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub village_id: Uuid,
        pub group_id: Option<Uuid>,
        pub household_id: Uuid,
        pub department_id: Uuid,
        pub screening_id: Uuid,
        pub month: String,
        pub finding: String,
        #[sea_orm(column_type = "Text")]
        pub detail: String,
        pub due_on: Date,
        pub status: String,
        pub visit_id: Option<Uuid>,
        pub done_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod supervision {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "supervisions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub title: String,
        pub held_on: Date,
        pub month: String,
        #[sea_orm(column_type = "Text")]
        pub notes: String,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod supervision_finding {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "supervision_findings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub supervision_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub problem_id: Uuid,
        pub finding: String,
        #[sea_orm(column_type = "Text")]
        pub note: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod notification {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notifications")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub kind: String,
        pub dedup_key: String,
        pub title: String,
        #[sea_orm(column_type = "Text")]
        pub body: String,
        pub created_at: DateTimeUtc,
        pub read_at: Option<DateTimeUtc>,
        /// None: not for WeChat; `sent`, `no_consent`, `refused`, `unbound`.
        pub wechat_state: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod wechat_consent {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "wechat_consents")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub template_id: String,
        pub remaining: i32,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod questionnaire {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "questionnaires")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub name: String,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod questionnaire_version {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "questionnaire_versions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub questionnaire_id: Uuid,
        pub version: i32,
        /// `draft` or `published` (never edited again).
        pub status: String,
        /// The questions, as JSON (`domain::phone_check::Question`).
        #[sea_orm(column_type = "Text")]
        pub questions: String,
        pub published_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod call_list {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "call_lists")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub village_id: Uuid,
        pub month: String,
        pub version_id: Uuid,
        pub sample_rate: Option<f64>,
        pub seed: i64,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod call_case {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "call_cases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub list_id: Uuid,
        pub town_id: Uuid,
        pub village_id: Uuid,
        pub household_id: Uuid,
        pub assignee_id: Option<Uuid>,
        /// `open`, `closed`, or `no_phone` (reported, never dialled).
        pub status: String,
        pub last_outcome: Option<String>,
        pub attempts: i32,
        pub due_at: Option<DateTimeUtc>,
        pub callback: bool,
        pub held_by: Option<Uuid>,
        pub held_until: Option<DateTimeUtc>,
        pub satisfied: Option<bool>,
        pub problems: i32,
        pub closed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod call_attempt {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "call_attempts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub case_id: Uuid,
        pub client_id: Uuid,
        pub caller_id: Uuid,
        pub called_at: DateTimeUtc,
        pub outcome: String,
        pub aapor_code: String,
        pub callback_at: Option<DateTimeUtc>,
        #[sea_orm(column_type = "Text", nullable)]
        pub answers: Option<String>,
        pub version_id: Option<Uuid>,
        #[sea_orm(column_type = "Text")]
        pub note: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod call_flag {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "call_flags")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub case_id: Uuid,
        pub attempt_id: Uuid,
        pub town_id: Uuid,
        pub village_id: Uuid,
        pub household_id: Uuid,
        /// `visit_denied` or `policy_unknown`.
        pub kind: String,
        pub question: String,
        #[sea_orm(column_type = "Text")]
        pub message: String,
        /// `open`, `dismissed`, or `raised` (a problem was made of it).
        pub status: String,
        pub problem_id: Option<Uuid>,
        pub reviewed_by: Option<Uuid>,
        pub reviewed_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod unannounced_visit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "unannounced_visits")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub client_id: Uuid,
        pub town_id: Uuid,
        pub village_id: Uuid,
        pub leader_id: Uuid,
        pub visited_at: DateTimeUtc,
        pub latitude: Option<f64>,
        pub longitude: Option<f64>,
        /// JSON array of household ids.
        #[sea_orm(column_type = "Text")]
        pub household_ids: String,
        /// JSON array of photo ids.
        #[sea_orm(column_type = "Text")]
        pub photo_ids: String,
        #[sea_orm(column_type = "Text")]
        pub policies: String,
        #[sea_orm(column_type = "Text")]
        pub rectification: String,
        pub satisfaction: Option<i32>,
        #[sea_orm(column_type = "Text")]
        pub notes: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod admonishment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "admonishments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub village_id: Uuid,
        /// `YYYY-MM`.
        pub period: String,
        pub held_at: DateTimeUtc,
        pub leader_id: Uuid,
        /// JSON array of names.
        #[sea_orm(column_type = "Text")]
        pub attendees: String,
        #[sea_orm(column_type = "Text")]
        pub points: String,
        #[sea_orm(column_type = "Text")]
        pub follow_up: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod must_know_version {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "must_know_versions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        /// `department` or `village`.
        pub owner_kind: String,
        pub owner_id: Uuid,
        pub month: String,
        pub version: i32,
        /// JSON array of {question, answer}.
        #[sea_orm(column_type = "Text")]
        pub items: String,
        pub submitted_by: Uuid,
        pub submitted_at: DateTimeUtc,
        pub late: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod interview {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "interviews")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub village_id: Uuid,
        pub month: String,
        pub held_on: Date,
        pub interviewer_id: Uuid,
        /// JSON array of the drawn questions.
        #[sea_orm(column_type = "Text")]
        pub questions: String,
        pub seed: i64,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod interview_result {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "interview_results")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub interview_id: Uuid,
        pub user_id: Option<Uuid>,
        pub person_name: String,
        /// `secretary` or `work_team`.
        pub role: String,
        /// JSON array of verdicts, by question.
        #[sea_orm(column_type = "Text")]
        pub answers: String,
        pub score: f64,
        pub knows_village: bool,
        pub knows_policies: bool,
        pub named: bool,
        /// JSON array of reasons (Chinese).
        #[sea_orm(column_type = "Text")]
        pub reasons: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod circular {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "circulars")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub month: String,
        pub title: String,
        #[sea_orm(column_type = "Text")]
        pub body: String,
        /// JSON array of {name, unit, reason, source}.
        #[sea_orm(column_type = "Text")]
        pub entries: String,
        /// `draft`, `reviewed`, `issued`.
        pub status: String,
        pub drafted_by: Uuid,
        pub reviewed_by: Option<Uuid>,
        pub reviewed_at: Option<DateTimeUtc>,
        pub issued_by: Option<Uuid>,
        pub issued_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod meeting {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "meetings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        /// `joint_monthly`, `party_quarterly`, `expanded`, `village_quarterly`.
        pub kind: String,
        pub village_id: Option<Uuid>,
        /// `YYYY-MM`, `YYYY-Qn` or the date.
        pub period: String,
        pub held_at: DateTimeUtc,
        pub title: String,
        #[sea_orm(column_type = "Text")]
        pub attendees: String,
        #[sea_orm(column_type = "Text")]
        pub minutes: String,
        /// JSON array of decisions.
        #[sea_orm(column_type = "Text")]
        pub decisions: String,
        pub recorded_by: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod archive_submission {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "archive_submissions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub town_id: Uuid,
        pub department_id: Uuid,
        pub month: String,
        pub submitted_by: Uuid,
        pub submitted_at: DateTimeUtc,
        #[sea_orm(column_type = "Text")]
        pub note: String,
        /// `pending`, `accepted`, `returned`.
        pub review: String,
        #[sea_orm(column_type = "Text", nullable)]
        pub review_reason: Option<String>,
        pub reviewed_by: Option<Uuid>,
        pub reviewed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod archive_file {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "archive_files")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub submission_id: Uuid,
        pub name: String,
        pub content_type: String,
        pub size: i64,
        pub sha256: String,
        pub storage_key: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod photo_band {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "photo_bands")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub photo_id: Uuid,
        pub town_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub band: i32,
        pub value: i32,
        /// The photo's whole hash (migration 21): the band index covers it, so a band hit's
        /// distance is measured without reading the photo.
        pub phash: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
