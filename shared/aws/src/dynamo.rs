//! The DynamoDB calls the stores make, written once: a conditional put (and its commonest case, a
//! put of a new item), a conditional update, a consistent get, and a query that follows every page.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::retry::ProvideErrorKind;
use serde::de::DeserializeOwned;

use crate::error::AdapterError;

pub type Item = HashMap<String, AttributeValue>;

pub(crate) fn decode<T: DeserializeOwned>(
    what: &'static str,
    item: Item,
) -> Result<T, AdapterError> {
    serde_dynamo::from_item(item).map_err(|e| AdapterError::Encode {
        what,
        message: e.to_string(),
    })
}

/// A conditional write's answer: `Ok(true)` written, `Ok(false)` its condition did not hold, any
/// other failure classified.
fn condition_held<O, E>(
    result: Result<O, SdkError<E, HttpResponse>>,
    operation: &'static str,
    table: &str,
) -> Result<bool, AdapterError>
where
    E: std::error::Error + ProvideErrorMetadata + ProvideErrorKind + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(err)
            if err.as_service_error().and_then(ProvideErrorMetadata::code)
                == Some("ConditionalCheckFailedException") =>
        {
            Ok(false)
        }
        Err(err) => Err(AdapterError::from_sdk(operation, table.to_string(), err)),
    }
}

/// Put `item` if `condition` holds: `Ok(false)` when it did not.
pub(crate) async fn put_if(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    item: Item,
    condition: &str,
    names: Option<HashMap<String, String>>,
    values: Option<Item>,
) -> Result<bool, AdapterError> {
    let result = client
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression(condition)
        .set_expression_attribute_names(names)
        .set_expression_attribute_values(values.filter(|v| !v.is_empty()))
        .send()
        .await;
    condition_held(result, "dynamodb:PutItem", table)
}

/// Put `item` unless an item with its `pk` exists: `Ok(false)` when one did (the first write
/// stays).
pub(crate) async fn put_new(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    item: Item,
) -> Result<bool, AdapterError> {
    put_if(client, table, item, "attribute_not_exists(pk)", None, None).await
}

/// Update the item keyed `pk` if `condition` holds: `Ok(false)` when it did not.
pub(crate) async fn update_if(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    pk: &str,
    update: &str,
    condition: &str,
    values: Item,
) -> Result<bool, AdapterError> {
    let result = client
        .update_item()
        .table_name(table)
        .key("pk", AttributeValue::S(pk.to_string()))
        .update_expression(update)
        .condition_expression(condition)
        .set_expression_attribute_values(Some(values))
        .send()
        .await;
    condition_held(result, "dynamodb:UpdateItem", table)
}

/// A strongly consistent read of one item by `pk` and `sk`.
pub(crate) async fn get<T: DeserializeOwned>(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    what: &'static str,
    pk: &str,
    sk: &str,
) -> Result<Option<T>, AdapterError> {
    let out = client
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(pk.to_string()))
        .key("sk", AttributeValue::S(sk.to_string()))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| AdapterError::from_sdk("dynamodb:GetItem", table.to_string(), e))?;
    out.item.map(|item| decode(what, item)).transpose()
}

/// A key-condition query on the table or one of its indexes, every page, decoded.
pub(crate) async fn query_all<T: DeserializeOwned>(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    index: Option<&str>,
    condition: &str,
    names: Option<HashMap<String, String>>,
    values: Item,
) -> Result<Vec<T>, AdapterError> {
    let mut rows = Vec::new();
    let mut start: Option<Item> = None;
    loop {
        let page = client
            .query()
            .table_name(table)
            .set_index_name(index.map(str::to_string))
            .key_condition_expression(condition)
            .set_expression_attribute_names(names.clone())
            .set_expression_attribute_values(Some(values.clone()))
            .set_exclusive_start_key(start.take())
            // Indexes only offer eventually consistent reads; the table itself is read consistently.
            .consistent_read(index.is_none())
            .send()
            .await
            .map_err(|e| {
                AdapterError::from_sdk(
                    "dynamodb:Query",
                    format!("{table}/{}", index.unwrap_or("table")),
                    e,
                )
            })?;
        for item in page.items.unwrap_or_default() {
            rows.push(decode("queried row", item)?);
        }
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(rows),
        }
    }
}
