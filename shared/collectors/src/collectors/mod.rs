//! The collector plugins. Each turns AWS API answers into a sorted JSON payload.

pub mod cloudtrail;
pub mod config;
pub mod ec2;
pub mod guardduty;
pub mod iam;
pub mod kms;
pub mod rds;
pub mod s3;
pub mod securityhub;

/// The token of the next page, or `None` when this was the last: AWS ends a listing with no
/// token or an empty one.
pub(crate) fn next_page(token: Option<&str>) -> Option<String> {
    token.filter(|t| !t.is_empty()).map(str::to_string)
}

/// A list of strings from a parameter, or an error naming the parameter.
pub(crate) fn string_list(
    parameters: &serde_json::Value,
    name: &str,
    required: bool,
) -> Result<Vec<String>, String> {
    match parameters.get(name) {
        None if !required => Ok(Vec::new()),
        None => Err(format!("`{name}` is required")),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .ok_or_else(|| format!("`{name}` must list non-empty strings"))
            })
            .collect::<Result<Vec<_>, _>>()
            .and_then(|v| {
                if required && v.is_empty() {
                    Err(format!("`{name}` must not be empty"))
                } else {
                    Ok(v)
                }
            }),
        Some(_) => Err(format!("`{name}` must be a list of strings")),
    }
}

/// Refuse parameters a collector does not know, so a typo is not silently ignored.
pub(crate) fn only_keys(parameters: &serde_json::Value, allowed: &[&str]) -> Result<(), String> {
    if let Some(map) = parameters.as_object() {
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(format!(
                "unknown parameter `{unknown}` (allowed: {})",
                allowed.join(", ")
            ));
        }
    }
    Ok(())
}
