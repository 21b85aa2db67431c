//! Step 1: pin the evidence. A report's snapshot holds, for every state (account, region, rule,
//! resource) of the framework:
//!
//! - its **standing at the period start**, the latest evaluation observed before the start: taken
//!   from the closing state of the framework's previous published report (its predecessor, named
//!   by manifest hash), or, for a framework's first report, from the current-state table and one
//!   history lookup per state that changed since the start;
//! - **late evidence**: evaluations observed in the predecessor's period (or between the two
//!   periods) that the predecessor did not include, because they arrived after it was published;
//! - every evaluation **observed in the period** (intake's history rows) and every collection run
//!   overlapping it.
//!
//! Every object is read at its pinned S3 version and checked against its recorded SHA-256. The
//! verdict of each evaluation (status, disposition, severity, controls) is derived from its
//! evidence object by the code intake runs ([`attest_domain::normalize_evidence`]) with this
//! build's catalogue; a row that disagrees with its evidence fails the run, naming the row. So the
//! cost of a run grows with the states in scope and the evidence in the period, not with all
//! history.
//!
//! A resumed run reads back its stored snapshot instead, and refuses it if the stored bytes changed.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use attest_domain::collection::RunStatus;
use attest_domain::records::{FindingFields, FindingRows, HistoryRow};
use attest_domain::timestamp::Timestamp;
use attest_domain::{normalize_evidence, Period, Precedence};
use attest_reports::exceptions;
use attest_reports::manifest::{Manifest, MANIFEST_FILE};
use attest_reports::render::template_version;
use attest_reports::request::{report_pk, ReportRequest, ReportRun, ReportStatus};
use attest_reports::snapshot::{
    framework_info, scope, Collection, EvidenceItem, RunHeader, RunRef, Snapshot, SNAPSHOT_SCHEMA,
};
use futures::{StreamExt, TryStreamExt};
use tracing::{info, instrument};

use crate::ports::{Collections, History, Objects, Ports, ReportRuns};
use crate::{ReportRunError, ReportWorkflow};

/// GetObject (and first-report history Query) calls in flight at once. At S3's tens of
/// milliseconds per small GET, 64 in flight read a few thousand objects a second, the order of
/// S3's 5,500 GET/s per prefix (BENCHMARKS.md, one report at scale).
pub(crate) const OBJECT_CONCURRENCY: usize = 64;

/// One evidence object the snapshot will pin, before it is read.
#[derive(Clone)]
struct Pin {
    key: String,
    sha256: String,
    version_id: Option<String>,
    /// The stored row that named the object, compared with what its evidence says (absent for a
    /// predecessor's item, whose evaluation is compared instead, and for collections).
    row: Option<FindingFields>,
    /// The predecessor's item this pin carries over.
    carried: Option<EvidenceItem>,
    /// For collected evidence: the item as the run record describes it.
    collection: Option<EvidenceItem>,
    late_for: Option<String>,
    /// What named the object, for errors.
    origin: String,
}

impl Pin {
    fn from_row(fields: &FindingFields, origin: String) -> Self {
        Pin {
            key: fields.evidence_key.clone(),
            sha256: fields.evidence_sha256.clone(),
            version_id: None,
            row: Some(fields.clone()),
            carried: None,
            collection: None,
            late_for: None,
            origin,
        }
    }

    /// The order of one state's evaluations, as [`EvidenceItem::order`]: a row's precedence, or
    /// the carried item's.
    fn order(&self) -> Result<(String, &str), ReportRunError> {
        let by = match (&self.row, &self.carried) {
            (Some(row), _) => Precedence::of_row(row)
                .map_err(|e| ReportRunError::BadRecord {
                    record: self.origin.clone(),
                    reason: e.to_string(),
                })?
                .key(),
            (None, Some(item)) => item.order().0.to_string(),
            (None, None) => String::new(),
        };
        Ok((by, self.key.as_str()))
    }

