//! RFC 8785 (JSON Canonicalization Scheme) and SHA-256: the two operations an auditor repeats to check
//! that a piece of evidence is what we recorded.
//!
//! Text is read by [`crate::ijson`] (serde_json, refusing repeated member names) and written by the
//! `serde_json_canonicalizer` crate (docs/adr/0010-rfc8785-writer.md says why that crate): members
//! sorted by UTF-16 code units, strings escaped as ECMAScript's JSON.stringify does, numbers printed
//! as ECMAScript prints doubles. The tests hold the result to RFC 8785's own examples and to the
//! reference implementation's test data; `scripts/check_rfc8785.py` holds the evidence of every
//! sample event to Python's independent `rfc8785` package.

use sha2::{Digest, Sha256};

use crate::ijson::{self, ReadError};

/// Why a canonical form could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    /// The text is not JSON, or not I-JSON (a repeated member name), or over a limit.
    #[error(transparent)]
    Unreadable(#[from] ReadError),
    /// The writer refused the value (RFC 8785 has no form for it).
    #[error("no RFC 8785 form: {0}")]
    Unwritable(String),
}

/// The RFC 8785 bytes of a value as the writer serialises it: a JSON value already read, or a
/// struct of them. (A float that is not finite, or a name written twice, is an error here;
/// [`serialize`] follows serde_json's rules instead.)
pub fn to_vec<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    serde_json_canonicalizer::to_vec(value).map_err(|e| CanonicalError::Unwritable(e.to_string()))
}

/// [`to_vec`], appended to `out`: for a document written a part at a time.
pub fn write<T: serde::Serialize, W: std::io::Write>(
    out: &mut W,
    value: &T,
) -> Result<(), CanonicalError> {
    serde_json_canonicalizer::to_writer(value, out)
        .map_err(|e| CanonicalError::Unwritable(e.to_string()))
}

/// Canonicalise raw JSON text: read it strictly, then write it per RFC 8785.
pub fn canonicalize_json(input: &[u8]) -> Result<Vec<u8>, CanonicalError> {
    to_vec(&ijson::parse(input, &ijson::DOCUMENT)?)
}

/// The RFC 8785 bytes of any serialisable value: serialised by serde_json, read back strictly, then
/// written canonically. The round trip keeps serde_json's rules for what a value becomes (a
/// non-finite float is `null`) and refuses a member name a value writes twice.
pub fn serialize<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    let text = serde_json::to_vec(value).map_err(|e| CanonicalError::Unwritable(e.to_string()))?;
    canonicalize_json(&text)
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Raw SHA-256 of `bytes` (for S3's base64 checksum header).
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests;
