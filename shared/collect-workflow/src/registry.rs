//! Collectors registered by id, each with its source's rate limiter. The AWS collectors are
//! registered by `attest_collectors::aws_registry`.

use std::collections::BTreeMap;
use std::sync::Arc;

use attest_domain::catalogue::CatalogueError;
use attest_domain::collection::ControlCatalogue;

use crate::ports::Collector;
use crate::rate_limit::{RateLimiter, Source};

#[derive(Clone, Default)]
pub struct Registry {
    collectors: BTreeMap<&'static str, Arc<dyn Collector>>,
    limiters: BTreeMap<Source, Arc<RateLimiter>>,
}

impl Registry {
    /// Add (or replace) a collector; its source gets a limiter at the source's default rate.
    pub fn register(&mut self, collector: Arc<dyn Collector>) {
        let source = collector.source();
        self.limiters
            .entry(source)
            .or_insert_with(|| Arc::new(RateLimiter::per_second(source.default_rate())));
        self.collectors.insert(collector.id(), collector);
    }

    /// Override a source's rate (calls per second).
    pub fn set_rate(&mut self, source: Source, per_second: f64) {
        self.limiters
            .insert(source, Arc::new(RateLimiter::per_second(per_second)));
    }

    pub fn ids(&self) -> Vec<&'static str> {
        self.collectors.keys().copied().collect()
    }

    pub fn get(&self, id: &str) -> Option<(&Arc<dyn Collector>, &RateLimiter)> {
        let collector = self.collectors.get(id)?;
        let limiter = self.limiters.get(&collector.source())?;
        Some((collector, limiter))
    }

    /// Check every catalogue row's parameters with its collector; errors name the row.
    pub fn check(&self, catalogue: &ControlCatalogue) -> Result<(), CatalogueError> {
        for entry in catalogue.entries() {
            if let Some((collector, _)) = self.get(&entry.control.collector) {
                collector
                    .check_parameters(&entry.control.parameters)
                    .map_err(|reason| CatalogueError {
                        file: "controls.json",
                        row: entry.row,
                        reason: format!(
                            "control `{}`: field `parameters`: {reason}",
                            entry.control.id
                        ),
                    })?;
            }
        }
        Ok(())
    }
}