    fn state_id(&self) -> Option<&str> {
        match (&self.row, &self.carried) {
            (Some(row), _) => Some(row.state_id.as_str()),
            (None, Some(item)) => item.evaluation.as_ref().map(|e| e.state_id.as_str()),
            (None, None) => None,
        }
    }
}

/// The evidence pinned so far: every key read (including any that turned out not to bear on the
/// framework), and the items, in any order until the snapshot sorts them by key.
#[derive(Default)]
struct Pinned {
    keys: HashSet<String>,
    items: Vec<EvidenceItem>,
}

/// The published report a run starts from, with its snapshot.
struct Predecessor {
    reference: RunRef,
    snapshot: Snapshot,
}

fn observed_at(fields: &FindingFields, record: &str) -> Result<Timestamp, ReportRunError> {
    Timestamp::parse(&fields.observed_at).map_err(|reason| ReportRunError::BadRecord {
        record: record.to_string(),
        reason: format!("observed_at: {reason}"),
    })
}

impl<P: Ports> ReportWorkflow<P> {
    /// Pin the evidence of the report: standings carried into the period, late evidence, and
    /// everything observed in the period, each with its S3 version id and derived verdict.
    #[instrument(skip_all)]
    pub async fn snapshot(&self, request: &ReportRequest) -> Result<Snapshot, ReportRunError> {
        let framework = request.framework.as_str();
        let info = framework_info(&self.catalogue, framework)?;
        let period = &request.period;
        let runs = self.runs.runs_of(&report_pk(framework)).await?;
        let predecessor = self.predecessor(request, &runs).await?;
        // An amendment lists what its original missed as late evidence for that run.
        let (amended, missed_by) = match self.amended(request, &runs).await? {
            Some(a) => {
                let held: BTreeSet<String> =
                    a.snapshot.evidence.into_iter().map(|e| e.key).collect();
                (Some(a.reference.clone()), Some((a.reference.run_id, held)))
            }
            None => (None, None),
        };

        // Pinned a batch at a time (the carried standings, then each day, then the collections),
        // so the rows waiting to be read are one day's, not the period's.
        let mut pinned = Pinned::default();
        let carried = self.carried_into(request, predecessor.as_ref()).await?;
        // The predecessor's snapshot is not needed past this point: only its reference is kept.
        let predecessor = predecessor.map(|p| p.reference);
        self.pin_new(carried, framework, &mut pinned).await?;
        for date in period.days() {
            let mut day = Vec::new();
            for row in self.history.framework_history_on(framework, &date).await? {
                let record = format!("history row {}", row.sk);
                if !period.contains(&observed_at(&row.fields, &record)?) {
                    continue;
                }
                let mut pin = Pin::from_row(&row.fields, record);
                if let Some((original, held)) = &missed_by {
                    if !held.contains(&pin.key) {
                        pin.late_for = Some(original.clone());
                    }
                }
                day.push(pin);
            }
            self.pin_new(day, framework, &mut pinned).await?;
        }
        let mut collected = Vec::new();
        let collected_scope = self
            .collected_into(framework, period, &mut collected)
            .await?;
        self.pin_new(collected, framework, &mut pinned).await?;
        let mut evidence = pinned.items;
        evidence.sort_by(|a, b| a.key.cmp(&b.key));
        let carried = evidence
            .iter()
            .filter(|e| e.evaluation.is_some() && e.observed_at.as_str() < period.start.as_str())
            .count();
        info!(
            evidence = evidence.len(),
            carried,
            predecessor = predecessor.as_ref().map(|p| p.run_id.as_str()),
            "evidence pinned"
        );
        let snapshot = Snapshot {
            schema: SNAPSHOT_SCHEMA.to_string(),
            header: RunHeader {
                run_id: request.run_id(),
                period: period.clone(),
                generated_at: request.generated_at.clone(),
                catalogue_version: self.catalogue.version().to_string(),
                template_version: template_version(),
                predecessor,
                amends: amended,
            },
            framework: info,
            policy: self.policy.for_framework(framework),
            controls: scope(&self.catalogue, framework, collected_scope),
            exceptions: exceptions::embedded_for(framework)?,
            evidence,
        };
        snapshot.check()?;
        Ok(snapshot)
    }

