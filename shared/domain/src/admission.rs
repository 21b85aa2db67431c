//! What intake accepts as evidence, after an event has been read: where a Security Hub finding
//! came from (`ProductArn`), and whether an observation claims a time after the event that
//! delivered it.
//!
//! Both rules compare only values in the event, never the clock, so whether an event is accepted
//! is the same on every delivery and for anyone re-checking it with the same settings.
//!
//! - **Provenance.** Anyone allowed `securityhub:BatchImportFindings` in an account can import
//!   findings under their own (custom or partner) product ARN, PASSED ones included. Findings are
//!   accepted only from AWS's own products (`arn:{partition}:securityhub:{region}::product/aws/
//!   {service}`: Security Hub's own controls, GuardDuty, Inspector, ...) or from products the
//!   operator lists ([`Admission::new`]).
//! - **Future skew.** An observed time far after the envelope time would stay "newest" (see
//!   [`crate::precedence`]) until that time, freezing the state (a year-9999 `UpdatedAt`). The
//!   envelope time is set by AWS when the event is published, so an observation more than the
//!   allowed skew after it is refused, for every source.

use std::collections::BTreeSet;

use thiserror::Error;

use crate::finding::FindingSource;
use crate::normalize::{NormalizedEvent, NormalizedFinding};

/// The default for how far an observed time may be after its event's envelope time.
pub const DEFAULT_MAX_FUTURE_SKEW_SECONDS: u64 = 300;

/// A Security Hub product ARN: `arn:{partition}:securityhub:{region}:{account}:product/{company}/{product}`
/// (`productv2/...` in the new Security Hub's OCSF findings). AWS's own products have no account
/// and the company `aws`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProductArn(String);

impl ProductArn {
    /// Parse a product ARN, refusing anything not in that shape (with the reason).
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = |why: &str| Err(format!("`{text}` is not a Security Hub product ARN: {why}"));
        let parts: Vec<&str> = text.split(':').collect();
        let [arn, partition, service, region, account, resource] = parts[..] else {
            return bad("expected arn:{partition}:securityhub:{region}:{account}:product/{company}/{product}");
        };
        if arn != "arn" || service != "securityhub" {
            return bad("expected arn:{partition}:securityhub:...");
        }
        if (partition != "aws" && !partition.starts_with("aws-")) || !is_name(partition) {
            return bad("the partition is not aws or aws-*");
        }
        if region.is_empty() || !is_name(region) {
            return bad("the region is empty or not a region name");
        }
        if !(account.is_empty()
            || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())))
        {
            return bad("the account is neither empty nor 12 digits");
        }
        // `productv2/...` is the new Security Hub's form of the same ARN (OCSF `metadata.product.uid`).
        match resource.split('/').collect::<Vec<_>>()[..] {
            ["product" | "productv2", company, product]
                if !company.is_empty() && !product.is_empty() =>
            {
                Ok(ProductArn(text.to_string()))
            }
            _ => bad(
                "the resource is not product/{company}/{product} or productv2/{company}/{product}",
            ),
        }
    }

    /// One of AWS's own integrations: no account and company `aws`.
    pub fn is_aws(&self) -> bool {
        let parts: Vec<&str> = self.0.split(':').collect();
        matches!(parts[..], [_, _, _, _, "", resource]
            if resource.starts_with("product/aws/") || resource.starts_with("productv2/aws/"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Lower-case letters, digits and hyphens (partitions and region names).
fn is_name(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl std::fmt::Display for ProductArn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why an event's findings were refused. The same event is refused the same way on every
/// delivery, so a retry does not help; it still fails its message (to the DLQ and its alarm).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AdmissionError {
    #[error("event {event_id}: Security Hub finding {finding_id}: product `{product_arn}` is neither an AWS product nor allow-listed; not stored as evidence")]
    ProductNotAllowed {
        event_id: String,
        finding_id: String,
        product_arn: String,
    },

    /// Boxed: it names more than fits in a small error.
    #[error(transparent)]
    FutureObservation(Box<FutureObservation>),
}

/// An observed time later than its event's envelope time by more than the allowed skew.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("event {event_id}: finding {finding_id}: `{field}` {observed_at} is {ahead_seconds} s after the event's time {delivered_at}, more than the {max_future_skew_seconds} s allowed; not stored as evidence")]
pub struct FutureObservation {
    pub event_id: String,
    pub finding_id: String,
    /// The event field the observed time came from (`UpdatedAt`, `detail.eventTime`, ...).
    pub field: &'static str,
    pub observed_at: String,
    pub delivered_at: String,
    pub ahead_seconds: i64,
    pub max_future_skew_seconds: u64,
}

impl AdmissionError {
    /// Always `false`: the same event under the same settings is refused again.
    pub fn is_retryable(&self) -> bool {
        false
    }
}

/// The admission rules with their settings: built once at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    allowed_products: BTreeSet<ProductArn>,
    max_future_skew_seconds: u64,
}

impl Default for Admission {
    /// AWS products only, and [`DEFAULT_MAX_FUTURE_SKEW_SECONDS`].
    fn default() -> Self {
        Admission::new([], DEFAULT_MAX_FUTURE_SKEW_SECONDS)
    }
}

impl Admission {
    /// `allowed_products`: third-party or custom products accepted besides AWS's own.
    pub fn new(
        allowed_products: impl IntoIterator<Item = ProductArn>,
        max_future_skew_seconds: u64,
    ) -> Self {
        Admission {
            allowed_products: allowed_products.into_iter().collect(),
            max_future_skew_seconds,
        }
    }

    /// Every finding of the event, or the first refusal. One refused finding refuses the whole
    /// event: its message is then failed as a whole and nothing of it is stored, so the DLQ holds
    /// exactly the event that was refused, and a redrive after the settings are changed stores all
    /// of it (rather than an event whose findings are half evidence, half refused).
    pub fn check(&self, event: &NormalizedEvent) -> Result<(), AdmissionError> {
        event
            .findings
            .iter()
            .try_for_each(|item| self.check_finding(item))
    }

    pub fn check_finding(&self, item: &NormalizedFinding) -> Result<(), AdmissionError> {
        let finding = &item.finding;
        if finding.source == FindingSource::SecurityHub {
            // A ProductArn that is not a product ARN at all is refused like any unlisted one.
            let product = item.product_arn.as_deref();
            let allowed = product
                .and_then(|text| ProductArn::parse(text).ok())
                .is_some_and(|p| p.is_aws() || self.allowed_products.contains(&p));
            if !allowed {
                return Err(AdmissionError::ProductNotAllowed {
                    event_id: finding.event_id.clone(),
                    finding_id: finding.source_finding_id.clone(),
                    product_arn: product.unwrap_or("<none>").to_string(),
                });
            }
        }
        // A difference too large for i64 seconds cannot occur between years 0000 and 9999.
        let ahead = finding
            .observed_at
            .seconds_since(&finding.delivered_at)
            .unwrap_or(i64::MAX);
        if ahead > i64::try_from(self.max_future_skew_seconds).unwrap_or(i64::MAX) {
            return Err(AdmissionError::FutureObservation(Box::new(
                FutureObservation {
                    event_id: finding.event_id.clone(),
                    finding_id: finding.source_finding_id.clone(),
                    field: item.observed_at_field,
                    observed_at: finding.observed_at.to_string(),
                    delivered_at: finding.delivered_at.to_string(),
                    ahead_seconds: ahead,
                    max_future_skew_seconds: self.max_future_skew_seconds,
                },
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
