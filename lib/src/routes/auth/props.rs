//! Properties of the account routes' request bodies: any JSON object made of a body's field names
//! (and now and then a stray one) is read or refused as a 4xx naming its field, never a panic.

use proptest::prelude::*;
use serde_json::Value;

use super::{account, keys, password, profile, session, signup};
use crate::error::ApiError;
use crate::http::props::{assert_client_error, read_as, request_object};

fn checked<T: serde::de::DeserializeOwned>(value: &Value) -> Result<(), ApiError> {
    read_as::<T>(value).map(|_| ())
}

proptest! {
    #[test]
    fn any_account_body_is_read_or_refused_naming_a_field(
        register in request_object(&["email", "password", "name", "locale"]),
        login in request_object(&["email", "password", "transport"]),
        refresh in request_object(&["refresh_token"]),
        token in request_object(&["token", "email"]),
        change in request_object(&["current_password", "new_password"]),
        reset in request_object(&["token", "password"]),
        patch in request_object(&["name", "avatar_url", "locale"]),
        settings in request_object(&[
            "default_quality", "default_aspect_ratio", "default_template_id", "email_notifications", "offline_cache",
            "show_prompt_publicly",
        ]),
        key in request_object(&["name", "scopes", "expires_in_days", "api_key", "password"]),
    ) {
        let results = [
            (&register, checked::<signup::Register>(&register)),
            (&login, checked::<session::Login>(&login)),
            (&refresh, checked::<session::Refresh>(&refresh)),
            (&token, checked::<signup::TokenBody>(&token)),
            (&token, checked::<signup::EmailBody>(&token)),
            (&change, checked::<password::Change>(&change)),
            (&reset, checked::<password::Reset>(&reset)),
            (&patch, checked::<profile::ProfilePatch>(&patch)),
            (&settings, checked::<profile::SettingsPatch>(&settings)),
            (&key, checked::<keys::NewKey>(&key)),
            (&key, checked::<keys::GeminiKey>(&key)),
            (&key, checked::<account::Delete>(&key)),
        ];
        for (input, result) in results {
            if let Err(err) = result {
                assert_client_error(&err, input);
            }
        }
    }
}
