//! The user metadata recipe against an in-process core: the shallow merge rule through the
//! SDK (`null` removes a key, nested objects are replaced), clearing, and users kept apart.

use serde_json::{Value, json};
use supertokens_usermetadata::{
    JsonObject, UserMetadataConfig, clear_user_metadata, get_user_metadata, update_user_metadata,
};

use super::recipe_support::RecipeApp;

fn object(value: Value) -> JsonObject {
    match value {
        Value::Object(object) => object,
        other => panic!("not an object: {other}"),
    }
}

#[tokio::test]
async fn metadata_merges_shallowly_and_clears() {
    let app =
        RecipeApp::start(|_| vec![supertokens_usermetadata::init(UserMetadataConfig::default())])
            .await;
    let st = &app.st;
    assert_eq!(
        get_user_metadata(st, "meta-1").await.unwrap(),
        JsonObject::new()
    );

    let merged = update_user_metadata(
        st,
        "meta-1",
        object(json!({"theme": "dark", "profile": {"name": "Ann", "age": 30}, "tags": ["a"]})),
    )
    .await
    .unwrap();
    assert_eq!(
        Value::Object(merged),
        json!({"theme": "dark", "profile": {"name": "Ann", "age": 30}, "tags": ["a"]})
    );

    // Top-level keys replace, nested objects are replaced whole, null removes.
    let merged = update_user_metadata(
        st,
        "meta-1",
        object(json!({"profile": {"name": "Bo"}, "theme": null, "lang": "fr"})),
    )
    .await
    .unwrap();
    let expected = json!({"profile": {"name": "Bo"}, "tags": ["a"], "lang": "fr"});
    assert_eq!(Value::Object(merged), expected);
    assert_eq!(
        Value::Object(get_user_metadata(st, "meta-1").await.unwrap()),
        expected
    );

    // Another user is untouched; an empty update changes nothing.
    update_user_metadata(st, "meta-2", object(json!({"x": 1})))
        .await
        .unwrap();
    assert_eq!(
        Value::Object(
            update_user_metadata(st, "meta-1", JsonObject::new())
                .await
                .unwrap()
        ),
        expected
    );

    clear_user_metadata(st, "meta-1").await.unwrap();
    assert_eq!(
        get_user_metadata(st, "meta-1").await.unwrap(),
        JsonObject::new()
    );
    assert_eq!(
        Value::Object(get_user_metadata(st, "meta-2").await.unwrap()),
        json!({"x": 1})
    );
    // Clearing a user without metadata is fine.
    clear_user_metadata(st, "meta-3").await.unwrap();
}
