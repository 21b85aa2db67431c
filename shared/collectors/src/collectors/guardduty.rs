//! `guardduty.detectors`: every GuardDuty detector in the region (all pages) with its status,
//! finding publishing frequency and the status of each protection feature. No parameters.

use serde_json::{json, Value};

use attest_aws::AdapterError;
use attest_collect_workflow::{CollectFuture, CollectRequest, Collector, Source};

pub struct Detectors {
    client: aws_sdk_guardduty::Client,
}

impl Detectors {
    pub fn new(client: aws_sdk_guardduty::Client) -> Self {
        Detectors { client }
    }
}

impl Collector for Detectors {
    fn id(&self) -> &'static str {
        "guardduty.detectors"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::GuardDuty
    }
    fn check_parameters(&self, parameters: &Value) -> Result<(), String> {
        super::only_keys(parameters, &[])
    }

    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            let mut ids = Vec::new();
            let mut token: Option<String> = None;
            loop {
                request.limiter.acquire().await;
                let page = self
                    .client
                    .list_detectors()
                    .max_results(50)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| AdapterError::from_sdk("guardduty:ListDetectors", "region", e))?;
                ids.extend(page.detector_ids().iter().cloned());
                token = super::next_page(page.next_token());
                if token.is_none() {
                    break;
                }
            }
            ids.sort();
            let mut detectors = Vec::with_capacity(ids.len());
            for id in &ids {
                request.limiter.acquire().await;
                let d = self
                    .client
                    .get_detector()
                    .detector_id(id)
                    .send()
                    .await
                    .map_err(|e| AdapterError::from_sdk("guardduty:GetDetector", id.clone(), e))?;
                let mut features: Vec<Value> = d
                    .features()
                    .iter()
                    .map(|f| {
                        json!({
                            "name": f.name().map(|n| n.as_str()),
                            "status": f.status().map(|s| s.as_str()),
                        })
                    })
                    .collect();
                features.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
                detectors.push(json!({
                    "detector_id": id,
                    "status": d.status().map(|s| s.as_str()),
                    "finding_publishing_frequency": d.finding_publishing_frequency().map(|f| f.as_str()),
                    "features": features,
                }));
            }
            let enabled = detectors
                .iter()
                .filter(|d| d["status"] == "ENABLED")
                .count();
            Ok(json!({
                "region": self.client.config().region().map(|r| r.to_string()),
                "detector_count": detectors.len(),
                "enabled_count": enabled,
                "detectors": detectors,
            }))
        })
    }
}
