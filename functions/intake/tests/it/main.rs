//! Integration tests for the intake function against a real AWS API server (moto) on 127.0.0.1,
//! with the tables, bucket, queues and rules created from `infra/template.yaml`. No in-memory fakes.

mod harness;
mod intake;
