//! Field encryption of personal data at rest (AES-256-GCM) and keyed hashes for finding a record
//! by its ID number without decrypting everything (HMAC-SHA256).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{Context, anyhow};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Version tag of the ciphertext format, so keys can be rotated later.
const PREFIX: &str = "v1:";

#[derive(Clone)]
pub struct FieldCipher {
    cipher: Aes256Gcm,
    /// HMAC keyed with the derived hash key, cloned for each hash.
    hash_mac: Hmac<Sha256>,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FieldCipher(..)")
    }
}

impl FieldCipher {
    /// Builds the cipher from the base64 32-byte field key. The hash key is derived from it so one
    /// secret suffices, yet the two uses never share a key.
    pub fn from_base64(key: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD.decode(key).context("field key is not base64")?;
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| anyhow!("field key must be 32 bytes"))?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&bytes).map_err(|_| anyhow!("bad field key"))?;
        mac.update(b"changxiao/keyed-hash/v1");
        let hash_key = mac.finalize().into_bytes();
        let hash_mac = <Hmac<Sha256> as Mac>::new_from_slice(&hash_key).map_err(|_| anyhow!("bad hash key"))?;
        Ok(Self { cipher, hash_mac })
    }

    pub fn encrypt(&self, plain: &str) -> anyhow::Result<String> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| anyhow!("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend(ct);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    pub fn decrypt(&self, stored: &str) -> anyhow::Result<String> {
        let body = stored.strip_prefix(PREFIX).context("unknown ciphertext version")?;
        let bytes = STANDARD.decode(body).context("ciphertext is not base64")?;
        if bytes.len() < 12 {
            anyhow::bail!("ciphertext too short");
        }
        let (nonce, ct) = bytes.split_at(12);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), ct).map_err(|_| anyhow!("decryption failed"))?;
        String::from_utf8(plain).context("plaintext is not UTF-8")
    }

    /// A keyed hash (hex) of a normalised value: equal inputs give equal hashes, and nobody without
    /// the key can test guesses against a dump.
    pub fn keyed_hash(&self, value: &str) -> String {
        let mut mac = self.hash_mac.clone();
        mac.update(value.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn cipher() -> FieldCipher {
        FieldCipher::from_base64(&STANDARD.encode([7u8; 32])).unwrap()
    }

    #[test]
    fn encryption_round_trips_and_never_repeats_a_ciphertext() {
        let c = cipher();
        let a = c.encrypt("11010519491231002X").unwrap();
        let b = c.encrypt("11010519491231002X").unwrap();
        assert_ne!(a, b);
        assert!(!a.contains("11010519491231002X"));
        assert_eq!(c.decrypt(&a).unwrap(), "11010519491231002X");
    }

    #[test]
    fn a_tampered_ciphertext_is_refused() {
        let c = cipher();
        let a = c.encrypt("13812345678").unwrap();
        // Change one character in the middle (every bit of it is data; the last one may be padding).
        let mid = a.len() / 2;
        let swap = if &a[mid..=mid] == "A" { "B" } else { "A" };
        let tampered = format!("{}{swap}{}", &a[..mid], &a[mid + 1..]);
        assert_ne!(tampered, a);
        assert!(c.decrypt(&tampered).is_err());
    }

    #[test]
    fn keyed_hashes_are_stable_and_depend_on_the_key() {
        let c = cipher();
        assert_eq!(c.keyed_hash("x"), c.keyed_hash("x"));
        let other = FieldCipher::from_base64(&STANDARD.encode([8u8; 32])).unwrap();
        assert_ne!(c.keyed_hash("x"), other.keyed_hash("x"));
        assert_eq!(c.keyed_hash("x").len(), 64);
    }
}
