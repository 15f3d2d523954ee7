//! Where files live: one interface (`object_store::ObjectStore`) with a local-disk backend (the
//! embedded default, under `<data dir>/files`) and an S3-compatible backend (`CHANGXIAO_S3_BUCKET`).

use std::sync::Arc;

use anyhow::Context;
use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::settings::{S3Settings, Settings, expose};

#[derive(Clone, Debug)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
}

impl Storage {
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }

    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        match &settings.s3 {
            Some(s3) => Ok(Self::new(Arc::new(s3_store(s3)?))),
            None => {
                let dir = settings.data_dir.join("files");
                std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
                Ok(Self::new(Arc::new(LocalFileSystem::new_with_prefix(&dir)?)))
            }
        }
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.store.put(&Path::from(key), PutPayload::from(bytes)).await.with_context(|| format!("storing {key}"))?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        let res = self.store.get(&Path::from(key)).await.with_context(|| format!("reading {key}"))?;
        Ok(res.bytes().await?)
    }

    pub async fn exists(&self, key: &str) -> bool {
        self.store.head(&Path::from(key)).await.is_ok()
    }
}

fn s3_store(s: &S3Settings) -> anyhow::Result<object_store::aws::AmazonS3> {
    let mut b = AmazonS3Builder::new()
        .with_bucket_name(&s.bucket)
        .with_region(&s.region)
        .with_access_key_id(&s.access_key_id)
        .with_secret_access_key(expose(&s.secret_access_key));
    if let Some(endpoint) = &s.endpoint {
        b = b
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"))
            .with_virtual_hosted_style_request(false);
    }
    b.build().context("S3 settings are not valid")
}
