//! Integration tests for the remediate function against a real AWS API server (moto) on
//! 127.0.0.1, with the template provisioned with remediation rules (so its queue, the topic's
//! filtered subscription and the function's environment exist): failing transitions are published
//! to the alerts topic as the alert function publishes them, received from the template's queue,
//! and handled; the buckets and the trail they name are real moto resources, read back after.

mod remediate;
