//! Step 1: pin the evidence. Every evidence item of the framework observed in the period (intake's
//! history rows) and every collection run overlapping it, each object checked against its recorded
//! SHA-256 and pinned to its S3 version. A resumed run reads back its stored snapshot instead, and
//! refuses it if the stored bytes changed.

use std::collections::BTreeMap;

use attest_domain::collection::RunStatus;
use attest_reports::exceptions;
use attest_reports::render::template_version;
use attest_reports::request::{ReportRequest, ReportRun};
use attest_reports::snapshot::{
    framework_info, scope, Collection, EvidenceItem, RunHeader, Snapshot, SNAPSHOT_SCHEMA,
};
use futures::{StreamExt, TryStreamExt};
use tracing::instrument;

use crate::ports::{Collections, History, Objects, Ports};
use crate::{ReportRunError, ReportWorkflow};

/// HeadObject (and, for bundles, GetObject) calls in flight at once.
pub(crate) const OBJECT_CONCURRENCY: usize = 16;

/// The calendar dates (`YYYY-MM-DD`) a half-open period touches.
fn dates_in(start: &str, end: &str) -> Vec<String> {
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .map(|t| t.date())
    };
    let (Ok(mut day), Ok(last)) = (parse(start), parse(end)) else {
        return Vec::new();
    };
    let end_is_midnight = end.get(10..) == Some("T00:00:00Z");
    let mut out = Vec::new();
    while day < last || (day == last && !end_is_midnight) {
        out.push(day.to_string());
        match day.next_day() {
            Some(d) => day = d,
            None => break,
        }
    }
    out
}

/// Whether an observed time (`...T09:15:11.482Z`) falls in `[start, end)` given whole-second bounds.
fn within(observed: &str, start: &str, end: &str) -> bool {
    let second = observed.get(..19).unwrap_or(observed);
    second >= start.get(..19).unwrap_or(start) && second < end.get(..19).unwrap_or(end)
}

impl<P: Ports> ReportWorkflow<P> {
    /// Pin every evidence item of the framework observed in the period, with its S3 version id.
    #[instrument(skip_all)]
    pub async fn snapshot(&self, request: &ReportRequest) -> Result<Snapshot, ReportRunError> {
        let framework = request.framework.as_str();
        let info = framework_info(&self.catalogue, framework)?;
        // Each item with where it came from, for the error that names a missing object.
        let mut by_key: BTreeMap<String, (EvidenceItem, String)> = BTreeMap::new();
        for date in dates_in(&request.period_start, &request.period_end) {
            for row in self.history.framework_history_on(framework, &date).await? {
                if !within(
                    &row.fields.observed_at,
                    &request.period_start,
                    &request.period_end,
                ) {
                    continue;
                }
                if let Some(item) = EvidenceItem::from_history(&row.fields, framework, None)? {
                    by_key
                        .entry(item.key.clone())
                        .or_insert((item, row.fields.state_id.clone()));
                }
            }
        }
        let mut collected_scope = Vec::new();
        for entry in self.controls.entries() {
            let c = &entry.control;
            if c.framework != framework {
                continue;
            }
            collected_scope.push((c.control_id.clone(), c.name.clone()));
            for run in self.collections.runs_of(&c.id).await? {
                let overlaps =
                    run.period_start < request.period_end && run.period_end > request.period_start;
                let (Some(key), Some(sha256)) = (&run.evidence_key, &run.evidence_sha256) else {
                    continue;
                };
                if run.status != RunStatus::Collected || !overlaps {
                    continue;
                }
                let item = EvidenceItem {
                    key: key.clone(),
                    version_id: run.evidence_version_id.clone(),
                    sha256: sha256.clone(),
                    observed_at: run.period_end.clone(),
                    controls: vec![c.control_id.clone()],
                    evaluation: None,
                    collection: Some(Collection {
                        control: c.id.clone(),
                        collector: run.collector.clone(),
                        collector_version: run.collector_version.clone(),
                        period_start: run.period_start.clone(),
                        period_end: run.period_end.clone(),
                        collected_by: run.collected_by.clone(),
                    }),
                };
                by_key
                    .entry(key.clone())
                    .or_insert((item, format!("run {}", run.sk)));
            }
        }
        let evidence = self.pin_versions(by_key.into_values()).await?;
        let snapshot = Snapshot {
            schema: SNAPSHOT_SCHEMA.to_string(),
            header: RunHeader {
                run_id: request.run_id(),
                period_start: request.period_start.clone(),
                period_end: request.period_end.clone(),
                generated_at: request.generated_at.clone(),
                catalogue_version: self.catalogue.version().to_string(),
                template_version: template_version(),
            },
            framework: info,
            controls: scope(&self.catalogue, framework, collected_scope),
            exceptions: exceptions::embedded_for(framework)?,
            evidence,
        };
        snapshot.check()?;
        Ok(snapshot)
    }

    /// Every object must exist now, with the hash we recorded; items without a version id get the
    /// one S3 holds. Order is kept (the input is sorted by key).
    async fn pin_versions(
        &self,
        items: impl Iterator<Item = (EvidenceItem, String)>,
    ) -> Result<Vec<EvidenceItem>, ReportRunError> {
        let objects = &self.objects;
        futures::stream::iter(items)
            .map(|(mut item, origin)| async move {
                let head = objects.head(&item.key).await?.ok_or_else(|| {
                    ReportRunError::MissingEvidence {
                        key: item.key.clone(),
                        state_id: origin,
                    }
                })?;
                if head.sha256.as_deref() != Some(item.sha256.as_str()) {
                    return Err(ReportRunError::EvidenceHash {
                        key: item.key.clone(),
                        stored: head.sha256,
                        recorded: item.sha256.clone(),
                    });
                }
                if item.version_id.is_none() {
                    item.version_id = head.version_id;
                }
                Ok(item)
            })
            .buffered(OBJECT_CONCURRENCY)
            .try_collect()
            .await
    }

    /// The snapshot a run recorded, read back at its version; refused if its bytes changed.
    pub(crate) async fn load_snapshot(
        &self,
        run: &ReportRun,
    ) -> Result<(Snapshot, Vec<u8>), ReportRunError> {
        let bytes = self
            .objects
            .get(&run.snapshot_key, run.snapshot_version_id.as_deref())
            .await?;
        let actual = attest_domain::canonical::sha256_hex(&bytes);
        if actual != run.snapshot_sha256 {
            return Err(ReportRunError::SnapshotChanged {
                key: run.snapshot_key.clone(),
                actual,
                recorded: run.snapshot_sha256.clone(),
            });
        }
        Ok((Snapshot::from_json(&bytes)?, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_touch_the_right_dates() {
        assert_eq!(
            dates_in("2026-11-01T00:00:00Z", "2026-11-03T00:00:00Z"),
            ["2026-11-01", "2026-11-02"]
        );
        assert_eq!(
            dates_in("2026-11-01T12:00:00Z", "2026-11-02T06:00:00Z"),
            ["2026-11-01", "2026-11-02"]
        );
        assert!(within(
            "2026-11-01T00:00:00.000Z",
            "2026-11-01T00:00:00Z",
            "2026-11-02T00:00:00Z"
        ));
        assert!(within(
            "2026-11-01T23:59:59.999Z",
            "2026-11-01T00:00:00Z",
            "2026-11-02T00:00:00Z"
        ));
        assert!(!within(
            "2026-11-02T00:00:00.000Z",
            "2026-11-01T00:00:00Z",
            "2026-11-02T00:00:00Z"
        ));
    }
}
