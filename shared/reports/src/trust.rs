//! What `attest verify` trusts: the signing key is never taken from the bundle alone. The auditor
//! gives one anchor, obtained from KMS out of band:
//!
//! - the public key itself (PEM or DER);
//! - its fingerprint, `SHA256:` and 64 hex digits (SHA-256 of the DER key), with which the
//!   bundle's own `signing-public-key.pem` may be used only if it has that fingerprint;
//! - a trust file listing accepted keys, each with fingerprint, KMS key ARN and account; the
//!   bundle's key must be listed, and the manifest must name the listed ARN and account.
//!
//! Trust file (`attest.trust/v1`), JSON:
//!
//! ```json
//! {"schema": "attest.trust/v1",
//!  "keys": [{"fingerprint": "SHA256:<64 hex>",
//!            "key_arn": "arn:aws:kms:us-east-1:111122223333:key/<id>",
//!            "account": "111122223333"}]}
//! ```

use serde::Deserialize;

use crate::manifest::{parse_public_key, public_key_fingerprint, public_key_pem, SigningKey};

pub const TRUST_SCHEMA: &str = "attest.trust/v1";

/// How to obtain an anchor: printed when none is given.
pub const HOW_TO_GET_THE_KEY: &str = "obtain the report signing key from KMS (its ARN is the stack output ReportSigningKeyArn, and the bundle's manifest.json names it under signing_key.key_arn):
  aws kms get-public-key --key-id KEY_ARN --query PublicKey --output text | base64 -d > signing-key.der
then give either --public-key signing-key.der, or --key-fingerprint SHA256:$(sha256sum signing-key.der | cut -d' ' -f1), or --trust FILE (attest.trust/v1: keys with fingerprint, key_arn, account)";

/// Why no usable trust anchor could be built from what was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("no trust anchor: the bundle's own public key proves nothing on its own; {HOW_TO_GET_THE_KEY}")]
    Missing,
    #[error("give one trust anchor, not several (--public-key, --key-fingerprint, --trust)")]
    Several,
    #[error("fingerprint `{text}`: {reason}")]
    BadFingerprint { text: String, reason: String },
    #[error("public key: {0}")]
    BadPublicKey(String),
    #[error("trust file: {0}")]
    BadTrustFile(String),
    #[error("trust file: keys[{index}]: {reason}")]
    BadTrustedKey { index: usize, reason: String },
}

/// `SHA256:` + 64 lowercase hex digits (the prefix and hex are accepted in any case).
pub fn parse_fingerprint(text: &str) -> Result<String, TrustError> {
    let bad = |reason: &str| TrustError::BadFingerprint {
        text: text.to_string(),
        reason: reason.to_string(),
    };
    let hex = text
        .get(..7)
        .filter(|p| p.eq_ignore_ascii_case("SHA256:"))
        .map(|_| &text[7..])
        .ok_or_else(|| bad("must start with `SHA256:`"))?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("must be `SHA256:` followed by 64 hex digits"));
    }
    Ok(format!("SHA256:{}", hex.to_ascii_lowercase()))
}

/// One accepted key of a trust file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    pub fingerprint: String,
    pub key_arn: String,
    pub account: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustFileJson {
    schema: String,
    keys: Vec<TrustedKeyJson>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustedKeyJson {
    fingerprint: String,
    key_arn: String,
    account: String,
}

/// Parse a trust file; every error names the entry and field at fault.
pub fn parse_trust_file(bytes: &[u8]) -> Result<Vec<TrustedKey>, TrustError> {
    let file: TrustFileJson = serde_json::from_slice(bytes).map_err(|e| {
        TrustError::BadTrustFile(format!(
            "not a trust file ({{\"schema\": \"{TRUST_SCHEMA}\", \"keys\": [{{\"fingerprint\", \"key_arn\", \"account\"}}]}}): {e}"
        ))
    })?;
    if file.schema != TRUST_SCHEMA {
        return Err(TrustError::BadTrustFile(format!(
            "schema `{}` is not {TRUST_SCHEMA}",
            file.schema
        )));
    }
    if file.keys.is_empty() {
        return Err(TrustError::BadTrustFile("lists no keys".into()));
    }
    file.keys
        .into_iter()
        .enumerate()
        .map(|(index, key)| {
            let bad = |reason: String| TrustError::BadTrustedKey { index, reason };
            let fingerprint =
                parse_fingerprint(&key.fingerprint).map_err(|e| bad(e.to_string()))?;
            let arn =
                SigningKey::from_arn(&key.key_arn).map_err(|e| bad(format!("key_arn: {e}")))?;
            if arn.account != key.account {
                return Err(bad(format!(
                    "account `{}` is not the account of key_arn `{}` ({})",
                    key.account, key.key_arn, arn.account
                )));
            }
            Ok(TrustedKey {
                fingerprint,
                key_arn: key.key_arn,
                account: key.account,
            })
        })
        .collect()
}

/// The auditor's anchor for the signing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustAnchor {
    /// The public key itself, as PEM.
    PublicKey(String),
    /// `SHA256:<hex>` of the key.
    Fingerprint(String),
    /// Accepted keys from a trust file.
    TrustFile(Vec<TrustedKey>),
}