    /// Every COLLECTED run of the framework's collection controls that overlaps the period, as
    /// pins; returns the collection controls in scope (id and title).
    async fn collected_into(
        &self,
        framework: &str,
        period: &Period,
        pins: &mut Vec<Pin>,
    ) -> Result<Vec<(String, String)>, ReportRunError> {
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
                    precedence: None,
                    collection: Some(Collection {
                        control: c.id.clone(),
                        collector: run.collector.clone(),
                        collector_version: run.collector_version.clone(),
                        period_start: run.period_start.clone(),
                        period_end: run.period_end.clone(),
                        collected_by: run.collected_by.clone(),
                    }),
                    late_for: None,
                };
                pins.push(Pin {
                    key: key.clone(),
                    sha256: sha256.clone(),
                    version_id: run.evidence_version_id.clone(),
                    row: None,
                    carried: None,
                    collection: Some(item),
                    late_for: None,
                    origin: format!("collection run {}", run.sk),
                });
            }
        }
        Ok(collected_scope)
    }

    /// The latest published run of the framework whose period ends at or before this one starts
    /// (an amendment of that period, being later, wins), with its snapshot.
    async fn predecessor(
        &self,
        request: &ReportRequest,
        runs: &[ReportRun],
    ) -> Result<Option<Predecessor>, ReportRunError> {
        let own_id = request.run_id();
        let Some(run) = runs
            .iter()
            .filter(|r| r.status == ReportStatus::Published && r.header.run_id != own_id)
            .filter(|r| r.header.period.end <= request.period.start)
            .max_by(|a, b| {
                (&a.header.period.end, &a.header.generated_at)
                    .cmp(&(&b.header.period.end, &b.header.generated_at))
            })
        else {
            return Ok(None);
        };
        Ok(Some(self.published(run).await?))
    }

    /// The published run of the same period that `request` amends.
    async fn amended(
        &self,
        request: &ReportRequest,
        runs: &[ReportRun],
    ) -> Result<Option<Predecessor>, ReportRunError> {
        let Some(amended) = &request.amends else {
            return Ok(None);
        };
        let refuse = |reason: String| ReportRunError::AmendedRun {
            run_id: amended.clone(),
            reason,
        };
        let run = runs
            .iter()
            .find(|r| &r.header.run_id == amended)
            .ok_or_else(|| {
                refuse(format!(
                    "no report run of {} has this id",
                    request.framework
                ))
            })?;
        if run.status != ReportStatus::Published {
            return Err(refuse(format!(
                "it is {}, not PUBLISHED",
                run.status.as_str()
            )));
        }
        if run.header.period != request.period {
            return Err(refuse(format!(
                "it covers {}, this run {}",
                run.header.period, request.period
            )));
        }
        Ok(Some(self.published(run).await?))
    }

    /// A published run as a reference and its snapshot. The snapshot is read at the version its
    /// run record pins and must be the one the run's manifest hashes.
    async fn published(&self, run: &ReportRun) -> Result<Predecessor, ReportRunError> {
        let bad = |reason: String| ReportRunError::BadRecord {
            record: format!("report run {}", run.sk),
            reason,
        };
        let manifest_sha256 = run
            .manifest_sha256
            .clone()
            .ok_or_else(|| bad("published without a manifest hash".into()))?;
        let manifest_bytes = self.published_manifest(run).await?;
        let actual = attest_domain::canonical::sha256_hex(&manifest_bytes);
        if actual != manifest_sha256 {
            return Err(bad(format!(
                "its manifest hashes to {actual}, the record says {manifest_sha256}"
            )));
        }
        let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
            .map_err(|e| bad(format!("its manifest does not parse: {e}")))?;
        if manifest.snapshot.sha256 != run.snapshot_sha256 {
            return Err(bad(format!(
                "its manifest names snapshot {}, the record {}",
                manifest.snapshot.sha256, run.snapshot_sha256
            )));
        }
        let (snapshot, _) = self.load_snapshot(run).await?;
        Ok(Predecessor {
            reference: RunRef {
                run_id: run.header.run_id.clone(),
                period: run.header.period.clone(),
                manifest_sha256,
            },
            snapshot,
        })
    }

    /// A published run's manifest, at the version its record pins (a version stacked over it
    /// later is not read).
    async fn published_manifest(&self, run: &ReportRun) -> Result<Vec<u8>, ReportRunError> {
        let version = run.pinned_version(MANIFEST_FILE);
        Ok(self
            .objects
            .get(&format!("{}{MANIFEST_FILE}", run.prefix), version)
            .await?)
    }

    /// What each state carries into the period: its latest evaluation before the start, and the
    /// late evidence found on the way.
    async fn carried_into(
        &self,
        request: &ReportRequest,
        predecessor: Option<&Predecessor>,
    ) -> Result<Vec<Pin>, ReportRunError> {
        let start = &request.period.start;
        let framework = request.framework.as_str();
        let mut candidates: Vec<Pin> = Vec::new();
        let mut late: Vec<Pin> = Vec::new();
        match predecessor {
            Some(before) => {
                let included: BTreeSet<&str> = before
                    .snapshot
                    .evidence
                    .iter()
                    .map(|e| e.key.as_str())
                    .collect();
                candidates.extend(closing_state(&before.snapshot).into_iter().map(|item| Pin {
                    key: item.key.clone(),
                    sha256: item.sha256.clone(),
                    version_id: item.version_id.clone(),
                    row: None,
                    carried: Some(item.clone()),
                    collection: None,
                    // Listed as late once, in the report that found it.
                    late_for: None,
                    origin: format!("report {} evidence {}", before.reference.run_id, item.key),
                }));
                // Evidence observed since the predecessor's start that it does not hold arrived
                // after it was published (or falls between the two periods).
                let since = Period::new(before.snapshot.header.period.start.clone(), start.clone())
                    .map_err(|e| ReportRunError::BadRecord {
                        record: format!("report run {}", before.reference.run_id),
                        reason: e.to_string(),
                    })?;
                for date in since.days() {
                    for row in self.history.framework_history_on(framework, &date).await? {
                        let record = format!("history row {}", row.sk);
                        let at = observed_at(&row.fields, &record)?;
                        if !since.contains(&at)
                            || included.contains(row.fields.evidence_key.as_str())
                        {
                            continue;
                        }
                        let mut pin = Pin::from_row(&row.fields, record);
                        if before.reference.period.contains(&at) {
                            pin.late_for = Some(before.reference.run_id.clone());
                        }
                        late.push(pin);
                    }
                }
            }
            None => {
                let mut changed_since = Vec::new();
                for row in self.history.framework_state(framework).await? {
                    let record = format!("current state row {}", row.pk);
                    if &observed_at(&row.fields, &record)? < start {
                        candidates.push(Pin::from_row(&row.fields, record));
                    } else {
                        changed_since.push(row.fields.state_id);
                    }
                }
                // One query each for the states that changed since the start, several at a time.
                let history = &self.history;
                let earlier: Vec<Option<HistoryRow>> = futures::stream::iter(changed_since)
                    .map(|state_id| async move { history.latest_before(&state_id, start).await })
                    .buffered(OBJECT_CONCURRENCY)
                    .try_collect()
                    .await?;
                candidates.extend(earlier.into_iter().flatten().map(|row| {
                    let record = format!("history row {}", row.sk);
                    Pin::from_row(&row.fields, record)
                }));
            }
        }
        // Per state, the latest evaluation before the start; late items are kept either way (the
        // report lists them), and the stream order is by key.
        let mut latest: BTreeMap<String, Pin> = BTreeMap::new();
        let mut kept: Vec<Pin> = Vec::new();
        for pin in candidates.into_iter().chain(late.iter().cloned()) {
            let Some(state) = pin.state_id().map(str::to_string) else {
                continue;
            };
            let newer = match latest.get(&state) {
                Some(held) => pin.order()? > held.order()?,
                None => true,
            };
            if newer {
                latest.insert(state, pin);
            }
        }
        kept.extend(latest.into_values());
        kept.extend(late);
        Ok(kept)
    }

    /// Read every object of `pins` whose key is not pinned yet (the first pin of a key wins) at
    /// its pinned version (the latest, pinned now, where none is recorded), check its SHA-256, and
    /// derive each evaluation from its evidence.
    async fn pin_new(
        &self,
        pins: Vec<Pin>,
        framework: &str,
        pinned: &mut Pinned,
    ) -> Result<(), ReportRunError> {
        let fresh: Vec<Pin> = pins
            .into_iter()
            .filter(|pin| pinned.keys.insert(pin.key.clone()))
            .collect();
        let items: Vec<Option<EvidenceItem>> = futures::stream::iter(fresh)
            .map(|pin| self.pin(pin, framework))
            .buffered(OBJECT_CONCURRENCY)
            .try_collect()
            .await?;
        pinned.items.extend(items.into_iter().flatten());
        Ok(())
    }

    async fn pin(&self, pin: Pin, framework: &str) -> Result<Option<EvidenceItem>, ReportRunError> {
        let stored = self
            .objects
            .read(&pin.key, pin.version_id.as_deref())
            .await?
            .ok_or_else(|| ReportRunError::MissingEvidence {
                key: pin.key.clone(),
                record: pin.origin.clone(),
            })?;
        let actual = attest_domain::canonical::sha256_hex(&stored.bytes);
        if actual != pin.sha256 {
            return Err(ReportRunError::EvidenceHash {
                key: pin.key.clone(),
                stored: Some(actual),
                recorded: pin.sha256.clone(),
                record: pin.origin.clone(),
            });
        }
        let version_id = pin.version_id.clone().or(stored.version_id);
        if let Some(mut item) = pin.collection {
            item.version_id = version_id;
            return Ok(Some(item));
        }
        let derived = normalize_evidence(&stored.bytes, &self.catalogue).map_err(|source| {
            ReportRunError::UnreadableEvidence {
                key: pin.key.clone(),
                record: pin.origin.clone(),
                source: Box::new(source),
            }
        })?;
        let disagree = |fields: Vec<String>| ReportRunError::RowDisagrees {
            record: pin.origin.clone(),
            key: pin.key.clone(),
            fields: fields.join(", "),
        };
        if let Some(row) = &pin.row {
            let rebuilt = FindingRows::build(
                &derived.finding,
                &derived.evidence,
                self.catalogue.version(),
            )
            .map_err(|e| ReportRunError::BadRecord {
                record: pin.origin.clone(),
                reason: e.to_string(),
            })?;
            let fields = row.differences(&rebuilt.history.fields);
            if !fields.is_empty() {
                return Err(disagree(fields));
            }
        }
        let item = EvidenceItem::from_finding(&derived, &pin.key, version_id, framework);
        let Some(mut item) = item else {
            return Ok(None);
        };
        item.late_for = pin.late_for.clone();
        if let Some(carried) = &pin.carried {
            // The predecessor's signed snapshot said this; the evidence must still say it.
            if carried.evaluation != item.evaluation || carried.controls != item.controls {
                return Err(disagree(vec!["evaluation".to_string()]));
            }
        }
        Ok(Some(item))
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

/// A snapshot's closing state: each state's latest evaluation.
pub fn closing_state(snapshot: &Snapshot) -> Vec<&EvidenceItem> {
    let mut latest: BTreeMap<&str, &EvidenceItem> = BTreeMap::new();
    for item in &snapshot.evidence {
        let Some(e) = &item.evaluation else {
            continue;
        };
        match latest.get(e.state_id.as_str()) {
            Some(held) if held.order() >= item.order() => {}
            _ => {
                latest.insert(e.state_id.as_str(), item);
            }
        }
    }
    latest.into_values().collect()
}
