//! Delivery of the messages recipes send: emails ([`email`]) and text messages ([`sms`]).
//!
//! Recipes build the message from their templates and hand it to a delivery held as
//! `Arc<dyn EmailDelivery>` / `Arc<dyn SmsDelivery>`, so one configured SMTP server or SMS
//! gateway serves every recipe, and apps plug in their own.

pub mod email;
pub mod error;
pub mod sms;

pub use crate::error::{EmailDeliveryError, SmsDeliveryError};