impl TrustAnchor {
    /// Exactly one of: the bytes of a public key file (PEM or DER), a fingerprint, the bytes of a
    /// trust file.
    pub fn from_options(
        public_key: Option<&[u8]>,
        fingerprint: Option<&str>,
        trust_file: Option<&[u8]>,
    ) -> Result<Self, TrustError> {
        match (public_key, fingerprint, trust_file) {
            (None, None, None) => Err(TrustError::Missing),
            (Some(key), None, None) => {
                use p256::pkcs8::EncodePublicKey;
                let key = parse_public_key(key).map_err(TrustError::BadPublicKey)?;
                let der = key
                    .to_public_key_der()
                    .map_err(|e| TrustError::BadPublicKey(e.to_string()))?;
                public_key_pem(der.as_bytes())
                    .map(TrustAnchor::PublicKey)
                    .map_err(TrustError::BadPublicKey)
            }
            (None, Some(f), None) => parse_fingerprint(f).map(TrustAnchor::Fingerprint),
            (None, None, Some(file)) => parse_trust_file(file).map(TrustAnchor::TrustFile),
            _ => Err(TrustError::Several),
        }
    }

    /// The public key (PEM) to check the signature with, and its fingerprint; `bundle_key` reads
    /// the bundle's own copy, used only when it matches the anchor. `Err((item, reason))` names
    /// what does not match.
    pub fn signing_key(
        &self,
        manifest_key: &SigningKey,
        bundle_key: impl FnOnce() -> Result<String, (String, String)>,
    ) -> Result<(String, String), (String, String)> {
        use crate::manifest::PUBLIC_KEY_FILE;
        let fingerprint_of =
            |pem: &str, item: &str| public_key_fingerprint(pem).map_err(|e| (item.to_string(), e));
        match self {
            TrustAnchor::PublicKey(pem) => {
                let fingerprint = fingerprint_of(pem, "--public-key")?;
                Ok((pem.clone(), fingerprint))
            }
            TrustAnchor::Fingerprint(trusted) => {
                let pem = bundle_key()?;
                let fingerprint = fingerprint_of(&pem, PUBLIC_KEY_FILE)?;
                if &fingerprint != trusted {
                    return Err((
                        PUBLIC_KEY_FILE.to_string(),
                        format!("fingerprint {fingerprint} is not the trusted {trusted}"),
                    ));
                }
                Ok((pem, fingerprint))
            }
            TrustAnchor::TrustFile(keys) => {
                let pem = bundle_key()?;
                let fingerprint = fingerprint_of(&pem, PUBLIC_KEY_FILE)?;
                let Some(listed) = keys.iter().find(|k| k.fingerprint == fingerprint) else {
                    let listed: Vec<&str> = keys.iter().map(|k| k.fingerprint.as_str()).collect();
                    return Err((
                        PUBLIC_KEY_FILE.to_string(),
                        format!(
                            "fingerprint {fingerprint} is not in the trust file (it lists {})",
                            listed.join(", ")
                        ),
                    ));
                };
                if listed.key_arn != manifest_key.key_arn || listed.account != manifest_key.account
                {
                    return Err((
                        "trust file".to_string(),
                        format!(
                            "key {fingerprint} is trusted as {} (account {}), but the manifest names {} (account {})",
                            listed.key_arn, listed.account, manifest_key.key_arn, manifest_key.account
                        ),
                    ));
                }
                Ok((pem, fingerprint))
            }
        }
    }

