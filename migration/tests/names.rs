use sea_orm_migration::MigratorTrait;

#[test]
fn every_migration_has_its_own_name() {
    let names: Vec<String> = migration::Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let unique: std::collections::BTreeSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    assert!(names.iter().any(|n| n == "m20261205_000025_round_cancellation"), "{names:?}");
}
