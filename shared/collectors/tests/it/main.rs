//! Collector calls the local server cannot serve: AWS Config's compliance operations are not
//! implemented there, and its Security Hub ignores GetFindings filters, so those calls are tested
//! with aws-smithy-mocks on real-shaped responses, asserting the requests sent. The collectors run
//! against the local server (moto) through the whole workflow in `functions/collect/tests/it`.

mod mocked;