    /// What kind of anchor it is, for the OK line.
    pub fn kind(&self) -> &'static str {
        match self {
            TrustAnchor::PublicKey(_) => "public key",
            TrustAnchor::Fingerprint(_) => "fingerprint",
            TrustAnchor::TrustFile(_) => "trust file",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn fp(c: char) -> String {
        format!("SHA256:{}", c.to_string().repeat(64))
    }

    #[test]
    fn fingerprints_are_sha256_and_64_hex_digits() {
        let upper = format!("sha256:{}", "AB".repeat(32));
        assert_eq!(
            parse_fingerprint(&upper).unwrap(),
            format!("SHA256:{}", "ab".repeat(32))
        );
        for bad in [
            "",
            "abc",
            &"a".repeat(64),
            &format!("SHA256:{}", "a".repeat(16)),
            &format!("SHA256:{}", "g".repeat(64)),
        ] {
            let e = parse_fingerprint(bad).unwrap_err();
            assert!(e.to_string().contains("SHA256:"), "{e}");
        }
    }

    #[test]
    fn a_trust_file_parses_and_its_errors_name_the_entry_and_field() {
        let file = |keys: &str| format!(r#"{{"schema":"attest.trust/v1","keys":[{keys}]}}"#);
        let entry = |fingerprint: &str, arn: &str, account: &str| {
            format!(r#"{{"fingerprint":"{fingerprint}","key_arn":"{arn}","account":"{account}"}}"#)
        };
        let keys =
            parse_trust_file(file(&entry(&fp('a'), ARN, "111122223333")).as_bytes()).unwrap();
        assert_eq!(
            keys,
            [TrustedKey {
                fingerprint: fp('a'),
                key_arn: ARN.into(),
                account: "111122223333".into()
            }]
        );

        let err = |text: String| parse_trust_file(text.as_bytes()).unwrap_err().to_string();
        assert!(err("not json".into()).contains("not a trust file"));
        assert!(err(r#"{"schema":"attest.trust/v2","keys":[]}"#.into())
            .contains("schema `attest.trust/v2` is not attest.trust/v1"));
        assert!(err(file("")).contains("lists no keys"));
        let e = err(file(&format!(
            "{},{}",
            entry(&fp('a'), ARN, "111122223333"),
            entry("SHA256:12", ARN, "111122223333")
        )));
        assert!(e.contains("keys[1]") && e.contains("64 hex digits"), "{e}");
        let e = err(file(&entry(&fp('a'), "alias/reports", "111122223333")));
        assert!(
            e.contains("keys[0]: key_arn") && e.contains("not a KMS key ARN"),
            "{e}"
        );
        let e = err(file(&entry(&fp('a'), ARN, "999999999999")));
        assert!(
            e.contains("account `999999999999` is not the account of key_arn"),
            "{e}"
        );
        let e = err(file(
            r#"{"fingerprint":"x","key_arn":"y","account":"z","extra":1}"#,
        ));
        assert!(e.contains("unknown field `extra`"), "{e}");
    }

    #[test]
    fn exactly_one_anchor_is_required_and_none_says_how_to_get_one() {
        let e = TrustAnchor::from_options(None, None, None).unwrap_err();
        assert_eq!(e, TrustError::Missing);
        assert!(
            e.to_string().contains("aws kms get-public-key --key-id"),
            "{e}"
        );
        let e = TrustAnchor::from_options(None, Some(&fp('a')), Some(b"{}")).unwrap_err();
        assert_eq!(e, TrustError::Several);
        let e = TrustAnchor::from_options(Some(b"not a key"), None, None).unwrap_err();
        assert!(matches!(e, TrustError::BadPublicKey(_)), "{e}");
    }

    #[test]
    fn key_arns_give_account_and_region() {
        let key = SigningKey::from_arn(ARN).unwrap();
        assert_eq!(
            (key.account.as_str(), key.region.as_str()),
            ("111122223333", "eu-west-1")
        );
        for bad in [
            "alias/x",
            "arn:aws:kms:eu-west-1:111122223333:alias/x",
            "arn:aws:kms:eu-west-1:1234:key/x",
            "arn:aws:s3:::bucket",
        ] {
            assert!(SigningKey::from_arn(bad).is_err(), "{bad}");
        }
    }
}
