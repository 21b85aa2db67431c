//! Collection tests. `collection` runs against the local AWS server (moto) with the template's tables
//! and bucket; `mocked` covers what moto cannot: AWS Config's compliance operations are not implemented
//! there, and its Security Hub ignores GetFindings filters, so those calls are tested with
//! aws-smithy-mocks on real-shaped responses, asserting the requests sent.

mod collection;
mod mocked;
