//! Step 1: pin the evidence. Every evidence item of the framework observed in the period (intake's
//! history rows) and every collection run overlapping it, each object checked against its recorded
//! SHA-256 and pinned to its S3 version. A resumed run reads back its stored snapshot instead, and
//! refuses it if the stored bytes changed.

use std::collections::BTreeMap;

use attest_domain::collection::RunStatus;
use attest_domain::timestamp::Timestamp;
use attest_domain::Period;
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

impl<P: Ports> ReportWorkflow<P> {
    /// Pin every evidence item of the framework observed in the period, with its S3 version id.
    #[instrument(skip_all)]
    pub async fn snapshot(&self, request: &ReportRequest) -> Result<Snapshot, ReportRunError> {
        let framework = request.framework.as_str();
        let info = framework_info(&self.catalogue, framework)?;
        // Each item with where it came from, for the error that names a missing object.
        let mut by_key: BTreeMap<String, (EvidenceItem, String)> = BTreeMap::new();
        let period = &request.period;
        for date in period.days() {
            for row in self.history.framework_history_on(framework, &date).await? {
                let observed_at = Timestamp::parse(&row.fields.observed_at).map_err(|reason| {
                    ReportRunError::BadRecord {
                        record: format!("history row {}", row.fields.state_id),
                        reason: format!("observed_at: {reason}"),
                    }
                })?;
                if !period.contains(&observed_at) {
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
                let (Some(key), Some(sha256)) = (&run.evidence_key, &run.evidence_sha256) else {
                    continue;
                };
                if run.status != RunStatus::Collected {
                    continue;
                }
                let covered =
                    Period::from_ends(&run.period_start, &run.period_end).map_err(|e| {
                        ReportRunError::BadRecord {
                            record: format!("collection run {} {}", run.pk, run.sk),
                            reason: e.to_string(),
                        }
                    })?;
                if !covered.overlaps(period) {
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
                period: period.clone(),
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
