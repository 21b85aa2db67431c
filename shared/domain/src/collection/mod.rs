//! Scheduled evidence collection, the pure half: which controls are collected on what schedule
//! (`catalogue/controls.json`), which period a run covers, the run record, and the collected
//! evidence document. The collectors themselves call AWS and live in `attest-collectors`.

pub mod controls;
pub mod evidence;
pub mod run;
pub mod schedule;

pub use controls::{CollectionControl, ControlCatalogue};
pub use run::{RunRecord, RunStatus};
pub use schedule::{Period, Schedule, ScheduleError};
