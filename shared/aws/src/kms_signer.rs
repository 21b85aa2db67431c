//! Signing with a KMS asymmetric key (ECC_NIST_P256, ECDSA_SHA_256): the report manifest's digest.

use crate::error::AdapterError;

/// What KMS answered, with the key it names: `KeyId` in `Sign` and `GetPublicKey` answers is the
/// key ARN, whatever id or alias was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KmsAnswer {
    pub bytes: Vec<u8>,
    pub key_arn: String,
}

/// Signs SHA-256 digests with one KMS key and reads its public key.
#[derive(Clone, Debug)]
pub struct KmsSigner {
    client: aws_sdk_kms::Client,
    key_id: String,
}

impl KmsSigner {
    pub fn new(client: aws_sdk_kms::Client, key_id: impl Into<String>) -> Self {
        KmsSigner {
            client,
            key_id: key_id.into(),
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// DER ECDSA signature over a SHA-256 digest (`MessageType=DIGEST`), and the signing key's ARN.
    pub async fn sign_digest(&self, digest: &[u8; 32]) -> Result<KmsAnswer, AdapterError> {
        let out = self
            .client
            .sign()
            .key_id(&self.key_id)
            .message(aws_smithy_types::Blob::new(digest.to_vec()))
            .message_type(aws_sdk_kms::types::MessageType::Digest)
            .signing_algorithm(aws_sdk_kms::types::SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("kms:Sign", self.key_id.clone(), e))?;
        let key_arn = out.key_id.ok_or_else(|| {
            AdapterError::unexpected_answer("kms:Sign", &self.key_id, "the answer names no key")
        })?;
        let bytes = out.signature.map(|b| b.into_inner()).ok_or_else(|| {
            AdapterError::unexpected_answer("kms:Sign", &self.key_id, "the answer has no signature")
        })?;
        Ok(KmsAnswer { bytes, key_arn })
    }

    /// The public key (DER SubjectPublicKeyInfo), for the bundle and for auditors, and its ARN.
    pub async fn public_key(&self) -> Result<KmsAnswer, AdapterError> {
        let out = self
            .client
            .get_public_key()
            .key_id(&self.key_id)
            .send()
            .await
            .map_err(|e| AdapterError::from_sdk("kms:GetPublicKey", self.key_id.clone(), e))?;
        let key_arn = out.key_id.ok_or_else(|| {
            AdapterError::unexpected_answer(
                "kms:GetPublicKey",
                &self.key_id,
                "the answer names no key",
            )
        })?;
        let bytes = out.public_key.map(|b| b.into_inner()).ok_or_else(|| {
            AdapterError::unexpected_answer(
                "kms:GetPublicKey",
                &self.key_id,
                "the answer has no public key",
            )
        })?;
        Ok(KmsAnswer { bytes, key_arn })
    }
}
