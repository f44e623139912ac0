//! Specifications of a bulk request's parsing: each action with what it needs, nothing more.

use serde_json::json;

use super::*;

fn parse(body: Value) -> Result<Bulk, ApiError> {
    let body: BulkBody = serde_json::from_value(body).map_err(|e| ApiError::validation("body", e.to_string()))?;
    Bulk::parse(body)
}

#[test]
fn each_action_takes_what_it_needs() {
    let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let cases = [
        (
            json!({ "ids": [a], "action": "tag", "tags": [" Kucing ", "kucing", "Batik"] }),
            Operation::Tag(vec!["kucing".into(), "batik".into()]),
        ),
        (json!({ "ids": [a], "action": "untag", "tags": ["batik"] }), Operation::Untag(vec!["batik".into()])),
        (json!({ "ids": [a], "action": "add_to_collection", "collection_id": b }), Operation::AddToCollection(b)),
        (
            json!({ "ids": [a], "action": "remove_from_collection", "collection_id": b }),
            Operation::RemoveFromCollection(b),
        ),
        (json!({ "ids": [a], "action": "publish" }), Operation::Publish),
        (json!({ "ids": [a], "action": "unpublish" }), Operation::Unpublish),
        (json!({ "ids": [a], "action": "favorite" }), Operation::Favorite(true)),
        (json!({ "ids": [a], "action": "unfavorite" }), Operation::Favorite(false)),
        (json!({ "ids": [a], "action": "delete" }), Operation::Delete),
    ];
    for (body, operation) in cases {
        assert_eq!(parse(body.clone()).unwrap().operation, operation, "{body}");
    }
}

#[test]
fn ids_are_answered_once_each_in_the_order_given() {
    let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let bulk = parse(json!({ "ids": [b, a, b, a], "action": "favorite" })).unwrap();
    assert_eq!(bulk.ids, [b, a]);
}

#[test]
fn bad_requests_name_their_field() {
    let one = Uuid::from_u128(1);
    let too_many: Vec<Uuid> = (0..=MAX_IDS as u128).map(Uuid::from_u128).collect();
    let cases = [
        (json!({ "ids": [], "action": "favorite" }), "ids"),
        (json!({ "ids": too_many, "action": "favorite" }), "ids"),
        (json!({ "ids": [one], "action": "tag" }), "tags"),
        (json!({ "ids": [one], "action": "tag", "tags": [] }), "tags"),
        (json!({ "ids": [one], "action": "tag", "tags": ["ok", " "] }), "tags[1]"),
        (json!({ "ids": [one], "action": "untag", "tags": ["x".repeat(51)] }), "tags[0]"),
        (json!({ "ids": [one], "action": "favorite", "tags": ["x"] }), "tags"),
        (json!({ "ids": [one], "action": "add_to_collection" }), "collection_id"),
        (json!({ "ids": [one], "action": "publish", "collection_id": one }), "collection_id"),
    ];
    for (body, field) in cases {
        let err = parse(body.clone()).expect_err(&body.to_string());
        assert_eq!(err.body()["details"]["field"], field, "{body}: {err}");
    }
}
