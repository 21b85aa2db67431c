//! Integration tests for the alert function against a real AWS API server (moto) on 127.0.0.1,
//! with the transitions table and the alerts topic created from `infra/template.yaml`.
//!
//! The stream records are built here in the shape Lambda delivers them (moto's DynamoDB Streams
//! are not read yet); the transitions table's conditional puts and the SNS publish
//! (`MessageStructure: json`, `String.Array` attribute) are the real calls.

mod alert;
