//! Step 1: a stream record's two images -> the transition they make, if it alerts.

use attest_alerts::Transition;
use attest_domain::records::CurrentStateRow;

use crate::AlertError;

/// The old and new image of one current-state row, as DynamoDB Streams carries them
/// (`NEW_AND_OLD_IMAGES`; an empty image is absent: `INSERT` has no old one, `REMOVE` no new one).
#[derive(Debug, Clone, Default)]
pub struct StateImages {
    /// The stream record's id (its sequence number), for errors and logs.
    pub record: String,
    pub old: serde_dynamo::Item,
    pub new: serde_dynamo::Item,
}

fn decode(record: &str, image: &serde_dynamo::Item) -> Result<Option<CurrentStateRow>, AlertError> {
    if image.is_empty() {
        return Ok(None);
    }
    serde_dynamo::from_item(image.clone())
        .map(Some)
        .map_err(|e| AlertError::Image {
            record: record.to_string(),
            message: e.to_string(),
        })
}

/// The transition the images make, if it alerts.
pub fn read_change(images: &StateImages) -> Result<Option<Transition>, AlertError> {
    let old = decode(&images.record, &images.old)?;
    let new = decode(&images.record, &images.new)?;
    Transition::between(
        old.as_ref().map(|r| &r.fields),
        new.as_ref().map(|r| &r.fields),
    )
    .map_err(|source| AlertError::Transition {
        record: images.record.clone(),
        source,
    })
}
