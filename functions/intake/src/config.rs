//! Intake configuration: the variables below, read and checked once at start-up.

use attest_aws::settings::{process_env, Env, Variable};
use attest_domain::admission::DEFAULT_MAX_FUTURE_SKEW_SECONDS;
use attest_domain::{Admission, ProductArn};

pub use attest_aws::settings::SettingError as ConfigError;

/// Every environment variable intake reads (also checked against the template and
/// `docs/configuration.md`).
pub const VARIABLES: &[Variable] = &[
    Variable::required(
        "ATTEST_EVIDENCE_BUCKET",
        "the Object Lock bucket evidence is written to",
    ),
    Variable::required(
        "ATTEST_EVIDENCE_KMS_KEY_ID",
        "KMS key (id, ARN or alias) for SSE-KMS on evidence objects",
    ),
    Variable::required("ATTEST_STATE_TABLE", "current compliance state table"),
    Variable::required("ATTEST_HISTORY_TABLE", "append-only history table"),
    Variable::bounded(
        "ATTEST_INTAKE_CONCURRENCY",
        "messages, and findings per message, stored at once",
        8,
        1,
        64,
    ),
    Variable::list(
        "ATTEST_SECURITY_HUB_ALLOWED_PRODUCTS",
        "Security Hub product ARNs accepted besides AWS's own (`arn:{partition}:securityhub:{region}::product/aws/{service}`); findings of any other product are refused",
    ),
    Variable::bounded(
        "ATTEST_MAX_FUTURE_SKEW_SECONDS",
        "how far an observed time (`UpdatedAt`, `orderingTimestamp`, `eventTime`) may be after its event's envelope `time` before the event is refused",
        DEFAULT_MAX_FUTURE_SKEW_SECONDS,
        0,
        86400,
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeConfig {
    pub evidence_bucket: String,
    pub evidence_kms_key_id: String,
    pub state_table: String,
    pub history_table: String,
    pub concurrency: usize,
    /// Checked at start-up: each is a Security Hub product ARN.
    pub security_hub_allowed_products: Vec<ProductArn>,
    pub max_future_skew_seconds: u64,
}

impl IntakeConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_env)
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env::new(VARIABLES, &get);
        Ok(IntakeConfig {
            evidence_bucket: env.required("ATTEST_EVIDENCE_BUCKET")?,
            evidence_kms_key_id: env.required("ATTEST_EVIDENCE_KMS_KEY_ID")?,
            state_table: env.required("ATTEST_STATE_TABLE")?,
            history_table: env.required("ATTEST_HISTORY_TABLE")?,
            concurrency: env.bounded("ATTEST_INTAKE_CONCURRENCY")? as usize,
            security_hub_allowed_products: env
                .list("ATTEST_SECURITY_HUB_ALLOWED_PRODUCTS")?
                .iter()
                .map(|text| {
                    ProductArn::parse(text).map_err(|reason| ConfigError::Invalid {
                        name: "ATTEST_SECURITY_HUB_ALLOWED_PRODUCTS",
                        reason,
                    })
                })
                .collect::<Result<_, _>>()?,
            max_future_skew_seconds: env.bounded("ATTEST_MAX_FUTURE_SKEW_SECONDS")?,
        })
    }

    /// The admission rules these settings give.
    pub fn admission(&self) -> Admission {
        Admission::new(
            self.security_hub_allowed_products.iter().cloned(),
            self.max_future_skew_seconds,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use attest_testing::lookup as env;

    const FULL: &[(&str, &str)] = &[
        ("ATTEST_EVIDENCE_BUCKET", "b"),
        ("ATTEST_EVIDENCE_KMS_KEY_ID", "k"),
        ("ATTEST_STATE_TABLE", "s"),
        ("ATTEST_HISTORY_TABLE", "h"),
    ];

    #[test]
    fn reads_required_and_defaults() {
        let c = IntakeConfig::from_lookup(env(FULL)).unwrap();
        assert_eq!((c.evidence_bucket.as_str(), c.concurrency), ("b", 8));
        // AWS products only, five minutes of skew.
        assert!(c.security_hub_allowed_products.is_empty());
        assert_eq!(c.max_future_skew_seconds, 300);
        assert_eq!(c.admission(), Admission::default());
    }

    #[test]
    fn reads_and_checks_the_allowed_products() {
        let partner =
            "arn:aws:securityhub:us-east-1:733251395267:product/alertlogic/althreatmanagement";
        let custom = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default";
        let mut vars = FULL.to_vec();
        let listed = format!("{partner}, {custom}");
        vars.push(("ATTEST_SECURITY_HUB_ALLOWED_PRODUCTS", listed.as_str()));
        vars.push(("ATTEST_MAX_FUTURE_SKEW_SECONDS", "60"));
        let c = IntakeConfig::from_lookup(env(&vars)).unwrap();
        let products: Vec<&str> = c
            .security_hub_allowed_products
            .iter()
            .map(ProductArn::as_str)
            .collect();
        assert_eq!(products, [partner, custom]);
        assert_eq!(c.max_future_skew_seconds, 60);

        let mut bad = FULL.to_vec();
        bad.push(("ATTEST_SECURITY_HUB_ALLOWED_PRODUCTS", "alertlogic"));
        let err = IntakeConfig::from_lookup(env(&bad)).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("ATTEST_SECURITY_HUB_ALLOWED_PRODUCTS") && text.contains("`alertlogic`"),
            "{text}"
        );
        let mut bad = FULL.to_vec();
        bad.push(("ATTEST_MAX_FUTURE_SKEW_SECONDS", "-1"));
        let err = IntakeConfig::from_lookup(env(&bad)).unwrap_err();
        assert!(
            err.to_string().contains("ATTEST_MAX_FUTURE_SKEW_SECONDS"),
            "{err}"
        );
    }

    #[test]
    fn names_the_missing_or_bad_variable() {
        let err = IntakeConfig::from_lookup(env(&FULL[1..])).unwrap_err();
        assert_eq!(err, ConfigError::Missing("ATTEST_EVIDENCE_BUCKET"));
        let mut bad = FULL.to_vec();
        bad.push(("ATTEST_INTAKE_CONCURRENCY", "0"));
        let err = IntakeConfig::from_lookup(env(&bad)).unwrap_err();
        assert!(
            err.to_string().contains("ATTEST_INTAKE_CONCURRENCY"),
            "{err}"
        );
    }

    #[test]
    fn the_documentation_lists_exactly_these_variables() {
        attest_testing::assert_documented("intake", VARIABLES);
    }
}
