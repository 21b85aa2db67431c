//! Environment settings, read once at start-up: a missing or malformed value is an error naming the
//! variable, so a misconfigured function fails its first start instead of its first event.

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SettingError {
    #[error("environment variable {0} is required and must not be empty")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// A required, non-empty value.
pub fn required(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<String, SettingError> {
    get(name)
        .filter(|v| !v.trim().is_empty())
        .ok_or(SettingError::Missing(name))
}

/// An optional whole number within `min..=max`, `default` when unset.
pub fn bounded(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, SettingError> {
    match get(name) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(SettingError::Invalid {
                name,
                reason: format!("`{v}` is not a whole number from {min} to {max}"),
            }),
        },
    }
}
